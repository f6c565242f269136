-- 010: the super admins' list of every connection (/admin/connections): newest
-- first, filtered by any of state, provider and kind, a page at a time (keyset:
-- the next page starts below the last id shown).
--
-- One index per set of filters.  Every filter is an equality, and an index
-- holds the row's id after its columns, so when all of an index's columns are
-- filtered on, its matching rows come out in id order: a page reads its fifty
-- rows and stops, however many rows the filters leave out and however deep the
-- page (each about a millisecond at 100,000 connections).  An index with a
-- column more than the filters would hand rows over in another order, to be
-- sorted whole first.  Health checks and tokens write other columns, so these
-- cost only when a connection is added or changes state.
CREATE INDEX email_connections_by_state ON email_connections(state);
CREATE INDEX email_connections_by_provider ON email_connections(provider);
CREATE INDEX email_connections_by_kind ON email_connections(kind);
CREATE INDEX email_connections_by_state_provider ON email_connections(state, provider);
CREATE INDEX email_connections_by_state_kind ON email_connections(state, kind);
CREATE INDEX email_connections_by_provider_kind ON email_connections(provider, kind);
CREATE INDEX email_connections_by_state_provider_kind ON email_connections(state, provider, kind);
