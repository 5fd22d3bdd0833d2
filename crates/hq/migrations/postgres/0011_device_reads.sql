-- The tablets' reads (issue 16): each read a tablet logged (opening a record, a search, a list
-- beyond the shift's briefing) goes into the access log once. This ledger says which (device,
-- read number) pairs HQ has logged, so a batch sent again (an answer lost on the way) is not
-- logged twice; it is written in the transaction that writes the access-log entries.
-- Shipped migrations are never edited: add a new file instead.
CREATE TABLE device_reads (
    device_id   UUID NOT NULL,
    seq         BIGINT NOT NULL,
    received_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (device_id, seq)
);
CREATE FUNCTION device_reads_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the device reads ledger is append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER device_reads_no_change BEFORE UPDATE OR DELETE ON device_reads
    FOR EACH ROW EXECUTE FUNCTION device_reads_append_only();
CREATE TRIGGER device_reads_no_truncate BEFORE TRUNCATE ON device_reads
    FOR EACH STATEMENT EXECUTE FUNCTION device_reads_append_only();
