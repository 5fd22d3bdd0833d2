-- Accountable access (issue 16): the purpose of every read, kept with its access-log entry.
-- Shipped migrations are never edited: add a new file instead.

-- Why, in words (the purpose staff gave, or the shift for a tablet's reads); '' before this.
ALTER TABLE access_log ADD COLUMN purpose TEXT NOT NULL DEFAULT '';

-- The log's own retention still clears only an old row's records and detail: the purpose stays.
CREATE OR REPLACE FUNCTION access_log_clear_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND cardinality(NEW.record_ids) = 0 AND NEW.detail = ''
        AND (NEW.id, NEW.at, NEW.officer_id, NEW.device_id, NEW.action, NEW.purpose)
            IS NOT DISTINCT FROM
            (OLD.id, OLD.at, OLD.officer_id, OLD.device_id, OLD.action, OLD.purpose) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'the access log is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
