-- Who read what: every disclosure of records to a person or their device (a pull, a view, a
-- search, an export), with when, from which device, and which records. Append-only.
CREATE TABLE access_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         TEXT NOT NULL,
    officer_id TEXT NOT NULL,
    device_id  TEXT,
    action     TEXT NOT NULL,
    record_ids TEXT NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX access_log_by_officer ON access_log (officer_id, at);
CREATE INDEX access_log_by_device ON access_log (device_id, at);
CREATE INDEX access_log_by_time ON access_log (at);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
    BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log
    BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
