#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Helpers of the mSCTP scenarios (5x-sctp-*.sh). Source after lib.sh.
# The topology is the move topology of topo-move.sh without hmmp.ko: the
# mobile m has two access links; hmmpd runs on m with [sctp] on; the
# fixed server runs on cn. A move is make-before-break, as seed 002 has
# it: access B comes (address and default route) while A is still there;
# A goes later.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+    fixed server
#   +---+                         | r2 |
#        access B 203.0.113.0/24  +----+
# shellcheck disable=SC2034,SC2154

# shellcheck source=topo-move.sh
. "$REPO/tests/vm/topo-move.sh"
SCTP_PORT=5900
SW=/tmp/sctp.$$
mkdir -p "$SW"
cleanup_push rm -rf "$SW"

# sctp_topology [ADDIP]: the namespaces; ADDIP 0 leaves ADDIP off on cn.
sctp_topology() {
	local addip=${1:-1}
	move_network
	must modprobe sctp
	must ip netns exec "$cn" sysctl -qw net.sctp.addip_enable="$addip" \
		net.sctp.auth_enable="$addip"
}

# sctp_conf RULE [KEY=VALUE...]: $SW/m.conf, hmmpd on the mobile
sctp_conf() {
	local rule=$1 kv
	shift
	cat >"$SW/m.conf" <<-EOC
	[general]
	roles = mobile
	debounce_ms = 200
	log_level = info
	[sctp]
	enable = yes
	sysctl_setup = yes
	rule = $rule
	EOC
	for kv in "$@"; do echo "${kv%%=*} = ${kv#*=}" >>"$SW/m.conf"; done
	echo "# $SW/m.conf:"
	sed 's/^/#   /' "$SW/m.conf"
}

sctp_hmmpd() {
	rm -f "$SW/m.log" "$SW/m.log.err"
	spawn_to "$SW/m.log" "$m" hmmpd -f -c "$SW/m.conf"
	HPID=$SPAWNED
	check "m: hmmpd's control socket is open" \
		wait_until 20 file_has "$SW/m.log.err" "sctp: control socket @hmmpd" ||
		show_file "$SW/m.log.err"
}

mlog_has() { file_has "$SW/m.log.err" "$1"; }

check_mlog() { # DESC REGEX
	if mlog_has "$2"; then ok "$1"; else not_ok "$1" "no line /$2/ in m's log"; fi
}

# sctp_capture NS IF: tcpdump of SCTP into $SW/cap.pcap until sctp_capture_stop
sctp_capture() {
	rm -f "$SW/cap.pcap"
	spawn_to "$SW/tcpdump" "$1" tcpdump -i "$2" -n -s 256 -U -w "$SW/cap.pcap" sctp
	TPID=$SPAWNED
	wait_until 10 file_has "$SW/tcpdump.err" "listening on" ||
		fatal "tcpdump does not listen"
}

sctp_capture_stop() {
	run kill -INT "$TPID"
	proc_wait 10 "$TPID"
}

# sctp_stream BYTES RATE [CLIENT-OPTIONS...]: server on cn (bound to
# $SRV_BIND, default $CN), client on m
sctp_stream() {
	local bytes=$1 rate=$2
	shift 2
	rm -f "$SW"/srv* "$SW"/cli* "$SW/status" "$SW/prog" "$SW/events" "$SW"/stop*
	spawn_to "$SW/srv" "$cn" hmmp-sctp-peer server "${SRV_BIND:-$CN}" $SCTP_PORT --bytes "$bytes" \
		--rate "$rate" --status "$SW/status" --out "$SW/srv.json" --stop "$SW/stop"
	SRV=$SPAWNED
	wait_until 10 in_ns_quiet "$cn" ss -HSln "sport = :$SCTP_PORT" ||
		fatal "the server does not listen"
	spawn_to "$SW/cli" "$m" hmmp-sctp-peer client $CN $SCTP_PORT --bytes "$bytes" \
		--rate "$rate" --progress "$SW/prog" --out "$SW/cli.json" --stop "$SW/stop" "$@"
	CLI=$SPAWNED
	wait_until 20 test -s "$SW/prog" || { show_file "$SW/cli.err" "$SW/srv.err"; fatal "no stream"; }
}

# status_is REGEX: the server's last view of the association matches
status_is() {
	tail -n 1 "$SW/status" 2>/dev/null | grep -qE -- "$1"
}

# sctp_diag: the kernel's view of the associations, and the capture's end
sctp_diag() {
	local ns
	show_file "$SW/prog" "$SW/cli.err" "$SW/srv.err" "$SW/status"
	for ns in "$m" "$cn"; do
		echo "# $ns: /proc/net/sctp/assocs, remaddr"
		ip netns exec "$ns" cat /proc/net/sctp/assocs /proc/net/sctp/remaddr | sed 's/^/#   /'
	done
	[ -f "$SW/cap.pcap" ] && python3 "$REPO/tests/vm/sctp_pcap.py" "$SW/cap.pcap" --tail 30 |
		sed 's/^/#   cap: /'
}

# sctp_streams_done MIN: stop the streams; both ends exited 0, every byte
# sent arrived, checked, and at least MIN bytes each way
sctp_streams_done() {
	local min=$1 cli srv
	# shellcheck disable=SC2016 # awk's own $1
	wait_until 30 awk -v n="$min" '$1 >= n { ok = 1 } END { exit !ok }' "$SW/prog" ||
		echo "# the mobile received less than $min bytes in time"
	run touch "$SW/stop"
	proc_wait 60 "$CLI"
	check_eq "client exited 0" 0 "$RC" || sctp_diag
	proc_wait 30 "$SRV"
	check_eq "server exited 0" 0 "$RC" || show_file "$SW/srv.err"
	[ -n "$(_hmmp_alive "$CLI" && echo y)" ] && run kill -TERM "$CLI"
	show_file "$SW/cli.json" "$SW/srv.json"
	cli=$(cat "$SW/cli.json" 2>/dev/null)
	srv=$(cat "$SW/srv.json" 2>/dev/null)
	check_eq "mobile received every byte the server sent, as sent" \
		"$(json_get sent "$srv")" "$(json_get recv "$cli")"
	check_eq "server received every byte the mobile sent, as sent" \
		"$(json_get sent "$cli")" "$(json_get recv "$srv")"
	check "at least $min bytes each way" \
		test "$(json_get recv "$cli")" -ge "$min" -a "$(json_get recv "$srv")" -ge "$min"
}

# move_in: access B comes while A is still there; $T_MOVE its time
move_in() {
	T_MOVE0=$EPOCHREALTIME
	must ip -n "$m" addr add $COA/24 dev m2
	must ip -n "$m" route replace default via 203.0.113.1 dev m2
	T_MOVE=$EPOCHREALTIME
}

# leave_old: access A goes
leave_old() {
	must ip -n "$m" addr del $ORIG/24 dev m1
	must ip -n "$m" link set m1 down
}

# ms_between T0 T1 (epoch seconds with fractions)
ms_between() {
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%d\n", (b - a) * 1000 }'
}

# first_data_to ADDR AFTER: epoch time of the first DATA chunk to ADDR
first_data_to() {
	python3 "$REPO/tests/vm/sctp_pcap.py" "$SW/cap.pcap" --first-data-to "$1" --after "$2"
}
