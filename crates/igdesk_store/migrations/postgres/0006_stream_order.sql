-- RT-8: with several instances, transactions commit out of id order: a stream that
-- read up to id 61 would never see id 60 committed after it. Each event records its
-- transaction; a stream reads in (tx, id) order and only events of transactions older
-- than every one still running, so nothing can later appear before its cursor.
-- Events stored before this stay at tx 0, ahead of all new ones.
ALTER TABLE agent_events ADD COLUMN tx BIGINT NOT NULL DEFAULT 0;
ALTER TABLE agent_events ALTER COLUMN tx SET DEFAULT (pg_current_xact_id()::text::bigint);
DROP INDEX agent_events_stream;
CREATE INDEX agent_events_stream ON agent_events (agent_id, tx, id);

-- An offer's preview reads the conversation's latest item; the API and the bench
-- look customers up by IGSID across accounts.
CREATE INDEX timeline_by_conversation ON timeline_items (conversation_id, created_at, id);
CREATE INDEX customers_by_igsid ON customers (igsid);
