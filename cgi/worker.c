/* worker.c — the outbox worker: revocations at the providers (rule 4), the
 * health checks of connected inboxes (rule 9), the notification emails and the
 * mails that carry a password link.
 *
 * It is the only process that opens sealed tokens.  Jobs are claimed with a
 * lease, so a worker killed in the middle of a batch loses nothing: its jobs are
 * taken again when their lease runs out, and a job ends exactly once (the end is
 * written only by the worker that holds the lease, and only while it is still
 * pending).  Calls run concurrently through libcurl's multi interface, so one
 * slow provider holds up none of the others; the outcomes that came in are
 * written together, each with its audit row, in the transaction that claims the
 * next jobs.
 *
 * Emails go one after the other, each a short blocking SMTP conversation to the
 * one configured server (bounded by Worker.timeout): the server is usually on
 * this machine or next to it, and a failure puts off the rest of the batch
 * instead of waiting on each of them in turn. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "conn.h"
#include "crypto.h"
#include "db.h"
#include "http.h"
#include "outbox.h"
#include "refresh.h"
#include "revoke.h"
#include "keyring.h"
#include "mail.h"
#include "notify.h"
#include "seal_store.h"
#include "tmpl.h"
#include "userlink.h"
#include "util.h"
#include "worker.h"

struct worker {
	const struct conf *conf;
	struct db *db;
	struct keyring *ring;     /* the private keys: open the tokens */
	struct keyring_sealer *sealer; /* the newest public key: seals rotated tokens */
	struct http_pool *pool;
	char owner[64];           /* this worker's name on the leases it takes */
	int in_flight;            /* jobs and checks started and not yet recorded */
	int fifo;                 /* Worker.wakeup, read end; -1 without one */
	struct job_run *ended;    /* revocations with an outcome, to record together */
	int ended_count;          /* how many */
	long long first_ended_ms; /* when the oldest of them came in (monotonic) */
};

struct job_run {
	struct worker *w;
	struct outbox_job job;
	struct revoke_result result;
	struct job_run *next; /* in w->ended */
};

struct check_run {
	struct worker *w;
	struct conn_health health;
};

static const struct audit_actor worker_actor = { 0, "worker", "" };

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	(void)sig;
	stopping = 1;
}

/* Opens a sealed token, bound to its connection's row (a revocation job's copy
 * too); NULL (logged, nothing of it kept) when it does not open. */
static char *open_token(struct worker *w, const unsigned char *box, size_t len, long long conn_id)
{
	struct seal_store_context c;
	uint8_t *plain = NULL;
	size_t plain_len = 0;
	enum seal_status st;

	if (box == NULL || seal_store_context_of(w->db, conn_id, &c) != ST_OK)
		return NULL;
	st = keyring_open(w->ring, &c.ctx, box, len, &plain, &plain_len);
	if (st != SEAL_OK) {
		log_error("connection %lld: its token cannot be opened: %s", conn_id,
			  seal_status_text(st));
		return NULL;
	}
	return (char *)plain;
}

static void forget(char *secret)
{
	if (secret != NULL) {
		OPENSSL_cleanse(secret, strlen(secret));
		free(secret);
	}
}

/* Full jitter (a random wait up to a ceiling that doubles with each try, capped),
 * and never sooner than the provider asked. */
static long retry_delay(const struct conf *conf, long attempts, long retry_after)
{
	long ceiling = conf->worker_backoff_base;
	uint32_t r = 0;
	long delay;

	for (long i = 0; i < attempts && ceiling < conf->worker_backoff_max; i++)
		ceiling *= 2;
	if (ceiling > conf->worker_backoff_max)
		ceiling = conf->worker_backoff_max;
	crypto_random(&r, sizeof(r));
	delay = 1 + (long)(r % (uint32_t)ceiling);
	/* Times are whole seconds and this one is already partly gone: one more
	 * keeps the provider's Retry-After a lower bound. */
	return retry_after >= 0 && retry_after + 1 > delay ? retry_after + 1 : delay;
}

