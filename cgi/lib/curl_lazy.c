/* curl_lazy.c — libcurl for the web programs, loaded on the first call into it.
 *
 * Linked into the FastCGI/CGI programs in place of -lcurl (Makefile.am), it
 * defines the libcurl functions the panel calls; the first of them dlopen()s
 * libcurl, runs curl_global_init and hands every call on.  Most requests never
 * talk to a provider, and libcurl brings 32 of a web program's 37 libraries:
 * linked normally, the dynamic linker maps and relocates them all at every
 * plain-CGI start (9 M of the email page's 30 M instructions).  The worker and
 * the command-line tool talk to providers at once and link libcurl as usual.
 *
 * Nothing else changes: the callers include <curl/curl.h> and call libcurl's
 * functions by their names; URL encoding, MIME and transfers are libcurl's. */
#include "config.h"

/* The type-checking macros would turn curl_easy_setopt into a macro. */
#define CURL_DISABLE_TYPECHECK 1

#include <curl/curl.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdlib.h>

#include "util.h"

#define LAZY_FUNCTIONS(X)                                                                         \
	X(curl_global_init) X(curl_global_cleanup) X(curl_free) X(curl_easy_init)                 \
	X(curl_easy_cleanup) X(curl_easy_setopt) X(curl_easy_getinfo) X(curl_easy_perform)       \
	X(curl_easy_strerror) X(curl_easy_escape) X(curl_easy_unescape) X(curl_slist_append)      \
	X(curl_slist_free_all) X(curl_multi_init) X(curl_multi_cleanup) X(curl_multi_add_handle)  \
	X(curl_multi_remove_handle) X(curl_multi_perform) X(curl_multi_poll)                      \
	X(curl_multi_info_read) X(curl_mime_init) X(curl_mime_free) X(curl_mime_addpart)          \
	X(curl_mime_data) X(curl_mime_type) X(curl_mime_encoder) X(curl_mime_headers)             \
	X(curl_mime_subparts) X(curl_url) X(curl_url_cleanup) X(curl_url_get) X(curl_url_set)

static struct {
#define X(name) __typeof__(name) *name;
	LAZY_FUNCTIONS(X)
#undef X
} real;
static void *library;

/* A missing libcurl is a broken installation (the package depends on it): the
 * request cannot be answered, and the log says why. */
