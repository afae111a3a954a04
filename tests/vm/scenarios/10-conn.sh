#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SIP_EYE records of connections opened both ways: every field of
# 'hmmpctl -j conn show' on each side, the addr and state filters, a close
# with FINs and one with a RST (Disconnect, then gone after the linger, the
# reason in the monitor), and the counters that follow; a refused
# connection; the same ports reused while the old record lingers.
#
#   +--------------------------+        veth        +--------------------------+
#   | m (mobile)               |--------------------| c (correspondent)        |
#   |  vm 192.0.2.10/24        |                    |  vc 192.0.2.1/24         |
#   |     192.0.2.11/24        |                    |                          |
#   |  A 192.0.2.10:40010 -----|--- TCP, FIN ------>|  tcp.py server :5001     |
#   |  B 192.0.2.10:40011 -----|--- TCP, RST ------>|                          |
#   |  tcp.py server           |<-- TCP, FIN -------|- R 192.0.2.1:41001       |
#   |   192.0.2.11:6001        |                    |                          |
#   |  192.0.2.10:40013 -------|--- SYN, RST-ACK -->|  :5999 (no listener)     |
#   |  P 192.0.2.10:40012 -----|--- RST, reopened ->|  :5001                   |
#   |  hmmpctl -j monitor      |                    |  hmmpctl -j monitor      |
#   +--------------------------+                    +--------------------------+
#
# Each session exchanges 5 lines "hmmp 0".."hmmp 4" (35 bytes each way),
# then idles: byte counters are exact.
#
# timeout: 180
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

LINGER=10	# the default timeout_disconnect, kept for the FIN close

case_setup() {
	hmmp_workdir
	netns_add m
	netns_add c
	veth_pair "$m" vm "$c" vc
	addr_add "$m" vm 192.0.2.10/24
	addr_add "$m" vm 192.0.2.11/24
	addr_add "$c" vc 192.0.2.1/24
	must ip netns exec "$m" ping -c 1 -W 5 192.0.2.1
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko: nothing else to test"
	tcp_server "$c" 192.0.2.1 5001
	tcp_server "$m" 192.0.2.11 6001
	hmmp_monitor m "$m" -j
	hmmp_monitor c "$c" -j
	capture ip netns exec "$m" hmmpctl -j stats
	check_json "m: empty table before any connection" 'j["conn_count"] == 0 and j["conn_created"] == 0'
}

FRESH='c["prev_local"] == "0.0.0.0" and c["handoffs"] == 0 and c["cl_id"] != 0 and c["state"] == "established"'
EXACT='c["bytes_out"] == 35 and c["bytes_in"] == 35 and c["pkts_out"] >= 6 and c["pkts_in"] >= 6'

# m opens A and B to c: m's records are opener local, c's opener remote.
case_open_local() {
	local cl_m cl_c
	tcp_session A "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40010 --lines 5
	tcp_session B "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40011 --lines 5
	check_rec "$m" "m: A is 192.0.2.10:40010 -> 192.0.2.1:5001, local opener" 40010 5001 \
		'c["orig_local"] == "192.0.2.10" and c["cur_local"] == "192.0.2.10" and c["remote"] == "192.0.2.1" and c["opener"] == "local"'
	check_json "m: A established, prev 0.0.0.0, cl_id set, no hand-off" "all($FRESH for c in $(conn_sel 40010 5001))"
	check_json "m: A counted 35 payload bytes each way" "all($EXACT for c in $(conn_sel 40010 5001))"
	check_json "m: A's age and idle are plausible" "all(0 <= c['idle_ms'] <= c['age_ms'] < 60000 for c in $(conn_sel 40010 5001))"
	check_json "m: exactly two records (A, B)" 'len(j) == 2'
	cl_m=$(json_eval "$(conn_sel 40010 5001)[0]['cl_id']")
	check_rec "$c" "c: A is 192.0.2.1:5001 <- 192.0.2.10:40010, remote opener" 5001 40010 \
		'c["orig_local"] == "192.0.2.1" and c["cur_local"] == "192.0.2.1" and c["remote"] == "192.0.2.10" and c["opener"] == "remote"'
	check_json "c: A established, prev 0.0.0.0, cl_id set, no hand-off" "all($FRESH for c in $(conn_sel 5001 40010))"
	check_json "c: A counted 35 payload bytes each way" "all($EXACT for c in $(conn_sel 5001 40010))"
	cl_c=$(json_eval "$(conn_sel 5001 40010)[0]['cl_id']")
	check_eq "A: both sides record the opener's ISN as cl_id" "$cl_m" "$cl_c"
	check_rec "$m" "m: B is 192.0.2.10:40011 -> 192.0.2.1:5001, local opener, established" 40011 5001 \
		"c['orig_local'] == '192.0.2.10' and c['opener'] == 'local' and $FRESH and $EXACT"
	check_json "m: A and B have different cl_id" \
		"$(conn_sel 40010 5001)[0]['cl_id'] != $(conn_sel 40011 5001)[0]['cl_id']"

	capture ip netns exec "$m" hmmpctl conn show
	check_match "m: text table has the header" '^orig_local +prev_local +cur_local +remote +lport +rport +state ' "$OUT"
	check_match "m: text row for A" '^192\.0\.2\.10 +0\.0\.0\.0 +192\.0\.2\.10 +192\.0\.2\.1 +40010 +5001 +established ' "$OUT"
	check_match "m: '2 connections' on stderr" '^2 connections$' "$ERR"
}

