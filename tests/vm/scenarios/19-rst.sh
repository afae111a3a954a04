#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Received RSTs: SIP_EYE must end a record on a RST that TCP accepts, and
# must not forget a connection that TCP keeps (docs/sipeye.md, row 1):
# blind or stale RSTs are counted in rst_ignored. RSTs are injected onto
# c's side of the link with AF_PACKET (c's own stack never sees them), as
# if c had sent them, with sequence numbers relative to the next one m
# expects from c.
#
#   +---------------------------+        veth        +------------------------------+
#   | m (mobile)                |--------------------| c (correspondent)            |
#   |  vm 192.0.2.10/24         |                    |  vc 192.0.2.1/24             |
#   |  S1 192.0.2.10:40090 -----|------------------->|  tcp.py server :5001         |
#   |  S2 192.0.2.10:40091 -----|------------------->|                              |
#   |  tcp.py server :6002 hold |<-------------------|- S3 192.0.2.1:41092          |
#   |   (m stays in CLOSE_WAIT) |<-- S3's FIN -------|   (half-closes)              |
#   |                           |<== injected RST ===|  tcp.py rst vc (AF_PACKET)   |
#   +---------------------------+                    +------------------------------+
#
#   S1: RST 100000000 ahead, 100000000 behind, 1000 ahead, 1000 behind (a
#       stale RST) and 1 behind: TCP ignores them all in ESTABLISHED (RFC
#       793/5961: a RST counts only at exactly rcv_nxt), so must SIP_EYE
#       (rst_ignored).
#   S2: RST at exactly the next sequence number: TCP resets, so does SIP_EYE.
#   S3: after c's FIN, m is in CLOSE_WAIT, where TCP also takes a RST at
#       rcv_nxt - 1 (tcp_reset_check): both reset.
#   Flood (issue 16 item 2): 1200 spoofed ACKs from random hosts of
#       203.0.113.0/24 (no route back from m: its RSTs never leave, the
#       records would linger) into m's table, lowered to table_max 300.
#       The table never refuses: unconfirmed records are evicted
#       (conn_evicted), none of them is live; S4 opened afterwards is
#       tracked and confirmed, and a hand-off moves only live records.
#
# timeout: 180
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

case_setup() {
	hmmp_workdir
	netns_add m
	netns_add c
	veth_pair "$m" vm "$c" vc
	addr_add "$m" vm 192.0.2.10/24
	addr_add "$c" vc 192.0.2.1/24
	must ip netns exec "$m" ping -c 1 -W 5 192.0.2.1
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko: nothing else to test"
	# A record wrongly ended must still be there to be seen when checked.
	check "m: timeout_disconnect 60" in_ns "$m" hmmpctl config set timeout_disconnect 60
	tcp_server "$c" 192.0.2.1 5001
	spawn "$m" python3 -I -S "$REPO/tests/vm/tcp.py" server 192.0.2.10 6002 hold
	wait_until 10 in_ns_quiet "$m" ss -Htln "src 192.0.2.10:6002" || fatal "hold server did not start"
	tcp_session S1 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40090 --lines 2
	tcp_session S2 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40091 --lines 2
	check_rec "$m" "m: S1 established" 40090 5001 'c["state"] == "established" and c["opener"] == "local"'
	S1_CL=$(json_eval "$(conn_sel 40090 5001)[0]['cl_id']" "$OUT")
}

# inject SESSION LPORT OFFSET [SIGNAL SPORT DPORT]: watch c's segments to
# m of SESSION (from c's SPORT, 5001, to m's LPORT) while SESSION gets
# SIGNAL (HUP: more lines), then inject a RST at (next + OFFSET).
inject() {
	local name=$1 lport=$2 off=$3 sig=${4:-HUP} sport=${5:-5001} f=$W/rst.$RANDOM
	spawn_to "$f" "$c" python3 -I -S "$REPO/tests/vm/tcp.py" rst vc 192.0.2.1 "$sport" 192.0.2.10 "$lport" "$off"
	local pid=$SPAWNED
	wait_until 10 file_has "$f" "rst: listening" || { show_file "$f" "$f.err"; fatal "rst injector did not start"; }
	run kill -"$sig" "${SESS[$name]}"
	proc_wait 20 "$pid"
	show_file "$f" "$f.err"
	check_eq "RST injected at next $off (injector exit status)" 0 "$RC"
	sleep 0.5
}

# A RST TCP ignores: the connection lives on, the record stays, rst_ignored
# counts it.
ignored() {
	local off=$1 before
	before=$(hmmp_stat "$m" rst_ignored)
	inject S1 40090 "$off"
	check "RST at next $off: TCP kept the connection (S1 still echoes)" tcp_session_more S1
	check_rec "$m" "RST at next $off: m's record of S1 still established, the same record" 40090 5001 \
		"c['state'] == 'established' and c['opener'] == 'local' and c['cl_id'] == $S1_CL"
	check_eq "RST at next $off: rst_ignored counted it" $((before + 1)) "$(hmmp_stat "$m" rst_ignored)"
}

