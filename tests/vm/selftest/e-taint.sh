#!/bin/bash
# A new taint bit other than O and E fails the scenario (512: W).
# expect: FAIL kernel taint .*new: W
# shellcheck source=../lib.sh
. "$REPO/tests/vm/lib.sh"
case_taint() {
	run sh -c 'echo 512 >/proc/sys/kernel/tainted'
	check_fails "taint_only_oe sees it" taint_only_oe
}
tcase case_taint
