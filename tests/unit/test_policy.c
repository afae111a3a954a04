// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/hmmpd/core/policy.c (what a correspondent or a router
 * grants a binding request), with a random test against a naive
 * reference of the rules.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <uapi/linux/hmmp.h>

#include "core/config.h"
#include "core/kern.h"
#include "core/policy.h"
#include "util.h"

static uint32_t A(const char *s)
{
	uint32_t a = 0;

	if (hmmp_addr_parse(s, &a))
		fail_msg("bad test address %s", s);
	return a;
}

#define ORIG	A("192.0.2.10")
#define COA	A("203.0.113.10")
#define CN	A("198.51.100.10")
#define CN2	A("198.51.100.11")

struct fix {
	struct hmmpd_conf conf;
	struct hmmpd_body body;
	struct hmmp_conn conns[8];
	size_t nconns;
	struct hmmp_binding binds[8];
	size_t nbinds;
	struct hmmpd_ifaddr addrs[4];
	size_t naddrs;
	const char *peers[2];
	unsigned int npeers;
	struct hmmpd_claim claims[20];
	size_t nclaims;
	uint64_t now_s;
	uint32_t src;
	uint16_t src_port;
	bool proxied;
	struct hmmpd_policy pol;
};

static int setup(void **state)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	hmmpd_conf_defaults(&f->conf);
	f->conf.roles = HMMP_ROLE_CORRESPONDENT;
	hmmpd_body_init(&f->body);
	f->addrs[0] = (struct hmmpd_ifaddr){ .addr = CN, .plen = 24, .ifindex = 2 };
	f->addrs[1] = (struct hmmpd_ifaddr){ .addr = A("127.0.0.1"), .plen = 8,
					     .ifindex = 1, .loopback = true };
	f->naddrs = 2;
	f->peers[0] = "m";
	f->npeers = 1;
	/*
	 * The addresses the tests bind are m's in hmmpd.conf (deny by
	 * default: test_not_proven has what an unlisted one gets).
	 */
	f->conf.npeers = 1;
	snprintf(f->conf.peers[0].name, sizeof(f->conf.peers[0].name), "m");
	f->conf.peers[0].addr[0] = ORIG;
	f->conf.peers[0].addr[1] = A("192.0.2.11");
	f->conf.peers[0].addr[2] = A("192.0.2.12");
	f->conf.peers[0].naddr = 3;
	f->src = COA;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;

	hmmpd_body_free(&f->body);
	hmmpd_policy_free(&f->pol);
	free(f);
	return 0;
}

static void conn(struct fix *f, uint32_t local, uint32_t remote, uint16_t lport,
		 uint8_t st)
{
	struct hmmp_conn *c = &f->conns[f->nconns++];

	memset(c, 0, sizeof(*c));
	c->orig_local = c->cur_local = local;
	c->remote = remote;
	c->lport = lport;
	c->rport = 40000;
	c->state = st;
}

/* The last conn() with both ISNs (its identity). */
static void isns(struct fix *f, uint32_t local, uint32_t remote)
{
	struct hmmp_conn *c = &f->conns[f->nconns - 1];

	c->isn_local = local;
	c->isn_remote = remote;
	HMMP_SET(c, HMMP_CONN_A_ISN_LOCAL);
	HMMP_SET(c, HMMP_CONN_A_ISN_REMOTE);
}

/* A router's link to the mobile's access network: 192.0.2.1/24. */
static void on_link_a(struct fix *f)
{
	f->addrs[2] = (struct hmmpd_ifaddr){ .addr = A("192.0.2.1"), .plen = 24,
					     .ifindex = 3 };
	f->naddrs = 3;
}

/* A translation's two views. */
static void check_views(const struct hmmp_xlate *x, uint32_t l, uint16_t lp,
			uint32_t r, uint16_t rp, uint32_t pl, uint16_t plp,
			uint32_t pr, uint16_t prp)
{
	assert_int_equal(x->laddr, l);
	assert_int_equal(x->lport, lp);
	assert_int_equal(x->raddr, r);
	assert_int_equal(x->rport, rp);
	assert_int_equal(x->peer_laddr, pl);
	assert_int_equal(x->peer_lport, plp);
	assert_int_equal(x->peer_raddr, pr);
	assert_int_equal(x->peer_rport, prp);
}

static int decide(struct fix *f)
{
	struct hmmpd_policy_in in = {
		.conf = &f->conf, .src = f->src, .src_port = f->src_port,
		.proxied = f->proxied,
		.peers = f->peers,
		.npeers = f->npeers, .body = &f->body, .conns = f->conns,
		.nconns = f->nconns, .binds = f->binds, .nbinds = f->nbinds,
		.addrs = f->addrs, .naddrs = f->naddrs,
		.claims = f->claims, .nclaims = f->nclaims, .now_s = f->now_s,
	};

	hmmpd_policy_free(&f->pol);
	return hmmpd_policy_decide(&in, &f->pol);
}

static void test_correspondent_grants(void **state)
{
	struct fix *f = *state;
	const struct hmmpd_policy_op *op;

	conn(f, CN, ORIG, 5001, HMMP_CONN_ESTABLISHED);
	conn(f, CN, ORIG, 5002, HMMP_CONN_RELEASE_REQ);
	conn(f, CN2, ORIG, 22, HMMP_CONN_SETUP_PROG);
	conn(f, CN, A("192.0.2.99"), 80, HMMP_CONN_ESTABLISHED);
	f->conf.max_lifetime = 120;
	hmmpd_body_add_bind(&f->body, ORIG, COA, 600, HMMP_ENCAP_MINIMAL,
			    HMMP_BIND_CORRESPONDENT);
	assert_int_equal(decide(f), 0);
	/* one per local address the connections use */
	assert_int_equal(f->pol.n, 2);
	op = &f->pol.ops[0];
	assert_false(op->del);
	assert_int_equal(op->b.orig, ORIG);
	assert_int_equal(op->b.coa, COA);
	assert_int_equal(op->b.peer, CN);
	assert_int_equal(op->b.kind, HMMP_BIND_CORRESPONDENT);
	assert_int_equal(op->b.encap, HMMP_ENCAP_MINIMAL);
	assert_int_equal(op->b.lifetime, 120);	/* capped */
	assert_int_equal(op->nconn, 2);
	assert_true(HMMP_HAVE(&op->b, HMMP_BIND_A_LIFETIME));
	assert_int_equal(f->pol.ops[1].b.peer, CN2);
	assert_int_equal(f->pol.ops[1].nconn, 1);
	assert_int_equal(f->pol.granted, 120);
}

