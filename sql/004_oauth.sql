-- 004: the OAuth flows a user has started and the provider has not yet sent back
-- (rule 8: authorization code with PKCE and state).  A row lives from the POST
-- that sends the browser to the provider until /oauth/callback takes it, once,
-- within ten minutes; then it is deleted.

CREATE TABLE oauth_flows (
  id            INTEGER PRIMARY KEY,
  state_hash    BLOB NOT NULL UNIQUE,   -- SHA-256 of the state sent to the provider; never the state itself
  session_id    INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE, -- only this session may take it back
  user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,    -- whose inbox it connects
  provider      TEXT NOT NULL CHECK (provider IN ('google', 'microsoft', 'outlook')),
  code_verifier TEXT NOT NULL,          -- PKCE verifier (RFC 7636), 43 base64url characters; sent
                                        -- only to the token endpoint, with the code
  purpose       TEXT NOT NULL CHECK (purpose IN ('connect', 'reconnect')),
  connection_id INTEGER REFERENCES email_connections(id) ON DELETE CASCADE, -- reconnect: the inbox that must come back
  created_at    INTEGER NOT NULL,       -- the flow is refused ten minutes after this
  CHECK ((purpose = 'reconnect') = (connection_id IS NOT NULL))
);
-- Expired flows are swept by age.
CREATE INDEX oauth_flows_by_age ON oauth_flows(created_at);
