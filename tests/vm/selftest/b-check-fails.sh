#!/bin/bash
# One failing check among passing ones fails the scenario.
# expect: FAIL exit status 1
# shellcheck source=../lib.sh
. "$REPO/tests/vm/lib.sh"
case_mixed() { check "true" true; check_eq "1 = 2" 1 2; check "true again" true; }
tcase case_mixed
