/* imap.h — logging in to a user's IMAP server through libcurl, to learn before
 * anything is stored whether the server, its certificate and the password
 * work. */
#ifndef IP_IMAP_H
#define IP_IMAP_H

#include <stddef.h>

enum imap_security { IMAP_IMAPS, IMAP_STARTTLS, IMAP_SECURITY__MAX };
/* "imaps", "starttls": the names in the form and in the store. */
extern const char *const imap_security_names[IMAP_SECURITY__MAX];

enum imap_result {
	IMAP_OK,
	IMAP_BAD_LOGIN,    /* the server refused the user name or the password */
	IMAP_TLS_FAILED,   /* no TLS with a certificate the panel trusts for that name */
	IMAP_NO_STARTTLS,  /* the server does not offer STARTTLS */
	IMAP_REFUSED,      /* nothing listens there: connection refused or unreachable */
	IMAP_TIMEOUT,      /* no answer within the timeouts */
	IMAP_NOT_IMAP,     /* something answered, but not as an IMAP server */
	IMAP_FAILED,       /* anything else (logged) */
	IMAP_RESULT__MAX
};
/* "ok", "bad_login", "tls", ...: the keys of Lang.imap.error. */
extern const char *const imap_result_names[IMAP_RESULT__MAX];

struct imap_server {
	const char *host;          /* a DNS name or an IP literal, no brackets */
	unsigned port;
	enum imap_security security;
	const char *pin;           /* CURLOPT_RESOLVE entry (netcheck_resolve), or NULL / "" */
	const char *ca_file;       /* CA bundle, or NULL for the system's */
	long connect_timeout;      /* seconds */
	long timeout;              /* seconds, in all */
};

/* Connects over TLS (IMAPS, or STARTTLS required before the login), verifies
 * the certificate and the host name, logs in and says NOOP.  The server's own
 * words go to the log, never the password. */
enum imap_result imap_login(const struct imap_server *server, const char *username,
			    const char *password);

#endif
