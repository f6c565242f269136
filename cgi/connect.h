/* connect.h — the pages that connect an inbox through OAuth (connect.c), and bring a
 * disconnected one back: a user's own, for the route table of the settings
 * program, and a conversation inbox's email channel, for the inbox program's. */
#ifndef IP_CONNECT_H
#define IP_CONNECT_H

#include "app.h"

void connect_scopes_page(struct ctx *ctx); /* GET /settings/email/connect/{provider} */
void connect_start(struct ctx *ctx);       /* POST /settings/email/connect/{provider} */
void reconnect_scopes_page(struct ctx *ctx); /* GET /settings/email/{id}/reconnect */
void reconnect_start(struct ctx *ctx);       /* POST /settings/email/{id}/reconnect */
void connect_callback(struct ctx *ctx);    /* GET /oauth/callback */

/* The same for an email channel of the conversation inbox {inbox}: 404 when
 * there is no such inbox, or the channel is not one of its own. */
void channel_connect_scopes_page(struct ctx *ctx);   /* GET /inbox/{inbox}/channels/connect/{provider} */
void channel_connect_start(struct ctx *ctx);         /* POST the same */
void channel_reconnect_scopes_page(struct ctx *ctx); /* GET /inbox/{inbox}/channels/{channel}/reconnect */
void channel_reconnect_start(struct ctx *ctx);       /* POST the same */

#endif
