#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mSCTP (seed 002, docs/msctp.md): an SCTP association between a mobile
# client and a fixed server, registered with hmmpd on the mobile, survives
# the move from access A to access B under each of the three rules for the
# primary address: (a) ack, (b) link, (c) upper. hmmpd adds the new
# address (ASCONF add-ip), makes it primary by the rule (ASCONF
# set-primary), and deletes the old one once it has left (ASCONF
# delete-ip). The server reads the peer addresses and its primary path
# with the SCTP API; tcpdump on the server's link shows the ASCONFs and
# their ACKs. The hand-over time (move -> first DATA to the new address)
# is printed for each rule.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+    fixed server
#   +---+ hmmpd [sctp]            | r2 |
#        access B 203.0.113.0/24  +----+
#
# timeout: 240
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"
# shellcheck source=../sctp-lib.sh
. "$REPO/tests/vm/sctp-lib.sh"

BYTES=100000000	# at most: the streams run until sctp_streams_done
RATE=150000
PART=150000

# the ASCONFs of the capture, as "add-ip", "set-primary"... lines
cap_has() { # REGEX
	grep -qE -- "$1" "$SW/asconf"
}

check_cap() { # DESC REGEX
	if cap_has "$2"; then ok "$1"; else not_ok "$1" "no /$2/ in the capture"; fi
}

# one move under RULE; TRIGGER: how the primary change is asked for
move_case() {
	local rule=$1 t_trig t_data t_ack part=$PART
	local fails0=$HMMP_FAILS

	sctp_topology
	echo "m2 20" >"$SW/quality"
	sctp_conf "$rule" "link_quality=$SW/quality" "quality_threshold=50"
	sctp_hmmpd
	check_mlog "m: ADDIP set up in its namespace" "sctp: ADDIP on"
	sctp_capture "$cn" e0
	sctp_stream $BYTES $RATE --bind $ORIG --register "$rule" --events "$SW/events"
	check "m: the association is registered, rule $rule" \
		wait_until 10 mlog_has "sctp: association 1 \(peer\) registered: .* rule $rule"
	check "server: peer $ORIG, primary $ORIG" status_is "peers=$ORIG primary=$ORIG"
	# shellcheck disable=SC2016 # awk's own $1
	wait_until 30 awk -v h=$part '$1 >= h { ok = 1 } END { exit !ok }' "$SW/prog" ||
		fatal "stream stalled before the move"

	echo "# the move: access B comes, A stays for now"
	move_in
	check "m: add $COA confirmed by ASCONF-ACK" \
		wait_until 20 mlog_has "ASCONF-ACK: add $COA confirmed"
	check "server: $COA is a peer address" wait_until 10 status_is "peers=.*$COA"
	t_trig=$T_MOVE
	case $rule in
	ack) ;;
	link)
		sleep 1
		check "rule link: quality 20 < 50: primary stays $ORIG" status_is "primary=$ORIG"
		check_no_match "rule link: no set-primary yet" "set-primary" "$(cat "$SW/m.log.err")"
		t_trig=$EPOCHREALTIME
		echo "m2 80" >"$SW/quality"
		;;
	upper)
		sleep 1
		check "rule upper: primary stays $ORIG until asked" status_is "primary=$ORIG"
		t_trig=$EPOCHREALTIME
		check "hmmpctl sctp primary $COA" in_ns "$m" hmmpctl sctp primary $COA
		;;
	esac
	check "server: primary path now $COA" wait_until 20 status_is "primary=$COA"
	check "m: set-primary $COA confirmed" \
		wait_until 10 mlog_has "ASCONF-ACK: set-primary $COA confirmed"
	capture ip netns exec "$m" hmmpctl -j sctp show
	echo "$OUT"
	check_json "hmmpctl sctp show: rule $rule, primary $COA, one hand-over, both addresses" \
		"j[0]['rule'] == '$rule' and j[0]['primary'] == '$COA' and j[0]['handovers'] == 1 and sorted(j[0]['local']) == ['$ORIG', '$COA'] and j[0]['peer'] == ['$CN']"

	echo "# access A goes"
	leave_old
	check "m: $ORIG deleted from the association" \
		wait_until 20 mlog_has "ASCONF-ACK: delete $ORIG confirmed"
	check "server: only $COA left, primary $COA" wait_until 10 status_is "peers=$COA primary=$COA"
	# more than before the move: data went on the new path too
	sctp_streams_done $((3 * PART))
	sctp_capture_stop
	python3 "$REPO/tests/vm/sctp_pcap.py" "$SW/cap.pcap" >"$SW/asconf"
	show_file "$SW/asconf"
	check_cap "capture: ASCONF add-ip $COA" "$ORIG > $CN ASCONF serial [0-9]+ add-ip $COA"
	check_cap "capture: ASCONF set-primary $COA" "> $CN ASCONF serial [0-9]+ set-primary $COA"
	check_cap "capture: ASCONF delete-ip $ORIG" "$COA > $CN ASCONF serial [0-9]+ delete-ip $ORIG"
	check_eq "capture: three ASCONF-ACKs, all ok" 3 "$(grep -c "ASCONF-ACK serial [0-9]* ok" "$SW/asconf")"
	# SCTP may retransmit to the new address before it is primary: the
	# first DATA that counts comes after the peer's ACK of set-primary
	t_ack=$(python3 "$REPO/tests/vm/sctp_pcap.py" "$SW/cap.pcap" --primary-ack $COA)
	t_data=$(first_data_to $COA "${t_ack:-$T_MOVE0}")
	if [ -n "$t_data" ] && [ -n "$t_ack" ]; then
		echo "# HANDOVER rule $rule: move (address and route of access B in place) -> first DATA to $COA as primary: $(ms_between "$T_MOVE" "$t_data") ms" \
			"(debounce 200 ms included; from the first of the two commands: $(ms_between "$T_MOVE0" "$t_data") ms);" \
			"primary-change trigger -> first DATA: $(ms_between "$t_trig" "$t_data") ms"
	else
		not_ok "capture: set-primary acknowledged, then DATA to $COA"
	fi
	grep -E "sctp:|handoff: new" "$SW/m.log.err" | sed 's/^/#   m: /'
	[ "$HMMP_FAILS" -eq "$fails0" ] || show_file "$SW/m.log.err" "$SW/cli.err" "$SW/srv.err" "$SW/status"
	run kill -TERM "$HPID"
	proc_wait 10 "$HPID"
	check_eq "hmmpd exits 0" 0 "$RC"
	teardown_topology
}

case_rule_ack() { move_case ack; }
case_rule_link() { move_case link; }
case_rule_upper() { move_case upper; }

for r in ${HMMP_SCTP_RULES:-ack link upper}; do
	case $r in
	ack) tcase case_rule_ack "rule (a): primary on the ASCONF-ACK of the new address" ;;
	link) tcase case_rule_link "rule (b): primary when the new link's quality passes the threshold" ;;
	upper) tcase case_rule_upper "rule (c): primary on hmmpctl sctp primary" ;;
	esac
done
