/* netcheck.h — which servers the panel may connect to on a user's behalf: the
 * IMAP form names a host, and without this check it would let anyone probe the
 * panel's own network (loopback, private ranges, link-local, CGNAT, ...). */
#ifndef IP_NETCHECK_H
#define IP_NETCHECK_H

#include <stddef.h>
#include <sys/socket.h>

#define NETCHECK_HOST_MAX 253

/* Whether host reads as a server name: an IPv4 literal (dotted quad), an IPv6
 * literal (no brackets), or a DNS name of at most 253 bytes whose labels are 1
 * to 63 of [A-Za-z0-9-], neither starting nor ending with '-', the last one not
 * all digits (so "127.1" or "2130706433" are not names). */
int netcheck_host_valid(const char *host);

/* Whether an address is one the panel may reach for a user: 0 for loopback,
 * private (RFC 1918, fc00::/7), link-local, CGNAT (100.64/10), multicast,
 * unspecified, broadcast and the other reserved ranges; an IPv6 address that
 * carries an IPv4 one (v4-mapped, v4-compatible, NAT64, 6to4) is judged by it.
 * 1 for anything else. */
int netcheck_addr_public(const struct sockaddr *sa);

enum netcheck_result {
	NETCHECK_OK,
	NETCHECK_UNKNOWN_HOST, /* the name does not resolve */
	NETCHECK_PRIVATE,      /* it resolves to at least one address netcheck_addr_public refuses */
};

/* Resolves host (getaddrinfo, every address, IPv4 and IPv6) and checks each
 * address, unless allow_private.  On NETCHECK_OK, pin receives the
 * "host:port:addr,addr" entry for CURLOPT_RESOLVE, so that the connection goes
 * to the addresses checked and not to whatever a second lookup would say; ""
 * for an IP literal, which needs no lookup. */
enum netcheck_result netcheck_resolve(const char *host, unsigned port, int allow_private,
				      char *pin, size_t pinlen);

#endif
