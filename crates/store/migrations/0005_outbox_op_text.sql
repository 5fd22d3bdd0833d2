-- Each op's text moves out of the outbox row into a table of its own, so that recording what HQ
-- did with an op (acknowledged, refused) rewrites a row of a few dozen bytes rather than the op
-- itself: a push of thousands of ops no longer re-encrypts the whole outbox. Shipped migrations
-- are never edited: add a new file instead.
CREATE TABLE outbox_ops (
    device_seq INTEGER PRIMARY KEY,
    op         TEXT NOT NULL
) STRICT;
INSERT INTO outbox_ops (device_seq, op) SELECT device_seq, op FROM outbox;
ALTER TABLE outbox DROP COLUMN op;
