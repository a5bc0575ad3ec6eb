-- RT-3: whether a conversation is on offer, kept with it. Routing looks for open,
-- unassigned conversations nobody is offered, oldest first; asked of the offers
-- table, each turn passed every conversation already on offer (in a burst, all the
-- earlier ones). Kept by the offers' own writes, whichever path makes or removes
-- one, in the same transaction.
ALTER TABLE conversations ADD COLUMN offered INTEGER NOT NULL DEFAULT 0;
UPDATE conversations SET offered = 1 WHERE id IN (SELECT conversation_id FROM offers);

CREATE TRIGGER offers_mark_offered AFTER INSERT ON offers BEGIN
    UPDATE conversations SET offered = 1 WHERE id = NEW.conversation_id;
END;
CREATE TRIGGER offers_mark_unoffered AFTER DELETE ON offers BEGIN
    UPDATE conversations SET offered = 0 WHERE id = OLD.conversation_id;
END;

CREATE INDEX conversations_unoffered ON conversations (opened_at, id)
    WHERE state = 'open' AND agent_id IS NULL AND offered = 0;
