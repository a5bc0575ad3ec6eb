-- Automatic replies (issue 17, OUT-9). Business hours are an inbox's: one row per
-- inbox that has them, the weekly ranges and holidays as JSON as the API shows them.
CREATE TABLE business_hours (
    inbox_id      INTEGER PRIMARY KEY REFERENCES inboxes(id),
    time_zone     TEXT NOT NULL,
    weekly        TEXT NOT NULL,
    holidays      TEXT NOT NULL,
    away_message  TEXT,
    greeting      TEXT,
    updated_at    INTEGER NOT NULL
);

-- Rules administrators set: checked by position (then id), the first match wins.
-- `inbox_id` NULL: every inbox. `looks_for` is the trigger, as JSON.
CREATE TABLE rules (
    id                 INTEGER PRIMARY KEY,
    inbox_id           INTEGER REFERENCES inboxes(id),
    position           INTEGER NOT NULL,
    name               TEXT NOT NULL,
    enabled            INTEGER NOT NULL DEFAULT 1,
    looks_for          TEXT NOT NULL,
    reply_text         TEXT,
    quick_replies      TEXT NOT NULL DEFAULT '[]',
    topic_id           INTEGER REFERENCES topics(id),
    route_to_inbox_id  INTEGER REFERENCES inboxes(id),
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX rules_in_order ON rules (position, id);

-- Every automatic reply queued, written in the transaction that queued it: what the
-- limits read (a rule answers a customer once an hour; the away message goes once
-- per conversation; the greeting once per customer).
CREATE TABLE automatic_replies (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id),
    customer_id      INTEGER NOT NULL REFERENCES customers(id),
    conversation_id  INTEGER REFERENCES conversations(id),
    reason           TEXT NOT NULL CHECK (reason IN ('away', 'greeting', 'rule')),
    rule_id          INTEGER,
    item_id          INTEGER NOT NULL REFERENCES timeline_items(id),
    created_at       INTEGER NOT NULL
);
CREATE INDEX automatic_replies_by_customer ON automatic_replies (customer_id, reason, rule_id, created_at);
CREATE UNIQUE INDEX automatic_away_once ON automatic_replies (conversation_id) WHERE reason = 'away';
CREATE UNIQUE INDEX automatic_greeting_once ON automatic_replies (customer_id) WHERE reason = 'greeting';
