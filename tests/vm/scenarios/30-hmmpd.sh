#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The mission with hmmpd doing the hand-off: hmmpd runs on the mobile m, on
# the correspondent cn and on the first access router r1, each with its own
# hmmpd.conf and a secrets file (mode 0600). dnsmasq serves DHCP on each
# access network (r1 on A, r2 on B) and busybox udhcpc is the mobile's DHCP
# client (tests/vm/udhcpc.script). TCP streams run both ways between m and
# cn; the mobile moves: m1 goes down and its lease is released, udhcpc on
# m2 gets a lease on access B (address and default route through r2), and
# nothing else is done by hand (hmmpd-lib.sh): hmmpd on m keeps the original
# address on lo, hands SIP_EYE over, installs its mobile binding, and sends
# INFOs to cn and to its previous gateway r1, which challenge them (401),
# check the credentials and their policy, and install the bindings (200).
# Both streams complete with the same bytes and no reset. A registrar
# (kamailio, tests/vm/kamailio/registrar.cfg, on cn's host at port 5070)
# holds the mobile's contact: the original one at start, the new one
# after the move. cn is far away (netem: 100 ms on its link) and pings the
# mobile's original address every 20 ms: what it sent before its binding
# was installed is still in flight toward access A when r1's binding is
# there, and r1 forwards it to the care-of address until the binding's
# lifetime runs out; then r1 forwards nothing more.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+
#   +---+ (after the move)        | r2 |
#        access B 203.0.113.0/24  +----+
#
#   hmmpd: m (mobile), r1 (router), cn (correspondent)
#   DHCP: dnsmasq on r1 (a1, leases 192.0.2.10) and r2 (a2, 203.0.113.10)
#   kamailio: registrar 198.51.100.10:5070 (in cn's namespace)
#   mobile original address 192.0.2.10, care-of 203.0.113.10
#
# timeout: 420
# kernels: oldest (hmmpd is userspace; 20-move covers the datapath on both lines)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

BYTES=${HMMP_MOVE_BYTES:-6000000}
RATE=${HMMP_MOVE_RATE:-800000}
GW_LIFETIME=6
W=/tmp/hmmpd.$$
mkdir -p "$W"
cleanup_push rm -rf "$W"
# shellcheck source=../topo-move.sh
. "$REPO/tests/vm/topo-move.sh"
# shellcheck source=../hmmpd-lib.sh
. "$REPO/tests/vm/hmmpd-lib.sh"

case_load() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
}

case_config_errors() {
	local f=/tmp/bad.$$.conf
	printf '[sip]\nlisten = udp:0.0.0.0:5060\nlisen = x\n' >"$f"
	capture hmmpd -f -c "$f"
	check_ne "a bad line: hmmpd refuses to start" 0 "$RC"
	check_match "the error names FILE:LINE" "hmmpd: $f:3: unknown key 'lisen'" "$ERR"
	printf '[sip]\nsecrets = %s.s\n' "$f" >"$f"
	echo "x y z" >"$f.s"
	chmod 0644 "$f.s"
	capture hmmpd -f -c "$f"
	check_ne "a world-readable secrets file: hmmpd refuses to start" 0 "$RC"
	check_match "it says why and what to do" "accessible to others.*chmod o-rwx" "$ERR"
	rm -f "$f" "$f.s"
}

