-- Beatbook device store, schema 1. Shipped migrations are never edited: add a new file instead.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Reference areas (wards, town centres) used to route a location to the areas it falls in.
CREATE TABLE areas (
    id   TEXT PRIMARY KEY,
    body TEXT NOT NULL
) STRICT;

-- Current state of every record this device holds: the merge state plus what lists show.
CREATE TABLE records (
    -- An explicit key, so VACUUM can never renumber the rows the search index points at.
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    state            TEXT NOT NULL,
    body             TEXT NOT NULL,
    title            TEXT NOT NULL,
    status           TEXT,
    occurred_at      TEXT NOT NULL,
    retention_review TEXT NOT NULL,
    created_by       TEXT NOT NULL,
    updated_ms       INTEGER NOT NULL,
    deleted          INTEGER NOT NULL DEFAULT 0,
    -- Narrative fields edited concurrently, comma-separated; empty when there is no conflict.
    conflicts        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX records_by_kind ON records (kind, occurred_at);
CREATE INDEX records_by_time ON records (occurred_at);

CREATE TABLE record_areas (
    area_id   TEXT NOT NULL,
    record_id TEXT NOT NULL REFERENCES records (id) ON DELETE CASCADE,
    PRIMARY KEY (area_id, record_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX record_areas_by_record ON record_areas (record_id);

-- Ops made on this device, in device_seq order, until HQ has them.
CREATE TABLE outbox (
    device_seq    INTEGER PRIMARY KEY,
    record_id     TEXT NOT NULL,
    op            TEXT NOT NULL,
    created_ms    INTEGER NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'acked', 'rejected')),
    reject_reason TEXT
) STRICT;
CREATE INDEX outbox_by_state ON outbox (state, device_seq);
CREATE INDEX outbox_by_record ON outbox (record_id, state);

-- Full-text index over records; rowid = records.seq. Contentless: the text lives in records.
CREATE VIRTUAL TABLE records_fts USING fts5 (
    title,
    text,
    content = '',
    contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
