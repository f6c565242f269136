/* supervise.c — the prefork supervisor of the programs. */
#include "config.h"

#include <errno.h>
#include <fcgiapp.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "supervise.h"
#include "util.h"

int supervise_open_socket(const char *address, const char *group)
{
	int fd;

	if (address[0] == '/') {
		mode_t old = umask(0117); /* created 0660: owner and nginx's group */

		fd = FCGX_OpenSocket(address, 128);
		umask(old);
		if (fd < 0) {
			log_error("--socket %s: cannot listen: %s", address, strerror(errno));
			return -1;
		}
		if (group != NULL) {
			struct group *g = getgrnam(group);

			if (g == NULL || chown(address, (uid_t)-1, g->gr_gid) != 0) {
				log_error("--socket-group %s: cannot give the socket to this group", group);
				close(fd);
				return -1;
			}
		}
		return fd;
	}
	/* An address without a host would make libfcgi listen on every interface,
	 * which only nginx should ever reach. */
	if (strncmp(address, "127.", 4) != 0 || strchr(address, ':') == NULL) {
		log_error("--socket %s: give a socket path or 127.0.0.1:PORT (never all interfaces)",
			  address);
		return -1;
	}
	fd = FCGX_OpenSocket(address, 128);
	if (fd < 0)
		log_error("--socket %s: cannot listen: %s", address, strerror(errno));
	return fd;
}

struct worker_slot {
	pid_t pid;
	time_t started;
	time_t next_start;
	long delay; /* seconds before the next start, doubled by each quick death */
};

#define QUICK_DEATH 10 /* seconds: a worker dead sooner than this is restarted later */
#define MAX_DELAY 30

static pid_t start_worker(int (*run)(void *arg), void *arg, struct worker_slot *slots)
{
	pid_t pid = fork();

	if (pid == 0) {
		/* A worker ends like a program, having freed all, so that LeakSanitizer
		 * (which runs at exit) checks its whole life. */
		free(slots);
		exit(run(arg));
	}
	if (pid < 0)
		log_error("fork: %s", strerror(errno));
	return pid;
}

/* Records a worker's end; 1 when the supervisor should stop (a worker could not
 * start at all).  A worker that crashed soon after its start is restarted after a
 * growing delay, so that a request that kills workers cannot make them spin. */
static int worker_ended(struct worker_slot *slot, int status, time_t now)
{
	pid_t pid = slot->pid;

	slot->pid = 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == SUPERVISE_SETUP_FAILED) {
		log_error("worker %ld could not start (see above); stopping", (long)pid);
		return 1;
	}
	if (now - slot->started < QUICK_DEATH)
		slot->delay = slot->delay == 0 ? 1 : slot->delay * 2 > MAX_DELAY ? MAX_DELAY : slot->delay * 2;
	else
		slot->delay = 0;
	slot->next_start = now + slot->delay;
	log_error("worker %ld ended (%s %d); another starts in %ld s", (long)pid,
		  WIFSIGNALED(status) ? "signal" : "status",
		  WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), slot->delay);
	return 0;
}

/* The signals stay blocked and are taken with sigtimedwait, so none can slip in
 * between a check and a wait. */
int supervise(int workers, int (*run)(void *arg), void *arg, const char *socket_path)
{
	struct worker_slot *slots = xcalloc((size_t)workers, sizeof(*slots));
	struct timespec tick = { 1, 0 };
	sigset_t signals, old;
	int rc = 0, alive, stopping = 0;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&signals);
	sigaddset(&signals, SIGTERM);
	sigaddset(&signals, SIGINT);
	sigaddset(&signals, SIGCHLD);
	sigprocmask(SIG_BLOCK, &signals, &old);

	while (!stopping) {
		time_t now = time(NULL);
		pid_t pid;
		int status, sig;

		for (int i = 0; i < workers; i++)
			if (slots[i].pid == 0 && now >= slots[i].next_start) {
				slots[i].pid = start_worker(run, arg, slots);
				slots[i].started = now;
				if (slots[i].pid < 0) {
					slots[i].pid = 0;
					slots[i].next_start = now + 1;
				}
			}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (int i = 0; i < workers; i++)
				if (slots[i].pid == pid && worker_ended(&slots[i], status, now)) {
					stopping = 1;
					rc = 1;
				}
		if (stopping)
			break;
		sig = sigtimedwait(&signals, NULL, &tick);
		if (sig == SIGTERM || sig == SIGINT)
			stopping = 1;
	}
	/* SIGTERM again every 100 ms: one that reached a worker just before its
	 * accept() would otherwise go unnoticed.  After 10 s, SIGKILL. */
	for (int waited = 0;; waited++) {
		pid_t pid;

		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			for (int i = 0; i < workers; i++)
				if (slots[i].pid == pid)
					slots[i].pid = 0;
		alive = 0;
		for (int i = 0; i < workers; i++)
			if (slots[i].pid > 0) {
				alive = 1;
				kill(slots[i].pid, waited < 100 ? SIGTERM : SIGKILL);
			}
		if (!alive)
			break;
		usleep(100 * 1000);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (socket_path != NULL)
		unlink(socket_path);
	free(slots);
	return rc;
}