# c opens R to m's 192.0.2.11: m's record is opener remote.
case_open_remote() {
	local cl_m cl_c
	tcp_session R "$c" 192.0.2.11 6001 --src 192.0.2.1 --sport 41001 --lines 5
	check_rec "$m" "m: R is 192.0.2.11:6001 <- 192.0.2.1:41001, remote opener" 6001 41001 \
		'c["orig_local"] == "192.0.2.11" and c["cur_local"] == "192.0.2.11" and c["remote"] == "192.0.2.1" and c["opener"] == "remote"'
	check_json "m: R established, prev 0.0.0.0, cl_id set, 35 bytes each way" \
		"all($FRESH and $EXACT for c in $(conn_sel 6001 41001))"
	cl_m=$(json_eval "$(conn_sel 6001 41001)[0]['cl_id']")
	check_rec "$c" "c: R is 192.0.2.1:41001 -> 192.0.2.11:6001, local opener" 41001 6001 \
		"c['orig_local'] == '192.0.2.1' and c['remote'] == '192.0.2.11' and c['opener'] == 'local' and $FRESH and $EXACT"
	cl_c=$(json_eval "$(conn_sel 41001 6001)[0]['cl_id']")
	check_eq "R: both sides record the opener's ISN as cl_id" "$cl_c" "$cl_m"
	check_json "c: three records (A, B, R)" 'len(j) == 3'
}

case_filters() {
	ports_are "$m" "m: addr 192.0.2.11 (a local address) lists R" "addr 192.0.2.11" "6001"
	ports_are "$m" "m: addr 192.0.2.10 lists A and B" "addr 192.0.2.10" "40010 40011"
	ports_are "$m" "m: addr 192.0.2.1 (the remote) lists all three" "addr 192.0.2.1" "6001 40010 40011"
	ports_are "$m" "m: addr 203.0.113.99 lists nothing" "addr 203.0.113.99" ""
	check_match "m: '0 connections' on stderr" '^0 connections$' "$ERR"
	ports_are "$c" "c: addr 192.0.2.11 (a remote address) lists R" "addr 192.0.2.11" "41001"
	ports_are "$m" "m: state established lists all three" "state established" "6001 40010 40011"
	ports_are "$m" "m: state setup_req lists nothing" "state setup_req" ""
	ports_are "$m" "m: state disconnect lists nothing yet" "state disconnect" ""
	ports_are "$m" "m: addr 192.0.2.11 state established lists R" "addr 192.0.2.11 state established" "6001"
	ports_are "$m" "m: addr 192.0.2.11 state release_req lists nothing" "addr 192.0.2.11 state release_req" ""
	capture ip netns exec "$m" hmmpctl conn show state bogus
	check_eq "conn show state bogus: usage error (1)" 1 "$RC"
	check_match "the error names the bad state" "bogus" "$ERR"
	capture ip netns exec "$m" hmmpctl conn show addr 192.0.2
	check_eq "conn show addr 192.0.2: usage error (1)" 1 "$RC"
	capture ip netns exec "$m" hmmpctl conn show addr 192.0.2.1 addr 192.0.2.10
	check_eq "conn show with addr twice: usage error (1)" 1 "$RC"
}

