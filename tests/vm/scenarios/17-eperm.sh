#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Permissions: without CAP_NET_ADMIN (user nobody, no capabilities),
# 'hmmpctl config set' and 'handoff' fail with exit status 3 and
# "permission denied", 'monitor' is refused (joining the event group needs
# CAP_NET_ADMIN), and nothing changes; reading (version, stats, config,
# conn show) works and shows what root sees, but for the initial sequence
# numbers (cl_id, isn_local, isn_remote), which would let a blind sender
# inject into the connections: they are left out (issue 16 item 6).
#
# User namespaces (issue 16 item 5): root of a user namespace of its own
# ('unshare -Urn') has CAP_NET_ADMIN over its own network namespace and
# may lower table_max and bind_max there, but not raise them above the
# defaults (that needs CAP_NET_ADMIN in the initial user namespace, as
# the memory is the host's); root of a user namespace inside m (no
# capability over m) gets EPERM for changes and dumps without ISNs.
# The guest runs scenarios chrooted into the host's root, and the kernel
# refuses CLONE_NEWUSER to a chrooted process, so these run from PID 1's
# root (nsenter -t 1 -r, busybox unshare) and chroot back into /newroot.
#
#   +-------------------------------+        veth        +----------------------+
#   | m                             |--------------------| c                    |
#   |  vm 192.0.2.10/24             |                    |  vc 192.0.2.1/24     |
#   |  S1 192.0.2.10:40070 ---------|------------------->|  tcp.py server :5001 |
#   |  hmmpctl as root              |                    |                      |
#   |  hmmpctl as nobody (setpriv)  |                    |                      |
#   +-------------------------------+                    +----------------------+
#
# timeout: 180
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)

case_setup() {
	hmmp_workdir
	netns_add m
	netns_add c
	veth_pair "$m" vm "$c" vc
	addr_add "$m" vm 192.0.2.10/24
	addr_add "$c" vc 192.0.2.1/24
	must ip netns exec "$m" ping -c 1 -W 5 192.0.2.1
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko: nothing else to test"
	tcp_server "$c" 192.0.2.1 5001
	tcp_session S1 "$m" 192.0.2.1 5001 --src 192.0.2.10 --sport 40070 --lines 2
	capture ip netns exec "$m" "${NOBODY[@]}" sh -c 'id -u; sed -n "s/^CapEff:[[:space:]]*//p" /proc/self/status'
	check_eq "setpriv runs as uid 65534 without capabilities" "65534
0000000000000000" "$OUT"
}

# snapshot: what a refused request must not change: m's config, its
# records without times and counters, and its hand-off count. One process
# in m, one query.
snapshot() {
	json_eval '[j[0], sorted((c["lport"], c["rport"], c["orig_local"], c["prev_local"], c["cur_local"], c["state"], c["handoffs"]) for c in j[1]), j[2]["handoffs"]]' \
		"[$(ip netns exec "$m" sh -c 'hmmpctl -j config show; hmmpctl -j conn show; hmmpctl -j stats' 2>/dev/null | paste -sd,)]"
}

# denied DESC CMD...: as nobody in m, CMD exits 3 saying "permission
# denied", and m's state is still $SNAP0.
denied() {
	local desc=$1 after
	shift
	capture ip netns exec "$m" timeout 10 "${NOBODY[@]}" "$@"
	check_eq "$desc: exit status 3" 3 "$RC"
	check_match "$desc: says permission denied" "^hmmpctl: permission denied" "$ERR"
	check_match "$desc: names CAP_NET_ADMIN" "CAP_NET_ADMIN" "$ERR"
	after=$(snapshot)
	check_eq "$desc: nothing changed" "$SNAP0" "$after"
}

