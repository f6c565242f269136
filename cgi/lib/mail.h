/* mail.h — notification emails: a header block that nothing can be injected
 * into, and one SMTP delivery through libcurl (curl_mime for the parts). */
#ifndef IP_MAIL_H
#define IP_MAIL_H

#include <curl/curl.h>
#include <time.h>

#include "conf.h"
#include "util.h"

struct mail {
	const char *from;       /* Smtp.from, an address */
	const char *to;         /* the recipient's address */
	const char *to_name;    /* their name, "" when none */
	const char *subject;    /* UTF-8 text */
	time_t date;
	const char *message_id; /* "<...>", mail_message_id */
	const char *text;       /* the text/plain part, UTF-8 */
	const char *html;       /* the text/html part, UTF-8 */
};

/* 1 when addr may stand in an envelope and a header: printable ASCII with no
 * space, no quote, bracket, comma or semicolon, one "@" with something on both
 * sides, at most 254 bytes.  Stricter than RFC 5321, on purpose: an address
 * can then never end a header or start another. */
int mail_address_ok(const char *addr);

/* Appends text as a header value: every control character (CR and LF among
 * them) becomes a space, and text that is not plain ASCII — or that could be
 * read as an encoded word — becomes RFC 2047 encoded words (UTF-8, base64), cut
 * on character boundaries.  At most max_bytes of text are used. */
void mail_header_text(struct buf *out, const char *text, size_t max_bytes);

/* The headers of m (From, To, Subject, Date, Message-ID, MIME-Version), one a
 * line without its CRLF; NULL when from or to is not mail_address_ok or the
 * Message-ID is not one. */
struct curl_slist *mail_headers(const struct mail *m);

/* "<inboxpanel.job-J.notification-N@DOMAIN>", DOMAIN that of from: the same
 * for every try of one job, so a retry is never a second, different mail. */
char *mail_message_id(long long job_id, long long notification_id, const char *from);

enum mail_outcome {
	MAIL_SENT,
	MAIL_TRANSIENT, /* no answer, a 4xx: try again later */
	MAIL_PERMANENT, /* a 5xx, or a message that cannot be built: never again */
};

struct mail_result {
	enum mail_outcome outcome;
	long smtp_code;   /* the server's last reply code, 0 when none came */
	char error[256];  /* in words, for the log and the job's last_error */
};

/* Sends m to conf's Smtp.url.  smtps:// is TLS from the start; smtp:// requires
 * STARTTLS unless the server is this machine (127.0.0.0/8, ::1, localhost),
 * where it is used when offered.  The certificate is always verified (against
 * Smtp.ca_file when set).  Smtp.username and Smtp.password when set. */
void mail_send(const struct conf *conf, const struct mail *m, struct mail_result *r);

#endif
