#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The usual laptop day (topo-nat.sh picture (e)): the streams are opened
# at home behind the home NAT r1 (cn knows them as from r1's address and
# ports 30000-30099, the mobile as from its private lease), then the
# mobile moves into the cafe's NAT r2. Its INFO carries each connection's
# identity (both ISNs, body version 2); cn finds its own record by it and
# installs a connection translation per connection (udp to r2's mapping,
# its view <cn, home NAT> kept for its sockets) and no address binding of
# the private original; a bulk stream both ways and an interactive one
# complete with the same SHA-256 and no reset. hmmpd.conf says
# encap = auto on both ends and nothing about NAT. (Split from
# 33-hmmpd-nat, whose helpers are in tests/vm/nat-lib.sh.)
#
#        home 192.0.2.0/24                     core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+   masquerade on c1:
#   | m |                         | r1 |           |   ports 30000-30099
#   |   |                         +----+           +--[sw]---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+
#   +---+ (after the move)        | r2 | masquerade on c2: ports 20000-29999
#        cafe 203.0.113.0/24      +----+
#
# timeout: 300
# kernels: newest (hmmpd is userspace; the translation datapath is 24-xlate's on both lines)
# shellcheck source=../lib.sh
# shellcheck disable=SC2154 # netns_add NAME assigns $NAME
. "$REPO/tests/vm/lib.sh"

# shellcheck source=../nat-lib.sh
. "$REPO/tests/vm/nat-lib.sh"

case_load() {
	check "insmod hmmp.ko" hmmp_load || fatal "cannot load hmmp.ko"
}

case_home_move() {
	FAILS0=$HMMP_FAILS NATS="the home NAT, then the cafe's"
	nat_handoff nat_home_network r2 20000 29999
	nat_finish
}

tcase case_load
tcase case_home_move "opened behind the home NAT, moved behind the cafe's: translations, streams intact"
