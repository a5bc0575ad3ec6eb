-- When a Story mention's media was last asked for on Meta's CDN (IN-6): a Story the
-- customer deleted answers 403/404 there before its 24 hours are up, and the item
-- then reads "Story is no longer available" (story_gone). Checked when an agent opens
-- the timeline, and at most hourly while the customer has an open conversation. NULL:
-- never checked (the hourly check counts from the item's time then).
ALTER TABLE timeline_items ADD COLUMN story_checked_at INTEGER;
