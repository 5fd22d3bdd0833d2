-- Beatbook HQ on PostgreSQL, schema 1. Shipped migrations are never edited: add a new file instead.
-- The same model as the SQLite schema. Op and outcome JSON are TEXT because they are kept exactly
-- as hashed; a record's state is TEXT because it is sent on to devices unchanged.
CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta (key, value) VALUES ('server_head', 0);

CREATE TABLE areas (id TEXT PRIMARY KEY, body JSONB NOT NULL);
CREATE TABLE teams (id TEXT PRIMARY KEY, body JSONB NOT NULL);
CREATE TABLE officers (
    id            TEXT PRIMARY KEY,
    collar_number TEXT NOT NULL UNIQUE,
    body          JSONB NOT NULL,
    password_hash TEXT
);

CREATE TABLE enrolment_codes (
    code_hash  TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ,
    device_id  UUID
);

CREATE TABLE devices (
    id           UUID PRIMARY KEY,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    app_version  TEXT NOT NULL,
    enrolled_at  TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    last_seen_at TIMESTAMPTZ,
    next_seq     BIGINT NOT NULL DEFAULT 1,
    chain_head   TEXT NOT NULL
);

CREATE TABLE sessions (
    access_hash        TEXT PRIMARY KEY,
    refresh_hash       TEXT NOT NULL UNIQUE,
    officer_id         TEXT NOT NULL,
    device_id          UUID NOT NULL,
    access_expires_at  TIMESTAMPTZ NOT NULL,
    refresh_expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_by_device ON sessions (device_id);

-- The op log is the audit trail: every op a device sent, what HQ did with it, and a hash chain
-- per device. Append-only, enforced by triggers (row UPDATE/DELETE and TRUNCATE all raise).
CREATE TABLE op_log (
    device_id   UUID NOT NULL,
    device_seq  BIGINT NOT NULL,
    record_id   UUID NOT NULL,
    kind        TEXT NOT NULL,
    author      TEXT NOT NULL,
    op          TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    server_seq  BIGINT,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    PRIMARY KEY (device_id, device_seq)
);
CREATE INDEX op_log_by_record ON op_log (record_id);

CREATE FUNCTION op_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the op log is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER op_log_no_update BEFORE UPDATE OR DELETE ON op_log
    FOR EACH ROW EXECUTE FUNCTION op_log_append_only();
CREATE TRIGGER op_log_no_truncate BEFORE TRUNCATE ON op_log
    FOR EACH STATEMENT EXECUTE FUNCTION op_log_append_only();

-- Current merged state of every record, at the server sequence of its latest change. The unique
-- constraint on server_seq is the index the change feed (`server_seq > cursor`) reads. States of a
-- few KB stay inline and uncompressed (toast_tuple_target), so a big push is not spent compressing.
CREATE TABLE records (
    id         UUID PRIMARY KEY,
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL,
    facts      JSONB NOT NULL,
    server_seq BIGINT NOT NULL UNIQUE
) WITH (toast_tuple_target = 8160);
