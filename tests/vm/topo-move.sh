#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The move topology shared by 20-move.sh, the datapath scenarios, the
# demo and the mSCTP scenarios (sctp-lib.sh). Source it after lib.sh.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+
#   +---+ (after the move)        | r2 |
#        access B 203.0.113.0/24  +----+
#
#   mobile original address 192.0.2.10 ($ORIG), care-of 203.0.113.10 ($COA),
#   correspondent 198.51.100.10 ($CN). setup_topology makes the namespaces
#   $m $r1 $r2 $sw $cn and sets the roles; move_mobile moves m to access B;
#   bind_mobile/bind_router/bind_correspondent ENCAP install the bindings.
# shellcheck disable=SC2034,SC2154

ORIG=192.0.2.10
COA=203.0.113.10
CN=198.51.100.10

# move_network: the namespaces, links, addresses and routes of the
# picture, m on access A and reaching cn; no hmmp.ko setting.
move_network() {
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
}

# setup_topology [NETWORK]: NETWORK (default move_network; e.g.
# nat_move_network of topo-nat.sh), and each host's hmmp.ko roles.
setup_topology() {
	"${1:-move_network}"
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
	addr_add "$m" m2 "$COA/${COA_PLEN:-24}"
	must ip -n "$m" route replace default via 203.0.113.1 dev m2
	must ip -n "$m" addr del $ORIG/24 dev m1
	must ip -n "$m" link set m1 down
}

bind_mobile() { # ENCAP [port PORT]
	check "m: mobile binding ($*)" in_ns "$m" hmmpctl binding add $ORIG coa $COA \
		peer $CN kind mobile encap "$@"
}

bind_router() { # ENCAP LIFETIME
	check "r1: forwarding binding, $2 s" in_ns "$r1" hmmpctl binding add $ORIG coa $COA \
		kind router encap "$1" lifetime "$2"
}

bind_correspondent() { # ENCAP [port PORT]
	check "cn: correspondent binding" in_ns "$cn" hmmpctl binding add $ORIG coa $COA \
		peer $CN kind correspondent encap "$@"
}

# teardown_topology: delete the namespaces of setup_topology.
# Streams both ways between m and cn that last as long as the test needs
# them, not a fixed time: under a loaded TCG host a move can take longer
# than a fixed-size stream would run, which would then end before the move
# and prove nothing. (The wall clock paces the streams, not the guest.)
#
# start_streams PREFIX PORT RATE [CHUNK]: a stream.py server on cn
# ($CN:PORT, or $STREAM_LISTEN:PORT when set: a server behind a port
# forward) and a client on m to $CN:PORT, each sending RATE bytes/s (CHUNK bytes at a
# time: 40 at 800 B/s is an interactive session's line every 50 ms) until
# PREFIX.stop exists; PREFIX.prog holds the bytes the client received. Sets
# STREAM_SRV and STREAM_CLI.
start_streams() {
	local p=$1 port=$2 rate=$3 chunk=${4:-16384} cap=4000000000
	rm -f "$p.stop" "$p.prog" "$p.cli.json" "$p.srv.json"
	spawn_to "$p.srv" "$cn" python3 "$REPO/tests/vm/stream.py" server "${STREAM_LISTEN:-$CN}" "$port" \
		--bytes $cap --rate "$rate" --chunk "$chunk" --out "$p.srv.json" \
		--stop-file "$p.stop"
	STREAM_SRV=$SPAWNED
	wait_until 10 in_ns_quiet "$cn" ss -Htln "src ${STREAM_LISTEN:-$CN}:$port" ||
		fatal "server did not listen"
	spawn_to "$p.cli" "$m" python3 "$REPO/tests/vm/stream.py" client "$CN" "$port" \
		--bytes $cap --rate "$rate" --chunk "$chunk" --out "$p.cli.json" \
		--progress "$p.prog" --stop-file "$p.stop"
	STREAM_CLI=$SPAWNED
}