/* --- revocations -------------------------------------------------------------------- */

static const char *const outcome_actions[OUTBOX_STATE__MAX] = {
	[OUTBOX_DONE] = "revocation.done",
	[OUTBOX_MANUAL] = "revocation.manual",
	[OUTBOX_FAILED] = "revocation.failed",
};

/* Writes a job's end, or its next try, with the audit row of an end. */
static void record_revocation(struct worker *w, const struct outbox_job *job,
			      const struct revoke_result *in)
{
	struct revoke_result r = *in;
	time_t now = now_utc();
	char target[40], detail[400];
	int ended = 0;
	enum status st;

	if (r.state == OUTBOX_PENDING && job->attempts + 1 >= w->conf->worker_max_attempts) {
		r.state = OUTBOX_FAILED;
		snprintf(r.reason, sizeof(r.reason), "gave_up");
	}
	if ((st = db_begin_write(w->db)) != ST_OK)
		goto fail;
	if (r.state == OUTBOX_PENDING) {
		time_t next = now + retry_delay(w->conf, job->attempts, r.retry_after);

		st = outbox_retry_revocation(w->db, job, w->owner, next, r.reason, r.code, now);
	} else {
		st = outbox_end_revocation(w->db, job, w->owner, r.state, r.reason, r.code, now, &ended);
		if (st == ST_OK && ended) {
			snprintf(target, sizeof(target), "connection:%lld", job->connection_id);
			snprintf(detail, sizeof(detail), "%s%s%s", job->address, r.code[0] ? " " : "",
				 r.code);
			st = audit_write(w->db, &worker_actor, now, outcome_actions[r.state], target,
					 detail);
		}
		/* The States section: a revocation given up on tells its owner and the
		 * super admins (a team channel: rule 6's people), with its end. */
		if (st == ST_OK && ended && r.state == OUTBOX_FAILED)
			st = notify_connection_lost(w->db, job->connection_id, NOTIFY_REVOCATION_FAILED,
						    "failed", worker_actor.name, now, NULL);
	}
	if (st != ST_OK) {
		db_rollback(w->db);
		goto fail;
	}
	if ((st = db_commit(w->db)) != ST_OK)
		goto fail;
	if (r.state != OUTBOX_PENDING && !ended)
		log_info("revocation %lld was taken by another worker; its outcome is theirs", job->id);
	return;
fail:
	/* The lease runs out and the job is tried again: nothing is lost. */
	log_error("revocation %lld: cannot record its outcome", job->id);
}

/* An outcome waits for the others that end in the same turn of the loop: they
 * are written in one transaction (revocations_turn), since each commit is a sync to
 * disk and the calls themselves take only milliseconds. */
static long long monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void revocation_done(void *arg, const struct revoke_result *r)
{
	struct job_run *run = arg;

	run->result = *r;
	if (run->w->ended == NULL)
		run->w->first_ended_ms = monotonic_ms();
	run->next = run->w->ended;
	run->w->ended = run;
	run->w->ended_count++;
}

/* Outcomes and claims go to the database together, in batches: each transaction
 * is a sync to disk.  With a claim and a record for every call the disk was the
 * limit (176 jobs/s at 32 in parallel and 50 ms a call, where 640/s is the
 * ceiling); with claims and outcomes in transactions of their own, a freed slot
 * waited for two syncs before its next call started.  Now a turn writes the
 * outcomes that came in and, in the same transaction, claims as many jobs as
 * slots are free. */
static int dispatch_batch(const struct worker *w)
{
	int batch = (int)w->conf->worker_parallel / 4;

	return batch < 1 ? 1 : batch;
}

/* Outcomes wait for a batch, for every call in flight to have ended, or at most
 * OUTCOME_WAIT_MS: a slot waits that long at most, against a call's own tens of
 * milliseconds. */
#define OUTCOME_WAIT_MS 20

