-- 013: the steps a person does by hand, remembered.  When a revocation ends as
-- manual (Outlook.com, or Google / Office 365 once the app gave up), the card
-- lists the steps at the provider with a "Done" button; pressing it records who
-- said so and when, so the card stops asking.  It records a person's word, not
-- the provider's: the job's state stays what the worker found.
ALTER TABLE outbox_jobs ADD COLUMN manual_done_at INTEGER NOT NULL DEFAULT 0; -- when "Done" was pressed (0 = not yet)
ALTER TABLE outbox_jobs ADD COLUMN manual_done_by INTEGER REFERENCES users(id); -- who pressed it
