// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests: userspace/hmmpctl/cli.c and each object's parse function,
 * argv -> request, and its errors.
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

#include "cli.h"

#define MAXARGS 32

/* Parse a command line given as one string split on spaces. */
static int parse(struct hmmpctl_req *req, const char *line)
{
	char *copy = strdup(line), *save = NULL, *tok;
	char *argv[MAXARGS] = { "hmmpctl" };
	int argc = 1, ret;

	assert_non_null(copy);
	for (tok = strtok_r(copy, " ", &save); tok;
	     tok = strtok_r(NULL, " ", &save)) {
		assert_true(argc < MAXARGS - 1);
		argv[argc++] = tok;
	}
	argv[argc] = NULL;
	ret = hmmpctl_parse(argc, argv, req);
	free(copy);
	return ret;
}

static void ok(struct hmmpctl_req *req, const char *line, const char *obj)
{
	int ret = parse(req, line);

	if (ret)
		fail_msg("'%s' failed: %s", line, req->err);
	assert_int_equal(req->err[0], '\0');
	if (obj) {
		assert_non_null(req->obj);
		assert_string_equal(req->obj->name, obj);
	}
}

static void bad(const char *line, const char *msg)
{
	struct hmmpctl_req req;

	if (parse(&req, line) != HMMP_EXIT_USAGE)
		fail_msg("'%s' was accepted", line);
	assert_string_equal(req.err, msg);
}

