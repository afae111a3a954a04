#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The mission, with bindings installed by hand: a mobile host moves from one
# access network to another while TCP streams run both ways between it and
# a correspondent; with hmmp's tunnel (IP-in-IP, then minimal encapsulation)
# both streams complete with the same bytes, no reset, no abort. The
# previous router forwards in-flight packets for its binding's lifetime,
# large DF segments get through (path MTU), and the original address is not
# answered on the visited link.
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

ORIG=192.0.2.10
COA=203.0.113.10
CN=198.51.100.10
BYTES=${HMMP_MOVE_BYTES:-8000000}
RATE=${HMMP_MOVE_RATE:-800000}
W=/tmp/move.$$

setup_topology() {
	netns_add m
	netns_add r1
	netns_add r2
	netns_add sw
	netns_add cn
	veth_pair "$m" m1 "$r1" a1
	veth_pair "$m" m2 "$r2" a2
	veth_pair "$r1" c1 "$sw" s1
	veth_pair "$r2" c2 "$sw" s2
	veth_pair "$cn" e0 "$sw" s3
	must ip -n "$sw" link add br0 type bridge
	must ip -n "$sw" link set br0 up
	for i in s1 s2 s3; do must ip -n "$sw" link set "$i" master br0; done
	addr_add "$m" m1 $ORIG/24
	addr_add "$r1" a1 192.0.2.1/24
	addr_add "$r2" a2 203.0.113.1/24
	addr_add "$r1" c1 198.51.100.1/24
	addr_add "$r2" c2 198.51.100.2/24
	addr_add "$cn" e0 $CN/24
	must ip -n "$m" route add default via 192.0.2.1
	must ip -n "$r1" route add 203.0.113.0/24 via 198.51.100.2
	must ip -n "$r2" route add 192.0.2.0/24 via 198.51.100.1
	must ip -n "$cn" route add 192.0.2.0/24 via 198.51.100.1
	must ip -n "$cn" route add 203.0.113.0/24 via 198.51.100.2
	for r in "$r1" "$r2"; do
		must ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
	done
	must ip netns exec "$m" ping -c 1 -W 5 $CN
	check "roles: m mobile" in_ns "$m" hmmpctl config set roles mobile
	check "roles: cn correspondent" in_ns "$cn" hmmpctl config set roles correspondent
	check "roles: r1 router" in_ns "$r1" hmmpctl config set roles router
}

# The move: the original address stays, on lo, for the existing sockets and
# is not answered on the visited link (arp_ignore); the new address and
# default route come from access network B; the old link goes down.
move_mobile() {
	must ip netns exec "$m" sysctl -qw net.ipv4.conf.m2.arp_ignore=1
	must ip netns exec "$m" sysctl -qw net.ipv4.conf.m2.arp_announce=2
	must ip -n "$m" addr add $ORIG/32 dev lo
	addr_add "$m" m2 $COA/24
	must ip -n "$m" route replace default via 203.0.113.1 dev m2
	must ip -n "$m" addr del $ORIG/24 dev m1
	must ip -n "$m" link set m1 down
}

stat_of() { # NS KEY
	hmmp_stat "$1" "$2"
}

nstat_of() { # NS COUNTER
	ip netns exec "$1" nstat -asz "$2" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'
}

# One move with encapsulation $1, streams both ways.
move_case() {
	local encap=$1 port=$2 half=$((BYTES / 4)) srv cli rmon got

	rm -f "$W".*
	setup_topology
	spawn_to "$W.rmon" "$r1" hmmpctl monitor
	rmon=$SPAWNED
	spawn_to "$W.srv" "$cn" python3 "$REPO/tests/vm/stream.py" server $CN "$port" \
		--bytes "$BYTES" --rate "$RATE" --out "$W.srv.json"
	srv=$SPAWNED
	wait_until 10 in_ns_quiet "$cn" ss -Htln "src $CN:$port" || fatal "server did not listen"
	spawn_to "$W.cli" "$m" python3 "$REPO/tests/vm/stream.py" client $CN "$port" \
		--bytes "$BYTES" --rate "$RATE" --out "$W.cli.json" --progress "$W.prog"
	cli=$SPAWNED

	# Move once a quarter of the stream has arrived.
	wait_until 60 test -s "$W.prog" || fatal "no stream progress"
	wait_until 60 awk -v h=$half '$1 >= h { ok = 1 } END { exit !ok }' "$W.prog" ||
		fatal "stream stalled before the move"
	echo "# moving at $(cat "$W.prog") bytes received"
	move_mobile
	check "m: mobile binding ($encap)" in_ns "$m" hmmpctl binding add $ORIG coa $COA \
		peer $CN kind mobile encap "$encap"
	capture ip netns exec "$m" hmmpctl handoff from $ORIG to $COA
	check_eq "m: hand-off moved the stream's record" "1 connections moved" "$OUT"
	check "r1: forwarding binding, 4 s" in_ns "$r1" hmmpctl binding add $ORIG coa $COA \
		kind router encap "$encap" lifetime 4
	# The correspondent learns a moment later: meanwhile r1 forwards.
	sleep 1
	check "cn: correspondent binding" in_ns "$cn" hmmpctl binding add $ORIG coa $COA \
		peer $CN kind correspondent encap "$encap"

	proc_wait 180 "$cli"
	check_eq "client exited 0" 0 "$RC"
	proc_wait 60 "$srv"
	check_eq "server exited 0" 0 "$RC"
	show_file "$W.cli.json"
	show_file "$W.srv.json"
	cli=$(cat "$W.cli.json" 2>/dev/null)
	srv=$(cat "$W.srv.json" 2>/dev/null)
	check_eq "mobile received every byte" "$BYTES" "$(json_get recv "$cli")"
	check_eq "correspondent received every byte" "$BYTES" "$(json_get recv "$srv")"
	check_eq "cn -> m: same hash" "$(json_get sent_sha256 "$srv")" "$(json_get recv_sha256 "$cli")"
	check_eq "m -> cn: same hash" "$(json_get sent_sha256 "$cli")" "$(json_get recv_sha256 "$srv")"
	echo "# longest stall: mobile $(json_get stall_ms "$cli") ms, correspondent $(json_get stall_ms "$srv") ms"
	for ns in "$m" "$cn"; do
		check_eq "$ns: no reset" 0 "$(nstat_of "$ns" TcpEstabResets)"
		check_eq "$ns: no RST sent" 0 "$(nstat_of "$ns" TcpOutRsts)"
		check_eq "$ns: no abort on timeout" 0 "$(nstat_of "$ns" TcpExtTCPAbortOnTimeout)"
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

	for ns in "$m" "$r1" "$r2" "$sw" "$cn"; do netns_del "$ns"; done
}

hmmp_bind_count_is() { # NS N
	[ "$(hmmp_stat "$1" bind_count)" = "$2" ]
}

case_load() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
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
