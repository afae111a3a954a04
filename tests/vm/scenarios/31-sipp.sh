#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# An independent SIP client against hmmpd: sipp (Debian's sip-tester, not
# written by this project) plays the mobile and sends the INFO of seed 000's
# F1 (Content-Type application/binding, "Original-IP-Addr:" and
# "New-IP-Addr:" lines, spelt as F1 spells them) to hmmpd on the
# correspondent cn, from the care-of address. hmmpd must challenge it (401,
# to the source), accept sipp's digest answer (200, and the binding appears
# in hmmpctl), and refuse, with the tables left as they were: a wrong
# password (401 again), a malformed body (400 with a reason phrase), a
# Content-Type it does not read (415: application/sdp; text/plain is seed
# 001's form and accepted), a binding of an address cn has no connection
# with and one whose new address is not the request's source (403). Over
# TCP too. Deny by default (issue 16 item 1): eve, another peer with
# credentials, binds the address of a laptop with a dynamic lease (listed
# under no [peer], with a live connection to cn) to herself: 403, and the
# tables unchanged.
# sipp 3.6 computes MD5 digests only, so this hmmpd offers MD5 alone (the
# SHA-256 path is 30-hmmpd's, against kamailio and hmmpd itself).
#
#   +--------------------------+  veth  +-----------------------+
#   | m (sipp, TCP session)    |--------| cn (hmmpd, TCP server)|
#   | m0 192.0.2.10/24 (orig)  |        | c0 198.51.100.10/24   |
#   |    203.0.113.10/24 (coa) |        |                       |
#   +--------------------------+        +-----------------------+
#
#   the session 192.0.2.10:40100 -> 198.51.100.10:5001 is the connection
#   the binding covers; sipp sends from 203.0.113.10:5062
#
# timeout: 180
# kernels: newest (hmmpd is userspace; 20-move covers the datapath on both lines)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

ORIG=192.0.2.10
COA=203.0.113.10
LEASE=192.0.2.20	# the laptop's dynamic lease: nobody's in cn.conf
EVE=203.0.113.66
CN=198.51.100.10
PASSWORD="the cn secret"
hmmp_workdir

case_setup() {
	command -v sipp >/dev/null || fatal "sipp is missing: run 'make deps' (Debian package sip-tester)"
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
	netns_add m
	netns_add cn
	veth_pair "$m" m0 "$cn" c0
	addr_add "$m" m0 $ORIG/24
	addr_add "$m" m0 $COA/24
	addr_add "$m" m0 $LEASE/24
	addr_add "$m" m0 $EVE/24
	addr_add "$cn" c0 $CN/24
	must ip -n "$m" route add 198.51.100.0/24 dev m0
	must ip -n "$cn" route add 192.0.2.0/24 dev c0
	must ip -n "$cn" route add 203.0.113.0/24 dev c0
	cat >"$W/cn.conf" <<-EOC
	[general]
	roles = correspondent
	[sip]
	secrets = $W/cn.secrets
	algorithms = MD5
	[binding]
	lifetime = 60
	max_lifetime = 120
	[peer m]
	uri = sip:m@$ORIG
	address = $ORIG
	[peer eve]
	uri = sip:eve@$EVE
	EOC
	printf '%s\n' "m m $PASSWORD" "eve eve eve's secret" >"$W/cn.secrets"
	chmod 0600 "$W/cn.secrets"
	show_file "$W/cn.conf"
	spawn_to "$W/cn.log" "$cn" hmmpd -f -c "$W/cn.conf"
	HPID=$SPAWNED
	check "cn: hmmpd follows hmmp.ko" wait_until 20 file_has "$W/cn.log.err" "resync: hmmp family" ||
		{ show_file "$W/cn.log.err"; fatal "hmmpd did not start"; }
	check "cn: hmmpd listens on udp 5060" wait_until 10 in_ns_quiet "$cn" ss -Huln "sport = :5060"
	tcp_server "$cn" $CN 5001
	tcp_session S "$m" $CN 5001 --src $ORIG --sport 40100 --lines 2
	tcp_session L "$m" $CN 5001 --src $LEASE --sport 40200 --lines 2
	check "cn: SIP_EYE tracks the sessions" \
		wait_until 10 eval "[ \"\$(hmmp_stat '$cn' conn_count)\" = 2 ]"
	hmmp_monitor cn "$cn"
}

