-- Agents switched off and on (UI-4). A switched-off agent (`deactivated_at` set)
-- signs in nowhere: their sessions are deleted and their tokens revoked in the
-- transaction that switches them off, and the reads that recognise a session or a
-- token skip them too. They are never available, so routing offers them nothing.
ALTER TABLE agents ADD COLUMN deactivated_at BIGINT;

-- A product token's last use (the newest message it had accepted) is read from the
-- messages it sent, not written on every request.
CREATE INDEX api_messages_by_token ON api_messages (token_id, created_at);
