# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Helpers for the VM scenarios (tests/vm/scenarios/*.sh), sourced by them:
#
#   . "$REPO/tests/vm/lib.sh"
#
# The guest (tests/vm/guest.sh) exports REPO, KVER, HMMP_KO (the freshly
# built module) and PATH (with $REPO/build/bin first). A scenario is one
# script: an ASCII topology at the top, one function per case run through
# 'tcase', every command echoed ('run', 'must', 'check ...', 'in_ns').
#
# Reporting (TAP-like, read by people):
#   + CMD                a command, as run
#     ok - DESC          a check passed
#     not ok - DESC      a check failed (the scenario will fail)
#   ok - case NAME       all checks of a case passed
#   not ok - case NAME   some did not
# The scenario's exit status is 0 only if at least one check ran and none
# failed. On exit, whatever happened, cleanups run in reverse order:
# registered commands, background processes, namespaces, hmmp.ko if
# hmmp_load loaded it.
#
# Sourcing with HMMP_LIB_NOINIT=1 defines the functions and variables only
# (guest.sh uses HMMP_DMESG_BAD and hmmp_taint_letters).

# Kernel log lines that fail a scenario (guest.sh) and dmesg_clean_since.
HMMP_DMESG_BAD='WARNING:|BUG:|Oops|general protection|refcount_t|UBSAN|KASAN|kmemleak|list_del corruption|list_add corruption|RCU stall|rcu: INFO|detected stall|hung task|blocked for more than|Kernel panic|kernel BUG'

