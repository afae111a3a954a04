#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/layers, the layering check of `make lint`, on scratch trees (never
# on the live one): a small tree that keeps every rule passes, and each kind
# of bad include, added to a copy of it, fails with its message and exit
# status 1: a lower layer including a higher one (stun, sip, core, lib,
# hmmpctl), a feature including another feature, by "layer/file.h", by
# "../" and by <...>, an include that resolves to nothing, one that resolves
# in two -I folders, a spelling other than "layer/file.h", a file outside
# the layer folders, a file-level include cycle within one folder and a
# folder-level one. TAP on stdout; tests/unit/run counts it like the
# cmocka binaries.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
layers=$top/scripts/layers
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0
nfail=0

ok() { # DESC
	n=$((n + 1))
	echo "ok $n - $1"
}

not_ok() { # DESC WHY...
	n=$((n + 1))
	nfail=$((nfail + 1))
	echo "not ok $n - $1"
	shift
	printf '%s\n' "$@" | sed 's/^/# /'
}

# put FILE LINE...: FILE (below the tree being built) holds the LINEs.
put() {
	local f=$tree/$1
	shift
	mkdir -p "$(dirname "$f")"
	printf '%s\n' "$@" >"$f"
}

# add FILE LINE: LINE appended to FILE; prints FILE's new line count.
add() {
	printf '%s\n' "$2" >>"$tree/$1"
	wc -l <"$tree/$1"
}

# The good tree: every layer, every allowed kind of include, and includes
# that only look like ones (in a comment, in a string).
tree=$tmp/good
put include/uapi/linux/hmmp.h '#define HMMP_GENL_NAME "hmmp"'
put userspace/lib/util.h '#include <stddef.h>' '#include "uapi/linux/hmmp.h"'
put userspace/lib/util.c '#include <uapi/linux/hmmp.h>' '#include "util.h"'
put userspace/lib/nl.h '#include "util.h"'
put userspace/hmmpctl/cli.h '#include "nl.h"' '#include "util.h"'
put userspace/hmmpctl/main.c '#include <stdio.h>' '#include "cli.h"'
put userspace/hmmpd/stun/stun.h '#include <stdint.h>'
put userspace/hmmpd/stun/outbound.h '#include "stun.h"'
put userspace/hmmpd/stun/stun.c '#include "stun.h"' '#include "stun/outbound.h"' '#include "util.h"'
put userspace/hmmpd/sip/sip.h '#include <osip2/osip.h>' '#include "stun/stun.h"'
put userspace/hmmpd/sip/sip.c '#include "sip.h"' '#include "util.h"'
put userspace/hmmpd/core/feature.h '#include "sip/sip.h"'
put userspace/hmmpd/core/daemon.h '#include "feature.h"' '#include "nl.h"'
# shellcheck disable=SC1003 # a backslash ends the string's first line
put userspace/hmmpd/core/daemon.c \
	'/* Not includes:' \
	'#include "features/mobile/mobile.h"' \
	' */' \
	'// #include "features/msctp/msctp.h"' \
	'static const char *s = "\' \
	'#include \"nothing.h\"";' \
	'#include <uapi/linux/hmmp.h>' \
	'#include "core/daemon.h"' \
	'#include "stun/outbound.h"' \
	'#include "util.h"'
put userspace/hmmpd/features/mobile/mobile.h '#include "core/feature.h"'
put userspace/hmmpd/features/mobile/mobile.c '#include "mobile.h"' '#include "core/daemon.h"' \
	'#include "features/mobile/mobile.h"' '#include "sip/sip.h"' '#include "objects.h"'
put userspace/lib/objects.h '#include "nl.h"'
put userspace/hmmpd/features/msctp/msctp.h '#include "core/feature.h"'
put userspace/hmmpd/features/msctp/msctp-int.h '#include "msctp.h"'
put userspace/hmmpd/features/msctp/sub/asconf.c '#include "features/msctp/msctp-int.h"'
put userspace/hmmpd/features/table.h '#include "core/feature.h"'
put userspace/hmmpd/features/table.c '#include "table.h"' \
	'#include "features/mobile/mobile.h"' '#include "features/msctp/msctp.h"'
nfiles=$(find "$tree" -name '*.[ch]' | wc -l)

