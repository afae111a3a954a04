#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'hmmpctl monitor' (text and -j) prints the module's events as they
# happen, in order: conn new, established, handoff, closed with its reason
# (closed, reset, expired); a connection whose record expired is picked up
# again (new, opener pickup); an unanswered SYN expires from setup_req. Events stay in their namespace. When the
# module goes away the monitors say so and exit with status 2.
#
#   +----------------------------+        veth        +---------------------------+
#   | m (mobile)                 |--------------------| c (correspondent)         |
#   |  vm 192.0.2.10/24          |                    |  vc 192.0.2.1/24          |
#   |     203.0.113.7, .8/24     |                    |                           |
#   |  M1 192.0.2.10:40060 ------|--- FIN ----------->|  tcp.py server :5001      |
#   |  M2 192.0.2.10:40061 ------|--- RST ----------->|                           |
#   |  M3 192.0.2.10:40062 ------|--- idle, expires ->|                           |
#   |  M4 192.0.2.10:40063 ------|--- SYN to .99 --->|   (no 192.0.2.99)         |
#   |  hmmpctl monitor    (text) |                    |  hmmpctl monitor (text)   |
#   |  hmmpctl -j monitor (JSON) |                    |                           |
#   +----------------------------+                    +---------------------------+
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
	addr_add "$m" vm 203.0.113.7/24
	addr_add "$m" vm 203.0.113.8/24
	addr_add "$c" vc 192.0.2.1/24
	must ip netns exec "$m" ping -c 1 -W 5 192.0.2.1
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko: nothing else to test"
	check "m: timeout_disconnect 1" in_ns "$m" hmmpctl config set timeout_disconnect 1
	tcp_server "$c" 192.0.2.1 5001
	hmmp_monitor mt "$m"
	hmmp_monitor mj "$m" -j
	hmmp_monitor ct "$c"
}

# line_no NAME EXTENDED-REGEX: the number of the first line of monitor
# NAME's output that matches (empty if none).
line_no() {
	grep -nE -m1 -- "$2" "$W/mon-$1" | cut -d: -f1
}

# in_order NAME DESC REGEX...: each REGEX matches a line of monitor NAME,
# each after the previous one.
in_order() {
	local name=$1 desc=$2 re n prev=0
	shift 2
	for re in "$@"; do
		n=$(line_no "$name" "$re")
		if [ -z "$n" ]; then
			not_ok "$desc" "no line matches /$re/"
			return 1
		fi
		if [ "$n" -le "$prev" ]; then
			not_ok "$desc" "/$re/ is on line $n, before line $prev"
			return 1
		fi
		prev=$n
	done
	ok "$desc"
}

M1='192\.0\.2\.10:40060 -> 192\.0\.2\.1:5001'
M2='192\.0\.2\.10:40061 -> 192\.0\.2\.1:5001'
M3='192\.0\.2\.10:40062 -> 192\.0\.2\.1:5001'

# M1: new, established, hand-off, closed (reason closed, cur shown).
case_lifecycle() {
	tcp_session M1 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40060 --lines 2
	capture ip netns exec "$m" hmmpctl handoff from 192.0.2.10 to 203.0.113.7
	check_eq "handoff moved M1" "1 connections moved" "$OUT"
	run kill -USR1 "${SESS[M1]}"
	proc_wait 20 "${SESS[M1]}"
	check_eq "M1 closed cleanly (tcp.py exit status)" 0 "$RC"
	wait_until 5 file_has "$W/mon-mt" "conn closed $M1"
	show_file "$W/mon-mt"
	in_order mt "m (text): M1 new, established, handoff, closed, in that order" \
		"^\[EVENT\] conn new $M1 state setup_req opener local\$" \
		"^\[EVENT\] conn established $M1 state established opener local\$" \
		'^\[EVENT\] handoff 192\.0\.2\.10 -> 203\.0\.113\.7 moved 1$' \
		"^\[EVENT\] conn closed $M1 state disconnect opener local cur 203\.0\.113\.7 reason closed\$"
	check_eq "m (JSON): M1's events in order" \
		"conn_new conn_established conn_closed" "$(mon_seq mj 40060 5001)"
	check "m (JSON): the handoff event: old 192.0.2.10, new 203.0.113.7, moved 1" mon_has mj \
		"e == {'event': 'handoff', 'old': '192.0.2.10', 'new': '203.0.113.7', 'moved': 1}"
	check "m (JSON): M1 closed with reason closed, after its hand-off" mon_has mj \
		"e['event'] == 'conn_closed' and e['lport'] == 40060 and e['reason'] == 'closed' and e['cur_local'] == '203.0.113.7' and e['prev_local'] == '192.0.2.10' and e['handoffs'] == 1"
	check_eq "m (JSON): the handoff event comes between M1's established and closed" \
		"conn_established handoff conn_closed" \
		"$(json_eval "' '.join(e['event'] for e in j if e.get('lport') == 40060 and e['event'] != 'conn_new' or e['event'] == 'handoff' and e['new'] == '203.0.113.7')" "$(mon_doc mj)")"
	show_file "$W/mon-ct"
	in_order ct "c (text): M1 new (opener remote), established, closed; no handoff" \
		'^\[EVENT\] conn new 192\.0\.2\.1:5001 -> 192\.0\.2\.10:40060 state setup_req opener remote$' \
		'^\[EVENT\] conn established 192\.0\.2\.1:5001 -> 192\.0\.2\.10:40060 state established opener remote$' \
		'^\[EVENT\] conn closed 192\.0\.2\.1:5001 -> 192\.0\.2\.10:40060 state disconnect opener remote reason closed$'
	check_eq "c: no hand-off event from m's namespace" "" "$(line_no ct 'handoff 192\.0\.2\.10')"
}

