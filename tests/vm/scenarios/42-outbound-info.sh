#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hand-off's INFO to a correspondent behind an Outbound edge, moved to
# TCP by seed 003's usage. The correspondent c (hmmpd: correspondent, and
# an Outbound UA registered through the edge e, behind a NAT, as in
# 41-outbound) has 200 TCP connections with the mobile m. m moves from
# access 1 to access 2; its hmmpd sends the INFO listing the 200
# connections (a body far larger than the edge's flow MTU, 1300) to c's
# AOR through c's registrar ([peer c] proxy = kamailio over TCP). kamailio
# routes it through the Path to the edge, which sends ForceTCP on c's UDP
# flow; c opens a TCP connection, gets a token with GetToken, answers
# ForceTCP with it, and the INFO arrives over TCP. c challenges it (401,
# back through edge and kamailio), m answers, c takes the origin from the
# Vias below its trusted proxies (edge, registrar: hmmpd(8), outbound.md),
# finds it equal to the care-of address, finds its own record of each
# connection by the identity (both ISNs) on the Conn lines, and since its
# NAT rewrote them (c has <192.0.2.10:p, m>, m <m, 203.0.113.1:p'>)
# installs a connection translation per connection in ipip (the request
# came relayed over TCP, so not udp) and no address binding (200).
# Then a forged INFO: right credentials, right care-of address in the
# body, a Via naming the care-of address, sent from elsewhere: kamailio
# stamps received= with the real source, c answers 403 and its binding
# and translation tables are unchanged.
#
#   +------------+      +--------------------+      +---------------------+      +---------------+
#   | c          |      | nat                |      | e (edge, router)    |      | k             |
#   | hmmpd UA + |------| .1  masquerade  .1 |------| .2 hmmpd edge   .1  |------| .2 kamailio   |
#   | corresp.   | c0 n0| 192.0.2.0/24 -> n1 | n1 eA| 203.0.113.0/24   eC | eC kC| 198.51.100/26 |
#   | 192.0.2.10 |      +--------------------+      | eM1 .1       eM2 .1 |      +---------------+
#   +------------+                                  +---------------------+
#                           198.51.100.64/26 (access 1) |          | 198.51.100.128/26 (access 2)
#                                                  m1 .74      m2 .138
#                                                 +-----------------+
#                                                 | m (mobile) hmmpd|
#                                                 +-----------------+
#   edge: 203.0.113.2:5060 udp/tcp, next hop kamailio over TCP, flow_mtu 1300
#   m: 198.51.100.74 (original) -> 198.51.100.138 (care-of); c's NAT address 203.0.113.1
#   tcpdump on eA (c's side of the edge)
#
# timeout: 200
# kernels: newest (hmmpd is userspace; the translations are checked in the table)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

C=192.0.2.10
NATIN=192.0.2.1
NATOUT=203.0.113.1
EDGE=203.0.113.2
EDGEC=198.51.100.1
CORE=198.51.100.2
ORIG=198.51.100.74
COA=198.51.100.138
NCONN=200
MTU=1300
W=/tmp/outbound-info.$$
mkdir -p "$W"
cleanup_push rm -rf "$W"
OBPY="$REPO/tests/vm/outbound.py"
# shellcheck source=../hmmpd-lib.sh
. "$REPO/tests/vm/hmmpd-lib.sh"

