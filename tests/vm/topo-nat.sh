#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# NAT topologies for the UDP encapsulation (HMMP_ENCAP_UDP): 23-udp-nat.sh
# and the bench. Source it after lib.sh; it sources topo-move.sh. The NATs
# are nftables rules (table ip nat, chain post / pre) in the routers'
# namespaces; conntrack(8) reads and flushes their tables (scripts/deps
# installs nftables and conntrack).
#
# (a) nat_move_network: the move topology of topo-move.sh, access B's
#     router r2 masquerades what leaves c2, and neither the correspondent
#     nor r1 has a route to access B: after the move the mobile's care-of
#     203.0.113.10 is seen on the core as r2's 198.51.100.2 ($NAT_PUB).
#
#        access A 192.0.2.0/24                 core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ----+
#   | m |                         | r1 |           |  +----+ (bridge br0 in sw)
#   |   |                         +----+           +--| sw |---- e0 .10 [cn]
#   |   | m2 .10 ---------- a2 .1 +----+ c2 .2 ----+  +----+
#   +---+ (after the move)        | r2 | masquerade (oif c2)
#        access B 203.0.113.0/24  +----+
#
# (b) nat_cgn_network: the same with two NATs on the visited side (a home
#     router behind a carrier-grade NAT): access B shrinks to
#     203.0.113.0/26 (the inner network), r2 is the home router, which
#     masquerades into the middle network 203.0.113.64/26, where cgn
#     masquerades onto the core with 198.51.100.2 ($NAT_PUB again). The
#     correspondent and r1 know no route to either network.
#
#        access A 192.0.2.0/24                                  core 198.51.100.0/24
#   +---+ m1 .10 ---------- a1 .1 +----+ c1 .1 ---------------------------+
#   | m |                         | r1 |                                  |  +----+
#   |   |                         +----+                                  +--| sw |-- e0 .10 [cn]
#   |   | m2 .10 ----- a2 .1 +----+ c2 .66 ------ g1 .65 +-----+ c3 .2 ---+  +----+
#   +---+ (after the move)   | r2 | masquerade          | cgn | masquerade
#     inner 203.0.113.0/26   +----+  middle             +-----+ (oif c3)
#                            (oif c2) 203.0.113.64/26
#
# (c) helpers on a NAT namespace: nat_masquerade NS OIF [PORTS] (the
#     table, masquerade to :PORTS when given), nat_ports NS PORTS (the
#     masquerade's port range changed, e.g. 20000-20099; "" for any),
#     nat_flush NS (conntrack -F: every mapping forgotten; the next
#     datagram gets a new one, from the current port range), nat_show NS
#     (the UDP mappings, for the log), nat_mapped_port NS LPORT (the port
#     the NAT maps a UDP flow from local port LPORT to).
#
# (e) nat_home_network: picture (a), and access A is a home network
#     behind a NAT too: r1 masquerades what leaves c1 onto the core
#     (TCP and UDP to ports 30000-30099, so the correspondent's view of a
#     connection differs from the mobile's in address and port), and cn
#     has no route to access A. Connections opened at home are known to cn
#     as from $HOME_PUB (198.51.100.1), to the mobile as from $ORIG.
#
# (d) nat_forward_network: a correspondent behind a port forward, the
#     mobile behind a masquerade. The home router hr holds the address the
#     mobile knows, $CN (198.51.100.10), and forwards on it UDP $FWD_PORT
#     (15060) to the correspondent's SIP and tunnel port 5060 and TCP
#     5201-5202 to its services, at $CN_PRIV (198.51.100.138) on the home
#     network 198.51.100.128/26; whatever else the home network sends out
#     is masqueraded. The mobile's two access networks are behind one
#     masquerading router r2 (a home router with two links): $FWD_ORIG
#     on access 1, $FWD_COA on access 2, both seen on the core as $NAT_PUB.
#     Nobody on the core has a route into either private side.
#
#   access 1 203.0.113.0/26             core 198.51.100.0/25      home 198.51.100.128/26
#   +---+ m1 .10 --- a1 .1 +----+ c2 .2 ----- h1 .10 +----+ h2 .129 ----- e0 .138 +----+
#   | m |                  | r2 | masquerade         | hr | dnat udp 15060        | cn |
#   |   | m2 .74 --- a2 .65|    | (oif c2)           |    | -> .138:5060, tcp     +----+
#   +---+ access 2 .64/26  +----+                    +----+ 5201-5202; masquerade
#
# shellcheck disable=SC2034,SC2154

# shellcheck source=topo-move.sh
. "$REPO/tests/vm/topo-move.sh"

NAT_PUB=198.51.100.2	# the NAT's address on the core, in (a), (b) and (d)
CN_PRIV=198.51.100.138	# (d): the correspondent's own address at home
FWD_PORT=15060		# (d): the UDP port forwarded on $CN
FWD_ORIG=203.0.113.10	# (d): the mobile on access 1
FWD_COA=203.0.113.74	# (d): the mobile on access 2
HOME_PUB=198.51.100.1	# (e): the home NAT's address on the core
declare -gA NAT_OIF=()

# nat_masquerade NS OIF [PORTS]: masquerade what NS forwards out of OIF;
# TCP and UDP to the source ports PORTS (N-M) when given (nft maps ports
# only after a transport protocol match), the rest (ICMP) as it comes.
nat_masquerade() {
	NAT_OIF[$1]=$2
	must ip netns exec "$1" nft add table ip nat
	must ip netns exec "$1" nft add chain ip nat post \
		'{ type nat hook postrouting priority srcnat; }'
	nat_ports "$1" "${3:-}"
}

