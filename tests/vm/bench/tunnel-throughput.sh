#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark, not a test: TCP throughput through hmmp's tunnels against a
# plain routed path and Linux's own ipip device, on the 20-move.sh
# topology after the move. Not part of 'make test': numbers under TCG say
# little in absolute terms, so nothing here asserts on them; the checks
# are only that each run worked and took the path it was meant to.
# Run it with tests/vm/bench/run (which prints the table), or
#   HMMP_VM_SCENARIO_DIR=tests/vm/bench tests/vm/run -k KVER tunnel-throughput
# and read the lines starting with "# |" in the scenario's log.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 (down) ------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+   iperf3 -s
#   +---+ lo 192.0.2.10/32        | r2 |
#        access B 203.0.113.0/24  +----+
#
#   runs (iperf3, HMMP_BENCH_SECS seconds each, 5 by default, both ways):
#   plain      m 203.0.113.10 <-> cn, routed, no tunnel (hmmp loaded)
#   hmmp-ipip  m 192.0.2.10 <-> cn through hmmp's IP-in-IP bindings
#   hmmp-min   the same with minimal encapsulation (RFC 2004)
#   hmmp-udp   the same with UDP encapsulation (issue 13), hmmp-tunsock
#              holding each end's tunnel socket on port 5555
#   linux-ipip m 192.0.2.10 <-> cn through ipip devices (tun0, local
#              203.0.113.10 remote 198.51.100.10), hmmp roles "router" on
#              m and cn so that it leaves protocol 4 alone
#   linux-fou  the same ipip devices with FOU encapsulation (ip fou add
#              port 5556 ipproto 4; encap fou encap-dport 5556): Linux's
#              own IP-in-UDP, the frame hmmp-udp sends
#
# The table ends with the ratios hmmp/Linux of the same run: hmmp-ipip
# against linux-ipip, hmmp-udp against linux-fou.
#
# timeout: 420
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

# shellcheck source=../topo-move.sh
. "$REPO/tests/vm/topo-move.sh"
SECS=${HMMP_BENCH_SECS:-5}
declare -A MBPS=() RETR=()


# bind ENCAP [PORT]: the bindings of m and cn, with ENCAP (udp: to the
# far end's PORT). (Deleted and added: 'hmmpctl binding replace' is
# refused by the genetlink core, see 22-*.sh.)
bind() {
	run ip netns exec "$m" hmmpctl binding del $ORIG peer $CN kind mobile
	run ip netns exec "$cn" hmmpctl binding del $ORIG peer $CN kind correspondent
	bind_mobile "$1" ${2:+port "$2"}
	bind_correspondent "$1" ${2:+port "$2"}
}

# iperf NAME SRC [-R]: iperf3 from m (bound to SRC) to cn for $SECS s;
# the receiver's rate in Mbit/s goes into MBPS[NAME/fwd] (or NAME/rev).
iperf() {
	local name=$1 src=$2 dir=fwd out
	[ "${3:-}" = -R ] && dir=rev
	out=$W/iperf-$name-$dir.json
	set -- ip netns exec "$m" iperf3 -c $CN -B "$src" -p 5201 -t "$SECS" -O 1 -J ${3:+"$3"}
	echo "$(_hmmp_show "$@") >$out"
	"$@" >"$out"
	check_eq "$name $dir: iperf3 exit status" 0 "$?"
	MBPS[$name/$dir]=$(json_eval '"%.0f" % (j["end"]["sum_received"]["bits_per_second"] / 1e6)' \
		"$(<"$out")" 2>/dev/null || echo "?")
	RETR[$name/$dir]=$(json_eval 'j["end"]["sum_sent"].get("retransmits", "-")' \
		"$(<"$out")" 2>/dev/null || echo "?")
	echo "# $name $dir: ${MBPS[$name/$dir]} Mbit/s, ${RETR[$name/$dir]} retransmits"
}

# both NAME SRC: both directions.
both() {
	iperf "$1" "$2"
	iperf "$1" "$2" -R
}

encap_of() { hmmp_stat "$1" encap_pkts; }

case_setup() {
	hmmp_workdir
	check "iperf3 installed (scripts/deps)" command -v iperf3 || fatal "iperf3 missing: run scripts/deps"
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
	setup_topology
	move_mobile
	spawn_to "$W/iperf-s" "$cn" iperf3 -s -B $CN -p 5201
	wait_until 10 in_ns_quiet "$cn" ss -Htln "src $CN:5201" || fatal "iperf3 server did not start"
}

case_plain() {
	local e0
	e0=$(encap_of "$m")
	both plain $COA
	check_eq "plain: not through hmmp's tunnel" "$e0" "$(encap_of "$m")"
}

case_hmmp_ipip() {
	local e0
	bind ipip
	e0=$(encap_of "$m")
	both hmmp-ipip $ORIG
	check "hmmp-ipip: through hmmp's tunnel" test "$(encap_of "$m")" -gt "$e0"
}

case_hmmp_minimal() {
	local e0
	bind minimal
	e0=$(encap_of "$m")
	both hmmp-min $ORIG
	check "hmmp-min: through hmmp's tunnel" test "$(encap_of "$m")" -gt "$e0"
}

