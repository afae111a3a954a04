#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The mission, with bindings installed by hand: a mobile host moves from one
# access network to another while TCP streams run both ways between it and
# a correspondent; with hmmp's tunnel (IP-in-IP, then minimal encapsulation)
# both streams complete with the same bytes, no reset, no abort. The
# previous router forwards in-flight packets for its binding's lifetime,
# large DF segments get through (path MTU), and the original address is not
# answered on the visited link. The module is the packaged one: hmmp.ko as
# DKMS builds it from hmmp-dkms's sources (20-move.prep, on the host before
# the boot), signed with DKMS's key, from the same sources as the tree's
# build (same srcversion); without it the scenario fails.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+
#   +---+ (after the move)        | r2 |
#        access B 203.0.113.0/24  +----+
#
#   mobile original address 192.0.2.10, care-of 203.0.113.10
#   correspondent 198.51.100.10
#
# timeout: 420
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

BYTES=${HMMP_MOVE_BYTES:-24000000}
RATE=${HMMP_MOVE_RATE:-2400000}
W=/tmp/move.$$
# shellcheck source=../topo-move.sh
. "$REPO/tests/vm/topo-move.sh"

stat_of() { # NS KEY
	hmmp_stat "$1" "$2"
}

# One move with encapsulation $1, streams both ways.
r1_forwarded() {
	[ "$(stat_of "$r1" fwd_pkts)" -gt 0 ]
}

move_case() {
	local encap=$1 port=$2 rmon got

	rm -f "$W".*
	setup_topology
	spawn_to "$W.rmon" "$r1" hmmpctl monitor
	rmon=$SPAWNED
	start_streams "$W" "$port" "$RATE"

	# Move once a quarter of BYTES has arrived; then at least three
	# quarters more must go through the tunnels.
	wait_stream "$W" $((BYTES / 4))
	move_mobile
	bind_mobile "$encap"
	capture ip netns exec "$m" hmmpctl handoff from $ORIG to $COA
	check_eq "m: hand-off moved the stream's record" "1 connections moved" "$OUT"
	bind_router "$encap" 4
	# The correspondent learns later: meanwhile r1 forwards what cn
	# sends to the old address (waited for, not slept: cn may be in a
	# retransmission back-off after the packets lost at the move).
	wait_until 15 r1_forwarded ||
		echo "# r1 forwarded nothing within 15 s"
	bind_correspondent "$encap"

	check_streams "$W" $(($(cat "$W.prog") + BYTES * 3 / 4))
	for ns in "$m" "$cn"; do
		check_eq "$ns: no malformed encapsulated packet" 0 "$(stat_of "$ns" decap_errors)"
	done
	got=$(stat_of "$m" decap_pkts)
	check "m decapsulated packets ($got)" test "${got:-0}" -gt 0
	got=$(stat_of "$m" encap_pkts)
	check "m encapsulated packets, reverse tunnel ($got)" test "${got:-0}" -gt 0
	got=$(stat_of "$cn" encap_pkts)
	check "cn encapsulated packets ($got)" test "${got:-0}" -gt 0
	got=$(stat_of "$cn" decap_pkts)
	check "cn decapsulated packets ($got)" test "${got:-0}" -gt 0
	got=$(($(stat_of "$cn" pmtu_sent) + $(stat_of "$m" pmtu_sent)))
	check "full-size DF segments met the tunnel MTU and TCP adapted ($got ICMP)" test "$got" -gt 0
	got=$(stat_of "$r1" fwd_pkts)
	check "r1 forwarded in-flight packets ($got)" test "${got:-0}" -gt 0

	# The forwarding binding expires, with an event, and forwarding stops.
	check "r1: binding expired" wait_until 10 hmmp_bind_count_is "$r1" 0
	sleep 0.5
	kill "$rmon" 2>/dev/null
	show_file "$W.rmon"
	check "r1 monitor saw the expiry" grep -q "binding del.*reason expired" "$W.rmon"
	got=$(stat_of "$r1" fwd_pkts)
	run ip netns exec "$r2" ping -c 3 -i 0.2 -W 1 $ORIG
	check_eq "r1 no longer forwards" "$got" "$(stat_of "$r1" fwd_pkts)"

	# The original address is not answered on the visited link.
	must ip -n "$r2" route add $ORIG/32 dev a2
	run ip netns exec "$r2" ping -c 2 -W 1 $ORIG
	capture ip -n "$r2" neigh show $ORIG dev a2
	check_no_match "no ARP answer for $ORIG on access B" 'lladdr' "$OUT"

	teardown_topology
}

PREP=/run/hmmp-vm/prep/20-move
TREE_KO=$HMMP_KO

# The DKMS-built module, not the tree's: made by 20-move.prep.
case_load() {
	local ko
	show_file "$PREP/info"
	check "20-move.prep built hmmp.ko with DKMS on the host" test -f "$PREP/done" ||
		fatal "no DKMS-built hmmp.ko (see the prep's log beside $PREP)"
	ko=$(find "$PREP" -maxdepth 1 -name 'hmmp.ko*' | head -n 1)
	check "DKMS-built module present ($ko)" test -n "$ko" || fatal "no hmmp.ko in $PREP"
	HMMP_KO=$ko
	capture modinfo -F vermagic "$HMMP_KO"
	check "built for $KVER" test "${OUT%% *}" = "$KVER"
	capture modinfo -F signer "$HMMP_KO"
	check_eq "signed by DKMS's own key" "DKMS module signing key" "$OUT"
	capture modinfo -F srcversion "$TREE_KO"
	local tree_src=$OUT
	capture modinfo -F srcversion "$HMMP_KO"
	local dkms_src=$OUT
	check_eq "same sources as the tree's build (srcversion)" "$tree_src" "$dkms_src"
	check "insmod the DKMS-built hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
	check_eq "the loaded module is that one" "$dkms_src" "$(cat /sys/module/hmmp/srcversion)"
}

case_move_ipip() {
	move_case ipip 5001
}

case_move_minimal() {
	move_case minimal 5002
}

tcase case_load
tcase case_move_ipip "IP-in-IP (RFC 2003)"
tcase case_move_minimal "minimal encapsulation (RFC 2004)"