/* How long the outcomes that came in may still wait, in milliseconds. */
static int outcomes_wait_ms(const struct worker *w)
{
	long long left = OUTCOME_WAIT_MS - (monotonic_ms() - w->first_ended_ms);

	return left < 0 ? 0 : left > OUTCOME_WAIT_MS ? OUTCOME_WAIT_MS : (int)left;
}

static int outcomes_due(const struct worker *w)
{
	return w->ended != NULL &&
	       (stopping || w->ended_count >= dispatch_batch(w) || w->ended_count >= w->in_flight ||
		outcomes_wait_ms(w) == 0);
}

/* Records the outcomes that came in (inside the caller's transaction when it
 * opened one, each in its own otherwise).  Should the transaction fail, nothing
 * of it stays and the jobs, still leased, are tried again once their lease runs
 * out: a revocation said twice is still one revocation. */
static void record_outcomes(struct worker *w)
{
	struct job_run *run, *next;

	for (run = w->ended; run != NULL; run = next) {
		next = run->next;
		record_revocation(w, &run->job, &run->result);
		w->in_flight--;
		outbox_job_clear(&run->job);
		free(run);
	}
	w->ended = NULL;
	w->ended_count = 0;
}

static void start_revocation(struct worker *w, struct job_run *run)
{
	char *token = NULL;

	if (prov_table[run->job.provider].revocation == PROV_REVOKE_TOKEN) {
		token = open_token(w, run->job.sealed_token, run->job.sealed_token_len,
				   run->job.connection_id);
		if (token == NULL) {
			struct revoke_result r = { OUTBOX_FAILED, -1, "unreadable", "" };

			w->in_flight++;
			revocation_done(run, &r);
			return;
		}
	}
	w->in_flight++;
	revoke_start(w->pool, w->conf, &run->job, token, revocation_done, run);
	forget(token);
}

/* One turn of the revocations: the outcomes that are due written and the free
 * slots claimed, in one transaction; then the claimed calls start.  Claims
 * alone wait for a batch of free slots (or an idle worker), as a sync each.
 * Returns the number claimed. */
static int revocations_turn(struct worker *w)
{
	struct outbox_job jobs[64];
	int busy = w->in_flight - w->ended_count; /* still calling once the outcomes are in */
	int room = (int)w->conf->worker_parallel - busy, count = 0, claim, record;

	if (room > (int)ARRAY_LEN(jobs))
		room = (int)ARRAY_LEN(jobs);
	record = outcomes_due(w);
	claim = !stopping && room > 0 && (record || busy == 0 || room >= dispatch_batch(w));
	if (!record && !claim)
		return 0;
	if (db_begin_write(w->db) != ST_OK) {
		if (record)
			record_outcomes(w); /* each in a transaction of its own */
		return 0;
	}
	if (record)
		record_outcomes(w);
	if (claim && outbox_claim_revocations(w->db, w->owner, now_utc(), w->conf->worker_lease,
					      jobs, room, &count) != ST_OK)
		count = 0;
	if (db_commit(w->db) != ST_OK) {
		/* Neither the outcomes nor the leases were written: the jobs claimed
		 * are not this worker's, and must not start. */
		log_error("a turn of revocations could not be recorded; their jobs are tried "
			  "again after their lease");
		for (int i = 0; i < count; i++)
			outbox_job_clear(&jobs[i]);
		return 0;
	}
	for (int i = 0; i < count; i++) {
		struct job_run *run = xcalloc(1, sizeof(*run));

		run->w = w;
		run->job = jobs[i];
		start_revocation(w, run);
	}
	return count;
}

/* --- health checks ------------------------------------------------------------------- */

