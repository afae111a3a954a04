#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The usual laptop: the visited network masquerades. The move of 30-hmmpd
# (hmmpd on m, cn and r1, DHCP on both access networks, the registrar on
# cn's host), but access B's router r2 masquerades everything it sends to
# the core (nftables, as a home router does) and nobody in the core has a
# route to access B: cn sees the mobile's INFO, and its data, from r2's
# address and a port r2 chose. hmmpd.conf says encap = auto on both ends
# and nothing about NAT.
#
# Checked: cn binds the original address to the NAT's address and mapped
# port with UDP encapsulation (its 200 says so and the mobile logs it);
# a bulk stream both ways and an interactive one (a 40-byte line every
# 50 ms) go on across the move with the same SHA-256 and no reset, the
# longest stall printed; then the NAT forgets its mappings and hands out
# other ports (conntrack flushed, masquerade port range changed: a NAT
# reboot or a timed-out entry): the mobile's keep-alive sees its mapped
# address change, it binds again with a new authenticated INFO, cn's
# binding follows to the new port, and the streams still complete intact.
# Between the two, refusals: a tunnel frame from the NAT's address and
# another port, and one from another host at the right port, are dropped
# and counted (udp_unknown), their inner datagrams not delivered; a STUN
# Binding request from another mapping is answered and moves nothing.
# Then the same move behind two NATs (topo-nat.sh picture (b): a home
# router masquerading into a carrier-grade NAT, which masquerades onto
# the core): udp chosen, the outer NAT's port bound, streams intact.
# Last the usual laptop day (topo-nat.sh picture (e)): the streams opened
# at home behind the home NAT r1 (cn knows them as from r1's address and
# ports 30000-30099), then the move into the cafe's NAT r2: the mobile's
# INFO carries each connection's identity (both ISNs, body version 2), cn
# finds its own record by it and installs a connection translation per
# connection (udp to r2's mapping, its view <cn, home NAT> kept for its
# sockets) and no address binding; the streams complete intact.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+
#   +---+ (after the move)        | r2 | masquerade on c2: 203.0.113.10:P
#        access B 203.0.113.0/24  +----+   leaves as 198.51.100.2:P'
#
# timeout: 420
# kernels: newest (its two cases take 4 minutes; passed on 6.1 as well; the UDP datapath on 6.1 is KUnit's)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

RATE=${HMMP_MOVE_RATE:-600000}
W0=/tmp/hmmpd-nat.$$
W=$W0
mkdir -p "$W"
cleanup_push rm -rf "$W0"
# shellcheck source=../topo-nat.sh
. "$REPO/tests/vm/topo-nat.sh"
# shellcheck source=../hmmpd-lib.sh
. "$REPO/tests/vm/hmmpd-lib.sh"

# cn's binding of the original address: "ADDR PORT ENCAP" from the JSON.
cn_binding() {
	ip netns exec "$cn" hmmpctl -j binding show 2>/dev/null | python3 -c '
import json, sys
for b in json.load(sys.stdin):
    if b.get("orig") == sys.argv[1] and b.get("kind") == "correspondent":
        print(b.get("coa"), b.get("port", 0), b.get("encap"))' "$ORIG"
}

cn_binding_port_is_not() { # PORT
	local got
	got=$(cn_binding)
	[ -n "$got" ] && [ "$(echo "$got" | cut -d' ' -f2)" != "$1" ]
}

cn_binding_is_udp() {
	[ "$(cn_binding | cut -d' ' -f3)" = udp ]
}

# cn's translations: "COA PORT ENCAP REMOTE" of each, from the JSON.
cn_xlates() {
	ip netns exec "$cn" hmmpctl -j xlate show 2>/dev/null | python3 -c '
import json, sys
for x in json.load(sys.stdin):
    print(x.get("coa"), x.get("port", 0), x.get("encap"), x.get("raddr"))'
}

cn_xlates_are() { # N: cn holds N translations
	[ "$(cn_xlates | grep -c .)" = "$1" ]
}

udp_unknown_at_least() { # N
	[ "$(hmmp_stat "$cn" udp_unknown)" -ge "$1" ]
}

