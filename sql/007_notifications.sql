-- 007: notifications (rules 6, 9 and 15, and the failed revocation of the
-- States section), and OAuth flows that connect a team's email channel.
--
-- A notification is one person told once about one connection: shown under
-- /notifications, and sent by email through the outbox (an 'email' job whose
-- payload names the notification).  Rule 15 — at most one notice of a kind per
-- connection and person a day — is kept by notify.c inside the write
-- transaction that tells them, with notifications_recent below.

CREATE TABLE notifications (
  id            INTEGER PRIMARY KEY,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, -- who is told
  kind          TEXT NOT NULL CHECK (kind IN ('disconnected', 'revocation_failed')),
  connection_id INTEGER NOT NULL REFERENCES email_connections(id),       -- what it is about
  cause         TEXT NOT NULL DEFAULT '',  -- why, a key of Lang.notify.cause: 'deleted',
                                           -- 'provider_changed', 'token_rejected', 'failed'
  actor         TEXT NOT NULL DEFAULT '',  -- who did it, as the audit log names them; '' for the system
  created_at    INTEGER NOT NULL,
  read_at       INTEGER NOT NULL DEFAULT 0 -- 0 while unread
);
-- A person's notifications, newest first, and their unread count.
CREATE INDEX notifications_by_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at = 0;
-- Rule 15: has this person been told of this connection lately?
CREATE INDEX notifications_recent ON notifications(connection_id, user_id, kind, created_at);

-- An email job is about one notification (NULL for revocations).
CREATE INDEX outbox_by_kind_due ON outbox_jobs(kind, state, next_attempt_at);

-- A flow that connects a team email: the conversation inbox the channel joins
-- (NULL for a personal inbox).
ALTER TABLE oauth_flows ADD COLUMN inbox_id INTEGER REFERENCES conversation_inboxes(id)
  ON DELETE CASCADE;
