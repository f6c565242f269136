/* route.c — matching a path against a route table.
 *
 * A path that has the shape of a page but a non-numeric id ("/settings/email/abc/
 * disable") is a malformed request (400), not a missing page; a page that exists
 * for another method answers 405 with the methods it has. */
#include "config.h"

#include <string.h>

#include "route.h"
#include "util.h"

enum segment_fit { FIT_NONE, FIT_FULL, FIT_BAD_ID };

static int word_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

static int token_char(char c)
{
	return word_char(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Compares pattern and path segment by segment, filling match on FIT_FULL. */
static enum segment_fit fit(const char *pattern, const char *path, struct route_match *match)
{
	enum segment_fit result = FIT_FULL;

	match->id_count = 0;
	match->word_count = 0;
	match->token[0] = '\0';
	while (*pattern == '/' && *path == '/') {
		const char *pat_seg = pattern + 1;
		const char *path_seg = path + 1;
		size_t pat_len = strcspn(pat_seg, "/");
		size_t path_len = strcspn(path_seg, "/");

		if (pat_len == 4 && memcmp(pat_seg, "{id}", 4) == 0) {
			long long id;

			if (path_len == 0)
				return FIT_NONE;
			if (parse_int_strict(path_seg, path_len, 1, 9223372036854775807LL, &id) != 0)
				result = FIT_BAD_ID;
			else if (match->id_count < ROUTE_MAX_IDS)
				match->ids[match->id_count++] = id;
		} else if (pat_len == 6 && memcmp(pat_seg, "{word}", 6) == 0) {
			if (path_len == 0 || path_len > 32)
				return FIT_NONE;
			for (size_t i = 0; i < path_len; i++)
				if (!word_char(path_seg[i]))
					return FIT_NONE;
			if (match->word_count < ROUTE_MAX_IDS) {
				memcpy(match->words[match->word_count], path_seg, path_len);
				match->words[match->word_count][path_len] = '\0';
				match->word_count++;
			}
		} else if (pat_len == 7 && memcmp(pat_seg, "{token}", 7) == 0) {
			if (path_len == 0 || path_len >= sizeof(match->token))
				return FIT_NONE;
			for (size_t i = 0; i < path_len; i++)
				if (!token_char(path_seg[i]))
					return FIT_NONE;
			memcpy(match->token, path_seg, path_len);
			match->token[path_len] = '\0';
		} else if (pat_len != path_len || memcmp(pat_seg, path_seg, pat_len) != 0) {
			return FIT_NONE;
		}
		pattern = pat_seg + pat_len;
		path = path_seg + path_len;
	}
	if (*pattern != '\0' || *path != '\0')
		return FIT_NONE;
	return result;
}

static int method_answers(enum http_method route_method, enum http_method method)
{
	return route_method == method || (route_method == METHOD_GET && method == METHOD_HEAD);
}

static void allow_add(char *allow, size_t size, const char *name)
{
	if (strstr(allow, name) != NULL)
		return;
	if (*allow != '\0')
		strncat(allow, ", ", size - strlen(allow) - 1);
	strncat(allow, name, size - strlen(allow) - 1);
}

enum route_result route_find(const struct route *routes, size_t count, enum http_method method,
			     const char *path, struct route_match *match)
{
	struct route_match scratch;
	int any_full = 0, any_bad_id = 0;

	memset(match, 0, sizeof(*match));
	for (size_t i = 0; i < count; i++) {
		enum segment_fit f = fit(routes[i].pattern, path, &scratch);

		if (f == FIT_BAD_ID)
			any_bad_id = 1;
		if (f != FIT_FULL)
			continue;
		any_full = 1;
		if (routes[i].method == METHOD_GET) {
			allow_add(match->allow, sizeof(match->allow), "GET");
			allow_add(match->allow, sizeof(match->allow), "HEAD");
		} else if (routes[i].method == METHOD_POST) {
			allow_add(match->allow, sizeof(match->allow), "POST");
		}
		if (method_answers(routes[i].method, method)) {
			char allow[sizeof(match->allow)];

			memcpy(allow, match->allow, sizeof(allow));
			*match = scratch;
			memcpy(match->allow, allow, sizeof(allow));
			match->route = &routes[i];
			return ROUTE_FOUND;
		}
	}
	if (any_full)
		return ROUTE_WRONG_METHOD;
	return any_bad_id ? ROUTE_BAD_ID : ROUTE_NOT_FOUND;
}
