#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hmmpd restarted while its bindings exist: the state of a hand-off lives
# in hmmp.ko (bindings, SIP_EYE, the original address on lo), so a new
# hmmpd takes it over from the kernel. After a DHCP move (hmmpd-lib.sh)
# with a short binding lifetime (12 s: refreshes every 8 s), hmmpd is
# stopped (SIGTERM) and started again on the mobile, then on the
# correspondent: the mobile's new hmmpd finds its mobile binding in the
# dump, adopts the original address on lo and refreshes at once; the
# correspondent's new hmmpd accepts the next refresh; the connection lives
# past the lifetime of the bindings the first hmmpd made; when it closes,
# the restarted mobile hmmpd drops its binding and releases the address.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+
#   +---+ (after the move)        | r2 |
#        access B 203.0.113.0/24  +----+
#
#   hmmpd: m (mobile), r1 (router), cn (correspondent); kamailio on cn
#   DHCP: dnsmasq on r1 (leases 192.0.2.10) and r2 (203.0.113.10)
#
# timeout: 240
# kernels: oldest (hmmpd is userspace; 20-move covers the datapath on both lines)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"
hmmp_workdir
# shellcheck source=../topo-move.sh
. "$REPO/tests/vm/topo-move.sh"
# shellcheck source=../hmmpd-lib.sh
. "$REPO/tests/vm/hmmpd-lib.sh"

LIFETIME=12

count() { # HOST REGEX: matching lines in HOST's log
	grep -cE -- "$2" "$W/$1.log.err"
}

# more_than HOST REGEX N: the log has more than N matching lines
more_than() {
	[ "$(count "$1" "$2")" -gt "$3" ]
}

case_setup() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
	setup_topology
	dhcp_setup
	for h in m cn r1; do write_conf "$h" ipip; done
	must sed -i "s/^lifetime = 60$/lifetime = $LIFETIME/" "$W/m.conf"
	start_registrar "$cn"
	for h in m cn r1; do start_hmmpd "$h" "${!h}"; done
	tcp_server "$cn" "$CN" 5001
	tcp_session S "$m" "$CN" 5001 --src "$ORIG" --sport 40200 --lines 2
}

case_move() {
	dhcp_move
	check "m: hand-off done" wait_until 30 log_has m "handoff: (complete|finished) in"
	capture ip netns exec "$cn" hmmpctl binding show
	check_match "cn: binding $ORIG -> $COA, lifetime $LIFETIME" \
		"^$ORIG +$COA +$CN +correspondent +ipip +$LIFETIME " "$OUT"
	check "the session goes on after the move" tcp_session_more S
}

case_restart_mobile() {
	local infos binds
	stop_hmmpd m
	capture ip netns exec "$m" hmmpctl binding show
	check_match "m: the mobile binding outlives hmmpd" "^$ORIG +$COA +$CN +mobile " "$OUT"
	capture ip -n "$m" -4 addr show dev lo
	check_match "m: $ORIG/32 stays on lo" "inet $ORIG/32" "$OUT"
	infos=$(count m "info: 200 from $CN")
	binds=$(count cn "binding: installed $ORIG -> $COA")
	start_hmmpd m "$m"
	check_log "m: the new hmmpd found the earlier hand-off in the kernel" m \
		"resync: 1 mobile bindings at $COA from an earlier hand-off: refreshing"
	check_log "m: ... and adopted the original address on lo" m \
		"resync: $ORIG/32 on lo is an original address: kept"
	check "m: the new hmmpd refreshed cn's binding (200)" \
		wait_until 20 more_than m "info: 200 from $CN" "$infos"
	check "cn: binding installed again" \
		wait_until 5 more_than cn "binding: installed $ORIG -> $COA" "$binds"
	check "the session goes on" tcp_session_more S
}

case_restart_correspondent() {
	local binds
	stop_hmmpd cn
	capture ip netns exec "$cn" hmmpctl binding show
	check_match "cn: the binding outlives hmmpd" "^$ORIG +$COA +$CN +correspondent " "$OUT"
	binds=$(count cn "binding: installed $ORIG -> $COA")
	start_hmmpd cn "$cn"
	# the mobile refreshes every 2/3 of 12 s
	check "cn: the new hmmpd accepts the mobile's next refresh" \
		wait_until 30 more_than cn "binding: installed $ORIG -> $COA" "$binds"
	check_log "m: its refresh renewed the mobile binding" m "refresh: 1 mobile bindings renewed, 1 INFOs sent"
	# more than a lifetime since the first hmmpd's last refresh
	check "the session goes on" tcp_session_more S
}

case_drop() {
	run kill -USR1 "${SESS[S]}"
	proc_wait 20 "${SESS[S]}"
	check_eq "the session closed cleanly" 0 "$RC"
	check "m: the restarted hmmpd drops the mobile binding" wait_until 30 \
		log_has m "binding: removed $ORIG peer $CN kind mobile \(no live connection\)"
	check_log "m: ... releases $ORIG/32 from lo" m \
		"handoff: released $ORIG/32 from lo \(no live connection left\)"
	check_log "m: ... and stops refreshing" m "refresh: no live connection away from its address: stopping"
	capture ip -n "$m" -4 addr show dev lo
	check_no_match "m: $ORIG/32 no longer on lo" "inet $ORIG/32" "$OUT"
	capture ip netns exec "$m" hmmpctl -j binding show
	check_json "m: no binding left" "len(j) == 0"
	echo "# the daemons' logs"
	grep -hE "resync|handoff:|refresh:|info:|binding:" "$W/m.log.err" | sed 's/^/#   m:  /'
	grep -hE "resync|info:|binding:" "$W/cn.log.err" | sed 's/^/#   cn: /'
	for h in m cn r1; do stop_hmmpd "$h"; done
	stop_registrar
	dhcp_stop
}

tcase case_setup "topology, DHCP, hmmpd on m, cn, r1, a connection"
tcase case_move "the move by DHCP"
tcase case_restart_mobile "hmmpd restarted on the mobile"
tcase case_restart_correspondent "hmmpd restarted on the correspondent"
tcase case_drop "the connection closes: the restarted hmmpd cleans up"
