# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# hmmpd on the move topology (topo-move.sh), for 30-hmmpd, 32-hmmpd-restart
# and the demo: configuration files, kamailio as the registrar, hmmpd
# processes and their logs, and DHCP (dnsmasq on each access router,
# busybox udhcpc on the mobile). Source after lib.sh and topo-move.sh,
# with $W a scratch directory.
# shellcheck disable=SC2154 # $m $r1 $r2 $cn: topo-move.sh

GW_LIFETIME=${GW_LIFETIME:-6}

# write_conf HOST ENCAP: $W/HOST.conf and $W/HOST.secrets (0600). With
# LAPTOP=1, cn and r1 list no address under [peer m]: the mobile's
# original address is a dynamic lease, so cn binds only the connections
# m proves (their identities: translations), and r1 only an address m
# claimed while on-link (deny by default, docs/security.md).
write_conf() {
	local host=$1 encap=$2 maddr="address = $ORIG"
	[ "${LAPTOP:-0}" = 1 ] && maddr="# address: none, a dynamic lease"
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
		$maddr
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
		$maddr
		EOC
		printf '%s\n' "m m the r1 secret" >"$W/r1.secrets"
		;;
	esac
	chmod 0600 "$W/$host.secrets"
	echo "# $W/$host.conf:"
	sed 's/^/#   /' "$W/$host.conf"
}

# xlates NS KEY...: NS's connection translations (hmmpctl -j xlate show),
# one a line, the values of the keys asked for ("-" where one is absent).
xlates() {
	local ns=$1
	shift
	ip netns exec "$ns" hmmpctl -j xlate show 2>/dev/null | python3 -c '
import json, sys
for x in json.load(sys.stdin):
    print(*(x.get(k, "-") for k in sys.argv[1:]))' "$@"
}

xlates_are() { # NS N: NS holds N translations
	[ "$(xlates "$1" coa | grep -c .)" = "$2" ]
}

declare -gA HPID=()

# start_registrar NS: kamailio as the registrar, in NS, on $CN:5070
start_registrar() {
	spawn_to "$W/kam.log" "$1" kamailio -f "$REPO/tests/vm/kamailio/registrar.cfg" -DD -E \
		-A "LISTEN=udp:$CN:5070" -A 'PASSWORD="the registrar secret"' \
		-A "CTL=\"unix:$W/kamctl\"" -A 'ALGO="SHA-256"'
	KPID=$SPAWNED
	check "registrar (kamailio) listens on $CN:5070" \
		wait_until 30 in_ns_quiet "$1" ss -Huln "src $CN:5070" ||
		show_file "$W/kam.log.err"
}

stop_registrar() {
	run kill -TERM "$KPID"
	proc_wait 10 "$KPID"
	rm -f "$W/kamctl"
}

# reg_contacts: the contacts the registrar holds
reg_contacts() {
	local out="" i
	# kamcmd answers nothing now and then on a loaded machine: ask again
	for i in 1 2 3; do
		out=$(kamcmd -s "$W/kamctl" ul.dump 2>/dev/null | awk '$1 == "Address:" { print $2 }')
		[ -n "$out" ] && break
		sleep 0.5
	done
	[ -n "$out" ] && printf '%s\n' "$out"
}

# start_hmmpd HOST NS: hmmpd -f -c $W/HOST.conf in NS, its log in
# $W/HOST.log.err (appended to: a restart keeps the earlier lines), its pid
# in ${HPID[HOST]}; returns once it follows hmmp.ko.
start_hmmpd() {
	local n=0
	[ -f "$W/$1.log.err" ] && n=$(grep -c "resync: hmmp family" "$W/$1.log.err")
	_hmmp_show ip netns exec "$2" hmmpd -f -c "$W/$1.conf"
	ip netns exec "$2" hmmpd -f -c "$W/$1.conf" >>"$W/$1.log" 2>>"$W/$1.log.err" &
	HPID[$1]=$!
	HMMP_PIDS+=("$!")
	check "$1: hmmpd follows hmmp.ko" wait_until 20 \
		eval "[ \$(grep -c 'resync: hmmp family' '$W/$1.log.err') -gt $n ]" ||
		show_file "$W/$1.log.err"
}

# stop_hmmpd HOST: SIGTERM, and hmmpd must exit 0
stop_hmmpd() {
	run kill -TERM "${HPID[$1]}"
	proc_wait 10 "${HPID[$1]}"
	check_eq "$1: hmmpd exits 0 on SIGTERM" 0 "$RC"
}

log_has() { # HOST REGEX
	file_has "$W/$1.log.err" "$2"
}

log_count_is() { # HOST REGEX N: exactly N lines match
	[ "$(grep -cE -- "$2" "$W/$1.log.err" 2>/dev/null)" = "$3" ]
}

check_log() { # DESC HOST REGEX
	if log_has "$2" "$3"; then ok "$1"; else not_ok "$1" "no line /$3/ in $2's log"; fi
}

