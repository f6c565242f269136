-- 002: connected inboxes (personal and team), the team's conversation inboxes, and
-- the outbox the worker drains (revocations at the provider, notification emails).

CREATE TABLE conversation_inboxes (
  id         INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,          -- shown in Conversations › Inbox
  created_at INTEGER NOT NULL
);

CREATE TABLE email_connections (
  id                   INTEGER PRIMARY KEY,
  kind                 TEXT NOT NULL CHECK (kind IN ('personal', 'team')),
  owner_user_id        INTEGER REFERENCES users(id),                -- personal: whose inbox it is
  inbox_id             INTEGER REFERENCES conversation_inboxes(id), -- team: the conversation inbox it feeds
  connected_by_user_id INTEGER REFERENCES users(id),                -- who connected it (told when a team email goes)
  provider             TEXT NOT NULL CHECK (provider IN ('google', 'microsoft', 'outlook', 'imap')),
  address              TEXT NOT NULL COLLATE NOCASE,                -- the mailbox
  state                TEXT NOT NULL CHECK (state IN ('connected', 'disabled', 'disconnected', 'removed')),
  sealed_token         BLOB,     -- refresh token (IMAP: password), sealed for the worker; NULL once removed
  scopes               TEXT NOT NULL DEFAULT '',  -- what the provider granted, space-separated
  provider_subject     TEXT NOT NULL DEFAULT '',  -- the provider's id for the account (Google sub, Microsoft oid)
  connected_at         INTEGER NOT NULL,
  state_changed_at     INTEGER NOT NULL,
  last_error           TEXT NOT NULL DEFAULT '',  -- what went wrong: a key of Lang.conn_error ('' = nothing),
                                                  -- so the list says it in the reader's language
  last_error_code      TEXT NOT NULL DEFAULT '',  -- the provider's own code, in small type for support
  CHECK ((kind = 'personal' AND owner_user_id IS NOT NULL AND inbox_id IS NULL) OR
         (kind = 'team' AND inbox_id IS NOT NULL)),
  CHECK (state <> 'removed' OR sealed_token IS NULL) -- a removed inbox keeps no access
);
CREATE INDEX email_connections_by_owner ON email_connections(owner_user_id, state);
CREATE INDEX email_connections_by_inbox ON email_connections(inbox_id, state);

CREATE TABLE outbox_jobs (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('revoke', 'email')),
  connection_id   INTEGER REFERENCES email_connections(id), -- revoke: whose access goes
  provider        TEXT NOT NULL DEFAULT '',  -- revoke: where, fixed when queued
  state           TEXT NOT NULL CHECK (state IN ('pending', 'done', 'manual', 'failed')),
  sealed_token    BLOB,      -- revoke: the token to revoke, moved here from the connection
  payload         TEXT NOT NULL DEFAULT '',  -- email: the message, as JSON
  attempts        INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,          -- not tried before this time
  last_error      TEXT NOT NULL DEFAULT '',  -- in words; never a token
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  CHECK (state = 'pending' OR sealed_token IS NULL) -- a finished job keeps no token
);
-- Removing an inbox twice (a double-submitted form) cannot queue a second revocation.
CREATE UNIQUE INDEX outbox_one_revocation_per_connection ON outbox_jobs(connection_id)
  WHERE kind = 'revoke';
CREATE INDEX outbox_due ON outbox_jobs(state, next_attempt_at);
