/* fuzz_mail.c — a notification email's header block (cgi/lib/mail.c):
 * mail_headers over a recipient's address and name and a subject that anyone
 * may have written (an inbox's name is in the subject), and mail_header_text.
 *
 * Input: the address, the name and the subject, separated by NUL bytes (a
 * missing part is ""). */
#include "config.h"

#include "fuzz.h"
#include "mail.h"

static const char *const header_names[] = { "From: ", "To: ", "Subject: ", "Date: ",
					    "Message-ID: ", "MIME-Version: " };

/* No byte of a header line may end it, whatever went in. */
static void check_line(const char *line)
{
	for (const unsigned char *p = (const unsigned char *)line; *p != '\0'; p++)
		FUZZ_CHECK(*p >= 0x20 && *p != 0x7f);
	FUZZ_CHECK(strlen(line) < 998);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 2), *parts[3];
	struct curl_slist *list, *h;
	struct buf text;
	size_t at = 0;
	int n = 0;

	if (copy == NULL)
		abort();
	memcpy(copy, data, size);
	copy[size] = '\0';
	copy[size + 1] = '\0';
	for (int i = 0; i < 3; i++) {
		parts[i] = at <= size ? copy + at : copy + size + 1;
		at += strlen(parts[i]) + 1;
	}
	{
		struct mail m = {
			.from = "inboxpanel@crm.example.com",
			.to = parts[0],
			.to_name = parts[1],
			.subject = parts[2],
			.date = 1796400000,
			.message_id = "<inboxpanel.job-1.notification-1@crm.example.com>",
			.text = "",
			.html = "",
		};

		list = mail_headers(&m);
		FUZZ_CHECK((list != NULL) == (mail_address_ok(parts[0]) != 0));
		for (h = list; h != NULL; h = h->next, n++) {
			FUZZ_CHECK(n < 6);
			FUZZ_CHECK(strncmp(h->data, header_names[n], strlen(header_names[n])) == 0);
			check_line(h->data);
		}
		FUZZ_CHECK(list == NULL || n == 6);
		curl_slist_free_all(list);
	}
	/* An address that passes has nothing that could close a bracket or a header. */
	if (mail_address_ok(parts[0]))
		FUZZ_CHECK(strpbrk(parts[0], "<>\r\n ,;\"") == NULL);
	buf_init(&text);
	mail_header_text(&text, parts[2], 400);
	if (text.data != NULL) {
		check_line(text.data);
		/* an encoded word is never longer than RFC 2047 allows */
		for (const char *p = text.data; (p = strstr(p, "=?UTF-8?B?")) != NULL;) {
			const char *end = strstr(p + 10, "?=");

			FUZZ_CHECK(end != NULL && end + 2 - p <= 75);
			p = end + 2;
		}
	}
	buf_free(&text);
	free(copy);
	return 0;
}