static uint32_t ip(const char *s)
{
	uint32_t a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void test_options(void **state)
{
	struct hmmpctl_req req;

	(void)state;
	ok(&req, "version", "version");
	assert_false(req.json);
	assert_int_equal(req.action, HMMPCTL_RUN);
	ok(&req, "-j version", "version");
	assert_true(req.json);
	ok(&req, "--json stats", "stats");
	assert_true(req.json);
	ok(&req, "-j -- conn", "conn");
	assert_true(req.json);
	ok(&req, "-h", NULL);
	assert_int_equal(req.action, HMMPCTL_HELP);
	assert_null(req.obj);
	ok(&req, "--help", NULL);
	assert_int_equal(req.action, HMMPCTL_HELP);
	ok(&req, "-V", NULL);
	assert_int_equal(req.action, HMMPCTL_VERSION);
	ok(&req, "-j --version", NULL);
	assert_int_equal(req.action, HMMPCTL_VERSION);
	assert_true(req.json);

	bad("", "missing OBJECT");
	bad("-j", "missing OBJECT");
	bad("--", "missing OBJECT");
	bad("-x version", "unknown option '-x'");
	bad("--js version", "unknown option '--js'");	/* no prefixes */
	bad("-json version", "unknown option '-json'");
	bad("-jV", "unknown option '-jV'");
}

static void test_objects(void **state)
{
	static const char *const prefixes[] = {
		"co", "con", "conns", "bind", "stat", "ver", "mon", "hand",
		"Conn", "CONFIG", "help2", "xl", "xlat", "xlates", "XLATE",
	};
	/* the order of the help */
	static const char *const order[] = {
		"conn", "handoff", "binding", "xlate", "config", "stats",
		"monitor", "sctp", "version", "help",
	};
	struct hmmpctl_req req;
	char line[64], msg[128];
	size_t i, j;

	(void)state;
	bad("foo", "unknown object 'foo'");
	for (i = 0; i < HMMP_ARRAY_SIZE(prefixes); i++) {
		snprintf(line, sizeof(line), "%s", prefixes[i]);
		snprintf(msg, sizeof(msg), "unknown object '%s'", prefixes[i]);
		bad(line, msg);
	}
	/* the table: every object complete, names unique */
	assert_int_equal(hmmpctl_nobjects, 10);
	assert_int_equal(hmmpctl_nobjects, HMMP_ARRAY_SIZE(order));
	for (i = 0; i < hmmpctl_nobjects; i++) {
		const struct hmmpctl_object *o = hmmpctl_objects[i];

		assert_string_equal(o->name, order[i]);
		assert_non_null(o->parse);
		assert_non_null(o->usage);
		assert_non_null(o->help);
		assert_true(strncmp(o->usage, "hmmpctl ", 8) == 0);
		for (j = 0; j < i; j++)
			assert_string_not_equal(o->name, hmmpctl_objects[j]->name);
		/* an error inside an object keeps the object for its usage */
		if (o->run) {
			snprintf(line, sizeof(line), "%s bogus-word", o->name);
			assert_int_equal(parse(&req, line), HMMP_EXIT_USAGE);
			assert_ptr_equal(req.obj, o);
		}
	}
}

static void test_help(void **state)
{
	struct hmmpctl_req req;

	(void)state;
	ok(&req, "help", NULL);
	assert_int_equal(req.action, HMMPCTL_HELP);
	assert_null(req.obj);
	ok(&req, "help conn", "conn");
	assert_int_equal(req.action, HMMPCTL_HELP);
	ok(&req, "binding help", "binding");
	assert_int_equal(req.action, HMMPCTL_HELP);
	ok(&req, "-j config help", "config");
	assert_int_equal(req.action, HMMPCTL_HELP);
	bad("help foo", "help: unknown object 'foo'");
	bad("help conn x", "help: unexpected argument 'x'");
	bad("conn help x", "conn: unexpected argument 'x'");
}

static void test_version_stats_monitor(void **state)
{
	struct hmmpctl_req req;

	(void)state;
	ok(&req, "version", "version");
	ok(&req, "stats", "stats");
	ok(&req, "stats show", "stats");
	ok(&req, "monitor", "monitor");
	bad("version x", "version: unexpected argument 'x'");
	bad("version show", "version: unexpected argument 'show'");
	bad("stats x", "stats: unexpected argument 'x'");
	bad("stats show x", "stats: unexpected argument 'x'");
	bad("stats sh", "stats: unexpected argument 'sh'");
	bad("monitor all", "monitor: unexpected argument 'all'");
}

static void test_config(void **state)
{
	struct hmmpctl_req req;
	char line[128];
	size_t i;

	(void)state;
	ok(&req, "config", "config");
	assert_int_equal(req.verb, HMMPCTL_SHOW);
	ok(&req, "config show", "config");
	assert_int_equal(req.verb, HMMPCTL_SHOW);

	ok(&req, "config set table_max 100 roles mobile,correspondent timeout_setup 0",
	   "config");
	assert_int_equal(req.verb, HMMPCTL_SET);
	assert_int_equal(req.config.given, 1u << 0 | 1u << 5 | 1u << 1);
	assert_int_equal(req.config.val[0], 100);
	assert_int_equal(req.config.val[5],
			 HMMP_ROLE_MOBILE | HMMP_ROLE_CORRESPONDENT);
	assert_int_equal(req.config.val[1], 0);
	/* every key of the table can be set by its name */
	for (i = 0; i < hmmp_cfg_nkeys; i++) {
		const char *v = hmmp_cfg_keys[i].numeric ? "7" : "router";

		snprintf(line, sizeof(line), "config set %s %s",
			 hmmp_cfg_keys[i].name, v);
		ok(&req, line, "config");
		assert_int_equal(req.config.given, 1u << i);
		assert_int_equal(req.config.val[i],
				 hmmp_cfg_keys[i].numeric ? 7 : HMMP_ROLE_ROUTER);
	}

	bad("config show x", "config show: unexpected argument 'x'");
	bad("config sh", "config: unknown verb 'sh'");
	bad("config get", "config: unknown verb 'get'");
	bad("config set", "config set: missing KEY VALUE");
	bad("config set table_max", "config set: 'table_max' needs a value");
	bad("config set table_max 5 roles",
	    "config set: 'roles' needs a value");
	bad("config set table 5", "config set: unknown key 'table'");
	bad("config set TABLE_MAX 5", "config set: unknown key 'TABLE_MAX'");
	bad("config set table_max 0",
	    "config set: bad value '0' for table_max (connection records, at least 1)");
	bad("config set bind_max 0",
	    "config set: bad value '0' for bind_max (binding records, at least 1)");
	bad("config set table_max 1x",
	    "config set: bad value '1x' for table_max (connection records, at least 1)");
	bad("config set timeout_setup -1",
	    "config set: bad value '-1' for timeout_setup (seconds in setup_req and setup_prog)");
	bad("config set timeout_release 4294967296",
	    "config set: bad value '4294967296' for timeout_release (seconds in release_req and release_ack)");
	bad("config set roles mobile,foo",
	    "config set: bad value 'mobile,foo' for roles (mobile,correspondent,router,edge or none)");
	bad("config set table_max 5 table_max 6",
	    "config set: 'table_max' given twice");
	bad("config set udp_port 5060",
	    "config set: udp_port is read-only (hmmpd hands its UDP tunnel socket to the module)");
}

static void test_conn(void **state)
{
	struct hmmpctl_req req;

	(void)state;
	ok(&req, "conn", "conn");
	assert_int_equal(req.verb, HMMPCTL_SHOW);
	assert_false(req.conn.have_addr);
	assert_false(req.conn.have_state);
	ok(&req, "conn show", "conn");
	assert_false(req.conn.have_addr);
	ok(&req, "conn addr 192.0.2.1", "conn");
	assert_true(req.conn.have_addr);
	assert_int_equal(req.conn.addr, ip("192.0.2.1"));
	ok(&req, "conn show addr 192.0.2.1 state established", "conn");
	assert_true(req.conn.have_addr);
	assert_true(req.conn.have_state);
	assert_int_equal(req.conn.state, HMMP_CONN_ESTABLISHED);
	ok(&req, "-j conn state disconnect addr 10.0.0.1", "conn");
	assert_int_equal(req.conn.state, HMMP_CONN_DISCONNECT);
	assert_int_equal(req.conn.addr, ip("10.0.0.1"));

	bad("conn sh", "conn: unknown verb 'sh'");
	bad("conn list", "conn: unknown verb 'list'");
	bad("conn show foo", "conn show: unknown argument 'foo'");
	bad("conn show show", "conn show: unknown argument 'show'");
	bad("conn show addr", "conn show: 'addr' needs a value");
	bad("conn show state", "conn show: 'state' needs a value");
	bad("conn show addr 1.2.3", "conn show: bad address '1.2.3'");
	bad("conn addr 192.0.2.1/32", "conn show: bad address '192.0.2.1/32'");
	bad("conn show state estab",
	    "conn show: bad state 'estab' (setup_req, setup_prog, established, release_req, release_ack or disconnect)");
	bad("conn show addr 1.2.3.4 addr 1.2.3.5",
	    "conn show: 'addr' given twice");
	bad("conn state established state established",
	    "conn show: 'state' given twice");
}

static void test_handoff(void **state)
{
	struct hmmpctl_req req;

	(void)state;
	ok(&req, "handoff to 203.0.113.5", "handoff");
	assert_false(req.handoff.have_old);
	assert_int_equal(req.handoff.new_addr, ip("203.0.113.5"));
	ok(&req, "handoff from 192.0.2.1 to 203.0.113.5", "handoff");
	assert_true(req.handoff.have_old);
	assert_int_equal(req.handoff.old_addr, ip("192.0.2.1"));
	assert_int_equal(req.handoff.new_addr, ip("203.0.113.5"));
	ok(&req, "handoff to 203.0.113.5 from 192.0.2.1", "handoff");
	assert_int_equal(req.handoff.old_addr, ip("192.0.2.1"));

	bad("handoff", "handoff: 'to NEW' is required");
	bad("handoff from 192.0.2.1", "handoff: 'to NEW' is required");
	bad("handoff to", "handoff: 'to' needs a value");
	bad("handoff to 1.2.3.4 from", "handoff: 'from' needs a value");
	bad("handoff to 1.2.3.400", "handoff: bad address '1.2.3.400'");
	bad("handoff from x to 1.2.3.4", "handoff: bad address 'x'");
	bad("handoff to 1.2.3.4 to 1.2.3.5", "handoff: 'to' given twice");
	bad("handoff from 1.2.3.4 from 1.2.3.5 to 1.1.1.1",
	    "handoff: 'from' given twice");
	bad("handoff show", "handoff: unknown argument 'show'");
	bad("handoff 1.2.3.4", "handoff: unknown argument '1.2.3.4'");
}

static void test_binding_show_flush(void **state)
{
	struct hmmpctl_req req;

	(void)state;
	ok(&req, "binding", "binding");
	assert_int_equal(req.verb, HMMPCTL_SHOW);
	ok(&req, "binding show", "binding");
	assert_int_equal(req.verb, HMMPCTL_SHOW);
	ok(&req, "-j binding flush", "binding");
	assert_int_equal(req.verb, HMMPCTL_FLUSH);
	bad("binding show x", "binding show: unexpected argument 'x'");
	bad("binding flush all", "binding flush: unexpected argument 'all'");
	bad("binding frob", "binding: unknown verb 'frob'");
	bad("binding ad", "binding: unknown verb 'ad'");
	bad("binding delete 1.2.3.4", "binding: unknown verb 'delete'");
	bad("binding 192.0.2.1", "binding: unknown verb '192.0.2.1'");
}

static void test_binding_add(void **state)
{
	struct hmmpctl_req req;
	struct hmmp_binding *b = &req.binding;

	(void)state;
	ok(&req, "binding add 192.0.2.1 coa 203.0.113.5 peer 198.51.100.1 "
		 "encap minimal kind correspondent lifetime 60 minsrc", "binding");
	assert_int_equal(req.verb, HMMPCTL_ADD);
	assert_int_equal(b->orig, ip("192.0.2.1"));
	assert_int_equal(b->coa, ip("203.0.113.5"));
	assert_int_equal(b->peer, ip("198.51.100.1"));
	assert_int_equal(b->encap, HMMP_ENCAP_MINIMAL);
	assert_int_equal(b->kind, HMMP_BIND_CORRESPONDENT);
	assert_int_equal(b->lifetime, 60);
	assert_int_equal(b->min_src, 1);
	assert_int_equal(b->have, 1u << HMMP_BIND_A_ORIG | 1u << HMMP_BIND_A_COA |
			 1u << HMMP_BIND_A_PEER | 1u << HMMP_BIND_A_ENCAP |
			 1u << HMMP_BIND_A_KIND | 1u << HMMP_BIND_A_LIFETIME |
			 1u << HMMP_BIND_A_MIN_SRC);

	/* the least: the key's peer is explicit (any), the rest unset */
	ok(&req, "binding add 192.0.2.1 coa 203.0.113.5", "binding");
	assert_int_equal(b->have, 1u << HMMP_BIND_A_ORIG | 1u << HMMP_BIND_A_COA |
			 1u << HMMP_BIND_A_PEER);
	assert_int_equal(b->peer, 0);

	ok(&req, "binding replace 192.0.2.1 kind router coa 203.0.113.5 "
		 "lifetime 0 encap ipip", "binding");
	assert_int_equal(req.verb, HMMPCTL_REPLACE);
	assert_int_equal(b->kind, HMMP_BIND_ROUTER);
	assert_int_equal(b->encap, HMMP_ENCAP_IPIP);
	assert_int_equal(b->lifetime, 0);
	assert_true(HMMP_HAVE(b, HMMP_BIND_A_LIFETIME));
	assert_false(HMMP_HAVE(b, HMMP_BIND_A_MIN_SRC));
	ok(&req, "binding add 192.0.2.1 coa 203.0.113.5 kind mobile lifetime 4294967295",
	   "binding");
	assert_int_equal(b->kind, HMMP_BIND_MOBILE);
	assert_int_equal(b->lifetime, UINT32_MAX);

	/* udp: the port of the far end, either order */
	ok(&req, "binding add 192.0.2.1 coa 203.0.113.5 encap udp port 61000 "
		 "kind correspondent", "binding");
	assert_int_equal(b->encap, HMMP_ENCAP_UDP);
	assert_int_equal(b->port, 61000);
	assert_int_equal(b->have, 1u << HMMP_BIND_A_ORIG | 1u << HMMP_BIND_A_COA |
			 1u << HMMP_BIND_A_PEER | 1u << HMMP_BIND_A_ENCAP |
			 1u << HMMP_BIND_A_PORT | 1u << HMMP_BIND_A_KIND);
	ok(&req, "binding replace 192.0.2.1 port 1 coa 203.0.113.5 encap udp",
	   "binding");
	assert_int_equal(b->port, 1);
	ok(&req, "binding add 192.0.2.1 coa 203.0.113.5 encap udp port 65535",
	   "binding");
	assert_int_equal(b->port, 65535);
	ok(&req, "binding add 192.0.2.1 coa 203.0.113.5 encap ipip", "binding");
	assert_false(HMMP_HAVE(b, HMMP_BIND_A_PORT));
	assert_int_equal(b->port, 0);
}

static void test_binding_add_errors(void **state)
{
	(void)state;
	bad("binding add", "binding add: missing ORIG address");
	bad("binding replace", "binding replace: missing ORIG address");
	bad("binding add 1.2.3", "binding add: bad address '1.2.3'");
	bad("binding add coa 1.2.3.4", "binding add: bad address 'coa'");
	bad("binding add 192.0.2.1", "binding add: 'coa COA' is required");
	bad("binding replace 192.0.2.1 peer 1.1.1.1",
	    "binding replace: 'coa COA' is required");
	bad("binding add 192.0.2.1 coa", "binding add: 'coa' needs a value");
	bad("binding add 192.0.2.1 coa 1.2.3.4 peer",
	    "binding add: 'peer' needs a value");
	bad("binding add 192.0.2.1 coa 1.2.3.4 lifetime",
	    "binding add: 'lifetime' needs a value");
	bad("binding add 192.0.2.1 coa 1.2.3.x", "binding add: bad address '1.2.3.x'");
	bad("binding add 192.0.2.1 coa 1.2.3.4 peer any",
	    "binding add: bad address 'any'");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap gre",
	    "binding add: bad encap 'gre' (ipip, minimal or udp)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap min",
	    "binding add: bad encap 'min' (ipip, minimal or udp)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap auto",
	    "binding add: bad encap 'auto' (ipip, minimal or udp)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap udp",
	    "binding add: 'encap udp' needs 'port PORT' (the far end's UDP port)");
	bad("binding replace 192.0.2.1 coa 1.2.3.4 encap udp kind mobile",
	    "binding replace: 'encap udp' needs 'port PORT' (the far end's UDP port)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 port 4500",
	    "binding add: 'port' needs 'encap udp'");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap ipip port 4500",
	    "binding add: 'port' needs 'encap udp'");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap udp port",
	    "binding add: 'port' needs a value");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap udp port 0",
	    "binding add: bad port '0' (the far end's UDP port, 1-65535)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap udp port 65536",
	    "binding add: bad port '65536' (the far end's UDP port, 1-65535)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap udp port -1",
	    "binding add: bad port '-1' (the far end's UDP port, 1-65535)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap udp port 45x",
	    "binding add: bad port '45x' (the far end's UDP port, 1-65535)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap udp port 1 port 2",
	    "binding add: 'port' given twice");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap udp port 4500 minsrc",
	    "binding add: 'minsrc' needs 'encap minimal'");
	bad("binding add 192.0.2.1 coa 1.2.3.4 kind foo",
	    "binding add: bad kind 'foo' (correspondent, mobile or router)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 lifetime -1",
	    "binding add: bad number '-1' for lifetime (seconds, 0 = until deleted)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 lifetime 4294967296",
	    "binding add: bad number '4294967296' for lifetime (seconds, 0 = until deleted)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 lifetime 10s",
	    "binding add: bad number '10s' for lifetime (seconds, 0 = until deleted)");
	bad("binding add 192.0.2.1 coa 1.2.3.4 minsrc",
	    "binding add: 'minsrc' needs 'encap minimal'");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap ipip minsrc",
	    "binding add: 'minsrc' needs 'encap minimal'");
	bad("binding add 192.0.2.1 coa 1.2.3.4 peer 1.1.1.1 peer 2.2.2.2",
	    "binding add: 'peer' given twice");
	bad("binding add 192.0.2.1 coa 1.2.3.4 coa 1.2.3.5",
	    "binding add: 'coa' given twice");
	bad("binding add 192.0.2.1 coa 1.2.3.4 encap minimal minsrc minsrc",
	    "binding add: 'minsrc' given twice");
	bad("binding add 192.0.2.1 coa 1.2.3.4 foo",
	    "binding add: unknown argument 'foo'");
	bad("binding add 192.0.2.1 coa 1.2.3.4 life 5",
	    "binding add: unknown argument 'life'");
}

