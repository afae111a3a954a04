// SPDX-License-Identifier: GPL-2.0
/* Unit tests: userspace/hmmpd/core/config.c (hmmpd.conf). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include <uapi/linux/hmmp.h>

#include "core/config.h"
#include "sip/body.h"
#include "util.h"

static uint32_t A(const char *s)
{
	uint32_t a = 0;

	if (hmmp_addr_parse(s, &a))
		fail_msg("bad test address %s", s);
	return a;
}

static char err[HMMPD_CONF_ERR_MAX];

/* Load text (len bytes) as the file "T". */
static int load_len(struct hmmpd_conf *c, const char *text, size_t len)
{
	FILE *f = tmpfile();
	int ret;

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	rewind(f);
	err[0] = '\0';
	ret = hmmpd_conf_load_file(c, f, "T", err, sizeof(err));
	fclose(f);
	return ret;
}

static int load(struct hmmpd_conf *c, const char *text)
{
	return load_len(c, text, strlen(text));
}

static void test_defaults(void **state)
{
	struct hmmpd_conf *c = malloc(sizeof(*c)), *d = malloc(sizeof(*d));

	(void)state;
	assert_non_null(c);
	assert_non_null(d);
	hmmpd_conf_defaults(d);
	assert_string_equal(d->identity, "");
	assert_int_equal(d->roles, HMMP_ROLE_MOBILE | HMMP_ROLE_CORRESPONDENT);
	assert_int_equal(d->nifaces, 0);
	assert_int_equal(d->log_level, LOG_INFO);
	assert_int_equal(d->debounce_ms, 1000);
	assert_int_equal(d->nlisten, 2);
	assert_int_equal(d->listen[0].proto, IPPROTO_UDP);
	assert_int_equal(d->listen[0].addr, 0);
	assert_int_equal(d->listen[0].port, 5060);
	assert_int_equal(d->listen[1].proto, IPPROTO_TCP);
	assert_string_equal(d->registrar, "");
	assert_int_equal(d->register_expires, 3600);
	assert_string_equal(d->realm, "hmmp");
	assert_string_equal(d->secrets, "/etc/hmmp/secrets");
	assert_int_equal(d->nalgs, 2);
	assert_int_equal(d->algs[0], HMMPD_ALG_SHA256);
	assert_int_equal(d->algs[1], HMMPD_ALG_MD5);
	assert_int_equal(d->nonce_lifetime, 300);
	assert_int_equal(d->lifetime, 600);
	assert_int_equal(d->max_lifetime, 3600);
	assert_int_equal(d->encap, HMMPD_ENCAP_AUTO);
	assert_int_equal(d->gateway_lifetime, 10);
	assert_int_equal(d->claim_lifetime, 3600);
	assert_true(d->require_connection);
	assert_int_equal(d->npeers, 0);

	/* an empty file, or only comments: the defaults */
	memset(c, 0x5a, sizeof(*c));
	assert_int_equal(load(c, ""), 0);
	assert_memory_equal(c, d, sizeof(*c));
	memset(c, 0x5a, sizeof(*c));
	assert_int_equal(load(c, "# nothing\n; at all\n\n   \n"), 0);
	assert_memory_equal(c, d, sizeof(*c));
	free(c);
	free(d);
}

/* The example of hmmpd.conf(5). */
static const char example[] =
	"# hmmpd.conf: a mobile that is also a correspondent\n"
	"[general]\n"
	"identity = sip:alice@example.org\n"
	"roles = mobile, correspondent\n"
	"interfaces = eth0, wlan0\n"
	"log_level = debug\n"
	"debounce_ms = 500\n"
	"\n"
	"[sip]\n"
	"listen = udp:0.0.0.0:5060, tcp:192.0.2.10:5070\n"
	"registrar = sip:registrar.example.org\n"
	"register_expires = 600\n"
	"realm = example.org\n"
	"secrets = /etc/hmmp/secrets\n"
	"algorithms = SHA-256, MD5\n"
	"nonce_lifetime = 120\n"
	"\n"
	"[binding]\n"
	"lifetime = 300\n"
	"max_lifetime = 1800\n"
	"encap = minimal\n"
	"gateway_lifetime = 15\n"
	"require_connection = yes\n"
	"\n"
	"[peer bob]\n"
	"uri = sip:bob@203.0.113.7\n"
	"address = 203.0.113.7\n"
	"\n"
	"[peer gw1]\n"
	"uri = sip:hmmp@192.0.2.1:5060\n"
	"address = 192.0.2.1, 198.51.100.1\n";

