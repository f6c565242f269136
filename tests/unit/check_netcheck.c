/* check_netcheck.c — unit tests of cgi/lib/netcheck: which host names the IMAP
 * form reads as names, and which addresses the panel refuses to connect to for
 * a user (loopback, private, link-local, CGNAT, multicast, unspecified, and
 * IPv6 addresses that carry one of those). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "netcheck.h"
#include "suites.h"

/* Whether the address text (IPv4 or IPv6) is one the panel may connect to. */
static int public(const char *text)
{
	struct sockaddr_in in;
	struct sockaddr_in6 in6;

	memset(&in, 0, sizeof(in));
	memset(&in6, 0, sizeof(in6));
	if (inet_pton(AF_INET, text, &in.sin_addr) == 1) {
		in.sin_family = AF_INET;
		return netcheck_addr_public((const struct sockaddr *)&in);
	}
	ck_assert_msg(inet_pton(AF_INET6, text, &in6.sin6_addr) == 1, "%s is no address", text);
	in6.sin6_family = AF_INET6;
	return netcheck_addr_public((const struct sockaddr *)&in6);
}

START_TEST(closed_ipv4_ranges_refused)
{
	static const char *const closed[] = {
		"0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254",
		"127.0.0.1", "127.1.2.3", "169.254.1.1", "169.254.169.254", "172.16.0.1",
		"172.31.255.255", "192.0.0.8", "192.0.2.1", "192.168.0.1", "198.18.0.1",
		"198.51.100.7", "203.0.113.9", "224.0.0.1", "239.255.255.250", "240.0.0.1",
		"255.255.255.255",
	};

	for (size_t i = 0; i < sizeof(closed) / sizeof(closed[0]); i++)
		ck_assert_msg(!public(closed[i]), "%s is taken for public", closed[i]);
}
END_TEST

START_TEST(public_ipv4_accepted)
{
	static const char *const open[] = {
		"1.1.1.1", "8.8.8.8", "9.255.255.255", "11.0.0.1", "100.63.255.255", "100.128.0.1",
		"126.255.255.255", "128.0.0.1", "169.253.1.1", "172.15.255.255", "172.32.0.1",
		"192.167.1.1", "192.169.0.1", "198.20.0.1", "223.255.255.254",
	};

	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++)
		ck_assert_msg(public(open[i]), "%s is refused", open[i]);
}
END_TEST

START_TEST(closed_ipv6_ranges_refused)
{
	static const char *const closed[] = {
		"::", "::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.1.1",
		"::ffff:100.64.1.1", "::127.0.0.1", "64:ff9b::10.0.0.1", "2002:0a00:0001::1",
		"2002:7f00:0001::", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1",
		"ff02::1", "ff05::2", "2001:db8::1", "100::1",
	};

	for (size_t i = 0; i < sizeof(closed) / sizeof(closed[0]); i++)
		ck_assert_msg(!public(closed[i]), "%s is taken for public", closed[i]);
}
END_TEST

START_TEST(public_ipv6_accepted)
{
	static const char *const open[] = {
		"2001:4860:4860::8888", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::1.1.1.1",
		"2002:0808:0808::1", "2a00:1450::1", "fbff::1", "fe7f::1",
	};

	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++)
		ck_assert_msg(public(open[i]), "%s is refused", open[i]);
}
END_TEST

START_TEST(host_names_and_literals_read)
{
	static const char *const good[] = {
		"imap.example.com", "mail", "localhost", "IMAP.Example.COM", "a-b.c-d.example",
		"xn--bcher-kva.example", "1.2.3.4", "::1", "2001:db8::1", "::ffff:10.0.0.1",
		"mail1.example.com", "123.example.com",
	};

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(netcheck_host_valid(good[i]), "\"%s\" refused", good[i]);
}
END_TEST

