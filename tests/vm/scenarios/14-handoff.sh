#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hand-off: 'hmmpctl handoff [from OLD] to NEW' moves live records to
# <original, previous := current, current := NEW>, counts them, leaves
# closed (Disconnect) records and records already at NEW alone, and the
# connections keep being tracked in the same records afterwards (the key
# is the original addresses). Bad input is refused with the documented
# exit status and changes nothing.
#
#   +------------------------------+        veth        +------------------------+
#   | m (mobile)                   |--------------------| c (correspondent)      |
#   |  vm 192.0.2.10/24            |                    |  vc 192.0.2.1/24       |
#   |     192.0.2.11/24            |                    |                        |
#   |     203.0.113.7, .8/24 (new) |                    |                        |
#   |  H1 192.0.2.10:40030 --------|------------------->|  tcp.py server :5001   |
#   |  H2 192.0.2.10:40031 --------|------------------->|                        |
#   |  H4 192.0.2.11:40033 --------|------------------->|                        |
#   |  H5 192.0.2.10:40034 --------|--- closed (FIN) -->|                        |
#   |  H6 192.0.2.11:40035 --------|--- half-closed --->|  tcp.py server :5002   |
#   |                              |                    |   (hold: no FIN back)  |
#   |  tcp.py server               |<-------------------|- H3 192.0.2.1:41032    |
#   |   192.0.2.10:6001            |                    |                        |
#   +------------------------------+                    +------------------------+
#
#   handoff from 192.0.2.10 to 203.0.113.7   moves H1 H2 H3 (not H4, not H5)
#   handoff to 203.0.113.8                   moves H1 H2 H3 H4 H6 (not H5), H6
#                                            staying in release_req
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
	addr_add "$m" vm 203.0.113.7/24
	addr_add "$m" vm 203.0.113.8/24
	addr_add "$c" vc 192.0.2.1/24
	must ip netns exec "$m" ping -c 1 -W 5 192.0.2.1
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko: nothing else to test"
	# H5 must linger in Disconnect for the whole scenario.
	check "m: timeout_disconnect 300" in_ns "$m" hmmpctl config set timeout_disconnect 300
	check "c: timeout_disconnect 300" in_ns "$c" hmmpctl config set timeout_disconnect 300
	tcp_server "$c" 192.0.2.1 5001
	tcp_server "$m" 192.0.2.10 6001
	spawn "$c" python3 -I -S "$REPO/tests/vm/tcp.py" server 192.0.2.1 5002 hold
	wait_until 10 in_ns_quiet "$c" ss -Htln "src 192.0.2.1:5002" || fatal "hold server did not start"
	tcp_session H1 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40030 --lines 2
	tcp_session H2 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40031 --lines 2
	tcp_session H3 "$c" 192.0.2.10 6001 --src 192.0.2.1 --sport 41032 --lines 2
	tcp_session H4 "$m" 192.0.2.1 5001 --src 192.0.2.11 --sport 40033 --lines 2
	tcp_session H5 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40034 --lines 2
	run kill -USR1 "${SESS[H5]}"
	proc_wait 20 "${SESS[H5]}"
	check "m: H5 closed, lingering in disconnect" wait_until 5 hmmp_conn_state_is "$m" 40034 5001 disconnect
	tcp_session H6 "$m" 192.0.2.1 5002 --src 192.0.2.11 --sport 40035 --lines 2
	run kill -ALRM "${SESS[H6]}"
	check "m: H6 half-closed: release_req" wait_until 5 hmmp_conn_state_is "$m" 40035 5002 release_req
	check "c: H6 half-closed: release_req" wait_until 5 hmmp_conn_state_is "$c" 5002 40035 release_req
	ports_are "$m" "m: H1 H2 H3 H4 established" "state established" "6001 40030 40031 40033"
	hmmp_show_stats "$m"
}

# rec NS LPORT RPORT PYEXPR DESC: shorthand for check_rec.
rec() { check_rec "$1" "$5" "$2" "$3" "$4"; }