# stream_received PREFIX N: the client has received at least N bytes.
stream_received() {
	awk -v n="$2" '$1 >= n { ok = 1 } END { exit !ok }' "$1.prog" 2>/dev/null
}

# wait_stream PREFIX N: waits (up to 120 s) until the client has received
# N bytes; fatal if the stream does not get there.
wait_stream() {
	wait_until 120 stream_received "$1" "$2" ||
		fatal "the stream stalled at $(cat "$1.prog" 2>/dev/null) bytes (waiting for $2)"
	echo "# the client has received $(cat "$1.prog") bytes"
}

# check_streams PREFIX MIN: the streams go on until the client has
# received MIN bytes, then stop; checks that both ends exited 0, that
# each received exactly what the other sent (length and SHA-256), at
# least MIN bytes, and that neither namespace saw a reset; prints the
# longest stalls.
check_streams() {
	local p=$1 min=$2 cli srv
	check "the stream went on to $min bytes" wait_until 120 stream_received "$p" "$min"
	run touch "$p.stop"
	proc_wait 60 "$STREAM_CLI"
	check_eq "client exited 0" 0 "$RC"
	proc_wait 60 "$STREAM_SRV"
	check_eq "server exited 0" 0 "$RC"
	show_file "$p.cli.json" "$p.srv.json"
	cli=$(cat "$p.cli.json" 2>/dev/null)
	srv=$(cat "$p.srv.json" 2>/dev/null)
	check "mobile received at least $min bytes ($(json_get recv "$cli"))" \
		test "$(json_get recv "$cli")" -ge "$min"
	check_eq "mobile received every byte cn sent" "$(json_get sent "$srv")" "$(json_get recv "$cli")"
	check_eq "correspondent received every byte m sent" "$(json_get sent "$cli")" "$(json_get recv "$srv")"
	check_eq "cn -> m: same hash" "$(json_get sent_sha256 "$srv")" "$(json_get recv_sha256 "$cli")"
	check_eq "m -> cn: same hash" "$(json_get sent_sha256 "$cli")" "$(json_get recv_sha256 "$srv")"
	echo "# longest stall: mobile $(json_get stall_ms "$cli") ms, correspondent $(json_get stall_ms "$srv") ms"
	for ns in "$m" "$cn"; do
		check_eq "$ns: no reset" 0 "$(nstat_of "$ns" TcpEstabResets)"
		check_eq "$ns: no RST sent" 0 "$(nstat_of "$ns" TcpOutRsts)"
		check_eq "$ns: no abort on timeout" 0 "$(nstat_of "$ns" TcpExtTCPAbortOnTimeout)"
	done
}

# start_two_streams: a bulk stream ($W/bulk, port 5201, $RATE) and an
# interactive one ($W/tty, port 5202, a 40-byte line every 50 ms), both
# under way when it returns; finish_two_streams checks both as
# check_streams does, each going on a little past where it is now.
start_two_streams() {
	start_streams "$W/bulk" 5201 "$RATE"
	B_SRV=$STREAM_SRV B_CLI=$STREAM_CLI
	start_streams "$W/tty" 5202 800 40
	I_SRV=$STREAM_SRV I_CLI=$STREAM_CLI
	wait_stream "$W/bulk" 1000000
	wait_stream "$W/tty" 80
}

finish_two_streams() {
	STREAM_SRV=$B_SRV STREAM_CLI=$B_CLI
	check_streams "$W/bulk" $(($(cat "$W/bulk.prog") + 1000000))
	STREAM_SRV=$I_SRV STREAM_CLI=$I_CLI
	check_streams "$W/tty" $(($(cat "$W/tty.prog") + 800))
}

# nstat_of NS COUNTER: the value of a kernel SNMP counter in NS.
nstat_of() {
	ip netns exec "$1" nstat -asz "$2" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'
}

teardown_topology() {
	local ns
	for ns in "$m" "$r1" "$r2" "$sw" "$cn"; do netns_del "$ns"; done
}
