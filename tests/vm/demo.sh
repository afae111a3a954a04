#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make demo' (tests/vm/run --demo): the mission, as it happens, on the
# terminal, with nothing typed by hand. hmmpd runs on the mobile, on the
# correspondent and on the first access router; kamailio is the
# registrar; dnsmasq serves DHCP on both access networks and busybox udhcpc
# is the mobile's DHCP client. TCP streams run both ways between the mobile
# and the correspondent; the mobile leaves access network A and gets a
# lease on B, whose router masquerades (nftables, as a home router or a
# cafe's hotspot does): hmmpd does the rest, choosing the encapsulation by
# itself (encap = auto on both ends). Printed: the hand-off timeline from the
# daemons' logs (lease, new address, INFO sent, 401, 200, binding
# installed, REGISTER 200), SIP_EYE and the bindings from hmmpctl, and a
# summary (bytes, hashes, the encapsulation chosen and why, time from the
# lease to the binding at the correspondent, longest stall, resets).
# Topology: tests/vm/topo-nat.sh picture (a) (topo-move.sh with a NAT on
# access B); daemons and DHCP: tests/vm/hmmpd-lib.sh.
# shellcheck source=lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"
# shellcheck source=topo-nat.sh
. "$REPO/tests/vm/topo-nat.sh"
# shellcheck source=hmmpd-lib.sh
. "$REPO/tests/vm/hmmpd-lib.sh"

BYTES=6000000
RATE=600000
hmmp_workdir

say() {
	printf '\n=== %s\n' "$*"
}

# The lines of the timeline, from every log, as they are written.
TIMELINE='move: |udhcpc: (lease|.* deconfigured)|net: (address .* added|default route .* added|attached|detached)|handoff: (new address|kept|hmmp.ko moved|complete|finished)|info: (sent|401|200|403|4[0-9][0-9] to)|nat: |binding: (installed|removed)|register: (sent|200|401)|\[EVENT\] binding (new|del)|registrar: '

follow() { # FILE LABEL
	touch "$1"
	# $! is tail's: the cleanup kills it and grep and sed see the end of
	# their input (killing the last of a pipeline left tail running and
	# the cleanup's wait for the job hung)
	tail -n +1 -F "$1" 2>/dev/null > >(grep --line-buffered -E "$TIMELINE" |
		sed -u -e "s/^\([0-9:.]*\) hmmpd: /\1 /" -e "s/^/  [$2] /") &
	HMMP_PIDS+=("$!")
}

