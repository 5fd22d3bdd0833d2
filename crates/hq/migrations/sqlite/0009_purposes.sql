-- Accountable access (issue 16): the purpose of every read, kept with its access-log entry.
-- Shipped migrations are never edited: add a new file instead.

-- Why, in words (the purpose staff gave, or the shift for a tablet's reads); '' before this.
ALTER TABLE access_log ADD COLUMN purpose TEXT NOT NULL DEFAULT '';

-- The log's own retention still clears only an old row's records and detail: the purpose stays.
DROP TRIGGER access_log_no_update;
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log
    WHEN NOT (NEW.record_ids = '[]' AND NEW.detail = '' AND NEW.id IS OLD.id AND NEW.at IS OLD.at
        AND NEW.officer_id IS OLD.officer_id AND NEW.device_id IS OLD.device_id
        AND NEW.action IS OLD.action AND NEW.purpose IS OLD.purpose)
    BEGIN SELECT RAISE(ABORT, 'the access log is append-only'); END;
