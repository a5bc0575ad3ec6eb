-- Answering customers: the outbox, send lanes, rate limits, uploads.

-- Items imported from Meta's Conversations API (ACC-7): a webhook for the same
-- message, which carries more (attachments, replies), replaces them.
ALTER TABLE timeline_items ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;

-- When the customer last wrote a message: the 24-hour and 7-day windows start here.
ALTER TABLE customers ADD COLUMN last_message_at INTEGER;

-- An account whose queue is held: throttled by Meta until a time, or needing a new
-- token (needs_reconnect, from the foundation schema).
ALTER TABLE accounts ADD COLUMN send_paused_until INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN pause_reason TEXT;

-- Jobs may belong to an account (sends wait on its limits) and have a priority:
-- 0 interactive (an agent waiting), 1 bulk (API traffic, background).
ALTER TABLE jobs ADD COLUMN account_id INTEGER REFERENCES accounts(id);
ALTER TABLE jobs ADD COLUMN priority INTEGER NOT NULL DEFAULT 1;
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (kind, priority, run_at, id) WHERE dead = 0;

-- One row per message igdesk sends: what to send, how, and how it went.
CREATE TABLE outgoing (
    item_id         INTEGER PRIMARY KEY REFERENCES timeline_items(id),
    account_id      INTEGER NOT NULL REFERENCES accounts(id),
    customer_id     INTEGER NOT NULL REFERENCES customers(id),
    lane            TEXT NOT NULL CHECK (lane IN ('console', 'api')),
    author          TEXT NOT NULL CHECK (author IN ('human', 'automatic')),
    -- Meta's `message` object (or a private reply's), ready to send.
    message         TEXT NOT NULL,
    comment_id      TEXT,
    state           TEXT NOT NULL CHECK (state IN ('waiting', 'queued', 'sending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    sending_since   INTEGER,
    error           TEXT,
    queued_at       INTEGER NOT NULL,
    sent_at         INTEGER
);
CREATE INDEX outgoing_by_customer ON outgoing (customer_id, state, item_id);
CREATE INDEX outgoing_sent_by_account ON outgoing (account_id, sent_at);

-- Images uploaded for replies, served to Meta at an unguessable URL.
CREATE TABLE uploads (
    id            TEXT PRIMARY KEY,
    content_type  TEXT NOT NULL,
    bytes         BLOB NOT NULL,
    created_at    INTEGER NOT NULL
);
