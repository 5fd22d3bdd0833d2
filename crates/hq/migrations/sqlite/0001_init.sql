-- Beatbook HQ on SQLite, schema 1. Shipped migrations are never edited: add a new file instead.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta (key, value) VALUES ('server_head', '0');

CREATE TABLE areas (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE teams (id TEXT PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE officers (
    id            TEXT PRIMARY KEY,
    collar_number TEXT NOT NULL UNIQUE,
    body          TEXT NOT NULL,
    password_hash TEXT
);

CREATE TABLE enrolment_codes (
    code_hash  TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL,
    used_at    TEXT,
    device_id  TEXT
);

CREATE TABLE devices (
    id           TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    secret_hash  TEXT NOT NULL,
    app_version  TEXT NOT NULL,
    enrolled_at  TEXT NOT NULL,
    revoked_at   TEXT,
    last_seen_at TEXT,
    next_seq     INTEGER NOT NULL DEFAULT 1,
    chain_head   TEXT NOT NULL
);

CREATE TABLE sessions (
    access_hash        TEXT PRIMARY KEY,
    refresh_hash       TEXT NOT NULL UNIQUE,
    officer_id         TEXT NOT NULL,
    device_id          TEXT NOT NULL,
    access_expires_at  TEXT NOT NULL,
    refresh_expires_at TEXT NOT NULL
);
CREATE INDEX sessions_by_device ON sessions (device_id);

-- The op log is the audit trail: every op a device sent, what HQ did with it, and a hash chain
-- per device. Append-only, enforced by triggers.
CREATE TABLE op_log (
    device_id   TEXT NOT NULL,
    device_seq  INTEGER NOT NULL,
    record_id   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    author      TEXT NOT NULL,
    op          TEXT NOT NULL,
    outcome     TEXT NOT NULL,
    received_at TEXT NOT NULL,
    server_seq  INTEGER,
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL,
    -- A rowid table: its rows are large (the op as sent), which WITHOUT ROWID handles badly.
    UNIQUE (device_id, device_seq)
);
CREATE INDEX op_log_by_record ON op_log (record_id);
CREATE TRIGGER op_log_no_update BEFORE UPDATE ON op_log
    BEGIN SELECT RAISE(ABORT, 'the op log is append-only'); END;
CREATE TRIGGER op_log_no_delete BEFORE DELETE ON op_log
    BEGIN SELECT RAISE(ABORT, 'the op log is append-only'); END;

-- Current merged state of every record, at the server sequence of its latest change.
CREATE TABLE records (
    id         TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    state      TEXT NOT NULL,
    facts      TEXT NOT NULL,
    server_seq INTEGER NOT NULL UNIQUE
);
