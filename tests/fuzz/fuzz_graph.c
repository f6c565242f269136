/* fuzz_graph.c — the panel's reading of Microsoft Graph's answers during a
 * revocation (cgi/lib/revoke.c): the service principal, the list of permission
 * grants, and Graph's error body.
 *
 * Input: one answer body, read as each of the three.  The grants are matched
 * against the fixed service principal and user below (fuzz/graph.dict has them),
 * so that the fuzzer can build grants to delete. */
#include "config.h"

#include "fuzz.h"
#include "oauth.h"
#include "revoke.h"

#define CLIENT "1f2e3d4c-0000-4000-8000-00000000a001"
#define PRINCIPAL "9a8b7c6d-0000-4000-8000-00000000b002"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_bytes(data, size);
	char id[REVOKE_GRAPH_ID_SIZE], code[64], small[4];
	struct revoke_grants grants;

	/* An id that goes into the next call's OData filter is one of Graph's. */
	if (revoke_service_principal_id(body, size, id) == 0)
		FUZZ_CHECK(revoke_graph_id_valid(id));
	else
		FUZZ_CHECK(id[0] == '\0');

	/* Never more than one try's deletions, each with an id it can name. */
	if (revoke_grants_parse(body, size, CLIENT, PRINCIPAL, &grants) == 0) {
		FUZZ_CHECK(grants.count <= REVOKE_GRANTS_MAX);
		for (size_t i = 0; i < grants.count; i++)
			FUZZ_CHECK(grants.ids[i][0] != '\0' &&
				   strlen(grants.ids[i]) <= REVOKE_GRANT_ID_MAX);
	}
	revoke_grants_free(&grants);
	FUZZ_CHECK(grants.ids == NULL && grants.count == 0);

	revoke_graph_error_code(body, size, code, sizeof(code));
	FUZZ_CHECK(strlen(code) < sizeof(code) && oauth_code_valid(code));
	revoke_graph_error_code(body, size, small, sizeof(small));
	FUZZ_CHECK(strlen(small) < sizeof(small));
	free(body);
	return 0;
}
