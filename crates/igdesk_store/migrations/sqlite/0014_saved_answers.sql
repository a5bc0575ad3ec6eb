-- Saved answers (issue 18): a library of replies administrators keep, for one inbox
-- or for everyone (`inbox_id` NULL), that agents insert in the composer. `body` is
-- the text as written, placeholders unfilled; `uses` counts insertions. An image is
-- an upload (`/media/{id}`), like a reply's.
CREATE TABLE saved_answers (
    id          INTEGER PRIMARY KEY,
    inbox_id    INTEGER REFERENCES inboxes(id),
    title       TEXT NOT NULL,
    body        TEXT NOT NULL,
    image_id    TEXT REFERENCES uploads(id),
    uses        INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
-- A title is unique in its scope ("everyone" is scope 0), whatever its case.
CREATE UNIQUE INDEX saved_answer_titles ON saved_answers (COALESCE(inbox_id, 0), LOWER(title));
