#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make demo' (tests/vm/run --demo): the mission, as it happens, on the
# terminal. A mobile host streams data both ways with a correspondent, moves
# to another access network, and the connection goes on through hmmp's
# IP-in-IP tunnel: SIP_EYE's table before and after the hand-off, the
# bindings, the events, and a summary with the hashes of both streams.
# Until hmmpd signals hand-offs, the bindings are installed with hmmpctl,
# as an operator would (docs/hmmpctl.8, "Moving a host by hand").
# Topology: tests/vm/topo-move.sh.
# shellcheck source=lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"
# shellcheck source=topo-move.sh
. "$REPO/tests/vm/topo-move.sh"

BYTES=6000000
RATE=600000
W=/tmp/demo.$$

say() {
	printf '\n=== %s\n' "$*"
}

follow() { # NS LABEL: hmmpctl monitor, lines prefixed, in the background
	ip netns exec "$1" hmmpctl monitor 2>/dev/null | sed -u "s/^/  [$2] /" &
	HMMP_PIDS+=("$!")
}

demo() {
	local t0 t_move cli srv

	say "kernel $(uname -r); loading $HMMP_KO"
	check "load hmmp.ko" hmmp_load || fatal "hmmp.ko did not load"
	setup_topology
	in_ns "$m" hmmpctl version
	follow "$m" mobile
	follow "$cn" correspondent
	follow "$r1" router

	say "streams: $BYTES bytes each way at $RATE B/s, mobile 192.0.2.10 <-> correspondent $CN"
	spawn_to "$W.srv" "$cn" python3 "$REPO/tests/vm/stream.py" server $CN 7000 \
		--bytes $BYTES --rate $RATE --out "$W.srv.json"
	srv=$SPAWNED
	wait_until 10 in_ns_quiet "$cn" ss -Htln "src $CN:7000" || fatal "server did not start"
	spawn_to "$W.cli" "$m" python3 "$REPO/tests/vm/stream.py" client $CN 7000 \
		--bytes $BYTES --rate $RATE --out "$W.cli.json" --progress "$W.prog"
	cli=$SPAWNED
	wait_until 30 awk -v h=$((BYTES / 4)) '$1 >= h { ok = 1 } END { exit !ok }' "$W.prog"

	say "SIP_EYE on the mobile and on the correspondent, before the move"
	in_ns "$m" hmmpctl conn show
	in_ns "$cn" hmmpctl conn show

	say "the mobile moves to access network B (203.0.113.0/24) at $(cat "$W.prog") bytes"
	t0=$(date +%s%N)
	move_mobile
	bind_mobile ipip
	in_ns "$m" hmmpctl handoff from $ORIG to $COA
	bind_router ipip 5
	bind_correspondent ipip
	t_move=$((($(date +%s%N) - t0) / 1000000))

	say "SIP_EYE after the hand-off: <original, previous, current, correspondent>"
	in_ns "$m" hmmpctl conn show
	say "bindings"
	in_ns "$m" hmmpctl binding show
	in_ns "$r1" hmmpctl binding show
	in_ns "$cn" hmmpctl binding show

	proc_wait 120 "$cli"
	proc_wait 60 "$srv"
	cli=$(cat "$W.cli.json" 2>/dev/null)
	srv=$(cat "$W.srv.json" 2>/dev/null)

	say "tunnel counters"
	for ns in "$m" "$r1" "$cn"; do
		echo "  $ns: encap $(hmmp_stat "$ns" encap_pkts) decap $(hmmp_stat "$ns" decap_pkts)" \
			"forwarded $(hmmp_stat "$ns" fwd_pkts) frag-needed sent $(hmmp_stat "$ns" pmtu_sent)"
	done
	sleep 5	# the router's binding expires: see its event above

	say "summary"
	echo "  bytes: mobile received $(json_get recv "$cli"), correspondent received $(json_get recv "$srv")"
	check_eq "correspondent -> mobile: same SHA-256" \
		"$(json_get sent_sha256 "$srv")" "$(json_get recv_sha256 "$cli")"
	check_eq "mobile -> correspondent: same SHA-256" \
		"$(json_get sent_sha256 "$cli")" "$(json_get recv_sha256 "$srv")"
	echo "  hand-off steps (address change, bindings, SIP_EYE hand-off) took $t_move ms"
	echo "  longest stall of the streams: mobile $(json_get stall_ms "$cli") ms," \
		"correspondent $(json_get stall_ms "$srv") ms"
	echo "  resets: mobile $(ip netns exec "$m" nstat -asz TcpEstabResets | awk '$1 == "TcpEstabResets" { print $2 }')," \
		"correspondent $(ip netns exec "$cn" nstat -asz TcpEstabResets | awk '$1 == "TcpEstabResets" { print $2 }')"
	teardown_topology
	check "unload hmmp.ko" hmmp_unload
}

tcase demo "a TCP connection survives a move"