# A: m closes with a FIN, c answers with its FIN. Both records go to
# Disconnect, stay for the linger (10 s), then leave.
case_close_fin() {
	local t0 t1 el
	run kill -USR1 "${SESS[A]}"
	proc_wait 20 "${SESS[A]}"
	check_eq "A closed cleanly (tcp.py exit status)" 0 "$RC"
	show_file "$W/A"
	t0=$(date +%s%N)
	check "m: A in disconnect after the close" hmmp_conn_state_is "$m" 40010 5001 disconnect
	check "c: A in disconnect after the close" hmmp_conn_state_is "$c" 5001 40010 disconnect
	ports_are "$m" "m: state disconnect lists A only" "state disconnect" "40010"
	ports_are "$m" "m: state established lists B and R" "state established" "6001 40011"
	check_json "m: A kept its addresses and counters in disconnect" \
		"all(c['orig_local'] == '192.0.2.10' and c['cur_local'] == '192.0.2.10' and c['bytes_out'] == 35 and c['bytes_in'] == 35 for c in $(conn_sel 40010 5001))" \
		"$(hmmp_conns "$m")"
	run sleep 3
	check "m: A still lingers 3 s after the close" hmmp_conn_state_is "$m" 40010 5001 disconnect
	check "m: A leaves the table after the linger" wait_until $((LINGER + 5)) hmmp_conn_absent "$m" 40010 5001
	t1=$(date +%s%N)
	el=$(((t1 - t0) / 1000000))
	echo "# A left m's table ${el} ms after the close (linger ${LINGER} s, expiry once a second)"
	check "m: A lingered about ${LINGER} s (>= $((LINGER - 1)) s)" test "$el" -ge $(((LINGER - 1) * 1000))
	check "c: A leaves the table too" wait_until 5 hmmp_conn_absent "$c" 5001 40010
	check "m: monitor saw A closed, reason closed, in disconnect" mon_has m \
		"e['event'] == 'conn_closed' and e['lport'] == 40010 and e['rport'] == 5001 and e.get('reason') == 'closed' and e['state'] == 'disconnect'"
	check "c: monitor saw A closed, reason closed" mon_has c \
		"e['event'] == 'conn_closed' and e['lport'] == 5001 and e['rport'] == 40010 and e.get('reason') == 'closed'"
	capture ip netns exec "$m" hmmpctl -j stats
	check_json "m: conn_closed 1, conn_expired 0, 2 records left" \
		'j["conn_closed"] == 1 and j["conn_expired"] == 0 and j["conn_count"] == 2'
	capture ip netns exec "$c" hmmpctl -j stats
	check_json "c: conn_closed 1, conn_expired 0, 2 records left" \
		'j["conn_closed"] == 1 and j["conn_expired"] == 0 and j["conn_count"] == 2'
}

# B: m resets it (SO_LINGER 0). With timeout_disconnect 1 the record goes
# within a couple of seconds; the monitors say "reset".
case_close_rst() {
	local ns
	for ns in "$m" "$c"; do
		check "timeout_disconnect 1 in $ns" in_ns "$ns" hmmpctl config set timeout_disconnect 1
		capture ip netns exec "$ns" hmmpctl -j config show
		check_json "$ns: timeout_disconnect is 1" 'j["timeout_disconnect"] == 1'
	done
	run kill -USR2 "${SESS[B]}"
	proc_wait 20 "${SESS[B]}"
	check_eq "B reset (tcp.py exit status)" 0 "$RC"
	show_file "$W/B"
	check "m: monitor saw B closed, reason reset, in disconnect" wait_until 5 mon_has m \
		"e['event'] == 'conn_closed' and e['lport'] == 40011 and e['rport'] == 5001 and e.get('reason') == 'reset' and e['state'] == 'disconnect'"
	check "c: monitor saw B closed, reason reset (the RST was accepted)" wait_until 5 mon_has c \
		"e['event'] == 'conn_closed' and e['lport'] == 5001 and e['rport'] == 40011 and e.get('reason') == 'reset'"
	check "m: B leaves the table within 3 s" wait_until 3 hmmp_conn_absent "$m" 40011 5001
	check "c: B leaves the table within 3 s" wait_until 3 hmmp_conn_absent "$c" 5001 40011
	capture ip netns exec "$m" hmmpctl -j stats
	check_json "m: conn_closed 2 (a reset counts as closed), conn_expired 0" \
		'j["conn_closed"] == 2 and j["conn_expired"] == 0 and j["conn_count"] == 1'
	capture ip netns exec "$c" hmmpctl -j stats
	check_json "c: conn_closed 2, conn_expired 0, rst_ignored 0" \
		'j["conn_closed"] == 2 and j["conn_expired"] == 0 and j["rst_ignored"] == 0 and j["conn_count"] == 1'
}