case_changes_denied() {
	SNAP0=$(snapshot)
	echo "# before: $SNAP0"
	denied "config set timeout_setup 60" hmmpctl config set timeout_setup 60
	denied "config set table_max 10" hmmpctl config set table_max 10
	denied "config set roles none" hmmpctl config set roles none
	denied "-j config set timeout_disconnect 1" hmmpctl -j config set timeout_disconnect 1
	denied "handoff to 203.0.113.7" hmmpctl handoff to 203.0.113.7
	denied "handoff from 192.0.2.10 to 203.0.113.7" hmmpctl handoff from 192.0.2.10 to 203.0.113.7
	denied "-j handoff to 203.0.113.7" hmmpctl -j handoff to 203.0.113.7
	capture ip netns exec "$m" hmmpctl -j config show
	check_json "m: config still the defaults" \
		'j["timeout_setup"] == 120 and j["table_max"] == 65536 and j["roles"] == "mobile,correspondent" and j["timeout_disconnect"] == 10'
	check_rec "$m" "m: S1 not moved" 40070 5001 'c["cur_local"] == "192.0.2.10" and c["handoffs"] == 0'
}

case_monitor_denied() {
	capture ip netns exec "$m" timeout 10 "${NOBODY[@]}" hmmpctl monitor
	check_eq "monitor as nobody: refused with exit status 3 (not left running)" 3 "$RC"
	check_match "monitor as nobody: says permission denied, names CAP_NET_ADMIN" \
		"permission denied.*CAP_NET_ADMIN" "$ERR"
	check_eq "monitor as nobody: printed no event" "" "$OUT"
	capture ip netns exec "$m" timeout 10 "${NOBODY[@]}" hmmpctl -j monitor
	check_eq "-j monitor as nobody: exit status 3" 3 "$RC"
	check_eq "monitor attempts changed nothing" "$SNAP0" "$(snapshot)"
}

# same_as_root DESC ARGS...: hmmpctl ARGS as nobody succeeds and prints
# what root's does (after FILTER: age and idle times removed).
same_as_root() {
	local desc=$1 root_out
	shift
	root_out=$(ip netns exec "$m" hmmpctl "$@" 2>/dev/null | sed -E 's/"(age|idle)_ms":[0-9]+//g')
	capture ip netns exec "$m" "${NOBODY[@]}" hmmpctl "$@"
	check_eq "$desc as nobody: exit status 0" 0 "$RC"
	check_eq "$desc as nobody: same output as root's" "$root_out" \
		"$(printf '%s\n' "$OUT" | sed -E 's/"(age|idle)_ms":[0-9]+//g')"
}

# no_isns DESC ARGS...: hmmpctl -j conn show ARGS as nobody succeeds and
# prints what root's does without cl_id, isn_local and isn_remote, which
# root's has.
no_isns() {
	local desc=$1 root_out strip='s/"(age|idle)_ms":[0-9]+//g'
	shift
	root_out=$(ip netns exec "$m" hmmpctl -j conn show "$@" 2>/dev/null)
	check_json "$desc: root sees the ISNs (cl_id, isn_local, isn_remote)" \
		'len(j) >= 1 and all("cl_id" in c and "isn_local" in c and "isn_remote" in c for c in j)' "$root_out"
	capture ip netns exec "$m" "${NOBODY[@]}" hmmpctl -j conn show "$@"
	check_eq "$desc as nobody: exit status 0" 0 "$RC"
	check_json "$desc as nobody: no cl_id, isn_local, isn_remote" \
		'len(j) >= 1 and not any(k in c for c in j for k in ("cl_id", "isn_local", "isn_remote"))'
	check_eq "$desc as nobody: otherwise root's output" \
		"$(printf '%s\n' "$root_out" | sed -E "$strip; s/\"(cl_id|isn_local|isn_remote)\":[0-9]+,//g")" \
		"$(printf '%s\n' "$OUT" | sed -E "$strip")"
}

case_reading_allowed() {
	same_as_root "version" version
	same_as_root "-j version" -j version
	same_as_root "-j config show" -j config show
	same_as_root "config" config
	no_isns "-j conn show"
	check_json "nobody sees S1" "len($(conn_sel 40070 5001)) == 1"
	no_isns "-j conn show addr 192.0.2.10" addr 192.0.2.10
	no_isns "-j conn show state established" state established
	capture ip netns exec "$m" "${NOBODY[@]}" hmmpctl -j stats
	check_eq "-j stats as nobody: exit status 0" 0 "$RC"
	check_json "stats as nobody: conn_count 1, handoffs 0" 'j["conn_count"] == 1 and j["handoffs"] == 0'
	capture ip netns exec "$m" "${NOBODY[@]}" hmmpctl stats
	check_eq "stats (text) as nobody: exit status 0" 0 "$RC"
	check_match "stats (text) as nobody: conn_count 1" '^conn_count 1$' "$OUT"
}

