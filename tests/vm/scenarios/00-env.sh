#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The VM itself: what the other scenarios take for granted. Distribution
# modules load from the host's /lib/modules, namespaces and veth work, the
# places a test writes to are writable, the tools are on PATH.
#
#   +---------------+   veth    +---------------+
#   | x             |-----------| y             |
#   | 192.0.2.1/24  |   ping    | 192.0.2.2/24  |
#   +---------------+           +---------------+
#
# timeout: 120
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

case_kernel() {
	check_eq "running the kernel asked for" "$KVER" "$(uname -r)"
	check "modules tree of $KVER present" test -f "/lib/modules/$KVER/modules.dep"
}

case_modprobe() {
	local m
	for m in veth sch_netem ipip sctp; do
		check "modprobe $m" modprobe "$m"
	done
	run lsmod
}

case_writable() {
	local d
	for d in /tmp /run /var/tmp /var/lib /var/log /etc /root; do
		check "$d writable" touch "$d/.hmmp-vm-test"
		rm -f "$d/.hmmp-vm-test"
	done
	check "/etc/netns can be created" mkdir -p /etc/netns
	rmdir /etc/netns 2>/dev/null
	check_fails "the host root is read-only" touch /usr/.hmmp-vm-test
}

case_tools() {
	local t
	for t in ip ss python3 genl modprobe insmod rmmod dmesg timeout; do
		check "$t on PATH" command -v "$t"
	done
	check "hmmpctl on PATH" command -v hmmpctl
	check "hmmpd on PATH" command -v hmmpd
	check "hmmp.ko built for $KVER" test -f "$HMMP_KO"
}

case_netns() {
	netns_add x
	netns_add y
	veth_pair "$x" vx "$y" vy
	addr_add "$x" vx 192.0.2.1/24
	addr_add "$y" vy 192.0.2.2/24
	check "ping across a veth pair" in_ns "$x" ping -c 1 -W 5 192.0.2.2
	tcp_server "$y" 192.0.2.2 4000
	tcp_client "$x" 192.0.2.2 4000 0.1
	sleep 0.5
	check "TCP echo client still running" kill -0 "$SPAWNED"
}

tcase case_kernel "the right kernel"
tcase case_modprobe "distribution modules load"
tcase case_writable "writable places, read-only host"
tcase case_tools "tools"
tcase case_netns "namespaces, veth, TCP"
