// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: mSCTP (msctp.h, docs/msctp.md).
 *
 * Each registered association is a duplicate of an application's
 * connected one-to-one SCTP socket. On a hand-off from OLD to NEW:
 *
 *  1. NEW is added with sctp_bindx (SCTP_SOCKOPT_BINDX_ADD): the kernel
 *     sends ASCONF(Add IP) to the peer; sockets bound to the wildcard with
 *     automatic ASCONF are left to the kernel, which adds the address by
 *     itself;
 *  2. the primary is changed (SCTP_SET_PEER_PRIMARY_ADDR: ASCONF(Set
 *     Primary Address) asks the peer to send to NEW) under the socket's
 *     rule: (a) "ack" as soon as the raw socket sees the ASCONF-ACK that
 *     confirms NEW, at most once per damping_ms (a change wanted earlier
 *     waits, and is dropped if no longer wanted by then); (b) "link" when
 *     NEW's interface is up and its quality (hmmpctl sctp link, or the
 *     link_quality file) reaches the threshold; (c) "upper" only on
 *     request (hmmpctl sctp primary, or the control socket);
 *  3. an address of the association that has left the host is deleted
 *     (SCTP_SOCKOPT_BINDX_REM: ASCONF(Delete IP)) once another one is
 *     confirmed.
 *
 * ASCONFs of one association are serialized by the kernel, so their ACKs
 * come back in the order hmmpd asked; each request waits in a small queue
 * for its ACK, confirm_ms at most: after that the peer is taken as
 * unreachable at every address it has (both ends moved at once), which is
 * logged, and told on the application's channel.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/random.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include <linux/sctp.h>

#include "sip/auth.h"
#include "core/daemon.h"
#include "hmmp_sctp.h"
#include "core/log.h"
#include "msctp.h"
#include "core/net.h"
#include "sip/sip.h"
#include "util.h"

#ifndef SOL_SCTP
#define SOL_SCTP	132
#endif

#define SYSCTL_DIR	"/proc/sys/net/sctp"
#define MAX_ASSOCS	256
#define MAX_ADDRS	8
#define MAX_PENDING	8
#define MAX_QUALITY	16
#define QUALITY_POLL_MS	250

/* ---- configuration -------------------------------------------------- */

static const char *const rule_names[__HMMPD_SCTP_RULE_MAX] = {
	[HMMPD_SCTP_ACK] = "ack",
	[HMMPD_SCTP_LINK] = "link",
	[HMMPD_SCTP_UPPER] = "upper",
};

const char *hmmpd_sctp_rule_name(enum hmmpd_sctp_rule r)
{
	return (unsigned int)r < __HMMPD_SCTP_RULE_MAX ? rule_names[r] : NULL;
}

int hmmpd_sctp_rule_parse(const char *s, enum hmmpd_sctp_rule *out)
{
	static const char *const letters[__HMMPD_SCTP_RULE_MAX] = { "a", "b", "c" };
	unsigned int i;

	for (i = 0; i < __HMMPD_SCTP_RULE_MAX; i++) {
		if (!strcmp(s, rule_names[i]) || !strcmp(s, letters[i])) {
			*out = (enum hmmpd_sctp_rule)i;
			return 0;
		}
	}
	return -1;
}

void hmmpd_sctp_conf_defaults(struct hmmpd_sctp_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->socket, sizeof(c->socket), "%s", HMMP_CTL_DEFAULT);
	c->rule = HMMPD_SCTP_ACK;
	c->damping_ms = 2000;
	c->confirm_ms = 5000;
	c->quality_threshold = 50;
}

static const char *const sctp_keys[] = {
	"enable", "sysctl_setup", "socket", "rule", "damping_ms",
	"confirm_ms", "link_quality", "quality_threshold",
};

static int parse_bool(const char *v, bool *out)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*out = true;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*out = false;
	else
		return -1;
	return 0;
}

int hmmpd_sctp_conf_key(struct hmmpd_sctp_conf *c, const char *name,
			const char *value, unsigned int line, char *why,
			size_t size)
{
	unsigned int i;
	uint32_t u;

	for (i = 0; i < HMMP_ARRAY_SIZE(sctp_keys); i++) {
		if (!strcmp(name, sctp_keys[i]))
			break;
	}
	if (i == HMMP_ARRAY_SIZE(sctp_keys)) {
		snprintf(why, size, "unknown key '%s' in [sctp] (enable, sysctl_setup, socket, rule, damping_ms, confirm_ms, link_quality, quality_threshold)",
			 name);
		return -1;
	}
	if (c->given & (1u << i)) {
		snprintf(why, size, "%s given twice (first on line %u)", name,
			 c->given_line[i]);
		return -1;
	}
	c->given |= 1u << i;
	c->given_line[i] = line;
	switch (i) {
	case 0:
		if (parse_bool(value, &c->enable))
			goto bad_bool;
		return 0;
	case 1:
		if (parse_bool(value, &c->sysctl_setup))
			goto bad_bool;
		return 0;
	case 2:
		if (!value[0] || strlen(value) >= sizeof(c->socket) ||
		    (value[0] != '/' && value[0] != '@')) {
			snprintf(why, size, "socket: an absolute path, or @NAME (abstract), of at most %zu characters",
				 sizeof(c->socket) - 1);
			return -1;
		}
		snprintf(c->socket, sizeof(c->socket), "%s", value);
		return 0;
	case 3:
		if (hmmpd_sctp_rule_parse(value, &c->rule)) {
			snprintf(why, size, "rule: ack (a), link (b) or upper (c), not '%s'",
				 value);
			return -1;
		}
		return 0;
	case 4:
	case 5:
		if (hmmp_u32_parse(value, i == 4 ? 0 : 100, 600000, &u)) {
			snprintf(why, size, "%s: milliseconds, %s to 600000", name,
				 i == 4 ? "0" : "100");
			return -1;
		}
		if (i == 4)
			c->damping_ms = u;
		else
			c->confirm_ms = u;
		return 0;
	case 6:
		if (value[0] != '/' || strlen(value) >= sizeof(c->link_quality)) {
			snprintf(why, size, "link_quality: an absolute path");
			return -1;
		}
		snprintf(c->link_quality, sizeof(c->link_quality), "%s", value);
		return 0;
	default:
		if (hmmp_u32_parse(value, 0, 100, &c->quality_threshold)) {
			snprintf(why, size, "quality_threshold: 0 to 100");
			return -1;
		}
		return 0;
	}
bad_bool:
	snprintf(why, size, "%s: yes or no, not '%s'", name, value);
	return -1;
}

/* ---- sysctls -------------------------------------------------------- */

static int sysctl_read(const char *dir, const char *name, int *val)
{
	char path[512], buf[32];
	ssize_t n;
	int fd, e;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	e = errno;
	close(fd);
	if (n <= 0)
		return n < 0 ? -e : -EIO;
	buf[n] = '\0';
	*val = atoi(buf);
	return 0;
}

static int sysctl_write(const char *dir, const char *name, int val)
{
	char path[512], buf[16];
	int fd, len, e;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = snprintf(buf, sizeof(buf), "%d\n", val);
	n = write(fd, buf, (size_t)len);
	e = errno;
	close(fd);
	return n == len ? 0 : -(n < 0 ? e : EIO);
}

#define SYSCTL_HOW "in this network namespace, before the applications open their SCTP sockets"

