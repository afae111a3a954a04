#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seed 003's section 11 call flow end to end: the UA (hmmpd, mobile role)
# behind a NAT (nftables masquerade) registers over UDP through hmmpd's edge
# with kamailio as registrar and home proxy behind it. Keep-alives run on
# the flow. A request for the UA larger than the flow MTU (an OPTIONS with
# a 3000-byte body; hmmpd answers OPTIONS 200, not INVITE) reaches the
# edge; ForceTCP on the UDP flow, GetToken over a new TCP connection, the
# request over TCP, its 200 back over TCP; a small request stays on UDP
# (the figure's F15). The messages are checked in the order of figure 1
# from tcpdump captures on both sides of the edge. Then the draft's failure
# paths: the edge closing the TCP connection mid-use recovers on the next
# oversized request; a UA without the usage (answers STUN requests 400)
# gets the request answered 430 upstream; GetToken over UDP is 445,
# ForceTCP over TCP 448. Flow recovery: a NAT rebinding (new mapped
# address: RFC 5626 4.4.2) and a hand-off of the UA both end in a new
# registration and keep-alives on the new flow, which the next large
# request uses.
#
#   +-------------+      +---------------------+      +--------------------+      +----------------+
#   | m (UA)      |      | nat                 |      | e (edge)           |      | k              |
#   | hmmpd       |------| .1   masquerade  .1 |------| .2 hmmpd       .1  |------| .2 kamailio    |
#   | 192.0.2.10  | m0 n0| 192.0.2.0/24 -> n1  | n1 eA| 203.0.113.0/24  eC | eC kC| 198.51.100.0/24|
#   +-------------+      +---------------------+      +--------------------+      +----------------+
#   edge: listens on 203.0.113.2:5060 (udp, tcp); next hop kamailio over TCP
#   tcpdump on eA (access side) and eC (core side)
#
# timeout: 300
# kernels: oldest (hmmpd is userspace; 41 passed on 6.12 as well)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

UA=192.0.2.10
NATIN=192.0.2.1
NATOUT=203.0.113.1
EDGE=203.0.113.2
EDGEC=198.51.100.1
CORE=198.51.100.2
W=/tmp/outbound.$$
mkdir -p "$W"
cleanup_push rm -rf "$W"
OBPY="$REPO/tests/vm/outbound.py"

case_setup() {
	netns_add m
	netns_add nat
	netns_add e
	netns_add k
	veth_pair "$m" m0 "$nat" n0
	veth_pair "$nat" n1 "$e" eA
	veth_pair "$e" eC "$k" kC
	addr_add "$m" m0 $UA/24
	addr_add "$nat" n0 $NATIN/24
	addr_add "$nat" n1 $NATOUT/24
	addr_add "$e" eA $EDGE/24
	addr_add "$e" eC $EDGEC/24
	addr_add "$k" kC $CORE/24
	must ip -n "$m" route add default via $NATIN
	must ip -n "$k" route add 203.0.113.0/24 via $EDGEC
	must ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1
	must ip netns exec "$nat" nft -f - <<-EON
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "n1" counter masquerade
		}
	}
	EON
	spawn_to "$W/eA.txt" "$e" tcpdump -i eA -U -n -w "$W/eA.pcap" udp port 5060 or tcp port 5060
	spawn_to "$W/eC.txt" "$e" tcpdump -i eC -U -n -w "$W/eC.pcap" udp port 5060 or tcp port 5060
	spawn_to "$W/kamailio.log" "$k" kamailio -f "$REPO/tests/vm/kamailio/outbound.cfg" -DD -E \
		-A LUDP=udp:$CORE:5060 -A LTCP=tcp:$CORE:5060
	wait_until 30 in_ns_quiet "$k" ss -Htl "sport = :5060" ||
		{ show_file "$W/kamailio.log" "$W/kamailio.log.err"; fatal "kamailio did not start"; }
	cat >"$W/e.conf" <<-EOC
	[general]
	roles = edge
	log_level = debug
	[sip]
	listen = udp:$EDGE:5060, tcp:$EDGE:5060
	secrets = $W/none
	[outbound]
	next_hop = sip:$CORE:5060;transport=tcp
	flow_mtu = 1300
	EOC
	spawn_to "$W/e.log" "$e" hmmpd -f -c "$W/e.conf"
	wait_until 20 in_ns_quiet "$e" ss -Hul "sport = :5060" ||
		{ show_file "$W/e.log.err"; fatal "the edge did not start"; }
	wait_until 20 file_has "$W/eA.txt.err" "listening on" || true
	wait_until 20 file_has "$W/eC.txt.err" "listening on" || true
}

start_ua() {
	cat >"$W/m.conf" <<-EOC
	[general]
	identity = sip:ua@hmmp.test
	roles = mobile
	log_level = debug
	[sip]
	listen = udp:0.0.0.0:5060, tcp:0.0.0.0:5060
	registrar = sip:$CORE:5060
	secrets = $W/none
	[outbound]
	edge = sip:$EDGE:5060
	keepalive = 2
	EOC
	spawn_to "$W/m.log" "$m" hmmpd -f -c "$W/m.conf"
	UA_PID=$SPAWNED
}