# M2: reset; then a hand-off of every record (old "any").
case_reset_and_all() {
	tcp_session M2 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40061 --lines 2
	capture ip netns exec "$m" hmmpctl handoff to 203.0.113.8
	check_eq "handoff to 203.0.113.8 (all) moved M2" "1 connections moved" "$OUT"
	run kill -USR2 "${SESS[M2]}"
	proc_wait 20 "${SESS[M2]}"
	check_eq "M2 reset (tcp.py exit status)" 0 "$RC"
	wait_until 5 file_has "$W/mon-mt" "conn closed $M2"
	in_order mt "m (text): M2 new, established, handoff any, closed reason reset" \
		"^\[EVENT\] conn new $M2 state setup_req opener local\$" \
		"^\[EVENT\] conn established $M2 state established opener local\$" \
		'^\[EVENT\] handoff any -> 203\.0\.113\.8 moved 1$' \
		"^\[EVENT\] conn closed $M2 state disconnect opener local cur 203\.0\.113\.8 reason reset\$"
	check "m (JSON): the all-records hand-off: old 0.0.0.0 or absent" mon_has mj \
		"e['event'] == 'handoff' and e['new'] == '203.0.113.8' and e.get('old', '0.0.0.0') == '0.0.0.0' and e['moved'] == 1"
	check "m (JSON): M2 closed with reason reset" mon_has mj \
		"e['event'] == 'conn_closed' and e['lport'] == 40061 and e['reason'] == 'reset'"
	wait_until 5 file_has "$W/mon-ct" "conn closed 192\.0\.2\.1:5001 -> 192\.0\.2\.10:40061"
	check "c (text): M2 closed, reason reset" file_has "$W/mon-ct" \
		'^\[EVENT\] conn closed 192\.0\.2\.1:5001 -> 192\.0\.2\.10:40061 state disconnect opener remote reason reset$'
}

# M3: idle past timeout_established (2 s in m): closed, reason expired;
# its next segment picks it up again.
case_expired() {
	check "m: timeout_established 2" in_ns "$m" hmmpctl config set timeout_established 2
	tcp_session M3 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40062 --lines 2
	check "m (text): M3 closed, reason expired, after 2 s idle" wait_until 8 file_has "$W/mon-mt" \
		"^\[EVENT\] conn closed $M3 state established opener local reason expired\$"
	check "m: M3 gone from the table" hmmp_conn_absent "$m" 40062 5001
	check_eq "m: conn_expired 1" 1 "$(hmmp_stat "$m" conn_expired)"
	check "c: M3 still established (c keeps its default timeout)" hmmp_conn_state_is "$c" 5001 40062 established
	# Back to the default before the pickup: the new record takes it.
	check "m: timeout_established back to 432000" in_ns "$m" hmmpctl config set timeout_established 432000
	check "M3 exchanges 2 more lines" tcp_session_more M3
	check "m (text): M3 picked up again" wait_until 5 file_has "$W/mon-mt" \
		"^\[EVENT\] conn new $M3 state established opener pickup\$"
	check_eq "m (JSON): M3's events" "conn_new conn_established conn_closed conn_new" "$(mon_seq mj 40062 5001)"
	check "m (JSON): M3's second record has cl_id 0" mon_has mj \
		"e['event'] == 'conn_new' and e['lport'] == 40062 and e['opener'] == 'pickup' and e['cl_id'] == 0"
	run kill -USR1 "${SESS[M3]}"
	proc_wait 20 "${SESS[M3]}"
	check_eq "M3 closed cleanly (tcp.py exit status)" 0 "$RC"
	check "m (text): M3 closed, reason closed" wait_until 5 file_has "$W/mon-mt" \
		"^\[EVENT\] conn closed $M3 state disconnect opener pickup reason closed\$"
	check_eq "m (JSON): M3's whole story: two records, the second closed by FINs" \
		"conn_new conn_established conn_closed conn_new conn_closed" "$(mon_seq mj 40062 5001)"
}