int hmmpd_sctp_sysctl(const char *dir, bool setup, char *msg, size_t size)
{
	int addip = 0, auth = 0, noauth = 0, autoasconf = 0, r;

	r = sysctl_read(dir, "addip_enable", &addip);
	if (!r)
		r = sysctl_read(dir, "auth_enable", &auth);
	if (r) {
		snprintf(msg, size, "cannot read %s: %s: no SCTP in this kernel? (modprobe sctp)",
			 dir, strerror(-r));
		return r;
	}
	/* older kernels may lack these two: then they are off */
	sysctl_read(dir, "addip_noauth_enable", &noauth);
	sysctl_read(dir, "default_auto_asconf", &autoasconf);
	if (addip && (auth || noauth)) {
		snprintf(msg, size, "ADDIP on: net.sctp.addip_enable=1 auth_enable=%d addip_noauth_enable=%d default_auto_asconf=%d%s",
			 auth, noauth, autoasconf,
			 auth ? "" : " (ASCONF without authentication: anyone on the path can move the association)");
		return 1;
	}
	if (!setup) {
		snprintf(msg, size, "ADDIP off (net.sctp.addip_enable=%d auth_enable=%d addip_noauth_enable=%d): associations cannot hand over; run 'sysctl -w net.sctp.addip_enable=1 net.sctp.auth_enable=1' " SYSCTL_HOW ", or let hmmpd do it: sysctl_setup = yes in [sctp]",
			 addip, auth, noauth);
		return 0;
	}
	if (!addip)
		r = sysctl_write(dir, "addip_enable", 1);
	if (!r && !auth && !noauth)
		r = sysctl_write(dir, "auth_enable", 1);
	if (r) {
		snprintf(msg, size, "cannot set net.sctp.addip_enable=1 auth_enable=1: %s: associations cannot hand over; set them by hand " SYSCTL_HOW,
			 strerror(-r));
		return 0;
	}
	snprintf(msg, size, "ADDIP on: set net.sctp.addip_enable=1 auth_enable=1 (was addip_enable=%d auth_enable=%d; sockets opened before keep what they had); default_auto_asconf=%d",
		 addip, auth, autoasconf);
	return 1;
}

/* ---- packets -------------------------------------------------------- */

#define CH_ABORT	6
#define CH_ERROR	9
#define CH_ASCONF_ACK	0x80
#define P_ERR_CAUSE	0xC003
#define CAUSE_UNRECOGNIZED_CHUNK 6

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void parse_ack(const uint8_t *c, size_t clen, struct hmmpd_sctp_pkt *p)
{
	size_t off = 8;		/* chunk header, serial number */

	p->nack++;
	while (off + 4 <= clen) {
		uint16_t type = get16(c + off), plen = get16(c + off + 2);

		if (plen < 4 || off + plen > clen)
			break;
		/* crr id, then causes: code, length */
		if (type == P_ERR_CAUSE && plen >= 12) {
			if (!p->nerr)
				p->cause = get16(c + off + 8);
			p->nerr++;
		}
		off += ((size_t)plen + 3) & ~(size_t)3;
	}
}

int hmmpd_sctp_parse(const uint8_t *buf, size_t len, struct hmmpd_sctp_pkt *p)
{
	size_t ihl, tot, off;

	memset(p, 0, sizeof(*p));
	if (len < 20 || buf[0] >> 4 != 4 || buf[9] != IPPROTO_SCTP)
		return -1;
	ihl = (size_t)(buf[0] & 0xf) * 4;
	tot = get16(buf + 2);
	if (ihl < 20 || tot < ihl + 12 || tot > len)
		return -1;
	if (get16(buf + 6) & 0x3fff)	/* a fragment: the kernel reassembles */
		return -1;
	memcpy(&p->saddr, buf + 12, 4);
	memcpy(&p->daddr, buf + 16, 4);
	buf += ihl;
	len = tot - ihl;
	p->sport = get16(buf);
	p->dport = get16(buf + 2);
	p->vtag = get32(buf + 4);
	for (off = 12; off + 4 <= len;) {
		uint8_t type = buf[off];
		uint16_t clen = get16(buf + off + 2);

		if (clen < 4 || off + clen > len)
			return -1;
		if (type == CH_ASCONF_ACK && clen >= 8)
			parse_ack(buf + off, clen, p);
		else if (type == CH_ABORT)
			p->abort = true;
		else if (type == CH_ERROR && clen >= 8 &&
			 get16(buf + off + 4) == CAUSE_UNRECOGNIZED_CHUNK)
			p->unrecognized = true;
		off += ((size_t)clen + 3) & ~(size_t)3;
	}
	return 0;
}

uint64_t hmmpd_sctp_damp(uint64_t now_us, uint64_t last_us, uint32_t damping_ms)
{
	uint64_t until = last_us + (uint64_t)damping_ms * 1000;

	if (!last_us || now_us >= until)
		return 0;
	return until - now_us;
}

int hmmpd_sctp_word(const char *args, const char *key, char *val, size_t size)
{
	size_t klen = strlen(key);
	const char *p = args;

	while (*p) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " \n");
		if (n > klen && !strncmp(p, key, klen) && p[klen] == '=') {
			size_t vlen = n - klen - 1;

			if (vlen >= size)
				return -1;
			memcpy(val, p + klen + 1, vlen);
			val[vlen] = '\0';
			return (int)vlen;
		}
		p += n;
		if (*p == '\n')
			break;
	}
	return -1;
}

int hmmpd_sctp_quality_in(const char *text, const char *ifname)
{
	const char *p = text;

	while (*p) {
		char name[IFNAMSIZ + 1];
		unsigned int q;
		int n = 0;

		if (sscanf(p, " %16s %u%n", name, &q, &n) == 2 && n > 0 &&
		    name[0] != '#' && !strcmp(name, ifname))
			return q > 100 ? 100 : (int)q;
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	return -1;
}

/* ---- the daemon's state ---------------------------------------------- */

enum op { OP_ADD, OP_DEL, OP_PRIM };
static const char *const op_names[] = { "add", "delete", "set-primary" };

struct pending {
	enum op op;
	uint32_t addr;		/* be32 */
	uint64_t at_us;
};

struct client;

struct assoc {
	struct assoc *next;
	struct hmmpd_msctp *ms;
	struct client *ch;	/* NULL: detached, lives with a process */
	unsigned int id;
	int fd;
	int pidfd;		/* detached: the process it lives with */
	uint64_t sip_conn;	/* hmmpd's own SIP association (sip.h) */
	sd_event_source *psrc;
	uid_t uid;
	char name[32];
	enum hmmpd_sctp_rule rule;
	bool wildcard;		/* bound to any, automatic ASCONF */
	bool unreachable;
	uint16_t lport, pport;	/* host order */
	uint32_t local[MAX_ADDRS], peer[MAX_ADDRS];
	unsigned int nlocal, npeer;
	uint32_t primary;	/* ours the peer sends to, as asked; 0: unknown */
	uint32_t target;	/* the address of the latest hand-off */
	uint32_t want;		/* a primary change waiting for damping */
	uint64_t last_change_us, handoff_us;
	sd_event_source *damp, *confirm;
	struct pending q[MAX_PENDING];
	unsigned int nq;
	unsigned int handovers, changes, damped;
	int64_t last_ms;	/* hand-off -> primary confirmed; -1: none */
	const char *last;	/* how the last hand-over stands */
};

struct client {
	struct client *next;
	struct hmmpd_msctp *ms;
	int fd;
	uid_t uid;
	sd_event_source *src;
};

struct quality {
	char ifname[IFNAMSIZ];
	int q;
};

struct hmmpd_msctp {
	struct hmmpd *d;
	int lfd, raw;
	sd_event_source *lsrc, *rsrc, *qpoll;
	struct client *clients;
	struct assoc *assocs;
	unsigned int nassocs, next_id;
	bool addip;		/* the sysctls allow ADDIP */
	struct quality quality[MAX_QUALITY];	/* hmmpctl sctp link */
	unsigned int nquality;
	char qtext[1024];	/* the link_quality file, as last read */
	char path[HMMPD_SCTP_PATH_MAX];	/* of the control socket */
	struct locate *locates;		/* registrar queries in flight */
};

static const struct hmmpd_sctp_conf *conf(struct hmmpd_msctp *ms)
{
	return &ms->d->conf->sctp;
}

static const char *ip_s(uint32_t a, char buf[HMMP_ADDRSTRLEN])
{
	return hmmp_addr_format(a, buf);
}

static bool has(const uint32_t *v, unsigned int n, uint32_t a)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (v[i] == a)
			return true;
	return false;
}

static void sin_of(struct sockaddr_in *sin, uint32_t addr, uint16_t port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = addr;
	sin->sin_port = htons(port);
}

