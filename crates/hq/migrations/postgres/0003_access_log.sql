-- Who read what: every disclosure of records to a person or their device (a pull, a view, a
-- search, an export), with when, from which device, and which records. Append-only.
CREATE TABLE access_log (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    officer_id TEXT NOT NULL,
    device_id  UUID,
    action     TEXT NOT NULL,
    record_ids UUID[] NOT NULL,
    detail     TEXT NOT NULL
);
CREATE INDEX access_log_by_officer ON access_log (officer_id, at);
CREATE INDEX access_log_by_device ON access_log (device_id, at);
CREATE INDEX access_log_by_time ON access_log (at);
CREATE INDEX access_log_by_record ON access_log USING GIN (record_ids);
CREATE FUNCTION access_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the access log is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER access_log_no_update BEFORE UPDATE OR DELETE ON access_log
    FOR EACH ROW EXECUTE FUNCTION access_log_append_only();
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
    FOR EACH STATEMENT EXECUTE FUNCTION access_log_append_only();