static void test_binding_del(void **state)
{
	struct hmmpctl_req req;
	struct hmmp_binding *b = &req.binding;

	(void)state;
	ok(&req, "binding del 192.0.2.1", "binding");
	assert_int_equal(req.verb, HMMPCTL_DEL);
	assert_int_equal(b->have, 1u << HMMP_BIND_A_ORIG | 1u << HMMP_BIND_A_PEER);
	assert_int_equal(b->orig, ip("192.0.2.1"));
	assert_int_equal(b->peer, 0);
	ok(&req, "binding del 192.0.2.1 peer 198.51.100.1 kind mobile", "binding");
	assert_int_equal(b->have, 1u << HMMP_BIND_A_ORIG | 1u << HMMP_BIND_A_PEER |
			 1u << HMMP_BIND_A_KIND);
	assert_int_equal(b->peer, ip("198.51.100.1"));
	assert_int_equal(b->kind, HMMP_BIND_MOBILE);

	bad("binding del", "binding del: missing ORIG address");
	bad("binding del 192.0.2.1 coa 1.2.3.4",
	    "binding del: unknown argument 'coa'");
	bad("binding del 192.0.2.1 lifetime 5",
	    "binding del: unknown argument 'lifetime'");
	bad("binding del 192.0.2.1 encap ipip",
	    "binding del: unknown argument 'encap'");
	bad("binding del 192.0.2.1 minsrc", "binding del: unknown argument 'minsrc'");
	bad("binding del 192.0.2.1 port 4500", "binding del: unknown argument 'port'");
	bad("binding del 192.0.2.1 kind", "binding del: 'kind' needs a value");
	bad("binding del 192.0.2.1 kind any",
	    "binding del: bad kind 'any' (correspondent, mobile or router)");
	bad("binding del 192.0.2.1 kind mobile kind router",
	    "binding del: 'kind' given twice");
}

