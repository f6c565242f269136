/* check_mail.c — a notification email's headers: nothing injected through an
 * address, a name or a subject; RFC 2047 words for what is not ASCII. */
#include "config.h"

#include <check.h>
#include <openssl/evp.h>
#include <string.h>

#include "mail.h"
#include "suites.h"

/* The header lines as one text, "\n" between them. */
static char *headers_text(const struct mail *m)
{
	struct curl_slist *list = mail_headers(m), *h;
	struct buf b;

	if (list == NULL)
		return NULL;
	buf_init(&b);
	for (h = list; h != NULL; h = h->next)
		buf_printf(&b, "%s\n", h->data);
	curl_slist_free_all(list);
	return buf_take(&b);
}

static struct mail sample(void)
{
	struct mail m = {
		.from = "inboxpanel@crm.example.com",
		.to = "lea@example.com",
		.to_name = "",
		.subject = "Team email disconnected: sales@example.com",
		.date = 1796400000,
		.message_id = "<inboxpanel.job-7.notification-9@crm.example.com>",
		.text = "text",
		.html = "<p>html</p>",
	};
	return m;
}

START_TEST(plain_headers_come_out_as_they_are)
{
	struct mail m = sample();
	char *h = headers_text(&m);

	ck_assert_ptr_nonnull(h);
	ck_assert_str_eq(h, "From: <inboxpanel@crm.example.com>\n"
			    "To: <lea@example.com>\n"
			    "Subject: Team email disconnected: sales@example.com\n"
			    "Date: Fri, 04 Dec 2026 16:00:00 +0000\n"
			    "Message-ID: <inboxpanel.job-7.notification-9@crm.example.com>\n"
			    "MIME-Version: 1.0\n");
	free(h);
}
END_TEST

START_TEST(a_line_break_never_starts_a_header)
{
	struct mail m = sample();
	char *h;

	m.subject = "Sales\r\nBcc: victim@evil.example";
	m.to_name = "Léa\r\nX-Evil: 1";
	h = headers_text(&m);
	ck_assert_ptr_nonnull(h);
	ck_assert_ptr_null(strstr(h, "\r"));
	ck_assert_ptr_null(strstr(h, "\nBcc"));
	ck_assert_ptr_null(strstr(h, "\nX-Evil"));
	ck_assert_ptr_nonnull(strstr(h, "Subject: Sales  Bcc: victim@evil.example\n"));
	free(h);
	/* an address with a line break, a space or brackets is refused whole */
	m = sample();
	m.to = "lea@example.com\r\nBcc: victim@evil.example";
	ck_assert_ptr_null(headers_text(&m));
	m.to = "lea@example.com>, <victim@evil.example";
	ck_assert_ptr_null(headers_text(&m));
	m = sample();
	m.from = "a@b\n";
	ck_assert_ptr_null(headers_text(&m));
	m = sample();
	m.message_id = "<x@y>\r\nBcc: v@e";
	ck_assert_ptr_null(headers_text(&m));
}
END_TEST

START_TEST(addresses_are_checked_strictly)
{
	ck_assert_int_eq(mail_address_ok("lea@example.com"), 1);
	ck_assert_int_eq(mail_address_ok("lea.o+tag@sub.example.com"), 1);
	ck_assert_int_eq(mail_address_ok("@example.com"), 0);
	ck_assert_int_eq(mail_address_ok("lea@"), 0);
	ck_assert_int_eq(mail_address_ok("lea"), 0);
	ck_assert_int_eq(mail_address_ok("a@b@c"), 0);
	ck_assert_int_eq(mail_address_ok("l a@example.com"), 0);
	ck_assert_int_eq(mail_address_ok("léa@example.com"), 0);
	ck_assert_int_eq(mail_address_ok("\"a\"@example.com"), 0);
	ck_assert_int_eq(mail_address_ok(""), 0);
	ck_assert_int_eq(mail_address_ok(NULL), 0);
}
END_TEST

/* Decodes one "=?UTF-8?B?...?=" word after prefix in h into out. */
static void decode_words(const char *h, struct buf *out)
{
	const char *p = h;

	while ((p = strstr(p, "=?UTF-8?B?")) != NULL) {
		const char *end = strstr(p + 10, "?=");
		unsigned char bytes[128];
		int n;

		ck_assert_ptr_nonnull(end);
		ck_assert_int_le((int)(end + 2 - p), 75); /* RFC 2047's longest word */
		n = EVP_DecodeBlock(bytes, (const unsigned char *)p + 10, (int)(end - p - 10));
		ck_assert_int_ge(n, 0);
		/* EVP_DecodeBlock counts the padding's bytes too */
		for (const char *q = end - 1; *q == '='; q--)
			n--;
		buf_append(out, bytes, (size_t)n);
		p = end + 2;
	}
}