# in_userns NSOPT ARGS...: hmmpctl ARGS as root of a new user namespace,
# from PID 1's root (not chrooted: CLONE_NEWUSER works there), back in the
# host's root. NSOPT: -n for a network namespace of its own too, or
# --net=FILE to stay in that one (entered before the user namespace).
in_userns() {
	local nsopt=$1 net=()
	shift
	if [ "$nsopt" = -n ]; then
		set -- /bin/busybox unshare -U -r -n /bin/busybox chroot /newroot "$REPO/build/bin/hmmpctl" "$@"
	else
		net=("$nsopt")
		set -- /bin/busybox unshare -U -r /bin/busybox chroot /newroot "$REPO/build/bin/hmmpctl" "$@"
	fi
	nsenter -t 1 -r "${net[@]}" -- "$@"
}

# userns_denied DESC NSOPT ARGS...: in_userns exits 3 with "permission
# denied".
userns_denied() {
	local desc=$1
	shift
	capture in_userns "$@"
	check_eq "$desc: exit status 3" 3 "$RC"
	check_match "$desc: says permission denied" "permission denied" "$ERR"
}

# PID 1's root has no /proc (init moved it into /newroot): busybox
# unshare -r writes /proc/self/uid_map there. Mounted for these cases.
userns_proc() {
	if ! nsenter -t 1 -r -- /bin/busybox test -e /proc/self/uid_map; then
		check "a /proc in PID 1's root for unshare -r" \
			nsenter -t 1 -r -- /bin/busybox mount -t proc proc /proc
		cleanup_push nsenter -t 1 -r -- /bin/busybox umount /proc
	fi
}

case_userns_own_netns() {
	userns_proc
	capture in_userns -n -j config show
	check_eq "unshare -Urn: hmmpctl reaches the family in its own namespace" 0 "$RC"
	check_json "unshare -Urn: the defaults there" 'j["table_max"] == 65536 and j["bind_max"] == 4096'
	capture in_userns -n config set table_max 1000 bind_max 100
	check_eq "unshare -Urn: lowering table_max and bind_max is allowed (admin of its own netns)" 0 "$RC"
	userns_denied "unshare -Urn: config set table_max 4194304" -n config set table_max 4194304
	userns_denied "unshare -Urn: config set table_max 65537" -n config set table_max 65537
	userns_denied "unshare -Urn: config set bind_max 4194304" -n config set bind_max 4194304
	check "root in the initial namespace may raise table_max in m" in_ns "$m" hmmpctl config set table_max 100000
	check "and lower it back" in_ns "$m" hmmpctl config set table_max 65536
}

case_userns_in_m() {
	userns_denied "unshare -Ur in m: config set table_max 10" "--net=/run/netns/$m" config set table_max 10
	capture in_userns "--net=/run/netns/$m" -j conn show
	check_eq "unshare -Ur in m: conn show works" 0 "$RC"
	check_json "unshare -Ur in m: sees S1 without cl_id, isn_local, isn_remote" \
		"len($(conn_sel 40070 5001)) == 1 and not any(k in c for c in j for k in ('cl_id', 'isn_local', 'isn_remote'))"
}

tcase case_setup "namespaces, link, module, one connection, nobody"
tcase case_changes_denied "config set and handoff as nobody: exit 3, nothing changed"
tcase case_monitor_denied "monitor as nobody: refused"
tcase case_reading_allowed "version, stats, config, conn show (no ISNs) as nobody"
tcase case_userns_own_netns "unshare -Urn: may lower the limits of its namespace, not raise them"
tcase case_userns_in_m "unshare -Ur in m: no changes, dumps without ISNs"
