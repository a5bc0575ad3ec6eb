-- An agent's conversation list scans the most recently active conversations of one
-- state (`conversations_recent`) and keeps those the agent may see: their account's
-- or their inbox's (`Reach`). Carrying those columns (and the customer, for a closed
-- conversation's test) in the index lets the scan leave out rows without reading
-- them from the table (docs/BENCHMARKS.md, Reads).
DROP INDEX conversations_recent;
CREATE INDEX conversations_recent
    ON conversations (state, last_item_at, id) INCLUDE (account_id, inbox_id, customer_id);
