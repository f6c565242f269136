/* imap_connect.h — connecting an inbox with an IMAP user name and password
 * (imap_connect.c): a user's own, for the route table of the settings program,
 * and a conversation inbox's email channel, for the inbox program's. */
#ifndef IP_IMAP_CONNECT_H
#define IP_IMAP_CONNECT_H

#include "app.h"
#include "form.h"

extern const struct form imap_connect_form; /* the POST's declared fields */

void imap_connect_page(struct ctx *ctx); /* GET /settings/email/connect/imap */
void imap_connect(struct ctx *ctx);      /* POST /settings/email/connect/imap (ROUTE_SLOW_WORK) */

/* The same for the conversation inbox {inbox}: 404 when there is none. */
void channel_imap_connect_page(struct ctx *ctx); /* GET /inbox/{inbox}/channels/connect/imap */
void channel_imap_connect(struct ctx *ctx);      /* POST the same (ROUTE_SLOW_WORK) */

#endif