# sipp_xml FILE CTYPE EXPECT BODY-LINE...: a sipp scenario sending an INFO
# with that Content-Type and body, expecting 401, then sending it again with
# sipp's digest answer and expecting EXPECT.
sipp_xml() {
	local f=$1 ctype=$2 expect=$3 cseq req
	shift 3
	{
		echo '<?xml version="1.0" encoding="ISO-8859-1" ?>'
		echo '<scenario name="the INFO of seed 000 F1">'
		for cseq in 1 2; do
			req=$(printf '%s\n' \
				"INFO sip:hmmp@[remote_ip]:[remote_port] SIP/2.0" \
				"Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]" \
				"From: <sip:m@hmmp.test>;tag=[call_number]" \
				"To: <sip:hmmp@[remote_ip]:[remote_port]>" \
				"Call-ID: [call_id]" \
				"CSeq: $cseq INFO" \
				"Contact: <sip:m@[local_ip]:[local_port]>" \
				"Max-Forwards: 70")
			[ $cseq = 2 ] && req="$req"$'\n[authentication]'
			req="$req"$'\n'"Content-Type:$ctype"$'\n'"Content-Length: [len]"$'\n'
			printf '  <send retrans="500"><![CDATA[\n%s\n%s\n]]></send>\n' "$req" \
				"$(printf '%s\n' "$@")"
			if [ $cseq = 1 ]; then
				echo '  <recv response="401" auth="true"/>'
			else
				echo "  <recv response=\"$expect\"/>"
			fi
		done
		echo '</scenario>'
	} >"$f"
}

# sipp_run NAME PASSWORD [TRANSPORT]: run $W/NAME.xml once from the care-of
# address (SIPP_FROM, as user SIPP_USER: m) to cn's hmmpd; the messages go
# to $W/NAME.msg. Status: sipp's.
sipp_run() {
	local name=$1 pw=$2 tp=${3:-u1} rc
	rm -f "$W/$name.msg"
	run ip netns exec "$m" timeout 60 sipp -sf "$W/$name.xml" -m 1 -t "$tp" \
		-i "${SIPP_FROM:-$COA}" -p 5062 -au "${SIPP_USER:-m}" -ap "$pw" \
		-auth_uri "hmmp@$CN:5060" \
		-timeout 20 -timeout_error -recv_timeout 10000 \
		-trace_msg -message_file "$W/$name.msg" $CN:5060 \
		</dev/null >"$W/$name.out" 2>&1
	rc=$?
	echo "# sipp exit status $rc; the messages:"
	sed 's/^/#   /' "$W/$name.msg" 2>/dev/null | tr -d '\r'
	[ $rc -eq 0 ] || show_file "$W/$name.out"
	return $rc
}

# The responses sipp received, in order, as "401 Unauthorized|200 OK": one
# per CSeq and status (a retransmitted request gets the same answer again).
statuses() { # NAME
	tr -d '\r' <"$W/$1.msg" | awk '
		/^SIP\/2\.0 [0-9][0-9][0-9]/ { st = substr($0, 9); next }
		st != "" && tolower($1) == "cseq:" { k = $2 " " st; if (!(k in seen)) { seen[k] = 1; print st }; st = "" }' |
		paste -sd'|'
}

# The tables' state without what time changes: bindings (key, care-of,
# encapsulation, lifetime, and the moment of the last refresh relative to
# creation: a binding set again would restart it) and SIP_EYE records.
tables() { # NS
	local b c
	b=$(ip netns exec "$1" hmmpctl -j binding show 2>/dev/null) || return 1
	c=$(ip netns exec "$1" hmmpctl -j conn show 2>/dev/null) || return 1
	json_eval "sorted((x['orig'], x.get('coa'), x.get('peer'), x.get('kind'), x.get('encap'), x.get('lifetime'), x.get('age_ms', 0) - x.get('refresh_ms', 0) > 50) for x in j)" "$b"
	json_eval "sorted((x['orig_local'], x['cur_local'], x['remote'], x['lport'], x['rport'], x['state']) for x in j)" "$c"
}

