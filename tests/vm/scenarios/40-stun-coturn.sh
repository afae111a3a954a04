#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hmmpd's STUN against a STUN implementation hmmp did not write, Debian's
# coturn: its client (turnutils_stunclient) gets a correct Binding response
# from hmmpd on the SIP port, with hmmpd as an edge and as a plain UA; and
# hmmpd's SIP Outbound keep-alives get theirs from coturn's turnserver.
# For the keep-alives the UA registers through its "edge" 198.51.100.2:5060
# (a stub registrar, tests/vm/outbound.py, answers the REGISTER); an
# nftables rule in b sends the datagrams to 5060 that carry STUN's magic
# cookie to turnserver on port 3478 (SIP is left untracked so that the
# redirect applies), so that the keep-alive flow is the flow the REGISTER
# went over, and coturn answers on it. Then the draft's
# errors on hmmpd's side: GetToken over UDP to an edge is 445, ForceTCP over
# TCP to a UA is 448 (python STUN client, outbound.py).
#
#   +--------------------+  veth  +--------------------------------+
#   | a  198.51.100.1/24 |--------| b  198.51.100.2/24             |
#   |    hmmpd           |  va vb |    turnutils_stunclient        |
#   +--------------------+        |    turnserver :3478 (STUN only)|
#                                 |    stub registrar :5060/udp    |
#                                 |    nft: udp 5060 + cookie ->   |
#                                 |         :3478                  |
#                                 +--------------------------------+
#
# timeout: 240
# kernels: newest (hmmpd is userspace; 40 passed on 6.1 as well)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

A=198.51.100.1
B=198.51.100.2
W=/tmp/stun.$$
mkdir -p "$W"
cleanup_push rm -rf "$W"
OBPY="$REPO/tests/vm/outbound.py"

case_setup() {
	netns_add a
	netns_add b
	veth_pair "$a" va "$b" vb
	addr_add "$a" va $A/24
	addr_add "$b" vb $B/24
	# the UA's attachment: a default route with an address
	must ip -n "$a" route add default via $B
}

# start_hmmpd NAME CONF: hmmpd in a, until it listens on 5060/udp
start_hmmpd() {
	spawn_to "$W/$1.log" "$a" hmmpd -f -c "$2"
	HMMPD_PID=$SPAWNED
	wait_until 20 in_ns_quiet "$a" ss -Hul 'sport = :5060' ||
		{ show_file "$W/$1.log" "$W/$1.log.err"; fatal "hmmpd did not start"; }
}

stop_hmmpd() {
	run kill "$HMMPD_PID"
	proc_wait 10 "$HMMPD_PID"
	check_eq "hmmpd exits cleanly on SIGTERM" 0 "$RC"
}

# stunclient: turnutils_stunclient in b against hmmpd in a
stunclient() {
	capture ip netns exec "$b" turnutils_stunclient -p 5060 $A
	check_eq "turnutils_stunclient exits 0" 0 "$RC"
	check_match "coturn's client reads its own reflexive address" \
		"UDP reflexive addr: $B:[0-9]+" "$OUT"
}

case_stunclient_edge() {
	cat >"$W/edge.conf" <<-EOC
	[general]
	roles = edge
	log_level = debug
	[sip]
	listen = udp:$A:5060, tcp:$A:5060
	secrets = $W/none
	[outbound]
	next_hop = sip:$B:5060
	EOC
	start_hmmpd edge "$W/edge.conf"
	stunclient
	stunclient
	capture ip netns exec "$b" python3 "$OBPY" stun $A 5060 0x00a --udp
	check_eq "GetToken over UDP to the edge: 445" "error 445 Operation for TCP Only" "$OUT"
	capture ip netns exec "$b" python3 "$OBPY" stun $A 5060 0x00a --tcp
	check_match "GetToken over TCP to the edge: a flow token" "^success flow-token 30 bytes$" "$OUT"
	capture ip netns exec "$b" python3 "$OBPY" stun $A 5060 0x001 --tcp
	check_match "Binding over TCP: XOR-MAPPED-ADDRESS" "^success mapped $B:[0-9]+$" "$OUT"
	stop_hmmpd
	check "the edge logged the GetToken" file_has "$W/edge.log.err" "GetToken over TCP from $B"
	show_file "$W/edge.log.err"
}

