-- The agent's day: availability and capacity, offers, sessions, SLA, topics, merged
-- profiles and the agents' live event streams.

-- RT-1, RT-2. `held`: the agent let an offer go (declined, or no answer in time) and
-- gets no more offers until Next. `next_requested`: Next asked for one conversation
-- beyond the standard capacity (up to the maximum).
ALTER TABLE agents ADD COLUMN available INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN standard_capacity INTEGER NOT NULL DEFAULT 3;
ALTER TABLE agents ADD COLUMN max_capacity INTEGER NOT NULL DEFAULT 5;
ALTER TABLE agents ADD COLUMN held INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN next_requested INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN last_offered_at INTEGER NOT NULL DEFAULT 0;

-- Per inbox: the response target (RT-5), the customer silence after which a session
-- ends by itself (RT-4), whether a topic is required before sending (RT-6).
ALTER TABLE inboxes ADD COLUMN sla_target_seconds INTEGER NOT NULL DEFAULT 3600;
ALTER TABLE inboxes ADD COLUMN auto_end_seconds INTEGER NOT NULL DEFAULT 86400;
ALTER TABLE inboxes ADD COLUMN requires_topic INTEGER NOT NULL DEFAULT 0;

-- A conversation is one session of work. Open with no agent: waiting to be routed.
ALTER TABLE conversations ADD COLUMN agent_id INTEGER REFERENCES agents(id);
ALTER TABLE conversations ADD COLUMN assigned_at INTEGER;
ALTER TABLE conversations ADD COLUMN routed_reason TEXT;
-- How the session ended: agent (Close), auto_end, no_reply_needed.
ALTER TABLE conversations ADD COLUMN ended_by TEXT;
CREATE INDEX conversations_by_agent ON conversations (agent_id, state);
CREATE INDEX conversations_waiting ON conversations (state, opened_at) WHERE agent_id IS NULL;

-- Offers in flight (RT-3): one per conversation at most, which is what keeps a piece
-- of work from being offered to two agents at once. Kept in the database, so they
-- survive a restart.
CREATE TABLE offers (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL UNIQUE REFERENCES conversations(id),
    agent_id         INTEGER NOT NULL REFERENCES agents(id),
    offered_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    -- What the agent is shown: the customer's name, a preview, why it was routed.
    payload          TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX offers_by_agent ON offers (agent_id);
CREATE INDEX offers_by_expiry ON offers (expires_at);

-- Work that only one instance should do at a time (routing), by name.
CREATE TABLE leases (
    name    TEXT PRIMARY KEY,
    holder  TEXT NOT NULL,
    until   INTEGER NOT NULL
);

-- RT-5: one clock per wait for an answer. It starts at the first unanswered incoming
-- message and stops at the reply, the echo or No Reply Needed.
CREATE TABLE sla_clocks (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    inbox_id         INTEGER NOT NULL REFERENCES inboxes(id),
    started_at       INTEGER NOT NULL,
    due_at           INTEGER NOT NULL,
    met_at           INTEGER,
    met_by           TEXT
);
CREATE UNIQUE INDEX one_running_clock ON sla_clocks (conversation_id) WHERE met_at IS NULL;
CREATE INDEX sla_by_inbox ON sla_clocks (inbox_id, started_at);

-- RT-6.
CREATE TABLE topics (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
CREATE TABLE conversation_topics (
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    topic_id         INTEGER NOT NULL REFERENCES topics(id),
    PRIMARY KEY (conversation_id, topic_id)
);

-- RT-7: a profile merged into another keeps its rows (nothing is lost); it is shown
-- as part of the one it was merged into.
ALTER TABLE customers ADD COLUMN merged_into INTEGER REFERENCES customers(id);

-- RT-8: what each agent's live stream carries, in order; a reconnecting console
-- resumes after the last id it saw.
CREATE TABLE agent_events (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    agent_id         INTEGER NOT NULL REFERENCES agents(id),
    kind             TEXT NOT NULL,
    conversation_id  INTEGER,
    item_id          INTEGER,
    payload          TEXT NOT NULL DEFAULT '{}',
    created_at       INTEGER NOT NULL
);
CREATE INDEX agent_events_stream ON agent_events (agent_id, id);
