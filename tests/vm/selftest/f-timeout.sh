#!/bin/bash
# A scenario over its time limit is stopped and fails; its cleanup runs.
# timeout: 5
# expect: FAIL timed out after 5s
# shellcheck source=../lib.sh
. "$REPO/tests/vm/lib.sh"
case_sleep() { check "true" true; run sleep 60; }
tcase case_sleep