case_far_ahead() { ignored 100000000; }
case_far_behind() { ignored -100000000; }
case_in_window_ahead() { ignored 1000; }
# A stale RST, from before the last bytes c sent: TCP discards it (its
# sequence number is below what m has received), so SIP_EYE must not end
# the record.
case_stale_behind() { ignored -1000; }
# One behind: in ESTABLISHED TCP still ignores it (only CLOSE_WAIT,
# LAST_ACK and CLOSING take rcv_nxt - 1, see case_close_wait).
case_one_behind() { ignored -1; }

case_exact() {
	inject S2 40091 0
	check "m: S2's record went to disconnect, reason reset" wait_until 5 hmmp_conn_state_is "$m" 40091 5001 disconnect
	check_rec "$m" "m: S2's record: disconnect" 40091 5001 'c["state"] == "disconnect"'
	proc_wait 10 "${SESS[S2]}"
	check_eq "S2: TCP reset the connection too (tcp.py exit status 1)" 1 "$RC"
	check_match "S2: tcp.py saw the reset" "reset|closed" "$(cat "$W/S2.err")"
	hmmp_show_stats "$m"
}

# S3: c opens to m's hold server and half-closes: m has c's FIN and stays
# in CLOSE_WAIT. A RST at rcv_nxt - 1 (the FIN's own sequence number) is
# one TCP takes there.
case_close_wait() {
	tcp_session S3 "$c" 192.0.2.10 6002 --src 192.0.2.1 --sport 41092 --lines 2
	inject S3 6002 -1 ALRM 41092
	show_file "$W/S3"
	check_match "S3 half-closed" "half-closed" "$(<"$W/S3")"
	check "m: S3's record ends: disconnect" wait_until 5 hmmp_conn_state_is "$m" 6002 41092 disconnect
	run ip netns exec "$m" ss -tn
	check_fails "m: TCP dropped S3 too (no CLOSE-WAIT socket left)" \
		in_ns_quiet "$m" ss -Htn "sport = :6002 and dport = :41092"
}

# Spoofed ACKs from hosts m cannot answer: each makes a pick-up record
# that this host never sends on (its RST has no route). Sent onto c's side
# of the link with AF_PACKET, so that only m's stack sees them.
case_spoofed_flood() {
	local mac full0 ev0 out live
	check "m: table_max 300" in_ns "$m" hmmpctl config set table_max 300
	mac=$(ip netns exec "$m" cat /sys/class/net/vm/address)
	full0=$(hmmp_stat "$m" conn_table_full)
	ev0=$(hmmp_stat "$m" conn_evicted)
	capture ip netns exec "$c" python3 -I -S "$REPO/tests/vm/tcp.py" flood vc "$mac" 203.0.113 192.0.2.10 1200
	check_eq "flood sent (tcp.py exit status)" 0 "$RC"
	sleep 0.5
	capture ip netns exec "$m" hmmpctl -j stats
	check_json "m: the table never refused a record (conn_table_full unchanged, at most 300 records)" \
		"j['conn_table_full'] == $full0 and j['conn_count'] <= 300"
	check_json "m: spoofed records made room for each other (conn_evicted +900 or more)" \
		"j['conn_evicted'] - $ev0 >= 900"
	echo "# after the flood: conn_count $(json_get conn_count "$OUT"), conn_evicted $(json_get conn_evicted "$OUT"), conn_table_full $(json_get conn_table_full "$OUT")"
	out=$(hmmp_conns "$m" addr 192.0.2.1)
	check_json "m: c's real connections are confirmed" \
		"len(j) >= 1 and all(c['confirmed'] for c in j)" "$out"
	out=$(hmmp_conns "$m")
	check_json "m: the spoofed records (from 203.0.113.0/24) are picked up and none is confirmed" \
		"len([c for c in j if c['remote'].startswith('203.0.113.')]) >= 200 and not any(c['confirmed'] for c in j if c['remote'].startswith('203.0.113.'))" "$out"
	tcp_session S4 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40093 --lines 2
	check_rec "$m" "m: S4, opened after the flood, is tracked, established and confirmed" 40093 5001 \
		'c["state"] == "established" and c["opener"] == "local" and c["confirmed"]'
	live=$(json_eval "len([c for c in j if c['confirmed'] and c['state'] != 'disconnect'])" "$OUT")
	capture ip netns exec "$m" hmmpctl handoff from 192.0.2.10 to 203.0.113.7
	check_eq "m: a hand-off moves the $live live records only, none of the spoofed ones" \
		"$live connections moved" "$OUT"
	check "S4 still works" tcp_session_more S4
}

tcase case_setup "namespaces, link, module, two connections"
tcase case_far_ahead "RST far ahead of the window: ignored by TCP and SIP_EYE"
tcase case_far_behind "RST far behind: ignored by both"
tcase case_in_window_ahead "RST 1000 ahead (in TCP's window): challenge ACK, ignored by both"
tcase case_stale_behind "stale RST 1000 behind: TCP ignores it, SIP_EYE must too"
tcase case_one_behind "RST 1 behind in ESTABLISHED: TCP ignores it, SIP_EYE must too"
tcase case_exact "RST at exactly the next sequence number: both reset"
tcase case_close_wait "RST one behind in CLOSE_WAIT: both reset"
tcase case_spoofed_flood "1200 spoofed ACKs: the table takes S4 after them, hand-off moves only live records"