static void record_check(struct worker *w, const struct conn_health *h,
			 const struct refresh_result *r)
{
	uint8_t *sealed = NULL;
	size_t sealed_len = 0;
	int disconnected = 0;
	enum status st = ST_OK;

	if (r->verdict == OAUTH_TRANSIENT) {
		/* A timeout, a 5xx, a 429: says nothing about the token. */
		log_info("connection %lld: health check inconclusive (%s)", h->id, r->code);
		return;
	}
	if (r->verdict == OAUTH_OK && r->refresh_token != NULL) {
		struct seal_store_context c;
		char err[256];

		/* Sealed for the row, like every token, with the newest public key. */
		if (seal_store_context_of(w->db, h->id, &c) != ST_OK ||
		    keyring_sealer_box(w->sealer, &c.ctx, (const uint8_t *)r->refresh_token,
				       strlen(r->refresh_token), &sealed, &sealed_len, err,
				       sizeof(err)) != 0) {
			/* The provider killed the old token: this one must not be lost.
			 * Nothing can keep it, so the inbox will need a reconnect. */
			log_error("connection %lld: cannot seal its new refresh token", h->id);
			return;
		}
	}
	if (db_begin_write(w->db) != ST_OK)
		goto out;
	if (r->verdict == OAUTH_OK) {
		st = conn_record_health_ok(w->db, h->id, sealed, sealed_len);
		/* Removed meanwhile: the rotated token belongs to its revocation job now. */
		if (st == ST_NOT_FOUND)
			st = sealed != NULL ? outbox_replace_token(w->db, h->id, sealed, sealed_len)
					    : ST_OK;
	} else {
		st = conn_record_health_refusal(w->db, &worker_actor, h->id, r->code,
						w->conf->health_refusals, now_utc(), &disconnected);
	}
	if (st != ST_OK || db_commit(w->db) != ST_OK) {
		db_rollback(w->db);
		log_error("connection %lld: cannot record its health check", h->id);
	} else if (disconnected) {
		log_info("connection %lld disconnected: the provider refused its token (%s)", h->id,
			 r->code);
	}
out:
	free(sealed);
}

static void check_done(void *arg, const struct refresh_result *r)
{
	struct check_run *run = arg;

	record_check(run->w, &run->health, r);
	run->w->in_flight--;
	conn_health_clear(&run->health);
	free(run);
}

static int claim_checks(struct worker *w, int room)
{
	struct conn_health due[64];
	int count = 0;

	if (room <= 0)
		return 0;
	if (room > (int)ARRAY_LEN(due))
		room = (int)ARRAY_LEN(due);
	if (db_begin_write(w->db) != ST_OK)
		return 0;
	if (conn_claim_health_checks(w->db, now_utc(), w->conf->health_interval, due, room, &count) !=
		    ST_OK ||
	    db_commit(w->db) != ST_OK) {
		db_rollback(w->db);
		for (int i = 0; i < count; i++)
			conn_health_clear(&due[i]);
		return 0;
	}
	for (int i = 0; i < count; i++) {
		struct check_run *run = xcalloc(1, sizeof(*run));
		char *token = open_token(w, due[i].sealed_token, due[i].sealed_token_len, due[i].id);

		run->w = w;
		run->health = due[i];
		w->in_flight++;
		if (token == NULL) {
			struct refresh_result r = { OAUTH_TRANSIENT, "unreadable", NULL };

			check_done(run, &r);
			continue;
		}
		refresh_start(w->pool, w->conf, run->health.provider, token, check_done, run);
		forget(token);
	}
	return count;
}

/* --- notification emails ------------------------------------------------------------ */

/* A mail's parts, rendered in its person's language. */
struct mail_draft {
	const struct worker *w;
	int found;
	int deactivated;
	char *to;
	char *to_name;
	time_t date;
	struct buf text;  /* "Subject: ...", an empty line, the text part */
	struct buf html;
	const char *subject; /* in text, after "Subject: " */
	const char *body;    /* in text, after the empty line */
};

