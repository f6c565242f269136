-- 008: indexes so every list that grows is read as a range, in the order shown.
-- The audit log filtered by who (its page and exports), newest first: with the
-- rowid every index ends with, (actor, at) serves ORDER BY at DESC, id DESC.
CREATE INDEX audit_log_by_actor ON audit_log(actor, at);

-- An owner's (or a team inbox's) list of inboxes in the order the page shows
-- them (conn.c LIVE_ORDER: disconnected first, then connected, then the rest, by
-- address), so no page sorts its rows in a temporary B-tree.
CREATE INDEX email_connections_live_order ON email_connections(owner_user_id,
  (CASE state WHEN 'disconnected' THEN 0 WHEN 'connected' THEN 1 ELSE 2 END), address);
CREATE INDEX email_connections_team_live_order ON email_connections(inbox_id,
  (CASE state WHEN 'disconnected' THEN 0 WHEN 'connected' THEN 1 ELSE 2 END), address);
-- Those removed lately, newest first (REMOVED_ORDER).  They take over from the
-- (owner, state) and (inbox, state) indexes of 002, which they begin with.
CREATE INDEX email_connections_removed_order ON email_connections(owner_user_id, state, state_changed_at);
CREATE INDEX email_connections_team_removed_order ON email_connections(inbox_id, state, state_changed_at);
DROP INDEX email_connections_by_owner;
DROP INDEX email_connections_by_inbox;
