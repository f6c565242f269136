/* imap.c — the IMAP login of imap.h. */
#include "config.h"

#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "imap.h"
#include "util.h"

const char *const imap_security_names[IMAP_SECURITY__MAX] = { "imaps", "starttls" };
const char *const imap_result_names[IMAP_RESULT__MAX] = {
	"ok", "bad_login", "tls", "no_starttls", "refused", "timeout", "not_imap", "failed",
};

/* Whatever the server sends after NOOP is of no interest. */
static size_t discard(char *data, size_t size, size_t n, void *arg)
{
	(void)data;
	(void)arg;
	return size * n;
}

static enum imap_result classify(CURLcode rc)
{
	switch (rc) {
	case CURLE_OK:
		return IMAP_OK;
	case CURLE_LOGIN_DENIED:
		return IMAP_BAD_LOGIN;
	case CURLE_USE_SSL_FAILED:
		return IMAP_NO_STARTTLS;
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
		return IMAP_TLS_FAILED;
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
		return IMAP_REFUSED;
	case CURLE_OPERATION_TIMEDOUT:
		return IMAP_TIMEOUT;
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_GOT_NOTHING:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return IMAP_NOT_IMAP;
	default:
		return IMAP_FAILED;
	}
}

enum imap_result imap_login(const struct imap_server *server, const char *username,
			    const char *password)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *resolve = NULL;
	enum imap_result result;
	CURL *easy;
	CURLcode rc;
	char *url;

	if ((unsigned)server->security >= IMAP_SECURITY__MAX)
		return IMAP_FAILED;
	easy = curl_easy_init();
	if (easy == NULL)
		return IMAP_FAILED;
	if (strchr(server->host, ':') != NULL) /* an IPv6 literal */
		url = xasprintf("%s://[%s]:%u/", server->security == IMAP_IMAPS ? "imaps" : "imap",
				server->host, server->port);
	else
		url = xasprintf("%s://%s:%u/", server->security == IMAP_IMAPS ? "imaps" : "imap",
				server->host, server->port);
	if (server->pin != NULL && *server->pin != '\0')
		resolve = curl_slist_append(NULL, server->pin);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "imap,imaps");
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_PROXY, ""); /* the server named, not a proxy of the environment */
	if (resolve != NULL)
		curl_easy_setopt(easy, CURLOPT_RESOLVE, resolve);
	/* STARTTLS, and nothing said in plain text before it: the login waits for TLS. */
	if (server->security == IMAP_STARTTLS)
		curl_easy_setopt(easy, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (server->ca_file != NULL)
		curl_easy_setopt(easy, CURLOPT_CAINFO, server->ca_file);
	curl_easy_setopt(easy, CURLOPT_USERNAME, username);
	curl_easy_setopt(easy, CURLOPT_PASSWORD, password);
	curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, "NOOP");
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, server->connect_timeout);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, server->timeout);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(easy);
	result = classify(rc);
	if (result != IMAP_OK)
		log_info("imap login at %s port %u (%s): %s: %s", server->host, server->port,
			 imap_security_names[server->security], imap_result_names[result],
			 errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
	/* The password was copied into the handle: it goes with it. */
	curl_easy_setopt(easy, CURLOPT_PASSWORD, "");
	curl_easy_cleanup(easy);
	curl_slist_free_all(resolve);
	free(url);
	return result;
}
