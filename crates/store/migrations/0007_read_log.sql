-- The officer's reads on this tablet (DPA 2018 s.62: consultation is logged): opening a record, a
-- search, a list beyond the shift's briefing. Append-only: an entry is never changed, and leaves
-- only once HQ has written it into its access log (it is first marked `acked`, the one change
-- allowed, then deleted in the same transaction). `seq` is never reused (AUTOINCREMENT), since HQ
-- logs each (device, seq) once.
CREATE TABLE read_log (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms      INTEGER NOT NULL,
    action     TEXT NOT NULL CHECK (action IN ('view', 'search', 'list')),
    record_ids TEXT NOT NULL,
    detail     TEXT NOT NULL,
    shift      TEXT NOT NULL,
    acked      INTEGER NOT NULL DEFAULT 0 CHECK (acked IN (0, 1))
) STRICT;

CREATE TRIGGER read_log_append_only BEFORE UPDATE ON read_log
WHEN NOT (OLD.acked = 0 AND NEW.acked = 1 AND NEW.seq = OLD.seq AND NEW.at_ms = OLD.at_ms
          AND NEW.action = OLD.action AND NEW.record_ids = OLD.record_ids
          AND NEW.detail = OLD.detail AND NEW.shift = OLD.shift)
BEGIN
    SELECT RAISE(ABORT, 'the read log is append-only');
END;

CREATE TRIGGER read_log_kept_until_hq_has_it BEFORE DELETE ON read_log
WHEN OLD.acked = 0
BEGIN
    SELECT RAISE(ABORT, 'a read stays in the log until HQ has it');
END;