case_setup() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
	netns_add c
	netns_add nat
	netns_add e
	netns_add k
	netns_add m
	veth_pair "$c" c0 "$nat" n0
	veth_pair "$nat" n1 "$e" eA
	veth_pair "$e" eC "$k" kC
	veth_pair "$m" m1 "$e" eM1
	veth_pair "$m" m2 "$e" eM2
	addr_add "$c" c0 $C/24
	addr_add "$nat" n0 $NATIN/24
	addr_add "$nat" n1 $NATOUT/24
	addr_add "$e" eA $EDGE/24
	addr_add "$e" eC $EDGEC/26
	addr_add "$e" eM1 198.51.100.65/26
	addr_add "$e" eM2 198.51.100.129/26
	addr_add "$k" kC $CORE/26
	addr_add "$m" m1 $ORIG/26
	must ip -n "$c" route add default via $NATIN
	must ip -n "$nat" route add default via $EDGE
	must ip -n "$k" route add default via $EDGEC
	must ip -n "$m" route add default via 198.51.100.65
	must ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1
	must ip netns exec "$e" sysctl -qw net.ipv4.ip_forward=1
	must ip netns exec "$nat" nft -f - <<-EON
	table ip nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "n1" ip saddr 192.0.2.0/24 counter masquerade
		}
	}
	EON
	must ip netns exec "$c" ping -c 1 -W 5 $ORIG
	spawn_to "$W/eA.txt" "$e" tcpdump -i eA -U -n -s 0 -w "$W/eA.pcap" udp port 5060 or tcp port 5060
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
	flow_mtu = $MTU
	EOC
	spawn_to "$W/e.log" "$e" hmmpd -f -c "$W/e.conf"
	wait_until 20 in_ns_quiet "$e" ss -Hul "sport = :5060" ||
		{ show_file "$W/e.log.err"; fatal "the edge did not start"; }
	wait_until 20 file_has "$W/eA.txt.err" "listening on" || true
}

# c: a correspondent that is an Outbound UA; m: the mobile, its INFOs to
# c through c's registrar
write_confs() {
	cat >"$W/c.conf" <<-EOC
	[general]
	identity = sip:c@hmmp.test
	roles = mobile, correspondent
	log_level = debug
	[sip]
	listen = udp:0.0.0.0:5060, tcp:0.0.0.0:5060
	registrar = sip:$CORE:5060
	secrets = $W/c.secrets
	[binding]
	lifetime = 60
	max_lifetime = 120
	[outbound]
	edge = sip:$EDGE:5060
	keepalive = 2
	[peer m]
	uri = sip:m@$ORIG
	address = $ORIG
	EOC
	printf '%s\n' "m m the c secret" >"$W/c.secrets"
	cat >"$W/m.conf" <<-EOC
	[general]
	identity = sip:m@hmmp.test
	roles = mobile
	debounce_ms = 300
	log_level = debug
	[sip]
	secrets = $W/m.secrets
	[binding]
	lifetime = 60
	encap = ipip
	# no router INFO to the previous access router (the edge's host)
	gateway_lifetime = 0
	[peer c]
	uri = sip:c@hmmp.test
	address = $NATOUT
	proxy = sip:$CORE:5060;transport=tcp
	EOC
	printf '%s\n' "c m the c secret" >"$W/m.secrets"
	chmod 0600 "$W/c.secrets" "$W/m.secrets"
	sed 's/^/#   /' "$W/c.conf" "$W/m.conf"
}

case_register() {
	write_confs
	start_hmmpd c "$c"
	start_hmmpd m "$m"
	check "c registered through the edge" \
		wait_until 30 log_has c "register: 200 from"
	check "kamailio stored c's Path with the flow token" \
		wait_until 10 file_has "$W/kamailio.log.err" "core: REGISTER sip:c@hmmp.test contact .*reg-id=1.* path <sip:[0-9a-f]{60}@$EDGE:5060;lr;ob;transport=tcp> over tcp"
	check "c's keep-alives answered by the edge, through the NAT" \
		wait_until 20 log_has c "keep-alive answered by $EDGE:5060 \\(mapped $NATOUT:"
}

