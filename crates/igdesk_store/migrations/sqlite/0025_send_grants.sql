-- Sends granted within an account's limits, shared by every instance on the
-- database (issue 16): igdesk's message limit over its window, Meta's calls per
-- second and private replies per hour are counted here, so N instances together
-- stay within one account's limits. A row is written as a send is granted, before
-- the call; upkeep prunes rows older than every window.
CREATE TABLE send_grants (
    account_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    private_reply INTEGER NOT NULL DEFAULT 0
);
-- The window and the second are counted over the account's newest grants; the
-- hour's private replies over its private ones only.
CREATE INDEX send_grants_recent ON send_grants (account_id, at);
CREATE INDEX send_grants_private ON send_grants (account_id, private_reply, at);
