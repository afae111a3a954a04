#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The datapath and the module's life: with bindings installed and tunneled
# TCP streams running both ways through them, 'rmmod hmmp' succeeds, the
# kernel logs no warning and no leak, and after a reload with the bindings
# reinstalled new connections go through the tunnel and the old streams
# resume; three rounds, and at the end, told to stop, both streams have
# delivered every byte. Before that, path MTU through the tunnel, for each encapsulation,
# with ping -M do from the original address: the tunnel answers a packet
# too big with fragmentation-needed carrying its own MTU (RFC 2003 5.1:
# the route's MTU less 20 bytes for IP-in-IP; less 12 for minimal from the
# mobile, which carries the original source (S bit), 8 from cn, which does
# not), the sender sees that rather than EPERM, and the largest packet that
# fits gets through and back (its echo reply, without DF, may come back in
# fragments: the far end reassembles, then decapsulates). And 'hmmpctl
# binding replace' refreshes an installed binding, as hmmpctl(8) says.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 (down) ------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+
#   +---+ lo 192.0.2.10/32        | r2 |
#        access B 203.0.113.0/24  +----+
#
#   mobile original address 192.0.2.10, care-of 203.0.113.10
#   correspondent 198.51.100.10; every link MTU 1500 (tests/vm/topo-move.sh)
#   stream A: m 192.0.2.10 -> cn :5001, stream B: cn -> m 192.0.2.10:5002
#   (stream.py: both ends send, contents hashed)
#
# timeout: 420
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

# shellcheck source=../topo-move.sh
. "$REPO/tests/vm/topo-move.sh"
RATE=150000		# bytes per second, each way of each stream
BYTES=$((RATE * 900))	# at most; the streams stop when case_finish says
STREAM=$REPO/tests/vm/stream.py

# bind ENCAP: roles and the two bindings (after a load, all are gone).
bind() {
	check "roles: m mobile" in_ns "$m" hmmpctl config set roles mobile
	check "roles: cn correspondent" in_ns "$cn" hmmpctl config set roles correspondent
	bind_mobile "$1"
	bind_correspondent "$1"
}

# mtus TEXT: the MTU values ping reported, sorted, unique, blank-separated.
mtus() {
	grep -oE 'mtu ?= ?[0-9]+' <<<"$1" | grep -oE '[0-9]+' | sort -u | paste -sd' '
}

# pmtu_dir NS SRC DST MTU WHO: from NS, ping -M do from SRC to DST: a
# packet of 1500 bytes is refused with MTU reported (and only MTU), one of
# MTU bytes goes through and back, one of MTU + 1 does not.
pmtu_dir() {
	local ns=$1 src=$2 dst=$3 mtu=$4 who=$5 p0
	p0=$(hmmp_stat "$ns" pmtu_sent)
	capture ip netns exec "$ns" ping -c 3 -i 0.3 -W 2 -M "do" -s 1472 -I "$src" "$dst"
	check_ne "$who: 1500 bytes with DF through the tunnel: refused" 0 "$RC"
	check_eq "$who: the MTU reported is $mtu" "$mtu" "$(mtus "$OUT$ERR")"
	check "$who: the tunnel sent fragmentation-needed (pmtu_sent grew)" \
		test "$(hmmp_stat "$ns" pmtu_sent)" -gt "$p0"
	# The first send meets the tunnel's NF_DROP: the sender should see
	# the ICMP, or EMSGSIZE, not EPERM, which reads as a firewall.
	check_no_match "$who: the refused send does not fail with EPERM" \
		"Operation not permitted" "$ERR"
	capture ip netns exec "$ns" ping -c 2 -i 0.3 -W 3 -M "do" -s $((mtu - 28)) -I "$src" "$dst"
	check_eq "$who: $mtu bytes with DF: through and back" 0 "$RC"
	capture ip netns exec "$ns" ping -c 1 -W 2 -M "do" -s $((mtu - 27)) -I "$src" "$dst"
	check_ne "$who: $((mtu + 1)) bytes with DF: refused" 0 "$RC"
}

# pmtu ENCAP MTU_M MTU_CN: the tunnel MTU seen from the mobile and from cn.
# An echo reply has no DF: one too big for the tunnel back is sent in
# fragments, which the far end must reassemble before decapsulating.
pmtu() {
	pmtu_dir "$m" $ORIG $CN "$2" "m -> cn ($1)"
	pmtu_dir "$cn" $CN $ORIG "$3" "cn -> m ($1)"
	hmmp_show_stats "$m" "$cn"
	for ns in "$m" "$cn"; do
		echo "# $ns: $(ip netns exec "$ns" nstat -asz IpFragCreates IpReasmOKs IpInUnknownProtos |
			awk '!/^#/ { printf "%s %s ", $1, $2 }')"
	done
}

