#!/bin/bash
# The kernel panics: the VM stops; this and every later scenario fail
# with "no result".
# expect: FAIL no result: guest kernel panic: .*sysrq
# shellcheck source=../lib.sh
. "$REPO/tests/vm/lib.sh"
case_crash() { check "sync" sync; run sh -c 'echo c >/proc/sysrq-trigger'; }
tcase case_crash
