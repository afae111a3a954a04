#!/bin/bash
# A warning in the kernel log fails a scenario whose checks all pass. (The
# line is written to /dev/kmsg: the same path as a kernel WARN for the
# harness, without harming the kernel.)
# expect: FAIL kernel log: .*WARNING: selftest
# shellcheck source=../lib.sh
. "$REPO/tests/vm/lib.sh"
case_warn() {
	local mark
	mark=$(dmesg_mark)
	run sh -c 'echo "WARNING: selftest at fake.c:1" >/dev/kmsg'
	check_fails "dmesg_clean_since sees it" dmesg_clean_since "$mark"
}
tcase case_warn