static void test_correspondent_refusals(void **state)
{
	struct fix *f = *state;

	/* no connection with that address (closing ones do not count) */
	conn(f, CN, ORIG, 5001, HMMP_CONN_RELEASE_ACK);
	conn(f, CN, ORIG, 5002, HMMP_CONN_DISCONNECT);
	conn(f, CN, A("192.0.2.11"), 5003, HMMP_CONN_ESTABLISHED);
	hmmpd_body_add_bind(&f->body, ORIG, COA, 60, HMMP_ENCAP_IPIP, 0);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: no live connection with the original address");
	assert_int_equal(f->pol.n, 0);
	/* not required: one binding for any peer */
	f->conf.require_connection = false;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_int_equal(f->pol.ops[0].b.peer, 0);
	f->conf.require_connection = true;

	/* a second, good binding does not save the first */
	conn(f, CN, ORIG, 5004, HMMP_CONN_ESTABLISHED);
	hmmpd_body_add_bind(&f->body, A("192.0.2.12"), COA, 60, HMMP_ENCAP_IPIP, 0);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 2: no live connection with the original address");

	/* the care-of address must be the source */
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	hmmpd_body_add_bind(&f->body, ORIG, A("203.0.113.99"), 60, HMMP_ENCAP_IPIP, 0);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: care-of address is not the request's source");

	/* an address of this host */
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	hmmpd_body_add_bind(&f->body, CN, COA, 60, HMMP_ENCAP_IPIP, 0);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: original address is this host's");

	/* an address hmmpd.conf gives to another peer */
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	hmmpd_body_add_bind(&f->body, ORIG, COA, 60, HMMP_ENCAP_IPIP, 0);
	f->conf.npeers = 2;
	f->conf.peers[0].naddr = 0;
	snprintf(f->conf.peers[1].name, sizeof(f->conf.peers[1].name), "eve");
	f->conf.peers[1].addr[0] = ORIG;
	f->conf.peers[1].naddr = 1;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: original address belongs to another peer");
	f->peers[1] = "eve";		/* the credentials are eve's too */
	f->npeers = 2;
	assert_int_equal(decide(f), 0);
	/* the owner's own */
	f->conf.peers[1].addr[0] = 0;
	f->conf.peers[1].naddr = 0;
	f->conf.peers[0].addr[0] = ORIG;
	f->conf.peers[0].naddr = 1;
	f->npeers = 1;
	assert_int_equal(decide(f), 0);

	/* no correspondent role */
	f->conf.roles = HMMP_ROLE_MOBILE;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: this host takes no bindings");
	f->body.bind[0].kind = HMMP_BIND_CORRESPONDENT;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: this host is no correspondent");
	f->body.bind[0].kind = HMMP_BIND_ROUTER;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: this host is no router");
}

static void test_router(void **state)
{
	struct fix *f = *state;
	const struct hmmpd_policy_op *op;

	f->conf.roles = HMMP_ROLE_ROUTER;
	f->conf.max_lifetime = 30;
	on_link_a(f);
	/* the seed's form: no kind, lifetime from Expires */
	hmmpd_body_add_bind(&f->body, ORIG, COA, 10, HMMP_ENCAP_IPIP, 0);
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	op = &f->pol.ops[0];
	assert_int_equal(op->b.kind, HMMP_BIND_ROUTER);
	assert_int_equal(op->b.peer, 0);
	assert_int_equal(op->b.lifetime, 10);
	assert_int_equal(f->pol.granted, 10);
	/* capped */
	f->body.bind[0].lifetime = 600;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.ops[0].b.lifetime, 30);
	/* not on one of our links */
	f->body.bind[0].orig = A("198.18.0.5");
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: original address is on none of this host's links");
	/* our own address */
	f->body.bind[0].orig = A("192.0.2.1");
	assert_int_equal(decide(f), 403);
	/* both roles: with connections correspondent, without router */
	f->conf.roles = HMMP_ROLE_ROUTER | HMMP_ROLE_CORRESPONDENT;
	f->body.bind[0].orig = ORIG;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.ops[0].b.kind, HMMP_BIND_ROUTER);
	conn(f, CN, ORIG, 5001, HMMP_CONN_ESTABLISHED);
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.ops[0].b.kind, HMMP_BIND_CORRESPONDENT);
}

static void test_release(void **state)
{
	struct fix *f = *state;

	hmmpd_binding_make(&f->binds[0], ORIG, CN, HMMP_BIND_CORRESPONDENT, COA,
			   HMMP_ENCAP_IPIP, 60);
	hmmpd_binding_make(&f->binds[1], ORIG, CN2, HMMP_BIND_CORRESPONDENT, COA,
			   HMMP_ENCAP_IPIP, 60);
	hmmpd_binding_make(&f->binds[2], ORIG, 0, HMMP_BIND_ROUTER, COA,
			   HMMP_ENCAP_IPIP, 60);
	hmmpd_binding_make(&f->binds[3], A("192.0.2.11"), CN, HMMP_BIND_CORRESPONDENT,
			   COA, HMMP_ENCAP_IPIP, 60);
	f->nbinds = 4;
	/* home again: A to A, lifetime 0, from A; no connection needed */
	hmmpd_body_add_bind(&f->body, ORIG, ORIG, 0, HMMP_ENCAP_IPIP,
			    HMMP_BIND_CORRESPONDENT);
	f->src = ORIG;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 2);
	assert_true(f->pol.ops[0].del);
	assert_int_equal(f->pol.ops[0].b.peer, CN);
	assert_true(f->pol.ops[1].del);
	assert_int_equal(f->pol.ops[1].b.peer, CN2);
	assert_int_equal(f->pol.granted, 0);
	/* from elsewhere: refused */
	f->src = A("203.0.113.77");
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: release not sent from the address");
	/* nothing to release: fine, nothing done */
	f->src = ORIG;
	f->nbinds = 0;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 0);
}

