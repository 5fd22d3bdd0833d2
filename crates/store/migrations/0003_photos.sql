-- Photos attached to records, inside the encrypted database (so a wipe takes them too), keyed
-- by SHA-256. A photo is written in the same transaction as the op that first refers to it, and
-- goes to HQ once that op is acknowledged. 'on_hq': HQ has the bytes and has checked their hash.
-- The bytes stay until then; this version keeps them afterwards too, for display offline.
CREATE TABLE photos (
    sha256     TEXT PRIMARY KEY,
    record_id  TEXT NOT NULL,
    device_seq INTEGER NOT NULL,
    mime       TEXT NOT NULL,
    size       INTEGER NOT NULL,
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'on_hq')),
    bytes      BLOB NOT NULL,
    created_ms INTEGER NOT NULL,
    -- Why the last upload attempt failed, for the sync screen.
    last_error TEXT
) STRICT;
CREATE INDEX photos_by_state ON photos (state, device_seq);
CREATE INDEX photos_by_record ON photos (record_id);
