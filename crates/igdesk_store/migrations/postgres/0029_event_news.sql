-- RT-8: each instance looks every half second for events its streams were not woken
-- for (another instance's NOTIFY lost), by stream key from its last horizon on; the
-- agents' streams no longer each look on their own.
CREATE INDEX agent_events_by_key ON agent_events (tx);