# Behind the NAT with cn's udp binding at the NAT's port PORT: what no
# binding names is refused and changes nothing.
refusals() { # PORT
	local before unk0 got lp=7777

	before=$(cn_binding)
	unk0=$(hmmp_stat "$cn" udp_unknown)
	ip netns exec "$cn" python3 "$REPO/tests/vm/tunpkt.py" listen "$CN" $lp "$W/forged.got" &
	cleanup_push kill $!
	sleep 1
	# the NAT's address, another port: a second mapping of the mobile's host
	run ip netns exec "$m" python3 "$REPO/tests/vm/tunpkt.py" udp "$CN" 5060 --sport 5999 \
		--inner-src "$ORIG" --inner-dst "$CN" --port $lp --tag from-other-port
	# another host's address (r1, a peer of cn's with credentials of its own), the right port
	run ip netns exec "$r1" python3 "$REPO/tests/vm/tunpkt.py" udp "$CN" 5060 --sport 5061 \
		--inner-src "$ORIG" --inner-dst "$CN" --port $lp --tag from-other-host
	check "cn: both forged frames dropped and counted in udp_unknown" \
		wait_until 5 udp_unknown_at_least $((unk0 + 2))
	check "cn: neither inner datagram was delivered" test ! -s "$W/forged.got"
	# a keep-alive from another mapping is answered, and moves nothing
	got=$(ip netns exec "$m" python3 "$REPO/tests/vm/outbound.py" stun "$CN" 5060 1 --udp |
		sed -n 's/.* mapped [0-9.]*:\([0-9]*\).*/\1/p')
	echo "# a STUN Binding from another port of the mobile's host: cn saw it at port ${got:-none}"
	check "cn: a Binding request from another mapping is answered (port $got, not $1)" \
		test -n "$got" -a "$got" != "$1"
	check_eq "cn: its binding did not move" "$before" "$(cn_binding)"
}

case_load() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
}

# cafe_checks LO HI: cn's address binding of the original, udp to the
# NAT's address and a port of LO-HI (in $PORT1); the mobile's binding.
cafe_checks() {
	local lo=$1 hi=$2 got
	check "cn: binding to the NAT's address and port, encap udp" \
		wait_until 20 cn_binding_is_udp
	got=$(cn_binding)
	echo "# cn's binding of $ORIG: $got"
	check_match "cn: care-of is the NAT's address $NAT_PUB, a mapped port, udp" "^$NAT_PUB [0-9]+ udp$" "$got"
	PORT1=$(echo "$got" | cut -d' ' -f2)
	check "cn: the mapped port is from the NAT's range $lo-$hi ($PORT1)" \
		test "${PORT1:-0}" -ge "$lo" -a "${PORT1:-0}" -le "$hi"
	capture ip netns exec "$m" hmmpctl binding show
	check_match "m: mobile binding $ORIG -> $COA, peer $CN, udp to port 5060" \
		"^$ORIG +$COA +$CN +mobile +udp +5060 " "$OUT"
	check_log "m: logged the chosen encapsulation and why" m "info: 200 from $CN: encap udp, reflexive $NAT_PUB:$PORT1 \(NAT\)"
	check_log "cn: installed the udp binding" cn "binding: installed $ORIG -> $NAT_PUB:$PORT1 kind correspondent peer $CN encap udp"
}

# home_checks LO HI: the connections opened behind the home NAT, each
# translated on cn (udp to the cafe NAT's address and a port of LO-HI,
# in $PORT1); no address binding of the private original.
home_checks() {
	local lo=$1 hi=$2 got
	check "cn: a translation per connection (bulk, interactive)" \
		wait_until 20 cn_xlates_are 2
	got=$(cn_xlates)
	echo "# cn's translations: $got" | tr '\n' ' '; echo
	check_eq "cn: both to the cafe NAT's address and one mapping, udp, its view the home NAT's" \
		"2" "$(echo "$got" | grep -cE "^$NAT_PUB [0-9]+ udp $HOME_PUB$")"
	PORT1=$(echo "$got" | head -1 | cut -d' ' -f2)
	check "cn: the mapped port is from the NAT's range $lo-$hi ($PORT1)" \
		test "${PORT1:-0}" -ge "$lo" -a "${PORT1:-0}" -le "$hi"
	check_eq "cn: no address binding of the private original $ORIG" "" "$(cn_binding)"
	check_log "m: logged the chosen encapsulation and why" m \
		"info: 200 from $CN: encap udp, reflexive $NAT_PUB:$PORT1 \\(NAT\\)"
	check "cn: logged each translation" \
		log_count_is cn "xlate: installed $CN:520[12] $HOME_PUB:300[0-9][0-9] as $ORIG:[0-9]+ $CN:520[12] -> $NAT_PUB:$PORT1 encap udp" 2
	capture ip netns exec "$m" hmmpctl binding show
	check_match "m: mobile binding $ORIG -> $COA, peer $CN, udp to port 5060" \
		"^$ORIG +$COA +$CN +mobile +udp +5060 " "$OUT"
}

