-- Internal notes (issue 18): an agent's note on a customer's timeline, which only the
-- team sees. A note is a timeline item of kind 'note', direction 'internal', with no
-- conversation (it belongs to the person, not to a session, so nothing that reads a
-- conversation's items — offers' previews, SLA, chapters — ever meets one), its text
-- in `text` (so search finds it) and its writer here. Other items have no author.
ALTER TABLE timeline_items ADD COLUMN author_id INTEGER REFERENCES agents(id);
