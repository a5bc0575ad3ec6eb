-- RT-3: the work routing looks for, kept as it changes. Routing offers open,
-- unassigned conversations nobody is offered, oldest first; asked of the
-- conversations, each turn walked past every conversation already on offer (in a
-- burst, all the earlier ones: 5,000 at its end). This narrow table holds exactly
-- the ones waiting, kept by the triggers below in the transaction of whatever
-- opens, assigns, moves or closes a conversation or makes or takes back an offer,
-- whichever path does it. A flag on `conversations` instead cost more than it
-- saved: each offer then rewrote the conversation's seven indexes
-- (docs/BENCHMARKS.md). No foreign key: its check would be a look-up more for each
-- conversation opened, and conversations are never deleted. Upkeep checks the table
-- against what it stands for (`repair_routing_state`).
CREATE TABLE waiting_work (
    conversation_id INTEGER PRIMARY KEY,
    inbox_id        INTEGER NOT NULL,
    opened_at       INTEGER NOT NULL
);
CREATE INDEX waiting_work_oldest ON waiting_work (opened_at, conversation_id);

INSERT INTO waiting_work (conversation_id, inbox_id, opened_at)
    SELECT v.id, v.inbox_id, v.opened_at FROM conversations v
    WHERE v.state = 'open' AND v.agent_id IS NULL
    AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = v.id);

CREATE TRIGGER waiting_work_opened AFTER INSERT ON conversations
    WHEN NEW.state = 'open' AND NEW.agent_id IS NULL
BEGIN
    INSERT OR IGNORE INTO waiting_work (conversation_id, inbox_id, opened_at)
        VALUES (NEW.id, NEW.inbox_id, NEW.opened_at);
END;
-- Assigned or closed: no longer waiting.
CREATE TRIGGER waiting_work_taken AFTER UPDATE OF state, agent_id ON conversations
    WHEN NOT (NEW.state = 'open' AND NEW.agent_id IS NULL)
BEGIN
    DELETE FROM waiting_work WHERE conversation_id = NEW.id;
END;
-- Given back (a transfer to the queue, an agent removed) or opened again.
CREATE TRIGGER waiting_work_returned AFTER UPDATE OF state, agent_id ON conversations
    WHEN NEW.state = 'open' AND NEW.agent_id IS NULL
    AND NOT (OLD.state = 'open' AND OLD.agent_id IS NULL)
BEGIN
    INSERT OR IGNORE INTO waiting_work (conversation_id, inbox_id, opened_at)
        SELECT NEW.id, NEW.inbox_id, NEW.opened_at
        WHERE NOT EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = NEW.id);
END;
-- Moved to another inbox's queue while waiting.
CREATE TRIGGER waiting_work_moved AFTER UPDATE OF inbox_id ON conversations
    WHEN NEW.inbox_id IS NOT OLD.inbox_id
BEGIN
    UPDATE waiting_work SET inbox_id = NEW.inbox_id WHERE conversation_id = NEW.id;
END;
CREATE TRIGGER waiting_work_offered AFTER INSERT ON offers
BEGIN
    DELETE FROM waiting_work WHERE conversation_id = NEW.conversation_id;
END;
-- An offer declined, expired or withdrawn: waiting again unless it was accepted
-- (the accept assigns the conversation next, in the same transaction).
CREATE TRIGGER waiting_work_unoffered AFTER DELETE ON offers
BEGIN
    INSERT OR IGNORE INTO waiting_work (conversation_id, inbox_id, opened_at)
        SELECT v.id, v.inbox_id, v.opened_at FROM conversations v
        WHERE v.id = OLD.conversation_id AND v.state = 'open' AND v.agent_id IS NULL;
END;

-- RT-1, RT-2: what each agent carries, kept the same way: open conversations
-- assigned to them and offers waiting for their answer. Each routing turn read them
-- for every available agent, counting conversations and offers anew: with 200
-- agents and 5,000 offers waiting, that was the turn's largest read.
ALTER TABLE agents ADD COLUMN open_conversations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN offers_waiting INTEGER NOT NULL DEFAULT 0;
UPDATE agents SET
    open_conversations = (SELECT COUNT(*) FROM conversations x
                          WHERE x.agent_id = agents.id AND x.state = 'open'),
    offers_waiting = (SELECT COUNT(*) FROM offers o WHERE o.agent_id = agents.id);

CREATE TRIGGER workload_opened AFTER INSERT ON conversations
    WHEN NEW.state = 'open' AND NEW.agent_id IS NOT NULL
BEGIN
    UPDATE agents SET open_conversations = open_conversations + 1 WHERE id = NEW.agent_id;
END;
CREATE TRIGGER workload_left AFTER UPDATE OF state, agent_id ON conversations
    WHEN OLD.state = 'open' AND OLD.agent_id IS NOT NULL
BEGIN
    UPDATE agents SET open_conversations = open_conversations - 1 WHERE id = OLD.agent_id;
END;
CREATE TRIGGER workload_joined AFTER UPDATE OF state, agent_id ON conversations
    WHEN NEW.state = 'open' AND NEW.agent_id IS NOT NULL
BEGIN
    UPDATE agents SET open_conversations = open_conversations + 1 WHERE id = NEW.agent_id;
END;
CREATE TRIGGER workload_offered AFTER INSERT ON offers
BEGIN
    UPDATE agents SET offers_waiting = offers_waiting + 1 WHERE id = NEW.agent_id;
END;
CREATE TRIGGER workload_unoffered AFTER DELETE ON offers
BEGIN
    UPDATE agents SET offers_waiting = offers_waiting - 1 WHERE id = OLD.agent_id;
END;
