#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed and unexpected tunnel packets, after a move with bindings on the
# mobile and the correspondent: hand-made IP-in-IP and minimal packets
# (tests/vm/tunpkt.py, scapy) are sent toward the mobile's care-of address
# from cn's namespace, or toward cn from the mobile's. Each malformed one is
# dropped and counted in decap_errors, each valid one without binding in
# decap_unknown_peer, and none of them reaches the UDP listener on the
# inner destination (nor the namespace's UdpInDatagrams); valid ones, among
# them a hand-made minimal packet with the S bit, are delivered, proving
# that the counters do not count everything. Randomly damaged packets are
# judged by a reference decapsulator (tunpkt.py judge()) and the module must
# agree with it. A packet must come through a binding of its own
# encapsulation. ICMP errors about the tunnel are told to the next senders
# (RFC 2003 section 4.1). A forged fragmentation-needed with MTU 68 leaves
# the binding's path MTU at the route's minimum (552) and pings still go
# through; ICMP that does not quote a packet cn sent (another protocol,
# or addressed to another of cn's addresses) is not taken at all (issue 16
# item 7). The router r2 on the way (default roles, which decapsulate)
# forwards all of it untouched: malformed transit is not its to drop.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 (down) ------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10, .20 [cn]
#   |   | m2 .10, .11 ----- a2 .1 +----+ c2 .2 ----+  +----+      UDP :7000 on .10
#   +---+ lo 192.0.2.10/32        | r2 | (transit)
#    UDP :7000 on 192.0.2.10      +----+
#        access B 203.0.113.0/24
#
#   mobile original 192.0.2.10, care-of 203.0.113.10 (203.0.113.11: another
#   local address, not bound); correspondent 198.51.100.10 (ipip binding)
#   and 198.51.100.20 (a second address: minimal binding on the mobile)
#   m:  mobile (orig .10, peer cn .10, ipip), (orig .10, peer .20, minimal)
#   cn: correspondent (orig .10, peer cn .10, ipip)
#   (tests/vm/topo-move.sh after the move, plus .20 on cn and .11 on m2)
#
# timeout: 360
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

# shellcheck source=../topo-move.sh
. "$REPO/tests/vm/topo-move.sh"
# shellcheck source=../malformed.env
. "$REPO/tests/vm/malformed.env"
SEED=${HMMP_FUZZ_SEED:-$((RANDOM * 32768 + RANDOM))}
TUNPKT=$REPO/tests/vm/tunpkt.py
PREP=/run/hmmp-vm/prep/21-malformed	# 21-malformed.prep's, on the host

# dstats NS: "decap_errors decap_unknown_peer decap_pkts" of NS. (Text
# and nsenter: each process costs a lot under TCG, ip netns exec twice
# as much, and this runs in polling loops.)
dstats() {
	local k v e="?" u="?" d="?"
	while read -r k v; do
		case $k in
		decap_errors) e=$v ;;
		decap_unknown_peer) u=$v ;;
		decap_pkts) d=$v ;;
		esac
	done < <(nsenter --net="/run/netns/$1" hmmpctl stats 2>/dev/null)
	echo "$e $u $d"
}

# sum_ge NS N: the three counters of NS add up to at least N.
sum_ge() {
	local e u d
	read -r e u d <<<"$(dstats "$1")"
	[ $((e + u + d)) -ge "$2" ]
}

declare -A LISTENER=()