/* ---- xlate ---- */

#define XL_KEY "192.0.2.1:40000 198.51.100.1:5001"
#define XL_PEER "peer 10.0.0.7:5001 203.0.113.9:61000"

static void test_xlate_show_flush(void **state)
{
	struct hmmpctl_req req;

	(void)state;
	ok(&req, "xlate", "xlate");
	assert_int_equal(req.verb, HMMPCTL_SHOW);
	assert_false(req.json);
	ok(&req, "xlate show", "xlate");
	assert_int_equal(req.verb, HMMPCTL_SHOW);
	assert_false(req.json);
	ok(&req, "xlate show -j", "xlate");
	assert_int_equal(req.verb, HMMPCTL_SHOW);
	assert_true(req.json);
	ok(&req, "xlate show --json", "xlate");
	assert_true(req.json);
	ok(&req, "-j xlate show", "xlate");
	assert_true(req.json);
	ok(&req, "xlate flush", "xlate");
	assert_int_equal(req.verb, HMMPCTL_FLUSH);
	ok(&req, "xlate help", "xlate");
	assert_int_equal(req.action, HMMPCTL_HELP);

	bad("xlate show x", "xlate show: unexpected argument 'x'");
	bad("xlate show -j -j", "xlate show: unexpected argument '-j'");
	bad("xlate show -x", "xlate show: unexpected argument '-x'");
	bad("xlate flush all", "xlate flush: unexpected argument 'all'");
	bad("xlate flush -j", "xlate flush: unexpected argument '-j'");
	bad("xlate sh", "xlate: unknown verb 'sh'");
	bad("xlate change", "xlate: unknown verb 'change'");
	bad("xlate delete " XL_KEY, "xlate: unknown verb 'delete'");
	bad("xlate -j", "xlate: unknown verb '-j'");
	bad("xlate 192.0.2.1:40000", "xlate: unknown verb '192.0.2.1:40000'");
}

