-- Reads on a large store (issue 16, `igdesk bench reads`: 10 M timeline items, 1 M
-- customers, 100 k open conversations).
--
-- A timeline page and a profile read the profiles merged into the customer
-- (`merged_into = $customer`): without an index that is a scan of every customer.
-- Few customers are ever merged, so only they are indexed.
CREATE INDEX customers_merged ON customers (merged_into) WHERE merged_into IS NOT NULL;
-- The conversation lists (the API's and the desk's, which always has a state) read
-- the most recently active of one state first: this index gives them in that order,
-- so a page of 200 stops after 200 visible rows instead of sorting every open one.
CREATE INDEX conversations_recent ON conversations (state, last_item_at, id);
