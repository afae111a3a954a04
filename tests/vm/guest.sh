#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the test VM, chrooted into the host's root (see tests/vm/init),
# with the host's bash, iproute2, python3 and /lib/modules tree. The host's
# tests/vm/run wrote /run/hmmp-vm/job (the results share) with:
#   REPO       the source tree (read-only here; build/ holds hmmp.ko and tools)
#   KVER       the kernel the VM booted, for build/$KVER/kmod/hmmp.ko
#   MODE       "scenarios" or "demo"
#   SCENARIOS  space-separated basenames of the scenarios to run
#   SCENARIO_DIR  where they are (tests/vm/scenarios unless told otherwise)
#   SCENARIO_TIMEOUT  default per-scenario limit in seconds ("# timeout: N"
#              in a scenario overrides it)
#
# Per scenario it writes logs/<name>.log (the scenario's output, then the
# kernel messages it caused) and one line to 'results':
#   PASS <name> <seconds>
#   FAIL <name> <seconds> <reason>
# and 'done' when all ran. A scenario fails when it exits non-zero, times
# out, makes the kernel log a warning/oops/... (the patterns in lib.sh), or
# sets a taint bit other than out-of-tree (O, 4096) and unsigned (E, 8192).
# Taint is compared with its value before the scenario, so one scenario's
# warning is not charged to the next (the dmesg check catches those anyway).
set -u

OUT=/run/hmmp-vm
# shellcheck disable=SC2034 # read by lib.sh
HMMP_LIB_NOINIT=1
# shellcheck source=lib.sh
. "$REPO/tests/vm/lib.sh"

export REPO KVER
export HMMP_KO=$REPO/build/$KVER/kmod/hmmp.ko
export PATH=$REPO/build/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# LANG=C: every exec of a dynamic binary reads its files over 9p under TCG;
# a UTF-8 locale adds a dozen more per process (cat: 115 ms -> 69 ms).
export HOME=/root LANG=C TERM=dumb
umask 022

# Each exec costs tens of milliseconds here (TCG, binaries over 9p): this
# script keeps to bash builtins where it can.
say() { echo "HMMP-VM: $*"; }
uptime() { local u _; read -r u _ </proc/uptime; echo "$u"; }
usecs() { local t=${EPOCHREALTIME/./}; echo "${t#0}"; }

if [ "${TRACE:-0}" = 1 ]; then
	PS4='+ [$(uptime)] '
	set -x
fi
read -r boot_taint </proc/sys/kernel/tainted
export HMMP_BOOT_TAINT=$boot_taint
uptime_s=$(uptime)
kernel=$(</proc/sys/kernel/osrelease)
printf 'kernel %s\nuptime %s\ntaint %s\n' "$kernel" "$uptime_s" "$boot_taint" \
	>"$OUT/booted.tmp" && mv "$OUT/booted.tmp" "$OUT/booted"
say "guest up after ${uptime_s}s, kernel $kernel, taint $boot_taint"
mkdir -p "$OUT/logs"

if [ "${MODE:-scenarios}" = demo ]; then
	say "demo: $REPO/tests/vm/demo.sh"
	cd /tmp && bash "$REPO/tests/vm/demo.sh"
	rc=$?
	say "demo exited with status $rc"
	if [ $rc -eq 0 ]; then echo "PASS demo 0" >>"$OUT/results"
	else echo "FAIL demo 0 exit status $rc" >>"$OUT/results"; fi
	echo ok >"$OUT/done"
	exit 0
fi

# Undo what a scenario left behind so that the next one starts clean; say
# so in its log. A module that cannot be unloaded fails the scenario: that
# is a leaked reference.
reset_state() { # LOG
	local ns leftover=""
	for ns in /run/netns/*; do
		[ -e "$ns" ] || continue
		ip netns del "${ns##*/}" 2>>"$1"
		leftover="$leftover netns:${ns##*/}"
	done
	if [ -d /sys/module/hmmp ]; then
		leftover="$leftover module:hmmp"
		if ! rmmod hmmp 2>>"$1"; then
			echo "## guest: hmmp.ko left loaded and rmmod failed" >>"$1"
			return 1
		fi
	fi
	[ -z "$leftover" ] || echo "## guest: scenario left behind:$leftover (removed)" >>"$1"
	return 0
}

for name in $SCENARIOS; do
	script=${SCENARIO_DIR:-$REPO/tests/vm/scenarios}/$name.sh
	log=$OUT/logs/$name.log
	limit=$SCENARIO_TIMEOUT
	while IFS= read -r l; do
		if [[ $l =~ ^#\ timeout:\ *([0-9]+) ]]; then
			limit=${BASH_REMATCH[1]}
			break
		fi
	done <"$script"
	say "run $name (timeout ${limit}s)"

	mapfile -t before < <(dmesg)
	read -r taint0 </proc/sys/kernel/tainted
	work=/tmp/scenario.$name
	mkdir -p "$work"
	t0=$(usecs)
	# timeout(1) makes itself a process group leader: what the scenario
	# left running in that group is killed afterwards.
	(cd "$work" && HMMP_SCENARIO=$name exec timeout -k 10 "$limit" \
		bash "$script") </dev/null >"$log" 2>&1 &
	spid=$!
	wait "$spid"
	rc=$?
	kill -KILL -- -"$spid" 2>/dev/null &&
		echo "## guest: killed processes the scenario left running" >>"$log"
	t1=$(usecs)
	printf -v secs '%d.%d' $(((t1 - t0) / 1000000)) $(((t1 - t0) / 100000 % 10))

	reason=""
	case $rc in
	0) ;;
	124|137) reason="timed out after ${limit}s" ;;
	*) reason="exit status $rc" ;;
	esac
	reset_state "$log" || reason="${reason:+$reason; }hmmp.ko could not be unloaded"

	mapfile -t after < <(dmesg)
	bad=""
	{
		echo "## guest: kernel messages during $name:"
		for ((i = ${#before[@]}; i < ${#after[@]}; i++)); do
			l=${after[i]}
			echo "$l"
			[ -z "$bad" ] && [[ $l =~ $HMMP_DMESG_BAD ]] && bad=$l
		done
	} >>"$log"
	[ -z "$bad" ] || reason="${reason:+$reason; }kernel log: $bad"

	read -r taint1 </proc/sys/kernel/tainted
	extra=$(((taint1 & ~taint0) & ~(4096 | 8192)))
	if [ $extra -ne 0 ]; then
		reason="${reason:+$reason; }kernel taint $taint1 ($(hmmp_taint_letters "$taint1")), new: $(hmmp_taint_letters $extra)"
	fi

	rm -rf "$work"
	if [ -z "$reason" ]; then
		echo "PASS $name $secs" >>"$OUT/results"
		say "PASS $name ${secs}s"
	else
		echo "## guest: FAIL: $reason" >>"$log"
		echo "FAIL $name $secs $reason" >>"$OUT/results"
		say "FAIL $name ${secs}s: $reason"
	fi
done

echo ok >"$OUT/done"
say "all done after $(uptime)s"
exit 0