static void draft_mail(const struct notification *n, const struct notify_person *p,
		       int deactivated, void *arg)
{
	struct mail_draft *d = arg;
	HDF *lang = tmpl_lang(p->language[0] != '\0' ? p->language : tmpl_languages[0]);
	struct notify_words words;
	HDF *data = NULL;
	char *link = notify_link(n), *date;

	d->found = 1;
	d->deactivated = deactivated;
	d->to = xstrdup(p->email);
	d->to_name = xstrdup(p->name);
	d->date = (time_t)n->created_at;
	if (lang == NULL || hdf_init(&data) != STATUS_OK)
		goto out;
	notify_words_of(lang, n, &words);
	date = tmpl_date(lang, (time_t)n->created_at);
	tmpl_set(data, "Mail.subject", words.subject);
	tmpl_set(data, "Mail.text", words.text);
	tmpl_set(data, "Mail.cause", words.cause);
	tmpl_set(data, "Mail.address", n->address);
	tmpl_set(data, "Mail.inbox", n->inbox_name);
	tmpl_set(data, "Mail.date", date);
	tmpl_setf(data, "Mail.link", "%s%s", d->w->conf->base_url, link);
	tmpl_set(data, "Page.lang", p->language[0] != '\0' ? p->language : tmpl_languages[0]);
	if (tmpl_render_mail("mail/notification.cs", data, lang, &d->text) != ST_OK ||
	    tmpl_render("mail/notification.html.cs", data, lang, &d->html) != ST_OK) {
		buf_reset(&d->text);
		buf_reset(&d->html);
	}
	notify_words_clear(&words);
	free(date);
out:
	hdf_destroy(&data);
	free(link);
}

static void mail_draft_clear(struct mail_draft *d)
{
	free(d->to);
	free(d->to_name);
	buf_free(&d->text);
	buf_free(&d->html);
}

/* Splits the text template's "Subject: ..." line from its body, in place. */
static int split_subject(struct mail_draft *d)
{
	char *text = d->text.data, *end;

	if (text == NULL || strncmp(text, "Subject: ", 9) != 0 || (end = strstr(text, "\n\n")) == NULL)
		return -1;
	*end = '\0';
	d->subject = text + 9;
	d->body = end + 2;
	return 0;
}

/* --- password links ----------------------------------------------------------------- */

/* Cleanses a buffer that held a link's token, then frees it. */
static void buf_forget(struct buf *b)
{
	if (b->data != NULL)
		OPENSSL_cleanse(b->data, b->cap);
	buf_free(b);
}

/* Drafts the mail of a link job: its token opened (bound to the link's row)
 * into the link, in its person's language.  d->found stays 0 when the link,
 * the person or the job is gone, or the token does not open (logged). */
static enum status draft_link(struct worker *w, const struct outbox_email *job,
			      struct mail_draft *d)
{
	struct userlink_mail m;
	struct seal_context ctx;
	const char *code;
	HDF *lang, *data = NULL;
	uint8_t *token = NULL;
	size_t token_len = 0;
	char *expires;
	enum seal_status sst;
	enum status st;

	if ((st = userlink_for_mail(w->db, job->id, job->link_id, now_utc(), &m)) != ST_OK)
		return st;
	d->found = 1;
	/* Used, expired or its person deactivated: a mail would bring nothing. */
	d->deactivated = !m.usable;
	d->to = xstrdup(m.email);
	d->to_name = xstrdup(m.name);
	d->date = now_utc();
	code = m.language[0] != '\0' ? m.language : tmpl_languages[0];
	if (d->deactivated || (lang = tmpl_lang(code)) == NULL)
		goto out;
	userlink_seal_context(m.link_id, m.email, m.purpose, &ctx);
	sst = m.sealed_token != NULL
		      ? keyring_open(w->ring, &ctx, m.sealed_token, m.sealed_token_len, &token, &token_len)
		      : SEAL_NOT_OPENED;
	if (sst != SEAL_OK) {
		log_error("email job %lld: the link's token cannot be opened: %s", job->id,
			  seal_status_text(sst));
		d->found = 0;
		goto out;
	}
	if (hdf_init(&data) != STATUS_OK)
		goto out;
	expires = tmpl_date(lang, (time_t)m.expires_at);
	tmpl_set(data, "Mail.purpose", userlink_purpose_names[m.purpose]);
	tmpl_set(data, "Mail.name", m.name[0] != '\0' ? m.name : m.email);
	tmpl_set(data, "Mail.address", m.email);
	tmpl_set(data, "Mail.expires", expires);
	tmpl_setf(data, "Mail.link", "%s/password/%s", w->conf->base_url, (const char *)token);
	tmpl_set(data, "Page.lang", code);
	if (tmpl_render_mail("mail/link.cs", data, lang, &d->text) != ST_OK ||
	    tmpl_render("mail/link.html.cs", data, lang, &d->html) != ST_OK) {
		buf_forget(&d->text);
		buf_forget(&d->html);
		buf_init(&d->text);
		buf_init(&d->html);
	}
	free(expires);
	/* The link in the HDF goes with it (ClearSilver frees without cleansing:
	 * overwrite it first). */
	tmpl_set(data, "Mail.link", "");
	hdf_destroy(&data);
out:
	if (token != NULL) {
		OPENSSL_cleanse(token, token_len);
		free(token);
	}
	userlink_mail_clear(&m);
	return ST_OK;
}

