# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The hand-off behind a NAT (topo-nat.sh pictures (a), (b), (e)) with
# hmmpd on m, cn and r1: for 33-hmmpd-nat and 35-hmmpd-home. Source after
# lib.sh: it brings topo-nat.sh and hmmpd-lib.sh, and $W0, a scratch
# directory removed at the end (each case's in $W0/NETWORK).
# shellcheck disable=SC2154 # $m $cn $r1 $r2: topo-nat.sh

RATE=${HMMP_MOVE_RATE:-600000}
W0=/tmp/hmmpd-nat.$$
W=$W0
mkdir -p "$W"
cleanup_push rm -rf "$W0"
# shellcheck source=topo-nat.sh
. "$REPO/tests/vm/topo-nat.sh"
# shellcheck source=hmmpd-lib.sh
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

# cn's translations: "COA PORT ENCAP REMOTE" of each.
cn_xlates() {
	xlates "$cn" coa port encap raddr
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
		wait_until 20 xlates_are "$cn" 2
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

