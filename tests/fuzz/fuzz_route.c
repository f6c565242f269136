/* fuzz_route.c — route_find over a route table shaped like the panel's (the
 * pages of cgi/account.c and cgi/settings.c, and {word} and two-{id} pages like
 * those Steps 4–6 add).
 *
 * Input: one byte for the method (GET, HEAD, POST or another, by its value
 * modulo 4), then the decoded path as req_parse hands it over (cut at a NUL). */
#include "config.h"

#include "fuzz.h"
#include "route.h"

static const struct route routes[] = {
	{ METHOD_GET, "/", NULL, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/login", NULL, ROUTE_PUBLIC, NULL, NULL, NULL },
	{ METHOD_POST, "/login", NULL, ROUTE_PUBLIC | ROUTE_SLOW_WORK, NULL, NULL, NULL },
	{ METHOD_POST, "/logout", NULL, 0, NULL, NULL, NULL },
	{ METHOD_GET, "/healthz", NULL, ROUTE_PUBLIC, NULL, NULL, NULL },
	{ METHOD_GET, "/admin/audit", NULL, ROUTE_SUPER_ADMIN, NULL, NULL, "audit" },
	{ METHOD_GET, "/settings/email", NULL, 0, NULL, NULL, "email" },
	{ METHOD_GET, "/settings/email/connect", NULL, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/email/connect/{word}", NULL, ROUTE_SLOW_WORK, NULL, NULL, "email" },
	{ METHOD_GET, "/settings/email/callback/{word}", NULL, ROUTE_SLOW_WORK, NULL, NULL, "email" },
	{ METHOD_GET, "/settings/email/{id}/disable", NULL, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/email/{id}/disable", NULL, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/email/{id}/enable", NULL, 0, NULL, NULL, "email" },
	{ METHOD_GET, "/settings/email/{id}/remove", NULL, 0, NULL, NULL, "email" },
	{ METHOD_POST, "/settings/email/{id}/remove", NULL, 0, NULL, NULL, "email" },
	{ METHOD_GET, "/admin/accounts/{id}/users/{id}", NULL, ROUTE_ACCOUNT_ACCESS, NULL, NULL, NULL },
	{ METHOD_POST, "/admin/accounts/{id}/users/{id}/{word}", NULL, ROUTE_ACCOUNT_ACCESS, NULL,
	  NULL, NULL },
	{ METHOD_POST, "/settings/language", NULL, 0, NULL, NULL, NULL },
};

#define ROUTE_COUNT (sizeof(routes) / sizeof(routes[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum http_method methods[] = { METHOD_GET, METHOD_HEAD, METHOD_POST,
						    METHOD_OTHER };
	struct route_match m;
	enum http_method method;
	enum route_result res;
	char *path;

	if (size < 1)
		return 0;
	method = methods[data[0] % 4];
	path = fuzz_string(data + 1, size - 1);
	res = route_find(routes, ROUTE_COUNT, method, path, &m);
	FUZZ_CHECK(memchr(m.allow, '\0', sizeof(m.allow)) != NULL);
	if (res == ROUTE_FOUND) {
		FUZZ_CHECK(m.route >= routes && m.route < routes + ROUTE_COUNT);
		FUZZ_CHECK(m.route->method == method ||
			   (m.route->method == METHOD_GET && method == METHOD_HEAD));
		FUZZ_CHECK(m.id_count <= ROUTE_MAX_IDS && m.word_count <= ROUTE_MAX_IDS);
		for (size_t i = 0; i < m.id_count; i++)
			FUZZ_CHECK(m.ids[i] > 0);
		for (size_t i = 0; i < m.word_count; i++)
			FUZZ_CHECK(m.words[i][0] != '\0' && strlen(m.words[i]) <= 32 &&
				   strspn(m.words[i], "abcdefghijklmnopqrstuvwxyz0123456789-") ==
					   strlen(m.words[i]));
	} else {
		FUZZ_CHECK(m.route == NULL);
		/* A 405 always names the methods the page has. */
		FUZZ_CHECK(res != ROUTE_WRONG_METHOD || m.allow[0] != '\0');
	}
	free(path);
	return 0;
}