case_load() {
	hmmp_workdir
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
	MARK=$(dmesg_mark)
}

# Minimal first, in a topology of its own: the path MTU the pings teach
# the routes would hide the next encapsulation's.
case_pmtu_minimal() {
	setup_topology
	move_mobile
	bind minimal
	pmtu minimal 1488 1492
	teardown_topology
}

case_setup() {
	setup_topology
	move_mobile
	bind ipip
	# hmmpctl(8): "the binding with the same key is replaced or refreshed
	# atomically" (NLM_F_CREATE | NLM_F_REPLACE).
	check "m: binding replace, same key (refresh)" in_ns "$m" hmmpctl binding replace $ORIG \
		coa $COA peer $CN kind mobile encap ipip
	run ip netns exec "$m" hmmpctl binding show
}

case_pmtu_ipip() { pmtu ipip 1480 1480; }

progress() { cat "$1" 2>/dev/null || echo 0; }

# grows FILE SECONDS: the byte count in FILE grows within SECONDS.
grows() {
	local p0
	p0=$(progress "$1")
	wait_until "$2" eval "[ \$(progress '$1') -gt $p0 ]"
}

# new_conns ROUND: a fresh connection each way through the tunnel,
# 256 KiB each way, contents checked.
new_conns() {
	local i=$1 pa=$((6000 + $1)) pb=$((6100 + $1)) a b
	spawn_to "$W/new-a-srv$i" "$cn" python3 "$STREAM" server $CN $pa --bytes 262144 \
		--out "$W/new-a-srv$i.json"
	a=$SPAWNED
	spawn_to "$W/new-b-srv$i" "$m" python3 "$STREAM" server $ORIG $pb --bytes 262144 \
		--out "$W/new-b-srv$i.json"
	b=$SPAWNED
	wait_until 20 in_ns_quiet "$cn" ss -Htln "src $CN:$pa" || fatal "no server on cn:$pa"
	wait_until 20 in_ns_quiet "$m" ss -Htln "src $ORIG:$pb" || fatal "no server on m:$pb"
	capture ip netns exec "$m" python3 "$STREAM" client $CN $pa --bytes 262144 \
		--src $ORIG --timeout 30
	check_eq "round $i: new connection m -> cn: exit status" 0 "$RC"
	proc_wait 20 "$a"
	check_eq "round $i: new connection m -> cn: both ways, same bytes" \
		"$(json_get sent_sha256 "$(<"$W/new-a-srv$i.json")") $(json_get recv_sha256 "$(<"$W/new-a-srv$i.json")")" \
		"$(json_get recv_sha256 "$OUT") $(json_get sent_sha256 "$OUT")"
	capture ip netns exec "$cn" python3 "$STREAM" client $ORIG $pb --bytes 262144 --timeout 30
	check_eq "round $i: new connection cn -> m: exit status" 0 "$RC"
	proc_wait 20 "$b"
	check_eq "round $i: new connection cn -> m: both ways, same bytes" \
		"$(json_get sent_sha256 "$(<"$W/new-b-srv$i.json")") $(json_get recv_sha256 "$(<"$W/new-b-srv$i.json")")" \
		"$(json_get recv_sha256 "$OUT") $(json_get sent_sha256 "$OUT")"
}

case_traffic() {
	spawn_to "$W/a-srv" "$cn" python3 "$STREAM" server $CN 5001 --bytes $BYTES --rate $RATE \
		--out "$W/a-srv.json" --timeout 60 --stop-file "$W/stop"
	A_SRV=$SPAWNED
	spawn_to "$W/b-srv" "$m" python3 "$STREAM" server $ORIG 5002 --bytes $BYTES --rate $RATE \
		--out "$W/b-srv.json" --timeout 60 --stop-file "$W/stop"
	B_SRV=$SPAWNED
	wait_until 20 in_ns_quiet "$cn" ss -Htln "src $CN:5001" || fatal "no server on cn:5001"
	wait_until 20 in_ns_quiet "$m" ss -Htln "src $ORIG:5002" || fatal "no server on m:5002"
	spawn_to "$W/a-cli" "$m" python3 "$STREAM" client $CN 5001 --bytes $BYTES --rate $RATE \
		--src $ORIG --out "$W/a-cli.json" --progress "$W/a-prog" --timeout 60 --stop-file "$W/stop"
	A_CLI=$SPAWNED
	spawn_to "$W/b-cli" "$cn" python3 "$STREAM" client $ORIG 5002 --bytes $BYTES --rate $RATE \
		--out "$W/b-cli.json" --progress "$W/b-prog" --timeout 60 --stop-file "$W/stop"
	B_CLI=$SPAWNED
	check "stream A (m -> cn) runs" grows "$W/a-prog" 20
	check "stream B (cn -> m) runs" grows "$W/b-prog" 20
	capture ip netns exec "$m" hmmpctl -j stats
	check_json "m: the streams go through the tunnel" 'j["encap_pkts"] > 0 and j["decap_pkts"] > 0'
	capture ip netns exec "$cn" hmmpctl -j stats
	check_json "cn: the streams go through the tunnel" 'j["encap_pkts"] > 0 and j["decap_pkts"] > 0'
}

