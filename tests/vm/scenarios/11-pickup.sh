#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Connections opened BEFORE hmmp.ko is loaded are picked up from their
# first segment after the load: opener pickup, cl_id 0, established, the
# counters from then on; and they still close cleanly. A first segment
# that is a FIN is picked up too (and closes); a first segment that is a
# RST creates nothing.
#
#   +--------------------------+        veth        +--------------------------+
#   | m (mobile)               |--------------------| c (correspondent)        |
#   |  vm 192.0.2.10/24        |                    |  vc 192.0.2.1/24         |
#   |     192.0.2.11/24        |                    |                          |
#   |  P1 192.0.2.10:40020 ----|-- data, then FIN ->|  tcp.py server :5001     |
#   |  P3 192.0.2.10:40022 ----|-- RST first ------>|                          |
#   |  tcp.py server           |<-- FIN first ------|- P2 192.0.2.1:41021      |
#   |   192.0.2.11:6001        |                    |                          |
#   +--------------------------+                    +--------------------------+
#
#   1. servers, P1 P2 P3 open and exchange 5 lines each; idle
#   2. insmod hmmp.ko: the idle connections are not in the tables
#   3. P1 exchanges 5 lines, then 5 more; P2 closes (FIN); P3 resets; P1 closes
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
	addr_add "$m" vm 192.0.2.11/24
	addr_add "$c" vc 192.0.2.1/24
	must ip netns exec "$m" ping -c 1 -W 5 192.0.2.1
	check_fails "hmmp.ko is not loaded yet" test -d /sys/module/hmmp
	tcp_server "$c" 192.0.2.1 5001
	tcp_server "$m" 192.0.2.11 6001
}

case_open_before_load() {
	tcp_session P1 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40020 --lines 5
	tcp_session P2 "$c" 192.0.2.11 6001 --src 192.0.2.1 --sport 41021 --lines 5
	tcp_session P3 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40022 --lines 5
	run ip netns exec "$m" ss -tn
	check "m: three established TCP connections before the load" \
		test "$(ip netns exec "$m" ss -Htn state established | wc -l)" -eq 3
}

case_load() {
	local ns
	check "insmod hmmp.ko with the connections idle" hmmp_load ||
		fatal "cannot load hmmp.ko: nothing else to test"
	for ns in "$m" "$c"; do
		check "$ns: timeout_disconnect 1" in_ns "$ns" hmmpctl config set timeout_disconnect 1
	done
	hmmp_monitor m "$m" -j
	hmmp_monitor c "$c" -j
	sleep 1
	for ns in "$m" "$c"; do
		capture ip netns exec "$ns" hmmpctl -j stats
		check_json "$ns: idle connections are not in the table (nothing was sent)" \
			'j["conn_count"] == 0 and j["conn_created"] == 0 and j["pkts_tracked"] == 0'
	done
}

PICKUP='c["opener"] == "pickup" and c["cl_id"] == 0 and c["state"] == "established" and c["prev_local"] == "0.0.0.0" and c["handoffs"] == 0'

# P1 sends "hmmp 5".."hmmp 9" (35 bytes), then "hmmp 10".."hmmp 14" (40).
case_pickup_data() {
	local age
	check "P1 exchanges 5 more lines" tcp_session_more P1
	check_rec "$m" "m: P1 picked up: 192.0.2.10:40020 -> 192.0.2.1:5001" 40020 5001 \
		'c["orig_local"] == "192.0.2.10" and c["cur_local"] == "192.0.2.10" and c["remote"] == "192.0.2.1"'
	check_json "m: P1 opener pickup, cl_id 0, established, prev 0.0.0.0" "all($PICKUP for c in $(conn_sel 40020 5001))"
	check_json "m: P1 counted the 35 bytes sent after the load, each way" \
		"all(c['bytes_out'] == 35 and c['bytes_in'] == 35 and c['pkts_out'] >= 5 and c['pkts_in'] >= 5 for c in $(conn_sel 40020 5001))"
	age=$(json_eval "$(conn_sel 40020 5001)[0]['age_ms']" "$OUT")
	check "m: P1's age counts from the pickup (under 30 s), not from the open" test "$age" -lt 30000
	check_json "m: only P1 in the table" 'len(j) == 1'
	check_rec "$c" "c: P1 picked up too: 192.0.2.1:5001 <- 192.0.2.10:40020" 5001 40020 \
		"c['orig_local'] == '192.0.2.1' and c['remote'] == '192.0.2.10' and $PICKUP and c['bytes_in'] == 35 and c['bytes_out'] == 35"
	capture ip netns exec "$m" hmmpctl -j stats
	check_json "m: conn_picked_up 1, conn_created 1" 'j["conn_picked_up"] == 1 and j["conn_created"] == 1'
	check "m: monitor: conn_new for P1 with opener pickup" mon_has m \
		"e['event'] == 'conn_new' and e['lport'] == 40020 and e['opener'] == 'pickup' and e['state'] == 'established'"

	check "P1 exchanges 5 more lines again" tcp_session_more P1
	check_rec "$m" "m: P1 counters grew: 75 bytes each way, still established pickup" 40020 5001 \
		"$PICKUP and c['bytes_out'] == 75 and c['bytes_in'] == 75 and c['pkts_out'] >= 10"
	check_rec "$c" "c: P1 counters grew: 75 bytes each way" 5001 40020 \
		"$PICKUP and c['bytes_out'] == 75 and c['bytes_in'] == 75"
}

