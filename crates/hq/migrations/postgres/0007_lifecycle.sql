-- The records lifecycle (issue 15): review dates, retain/hold/dispose decisions, erasure.
-- Shipped migrations are never edited: add a new file instead.
--
-- The op log's chain changes to cover each op's SHA-256 instead of its text, so the text can be
-- cleared (disposal, the log's own retention) with the chain kept. Existing rows are re-chained
-- by HQ itself (in Rust, between the two halves of this file: see
-- `storage::postgres::migrations`), then the append-only trigger comes back, allowing exactly one
-- change: the text cleared, with `disposed` set.

-- Where each record stands: its review date (the state's `retention_review`), the date a
-- records manager retained it until (which wins over the review date: a later push does not
-- move it), a hold's reason, and, while it waits to be erased, the dispose decision's sequence.
ALTER TABLE records ADD COLUMN review_on DATE;
ALTER TABLE records ADD COLUMN retained_until DATE;
ALTER TABLE records ADD COLUMN hold TEXT;
ALTER TABLE records ADD COLUMN disposal_pending BIGINT NOT NULL DEFAULT 0;
-- When the record was created (its first op's clock, ms), for the review queue's date filter.
ALTER TABLE records ADD COLUMN created_ms BIGINT;
-- The last decision taken on it, for the queue.
ALTER TABLE records ADD COLUMN last_decision BIGINT;
CREATE INDEX records_by_review ON records ((coalesce(retained_until, review_on)), server_seq)
    WHERE disposal_pending = 0;
CREATE INDEX records_pending_disposal ON records (disposal_pending) WHERE disposal_pending <> 0;

DROP TRIGGER op_log_no_update ON op_log;
ALTER TABLE op_log ALTER COLUMN op DROP NOT NULL;
-- SHA-256 of the op as sent: what the chain covers.
ALTER TABLE op_log ADD COLUMN op_sha256 TEXT NOT NULL DEFAULT '';
-- Set when the text is cleared: the disposal's sequence, or 0 (the log's own retention, or a
-- record waiting to be erased).
ALTER TABLE op_log ADD COLUMN disposed BIGINT;

-- What HQ keeps of a record it disposed of, and the feed tablets read to remove it.
CREATE TABLE disposals (
    seq         BIGSERIAL PRIMARY KEY,
    record_id   UUID NOT NULL UNIQUE,
    kind        TEXT NOT NULL,
    disposed_at TIMESTAMPTZ NOT NULL,
    disposed_by TEXT NOT NULL,
    reason      TEXT NOT NULL,
    decision    BIGINT NOT NULL,
    -- SHA-256 of each photo the record listed, and whether their files are gone.
    photos      TEXT[] NOT NULL,
    files_done  BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX disposals_files_pending ON disposals (seq) WHERE NOT files_done;

-- The records manager's decisions, hash-chained like a device's op log. Append-only.
CREATE TABLE retention_decisions (
    seq        BIGINT PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    officer_id TEXT NOT NULL,
    decision   TEXT NOT NULL,
    until      DATE,
    reason     TEXT NOT NULL,
    record_ids UUID[] NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE FUNCTION retention_decisions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the decisions log is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER retention_decisions_no_update BEFORE UPDATE OR DELETE ON retention_decisions
    FOR EACH ROW EXECUTE FUNCTION retention_decisions_append_only();
CREATE TRIGGER retention_decisions_no_truncate BEFORE TRUNCATE ON retention_decisions
    FOR EACH STATEMENT EXECUTE FUNCTION retention_decisions_append_only();

-- The access log's own retention clears an old row's records and detail (when, who and what
-- they did stay); nothing else about it changes, and nothing is deleted.
DROP TRIGGER access_log_no_update ON access_log;
CREATE FUNCTION access_log_clear_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND cardinality(NEW.record_ids) = 0 AND NEW.detail = ''
        AND (NEW.id, NEW.at, NEW.officer_id, NEW.device_id, NEW.action)
            IS NOT DISTINCT FROM (OLD.id, OLD.at, OLD.officer_id, OLD.device_id, OLD.action) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the access log is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_clear_only();

-- rechain --

CREATE FUNCTION op_log_clear_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.op IS NULL AND NEW.disposed IS NOT NULL
        AND (OLD.op IS NOT NULL OR OLD.disposed = 0)
        AND (NEW.device_id, NEW.device_seq, NEW.record_id, NEW.kind, NEW.author, NEW.outcome,
             NEW.received_at, NEW.server_seq, NEW.prev_hash, NEW.hash, NEW.op_sha256)
            IS NOT DISTINCT FROM
            (OLD.device_id, OLD.device_seq, OLD.record_id, OLD.kind, OLD.author, OLD.outcome,
             OLD.received_at, OLD.server_seq, OLD.prev_hash, OLD.hash, OLD.op_sha256) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the op log is append-only: only an op''s text may be cleared'
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER op_log_no_update BEFORE UPDATE OR DELETE ON op_log
    FOR EACH ROW EXECUTE FUNCTION op_log_clear_only();
