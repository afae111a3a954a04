#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mSCTP failures: what hmmpd says when an association cannot hand over.
#
#  - ADDIP off on the peer (net.sctp.addip_enable=0 on cn): the
#    registration is refused with a clear error (EOPNOTSUPP and why), hmmpd
#    goes on, and the association keeps running on its old path for as
#    long as that exists;
#  - both ends move at once (seed 002 5.3): the server's address changes
#    while the mobile moves; the ASCONF that adds the mobile's new address
#    goes to an address the server no longer has; hmmpd reports it (a log
#    line and an "unreachable" event on the application's channel), asks
#    the registrar (kamailio in r1) where the server is now (the server's
#    hmmpd registered its new contact there), and tells the application,
#    which opens a new association to that address.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+    (.20 after
#   +---+ hmmpd [sctp]            | r2 |                         it moves)
#        access B 203.0.113.0/24  +----+
#
# timeout: 200
# kernels: oldest (the failure paths of mSCTP; 50 hands over on both lines)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154,SC2034 # netns_add NAME assigns $NAME; SRV_BIND is sctp-lib.sh's
. "$REPO/tests/vm/lib.sh"
# shellcheck source=../sctp-lib.sh
. "$REPO/tests/vm/sctp-lib.sh"

CN2=198.51.100.20

case_no_addip() {
	local bytes=100000000
	sctp_topology 0
	sctp_conf ack
	sctp_hmmpd
	sctp_stream $bytes 150000 --bind $ORIG --register ack
	check "client: registration refused" wait_until 10 file_has "$SW/cli.err" "register:"
	show_file "$SW/cli.err"
	check "client: the error says the peer does not do ADDIP" \
		file_has "$SW/cli.err" "register: association to $CN: the peer does not do ADDIP .*cannot hand over and stays on its present path"
	check_mlog "m: hmmpd logs the refusal" \
		"sctp: registration refused: association to $CN: the peer does not do ADDIP"
	capture ip netns exec "$m" hmmpctl sctp show
	check_eq "hmmpctl sctp show: nothing registered" "" "$OUT"
	echo "# access B comes; A stays: the association keeps its path"
	move_in
	check "m: hand-off seen" wait_until 10 mlog_has "handoff: new address $COA"
	check "server: the association stays on $ORIG" status_is "peers=$ORIG primary=$ORIG"
	sctp_streams_done 300000
	check "m: hmmpd still runs" _hmmp_alive "$HPID"
	run kill -TERM "$HPID"
	proc_wait 10 "$HPID"
	check_eq "hmmpd exits 0" 0 "$RC"
	teardown_topology
}

# kamailio as the registrar, in r1 at 198.51.100.1:5070
REG=198.51.100.1
start_registrar() {
	spawn_to "$SW/kam.log" "$r1" kamailio -f "$REPO/tests/vm/kamailio/registrar.cfg" -DD -E \
		-A "LISTEN=udp:$REG:5070" -A 'PASSWORD="the registrar secret"' \
		-A "CTL=\"unix:$SW/kamctl\"" -A 'ALGO="SHA-256"'
	KPID=$SPAWNED
	check "registrar (kamailio) listens on $REG:5070" \
		wait_until 30 in_ns_quiet "$r1" ss -Huln "src $REG:5070" ||
		show_file "$SW/kam.log.err"
}

