-- The tablets' reads (issue 16): each read a tablet logged (opening a record, a search, a list
-- beyond the shift's briefing) goes into the access log once. This ledger says which (device,
-- read number) pairs HQ has logged, so a batch sent again (an answer lost on the way) is not
-- logged twice; it is written in the transaction that writes the access-log entries.
-- Shipped migrations are never edited: add a new file instead.
CREATE TABLE device_reads (
    device_id   TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (device_id, seq)
) WITHOUT ROWID;
CREATE TRIGGER device_reads_no_update BEFORE UPDATE ON device_reads
    BEGIN SELECT RAISE(ABORT, 'the device reads ledger is append-only'); END;
CREATE TRIGGER device_reads_no_delete BEFORE DELETE ON device_reads
    BEGIN SELECT RAISE(ABORT, 'the device reads ledger is append-only'); END;
