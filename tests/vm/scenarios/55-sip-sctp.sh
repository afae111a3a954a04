#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hmmpd's own SIP over SCTP (RFC 4168), handed over with ADDIP: hmmpd on
# the mobile m and on the correspondent cn (which listens on SCTP too);
# m knows cn as sip:hmmp@CN:5060;transport=sctp. A TCP stream runs
# between them (hmmp.ko tracks it, so each hand-off has an INFO for cn).
# Three make-before-break moves, by hand, addresses and default routes:
#
#   1. ORIG (m1) -> COA (m2): the INFO opens an SCTP association from COA
#      to cn: Via SIP/2.0/SCTP, 401, then 200 over the association, which
#      hmmpd registers with its mSCTP part (msctp.c);
#   2. COA -> COA2 (a second address on m2), COA deleted afterwards: the
#      association gets COA2 (ASCONF add, set primary), loses COA (ASCONF
#      delete), and carries the INFO of this hand-off;
#   3. COA2 -> COA, COA2 deleted: the same again, the association now
#      holding none of the addresses it began with; its INFO gets 200.
#
# Then cn without ADDIP: the INFO still goes over SCTP and is answered,
# and m says the association cannot hand over (not registered).
#
# One association from start to end: one "connecting" line on m, one
# "accepted" on cn, and the capture on cn's link shows the SIP messages in
# SCTP DATA and the ASCONFs.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10, .20 ----- a2 .1 +----+ c2 .2 ----+  +----+   hmmpd, SIP
#   +---+ hmmpd [sctp]            | r2 |                       on udp/tcp/sctp
#        access B 203.0.113.0/24  +----+
#
# timeout: 300
# kernels: newest
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

W=/tmp/sipsctp.$$
mkdir -p "$W"
cleanup_push rm -rf "$W"
# shellcheck source=../topo-move.sh
. "$REPO/tests/vm/topo-move.sh"
# shellcheck source=../hmmpd-lib.sh
. "$REPO/tests/vm/hmmpd-lib.sh"

COA2=203.0.113.20

case_load() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
	must modprobe sctp
}

confs() {
	cat >"$W/m.conf" <<-EOC
	# the mobile: its SIP to cn goes over SCTP
	[general]
	identity = sip:m@hmmp.test
	roles = mobile
	debounce_ms = 300
	log_level = debug
	[sctp]
	enable = yes
	sysctl_setup = yes
	rule = ack
	[binding]
	gateway_lifetime = 0
	[peer cn]
	uri = sip:hmmp@$CN:5060;transport=sctp
	address = $CN
	EOC
	echo "cn m the cn secret" >"$W/m.secrets"
	cat >"$W/cn.conf" <<-EOC
	# the correspondent: SIP on UDP, TCP and SCTP
	[general]
	roles = correspondent
	log_level = debug
	[sip]
	listen = udp:0.0.0.0:5060, tcp:0.0.0.0:5060, sctp:0.0.0.0:5060
	secrets = $W/cn.secrets
	[binding]
	lifetime = 60
	max_lifetime = 120
	[peer m]
	uri = sip:m@$ORIG
	address = $ORIG
	EOC
	echo "m m the cn secret" >"$W/cn.secrets"
	printf '[sip]\nsecrets = %s\n' "$W/m.secrets" >>"$W/m.conf"
	chmod 0600 "$W/m.secrets" "$W/cn.secrets"
	for h in m cn; do
		echo "# $W/$h.conf:"
		sed 's/^/#   /' "$W/$h.conf"
	done
}

# cap_count REGEX: how often REGEX is in the capture's bytes
cap_count() {
	grep -a -c -E -- "$1" "$W/cap.pcap" 2>/dev/null || true
}

# move_to OLD NEW: NEW on m2 with the default route from it; OLD goes
# once the hand-off to NEW is done (make-before-break)
move_to() {
	local old=$1 new=$2 n
	n=$(grep -c "handoff: \(complete\|finished\) in" "$W/m.log.err")
	echo "# move: $old -> $new"
	must ip -n "$m" addr add "$new/24" dev m2
	must ip -n "$m" route replace default via 203.0.113.1 dev m2 src "$new"
	check "m: hand-off to $new done" wait_until 30 \
		eval "[ \$(grep -c 'handoff: \(complete\|finished\) in' '$W/m.log.err') -gt $n ]"
}

