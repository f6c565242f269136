-- 009: the IMAP logins the connect form made the panel try, per user, counted over
-- a sliding window (Imap.max_logins in Imap.login_window): without a limit a user
-- could make the panel log in to mail servers without bound.  Only the time is
-- kept; rows older than the window go when the user tries again.
CREATE TABLE imap_login_attempts (
  id      INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  at      INTEGER NOT NULL
);
CREATE INDEX imap_login_attempts_by_user ON imap_login_attempts(user_id, at);