/* [binding] encap: the four values, auto the default. */
static void test_encap_values(void **state)
{
	static const struct {
		const char *v;
		uint8_t e;
	} ok[] = {
		{ "auto", HMMPD_ENCAP_AUTO }, { "ipip", HMMP_ENCAP_IPIP },
		{ "minimal", HMMP_ENCAP_MINIMAL }, { "udp", HMMP_ENCAP_UDP },
	};
	struct hmmpd_conf *c = malloc(sizeof(*c));
	char text[64];
	size_t i;

	(void)state;
	assert_non_null(c);
	for (i = 0; i < HMMP_ARRAY_SIZE(ok); i++) {
		snprintf(text, sizeof(text), "[binding]\nencap = %s\n", ok[i].v);
		if (load(c, text))
			fail_msg("%s: %s", ok[i].v, err);
		assert_int_equal(c->encap, ok[i].e);
	}
	free(c);
}

static void test_example(void **state)
{
	struct hmmpd_conf *c = malloc(sizeof(*c));
	const struct hmmpd_peer *p;

	(void)state;
	assert_non_null(c);
	if (load(c, example))
		fail_msg("%s", err);
	assert_string_equal(c->identity, "sip:alice@example.org");
	assert_int_equal(c->roles, HMMP_ROLE_MOBILE | HMMP_ROLE_CORRESPONDENT);
	assert_int_equal(c->nifaces, 2);
	assert_string_equal(c->ifaces[0], "eth0");
	assert_string_equal(c->ifaces[1], "wlan0");
	assert_int_equal(c->log_level, LOG_DEBUG);
	assert_int_equal(c->debounce_ms, 500);
	assert_int_equal(c->nlisten, 2);
	assert_int_equal(c->listen[1].proto, IPPROTO_TCP);
	assert_int_equal(c->listen[1].addr, A("192.0.2.10"));
	assert_int_equal(c->listen[1].port, 5070);
	assert_string_equal(c->registrar, "sip:registrar.example.org");
	assert_int_equal(c->register_expires, 600);
	assert_string_equal(c->realm, "example.org");
	assert_int_equal(c->nonce_lifetime, 120);
	assert_int_equal(c->lifetime, 300);
	assert_int_equal(c->max_lifetime, 1800);
	assert_int_equal(c->encap, HMMP_ENCAP_MINIMAL);
	assert_int_equal(c->gateway_lifetime, 15);
	assert_int_equal(c->npeers, 2);
	p = hmmpd_conf_peer(c, "bob");
	assert_non_null(p);
	assert_string_equal(p->uri, "sip:bob@203.0.113.7");
	assert_int_equal(p->naddr, 1);
	assert_int_equal(p->line, 25);
	assert_ptr_equal(hmmpd_conf_peer_by_addr(c, A("198.51.100.1")),
			 hmmpd_conf_peer(c, "gw1"));
	assert_ptr_equal(hmmpd_conf_peer_by_addr(c, A("203.0.113.7")), p);
	assert_null(hmmpd_conf_peer_by_addr(c, A("203.0.113.8")));
	assert_null(hmmpd_conf_peer(c, "Bob"));
	assert_null(hmmpd_conf_peer(c, NULL));
	free(c);
}

