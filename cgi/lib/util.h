/* util.h — memory helpers that stop the process on exhaustion, a growable
 * buffer, logging to stderr, and the clock. */
#ifndef IP_UTIL_H
#define IP_UTIL_H

#include <stdarg.h>
#include <stdlib.h>
#include <stddef.h>
#include <time.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *ptr, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable byte buffer, always NUL-terminated after the last byte. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};
void buf_init(struct buf *b);
void buf_free(struct buf *b);
void buf_reset(struct buf *b);
void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hands the data to the caller and leaves the buffer empty. */
char *buf_take(struct buf *b);

/* Every log line is one event, key=value: ts, program, pid, level, rid (the
 * request being answered, if any) and msg, quoted.  The program name: */
void log_set_program(const char *name);
/* A request is being answered from begin to end: its lines share one random id,
 * drawn when the first of them is written (most requests log nothing, and a
 * plain-CGI process would otherwise start OpenSSL's generator for every one). */
void log_begin_request(void);
void log_end_request(void);
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Seconds since the epoch, UTC. */
time_t now_utc(void);
/* "2026-11-28T16:26:49Z" */
void format_utc(time_t t, char out[21]);

/* Parses a decimal integer in [min, max] with no sign, spaces or leading zeros
 * (except "0" itself).  Returns 0 on success. */
int parse_int_strict(const char *s, size_t len, long long min, long long max, long long *out);

/* Syncs the folder that holds path, so that a name just made or removed in it
 * survives a crash.  0, or -1 with errno set. */
int sync_parent_folder(const char *path);

/* The index of name in names[0..count), or -1: the one way a stored or typed
 * name becomes an enum; each caller says what an unknown name means. */
int name_index(const char *const names[], int count, const char *name);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF). */
int utf8_valid(const char *s, size_t len);

#endif
