-- Instagram's sender actions from the console: the customer's newest message the
-- business has marked seen (`mark_seen` goes once per newest message), and when
-- `typing_on` last went (at most once every 10 seconds per customer).
ALTER TABLE customers ADD COLUMN seen_up_to_item INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN typing_sent_at INTEGER NOT NULL DEFAULT 0;
