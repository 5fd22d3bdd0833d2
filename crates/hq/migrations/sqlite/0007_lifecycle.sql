-- The records lifecycle (issue 15): review dates, retain/hold/dispose decisions, erasure.
-- Shipped migrations are never edited: add a new file instead.
--
-- The op log's chain changes to cover each op's SHA-256 instead of its text, so the text can be
-- cleared (disposal, the log's own retention) with the chain kept. The table is rebuilt to let
-- `op` be NULL; existing rows are re-chained by HQ itself (in Rust, between the two halves of
-- this file: see `storage::sqlite::migrations`), then the append-only triggers come back,
-- allowing exactly one change: the text cleared, with `disposed` set.

-- Where each record stands: its review date (the state's `retention_review`), the date a
-- records manager retained it until (which wins over the review date: a later push does not
-- move it), a hold's reason, and, while it waits to be erased, the dispose decision's sequence.
ALTER TABLE records ADD COLUMN review_on TEXT;
ALTER TABLE records ADD COLUMN retained_until TEXT;
ALTER TABLE records ADD COLUMN hold TEXT;
ALTER TABLE records ADD COLUMN disposal_pending INTEGER NOT NULL DEFAULT 0;
-- When the record was created (its first op's clock, ms), for the review queue's date filter.
ALTER TABLE records ADD COLUMN created_ms INTEGER;
-- The last decision taken on it, for the queue.
ALTER TABLE records ADD COLUMN last_decision INTEGER;
CREATE INDEX records_by_review ON records (coalesce(retained_until, review_on), server_seq)
    WHERE disposal_pending = 0;
CREATE INDEX records_pending_disposal ON records (disposal_pending) WHERE disposal_pending <> 0;

DROP TRIGGER op_log_no_update;
DROP TRIGGER op_log_no_delete;
CREATE TABLE op_log_new (
    device_id   TEXT NOT NULL,
    device_seq  INTEGER NOT NULL,
    record_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    author      TEXT NOT NULL,
    -- The op as sent; NULL once cleared.
    op          TEXT,
    outcome     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    server_seq  INTEGER,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    -- SHA-256 of the op as sent: what the chain covers.
    op_sha256   TEXT NOT NULL DEFAULT '',
    -- Set when the text is cleared: the disposal's sequence, or 0 (the log's own retention, or
    -- a record waiting to be erased).
    disposed    INTEGER,
    UNIQUE (device_id, device_seq)
);
INSERT INTO op_log_new (rowid, device_id, device_seq, record_id, kind, author, op, outcome,
        received_at, server_seq, prev_hash, hash)
    SELECT rowid, device_id, device_seq, record_id, kind, author, op, outcome, received_at,
        server_seq, prev_hash, hash FROM op_log;
DROP TABLE op_log;
ALTER TABLE op_log_new RENAME TO op_log;
CREATE INDEX op_log_by_record ON op_log (record_id);
CREATE INDEX op_log_by_author ON op_log (author, received_at);
CREATE INDEX op_log_by_time ON op_log (received_at);

-- What HQ keeps of a record it disposed of, and the feed tablets read to remove it.
CREATE TABLE disposals (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id   TEXT NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    disposed_at TEXT NOT NULL,
    disposed_by TEXT NOT NULL,
    reason      TEXT NOT NULL,
    decision    INTEGER NOT NULL,
    -- SHA-256 of each photo the record listed (a JSON array), and whether their files are gone.
    photos      TEXT NOT NULL,
    files_done  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX disposals_files_pending ON disposals (seq) WHERE files_done = 0;

-- The records manager's decisions, hash-chained like a device's op log. Append-only.
CREATE TABLE retention_decisions (
    seq        INTEGER PRIMARY KEY,
    at         TEXT NOT NULL,
    officer_id TEXT NOT NULL,
    decision   TEXT NOT NULL,
    until      TEXT,
    reason     TEXT NOT NULL,
    record_ids TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE TRIGGER retention_decisions_no_update BEFORE UPDATE ON retention_decisions
    BEGIN SELECT RAISE(ABORT, 'the decisions log is append-only'); END;
CREATE TRIGGER retention_decisions_no_delete BEFORE DELETE ON retention_decisions
    BEGIN SELECT RAISE(ABORT, 'the decisions log is append-only'); END;

-- The access log's own retention clears an old row's records and detail (when, who and what
-- they did stay); nothing else about it changes.
DROP TRIGGER access_log_no_update;
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
    WHEN NOT (NEW.record_ids = '[]' AND NEW.detail = '' AND NEW.id IS OLD.id AND NEW.at IS OLD.at
        AND NEW.officer_id IS OLD.officer_id AND NEW.device_id IS OLD.device_id
        AND NEW.action IS OLD.action)
    BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;

-- rechain --

CREATE TRIGGER op_log_no_update BEFORE UPDATE ON op_log
    WHEN NOT (NEW.op IS NULL AND NEW.disposed IS NOT NULL
        AND (OLD.op IS NOT NULL OR OLD.disposed = 0)
        AND NEW.device_id IS OLD.device_id AND NEW.device_seq IS OLD.device_seq
        AND NEW.record_id IS OLD.record_id AND NEW.kind IS OLD.kind
        AND NEW.author IS OLD.author AND NEW.outcome IS OLD.outcome
        AND NEW.received_at IS OLD.received_at AND NEW.server_seq IS OLD.server_seq
        AND NEW.prev_hash IS OLD.prev_hash AND NEW.hash IS OLD.hash
        AND NEW.op_sha256 IS OLD.op_sha256)
    BEGIN SELECT RAISE(ABORT, 'the op log is append-only: only an op''s text may be cleared'); END;
CREATE TRIGGER op_log_no_delete BEFORE DELETE ON op_log
    BEGIN SELECT RAISE(ABORT, 'the op log is append-only'); END;
