#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A correspondent behind a port forward (issue 13 item 7), the hand-off
# signalled by hmmpd: a server at home whose router forwards one UDP port
# (15060, to hmmpd's SIP and tunnel socket) and the services' TCP ports,
# and a mobile behind a masquerading router with two links (topo-nat.sh
# picture (d)). Nobody configures anything about NAT: encap = auto.
#
# The mobile opens a bulk stream and an interactive one to the forwarded
# address; cn's sockets see them from the mobile's NAT, the mobile's as
# to hr's address: the two views differ at both ends. The mobile moves to
# its second link; its hmmpd learns its mapping by STUN through the
# forward, sends the INFO with the connections' identities (both ISNs) to
# the forwarded port; cn finds its own records by them and installs one
# connection translation each, in udp to the mobile's new mapping (the
# only encapsulation the single forwarded port lets through), and no
# address binding. Checked: the translations' two views, the mobile's
# binding to the forwarded port, the tunnel through that one forward (its
# counter), the streams' bytes and hashes, no reset, the longest stall.
#
# timeout: 240
# kernels: oldest (hmmpd is userspace; 24-xlate runs the translation datapath on both lines; 34 passed on 6.12 as well)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

RATE=${HMMP_MOVE_RATE:-600000}
W=/tmp/hmmpd-forward.$$
mkdir -p "$W"
cleanup_push rm -rf "$W"
# shellcheck source=../topo-nat.sh
. "$REPO/tests/vm/topo-nat.sh"
# shellcheck source=../hmmpd-lib.sh
. "$REPO/tests/vm/hmmpd-lib.sh"
ORIG=$FWD_ORIG
COA=$FWD_COA
STREAM_LISTEN=$CN_PRIV

# cn's translations: "LADDR RADDR PEER_LADDR PEER_RADDR COA PORT ENCAP"
cn_xlates() {
	xlates "$cn" laddr raddr peer_laddr peer_raddr coa port encap
}

# the packets hr's forward of UDP $FWD_PORT has taken
fwd_packets() {
	ip netns exec "$hr" nft list chain ip nat pre |
		awk -v p="$FWD_PORT" '$0 ~ "udp dport " p { for (i = 1; i < NF; i++) if ($i == "packets") print $(i + 1) }'
}

write_confs() {
	cat >"$W/m.conf" <<-EOC
	# the mobile, behind its home router's masquerade
	[general]
	identity = sip:m@hmmp.test
	roles = mobile
	debounce_ms = 300
	log_level = info
	[sip]
	secrets = $W/m.secrets
	[binding]
	lifetime = 60
	encap = auto
	# its access router runs no hmmpd
	gateway_lifetime = 0
	[nat]
	keepalive = 2
	[peer cn]
	uri = sip:hmmp@$CN:$FWD_PORT
	address = $CN
	EOC
	printf '%s\n' "cn m the cn secret" >"$W/m.secrets"
	cat >"$W/cn.conf" <<-EOC
	# the correspondent, behind its home router's forward of UDP $FWD_PORT;
	# the mobile's addresses are private leases nobody can list
	[general]
	roles = correspondent
	log_level = info
	[sip]
	secrets = $W/cn.secrets
	[binding]
	lifetime = 60
	max_lifetime = 120
	[peer m]
	uri = sip:m@hmmp.test
	EOC
	printf '%s\n' "m m the cn secret" >"$W/cn.secrets"
	chmod 0600 "$W/m.secrets" "$W/cn.secrets"
	sed 's/^/#   /' "$W/m.conf" "$W/cn.conf"
}

case_setup() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
	nat_forward_network
	write_confs
	start_hmmpd m "$m"
	start_hmmpd cn "$cn"
	check "m: hmmpd handed its SIP socket to hmmp.ko" \
		wait_until 10 hmmp_config_has "$m" "udp_port" 5060
	check "cn: hmmpd handed its SIP socket to hmmp.ko" \
		wait_until 10 hmmp_config_has "$cn" "udp_port" 5060
}

