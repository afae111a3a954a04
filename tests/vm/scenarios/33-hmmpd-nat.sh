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
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+
#   +---+ (after the move)        | r2 | masquerade on c2: 203.0.113.10:P
#        access B 203.0.113.0/24  +----+   leaves as 198.51.100.2:P'
#
# timeout: 300
# kernels: newest (the UDP datapath is 23-udp-nat's, on both lines)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

RATE=${HMMP_MOVE_RATE:-600000}
W=/tmp/hmmpd-nat.$$
mkdir -p "$W"
cleanup_push rm -rf "$W"
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

case_load() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
}

case_nat_move() {
	local h got port1 port2 t_lease t_bind b_srv b_cli i_srv i_cli fails0=$HMMP_FAILS

	setup_topology nat_move_network
	nat_ports "$r2" 20000-29999
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

	start_streams "$W/bulk" 5201 "$RATE"
	b_srv=$STREAM_SRV b_cli=$STREAM_CLI
	start_streams "$W/tty" 5202 800 40
	i_srv=$STREAM_SRV i_cli=$STREAM_CLI
	wait_stream "$W/bulk" 1000000

	echo "# moving into the masqueraded network"
	dhcp_move
	check "m: hand-off done" wait_until 30 log_has m "handoff: (complete|finished) in"
	check "cn: binding to the NAT's address and port, encap udp" \
		wait_until 20 sh -c "ip netns exec $cn hmmpctl -j binding show | grep -q '\"encap\": *\"udp\"'"
	got=$(cn_binding)
	echo "# cn's binding of $ORIG: $got"
	check_match "cn: care-of is the NAT's address $NAT_PUB, a mapped port, udp" "^$NAT_PUB [0-9]+ udp$" "$got"
	port1=$(echo "$got" | cut -d' ' -f2)
	check "cn: the mapped port is from r2's range 20000-29999 ($port1)" \
		test "${port1:-0}" -ge 20000 -a "${port1:-0}" -le 29999
	capture ip netns exec "$m" hmmpctl binding show
	check_match "m: mobile binding $ORIG -> $COA, peer $CN, udp to port 5060" \
		"^$ORIG +$COA +$CN +mobile +udp +5060 " "$OUT"
	check_log "m: logged the chosen encapsulation and why" m "info: 200 from $CN.*encap udp"
	check_log "cn: installed the udp binding" cn "binding: installed $ORIG -> $NAT_PUB:[0-9]+ kind correspondent peer $CN encap udp"
	t_lease=$(log_ms "$W/udhcpc-m2.log" "udhcpc: lease $COA")
	t_bind=$(log_ms "$W/cn.log.err" "binding: installed $ORIG -> $NAT_PUB")
	[ -n "$t_lease" ] && [ -n "$t_bind" ] &&
		echo "# hand-off time behind one NAT: lease on m2 -> binding installed on cn: $((t_bind - t_lease)) ms"
	wait_stream "$W/bulk" $(($(cat "$W/bulk.prog") + 1000000))
	got=$(hmmp_stat "$cn" decap_pkts)
	check "cn took tunnel frames out of UDP ($got)" test "${got:-0}" -gt 0

	echo "# the NAT forgets its mappings and hands out other ports"
	nat_ports "$r2" 30000-39999
	nat_flush "$r2"
	nat_show "$r2"
	check "m: its keep-alive saw the mapping change and it bound again" \
		wait_until 30 cn_binding_port_is_not "$port1"
	got=$(cn_binding)
	port2=$(echo "$got" | cut -d' ' -f2)
	echo "# cn's binding after the NAT's reboot: $got"
	check "cn: the new port is from the new range ($port2)" \
		test "${port2:-0}" -ge 30000 -a "${port2:-0}" -le 39999
	got=$(hmmp_stat "$cn" udp_unknown)
	echo "# cn dropped $got frames from the unknown new mapping before the new INFO"

	STREAM_SRV=$b_srv STREAM_CLI=$b_cli
	check_streams "$W/bulk" $(($(cat "$W/bulk.prog") + 1000000))
	STREAM_SRV=$i_srv STREAM_CLI=$i_cli
	check_streams "$W/tty" $(($(cat "$W/tty.prog") + 800))

	echo "# the hand-off as the daemons logged it"
	grep -hE "net: address|handoff:|info:|binding:|nat:|register:" "$W/m.log.err" | sed 's/^/#   m:  /'
	grep -hE "info:|binding:" "$W/cn.log.err" | sed 's/^/#   cn: /'
	[ "$HMMP_FAILS" -eq "$fails0" ] || show_file "$W/m.log.err" "$W/cn.log.err" "$W/r1.log.err"
	for h in m cn r1; do stop_hmmpd "$h"; done
	check "cn: the tunnel socket is detached when hmmpd exits" \
		wait_until 10 hmmp_config_has "$cn" "udp_port" 0
	stop_registrar
	dhcp_stop
	teardown_topology
}

tcase case_load
tcase case_nat_move "behind a masquerading NAT: udp chosen, streams intact, NAT rebinding"
