-- The dashboard's figures (UI-5) come from small rolled-up tables written with the
-- changes they count, and from partial indexes over the little that is still
-- moving: drawing it never scans the timeline, the deliveries or the clocks.

-- Upper bounds (seconds) of the buckets that waits for an answer are counted in.
-- The median and 90th percentile are read from these counts, so the bounds are
-- close where waits usually are. One place: the rollups and the reports read it.
CREATE TABLE wait_buckets (
    bucket         BIGINT PRIMARY KEY,
    up_to_seconds  BIGINT NOT NULL
);
INSERT INTO wait_buckets (bucket, up_to_seconds) VALUES
    (0, 5), (1, 10), (2, 20), (3, 30), (4, 45), (5, 60), (6, 90), (7, 120), (8, 180),
    (9, 240), (10, 300), (11, 450), (12, 600), (13, 900), (14, 1200), (15, 1800),
    (16, 2700), (17, 3600), (18, 5400), (19, 7200), (20, 10800), (21, 14400),
    (22, 21600), (23, 43200), (24, 86400), (25, 172800), (26, 604800), (27, 4000000000);

-- Answered waits by inbox, the hour (UTC) the wait began and wait bucket:
-- `breached` counts the ones answered after their due time, `wait_ms` sums them.
-- The key carries the counts, so a period of an inbox is read from the index alone.
CREATE TABLE wait_hours (
    inbox_id  BIGINT NOT NULL,
    hour      BIGINT NOT NULL,
    bucket    BIGINT NOT NULL,
    answered  BIGINT NOT NULL,
    breached  BIGINT NOT NULL,
    wait_ms   BIGINT NOT NULL,
    PRIMARY KEY (inbox_id, hour, bucket) INCLUDE (answered, breached)
);
-- The same since the beginning, for Prometheus' cumulative histogram.
CREATE TABLE wait_totals (
    inbox_id  BIGINT NOT NULL,
    bucket    BIGINT NOT NULL,
    answered  BIGINT NOT NULL,
    breached  BIGINT NOT NULL,
    wait_ms   BIGINT NOT NULL,
    PRIMARY KEY (inbox_id, bucket)
);
INSERT INTO wait_hours (inbox_id, hour, bucket, answered, breached, wait_ms)
SELECT inbox_id, hour, bucket, COUNT(*), SUM(late), SUM(wait) FROM (
    SELECT inbox_id, started_at - started_at % 3600000 AS hour,
           GREATEST(met_at - started_at, 0) AS wait,
           CASE WHEN met_at > due_at THEN 1 ELSE 0 END AS late,
           (SELECT MIN(b.bucket) FROM wait_buckets b
            WHERE b.up_to_seconds * 1000 >= GREATEST(met_at - started_at, 0)) AS bucket
    FROM sla_clocks WHERE met_at IS NOT NULL
) AS waits GROUP BY inbox_id, hour, bucket;
INSERT INTO wait_totals (inbox_id, bucket, answered, breached, wait_ms)
SELECT inbox_id, bucket, SUM(answered), SUM(breached), SUM(wait_ms)
FROM wait_hours GROUP BY inbox_id, bucket;

-- Deliveries received per minute (UTC).
CREATE TABLE intake_minutes (
    minute      BIGINT NOT NULL,
    deliveries  BIGINT NOT NULL,
    PRIMARY KEY (minute) INCLUDE (deliveries)
);
INSERT INTO intake_minutes (minute, deliveries)
SELECT received_at - received_at % 60000, COUNT(*) FROM deliveries
GROUP BY received_at - received_at % 60000;

-- When Meta last sent an event for the account (to the minute).
ALTER TABLE accounts ADD COLUMN last_event_at BIGINT NOT NULL DEFAULT 0;
-- When a message failed for good, for "failures in the last hour".
ALTER TABLE outgoing ADD COLUMN failed_at BIGINT;
CREATE INDEX outgoing_failed ON outgoing (failed_at) WHERE state = 'failed';
CREATE INDEX outgoing_unsent ON outgoing (account_id, lane)
    WHERE state IN ('waiting', 'queued', 'sending');
-- Waits not yet answered are few; answered ones are many. Both indexes carry what
-- the dashboard reads of them, so it reads no table row: by inbox and start (with
-- the due time) for the SLA's unanswered waits, by conversation (with the start)
-- for the longest wait of the open ones.
CREATE INDEX sla_running ON sla_clocks (inbox_id, started_at) INCLUDE (due_at) WHERE met_at IS NULL;
CREATE INDEX sla_running_by_conversation ON sla_clocks (conversation_id) INCLUDE (started_at) WHERE met_at IS NULL;
-- Open conversations by inbox, with their agent: the dashboard's counts of open work
-- read only this.
CREATE INDEX conversations_open ON conversations (inbox_id, agent_id, id) WHERE state = 'open';
CREATE INDEX event_notes_by_time ON event_notes (created_at);
