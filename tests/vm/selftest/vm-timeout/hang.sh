#!/bin/bash
# Hangs past the whole VM's time limit (tests/vm/selftest/run sets it low).
# timeout: 600
# expect: FAIL no result: VM timed out after
# shellcheck source=../../lib.sh
. "$REPO/tests/vm/lib.sh"
case_hang() { check "true" true; run sleep 600; }
tcase case_hang
