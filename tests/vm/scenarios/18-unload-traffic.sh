#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hmmp.ko unloads and reloads under traffic: with echoed bulk flows both
# ways and iperf3 --bidir running through tracked connections, 'rmmod
# hmmp' succeeds, the traffic goes on (while unloaded too), the reloaded
# module picks the flows up again, and the kernel logs no warning. Three
# rounds. At the end every flow has delivered every byte.
#
#   +-----------------------------+        veth        +-----------------------------+
#   | m (mobile)                  |--------------------| c (correspondent)           |
#   |  vm 192.0.2.10/24           |                    |  vc 192.0.2.1/24            |
#   |  bulk 192.0.2.10:40080 -----|--- echoed ------->|  tcp.py server :5001        |
#   |  tcp.py server :6001        |<-- echoed --------|- bulk 192.0.2.1:41081       |
#   |  iperf3 -c --bidir ---------|--- both ways ---->|  iperf3 -s :5201            |
#   +-----------------------------+                    +-----------------------------+
#
#   insmod; flows start; 3 x { rmmod; traffic flows; insmod; picked up };
#   the bulk flows stop and check every byte; iperf3 runs for 20 s
#
# timeout: 240
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

SECS=150	# the bulk flows' limit: they are stopped after the rounds
RATE=1000000	# bytes per second each bulk flow sends (echoed back)

case_setup() {
	hmmp_workdir
	netns_add m
	netns_add c
	veth_pair "$m" vm "$c" vc
	addr_add "$m" vm 192.0.2.10/24
	addr_add "$c" vc 192.0.2.1/24
	must ip netns exec "$m" ping -c 1 -W 5 192.0.2.1
	check "iperf3 installed (scripts/deps)" command -v iperf3 || fatal "iperf3 missing: run scripts/deps"
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko: nothing else to test"
	MARK=$(dmesg_mark)
	tcp_server "$c" 192.0.2.1 5001
	tcp_server "$m" 192.0.2.10 6001
	spawn_to "$W/iperf-s" "$c" iperf3 -s -B 192.0.2.1 -p 5201 -1
	IPERF_S=$SPAWNED
	wait_until 10 in_ns_quiet "$c" ss -Htln "src 192.0.2.1:5201" || fatal "iperf3 server did not start"
}

case_start_traffic() {
	spawn_to "$W/bulk-m" "$m" python3 -I -S "$REPO/tests/vm/tcp.py" bulk 192.0.2.1 5001 \
		--src 192.0.2.10 --sport 40080 --seconds "$SECS" --rate "$RATE" --progress "$W/prog-m"
	BULK_M=$SPAWNED
	spawn_to "$W/bulk-c" "$c" python3 -I -S "$REPO/tests/vm/tcp.py" bulk 192.0.2.10 6001 \
		--src 192.0.2.1 --sport 41081 --seconds "$SECS" --rate "$RATE" --progress "$W/prog-c"
	BULK_C=$SPAWNED
	spawn_to "$W/iperf-c" "$m" iperf3 -c 192.0.2.1 -p 5201 --bidir -t 20 -b 4M -i 5
	IPERF_C=$SPAWNED
	check "m: bulk flow tracked, established, opener local" wait_until 20 hmmp_conn_state_is "$m" 40080 5001 established
	check "c: bulk flow tracked, established, opener local" wait_until 20 hmmp_conn_state_is "$c" 41081 6001 established
	check "m: iperf3 connections tracked (control and two data)" wait_until 20 eval \
		"[ \"\$(hmmp_conns '$m' addr 192.0.2.1 | grep -o '\"rport\":5201' | wc -l)\" -ge 3 ]"
	check_rec "$m" "m: bulk 40080 opener local, counting bytes" 40080 5001 \
		'c["opener"] == "local" and c["bytes_out"] > 0 and c["bytes_in"] > 0'
	hmmp_show_stats "$m" "$c"
}

progress() { cat "$1" 2>/dev/null || echo 0; }

# grows FILE: the progress count in FILE grows within 10 s.
grows() {
	local f=$1 p0
	p0=$(progress "$f")
	wait_until 10 eval "[ \$(progress '$f') -gt $p0 ]"
}

# bytes_of NS LPORT RPORT: bytes_out + bytes_in of that record (empty if none).
bytes_of() {
	json_eval "sum(c['bytes_out'] + c['bytes_in'] for c in $(conn_sel "$2" "$3"))" "$(hmmp_conns "$1")"
}