# home: a request from the home side (in k, to kamailio over TCP)
home() { # METHOD BODYLEN
	capture ip netns exec "$k" python3 "$OBPY" send $CORE 5060 --tcp "$1" sip:ua@hmmp.test "$2"
}

case_register() {
	start_ua
	check "F1-F4: the UA registered through the edge" \
		wait_until 30 file_has "$W/m.log.err" "register: 200 from"
	check "kamailio stored the Path with the flow token" \
		wait_until 10 file_has "$W/kamailio.log.err" "core: REGISTER sip:ua@hmmp.test contact .*reg-id=1.* path <sip:[0-9a-f]{60}@$EDGE:5060;lr;ob;transport=tcp> over tcp"
	check "F5/F6: keep-alives answered by the edge, through the NAT" \
		wait_until 20 file_has "$W/m.log.err" "keep-alive answered by $EDGE:5060 \\(mapped $NATOUT:"
}

case_large_request() {
	home OPTIONS 3000
	check_eq "F7-F14: the large request is answered 200" "status 200 OK" "$OUT"
	check "the edge sent ForceTCP" file_has "$W/e.log.err" "edge: OPTIONS of [0-9]+ bytes over a UDP flow: ForceTCP"
	check "the UA got a token with GetToken" file_has "$W/m.log.err" "GetToken answered: flow token of 30 bytes"
	check "the UA answered ForceTCP with it" file_has "$W/m.log.err" "ForceTCP answered with the flow token"
	check "the edge sent the request over TCP" file_has "$W/e.log.err" "ForceTCP answered: request sent over TCP"
	check "the UA got the OPTIONS over TCP" file_has "$W/m.log.err" "sip: OPTIONS .* from $EDGE:5060/tcp"
	home OPTIONS 200
	check_eq "F15 analog: a small request is answered 200" "status 200 OK" "$OUT"
	check "it came over UDP" file_has "$W/m.log.err" "sip: OPTIONS .* from $EDGE:5060/udp"
	# seed 6.2.2: the UA keeps the connection 5 s, then lets it go
	check "the UA released the TCP connection" \
		wait_until 15 file_has "$W/m.log.err" "releasing the TCP connection to the edge"
	check "not before 5 s after the token came" python3 -c '
import sys
def t(pat):
    for l in open(sys.argv[1]):
        if pat in l:
            h, m, s = l.split()[0].split(":")
            return int(h) * 3600 + int(m) * 60 + float(s)
got, rel = t("GetToken answered"), t("releasing the TCP connection")
print("held %.3f s" % (rel - got))
# the log stamps its lines a little after the loop read its clock
sys.exit(not 4.9 <= rel - got < 8.0)
' "$W/m.log.err"
}

# The figure's order, from the captures: access side A, core side C.
case_figure_order() {
	local seq want
	sleep 1
	capture python3 "$OBPY" figure "$W/eA.pcap:A" "$W/eC.pcap:C"
	seq=$(awk '{ $1 = ""; $NF = ""; print substr($0, 2, length($0) - 2) }' <<<"$OUT")
	want=$(
		cat <<-EOW
		A udp REGISTER
		C tcp REGISTER
		C tcp 200 REGISTER
		A udp 200 REGISTER
		A udp Binding request
		A udp Binding success
		C tcp OPTIONS
		A udp ForceTCP request
		A tcp GetToken request
		A tcp GetToken success
		A udp ForceTCP success
		A tcp OPTIONS
		A tcp 200 OPTIONS
		C tcp 200 OPTIONS
		C tcp OPTIONS
		A udp OPTIONS
		A udp 200 OPTIONS
		C tcp 200 OPTIONS
		EOW
	)
	printf '%s\n' "$want" >"$W/want"
	printf '%s\n' "$seq" >"$W/seq"
	check "figure 1, F1-F15, in order (a subsequence of the capture)" \
		python3 -c '
import sys
want = [l.strip() for l in open(sys.argv[1]) if l.strip()]
seq = [l.strip() for l in open(sys.argv[2]) if l.strip()]
i = 0
for s in seq:
    if i < len(want) and s == want[i]:
        i += 1
if i < len(want):
    print("missing from step %d on: %s" % (i + 1, want[i]))
    sys.exit(1)
' "$W/want" "$W/seq"
	check "the large OPTIONS went over TCP: 3000 bytes and more" \
		awk '$2 == "A" && $3 == "tcp" && $4 == "OPTIONS" && $5 > 3000 { f = 1 } END { exit !f }' <<<"$OUT"
	check "no SIP message over 1300 bytes on the UDP flow" \
		awk '$2 == "A" && $3 == "udp" && $NF > 1300 { bad = 1; print } END { exit bad }' <<<"$OUT"
}

