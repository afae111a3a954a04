#!/bin/bash
# Runs after g-leftover: no namespace, no process is left.
# expect: PASS
# shellcheck source=../lib.sh
. "$REPO/tests/vm/lib.sh"
case_clean() {
	check_eq "no namespace left" "" "$(ip netns list)"
	check_fails "no 'sleep 1234' left" pgrep -f "sleep 1234"
}
tcase case_clean
