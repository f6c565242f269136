-- 011: people come and go (Step 11) — the single-use links that let a person
-- set their password, a notification for the team channels an offboarded
-- person leaves behind, and the lookup of the channels a person connected.

-- A link of /password/{token}: an invitation (someone added to the account) or
-- a password reset issued by a super admin.  Only the SHA-256 of the token is
-- kept; the mail that carries it holds the token sealed for the worker (an
-- 'email' job's sealed_token, dropped when the job ends).  One unused link per
-- person and purpose: a new one makes the older ones expire (userlink.c).
CREATE TABLE user_links (
  id                 INTEGER PRIMARY KEY,
  user_id            INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, -- whose password it sets
  purpose            TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
  token_hash         BLOB NOT NULL UNIQUE,   -- SHA-256 of the token; the token is never stored
  created_at         INTEGER NOT NULL,
  expires_at         INTEGER NOT NULL,       -- created_at + 72 hours
  used_at            INTEGER NOT NULL DEFAULT 0, -- 0 while unused; a used link opens nothing
  created_by_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL -- NULL: the command line
);
CREATE INDEX user_links_by_user ON user_links(user_id, purpose);

-- An email job carrying a link names it in its payload ({"link": id}); its
-- token rides in the job's sealed_token, which the CHECK of outbox_jobs clears
-- when the job ends.

-- notifications gains the kind 'connector_left': a team channel kept working
-- after the person who connected it was deactivated.  SQLite changes a CHECK
-- only by rebuilding the table (nothing references notifications).
CREATE TABLE notifications_new (
  id            INTEGER PRIMARY KEY,
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, -- who is told
  kind          TEXT NOT NULL CHECK (kind IN ('disconnected', 'revocation_failed',
                                              'connector_left')),
  connection_id INTEGER NOT NULL REFERENCES email_connections(id),       -- what it is about
  cause         TEXT NOT NULL DEFAULT '',  -- why, a key of Lang.notify.cause: 'deleted',
                                           -- 'provider_changed', 'token_rejected', 'failed',
                                           -- 'offboarded'
  actor         TEXT NOT NULL DEFAULT '',  -- who did it, as the audit log names them; '' for the system
  created_at    INTEGER NOT NULL,
  read_at       INTEGER NOT NULL DEFAULT 0 -- 0 while unread
);
INSERT INTO notifications_new (id, user_id, kind, connection_id, cause, actor, created_at, read_at)
  SELECT id, user_id, kind, connection_id, cause, actor, created_at, read_at FROM notifications;
DROP TABLE notifications;
ALTER TABLE notifications_new RENAME TO notifications;
CREATE INDEX notifications_by_user ON notifications(user_id, id);
CREATE INDEX notifications_unread ON notifications(user_id) WHERE read_at = 0;
CREATE INDEX notifications_recent ON notifications(connection_id, user_id, kind, created_at);

-- The team channels a person connected (offboarding, and the people page's
-- counts), without reading every connection.
CREATE INDEX email_connections_by_connector ON email_connections(connected_by_user_id, state)
  WHERE kind = 'team';