case_stunclient_ua() {
	cat >"$W/ua0.conf" <<-EOC
	[general]
	roles = mobile
	log_level = debug
	[sip]
	listen = udp:0.0.0.0:5060, tcp:0.0.0.0:5060
	secrets = $W/none
	EOC
	start_hmmpd ua0 "$W/ua0.conf"
	stunclient
	capture ip netns exec "$b" python3 "$OBPY" stun $A 5060 0x009 --tcp
	check_eq "ForceTCP over TCP to a UA: 448" "error 448 Operation for UDP Only" "$OUT"
	capture ip netns exec "$b" python3 "$OBPY" stun $A 5060 0x009 --udp
	check_eq "ForceTCP over UDP from no edge of ours: 400" "error 400 Bad Request" "$OUT"
	stop_hmmpd
	show_file "$W/ua0.log.err"
}

case_keepalive_coturn() {
	local n
	spawn_to "$W/turnserver.log" "$b" turnserver -n --stun-only --no-cli \
		--listening-ip=$B --listening-port=3478 --no-tls --no-dtls \
		--log-file=stdout --simple-log --pidfile="$W/turnserver.pid" \
		--no-rfc5780
	wait_until 20 in_ns_quiet "$b" ss -Hul 'sport = :3478' ||
		{ show_file "$W/turnserver.log"; fatal "turnserver did not start"; }
	spawn_to "$W/registrar.out" "$b" python3 "$OBPY" registrar $B 5060 "$W/registrar.log"
	wait_until 20 in_ns_quiet "$b" ss -Hul 'sport = :5060' ||
		fatal "the stub registrar did not start"
	must ip netns exec "$b" nft -f - <<-EON
	table ip stun {
		# SIP is not tracked, so that the first STUN datagram of the
		# flow starts the connection that the redirect applies to
		chain raw_in {
			type filter hook prerouting priority raw;
			udp dport 5060 @th,96,32 != 0x2112a442 notrack
		}
		chain raw_out {
			type filter hook output priority raw;
			udp sport 5060 notrack
		}
		chain pre {
			type nat hook prerouting priority dstnat;
			udp dport 5060 @th,96,32 0x2112a442 redirect to :3478
		}
		# what reaches turnserver, redirected or not
		chain in {
			type filter hook input priority filter;
			udp dport 3478 counter
		}
	}
	EON
	run ip netns exec "$b" nft list table ip stun
	cat >"$W/ua.conf" <<-EOC
	[general]
	identity = sip:ua@hmmp.test
	roles = mobile
	log_level = debug
	[sip]
	listen = udp:0.0.0.0:5060, tcp:0.0.0.0:5060
	registrar = sip:$B:5060
	secrets = $W/none
	[outbound]
	edge = sip:$B:5060
	keepalive = 2
	EOC
	start_hmmpd ua "$W/ua.conf"
	check "the REGISTER reached the registrar through the edge address" \
		wait_until 20 file_has "$W/registrar.log" "^REGISTER from $A:5060"
	check_match "with reg-id and +sip.instance" 'reg-id=1;\+sip.instance="<urn:uuid:' "$(cat "$W/registrar.log")"
	check "keep-alives answered by coturn, three of them" \
		wait_until 30 sh -c "[ \$(grep -c 'keep-alive answered by $B:5060 (mapped $A:5060)' '$W/ua.log.err') -ge 3 ]"
	n=$(ip netns exec "$b" nft list chain ip stun in | sed -n 's/.*counter packets \([0-9]*\).*/\1/p')
	echo "# datagrams to turnserver: $n"
	check "the keep-alives went to turnserver (nft counter >= 3)" test "${n:-0}" -ge 3
	check_no_match "the flow never failed" "flow to the edge failed" "$(cat "$W/ua.log.err")"
	stop_hmmpd
	show_file "$W/ua.log.err" "$W/registrar.log"
	run ip netns exec "$b" nft delete table ip stun
}

tcase case_setup "two namespaces"
tcase case_stunclient_edge "turnutils_stunclient -> hmmpd (edge role); 445 and GetToken"
tcase case_stunclient_ua "turnutils_stunclient -> hmmpd (UA); 448 and 400 for ForceTCP"
tcase case_keepalive_coturn "hmmpd's Outbound keep-alives answered by coturn's turnserver"