case_edge_closes() {
	local before after
	home OPTIONS 3000
	check_eq "a large request again: 200" "status 200 OK" "$OUT"
	# within the UA's 5 s hold: the edge drops the connection
	run ip netns exec "$e" ss -K dst $NATOUT
	check "the UA noticed the edge closing the connection" \
		wait_until 10 file_has "$W/m.log.err" "the TCP connection to the edge is gone|releasing the TCP connection"
	before=$(grep -c "GetToken over TCP from" "$W/e.log.err")
	home OPTIONS 3000
	check_eq "the next large request recovers: 200" "status 200 OK" "$OUT"
	after=$(grep -c "GetToken over TCP from" "$W/e.log.err")
	check "over a new connection with a new token" test "$after" -gt "$before"
}

case_errors() {
	capture ip netns exec "$m" python3 "$OBPY" stun $EDGE 5060 0x00a --udp
	check_eq "GetToken over UDP to the edge: 445" "error 445 Operation for TCP Only" "$OUT"
	capture ip netns exec "$nat" python3 "$OBPY" stun $UA 5060 0x009 --tcp
	check_eq "ForceTCP over TCP to the UA: 448" "error 448 Operation for UDP Only" "$OUT"
}

case_no_usage() {
	run kill "$UA_PID"
	proc_wait 10 "$UA_PID"
	spawn_to "$W/nousage.out" "$m" python3 "$OBPY" ua-nousage $EDGE 5060 sip:$CORE:5060 sip:ua@hmmp.test "$W/nousage.log"
	check "the UA without the usage registered" \
		wait_until 20 file_has "$W/kamailio.log.err" "core: REGISTER .*urn:uuid:00000000-0000-1000-8000-000000000001"
	sleep 1
	home OPTIONS 200
	check_eq "a small request reaches it over UDP: 200" "status 200 OK" "$OUT"
	home OPTIONS 3000
	check_eq "a large one: its ForceTCP answered 400, the request 430" "status 430 Flow Failed" "$OUT"
	check "the UA answered ForceTCP 400" file_has "$W/nousage.log" "STUN method 0x009: 400"
	check "the edge said why" file_has "$W/e.log.err" "ForceTCP answered 400 by 203\\.0\\.113\\.[0-9]+:[0-9]+: the UA lacks the usage"
}

# RFC 5626 4.4.2: the NAT's binding changes (another public address, the
# conntrack table flushed): the next keep-alive shows a new mapped address,
# the UA takes the flow as failed and registers again over a new one.
case_nat_rebinding() {
	local regs
	regs=$(grep -c "register: 200 from" "$W/m.log.err")
	addr_add "$nat" n1 203.0.113.3/24
	must ip netns exec "$nat" nft flush chain ip nat post
	must ip netns exec "$nat" nft add rule ip nat post oifname n1 counter snat to 203.0.113.3
	run ip netns exec "$nat" conntrack -F
	check "the UA saw the mapped address change" \
		wait_until 20 file_has "$W/m.log.err" "flow to the edge failed \(the mapped address changed\)"
	check "and registered again" \
		wait_until 20 sh -c "[ \$(grep -c 'register: 200 from' '$W/m.log.err') -gt $regs ]"
	check "keep-alives on the new flow" \
		wait_until 20 file_has "$W/m.log.err" "keep-alive answered by $EDGE:5060 \\(mapped 203.0.113.3:"
	home OPTIONS 3000
	check_eq "a large request over the new flow: 200" "status 200 OK" "$OUT"
}

# A hand-off: the UA's address changes (hmmp.ko is not loaded here: hmmpd
# only registers again); the new flow is kept alive and used.
case_handoff() {
	local regs
	regs=$(grep -c "register: 200 from" "$W/m.log.err")
	must ip -n "$m" addr del $UA/24 dev m0
	addr_add "$m" m0 192.0.2.20/24
	must ip -n "$m" route replace default via $NATIN
	check "the UA registered from its new address" \
		wait_until 30 sh -c "[ \$(grep -c 'register: 200 from .*contact sip:ua@192.0.2.20' '$W/m.log.err') -ge 1 ]"
	check "keep-alives answered on the new flow" \
		wait_until 20 sh -c "[ \$(grep -c 'keep-alives on the UDP flow to the edge' '$W/m.log.err') -gt 2 ]"
	home OPTIONS 3000
	check_eq "a large request after the hand-off: 200" "status 200 OK" "$OUT"
	check "it reached the new address" file_has "$W/kamailio.log.err" "core: OPTIONS .* to sip:ua@192.0.2.20:5060"
}

tcase case_setup "UA, NAT, edge, kamailio"
tcase case_register "F1-F6: REGISTER through the edge, keep-alives"
tcase case_large_request "F7-F15: a large request over TCP after ForceTCP/GetToken"
tcase case_figure_order "figure 1 in order, from the captures"
tcase case_edge_closes "the edge closes the TCP connection: recovery"
tcase case_errors "445 and 448"
tcase case_nat_rebinding "the NAT binding changes: flow failure, recovery"
tcase case_handoff "a hand-off: registration and keep-alives from the new address"
tcase case_no_usage "a UA without the usage: 430"
show_file "$W/m.log.err" "$W/e.log.err" "$W/kamailio.log.err"