START_TEST(host_that_is_not_a_name_refused)
{
	static const char *const bad[] = {
		"", " ", "imap example.com", "-imap.example.com", "imap-.example.com",
		"imap..example.com", ".example.com", "example.com.", "imap_1.example.com",
		"imap.example.com/x", "user@imap.example.com", "[::1]", "127.1", "2130706433",
		"0x7f.0.0.1", "1.2.3.4.5", "http://imap.example.com", "imap.example.com:993",
		"example.123",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(!netcheck_host_valid(bad[i]), "\"%s\" accepted", bad[i]);
}
END_TEST

START_TEST(host_length_limits)
{
	char name[300];

	/* 63 bytes a label at most. */
	memset(name, 'a', 63);
	strcpy(name + 63, ".example");
	ck_assert(netcheck_host_valid(name));
	memset(name, 'a', 64);
	strcpy(name + 64, ".example");
	ck_assert(!netcheck_host_valid(name));
	/* 253 bytes in all at most: 63 + 1 + 63 + 1 + 63 + 1 + 61. */
	memset(name, 'a', sizeof(name));
	name[63] = name[127] = name[191] = '.';
	name[253] = '\0';
	ck_assert(netcheck_host_valid(name));
	name[253] = 'a';
	name[254] = '\0';
	ck_assert(!netcheck_host_valid(name));
}
END_TEST

START_TEST(resolve_refuses_private_literals_unless_allowed)
{
	char pin[256];

	ck_assert_int_eq(netcheck_resolve("127.0.0.1", 993, 0, pin, sizeof(pin)), NETCHECK_PRIVATE);
	ck_assert_int_eq(netcheck_resolve("::1", 993, 0, pin, sizeof(pin)), NETCHECK_PRIVATE);
	ck_assert_int_eq(netcheck_resolve("10.0.0.1", 993, 0, pin, sizeof(pin)), NETCHECK_PRIVATE);
	ck_assert_int_eq(netcheck_resolve("::ffff:192.168.1.1", 993, 0, pin, sizeof(pin)),
			 NETCHECK_PRIVATE);
	/* An IP literal needs no lookup, so nothing is pinned. */
	ck_assert_int_eq(netcheck_resolve("127.0.0.1", 993, 1, pin, sizeof(pin)), NETCHECK_OK);
	ck_assert_str_eq(pin, "");
	ck_assert_int_eq(netcheck_resolve("8.8.8.8", 993, 0, pin, sizeof(pin)), NETCHECK_OK);
	ck_assert_str_eq(pin, "");
}
END_TEST

START_TEST(resolve_pins_what_it_checked)
{
	char pin[256];

	/* localhost is in /etc/hosts: no DNS needed. */
	ck_assert_int_eq(netcheck_resolve("localhost", 143, 0, pin, sizeof(pin)), NETCHECK_PRIVATE);
	ck_assert_int_eq(netcheck_resolve("localhost", 143, 1, pin, sizeof(pin)), NETCHECK_OK);
	ck_assert_msg(strncmp(pin, "localhost:143:", 14) == 0, "pin %s", pin);
	ck_assert_msg(strstr(pin, "127.0.0.1") != NULL || strstr(pin, "[::1]") != NULL, "pin %s",
		      pin);
}
END_TEST

Suite *netcheck_suite(void)
{
	Suite *s = suite_create("netcheck");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, closed_ipv4_ranges_refused);
	tcase_add_test(tc, public_ipv4_accepted);
	tcase_add_test(tc, closed_ipv6_ranges_refused);
	tcase_add_test(tc, public_ipv6_accepted);
	tcase_add_test(tc, host_names_and_literals_read);
	tcase_add_test(tc, host_that_is_not_a_name_refused);
	tcase_add_test(tc, host_length_limits);
	tcase_add_test(tc, resolve_refuses_private_literals_unless_allowed);
	tcase_add_test(tc, resolve_pins_what_it_checked);
	suite_add_tcase(s, tc);
	return s;
}