binding_events() {
	grep -c "binding" "$W/mon-cn"
}

# refused NAME PASSWORD EXPECT STATUS-REGEX: run the sipp scenario NAME;
# sipp must see 401 then EXPECT with a reason phrase matching, and cn's
# binding and connection tables and its event stream must not change.
refused() {
	local name=$1 pw=$2 want=$3 re=$4 before ev
	before=$(tables "$cn")
	ev=$(binding_events)
	check "sipp: $name: 401, then $want" sipp_run "$name" "$pw"
	check_match "sipp saw 401 then $want" "^401 Unauthorized[|]$re$" "$(statuses "$name")"
	check_eq "cn: tables unchanged" "$before" "$(tables "$cn")"
	check_eq "cn: no binding event" "$ev" "$(binding_events)"
}

case_f1_401_200() {
	local before
	before=$(tables "$cn")
	sipp_xml "$W/f1.xml" Application/binding 200 \
		"Original-IP-Addr: $ORIG" "New-IP-Addr:$COA"
	show_file "$W/f1.xml"
	check "sipp: F1's INFO, 401, then 200 with digest credentials" sipp_run f1 "$PASSWORD"
	check_eq "sipp saw 401 then 200" "401 Unauthorized|200 OK" "$(statuses f1)"
	check_match "the 401 offers an MD5 challenge" 'WWW-Authenticate: Digest realm="hmmp", nonce="[^"]+", algorithm=MD5, qop="auth"' \
		"$(tr -d '\r' <"$W/f1.msg")"
	check_match "the 200 grants the lifetime" "^Expires: 60$" "$(tr -d '\r' <"$W/f1.msg")"
	check_match "cn logged the challenge to the care-of address" "info: 401 to $COA \(no credentials\)" \
		"$(cat "$W/cn.log.err")"
	capture ip netns exec "$cn" hmmpctl binding show
	check_match "cn: binding $ORIG -> $COA, peer $CN, correspondent, ipip" \
		"^$ORIG +$COA +$CN +correspondent +ipip +60 " "$OUT"
	capture ip netns exec "$cn" hmmpctl -j binding show
	check_json "cn: exactly that one binding (JSON)" \
		"len(j) == 1 and j[0]['orig'] == '$ORIG' and j[0]['coa'] == '$COA' and j[0]['lifetime'] == 60"
	check "cn: a binding_new event" wait_until 5 grep -q "binding new" "$W/mon-cn"
	check_ne "cn: the tables changed" "$before" "$(tables "$cn")"
	# the mobile's side, as an operator would (m runs no hmmpd here), so
	# that the session goes on through the tunnel sipp's INFO set up
	check "m: role mobile" in_ns "$m" hmmpctl config set roles mobile
	check "m: mobile binding" in_ns "$m" hmmpctl binding add $ORIG coa $COA peer $CN kind mobile encap ipip
}

case_wrong_password() {
	sipp_xml "$W/pw.xml" application/binding 401 \
		"Original-IP-Addr: $ORIG" "New-IP-Addr:$COA"
	refused pw "not the secret" 401 "401 Unauthorized"
	check_match "cn: says why" "info: 401 to $COA \(.*user m" "$(cat "$W/cn.log.err")"
}

case_malformed() {
	sipp_xml "$W/bad.xml" application/binding 400 \
		"Original-IP-Addr: 192.0.2.300" "New-IP-Addr:$COA"
	refused bad "$PASSWORD" 400 "400 [A-Za-z].*"
	sipp_xml "$W/bad2.xml" application/binding 400 "New-IP-Addr:$COA"
	refused bad2 "$PASSWORD" 400 "400 [A-Za-z].*"
	sipp_xml "$W/bad3.xml" application/vnd.hmmp.binding 400 \
		"Version: 1" "Bind: $ORIG to $COA; lifetime=forever"
	refused bad3 "$PASSWORD" 400 "400 [A-Za-z].*"
	echo "# reasons: $(statuses bad) / $(statuses bad2) / $(statuses bad3)"
}