out=$("$layers" "$tree" 2>&1)
rc=$?
if [ $rc -eq 0 ] && [ "$out" = "layers clean ($nfiles files)" ]; then
	ok "a tree that keeps the rules: layers clean ($nfiles files)"
else
	not_ok "a tree that keeps the rules: layers clean ($nfiles files)" "exit $rc" "$out"
fi

# bad DESC EXPECTED_LINE...: run on $tree (a changed copy of the good
# tree) and expect exit status 1, every EXPECTED_LINE in the output and
# the verdict counting as many violations as lines were printed.
bad() {
	local d=$1 out rc e missing="" v
	shift
	out=$("$layers" "$tree" 2>&1)
	rc=$?
	for e in "$@"; do
		grep -qxF -- "$e" <<<"$out" || missing="$missing"$'\n'"$e"
	done
	v=$(($(wc -l <<<"$out") - 1))
	v="layers: $v violation$([ $v -eq 1 ] || echo s)"
	if [ $rc -eq 1 ] && [ -z "$missing" ] && [ "$(tail -n 1 <<<"$out")" = "$v" ]; then
		ok "$d"
	else
		not_ok "$d" "exit $rc (expected 1); expected lines missing:$missing" "output:" "$out"
	fi
}

# case NAME: $tree becomes a fresh copy of the good tree.
case_() {
	tree=$tmp/$1
	cp -a "$tmp/good" "$tree"
}

rule_core='core may include only lib, stun, sip, core'

case_ core-feature
l=$(add userspace/hmmpd/core/daemon.c '#include "features/mobile/mobile.h"')
bad "core includes a feature: fails, and the folder cycle it makes is named" \
	"userspace/hmmpd/core/daemon.c:$l: core/daemon.c includes features/mobile/mobile.h: $rule_core" \
	"userspace/hmmpd: folder cycle: core -> features/mobile -> core"

case_ core-table
l=$(add userspace/hmmpd/core/feature.h '#include "features/table.h"')
bad "core includes the feature table's header: the file and folder cycles are named" \
	"userspace/hmmpd/core/feature.h:$l: core/feature.h includes features/table.h: $rule_core" \
	"userspace/hmmpd/core/feature.h:$l: include cycle: core/feature.h -> features/table.h -> core/feature.h" \
	"userspace/hmmpd: folder cycle: core -> features -> core (the loop holds core, features, features/mobile, features/msctp)"

case_ feature-feature
l=$(add userspace/hmmpd/features/mobile/mobile.c '#include "features/msctp/msctp.h"')
bad "a feature includes another feature" \
	"userspace/hmmpd/features/mobile/mobile.c:$l: features/mobile/mobile.c includes features/msctp/msctp.h: features/mobile may include only lib, stun, sip, core, features/mobile"

case_ feature-dotdot
l=$(add userspace/hmmpd/features/msctp/msctp-int.h '#include "../mobile/mobile.h"')
bad "a feature includes another feature by \"../\"" \
	"userspace/hmmpd/features/msctp/msctp-int.h:$l: features/msctp/msctp-int.h includes features/mobile/mobile.h: features/msctp may include only lib, stun, sip, core, features/msctp"

case_ feature-subfolder
l=$(add userspace/hmmpd/features/msctp/sub/asconf.c '#include "features/mobile/mobile.h"')
bad "a file in a feature's subfolder includes another feature" \
	"userspace/hmmpd/features/msctp/sub/asconf.c:$l: features/msctp/sub/asconf.c includes features/mobile/mobile.h: features/msctp may include only lib, stun, sip, core, features/msctp"

case_ feature-table
l=$(add userspace/hmmpd/features/mobile/mobile.c '#include "features/table.h"')
bad "a feature includes the feature table's header" \
	"userspace/hmmpd/features/mobile/mobile.c:$l: features/mobile/mobile.c includes features/table.h: features/mobile may include only lib, stun, sip, core, features/mobile"

case_ stun-sip
l=$(add userspace/hmmpd/stun/stun.c '#include "sip/sip.h"')
bad "stun includes sip" \
	"userspace/hmmpd/stun/stun.c:$l: stun/stun.c includes sip/sip.h: stun may include only lib, stun" \
	"userspace/hmmpd: folder cycle: sip -> stun -> sip"

case_ sip-core
l=$(add userspace/hmmpd/sip/sip.c '#include "core/daemon.h"')
bad "sip includes core" \
	"userspace/hmmpd/sip/sip.c:$l: sip/sip.c includes core/daemon.h: sip may include only lib, stun, sip"

