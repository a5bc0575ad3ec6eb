-- An agent's conversation list scans the most recently active conversations of one
-- state (`conversations_recent`) and keeps those the agent may see: their account's
-- or their inbox's (`Reach`). An agent of one inbox in three keeps about one row in
-- three, and each row it leaves out cost a look-up in the table for those two
-- columns. With them (and the customer, for a closed conversation's test) in the
-- index, only the rows of the page are looked up: the statement on 100,000 open
-- conversations goes from 1.7 to 0.4–0.7 ms (docs/BENCHMARKS.md, Reads).
DROP INDEX conversations_recent;
CREATE INDEX conversations_recent
    ON conversations (state, last_item_at, id, account_id, inbox_id, customer_id);