# $NCONN connections from c (behind the NAT) to m's original address
case_connections() {
	cat >"$W/many.py" <<-'EOP'
	import socket, sys, time
	mode, addr, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
	if mode == "server":
	    ls = socket.socket()
	    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
	    ls.bind((addr, port))
	    ls.listen(1024)
	    held = []
	    while True:
	        held.append(ls.accept()[0])
	        if len(held) == n:
	            print("accepted %d" % n, flush=True)
	else:
	    held = [socket.create_connection((addr, port), timeout=10) for _ in range(n)]
	    print("connected %d" % len(held), flush=True)
	    time.sleep(3600)
	EOP
	spawn_to "$W/srv.out" "$m" python3 "$W/many.py" server $ORIG 7000 $NCONN
	wait_until 10 in_ns_quiet "$m" ss -Htln "src $ORIG:7000" || fatal "the server on m did not listen"
	spawn_to "$W/cli.out" "$c" python3 "$W/many.py" client $ORIG 7000 $NCONN
	check "c opened $NCONN connections to $ORIG" wait_until 30 file_has "$W/cli.out" "connected $NCONN"
	check "m accepted them" wait_until 10 file_has "$W/srv.out" "accepted $NCONN"
	check "m: hmmp.ko tracks $NCONN connections" wait_until 10 hmmp_count_is "$m" $NCONN
	capture ip netns exec "$c" hmmpctl binding show
	check_no_match "c: no binding of $ORIG yet" "^$ORIG " "$OUT"
}

case_handoff() {
	local size
	echo "$(date +%H:%M:%S.%3N) move: m1 down, $COA on m2" >>"$W/move.log"
	must ip -n "$m" link set m1 down
	must ip -n "$m" addr flush dev m1
	addr_add "$m" m2 $COA/26
	must ip -n "$m" route replace default via 198.51.100.129 dev m2
	check "m: hand-off done" wait_until 30 log_has m "handoff: (complete|finished) in"
	check "m: INFO for c's $NCONN connections sent through c's registrar" \
		wait_until 10 log_has m "info: sent to $NATOUT \\(1 bindings, $NCONN connections, kind correspondent, encap [a-z]+, expires [0-9]+ s, through sip:$CORE:5060;transport=tcp"
	check "c: $NCONN translations installed, to $COA in ipip" \
		wait_until 40 log_count_is c "xlate: installed $C:[0-9]+ $ORIG:[0-9]+ as $ORIG:[0-9]+ $NATOUT:[0-9]+ -> $COA encap ipip lifetime 60 s" $NCONN
	check "m: 200 from c" wait_until 10 log_has m "info: 200 from $NATOUT"
	size=$(grep -oE "edge: INFO of [0-9]+ bytes over a UDP flow: ForceTCP" "$W/e.log.err" | head -1 | awk '{ print $4 }')
	echo "# the INFO at the edge: ${size:-?} bytes, flow MTU $MTU"
	check "the INFO is larger than the flow MTU" test "${size:-0}" -gt $MTU
	check_log "the edge sent ForceTCP on c's UDP flow" e "edge: INFO of [0-9]+ bytes over a UDP flow: ForceTCP"
	check_log "c got a token with GetToken" c "GetToken answered: flow token of 30 bytes"
	check_log "c answered ForceTCP with it" c "ForceTCP answered with the flow token"
	check_log "the edge sent the INFO over TCP" e "ForceTCP answered: request sent over TCP"
	check_log "c got the INFO over TCP from the edge" c "sip: INFO .* from $EDGE:5060/tcp"
	check_log "c challenged it" c "info: 401 to $EDGE"
	check_log "m answered the challenge" m "info: 401 from $NATOUT: answering the challenge as user m \\(peer c\\)"
	check_log "c took the origin from the Vias: the care-of address" c "info: relayed by the edge $EDGE: origin $COA \\(Via\\)"
	check_log "c answered 200" c "info: 200 to $EDGE"
	check_eq "c: xlate_count" $NCONN "$(hmmp_stat "$c" xlate_count)"
	capture ip netns exec "$c" hmmpctl binding show
	check_no_match "c: no address binding of $ORIG (every connection translated)" "^$ORIG " "$OUT"
	echo "# the hand-off as the daemons logged it"
	grep -hE "handoff:|info:|binding:" "$W/m.log.err" | sed 's/^/#   m: /'
	grep -hE "edge: INFO|ForceTCP|GetToken" "$W/e.log.err" | sed 's/^/#   e: /'
	grep -hE "info:|binding:|ForceTCP|GetToken|sip: INFO" "$W/c.log.err" | sed 's/^/#   c: /'
	grep -hE "xlate:" "$W/c.log.err" | head -3 | sed 's/^/#   c: /'
}

