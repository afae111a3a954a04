#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SIP_EYE on a lossy link: netem drops 10% of the packets leaving each end.
# Bulk flows (echoed MBs, both directions) and short connections complete;
# once they have ended and the Disconnect linger (the default, 10 s) has
# passed, both tables are exactly empty: no phantom record picked up from
# a retransmission, none stuck in a release state. Retransmitted SYNs,
# SYN-ACKs and FINs must not create or revive records.
#
#   +--------------------------+   veth, netem   +--------------------------+
#   | m (mobile)               |  loss 10% each  | c (correspondent)        |
#   |  vm 192.0.2.10/24        |-----------------|  vc 192.0.2.1/24         |
#   |  bulk 3 MB x2 -----------|---- echoed ---->|  tcp.py server :5001     |
#   |  burst 50 ---------------|---------------->|                          |
#   |  tcp.py server :6001     |<---- echoed ----|- bulk 3 MB               |
#   |                          |<----------------|- burst 50                |
#   +--------------------------+                 +--------------------------+
#
# timeout: 240
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

BULK=3000000
BURST=50
FLOWS=$((2 + 1 + 2 * BURST))	# connections each side sees

case_setup() {
	hmmp_workdir
	netns_add m
	netns_add c
	veth_pair "$m" vm "$c" vc
	addr_add "$m" vm 192.0.2.10/24
	addr_add "$c" vc 192.0.2.1/24
	must ip netns exec "$m" ping -c 1 -W 5 192.0.2.1
	must modprobe sch_netem
	must ip netns exec "$m" tc qdisc add dev vm root netem loss 10%
	must ip netns exec "$c" tc qdisc add dev vc root netem loss 10%
	run ip netns exec "$m" tc qdisc show dev vm
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko: nothing else to test"
	tcp_server "$c" 192.0.2.1 5001
	tcp_server "$m" 192.0.2.10 6001
}

case_flows() {
	local pids=() p i t0 t1
	t0=$(date +%s)
	spawn_to "$W/bulk-m1" "$m" python3 -I -S "$REPO/tests/vm/tcp.py" bulk 192.0.2.1 5001 --bytes "$BULK"
	pids+=("$SPAWNED")
	spawn_to "$W/bulk-m2" "$m" python3 -I -S "$REPO/tests/vm/tcp.py" bulk 192.0.2.1 5001 --bytes "$BULK"
	pids+=("$SPAWNED")
	spawn_to "$W/bulk-c" "$c" python3 -I -S "$REPO/tests/vm/tcp.py" bulk 192.0.2.10 6001 --bytes "$BULK"
	pids+=("$SPAWNED")
	spawn_to "$W/burst-m" "$m" python3 -I -S "$REPO/tests/vm/tcp.py" burst 192.0.2.1 5001 "$BURST"
	pids+=("$SPAWNED")
	spawn_to "$W/burst-c" "$c" python3 -I -S "$REPO/tests/vm/tcp.py" burst 192.0.2.10 6001 "$BURST"
	pids+=("$SPAWNED")
	i=0
	for p in "${pids[@]}"; do
		i=$((i + 1))
		proc_wait 150 "$p"
		check_eq "flow $i completed, every byte echoed (exit status)" 0 "$RC"
	done
	t1=$(date +%s)
	echo "# all flows ended after $((t1 - t0)) s"
	show_file "$W/bulk-m1" "$W/bulk-m1.err" "$W/bulk-m2" "$W/bulk-m2.err" "$W/bulk-c" "$W/bulk-c.err" \
		"$W/burst-m" "$W/burst-m.err" "$W/burst-c" "$W/burst-c.err"
	run ip netns exec "$m" tc -s qdisc show dev vm
	run ip netns exec "$c" tc -s qdisc show dev vc
	check "m: netem dropped packets (the link was lossy)" \
		test "$(ip netns exec "$m" tc -s qdisc show dev vm | sed -n 's/.*dropped \([0-9]*\).*/\1/p' | head -n1)" -gt 0
	check "c: netem dropped packets (the link was lossy)" \
		test "$(ip netns exec "$c" tc -s qdisc show dev vc | sed -n 's/.*dropped \([0-9]*\).*/\1/p' | head -n1)" -gt 0
	hmmp_show_stats "$m" "$c"
	run ip netns exec "$m" hmmpctl conn show
	run ip netns exec "$c" hmmpctl conn show
}

# summary NS: record counts by state/opener, for the log.
summary() {
	json_eval 'sorted(__import__("collections").Counter(c["state"] + "/" + c["opener"] for c in j).items())' \
		"$(hmmp_conns "$1")"
}

case_settle() {
	local ns t0 t1
	t0=$(date +%s)
	for ns in "$m" "$c"; do
		echo "# $ns now: $(summary "$ns")"
		check "$ns: table empty once the lingers pass" wait_until 45 hmmp_count_is "$ns" 0 ||
			echo "# $ns left behind: $(summary "$ns")"
		run ip netns exec "$ns" hmmpctl conn show
	done
	t1=$(date +%s)
	echo "# tables empty $((t1 - t0)) s after the last flow ended"
	for ns in "$m" "$c"; do
		capture ip netns exec "$ns" hmmpctl -j stats
		echo "# $ns: created $(json_get conn_created "$OUT") closed $(json_get conn_closed "$OUT") expired $(json_get conn_expired "$OUT") picked_up $(json_get conn_picked_up "$OUT") rst_ignored $(json_get rst_ignored "$OUT") pkts $(json_get pkts_tracked "$OUT") count $(json_get conn_count "$OUT")"
		check_json "$ns: conn_count 0" 'j["conn_count"] == 0'
		check_json "$ns: conn_created $FLOWS: one record per connection, no phantom" "j['conn_created'] == $FLOWS"
		check_json "$ns: conn_picked_up 0: no record from a stray retransmission" 'j["conn_picked_up"] == 0'
		check_json "$ns: conn_closed $FLOWS, conn_expired 0: every record ended by its close" \
			"j['conn_closed'] == $FLOWS and j['conn_expired'] == 0"
		check_json "$ns: no invalid packet, nothing refused" 'j["pkts_invalid"] == 0 and j["conn_table_full"] == 0'
	done
}

tcase case_setup "namespaces, lossy link, module, servers"
tcase case_flows "bulk and short flows across 10% loss each way"
tcase case_settle "after the lingers: tables exactly empty, counts exact"
