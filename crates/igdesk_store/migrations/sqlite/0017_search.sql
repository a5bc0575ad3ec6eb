-- Full-text search (FTS5) over what customers and agents wrote, and over the people.
-- Both indexes are contentless: they keep the words, not a second copy of the text,
-- and are kept up to date by triggers, so an index entry is written, changed or
-- removed in the same transaction as its row. A deleted message leaves the index
-- with its content. `remove_diacritics 2` lets "chloe" find "Chloé".
-- `scope` holds the item's account and customer ("a3 c1042"): an agent's search asks
-- for their accounts (and the customers transferred to them) inside the index, so
-- the words of other inboxes are skipped there rather than read and thrown away.
CREATE VIRTUAL TABLE item_words USING fts5(
    words, scope, content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO item_words (rowid, words, scope)
    SELECT id, text, 'a' || account_id || ' c' || customer_id FROM timeline_items
    WHERE text IS NOT NULL AND deleted = 0;
CREATE TRIGGER item_words_added AFTER INSERT ON timeline_items
    WHEN new.text IS NOT NULL AND new.deleted = 0
BEGIN
    INSERT INTO item_words (rowid, words, scope)
        VALUES (new.id, new.text, 'a' || new.account_id || ' c' || new.customer_id);
END;
CREATE TRIGGER item_words_changed AFTER UPDATE OF text, deleted, account_id, customer_id ON timeline_items
BEGIN
    DELETE FROM item_words WHERE rowid = old.id;
    INSERT INTO item_words (rowid, words, scope)
        SELECT new.id, new.text, 'a' || new.account_id || ' c' || new.customer_id
        WHERE new.text IS NOT NULL AND new.deleted = 0;
END;
CREATE TRIGGER item_words_removed AFTER DELETE ON timeline_items
BEGIN
    DELETE FROM item_words WHERE rowid = old.id;
END;

-- A person is found by Instagram name, username, IGSID, phone (also as bare digits,
-- so "912345678" finds "+351 912 345 678") and email.
-- Names are searched as they are typed ("ana sou"): the first letters of every word
-- are indexed too, so a prefix is one lookup, not a walk over every longer word.
CREATE VIRTUAL TABLE customer_words USING fts5(
    words, content = '', contentless_delete = 1, prefix = '1 2 3',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO customer_words (rowid, words)
    SELECT id, concat_ws(' ', name, username, igsid, phone,
        replace(replace(replace(replace(replace(phone, ' ', ''), '-', ''), '+', ''), '(', ''), ')', ''),
        email)
    FROM customers;
CREATE TRIGGER customer_words_added AFTER INSERT ON customers
BEGIN
    INSERT INTO customer_words (rowid, words) VALUES (new.id, concat_ws(' ', new.name,
        new.username, new.igsid, new.phone,
        replace(replace(replace(replace(replace(new.phone, ' ', ''), '-', ''), '+', ''), '(', ''), ')', ''),
        new.email));
END;
CREATE TRIGGER customer_words_changed AFTER UPDATE OF name, username, igsid, phone, email ON customers
BEGIN
    DELETE FROM customer_words WHERE rowid = old.id;
    INSERT INTO customer_words (rowid, words) VALUES (new.id, concat_ws(' ', new.name,
        new.username, new.igsid, new.phone,
        replace(replace(replace(replace(replace(new.phone, ' ', ''), '-', ''), '+', ''), '(', ''), ')', ''),
        new.email));
END;
CREATE TRIGGER customer_words_removed AFTER DELETE ON customers
BEGIN
    DELETE FROM customer_words WHERE rowid = old.id;
END;