case_streams() {
	local v
	start_two_streams
	v=$(ip netns exec "$m" ss -Htn state established "dport = :5201" | awk '{ print $3, $4; exit }')
	check_match "m's socket: from its private address to the forwarded one" "^$ORIG:[0-9]+ $CN:5201$" "$v"
	v=$(ip netns exec "$cn" ss -Htn state established "sport = :5201" | awk '{ print $3, $4; exit }')
	check_match "cn's socket: its own address, from the mobile's NAT" "^$CN_PRIV:5201 $NAT_PUB:[0-9]+$" "$v"
}

case_handoff() {
	local got port t0 t1 n0
	n0=$(fwd_packets)
	echo "$(date +%H:%M:%S.%3N) move: m1 down, $COA on m2" >>"$W/move.log"
	must ip -n "$m" link set m1 down
	must ip -n "$m" addr flush dev m1
	addr_add "$m" m2 $COA/26
	must ip -n "$m" route replace default via 203.0.113.65 dev m2
	check "m: hand-off complete (every INFO answered 200)" \
		wait_until 30 log_has m "handoff: complete in"
	check "cn: a translation per connection (bulk, interactive)" \
		wait_until 20 xlates_are "$cn" 2
	got=$(cn_xlates)
	echo "$got" | sed 's/^/# cn translation: /'
	check_eq "cn: each keyed on its own view, the peer's view the forwarded address, udp to the mobile's NAT" \
		2 "$(echo "$got" | grep -cE "^$CN_PRIV $NAT_PUB $ORIG $CN $NAT_PUB [0-9]+ udp$")"
	port=$(echo "$got" | head -1 | awk '{ print $6 }')
	check_eq "cn: both to the one mapping of the mobile's tunnel socket" 2 \
		"$(echo "$got" | awk -v p="$port" '$6 == p' | grep -c .)"
	capture ip netns exec "$cn" hmmpctl binding show
	check_no_match "cn: no address binding of the mobile's private $ORIG" "^$ORIG " "$OUT"
	capture ip netns exec "$m" hmmpctl binding show
	check_match "m: mobile binding $ORIG -> $COA, peer $CN, udp to the forwarded port $FWD_PORT" \
		"^$ORIG +$COA +$CN +mobile +udp +$FWD_PORT " "$OUT"
	check_log "m: chose udp, and why" m "info: 200 from $CN: encap udp, reflexive $NAT_PUB:$port \\(NAT\\)"
	check "cn: logged both translations" log_count_is cn \
		"xlate: installed $CN_PRIV:520[12] $NAT_PUB:[0-9]+ as $ORIG:[0-9]+ $CN:520[12] -> $NAT_PUB:$port encap udp" 2
	t0=$(log_ms "$W/move.log" "move: m1 down")
	t1=$(log_ms "$W/cn.log.err" "xlate: installed")
	[ -n "$t0" ] && [ -n "$t1" ] &&
		echo "# hand-off time behind the forward: m1 down -> translation installed on cn: $((t1 - t0)) ms"
	wait_stream "$W/bulk" $(($(cat "$W/bulk.prog") + 1000000))
	got=$(fwd_packets)
	check "the tunnel went through the one forwarded UDP port ($n0 -> $got packets)" \
		test "${got:-0}" -gt "${n0:-0}"
	got=$(hmmp_stat "$cn" xlate_pkts)
	check "cn: packets translated ($got)" test "${got:-0}" -gt 0
}

case_finish() {
	finish_two_streams
	echo "# the hand-off as the daemons logged it"
	grep -hE "handoff:|info:|binding:|nat:" "$W/m.log.err" | sed 's/^/#   m:  /'
	grep -hE "info:|binding:|xlate:" "$W/cn.log.err" | sed 's/^/#   cn: /'
	[ "$HMMP_FAILS" -eq 0 ] || show_file "$W/m.log.err" "$W/cn.log.err"
	stop_hmmpd m
	stop_hmmpd cn
	nat_teardown
}

tcase case_setup "cn behind a port forward, m behind a masquerade with two links; hmmpd on both"
tcase case_streams "streams opened to the forwarded address: the two ends see them differently"
tcase case_handoff "the move: STUN and INFO through the forward, cn's translations in udp"
tcase case_finish "the streams intact, no reset"