# nat_ports NS PORTS: the masquerade of NS now maps TCP and UDP to PORTS
# (N-M; empty: any port). Existing mappings stay until nat_flush.
nat_ports() {
	must ip netns exec "$1" nft flush chain ip nat post
	if [ -n "$2" ]; then
		must ip netns exec "$1" nft add rule ip nat post oifname "${NAT_OIF[$1]}" \
			meta l4proto '{ tcp, udp }' counter masquerade to :"$2"
	fi
	must ip netns exec "$1" nft add rule ip nat post oifname "${NAT_OIF[$1]}" counter masquerade
}

# nat_flush NS: forget every mapping of NS's NAT (its conntrack table).
nat_flush() {
	run ip netns exec "$1" conntrack -F
}

# nat_show NS: NS's UDP conntrack entries and NAT rules, into the log.
nat_show() {
	run ip netns exec "$1" conntrack -L -p udp
	run ip netns exec "$1" nft list table ip nat
}

# nat_mapped_port NS LPORT: print the source port that NS's NAT gives the
# UDP flow whose original source port is LPORT (the first such entry).
nat_mapped_port() {
	ip netns exec "$1" conntrack -L -p udp --orig-port-src "$2" 2>/dev/null |
		awk '{ n = 0; for (i = 1; i <= NF; i++) if ($i ~ /^dport=/ && ++n == 2) {
			sub("dport=", "", $i); print $i; exit } }'
}

# nat_move_network: picture (a), m on access A and reaching cn.
nat_move_network() {
	move_network
	must ip -n "$cn" route del 203.0.113.0/24
	must ip -n "$r1" route del 203.0.113.0/24
	nat_masquerade "$r2" c2
}

# nat_home_network: picture (e), m on access A behind the home NAT.
nat_home_network() {
	nat_move_network
	nat_masquerade "$r1" c1 30000-30099
	must ip -n "$cn" route del 192.0.2.0/24
}

# nat_cgn_network: picture (b), m on access A and reaching cn.
nat_cgn_network() {
	COA_PLEN=26
	netns_add m
	netns_add r1
	netns_add r2
	netns_add cgn
	netns_add sw
	netns_add cn
	veth_pair "$m" m1 "$r1" a1
	veth_pair "$m" m2 "$r2" a2
	veth_pair "$r2" c2 "$cgn" g1
	veth_pair "$r1" c1 "$sw" s1
	veth_pair "$cgn" c3 "$sw" s2
	veth_pair "$cn" e0 "$sw" s3
	must ip -n "$sw" link add br0 type bridge
	must ip -n "$sw" link set br0 up
	for i in s1 s2 s3; do must ip -n "$sw" link set "$i" master br0; done
	addr_add "$m" m1 $ORIG/24
	addr_add "$r1" a1 192.0.2.1/24
	addr_add "$r1" c1 198.51.100.1/24
	addr_add "$r2" a2 203.0.113.1/26
	addr_add "$r2" c2 203.0.113.66/26
	addr_add "$cgn" g1 203.0.113.65/26
	addr_add "$cgn" c3 $NAT_PUB/24
	addr_add "$cn" e0 $CN/24
	must ip -n "$m" route add default via 192.0.2.1
	must ip -n "$r2" route add default via 203.0.113.65
	must ip -n "$cgn" route add 192.0.2.0/24 via 198.51.100.1
	must ip -n "$cn" route add 192.0.2.0/24 via 198.51.100.1
	for r in "$r1" "$r2" "$cgn"; do
		must ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
	done
	nat_masquerade "$r2" c2
	nat_masquerade "$cgn" c3
	must ip netns exec "$m" ping -c 1 -W 5 $CN
}

# nat_forward_network: picture (d), m on access 1, cn reachable as $CN
# through the forwards.
nat_forward_network() {
	netns_add m
	netns_add r2
	netns_add hr
	netns_add cn
	veth_pair "$m" m1 "$r2" a1
	veth_pair "$m" m2 "$r2" a2
	veth_pair "$r2" c2 "$hr" h1
	veth_pair "$hr" h2 "$cn" e0
	addr_add "$m" m1 $FWD_ORIG/26
	must ip -n "$m" link set m2 up
	addr_add "$r2" a1 203.0.113.1/26
	addr_add "$r2" a2 203.0.113.65/26
	addr_add "$r2" c2 $NAT_PUB/25
	addr_add "$hr" h1 $CN/25
	addr_add "$hr" h2 198.51.100.129/26
	addr_add "$cn" e0 $CN_PRIV/26
	must ip -n "$m" route add default via 203.0.113.1
	must ip -n "$cn" route add default via 198.51.100.129
	for r in "$r2" "$hr"; do
		must ip netns exec "$r" sysctl -qw net.ipv4.ip_forward=1
	done
	nat_masquerade "$r2" c2
	nat_masquerade "$hr" h1
	must ip netns exec "$hr" nft add chain ip nat pre \
		'{ type nat hook prerouting priority dstnat; }'
	must ip netns exec "$hr" nft add rule ip nat pre iifname h1 ip daddr $CN \
		udp dport $FWD_PORT counter dnat to $CN_PRIV:5060
	must ip netns exec "$hr" nft add rule ip nat pre iifname h1 ip daddr $CN \
		tcp dport 5201-5202 counter dnat to $CN_PRIV
	must ip netns exec "$m" ping -c 1 -W 5 $CN
}

# nat_teardown: delete the namespaces of any of the pictures.
nat_teardown() {
	local ns
	for ns in "${m:-}" "${r1:-}" "${r2:-}" "${cgn:-}" "${hr:-}" "${sw:-}" "${cn:-}"; do
		[ -n "$ns" ] && [ -e "/run/netns/$ns" ] && netns_del "$ns"
	done
	m="" r1="" r2="" cgn="" hr="" sw="" cn=""
	COA_PLEN=24
}
