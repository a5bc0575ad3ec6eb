-- A greeting goes to a customer's first conversation ever: when a conversation
-- opens, processing asks whether the customer has had another. No index leads with
-- the customer, so that was a pass over every conversation in processing's write
-- (2,000,000 on the 10 M-item store of docs/BENCHMARKS.md). The customer has had
-- another exactly when one of theirs is closed (at most one is open), and only
-- closed conversations are in this index: opening one writes nothing to it.
CREATE INDEX conversations_closed ON conversations (customer_id) WHERE state = 'closed';