/*
 * Issue 16 item 1: a release deletes only the bindings it is the sender's
 * to delete. Alice's binding of ORIG to her care-of; eve (another peer,
 * with credentials, and ORIG listed under nobody) sends "ORIG to EVE,
 * lifetime 0" from EVE: nothing of alice's is deleted. From alice's
 * care-of, hers is; from ORIG itself (home again), every one of ORIG's.
 * A udp binding is the sender's only from its address and port.
 */
static void test_release_not_theirs(void **state)
{
	struct fix *f = *state;
	uint32_t eve = A("203.0.113.66");

	f->conf.npeers = 0;
	hmmpd_binding_make(&f->binds[0], ORIG, CN, HMMP_BIND_CORRESPONDENT, COA,
			   HMMP_ENCAP_IPIP, 60);
	f->nbinds = 1;
	f->peers[0] = "eve";
	hmmpd_body_add_bind(&f->body, ORIG, eve, 0, HMMP_ENCAP_IPIP,
			    HMMP_BIND_CORRESPONDENT);
	f->src = eve;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 0);
	/* from alice's care-of address: hers */
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	hmmpd_body_add_bind(&f->body, ORIG, COA, 0, HMMP_ENCAP_IPIP,
			    HMMP_BIND_CORRESPONDENT);
	f->peers[0] = "m";
	f->src = COA;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_true(f->pol.ops[0].del);
	assert_int_equal(f->pol.ops[0].b.coa, COA);
	/* a udp binding behind a NAT: only from its mapping */
	hmmpd_binding_make(&f->binds[0], ORIG, CN, HMMP_BIND_CORRESPONDENT, COA,
			   HMMP_ENCAP_UDP, 60);
	hmmpd_binding_set_port(&f->binds[0], 61000);
	f->src_port = 61001;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 0);
	f->src_port = 61000;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
}

/*
 * A request relayed by trusted proxies: the origin from the Vias. The
 * proxies' Vias are skipped from the top; the first other Via's address
 * (received=, else sent-by) is the origin.
 */
static void test_origin(void **state)
{
	const uint32_t trusted[] = { A("203.0.113.2"), A("198.51.100.2") };
	uint32_t o = 0;

	(void)state;
	/* edge, registrar, the mobile's own Via */
	assert_int_equal(hmmpd_policy_origin(trusted, 2, (uint32_t[]){
		A("203.0.113.2"), A("198.51.100.2"), COA }, 3, &o), 0);
	assert_int_equal(o, COA);
	/* a forged Via below the sender's: the sender's (stamped) one counts */
	assert_int_equal(hmmpd_policy_origin(trusted, 2, (uint32_t[]){
		A("203.0.113.2"), A("198.51.100.2"), A("192.0.2.66"), COA }, 4, &o), 0);
	assert_int_equal(o, A("192.0.2.66"));
	/* the edge's own Via seen from its far side (received= its other address) */
	assert_int_equal(hmmpd_policy_origin(trusted, 2, (uint32_t[]){
		A("203.0.113.2"), A("198.51.100.2"), A("198.51.100.1"), A("203.0.113.2"),
		COA }, 5, &o), 0);
	assert_int_equal(o, A("198.51.100.1"));
	/* the first untrusted Via has no address: no origin */
	o = 7;
	assert_int_equal(hmmpd_policy_origin(trusted, 2, (uint32_t[]){
		A("203.0.113.2"), 0, COA }, 3, &o), -1);
	/* only trusted Vias, or none */
	assert_int_equal(hmmpd_policy_origin(trusted, 2, (uint32_t[]){
		A("203.0.113.2"), A("198.51.100.2") }, 2, &o), -1);
	assert_int_equal(hmmpd_policy_origin(trusted, 2, NULL, 0, &o), -1);
	assert_int_equal(o, 7);
	/* no trusted proxy (or an unset one): the top Via is the origin */
	assert_int_equal(hmmpd_policy_origin(NULL, 0, (uint32_t[]){ COA, ORIG }, 2, &o), 0);
	assert_int_equal(o, COA);
	assert_int_equal(hmmpd_policy_origin((uint32_t[]){ 0 }, 1, (uint32_t[]){ COA }, 1, &o), 0);
	assert_int_equal(o, COA);
}

/* The rules with the origin for the source: grant, refusals, releases. */
static void test_proxied(void **state)
{
	struct fix *f = *state;

	conn(f, CN, ORIG, 5001, HMMP_CONN_ESTABLISHED);
	f->proxied = true;
	hmmpd_body_add_bind(&f->body, ORIG, COA, 60, HMMP_ENCAP_IPIP, 0);
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_int_equal(f->pol.ops[0].b.coa, COA);
	/* an origin that is not the care-of address */
	f->src = A("192.0.2.66");
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: care-of address is not the request's origin (Via)");
	assert_int_equal(f->pol.n, 0);
	assert_null(f->pol.ops);
	/* a second binding with another care-of: the whole request refused */
	f->src = COA;
	hmmpd_body_add_bind(&f->body, ORIG, A("203.0.113.99"), 60, HMMP_ENCAP_IPIP, 0);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 2: care-of address is not the request's origin (Via)");
	/* the other rules still hold */
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	hmmpd_body_add_bind(&f->body, A("192.0.2.12"), COA, 60, HMMP_ENCAP_IPIP, 0);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: no live connection with the original address");
	/* a release from elsewhere */
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	hmmpd_body_add_bind(&f->body, ORIG, ORIG, 0, HMMP_ENCAP_IPIP,
			    HMMP_BIND_CORRESPONDENT);
	f->src = A("192.0.2.66");
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: release not sent from the address (Via)");
	f->src = ORIG;
	assert_int_equal(decide(f), 0);
}

