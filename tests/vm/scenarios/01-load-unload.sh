#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hmmp.ko loads and unloads cleanly, again and again, with and without
# network namespaces around, and registers its generic netlink family only
# while loaded.
#
#   no links: the initial namespace, plus two empty namespaces for the
#   pernet case
#
#   +-----------------+      +-----------------+
#   | init netns      |      | n1, n2 (empty)  |
#   | insmod / rmmod  |      | created/deleted |
#   +-----------------+      | around the load |
#                            +-----------------+
#
# timeout: 180
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

in_lsmod() { lsmod | grep -q '^hmmp '; }
genl_family() { genl ctrl get name hmmp >/dev/null 2>&1; }

# Three rounds of load / unload; each leaves no trace and logs no warning.
case_load_unload_3x() {
	local i mark
	run modinfo "$HMMP_KO"
	for i in 1 2 3; do
		mark=$(dmesg_mark)
		check "round $i: insmod hmmp.ko" hmmp_load || return
		check "round $i: /sys/module/hmmp present" test -d /sys/module/hmmp
		check "round $i: lsmod lists hmmp" in_lsmod
		check "round $i: rmmod hmmp" hmmp_unload
		check_fails "round $i: /sys/module/hmmp gone" test -e /sys/module/hmmp
		check_fails "round $i: lsmod no longer lists hmmp" in_lsmod
		check "round $i: no warning in dmesg" dmesg_clean_since "$mark"
	done
}

# The generic netlink family "hmmp" exists exactly while the module is in.
case_genl_family() {
	check_fails "no family 'hmmp' before loading" genl_family
	check "insmod hmmp.ko" hmmp_load || return
	check "family 'hmmp' registered" genl ctrl get name hmmp
	check "rmmod hmmp" hmmp_unload
	check_fails "family 'hmmp' gone after unloading" genl_family
}

# Per-namespace state: load with a namespace alive, create and delete
# namespaces while loaded, unload while one is still alive.
case_pernet() {
	local mark
	mark=$(dmesg_mark)
	netns_add n1
	check "insmod hmmp.ko with a namespace alive" hmmp_load || return
	netns_add n2
	check "family 'hmmp' visible in a new namespace" \
		ip netns exec "$n2" genl ctrl get name hmmp
	check "delete a namespace while loaded" netns_del "$n2"
	check "rmmod hmmp with a namespace alive" hmmp_unload
	check "delete the last namespace after unloading" netns_del "$n1"
	check "no warning in dmesg" dmesg_clean_since "$mark"
}

# Loading taints the kernel out-of-tree (O) and unsigned (E), nothing else.
case_taint() {
	local t
	t=$(cat /proc/sys/kernel/tainted)
	echo "# taint now $t ($(hmmp_taint_letters "$t")), at boot ${HMMP_BOOT_TAINT:-?}"
	check "kernel marked out-of-tree (O) by the loads" test $((t & 4096)) -ne 0
	check "no taint but O and E since boot" taint_only_oe
}

tcase case_load_unload_3x "load and unload three times"
tcase case_genl_family "generic netlink family follows the module"
tcase case_pernet "namespaces created and deleted around load and unload"
tcase case_taint "taint only out-of-tree and unsigned"