# M4: a SYN nobody answers (192.0.2.99 does not exist): the record waits in
# setup_req, then expires after timeout_setup (5 s in m).
case_setup_expired() {
	local M4='192\.0\.2\.10:40063 -> 192\.0\.2\.99:5001'
	check "m: timeout_setup 5" in_ns "$m" hmmpctl config set timeout_setup 5
	spawn_to "$W/M4" "$m" python3 -I -S "$REPO/tests/vm/tcp.py" session 192.0.2.99 5001 \
		--src 192.0.2.10 --sport 40063
	check "m: state setup_req lists the unanswered connection" wait_until 5 eval \
		"hmmp_conns '$m' state setup_req | grep -q '\"lport\":40063'"
	run ip netns exec "$m" hmmpctl conn show state setup_req
	check "m (text): M4 new, in setup_req" wait_until 5 file_has "$W/mon-mt" \
		"^\[EVENT\] conn new $M4 state setup_req opener local\$"
	check "m (text): M4 closed, reason expired, still in setup_req" wait_until 20 file_has "$W/mon-mt" \
		"^\[EVENT\] conn closed $M4 state setup_req opener local reason expired\$"
	check "m: M4 gone from the table" hmmp_conn_absent "$m" 40063 5001
	check_eq "m (JSON): M4's events: one record, new then closed" "conn_new conn_closed" "$(mon_seq mj 40063 5001)"
	check_eq "m: conn_expired 2 (M3 and M4)" 2 "$(hmmp_stat "$m" conn_expired)"
	check "m: timeout_setup back to 120" in_ns "$m" hmmpctl config set timeout_setup 120
	proc_wait 30 "$SPAWNED"
	check_ne "the connect to 192.0.2.99 failed (tcp.py exit status)" 0 "$RC"
	show_file "$W/M4.err"
}

# Every event is well formed: a conn event's times are sane.
case_event_fields() {
	local doc
	show_file "$W/mon-mj"
	doc=$(mon_doc mj)
	check_json "m (JSON): every line is an object with an event key" \
		'len(j) > 0 and all(isinstance(e, dict) and "event" in e for e in j)' "$doc"
	check_json "m (JSON): conn events carry the record's keys (as in conn show)" \
		'all(all(k in e for k in ("orig_local", "prev_local", "cur_local", "remote", "lport", "rport", "state", "cl_id", "opener", "age_ms", "idle_ms", "handoffs")) for e in j if e["event"].startswith("conn_"))' "$doc"
	check_json "m (JSON): reason only on conn_closed" \
		'all(("reason" in e) == (e["event"] == "conn_closed") for e in j if e["event"].startswith("conn_"))' "$doc"
	# idle_ms is the time since the record's last segment: never more than
	# its age.
	check_json "m (JSON): every conn event has 0 <= idle_ms <= age_ms" \
		'all(0 <= e["idle_ms"] <= e["age_ms"] for e in j if e["event"].startswith("conn_"))' "$doc" ||
		echo "# offending events: $(json_eval '[(e["event"], e["lport"], e["age_ms"], e["idle_ms"]) for e in j if e["event"].startswith("conn_") and not 0 <= e["idle_ms"] <= e["age_ms"]]' "$doc")"
	check_eq "monitors wrote nothing on stderr" "" "$(cat "$W/mon-mt.err" "$W/mon-mj.err" "$W/mon-ct.err")"
}

# rmmod: every monitor says the module went away and exits with status 2.
case_unload() {
	local n
	check "rmmod hmmp with monitors attached" hmmp_unload
	for n in mt mj ct; do
		proc_wait 10 "${MON[$n]}"
		check_eq "monitor $n exits with status 2" 2 "$RC"
		check_match "monitor $n says the module was unloaded" "unloaded" "$(cat "$W/mon-$n.err")"
	done
}

tcase case_setup "namespaces, link, module, monitors"
tcase case_lifecycle "new, established, handoff, closed: in order"
tcase case_reset_and_all "reset; hand-off of every record"
tcase case_expired "expired, then picked up again"
tcase case_setup_expired "an unanswered SYN expires from setup_req"
tcase case_event_fields "JSON events well formed"
tcase case_unload "monitors exit 2 when the module goes away"
