-- 003: what the worker needs — leases on outbox jobs (a job whose worker died is
-- taken again), the account ids Microsoft's grant deletion asks for, and the
-- health checks' count of consecutive permanent refusals.

-- A job being worked on: until this time no other worker takes it (0 = free), and
-- the worker that holds it, so that one whose lease ran out cannot write over the
-- worker that took the job next.
ALTER TABLE outbox_jobs ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox_jobs ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
-- The provider's own code for the last error (shown in small type, for support).
ALTER TABLE outbox_jobs ADD COLUMN last_error_code TEXT NOT NULL DEFAULT '';

-- Microsoft: the user's tenant (the id token's tid), for the app token of the Graph
-- calls; provider_subject holds the user's object id (oid).  '' elsewhere.
ALTER TABLE email_connections ADD COLUMN provider_tenant TEXT NOT NULL DEFAULT '';
-- Health checks: when the token was last tried (a new one counts as tried when it
-- is connected), and how many tries in a row the provider refused it for good
-- (invalid_grant, revoked consent).
ALTER TABLE email_connections ADD COLUMN checked_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE email_connections ADD COLUMN refusals_in_a_row INTEGER NOT NULL DEFAULT 0;

-- The worker's pass over connected inboxes, oldest check first.
CREATE INDEX email_connections_due_check ON email_connections(state, checked_at);