# udp_in NS: UdpInDatagrams of NS, from /proc/PID/net/snmp of its UDP
# listener (no process to start).
udp_in() {
	local -a l hdr=() val=()
	local i
	while read -r -a l; do
		[ "${l[0]}" = Udp: ] || continue
		if [ ${#hdr[@]} -eq 0 ]; then hdr=("${l[@]}"); else val=("${l[@]}"); fi
	done <"/proc/${LISTENER[$1]}/net/snmp"
	for i in "${!hdr[@]}"; do
		[ "${hdr[i]}" = InDatagrams ] && echo "${val[i]}"
	done
}

# lines_ge FILE N: FILE has at least N lines.
lines_ge() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

declare -A SENDER=()

# sender NS: a tunpkt.py server in NS that sends the files named to it
# (tunpkt.py serve), so that each case does not start python afresh.
sender() {
	local fifo=$W/send-$1
	must mkfifo "$fifo"
	spawn "$1" python3 -I -S "$TUNPKT" serve "$fifo" "$fifo.log"
	SENDER[$1]=$SPAWNED
}

# send_from NS FILE: send the packets of FILE from NS, echoed; returns once
# they are sent.
send_from() {
	local fifo=$W/send-$1 res
	echo "+ ip netns exec $1 python3 $TUNPKT send $2"
	_hmmp_alive "${SENDER[$1]}" || { echo "# the sender in $1 is gone"; return 1; }
	printf '%s\n' "$2" >"$fifo"
	wait_until 10 grep -qF " $2" "$fifo.log" || return 1
	res=$(grep -F " $2" "$fifo.log")
	echo "$res"
	[[ $res == sent* ]]
}

# inject NAME FROM TO LOG: send the packets of NAME (tunpkt.py gen) from
# netns FROM to the tunnel end TO ("$m" or "$cn"), whose UDP listener logs
# to LOG. Checks that TO counted exactly what the file expects (errors,
# unknown peers, decapsulations), that its listener got exactly the
# datagrams expected (payload and TOS) and none of the others, and that
# its UdpInDatagrams grew by as many.
inject() {
	local name=$1 from=$2 to=$3 log=$4 f=$PKTS/$1.pkts
	local e0 u0 d0 e1 u1 d1 ne nu nd nl n0 l0 want got
	[ -s "$f" ] || { not_ok "$name: no packets generated ($f)"; return 1; }
	grep '^#' "$f" | head -n 20
	read -r ne nu nd nl <<<"$(awk '!/^#/ && NF == 4 { n[$1]++ }
		END { print n["error"] + 0, n["unknown"] + 0, n["deliver"] + n["decap"], n["deliver"] + 0 }' "$f")"
	want=$(awk '!/^#/ && $1 == "deliver" { print $2, $3 }' "$f" | sort)
	read -r e0 u0 d0 <<<"$(dstats "$to")"
	n0=$(udp_in "$to")
	l0=$(wc -l <"$log")
	check "$name: sent" send_from "$from" "$f"
	# Each packet is counted once at the far end: wait for all of them,
	# then a moment for any extra count or datagram.
	wait_until 5 sum_ge "$to" $((e0 + u0 + d0 + ne + nu + nd)) ||
		echo "# $name: the counters did not reach +$((ne + nu + nd)) within 5 s"
	wait_until 3 lines_ge "$log" $((l0 + nl)) ||
		echo "# $name: the listener did not get $nl datagrams within 3 s"
	sleep 0.3
	read -r e1 u1 d1 <<<"$(dstats "$to")"
	check_eq "$name: decap_errors +$ne" "$ne" $((e1 - e0))
	check_eq "$name: decap_unknown_peer +$nu" "$nu" $((u1 - u0))
	check_eq "$name: decap_pkts +$nd" "$nd" $((d1 - d0))
	got=$(grep -F "$name." "$log" | sort)
	check_eq "$name: delivered exactly $nl datagram(s) (payload and TOS)" "$want" "$got"
	check_eq "$name: UdpInDatagrams +$nl" "$nl" $(($(udp_in "$to") - n0))
}

case_setup() {
	hmmp_workdir
	GEN=""
	if [ -f "$PREP/done" ]; then
		# built on the host before the boot (21-malformed.prep)
		PKTS=$PREP/pkts
		SEED=$(cat "$PREP/seed")
	else
		PKTS=$W/pkts
		# scapy takes 15 s to import under TCG: build the packets meanwhile.
		spawn_to "$W/gen" - python3 "$TUNPKT" gen "$PKTS" --orig $ORIG --coa $COA \
			--other $OTHER --cn $CN --cn2 $CN2 --spoof $SPOOF --port $PORT \
			--seed "$SEED" --random "$NRANDOM"
		GEN=$SPAWNED
	fi
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
	MARK=$(dmesg_mark)
	setup_topology		# topo-move.sh; roles: m mobile, cn correspondent, r1 router
	addr_add "$cn" e0 $CN2/24
	# r2 keeps the default roles, which decapsulate: transit must pass.
	capture ip netns exec "$r2" hmmpctl -j config
	check_json "r2: default roles include mobile and correspondent" \
		'"mobile" in j["roles"] and "correspondent" in j["roles"]'
	move_mobile
	addr_add "$m" m2 $OTHER/24
	bind_mobile ipip
	check "m: mobile binding, cn2, minimal" in_ns "$m" hmmpctl binding add $ORIG coa $COA \
		peer $CN2 kind mobile encap minimal
	bind_correspondent ipip
	run ip netns exec "$m" hmmpctl binding show
	: >"$W/m.udp"
	: >"$W/cn.udp"
	spawn "$m" python3 -I -S "$TUNPKT" listen $ORIG $PORT "$W/m.udp"
	LISTENER[$m]=$SPAWNED
	spawn "$cn" python3 -I -S "$TUNPKT" listen $CN $PORT "$W/cn.udp"
	LISTENER[$cn]=$SPAWNED
	wait_until 10 in_ns_quiet "$m" ss -Hlun "src $ORIG:$PORT" || fatal "no listener on m"
	wait_until 10 in_ns_quiet "$cn" ss -Hlun "src $CN:$PORT" || fatal "no listener on cn"
	sender "$m"
	sender "$cn"
	# r2 learns the other care-of address's neighbour before the tests.
	must ip netns exec "$r2" ping -c 1 -W 2 $OTHER
	if [ -n "$GEN" ]; then
		proc_wait 90 "$GEN"
		show_file "$W/gen" "$W/gen.err"
		check_eq "packets generated in the guest (random case: seed $SEED, HMMP_FUZZ_SEED)" 0 "$RC" ||
			fatal "tunpkt.py gen failed"
	else
		check "packets generated on the host (random case: seed $SEED, HMMP_FUZZ_SEED)" \
			test -s "$PKTS/random.pkts"
	fi
	R2_FWD0=$(nstat_of "$r2" IpForwDatagrams)
}

case_tunnel_works() {
	check "m -> cn through the tunnel: ping -I $ORIG $CN" \
		in_ns "$m" ping -c 2 -i 0.3 -W 3 -I $ORIG $CN
	hmmp_show_stats "$m" "$cn"
	capture ip netns exec "$m" hmmpctl -j stats
	check_json "m: decapsulated the replies, nothing malformed" \
		'j["decap_pkts"] >= 2 and j["decap_errors"] == 0 and j["decap_unknown_peer"] == 0'
}

case_ipip_valid() { inject ipip_valid "$cn" "$m" "$W/m.udp"; }
case_ipip_truncated() { inject ipip_truncated "$cn" "$m" "$W/m.udp"; }
case_ipip_totlen() { inject ipip_totlen "$cn" "$m" "$W/m.udp"; }
case_ipip_ihl() { inject ipip_ihl "$cn" "$m" "$W/m.udp"; }
case_ipip_csum() { inject ipip_csum "$cn" "$m" "$W/m.udp"; }
case_ipip_nested() { inject ipip_nested "$cn" "$m" "$W/m.udp"; }
case_ipip_ecn() { inject ipip_ecn "$cn" "$m" "$W/m.udp"; }
case_minimal_valid() { inject minimal_valid "$cn" "$m" "$W/m.udp"; }
case_minimal_csum() { inject minimal_csum "$cn" "$m" "$W/m.udp"; }
case_minimal_truncated() { inject minimal_truncated "$cn" "$m" "$W/m.udp"; }
case_minimal_s_short() { inject minimal_s_short "$cn" "$m" "$W/m.udp"; }
case_minimal_nested() { inject minimal_nested "$cn" "$m" "$W/m.udp"; }
case_unknown_m() { inject unknown_m "$cn" "$m" "$W/m.udp"; }

case_cn() {
	inject cn_valid "$m" "$cn" "$W/cn.udp"
	inject cn_unknown "$m" "$cn" "$W/cn.udp"
	inject cn_malformed "$m" "$cn" "$W/cn.udp"
}

# RFC 2003 lets routers fragment the outer packet (the inner one here has
# no DF); PRE_ROUTING "after defragmentation" must see the whole packet.
case_outer_fragments() {
	inject outer_fragments "$cn" "$m" "$W/m.udp"
	capture ip netns exec "$m" nstat -asz IpReasmOKs IpInUnknownProtos
}

case_random() {
	echo "# seed $SEED (HMMP_FUZZ_SEED), $NRANDOM packets (HMMP_FUZZ_COUNT)"
	inject random "$cn" "$m" "$W/m.udp"
}

# Everything above went through r2, which has the default roles: it parsed
# all of it, and must have dropped, counted and decapsulated none.
case_transit() {
	local sent fwd
	capture ip netns exec "$r2" hmmpctl -j stats
	check_json "r2: counted nothing, decapsulated nothing" \
		'j["decap_errors"] == 0 and j["decap_unknown_peer"] == 0 and j["decap_pkts"] == 0 and j["fwd_pkts"] == 0'
	sent=$(cat "$PKTS"/*.pkts | grep -vc '^#')
	fwd=$(($(nstat_of "$r2" IpForwDatagrams) - R2_FWD0))
	check "r2 forwarded all $sent hand-made packets ($fwd datagrams)" test "$fwd" -ge "$sent"
	capture ip netns exec "$r1" hmmpctl -j stats
	check_json "r1 (router role) counted nothing" \
		'j["decap_errors"] == 0 and j["decap_unknown_peer"] == 0 and j["decap_pkts"] == 0'
}

# A router on the way that also serves as a correspondent, with a binding
# for the mobile and any peer: a tunnel packet from the care-of address to
# cn passes through it and must reach cn encapsulated ("those passing
# through (a router) are left be", hooks.c).
case_transit_bound() {
	local r0 e u d
	check "r2: correspondent binding for $ORIG, any peer" in_ns "$r2" hmmpctl binding add \
		$ORIG coa $COA kind correspondent encap ipip
	read -r e u r0 <<<"$(dstats "$r2")"
	inject transit_bound "$m" "$cn" "$W/cn.udp"
	read -r e u d <<<"$(dstats "$r2")"
	check_eq "r2 did not decapsulate a packet addressed to cn" "$r0" "$d"
	check "r2: binding deleted" in_ns "$r2" hmmpctl binding del $ORIG kind correspondent
}

# RFC 2003 section 4.1: r2 cannot reach the care-of address and tells cn
# (ICMP host unreachable about the outer packet). cn keeps that as soft
# state on its binding and tells the senders of the next packets into the
# tunnel: here ping on cn itself, which sees "Destination Host
# Unreachable" from its own address.
case_icmp_relay() {
	local out
	check "r2: no way to the care-of address" in_ns "$r2" ip route add unreachable $COA/32
	capture ip netns exec "$cn" ping -c 4 -i 0.5 -W 1 -I $CN $ORIG || true
	out=$OUT
	capture ip netns exec "$cn" hmmpctl -j stats
	check_json "cn: the tunnel error was counted and told to a sender" \
		'j["tunnel_errors"] >= 1 and j["errors_relayed"] >= 1'
	check "cn: ping heard Destination Host Unreachable from $CN" \
		grep -q "From $CN .*Destination Host Unreachable" <<<"$out"
	check "r2: route back" in_ns "$r2" ip route del unreachable $COA/32
	check "m -> cn through the tunnel again" in_ns "$m" ping -c 1 -W 3 -I $ORIG $CN
}

# icmp_from_r2 DST PROTO MTU: r2 sends DST an ICMP fragmentation-needed
# (MTU) quoting an outer packet CN -> COA of protocol PROTO carrying CN ->
# ORIG, as a router on the tunnel's path would (raw socket, hand-made).
icmp_from_r2() {
	capture ip netns exec "$r2" python3 -I -S -c '
import socket, struct, sys
dst, proto, mtu = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
cn, coa, orig = (socket.inet_aton(a) for a in sys.argv[4:7])
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while t >> 16:
        t = (t & 0xffff) + (t >> 16)
    return ~t & 0xffff
def iph(l, p, s, d):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, l, 1, 0x4000, 64, p, 0, s, d)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:]
quote = iph(1500, proto, cn, coa) + iph(1480, 17, cn, orig) + bytes(8)
icmp = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + quote
icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.sendto(icmp, (dst, 0))
print("sent frag-needed mtu %d to %s quoting proto %d" % (mtu, dst, proto))
' "$1" "$2" "$3" $CN $COA $ORIG
	check_eq "r2 sent the ICMP (exit status)" 0 "$RC"
	sleep 0.3
}

# cn_tunnel: "tunnel_errors pmtu" of cn (pmtu of its binding, 0 if none).
cn_tunnel() {
	local st bd
	st=$(ip netns exec "$cn" hmmpctl -j stats)
	bd=$(ip netns exec "$cn" hmmpctl -j binding show)
	echo "$(json_get tunnel_errors "$st") $(json_eval "[b.get('pmtu', 0) for b in j if b['orig'] == '$ORIG'][0]" "$bd")"
}

case_icmp_forged_mtu() {
	local e0 p0 e p
	read -r e0 p0 <<<"$(cn_tunnel)"
	check_eq "cn: no path MTU learned yet" 0 "$p0"
	icmp_from_r2 $CN 55 68
	read -r e p <<<"$(cn_tunnel)"
	check_eq "quoting minimal encapsulation (cn's binding is ipip): not taken (tunnel_errors $e0)" "$e0 0" "$e $p"
	icmp_from_r2 $CN2 4 68
	read -r e p <<<"$(cn_tunnel)"
	check_eq "sent to $CN2, not the quoted source: not taken (tunnel_errors $e0)" "$e0 0" "$e $p"
	icmp_from_r2 $CN 4 68
	read -r e p <<<"$(cn_tunnel)"
	echo "# after the forged MTU 68: tunnel_errors $e, binding pmtu $p"
	check_eq "the quote of a packet cn sent is taken: tunnel_errors +1" $((e0 + 1)) "$e"
	check_eq "MTU 68 is clamped to net.ipv4.route.min_pmtu ($(ip netns exec "$cn" sysctl -n net.ipv4.route.min_pmtu))" \
		"$(ip netns exec "$cn" sysctl -n net.ipv4.route.min_pmtu)" "$p"
	capture ip netns exec "$cn" ping -c 1 -W 2 -M do -s 1000 -I $CN $ORIG
	check_match "cn: a 1028-byte DF ping is told the tunnel's MTU, 552 - 20" "mtu = 532" "$OUT"
	check "cn: 428-byte DF pings still go through the tunnel" \
		in_ns "$cn" ping -c 3 -i 0.3 -W 3 -M do -s 400 -I $CN $ORIG
}

case_kernel_log() {
	hmmp_show_stats "$m" "$cn" "$r2"
	check "no warning in dmesg" dmesg_clean_since "$MARK"
	check "taint only O and E" taint_only_oe
}

tcase case_setup "topology, move, bindings, listeners, packets"
tcase case_tunnel_works "the tunnel carries a ping both ways"
tcase case_ipip_valid "valid IP-in-IP: delivered (controls, RFC 6040 ECN)"
tcase case_ipip_truncated "truncated IP-in-IP"
tcase case_ipip_totlen "inner tot_len beyond the payload or below the header"
tcase case_ipip_ihl "inner ihl < 5, version 6"
tcase case_ipip_csum "bad inner header checksum"
tcase case_ipip_nested "nested encapsulation"
tcase case_ipip_ecn "outer CE over a not-ECT inner packet (RFC 6040: drop)"
tcase case_minimal_valid "valid minimal, S bit and not: delivered"
tcase case_minimal_csum "minimal with a bad forwarding-header checksum"
tcase case_minimal_truncated "minimal truncated"
tcase case_minimal_s_short "minimal with the S bit but an 8-byte header"
tcase case_minimal_nested "minimal carrying protocol 4 or 55"
tcase case_unknown_m "valid packets to the mobile that no binding covers"
tcase case_cn "to the correspondent: from the care-of, from a spoofed one, malformed"
tcase case_outer_fragments "IP-in-IP fragmented on the way: reassembled, decapsulated"
tcase case_random "randomly damaged packets against the reference"
tcase case_transit "r2 forwarded everything untouched"
tcase case_transit_bound "a router with a matching binding leaves transit alone"
tcase case_icmp_relay "ICMP unreachable about the tunnel reaches the sender (RFC 2003 4.1)"
tcase case_icmp_forged_mtu "forged ICMP MTU 68: clamped to min_pmtu, pings flow; foreign quotes ignored"
tcase case_kernel_log "kernel log clean"
