/* worker.h — the outbox worker: `inboxpanel worker [--once]` and the
 * inboxpanel-worker program. */
#ifndef IP_WORKER_H
#define IP_WORKER_H

#include "conf.h"

/* Runs until SIGTERM or SIGINT (finishing the provider calls in flight), or with
 * once set until nothing is due (cron on shared hosting).  Returns the exit
 * status: 0, or 1 when it could not start (a line on stderr says why). */
int worker_run(const struct conf *conf, int once);

#endif