static void load(void)
{
	if (library != NULL)
		return;
	library = dlopen(LIBCURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (library == NULL) {
		log_error("cannot load libcurl: %s", dlerror());
		abort();
	}
#define X(name)                                                                                   \
	if ((*(void **)&real.name = dlsym(library, #name)) == NULL) {                             \
		log_error("libcurl (%s) has no %s", LIBCURL_SONAME, #name);                       \
		abort();                                                                           \
	}
	LAZY_FUNCTIONS(X)
#undef X
	real.curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Only once something was loaded is there anything to clean up. */
CURLcode curl_global_init(long flags)
{
	(void)flags;
	load();
	return CURLE_OK;
}

void curl_global_cleanup(void)
{
	if (library != NULL)
		real.curl_global_cleanup();
}

#define CALL(name, ...)                                                                           \
	do {                                                                                      \
		load();                                                                           \
		return real.name(__VA_ARGS__);                                                    \
	} while (0)
#define CALL_VOID(name, ...)                                                                      \
	do {                                                                                      \
		load();                                                                           \
		real.name(__VA_ARGS__);                                                           \
	} while (0)

void curl_free(void *p)
{
	if (p != NULL)
		CALL_VOID(curl_free, p);
}

CURL *curl_easy_init(void)
{
	load();
	return real.curl_easy_init();
}

void curl_easy_cleanup(CURL *h)
{
	if (h != NULL)
		CALL_VOID(curl_easy_cleanup, h);
}

/* The one argument's type follows from the option's number, as in libcurl. */
CURLcode curl_easy_setopt(CURL *h, CURLoption option, ...)
{
	va_list ap;
	CURLcode rc;

	load();
	va_start(ap, option);
	if (option < CURLOPTTYPE_OBJECTPOINT)
		rc = real.curl_easy_setopt(h, option, va_arg(ap, long));
	else if (option < CURLOPTTYPE_FUNCTIONPOINT || option >= CURLOPTTYPE_BLOB)
		rc = real.curl_easy_setopt(h, option, va_arg(ap, void *));
	else if (option < CURLOPTTYPE_OFF_T)
		rc = real.curl_easy_setopt(h, option, va_arg(ap, void (*)(void)));
	else
		rc = real.curl_easy_setopt(h, option, va_arg(ap, curl_off_t));
	va_end(ap);
	return rc;
}

/* Every CURLINFO takes a pointer to where the answer goes. */
CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	va_list ap;
	CURLcode rc;

	load();
	va_start(ap, info);
	rc = real.curl_easy_getinfo(h, info, va_arg(ap, void *));
	va_end(ap);
	return rc;
}

CURLcode curl_easy_perform(CURL *h)
{
	CALL(curl_easy_perform, h);
}

const char *curl_easy_strerror(CURLcode code)
{
	CALL(curl_easy_strerror, code);
}

char *curl_easy_escape(CURL *h, const char *s, int len)
{
	CALL(curl_easy_escape, h, s, len);
}

char *curl_easy_unescape(CURL *h, const char *s, int len, int *out_len)
{
	CALL(curl_easy_unescape, h, s, len, out_len);
}

struct curl_slist *curl_slist_append(struct curl_slist *list, const char *s)
{
	CALL(curl_slist_append, list, s);
}

void curl_slist_free_all(struct curl_slist *list)
{
	if (list != NULL)
		CALL_VOID(curl_slist_free_all, list);
}

CURLM *curl_multi_init(void)
{
	load();
	return real.curl_multi_init();
}

CURLMcode curl_multi_cleanup(CURLM *m)
{
	CALL(curl_multi_cleanup, m);
}

CURLMcode curl_multi_add_handle(CURLM *m, CURL *h)
{
	CALL(curl_multi_add_handle, m, h);
}

CURLMcode curl_multi_remove_handle(CURLM *m, CURL *h)
{
	CALL(curl_multi_remove_handle, m, h);
}

CURLMcode curl_multi_perform(CURLM *m, int *running)
{
	CALL(curl_multi_perform, m, running);
}

CURLMcode curl_multi_poll(CURLM *m, struct curl_waitfd extra[], unsigned int n, int timeout_ms,
			  int *numfds)
{
	CALL(curl_multi_poll, m, extra, n, timeout_ms, numfds);
}

CURLMsg *curl_multi_info_read(CURLM *m, int *left)
{
	CALL(curl_multi_info_read, m, left);
}

curl_mime *curl_mime_init(CURL *h)
{
	CALL(curl_mime_init, h);
}

void curl_mime_free(curl_mime *mime)
{
	if (mime != NULL)
		CALL_VOID(curl_mime_free, mime);
}

curl_mimepart *curl_mime_addpart(curl_mime *mime)
{
	CALL(curl_mime_addpart, mime);
}

CURLcode curl_mime_data(curl_mimepart *part, const char *data, size_t size)
{
	CALL(curl_mime_data, part, data, size);
}

CURLcode curl_mime_type(curl_mimepart *part, const char *type)
{
	CALL(curl_mime_type, part, type);
}

CURLcode curl_mime_encoder(curl_mimepart *part, const char *encoding)
{
	CALL(curl_mime_encoder, part, encoding);
}

CURLcode curl_mime_headers(curl_mimepart *part, struct curl_slist *headers, int take_ownership)
{
	CALL(curl_mime_headers, part, headers, take_ownership);
}

CURLcode curl_mime_subparts(curl_mimepart *part, curl_mime *subparts)
{
	CALL(curl_mime_subparts, part, subparts);
}

CURLU *curl_url(void)
{
	load();
	return real.curl_url();
}

void curl_url_cleanup(CURLU *u)
{
	if (u != NULL)
		CALL_VOID(curl_url_cleanup, u);
}

CURLUcode curl_url_get(CURL_URL_GET_HANDLE *u, CURLUPart what, char **part, unsigned int flags)
{
	CALL(curl_url_get, u, what, part, flags);
}

CURLUcode curl_url_set(CURLU *u, CURLUPart what, const char *part, unsigned int flags)
{
	CALL(curl_url_set, u, what, part, flags);
}
