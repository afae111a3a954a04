#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make install` into a scratch DESTDIR, twice (the default PREFIX and
# PREFIX=/usr): exactly the expected files with the expected modes, the
# unit's ExecStart pointing at the installed hmmpd, the unit clean under
# `systemd-analyze verify`, the man pages clean under groff's warnings,
# and an unwritable DESTDIR making `make install` fail. TAP on stdout;
# tests/unit/run counts it like the cmocka binaries.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
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

check() { # DESC CMD...
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$d"; else not_ok "$d" "$*: failed" "$out"; fi
}

check_eq() { # DESC EXPECTED GOT
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1" "expected:" "$2" "got:" "$3" "diff:" "$(diff <(echo "$2") <(echo "$3"))"
	fi
}

# The tree as "MODE TYPE PATH" lines, sorted by path.
tree() { # DIR
	(cd "$1" && find . -mindepth 1 -printf '%m %y %P\n' | sort -k3)
}

# The expected tree for PREFIX $1 (relative, no leading slash).
expected() { # PREFIX
	local p=$1 v
	{
		echo "755 d etc"
		echo "700 d etc/hmmp"
		echo "644 f etc/hmmp/hmmpd.conf.example"
		echo "755 d lib"
		echo "755 d lib/modules"
		for v in $kvers; do
			echo "755 d lib/modules/$v"
			echo "755 d lib/modules/$v/updates"
			echo "644 f lib/modules/$v/updates/hmmp.ko"
		done
		local d=""
		for part in ${p//\// }; do
			d=${d:+$d/}$part
			echo "755 d $d"
		done
		echo "755 d $p/include"
		echo "755 d $p/include/hmmp"
		echo "644 f $p/include/hmmp/hmmp_sctp.h"
		echo "755 d $p/lib"
		echo "644 f $p/lib/libhmmp-sctp.a"
		echo "755 d $p/lib/systemd"
		echo "755 d $p/lib/systemd/system"
		echo "644 f $p/lib/systemd/system/hmmpd.service"
		echo "755 d $p/sbin"
		echo "755 f $p/sbin/hmmpctl"
		echo "755 f $p/sbin/hmmpd"
		echo "755 d $p/share"
		echo "755 d $p/share/man"
		echo "755 d $p/share/man/man5"
		echo "644 f $p/share/man/man5/hmmpd.conf.5"
		echo "755 d $p/share/man/man8"
		echo "644 f $p/share/man/man8/hmmpctl.8"
		echo "644 f $p/share/man/man8/hmmpd.8"
	} | sort -k3 -u
}

# install_case PREFIX [MAKEOPT]: make install DESTDIR=... PREFIX=PREFIX
# and check the result. MAKEOPT "-o all" skips the (phony, slow) rebuild
# of every kernel line's module once the first case has done it.
install_case() {
	local prefix=$1 d="$tmp/root${1//\//_}" out rc unit
	out=$(umask 022 && make -s -C "$top" ${2:-} install DESTDIR="$d" PREFIX="$prefix" 2>&1)
	rc=$?
	if [ $rc -ne 0 ]; then
		not_ok "make install PREFIX=$prefix" "exit status $rc" "$out"
		return
	fi
	ok "make install PREFIX=$prefix"
	check_eq "PREFIX=$prefix: the files and their modes" "$(expected "${prefix#/}")" "$(tree "$d")"
	unit="$d$prefix/lib/systemd/system/hmmpd.service"
	check_eq "PREFIX=$prefix: the unit starts the installed hmmpd" \
		"ExecStart=$prefix/sbin/hmmpd -f" "$(grep '^ExecStart=' "$unit" 2>&1)"
	check "PREFIX=$prefix: the installed hmmpd runs (-h)" "$d$prefix/sbin/hmmpd" -h
	check "PREFIX=$prefix: the installed hmmpctl runs (help)" "$d$prefix/sbin/hmmpctl" help
	# An application builds against the installed header and library.
	printf '%s\n' '#include <hmmp/hmmp_sctp.h>' \
		'int main(void) { char e[64]; return hmmp_sctp_register(-1, "", e, sizeof(e)) >= 0; }' \
		>"$tmp/app.c"
	check "PREFIX=$prefix: an application links with -lhmmp-sctp" \
		cc -o "$tmp/app" "$tmp/app.c" -I"$d$prefix/include" -L"$d$prefix/lib" -lhmmp-sctp
	check "PREFIX=$prefix: ... and its registration of a bad descriptor fails" "$tmp/app"
	cmp -s "$d/lib/modules/$(echo "$kvers" | tail -n 1)/updates/hmmp.ko" \
		"$top/build/$(echo "$kvers" | tail -n 1)/kmod/hmmp.ko" &&
		ok "PREFIX=$prefix: hmmp.ko is the built one" ||
		not_ok "PREFIX=$prefix: hmmp.ko is the built one" "differs from build/"
	# systemd-analyze verify resolves ExecStart and the man pages on this
	# host: point them into DESTDIR. Warnings count as failures.
	sed "s|^ExecStart=|ExecStart=$d|" "$unit" >"$tmp/hmmpd.service"
	out=$(MANPATH="$d$prefix/share/man" systemd-analyze verify "$tmp/hmmpd.service" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ -z "$out" ]; then
		ok "PREFIX=$prefix: systemd-analyze verify hmmpd.service: clean"
	else
		not_ok "PREFIX=$prefix: systemd-analyze verify hmmpd.service: clean" "exit $rc" "$out"
	fi
}

kvers=$("$top/scripts/kernels" 2>/dev/null)
if [ -z "$kvers" ]; then
	echo "1..1"
	not_ok "installed kernel lines" "scripts/kernels lists none: run 'make deps'"
	exit 1
fi
for tool in systemd-analyze groff make; do
	command -v $tool >/dev/null || { echo "1..1"; not_ok "$tool is installed" "run 'make deps'"; exit 1; }
done

install_case /usr/local
install_case /usr "-o all"

for page in hmmpd.8 hmmpd.conf.5 hmmpctl.8; do
	out=$(LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$top/docs/$page" 2>&1)
	check_eq "$page: groff -man -ww: no warning" "" "$out"
done

# An error: DESTDIR under a regular file cannot be created.
touch "$tmp/file"
out=$(make -s -C "$top" -o all install DESTDIR="$tmp/file/root" 2>&1)
rc=$?
if [ $rc -ne 0 ] && [ ! -e "$tmp/file/root" ]; then
	ok "make install into an unusable DESTDIR fails (exit $rc)"
else
	not_ok "make install into an unusable DESTDIR fails" "exit $rc" "$out"
fi

echo "1..$n"
[ $nfail -eq 0 ]