/* What the syntax allows beyond the plain form. */
static void test_liberal(void **state)
{
	static const char text[] =
		"\xef\xbb\xbf; a byte order mark, comments of both kinds\r\n"
		"  [general]   ; indented header, comment after it\r\n"
		"\tlog_level=WARNING   ; an inline comment\r\n"
		"    roles = router,edge\r\n"
		"# [sip] twice is one section\n"
		"[sip]\n"
		"realm = the realm # with a hash\n"
		"[binding]\n"
		"require_connection = Off\n"
		"[sip]\n"
		"nonce_lifetime=10\n"
		"listen = tcp:10.0.0.1 udp:10.0.0.1:5061 SCTP:10.0.0.1:5062\n"
		"algorithms = sha-256-sess\n"
		"[peer a.b_c-D]\n"
		"address = 10.9.9.9\n"
		"uri = SIPS:x.example\n"
		"proxy = sip:198.51.100.2:5060;transport=tcp\n"
		"[general]\n"
		"interfaces = lo\n";
	struct hmmpd_conf *c = malloc(sizeof(*c));

	(void)state;
	assert_non_null(c);
	if (load(c, text))
		fail_msg("%s", err);
	assert_int_equal(c->log_level, LOG_WARNING);
	assert_int_equal(c->roles, HMMP_ROLE_ROUTER | HMMP_ROLE_EDGE);
	assert_string_equal(c->realm, "the realm # with a hash");
	assert_false(c->require_connection);
	assert_int_equal(c->nonce_lifetime, 10);
	assert_int_equal(c->nlisten, 3);
	assert_int_equal(c->listen[0].proto, IPPROTO_TCP);
	assert_int_equal(c->listen[0].port, 5060);
	assert_int_equal(c->listen[1].port, 5061);
	assert_int_equal(c->listen[2].proto, IPPROTO_SCTP);
	assert_int_equal(c->listen[2].addr, A("10.0.0.1"));
	assert_int_equal(c->listen[2].port, 5062);
	assert_int_equal(c->nalgs, 1);
	assert_int_equal(c->algs[0], HMMPD_ALG_SHA256_SESS);
	assert_string_equal(c->peers[0].name, "a.b_c-D");
	assert_string_equal(c->peers[0].uri, "SIPS:x.example");
	assert_string_equal(c->peers[0].proxy, "sip:198.51.100.2:5060;transport=tcp");
	assert_int_equal(c->nifaces, 1);
	free(c);
}

