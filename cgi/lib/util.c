/* util.c — allocation, buffers, logging, the clock and two strict parsers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crypto.h"
#include "util.h"

static const char *log_program = "inboxpanel";
static int log_in_request;
static char log_request_id[13]; /* 9 random bytes in base64url; "" until drawn */

static void out_of_memory(void)
{
	/* A web worker that cannot allocate cannot answer; the supervisor restarts it. */
	fprintf(stderr, "%s[%ld]: out of memory\n", log_program, (long)getpid());
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

void *xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

void *xrealloc(void *ptr, size_t size)
{
	void *p = realloc(ptr, size ? size : 1);
	if (p == NULL)
		out_of_memory();
	return p;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t len)
{
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

char *xasprintf(const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return buf_take(&b);
}

void buf_init(struct buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void buf_free(struct buf *b)
{
	free(b->data);
	buf_init(b);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

static void buf_reserve(struct buf *b, size_t more)
{
	size_t need;

	if (more > (size_t)-1 / 2 - b->len)
		out_of_memory();
	need = b->len + more + 1;
	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 256;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xrealloc(b->data, b->cap);
}

void buf_append(struct buf *b, const void *data, size_t len)
{
	buf_reserve(b, len);
	if (len > 0)
		memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	va_copy(copy, ap);
	n = vsnprintf(NULL, 0, fmt, copy);
	va_end(copy);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

char *buf_take(struct buf *b)
{
	char *data = b->data;

	if (data == NULL)
		data = xstrdup("");
	buf_init(b);
	return data;
}

void log_set_program(const char *name)
{
	log_program = name;
}

void log_begin_request(void)
{
	log_in_request = 1;
	log_request_id[0] = '\0';
}

void log_end_request(void)
{
	log_in_request = 0;
	log_request_id[0] = '\0';
}

static const char *request_id(void)
{
	uint8_t raw[9];

	if (log_in_request && log_request_id[0] == '\0' && crypto_random(raw, sizeof(raw)) == 0)
		crypto_base64url(raw, sizeof(raw), log_request_id);
	return log_request_id;
}

/* The message as one quoted value: a quote, a backslash or a control byte in it
 * (a name someone typed, a server's answer) cannot end the value or the line. */
static void put_quoted(struct buf *line, const char *msg, size_t len)
{
	buf_putc(line, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)msg[i];

		if (c == '"' || c == '\\') {
			buf_putc(line, '\\');
			buf_putc(line, (char)c);
		} else if (c == '\n') {
			buf_puts(line, "\\n");
		} else if (c < 0x20 || c == 0x7f) {
			buf_printf(line, "\\x%02x", c);
		} else {
			buf_putc(line, (char)c);
		}
	}
	buf_putc(line, '"');
}

/* One line per event, key=value, for journald or a log file:
 *   ts=2026-11-28T16:26:49Z program=inboxpanel-settings pid=412 level=error rid=9f1c... msg="..."
 * rid, the request's id, only while a request is being answered. */
__attribute__((format(printf, 2, 0)))
static void log_line(const char *level, const char *fmt, va_list ap)
{
	char stamp[21];
	struct buf msg, line;

	format_utc(time(NULL), stamp);
	buf_init(&msg);
	buf_vprintf(&msg, fmt, ap);
	buf_init(&line);
	buf_printf(&line, "ts=%s program=%s pid=%ld level=%s", stamp, log_program, (long)getpid(),
		   level);
	if (request_id()[0] != '\0')
		buf_printf(&line, " rid=%s", log_request_id);
	buf_puts(&line, " msg=");
	put_quoted(&line, msg.data != NULL ? msg.data : "", msg.len);
	buf_putc(&line, '\n');
	/* One write per line keeps lines of concurrent workers whole. */
	if (write(STDERR_FILENO, line.data, line.len) < 0) {
		/* Nowhere left to report it. */
	}
	buf_free(&msg);
	buf_free(&line);
}

void log_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("error", fmt, ap);
	va_end(ap);
}

void log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_line("info", fmt, ap);
	va_end(ap);
}

time_t now_utc(void)
{
	return time(NULL);
}

void format_utc(time_t t, char out[21])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int parse_int_strict(const char *s, size_t len, long long min, long long max, long long *out)
{
	long long value = 0;
	size_t i;

	if (len == 0 || len > 19)
		return -1;
	if (s[0] == '0' && len > 1)
		return -1;
	for (i = 0; i < len; i++) {
		int digit;

		if (s[i] < '0' || s[i] > '9')
			return -1;
		digit = s[i] - '0';
		if (value > (9223372036854775807LL - digit) / 10)
			return -1;
		value = value * 10 + digit;
	}
	if (value < min || value > max)
		return -1;
	*out = value;
	return 0;
}

int utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n;
		unsigned long cp;

		if (c < 0x80) {
			i++;
			continue;
		} else if (c >= 0xC2 && c <= 0xDF) {
			n = 1;
			cp = c & 0x1F;
		} else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			cp = c & 0x0F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			cp = c & 0x07;
		} else {
			return 0;
		}
		if (len - i <= n)
			return 0;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xC0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + k] & 0x3F);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10FFFF ||
		    (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		i += n + 1;
	}
	return 1;
}

int name_index(const char *const names[], int count, const char *name)
{
	for (int i = 0; i < count; i++)
		if (names[i] != NULL && strcmp(names[i], name) == 0)
			return i;
	return -1;
}

int sync_parent_folder(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".")
				  : xstrndup(path, slash == path ? 1 : (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = -1;

	if (fd >= 0) {
		rc = fsync(fd);
		close(fd);
	}
	free(dir);
	return rc;
}
