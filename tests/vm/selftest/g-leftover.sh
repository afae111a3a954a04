#!/bin/bash
# A namespace and a process the scenario forgot are removed by the guest
# and noted in its log; the next scenario starts clean. Its checks pass,
# so it passes.
# expect: PASS
# shellcheck source=../lib.sh
. "$REPO/tests/vm/lib.sh"
case_leak() {
	check "ip netns add without cleanup" ip netns add selftest-leak
	run sleep 1234 &
	check "a background sleep without cleanup" true
}
tcase case_leak