case_sip_sctp() {
	local n0 n ncn
	rm -f "$W"/*.log "$W"/*.log.err
	setup_topology
	# ADDIP before cn's hmmpd makes its listening socket
	must ip netns exec "$cn" sysctl -qw net.sctp.addip_enable=1 net.sctp.auth_enable=1
	confs
	spawn_to "$W/cap" "$cn" tcpdump -i e0 -n -s 0 -U -w "$W/cap.pcap" sctp
	TPID=$SPAWNED
	wait_until 10 file_has "$W/cap.err" "listening on" || fatal "tcpdump does not listen"
	start_hmmpd cn "$cn"
	check "cn: listens on SIP sctp 5060" \
		wait_until 10 in_ns_quiet "$cn" ss -HSln "sport = :5060"
	start_hmmpd m "$m"
	check_log "m: ADDIP on" m "sctp: ADDIP on"

	# two addresses of one prefix on m2: the second must outlive the first
	must ip netns exec "$m" sysctl -qw net.ipv4.conf.m2.promote_secondaries=1
	start_streams "$W/st" 5105 400000
	wait_stream "$W/st" 200000

	# 1. ORIG -> COA: access A stays until the hand-off is done
	move_to "$ORIG" "$COA"
	must ip -n "$m" addr del $ORIG/24 dev m1
	must ip -n "$m" link set m1 down
	check "m: INFO to cn answered 200" wait_until 20 log_has m "info: 200 from $CN"
	check_log "m: INFO sent to cn over SCTP" m "INFO .* to $CN:5060/sctp"
	check_log "m: one association to cn" m "sctp $CN:5060 connecting"
	check_log "m: 401 first" m "info: 401 from $CN"
	check "m: the association registered with msctp" \
		wait_until 10 log_has m "sctp: association [0-9]+ \(hmmpd-sip\) registered: SIP to $CN:5060"
	check_log "cn: the association accepted" cn "sctp $COA:[0-9]+ accepted"
	check_log "cn: INFO over sctp" cn "INFO .* from $COA:[0-9]+/sctp"
	check_log "cn: challenged it" cn "info: 401 to $COA"
	check_log "cn: binding installed" cn "binding: installed $ORIG -> $COA kind correspondent"
	check "capture: Via SIP/2.0/SCTP from $COA" test "$(cap_count "Via: SIP/2.0/SCTP $COA:")" -ge 2
	check "capture: 401 and 200 in SCTP" test "$(cap_count "^SIP/2.0 401|SIP/2.0 401")" -ge 1 -a \
		"$(cap_count "SIP/2.0 200")" -ge 1

	# 2. COA -> COA2, then COA goes: the association hands over
	n0=$(grep -c "info: 200 from $CN" "$W/m.log.err")
	ncn=$(grep -c -E "INFO .*/sctp" "$W/cn.log.err")
	move_to "$COA" "$COA2"
	check "m: INFO of the second hand-off answered 200" wait_until 20 \
		eval "[ \$(grep -c 'info: 200 from $CN' '$W/m.log.err') -gt $n0 ]"
	check "m: msctp added $COA2 to the SIP association" \
		wait_until 10 log_has m "add $COA2 \(ASCONF to the peer\)"
	must ip -n "$m" addr del $COA/24 dev m2
	check "m: msctp deleted $COA from it" \
		wait_until 15 log_has m "$COA left the host: delete it"
	check "cn: the INFO came over the association" \
		test "$(grep -c -E "INFO .* from 203\.0\.113\.(10|20):[0-9]+/sctp" "$W/cn.log.err")" -gt "$ncn"
	check_log "cn: binding moved to $COA2" cn "binding: installed $ORIG -> $COA2 kind correspondent"

	# 3. COA2 -> COA, then COA2 goes: none of the first addresses left
	n0=$(grep -c "info: 200 from $CN" "$W/m.log.err")
	ncn=$(grep -c -E "INFO .*/sctp" "$W/cn.log.err")
	move_to "$COA2" "$COA"
	check "m: INFO of the third hand-off answered 200" wait_until 20 \
		eval "[ \$(grep -c 'info: 200 from $CN' '$W/m.log.err') -gt $n0 ]"
	must ip -n "$m" addr del $COA2/24 dev m2
	check "m: msctp deleted $COA2" wait_until 15 log_has m "$COA2 left the host: delete it"
	check "cn: the INFO came over the association" \
		test "$(grep -c -E "INFO .* from 203\.0\.113\.(10|20):[0-9]+/sctp" "$W/cn.log.err")" -gt "$ncn"

	n=$(grep -c "sctp $CN:5060 connecting" "$W/m.log.err")
	check_eq "m: one SCTP association for the three hand-offs" 1 "$n"
	n=$(grep -c -E "sctp [0-9.]+:[0-9]+ accepted" "$W/cn.log.err")
	check_eq "cn: one SCTP association accepted" 1 "$n"
	check "m: no SIP association closed" eval "! grep -q 'sctp $CN:5060 closed' '$W/m.log.err'"
	check "m: no INFO failed (503/408)" eval "! grep -qE 'info: (503|408) from' '$W/m.log.err'"
	capture ip netns exec "$m" hmmpctl sctp show
	check_match "hmmpctl sctp show: the SIP association on $COA" "hmmpd-sip" "$OUT"
	check_streams "$W/st" $(($(cat "$W/st.prog") + 200000))

	run kill -INT "$TPID"
	proc_wait 10 "$TPID"
	python3 "$REPO/tests/vm/sctp_pcap.py" "$W/cap.pcap" --tail 40 | sed 's/^/#   cap: /'
	check "capture: ASCONFs (add, set-primary, delete) on the SIP association" \
		eval "python3 '$REPO/tests/vm/sctp_pcap.py' '$W/cap.pcap' --tail 400 | grep -q ASCONF"
	check "capture: the INFOs of all three hand-offs in SCTP" \
		test "$(cap_count "^INFO sip:|INFO sip:hmmp@$CN")" -ge 3
	echo "# the hand-offs as the daemons logged them"
	grep -hE "handoff:|info:|sctp:|/sctp|sctp [0-9]" "$W/m.log.err" | grep -v osip2 | sed 's/^/#   m:  /'
	grep -hE "info:|binding:|/sctp|sctp [0-9]" "$W/cn.log.err" | grep -v osip2 | sed 's/^/#   cn: /'
	for h in m cn; do stop_hmmpd "$h"; done
	teardown_topology
}