#define NAT	A("198.18.0.77")	/* a NAT's public address */

/* encap=udp: to the source address and port, whatever the body's care-of. */
static void test_udp(void **state)
{
	struct fix *f = *state;
	const struct hmmpd_policy_op *op;
	unsigned int i;

	conn(f, CN, ORIG, 5001, HMMP_CONN_ESTABLISHED);
	conn(f, CN2, ORIG, 5002, HMMP_CONN_ESTABLISHED);
	f->src = NAT;
	f->src_port = 61000;
	hmmpd_body_add_bind(&f->body, ORIG, COA, 60, HMMP_ENCAP_UDP, 0);
	f->body.bind[0].port = 5060;	/* informational */
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 2);
	for (i = 0; i < f->pol.n; i++) {
		op = &f->pol.ops[i];
		assert_false(op->del);
		assert_int_equal(op->b.coa, NAT);
		assert_int_equal(op->b.encap, HMMP_ENCAP_UDP);
		assert_int_equal(op->b.port, 61000);
		assert_true(HMMP_HAVE(&op->b, HMMP_BIND_A_PORT));
		assert_int_equal(op->bind, 0);
	}
	/* no NAT: the same, the source is the care-of address */
	f->src = COA;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.ops[0].b.coa, COA);
	assert_int_equal(f->pol.ops[0].b.port, 61000);
	/* ipip next to it: its port-less binding, its care-of rule */
	hmmpd_body_add_bind(&f->body, A("192.0.2.11"), COA, 60, HMMP_ENCAP_IPIP, 0);
	conn(f, CN, A("192.0.2.11"), 5003, HMMP_CONN_ESTABLISHED);
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 3);
	op = &f->pol.ops[2];
	assert_int_equal(op->b.encap, HMMP_ENCAP_IPIP);
	assert_false(HMMP_HAVE(&op->b, HMMP_BIND_A_PORT));
	f->src = NAT;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 2: care-of address is not the request's source");
	/* router kind: the same rule */
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	f->conf.roles |= HMMP_ROLE_ROUTER;
	on_link_a(f);
	hmmpd_body_add_bind(&f->body, ORIG, COA, 10, HMMP_ENCAP_UDP,
			    HMMP_BIND_ROUTER);
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_int_equal(f->pol.ops[0].b.kind, HMMP_BIND_ROUTER);
	assert_int_equal(f->pol.ops[0].b.coa, NAT);
	assert_int_equal(f->pol.ops[0].b.port, 61000);
}

/* What udp is refused for: proxies, a request not over UDP. */
static void test_udp_refused(void **state)
{
	struct fix *f = *state;

	conn(f, CN, ORIG, 5001, HMMP_CONN_ESTABLISHED);
	hmmpd_body_add_bind(&f->body, ORIG, COA, 60, HMMP_ENCAP_UDP, 0);
	f->src_port = 0;		/* over TCP or SCTP */
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: " HMMPD_POLICY_UDP_NOT_UDP);
	assert_int_equal(f->pol.n, 0);
	f->src_port = 5060;
	f->proxied = true;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: " HMMPD_POLICY_UDP_PROXIED);
	f->src_port = 0;		/* proxies said first, whatever the transport */
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: " HMMPD_POLICY_UDP_PROXIED);
	/* refused as a whole: an acceptable binding before it changes nothing */
	f->proxied = false;
	f->src_port = 0;
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	hmmpd_body_add_bind(&f->body, A("192.0.2.11"), COA, 60, HMMP_ENCAP_IPIP, 0);
	hmmpd_body_add_bind(&f->body, ORIG, COA, 60, HMMP_ENCAP_UDP, 0);
	conn(f, CN, A("192.0.2.11"), 5003, HMMP_CONN_ESTABLISHED);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 2: " HMMPD_POLICY_UDP_NOT_UDP);
	assert_int_equal(f->pol.n, 0);
	/* the other rules come first: no connection, no udp question */
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	hmmpd_body_add_bind(&f->body, A("192.0.2.99"), COA, 60, HMMP_ENCAP_UDP,
			    HMMP_BIND_ROUTER);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: this host is no router");
}

