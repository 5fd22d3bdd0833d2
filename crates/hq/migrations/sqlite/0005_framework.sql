-- The performance framework: when a concern was first answered (an update appended, or its
-- status moved on from open), as the op's clock in milliseconds. Kept as the earliest ever seen,
-- so a concern answered and later closed counts from its first answer. NULL: not yet answered
-- (or synced before this column existed; the framework then reads the record's state).
-- Shipped migrations are never edited: add a new file instead.
ALTER TABLE records ADD COLUMN answered_ms BIGINT;
