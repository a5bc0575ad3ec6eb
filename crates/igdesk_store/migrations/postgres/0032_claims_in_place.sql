-- A claim writes a job's lease and its count of attempts. When an update changes a
-- column that any index reads (its predicate included), PostgreSQL writes a new
-- entry for the row in every index of the table; with `attempts` in the predicate
-- of `jobs_strands_begun`, every claim did: five index entries and about seven
-- write-ahead-log records a job, the heaviest statements of a burst after the
-- conversations' and items' inserts (docs/BENCHMARKS.md). With no claimed column
-- indexed, and room left on each page for the row's new version, a claim (and a
-- lease's renewal) updates the row where it is, as a heap-only tuple.
--
-- The strand look (`strand_clear`) now reads every live job of a customer's strand
-- and tests `attempts` in the row: a strand holds the few deliveries of one
-- customer not yet applied, and the look stops at the first one holding. SQLite
-- rewrites only the indexes an update's columns touch (here the one index), so it
-- keeps the smaller index of begun jobs.
DROP INDEX jobs_strands_begun;
CREATE INDEX jobs_strands ON jobs (strand, id) WHERE strand <> 0 AND dead = 0;
ALTER TABLE jobs SET (fillfactor = 50);
