-- The dashboard counts an account's private replies of the last hour against Meta's
-- 750 an hour. They are a few in a hundred sent messages: reading them through
-- `outgoing_sent_by_account` looked up every message sent in that hour.
CREATE INDEX outgoing_private_replies_sent ON outgoing (account_id, sent_at)
    WHERE comment_id IS NOT NULL;
