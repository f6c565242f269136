/* mail.c — building a notification email's headers and sending it over SMTP.
 *
 * Every value that reaches a header passes mail_address_ok (addresses) or
 * mail_header_text (names, subjects), so no CR or LF from an address, a name or
 * an inbox's name can end a header and start another.  The parts themselves
 * are curl_mime's to encode (quoted-printable). */
#include "config.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail.h"

#define MAIL_ADDRESS_MAX 254
/* An encoded word is at most 75 characters (RFC 2047): 45 bytes of text make 60
 * of base64, plus the 12 of "=?UTF-8?B?" and "?=". */
#define ENCODED_WORD_BYTES 45
/* What of a subject or a name is used: the header line stays far below the
 * 998 characters RFC 5322 allows. */
#define SUBJECT_MAX_BYTES 400
#define NAME_MAX_BYTES 120

int mail_address_ok(const char *addr)
{
	const char *at = NULL;
	size_t len = 0;

	if (addr == NULL)
		return 0;
	for (const unsigned char *p = (const unsigned char *)addr; *p != '\0'; p++, len++) {
		if (*p <= 0x20 || *p >= 0x7f || strchr("<>()[]\\,;:\"", *p) != NULL)
			return 0;
		if (*p == '@') {
			if (at != NULL)
				return 0;
			at = (const char *)p;
		}
	}
	return at != NULL && at != addr && at[1] != '\0' && len <= MAIL_ADDRESS_MAX;
}

/* Does text need encoded words: anything but printable ASCII, or "=?", which a
 * reader would take for the start of one. */
static int needs_encoding(const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c < 0x20 || c >= 0x7f || (c == '=' && i + 1 < len && text[i + 1] == '?'))
			return 1;
	}
	return 0;
}

/* How many bytes of text to use: at most max, not cutting a UTF-8 character. */
static size_t cut_at_character(const char *text, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)text[max] & 0xC0) == 0x80)
		max--;
	return max;
}

/* Appends the first len bytes of text as RFC 2047 encoded words. */
static void encode_words(struct buf *out, const char *text, size_t len)
{
	for (size_t at = 0; at < len;) {
		size_t n = cut_at_character(text + at, len - at, ENCODED_WORD_BYTES);
		unsigned char b64[4 * ((ENCODED_WORD_BYTES + 2) / 3) + 1];

		if (n == 0) /* a run of continuation bytes longer than a word: not UTF-8 */
			n = len - at < ENCODED_WORD_BYTES ? len - at : ENCODED_WORD_BYTES;
		EVP_EncodeBlock(b64, (const unsigned char *)text + at, (int)n);
		buf_printf(out, "%s=?UTF-8?B?%s?=", at > 0 ? " " : "", (const char *)b64);
		at += n;
	}
}

/* Appends text, at most max_bytes of it, with each control character made a
 * space; encoded words when always is set or text needs them. */
static void header_text(struct buf *out, const char *text, size_t max_bytes, int always)
{
	size_t len = cut_at_character(text, strlen(text), max_bytes);
	char *clean = xstrndup(text, len);

	/* A CR or LF is never a line break here. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)clean[i] < 0x20 || (unsigned char)clean[i] == 0x7f)
			clean[i] = ' ';
	if (always || needs_encoding(clean, len))
		encode_words(out, clean, len);
	else
		buf_append(out, clean, len);
	free(clean);
}

void mail_header_text(struct buf *out, const char *text, size_t max_bytes)
{
	header_text(out, text, max_bytes, 0);
}

/* The part after the "@" of an address that passed mail_address_ok. */
static const char *domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at != NULL ? at + 1 : "localhost";
}

char *mail_message_id(long long job_id, long long notification_id, const char *from)
{
	return xasprintf("<inboxpanel.job-%lld.notification-%lld@%s>", job_id, notification_id,
			 mail_address_ok(from) ? domain_of(from) : "localhost");
}

