#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The mission with hmmpd doing the hand-off: hmmpd runs on the mobile m, on
# the correspondent cn and on the first access router r1, each with its own
# hmmpd.conf and a secrets file (mode 0600). TCP streams run both ways
# between m and cn; the mobile moves (a new address on m2, the default route
# through r2, the old address gone and m1 down: what DHCP on a new network
# does) and nothing else is done by hand: hmmpd on m keeps the original
# address on lo, hands SIP_EYE over, installs its mobile binding, and sends
# INFOs to cn and to its previous gateway r1, which challenge them (401),
# check the credentials and their policy, and install the bindings (200).
# Both streams complete with the same bytes and no reset. A registrar
# (kamailio, tests/vm/kamailio/registrar.cfg, on cn's host at port 5070)
# holds the mobile's contact: the original one at start, the new one
# after the move.
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+
#   +---+ (after the move)        | r2 |
#        access B 203.0.113.0/24  +----+
#
#   hmmpd: m (mobile), r1 (router), cn (correspondent)
#   kamailio: registrar 198.51.100.10:5070 (in cn's namespace)
#   mobile original address 192.0.2.10, care-of 203.0.113.10
#
# timeout: 420
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

BYTES=${HMMP_MOVE_BYTES:-6000000}
RATE=${HMMP_MOVE_RATE:-800000}
GW_LIFETIME=6
W=/tmp/hmmpd.$$
mkdir -p "$W"
cleanup_push rm -rf "$W"
# shellcheck source=../topo-move.sh
. "$REPO/tests/vm/topo-move.sh"

nstat_of() { # NS COUNTER
	ip netns exec "$1" nstat -asz "$2" 2>/dev/null | awk -v k="$2" '$1 == k { print $2 }'
}

# write_conf HOST ENCAP: $W/HOST.conf and $W/HOST.secrets (0600)
write_conf() {
	local host=$1 encap=$2
	case $host in
	m)
		cat >"$W/m.conf" <<-EOC
		# the mobile
		[general]
		identity = sip:m@hmmp.test
		roles = mobile
		debounce_ms = 300
		log_level = info
		[sip]
		registrar = sip:$CN:5070
		register_expires = 120
		secrets = $W/m.secrets
		[binding]
		lifetime = 60
		encap = $encap
		gateway_lifetime = $GW_LIFETIME
		[peer cn]
		uri = sip:hmmp@$CN:5060
		address = $CN
		[peer r1]
		uri = sip:hmmp@192.0.2.1:5060
		address = 192.0.2.1
		[peer registrar]
		uri = sip:$CN:5070
		EOC
		printf '%s\n' "# peer user password" "cn m the cn secret" "r1 m the r1 secret" \
			"registrar m the registrar secret" >"$W/m.secrets"
		;;
	cn)
		cat >"$W/cn.conf" <<-EOC
		# the correspondent
		[general]
		roles = correspondent
		[sip]
		secrets = $W/cn.secrets
		[binding]
		lifetime = 60
		max_lifetime = 120
		[peer m]
		uri = sip:m@$ORIG
		address = $ORIG
		EOC
		printf '%s\n' "m m the cn secret" >"$W/cn.secrets"
		;;
	r1)
		cat >"$W/r1.conf" <<-EOC
		# the first access router: the mobile's previous gateway
		[general]
		roles = router
		[sip]
		secrets = $W/r1.secrets
		[binding]
		lifetime = 30
		max_lifetime = 30
		[peer m]
		uri = sip:m@$ORIG
		address = $ORIG
		EOC
		printf '%s\n' "m m the r1 secret" >"$W/r1.secrets"
		;;
	esac
	chmod 0600 "$W/$host.secrets"
	echo "# $W/$host.conf:"
	sed 's/^/#   /' "$W/$host.conf"
}

declare -A HPID=()