# R: c (the opener) closes with a FIN; m's server side follows.
case_close_remote() {
	local ns
	run kill -USR1 "${SESS[R]}"
	proc_wait 20 "${SESS[R]}"
	check_eq "R closed cleanly (tcp.py exit status)" 0 "$RC"
	check "m: monitor saw R closed, reason closed" wait_until 5 mon_has m \
		"e['event'] == 'conn_closed' and e['lport'] == 6001 and e['rport'] == 41001 and e.get('reason') == 'closed'"
	for ns in "$m" "$c"; do
		check "$ns: table empty within 3 s" wait_until 3 hmmp_count_is "$ns" 0
		capture ip netns exec "$ns" hmmpctl -j stats
		check_json "$ns: created 3, closed 3, nothing expired, picked up or refused" \
			'(j["conn_count"] == 0 and j["conn_created"] == 3 and j["conn_closed"] == 3 and
			  j["conn_expired"] == 0 and j["conn_picked_up"] == 0 and j["conn_table_full"] == 0 and
			  j["pkts_invalid"] == 0)'
		capture ip netns exec "$ns" hmmpctl -j conn show
		check_json "$ns: conn show is an empty array" 'j == []'
	done
}

# The monitors: new, established, closed for each connection, in order.
case_event_order() {
	show_file "$W/mon-m" "$W/mon-m.err" "$W/mon-c" "$W/mon-c.err"
	check_eq "m: events of A" "conn_new conn_established conn_closed" "$(mon_seq m 40010 5001)"
	check_eq "m: events of B" "conn_new conn_established conn_closed" "$(mon_seq m 40011 5001)"
	check_eq "m: events of R" "conn_new conn_established conn_closed" "$(mon_seq m 6001 41001)"
	check_eq "c: events of A" "conn_new conn_established conn_closed" "$(mon_seq c 5001 40010)"
	check_eq "c: events of R" "conn_new conn_established conn_closed" "$(mon_seq c 41001 6001)"
	check "m: the new event of A: setup_req, opener local" mon_has m \
		"e['event'] == 'conn_new' and e['lport'] == 40010 and e['state'] == 'setup_req' and e['opener'] == 'local'"
	check "m: the new event of R: setup_req, opener remote" mon_has m \
		"e['event'] == 'conn_new' and e['lport'] == 6001 and e['state'] == 'setup_req' and e['opener'] == 'remote'"
	check_eq "m: monitor stderr empty" "" "$(cat "$W/mon-m.err")"
}

# A connection refused (no listener on c:5999): m's SYN makes a record, c's
# RST-ACK ends it on both sides with reason reset.
case_refused() {
	local ns
	spawn_to "$W/refused" "$m" python3 -I -S "$REPO/tests/vm/tcp.py" session 192.0.2.1 5999 \
		--src 192.0.2.10 --sport 40013
	proc_wait 20 "$SPAWNED"
	check_eq "connect to c:5999 fails (tcp.py exit status 1)" 1 "$RC"
	check_match "... refused" "refused" "$(cat "$W/refused.err")"
	check "m: closed event, reason reset, from setup_req to disconnect" wait_until 5 mon_has m \
		"e['event'] == 'conn_closed' and e['lport'] == 40013 and e['rport'] == 5999 and e['reason'] == 'reset' and e['state'] == 'disconnect' and e['opener'] == 'local'"
	check_eq "m: events of the refused connection" "conn_new conn_closed" "$(mon_seq m 40013 5999)"
	check "c: closed event, reason reset (c sent the RST)" wait_until 5 mon_has c \
		"e['event'] == 'conn_closed' and e['lport'] == 5999 and e['rport'] == 40013 and e['reason'] == 'reset' and e['opener'] == 'remote'"
	for ns in "$m" "$c"; do
		check "$ns: table empty again after the linger" wait_until 4 hmmp_count_is "$ns" 0
		capture ip netns exec "$ns" hmmpctl -j stats
		check_json "$ns: created 4, closed 4, expired 0" \
			'j["conn_created"] == 4 and j["conn_closed"] == 4 and j["conn_expired"] == 0'
	done
}

