/* demo.h — the demo data of `inboxpanel demo-seed`. */
#ifndef IP_DEMO_H
#define IP_DEMO_H

#include "conf.h"
#include "db.h"

/* Gives the demo users inboxes in every state, tokens sealed with the real key.
 * With sandbox (the sandbox provider's base URL), the OAuth inboxes' tokens are
 * minted there, so revoking or checking them is real; without it they are
 * random strings no provider knows.  Returns 0, or 1 with a message on stderr. */
int demo_seed(const struct conf *conf, struct db *db, const char *sandbox);

#endif
