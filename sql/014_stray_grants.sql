-- 014: a grant the panel obtained but must not keep (rule 10).  A reconnect whose
-- consent comes back for another mailbox changes nothing of the inbox being
-- reconnected, but the provider has just issued a refresh token for that other
-- mailbox: left alone, it is a grant nobody sees at the provider.  It goes to a
-- revocation job like any other token, and a revocation job's token is bound to a
-- connection row (seal.h: the row's id, provider and address), so the grant gets
-- a row of its own, born removed: it records what happened (this person, in this
-- scope, held a grant to that mailbox, now given up) and holds the revocation's
-- progress, while the worker, `inboxpanel rekey` and the failed-revocation
-- notices treat it as every other removed connection.
--
-- Such a row was never an inbox: this column names the connection whose reconnect
-- brought it back, and no list of inboxes or channels shows a row where it is set.
ALTER TABLE email_connections ADD COLUMN refused_reconnect_of INTEGER
  REFERENCES email_connections(id); -- NULL for every inbox and channel