static const struct {
	const char *text;
	const char *err;
} bad[] = {
	{ "identity = sip:a@b\n", "T:1: 'identity' outside any section" },
	{ "[general]\nidentity\n", "T:2: expected 'key = value'" },
	{ "[general]\nidentity: sip:a@b\n", "T:2: expected 'key = value'" },
	{ "[general]\n= sip:a@b\n", "T:2: a value without a key" },
	{ "[general\nidentity = sip:a@b\n", "T:1: unterminated section header" },
	{ "[general] x\n", "T:1: text after the section header" },
	{ "[general]\nidentity = sip:a@b\x01\n", "T:2: invalid character" },
	{ "[general]\r\nidentity = sip:a@b\rx\n", "T:2: invalid character" },
	{ "[sip]\nrealm = a\x7f\n", "T:2: invalid character" },
	{ "[generall]\nidentity = sip:a@b\n", "T:1: unknown section [generall] (general, sip, binding, nat, outbound, sctp, peer NAME)" },
	{ "[General]\nidentity = sip:a@b\n", "T:1: unknown section [General]" },
	{ "[peer]\nuri = sip:a@b\n", "T:1: unknown section [peer]" },
	{ "[general]\nidentiy = sip:a@b\n", "T:2: unknown key 'identiy' in [general]" },
	{ "[sip]\nidentity = sip:a@b\n", "T:2: unknown key 'identity' in [sip]" },
	{ "[general]\nIdentity = sip:a@b\n", "T:2: unknown key 'Identity' in [general]" },
	{ "[general]\nidentity = sip:a@b\n\n[sip]\n[general]\nidentity = sip:c@d\n",
	  "T:6: identity given twice (first on line 2)" },
	{ "[general]\nidentity = alice@example.org\n", "T:2: identity: not a SIP URI (sip:user@host[:port])" },
	{ "[general]\nidentity = http://example.org\n", "T:2: identity: not a SIP URI" },
	{ "[general]\nidentity = sip:\n", "T:2: identity: not a SIP URI" },
	{ "[general]\nidentity = sip:alice@\n", "T:2: identity: not a SIP URI" },
	{ "[general]\nidentity = sip:a b@c\n", "T:2: identity: not a SIP URI" },
	{ "[general]\nidentity = <sip:a@b>\n", "T:2: identity: not a SIP URI" },
	{ "[general]\nidentity = sip:a@b:0\n", "T:2: identity: bad port in the URI" },
	{ "[general]\nidentity = sip:a@b:65536\n", "T:2: identity: bad port in the URI" },
	{ "[general]\nidentity =\n", "T:2: identity: not a SIP URI" },
	{ "[general]\nroles = mobile,,router\n", "T:2: roles: bad roles (mobile, correspondent, router, edge, or none)" },
	{ "[general]\nroles = mobil\n", "T:2: roles: bad roles" },
	{ "[general]\nroles = Mobile\n", "T:2: roles: bad roles" },
	{ "[general]\ninterfaces = eth0,\n", "T:2: interfaces: empty list element" },
	{ "[general]\ninterfaces = ,eth0\n", "T:2: interfaces: empty list element" },
	{ "[general]\ninterfaces =\n", "T:2: interfaces: empty list" },
	{ "[general]\ninterfaces = eth0 eth0\n", "T:2: interfaces: interface listed twice" },
	{ "[general]\ninterfaces = a/b\n", "T:2: interfaces: bad interface name" },
	{ "[general]\ninterfaces = ..\n", "T:2: interfaces: bad interface name" },
	{ "[general]\ninterfaces = 0123456789abcdef\n", "T:2: interfaces: bad interface name" },
	{ "[general]\ninterfaces = a b c d e f g h i\n", "T:2: interfaces: too many list elements" },
	{ "[general]\nlog_level = verbose\n", "T:2: log_level: bad log level (error, warning, notice, info, debug)" },
	{ "[general]\ndebounce_ms = 60001\n", "T:2: debounce_ms: expected a whole number from 0 to 60000" },
	{ "[general]\ndebounce_ms = -1\n", "T:2: debounce_ms: expected a whole number from 0 to 60000" },
	{ "[general]\ndebounce_ms = 1s\n", "T:2: debounce_ms: expected a whole number" },
	{ "[sip]\nlisten = tls:0.0.0.0\n", "T:2: listen: expected udp:ADDRESS[:PORT], tcp:ADDRESS[:PORT] or sctp:ADDRESS[:PORT]" },
	{ "[sip]\nlisten = sctp:\n", "T:2: listen: expected udp:ADDRESS[:PORT], tcp:ADDRESS[:PORT] or sctp:ADDRESS[:PORT]" },
	{ "[sip]\nlisten = sctp:1.2.3.4:0\n", "T:2: listen: bad port (1-65535)" },
	{ "[sip]\nlisten = sctp:0.0.0.0, sctp:1.2.3.4:5060\n", "T:2: listen: the same transport and port twice" },
	{ "[sip]\nlisten = udp:\n", "T:2: listen: expected udp:ADDRESS[:PORT]" },
	{ "[sip]\nlisten = udp:1.2.3\n", "T:2: listen: bad address (a.b.c.d, 0.0.0.0 for any)" },
	{ "[sip]\nlisten = udp:1.2.3.4:\n", "T:2: listen: bad port (1-65535)" },
	{ "[sip]\nlisten = udp:1.2.3.4:0\n", "T:2: listen: bad port (1-65535)" },
	{ "[sip]\nlisten = udp:1.2.3.4:5060:1\n", "T:2: listen: bad port (1-65535)" },
	{ "[sip]\nlisten = udp:1.2.3.4, udp:1.2.3.4:5060\n", "T:2: listen: the same transport and port twice" },
	{ "[sip]\nlisten = udp:0.0.0.0, udp:1.2.3.4\n", "T:2: listen: the same transport and port twice" },
	{ "[sip]\nregister_expires = 59\n", "T:2: register_expires: expected a whole number from 60 to 86400" },
	{ "[sip]\nrealm =\n", "T:2: realm: expected printable text" },
	{ "[sip]\nrealm = r\xc3\xa9\n", "T:2: realm: expected printable text" },
	{ "[sip]\nsecrets = etc/hmmp/secrets\n", "T:2: secrets: expected an absolute path" },
	{ "[sip]\nalgorithms = SHA-512-256\n", "T:2: algorithms: unknown algorithm (SHA-256, SHA-256-sess, MD5, MD5-sess)" },
	{ "[sip]\nalgorithms = MD5, md5\n", "T:2: algorithms: algorithm listed twice" },
	{ "[sip]\nalgorithms = MD5 SHA-256 MD5-sess SHA-256-sess MD5\n", "T:2: algorithms: too many list elements" },
	{ "[sip]\nnonce_lifetime = 3601\n", "T:2: nonce_lifetime: expected a whole number from 10 to 3600" },
	{ "[binding]\nlifetime = 9\n", "T:2: lifetime: expected a whole number from 10 to 86400" },
	{ "[binding]\nencap = gre\n", "T:2: encap: bad encapsulation (auto, ipip, minimal or udp)" },
	{ "[binding]\nencap = Auto\n", "T:2: encap: bad encapsulation" },
	{ "[binding]\nencap = IPIP\n", "T:2: encap: bad encapsulation" },
	{ "[binding]\ngateway_lifetime = 601\n", "T:2: gateway_lifetime: expected a whole number from 0 to 600" },
	{ "[binding]\nclaim_lifetime = 86401\n", "T:2: claim_lifetime: expected a whole number from 0 to 86400" },
	{ "[binding]\nrequire_connection = maybe\n", "T:2: require_connection: expected yes or no" },
	{ "[binding]\nlifetime = 4000\n", "T:2: lifetime 4000 is more than max_lifetime 3600" },
	{ "[binding]\nmax_lifetime = 100\nlifetime = 200\n", "T:3: lifetime 200 is more than max_lifetime 100" },
	{ "[binding]\nlifetime = 200\nmax_lifetime = 100\n", "T:3: lifetime 200 is more than max_lifetime 100" },
	{ "[sip]\nregistrar = sip:r.example\n", "T:2: registrar needs an identity in [general] to register" },
	{ "[peer bob]\naddress = 1.2.3.4\n", "T:1: [peer bob] has no uri" },
	{ "[peer b@b]\nuri = sip:b@h\n", "T:1: bad peer name (1-32 letters, digits, '.', '_', '-')" },
	{ "[peer aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\nuri = sip:b@h\n", "T:1: bad peer name" },
	{ "[peer bob]\nuri = sip:b@h\n[peer bob]\nuri = sip:b@h\n", "T:3: [peer bob] given twice (first on line 1)" },
	{ "[peer bob]\nuri = sip:b@h\nuri = sip:c@h\n", "T:3: uri given twice in [peer bob] (first on line 2)" },
	{ "[peer bob]\nuri = sip:b@h\nport = 5060\n", "T:3: unknown key 'port' in [peer bob] (uri, address, proxy)" },
	{ "[peer bob]\nuri = bob\n", "T:2: uri: not a SIP URI" },
	{ "[peer bob]\nuri = sip:b@h\naddress = 1.2.3\n", "T:3: address: bad address" },
	{ "[peer bob]\nuri = sip:b@h\nproxy = sip:proxy.example\n",
	  "T:3: proxy: not a sip: URI with a numeric IPv4 host" },
	{ "[peer bob]\nuri = sip:b@h\nproxy = bob\n", "T:3: proxy: not a SIP URI" },
	{ "[peer bob]\nuri = sip:b@h\nproxy = sip:1.2.3.4\nproxy = sip:1.2.3.5\n",
	  "T:4: proxy given twice in [peer bob] (first on line 3)" },
	{ "[peer bob]\nuri = sip:b@h\naddress = 1.2.3.4 1.2.3.4\n", "T:3: address: address listed twice" },
	{ "[peer bob]\nuri = sip:b@h\naddress = 1.2.3.4\n[peer carol]\nuri = sip:c@h\naddress = 1.2.3.5, 1.2.3.4\n",
	  "T:6: address: 1.2.3.4 is already [peer bob]'s" },
	/* the first error wins, whichever kind it is */
	{ "[general]\nlog_level = x\nnonsense\n", "T:2: log_level: bad log level" },
	{ "[general]\nnonsense\nlog_level = x\n", "T:2: expected 'key = value'" },
	{ "[nope]\nlog_level = x\n[general]\nlog_level = y\n", "T:1: unknown section [nope]" },
};