/* A Message-ID this module made: "<", no space or control, one "@", ">". */
static int message_id_ok(const char *id)
{
	size_t len = id != NULL ? strlen(id) : 0;
	char inner[MAIL_ADDRESS_MAX + 64];

	if (len < 3 || len - 2 >= sizeof(inner) || id[0] != '<' || id[len - 1] != '>')
		return 0;
	memcpy(inner, id + 1, len - 2);
	inner[len - 2] = '\0';
	return mail_address_ok(inner);
}

/* RFC 5322's date in UTC, in English whatever the locale. */
static void format_date(time_t t, char out[40])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 40, "%s, %02d %s %04d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static struct curl_slist *append_header(struct curl_slist *list, struct buf *line)
{
	struct curl_slist *next = curl_slist_append(list, line->data);

	buf_reset(line);
	if (next == NULL) {
		curl_slist_free_all(list);
		return NULL;
	}
	return next;
}

struct curl_slist *mail_headers(const struct mail *m)
{
	struct curl_slist *list = NULL;
	struct buf line;
	char date[40];

	if (!mail_address_ok(m->from) || !mail_address_ok(m->to) || !message_id_ok(m->message_id))
		return NULL;
	buf_init(&line);
	buf_printf(&line, "From: <%s>", m->from);
	if ((list = append_header(list, &line)) == NULL)
		goto out;
	buf_puts(&line, "To: ");
	if (m->to_name != NULL && m->to_name[0] != '\0') {
		/* Always encoded words: a name then needs no quoting rules at all. */
		header_text(&line, m->to_name, NAME_MAX_BYTES, 1);
		buf_putc(&line, ' ');
	}
	buf_printf(&line, "<%s>", m->to);
	if ((list = append_header(list, &line)) == NULL)
		goto out;
	buf_puts(&line, "Subject: ");
	mail_header_text(&line, m->subject != NULL ? m->subject : "", SUBJECT_MAX_BYTES);
	if ((list = append_header(list, &line)) == NULL)
		goto out;
	format_date(m->date, date);
	buf_printf(&line, "Date: %s", date);
	if ((list = append_header(list, &line)) == NULL)
		goto out;
	buf_printf(&line, "Message-ID: %s", m->message_id);
	if ((list = append_header(list, &line)) == NULL)
		goto out;
	buf_puts(&line, "MIME-Version: 1.0");
	list = append_header(list, &line);
out:
	buf_free(&line);
	return list;
}

/* --- sending ------------------------------------------------------------------------ */

/* Is the URL's host this machine: the one place plain SMTP may stay plain. */
static int host_is_loopback(const char *host)
{
	return strcasecmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
	       strcmp(host, "[::1]") == 0 || strcmp(host, "::1") == 0;
}

