-- RT-3: the work routing looks for, kept as it changes. Routing offers open,
-- unassigned conversations nobody is offered, oldest first; asked of the
-- conversations, each turn walked past every conversation already on offer (in a
-- burst, all the earlier ones: 5,000 at its end, 9 ms a turn). This narrow table
-- holds exactly the ones waiting, kept by the triggers below in the transaction of
-- whatever opens, assigns, moves or closes a conversation or makes or takes back an
-- offer, whichever path does it. A flag on `conversations` instead cost more than
-- it saved: each offer then rewrote the conversation's seven indexes
-- (docs/BENCHMARKS.md). No foreign key: its check would be a look-up and a row lock
-- more for each conversation opened, and conversations are never deleted. Upkeep
-- checks the table against what it stands for (`repair_routing_state`).
CREATE TABLE waiting_work (
    conversation_id BIGINT PRIMARY KEY,
    inbox_id        BIGINT NOT NULL,
    opened_at       BIGINT NOT NULL
);
CREATE INDEX waiting_work_oldest ON waiting_work (opened_at, conversation_id);

-- RT-1, RT-2: what each agent carries, kept the same way: open conversations
-- assigned to them and offers waiting for their answer (the offers' triggers below
-- keep both tables). Each routing turn read them for every available agent,
-- counting conversations and offers anew: with 200 agents and 5,000 offers waiting,
-- that was the turn's largest read, and planned on a new database's empty tables it
-- walked the whole index of open conversations once per agent.
ALTER TABLE agents ADD COLUMN open_conversations INTEGER NOT NULL DEFAULT 0;
ALTER TABLE agents ADD COLUMN offers_waiting INTEGER NOT NULL DEFAULT 0;
UPDATE agents SET
    open_conversations = (SELECT COUNT(*) FROM conversations x
                          WHERE x.agent_id = agents.id AND x.state = 'open'),
    offers_waiting = (SELECT COUNT(*) FROM offers o WHERE o.agent_id = agents.id);

INSERT INTO waiting_work (conversation_id, inbox_id, opened_at)
    SELECT v.id, v.inbox_id, v.opened_at FROM conversations v
    WHERE v.state = 'open' AND v.agent_id IS NULL
    AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = v.id);

-- Conversations and offers are written a batch at a time (a batch of deliveries, a
-- routing turn): their inserts, and the offers' deletes, are kept once per
-- statement from its transition table, not once per row. A trigger taking a lock
-- on `waiting_work` before any on `agents` (the offers' do, and triggers fire in
-- the order of their names) is what lets upkeep's check hold both still.
CREATE FUNCTION igdesk_work_opened() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO waiting_work (conversation_id, inbox_id, opened_at)
        SELECT n.id, n.inbox_id, n.opened_at FROM opened n
        WHERE n.state = 'open' AND n.agent_id IS NULL
        ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
CREATE TRIGGER waiting_work_opened AFTER INSERT ON conversations
    REFERENCING NEW TABLE AS opened FOR EACH STATEMENT
    EXECUTE FUNCTION igdesk_work_opened();

CREATE FUNCTION igdesk_work_offered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM waiting_work WHERE conversation_id IN (SELECT conversation_id FROM made);
    UPDATE agents SET offers_waiting = offers_waiting + n.offers
        FROM (SELECT agent_id, COUNT(*) AS offers FROM made GROUP BY agent_id) n
        WHERE agents.id = n.agent_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER waiting_work_offered AFTER INSERT ON offers
    REFERENCING NEW TABLE AS made FOR EACH STATEMENT
    EXECUTE FUNCTION igdesk_work_offered();

-- An offer declined, expired or withdrawn: waiting again unless it was accepted
-- (the accept assigns the conversation next, in the same transaction). Two
-- transactions may both find it waiting; the key keeps one row.
CREATE FUNCTION igdesk_work_unoffered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO waiting_work (conversation_id, inbox_id, opened_at)
        SELECT v.id, v.inbox_id, v.opened_at FROM taken t
        JOIN conversations v ON v.id = t.conversation_id
        WHERE v.state = 'open' AND v.agent_id IS NULL
        ON CONFLICT DO NOTHING;
    UPDATE agents SET offers_waiting = offers_waiting - n.offers
        FROM (SELECT agent_id, COUNT(*) AS offers FROM taken GROUP BY agent_id) n
        WHERE agents.id = n.agent_id;
    RETURN NULL;
END
$$;
CREATE TRIGGER waiting_work_unoffered AFTER DELETE ON offers
    REFERENCING OLD TABLE AS taken FOR EACH STATEMENT
    EXECUTE FUNCTION igdesk_work_unoffered();

-- A conversation assigned, closed, given back (a transfer to the queue, an agent
-- removed), opened again or moved to another inbox: one row at a time, as these
-- come (PostgreSQL keeps no transition table for a trigger on some columns only).
CREATE FUNCTION igdesk_work_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT (NEW.state = 'open' AND NEW.agent_id IS NULL) THEN
        DELETE FROM waiting_work WHERE conversation_id = NEW.id;
    ELSIF NOT (OLD.state = 'open' AND OLD.agent_id IS NULL) THEN
        INSERT INTO waiting_work (conversation_id, inbox_id, opened_at)
            SELECT NEW.id, NEW.inbox_id, NEW.opened_at
            WHERE NOT EXISTS (SELECT 1 FROM offers o WHERE o.conversation_id = NEW.id)
            ON CONFLICT DO NOTHING;
    ELSE
        UPDATE waiting_work SET inbox_id = NEW.inbox_id WHERE conversation_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER waiting_work_changed AFTER UPDATE OF state, agent_id, inbox_id ON conversations
    FOR EACH ROW
    WHEN ((OLD.state, OLD.agent_id, OLD.inbox_id) IS DISTINCT FROM (NEW.state, NEW.agent_id, NEW.inbox_id))
    EXECUTE FUNCTION igdesk_work_changed();

-- An open conversation assigned, given back, handed to another agent or closed:
-- one row at a time, as these come, after `waiting_work_changed` (by name).
CREATE FUNCTION igdesk_workload_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.state = 'open' AND OLD.agent_id IS NOT NULL THEN
        UPDATE agents SET open_conversations = open_conversations - 1 WHERE id = OLD.agent_id;
    END IF;
    IF NEW.state = 'open' AND NEW.agent_id IS NOT NULL THEN
        UPDATE agents SET open_conversations = open_conversations + 1 WHERE id = NEW.agent_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER workload_opened AFTER INSERT ON conversations FOR EACH ROW
    WHEN (NEW.state = 'open' AND NEW.agent_id IS NOT NULL)
    EXECUTE FUNCTION igdesk_workload_changed();
CREATE TRIGGER workload_changed AFTER UPDATE OF state, agent_id ON conversations FOR EACH ROW
    WHEN ((OLD.state, OLD.agent_id) IS DISTINCT FROM (NEW.state, NEW.agent_id))
    EXECUTE FUNCTION igdesk_workload_changed();
