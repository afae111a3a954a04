#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hmmp.ko keeps its state per network namespace: configuration set in one
# namespace does not show in another, and a connection is listed only by
# the namespaces it runs in.
#
#   +--------------------+               +--------------------+
#   | a                  |   veth        | c                  |
#   |  va 192.0.2.1/24   |---------------|  vc 192.0.2.2/24   |
#   |  tcp.py client ----|---- TCP ----->|  tcp.py server     |
#   |  table_max 100     |               |  :5001             |
#   +--------------------+               +--------------------+
#
#   +--------------------+
#   | b (no link)        |   sees neither a's config nor a's connection
#   |  defaults          |
#   +--------------------+
#
# timeout: 180
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

PORT=5001

case_setup() {
	netns_add a
	netns_add b
	netns_add c
	veth_pair "$a" va "$c" vc
	addr_add "$a" va 192.0.2.1/24
	addr_add "$c" vc 192.0.2.2/24
	must ip netns exec "$a" ping -c 1 -W 5 192.0.2.2
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko: nothing else to test"
}

# table_max set in a stays in a.
case_config_per_netns() {
	local def_b def_init
	capture ip netns exec "$b" hmmpctl -j config show
	check_eq "'config show -j' in b: exit status" 0 "$RC"
	check_json "b's config has all keys" 'all(k in j for k in ("table_max",
		"timeout_setup", "timeout_established", "timeout_release",
		"timeout_disconnect", "roles"))' "$OUT"
	def_b=$(json_get table_max "$OUT")
	capture hmmpctl -j config show
	def_init=$(json_get table_max "$OUT")
	check_eq "b starts with the same table_max as the initial netns" "$def_init" "$def_b"
	check_ne "the default table_max is not 100 (else this case proves nothing)" 100 "$def_b"

	check "set table_max 100 in a" in_ns "$a" hmmpctl config set table_max 100
	capture ip netns exec "$a" hmmpctl -j config show
	check_eq "a: table_max is 100" 100 "$(json_get table_max "$OUT")"
	capture ip netns exec "$a" hmmpctl config show
	check_match "a: text 'config show' says table_max 100" '^table_max 100$' "$OUT"

	capture ip netns exec "$b" hmmpctl -j config show
	check_eq "b: table_max still the default" "$def_b" "$(json_get table_max "$OUT")"
	capture hmmpctl -j config show
	check_eq "initial netns: table_max still the default" "$def_init" \
		"$(json_get table_max "$OUT")"
}

conn_in() { # NS: the JSON connection table of NS
	ip netns exec "$1" hmmpctl -j conn show
}

a_lists_conn() { json_check "$has_conn" "$(conn_in "$a")"; }

has_conn='any(c["remote"] == "192.0.2.2" and str(c["rport"]) == "'$PORT'" for c in j)'

case_conn_per_netns() {
	local client
	tcp_server "$c" 192.0.2.2 "$PORT"
	tcp_client "$a" 192.0.2.2 "$PORT" 0.2
	client=$SPAWNED

	# The module may need a packet or two to see the connection.
	wait_until 10 a_lists_conn
	capture ip netns exec "$a" hmmpctl -j conn show
	check_eq "a: 'conn show -j' exit status" 0 "$RC"
	check_json "a: output is a JSON array" 'isinstance(j, list)' "$OUT"
	check_json "a: lists the connection to 192.0.2.2:$PORT" "$has_conn" "$OUT"
	check_json "a: that connection is established, local 192.0.2.1" \
		'any(c["remote"] == "192.0.2.2" and str(c["rport"]) == "'"$PORT"'" and
		     c["state"] == "established" and c["cur_local"] == "192.0.2.1" and
		     c["orig_local"] == "192.0.2.1" for c in j)' "$OUT"
	check_json "a: records carry every documented key" \
		'all(all(k in c for k in ("orig_local", "prev_local", "cur_local",
		  "remote", "lport", "rport", "state", "cl_id", "opener", "pkts_out",
		  "pkts_in", "bytes_out", "bytes_in", "age_ms", "idle_ms")) for c in j)' "$OUT"

	capture ip netns exec "$b" hmmpctl -j conn show
	check_eq "b: 'conn show -j' exit status" 0 "$RC"
	check_json "b: output is a JSON array" 'isinstance(j, list)' "$OUT"
	check_json "b: does not list a's connection" "not ($has_conn)" "$OUT"
	check_eq "b: table empty" 0 "$(json_eval 'len(j)' "$OUT")"

	capture ip netns exec "$b" hmmpctl -j stats
	check_eq "b: stats conn_count 0" 0 "$(json_get conn_count "$OUT")"
	capture hmmpctl -j conn show
	check_json "initial netns: does not list a's connection" "not ($has_conn)" "$OUT"

	# c holds the other end; what it tracks depends on its roles: shown only.
	in_ns "$c" hmmpctl conn show

	check "the TCP client still runs (connection intact)" kill -0 "$client"
}

tcase case_setup "namespaces, link, module"
tcase case_config_per_netns "configuration is per namespace"
tcase case_conn_per_netns "connections are listed per namespace"
