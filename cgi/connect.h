/* connect.h — the pages that connect an inbox through OAuth (connect.c), and bring a
 * disconnected one back, for the route table of the settings program. */
#ifndef IP_CONNECT_H
#define IP_CONNECT_H

#include "app.h"

void connect_scopes_page(struct ctx *ctx); /* GET /settings/email/connect/{provider} */
void connect_start(struct ctx *ctx);       /* POST /settings/email/connect/{provider} */
void reconnect_scopes_page(struct ctx *ctx); /* GET /settings/email/{id}/reconnect */
void reconnect_start(struct ctx *ctx);       /* POST /settings/email/{id}/reconnect */
void connect_callback(struct ctx *ctx);    /* GET /oauth/callback */

#endif