/* How much TLS the URL demands; -1 when it is not smtp:// or smtps://. */
static long tls_policy(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	long policy = -1;

	if (u != NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		if (strcmp(scheme, "smtps") == 0)
			policy = (long)CURLUSESSL_ALL;
		else if (strcmp(scheme, "smtp") == 0)
			policy = host_is_loopback(host) ? (long)CURLUSESSL_TRY : (long)CURLUSESSL_ALL;
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return policy;
}

static void fail(struct mail_result *r, enum mail_outcome outcome, const char *error)
{
	r->outcome = outcome;
	snprintf(r->error, sizeof(r->error), "%s", error);
}

/* A part of type `type` holding text with its lines ended by CRLF: curl's
 * quoted-printable encoder takes only CRLF for a line break and would send a
 * bare LF as "=0A", one long encoded line.  0, or -1 on a failure. */
static int add_text_part(curl_mime *mime, const char *type, const char *text)
{
	curl_mimepart *part = curl_mime_addpart(mime);
	struct buf lines;
	int rc;

	if (part == NULL)
		return -1;
	buf_init(&lines);
	for (const char *p = text; *p != '\0'; p++) {
		if (*p == '\n' && (p == text || p[-1] != '\r'))
			buf_putc(&lines, '\r');
		buf_putc(&lines, *p);
	}
	rc = curl_mime_data(part, lines.data != NULL ? lines.data : "", lines.len) == CURLE_OK &&
			     curl_mime_type(part, type) == CURLE_OK &&
			     curl_mime_encoder(part, "quoted-printable") == CURLE_OK
		     ? 0
		     : -1;
	buf_free(&lines);
	return rc;
}

/* The text and HTML parts, as one multipart/alternative part of the message. */
static curl_mime *build_body(CURL *easy, const struct mail *m)
{
	curl_mime *mime = curl_mime_init(easy), *alt = curl_mime_init(easy);
	curl_mimepart *part;
	struct curl_slist *disposition = curl_slist_append(NULL, "Content-Disposition: inline");

	if (mime == NULL || alt == NULL || disposition == NULL ||
	    add_text_part(alt, "text/plain; charset=UTF-8", m->text) != 0 ||
	    add_text_part(alt, "text/html; charset=UTF-8", m->html) != 0)
		goto fail;
	part = curl_mime_addpart(mime);
	if (part == NULL || curl_mime_subparts(part, alt) != CURLE_OK)
		goto fail;
	alt = NULL; /* the part owns it now */
	if (curl_mime_type(part, "multipart/alternative") != CURLE_OK ||
	    curl_mime_headers(part, disposition, 1) != CURLE_OK)
		goto fail;
	return mime;
fail:
	curl_slist_free_all(disposition);
	curl_mime_free(alt);
	curl_mime_free(mime);
	return NULL;
}

void mail_send(const struct conf *conf, const struct mail *m, struct mail_result *r)
{
	CURL *easy = NULL;
	curl_mime *mime = NULL;
	struct curl_slist *headers = NULL, *rcpt = NULL;
	char envelope[MAIL_ADDRESS_MAX + 3], curl_error[CURL_ERROR_SIZE] = "";
	long policy;
	CURLcode rc;

	memset(r, 0, sizeof(*r));
	if (conf->smtp_url == NULL || conf->smtp_from == NULL) {
		fail(r, MAIL_PERMANENT, "no SMTP server configured");
		return;
	}
	if ((policy = tls_policy(conf->smtp_url)) < 0) {
		fail(r, MAIL_PERMANENT, "Smtp.url is not smtp:// or smtps://");
		return;
	}
	if ((headers = mail_headers(m)) == NULL) {
		fail(r, MAIL_PERMANENT, "an address cannot be used in a mail header");
		return;
	}
	snprintf(envelope, sizeof(envelope), "<%s>", m->to);
	if ((easy = curl_easy_init()) == NULL || (rcpt = curl_slist_append(NULL, envelope)) == NULL ||
	    (mime = build_body(easy, m)) == NULL) {
		fail(r, MAIL_TRANSIENT, "out of memory building the mail");
		goto out;
	}
	snprintf(envelope, sizeof(envelope), "<%s>", conf->smtp_from);
	curl_easy_setopt(easy, CURLOPT_URL, conf->smtp_url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
	curl_easy_setopt(easy, CURLOPT_USE_SSL, policy);
	if (conf->smtp_ca_file != NULL)
		curl_easy_setopt(easy, CURLOPT_CAINFO, conf->smtp_ca_file);
	if (conf->smtp_username != NULL) {
		curl_easy_setopt(easy, CURLOPT_USERNAME, conf->smtp_username);
		curl_easy_setopt(easy, CURLOPT_PASSWORD,
				 conf->smtp_password != NULL ? conf->smtp_password : "");
	}
	curl_easy_setopt(easy, CURLOPT_MAIL_FROM, envelope);
	curl_easy_setopt(easy, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(easy, CURLOPT_MIMEPOST, mime);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, conf->worker_connect_timeout);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, conf->worker_timeout);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_error);
	rc = curl_easy_perform(easy);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &r->smtp_code);
	if (rc == CURLE_OK) {
		r->outcome = MAIL_SENT;
		goto out;
	}
	/* A 5xx is the server's final word on this mail; anything else (no answer,
	 * a 4xx, TLS that failed) may pass later. */
	r->outcome = r->smtp_code >= 500 && r->smtp_code < 600 ? MAIL_PERMANENT : MAIL_TRANSIENT;
	snprintf(r->error, sizeof(r->error), "%s%s%s", curl_easy_strerror(rc),
		 curl_error[0] ? ": " : "", curl_error);
out:
	curl_mime_free(mime);
	curl_slist_free_all(headers);
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(easy);
}
