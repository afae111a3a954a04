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
# The usual laptop day (streams opened at home behind a home NAT) is
# 35-hmmpd-home.
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

# shellcheck source=../nat-lib.sh
. "$REPO/tests/vm/nat-lib.sh"

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

tcase case_load
tcase case_nat_move "behind a masquerading NAT: udp chosen, streams intact, refusals, NAT rebinding"
tcase case_cgn_move "behind two NATs (CGNAT): udp chosen, streams intact"
