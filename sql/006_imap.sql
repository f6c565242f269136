-- 006: the IMAP server of an inbox connected with a user name and password
-- (provider 'imap').  OAuth inboxes keep the defaults: host '', port 0,
-- security '', user name ''.  The password itself is the row's sealed_token,
-- bound to the host and port below (seal.h), so a box cannot be moved to a row
-- that would send it to another server.

ALTER TABLE email_connections ADD COLUMN imap_host TEXT NOT NULL DEFAULT '' COLLATE NOCASE; -- DNS name or IP literal, as typed (no brackets)
ALTER TABLE email_connections ADD COLUMN imap_port INTEGER NOT NULL DEFAULT 0
  CHECK (imap_port BETWEEN 0 AND 65535);                                    -- 0 for OAuth rows
ALTER TABLE email_connections ADD COLUMN imap_security TEXT NOT NULL DEFAULT ''
  CHECK (imap_security IN ('', 'imaps', 'starttls'));                       -- TLS from the start, or STARTTLS; never plain text
ALTER TABLE email_connections ADD COLUMN imap_username TEXT NOT NULL DEFAULT ''; -- the IMAP login (often the address)
