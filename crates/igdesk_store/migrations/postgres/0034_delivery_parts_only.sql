-- Only deliveries are claimed by part, so only deliveries are in the parts' index.
-- With every job in it (`kind` first), a claim of messages to send could read it
-- instead of `jobs_due`: PostgreSQL, planning on statistics from before a backlog
-- was queued, walked every queued message of the kind this way, held ones too (7 ms
-- a claim with 10,000 held; docs/BENCHMARKS.md). Queuing a message or a profile
-- refresh now writes one index entry less.
DROP INDEX jobs_parts;
CREATE INDEX jobs_parts ON jobs (part, id) WHERE kind = 'process_delivery' AND dead = 0;
