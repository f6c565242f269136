/* supervise.h — a prefork supervisor: the listening socket, and N copies of a
 * worker kept alive, restarted with a backoff when they die, stopped on SIGTERM.
 * The web programs run their request loop under it; the outbox worker can too. */
#ifndef IP_SUPERVISE_H
#define IP_SUPERVISE_H

/* A worker that cannot start at all (no database, say) exits with this, and the
 * supervisor then stops too: the set-up, not a request, is at fault. */
#define SUPERVISE_SETUP_FAILED 3

/* A unix socket path (created 0660, given to group when not NULL), or
 * 127.x.y.z:PORT; never all interfaces.  The listening fd, or -1 (logged). */
int supervise_open_socket(const char *address, const char *group);

/* Runs `workers` forked copies of run(arg), each exiting with run's return value,
 * until SIGTERM or SIGINT; then stops them (SIGTERM, repeated; SIGKILL after
 * 10 s), removes socket_path when not NULL, and returns 0 — or 1 when a worker
 * ended with SUPERVISE_SETUP_FAILED. */
int supervise(int workers, int (*run)(void *arg), void *arg, const char *socket_path);

#endif
