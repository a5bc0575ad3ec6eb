-- A customer's deliveries stay in order through failures: intake gives each
-- delivery its customer's strand (a 64-bit hash of account and customer, never 0;
-- 0 for a barrier), and a delivery that failed and waits for its retry holds back
-- the later deliveries of its strand, not the rest of its part. Rows written
-- before, or by an older igdesk, have strand 0 and keep the order they had.
ALTER TABLE deliveries ADD COLUMN strand INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN strand INTEGER NOT NULL DEFAULT 0;
-- The deliveries that were claimed and are not done: in hand, or waiting for their
-- retry. A claim looks here for an earlier one of each candidate's strand.
CREATE INDEX jobs_strands_begun ON jobs (strand, id) WHERE strand <> 0 AND attempts > 0 AND dead = 0;