# P2: c, the opener, closes; the first segment after the load is its FIN.
case_pickup_fin() {
	run kill -USR1 "${SESS[P2]}"
	proc_wait 20 "${SESS[P2]}"
	check_eq "P2 closed cleanly (tcp.py exit status)" 0 "$RC"
	check "m: monitor: P2 new (pickup), then closed (reason closed)" wait_until 5 mon_has m \
		"e['event'] == 'conn_closed' and e['lport'] == 6001 and e['rport'] == 41021 and e['reason'] == 'closed'"
	check_eq "m: P2's events: new, closed" "conn_new conn_closed" "$(mon_seq m 6001 41021)"
	check "m: P2's new event says pickup" mon_has m \
		"e['event'] == 'conn_new' and e['lport'] == 6001 and e['rport'] == 41021 and e['opener'] == 'pickup' and e['cl_id'] == 0"
	check_eq "c: P2's events: new, closed" "conn_new conn_closed" "$(mon_seq c 41021 6001)"
	check "m: P2 leaves the table after the 1 s linger" wait_until 4 hmmp_conn_absent "$m" 6001 41021
	check "c: P2 leaves the table after the 1 s linger" wait_until 4 hmmp_conn_absent "$c" 41021 6001
	capture ip netns exec "$m" hmmpctl -j stats
	check_json "m: P2 counted picked up and closed, not expired" \
		'j["conn_picked_up"] == 2 and j["conn_closed"] == 1 and j["conn_expired"] == 0'
}

# P3: m resets it; a RST of an unknown connection creates no record.
case_pickup_rst() {
	local created
	created=$(hmmp_stat "$m" conn_created)
	run kill -USR2 "${SESS[P3]}"
	proc_wait 20 "${SESS[P3]}"
	check_eq "P3 reset (tcp.py exit status)" 0 "$RC"
	sleep 0.5
	check "m: no record for P3" hmmp_conn_absent "$m" 40022 5001
	check "c: no record for P3" hmmp_conn_absent "$c" 5001 40022
	check_eq "m: conn_created unchanged by the RST" "$created" "$(hmmp_stat "$m" conn_created)"
	check_eq "m: no event for P3" "" "$(mon_seq m 40022 5001)"
	check "P1 is still there, established" hmmp_conn_state_is "$m" 40020 5001 established
}

# P1 closes with FINs: release tracked on a picked-up record.
case_pickup_close() {
	local ns
	run kill -USR1 "${SESS[P1]}"
	proc_wait 20 "${SESS[P1]}"
	check_eq "P1 closed cleanly (tcp.py exit status)" 0 "$RC"
	check "m: monitor: P1 closed, reason closed" wait_until 5 mon_has m \
		"e['event'] == 'conn_closed' and e['lport'] == 40020 and e['reason'] == 'closed' and e['bytes_out'] == 75"
	check_eq "m: P1's events: new, closed" "conn_new conn_closed" "$(mon_seq m 40020 5001)"
	check_eq "c: P1's events: new, closed" "conn_new conn_closed" "$(mon_seq c 5001 40020)"
	for ns in "$m" "$c"; do
		check "$ns: table empty after the linger" wait_until 4 hmmp_count_is "$ns" 0
		capture ip netns exec "$ns" hmmpctl -j stats
		check_json "$ns: 2 picked up, 2 created, 2 closed, none expired" \
			'(j["conn_picked_up"] == 2 and j["conn_created"] == 2 and j["conn_closed"] == 2 and
			  j["conn_expired"] == 0 and j["pkts_invalid"] == 0)'
	done
	show_file "$W/mon-m" "$W/mon-c"
}

tcase case_setup "namespaces, link, servers (module not loaded)"
tcase case_open_before_load "three connections opened before the load"
tcase case_load "load: idle connections are not seen"
tcase case_pickup_data "data after the load: picked up, counters grow"
tcase case_pickup_fin "first segment a FIN: picked up, closed"
tcase case_pickup_rst "first segment a RST: nothing created"
tcase case_pickup_close "the picked-up connection closes cleanly"