case_handoff_from() {
	capture ip netns exec "$m" hmmpctl handoff from 192.0.2.10 to 203.0.113.7
	check_eq "handoff from 192.0.2.10: exit status 0" 0 "$RC"
	check_eq "prints '3 connections moved' (H1 H2 H3)" "3 connections moved" "$OUT"
	local p
	for p in "40030 5001 H1" "40031 5001 H2" "6001 41032 H3"; do
		# shellcheck disable=SC2086
		set -- $p
		rec "$m" "$1" "$2" "c['orig_local'] == '192.0.2.10' and c['prev_local'] == '192.0.2.10' and c['cur_local'] == '203.0.113.7' and c['handoffs'] == 1 and c['state'] == 'established' and c['remote'] == '192.0.2.1'" \
			"m: $3 moved: orig 192.0.2.10, prev 192.0.2.10, cur 203.0.113.7, handoffs 1, still established"
	done
	rec "$m" 40030 5001 "c['opener'] == 'local'" "m: H1 keeps its opener (local)"
	rec "$m" 6001 41032 "c['opener'] == 'remote'" "m: H3 keeps its opener (remote)"
	rec "$m" 40033 5001 "c['orig_local'] == '192.0.2.11' and c['prev_local'] == '0.0.0.0' and c['cur_local'] == '192.0.2.11' and c['handoffs'] == 0" \
		"m: H4 (from 192.0.2.11) not moved"
	rec "$m" 40034 5001 "c['state'] == 'disconnect' and c['prev_local'] == '0.0.0.0' and c['cur_local'] == '192.0.2.10' and c['handoffs'] == 0" \
		"m: H5 (closed, in disconnect) not moved"
	check_eq "m: stats handoffs 3" 3 "$(hmmp_stat "$m" handoffs)"
	ports_are "$m" "m: addr 203.0.113.7 lists H1 H2 H3" "addr 203.0.113.7" "6001 40030 40031"
	ports_are "$m" "m: addr 192.0.2.10 (orig/prev) lists H1 H2 H3 H5" "addr 192.0.2.10" "6001 40030 40031 40034"
	capture ip netns exec "$c" hmmpctl -j conn show
	check_json "c: its records are untouched (hand-off is per namespace)" \
		'len(j) == 6 and all(c["prev_local"] == "0.0.0.0" and c["cur_local"] == "192.0.2.1" and c["handoffs"] == 0 for c in j)'
	check_eq "c: stats handoffs 0" 0 "$(hmmp_stat "$c" handoffs)"
	capture ip netns exec "$m" hmmpctl -j handoff from 203.0.113.7 to 203.0.113.7
	check_eq "handoff to the address they are at: exit status 0" 0 "$RC"
	check_json "... moves nothing: {\"moved\": 0}" 'j == {"moved": 0}'
	check_eq "m: stats handoffs still 3" 3 "$(hmmp_stat "$m" handoffs)"
}

case_handoff_all() {
	capture ip netns exec "$m" hmmpctl -j handoff to 203.0.113.8
	check_eq "handoff to 203.0.113.8 (all): exit status 0" 0 "$RC"
	check_json "moves every live record: {\"moved\": 5}" 'j == {"moved": 5}'
	local p
	for p in "40030 5001 H1" "40031 5001 H2" "6001 41032 H3"; do
		# shellcheck disable=SC2086
		set -- $p
		rec "$m" "$1" "$2" "c['orig_local'] == '192.0.2.10' and c['prev_local'] == '203.0.113.7' and c['cur_local'] == '203.0.113.8' and c['handoffs'] == 2" \
			"m: $3 moved again: prev = the first new address 203.0.113.7, cur 203.0.113.8, orig kept, handoffs 2"
	done
	rec "$m" 40033 5001 "c['orig_local'] == '192.0.2.11' and c['prev_local'] == '192.0.2.11' and c['cur_local'] == '203.0.113.8' and c['handoffs'] == 1" \
		"m: H4 moved: prev 192.0.2.11, cur 203.0.113.8, handoffs 1"
	rec "$m" 40034 5001 "c['state'] == 'disconnect' and c['cur_local'] == '192.0.2.10' and c['handoffs'] == 0" \
		"m: H5 (disconnect) still not moved"
	rec "$m" 40035 5002 "c['state'] == 'release_req' and c['orig_local'] == '192.0.2.11' and c['prev_local'] == '192.0.2.11' and c['cur_local'] == '203.0.113.8' and c['handoffs'] == 1" \
		"m: H6 (half-closed) moved, and still in release_req"
	check_eq "m: stats handoffs 8" 8 "$(hmmp_stat "$m" handoffs)"
	ports_are "$m" "m: addr 203.0.113.7 (now only a previous address) lists H1 H2 H3" "addr 203.0.113.7" "6001 40030 40031"
	ports_are "$m" "m: addr 203.0.113.8 lists the five moved" "addr 203.0.113.8" "6001 40030 40031 40033 40035"
	ports_are "$m" "m: state release_req lists H6" "state release_req" "40035"
	capture ip netns exec "$m" hmmpctl handoff to 203.0.113.8
	check_eq "a second 'handoff to 203.0.113.8' moves nothing" "0 connections moved" "$OUT"
	capture ip netns exec "$m" hmmpctl handoff from 192.0.2.10 to 203.0.113.9
	check_eq "'handoff from 192.0.2.10' now moves nothing (no record is at it)" "0 connections moved" "$OUT"
}

