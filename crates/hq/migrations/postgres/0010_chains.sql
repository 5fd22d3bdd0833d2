-- Accountable access (issue 16): the access log hash-chained, and the admin log.
-- Shipped migrations are never edited: add a new file instead.

-- Each chained log's head: its last entry's position and hash. An append locks it
-- (SELECT .. FOR UPDATE), writes the next entry and moves it, in one transaction, so HQ
-- processes writing at once cannot fork a chain; and entries cut off the end of a log no longer
-- match it.
CREATE TABLE chain_heads (
    chain TEXT PRIMARY KEY,
    seq   BIGINT NOT NULL,
    hash  TEXT NOT NULL
);
INSERT INTO chain_heads (chain, seq, hash)
    VALUES ('admin_log', 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The access log's chain: each entry's position, the SHA-256 of its records and detail (which
-- the log's own retention clears: the chain covers their hash, as the op log's covers each op's),
-- the previous entry's hash and its own.
ALTER TABLE access_log DISABLE TRIGGER access_log_no_update;
ALTER TABLE access_log ADD COLUMN seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE access_log ADD COLUMN text_sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE access_log ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE access_log ADD COLUMN hash TEXT NOT NULL DEFAULT '';

-- step: access_chain --

ALTER TABLE access_log ENABLE TRIGGER access_log_no_update;
CREATE UNIQUE INDEX access_log_by_seq ON access_log (seq);

-- The log's own retention still clears only an old row's records and detail: the chain stays.
CREATE OR REPLACE FUNCTION access_log_clear_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND cardinality(NEW.record_ids) = 0 AND NEW.detail = ''
        AND (NEW.id, NEW.at, NEW.officer_id, NEW.device_id, NEW.action, NEW.purpose, NEW.seq,
             NEW.text_sha256, NEW.prev_hash, NEW.hash)
            IS NOT DISTINCT FROM
            (OLD.id, OLD.at, OLD.officer_id, OLD.device_id, OLD.action, OLD.purpose, OLD.seq,
             OLD.text_sha256, OLD.prev_hash, OLD.hash) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the access log is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;

-- The admin log: sign-ins, role, password and team changes, areas, enrolment codes, devices,
-- retention decisions, exports. Append-only and hash-chained.
CREATE TABLE admin_log (
    seq        BIGINT PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    officer_id TEXT,
    action     TEXT NOT NULL,
    detail     TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX admin_log_by_officer ON admin_log (officer_id, at);
CREATE INDEX admin_log_by_time ON admin_log (at);
CREATE FUNCTION admin_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the admin log is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER admin_log_no_update BEFORE UPDATE OR DELETE ON admin_log
    FOR EACH ROW EXECUTE FUNCTION admin_log_append_only();
CREATE TRIGGER admin_log_no_truncate BEFORE TRUNCATE ON admin_log
    FOR EACH STATEMENT EXECUTE FUNCTION admin_log_append_only();