/* encap=auto: udp behind a NAT, else the configured encapsulation. */
static void test_auto(void **state)
{
	struct fix *f = *state;
	const struct hmmpd_policy_op *op;

	conn(f, CN, ORIG, 5001, HMMP_CONN_ESTABLISHED);
	hmmpd_body_add_bind(&f->body, ORIG, COA, 60, HMMPD_ENCAP_AUTO, 0);
	f->conf.encap = HMMP_ENCAP_MINIMAL;
	/* the care-of is the source: nothing in between, minimal */
	f->src_port = 5060;
	assert_int_equal(decide(f), 0);
	op = &f->pol.ops[0];
	assert_int_equal(op->b.encap, HMMP_ENCAP_MINIMAL);
	assert_int_equal(op->b.coa, COA);
	assert_false(HMMP_HAVE(&op->b, HMMP_BIND_A_PORT));
	/* a NAT: udp to its mapping */
	f->src = NAT;
	f->src_port = 61000;
	assert_int_equal(decide(f), 0);
	op = &f->pol.ops[0];
	assert_int_equal(op->b.encap, HMMP_ENCAP_UDP);
	assert_int_equal(op->b.coa, NAT);
	assert_int_equal(op->b.port, 61000);
	/* a NAT but over TCP: the configured one, and its care-of rule */
	f->src_port = 0;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: care-of address is not the request's source");
	f->src = COA;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.ops[0].b.encap, HMMP_ENCAP_MINIMAL);
	/* relayed: the configured one, never udp */
	f->proxied = true;
	f->src_port = 5060;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.ops[0].b.encap, HMMP_ENCAP_MINIMAL);
	f->src = NAT;			/* an origin other than the care-of */
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: care-of address is not the request's origin (Via)");
	/* configured udp: udp where it can be, else ipip; configured auto: ipip */
	f->proxied = false;
	f->src = COA;
	f->conf.encap = HMMP_ENCAP_UDP;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.ops[0].b.encap, HMMP_ENCAP_UDP);
	assert_int_equal(f->pol.ops[0].b.port, 5060);
	f->src_port = 0;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.ops[0].b.encap, HMMP_ENCAP_IPIP);
	f->conf.encap = HMMPD_ENCAP_AUTO;
	f->src_port = 5060;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.ops[0].b.encap, HMMP_ENCAP_IPIP);
	/* a release with auto: as before */
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	hmmpd_body_add_bind(&f->body, ORIG, ORIG, 0, HMMPD_ENCAP_AUTO,
			    HMMP_BIND_CORRESPONDENT);
	hmmpd_binding_make(&f->binds[0], ORIG, CN, HMMP_BIND_CORRESPONDENT, NAT,
			   HMMP_ENCAP_UDP, 60);
	hmmpd_binding_set_port(&f->binds[0], 61000);
	f->nbinds = 1;
	f->src = ORIG;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_true(f->pol.ops[0].del);
	f->src = NAT;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: release not sent from the address");
}

static void test_addr_helpers(void **state)
{
	struct fix *f = *state;

	(void)f;
	assert_true(hmmpd_addr_is_local(f->addrs, f->naddrs, CN));
	assert_false(hmmpd_addr_is_local(f->addrs, f->naddrs, 0));
	assert_true(hmmpd_addr_on_link(f->addrs, f->naddrs, CN2));
	/* loopback is no link */
	assert_false(hmmpd_addr_on_link(f->addrs, f->naddrs, A("127.0.0.5")));
	assert_false(hmmpd_addr_on_link(f->addrs, f->naddrs, ORIG));
}

/* ---- random input against a naive reference ---- */

struct ref {
	int status;
	unsigned int nset, ndel;
	uint8_t encap[HMMPD_BODY_MAX_BINDINGS];	/* installed, per binding */
};

static struct ref reference(const struct fix *f)
{
	struct ref r = { .status = 0 };
	unsigned int i, k;
	size_t j;

	for (i = 0; i < f->body.nbind; i++) {
		const struct hmmpd_bind *b = &f->body.bind[i];
		unsigned int live = 0, locals = 0;
		uint32_t seen[8];
		uint8_t kind = b->kind;

		for (j = 0; j < f->nconns; j++) {
			const struct hmmp_conn *c = &f->conns[j];

			if (c->remote != b->orig || c->state > HMMP_CONN_RELEASE_REQ)
				continue;
			live++;
			for (k = 0; k < locals; k++)
				if (seen[k] == c->cur_local)
					break;
			if (k == locals)
				seen[locals++] = c->cur_local;
		}
		if (!kind)
			kind = HMMP_BIND_CORRESPONDENT;
		/* the encapsulation, the rules spelt out one by one */
		r.encap[i] = b->encap;
		if (b->lifetime && b->encap == HMMP_ENCAP_UDP &&
		    (f->proxied || !f->src_port)) {
			r.status = 403;
			return r;
		}
		if (b->encap == HMMPD_ENCAP_AUTO) {
			bool udp_ok = !f->proxied && f->src_port;

			if (udp_ok && b->coa != f->src)
				r.encap[i] = HMMP_ENCAP_UDP;
			else if (f->conf.encap == HMMP_ENCAP_IPIP ||
				 f->conf.encap == HMMP_ENCAP_MINIMAL)
				r.encap[i] = f->conf.encap;
			else if (f->conf.encap == HMMP_ENCAP_UDP && udp_ok)
				r.encap[i] = HMMP_ENCAP_UDP;
			else		/* auto (the default), or udp not possible */
				r.encap[i] = HMMP_ENCAP_IPIP;
		}
		if (b->coa != f->src && b->lifetime &&
		    r.encap[i] != HMMP_ENCAP_UDP) {
			r.status = 403;
			return r;
		}
		if (b->lifetime && !live) {
			r.status = 403;
			return r;
		}
		/* deny by default: no identities here, so only m's own */
		if (b->lifetime && !hmmpd_conf_peer_by_addr(&f->conf, b->orig)) {
			r.status = 403;
			return r;
		}
		if (!b->lifetime) {
			if (b->orig != f->src && b->coa != f->src) {
				r.status = 403;
				return r;
			}
			/* from the address itself all, else the sender's */
			for (j = 0; j < f->nbinds; j++)
				r.ndel += f->binds[j].orig == b->orig &&
					  f->binds[j].kind == kind &&
					  (b->orig == f->src ||
					   f->binds[j].coa == f->src);
		} else {
			r.nset += locals;
		}
	}
	return r;
}

