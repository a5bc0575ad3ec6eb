-- RT-8: a stream reads its events in (tx, id) order. SQLite has one writer, so ids
-- are already in commit order and tx stays 0; PostgreSQL fills it (see there).
ALTER TABLE agent_events ADD COLUMN tx INTEGER NOT NULL DEFAULT 0;
DROP INDEX agent_events_stream;
CREATE INDEX agent_events_stream ON agent_events (agent_id, tx, id);

-- An offer's preview reads the conversation's latest item; the API and the bench
-- look customers up by IGSID across accounts.
CREATE INDEX timeline_by_conversation ON timeline_items (conversation_id, created_at, id);
CREATE INDEX customers_by_igsid ON customers (igsid);
