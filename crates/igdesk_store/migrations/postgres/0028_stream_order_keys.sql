-- RT-8: a stream reads an agent's events in (tx, id) order, and only those no running
-- transaction can still write before. `tx` was the writing transaction's id, taken at
-- its first write of any kind, so every stream waited for every older transaction
-- still running, events or not: during a burst, for the processing transactions
-- that write none (docs/BENCHMARKS.md, routing on PostgreSQL). Now `tx` is a key the
-- transaction takes when it writes its first event, and a stream waits only for the
-- transactions holding a lower key.
--
-- A key is held as a transaction-level advisory lock on the key itself, from the
-- sequence below (2^62 and up, clear of the keys igdesk's other locks use: those
-- start at 0x6967_6465_736b_0001). A gate (a session-level advisory lock) makes
-- taking a key and holding it one step as a reader sees it: writers pass it shared,
-- a reader takes it alone while it reads the keys held and the next key, so a key
-- it did not see held is one taken after it looked, and so not below what it read.
-- Keys start above every transaction id, so events stored before this come first.
--
-- Instances of an earlier igdesk still running beside this (a rolling upgrade) read
-- their horizon from transaction ids, below every key: their streams hold new
-- events back (they bring nothing new, never a gap) until they are replaced.

CREATE SEQUENCE agent_event_order START WITH 4611686018427387904;

-- The writing transaction's key, taken on its first event.
CREATE FUNCTION igdesk_event_order() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    gate CONSTANT bigint := 7595149683474497792; -- 0x6967_6465_736b_0100
    taken bigint := NULLIF(current_setting('igdesk.event_order', true), '')::bigint;
BEGIN
    IF taken IS NULL THEN
        BEGIN
            PERFORM pg_advisory_lock_shared(gate);
            taken := nextval('agent_event_order');
            PERFORM pg_advisory_xact_lock_shared(taken);
            PERFORM pg_advisory_unlock_shared(gate);
        EXCEPTION WHEN OTHERS OR query_canceled THEN
            -- A session-level lock outlives the failed transaction: let the gate go.
            PERFORM pg_advisory_unlock_shared(gate);
            RAISE;
        END;
        PERFORM set_config('igdesk.event_order', taken::text, true);
    END IF;
    RETURN taken;
END
$$;

-- Events with a key below this are settled: the lowest key a running transaction
-- holds (taken before the sequence is read, so below the next key), else the next
-- key to be taken.
CREATE FUNCTION igdesk_event_horizon() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    gate CONSTANT bigint := 7595149683474497792; -- 0x6967_6465_736b_0100
    next_key bigint;
    lowest_held bigint;
BEGIN
    BEGIN
        PERFORM pg_advisory_lock(gate);
        SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END
            INTO next_key FROM agent_event_order;
        SELECT min((l.classid::bigint << 32) | l.objid::bigint) INTO lowest_held
            FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.objsubid = 1 AND l.granted
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              -- Keys only (high halves from 2^62 >> 32 up to igdesk's other locks', the
              -- gate's among them, 0x69676465).
              AND l.classid::bigint >= 1073741824 AND l.classid::bigint < 1768383589;
        PERFORM pg_advisory_unlock(gate);
    EXCEPTION WHEN OTHERS OR query_canceled THEN
        PERFORM pg_advisory_unlock(gate);
        RAISE;
    END;
    RETURN COALESCE(lowest_held, next_key);
END
$$;

ALTER TABLE agent_events ALTER COLUMN tx SET DEFAULT igdesk_event_order();
