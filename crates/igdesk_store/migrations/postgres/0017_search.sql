-- Full-text search over what customers and agents wrote, and over the people: a
-- tsvector kept by the row itself (a generated column, so it changes in the same
-- statement as the text) with a GIN index. The 'simple' configuration: customers
-- write in every language, so words are lower-cased, not stemmed. Punctuation (dots,
-- underscores, @ …) is turned into spaces first, so that words split as SQLite's
-- unicode61 splits them ("ana.souza" is "ana" and "souza" on both, not one host
-- name). A deleted message has no vector.
--
-- The vector also holds the item's account and customer as `~a3` and `~c1042`
-- (lexemes no search word can be: words are letters and digits only), so an agent's
-- search asks for their accounts (and the customers transferred to them) in the
-- index itself.
ALTER TABLE timeline_items ADD COLUMN words tsvector GENERATED ALWAYS AS (
    CASE WHEN deleted = 0 AND text IS NOT NULL
        THEN to_tsvector('simple', regexp_replace(text, '[[:punct:]]+', ' ', 'g'))
            || array_to_tsvector(ARRAY['~a' || account_id, '~c' || customer_id])
    END
) STORED;
CREATE INDEX timeline_items_words ON timeline_items USING gin (words);

-- A person is found by Instagram name, username, IGSID, phone (also as bare digits)
-- and email.
ALTER TABLE customers ADD COLUMN words tsvector GENERATED ALWAYS AS (
    to_tsvector('simple', regexp_replace(
        coalesce(name, '') || ' ' || coalesce(username, '') || ' ' || igsid || ' ' ||
        coalesce(phone, '') || ' ' || coalesce(regexp_replace(phone, '[^0-9]+', '', 'g'), '') || ' ' ||
        coalesce(email, ''),
        '[[:punct:]]+', ' ', 'g'))
) STORED;
CREATE INDEX customers_words ON customers USING gin (words);