# cn without ADDIP: the association works, is not handed over, and says so
case_no_addip() {
	rm -f "$W"/*.log "$W"/*.log.err "$W/cap.pcap"
	setup_topology
	must ip netns exec "$cn" sysctl -qw net.sctp.addip_enable=0 net.sctp.auth_enable=0
	must ip netns exec "$m" sysctl -qw net.ipv4.conf.m2.promote_secondaries=1
	confs
	start_hmmpd cn "$cn"
	start_hmmpd m "$m"
	start_streams "$W/st" 5106 400000
	wait_stream "$W/st" 200000
	move_to "$ORIG" "$COA"
	check "m: INFO to cn answered 200 over SCTP" wait_until 20 log_has m "info: 200 from $CN"
	check_log "m: INFO went over sctp" m "INFO .* to $CN:5060/sctp"
	check_log "m: the SIP association cannot hand over, and hmmpd says why" m \
		"sctp: SIP association to $CN:5060 cannot hand over: the peer does not do ADDIP \(ASCONF with AUTH\); it stays on its present path"
	check "m: not registered with msctp" eval "! grep -q '(hmmpd-sip) registered' '$W/m.log.err'"
	capture ip netns exec "$m" hmmpctl sctp show
	check "hmmpctl sctp show: no SIP association" eval "! echo \"\$OUT\" | grep -q hmmpd-sip"
	check_streams "$W/st" $(($(cat "$W/st.prog") + 100000))
	check "m: hmmpd still runs" _hmmp_alive "${HPID[m]}"
	for h in m cn; do stop_hmmpd "$h"; done
	teardown_topology
}

tcase case_load
tcase case_sip_sctp "hmmpd's SIP over SCTP, handed over through ADDIP"
tcase case_no_addip "SIP over SCTP to a peer without ADDIP: it works, is not handed over, and hmmpd says why"
