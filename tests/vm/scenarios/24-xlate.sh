#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connection translations (issue 13 item 5), kmod-level, installed by
# hand: the mobile opened its TCP connection behind a home NAT (r1
# masquerades access A to ports 30000-30099), so its socket has
# <192.0.2.10:P, cn:5201> and cn's has <198.51.100.1:P', cn:5201>. The
# mobile moves into access B; the home NAT no longer carries its packets.
# The mobile tunnels to cn (its binding), and cn rewrites the inner
# segments both ways with a translation (hmmpctl xlate add ... peer ...
# via ...), so that each TCP keeps seeing its own 4-tuple. Two cases:
#   udp: r2 masquerades access B too (topo-nat.sh (a)); the tunnel is
#        UDP between the two ends' tunnel sockets, cn's translation via
#        r2's mapping of the mobile's tunnel port;
#   ipip: access B is routed, the tunnel IP-in-IP, via the care-of.
# Checks:
#   - both ends' records know both ISNs, crosswise equal (a NAT leaves
#     sequence numbers alone: that is how hmmpd will match them);
#   - the stream goes on through the move with the same bytes (length,
#     SHA-256 both ways) and no reset, abort or RST on either end;
#   - the translation's counters and xlate_pkts move both ways;
#   - udp: the path behind cn's tunnel narrows (1400 bytes on access B):
#     r2's ICMP fragmentation-needed about cn's frames reaches the
#     translation (tunnel_errors), cn's TCP is told the tunnel's MTU
#     (pmtu_sent) and the stream goes on;
#   - udp: a valid tunnel frame carrying a segment of that connection in
#     the mobile's view, from another outer port (the NAT's mapping of
#     another local port), is not delivered: counted udp_unknown;
#   - xlate del (another key refused), add with a lifetime, show, flush;
#     rmmod; dmesg clean (the tier checks it).
# Runs on both kernel lines (no "kernels:" marker): it tests the module.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 | masquerade (oif c1): the home NAT
#   |   |                         +----+           |  +----+ (bridge br0 in sw)
#   |   |                                          +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+
#   +---+ (after the move)        | r2 | udp case: masquerade (oif c2)
#        access B 203.0.113.0/24  +----+
#
#   cn has no route to access A: it sees the home NAT's 198.51.100.1
#   before the move; in the udp case none to access B either: it sees
#   r2's 198.51.100.2 ($NAT_PUB) after. hmmp-tunsock (tests/vm/tunsock.c)
#   holds each end's UDP tunnel socket, 0.0.0.0:5060, in the udp case.
#
# timeout: 420
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

# shellcheck source=../topo-nat.sh
. "$REPO/tests/vm/topo-nat.sh"
TUNPKT=$REPO/tests/vm/tunpkt.py
RATE=${HMMP_XLATE_RATE:-1500000}
BYTES=${HMMP_XLATE_BYTES:-3000000}
TPORT=5060
HOME_PUB=198.51.100.1	# the home NAT's address on the core
CNVIEW=""		# cn's view of the mobile: HOME_PUB:port
hmmp_workdir

# tun_field FILE KEY: a field of a hmmp-tunsock count file.
tun_field() {
	awk -v k="$2" '$1 == k { sub(/^[^ ]* /, ""); print; exit }' "$1" 2>/dev/null
}

tun_count_is() { [ "$(tun_field "$1" count)" = "$2" ]; }

# start_tunsock NAME NS ARGS...: hmmp-tunsock in NS, count file
# $W/NAME.count; returns once it is attached. Its pid: TUN_PID[NAME].
declare -A TUN_PID=()
start_tunsock() {
	local name=$1 ns=$2
	shift 2
	rm -f "$W/$name.count"
	spawn_to "$W/$name.out" "$ns" hmmp-tunsock -c "$W/$name.count" "$@"
	TUN_PID[$name]=$SPAWNED
	if ! wait_until 20 file_has "$W/$name.count" "^count"; then
		show_file "$W/$name.out" "$W/$name.out.err"
		fatal "hmmp-tunsock $name did not attach"
	fi
}

stat_of() { hmmp_stat "$1" "$2"; }

# xlate_json: cn's one translation, as hmmpctl -j xlate show prints it.
xlate_json() {
	local out
	out=$(ip netns exec "$cn" hmmpctl -j xlate show 2>/dev/null) || return 1
	json_eval "j[0]" "$out"
}

# peer_of NS FILTER: the peer address:port of NS's one established TCP
# socket matching the ss FILTER; local_of the same for the local end.
peer_of() {
	ip netns exec "$1" ss -Htn state established "$2" | awk '{ print $4; exit }'
}
local_of() {
	ip netns exec "$1" ss -Htn state established "$2" | awk '{ print $3; exit }'
}