# Taint bits as letters, as in Documentation/admin-guide/tainted-kernels.rst.
hmmp_taint_letters() { # VALUE
	local letters=PFSRMBUDAWCIOELKXTNJ i out=""
	for ((i = 0; i < ${#letters}; i++)); do
		(($1 & (1 << i))) && out="$out${letters:i:1}"
	done
	echo "${out:--}"
}

[ "${HMMP_LIB_NOINIT:-0}" = 1 ] && return 0

HMMP_CHECKS=0
HMMP_FAILS=0
HMMP_CASES=0
HMMP_CASES_FAILED=0
HMMP_CLEANUP=()
HMMP_PIDS=()
HMMP_NETNS=()
HMMP_LOADED=0
HMMP_NS_SEQ=0
HMMP_KO=${HMMP_KO:-${REPO:-}/build/${KVER:-$(uname -r)}/kmod/hmmp.ko}

# --- output and checks -------------------------------------------------

_hmmp_show() { # CMD... : print "+ CMD" with shell quoting where needed
	local a out="+"
	for a in "$@"; do
		if [[ "$a" =~ ^[A-Za-z0-9_./:=,@%+-]+$ ]]; then out="$out $a"
		else out="$out $(printf '%q' "$a")"; fi
	done
	echo "$out"
}

# run CMD...: echo, run, return its status.
run() {
	_hmmp_show "$@"
	"$@"
}

# capture CMD...: echo, run, keep stdout in $OUT, stderr in $ERR, status in
# $RC (also returned); both outputs are shown (stderr lines as "stderr: ").
capture() {
	local f=/tmp/.hmmp-capture.$$ l
	_hmmp_show "$@"
	OUT=$("$@" 2>"$f")
	RC=$?
	ERR=$(<"$f")
	rm -f "$f"
	[ -z "$OUT" ] || printf '%s\n' "$OUT"
	if [ -n "$ERR" ]; then
		while IFS= read -r l; do echo "stderr: $l"; done <<<"$ERR"
	fi
	[ $RC -eq 0 ] || echo "# exit status $RC"
	return $RC
}

# in_ns NS CMD...: run CMD in network namespace NS, echoed.
in_ns() {
	local ns=$1
	shift
	run ip netns exec "$ns" "$@"
}

ok() { # DESC
	HMMP_CHECKS=$((HMMP_CHECKS + 1))
	echo "  ok - $1"
}

not_ok() { # DESC [WHY]
	HMMP_CHECKS=$((HMMP_CHECKS + 1))
	HMMP_FAILS=$((HMMP_FAILS + 1))
	echo "  not ok - $1${2:+ ($2)}"
}

# check DESC CMD...: the check passes when CMD exits 0.
check() {
	local desc=$1 rc
	shift
	run "$@"
	rc=$?
	if [ $rc -eq 0 ]; then ok "$desc"; else not_ok "$desc" "exit status $rc"; fi
	return $rc
}

# check_fails DESC CMD...: the check passes when CMD exits non-zero.
check_fails() {
	local desc=$1 rc
	shift
	run "$@"
	rc=$?
	if [ $rc -ne 0 ]; then ok "$desc"; return 0; fi
	not_ok "$desc" "succeeded but should have failed"
	return 1
}

# check_rc DESC RC CMD...: the check passes when CMD exits with status RC.
check_rc() {
	local desc=$1 want=$2 rc
	shift 2
	run "$@"
	rc=$?
	if [ $rc -eq "$want" ]; then ok "$desc"; return 0; fi
	not_ok "$desc" "exit status $rc, expected $want"
	return 1
}

# check_eq DESC EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; return 0; fi
	not_ok "$1" "expected '$2', got '$3'"
	return 1
}

# check_ne DESC UNEXPECTED ACTUAL
check_ne() {
	if [ "$2" != "$3" ]; then ok "$1"; return 0; fi
	not_ok "$1" "got '$3'"
	return 1
}

# check_match DESC EXTENDED-REGEX TEXT: some line of TEXT matches (bash's
# =~, POSIX extended regular expressions, as grep -E).
check_match() {
	local l
	while IFS= read -r l; do
		[[ $l =~ $2 ]] && { ok "$1"; return 0; }
	done <<<"$3"
	not_ok "$1" "no line matches /$2/"
	return 1
}

# check_no_match DESC EXTENDED-REGEX TEXT: no line of TEXT matches.
check_no_match() {
	local l
	while IFS= read -r l; do
		[[ $l =~ $2 ]] && { not_ok "$1" "a line matches /$2/: $l"; return 1; }
	done <<<"$3"
	ok "$1"
}

# must CMD...: a setup step; when it fails the scenario stops (and fails).
must() {
	local rc
	run "$@"
	rc=$?
	[ $rc -eq 0 ] && return 0
	not_ok "setup: $*" "exit status $rc"
	echo "# stopping: a setup step failed"
	exit 1
}

# fatal MSG: stop the scenario, failed.
fatal() {
	not_ok "$1"
	echo "# stopping"
	exit 1
}

# tcase FUNC [DESC]: run one case and report it.
tcase() {
	local f=$1 before=$HMMP_FAILS t0=${EPOCHREALTIME/./} t1
	echo
	echo "# case $f${2:+: $2}"
	HMMP_CASES=$((HMMP_CASES + 1))
	"$f"
	t1=${EPOCHREALTIME/./}
	if [ "$HMMP_FAILS" -eq "$before" ]; then
		echo "ok - case $f"
	else
		HMMP_CASES_FAILED=$((HMMP_CASES_FAILED + 1))
		echo "not ok - case $f"
	fi
	printf '# case %s took %d.%d s\n' "$f" $(((t1 - t0) / 1000000)) $(((t1 - t0) / 100000 % 10))
}

# wait_until SECONDS CMD...: poll CMD (quietly) every 0.1 s until it
# succeeds; returns 1 on time-out.
wait_until() {
	local limit=$1 end
	shift
	end=$(($(date +%s%N) + limit * 1000000000))
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# --- JSON (jsonq.py) -------------------------------------------------------

# _hmmp_json OP ARG [JSON]: one query (see jsonq.py), the document from JSON
# or stdin. Goes to one jsonq.py server per scenario, started with the
# scenario (a coproc), or to a one-shot jsonq.py when that is gone (e.g. in
# a background job).
_hmmp_json() {
	local LC_ALL=C op=$1 arg=$2 doc st n res
	if [ $# -ge 3 ]; then doc=$3; else IFS= read -r -d '' doc; fi
	# The coproc's descriptors are there in the scenario's shell and its
	# $(...), not in ( ), pipelines or background jobs: those fall back.
	if [ -n "${HMMP_JSON_PID:-}" ] && [ -n "${HMMP_JSON[1]:-}" ] &&
		{ printf '%s\n%d\n%s%d\n%s' "$op" "${#arg}" "$arg" "${#doc}" "$doc" \
			>&"${HMMP_JSON[1]}"; } 2>/dev/null &&
		read -r st n <&"${HMMP_JSON[0]}"; then
		res=""
		[ "$n" -eq 0 ] || IFS= read -r -N "$n" res <&"${HMMP_JSON[0]}"
		if [ "$st" -eq 2 ]; then
			printf '%s\n' "$res" >&2
		elif [ -n "$res" ]; then
			printf '%s\n' "$res"
		fi
		return "$st"
	fi
	printf '%s' "$doc" | python3 -I -S "$REPO/tests/vm/jsonq.py" "$op" "$arg"
}

_hmmp_json_start() {
	[ -f "$REPO/tests/vm/jsonq.py" ] || return 0
	coproc HMMP_JSON { exec python3 -I -S "$REPO/tests/vm/jsonq.py" serve 2>/dev/null; }
}

_hmmp_json_stop() {
	local fd pid=${HMMP_JSON_PID:-}
	[ -n "$pid" ] || return 0
	fd=${HMMP_JSON[1]:-}
	[ -z "$fd" ] || exec {fd}>&-
	wait "$pid" 2>/dev/null
}

# json_get PATH [JSON]: print the value at PATH (keys and array indices
# separated by dots, e.g. "module" or "0.state"; "." is the whole value)
# of JSON (default: stdin). Strings print raw, the rest as JSON. Status 2
# if the input is not JSON or PATH is absent.
json_get() { _hmmp_json get "$@"; }

# json_check PYEXPR [JSON]: status 0 if the Python expression is true with
# the parsed JSON bound to 'j' (default input: stdin), 1 if false, 2 if
# not JSON or the expression raised. E.g.
#   json_check 'all(k in j for k in ("conn_count", "handoffs"))' "$out"
json_check() { _hmmp_json check "$@"; }

# json_eval PYEXPR [JSON]: print the value of the Python expression, with
# the parsed JSON bound to 'j' (strings raw, the rest as JSON), e.g.
#   json_eval 'len(j)' "$out"; json_eval '" ".join(sorted(j))' "$out"
json_eval() { _hmmp_json eval "$@"; }

# check_json DESC PYEXPR [JSON]: the check passes when the Python expression
# is true with the parsed JSON (default: $OUT, from the last 'capture') bound
# to 'j'; fails on output that is not JSON. Echoes the expression only: the
# JSON is already in the log.
check_json() {
	local desc=$1 expr=$2 json=${3-${OUT-}} err
	echo "+ json: $expr"
	if err=$(json_check "$expr" "$json" 2>&1); then ok "$desc"; return 0; fi
	not_ok "$desc" "${err:-false}"
	return 1
}

# --- cleanup -----------------------------------------------------------

# cleanup_push CMD...: run CMD when the scenario ends (last pushed, first run).
cleanup_push() {
	local q
	printf -v q '%q ' "$@"
	HMMP_CLEANUP+=("$q")
}

# spawn NS|- CMD...: start CMD in the background (in netns NS unless "-"),
# echoed, killed at exit. The pid is in $SPAWNED.
spawn() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then
		_hmmp_show "$@" "&"
		"$@" &
	else
		_hmmp_show ip netns exec "$ns" "$@" "&"
		ip netns exec "$ns" "$@" &
	fi
	SPAWNED=$!
	HMMP_PIDS+=("$SPAWNED")
}

# spawn_to FILE NS|- CMD...: as spawn, with CMD's stdout in FILE and its
# stderr in FILE.err.
spawn_to() {
	local f=$1 ns=$2
	shift 2
	[ "$ns" = - ] || set -- ip netns exec "$ns" "$@"
	echo "$(_hmmp_show "$@") >$f 2>$f.err &"
	"$@" >"$f" 2>"$f.err" &
	SPAWNED=$!
	HMMP_PIDS+=("$SPAWNED")
}

# proc_wait SECONDS PID: wait for a background process of this shell to
# end; its exit status goes into $RC and is returned (124 if it is still
# running after SECONDS: it is left running).
proc_wait() {
	local end=$(($(date +%s%N) + $1 * 1000000000))
	while _hmmp_alive "$2"; do
		if [ "$(date +%s%N)" -ge "$end" ]; then
			echo "# pid $2 still running after $1 s"
			RC=124
			return 124
		fi
		sleep 0.1
	done
	wait "$2"
	RC=$?
	echo "# pid $2 exited with status $RC"
	return $RC
}

# file_has FILE EXTENDED-REGEX: some line of FILE matches (quiet).
file_has() {
	grep -qE -- "$2" "$1" 2>/dev/null
}

# show_file FILE...: print files into the log, each line indented.
show_file() {
	local f
	for f in "$@"; do
		echo "# --- $f"
		[ -f "$f" ] && sed 's/^/#   /' "$f"
	done
}

# _hmmp_alive PID: running (a zombie, which kill -0 still finds, is not).
_hmmp_alive() {
	local st
	[ -r "/proc/$1/stat" ] || return 1
	st=$(<"/proc/$1/stat") 2>/dev/null || return 1
	st=${st##*) }
	[ "${st%% *}" != Z ]
}

_hmmp_exit() {
	local rc=$? i pid ns
	trap - EXIT TERM INT HUP
	echo
	echo "# cleanup"
	for ((i = ${#HMMP_CLEANUP[@]} - 1; i >= 0; i--)); do
		echo "+ ${HMMP_CLEANUP[i]}"
		eval "${HMMP_CLEANUP[i]}"
	done
	# Background processes: TERM, up to 5 s to go, then KILL.
	for pid in "${HMMP_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for ((i = 0; i < 50; i++)); do
		for pid in "${HMMP_PIDS[@]}"; do
			_hmmp_alive "$pid" && break
			pid=""
		done
		[ -z "${pid:-}" ] && break
		sleep 0.1
	done
	for pid in "${HMMP_PIDS[@]}"; do
		if _hmmp_alive "$pid"; then
			echo "# pid $pid ignored SIGTERM: SIGKILL"
			kill -9 "$pid" 2>/dev/null
		fi
		wait "$pid" 2>/dev/null
	done
	for ns in "${HMMP_NETNS[@]}"; do
		run ip netns del "$ns"
	done
	if [ "$HMMP_LOADED" = 1 ] && [ -d /sys/module/hmmp ]; then
		run rmmod hmmp || not_ok "cleanup: rmmod hmmp"
	fi
	_hmmp_json_stop
	echo "# ${HMMP_SCENARIO:-$0}: $HMMP_CASES cases ($HMMP_CASES_FAILED failed), $HMMP_CHECKS checks ($HMMP_FAILS failed)"
	if [ "$HMMP_CHECKS" -eq 0 ]; then
		echo "# no check ran: that is a failure"
		exit 1
	fi
	[ "$HMMP_FAILS" -eq 0 ] || exit 1
	[ $rc -eq 0 ] || echo "# exit status $rc"
	exit $rc
}
trap _hmmp_exit EXIT
_hmmp_json_start
trap 'echo "# terminated by a signal"; exit 143' TERM INT HUP

# --- namespaces and links -----------------------------------------------

# netns_add VAR: create a network namespace with a unique name (VAR-PID-N),
# loopback up, deleted at exit; the name goes into the shell variable VAR.
netns_add() {
	local name
	HMMP_NS_SEQ=$((HMMP_NS_SEQ + 1))
	name="$1-$$-$HMMP_NS_SEQ"
	must ip netns add "$name"
	HMMP_NETNS+=("$name")
	must ip -n "$name" link set lo up
	printf -v "$1" '%s' "$name"
}

# netns_del NAME: delete a namespace made by netns_add before the exit does.
netns_del() {
	local i rc
	run ip netns del "$1"
	rc=$?
	for i in "${!HMMP_NETNS[@]}"; do
		[ "${HMMP_NETNS[i]}" = "$1" ] && unset 'HMMP_NETNS[i]'
	done
	return $rc
}

# veth_pair NS1 IF1 NS2 IF2: a veth link between two namespaces, both ends up.
veth_pair() {
	must ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	must ip -n "$1" link set "$2" up
	must ip -n "$3" link set "$4" up
}

# addr_add NS IF ADDR/LEN
addr_add() {
	must ip -n "$1" addr add "$3" dev "$2"
}

# --- TCP helpers (tcp.py: nothing but python3 needed) ---------------------

# tcp_server NS ADDR PORT: listen and echo back, in the background until
# exit; returns once the socket listens.
tcp_server() {
	spawn "$1" python3 -I -S "$REPO/tests/vm/tcp.py" server "$2" "$3"
	wait_until 10 in_ns_quiet "$1" ss -Htln "src $2:$3" ||
		fatal "tcp server on $2:$3 in $1 did not start"
}

# tcp_client NS ADDR PORT [INTERVAL [SRC]]: connect (from SRC), then send a
# line every INTERVAL seconds (0.5) and check the echo, in the background
# until exit; returns once the connection is established. $SPAWNED is the
# client's pid: if it has exited, the connection broke (see its message).
tcp_client() {
	local pid
	spawn "$1" python3 -I -S "$REPO/tests/vm/tcp.py" client "$2" "$3" "${4:-0.5}" ${5:+"$5"}
	pid=$SPAWNED
	wait_until 10 in_ns_quiet "$1" ss -Htn state established "dst $2:$3" ||
		fatal "tcp client to $2:$3 in $1 did not connect"
	SPAWNED=$pid
}

in_ns_quiet() {
	local ns=$1 out
	shift
	out=$(ip netns exec "$ns" "$@" 2>/dev/null) && [ -n "$out" ]
}

# --- hmmp.ko -----------------------------------------------------------

# hmmp_load [PARAM=VALUE...]: insmod the freshly built module; it is
# unloaded at exit if still there. Returns insmod's status.
hmmp_load() {
	local rc
	if [ ! -f "$HMMP_KO" ]; then
		echo "# $HMMP_KO does not exist: build it on the host with 'make' (make kmod)"
		return 1
	fi
	HMMP_LOADED=1
	# insmod resolves no dependency: UDP encapsulation uses the kernel's
	# UDP tunnel API (udp_tunnel.ko), which modprobe would load first.
	run modprobe udp_tunnel || return $?
	run insmod "$HMMP_KO" "$@"
	rc=$?
	[ $rc -eq 0 ] || return $rc
	[ -d /sys/module/hmmp ] || { echo "# insmod succeeded but /sys/module/hmmp is absent"; return 1; }
}

# hmmp_unload: rmmod hmmp; returns rmmod's status.
hmmp_unload() {
	run rmmod hmmp
}

# --- kernel state ------------------------------------------------------

# dmesg_mark: print a mark for dmesg_clean_since (the kernel log's length).
dmesg_mark() {
	dmesg | wc -l
}

# dmesg_clean_since MARK: 0 if no kernel message since MARK matches
# HMMP_DMESG_BAD; else print the offending lines and return 1.
dmesg_clean_since() {
	local bad
	bad=$(dmesg | tail -n +$(($1 + 1)) | grep -E "$HMMP_DMESG_BAD")
	[ -z "$bad" ] && return 0
	printf '%s\n' "$bad"
	return 1
}

# taint_only_oe: 0 if the kernel gained no taint bit since boot other than
# out-of-tree (O) and unsigned (E); else print the taint and return 1.
taint_only_oe() {
	local t extra
	t=$(cat /proc/sys/kernel/tainted)
	extra=$(((t & ~${HMMP_BOOT_TAINT:-0}) & ~(4096 | 8192)))
	[ $extra -eq 0 ] && return 0
	echo "# taint $t ($(hmmp_taint_letters "$t")), since boot: $(hmmp_taint_letters $extra)"
	return 1
}

# --- SIP_EYE tables (hmmpctl -j), quiet: for wait_until and $(...) -------

# _hmmp_in NS CMD...: CMD in NS, or here when NS is "-".
_hmmp_in() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then "$@"; else ip netns exec "$ns" "$@"; fi
}

# hmmp_conns NS [FILTER...]: the JSON array of 'hmmpctl -j conn show FILTER'.
hmmp_conns() {
	local ns=$1
	shift
	_hmmp_in "$ns" hmmpctl -j conn show "$@" 2>/dev/null
}

# hmmp_stat NS KEY: one counter of 'hmmpctl -j stats' in NS.
hmmp_stat() {
	local out
	out=$(_hmmp_in "$1" hmmpctl -j stats 2>/dev/null) || return 1
	json_get "$2" "$out"
}

# hmmp_config_has NS KEY VALUE: 'hmmpctl -j config' in NS says KEY is
# VALUE (e.g. udp_port 5060: a tunnel socket is attached).
hmmp_config_has() {
	local out
	out=$(_hmmp_in "$1" hmmpctl -j config 2>/dev/null) || return 1
	[ "$(json_get "$2" "$out")" = "$3" ]
}

# hmmp_count_is NS N: NS's table holds N records (stats conn_count).
hmmp_count_is() {
	[ "$(hmmp_stat "$1" conn_count)" = "$2" ]
}

# hmmp_bind_count_is NS N: NS's binding table holds N bindings.
hmmp_bind_count_is() {
	[ "$(hmmp_stat "$1" bind_count)" = "$2" ]
}

# hmmp_conn_absent NS LPORT RPORT: no record with these ports in NS.
hmmp_conn_absent() {
	local out
	out=$(hmmp_conns "$1") || return 1
	json_check "not any(c['lport'] == $2 and c['rport'] == $3 for c in j)" "$out"
}

# hmmp_conn_state_is NS LPORT RPORT STATE: that record is in STATE.
hmmp_conn_state_is() {
	local out
	out=$(hmmp_conns "$1") || return 1
	json_check "[c['state'] for c in j if c['lport'] == $2 and c['rport'] == $3] == ['$4']" "$out"
}

# conn_sel LPORT RPORT: a Python expression (for check_json and friends)
# for the list of records with these ports.
conn_sel() {
	echo "[c for c in j if c['lport'] == $1 and c['rport'] == $2]"
}

# hmmp_show_stats NS...: log 'hmmpctl stats' of each namespace in one line.
hmmp_show_stats() {
	local ns
	for ns in "$@"; do
		echo "# stats $ns: $(_hmmp_in "$ns" hmmpctl stats 2>&1 | tr '\n' ' ')"
	done
}

# --- SIP_EYE scenarios: scratch files, TCP sessions, monitors -------------

# hmmp_workdir: $W, a scratch directory for this scenario, removed at exit.
hmmp_workdir() {
	W=$(mktemp -d "/tmp/hmmp-${HMMP_SCENARIO:-scenario}.XXXXXX") || fatal "mktemp"
	cleanup_push rm -rf "$W"
}

# shellcheck disable=SC2034 # SESS and MON are for the scenarios
declare -gA SESS=() MON=()

# tcp_session NAME NS ARGS...: 'tcp.py session ARGS' in NS, its output in
# $W/NAME; returns once its first lines are exchanged. ${SESS[NAME]} is
# its pid: signal it (HUP: more lines, USR1: FIN, USR2: RST).
tcp_session() {
	local name=$1 ns=$2
	shift 2
	spawn_to "$W/$name" "$ns" python3 -I -S "$REPO/tests/vm/tcp.py" session "$@"
	SESS[$name]=$SPAWNED
	if ! wait_until 20 file_has "$W/$name" "lines exchanged"; then
		show_file "$W/$name" "$W/$name.err"
		fatal "session $name did not start"
	fi
	show_file "$W/$name"
}

# tcp_session_more NAME: SIGHUP, and wait until the session says it
# exchanged its lines (a new "lines exchanged" line).
tcp_session_more() {
	local n
	n=$(grep -c "lines exchanged" "$W/$1")
	run kill -HUP "${SESS[$1]}"
	wait_until 20 eval "[ \$(grep -c 'lines exchanged' '$W/$1') -gt $n ]"
	local rc=$?
	show_file "$W/$1"
	return $rc
}

# hmmp_monitor NAME NS [-j]: 'hmmpctl [-j] monitor' in NS, output in
# $W/mon-NAME (stderr in $W/mon-NAME.err), pid in ${MON[NAME]}; returns
# once it listens: a hand-off that moves nothing still sends its event.
hmmp_monitor() {
	local name=$1 ns=$2 j=${3:-}
	# shellcheck disable=SC2086 # $j is empty or -j
	spawn_to "$W/mon-$name" "$ns" hmmpctl $j monitor
	# shellcheck disable=SC2034 # for the scenarios
	MON[$name]=$SPAWNED
	# Nothing has current address 203.0.113.254: nothing moves.
	wait_until 10 eval "ip netns exec '$ns' hmmpctl handoff from 203.0.113.254 to 203.0.113.253 >/dev/null; \
		sleep 0.2; grep -q 'handoff' '$W/mon-$name'" ||
		{ show_file "$W/mon-$name" "$W/mon-$name.err"; fatal "monitor $name in $ns is not listening"; }
	echo "# monitor $name listening in $ns"
}

# mon_doc NAME: the JSON lines of monitor NAME (-j) as one JSON array.
mon_doc() { echo "[$(grep -h '^{' "$W/mon-$1" | paste -sd,)]"; }

# mon_has NAME PYEXPR: monitor NAME (-j) printed an event 'e' for which
# PYEXPR is true.
mon_has() { json_check "any($2 for e in j)" "$(mon_doc "$1")"; }

# mon_seq NAME LPORT RPORT: the events (-j) of that record, in order.
mon_seq() {
	json_eval "' '.join(e['event'] for e in j if e.get('lport') == $2 and e.get('rport') == $3)" \
		"$(mon_doc "$1")"
}

# hmmpctl_in NS ARGS...: hmmpctl in NS ("-": this namespace), for capture.
hmmpctl_in() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then set -- hmmpctl "$@"; else set -- ip netns exec "$ns" hmmpctl "$@"; fi
	capture "$@"
}

# check_rec NS DESC LPORT RPORT PYEXPR: NS has exactly one record with these
# ports and PYEXPR (about 'c') holds for it. The dump is left in $OUT.
check_rec() {
	local ns=$1 desc=$2 lp=$3 rp=$4 expr=$5
	hmmpctl_in "$ns" -j conn show
	check_json "$desc" "len($(conn_sel "$lp" "$rp")) == 1 and all(($expr) for c in $(conn_sel "$lp" "$rp"))"
}

# ports_are NS DESC "FILTER..." "LPORT...": the filtered dump in NS (- for
# this namespace) lists exactly the records with these local ports (sorted,
# blank-separated). The dump is left in $OUT.
ports_are() {
	local ns=$1 desc=$2 filter=$3 want=$4
	# shellcheck disable=SC2086 # FILTER is words
	hmmpctl_in "$ns" -j conn show $filter
	check_eq "$desc" "$want" \
		"$(json_eval '" ".join(str(p) for p in sorted(c["lport"] for c in j))' "$OUT")"
}
