#!/bin/bash
# A scenario that checks nothing fails.
# expect: FAIL exit status 1
# shellcheck source=../lib.sh
. "$REPO/tests/vm/lib.sh"
run true
