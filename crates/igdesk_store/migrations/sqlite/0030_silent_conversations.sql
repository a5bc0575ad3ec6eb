-- Every 5 seconds routing looks for open conversations whose customer has been
-- silent longer than their inbox's `auto_end_seconds`. Without an index that was a
-- test of every open conversation in a write transaction: with 100,000 open, 350 ms
-- holding SQLite's one writer (docs/BENCHMARKS.md). Walked in this order, an inbox's
-- look ends at its first conversation not silent long enough.
CREATE INDEX conversations_silent
    ON conversations (inbox_id, COALESCE(last_incoming_at, opened_at))
    WHERE state = 'open';
