-- Labels on customers (issue 18): short words agents put on people ("vip",
-- "wholesale") and filter their work by. A label is the business's, unique whatever
-- its case (`name_key` is the name lowercased by igdesk, which knows Unicode's cases;
-- SQLite's LOWER knows only ASCII). `name` keeps the spelling it was first given.
CREATE TABLE labels (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL
);
-- Which customer carries which label, keyed by account like the customers: a
-- customer's labels are one range of the key, a label's customers one range of the
-- index (the account second, so scoping to an agent's accounts stays in the index).
CREATE TABLE customer_labels (
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    label_id     INTEGER NOT NULL REFERENCES labels(id),
    added_by     INTEGER REFERENCES agents(id),
    added_at     INTEGER NOT NULL,
    PRIMARY KEY (account_id, customer_id, label_id)
) WITHOUT ROWID;
CREATE INDEX customer_labels_by_label ON customer_labels (label_id, account_id, customer_id);