# kamailio as the registrar, in NS
start_registrar() { # NS
	spawn_to "$W/kam.log" "$1" kamailio -f "$REPO/tests/vm/kamailio/registrar.cfg" -DD -E \
		-A "LISTEN=udp:$CN:5070" -A 'PASSWORD="the registrar secret"' \
		-A "CTL=\"unix:$W/kamctl\"" -A 'ALGO="SHA-256"'
	KPID=$SPAWNED
	check "registrar (kamailio) listens on $CN:5070" \
		wait_until 30 in_ns_quiet "$1" ss -Huln "src $CN:5070" ||
		show_file "$W/kam.log.err"
}

# the contacts the registrar holds
reg_contacts() {
	kamcmd -s "$W/kamctl" ul.dump 2>/dev/null | awk '$1 == "Address:" { print $2 }'
}

start_hmmpd() { # HOST NS
	rm -f "$W/$1.log" "$W/$1.log.err"
	spawn_to "$W/$1.log" "$2" hmmpd -f -c "$W/$1.conf"
	HPID[$1]=$SPAWNED
	check "$1: hmmpd follows hmmp.ko" wait_until 20 file_has "$W/$1.log.err" "resync: hmmp family" ||
		show_file "$W/$1.log.err"
}

log_has() { # HOST REGEX
	file_has "$W/$1.log.err" "$2"
}

check_log() { # DESC HOST REGEX
	if log_has "$2" "$3"; then ok "$1"; else not_ok "$1" "no line /$3/ in $2's log"; fi
}

# milliseconds since midnight of a log line's HH:MM:SS.mmm
log_ms() { # HOST REGEX
	local t
	t=$(grep -m1 -E -- "$2" "$W/$1.log.err" | cut -d' ' -f1)
	[ -n "$t" ] || return 1
	awk -v t="$t" 'BEGIN { split(t, a, /[:.]/); printf "%d\n", ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 + a[4] }'
}

case_load() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
}

case_config_errors() {
	local f=/tmp/bad.$$.conf
	printf '[sip]\nlisten = udp:0.0.0.0:5060\nlisen = x\n' >"$f"
	capture hmmpd -f -c "$f"
	check_ne "a bad line: hmmpd refuses to start" 0 "$RC"
	check_match "the error names FILE:LINE" "hmmpd: $f:3: unknown key 'lisen'" "$ERR"
	printf '[sip]\nsecrets = %s.s\n' "$f" >"$f"
	echo "x y z" >"$f.s"
	chmod 0644 "$f.s"
	capture hmmpd -f -c "$f"
	check_ne "a world-readable secrets file: hmmpd refuses to start" 0 "$RC"
	check_match "it says why and what to do" "accessible to others.*chmod o-rwx" "$ERR"
	rm -f "$f" "$f.s"
}