static void test_random_reference(void **state)
{
	static const char *const origs[] = { "192.0.2.10", "192.0.2.11", "192.0.2.12" };
	static const char *const locals[] = { "198.51.100.10", "198.51.100.11" };
	struct fix *f = *state;
	unsigned int round, i, nset, ndel;
	struct ref want;
	int st;

	static const uint8_t confs[] = {
		HMMPD_ENCAP_AUTO, HMMP_ENCAP_IPIP, HMMP_ENCAP_MINIMAL, HMMP_ENCAP_UDP,
	};

	srand(7);
	for (round = 0; round < 2000; round++) {
		f->conf.encap = confs[round % 4];
		/* m's in hmmpd.conf: the first naddr of origs[] */
		f->conf.peers[0].naddr = (unsigned int)(rand() % 4);
		for (i = 0; i < f->conf.peers[0].naddr; i++)
			f->conf.peers[0].addr[i] = A(origs[i]);
		f->nconns = (size_t)(rand() % 8);
		for (i = 0; i < f->nconns; i++) {
			struct hmmp_conn *c = &f->conns[i];

			memset(c, 0, sizeof(*c));
			c->orig_local = c->cur_local = A(locals[rand() % 2]);
			c->remote = A(origs[rand() % 3]);
			c->lport = (uint16_t)(1 + rand() % 3);
			c->rport = 5000;
			c->state = (uint8_t)(rand() % 6);
		}
		f->nbinds = (size_t)(rand() % 4);
		for (i = 0; i < f->nbinds; i++)
			hmmpd_binding_make(&f->binds[i], A(origs[rand() % 3]),
					   A(locals[rand() % 2]),
					   (uint8_t)(1 + rand() % 2), COA,
					   HMMP_ENCAP_IPIP, 60);
		hmmpd_body_free(&f->body);
		hmmpd_body_init(&f->body);
		for (i = 0; i < (unsigned int)(1 + rand() % 3); i++) {
			static const uint8_t encaps[] = {
				HMMP_ENCAP_IPIP, HMMP_ENCAP_UDP, HMMPD_ENCAP_AUTO,
			};
			uint32_t o = A(origs[i]);
			bool release = rand() % 4 == 0;

			hmmpd_body_add_bind(&f->body, o, release ? o : COA,
					    release ? 0 : 60, encaps[rand() % 3],
					    HMMP_BIND_CORRESPONDENT);
		}
		f->src = rand() % 8 ? (rand() % 3 ? COA : NAT) : A(origs[0]);
		f->src_port = rand() % 4 ? 61000 : 0;
		f->proxied = rand() % 5 == 0;
		want = reference(f);
		st = decide(f);
		assert_int_equal(st, want.status);
		nset = ndel = 0;
		for (i = 0; !st && i < f->pol.n; i++) {
			const struct hmmpd_policy_op *op = &f->pol.ops[i];
			bool udp = want.encap[op->bind] == HMMP_ENCAP_UDP;

			if (op->del) {
				ndel++;
				continue;
			}
			nset++;
			assert_int_equal(op->b.encap, want.encap[op->bind]);
			assert_int_equal(op->b.coa, udp ? f->src : COA);
			assert_int_equal(HMMP_HAVE(&op->b, HMMP_BIND_A_PORT), udp);
			assert_int_equal(op->b.port, udp ? f->src_port : 0);
		}
		if (!st) {
			assert_int_equal(nset, want.nset);
			assert_int_equal(ndel, want.ndel);
		} else {
			assert_int_equal(f->pol.n, 0);
		}
	}
}

/*
 * Issue 16 item 1, deny by default, as the issue reproduced it: a server
 * for roaming laptops, peers alice and eve with credentials and no fixed
 * addresses. Alice has a connection with this host. Eve's INFO "bind
 * alice's address to me" (the seed's form, no identity) was granted (an
 * address binding diverting all of alice's traffic to eve); now 403, and
 * so is a guessed identity. Alice's own INFO, with her connection's
 * identity, gets that connection only (a translation to its own 4-tuple,
 * no address binding: her other connection, not in the body, and the
 * address's other traffic stay as they were); her release deletes it. A
 * router binds a bystander's address only when it is the peer's.
 */
static void test_not_proven(void **state)
{
	struct fix *f = *state;
	const uint32_t eve = A("203.0.113.66");
	struct hmmpd_tcp t = {
		.laddr = ORIG, .lport = 40000, .raddr = CN, .rport = 5001,
		.flags = HMMPD_TCP_ISN, .isn_l = 200, .isn_r = 100,
	};
	const struct hmmpd_policy_op *op;

	f->conf.npeers = 0;		/* nobody's address is listed */
	conn(f, CN, ORIG, 5001, HMMP_CONN_ESTABLISHED);
	isns(f, 100, 200);
	conn(f, CN, ORIG, 5002, HMMP_CONN_ESTABLISHED);	/* not in the body */

	/* eve: the seed's form, from her own address */
	f->peers[0] = "eve";
	f->src = eve;
	hmmpd_body_add_bind(&f->body, ORIG, eve, 60, HMMP_ENCAP_IPIP, 0);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: " HMMPD_POLICY_NOT_PROVEN);
	assert_int_equal(f->pol.n, 0);
	/* with require_connection off, or udp behind a NAT: the same */
	f->conf.require_connection = false;
	assert_int_equal(decide(f), 403);
	f->conf.require_connection = true;
	f->src_port = 5060;
	f->body.bind[0].encap = HMMP_ENCAP_UDP;
	f->body.bind[0].coa = A("192.168.1.5");
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: " HMMPD_POLICY_NOT_PROVEN);
	f->src_port = 0;
	f->body.bind[0].encap = HMMP_ENCAP_IPIP;
	f->body.bind[0].coa = eve;
	/* a Conn with a guessed identity proves nothing */
	t.isn_l = 201;
	assert_int_equal(hmmpd_body_add_conn(&f->body, &t), 0);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: " HMMPD_POLICY_NOT_PROVEN);
	/* a Conn without one neither */
	f->body.conn[0].flags = 0;
	assert_int_equal(decide(f), 403);

	/* alice, from her care-of address, with her connection's identity */
	f->peers[0] = "alice";
	f->src = COA;
	f->body.bind[0].coa = COA;
	f->body.conn[0].flags = HMMPD_TCP_ISN;
	f->body.conn[0].isn_l = 200;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	op = &f->pol.ops[0];
	assert_true(op->xlate);
	assert_false(op->del);
	/* this host's view and the peer's are the same 4-tuple */
	check_views(&op->x, CN, 5001, ORIG, 40000, ORIG, 40000, CN, 5001);
	assert_int_equal(op->x.coa, COA);
	assert_int_equal(op->x.encap, HMMP_ENCAP_IPIP);
	assert_int_equal(f->pol.granted, 60);
	/* her release, from the care-of address: that translation */
	f->body.bind[0].lifetime = 0;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_true(f->pol.ops[0].xlate);
	assert_true(f->pol.ops[0].del);
	assert_int_equal(f->pol.ops[0].x.rport, 40000);
	/* eve's release naming alice's connection wrongly: nothing */
	f->peers[0] = "eve";
	f->src = eve;
	f->body.bind[0].coa = eve;
	f->body.conn[0].isn_l = 201;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 0);

	/* a router and an on-link bystander's address, nobody's */
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	f->conf.roles = HMMP_ROLE_ROUTER;
	on_link_a(f);
	hmmpd_body_add_bind(&f->body, ORIG, eve, 30, HMMP_ENCAP_IPIP, 0);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: " HMMPD_POLICY_NOT_CLAIMED);
	assert_int_equal(f->pol.n, 0);
	/* eve's own, listed: granted */
	f->conf.npeers = 1;
	snprintf(f->conf.peers[0].name, sizeof(f->conf.peers[0].name), "eve");
	f->conf.peers[0].addr[0] = ORIG;
	f->conf.peers[0].naddr = 1;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_int_equal(f->pol.ops[0].b.kind, HMMP_BIND_ROUTER);
}

