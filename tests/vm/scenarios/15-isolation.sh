#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SIP_EYE state is per network namespace: two mobiles a and b talking to
# the same correspondent each see only their own connections, with their
# own counters, hand-offs, limits and events; c sees both; the initial
# namespace sees nothing. Deleting a's namespace leaves b and c alone.
#
#   +---------------------+  veth  +------------------------+  veth  +----------------------+
#   | a (mobile)          |--------| c (correspondent)      |--------| b (mobile)           |
#   |  va 192.0.2.10/24   |        |  vca 192.0.2.1/24      |        |  vb 198.51.100.10/24 |
#   |  A1 :40040 ---------|------->|  tcp.py server :5001   |<-------|- B1 :40050, B2 :40051|
#   |  A2 :40041 (later)  |        |   (both addresses)     |        |  B3 :40052 (later)   |
#   |  hmmpctl monitor    |        |                        |        |  hmmpctl monitor     |
#   +---------------------+        +------------------------+        +----------------------+
#
#   +---------------------+
#   | init netns          |  no link: sees nothing
#   +---------------------+
#
# timeout: 180
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

case_setup() {
	hmmp_workdir
	netns_add a
	netns_add b
	netns_add c
	veth_pair "$a" va "$c" vca
	veth_pair "$b" vb "$c" vcb
	addr_add "$a" va 192.0.2.10/24
	addr_add "$b" vb 198.51.100.10/24
	addr_add "$c" vca 192.0.2.1/24
	addr_add "$c" vcb 198.51.100.1/24
	must ip netns exec "$a" ping -c 1 -W 5 192.0.2.1
	must ip netns exec "$b" ping -c 1 -W 5 198.51.100.1
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko: nothing else to test"
	hmmp_monitor a "$a" -j
	hmmp_monitor b "$b" -j
	tcp_server "$c" 0.0.0.0 5001
	tcp_session A1 "$a" 192.0.2.1 5001 --src 192.0.2.10 --sport 40040 --lines 3
	tcp_session B1 "$b" 198.51.100.1 5001 --src 198.51.100.10 --sport 40050 --lines 3
	tcp_session B2 "$b" 198.51.100.1 5001 --src 198.51.100.10 --sport 40051 --lines 6
}

case_tables() {
	ports_are "$a" "a: lists only A1" "" "40040"
	check_json "a: A1 is a's own connection" \
		'all(c["orig_local"] == "192.0.2.10" and c["remote"] == "192.0.2.1" for c in j)'
	ports_are "$b" "b: lists only B1 and B2" "" "40050 40051"
	check_json "b: B1 and B2 are b's own" \
		'all(c["orig_local"] == "198.51.100.10" and c["remote"] == "198.51.100.1" for c in j)'
	capture ip netns exec "$c" hmmpctl -j conn show
	check_eq "c: sees all three, each from its side" \
		"192.0.2.10:40040 198.51.100.10:40050 198.51.100.10:40051" \
		"$(json_eval '" ".join(sorted("%s:%d" % (c["remote"], c["rport"]) for c in j))' "$OUT")"
	ports_are - "initial netns: lists nothing" "" ""
	ports_are "$a" "a: addr 198.51.100.10 (b's address) lists nothing" "addr 198.51.100.10" ""
	ports_are "$b" "b: addr 192.0.2.10 (a's address) lists nothing" "addr 192.0.2.10" ""
}

case_stats() {
	local sa sb sc
	sa=$(ip netns exec "$a" hmmpctl -j stats)
	sb=$(ip netns exec "$b" hmmpctl -j stats)
	sc=$(ip netns exec "$c" hmmpctl -j stats)
	echo "# a: $sa"
	echo "# b: $sb"
	echo "# c: $sc"
	check_json "a: conn_count 1, conn_created 1" 'j["conn_count"] == 1 and j["conn_created"] == 1' "$sa"
	check_json "b: conn_count 2, conn_created 2" 'j["conn_count"] == 2 and j["conn_created"] == 2' "$sb"
	check_json "c: conn_count 3, conn_created 3" 'j["conn_count"] == 3 and j["conn_created"] == 3' "$sc"
	check_json "initial netns: conn_count 0, nothing tracked" \
		'j["conn_count"] == 0 and j["conn_created"] == 0 and j["pkts_tracked"] == 0' "$(hmmpctl -j stats)"
	check_json "a and b tracked different packet counts (b has more traffic)" \
		'j["b"]["pkts_tracked"] > j["a"]["pkts_tracked"] > 0' "{\"a\": $sa, \"b\": $sb}"
	check_json "c tracked what a and b did together" \
		'j["c"]["pkts_tracked"] == j["a"]["pkts_tracked"] + j["b"]["pkts_tracked"]' \
		"{\"a\": $sa, \"b\": $sb, \"c\": $sc}"
}

