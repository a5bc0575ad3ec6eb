-- Upkeep looks for customer queues with waiting messages and nothing on its way
-- (a lost hand-over); waiting messages are few, sent ones many.
CREATE INDEX outgoing_waiting ON outgoing (customer_id) WHERE state = 'waiting';