# log_ms FILE REGEX: milliseconds since midnight of the first line of FILE
# matching REGEX (lines begin with HH:MM:SS.mmm)
log_ms() {
	local t
	t=$(grep -m1 -E -- "$2" "$1" 2>/dev/null | cut -d' ' -f1)
	[ -n "$t" ] || return 1
	awk -v t="$t" 'BEGIN { split(t, a, /[:.]/); printf "%d\n", ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 + a[4] }'
}

# --- DHCP ---------------------------------------------------------------

# dhcp_server NAME NS IFACE ADDR ROUTER [MASK]: dnsmasq in NS leasing
# ADDR/MASK (255.255.255.0 by default; one address: the scenario knows
# which the mobile gets) with ROUTER as the default gateway; no DNS, no
# ping check before an offer.
declare -gA DHCPD=()
dhcp_server() {
	local name=$1 ns=$2 ifc=$3 addr=$4 gw=$5 mask=${6:-255.255.255.0}
	spawn_to "$W/dnsmasq-$name.log" "$ns" dnsmasq -k -C /dev/null --port=0 \
		--user=root --pid-file="$W/dnsmasq-$name.pid" --interface="$ifc" --bind-interfaces \
		--dhcp-range="$addr,$addr,$mask,120" --dhcp-option=option:router,"$gw" \
		--dhcp-leasefile="$W/dnsmasq-$name.leases" --dhcp-authoritative --no-ping \
		--log-dhcp --log-facility=-
	DHCPD[$name]=$SPAWNED
	wait_until 10 in_ns_quiet "$ns" ss -Hulnp "sport = :67" ||
		{ show_file "$W/dnsmasq-$name.log.err"; fatal "dnsmasq $name did not start"; }
}

# dhcp_client IFACE: busybox udhcpc on the mobile's IFACE (up), in the
# foreground of a background job; its events (tests/vm/udhcpc.script) in
# $W/udhcpc-IFACE.log, its pid in ${DHCPC[IFACE]}. Returns once leased.
declare -gA DHCPC=()
dhcp_client() {
	must ip -n "$m" link set "$1" up
	spawn_to "$W/udhcpc-$1.log" "$m" busybox udhcpc -f -i "$1" \
		-s "$REPO/tests/vm/udhcpc.script" -t 10 -T 1 -A 1
	DHCPC[$1]=$SPAWNED
	wait_until 30 file_has "$W/udhcpc-$1.log" "udhcpc: lease" ||
		{ show_file "$W/udhcpc-$1.log" "$W/udhcpc-$1.log.err"; return 1; }
	sed 's/^/# /' "$W/udhcpc-$1.log"
}

# dhcp_setup: dnsmasq on r1 (access A) and r2 (access B, a /$COA_PLEN:
# 24 unless the topology narrows it); the mobile's m1 gives up the static
# address of setup_topology and leases $ORIG instead.
dhcp_setup() {
	local m32=$(((0xffffffff << (32 - ${COA_PLEN:-24})) & 0xffffffff))

	dhcp_server A "$r1" a1 $ORIG 192.0.2.1
	dhcp_server B "$r2" a2 $COA 203.0.113.1 \
		"$((m32 >> 24)).$((m32 >> 16 & 255)).$((m32 >> 8 & 255)).$((m32 & 255))"
	must ip -n "$m" addr flush dev m1
	check "m: DHCP lease of $ORIG on access A" dhcp_client m1
	capture ip -n "$m" route show default
	check_match "m: default route via 192.0.2.1 from the lease" "^default via 192.0.2.1 dev m1" "$OUT"
	must ip netns exec "$m" ping -c 1 -W 5 "$CN"
}

# dhcp_move: the mobile leaves access A (its link goes down and the DHCP
# client lets the lease go) and gets a lease on access B: address and
# default route from the DHCP server, nothing by hand. The moment m1 goes
# down is logged in $W/move.log.
dhcp_move() {
	local n
	n=$(grep -c "m1 deconfigured" "$W/udhcpc-m1.log")
	must ip -n "$m" link set m1 down
	echo "$(date +%H:%M:%S.%3N) move: m1 down, leaving access A" >>"$W/move.log"
	run kill -USR2 "${DHCPC[m1]}"
	check "m: the lease on access A released" wait_until 10 \
		eval "[ \$(grep -c 'm1 deconfigured' '$W/udhcpc-m1.log') -gt $n ]"
	check "m: DHCP lease of $COA on access B" dhcp_client m2
}

# dhcp_stop: end the DHCP clients and servers (before teardown_topology)
dhcp_stop() {
	local p
	for p in "${DHCPC[@]}" "${DHCPD[@]}"; do
		kill -TERM "$p" 2>/dev/null && proc_wait 5 "$p" >/dev/null
	done
	DHCPC=()
	DHCPD=()
}
