-- An account's items newest first, read key order only (an index-only scan): an
-- agent's search reads its accounts' newest items through it before it asks the GIN
-- index (sql/search.rs). SQLite needs none: its full-text index holds the account.
CREATE INDEX timeline_items_by_account ON timeline_items (account_id, id);