/* Sends one claimed job's mail; what came of it in r. */
static void send_mail(struct worker *w, const struct outbox_email *job, struct mail_result *r)
{
	struct mail_draft d;
	char *message_id;
	enum status st;

	memset(&d, 0, sizeof(d));
	memset(r, 0, sizeof(*r));
	d.w = w;
	buf_init(&d.text);
	buf_init(&d.html);
	if (job->link_id != 0)
		st = draft_link(w, job, &d);
	else
		st = notify_for_mail(w->db, job->notification_id, draft_mail, &d);
	if (st != ST_OK || !d.found) {
		r->outcome = st == ST_NOT_FOUND || st == ST_OK ? MAIL_PERMANENT : MAIL_TRANSIENT;
		snprintf(r->error, sizeof(r->error), "%s",
			 st == ST_OK ? "the link's token does not open"
			 : st == ST_NOT_FOUND ? (job->link_id ? "no such link" : "no such notification")
					      : "cannot read what to mail");
	} else if (d.deactivated && job->link_id != 0) {
		r->outcome = MAIL_PERMANENT;
		snprintf(r->error, sizeof(r->error), "the link was used, expired or its person deactivated");
	} else if (d.deactivated) {
		r->outcome = MAIL_PERMANENT;
		snprintf(r->error, sizeof(r->error), "the recipient is deactivated");
	} else if (split_subject(&d) != 0 || d.html.len == 0) {
		r->outcome = MAIL_PERMANENT;
		snprintf(r->error, sizeof(r->error), "the mail templates did not render");
	} else {
		struct mail m = {
			.from = w->conf->smtp_from,
			.to = d.to,
			.to_name = d.to_name,
			.subject = d.subject,
			.date = d.date,
			.text = d.body,
			.html = d.html.data,
		};

		message_id = mail_message_id(job->id, job->notification_id,
					     w->conf->smtp_from != NULL ? w->conf->smtp_from : "");
		m.message_id = message_id;
		mail_send(w->conf, &m, r);
		free(message_id);
	}
	if (job->link_id != 0) {
		buf_forget(&d.text);
		buf_forget(&d.html);
	}
	mail_draft_clear(&d);
}

/* Writes a mail job's end or its next try. */
static void record_mail(struct worker *w, const struct outbox_email *job,
			const struct mail_result *r)
{
	time_t now = now_utc();
	enum outbox_state end = r->outcome == MAIL_SENT ? OUTBOX_DONE : OUTBOX_FAILED;
	int retry = r->outcome == MAIL_TRANSIENT && job->attempts + 1 < w->conf->worker_max_attempts;
	char code[16];
	int ended = 0;
	enum status st;

	snprintf(code, sizeof(code), "%ld", r->smtp_code);
	if (r->outcome != MAIL_SENT)
		log_error("email job %lld (%s %lld): %s%s", job->id,
			  job->link_id ? "link" : "notification",
			  job->link_id ? job->link_id : job->notification_id, r->error,
			  retry ? "; tried again later" : "; given up");
	if ((st = db_begin_write(w->db)) != ST_OK)
		goto fail;
	if (retry)
		st = outbox_retry_email(w->db, job, w->owner,
					now + retry_delay(w->conf, job->attempts, -1), r->error,
					r->smtp_code ? code : "", now);
	else
		st = outbox_end_email(w->db, job, w->owner, end, r->error,
				      r->smtp_code ? code : "", now, &ended);
	if (st != ST_OK) {
		db_rollback(w->db);
		goto fail;
	}
	if (db_commit(w->db) == ST_OK)
		return;
fail:
	/* The lease runs out and the mail is tried again, with the same Message-ID. */
	log_error("email job %lld: cannot record its outcome", job->id);
}