# rmmod_tries: rmmod hmmp, up to 5 times 0.5 s apart (EBUSY may be
# transient); the number of tries in $TRIES.
rmmod_tries() {
	for TRIES in 1 2 3 4 5; do
		run rmmod hmmp && return 0
		sleep 0.5
	done
	return 1
}

round() {
	local i=$1 t0 t1 leak
	check "round $i: both streams still running" eval "_hmmp_alive $A_CLI && _hmmp_alive $B_CLI"
	check "round $i: stream A moving before rmmod" grows "$W/a-prog" 10
	check "round $i: stream B moving before rmmod" grows "$W/b-prog" 10
	run ip netns exec "$m" hmmpctl binding show
	t0=${EPOCHREALTIME/./}
	check "round $i: rmmod hmmp under tunneled traffic" rmmod_tries
	t1=${EPOCHREALTIME/./}
	echo "# round $i: rmmod took $TRIES tries, $(((t1 - t0) / 1000)) ms"
	[ "$TRIES" = 1 ] || echo "# NOTE round $i: rmmod needed $TRIES tries"
	check_fails "round $i: module gone" test -e /sys/module/hmmp
	check "round $i: no warning in dmesg" dmesg_clean_since "$MARK"
	leak=$(dmesg | tail -n +$((MARK + 1)) | grep -iE 'leak|still has objects|waiting for .* to become free|unregister_netdevice')
	check_eq "round $i: no leak reported" "" "$leak"
	sleep 1		# traffic without the module: cn's side is lost
	check "round $i: insmod hmmp.ko" hmmp_load || fatal "cannot reload hmmp.ko"
	bind ipip
	new_conns "$i"
	capture ip netns exec "$m" hmmpctl -j stats
	check_json "round $i: m: the new connections went through the tunnel" \
		'j["encap_pkts"] > 0 and j["decap_pkts"] > 0 and j["decap_errors"] == 0'
	check "round $i: stream A resumes" grows "$W/a-prog" 30
	check "round $i: stream B resumes" grows "$W/b-prog" 30
}

case_round1() { round 1; }
case_round2() { round 2; }
case_round3() { round 3; }

# finished CLI SRV NAME PREFIX: both ends of a stream exited 0, each
# received every byte the other sent.
finished() {
	local cli srv
	proc_wait 60 "$1"
	check_eq "$3: client exit status" 0 "$RC"
	proc_wait 30 "$2"
	check_eq "$3: server exit status" 0 "$RC"
	show_file "$W/$4-cli.json" "$W/$4-cli.err" "$W/$4-srv.json" "$W/$4-srv.err"
	cli=$(cat "$W/$4-cli.json" 2>/dev/null)
	srv=$(cat "$W/$4-srv.json" 2>/dev/null)
	check_eq "$3: client received every byte sent" "$(json_get sent "$srv")" "$(json_get recv "$cli")"
	check_eq "$3: server received every byte sent" "$(json_get sent "$cli")" "$(json_get recv "$srv")"
	check_eq "$3: server -> client, same hash" "$(json_get sent_sha256 "$srv")" "$(json_get recv_sha256 "$cli")"
	check_eq "$3: client -> server, same hash" "$(json_get sent_sha256 "$cli")" "$(json_get recv_sha256 "$srv")"
	echo "# $3: longest stall: client $(json_get stall_ms "$cli") ms, server $(json_get stall_ms "$srv") ms"
}

case_finish() {
	run touch "$W/stop"
	finished "$A_CLI" "$A_SRV" "stream A (m -> cn)" a
	finished "$B_CLI" "$B_SRV" "stream B (cn -> m)" b
	hmmp_show_stats "$m" "$cn"
	check "m: rmmod at the end" rmmod_tries
	check "no warning in dmesg over the whole run" dmesg_clean_since "$MARK"
	check "taint only O and E" taint_only_oe
}

tcase case_load "module"
tcase case_pmtu_minimal "path MTU through the minimal tunnel"
tcase case_setup "topology, move, ipip bindings"
tcase case_pmtu_ipip "path MTU through the IP-in-IP tunnel"
tcase case_traffic "streams both ways through the tunnel"
tcase case_round1 "rmmod / insmod / rebind under tunneled traffic, round 1"
tcase case_round2 "rmmod / insmod / rebind under tunneled traffic, round 2"
tcase case_round3 "rmmod / insmod / rebind under tunneled traffic, round 3"
tcase case_finish "both streams complete, kernel log clean"