# The move with encapsulation $1: hmmpd does everything. LAPTOP=1: the
# original address is listed under no [peer] (write_conf).
move_case() {
	local encap=$1 port=$2 got t_down t_lease t_addr t_route t_bind h ping
	local fails0=$HMMP_FAILS laptop=${LAPTOP:-0}

	rm -f "$W"/*.log "$W"/*.log.err "$W"/dnsmasq-*
	setup_topology
	check "cn: 100 ms away (netem on e0)" in_ns "$cn" tc qdisc add dev e0 root netem delay 100ms
	dhcp_setup
	for h in m cn r1; do write_conf "$h" "$encap"; done
	start_registrar "$cn"
	start_hmmpd m "$m"
	start_hmmpd cn "$cn"
	start_hmmpd r1 "$r1"
	check_log "m: attached to access A" m "net: attached: $ORIG/24 on m1 via 192.0.2.1"
	if [ "$laptop" = 1 ]; then
		check "m: claimed $ORIG at its gateway r1 (on-link)" \
			wait_until 20 log_has m "claim: 200 from 192.0.2.1 \(granted 3600 s\)"
		check_log "r1: recorded the claim" r1 "claim: $ORIG is peer m's for 3600 s \(on-link\)"
	fi
	check "m: registered its contact at start" \
		wait_until 20 log_has m "register: 200 from sip:$CN:5070 \(contact sip:m@$ORIG:5060"
	capture reg_contacts
	check_eq "registrar: location holds sip:m@$ORIG:5060" "sip:m@$ORIG:5060" "$OUT"

	start_streams "$W/st" "$port" "$RATE"
	wait_stream "$W/st" $((BYTES / 4))

	# (no -w: with a deadline, ping quits at its first ICMP error)
	spawn_to "$W/ping" "$cn" timeout 90 ping -q -i 0.02 -I "$CN" "$ORIG"
	ping=$SPAWNED
	echo "# moving: m1 down, lease released; a lease on m2"
	dhcp_move

	# the router's binding lives $GW_LIFETIME s: look as soon as r1 answered
	check "m: r1 granted the router binding" \
		wait_until 30 log_has m "info: 200 from 192.0.2.1"
	capture ip netns exec "$r1" hmmpctl binding show
	check_match "r1: router binding $ORIG -> $COA" "^$ORIG +$COA +0\.0\.0\.0 +router +$encap " "$OUT"
	check "m: hand-off done" wait_until 30 log_has m "handoff: (complete|finished) in"
	if [ "$laptop" = 1 ]; then
		capture ip netns exec "$cn" hmmpctl -j binding show
		check_json "cn: no address binding of the unlisted $ORIG" "len(j) == 0"
		capture ip netns exec "$cn" hmmpctl -j xlate show
		check_json "cn: the stream's connection translated to itself, to $COA, $encap" \
			"len(j) == 1 and j[0]['raddr'] == '$ORIG' and j[0]['peer_laddr'] == '$ORIG' and j[0]['lport'] == j[0]['peer_rport'] and j[0]['coa'] == '$COA' and j[0]['encap'] == '$encap'"
	else
		capture ip netns exec "$cn" hmmpctl binding show
		check_match "cn: correspondent binding $ORIG -> $COA" "^$ORIG +$COA +$CN +correspondent +$encap " "$OUT"
	fi
	capture ip netns exec "$m" hmmpctl binding show
	check_match "m: mobile binding $ORIG -> $COA, peer $CN" "^$ORIG +$COA +$CN +mobile +$encap " "$OUT"
	check "m: registered the new contact" \
		wait_until 20 log_has m "register: 200 from sip:$CN:5070 \(contact sip:m@$COA:5060"
	capture reg_contacts
	check_eq "registrar: location holds sip:m@$COA:5060 only" "sip:m@$COA:5060" "$OUT"
	capture ip -n "$m" -4 addr show dev lo
	check_match "m: $ORIG/32 kept on lo" "inet $ORIG/32" "$OUT"
	capture ip netns exec "$m" sysctl -n net.ipv4.conf.m2.arp_ignore net.ipv4.conf.m2.arp_announce
	check_eq "m: m2 neither answers nor announces it (arp_ignore 1, arp_announce 2)" "1
2" "$OUT"

	check_streams "$W/st" $(($(cat "$W/st.prog") + BYTES * 3 / 4))
	got=$(hmmp_stat "$cn" encap_pkts)
	check "cn tunnelled to the care-of address ($got packets)" test "${got:-0}" -gt 0
	# r1: in-flight packets forwarded while its binding lived, and
	# nothing once it expired (r2 routes the original address to r1)
	got=$(hmmp_stat "$r1" fwd_pkts)
	check "r1 forwarded in-flight packets to the care-of address ($got)" test "${got:-0}" -gt 0
	check "r1: its binding expired after $GW_LIFETIME s" \
		wait_until $((GW_LIFETIME + 10)) hmmp_bind_count_is "$r1" 0
	check_log "r1: hmmpd logged the expiry event" r1 "binding del $ORIG .*reason expired"
	got=$(hmmp_stat "$r1" fwd_pkts)
	capture ip netns exec "$r2" ping -c 3 -i 0.2 -W 1 "$ORIG"
	check_eq "r1 forwards nothing after the expiry" "$got" "$(hmmp_stat "$r1" fwd_pkts)"
	run kill "$ping"
	proc_wait 10 "$ping"
	show_file "$W/ping"

	echo "# the hand-off as the daemons logged it"
	grep -hE "net: address|handoff:|info:|binding:|register:" "$W/m.log.err" | sed 's/^/#   m:  /'
	grep -h "registrar:" "$W/kam.log.err" | sed 's/^/#   registrar: /'
	grep -hE "info:|binding:" "$W/cn.log.err" | sed 's/^/#   cn: /'
	grep -hE "info:|binding:" "$W/r1.log.err" | sed 's/^/#   r1: /'
	# the whole logs when something went wrong
	[ "$HMMP_FAILS" -eq "$fails0" ] || show_file "$W/m.log.err" "$W/cn.log.err" "$W/r1.log.err"
	check_log "m: new address seen" m "net: address $COA/24 added on m2"
	check_log "m: hand-off logged" m "handoff: new address $COA on m2 \(was $ORIG on m1 via 192.0.2.1\)"
	check_log "m: hmmp.ko moved the stream" m "handoff: hmmp.ko moved 1 connections from $ORIG to $COA"
	check_log "m: INFO sent to cn" m "info: sent to $CN \(1 bindings, 1 connections, kind correspondent"
	check_log "m: INFO sent to r1" m "info: sent to 192.0.2.1 \(1 bindings, 0 connections, kind router"
	check_log "m: 401 from cn" m "info: 401 from $CN"
	check_log "m: 401 from r1" m "info: 401 from 192.0.2.1"
	check_log "m: 200 from cn" m "info: 200 from $CN"
	check_log "m: 200 from r1" m "info: 200 from 192.0.2.1"
	check_log "cn: challenged the first INFO" cn "info: 401 to $COA \(no credentials\)"
	if [ "$laptop" = 1 ]; then
		check_log "cn: translation installed" cn "xlate: installed $CN:$port $ORIG:[0-9]+ as $ORIG:[0-9]+ $CN:$port -> $COA encap $encap lifetime 60 s"
	else
		check_log "cn: binding installed" cn "binding: installed $ORIG -> $COA kind correspondent peer $CN encap $encap lifetime 60 s \(1 connections\)"
	fi
	check_log "r1: binding installed, lifetime capped by the gateway's" r1 "binding: installed $ORIG -> $COA kind router peer any encap $encap lifetime $GW_LIFETIME s"
	t_down=$(log_ms "$W/move.log" "move: m1 down")
	t_lease=$(log_ms "$W/udhcpc-m2.log" "udhcpc: lease $COA")
	t_addr=$(log_ms "$W/m.log.err" "net: address $COA/24 added on m2")
	t_route=$(log_ms "$W/m.log.err" "net: default route via 203.0.113.1 dev m2 added")
	t_bind=$(log_ms "$W/cn.log.err" "(binding|xlate): installed .*-> $COA")
	if [ -n "$t_lease" ] && [ -n "$t_addr" ] && [ -n "$t_route" ] && [ -n "$t_bind" ]; then
		echo "# hand-off time ($encap): lease on m2 -> binding installed on cn: $((t_bind - t_lease)) ms;" \
			"new address seen by hmmpd -> binding: $((t_bind - t_addr)) ms;" \
			"new default route -> binding: $((t_bind - t_route)) ms (debounce 300 ms included)"
	fi
	[ -n "$t_down" ] && [ -n "$t_lease" ] &&
		echo "# off the network ($encap): m1 down -> lease on m2: $((t_lease - t_down)) ms"

	# SIGHUP reloads, and keeps what runs when the new file is bad;
	# SIGTERM leaves cleanly
	run kill -HUP "${HPID[m]}"
	check "m: SIGHUP reloads the configuration" wait_until 10 log_has m "config: reloaded"
	cp "$W/m.conf" "$W/m.conf.good"
	echo "lifetime = forever" >>"$W/m.conf"
	run kill -HUP "${HPID[m]}"
	check "m: a bad file on SIGHUP is refused with FILE:LINE" \
		wait_until 10 log_has m "$W/m.conf:[0-9]+: unknown key"
	check "m: ... and the running configuration kept" \
		wait_until 10 log_has m "config: reload failed: keeping the configuration in use"
	check "m: hmmpd still runs" _hmmp_alive "${HPID[m]}"
	mv "$W/m.conf.good" "$W/m.conf"
	for h in m cn r1; do stop_hmmpd "$h"; done
	stop_registrar
	dhcp_stop
	teardown_topology
}

case_move_ipip() {
	move_case ipip 5101
}

# the laptop: a dynamic lease, listed nowhere (deny by default)
case_move_minimal() {
	LAPTOP=1 move_case minimal 5102
}

tcase case_load
tcase case_config_errors "hmmpd refuses a bad configuration"
tcase case_move_ipip "hmmpd hands off, IP-in-IP"
tcase case_move_minimal "hmmpd hands off, minimal encapsulation, a laptop with a dynamic lease"