/* The IPv4 addresses of a getaddrs answer. */
static unsigned int addrs_of(int fd, int opt, uint32_t *out)
{
	union {
		struct sctp_getaddrs ga;
		uint8_t buf[sizeof(struct sctp_getaddrs) + 64 * 28];
	} u;
	socklen_t len = sizeof(u);
	unsigned int i, n = 0;
	uint8_t *p;

	memset(&u, 0, sizeof(u));
	/*
	 * Not 0: a one-to-one socket's association (any id will do), whose
	 * addresses are what the peer knows: with 0, the local ones are the
	 * endpoint's, for a wildcard socket every address of the host.
	 */
	u.ga.assoc_id = 1;
	if (getsockopt(fd, SOL_SCTP, opt, &u, &len))
		return 0;
	p = u.ga.addrs;
	for (i = 0; i < u.ga.addr_num && p < u.buf + len; i++) {
		struct sockaddr *sa = (struct sockaddr *)p;

		if (sa->sa_family == AF_INET) {
			struct sockaddr_in sin;

			memcpy(&sin, p, sizeof(sin));
			if (n < MAX_ADDRS)
				out[n++] = sin.sin_addr.s_addr;
			p += sizeof(struct sockaddr_in);
		} else {
			p += sizeof(struct sockaddr_in6);
		}
	}
	return n;
}

static int assoc_state(int fd)
{
	struct sctp_status st;
	socklen_t len = sizeof(st);

	memset(&st, 0, sizeof(st));
	if (getsockopt(fd, SOL_SCTP, SCTP_STATUS, &st, &len))
		return -errno;
	return st.sstat_state;
}

static void refresh(struct assoc *a)
{
	a->nlocal = addrs_of(a->fd, SCTP_GET_LOCAL_ADDRS, a->local);
	a->npeer = addrs_of(a->fd, SCTP_GET_PEER_ADDRS, a->peer);
}

static const char *state_name(int s)
{
	switch (s) {
	case SCTP_ESTABLISHED: return "established";
	case SCTP_CLOSED: return "closed";
	case SCTP_COOKIE_WAIT: return "cookie-wait";
	case SCTP_COOKIE_ECHOED: return "cookie-echoed";
	case SCTP_SHUTDOWN_PENDING: return "shutdown-pending";
	case SCTP_SHUTDOWN_SENT: return "shutdown-sent";
	case SCTP_SHUTDOWN_RECEIVED: return "shutdown-received";
	case SCTP_SHUTDOWN_ACK_SENT: return "shutdown-ack-sent";
	default: return "none";
	}
}

