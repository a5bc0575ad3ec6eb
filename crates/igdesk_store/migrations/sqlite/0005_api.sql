-- The Business Messaging API (CM.com-compatible): product tokens, per-account
-- settings, the messages it accepted, the webhooks owed to its user, and who
-- controls a customer's conversation (the bot or people).

-- API-1: product tokens, stored as SHA-256 (never the token), one account each.
CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts(id),
    name        TEXT NOT NULL DEFAULT '',
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_tokens_by_account ON api_tokens (account_id);

-- An account is API-enabled while it has a row here. Where its inbound messages,
-- events and status reports go, the (sealed) Standard Webhooks signing secret, where
-- a customer asking for a person is handed (igdesk's agents or Instagram's inbox),
-- and how long undelivered webhooks are retried.
CREATE TABLE api_settings (
    account_id               INTEGER PRIMARY KEY REFERENCES accounts(id),
    inbound_url              TEXT,
    status_url               TEXT,
    secret_sealed            TEXT NOT NULL,
    handover                 TEXT NOT NULL DEFAULT 'agents' CHECK (handover IN ('agents', 'instagram_inbox')),
    inbound_retry_seconds    INTEGER NOT NULL DEFAULT 2592000,
    status_retry_seconds     INTEGER NOT NULL DEFAULT 604800,
    updated_at               INTEGER NOT NULL
);

-- API-3: until then, people (not the API's bot) have the customer's conversation.
ALTER TABLE customers ADD COLUMN handover_until INTEGER NOT NULL DEFAULT 0;

-- One message the API accepted for one recipient; it may become several Instagram
-- messages (text, then image): its outbox rows. Its state is what status reports
-- said last: delivered once none of its outbox rows is left unsent.
CREATE TABLE api_messages (
    id           INTEGER PRIMARY KEY,
    account_id   INTEGER NOT NULL REFERENCES accounts(id),
    customer_id  INTEGER NOT NULL REFERENCES customers(id),
    token_id     INTEGER NOT NULL REFERENCES api_tokens(id),
    reference    TEXT,
    state        TEXT NOT NULL DEFAULT 'accepted' CHECK (state IN ('accepted', 'delivered', 'read', 'failed')),
    created_at   INTEGER NOT NULL
);
CREATE INDEX api_messages_by_customer ON api_messages (customer_id, state);

ALTER TABLE outgoing ADD COLUMN api_message_id INTEGER REFERENCES api_messages(id);
CREATE INDEX outgoing_by_api_message ON outgoing (api_message_id) WHERE api_message_id IS NOT NULL;
-- CM.com's `validity`: not sent after this time (it fails as expired instead).
ALTER TABLE outgoing ADD COLUMN valid_until INTEGER;

-- API-4, API-5: webhooks owed to the API's user, written in the transaction of the
-- change they report, delivered in id order per `order_key` (one stream of one
-- conversation) and retried until acknowledged or `expires_at`.
CREATE TABLE api_webhooks (
    id               INTEGER PRIMARY KEY,
    account_id       INTEGER NOT NULL REFERENCES accounts(id),
    stream           TEXT NOT NULL CHECK (stream IN ('inbound', 'status')),
    order_key        TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'expired')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    leased_until     INTEGER NOT NULL DEFAULT 0,
    expires_at       INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER,
    last_error       TEXT
);
CREATE INDEX api_webhooks_due ON api_webhooks (state, next_attempt_at);
CREATE INDEX api_webhooks_by_key ON api_webhooks (order_key, state, id);
