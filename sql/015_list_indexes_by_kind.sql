-- 015: each of the lists' indexes of 008 holds the rows of its own list only.
-- A personal inbox has no team inbox (inbox_id NULL) and a team channel no owner,
-- yet both pairs of indexes held every row, so a state change (a disable, a
-- removal) rewrote the other kind's two entries as well: two pages of the dozen a
-- durable POST writes.  A list's query names its owner or its team inbox, which
-- tells SQLite the partial index has every row it can want.  Measured with
-- bench/run's POSTs on a quiet machine: 1,995-2,033/s before, 2,192-2,237/s after.
DROP INDEX email_connections_live_order;
CREATE INDEX email_connections_live_order ON email_connections(owner_user_id,
  (CASE state WHEN 'disconnected' THEN 0 WHEN 'connected' THEN 1 ELSE 2 END), address)
  WHERE owner_user_id IS NOT NULL;
DROP INDEX email_connections_team_live_order;
CREATE INDEX email_connections_team_live_order ON email_connections(inbox_id,
  (CASE state WHEN 'disconnected' THEN 0 WHEN 'connected' THEN 1 ELSE 2 END), address)
  WHERE inbox_id IS NOT NULL;
DROP INDEX email_connections_removed_order;
CREATE INDEX email_connections_removed_order ON email_connections(owner_user_id, state, state_changed_at)
  WHERE owner_user_id IS NOT NULL;
DROP INDEX email_connections_team_removed_order;
CREATE INDEX email_connections_team_removed_order ON email_connections(inbox_id, state, state_changed_at)
  WHERE inbox_id IS NOT NULL;
