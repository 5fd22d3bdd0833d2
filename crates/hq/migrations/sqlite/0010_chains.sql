-- Accountable access (issue 16): the access log hash-chained, and the admin log.
-- Shipped migrations are never edited: add a new file instead.

-- Each chained log's head: its last entry's position and hash. An append takes it, writes the
-- next entry and moves it, in one write transaction, so two writers cannot fork a chain; and
-- entries cut off the end of a log no longer match it.
CREATE TABLE chain_heads (
    chain TEXT PRIMARY KEY,
    seq   INTEGER NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO chain_heads (chain, seq, hash)
    VALUES ('admin_log', 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The access log's chain: each entry's position, the SHA-256 of its records and detail (which
-- the log's own retention clears: the chain covers their hash, as the op log's covers each op's),
-- the previous entry's hash and its own.
DROP TRIGGER access_log_no_update;
ALTER TABLE access_log ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE access_log ADD COLUMN text_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE access_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE access_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';

-- step: access_chain --

CREATE UNIQUE INDEX access_log_by_seq ON access_log (seq);

-- The log's own retention still clears only an old row's records and detail: the chain stays.
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
    WHEN NOT (NEW.record_ids = '[]' AND NEW.detail = '' AND NEW.id IS OLD.id AND NEW.at IS OLD.at
        AND NEW.officer_id IS OLD.officer_id AND NEW.device_id IS OLD.device_id
        AND NEW.action IS OLD.action AND NEW.purpose IS OLD.purpose AND NEW.seq IS OLD.seq
        AND NEW.text_sha256 IS OLD.text_sha256 AND NEW.prev_hash IS OLD.prev_hash
        AND NEW.hash IS OLD.hash)
    BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;

-- The admin log: sign-ins, role, password and team changes, areas, enrolment codes, devices,
-- retention decisions, exports. Append-only and hash-chained.
CREATE TABLE admin_log (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    officer_id TEXT,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX admin_log_by_officer ON admin_log (officer_id, at);
CREATE INDEX admin_log_by_time ON admin_log (at);
CREATE TRIGGER admin_log_no_update BEFORE UPDATE ON admin_log
    BEGIN SELECT RAISE(ABORT, 'the admin log is append-only'); END;
CREATE TRIGGER admin_log_no_delete BEFORE DELETE ON admin_log
    BEGIN SELECT RAISE(ABORT, 'the admin log is append-only'); END;