case_both_move() {
	sctp_topology
	start_registrar
	# the server registers where it is (hmmpd, mobile role, on cn)
	must ip -n "$cn" route add default via $REG
	cat >"$SW/cn.conf" <<-EOC
	[general]
	identity = sip:fs@hmmp.test
	roles = mobile
	debounce_ms = 200
	[sip]
	registrar = sip:$REG:5070
	secrets = $SW/cn.secrets
	[peer registrar]
	uri = sip:$REG:5070
	EOC
	echo "registrar fs the registrar secret" >"$SW/cn.secrets"
	chmod 0600 "$SW/cn.secrets"
	spawn_to "$SW/cn.log" "$cn" hmmpd -f -c "$SW/cn.conf"
	CNPID=$SPAWNED
	check "registrar: the server's contact sip:fs@$CN" \
		wait_until 30 file_has "$SW/kam.log.err" "registrar: sip:fs@hmmp.test registered <?sip:fs@$CN:5060"
	# the mobile knows the server as [peer fs] and may ask the registrar
	sctp_conf ack confirm_ms=2000
	cat >>"$SW/m.conf" <<-EOC
	[general]
	identity = sip:m@hmmp.test
	[sip]
	registrar = sip:$REG:5070
	secrets = $SW/m.secrets
	[peer fs]
	uri = sip:fs@hmmp.test
	address = $CN
	[peer registrar]
	uri = sip:$REG:5070
	EOC
	echo "registrar m the registrar secret" >"$SW/m.secrets"
	chmod 0600 "$SW/m.secrets"
	sctp_hmmpd
	# a server that takes new associations on whatever address it has
	SRV_BIND=0.0.0.0
	sctp_stream 100000000 100000 --bind $ORIG --register ack --events "$SW/events" --reopen yes
	SRV_BIND=
	check "m: registered" wait_until 10 mlog_has "sctp: association 1 \(peer\) registered"
	echo "# the server moves to $CN2 while the mobile moves to $COA"
	must ip netns exec "$cn" sysctl -qw net.ipv4.conf.e0.promote_secondaries=1
	must ip -n "$cn" addr add $CN2/24 dev e0
	must ip -n "$cn" addr del $CN/24 dev e0
	must ip -n "$cn" route replace 192.0.2.0/24 via 198.51.100.1
	must ip -n "$cn" route replace 203.0.113.0/24 via 198.51.100.2
	must ip -n "$cn" route replace default via $REG
	move_in
	check "m: the add went out" wait_until 10 mlog_has "add $COA \(ASCONF to the peer\)"
	check "m: hmmpd reports the peer unreachable (both ends moved)" \
		wait_until 15 mlog_has "no ASCONF-ACK from $CN in 2000 ms after add $COA: the peer is unreachable at its addresses \(did both ends move at once\?\)"
	check "client: event unreachable on its channel" \
		wait_until 5 file_has "$SW/events" "event unreachable id=1 peer=$CN op=add addr=$COA"
	check "registrar: the server's new contact sip:fs@$CN2" \
		file_has "$SW/kam.log.err" "registrar: sip:fs@hmmp.test registered <?sip:fs@$CN2:5060"
	check "m: the registrar has the server at $CN2" \
		wait_until 15 mlog_has "sctp: the registrar has sip:fs@hmmp.test at $CN2"
	check "client: event relocated" \
		wait_until 5 file_has "$SW/events" "event relocated id=1 aor=sip:fs@hmmp.test addr=$CN2"
	check "client: a new association to $CN2" \
		wait_until 15 file_has "$SW/cli.err" "a new association to $CN2"
	check "m: the new association registered" \
		wait_until 10 mlog_has "sctp: association 2 \(peer\) registered: .*peer $CN2"
	# data on the new association before stopping
	sleep 2
	sctp_streams_done 50000
	check_eq "client: one new association" 1 "$(json_get reopened "$(cat "$SW/cli.json")")"
	check_eq "server: one new association" 1 "$(json_get reopened "$(cat "$SW/srv.json")")"
	grep -E "sctp:|register:" "$SW/m.log.err" | sed 's/^/#   m: /'
	grep -h "registrar:" "$SW/kam.log.err" | sed 's/^/#   registrar: /'
	check "m: hmmpd still runs" _hmmp_alive "$HPID"
	for p in "$HPID" "$CNPID" "$KPID"; do
		run kill -TERM "$p"
		proc_wait 10 "$p"
	done
	teardown_topology
}

tcase case_no_addip "ADDIP off on the peer: a clear error, the old path kept"
tcase case_both_move "both ends move at once: reported, and a new association where the registrar says"