static void tell(struct assoc *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* An event on the application's channel, if it has one. */
static void tell(struct assoc *a, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	if (!a->ch)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		send(a->ch->fd, buf, strnlen(buf, sizeof(buf)),
		     MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void assoc_free(struct assoc *a, const char *why)
{
	struct hmmpd_msctp *ms = a->ms;
	struct assoc **pp;

	for (pp = &ms->assocs; *pp; pp = &(*pp)->next) {
		if (*pp == a) {
			*pp = a->next;
			break;
		}
	}
	ms->nassocs--;
	hmmpd_log(LOG_INFO, "sctp: association %u (%s) unregistered: %s", a->id,
		  a->name, why);
	sd_event_source_disable_unref(a->damp);
	sd_event_source_disable_unref(a->confirm);
	sd_event_source_disable_unref(a->psrc);
	if (a->pidfd >= 0)
		close(a->pidfd);
	close(a->fd);
	free(a);
}

/* Drop an association that has ended; true when it did. */
static bool gone(struct assoc *a)
{
	int s = assoc_state(a->fd);

	if (s == SCTP_ESTABLISHED || s == SCTP_SHUTDOWN_PENDING)
		return false;
	assoc_free(a, s < 0 ? strerror(-s) : state_name(s));
	return true;
}

static int arm(struct hmmpd_msctp *ms, sd_event_source **src, uint64_t in_us,
	       sd_event_time_handler_t fn, void *arg)
{
	uint64_t when = hmmpd_now_us(ms->d) + in_us;
	int r;

	if (*src) {
		r = sd_event_source_set_time(*src, when);
		if (r >= 0)
			r = sd_event_source_set_enabled(*src, SD_EVENT_ONESHOT);
	} else {
		r = sd_event_add_time(ms->d->ev, src, CLOCK_MONOTONIC, when, 1000,
				      fn, arg);
	}
	if (r < 0)
		hmmpd_log(LOG_ERR, "sctp: cannot arm a timer: %s", strerror(-r));
	return r;
}

/* ---- ASCONF requests and their ACKs ---------------------------------- */

static int on_confirm_timer(sd_event_source *s, uint64_t usec, void *arg);

static void push(struct assoc *a, enum op op, uint32_t addr)
{
	struct hmmpd_msctp *ms = a->ms;

	if (a->nq == MAX_PENDING) {
		memmove(a->q, a->q + 1, (MAX_PENDING - 1) * sizeof(a->q[0]));
		a->nq--;
	}
	a->q[a->nq++] = (struct pending){ op, addr, hmmpd_now_us(ms->d) };
	if (a->nq == 1 && ms->raw >= 0)
		arm(ms, &a->confirm, conf(ms)->confirm_ms * 1000ULL,
		    on_confirm_timer, a);
}

static const char *errno_hint(int e)
{
	switch (e) {
	case EPERM:
		return ": the peer does not do ADDIP, or refused it before";
	case EADDRNOTAVAIL:
		return ": not an address of the association";
	case ENOTCONN:
		return ": the association is not established";
	default:
		return "";
	}
}

static int set_primary(struct assoc *a, uint32_t addr, const char *why)
{
	struct sctp_setpeerprim sp;
	struct sockaddr_in sin;
	char ip[HMMP_ADDRSTRLEN];

	memset(&sp, 0, sizeof(sp));
	sin_of(&sin, addr, a->lport);
	memcpy(&sp.sspp_addr, &sin, sizeof(sin));
	a->want = 0;
	if (setsockopt(a->fd, SOL_SCTP, SCTP_SET_PEER_PRIMARY_ADDR, &sp,
		       sizeof(sp))) {
		int e = errno;

		hmmpd_log(LOG_ERR, "sctp: association %u (%s): cannot ask the peer to make %s primary: %s%s",
			  a->id, a->name, ip_s(addr, ip), strerror(e), errno_hint(e));
		a->last = "set-primary-failed";
		return -e;
	}
	a->last_change_us = hmmpd_now_us(a->ms->d);
	hmmpd_log(LOG_INFO, "sctp: association %u (%s): set-primary %s sent (rule %s: %s)",
		  a->id, a->name, ip_s(addr, ip), hmmpd_sctp_rule_name(a->rule), why);
	a->last = "set-primary-sent";
	if (a->ms->raw >= 0) {
		push(a, OP_PRIM, addr);
	} else {
		/* no raw socket: no ACK to wait for */
		a->primary = addr;
		a->changes++;
	}
	return 0;
}

static int on_damp(sd_event_source *s, uint64_t usec, void *arg)
{
	struct assoc *a = arg;

	(void)s;
	(void)usec;
	if (gone(a))
		return 0;
	refresh(a);
	if (a->want && a->want != a->primary && has(a->local, a->nlocal, a->want))
		set_primary(a, a->want, "damping over");
	a->want = 0;
	return 0;
}

/* Make addr the primary: at once, or once damping allows (rule a). */
static void want_primary(struct assoc *a, uint32_t addr, bool damped,
			 const char *why)
{
	struct hmmpd_msctp *ms = a->ms;
	char ip[HMMP_ADDRSTRLEN];
	uint64_t wait;
	unsigned int i;

	for (i = 0; i < a->nq; i++)
		if (a->q[i].op == OP_PRIM)
			break;
	if (addr == a->primary && i == a->nq) {
		a->want = 0;
		return;
	}
	wait = damped ? hmmpd_sctp_damp(hmmpd_now_us(ms->d), a->last_change_us,
					conf(ms)->damping_ms) : 0;
	if (!wait) {
		set_primary(a, addr, why);
		return;
	}
	if (a->want != addr) {
		a->damped++;
		hmmpd_log(LOG_INFO, "sctp: association %u (%s): damping: primary %s waits %llu ms (the last change was %llu ms ago)",
			  a->id, a->name, ip_s(addr, ip),
			  (unsigned long long)(wait / 1000),
			  (unsigned long long)((hmmpd_now_us(ms->d) - a->last_change_us) / 1000));
	}
	a->want = addr;
	arm(ms, &a->damp, wait, on_damp, a);
}

static int quality_of(struct hmmpd_msctp *ms, const char *ifname)
{
	unsigned int i;

	for (i = 0; i < ms->nquality; i++)
		if (!strcmp(ms->quality[i].ifname, ifname))
			return ms->quality[i].q;
	return hmmpd_sctp_quality_in(ms->qtext, ifname);
}

/* Rule (b): the target's link up, its quality over the threshold. */
static void eval_link(struct assoc *a, const struct hmmpd_netstate *st)
{
	const struct hmmpd_link *l = NULL;
	char ip[HMMP_ADDRSTRLEN], why[96];
	size_t i;
	int q;

	if (a->rule != HMMPD_SCTP_LINK || !a->target || a->target == a->primary ||
	    !has(a->local, a->nlocal, a->target))
		return;
	for (i = 0; i < st->naddrs; i++)
		if (st->addrs[i].addr == a->target && !st->addrs[i].loopback)
			l = hmmpd_net_link(st, st->addrs[i].ifindex);
	if (!l || !l->up)
		return;
	q = quality_of(a->ms, l->name);
	if (q < (int)conf(a->ms)->quality_threshold) {
		hmmpd_log(LOG_DEBUG, "sctp: association %u: %s on %s: quality %d under %u",
			  a->id, ip_s(a->target, ip), l->name, q,
			  conf(a->ms)->quality_threshold);
		return;
	}
	snprintf(why, sizeof(why), "%s up, quality %d >= %u", l->name, q,
		 conf(a->ms)->quality_threshold);
	want_primary(a, a->target, false, why);
}

static void eval_link_all(struct hmmpd_msctp *ms)
{
	struct hmmpd_netstate st;
	struct assoc *a;

	for (a = ms->assocs; a; a = a->next)
		if (a->rule == HMMPD_SCTP_LINK)
			break;
	if (!a || hmmpd_net_read(ms->d->rt, &st))
		return;
	for (a = ms->assocs; a; a = a->next) {
		refresh(a);
		eval_link(a, &st);
	}
	hmmpd_net_free(&st);
}

static void confirmed(struct assoc *a, const struct pending *p,
		      const struct hmmpd_sctp_pkt *pkt)
{
	struct hmmpd_msctp *ms = a->ms;
	char ip[HMMP_ADDRSTRLEN];
	uint64_t now = hmmpd_now_us(ms->d);

	if (pkt->nerr) {
		hmmpd_log(LOG_ERR, "sctp: association %u (%s): the peer refused %s %s (cause %u)",
			  a->id, a->name, op_names[p->op], ip_s(p->addr, ip), pkt->cause);
		a->last = "refused";
		tell(a, "event refused id=%u op=%s addr=%s cause=%u", a->id,
		     op_names[p->op], ip, pkt->cause);
		return;
	}
	hmmpd_log(LOG_INFO, "sctp: association %u (%s): ASCONF-ACK: %s %s confirmed in %llu ms",
		  a->id, a->name, op_names[p->op], ip_s(p->addr, ip),
		  (unsigned long long)((now - p->at_us) / 1000));
	switch (p->op) {
	case OP_ADD:
		a->last = "added";
		if (a->rule == HMMPD_SCTP_ACK && p->addr == a->target)
			want_primary(a, p->addr, true, "ASCONF-ACK of the add");
		else if (a->rule == HMMPD_SCTP_LINK)
			eval_link_all(ms);
		break;
	case OP_PRIM:
		a->primary = p->addr;
		a->changes++;
		a->last = "primary-confirmed";
		if (a->handoff_us && p->addr == a->target) {
			a->last_ms = (int64_t)((now - a->handoff_us) / 1000);
			hmmpd_log(LOG_INFO, "sctp: association %u (%s): hand-over to %s done: primary confirmed %lld ms after the hand-off",
				  a->id, a->name, ip, (long long)a->last_ms);
			tell(a, "event handover id=%u primary=%s ms=%lld", a->id, ip,
			     (long long)a->last_ms);
		}
		break;
	case OP_DEL:
		a->last = "old-deleted";
		break;
	}
}

static struct assoc *assoc_of_pkt(struct hmmpd_msctp *ms,
				  const struct hmmpd_sctp_pkt *p)
{
	struct assoc *a;

	for (a = ms->assocs; a; a = a->next)
		if (a->lport == p->dport && a->pport == p->sport &&
		    (has(a->peer, a->npeer, p->saddr) || !a->npeer))
			return a;
	return NULL;
}

static void on_packet(struct hmmpd_msctp *ms, const struct hmmpd_sctp_pkt *pkt)
{
	struct assoc *a = assoc_of_pkt(ms, pkt);
	char ip[HMMP_ADDRSTRLEN];
	unsigned int i;

	if (!a)
		return;
	if (pkt->unrecognized && a->nq)
		hmmpd_log(LOG_ERR, "sctp: association %u (%s): the peer %s does not know ASCONF (unrecognized chunk): it cannot hand over",
			  a->id, a->name, ip_s(pkt->saddr, ip));
	for (i = 0; i < pkt->nack; i++) {
		struct pending p;

		if (!a->nq) {
			/* the kernel's own ASCONF (automatic ASCONF) */
			refresh(a);
			hmmpd_log(LOG_INFO, "sctp: association %u (%s): ASCONF-ACK of the kernel's automatic ASCONF",
				  a->id, a->name);
			if (a->rule == HMMPD_SCTP_ACK && a->target &&
			    has(a->local, a->nlocal, a->target))
				want_primary(a, a->target, true,
					     "ASCONF-ACK after the automatic add");
			continue;
		}
		p = a->q[0];
		memmove(a->q, a->q + 1, (a->nq - 1) * sizeof(a->q[0]));
		a->nq--;
		/* an error belongs to the one request the ACK answers */
		confirmed(a, &p, pkt);
	}
	if (pkt->nack) {
		a->unreachable = false;
		if (a->nq)
			arm(ms, &a->confirm, conf(ms)->confirm_ms * 1000ULL,
			    on_confirm_timer, a);
		else if (a->confirm)
			sd_event_source_set_enabled(a->confirm, SD_EVENT_OFF);
	}
}

/* ---- where the peer is now: its registrar (seed 002 5.2) ------------- */

struct locate {
	struct locate *next;
	struct hmmpd_msctp *ms;
	unsigned int id;		/* of the association */
	bool answered;			/* a challenge was answered */
	char aor[HMMPD_URI_MAX];
};

static void locate_free(struct locate *l)
{
	struct locate **pp;

	for (pp = &l->ms->locates; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			break;
		}
	}
	free(l);
}

static struct assoc *assoc_by_id(struct hmmpd_msctp *ms, unsigned int id)
{
	struct assoc *a;

	for (a = ms->assocs; a; a = a->next)
		if (a->id == id)
			return a;
	return NULL;
}

/* The registrar's [peer]: the one whose uri is the registrar's. */
static const struct hmmpd_secret *registrar_secret(struct hmmpd *d)
{
	const struct hmmpd_conf *c = d->conf;
	unsigned int i;

	for (i = 0; i < c->npeers; i++)
		if (!strcmp(c->peers[i].uri, c->registrar))
			return hmmpd_secrets_peer(&d->secrets, c->peers[i].name);
	return NULL;
}

/* The first numeric IPv4 host of the Contact values of a 200. */
uint32_t hmmpd_sctp_contact_addr(const char *contact)
{
	const char *p = strstr(contact, "sip:");
	char host[HMMP_ADDRSTRLEN];
	uint32_t a;
	size_t n;

	if (!p)
		return 0;
	p += 4;
	if (strchr(p, '@') && strchr(p, '@') < p + strcspn(p, ">;"))
		p = strchr(p, '@') + 1;
	n = strcspn(p, ":;>");
	if (!n || n >= sizeof(host))
		return 0;
	memcpy(host, p, n);
	host[n] = '\0';
	return hmmp_addr_parse(host, &a) ? 0 : a;
}

static void on_locate(struct sip *sip, int status, const osip_message_t *resp,
		      const osip_message_t *req, void *data)
{
	struct locate *l = data;
	struct hmmpd_msctp *ms = l->ms;
	struct hmmpd *d = ms->d;
	struct assoc *a = assoc_by_id(ms, l->id);
	char ip[HMMP_ADDRSTRLEN], *v = NULL;
	uint32_t addr = 0;
	int i;

	if ((status == 401 || status == 407) && !l->answered) {
		const struct hmmpd_secret *sec = registrar_secret(d);
		char *chal[4], *uri = NULL, hdr[2048], cnonce[17];
		const char *why = NULL;
		unsigned int n = 0, k;
		uint8_t rnd[8];
		int r = -1;

		while (n < 4 && !sip_header(resp, status == 401 ? "WWW-Authenticate" :
					    "Proxy-Authenticate", (int)n, &chal[n]))
			n++;
		if (sec && getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd) &&
		    !osip_uri_to_str(req->req_uri, &uri)) {
			for (k = 0; k < sizeof(rnd); k++)
				snprintf(cnonce + 2 * k, 3, "%02x", rnd[k]);
			r = hmmpd_auth_answer((const char *const *)chal, n,
					      status == 401 ? "Authorization" :
					      "Proxy-Authorization", sec->user,
					      sec->pass, req->sip_method, uri, cnonce,
					      hdr, sizeof(hdr), &why);
			if (r >= 0 && (size_t)r < sizeof(hdr))
				r = sip_send_retry(sip, req, hdr, on_locate, l);
			else
				r = -1;
		}
		osip_free(uri);
		for (k = 0; k < n; k++)
			free(chal[k]);
		if (!r) {
			l->answered = true;
			return;
		}
		hmmpd_log(LOG_ERR, "sctp: locating %s: %d from the registrar and no credentials for it (%s)",
			  l->aor, status, sec ? (why ? why : "cannot answer") :
			  "no [peer] with the registrar's uri, or no line for it in the secrets file");
		goto out;
	}
	if (status != 200) {
		hmmpd_log(LOG_ERR, "sctp: locating %s: the registrar answered %d", l->aor,
			  status);
		goto out;
	}
	for (i = 0; !addr && !sip_header(resp, "Contact", i, &v); i++) {
		addr = hmmpd_sctp_contact_addr(v);
		free(v);
	}
	if (!addr) {
		hmmpd_log(LOG_ERR, "sctp: locating %s: the registrar has no address for it",
			  l->aor);
		goto out;
	}
	hmmpd_log(LOG_NOTICE, "sctp: the registrar has %s at %s: association %u can be opened again there",
		  l->aor, ip_s(addr, ip), l->id);
	if (a)
		tell(a, "event relocated id=%u aor=%s addr=%s", a->id, l->aor, ip);
out:
	locate_free(l);
}

/* Ask the registrar where the peer of a is now (a REGISTER that only
 * fetches: its one Contact, expires=0, is a binding that never was). */
static void locate(struct assoc *a)
{
	struct hmmpd_msctp *ms = a->ms;
	struct hmmpd *d = ms->d;
	const struct hmmpd_peer *p = NULL;
	struct sip_request rq = { .method = "REGISTER" };
	char to[HMMPD_URI_MAX + 2];
	struct locate *l;
	unsigned int i;
	int r;

	if (!d->conf->registrar[0] || !d->sip)
		return;
	for (i = 0; !p && i < a->npeer; i++)
		p = hmmpd_conf_peer_by_addr(d->conf, a->peer[i]);
	if (!p) {
		hmmpd_log(LOG_INFO, "sctp: association %u: no [peer] has its peer's address: nothing to ask the registrar",
			  a->id);
		return;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return;
	l->ms = ms;
	l->id = a->id;
	snprintf(l->aor, sizeof(l->aor), "%s", p->uri);
	snprintf(to, sizeof(to), "<%s>", p->uri);
	rq.uri = d->conf->registrar;
	rq.to = to;
	rq.headers = "Contact: <sip:hmmpd-locate@invalid>;expires=0";
	r = sip_send_request(d->sip, &rq, on_locate, l);
	if (r) {
		hmmpd_log(LOG_ERR, "sctp: locating %s: cannot ask %s: %s", l->aor,
			  rq.uri, strerror(-r));
		free(l);
		return;
	}
	l->next = ms->locates;
	ms->locates = l;
	hmmpd_log(LOG_INFO, "sctp: association %u: asking the registrar %s where %s is now",
		  a->id, rq.uri, l->aor);
}

static int on_confirm_timer(sd_event_source *s, uint64_t usec, void *arg)
{
	struct assoc *a = arg;
	struct hmmpd_msctp *ms = a->ms;
	char ip[HMMP_ADDRSTRLEN], peers[MAX_ADDRS * HMMP_ADDRSTRLEN] = "";
	unsigned int i;

	(void)s;
	(void)usec;
	if (!a->nq)
		return 0;
	refresh(a);
	for (i = 0; i < a->npeer; i++) {
		size_t n = strlen(peers);

		snprintf(peers + n, sizeof(peers) - n, "%s%s", i ? "," : "",
			 ip_s(a->peer[i], ip));
	}
	hmmpd_log(LOG_ERR, "sctp: association %u (%s): no ASCONF-ACK from %s in %u ms after %s %s: the peer is unreachable at its addresses (did both ends move at once?): this association cannot hand over",
		  a->id, a->name, peers[0] ? peers : "the peer", conf(ms)->confirm_ms,
		  op_names[a->q[0].op], ip_s(a->q[0].addr, ip));
	tell(a, "event unreachable id=%u peer=%s op=%s addr=%s", a->id,
	     peers[0] ? peers : "-", op_names[a->q[0].op], ip);
	a->unreachable = true;
	a->last = "unreachable";
	a->nq = 0;
	locate(a);
	return 0;
}

static int on_raw(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct hmmpd_msctp *ms = arg;
	uint8_t buf[2048];
	struct hmmpd_sctp_pkt pkt;
	ssize_t n;

	(void)s;
	(void)revents;
	for (;;) {
		n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0)
			break;
		if (!hmmpd_sctp_parse(buf, (size_t)n, &pkt) &&
		    (pkt.nack || pkt.abort || pkt.unrecognized))
			on_packet(ms, &pkt);
	}
	return 0;
}

/* ---- hand-off --------------------------------------------------------- */

static void handoff_one(struct assoc *a, uint32_t old_addr, uint32_t new_addr)
{
	struct hmmpd_msctp *ms = a->ms;
	char o[HMMP_ADDRSTRLEN], n[HMMP_ADDRSTRLEN];
	struct sockaddr_in sin;

	refresh(a);
	a->target = new_addr;
	a->handoff_us = hmmpd_now_us(ms->d);
	a->handovers++;
	a->last_ms = -1;
	a->last = "started";
	ip_s(old_addr, o);
	ip_s(new_addr, n);
	if (a->unreachable)
		hmmpd_log(LOG_WARNING, "sctp: association %u (%s): the peer did not answer the last ASCONF: trying again",
			  a->id, a->name);
	if (a->wildcard) {
		hmmpd_log(LOG_INFO, "sctp: association %u (%s): %s -> %s: bound to any address, the kernel adds and deletes addresses (automatic ASCONF); rule %s for the primary",
			  a->id, a->name, o, n, hmmpd_sctp_rule_name(a->rule));
		/*
		 * In the association: the kernel has sent its ASCONF; the
		 * set-primary queues behind it (else the ACK of the kernel's
		 * ASCONF, on_packet(), brings us back).
		 */
		if (a->rule == HMMPD_SCTP_ACK && has(a->local, a->nlocal, new_addr))
			want_primary(a, new_addr, true, "added by the kernel");
		return;
	}
	if (!has(a->local, a->nlocal, new_addr)) {
		sin_of(&sin, new_addr, a->lport);
		if (setsockopt(a->fd, SOL_SCTP, SCTP_SOCKOPT_BINDX_ADD, &sin,
			       sizeof(sin))) {
			int e = errno;

			hmmpd_log(LOG_ERR, "sctp: association %u (%s): cannot add %s: %s",
				  a->id, a->name, n, strerror(e));
			a->last = "add-failed";
			return;
		}
		hmmpd_log(LOG_INFO, "sctp: association %u (%s): %s -> %s: add %s (ASCONF to the peer)",
			  a->id, a->name, o, n, n);
		push(a, OP_ADD, new_addr);
		a->last = "add-sent";
		/* without the raw socket the kernel's queue orders it for us */
		if (a->rule == HMMPD_SCTP_ACK && ms->raw < 0)
			want_primary(a, new_addr, true, "after the add (no ACK seen)");
		return;
	}
	hmmpd_log(LOG_INFO, "sctp: association %u (%s): %s -> %s: %s is in the association already",
		  a->id, a->name, o, n, n);
	if (a->rule == HMMPD_SCTP_ACK)
		want_primary(a, new_addr, true, "confirmed before");
}

void hmmpd_msctp_handoff(struct hmmpd *d, uint32_t old_addr, uint32_t new_addr)
{
	struct hmmpd_msctp *ms = d->msctp;
	struct assoc *a, *next;

	if (!ms)
		return;
	for (a = ms->assocs; a; a = next) {
		next = a->next;
		if (!gone(a))
			handoff_one(a, old_addr, new_addr);
	}
	eval_link_all(ms);
}

/* Delete the addresses that left the host, once another one is sure. */
static void delete_gone(struct assoc *a, const struct hmmpd_netstate *st)
{
	char ip[HMMP_ADDRSTRLEN];
	struct sockaddr_in sin;
	unsigned int i, j, usable = 0;

	if (a->wildcard)
		return;
	for (i = 0; i < a->nq; i++)
		if (a->q[i].op == OP_ADD)
			return;		/* the new one is not confirmed yet */
	for (i = 0; i < a->nlocal; i++)
		if (hmmpd_net_has_addr(st, a->local[i], false))
			usable++;
	for (i = 0; i < a->nlocal && usable; i++) {
		uint32_t x = a->local[i];

		if (hmmpd_net_has_addr(st, x, false) || hmmpd_net_has_addr(st, x, true))
			continue;
		for (j = 0; j < a->nq; j++)
			if (a->q[j].op == OP_DEL && a->q[j].addr == x)
				break;
		if (j < a->nq)
			continue;
		sin_of(&sin, x, a->lport);
		if (setsockopt(a->fd, SOL_SCTP, SCTP_SOCKOPT_BINDX_REM, &sin,
			       sizeof(sin))) {
			hmmpd_log(LOG_ERR, "sctp: association %u (%s): cannot delete %s: %s",
				  a->id, a->name, ip_s(x, ip), strerror(errno));
			continue;
		}
		hmmpd_log(LOG_INFO, "sctp: association %u (%s): %s left the host: delete it (ASCONF to the peer)",
			  a->id, a->name, ip_s(x, ip));
		push(a, OP_DEL, x);
		if (a->primary == x)
			a->primary = 0;
	}
}

void hmmpd_msctp_net(struct hmmpd *d, const struct hmmpd_netstate *st)
{
	struct hmmpd_msctp *ms = d->msctp;
	struct assoc *a, *next;

	if (!ms)
		return;
	for (a = ms->assocs; a; a = next) {
		next = a->next;
		if (gone(a))
			continue;
		refresh(a);
		delete_gone(a, st);
		eval_link(a, st);
	}
}

static int on_qpoll(sd_event_source *s, uint64_t usec, void *arg)
{
	struct hmmpd_msctp *ms = arg;
	char buf[sizeof(ms->qtext)];
	ssize_t n = 0;
	int fd;

	(void)s;
	(void)usec;
	fd = open(conf(ms)->link_quality, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
	}
	buf[n > 0 ? n : 0] = '\0';
	if (strcmp(buf, ms->qtext)) {
		memcpy(ms->qtext, buf, sizeof(buf));
		hmmpd_log(LOG_INFO, "sctp: link quality file %s changed",
			  conf(ms)->link_quality);
		eval_link_all(ms);
	}
	arm(ms, &ms->qpoll, QUALITY_POLL_MS * 1000ULL, on_qpoll, ms);
	return 0;
}

/* ---- the control socket ---------------------------------------------- */

static void reply(struct client *c, const char *text)
{
	if (send(c->fd, text, strlen(text), MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		hmmpd_log(LOG_DEBUG, "sctp: control: cannot answer: %s",
			  strerror(errno));
}

static void reply_err(struct client *c, int e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void reply_err(struct client *c, int e, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	int n;

	n = snprintf(buf, sizeof(buf), "error %s ", hmmp_errno_name(e));
	va_start(ap, fmt);
	vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	reply(c, buf);
}

static bool privileged(struct client *c)
{
	return c->uid == 0 || c->uid == geteuid();
}

static int on_pidfd(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	(void)s;
	(void)fd;
	(void)revents;
	assoc_free(arg, "its process exited");
	return 0;
}

/*
 * fd: the socket; pidfd >= 0: a detached registration (hmmpctl sctp
 * register pid), which lives until that process exits, not with c.
 */
static void do_register(struct client *c, const char *args, int fd, int pidfd)
{
	struct hmmpd_msctp *ms = c->ms;
	struct sctp_assoc_value av = { 0 };
	struct sockaddr_in sin;
	socklen_t len;
	char val[64], ip[HMMP_ADDRSTRLEN], out[64];
	struct assoc *a;
	int v = 0, s;

	if (fd < 0) {
		reply_err(c, EBADF, "register: no socket passed (SCM_RIGHTS)");
		if (pidfd >= 0)
			close(pidfd);
		return;
	}
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &v, &len) || v != IPPROTO_SCTP) {
		reply_err(c, ENOTSOCK, "register: not an SCTP socket");
		goto err;
	}
	len = sizeof(v);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) || v != SOCK_STREAM) {
		reply_err(c, EINVAL, "register: one-to-one (SOCK_STREAM) SCTP sockets only");
		goto err;
	}
	s = assoc_state(fd);
	if (s != SCTP_ESTABLISHED) {
		reply_err(c, ENOTCONN, "register: the association is not established (%s)",
			  s < 0 ? strerror(-s) : state_name(s));
		goto err;
	}
	if (ms->nassocs >= MAX_ASSOCS) {
		reply_err(c, ENOSPC, "register: %u associations registered already",
			  MAX_ASSOCS);
		goto err;
	}
	a = calloc(1, sizeof(*a));
	if (!a) {
		reply_err(c, ENOMEM, "register: out of memory");
		goto err;
	}
	a->ms = ms;
	a->fd = fd;
	a->pidfd = -1;
	a->ch = c;
	a->uid = c->uid;
	a->last_ms = -1;
	a->last = "none";
	a->rule = conf(ms)->rule;
	snprintf(a->name, sizeof(a->name), "-");
	if (hmmpd_sctp_word(args, "name", a->name, sizeof(a->name)) <= 0)
		snprintf(a->name, sizeof(a->name), "-");
	if (hmmpd_sctp_word(args, "rule", val, sizeof(val)) >= 0 &&
	    hmmpd_sctp_rule_parse(val, &a->rule)) {
		free(a);
		reply_err(c, EINVAL, "register: rule: ack (a), link (b) or upper (c), not '%s'",
			  val);
		goto err;
	}
	len = sizeof(sin);
	if (!getsockname(fd, (struct sockaddr *)&sin, &len))
		a->lport = ntohs(sin.sin_port);
	len = sizeof(sin);
	if (!getpeername(fd, (struct sockaddr *)&sin, &len))
		a->pport = ntohs(sin.sin_port);
	refresh(a);
	len = sizeof(v);
	v = 0;
	a->wildcard = !getsockopt(fd, SOL_SCTP, SCTP_AUTO_ASCONF, &v, &len) && v;
	len = sizeof(av);
	if (getsockopt(fd, SOL_SCTP, SCTP_ASCONF_SUPPORTED, &av, &len) ||
	    !av.assoc_value) {
		const char *who = ms->addip ?
			"the peer does not do ADDIP (ASCONF with AUTH; on Linux net.sctp.addip_enable and auth_enable)" :
			"this host's net.sctp.addip_enable/auth_enable were off when the socket was made";

		hmmpd_log(LOG_ERR, "sctp: registration refused: association to %s: %s: it cannot hand over and stays on its present path",
			  a->npeer ? ip_s(a->peer[0], ip) : "?", who);
		reply_err(c, EOPNOTSUPP, "association to %s: %s: it cannot hand over and stays on its present path",
			  a->npeer ? ip_s(a->peer[0], ip) : "?", who);
		free(a);
		goto err;
	}
	if (pidfd >= 0) {
		int r = sd_event_add_io(ms->d->ev, &a->psrc, pidfd, EPOLLIN, on_pidfd, a);

		if (r < 0) {
			reply_err(c, -r, "register: cannot watch the process: %s",
				  strerror(-r));
			free(a);
			goto err;
		}
		a->pidfd = pidfd;
		a->ch = NULL;
		pidfd = -1;
	}
	a->id = ++ms->next_id;
	/* the address the association began with is the peer's primary */
	a->primary = a->nlocal ? a->local[0] : 0;
	a->next = ms->assocs;
	ms->assocs = a;
	ms->nassocs++;
	hmmpd_log(LOG_INFO, "sctp: association %u (%s) registered: port %u, %u local and %u peer addresses (peer %s:%u), rule %s%s%s",
		  a->id, a->name, a->lport, a->nlocal, a->npeer,
		  a->npeer ? ip_s(a->peer[0], ip) : "?", a->pport,
		  hmmpd_sctp_rule_name(a->rule),
		  a->wildcard ? ", bound to any address with automatic ASCONF" : "",
		  a->ch ? "" : ", for the life of its process");
	snprintf(out, sizeof(out), "ok id=%u", a->id);
	reply(c, out);
	return;
err:
	if (pidfd >= 0)
		close(pidfd);
	close(fd);
}