static void test_xlate_add(void **state)
{
	struct hmmpctl_req req;
	struct hmmp_xlate *x = &req.xlate;
	const uint32_t key = 1u << HMMP_XLATE_A_LADDR | 1u << HMMP_XLATE_A_LPORT |
			     1u << HMMP_XLATE_A_RADDR | 1u << HMMP_XLATE_A_RPORT;
	const uint32_t peer = 1u << HMMP_XLATE_A_PEER_LADDR |
			      1u << HMMP_XLATE_A_PEER_LPORT |
			      1u << HMMP_XLATE_A_PEER_RADDR |
			      1u << HMMP_XLATE_A_PEER_RPORT;

	(void)state;
	ok(&req, "xlate add " XL_KEY " " XL_PEER " via 203.0.113.5:4500 encap udp "
		 "lifetime 60", "xlate");
	assert_int_equal(req.verb, HMMPCTL_ADD);
	assert_int_equal(x->laddr, ip("192.0.2.1"));
	assert_int_equal(x->lport, 40000);
	assert_int_equal(x->raddr, ip("198.51.100.1"));
	assert_int_equal(x->rport, 5001);
	assert_int_equal(x->peer_laddr, ip("10.0.0.7"));
	assert_int_equal(x->peer_lport, 5001);
	assert_int_equal(x->peer_raddr, ip("203.0.113.9"));
	assert_int_equal(x->peer_rport, 61000);
	assert_int_equal(x->coa, ip("203.0.113.5"));
	assert_int_equal(x->port, 4500);
	assert_int_equal(x->encap, HMMP_ENCAP_UDP);
	assert_int_equal(x->lifetime, 60);
	assert_int_equal(x->have, key | peer | 1u << HMMP_XLATE_A_COA |
			 1u << HMMP_XLATE_A_PORT | 1u << HMMP_XLATE_A_ENCAP |
			 1u << HMMP_XLATE_A_LIFETIME);

	/* no lifetime: left to the module; no port with ipip */
	ok(&req, "xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap ipip",
	   "xlate");
	assert_int_equal(x->have, key | peer | 1u << HMMP_XLATE_A_COA |
			 1u << HMMP_XLATE_A_ENCAP);
	assert_int_equal(x->encap, HMMP_ENCAP_IPIP);
	assert_int_equal(x->port, 0);
	assert_int_equal(x->lifetime, 0);

	/* keywords in any order; replace; the ends of the ranges */
	ok(&req, "xlate replace 0.0.0.1:1 255.255.255.255:65535 lifetime 0 "
		 "encap minimal via 203.0.113.5 peer 10.0.0.7:65535 203.0.113.9:1",
	   "xlate");
	assert_int_equal(req.verb, HMMPCTL_REPLACE);
	assert_int_equal(x->laddr, ip("0.0.0.1"));
	assert_int_equal(x->lport, 1);
	assert_int_equal(x->raddr, ip("255.255.255.255"));
	assert_int_equal(x->rport, 65535);
	assert_int_equal(x->peer_lport, 65535);
	assert_int_equal(x->peer_rport, 1);
	assert_int_equal(x->encap, HMMP_ENCAP_MINIMAL);
	assert_int_equal(x->lifetime, 0);
	assert_true(HMMP_HAVE(x, HMMP_XLATE_A_LIFETIME));
	ok(&req, "xlate add " XL_KEY " " XL_PEER " via 203.0.113.5:1 encap udp "
		 "lifetime 4294967295", "xlate");
	assert_int_equal(x->port, 1);
	assert_int_equal(x->lifetime, UINT32_MAX);
	ok(&req, "xlate add " XL_KEY " encap udp via 203.0.113.5:65535 " XL_PEER,
	   "xlate");
	assert_int_equal(x->port, 65535);
}

