-- Meta's login (ACC-1, ACC-6). The state sent to Meta is a random secret: only its
-- hash is kept. It is taken once by Meta's callback within 10 minutes; the
-- accounts found then are kept with it (their tokens sealed) until the
-- administrator picks which to connect, once.
CREATE TABLE connect_attempts (
    state_hash   TEXT PRIMARY KEY,
    agent_id     INTEGER NOT NULL REFERENCES agents(id),
    login_path   TEXT NOT NULL CHECK (login_path IN ('facebook', 'instagram')),
    created_at   INTEGER NOT NULL,
    returned_at  INTEGER,
    found        TEXT,
    finished_at  INTEGER
);
CREATE INDEX connect_attempts_by_time ON connect_attempts (created_at);

-- Whether Meta delivers the account's webhooks to igdesk's app, as last checked
-- (NULL: not checked yet).
ALTER TABLE accounts ADD COLUMN subscribed INTEGER;
ALTER TABLE accounts ADD COLUMN subscription_checked_at INTEGER;
