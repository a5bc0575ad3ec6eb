-- How far each account's history import got (ACC-7). The Conversations API is read
-- a page of threads at a time; after each page, in the same transaction as its
-- messages, `cursor` becomes the cursor of the next page, so an interrupted import
-- resumes there. `finished_at` set: every page was read, and the import is not done
-- again (reconnecting the account queues it, and it ends at once).
CREATE TABLE history_imports (
    account_id   BIGINT PRIMARY KEY REFERENCES accounts(id),
    cursor       TEXT,
    threads      BIGINT NOT NULL DEFAULT 0,
    messages     BIGINT NOT NULL DEFAULT 0,
    started_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    finished_at  BIGINT
);
-- One person has a different IGSID (a different customer row) per business
-- account; the profile finds them in the company's other accounts by username
-- (IN-5), as Instagram shows it: any case.
CREATE INDEX customers_by_username ON customers (lower(username)) WHERE username IS NOT NULL;
