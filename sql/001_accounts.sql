-- 001: people, their sessions, sign-in attempts, the audit log, the worker's heartbeat.
-- Times are whole seconds since 1970-01-01 UTC.

CREATE TABLE users (
  id             INTEGER PRIMARY KEY,      -- stable id; sessions and audit rows point here
  email          TEXT NOT NULL UNIQUE COLLATE NOCASE, -- sign-in name, compared without case
  name           TEXT NOT NULL DEFAULT '', -- display name; the email stands in when empty
  role           TEXT NOT NULL CHECK (role IN ('super_admin', 'user')),
  account_access INTEGER NOT NULL DEFAULT 0 CHECK (account_access IN (0, 1)), -- the seed's "account access" permission
  language       TEXT NOT NULL DEFAULT '' CHECK (language IN ('', 'en', 'fr')), -- '' follows the browser
  password_hash  TEXT NOT NULL,            -- "$scrypt$ln=15,r=8,p=3$salt$hash"; never the password
  deactivated    INTEGER NOT NULL DEFAULT 0 CHECK (deactivated IN (0, 1)), -- cannot sign in, is never notified
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL
);

CREATE TABLE sessions (
  id           INTEGER PRIMARY KEY,
  token_hash   BLOB NOT NULL UNIQUE,       -- SHA-256 of the cookie value; the value is never stored
  user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  csrf_token   TEXT NOT NULL,              -- the synchronizer token in this session's forms
  client_addr  TEXT NOT NULL,              -- where the sign-in came from
  created_at   INTEGER NOT NULL,           -- start of the absolute timeout
  last_seen_at INTEGER NOT NULL            -- start of the idle timeout
);
CREATE INDEX sessions_by_user ON sessions(user_id);

CREATE TABLE login_attempts (
  id          INTEGER PRIMARY KEY,
  email       TEXT NOT NULL COLLATE NOCASE, -- the address typed, whether or not it is a user
  client_addr TEXT NOT NULL,
  at          INTEGER NOT NULL,
  succeeded   INTEGER NOT NULL CHECK (succeeded IN (0, 1))
);
CREATE INDEX login_attempts_by_email ON login_attempts(email, at);
CREATE INDEX login_attempts_by_addr ON login_attempts(client_addr, at);

CREATE TABLE audit_log (
  id            INTEGER PRIMARY KEY,
  at            INTEGER NOT NULL,
  actor_user_id INTEGER REFERENCES users(id) ON DELETE SET NULL, -- NULL for the system or an unknown user
  actor         TEXT NOT NULL,   -- the actor's email at the time, "system", or the address typed at sign-in
  client_addr   TEXT NOT NULL,   -- where the request came from; "" for the command line
  action        TEXT NOT NULL,   -- dotted name: "login.failure", "email.disable", ...
  target        TEXT NOT NULL,   -- what was acted on: "user:3", "connection:12"
  detail        TEXT NOT NULL    -- plain words for a reader; never a token, secret or password
);
CREATE INDEX audit_log_by_time ON audit_log(at, id);
CREATE INDEX audit_log_by_action ON audit_log(action, at);

CREATE TABLE worker_heartbeat (
  id      INTEGER PRIMARY KEY CHECK (id = 1), -- a single row
  beat_at INTEGER NOT NULL,                   -- the worker's last pass over the outbox
  pid     INTEGER NOT NULL
);