# From the capture on c's side of the edge: ForceTCP, GetToken, the INFO
# and its answers over TCP, in that order; no INFO over UDP.
# shellcheck disable=SC2016 # awk's own fields
case_capture() {
	local seq
	sleep 1
	capture python3 "$OBPY" figure "$W/eA.pcap:A"
	seq=$(awk '{ $1 = ""; $NF = ""; print substr($0, 2, length($0) - 2) }' <<<"$OUT")
	# the answered INFO: ForceTCP again, answered at once with the token of
	# the connection c holds (no GetToken); its first segment may be
	# captured merged or split, so only its 200 is looked for
	printf '%s\n' "A udp ForceTCP request" "A tcp GetToken request" "A tcp GetToken success" \
		"A udp ForceTCP success" "A tcp INFO" "A tcp 401 INFO" "A udp ForceTCP request" \
		"A udp ForceTCP success" "A tcp 200 INFO" >"$W/want"
	printf '%s\n' "$seq" >"$W/seq"
	check "ForceTCP, GetToken, INFO, 401, ForceTCP, 200 over TCP, in order" python3 -c '
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
	check "the INFO over TCP is larger than $MTU bytes" \
		awk -v m=$MTU '$2 == "A" && $3 == "tcp" && $4 == "INFO" && $5 > m { f = 1 } END { exit !f }' <<<"$OUT"
	check "one GetToken only: the connection was reused" \
		test "$(grep -c "GetToken request" <<<"$OUT")" -eq 1
	check "no INFO on the UDP flow" \
		awk '$2 == "A" && $3 == "udp" && $4 == "INFO" { bad = 1; print } END { exit bad }' <<<"$OUT"
}

# Right credentials and care-of address, a Via naming the care-of address,
# sent from the NAT's public address: kamailio stamps received=, c sees
# that origin and refuses; its bindings and translations stay as they
# were.
tables() { # NS: each binding's orig coa peer kind encap lifetime; each
	# translation's key, peer view, care-of, encap and lifetime
	ip netns exec "$1" hmmpctl binding show 2>&1 | awk '{ print $1, $2, $3, $4, $5, $6 }'
	ip netns exec "$1" hmmpctl xlate show 2>&1 | awk '{ print $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' | sort
}

case_forged() {
	local before
	before=$(tables "$c")
	printf 'Version: 1\r\nBind: %s to %s; lifetime=60; encap=ipip; kind=correspondent\r\nConn: %s:7000 %s:40000\r\n' \
		$ORIG 198.51.100.153 $ORIG $NATOUT >"$W/forged.body"
	capture ip netns exec "$nat" python3 "$OBPY" info $CORE 5060 sip:c@hmmp.test 198.51.100.153 \
		"$W/forged.body" m "the c secret"
	check_eq "a forged Via origin: 401, then 403" "status 401 Unauthorized
status 403 Binding 1: care-of address is not the request's origin (Via)" "$OUT"
	check_log "c said why" c "info: relayed by the edge $EDGE: origin $NATOUT \\(Via\\)"
	check_eq "c: binding and translation tables unchanged" "$before" "$(tables "$c")"
	check_eq "c: it still holds the mobile's $NCONN translations" $NCONN "$(hmmp_stat "$c" xlate_count)"
}

tcase case_setup "c behind a NAT, the edge, kamailio, the mobile on two access links"
tcase case_register "c registers through the edge"
tcase case_connections "$NCONN connections between c and m"
tcase case_handoff "the hand-off: the INFO through kamailio and the edge, over TCP; 401, 200, translations"
tcase case_capture "ForceTCP, GetToken and the INFO over TCP in the capture"
tcase case_forged "a forged Via: 403, tables unchanged"
for h in c m; do stop_hmmpd "$h"; done
[ "$HMMP_FAILS" -eq 0 ] || show_file "$W/m.log.err" "$W/c.log.err" "$W/e.log.err" "$W/kamailio.log.err"