demo() {
	local cli srv t_down t_addr t_bind t_reg why

	say "kernel $(uname -r); loading $HMMP_KO"
	check "load hmmp.ko" hmmp_load || fatal "hmmp.ko did not load"
	setup_topology nat_move_network
	say "DHCP: dnsmasq on r1 (access A) and r2 (access B); the mobile leases its address"
	dhcp_setup
	follow "$W/udhcpc-m1.log" "mobile dhcp"
	follow "$W/udhcpc-m2.log" "mobile dhcp"
	follow "$W/move.log" "mobile"
	for h in m cn r1; do write_conf "$h" auto >/dev/null; done
	say "registrar (kamailio) and hmmpd on the mobile, the correspondent and router r1"
	start_registrar "$cn"
	follow "$W/kam.log.err" "registrar"
	follow "$W/m.log.err" "mobile"
	follow "$W/cn.log.err" "correspondent"
	follow "$W/r1.log.err" "router r1"
	for h in m cn r1; do start_hmmpd "$h" "${!h}"; done
	wait_until 20 log_has m "register: 200 from" || echo "  (no REGISTER answer yet)"

	say "streams: $BYTES bytes each way at $RATE B/s, mobile $ORIG <-> correspondent $CN"
	spawn_to "$W/srv" "$cn" python3 "$REPO/tests/vm/stream.py" server $CN 7000 \
		--bytes $BYTES --rate $RATE --out "$W/srv.json"
	srv=$SPAWNED
	wait_until 10 in_ns_quiet "$cn" ss -Htln "src $CN:7000" || fatal "server did not start"
	spawn_to "$W/cli" "$m" python3 "$REPO/tests/vm/stream.py" client $CN 7000 \
		--bytes $BYTES --rate $RATE --out "$W/cli.json" --progress "$W/prog"
	cli=$SPAWNED
	# shellcheck disable=SC2016 # awk's own $1
	wait_until 30 awk -v h=$((BYTES / 4)) '$1 >= h { ok = 1 } END { exit !ok }' "$W/prog"

	say "SIP_EYE on the mobile and on the correspondent, before the move"
	in_ns "$m" hmmpctl conn show
	in_ns "$cn" hmmpctl conn show

	say "the mobile leaves access network A and gets a lease on B (behind r2's NAT), at $(cat "$W/prog") bytes"
	dhcp_move
	check "hmmpd on the mobile: hand-off done" wait_until 30 log_has m "handoff: (complete|finished) in"
	wait_until 20 log_has m "register: 200 from sip:$CN:5070 \(contact sip:m@$COA"

	say "SIP_EYE after the hand-off: <original, previous, current, correspondent>"
	in_ns "$m" hmmpctl conn show
	say "bindings (mobile, router r1, correspondent)"
	in_ns "$m" hmmpctl binding show
	in_ns "$r1" hmmpctl binding show
	in_ns "$cn" hmmpctl binding show
	say "the registrar's location table"
	reg_contacts | sed 's/^/  /'

	proc_wait 120 "$cli"
	proc_wait 60 "$srv"
	cli=$(cat "$W/cli.json" 2>/dev/null)
	srv=$(cat "$W/srv.json" 2>/dev/null)

	say "tunnel counters"
	for ns in "$m" "$r1" "$cn"; do
		echo "  $ns: encap $(hmmp_stat "$ns" encap_pkts) decap $(hmmp_stat "$ns" decap_pkts)" \
			"forwarded $(hmmp_stat "$ns" fwd_pkts)"
	done
	# the router's binding lives $GW_LIFETIME s: its expiry is in the timeline
	wait_until 15 log_has r1 "\[EVENT\] binding del" >/dev/null

	say "summary"
	echo "  bytes: mobile received $(json_get recv "$cli"), correspondent received $(json_get recv "$srv")"
	check_eq "correspondent -> mobile: same SHA-256" \
		"$(json_get sent_sha256 "$srv")" "$(json_get recv_sha256 "$cli")"
	check_eq "mobile -> correspondent: same SHA-256" \
		"$(json_get sent_sha256 "$cli")" "$(json_get recv_sha256 "$srv")"
	t_down=$(log_ms "$W/move.log" "move: m1 down")
	t_addr=$(log_ms "$W/m.log.err" "net: address $COA/24 added on m2")
	t_bind=$(log_ms "$W/cn.log.err" "binding: installed $ORIG -> ")
	why=$(grep -hoE "info: 200 from $CN: encap [a-z]+.*" "$W/m.log.err" | tail -n 1)
	t_reg=$(log_ms "$W/m.log.err" "register: 200 from sip:$CN:5070 \(contact sip:m@$COA")
	echo "  encapsulation: $(grep -hoE "binding: installed $ORIG -> [^ ]+ kind correspondent peer $CN encap [a-z]+" \
		"$W/cn.log.err" | tail -n 1 | sed 's/.*-> \([^ ]*\) .* encap \(.*\)/\2 to \1/')"
	echo "  why: the mobile: ${why#info: 200 from $CN: }; the correspondent (hmmpd.8, RECEIVING BINDINGS):" \
		"udp because the care-of address $COA is not the INFO's source $NAT_PUB (a NAT is in between)"
	check_match "the correspondent chose udp through the NAT's mapping" "encap udp" "$why"
	if [ -n "$t_addr" ] && [ -n "$t_bind" ]; then
		echo "  hand-off: new address (the lease on B) -> binding installed at the correspondent:" \
			"$((t_bind - t_addr)) ms (debounce 300 ms, two INFO round trips with the 401)"
	fi
	[ -n "$t_down" ] && [ -n "$t_addr" ] &&
		echo "  off the network: link to A down -> address leased on B: $((t_addr - t_down)) ms"
	[ -n "$t_addr" ] && [ -n "$t_reg" ] &&
		echo "  new address -> REGISTER 200 with the new contact: $((t_reg - t_addr)) ms"
	echo "  longest stall of the streams: mobile $(json_get stall_ms "$cli") ms," \
		"correspondent $(json_get stall_ms "$srv") ms"
	echo "  resets: mobile $(ip netns exec "$m" nstat -asz TcpEstabResets | awk '$1 == "TcpEstabResets" { print $2 }')," \
		"correspondent $(ip netns exec "$cn" nstat -asz TcpEstabResets | awk '$1 == "TcpEstabResets" { print $2 }')"
	for h in m cn r1; do stop_hmmpd "$h" >/dev/null; done
	stop_registrar >/dev/null
	dhcp_stop
	teardown_topology
	check "unload hmmp.ko" hmmp_unload
}

tcase demo "a TCP connection survives a DHCP move, signalled by hmmpd"