static void test_bad(void **state)
{
	struct hmmpd_conf *c = malloc(sizeof(*c)), *keep = malloc(sizeof(*keep));
	size_t i;

	(void)state;
	assert_non_null(c);
	assert_non_null(keep);
	memset(c, 0x3c, sizeof(*c));
	memcpy(keep, c, sizeof(*c));
	for (i = 0; i < HMMP_ARRAY_SIZE(bad); i++) {
		if (load(c, bad[i].text) != -EINVAL)
			fail_msg("case %zu accepted: %s", i, bad[i].text);
		if (strncmp(err, bad[i].err, strlen(bad[i].err)))
			fail_msg("case %zu: '%s', not '%s'", i, err, bad[i].err);
		/* a failed load changes nothing */
		assert_memory_equal(c, keep, sizeof(*c));
	}
	free(c);
	free(keep);
}

static void test_limits(void **state)
{
	struct hmmpd_conf *c = malloc(sizeof(*c));
	char text[64 * 80], line[256];
	size_t n;
	int i;

	(void)state;
	assert_non_null(c);
	/* a line of HMMPD_CONF_MAX_LINE characters passes, one more not */
	n = (size_t)snprintf(line, sizeof(line), "[sip]\nsecrets = /");
	while (n < 6 + HMMPD_CONF_MAX_LINE)
		line[n++] = 'r';
	line[n] = '\0';
	if (load(c, line))
		fail_msg("%s", err);
	assert_int_equal(strlen(c->secrets), HMMPD_CONF_MAX_LINE - 10);
	line[n++] = 'r';
	line[n] = '\0';
	assert_int_equal(load(c, line), -EINVAL);
	assert_string_equal(err, "T:2: line longer than 199 characters");
	/* trailing blanks do not count */
	line[n - 1] = ' ';
	assert_int_equal(load(c, line), 0);

	/* HMMPD_CONF_MAX_PEERS peers pass, one more does not */
	n = 0;
	for (i = 0; i < HMMPD_CONF_MAX_PEERS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "[peer p%d]\nuri = sip:p%d@h\naddress = 10.0.%d.1\n",
				      i, i, i);
	assert_int_equal(load_len(c, text, n), 0);
	assert_int_equal(c->npeers, HMMPD_CONF_MAX_PEERS);
	n += (size_t)snprintf(text + n, sizeof(text) - n, "[peer last]\nuri = sip:l@h\n");
	assert_int_equal(load_len(c, text, n), -EINVAL);
	assert_string_equal(err, "T:193: more than 64 peers");

	/* a URI that does not fit (a peer's: its key is shortest) */
	n = (size_t)snprintf(text, sizeof(text), "[peer p]\nuri = sip:a@");
	while (n < 15 + HMMPD_URI_MAX - 1)
		text[n++] = 'a';
	text[n++] = '\n';
	assert_int_equal(load_len(c, text, n), 0);
	assert_int_equal(strlen(c->peers[0].uri), HMMPD_URI_MAX - 1);
	text[n - 1] = 'a';
	text[n++] = '\n';
	assert_int_equal(load_len(c, text, n), -EINVAL);
	assert_string_equal(err, "T:2: uri: URI too long");

	/* a NUL byte */
	assert_int_equal(load_len(c, "[sip]\nrealm = a\0b\n", 18), -EINVAL);
	assert_string_equal(err, "T:2: invalid character");
	free(c);
}

