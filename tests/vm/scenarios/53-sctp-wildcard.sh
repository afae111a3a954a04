#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mSCTP with a socket bound to the wildcard and automatic ASCONF
# (net.sctp.default_auto_asconf=1 in the mobile's namespace): the kernel
# adds the new address and deletes the old one by itself; hmmpd applies
# only the primary rule (ack): set-primary once the new address is in the
# association.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+    fixed server
#   +---+ hmmpd [sctp]            | r2 |
#        access B 203.0.113.0/24  +----+
#
# timeout: 150
# kernels: newest (auto-ASCONF wildcard sockets; 50 hands over on both lines)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"
# shellcheck source=../sctp-lib.sh
. "$REPO/tests/vm/sctp-lib.sh"

case_wildcard() {
	sctp_topology
	must ip netns exec "$m" sysctl -qw net.sctp.default_auto_asconf=1
	sctp_conf ack
	sctp_hmmpd
	sctp_capture "$cn" e0
	sctp_stream 100000000 150000 --register ack --events "$SW/events"
	check "m: registered, bound to any address with automatic ASCONF" \
		wait_until 10 mlog_has "sctp: association 1 \(peer\) registered: .*rule ack, bound to any address with automatic ASCONF"
	check "server: peer $ORIG, primary $ORIG" status_is "peers=$ORIG primary=$ORIG"
	move_in
	check "m: the kernel adds the address, hmmpd does not" \
		wait_until 10 mlog_has "the kernel adds and deletes addresses \(automatic ASCONF\); rule ack for the primary"
	check "server: $COA is a peer address" wait_until 10 status_is "peers=.*$COA"
	check "server: primary path now $COA" wait_until 15 status_is "primary=$COA"
	check_no_match "m: hmmpd did not add it itself" "add $COA \(ASCONF to the peer\)" "$(cat "$SW/m.log.err")"
	leave_old
	check "server: only $COA left (the kernel deleted $ORIG)" wait_until 15 status_is "peers=$COA primary=$COA"
	sctp_streams_done 300000
	sctp_capture_stop
	python3 "$REPO/tests/vm/sctp_pcap.py" "$SW/cap.pcap" >"$SW/asconf"
	show_file "$SW/asconf"
	if grep -qE "> $CN ASCONF serial [0-9]+ add-ip $COA" "$SW/asconf"; then
		ok "capture: the kernel's ASCONF add-ip $COA"
	else
		not_ok "capture: the kernel's ASCONF add-ip $COA"
	fi
	if grep -qE "> $CN ASCONF serial [0-9]+ set-primary $COA" "$SW/asconf"; then
		ok "capture: hmmpd's ASCONF set-primary $COA"
	else
		not_ok "capture: hmmpd's ASCONF set-primary $COA"
	fi
	if grep -qE "> $CN ASCONF serial [0-9]+ .*delete-ip $ORIG" "$SW/asconf"; then
		ok "capture: the kernel's ASCONF delete-ip $ORIG"
	else
		not_ok "capture: the kernel's ASCONF delete-ip $ORIG"
	fi
	grep -E "sctp:" "$SW/m.log.err" | sed 's/^/#   m: /'
	run kill -TERM "$HPID"
	proc_wait 10 "$HPID"
	check_eq "hmmpd exits 0" 0 "$RC"
	teardown_topology
}

tcase case_wildcard "a wildcard socket with automatic ASCONF: hmmpd sets the primary only"