static void test_xlate_add_errors(void **state)
{
	(void)state;
	/* the key */
	bad("xlate add", "xlate add: missing LADDR:LPORT");
	bad("xlate replace", "xlate replace: missing LADDR:LPORT");
	bad("xlate add 192.0.2.1:40000", "xlate add: missing RADDR:RPORT");
	bad("xlate add 192.0.2.1 198.51.100.1:5001",
	    "xlate add: bad LADDR:LPORT '192.0.2.1' (ADDR:PORT)");
	bad("xlate add 192.0.2.1:40000 198.51.100.1",
	    "xlate add: bad RADDR:RPORT '198.51.100.1' (ADDR:PORT)");
	bad("xlate add 192.0.2:40000 198.51.100.1:5001",
	    "xlate add: bad address '192.0.2' in LADDR:LPORT '192.0.2:40000'");
	bad("xlate add :40000 198.51.100.1:5001",
	    "xlate add: bad address '' in LADDR:LPORT ':40000'");
	bad("xlate add 192.0.2.1:40000 198.51.100.256:5001",
	    "xlate add: bad address '198.51.100.256' in RADDR:RPORT '198.51.100.256:5001'");
	bad("xlate add 1234567890.1234567890:1 198.51.100.1:5001",
	    "xlate add: bad address '1234567890.1234567890' in LADDR:LPORT '1234567890.1234567890:1'");
	bad("xlate add peer 10.0.0.7:5001 203.0.113.9:61000",
	    "xlate add: bad LADDR:LPORT 'peer' (ADDR:PORT)");
	bad("xlate add 192.0.2.1:0 198.51.100.1:5001",
	    "xlate add: bad port '0' in LADDR:LPORT '192.0.2.1:0' (1-65535)");
	bad("xlate add 192.0.2.1:40000 198.51.100.1:65536",
	    "xlate add: bad port '65536' in RADDR:RPORT '198.51.100.1:65536' (1-65535)");
	bad("xlate add 192.0.2.1:-1 198.51.100.1:5001",
	    "xlate add: bad port '-1' in LADDR:LPORT '192.0.2.1:-1' (1-65535)");
	bad("xlate add 192.0.2.1: 198.51.100.1:5001",
	    "xlate add: bad port '' in LADDR:LPORT '192.0.2.1:' (1-65535)");
	bad("xlate add 192.0.2.1:80:81 198.51.100.1:5001",
	    "xlate add: bad port '80:81' in LADDR:LPORT '192.0.2.1:80:81' (1-65535)");
	bad("xlate add 192.0.2.1:4294967297 198.51.100.1:5001",
	    "xlate add: bad port '4294967297' in LADDR:LPORT '192.0.2.1:4294967297' (1-65535)");

	/* peer */
	bad("xlate add " XL_KEY " via 203.0.113.5 encap ipip",
	    "xlate add: 'peer PEER_LADDR:PEER_LPORT PEER_RADDR:PEER_RPORT' is required");
	bad("xlate add " XL_KEY " peer",
	    "xlate add: 'peer' needs PEER_LADDR:PEER_LPORT PEER_RADDR:PEER_RPORT");
	bad("xlate add " XL_KEY " via 203.0.113.5 encap ipip peer 10.0.0.7:5001",
	    "xlate add: 'peer' needs PEER_LADDR:PEER_LPORT PEER_RADDR:PEER_RPORT");
	bad("xlate add " XL_KEY " peer 10.0.0.7 203.0.113.9:61000",
	    "xlate add: bad PEER_LADDR:PEER_LPORT '10.0.0.7' (ADDR:PORT)");
	bad("xlate add " XL_KEY " peer 10.0.0.7:5001 via",
	    "xlate add: bad PEER_RADDR:PEER_RPORT 'via' (ADDR:PORT)");
	bad("xlate add " XL_KEY " peer 10.0.0.x:5001 203.0.113.9:61000",
	    "xlate add: bad address '10.0.0.x' in PEER_LADDR:PEER_LPORT '10.0.0.x:5001'");
	bad("xlate add " XL_KEY " peer 10.0.0.7:5001 203.0.113.9:0",
	    "xlate add: bad port '0' in PEER_RADDR:PEER_RPORT '203.0.113.9:0' (1-65535)");
	bad("xlate add " XL_KEY " peer 10.0.0.7:70000 203.0.113.9:61000",
	    "xlate add: bad port '70000' in PEER_LADDR:PEER_LPORT '10.0.0.7:70000' (1-65535)");
	bad("xlate add " XL_KEY " " XL_PEER " " XL_PEER " via 203.0.113.5 encap ipip",
	    "xlate add: 'peer' given twice");

	/* via */
	bad("xlate add " XL_KEY " " XL_PEER " encap ipip",
	    "xlate add: 'via COA[:PORT]' is required");
	bad("xlate add " XL_KEY " " XL_PEER " encap ipip via",
	    "xlate add: 'via' needs a value");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113 encap ipip",
	    "xlate add: bad address '203.0.113' in via '203.0.113'");
	bad("xlate add " XL_KEY " " XL_PEER " via any encap ipip",
	    "xlate add: bad address 'any' in via 'any'");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.x:4500 encap udp",
	    "xlate add: bad address '203.0.113.x' in via '203.0.113.x:4500'");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5:0 encap udp",
	    "xlate add: bad port '0' in via '203.0.113.5:0' (the far end's UDP port, 1-65535)");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5:65536 encap udp",
	    "xlate add: bad port '65536' in via '203.0.113.5:65536' (the far end's UDP port, 1-65535)");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5: encap udp",
	    "xlate add: bad port '' in via '203.0.113.5:' (the far end's UDP port, 1-65535)");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 via 203.0.113.6 encap ipip",
	    "xlate add: 'via' given twice");

	/* encap, and the port that goes with udp only */
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5",
	    "xlate add: 'encap ENCAP' is required (udp, ipip or minimal)");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap",
	    "xlate add: 'encap' needs a value");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap gre",
	    "xlate add: bad encap 'gre' (udp, ipip or minimal)");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap auto",
	    "xlate add: bad encap 'auto' (udp, ipip or minimal)");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap UDP",
	    "xlate add: bad encap 'UDP' (udp, ipip or minimal)");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap udp",
	    "xlate add: 'encap udp' needs 'via COA:PORT' (the far end's UDP port)");
	bad("xlate replace " XL_KEY " " XL_PEER " encap udp via 203.0.113.5 lifetime 5",
	    "xlate replace: 'encap udp' needs 'via COA:PORT' (the far end's UDP port)");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5:4500 encap ipip",
	    "xlate add: a port in 'via' needs 'encap udp'");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5:4500 encap minimal",
	    "xlate add: a port in 'via' needs 'encap udp'");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap udp port 4500",
	    "xlate add: unknown argument 'port' (a udp tunnel's port goes in 'via COA:PORT')");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap ipip encap ipip",
	    "xlate add: 'encap' given twice");

	/* lifetime */
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap ipip lifetime",
	    "xlate add: 'lifetime' needs a value");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap ipip lifetime -1",
	    "xlate add: bad number '-1' for lifetime (seconds, 0 = until deleted)");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap ipip lifetime 4294967296",
	    "xlate add: bad number '4294967296' for lifetime (seconds, 0 = until deleted)");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap ipip lifetime 10s",
	    "xlate add: bad number '10s' for lifetime (seconds, 0 = until deleted)");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap ipip lifetime 1 lifetime 2",
	    "xlate add: 'lifetime' given twice");

	/* junk after */
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap ipip foo",
	    "xlate add: unknown argument 'foo'");
	bad("xlate add " XL_KEY " " XL_PEER " via 203.0.113.5 encap ipip 60",
	    "xlate add: unknown argument '60'");
	bad("xlate add " XL_KEY " kind mobile", "xlate add: unknown argument 'kind'");
	bad("xlate add " XL_KEY " 10.0.0.7:5001", "xlate add: unknown argument '10.0.0.7:5001'");
}