static void claim_of(struct fix *f, uint32_t addr, const char *peer,
		     uint64_t expires)
{
	struct hmmpd_claim *c = &f->claims[f->nclaims++];

	c->addr = addr;
	snprintf(c->peer, sizeof(c->peer), "%s", peer);
	c->expires_s = expires;
}

/*
 * The router's evidence (issue 16 item 1): a peer claims its address
 * while on-link, from that address (the challenge went there), and may
 * then bind it after a move; nobody else may, and a later claim by
 * another peer (the lease went to someone else) ends the first one's
 * forwarding.
 */
static void test_claims(void **state)
{
	struct fix *f = *state;
	const struct hmmpd_policy_op *op;
	uint32_t a;
	unsigned int i;

	f->conf.roles = HMMP_ROLE_ROUTER;
	f->conf.npeers = 0;
	on_link_a(f);
	f->now_s = 1000;
	f->peers[0] = "alice";
	/* alice on-link at ORIG: "ORIG to ORIG" from ORIG */
	f->src = ORIG;
	hmmpd_body_add_bind(&f->body, ORIG, ORIG, 7200, HMMP_ENCAP_IPIP,
			    HMMP_BIND_ROUTER);
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	op = &f->pol.ops[0];
	assert_true(op->claim);
	assert_false(op->del);
	assert_int_equal(op->b.orig, ORIG);
	assert_int_equal(op->b.lifetime, 3600);		/* claim_lifetime */
	assert_int_equal(f->pol.granted, 3600);
	/* no kind: at a router, a claim too */
	f->body.bind[0].kind = 0;
	assert_int_equal(decide(f), 0);
	assert_true(f->pol.ops[0].claim);
	/* from elsewhere, through proxies, off-link, of a listed address */
	f->src = COA;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: claim not sent from the address");
	f->src = ORIG;
	f->proxied = true;
	assert_int_equal(decide(f), 403);
	f->proxied = false;
	f->body.bind[0].orig = f->body.bind[0].coa = A("198.18.0.5");
	f->src = A("198.18.0.5");
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: original address is on none of this host's links");
	f->body.bind[0].orig = f->body.bind[0].coa = f->src = ORIG;
	f->conf.npeers = 1;
	snprintf(f->conf.peers[0].name, sizeof(f->conf.peers[0].name), "eve");
	f->conf.peers[0].addr[0] = ORIG;
	f->conf.peers[0].naddr = 1;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: original address belongs to another peer");
	f->conf.npeers = 0;
	/* no claims taken here */
	f->conf.claim_lifetime = 0;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: this host takes no claims");
	f->conf.claim_lifetime = 3600;
	f->conf.roles = HMMP_ROLE_CORRESPONDENT;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: this host takes no claims");
	f->conf.roles = HMMP_ROLE_ROUTER;

	/* alice moved: her binding of ORIG with her live claim */
	claim_of(f, ORIG, "alice", 2000);
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	hmmpd_body_add_bind(&f->body, ORIG, COA, 10, HMMP_ENCAP_IPIP,
			    HMMP_BIND_ROUTER);
	f->src = COA;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_false(f->pol.ops[0].claim);
	assert_int_equal(f->pol.ops[0].b.kind, HMMP_BIND_ROUTER);
	/* eve: not hers */
	f->peers[0] = "eve";
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: " HMMPD_POLICY_NOT_CLAIMED);
	/* alice's claim expired */
	f->peers[0] = "alice";
	f->now_s = 2000;
	assert_int_equal(decide(f), 403);
	f->now_s = 1000;

	/* eve gets ORIG's lease later and claims it: alice's forwarding ends */
	hmmpd_binding_make(&f->binds[0], ORIG, 0, HMMP_BIND_ROUTER, COA,
			   HMMP_ENCAP_IPIP, 10);
	f->nbinds = 1;
	hmmpd_body_free(&f->body);
	hmmpd_body_init(&f->body);
	hmmpd_body_add_bind(&f->body, ORIG, ORIG, 3600, HMMP_ENCAP_IPIP,
			    HMMP_BIND_ROUTER);
	f->peers[0] = "eve";
	f->src = ORIG;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 2);
	assert_true(f->pol.ops[0].claim);
	assert_true(f->pol.ops[1].del);
	assert_int_equal(f->pol.ops[1].b.coa, COA);

	/* at most HMMPD_CLAIMS_PER_PEER live claims a peer */
	f->nbinds = 0;
	f->nclaims = 0;
	for (i = 0; i < HMMPD_CLAIMS_PER_PEER; i++)
		claim_of(f, htonl(ntohl(A("192.0.2.100")) + i), "eve", 2000);
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: too many claims of this peer");
	/* renewing one of them is fine; an expired one leaves room */
	a = f->claims[3].addr;
	f->body.bind[0].orig = f->body.bind[0].coa = f->src = a;
	assert_int_equal(decide(f), 0);
	f->body.bind[0].orig = f->body.bind[0].coa = f->src = ORIG;
	f->claims[0].expires_s = 999;
	assert_int_equal(decide(f), 0);
}

