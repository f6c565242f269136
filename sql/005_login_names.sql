-- 005: a name typed at sign-in that is no user's is never stored as typed (it may
-- be a password typed into the wrong field); the store keeps a keyed hash of it
-- instead, "unknown (#<12 hex>)", which still groups one name's attempts for the
-- throttle and the audit log.  The key is made here, once per database.

-- Values the panel makes for itself, one row each; nobody edits them.
CREATE TABLE panel_settings (
  name  TEXT PRIMARY KEY, -- "login_name_key": the HMAC-SHA256 key of unknown sign-in names
  value BLOB NOT NULL     -- the value; for login_name_key 32 random bytes (SQLite's
                          -- ChaCha20 generator, seeded by the system's randomness)
) WITHOUT ROWID;
INSERT INTO panel_settings (name, value) VALUES ('login_name_key', randomblob(32));

-- What earlier versions kept as typed goes: the actor of a failed sign-in by no
-- user becomes "unknown" (the row itself stays), and the attempts by unknown names
-- (at most a day of them) are forgotten.
UPDATE audit_log SET actor = 'unknown'
  WHERE actor_user_id IS NULL AND action = 'login.failure' AND target = 'user:unknown';
DELETE FROM login_attempts WHERE email NOT IN (SELECT email FROM users);