case_load() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
}

# home_nat_network ENCAP: the picture, m on access A behind the home NAT,
# which maps TCP and UDP to ports 30000-30099 (so that cn's view differs
# from the mobile's in the port too). udp: access B masqueraded by r2
# (topo-nat.sh (a)), the tunnel sockets on both ends; ipip: access B
# routed plainly, cn reaches the care-of.
home_nat_network() {
	if [ "$1" = udp ]; then
		nat_move_network
	else
		move_network
	fi
	nat_masquerade "$r1" c1 30000-30099
	must ip -n "$cn" route del 192.0.2.0/24
	must ip netns exec "$m" ping -c 1 -W 5 $CN
	check "roles: m mobile" in_ns "$m" hmmpctl config set roles mobile
	check "roles: cn correspondent" in_ns "$cn" hmmpctl config set roles correspondent
	[ "$1" = udp ] || return 0
	start_tunsock cn "$cn" -p $TPORT
	start_tunsock m "$m" -p $TPORT -s $CN:$TPORT
	check "cn's owner got m's datagram" wait_until 10 tun_count_is "$W/cn.count" 1
	check_match "through the home NAT" "^$HOME_PUB:" "$(tun_field "$W/cn.count" from)"
}

# home_nat_case ENCAP PORT: item 5, opened behind the home NAT, moved,
# translated on cn, with ENCAP (udp or ipip) for the tunnel both ways.
home_nat_case() {
	local encap=$1 port=$2 mview from via min u0 x mc cc t0 p0 k0
	rm -f "$W"/s.*
	home_nat_network "$encap"
	start_streams "$W/s" "$port" "$RATE"
	wait_stream "$W/s" $((BYTES / 2))
	mview=$(local_of "$m" "dport = :$port")
	CNVIEW=$(peer_of "$cn" "sport = :$port")
	echo "# the mobile's socket: $mview -> $CN:$port; cn's: $CN:$port -> $CNVIEW"
	check_match "m's socket has its own address" "^$ORIG:" "$mview"
	check_match "cn's socket has the home NAT's, another port" "^$HOME_PUB:300[0-9][0-9]$" \
		"$CNVIEW"

	# Both ISNs on both ends, crosswise equal.
	mc=$(json_eval "[c for c in j if c['rport'] == $port][0]" "$(hmmp_conns "$m")")
	cc=$(json_eval "[c for c in j if c['lport'] == $port][0]" "$(hmmp_conns "$cn")")
	echo "# m's record: $mc"
	echo "# cn's record: $cc"
	check_eq "m's isn_local is cn's isn_remote" "$(json_get isn_local "$mc")" \
		"$(json_get isn_remote "$cc")"
	check_eq "m's isn_remote is cn's isn_local" "$(json_get isn_remote "$mc")" \
		"$(json_get isn_local "$cc")"

	# The mobile's binding before the move (a segment leaving plain
	# through r2 would reach cn as an unknown connection: reset), the move.
	if [ "$encap" = udp ]; then
		check "m: mobile binding (udp, port $TPORT)" in_ns "$m" hmmpctl binding add \
			$ORIG coa $COA peer $CN kind mobile encap udp port $TPORT
	else
		check "m: mobile binding (ipip)" in_ns "$m" hmmpctl binding add \
			$ORIG coa $COA peer $CN kind mobile encap ipip
	fi
	move_mobile
	capture ip netns exec "$m" hmmpctl handoff from $ORIG to $COA
	check_eq "m: hand-off moved the stream's record" "1 connections moved" "$OUT"
	via=$COA
	if [ "$encap" = udp ]; then
		run kill -USR1 "${TUN_PID[m]}"
		check "cn's owner got m's datagram through r2" wait_until 10 \
			tun_count_is "$W/cn.count" 2
		from=$(tun_field "$W/cn.count" from)
		check_eq "seen from r2's address" "$NAT_PUB" "${from%:*}"
		via=$from
	fi

	check "cn: the translation" in_ns "$cn" hmmpctl xlate add $CN:"$port" "$CNVIEW" \
		peer "$mview" $CN:"$port" via "$via" encap "$encap"
	capture ip netns exec "$cn" hmmpctl xlate show
	check_eq "cn: xlate_count" 1 "$(stat_of "$cn" xlate_count)"

	min=$(($(cat "$W/s.prog") + BYTES))
	wait_until 60 stream_received "$W/s" $min || {
		hmmp_show_stats "$m" "$cn"
		run ip netns exec "$cn" hmmpctl xlate show
		run ip netns exec "$m" hmmpctl binding show
		run ip netns exec "$cn" nstat -as
		fatal "the stream stalled at $(cat "$W/s.prog") bytes"
	}
	k0=$(stat_of "$cn" decap_unknown_peer)
	x=$(xlate_json)
	echo "# cn's translation: $x"
	check "the translation encapsulated and decapsulated" \
		json_check 'j["pkts_encap"] > 0 and j["pkts_decap"] > 0' "$x"
	check "cn: xlate_pkts counted ($(stat_of "$cn" xlate_pkts))" \
		test "$(stat_of "$cn" xlate_pkts)" -gt 0

	if [ "$encap" = udp ]; then
		# The path narrows behind cn's tunnel (access B at 1400 bytes):
		# r2's fragmentation-needed about cn's frames, quoting them in
		# the mobile's view, must reach the translation, whose next
		# segments then get hmmp.ko's own to cn's TCP, which adapts.
		t0=$(stat_of "$cn" tunnel_errors)
		p0=$(stat_of "$cn" pmtu_sent)
		must ip -n "$r2" link set a2 mtu 1400
		must ip -n "$m" link set m2 mtu 1400
		wait_stream "$W/s" $(($(cat "$W/s.prog") + BYTES / 2))
		check "cn: r2's ICMP matched the translation's tunnel" \
			test "$(stat_of "$cn" tunnel_errors)" -gt "$t0"
		check "cn: its TCP was told the tunnel's MTU" \
			test "$(stat_of "$cn" pmtu_sent)" -gt "$p0"
		# A segment of this connection in the mobile's view, in a valid
		# frame from another local port (another mapping of r2): dropped.
		u0=$(stat_of "$cn" udp_unknown)
		check "m: a tunnel frame from port 40001" in_ns "$m" python3 "$TUNPKT" udp \
			$CN $TPORT --sport 40001 --kind tcp --inner-src $ORIG \
			--inner-sport "${mview##*:}" --inner-dst $CN --port "$port"
		check "cn: counted udp_unknown" wait_until 10 \
			eval "[ \"\$(hmmp_stat '$cn' udp_unknown)\" -eq $((u0 + 1)) ]"
		check "cn's owner did not get it" tun_count_is "$W/cn.count" 2
	fi

	check_streams "$W/s" $(($(cat "$W/s.prog") + BYTES / 2))
	for ns in "$m" "$cn"; do
		check_eq "$ns: no malformed packet" 0 "$(stat_of "$ns" decap_errors)"
		check_eq "$ns: no packet without socket" 0 "$(stat_of "$ns" udp_nosock)"
	done
	# Before the translation, the mobile's packets were unknown; since,
	# none.
	check_eq "cn: no unknown tunnel packet since the translation" "$k0" \
		"$(stat_of "$cn" decap_unknown_peer)"
	hmmp_show_stats "$m" "$cn"
}