/*
 * hmmpd's own SIP over SCTP (sip.h): each association of sip.c is
 * registered when it comes up (a duplicate of its socket, rule from
 * [sctp] rule) and dropped when sip.c closes it, so the daemon's
 * signalling hands over like an application's association.
 */
static void on_sip_sctp(struct sip *sip, const struct sip_flow *f, int fd,
			void *data)
{
	struct hmmpd *d = data;
	struct hmmpd_msctp *ms = d->msctp;
	struct sctp_assoc_value av = { 0 };
	char ip[HMMP_ADDRSTRLEN];
	socklen_t len = sizeof(av);
	struct assoc *a;
	int dfd;

	(void)sip;
	ip_s(f->peer.addr, ip);
	if (fd < 0) {
		for (a = ms ? ms->assocs : NULL; a; a = a->next) {
			if (a->sip_conn == f->conn_id) {
				assoc_free(a, "its SIP connection closed");
				return;
			}
		}
		return;
	}
	if (!ms) {
		hmmpd_log(LOG_INFO, "sctp: SIP association to %s:%u not handed over: [sctp] enable = no",
			  ip, f->peer.port);
		return;
	}
	if (getsockopt(fd, SOL_SCTP, SCTP_ASCONF_SUPPORTED, &av, &len) ||
	    !av.assoc_value) {
		hmmpd_log(LOG_WARNING, "sctp: SIP association to %s:%u cannot hand over: %s; it stays on its present path",
			  ip, f->peer.port, ms->addip ?
			  "the peer does not do ADDIP (ASCONF with AUTH)" :
			  "this host's net.sctp.addip_enable/auth_enable are off");
		return;
	}
	if (ms->nassocs >= MAX_ASSOCS) {
		hmmpd_log(LOG_WARNING, "sctp: SIP association to %s:%u not handed over: %u associations registered already",
			  ip, f->peer.port, MAX_ASSOCS);
		return;
	}
	a = calloc(1, sizeof(*a));
	dfd = a ? fcntl(fd, F_DUPFD_CLOEXEC, 3) : -1;
	if (dfd < 0) {
		hmmpd_log(LOG_ERR, "sctp: SIP association to %s:%u not handed over: %s",
			  ip, f->peer.port, a ? strerror(errno) : "out of memory");
		free(a);
		return;
	}
	a->ms = ms;
	a->fd = dfd;
	a->pidfd = -1;
	a->sip_conn = f->conn_id;
	a->last_ms = -1;
	a->last = "none";
	a->rule = conf(ms)->rule;
	a->uid = getuid();
	snprintf(a->name, sizeof(a->name), "hmmpd-sip");
	a->lport = f->local.port;
	a->pport = f->peer.port;
	refresh(a);
	a->id = ++ms->next_id;
	a->primary = a->nlocal ? a->local[0] : 0;
	a->next = ms->assocs;
	ms->assocs = a;
	ms->nassocs++;
	hmmpd_log(LOG_INFO, "sctp: association %u (%s) registered: SIP to %s:%u, port %u, %u local and %u peer addresses, rule %s",
		  a->id, a->name, ip, f->peer.port, a->lport, a->nlocal, a->npeer,
		  hmmpd_sctp_rule_name(a->rule));
}