/* Puts the rest of a batch off until the server may be back, untried. */
static void put_off_mails(struct worker *w, const struct outbox_email *jobs, int count)
{
	time_t now = now_utc();

	if (count <= 0 || db_begin_write(w->db) != ST_OK)
		return;
	for (int i = 0; i < count; i++)
		if (outbox_release_email(w->db, &jobs[i], w->owner,
					 now + retry_delay(w->conf, jobs[i].attempts, -1), now) != ST_OK) {
			db_rollback(w->db);
			return;
		}
	if (db_commit(w->db) != ST_OK)
		db_rollback(w->db);
}

/* Claims the due email jobs and sends them; the number claimed.  No more are
 * claimed than can be sent, each taking the longest a mail may take, before
 * their lease runs out: another worker must never take one still being sent. */
static int send_mails(struct worker *w)
{
	struct outbox_email jobs[16];
	long longest = w->conf->worker_connect_timeout + w->conf->worker_timeout;
	int count = 0, max = (int)(w->conf->worker_lease / (longest > 0 ? longest : 1));

	if (max > (int)ARRAY_LEN(jobs))
		max = (int)ARRAY_LEN(jobs);
	if (max < 1)
		max = 1;
	if (stopping || db_begin_write(w->db) != ST_OK)
		return 0;
	if (outbox_claim_emails(w->db, w->owner, now_utc(), w->conf->worker_lease, jobs, max,
				&count) != ST_OK ||
	    db_commit(w->db) != ST_OK) {
		db_rollback(w->db);
		return 0;
	}
	for (int i = 0; i < count; i++) {
		struct mail_result r;

		send_mail(w, &jobs[i], &r);
		record_mail(w, &jobs[i], &r);
		if (r.outcome == MAIL_TRANSIENT) {
			put_off_mails(w, jobs + i + 1, count - i - 1);
			break;
		}
	}
	return count;
}

/* --- the loop -------------------------------------------------------------------------- */

static void heartbeat(struct worker *w)
{
	if (db_begin_write(w->db) != ST_OK || outbox_heartbeat(w->db, now_utc(), (long)getpid()) != ST_OK ||
	    db_commit(w->db) != ST_OK) {
		db_rollback(w->db);
		log_error("cannot record the heartbeat");
	}
}

/* Milliseconds to wait when idle: until the next job is due, at most the poll
 * interval (health checks and jobs queued by other means are found then). */
static int idle_wait_ms(struct worker *w)
{
	time_t now = now_utc(), due;
	long wait = w->conf->worker_poll_interval;

	if (outbox_next_due(w->db, &due) == ST_OK && due - now < wait)
		wait = due - now;
	if (wait < 0)
		wait = 0;
	return (int)(wait * 1000);
}

/* The FIFO the web programs poke: opened read-write so that it never reads as
 * closed between two writers.  Made when missing (mode 0620: the web programs'
 * group may write). */
static int open_fifo(const char *path)
{
	int fd;

	if (path == NULL)
		return -1;
	if (mkfifo(path, 0620) == 0) {
		/* Whatever the umask: the web programs' group must be able to write. */
		if (chmod(path, 0620) != 0)
			log_error("Worker.wakeup %s: cannot set its mode: %s", path, strerror(errno));
	} else if (errno != EEXIST) {
		log_error("Worker.wakeup %s: %s", path, strerror(errno));
		return -1;
	}
	fd = open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		log_error("Worker.wakeup %s: %s", path, strerror(errno));
	return fd;
}