START_TEST(text_that_is_not_ascii_becomes_encoded_words_cut_between_characters)
{
	const char *subject = "Adresse e-mail d’équipe déconnectée : une-adresse-assez-longue@"
			      "exemple.fr — équipe « Ventes »";
	struct buf out, decoded;

	buf_init(&out);
	buf_init(&decoded);
	mail_header_text(&out, subject, 400);
	ck_assert_int_eq(strncmp(out.data, "=?UTF-8?B?", 10), 0);
	ck_assert_ptr_null(strpbrk(out.data, "\r\n"));
	decode_words(out.data, &decoded);
	buf_putc(&decoded, '\0');
	ck_assert_str_eq(decoded.data, subject);
	/* each word is whole UTF-8 on its own: every word decodes to valid text */
	for (const char *p = out.data; (p = strstr(p, "=?UTF-8?B?")) != NULL; p += 2) {
		struct buf one;
		const char *end = strstr(p + 10, "?=");
		char *word = xstrndup(p, (size_t)(end + 2 - p));

		buf_init(&one);
		decode_words(word, &one);
		ck_assert_int_eq(utf8_valid(one.data, one.len), 1);
		buf_free(&one);
		free(word);
	}
	/* something that looks like an encoded word is encoded too */
	buf_reset(&out);
	mail_header_text(&out, "=?UTF-8?B?QmNjOg==?=", 400);
	ck_assert_int_eq(strncmp(out.data, "=?UTF-8?B?", 10), 0);
	ck_assert_str_ne(out.data, "=?UTF-8?B?QmNjOg==?=");
	buf_free(&out);
	buf_free(&decoded);
}
END_TEST

START_TEST(a_name_is_always_an_encoded_word)
{
	struct mail m = sample();
	char *h;

	m.to_name = "Lea \"Boss\" <admin@evil.example>";
	h = headers_text(&m);
	ck_assert_ptr_nonnull(strstr(h, "To: =?UTF-8?B?"));
	ck_assert_ptr_nonnull(strstr(h, "?= <lea@example.com>\n"));
	ck_assert_ptr_null(strstr(h, "evil"));
	free(h);
}
END_TEST

START_TEST(the_message_id_is_the_jobs_own)
{
	char *a = mail_message_id(7, 9, "inboxpanel@crm.example.com");
	char *b = mail_message_id(7, 9, "inboxpanel@crm.example.com");

	ck_assert_str_eq(a, "<inboxpanel.job-7.notification-9@crm.example.com>");
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	a = mail_message_id(7, 9, "not an address\r\n");
	ck_assert_str_eq(a, "<inboxpanel.job-7.notification-9@localhost>");
	free(a);
}
END_TEST

START_TEST(no_smtp_server_fails_at_once)
{
	struct conf conf;
	struct mail m = sample();
	struct mail_result r;

	memset(&conf, 0, sizeof(conf));
	mail_send(&conf, &m, &r);
	ck_assert_int_eq(r.outcome, MAIL_PERMANENT);
	ck_assert_str_eq(r.error, "no SMTP server configured");
	conf.smtp_url = "http://127.0.0.1:1/";
	conf.smtp_from = "inboxpanel@crm.example.com";
	mail_send(&conf, &m, &r);
	ck_assert_int_eq(r.outcome, MAIL_PERMANENT);
}
END_TEST

Suite *mail_suite(void)
{
	Suite *s = suite_create("mail");
	TCase *tc = tcase_create("headers");

	tcase_add_test(tc, plain_headers_come_out_as_they_are);
	tcase_add_test(tc, a_line_break_never_starts_a_header);
	tcase_add_test(tc, addresses_are_checked_strictly);
	tcase_add_test(tc, text_that_is_not_ascii_becomes_encoded_words_cut_between_characters);
	tcase_add_test(tc, a_name_is_always_an_encoded_word);
	tcase_add_test(tc, the_message_id_is_the_jobs_own);
	tcase_add_test(tc, no_smtp_server_fails_at_once);
	suite_add_tcase(s, tc);
	return s;
}