static void addr_list(FILE *f, const char *key, const uint32_t *v, unsigned int n)
{
	char ip[HMMP_ADDRSTRLEN];
	unsigned int i;

	fprintf(f, " %s=", key);
	for (i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? "," : "", ip_s(v[i], ip));
	if (!n)
		fputc('-', f);
}

static void do_show(struct client *c)
{
	struct hmmpd_msctp *ms = c->ms;
	char *buf = NULL, ip[HMMP_ADDRSTRLEN];
	size_t len = 0;
	struct assoc *a, *next;
	FILE *f = open_memstream(&buf, &len);

	if (!f) {
		reply_err(c, ENOMEM, "out of memory");
		return;
	}
	fputs("ok", f);
	for (a = ms->assocs; a; a = next) {
		next = a->next;
		if (gone(a) || (!privileged(c) && a->uid != c->uid))
			continue;
		refresh(a);
		fprintf(f, "\nassoc id=%u name=%s rule=%s auto_asconf=%s state=%s port=%u",
			a->id, a->name, hmmpd_sctp_rule_name(a->rule),
			a->wildcard ? "yes" : "no", state_name(assoc_state(a->fd)),
			a->lport);
		addr_list(f, "local", a->local, a->nlocal);
		addr_list(f, "peer", a->peer, a->npeer);
		fprintf(f, " peer_port=%u primary=%s handovers=%u primary_changes=%u damped=%u last=%s",
			a->pport, a->primary ? ip_s(a->primary, ip) : "-",
			a->handovers, a->changes, a->damped, a->last);
		if (a->last_ms >= 0)
			fprintf(f, " last_ms=%lld", (long long)a->last_ms);
	}
	if (fclose(f) || len >= HMMP_CTL_MAX) {
		free(buf);
		reply_err(c, E2BIG, "show: the answer does not fit");
		return;
	}
	reply(c, buf);
	free(buf);
}