static void test_xlate_del(void **state)
{
	struct hmmpctl_req req;
	struct hmmp_xlate *x = &req.xlate;

	(void)state;
	ok(&req, "xlate del " XL_KEY, "xlate");
	assert_int_equal(req.verb, HMMPCTL_DEL);
	assert_int_equal(x->have, 1u << HMMP_XLATE_A_LADDR | 1u << HMMP_XLATE_A_LPORT |
			 1u << HMMP_XLATE_A_RADDR | 1u << HMMP_XLATE_A_RPORT);
	assert_int_equal(x->laddr, ip("192.0.2.1"));
	assert_int_equal(x->lport, 40000);
	assert_int_equal(x->raddr, ip("198.51.100.1"));
	assert_int_equal(x->rport, 5001);

	bad("xlate del", "xlate del: missing LADDR:LPORT");
	bad("xlate del 192.0.2.1:40000", "xlate del: missing RADDR:RPORT");
	bad("xlate del 192.0.2.1 198.51.100.1",
	    "xlate del: bad LADDR:LPORT '192.0.2.1' (ADDR:PORT)");
	bad("xlate del 192.0.2.1:40000 198.51.100.1:0",
	    "xlate del: bad port '0' in RADDR:RPORT '198.51.100.1:0' (1-65535)");
	bad("xlate del 192.0.2.1:40000 198.51.100.1:65536",
	    "xlate del: bad port '65536' in RADDR:RPORT '198.51.100.1:65536' (1-65535)");
	bad("xlate del 192.0.2.256:40000 198.51.100.1:5001",
	    "xlate del: bad address '192.0.2.256' in LADDR:LPORT '192.0.2.256:40000'");
	bad("xlate del " XL_KEY " " XL_PEER, "xlate del: unexpected argument 'peer'");
	bad("xlate del " XL_KEY " via 203.0.113.5",
	    "xlate del: unexpected argument 'via'");
	bad("xlate del " XL_KEY " x", "xlate del: unexpected argument 'x'");
}