case_ angle
l=$(add userspace/hmmpd/stun/outbound.h '#include <core/feature.h>')
bad "stun includes core as <core/feature.h>" \
	"userspace/hmmpd/stun/outbound.h:$l: stun/outbound.h includes core/feature.h: stun may include only lib, stun"

case_ lib-hmmpd
l=$(add userspace/lib/nl.h '#include "core/daemon.h"')
bad "lib includes hmmpd" \
	"userspace/lib/nl.h:$l: lib/nl.h includes core/daemon.h: lib may include only lib"

case_ ctl-hmmpd
l=$(add userspace/hmmpctl/main.c '#include "features/mobile/mobile.h"')
bad "hmmpctl includes hmmpd" \
	"userspace/hmmpctl/main.c:$l: hmmpctl/main.c includes features/mobile/mobile.h: hmmpctl may include only lib, hmmpctl"

case_ missing
l=$(add userspace/hmmpd/core/daemon.c '#include "core/nothing.h"')
bad "an include that resolves to no file" \
	"userspace/hmmpd/core/daemon.c:$l: core/daemon.c includes \"core/nothing.h\": resolves to no file (searched userspace/hmmpd/core/, userspace/hmmpd/, userspace/lib/, include/)"

case_ missing-same
l=$(add userspace/hmmpd/features/mobile/mobile.c '#include "msctp.h"')
bad "an include of another folder's header as \"file.h\" resolves to no file" \
	"userspace/hmmpd/features/mobile/mobile.c:$l: features/mobile/mobile.c includes \"msctp.h\": resolves to no file (searched userspace/hmmpd/features/mobile/, userspace/hmmpd/, userspace/lib/, include/)"

case_ ambiguous
put include/util.h '#define X 1'
bad "an include found in two -I folders" \
	"userspace/hmmpd/sip/sip.c:2: sip/sip.c includes \"util.h\": ambiguous, lib/util.h and util.h (the -I order decides): rename one"

case_ spelling
l=$(add userspace/hmmpd/core/daemon.c '#include "../sip/sip.h"')
bad "an allowed header spelled \"../sip/sip.h\"" \
	"userspace/hmmpd/core/daemon.c:$l: core/daemon.c includes \"../sip/sip.h\": spell it \"sip/sip.h\""

case_ stray
put userspace/hmmpd/stray.c '#include "core/daemon.h"'
mkdir -p "$tree/userspace/hmmpd/nat"
put userspace/hmmpd/nat/nat.c '#include "core/daemon.h"'
bad "files outside the layer folders" \
	"userspace/hmmpd/nat/nat.c:1: nat/nat.c is in no layer folder: hmmpd's files go in stun/, sip/, core/, features/ or features/NAME/" \
	"userspace/hmmpd/stray.c:1: stray.c is in no layer folder: hmmpd's files go in stun/, sip/, core/, features/ or features/NAME/"

case_ outside
put tests/unit/fake.h '#define FAKE 1'
l=$(add userspace/hmmpd/core/daemon.c '#include "../../../tests/unit/fake.h"')
bad "an include of a file outside userspace/ and include/" \
	"userspace/hmmpd/core/daemon.c:$l: core/daemon.c includes tests/unit/fake.h: outside userspace/ and include/, $rule_core"

case_ file-cycle
put userspace/hmmpd/core/a.h '#include "sip/sip.h"' '#include "b.h"'
put userspace/hmmpd/core/b.h '#include "core/c.h"'
put userspace/hmmpd/core/c.h '#include "a.h"'
bad "an include cycle among the files of one folder" \
	"userspace/hmmpd/core/a.h:2: include cycle: core/a.h -> core/b.h -> core/c.h -> core/a.h"

case_ self
l=$(add userspace/hmmpd/sip/sip.h '#include "sip.h"')
bad "a header that includes itself" \
	"userspace/hmmpd/sip/sip.h:$l: include cycle: sip/sip.h -> sip/sip.h"

out=$("$layers" "$tmp/nowhere" 2>&1)
rc=$?
if [ $rc -eq 2 ]; then
	ok "a folder without userspace/: exit 2"
else
	not_ok "a folder without userspace/: exit 2" "exit $rc" "$out"
fi

echo "1..$n"
[ $nfail -eq 0 ]
