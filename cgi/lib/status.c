/* status.c — the single mapping from core outcomes to HTTP status codes. */
#include "config.h"

#include "status.h"

int status_http_code(enum status st)
{
	static const int codes[ST__MAX] = {
		[ST_OK] = 200,
		[ST_BAD_REQUEST] = 400,
		[ST_FORBIDDEN] = 403,
		[ST_NOT_FOUND] = 404,
		[ST_METHOD] = 405,
		[ST_CONFLICT] = 409,
		[ST_GONE] = 410,
		[ST_TOO_LARGE] = 413,
		[ST_UNSUPPORTED_TYPE] = 415,
		[ST_TOO_MANY] = 429,
		[ST_INTERNAL] = 500,
		[ST_UNAVAILABLE] = 503,
		[ST_PROVIDER_REFUSED] = 502,
		[ST_PROVIDER_TIMEOUT] = 504,
	};

	if ((unsigned)st >= ST__MAX)
		return 500;
	return codes[st];
}

const char *status_http_reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}