case_content_type() {
	sipp_xml "$W/ct.xml" application/sdp 415 "Original-IP-Addr: $ORIG" "New-IP-Addr:$COA"
	refused ct "$PASSWORD" 415 "415 .*"
	check_match "the 415 says what is accepted" "^Accept: .*application/binding" "$(tr -d '\r' <"$W/ct.msg")"
}

case_policy() {
	# 192.0.2.11: cn has no connection with it
	sipp_xml "$W/noconn.xml" application/binding 403 \
		"Original-IP-Addr: 192.0.2.11" "New-IP-Addr:$COA"
	refused noconn "$PASSWORD" 403 "403 [A-Za-z].*"
	# the new address is not where the request (and the 401) came from
	sipp_xml "$W/notsrc.xml" application/binding 403 \
		"Original-IP-Addr: $ORIG" "New-IP-Addr:203.0.113.99"
	refused notsrc "$PASSWORD" 403 "403 [A-Za-z].*"
	echo "# reasons: $(statuses noconn) / $(statuses notsrc)"
}

# Issue 16 item 1, as it was reproduced: eve's digest-authenticated INFO
# of the seed's form, "bind the laptop's address to eve", from eve's own
# address. It was granted (200, an address binding: the laptop's traffic
# went to eve); now 403 (not eve's address, no connection proven), and
# nothing changes.
case_eve() {
	sipp_xml "$W/eve.xml" application/binding 403 \
		"Original-IP-Addr: $LEASE" "New-IP-Addr:$EVE"
	SIPP_FROM=$EVE SIPP_USER=eve refused eve "eve's secret" 403 \
		"403 Binding 1: original address is not this peer's and no connection is proven"
	check_match "cn: says why" \
		"info: 403 to $EVE \(Binding 1: original address is not this peer's and no connection is proven\)" \
		"$(cat "$W/cn.log.err")"
	capture ip netns exec "$cn" hmmpctl -j xlate show
	check_json "cn: no translation either" "len(j) == 0"
	check "the laptop's session still exchanges lines, untouched" tcp_session_more L
}

case_tcp() {
	local ev
	ev=$(binding_events)
	sipp_xml "$W/tcp.xml" application/binding 200 \
		"Original-IP-Addr: $ORIG" "New-IP-Addr:$COA"
	check "sipp over TCP: 401, then 200" sipp_run tcp "$PASSWORD" t1
	check_eq "sipp saw 401 then 200" "401 Unauthorized|200 OK" "$(statuses tcp)"
	check_match "cn: the binding refreshed" "binding: installed $ORIG -> $COA kind correspondent peer $CN" \
		"$(cat "$W/cn.log.err")"
	capture ip netns exec "$cn" hmmpctl -j binding show
	check_json "cn: still the one binding" "len(j) == 1 and j[0]['coa'] == '$COA'"
}

case_session_alive() {
	local n
	check "the TCP session still exchanges lines" tcp_session_more S
	n=$(hmmp_stat "$cn" encap_pkts)
	check "cn tunnelled the session to the care-of address ($n packets)" test "${n:-0}" -gt 0
	n=$(hmmp_stat "$cn" decap_pkts)
	check "cn decapsulated the mobile's packets ($n)" test "${n:-0}" -gt 0
	run kill -TERM "$HPID"
	proc_wait 10 "$HPID"
	check_eq "cn: hmmpd exits 0 on SIGTERM" 0 "$RC"
	show_file "$W/cn.log.err"
}

tcase case_setup "topology, hmmpd on cn, a tracked connection"
tcase case_f1_401_200 "F1's INFO: 401, then 200 and the binding"
tcase case_wrong_password "a wrong password: 401, nothing changes"
tcase case_malformed "malformed bodies: 400 with a reason, nothing changes"
tcase case_content_type "a wrong Content-Type: 415, nothing changes"
tcase case_policy "refused by policy: 403, nothing changes"
tcase case_eve "another peer binds a laptop's address to herself: 403"
tcase case_tcp "the same over TCP"
tcase case_session_alive "the connection and hmmpd"
