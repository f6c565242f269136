/* netcheck.c — the address classification of netcheck.h. */
#include "config.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "netcheck.h"

int netcheck_host_valid(const char *host)
{
	struct in6_addr a6;
	struct in_addr a4;
	size_t len = strlen(host), label = 0;
	int all_digits = 1;

	if (len == 0 || len > NETCHECK_HOST_MAX)
		return 0;
	if (inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1)
		return 1;
	for (size_t i = 0; i <= len; i++) {
		char c = host[i];

		if (c == '.' || c == '\0') {
			/* A label ends: 1 to 63 bytes, no '-' at either end. */
			if (label == 0 || label > 63 || host[i - 1] == '-')
				return 0;
			if (c == '\0')
				break;
			label = 0;
			all_digits = 1;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-'))
			return 0;
		if (c == '-' && label == 0)
			return 0;
		if (c < '0' || c > '9')
			all_digits = 0;
		label++;
	}
	/* The last label is a top-level domain, never a number: "127.1" is an
	 * address in disguise. */
	return !all_digits;
}

/* An IPv4 address in host order against the ranges no user's server lives in. */
static int v4_public(uint32_t a)
{
	static const struct {
		uint32_t net;
		int bits;
	} closed[] = {
		{ 0x00000000, 8 },  /* 0/8: "this network", unspecified */
		{ 0x0a000000, 8 },  /* 10/8: private */
		{ 0x64400000, 10 }, /* 100.64/10: carrier-grade NAT */
		{ 0x7f000000, 8 },  /* 127/8: loopback */
		{ 0xa9fe0000, 16 }, /* 169.254/16: link-local */
		{ 0xac100000, 12 }, /* 172.16/12: private */
		{ 0xc0000000, 24 }, /* 192.0.0/24: IETF protocol assignments */
		{ 0xc0000200, 24 }, /* 192.0.2/24: documentation */
		{ 0xc0a80000, 16 }, /* 192.168/16: private */
		{ 0xc6120000, 15 }, /* 198.18/15: benchmarking */
		{ 0xc6336400, 24 }, /* 198.51.100/24: documentation */
		{ 0xcb007100, 24 }, /* 203.0.113/24: documentation */
		{ 0xe0000000, 4 },  /* 224/4: multicast */
		{ 0xf0000000, 4 },  /* 240/4: reserved, and the broadcast address */
	};

	for (size_t i = 0; i < sizeof(closed) / sizeof(closed[0]); i++) {
		uint32_t mask = 0xffffffffu << (32 - closed[i].bits);

		if ((a & mask) == closed[i].net)
			return 0;
	}
	return 1;
}

static uint32_t v4_at(const uint8_t *b)
{
	return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

static int v6_public(const uint8_t *b)
{
	static const uint8_t zero[12] = { 0 };
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	static const uint8_t nat64[12] = { 0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0 };

	if (memcmp(b, mapped, 12) == 0 || memcmp(b, nat64, 12) == 0)
		return v4_public(v4_at(b + 12));
	/* ::/96 holds the unspecified and loopback addresses and the deprecated
	 * v4-compatible ones: none is a server of a user's. */
	if (memcmp(b, zero, 12) == 0)
		return 0;
	if (b[0] == 0x20 && b[1] == 0x02) /* 2002::/16, 6to4: the IPv4 address inside */
		return v4_public(v4_at(b + 2));
	if ((b[0] & 0xfe) == 0xfc)        /* fc00::/7: unique local */
		return 0;
	if (b[0] == 0xfe && (b[1] & 0x80) == 0x80) /* fe80::/10 link-local, fec0::/10 site-local */
		return 0;
	if (b[0] == 0xff)                 /* ff00::/8: multicast */
		return 0;
	if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) /* 2001:db8::/32 */
		return 0;
	if (b[0] == 0x01 && b[1] == 0x00 && memcmp(b + 2, zero, 6) == 0) /* 100::/64: discard */
		return 0;
	return 1;
}

int netcheck_addr_public(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;

		return v4_public(ntohl(in->sin_addr.s_addr));
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;

		return v6_public(in6->sin6_addr.s6_addr);
	}
	return 0;
}

/* Appends ai's address to pin, IPv6 in brackets as CURLOPT_RESOLVE wants; -1
 * when it does not fit. */
static int pin_add(char *pin, size_t pinlen, const struct addrinfo *ai, int first)
{
	char text[INET6_ADDRSTRLEN];
	size_t used = strlen(pin);
	const void *addr;
	int n;

	if (ai->ai_family == AF_INET)
		addr = &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr;
	else
		addr = &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr;
	if (inet_ntop(ai->ai_family, addr, text, sizeof(text)) == NULL)
		return -1;
	n = snprintf(pin + used, pinlen - used, ai->ai_family == AF_INET6 ? "%s[%s]" : "%s%s",
		     first ? "" : ",", text);
	if (n < 0 || (size_t)n >= pinlen - used) {
		pin[used] = '\0';
		return -1;
	}
	return 0;
}

enum netcheck_result netcheck_resolve(const char *host, unsigned port, int allow_private,
				      char *pin, size_t pinlen)
{
	struct addrinfo hints, *res = NULL;
	struct in6_addr a6;
	struct in_addr a4;
	enum netcheck_result result = NETCHECK_OK;
	int literal = inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
	int n, count = 0, pin_full = 0;

	if (pinlen == 0)
		return NETCHECK_UNKNOWN_HOST;
	pin[0] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = literal ? AI_NUMERICHOST : 0;
	if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL)
		return NETCHECK_UNKNOWN_HOST;
	if (!literal) {
		n = snprintf(pin, pinlen, "%s:%u:", host, port);
		if (n < 0 || (size_t)n >= pinlen)
			result = NETCHECK_UNKNOWN_HOST;
	}
	for (const struct addrinfo *ai = res; ai != NULL && result == NETCHECK_OK; ai = ai->ai_next) {
		if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
			continue;
		if (!allow_private && !netcheck_addr_public(ai->ai_addr))
			result = NETCHECK_PRIVATE;
		else if (literal || pin_full)
			count++;
		else if (pin_add(pin, pinlen, ai, count == 0) != 0)
			pin_full = 1; /* still checked; only the ones pinned are tried */
		else
			count++;
	}
	freeaddrinfo(res);
	if (result == NETCHECK_OK && count == 0)
		result = NETCHECK_UNKNOWN_HOST;
	if (result != NETCHECK_OK || literal)
		pin[0] = '\0';
	return result;
}