/*
 * Identities: two mobiles behind two home NATs with the same private
 * original, while this host has a real neighbour at that address. Each
 * gets the translation of its own connection, and neither an address
 * binding of the private address (which would divert the neighbour's);
 * a Conn without an identity beside a translated one keeps the address
 * binding as in version 1.
 */
static void test_identity_same_private(void **state)
{
	struct fix *f = *state;
	const uint32_t priv = A("192.168.1.20");
	struct hmmpd_tcp t = {
		.laddr = priv, .lport = 40312, .raddr = CN, .rport = 22,
		.flags = HMMPD_TCP_ISN,
	};
	struct hmmpd_tcp plain = {
		.laddr = priv, .lport = 5000, .raddr = CN, .rport = 80,
	};
	const struct hmmpd_policy_op *op;

	conn(f, CN, A("192.0.2.1"), 22, HMMP_CONN_ESTABLISHED);	/* NAT 1 */
	f->conns[f->nconns - 1].rport = 61034;
	isns(f, 100, 200);
	conn(f, CN, A("192.0.2.2"), 22, HMMP_CONN_ESTABLISHED);	/* NAT 2 */
	f->conns[f->nconns - 1].rport = 61034;
	isns(f, 300, 400);
	conn(f, CN, priv, 80, HMMP_CONN_ESTABLISHED);		/* the neighbour */
	f->conns[f->nconns - 1].rport = 5000;

	/* mobile 1 */
	assert_int_equal(hmmpd_body_add_bind(&f->body, priv, COA, 60,
					     HMMP_ENCAP_IPIP,
					     HMMP_BIND_CORRESPONDENT), 0);
	t.isn_l = 200;
	t.isn_r = 100;
	assert_int_equal(hmmpd_body_add_conn(&f->body, &t), 0);
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	op = &f->pol.ops[0];
	assert_true(op->xlate);
	assert_false(op->del);
	assert_int_equal(op->conn, 0);
	check_views(&op->x, CN, 22, A("192.0.2.1"), 61034, priv, 40312, CN, 22);
	assert_int_equal(op->x.coa, COA);
	assert_int_equal(op->x.encap, HMMP_ENCAP_IPIP);
	assert_int_equal(f->pol.granted, 60);
	/* mobile 2: its own */
	f->body.conn[0].isn_l = 400;
	f->body.conn[0].isn_r = 300;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_int_equal(f->pol.ops[0].x.raddr, A("192.0.2.2"));
	/* NAT 2's address is another peer's in hmmpd.conf: not diverted */
	f->conf.npeers = 2;
	snprintf(f->conf.peers[0].name, sizeof(f->conf.peers[0].name), "m");
	snprintf(f->conf.peers[1].name, sizeof(f->conf.peers[1].name), "eve");
	f->conf.peers[1].addr[0] = A("192.0.2.2");
	f->conf.peers[1].naddr = 1;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason,
			    "Binding 1: a connection's address belongs to another peer");
	f->conf.peers[1].addr[0] = A("192.0.2.1");	/* the other NAT's */
	assert_int_equal(decide(f), 0);
	f->conf.npeers = 0;
	/*
	 * The ISNs the other way round name nothing. The private address is
	 * nobody's in hmmpd.conf: deny by default, whatever live connections
	 * it has (the neighbour's is not the sender's to divert).
	 */
	f->body.conn[0].isn_l = 300;
	f->body.conn[0].isn_r = 400;
	assert_int_equal(decide(f), 403);
	assert_string_equal(f->pol.reason, "Binding 1: " HMMPD_POLICY_NOT_PROVEN);
	assert_int_equal(f->pol.n, 0);
	/* listed as m's: the address rules decide, an address binding */
	f->conf.npeers = 1;
	f->conf.peers[0].addr[0] = priv;
	f->conf.peers[0].naddr = 1;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_false(f->pol.ops[0].xlate);
	assert_int_equal(f->pol.ops[0].b.orig, priv);
	/* a translated one and one without an identity: both when m's ... */
	f->body.conn[0].isn_l = 200;
	f->body.conn[0].isn_r = 100;
	assert_int_equal(hmmpd_body_add_conn(&f->body, &plain), 0);
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 2);
	assert_true(f->pol.ops[0].xlate);
	assert_false(f->pol.ops[1].xlate);
	assert_int_equal(f->pol.ops[1].b.orig, priv);
	assert_int_equal(f->pol.ops[1].b.peer, CN);
	/* ... and the proven one only when the address is nobody's */
	f->conf.npeers = 0;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_true(f->pol.ops[0].xlate);
	assert_int_equal(f->pol.ops[0].x.raddr, A("192.0.2.1"));
	/* the release of the translated one only: its translation */
	f->body.nconn = 1;
	f->body.bind[0].nconn = 1;
	f->body.bind[0].lifetime = 0;
	f->body.bind[0].coa = priv;
	assert_int_equal(decide(f), 0);
	assert_int_equal(f->pol.n, 1);
	assert_true(f->pol.ops[0].xlate);
	assert_true(f->pol.ops[0].del);
	assert_int_equal(f->pol.ops[0].x.raddr, A("192.0.2.1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_correspondent_grants, setup, teardown),
		cmocka_unit_test_setup_teardown(test_correspondent_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_router, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_not_theirs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_origin, setup, teardown),
		cmocka_unit_test_setup_teardown(test_proxied, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto, setup, teardown),
		cmocka_unit_test_setup_teardown(test_addr_helpers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_reference, setup, teardown),
		cmocka_unit_test_setup_teardown(test_identity_same_private, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_proven, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claims, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
