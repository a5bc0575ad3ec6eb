-- A redelivered webhook (Meta retries for up to 36 hours, and repeats bodies it is not
-- sure arrived) is recognised by the SHA-256 of its exact bytes: intake inserts with
-- ON CONFLICT DO NOTHING on this index, so a replay costs no extra round trip and is
-- never stored twice. Rows from before this migration, and rejected deliveries, have
-- no hash (NULLs never conflict).
ALTER TABLE deliveries ADD COLUMN body_hash BYTEA;
CREATE UNIQUE INDEX deliveries_by_body_hash ON deliveries (body_hash) WHERE body_hash IS NOT NULL;
