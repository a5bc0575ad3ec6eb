-- RT-3: whether a conversation is on offer, kept with it. Routing looks for open,
-- unassigned conversations nobody is offered, oldest first; asked of the offers
-- table, each turn passed every conversation already on offer (in a burst, all the
-- earlier ones: 5 ms a turn at 5,000). Kept by the offers' own writes, whichever
-- path makes or removes one, in the same transaction.
ALTER TABLE conversations ADD COLUMN offered SMALLINT NOT NULL DEFAULT 0;
UPDATE conversations SET offered = 1 WHERE id IN (SELECT conversation_id FROM offers);

CREATE FUNCTION igdesk_mark_offered() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE conversations SET offered = 1 WHERE id = NEW.conversation_id;
        RETURN NEW;
    END IF;
    UPDATE conversations SET offered = 0 WHERE id = OLD.conversation_id;
    RETURN OLD;
END
$$;
CREATE TRIGGER offers_mark_conversation AFTER INSERT OR DELETE ON offers
    FOR EACH ROW EXECUTE FUNCTION igdesk_mark_offered();

CREATE INDEX conversations_unoffered ON conversations (opened_at, id)
    WHERE state = 'open' AND agent_id IS NULL AND offered = 0;
