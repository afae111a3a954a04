// SPDX-License-Identifier: GPL-2.0
/*
 * hmmpd: mSCTP's configuration (msctp.h): the [sctp] keys of hmmpd.conf,
 * the rule names, and the SCTP sysctls ADDIP needs (checked at start, set
 * when sysctl_setup allows). Pure: no daemon state.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hmmp_sctp.h"
#include "msctp.h"
#include "util.h"

/* ---- [sctp] ------------------------------------------------------------ */

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

/* ---- sysctls ----------------------------------------------------------- */

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