# Port reuse: P is reset (no TIME_WAIT anywhere), then opened again on the
# same ports while both records linger in Disconnect: the records restart
# (new cl_id, counters from zero, event new), they are not new records.
case_port_reuse() {
	local ns cl1 cl2
	for ns in "$m" "$c"; do
		check "$ns: timeout_disconnect 60 (P must still linger when reopened)" \
			in_ns "$ns" hmmpctl config set timeout_disconnect 60
	done
	tcp_session P "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40012 --lines 5
	cl1=$(json_eval "$(conn_sel 40012 5001)[0]['cl_id']" "$(hmmp_conns "$m")")
	run kill -USR2 "${SESS[P]}"
	proc_wait 20 "${SESS[P]}"
	check "m: P in disconnect" wait_until 5 hmmp_conn_state_is "$m" 40012 5001 disconnect
	check "c: P in disconnect" wait_until 5 hmmp_conn_state_is "$c" 5001 40012 disconnect
	tcp_session P2 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40012 --lines 2
	check_rec "$m" "m: P's record restarted: established, opener local, 14 bytes each way" 40012 5001 \
		"c['state'] == 'established' and c['opener'] == 'local' and c['bytes_out'] == 14 and c['bytes_in'] == 14 and c['prev_local'] == '0.0.0.0' and c['handoffs'] == 0 and c['cl_id'] != 0"
	cl2=$(json_eval "$(conn_sel 40012 5001)[0]['cl_id']" "$OUT")
	check_ne "m: the restarted record has the new ISN as cl_id" "$cl1" "$cl2"
	check_rec "$c" "c: P's record restarted: established, opener remote, same cl_id as m" 5001 40012 \
		"c['state'] == 'established' and c['opener'] == 'remote' and c['cl_id'] == $cl2 and c['bytes_in'] == 14"
	check_eq "m: P's events: new, established, closed, new, established" \
		"conn_new conn_established conn_closed conn_new conn_established" "$(mon_seq m 40012 5001)"
	check "m: the second new event is in setup_req, opener local" mon_has m \
		"e['event'] == 'conn_new' and e['lport'] == 40012 and e['cl_id'] == $cl2 and e['state'] == 'setup_req'"
	for ns in "$m" "$c"; do
		capture ip netns exec "$ns" hmmpctl -j stats
		check_json "$ns: the restart counts in conn_created (6), one record (1)" \
			'j["conn_created"] == 6 and j["conn_count"] == 1'
		check "$ns: timeout_disconnect 1" in_ns "$ns" hmmpctl config set timeout_disconnect 1
	done
	run kill -USR1 "${SESS[P2]}"
	proc_wait 20 "${SESS[P2]}"
	check_eq "P2 closed cleanly (tcp.py exit status)" 0 "$RC"
	for ns in "$m" "$c"; do
		check "$ns: table empty after the linger" wait_until 4 hmmp_count_is "$ns" 0
		capture ip netns exec "$ns" hmmpctl -j stats
		# The first life of P never ended its linger: it restarted.
		check_json "$ns: created 6 (5 connections and a restart), closed 5, expired 0" \
			'j["conn_created"] == 6 and j["conn_closed"] == 5 and j["conn_expired"] == 0 and j["conn_picked_up"] == 0'
	done
}

tcase case_setup "namespaces, link, module, servers, monitors"
tcase case_open_local "m opens two connections: both sides' records"
tcase case_open_remote "c opens one to m: both sides' records"
tcase case_filters "conn show addr / state filters"
tcase case_close_fin "close with FIN: disconnect, linger, gone"
tcase case_close_rst "close with RST: reason reset, gone after a 1 s linger"
tcase case_close_remote "remote opener closes: tables empty, counters"
tcase case_event_order "monitor: new, established, closed per connection"
tcase case_refused "a refused connection: reset on both sides"
tcase case_port_reuse "port reuse while lingering: the records restart"
