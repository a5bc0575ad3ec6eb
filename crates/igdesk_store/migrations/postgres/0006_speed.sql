-- An offer's preview reads the conversation's latest item; the API and the bench
-- look customers up by IGSID across accounts.
CREATE INDEX timeline_by_conversation ON timeline_items (conversation_id, created_at, id);
CREATE INDEX customers_by_igsid ON customers (igsid);
