-- Every 5 seconds routing looks for open conversations whose customer has been
-- silent longer than their inbox's `auto_end_seconds`. Without an index that was a
-- test of every open conversation in a write transaction: with 100,000 open, 350 ms
-- holding SQLite's one writer (docs/BENCHMARKS.md). Walked in this order, an inbox's
-- look ends at its first conversation not silent long enough.
CREATE INDEX conversations_silent
    ON conversations (inbox_id, COALESCE(last_incoming_at, opened_at))
    WHERE state = 'open';

-- In the same look, customers whose hand-over to people has run out go back to the
-- API's bot (API-3). That was a test of every customer: with 1,000,000, 220 ms
-- (SQLite, holding its writer). Only customers in a hand-over are in this index.
CREATE INDEX customers_handed_over
    ON customers (handover_until, id)
    WHERE handover_until > 0;