static void test_load_path(void **state)
{
	char path[] = "/tmp/hmmp-conf-XXXXXX";
	struct hmmpd_conf *c = malloc(sizeof(*c));
	int fd;

	(void)state;
	assert_non_null(c);
	assert_int_equal(hmmpd_conf_load(c, "/nonexistent/hmmpd.conf", err, sizeof(err)), -ENOENT);
	assert_string_equal(err, "/nonexistent/hmmpd.conf: cannot open: No such file or directory");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, example, strlen(example)), (ssize_t)strlen(example));
	close(fd);
	assert_int_equal(hmmpd_conf_load(c, path, err, sizeof(err)), 0);
	assert_string_equal(c->identity, "sip:alice@example.org");
	fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "bad\n", 4), 4);
	close(fd);
	assert_int_equal(hmmpd_conf_load(c, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, ":32: expected 'key = value'"));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	/* a directory: opened, but not readable as a file */
	assert_true(hmmpd_conf_load(c, "/tmp", err, sizeof(err)) < 0);
	unlink(path);
	free(c);
}

static void test_log_level_names(void **state)
{
	(void)state;
	assert_string_equal(hmmpd_log_level_name(LOG_ERR), "error");
	assert_string_equal(hmmpd_log_level_name(LOG_DEBUG), "debug");
	assert_null(hmmpd_log_level_name(LOG_CRIT));
	assert_null(hmmpd_log_level_name(-1));
	assert_null(hmmpd_log_level_name(99));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_encap_values),
		cmocka_unit_test(test_liberal),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_load_path),
		cmocka_unit_test(test_log_level_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
