// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz harness: hmmpd's configuration file (userspace/hmmpd/core/config.c,
 * hmmpd.conf(5)) and, on the same bytes, the secrets file
 * (hmmpd_secrets_load in sip/digest.c).
 *
 * Input: a file's bytes. The configuration is read from a memory stream
 * (fmemopen); the secrets file from a memfd (mode 0600) by its
 * /proc/self/fd path, as the daemon opens a path.
 *
 * Checked beyond "no crash": a refused configuration leaves the struct
 * as it was (byte for byte) with a message "NAME:..." in err; an accepted
 * one has its counts within their arrays and its strings terminated;
 * a refused secrets file leaves the list empty.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/config.h"
#include "sip/digest.h"

#define NAME "fuzz.conf"

static void terminated(const char *s, size_t size)
{
	if (!memchr(s, '\0', size))
		abort();
}

static void conf(const uint8_t *data, size_t size)
{
	static struct hmmpd_conf c, before;
	char err[HMMPD_CONF_ERR_MAX];
	unsigned int i;
	FILE *f;
	int r;

	/* fmemopen() refuses an empty buffer: a one-byte one, with nothing to read */
	f = fmemopen(size ? (void *)data : (void *)"", size ? size : 1, "r");
	if (!f)
		abort();
	if (!size)
		fgetc(f);
	memset(&c, 0xa5, sizeof(c));
	memcpy(&before, &c, sizeof(c));
	err[0] = '\0';
	r = hmmpd_conf_load_file(&c, f, NAME, err, sizeof(err));
	fclose(f);
	if (r) {
		if (memcmp(&c, &before, sizeof(c)))
			abort();	/* refused, but changed */
		if (strncmp(err, NAME ":", strlen(NAME ":")))
			abort();
		return;
	}
	if (c.nifaces > HMMPD_CONF_MAX_IFACES || c.nlisten > HMMPD_CONF_MAX_LISTEN ||
	    c.npeers > HMMPD_CONF_MAX_PEERS || c.nalgs > __HMMPD_ALG_MAX)
		abort();
	terminated(c.identity, sizeof(c.identity));
	terminated(c.registrar, sizeof(c.registrar));
	terminated(c.realm, sizeof(c.realm));
	terminated(c.secrets, sizeof(c.secrets));
	for (i = 0; i < c.nifaces; i++)
		terminated(c.ifaces[i], sizeof(c.ifaces[i]));
	for (i = 0; i < c.npeers; i++) {
		const struct hmmpd_peer *p = &c.peers[i];

		terminated(p->name, sizeof(p->name));
		terminated(p->uri, sizeof(p->uri));
		terminated(p->proxy, sizeof(p->proxy));
		if (p->naddr > HMMPD_PEER_MAX_ADDRS)
			abort();
		if (hmmpd_conf_peer(&c, p->name) == NULL)
			abort();
	}
}

static void secrets(const uint8_t *data, size_t size)
{
	static int fd = -1;
	char path[64], err[512];
	struct hmmpd_secrets s;
	unsigned int i;

	if (fd < 0) {
		fd = memfd_create("fuzz-secrets", MFD_CLOEXEC);
		if (fd < 0 || fchmod(fd, 0600))
			abort();
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (hmmpd_secrets_load(path, &s, err, sizeof(err))) {
		if (s.n || s.v || !err[0])
			abort();
		return;
	}
	for (i = 0; i < s.n; i++) {
		terminated(s.v[i].peer, sizeof(s.v[i].peer));
		terminated(s.v[i].user, sizeof(s.v[i].user));
		terminated(s.v[i].pass, sizeof(s.v[i].pass));
		if (hmmpd_secrets_peer(&s, s.v[i].peer) == NULL)
			abort();
	}
	hmmpd_secrets_free(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	conf(data, size);
	secrets(data, size);
	return 0;
}