# The connections still work and are still counted in the moved records.
case_traffic_after() {
	local created
	created=$(hmmp_stat "$m" conn_created)
	check "H1 exchanges 2 more lines after the hand-offs" tcp_session_more H1
	check "H3 exchanges 2 more lines after the hand-offs" tcp_session_more H3
	rec "$m" 40030 5001 "c['bytes_out'] == 28 and c['bytes_in'] == 28 and c['cur_local'] == '203.0.113.8' and c['state'] == 'established'" \
		"m: H1's record counts the new lines (28 bytes each way), still at 203.0.113.8"
	rec "$m" 6001 41032 "c['bytes_out'] == 28 and c['bytes_in'] == 28 and c['cur_local'] == '203.0.113.8'" \
		"m: H3's record counts the new lines"
	check_eq "m: no new record for the original addresses' packets" "$created" "$(hmmp_stat "$m" conn_created)"
}

# snapshot: what a refused request must not change: m's config, its
# records without times and counters, and its hand-off count. One process
# in m, one query.
snapshot() {
	json_eval '[j[0], sorted((c["lport"], c["rport"], c["orig_local"], c["prev_local"], c["cur_local"], c["state"], c["handoffs"]) for c in j[1]), j[2]["handoffs"]]' \
		"[$(ip netns exec "$m" sh -c 'hmmpctl -j config show; hmmpctl -j conn show; hmmpctl -j stats' 2>/dev/null | paste -sd,)]"
}

# refused RC MSG-REGEX CMD...: CMD exits with RC, says MSG on stderr,
# and the snapshot is still $SNAP0.
refused() {
	local rc=$1 msg=$2 after
	shift 2
	capture ip netns exec "$m" "$@"
	check_eq "'${*:2}': exit status $rc" "$rc" "$RC"
	check_match "'${*:2}': stderr says /$msg/" "$msg" "$ERR"
	check_eq "'${*:2}': nothing printed on stdout" "" "$OUT"
	after=$(snapshot)
	check_eq "'${*:2}': records, config and hand-off count unchanged" "$SNAP0" "$after"
}

case_bad_input() {
	SNAP0=$(snapshot)
	echo "# before: $SNAP0"
	refused 4 "unicast" hmmpctl handoff to 0.0.0.0
	refused 4 "unicast" hmmpctl handoff to 224.0.0.1
	refused 4 "unicast" hmmpctl handoff to 255.255.255.255
	refused 4 "unicast" hmmpctl handoff to 127.0.0.1
	refused 4 "unicast" hmmpctl handoff from 0.0.0.0 to 203.0.113.9
	refused 4 "unicast" hmmpctl handoff from 224.0.0.1 to 203.0.113.9
	refused 1 "banana" hmmpctl handoff to banana
	refused 1 "192\.0\.2\.010" hmmpctl handoff to 192.0.2.010
	refused 1 "256" hmmpctl handoff to 192.0.2.256
	refused 1 "to NEW" hmmpctl handoff from 192.0.2.10
	refused 1 "table_max" hmmpctl config set table_max 0
	refused 4 "out of range" hmmpctl config set timeout_setup 99999999
	refused 4 "out of range" hmmpctl config set timeout_setup 0
	refused 4 "out of range" hmmpctl config set table_max 4194305
	refused 1 "bogus" hmmpctl config set bogus 1
	refused 1 "-5" hmmpctl config set timeout_release -5
	# All or nothing: a good value next to a bad one is not applied.
	refused 1 "table_max" hmmpctl config set timeout_setup 60 table_max 0
	refused 4 "out of range" hmmpctl config set timeout_setup 60 timeout_release 99999999
	capture ip netns exec "$m" hmmpctl -j config show
	check_json "m: timeout_setup still 120, timeout_release 120, table_max 65536" \
		'j["timeout_setup"] == 120 and j["timeout_release"] == 120 and j["table_max"] == 65536'
}

tcase case_setup "namespaces, link, module, five connections (one closed)"
tcase case_handoff_from "handoff from 192.0.2.10 to 203.0.113.7"
tcase case_handoff_all "handoff to 203.0.113.8 (every live record)"
tcase case_traffic_after "traffic after the hand-offs stays in the same records"
tcase case_bad_input "bad input refused, nothing changed"