case_handoff_isolated() {
	capture ip netns exec "$a" hmmpctl handoff to 203.0.113.7
	check_eq "a: handoff to 203.0.113.7 moves a's one record" "1 connections moved" "$OUT"
	check_rec "$a" "a: A1 moved to 203.0.113.7" 40040 5001 \
		'c["cur_local"] == "203.0.113.7" and c["prev_local"] == "192.0.2.10" and c["handoffs"] == 1'
	capture ip netns exec "$b" hmmpctl -j conn show
	check_json "b: records untouched" \
		'len(j) == 2 and all(c["cur_local"] == "198.51.100.10" and c["prev_local"] == "0.0.0.0" and c["handoffs"] == 0 for c in j)'
	capture ip netns exec "$c" hmmpctl -j conn show
	check_json "c: records untouched" 'all(c["handoffs"] == 0 and c["cur_local"] in ("192.0.2.1", "198.51.100.1") for c in j)'
	check_eq "a: stats handoffs 1" 1 "$(hmmp_stat "$a" handoffs)"
	check_eq "b: stats handoffs 0" 0 "$(hmmp_stat "$b" handoffs)"
	check "a's monitor saw the hand-off to 203.0.113.7" mon_has a \
		"e['event'] == 'handoff' and e['new'] == '203.0.113.7' and e['moved'] == 1"
	check_fails "b's monitor did not" mon_has b "e['event'] == 'handoff' and e['new'] == '203.0.113.7'"
	check "b's monitor saw B1 and B2 open" mon_has b \
		"e['event'] == 'conn_new' and e['lport'] == 40051"
	check_fails "a's monitor saw nothing of b's connections" mon_has a \
		"e.get('lport') in (40050, 40051) or e.get('orig_local') == '198.51.100.10'"
}

# table_max 2 in b: b's third connection is not tracked (but works); a's
# second one is.
case_limit_isolated() {
	check "b: table_max 2" in_ns "$b" hmmpctl config set table_max 2
	check_eq "a: table_max still 65536" 65536 "$(ip netns exec "$a" hmmpctl -j config show | json_get table_max)"
	tcp_session B3 "$b" 198.51.100.1 5001 --src 198.51.100.10 --sport 40052 --lines 3
	tcp_session A2 "$a" 192.0.2.1 5001 --src 192.0.2.10 --sport 40041 --lines 3
	capture ip netns exec "$b" hmmpctl -j stats
	check_json "b: conn_table_full counts B3's segments, conn_count stays 2" \
		'j["conn_table_full"] > 0 and j["conn_count"] == 2 and j["conn_created"] == 2'
	check "b: B3 not in the table" hmmp_conn_absent "$b" 40052 5001
	check "B3 works anyway (tracking never drops)" tcp_session_more B3
	capture ip netns exec "$a" hmmpctl -j stats
	check_json "a: conn_table_full 0, A2 tracked: conn_count 2" \
		'j["conn_table_full"] == 0 and j["conn_count"] == 2 and j["conn_created"] == 2'
	check_rec "$a" "a: A2 established, local opener" 40041 5001 'c["state"] == "established" and c["opener"] == "local"'
	check_rec "$c" "c: tracks B3 (its own limit is the default)" 5001 40052 'c["state"] == "established"'
}

# Deleting a (its connections killed, its table holding records): b and c
# carry on.
case_delete_a() {
	local before_b mark
	mark=$(dmesg_mark)
	before_b=$(json_eval 'sorted((c["lport"], c["state"], c["cur_local"]) for c in j)' "$(hmmp_conns "$b")")
	run kill -KILL "${SESS[A1]}" "${SESS[A2]}"
	run kill "${MON[a]}"
	proc_wait 10 "${SESS[A1]}"
	proc_wait 10 "${SESS[A2]}"
	proc_wait 10 "${MON[a]}"
	run ip netns exec "$a" hmmpctl -j stats
	check "delete namespace a with records in its table" netns_del "$a"
	sleep 1
	check_eq "b: records unchanged" "$before_b" \
		"$(json_eval 'sorted((c["lport"], c["state"], c["cur_local"]) for c in j)' "$(hmmp_conns "$b")")"
	check "B1 still works" tcp_session_more B1
	check "c: still answers" in_ns "$c" hmmpctl stats
	check "no warning in dmesg" dmesg_clean_since "$mark"
}

tcase case_setup "three namespaces, two links, module, connections"
tcase case_tables "each namespace lists only its own connections"
tcase case_stats "counters per namespace"
tcase case_handoff_isolated "a hand-off and its event stay in their namespace"
tcase case_limit_isolated "table_max and conn_table_full per namespace"
tcase case_delete_a "deleting a namespace leaves the others alone"
