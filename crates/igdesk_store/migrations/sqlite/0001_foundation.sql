-- igdesk foundation schema (SQLite). Times are Unix milliseconds; flags are 0/1.

CREATE TABLE inboxes (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    is_default  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);
-- The Instagram channel's default inbox: work from every entry point lands here
-- unless an exception links the entry point elsewhere (ACC-2).
INSERT INTO inboxes (name, is_default, created_at) VALUES ('Instagram', 1, 0);

CREATE TABLE accounts (
    id                      INTEGER PRIMARY KEY,
    ig_id                   TEXT NOT NULL UNIQUE,
    page_id                 TEXT NOT NULL,
    page_name               TEXT NOT NULL,
    username                TEXT NOT NULL,
    login_path              TEXT NOT NULL CHECK (login_path IN ('facebook', 'instagram')),
    token_sealed            TEXT NOT NULL,
    inbox_id                INTEGER REFERENCES inboxes(id),
    echo                    INTEGER NOT NULL DEFAULT 1,
    story_mentions_create   INTEGER NOT NULL DEFAULT 0,
    comments_create         INTEGER NOT NULL DEFAULT 1,
    needs_reconnect         INTEGER NOT NULL DEFAULT 0,
    added_by                TEXT NOT NULL,
    added_at                INTEGER NOT NULL,
    removed_at              INTEGER
);

CREATE TABLE agents (
    id             INTEGER PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,
    name           TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    is_admin       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL
);

CREATE TABLE agent_inboxes (
    agent_id  INTEGER NOT NULL REFERENCES agents(id),
    inbox_id  INTEGER NOT NULL REFERENCES inboxes(id),
    PRIMARY KEY (agent_id, inbox_id)
);

CREATE TABLE agent_tokens (
    id          INTEGER PRIMARY KEY,
    agent_id    INTEGER NOT NULL REFERENCES agents(id),
    token_hash  TEXT NOT NULL UNIQUE,
    label       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

-- Every signed POST from Meta, byte for byte, before anything is made of it.
CREATE TABLE deliveries (
    id            INTEGER PRIMARY KEY,
    received_at   INTEGER NOT NULL,
    body          BLOB NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('pending', 'processed', 'rejected')),
    error         TEXT,
    processed_at  INTEGER
);
-- Counting by status (the operator's first look) reads this index, not the bodies.
CREATE INDEX deliveries_by_status ON deliveries (status);

CREATE TABLE jobs (
    id            INTEGER PRIMARY KEY,
    kind          TEXT NOT NULL,
    dedup_key     TEXT UNIQUE,
    payload       TEXT NOT NULL,
    run_at        INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    leased_until  INTEGER NOT NULL DEFAULT 0,
    dead          INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    INTEGER NOT NULL
);
-- Each worker loop claims one kind: it must not walk past the other kinds' jobs.
CREATE INDEX jobs_due ON jobs (kind, run_at, id) WHERE dead = 0;

CREATE TABLE event_notes (
    id           INTEGER PRIMARY KEY,
    delivery_id  INTEGER REFERENCES deliveries(id),
    account_id   INTEGER REFERENCES accounts(id),
    kind         TEXT NOT NULL,
    reason       TEXT NOT NULL,
    raw          TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);

CREATE TABLE customers (
    id                  INTEGER PRIMARY KEY,
    account_id          INTEGER NOT NULL REFERENCES accounts(id),
    igsid               TEXT NOT NULL,
    name                TEXT,
    username            TEXT,
    profile_pic         TEXT,
    follower_count      INTEGER,
    is_verified         INTEGER,
    follows_business    INTEGER,
    business_follows    INTEGER,
    profile_fetched_at  INTEGER,
    phone               TEXT,
    email               TEXT,
    notes               TEXT,
    created_at          INTEGER NOT NULL,
    UNIQUE (account_id, igsid)
);

CREATE TABLE conversations (
    id                INTEGER PRIMARY KEY,
    account_id        INTEGER NOT NULL REFERENCES accounts(id),
    customer_id       INTEGER NOT NULL REFERENCES customers(id),
    inbox_id          INTEGER NOT NULL REFERENCES inboxes(id),
    state             TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    opened_at         INTEGER NOT NULL,
    closed_at         INTEGER,
    last_incoming_at  INTEGER,
    last_item_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX one_open_conversation ON conversations (account_id, customer_id) WHERE state = 'open';
CREATE INDEX conversations_by_inbox ON conversations (inbox_id, state);

CREATE TABLE timeline_items (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id),
    customer_id      INTEGER NOT NULL REFERENCES customers(id),
    conversation_id  INTEGER REFERENCES conversations(id),
    kind             TEXT NOT NULL,
    direction        TEXT NOT NULL,
    source           TEXT NOT NULL,
    mid              TEXT NOT NULL,
    text             TEXT,
    attachments      TEXT NOT NULL DEFAULT '[]',
    reply_to         TEXT,
    context          TEXT NOT NULL DEFAULT '{}',
    status           TEXT NOT NULL,
    deleted          INTEGER NOT NULL DEFAULT 0,
    story_gone       INTEGER NOT NULL DEFAULT 0,
    raw              TEXT,
    created_at       INTEGER NOT NULL,
    received_at      INTEGER NOT NULL,
    -- Meta redelivers and batches: an id seen before changes nothing (IN-3).
    UNIQUE (account_id, mid)
);
CREATE INDEX timeline_by_customer ON timeline_items (customer_id, created_at, id);

CREATE TABLE reactions (
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    mid         TEXT NOT NULL,
    igsid       TEXT NOT NULL,
    reaction    TEXT NOT NULL,
    emoji       TEXT,
    updated_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, mid, igsid)
);
