#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# hmmpctl version and stats, as text and as JSON (-j), against the module;
# and the error a user gets when the module is not loaded.
#
#   +----------------------------------+
#   | init netns                       |
#   |   hmmpctl [-j] version | stats   |
#   |        | generic netlink "hmmp"  |
#   |   hmmp.ko (loaded / not loaded)  |
#   +----------------------------------+
#
# timeout: 180
# shellcheck source=../lib.sh
. "$REPO/tests/vm/lib.sh"

STATS_KEYS="conn_count conn_max conn_created conn_closed conn_expired
conn_table_full conn_picked_up pkts_tracked pkts_invalid rst_ignored handoffs
conn_entry_bytes conn_memory_bytes"
VERSION_RE='[0-9]+\.[0-9]+\.[0-9]+'

# Without the module: fail with status 2 and say what to do.
case_not_loaded() {
	local j
	check_fails "hmmp.ko not loaded" test -d /sys/module/hmmp
	for j in "" -j; do
		capture hmmpctl $j version
		check_ne "'hmmpctl $j version' fails without the module" 0 "$RC"
		check_eq "'hmmpctl $j version' exit status 2 (module not loaded)" 2 "$RC"
		check_match "'hmmpctl $j version' error mentions hmmp.ko" 'hmmp\.ko' "$ERR"
		check_match "error names the family and the remedy" \
			"generic netlink family 'hmmp' not found.*modprobe hmmp" "$ERR"
	done
	capture hmmpctl stats
	check_eq "'hmmpctl stats' exit status 2 without the module" 2 "$RC"
}

case_load() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko: nothing else to test"
}

case_version_text() {
	capture hmmpctl version
	check_eq "'hmmpctl version' exit status" 0 "$RC"
	check_match "first line: hmmpctl X.Y.Z" "^hmmpctl $VERSION_RE\$" "$OUT"
	check_match "second line: hmmp.ko X.Y.Z (genl family hmmp, api N)" \
		"^hmmp\.ko $VERSION_RE \(genl family hmmp, api [0-9]+\)\$" "$OUT"
	check_eq "two lines" 2 "$(printf '%s\n' "$OUT" | wc -l)"
	TEXT_MODULE=$(printf '%s\n' "$OUT" | sed -n 's/^hmmp\.ko \([^ ]*\) .*/\1/p')
	TEXT_API=$(printf '%s\n' "$OUT" | sed -n 's/.*, api \([0-9]*\))$/\1/p')
}

case_version_json() {
	local v
	capture hmmpctl -j version
	check_eq "'hmmpctl -j version' exit status" 0 "$RC"
	check_json "output parses as a JSON object" 'isinstance(j, dict)' "$OUT"
	check_json "keys hmmpctl, module, api" \
		 'all(k in j for k in ("hmmpctl", "module", "api"))' "$OUT"
	check_json "hmmpctl and module are X.Y.Z strings" \
		'all(isinstance(j[k], str) and __import__("re").fullmatch(r"'"$VERSION_RE"'", j[k]) for k in ("hmmpctl", "module"))' "$OUT"
	check_json "api is a positive integer" \
		 'type(j["api"]) is int and j["api"] > 0' "$OUT"
	check_eq "JSON module version = text" "${TEXT_MODULE:-}" "$(json_get module "$OUT")"
	check_eq "JSON api = text" "${TEXT_API:-}" "$(json_get api "$OUT")"
	if [ -r /sys/module/hmmp/version ]; then
		v=$(</sys/module/hmmp/version)
		check_eq "module version = /sys/module/hmmp/version" "$v" "$(json_get module "$OUT")"
	fi
}

case_stats_text() {
	local k
	capture hmmpctl stats
	check_eq "'hmmpctl stats' exit status" 0 "$RC"
	for k in $STATS_KEYS; do
		check_match "line '$k <integer>'" "^$k [0-9]+\$" "$OUT"
	done
	check_eq "every line is 'key integer'" "" \
		"$(printf '%s\n' "$OUT" | grep -vE '^[a-z0-9_]+ [0-9]+$')"
	TEXT_KEYS=$(printf '%s\n' "$OUT" | cut -d' ' -f1 | sort | tr '\n' ' ')
}

case_stats_json() {
	local keys
	# shellcheck disable=SC2086 # one key per word
	keys=$(printf '"%s",' $STATS_KEYS)
	capture hmmpctl -j stats
	check_eq "'hmmpctl -j stats' exit status" 0 "$RC"
	check_json "output parses as a JSON object" 'isinstance(j, dict)' "$OUT"
	check_json "all stats keys present" "all(k in j for k in ($keys))" "$OUT"
	check_json "all values are non-negative integers" \
		 'all(type(v) is int and v >= 0 for v in j.values())' "$OUT"
	check_json "conn_count = 0 with no traffic" 'j["conn_count"] == 0' "$OUT"
	check_json "conn_max > 0" 'j["conn_max"] > 0' "$OUT"
	check_eq "JSON and text list the same keys" "${TEXT_KEYS:-}" \
		"$(json_eval '" ".join(sorted(j)) + " "' "$OUT")"
}

case_unload() {
	check "rmmod hmmp" hmmp_unload
	capture hmmpctl stats
	check_eq "'hmmpctl stats' exit status 2 after unloading" 2 "$RC"
}

tcase case_not_loaded "hmmpctl without the module"
tcase case_load "load the module"
tcase case_version_text "hmmpctl version"
tcase case_version_json "hmmpctl -j version"
tcase case_stats_text "hmmpctl stats"
tcase case_stats_json "hmmpctl -j stats"
tcase case_unload "unload, hmmpctl notices"