/* Empties the FIFO; 1 when something had been written to it. */
static int drain_fifo(int fd)
{
	char buf[256];
	int poked = 0;

	if (fd >= 0)
		while (read(fd, buf, sizeof(buf)) > 0)
			poked = 1;
	return poked;
}

static void worker_free(struct worker *w)
{
	http_pool_free(w->pool);
	keyring_sealer_free(w->sealer);
	keyring_free(w->ring);
	db_close(w->db);
	tmpl_shutdown();
	if (w->fifo >= 0)
		close(w->fifo);
}

static int worker_start(struct worker *w, const struct conf *conf)
{
	char err[512];
	uint32_t nonce = 0;

	memset(w, 0, sizeof(*w));
	w->conf = conf;
	w->fifo = -1;
	/* The ring is checked whole (the public key names one of its keys), and core
	 * dumps are off: a core file would hold the private keys and open tokens. */
	w->ring = keyring_load(conf, err, sizeof(err));
	if (w->ring == NULL) {
		fprintf(stderr, "inboxpanel worker: %s\n", err);
		return -1;
	}
	w->sealer = keyring_sealer_new(conf, err, sizeof(err));
	if (w->sealer == NULL) {
		fprintf(stderr, "inboxpanel worker: %s\n", err);
		return -1;
	}
	if (tmpl_init(conf->template_dir, conf->lang_dir, err, sizeof(err)) != 0) {
		fprintf(stderr, "inboxpanel worker: %s\n", err);
		return -1;
	}
	w->db = db_open(conf->database_path, 0, err, sizeof(err));
	if (w->db == NULL) {
		fprintf(stderr, "inboxpanel worker: Database.path: %s (run `inboxpanel init` first)\n",
			err);
		return -1;
	}
	crypto_random(&nonce, sizeof(nonce));
	snprintf(w->owner, sizeof(w->owner), "worker-%ld-%08x", (long)getpid(), (unsigned)nonce);
	w->pool = http_pool_new((int)conf->worker_parallel, conf->worker_connect_timeout,
				conf->worker_timeout);
	w->fifo = open_fifo(conf->worker_wakeup);
	return 0;
}

int worker_run(const struct conf *conf, int once)
{
	struct worker w;
	struct sigaction sa;
	time_t last_beat = 0;
	int poked = 0;

	if (worker_start(&w, conf) != 0) {
		worker_free(&w);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info("worker %s started: at most %ld provider calls at once", w.owner,
		 conf->worker_parallel);
	while (!stopping) {
		int claimed;
		time_t now = now_utc();

		claimed = revocations_turn(&w);
		/* Mails the turn's outcomes queued (a revocation given up on). */
		poked |= (db_take_after_commit(w.db) & DB_AFTER_WAKE_WORKER) != 0;
		/* Health checks and mails are looked for once a second, when poked,
		 * and whenever no call is in flight: not on every turn of a drain,
		 * where each look is a write transaction that finds nothing. */
		if (now != last_beat || poked || w.in_flight == 0) {
			if (now != last_beat)
				heartbeat(&w);
			last_beat = now;
			poked = 0;
			claimed += claim_checks(&w, (int)conf->worker_parallel - w.in_flight);
			claimed += send_mails(&w);
		}
		if (once && claimed == 0 && w.in_flight == 0)
			break;
		http_pool_run(w.pool, w.fifo,
			      w.ended != NULL    ? outcomes_wait_ms(&w)
			      : w.in_flight > 0 ? 1000
						 : idle_wait_ms(&w));
		poked |= drain_fifo(w.fifo);
	}
	/* Stopping: the calls in flight finish and are recorded; nothing new starts. */
	while (w.in_flight > 0) {
		http_pool_run(w.pool, -1, w.ended != NULL ? outcomes_wait_ms(&w) : 1000);
		revocations_turn(&w);
	}
	heartbeat(&w);
	log_info("worker %s stopped", w.owner);
	worker_free(&w);
	return 0;
}
