#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Many short connections at once leave no phantom: 200 opened together from
# m (held open, checked, then closed), then 200 opened together from c and
# closed at once. After each round and the Disconnect linger (1 s), both
# tables are empty; conn_created and conn_closed equal the connections
# made; nothing expired, was picked up or was refused.
#
#   +--------------------------+        veth        +--------------------------+
#   | m (mobile)               |--------------------| c (correspondent)        |
#   |  vm 192.0.2.10/24        |                    |  vc 192.0.2.1/24         |
#   |  tcp.py burst 200 -------|--- 200 x TCP ----->|  tcp.py server :5001     |
#   |  tcp.py server :6001     |<-- 200 x TCP ------|- tcp.py burst 200        |
#   +--------------------------+                    +--------------------------+
#
# timeout: 240
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

N=200

case_setup() {
	local ns
	hmmp_workdir
	netns_add m
	netns_add c
	veth_pair "$m" vm "$c" vc
	addr_add "$m" vm 192.0.2.10/24
	addr_add "$c" vc 192.0.2.1/24
	must ip netns exec "$m" ping -c 1 -W 5 192.0.2.1
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko: nothing else to test"
	for ns in "$m" "$c"; do
		check "$ns: timeout_disconnect 1" in_ns "$ns" hmmpctl config set timeout_disconnect 1
	done
	tcp_server "$c" 192.0.2.1 5001
	tcp_server "$m" 192.0.2.10 6001
}

# tables_settle ROUND CREATED: after the linger both tables are empty and
# the counters account for every connection made so far.
tables_settle() {
	local round=$1 want=$2 ns
	for ns in "$m" "$c"; do
		if ! check "$round: $ns's table empties after the linger" wait_until 15 hmmp_count_is "$ns" 0; then
			capture ip netns exec "$ns" hmmpctl -j conn show
			echo "# left behind, by state: $(json_eval 'sorted(__import__("collections").Counter(c["state"] + "/" + c["opener"] for c in j).items())' "$OUT")"
		fi
		capture ip netns exec "$ns" hmmpctl -j stats
		check_json "$round: $ns: conn_created $want (one per connection), conn_closed $want" \
			"j['conn_created'] == $want and j['conn_closed'] == $want"
		check_json "$round: $ns: nothing expired, picked up (phantom) or refused" \
			'j["conn_expired"] == 0 and j["conn_picked_up"] == 0 and j["conn_table_full"] == 0 and j["pkts_invalid"] == 0'
		check_json "$round: $ns: conn_memory_bytes back to the bucket array alone" \
			'j["conn_memory_bytes"] == 4096 * 8'
		echo "# $round: $ns: created $(json_get conn_created "$OUT") closed $(json_get conn_closed "$OUT") expired $(json_get conn_expired "$OUT") picked_up $(json_get conn_picked_up "$OUT") pkts $(json_get pkts_tracked "$OUT")"
	done
}

# Round 1: m opens N connections at once and holds them.
case_round1_open() {
	local jm jc
	spawn_to "$W/burst1" "$m" python3 -I -S "$REPO/tests/vm/tcp.py" burst 192.0.2.1 5001 "$N" --hold
	BURST1=$SPAWNED
	check "burst 1: $N connections open" wait_until 60 file_has "$W/burst1" "burst: $N open, 0 failed"
	show_file "$W/burst1" "$W/burst1.err"
	# hmmpctl prints the count of a dump on stderr.
	check "m: $N records established" wait_until 10 eval \
		"ip netns exec '$m' hmmpctl conn show state established 2>&1 >/dev/null | grep -qx '$N connections'"
	jm=$(hmmp_conns "$m")
	jc=$(hmmp_conns "$c")
	check_json "m: the dump (several netlink messages) lists $N distinct records" \
		"len(j) == $N and len({(c['lport'], c['rport']) for c in j}) == $N" "$jm"
	check_json "m: all established, opener local, to 192.0.2.1:5001, cl_id set" \
		"all(c['state'] == 'established' and c['opener'] == 'local' and c['remote'] == '192.0.2.1' and c['rport'] == 5001 and c['orig_local'] == '192.0.2.10' and c['cl_id'] != 0 for c in j)" "$jm"
	check_json "c: $N distinct records, all established, opener remote" \
		"len(j) == $N and len({c['rport'] for c in j}) == $N and all(c['state'] == 'established' and c['opener'] == 'remote' and c['lport'] == 5001 for c in j)" "$jc"
	check_json "m and c agree pair by pair: same ports, same cl_id, bytes and packets out = in" \
		"{c['lport']: (c['cl_id'], c['bytes_out'], c['bytes_in'], c['pkts_out'], c['pkts_in']) for c in j['m']} == {c['rport']: (c['cl_id'], c['bytes_in'], c['bytes_out'], c['pkts_in'], c['pkts_out']) for c in j['c']}" \
		"{\"m\": $jm, \"c\": $jc}"
	capture ip netns exec "$m" hmmpctl -j stats
	check_json "m: stats conn_count $N, conn_created $N" "j['conn_count'] == $N and j['conn_created'] == $N"
	check_json "m: conn_memory_bytes = $N records + buckets" \
		"j['conn_memory_bytes'] == $N * j['conn_entry_bytes'] + 4096 * 8"
	capture sh -c "ip netns exec '$m' hmmpctl conn show state established | wc -l"
	check_eq "m: the text dump has a header and $N rows" $((N + 1)) "$OUT"
	check_match "m: '$N connections' on stderr" "^$N connections\$" "$ERR"
}

case_round1_close() {
	run kill -USR1 "$BURST1"
	proc_wait 60 "$BURST1"
	check_eq "burst 1 closed all $N (exit status)" 0 "$RC"
	show_file "$W/burst1" "$W/burst1.err"
	tables_settle "round 1" "$N"
}

# Round 2: c opens N connections to m at once and closes each at once.
case_round2() {
	spawn_to "$W/burst2" "$c" python3 -I -S "$REPO/tests/vm/tcp.py" burst 192.0.2.10 6001 "$N"
	proc_wait 90 "$SPAWNED"
	check_eq "burst 2: $N opened, exchanged and closed (exit status)" 0 "$RC"
	show_file "$W/burst2" "$W/burst2.err"
	check_match "burst 2: $N closed" "burst: $N closed, 0 failed" "$(<"$W/burst2")"
	tables_settle "round 2" $((2 * N))
}

tcase case_setup "namespaces, link, module, servers"
tcase case_round1_open "round 1: $N connections from m, held open"
tcase case_round1_close "round 1: closed, tables empty, counters exact"
tcase case_round2 "round 2: $N connections from c, closed at once"
