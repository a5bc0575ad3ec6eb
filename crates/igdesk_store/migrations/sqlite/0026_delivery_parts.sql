-- Deliveries are applied in parts (issue 16): intake hashes a delivery's account
-- and customer to one of 16 parts, and each part is applied by one loop at a time,
-- in the order its deliveries came, while the parts go side by side (on one
-- instance and across instances). A delivery whose events concern several
-- customers, or none that can be told, is part -1: a barrier, applied alone once
-- every delivery before it is applied. Rows written before, or by an older igdesk
-- during a rolling upgrade, are barriers: safe, in the order they came. (Jobs of
-- other kinds carry the column unused.)
ALTER TABLE deliveries ADD COLUMN part INTEGER NOT NULL DEFAULT -1;
ALTER TABLE jobs ADD COLUMN part INTEGER NOT NULL DEFAULT -1;
-- A part's claim reads its due deliveries in the order they came.
CREATE INDEX jobs_parts ON jobs (kind, part, id) WHERE dead = 0;