case_hmmp_udp() {
	local e0 h
	for h in m cn; do
		spawn_to "$W/tunsock-$h" "${!h}" hmmp-tunsock -p 5555
		check "$h: hmmp-tunsock holds the tunnel socket" \
			wait_until 10 hmmp_config_has "${!h}" udp_port 5555
	done
	bind udp 5555
	e0=$(encap_of "$m")
	both hmmp-udp $ORIG
	check "hmmp-udp: through hmmp's tunnel" test "$(encap_of "$m")" -gt "$e0"
	check "hmmp-udp: cn took the frames out of UDP" test "$(hmmp_stat "$cn" decap_pkts)" -gt 0
}

case_linux_ipip() {
	local e0 t0 t1
	run ip netns exec "$m" hmmpctl binding flush
	run ip netns exec "$cn" hmmpctl binding flush
	check "roles: m router" in_ns "$m" hmmpctl config set roles router
	check "roles: cn router" in_ns "$cn" hmmpctl config set roles router
	must modprobe ipip
	must ip -n "$m" link add tun0 type ipip local $COA remote $CN
	must ip -n "$m" link set tun0 up
	# Only what leaves from the original address goes into the tunnel;
	# the tunnel's own packets, from the care-of, are routed as before.
	must ip -n "$m" rule add from $ORIG lookup 100 pref 100
	must ip -n "$m" route add $CN/32 dev tun0 table 100
	must ip -n "$cn" link add tun0 type ipip local $CN remote $COA
	must ip -n "$cn" link set tun0 up
	must ip -n "$cn" route add $ORIG/32 dev tun0
	check "linux-ipip: ping through tun0" in_ns "$m" ping -c 1 -W 3 -I $ORIG $CN
	e0=$(encap_of "$m")
	t0=$(ip -n "$m" -s -j link show tun0 | json_eval 'j[0]["stats64"]["tx"]["packets"]')
	both linux-ipip $ORIG
	t1=$(ip -n "$m" -s -j link show tun0 | json_eval 'j[0]["stats64"]["tx"]["packets"]')
	check_eq "linux-ipip: not through hmmp's tunnel" "$e0" "$(encap_of "$m")"
	check "linux-ipip: through tun0 ($t0 -> $t1 packets)" test "$t1" -gt "$t0"
}

case_linux_fou() {
	local t0 t1 ns
	must modprobe fou
	for ns in "$m" "$cn"; do
		must ip -n "$ns" fou add port 5556 ipproto 4
		must ip -n "$ns" link del tun0	# same endpoints: one at a time
	done
	must ip -n "$m" link add tun1 type ipip local $COA remote $CN \
		encap fou encap-sport auto encap-dport 5556
	must ip -n "$cn" link add tun1 type ipip local $CN remote $COA \
		encap fou encap-sport auto encap-dport 5556
	for ns in "$m" "$cn"; do must ip -n "$ns" link set tun1 up; done
	must ip -n "$m" route replace $CN/32 dev tun1 table 100
	must ip -n "$cn" route replace $ORIG/32 dev tun1
	check "linux-fou: ping through tun1" in_ns "$m" ping -c 1 -W 3 -I $ORIG $CN
	t0=$(ip -n "$m" -s -j link show tun1 | json_eval 'j[0]["stats64"]["tx"]["packets"]')
	both linux-fou $ORIG
	t1=$(ip -n "$m" -s -j link show tun1 | json_eval 'j[0]["stats64"]["tx"]["packets"]')
	check "linux-fou: through tun1 ($t0 -> $t1 packets)" test "$t1" -gt "$t0"
}

# ratio A B DIR: A's rate over B's, two decimals ("?" without both).
ratio() {
	local a=${MBPS[$1/$3]:-?} b=${MBPS[$2/$3]:-?}
	case "$a$b" in *\?*) echo "?"; return ;; esac
	[ "$b" -gt 0 ] 2>/dev/null || { echo "?"; return; }
	awk -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", a / b }'
}

case_table() {
	local n
	echo "# | $KVER, TCG, -smp 2, iperf3 -t $SECS -O 1, TCP: Mbit/s (retransmits)"
	printf '# | %-11s | %-14s | %-14s |\n' path "m -> cn" "cn -> m"
	printf '# | %-11s | %-14s | %-14s |\n' ----------- -------------- --------------
	for n in plain hmmp-ipip hmmp-min hmmp-udp linux-ipip linux-fou; do
		printf '# | %-11s | %-14s | %-14s |\n' "$n" \
			"${MBPS[$n/fwd]:-?} (${RETR[$n/fwd]:-?})" "${MBPS[$n/rev]:-?} (${RETR[$n/rev]:-?})"
	done
	printf '# | %-11s | %-14s | %-14s |\n' "ipip ratio" \
		"$(ratio hmmp-ipip linux-ipip fwd)" "$(ratio hmmp-ipip linux-ipip rev)"
	printf '# | %-11s | %-14s | %-14s |\n' "udp/fou" \
		"$(ratio hmmp-udp linux-fou fwd)" "$(ratio hmmp-udp linux-fou rev)"
	check "table printed" true
}

tcase case_setup "topology, move, module, iperf3 server"
tcase case_plain "plain routed TCP from the care-of address"
tcase case_hmmp_ipip "through hmmp, IP-in-IP"
tcase case_hmmp_minimal "through hmmp, minimal encapsulation"
tcase case_hmmp_udp "through hmmp, UDP encapsulation"
tcase case_linux_ipip "through Linux's ipip device"
tcase case_linux_fou "through Linux's ipip device with FOU"
tcase case_table "results"
