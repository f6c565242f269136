-- 012: the super admins' list of people (/admin/users): by address, filtered by
-- state and role, searched by the start of the address, a page at a time (keyset:
-- the next page starts after the last address shown), each row with its last
-- sign-in and how many inboxes and team channels the person connected (the team
-- channels through 011's email_connections_by_connector).
--
-- The address's own unique index (COLLATE NOCASE, like the column) serves the
-- list unfiltered and the search, which is a range of it.  With a filter, the
-- index that begins with the filtered columns and ends with the address hands
-- the rows over in the order shown, so a page reads its rows and stops.
CREATE INDEX users_by_state ON users(deactivated, email);
CREATE INDEX users_by_role ON users(role, email);
CREATE INDEX users_by_role_state ON users(role, deactivated, email);

-- A person's last sign-in: the newest "login.success" row of the audit log,
-- one seek at the end of this index (only sign-ins are in it).
CREATE INDEX audit_log_sign_ins ON audit_log(actor_user_id, at) WHERE action = 'login.success';

