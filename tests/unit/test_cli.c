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
		"Conn", "CONFIG", "help2",
	};
	/* the order of the help */
	static const char *const order[] = {
		"conn", "handoff", "binding", "config", "stats", "monitor",
		"sctp", "version", "help",
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
	assert_int_equal(hmmpctl_nobjects, 9);
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
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
