// SPDX-License-Identifier: GPL-2.0
/* hmmpd: sip:[user@]IPv4[:port] URIs (uri.h). */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "uri.h"

int sip_uri_addr(const char *uri, struct sip_addr *a, bool *tcp)
{
	const char *p, *at, *end;
	char host[INET_ADDRSTRLEN];
	struct in_addr in;
	unsigned long port = SIP_PORT_DEFAULT;
	size_t n;

	if (strncasecmp(uri, "sip:", 4))
		return -1;
	p = uri + 4;
	at = strchr(p, '@');
	if (at && (!strchr(p, ';') || at < strchr(p, ';')))
		p = at + 1;
	end = p + strcspn(p, ":;>?");
	n = (size_t)(end - p);
	if (!n || n >= sizeof(host))
		return -1;
	memcpy(host, p, n);
	host[n] = '\0';
	if (inet_pton(AF_INET, host, &in) != 1)
		return -1;
	if (*end == ':') {
		char *e;

		port = strtoul(end + 1, &e, 10);
		if (e == end + 1 || !port || port > 65535 ||
		    (*e && *e != ';' && *e != '>' && *e != '?'))
			return -1;
	}
	a->addr = in.s_addr;
	a->port = (uint16_t)port;
	if (tcp)
		*tcp = strcasestr(uri, ";transport=tcp") != NULL;
	return 0;
}