case_udp() {
	home_nat_case udp 5201
	xlate_commands 5201
	nat_teardown
}

case_ipip() {
	home_nat_case ipip 5202
	nat_teardown
}

# xlate_commands PORT: del of the stream's (another key refused first),
# add with a lifetime, flush.
xlate_commands() {
	local port=$1
	check_fails "cn: del of another key is refused" in_ns "$cn" hmmpctl xlate del \
		$CN:$port 192.0.2.99:1
	check_eq "cn: nothing deleted" 1 "$(stat_of "$cn" xlate_count)"
	check "cn: xlate del" in_ns "$cn" hmmpctl xlate del $CN:$port "$CNVIEW"
	check_eq "cn: none left" 0 "$(stat_of "$cn" xlate_count)"
	check "cn: xlate add with a lifetime" in_ns "$cn" hmmpctl xlate add $CN:1 $HOME_PUB:2 \
		peer $ORIG:3 $CN:1 via $NAT_PUB encap ipip lifetime 60
	capture ip netns exec "$cn" hmmpctl -j xlate show
	check_json "shown with its lifetime" "[x['lifetime'] for x in j] == [60]"
	check "cn: xlate flush" in_ns "$cn" hmmpctl xlate flush
	check_eq "cn: flushed" 0 "$(stat_of "$cn" xlate_count)"
}

case_unload() {
	check "rmmod hmmp" hmmp_unload
}

tcase case_load
tcase case_udp "item 5 over udp: out of the home NAT into another NAT"
tcase case_ipip "item 5 over IP-in-IP: out of the home NAT into a routed network"
tcase case_unload
