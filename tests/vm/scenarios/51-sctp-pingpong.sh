#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mSCTP ping-pong (seed 002 3.4 a): the mobile sits where both access
# networks reach it and its default route flips between them every
# $FLIP_MS ms; each flip is a hand-off for hmmpd. Rule (a) with damping
# ($DAMP_MS ms between primary changes) keeps the number of primary
# changes bounded (one for the move, then at most one per damping
# interval of the time the flips took), and the content-checked stream
# survives.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+    fixed server
#   +---+ hmmpd [sctp]            | r2 |
#        access B 203.0.113.0/24  +----+
#
# timeout: 150
# kernels: newest
# (hmmpd's logic more than the kernel's: the other lines when named,
# tests/vm/run -k KVER 51-sctp-pingpong)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"
# shellcheck source=../sctp-lib.sh
. "$REPO/tests/vm/sctp-lib.sh"

BYTES=100000000	# at most: the streams run until sctp_streams_done
RATE=150000
FLIPS=8
FLIP_MS=400
DAMP_MS=3000

case_pingpong() {
	local t0 t1 took changes bound

	sctp_topology
	sctp_conf ack "damping_ms=$DAMP_MS"
	sctp_hmmpd
	sctp_stream $BYTES $RATE --bind $ORIG --register ack --events "$SW/events"
	check "m: registered" wait_until 10 mlog_has "sctp: association 1 \(peer\) registered"
	echo "# access B comes; then the default route flips $FLIPS times, every $FLIP_MS ms"
	move_in
	check "m: $COA added and confirmed" wait_until 20 mlog_has "ASCONF-ACK: add $COA confirmed"
	t0=$EPOCHREALTIME
	# one process for all the flips: their pace is not the shell's
	# shellcheck disable=SC2016 # expanded by the inner shell
	run ip netns exec "$m" bash -c 'for ((i = 1; i <= $1; i++)); do
		if ((i % 2)); then ip route replace default via 192.0.2.1 dev m1
		else ip route replace default via 203.0.113.1 dev m2; fi
		sleep "$2"; done' flips "$FLIPS" "0.$((FLIP_MS / 100))"
	t1=$EPOCHREALTIME
	took=$(ms_between "$t0" "$t1")
	# let the last damped change (if any) happen
	sleep $((DAMP_MS / 1000 + 1))
	changes=$(grep -c "set-primary .* sent" "$SW/m.log.err")
	# one at the move, then at most one per damping interval from there to
	# the last flip, and one damped past it
	bound=$((2 + $(ms_between "$T_MOVE" "$t1") / DAMP_MS))
	echo "# $FLIPS flips in $took ms: $(grep -c "handoff: new address" "$SW/m.log.err") hand-offs, $changes primary changes (bound $bound), $(grep -c "damping: primary" "$SW/m.log.err") held back"
	check "hand-offs seen for the flips" test "$(grep -c "handoff: new address" "$SW/m.log.err")" -ge $((FLIPS / 2))
	# the bound holds at any speed; it is measured, not assumed
	check "primary changes bounded by the damping ($changes <= $bound)" test "$changes" -le "$bound"
	check "no more primary changes than hand-offs" \
		test "$changes" -le "$(grep -c "handoff: new address" "$SW/m.log.err")"
	if [ $((took / FLIPS)) -lt "$DAMP_MS" ]; then
		check_mlog "m: damping held changes back (flips every $((took / FLIPS)) ms)" \
			"damping: primary .* waits"
	else
		echo "# flips every $((took / FLIPS)) ms, slower than the damping: nothing to hold back"
	fi
	capture ip netns exec "$m" hmmpctl -j sctp show
	check_json "hmmpctl sctp show: the changes counted" \
		"j[0]['primary_changes'] == $changes"
	# the last route was m2's (FLIPS even): the primary ends there
	check "server: primary path $COA at the end" wait_until 10 status_is "primary=$COA"
	echo "# the server's view, line by line:"
	sed 's/^/#   /' "$SW/status"
	sctp_streams_done 600000
	grep -E "sctp:" "$SW/m.log.err" | sed 's/^/#   m: /'
	run kill -TERM "$HPID"
	proc_wait 10 "$HPID"
	check_eq "hmmpd exits 0" 0 "$RC"
	teardown_topology
}

tcase case_pingpong "rule (a) with damping against ping-pong"