/* not inlined: gcc takes the memstream's buffer for the local pointer to it */
__attribute__((noinline)) static char *usage_of(const struct hmmpctl_object *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	hmmpctl_usage(f, o);
	fclose(f);
	return buf;
}

static void test_usage(void **state)
{
	char *all = usage_of(NULL), *one, needle[64], *list, *end, *p;
	size_t i;

	(void)state;
	assert_non_null(strstr(all, "Usage: hmmpctl [OPTIONS] OBJECT"));
	list = strstr(all, "OBJECT := {");
	assert_non_null(list);
	end = strchr(list, '}');
	assert_non_null(end);
	for (i = 0; i < hmmpctl_nobjects; i++) {
		/* the OBJECT list names every object */
		snprintf(needle, sizeof(needle), " %s ", hmmpctl_objects[i]->name);
		p = strstr(list, needle);
		if (!p || p > end)
			fail_msg("OBJECT := { ... } lacks '%s'",
				 hmmpctl_objects[i]->name);
		snprintf(needle, sizeof(needle), "\n%-8s %s\n",
			 hmmpctl_objects[i]->name, hmmpctl_objects[i]->help);
		assert_non_null(strstr(all, needle));
		assert_non_null(strstr(all, hmmpctl_objects[i]->usage));
	}
	free(all);
	one = usage_of(hmmpctl_objects[0]);
	assert_string_equal(one,
			    "Usage: hmmpctl [-j] conn [show] [addr ADDR] [state STATE]\n");
	free(one);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_objects),
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_version_stats_monitor),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_conn),
		cmocka_unit_test(test_handoff),
		cmocka_unit_test(test_binding_show_flush),
		cmocka_unit_test(test_binding_add),
		cmocka_unit_test(test_binding_add_errors),
		cmocka_unit_test(test_binding_del),
		cmocka_unit_test(test_xlate_show_flush),
		cmocka_unit_test(test_xlate_add),
		cmocka_unit_test(test_xlate_add_errors),
		cmocka_unit_test(test_xlate_del),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