round() {
	local i=$1 t0 t1 b0
	check "round $i: both bulk flows still running" eval "_hmmp_alive $BULK_M && _hmmp_alive $BULK_C"
	_hmmp_alive "$IPERF_C" && echo "# round $i: iperf3 --bidir running too"
	t0=${EPOCHREALTIME/./}
	check "round $i: rmmod hmmp under traffic" hmmp_unload
	t1=${EPOCHREALTIME/./}
	echo "# round $i: rmmod took $(((t1 - t0) / 1000)) ms"
	check_fails "round $i: module gone" test -e /sys/module/hmmp
	check "round $i: m's flow moves on while unloaded" grows "$W/prog-m"
	check "round $i: c's flow moves on while unloaded" grows "$W/prog-c"
	capture ip netns exec "$m" hmmpctl stats
	check_eq "round $i: hmmpctl says the module is not loaded (exit 2)" 2 "$RC"
	check "round $i: insmod hmmp.ko under traffic" hmmp_load
	check "round $i: m picks the bulk flow up again" wait_until 10 hmmp_conn_state_is "$m" 40080 5001 established
	check_rec "$m" "round $i: m's record: opener pickup, cl_id 0, addresses right" 40080 5001 \
		'c["opener"] == "pickup" and c["cl_id"] == 0 and c["orig_local"] == "192.0.2.10" and c["remote"] == "192.0.2.1"'
	check_rec "$c" "round $i: c's record of its flow: opener pickup" 41081 6001 'c["opener"] == "pickup"'
	b0=$(bytes_of "$m" 40080 5001)
	check "round $i: m's record counts the traffic (bytes grow past $b0)" wait_until 10 eval \
		"[ \"\$(bytes_of '$m' 40080 5001)\" -gt $b0 ]"
	capture ip netns exec "$m" hmmpctl -j stats
	check_json "round $i: m: picked up, nothing invalid" 'j["conn_picked_up"] >= 2 and j["pkts_invalid"] == 0'
	check "round $i: no warning in dmesg" dmesg_clean_since "$MARK"
}

case_round1() { round 1; }
case_round2() { round 2; }
case_round3() { round 3; }

case_finish() {
	local ns
	run kill -USR1 "$BULK_M" "$BULK_C"
	proc_wait 60 "$BULK_M"
	check_eq "m's bulk flow: every byte echoed (exit status)" 0 "$RC"
	proc_wait 30 "$BULK_C"
	check_eq "c's bulk flow: every byte echoed (exit status)" 0 "$RC"
	proc_wait 60 "$IPERF_C"
	check_eq "iperf3 --bidir client (exit status)" 0 "$RC"
	proc_wait 10 "$IPERF_S"
	check_eq "iperf3 server (exit status)" 0 "$RC"
	show_file "$W/bulk-m" "$W/bulk-m.err" "$W/bulk-c" "$W/bulk-c.err" "$W/iperf-c" "$W/iperf-c.err"
	check_match "iperf3 finished" "iperf Done" "$(<"$W/iperf-c")"
	check_match "m's bulk: sent and received" "sent and received [0-9]+ bytes" "$(<"$W/bulk-m")"
	check_match "c's bulk: sent and received" "sent and received [0-9]+ bytes" "$(<"$W/bulk-c")"
	hmmp_show_stats "$m" "$c"
	run ip netns exec "$m" hmmpctl conn show
	# The picked-up records close like any other: none stuck after the
	# linger (10 s).
	for ns in "$m" "$c"; do
		check "$ns: table empty once the lingers pass" wait_until 15 hmmp_count_is "$ns" 0 ||
			run ip netns exec "$ns" hmmpctl conn show
		capture ip netns exec "$ns" hmmpctl -j stats
		check_json "$ns: every record since the last load closed, none expired" \
			'j["conn_closed"] == j["conn_created"] > 0 and j["conn_expired"] == 0'
	done
	check "no warning in dmesg over the whole run" dmesg_clean_since "$MARK"
	check "taint only O and E" taint_only_oe
}

tcase case_setup "namespaces, link, module, servers"
tcase case_start_traffic "bulk both ways and iperf3 --bidir, tracked"
tcase case_round1 "rmmod / insmod under traffic, round 1"
tcase case_round2 "rmmod / insmod under traffic, round 2"
tcase case_round3 "rmmod / insmod under traffic, round 3"
tcase case_finish "flows complete, kernel log clean"