# The move with encapsulation $1: hmmpd does everything.
move_case() {
	local encap=$1 port=$2 half=$((BYTES / 4)) srv cli got t_addr t_route t_bind h
	local fails0=$HMMP_FAILS

	rm -f "$W/prog" "$W/cli" "$W/srv" "$W/cli.json" "$W/srv.json"
	setup_topology
	for h in m cn r1; do write_conf "$h" "$encap"; done
	start_registrar "$cn"
	start_hmmpd m "$m"
	start_hmmpd cn "$cn"
	start_hmmpd r1 "$r1"
	check_log "m: attached to access A" m "net: attached: $ORIG/24 on m1 via 192.0.2.1"
	check "m: registered its contact at start" \
		wait_until 20 log_has m "register: 200 from sip:$CN:5070 \(contact sip:m@$ORIG:5060"
	capture reg_contacts
	check_eq "registrar: location holds sip:m@$ORIG:5060" "sip:m@$ORIG:5060" "$OUT"

	spawn_to "$W/srv" "$cn" python3 "$REPO/tests/vm/stream.py" server "$CN" "$port" \
		--bytes "$BYTES" --rate "$RATE" --out "$W/srv.json"
	srv=$SPAWNED
	wait_until 10 in_ns_quiet "$cn" ss -Htln "src $CN:$port" || fatal "server did not listen"
	spawn_to "$W/cli" "$m" python3 "$REPO/tests/vm/stream.py" client "$CN" "$port" \
		--bytes "$BYTES" --rate "$RATE" --out "$W/cli.json" --progress "$W/prog"
	cli=$SPAWNED
	wait_until 60 test -s "$W/prog" || fatal "no stream progress"
	# shellcheck disable=SC2016 # awk's own $1
	wait_until 60 awk -v h=$half '$1 >= h { ok = 1 } END { exit !ok }' "$W/prog" ||
		fatal "stream stalled before the move"

	echo "# moving at $(cat "$W/prog") bytes received: address and default route only"
	must ip -n "$m" addr add "$COA/24" dev m2
	must ip -n "$m" route replace default via 203.0.113.1 dev m2
	must ip -n "$m" addr del "$ORIG/24" dev m1
	must ip -n "$m" link set m1 down

	check "m: hand-off done" wait_until 30 log_has m "handoff: (complete|finished) in"
	# the router's binding lives $GW_LIFETIME s: look at once
	capture ip netns exec "$r1" hmmpctl binding show
	check_match "r1: router binding $ORIG -> $COA" "^$ORIG +$COA +0\.0\.0\.0 +router +$encap " "$OUT"
	capture ip netns exec "$cn" hmmpctl binding show
	check_match "cn: correspondent binding $ORIG -> $COA" "^$ORIG +$COA +$CN +correspondent +$encap " "$OUT"
	capture ip netns exec "$m" hmmpctl binding show
	check_match "m: mobile binding $ORIG -> $COA, peer $CN" "^$ORIG +$COA +$CN +mobile +$encap " "$OUT"
	check "m: registered the new contact" \
		wait_until 20 log_has m "register: 200 from sip:$CN:5070 \(contact sip:m@$COA:5060"
	capture reg_contacts
	check_eq "registrar: location holds sip:m@$COA:5060 only" "sip:m@$COA:5060" "$OUT"
	capture ip -n "$m" -4 addr show dev lo
	check_match "m: $ORIG/32 kept on lo" "inet $ORIG/32" "$OUT"
	capture ip netns exec "$m" sysctl -n net.ipv4.conf.m2.arp_ignore net.ipv4.conf.m2.arp_announce
	check_eq "m: m2 neither answers nor announces it (arp_ignore 1, arp_announce 2)" "1
2" "$OUT"

	proc_wait 180 "$cli"
	check_eq "client exited 0" 0 "$RC"
	proc_wait 60 "$srv"
	check_eq "server exited 0" 0 "$RC"
	cli=$(cat "$W/cli.json" 2>/dev/null)
	srv=$(cat "$W/srv.json" 2>/dev/null)
	show_file "$W/cli.json" "$W/srv.json"
	check_eq "mobile received every byte" "$BYTES" "$(json_get recv "$cli")"
	check_eq "correspondent received every byte" "$BYTES" "$(json_get recv "$srv")"
	check_eq "cn -> m: same hash" "$(json_get sent_sha256 "$srv")" "$(json_get recv_sha256 "$cli")"
	check_eq "m -> cn: same hash" "$(json_get sent_sha256 "$cli")" "$(json_get recv_sha256 "$srv")"
	echo "# longest stall: mobile $(json_get stall_ms "$cli") ms, correspondent $(json_get stall_ms "$srv") ms"
	for ns in "$m" "$cn"; do
		check_eq "$ns: no reset" 0 "$(nstat_of "$ns" TcpEstabResets)"
		check_eq "$ns: no RST sent" 0 "$(nstat_of "$ns" TcpOutRsts)"
	done
	got=$(hmmp_stat "$cn" encap_pkts)
	check "cn tunnelled to the care-of address ($got packets)" test "${got:-0}" -gt 0
	got=$(hmmp_stat "$r1" fwd_pkts)
	echo "# r1 forwarded $got in-flight packets"

	echo "# the hand-off as the daemons logged it"
	grep -hE "net: address|handoff:|info:|binding:|register:" "$W/m.log.err" | sed 's/^/#   m:  /'
	grep -h "registrar:" "$W/kam.log.err" | sed 's/^/#   registrar: /'
	grep -hE "info:|binding:" "$W/cn.log.err" | sed 's/^/#   cn: /'
	grep -hE "info:|binding:" "$W/r1.log.err" | sed 's/^/#   r1: /'
	# the whole logs when something went wrong
	[ "$HMMP_FAILS" -eq "$fails0" ] || show_file "$W/m.log.err" "$W/cn.log.err" "$W/r1.log.err"
	check_log "m: new address seen" m "net: address $COA/24 added on m2"
	check_log "m: hand-off logged" m "handoff: new address $COA on m2 \(was $ORIG on m1 via 192.0.2.1\)"
	check_log "m: hmmp.ko moved the stream" m "handoff: hmmp.ko moved 1 connections from $ORIG to $COA"
	check_log "m: INFO sent to cn" m "info: sent to $CN \(1 bindings, 1 connections, kind correspondent"
	check_log "m: INFO sent to r1" m "info: sent to 192.0.2.1 \(1 bindings, 0 connections, kind router"
	check_log "m: 401 from cn" m "info: 401 from $CN"
	check_log "m: 401 from r1" m "info: 401 from 192.0.2.1"
	check_log "m: 200 from cn" m "info: 200 from $CN"
	check_log "m: 200 from r1" m "info: 200 from 192.0.2.1"
	check_log "cn: challenged the first INFO" cn "info: 401 to $COA \(no credentials\)"
	check_log "cn: binding installed" cn "binding: installed $ORIG -> $COA kind correspondent peer $CN encap $encap lifetime 60 s \(1 connections\)"
	check_log "r1: binding installed, lifetime capped by the gateway's" r1 "binding: installed $ORIG -> $COA kind router peer any encap $encap lifetime $GW_LIFETIME s"
	t_addr=$(log_ms m "net: address $COA/24 added on m2")
	t_route=$(log_ms m "net: default route via 203.0.113.1 dev m2 added")
	t_bind=$(log_ms cn "binding: installed $ORIG -> $COA")
	if [ -n "$t_addr" ] && [ -n "$t_route" ] && [ -n "$t_bind" ]; then
		echo "# hand-off time ($encap): new address on m -> binding installed on cn: $((t_bind - t_addr)) ms;" \
			"new default route (the move's last step) -> binding: $((t_bind - t_route)) ms (debounce 300 ms included)"
	fi

	# SIGHUP reloads, and keeps what runs when the new file is bad;
	# SIGTERM leaves cleanly
	run kill -HUP "${HPID[m]}"
	check "m: SIGHUP reloads the configuration" wait_until 10 log_has m "config: reloaded"
	cp "$W/m.conf" "$W/m.conf.good"
	echo "lifetime = forever" >>"$W/m.conf"
	run kill -HUP "${HPID[m]}"
	check "m: a bad file on SIGHUP is refused with FILE:LINE" \
		wait_until 10 log_has m "$W/m.conf:[0-9]+: unknown key"
	check "m: ... and the running configuration kept" \
		wait_until 10 log_has m "config: reload failed: keeping the configuration in use"
	check "m: hmmpd still runs" _hmmp_alive "${HPID[m]}"
	mv "$W/m.conf.good" "$W/m.conf"
	for h in m cn r1; do
		run kill -TERM "${HPID[$h]}"
		proc_wait 10 "${HPID[$h]}"
		check_eq "$h: hmmpd exits 0 on SIGTERM" 0 "$RC"
	done
	run kill -TERM "$KPID"
	proc_wait 10 "$KPID"
	rm -f "$W/kamctl"
	teardown_topology
}

case_move_ipip() {
	move_case ipip 5101
}

case_move_minimal() {
	move_case minimal 5102
}

tcase case_load
tcase case_config_errors "hmmpd refuses a bad configuration"
tcase case_move_ipip "hmmpd hands off, IP-in-IP"
tcase case_move_minimal "hmmpd hands off, minimal encapsulation"