# nat_handoff NETWORK NAT LO HI: the daemons on NETWORK (a topo-nat.sh
# picture), the NAT onto the core (NAT names its namespace variable) mapping to ports
# LO-HI; streams started (bulk and interactive), the move into the
# masqueraded network, cn's udp binding checked; its port in $PORT1.
nat_handoff() {
	local net=$1 lo=$3 hi=$4 h got t_lease t_bind

	W=$W0/$net	# each case its own logs, leases and configs
	mkdir -p "$W"
	setup_topology "$net"
	NAT_NS=${!2}
	nat_ports "$NAT_NS" "$lo-$hi"
	dhcp_setup
	for h in m cn r1; do write_conf "$h" auto; done
	printf '[nat]\nkeepalive = 2\n' >>"$W/m.conf"
	start_registrar "$cn"
	start_hmmpd m "$m"
	start_hmmpd cn "$cn"
	start_hmmpd r1 "$r1"
	check_log "m: attached to access A" m "net: attached: $ORIG/24 on m1 via 192.0.2.1"
	check "m: hmmpd handed its SIP socket to hmmp.ko" \
		wait_until 10 hmmp_config_has "$m" "udp_port" 5060
	check "cn: hmmpd handed its SIP socket to hmmp.ko" \
		wait_until 10 hmmp_config_has "$cn" "udp_port" 5060

	start_two_streams

	echo "# moving into the masqueraded network"
	dhcp_move
	check "m: hand-off complete (every INFO answered 200)" \
		wait_until 30 log_has m "handoff: complete in"
	if [ "$net" = nat_home_network ]; then
		home_checks "$lo" "$hi"
	else
		cafe_checks "$lo" "$hi"
	fi
	t_lease=$(log_ms "$W/udhcpc-m2.log" "udhcpc: lease $COA")
	t_bind=$(log_ms "$W/cn.log.err" "(binding|xlate): installed .*-> $NAT_PUB")
	[ -n "$t_lease" ] && [ -n "$t_bind" ] &&
		echo "# hand-off time behind $NATS: lease on m2 -> binding installed on cn: $((t_bind - t_lease)) ms"
	wait_stream "$W/bulk" $(($(cat "$W/bulk.prog") + 1000000))
	got=$(hmmp_stat "$cn" decap_pkts)
	check "cn took tunnel frames out of UDP ($got)" test "${got:-0}" -gt 0
}

# nat_finish: the streams complete intact; the daemons' story; stop.
nat_finish() {
	local h
	finish_two_streams

	echo "# the hand-off as the daemons logged it"
	grep -hE "net: address|handoff:|info:|binding:|nat:|register:" "$W/m.log.err" | sed 's/^/#   m:  /'
	grep -hE "info:|binding:" "$W/cn.log.err" | sed 's/^/#   cn: /'
	[ "$HMMP_FAILS" -eq "$FAILS0" ] || show_file "$W/m.log.err" "$W/cn.log.err" "$W/r1.log.err"
	for h in m cn r1; do stop_hmmpd "$h"; done
	check "cn: the tunnel socket is detached when hmmpd exits" \
		wait_until 10 hmmp_config_has "$cn" "udp_port" 0
	stop_registrar
	dhcp_stop
	nat_teardown
}

case_nat_move() {
	local got port2

	FAILS0=$HMMP_FAILS NATS="one NAT"
	nat_handoff nat_move_network r2 20000 29999
	refusals "$PORT1"

	echo "# the NAT forgets its mappings and hands out other ports"
	nat_ports "$NAT_NS" 30000-39999
	nat_flush "$NAT_NS"
	nat_show "$NAT_NS"
	check "m: its keep-alive saw the mapping change and it bound again" \
		wait_until 30 cn_binding_port_is_not "$PORT1"
	got=$(cn_binding)
	port2=$(echo "$got" | cut -d' ' -f2)
	echo "# cn's binding after the NAT's reboot: $got"
	check "cn: the new port is from the new range ($port2)" \
		test "${port2:-0}" -ge 30000 -a "${port2:-0}" -le 39999
	got=$(hmmp_stat "$cn" udp_unknown)
	echo "# cn dropped $got frames from unknown mappings (the forged ones, then the new mapping's before its INFO)"
	nat_finish
}

case_cgn_move() {
	FAILS0=$HMMP_FAILS NATS="two NATs (home router, then CGNAT)"
	nat_handoff nat_cgn_network cgn 40000 49999
	nat_show "$NAT_NS"
	nat_finish
}

case_home_move() {
	FAILS0=$HMMP_FAILS NATS="the home NAT, then the cafe's"
	nat_handoff nat_home_network r2 20000 29999
	nat_finish
}

tcase case_load
tcase case_nat_move "behind a masquerading NAT: udp chosen, streams intact, refusals, NAT rebinding"
tcase case_cgn_move "behind two NATs (CGNAT): udp chosen, streams intact"
tcase case_home_move "opened behind the home NAT, moved behind the cafe's: translations, streams intact"
