-- Transfers (issue 18): an agent hands an open conversation to another agent (an
-- offer to them) or to an inbox (back to routing there). Each transfer is a row: the
-- timeline draws it, as it draws a session's opening and ending from the
-- conversation's row. `from_agent_id` held the conversation then (NULL when it was
-- waiting); `to_agent_id` is NULL for a transfer to an inbox; `to_inbox_id` is the
-- inbox the conversation is in afterwards; `after_item_id` the conversation's latest
-- item then, which the timeline draws the transfer after.
CREATE TABLE transfers (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    customer_id      INTEGER NOT NULL REFERENCES customers(id),
    by_agent_id      INTEGER NOT NULL REFERENCES agents(id),
    from_agent_id    INTEGER REFERENCES agents(id),
    to_agent_id      INTEGER REFERENCES agents(id),
    to_inbox_id      INTEGER NOT NULL REFERENCES inboxes(id),
    note             TEXT,
    after_item_id    INTEGER,
    created_at       INTEGER NOT NULL
);
CREATE INDEX transfers_by_customer ON transfers (customer_id, id);

-- The transfer a waiting conversation came from, until someone accepts it: routing
-- shows who handed it over (and their note) on its offer, and offers it to anyone
-- but the agent who let it go first.
ALTER TABLE conversations ADD COLUMN transfer_id INTEGER REFERENCES transfers(id);