static void do_primary(struct client *c, const char *args)
{
	struct hmmpd_msctp *ms = c->ms;
	char val[64], out[64], ip[HMMP_ADDRSTRLEN];
	struct assoc *a, *next;
	uint32_t addr, id = 0;
	unsigned int n = 0, refused = 0;

	if (hmmpd_sctp_word(args, "addr", val, sizeof(val)) < 0 ||
	    hmmp_addr_parse(val, &addr)) {
		reply_err(c, EINVAL, "primary: addr=A.B.C.D needed");
		return;
	}
	if (hmmpd_sctp_word(args, "id", val, sizeof(val)) >= 0 &&
	    hmmp_u32_parse(val, 1, UINT32_MAX, &id)) {
		reply_err(c, EINVAL, "primary: id: a number");
		return;
	}
	for (a = ms->assocs; a; a = next) {
		next = a->next;
		if ((id && a->id != id) || gone(a))
			continue;
		if (!privileged(c) && a->uid != c->uid) {
			refused++;
			continue;
		}
		refresh(a);
		if (!has(a->local, a->nlocal, addr))
			continue;
		if (a->primary == addr) {
			n++;
			continue;
		}
		if (!set_primary(a, addr, "explicit request"))
			n++;
	}
	hmmpd_log(LOG_INFO, "sctp: control: primary %s%s%s from uid %u: %u associations",
		  ip_s(addr, ip), id ? " id " : "", id ? val : "", (unsigned int)c->uid, n);
	if (!n) {
		if (refused)
			reply_err(c, EPERM, "primary: not your association");
		else
			reply_err(c, EADDRNOTAVAIL, "primary: no registered association%s has the address %s (%u registered)",
				  id ? " of that id" : "", ip, ms->nassocs);
		return;
	}
	snprintf(out, sizeof(out), "ok associations=%u", n);
	reply(c, out);
}

