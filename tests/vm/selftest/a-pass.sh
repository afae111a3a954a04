#!/bin/bash
# Control: a passing scenario passes.
# expect: PASS
# shellcheck source=../lib.sh
. "$REPO/tests/vm/lib.sh"
case_pass() { check "true succeeds" true; check_eq "equal" 1 1; }
tcase case_pass
