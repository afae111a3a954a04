#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 'make demo' (tests/vm/run --demo): a short tour, output on the terminal.
# Loads hmmp.ko, opens a TCP connection between two namespaces, shows what
# hmmpctl reports, unloads.
#
#   +-------------------+   veth    +-------------------+
#   | mn (mobile)       |-----------| cn (correspondent)|
#   |  192.0.2.1/24     |    TCP    |  192.0.2.2/24     |
#   |  tcp.py client ---|---------->|  tcp.py server    |
#   +-------------------+   :7000   +-------------------+
# shellcheck source=lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

demo() {
	echo "# kernel $(uname -r), module $HMMP_KO"
	check "load hmmp.ko" hmmp_load || fatal "hmmp.ko did not load"
	netns_add mn
	netns_add cn
	veth_pair "$mn" vmn "$cn" vcn
	addr_add "$mn" vmn 192.0.2.1/24
	addr_add "$cn" vcn 192.0.2.2/24
	tcp_server "$cn" 192.0.2.2 7000
	tcp_client "$mn" 192.0.2.2 7000 0.2
	sleep 1
	check "hmmpctl version" in_ns "$mn" hmmpctl version
	check "hmmpctl stats" in_ns "$mn" hmmpctl stats
	check "hmmpctl conn show" in_ns "$mn" hmmpctl conn show
	check "hmmpctl -j conn show" in_ns "$mn" hmmpctl -j conn show
	check "hmmpctl conn show (correspondent)" in_ns "$cn" hmmpctl conn show
	kill "$SPAWNED"
	sleep 0.5
	netns_del "$mn"
	netns_del "$cn"
	check "unload hmmp.ko" hmmp_unload
}

tcase demo "a TCP connection seen by hmmp"
