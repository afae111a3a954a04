#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mSCTP for an application that does not register itself: the wrapper
# 'hmmpctl sctp register pid PID' takes a duplicate of each connected SCTP
# socket of the process (pidfd_getfd) and registers it for the life of the
# process. The association then hands over like a registered one (rule
# ack), and the registration ends when the process exits.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+    fixed server
#   +---+ hmmpd [sctp]            | r2 |
#        access B 203.0.113.0/24  +----+
#
# timeout: 120
# kernels: newest
# (hmmpd's logic more than the kernel's: the other lines when named,
# tests/vm/run -k KVER 54-sctp-pid)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"
# shellcheck source=../sctp-lib.sh
. "$REPO/tests/vm/sctp-lib.sh"

case_pid() {
	sctp_topology
	sctp_conf ack
	sctp_hmmpd
	# no --register: the application knows nothing of hmmpd
	sctp_stream 100000000 150000 --bind $ORIG
	capture ip netns exec "$m" hmmpctl sctp register pid "$CLI" rule ack name wrapped
	check_eq "hmmpctl sctp register pid: exit status 0" 0 "$RC"
	check_match "hmmpctl: one socket registered" "^pid $CLI fd [0-9]+: registered \(id=1\)" "$OUT"
	check_mlog "m: registered for the life of the process" \
		"sctp: association 1 \(wrapped\) registered: .*rule ack, for the life of its process"
	capture ip netns exec "$m" hmmpctl sctp register pid $$
	check_ne "a process without SCTP sockets: an error" 0 "$RC"
	check_match "... that says so" "no SCTP association registered" "$ERR"
	move_in
	check "server: primary path now $COA" wait_until 20 status_is "primary=$COA"
	check_mlog "m: set-primary confirmed" "ASCONF-ACK: set-primary $COA confirmed"
	sctp_streams_done 300000
	check "m: unregistered when the process exited" \
		wait_until 10 mlog_has "sctp: association 1 \(wrapped\) unregistered: its process exited"
	capture ip netns exec "$m" hmmpctl -j sctp show
	check_json "hmmpctl sctp show: nothing left" "j == []"
	run kill -TERM "$HPID"
	proc_wait 10 "$HPID"
	check_eq "hmmpd exits 0" 0 "$RC"
	teardown_topology
}

tcase case_pid "hmmpctl sctp register pid: the wrapper for applications that do not register"