static void do_link(struct client *c, const char *args)
{
	struct hmmpd_msctp *ms = c->ms;
	char ifname[IFNAMSIZ] = "", val[16];
	uint32_t q;
	unsigned int i;

	if (!privileged(c)) {
		reply_err(c, EPERM, "link: root only");
		return;
	}
	if (hmmpd_sctp_word(args, "dev", ifname, IFNAMSIZ) <= 0 ||
	    hmmpd_sctp_word(args, "quality", val, sizeof(val)) < 0 ||
	    hmmp_u32_parse(val, 0, 100, &q)) {
		reply_err(c, EINVAL, "link: dev=IFNAME quality=0..100 needed");
		return;
	}
	for (i = 0; i < ms->nquality; i++)
		if (!strcmp(ms->quality[i].ifname, ifname))
			break;
	if (i == MAX_QUALITY) {
		reply_err(c, ENOSPC, "link: %u interfaces at most", MAX_QUALITY);
		return;
	}
	if (i == ms->nquality) {
		ms->nquality++;
		memcpy(ms->quality[i].ifname, ifname, IFNAMSIZ);
	}
	ms->quality[i].q = (int)q;
	hmmpd_log(LOG_INFO, "sctp: link %s: quality %u (threshold %u)", ifname, q,
		  conf(ms)->quality_threshold);
	reply(c, "ok");
	eval_link_all(ms);
}

static void client_free(struct client *c)
{
	struct hmmpd_msctp *ms = c->ms;
	struct client **pp;
	struct assoc *a, *next;

	for (a = ms->assocs; a; a = next) {
		next = a->next;
		if (a->ch == c)
			assoc_free(a, "its channel closed");
	}
	for (pp = &ms->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	sd_event_source_disable_unref(c->src);
	close(c->fd);
	free(c);
}

static int on_client(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct client *c = arg;
	union {
		char buf[CMSG_SPACE(sizeof(int) * 4)];
		struct cmsghdr align;
	} u;
	char *req = malloc(HMMP_CTL_MAX);
	struct iovec iov = { .iov_base = req, .iov_len = HMMP_CTL_MAX - 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = u.buf, .msg_controllen = sizeof(u.buf),
	};
	struct cmsghdr *cm;
	int pfd = -1, pfd2 = -1;
	ssize_t n;
	char *args;

	(void)s;
	(void)revents;
	if (!req)
		return 0;
	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
		free(req);
		return 0;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
			size_t k, nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (k = 0; k < nfd; k++) {
				int x;

				memcpy(&x, CMSG_DATA(cm) + k * sizeof(int), sizeof(int));
				if (pfd < 0)
					pfd = x;
				else if (pfd2 < 0)
					pfd2 = x;
				else
					close(x);	/* two at most */
			}
		}
	}
	if (n <= 0) {
		if (pfd >= 0)
			close(pfd);
		if (pfd2 >= 0)
			close(pfd2);
		free(req);
		client_free(c);
		return 0;
	}
	req[n] = '\0';
	args = req + strcspn(req, " ");
	if (*args)
		*args++ = '\0';
	if (!strcmp(req, "register")) {
		do_register(c, args, pfd, pfd2);
		pfd = pfd2 = -1;
	} else if (!strcmp(req, "show")) {
		do_show(c);
	} else if (!strcmp(req, "primary")) {
		do_primary(c, args);
	} else if (!strcmp(req, "link")) {
		do_link(c, args);
	} else {
		reply_err(c, EINVAL, "unknown request '%.32s' (register, show, primary, link)",
			  req);
	}
	if (pfd >= 0)
		close(pfd);
	if (pfd2 >= 0)
		close(pfd2);
	free(req);
	return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *arg)
{
	struct hmmpd_msctp *ms = arg;
	struct ucred cred;
	socklen_t len = sizeof(cred);
	struct client *c;
	int cfd, r;

	(void)s;
	(void)revents;
	cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (cfd < 0)
		return 0;
	c = calloc(1, sizeof(*c));
	if (!c || getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		free(c);
		close(cfd);
		return 0;
	}
	c->ms = ms;
	c->fd = cfd;
	c->uid = cred.uid;
	r = sd_event_add_io(ms->d->ev, &c->src, cfd, EPOLLIN, on_client, c);
	if (r < 0) {
		hmmpd_log(LOG_ERR, "sctp: control: %s", strerror(-r));
		close(cfd);
		free(c);
		return 0;
	}
	c->next = ms->clients;
	ms->clients = c;
	return 0;
}

static int listen_open(struct hmmpd_msctp *ms)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *name = conf(ms)->socket;
	size_t n = strlen(name);
	int fd;

	memcpy(sun.sun_path, name, n);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		unlink(name);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sun,
		 (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)) ||
	    (name[0] != '@' && chmod(name, 0666)) || listen(fd, 16)) {
		int e = errno;

		close(fd);
		return -e;
	}
	ms->lfd = fd;
	snprintf(ms->path, sizeof(ms->path), "%s", name);
	return 0;
}

/* ---- life -------------------------------------------------------------- */

int hmmpd_msctp_start(struct hmmpd *d)
{
	const struct hmmpd_sctp_conf *c = &d->conf->sctp;
	struct hmmpd_msctp *ms;
	char msg[512];
	int r, fd;

	if (d->sip)
		sip_set_sctp_handler(d->sip, on_sip_sctp, d);
	if (!c->enable)
		return 0;
	ms = calloc(1, sizeof(*ms));
	if (!ms) {
		hmmpd_log(LOG_ERR, "out of memory");
		return -1;
	}
	ms->d = d;
	ms->lfd = ms->raw = -1;
	d->msctp = ms;
	/* an SCTP socket loads the module, and makes net.sctp.* appear */
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	if (fd < 0)
		hmmpd_log(LOG_WARNING, "sctp: this kernel has no SCTP (%s): nothing to hand over until it has (modprobe sctp)",
			  strerror(errno));
	else
		close(fd);
	r = hmmpd_sctp_sysctl(SYSCTL_DIR, c->sysctl_setup, msg, sizeof(msg));
	ms->addip = r == 1;
	hmmpd_log(r == 1 ? LOG_INFO : LOG_WARNING, "sctp: %s", msg);
	ms->raw = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_SCTP);
	if (ms->raw < 0) {
		hmmpd_log(LOG_WARNING, "sctp: no raw SCTP socket (%s: CAP_NET_RAW?): ASCONF-ACKs unseen: rule ack asks for the primary right after the add (the kernel sends it once the add is acknowledged), and a peer that does not answer goes unreported",
			  strerror(errno));
	} else {
		r = sd_event_add_io(d->ev, &ms->rsrc, ms->raw, EPOLLIN, on_raw, ms);
		if (r < 0) {
			hmmpd_log(LOG_ERR, "sctp: sd_event_add_io: %s", strerror(-r));
			return -1;
		}
	}
	r = listen_open(ms);
	if (r) {
		hmmpd_log(LOG_ERR, "sctp: control socket %s: %s", c->socket, strerror(-r));
		return -1;
	}
	r = sd_event_add_io(d->ev, &ms->lsrc, ms->lfd, EPOLLIN, on_accept, ms);
	if (r < 0) {
		hmmpd_log(LOG_ERR, "sctp: sd_event_add_io: %s", strerror(-r));
		return -1;
	}
	if (c->link_quality[0] && arm(ms, &ms->qpoll, 0, on_qpoll, ms) < 0)
		return -1;
	hmmpd_log(LOG_INFO, "sctp: control socket %s; rule %s, damping %u ms, ASCONF-ACK awaited %u ms",
		  c->socket, hmmpd_sctp_rule_name(c->rule), c->damping_ms, c->confirm_ms);
	return 0;
}

void hmmpd_msctp_stop(struct hmmpd *d)
{
	struct hmmpd_msctp *ms = d->msctp;

	if (!ms)
		return;
	while (ms->clients)
		client_free(ms->clients);
	while (ms->assocs)
		assoc_free(ms->assocs, "hmmpd stops");
	/* sip_free(), later, drops their transactions without a callback */
	while (ms->locates)
		locate_free(ms->locates);
	sd_event_source_disable_unref(ms->lsrc);
	sd_event_source_disable_unref(ms->rsrc);
	sd_event_source_disable_unref(ms->qpoll);
	if (ms->lfd >= 0) {
		close(ms->lfd);
		if (ms->path[0] == '/')
			unlink(ms->path);
	}
	if (ms->raw >= 0)
		close(ms->raw);
	free(ms);
	d->msctp = NULL;
}
