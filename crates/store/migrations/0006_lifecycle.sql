-- The records lifecycle. Shipped migrations are never edited: add a new file instead.
--
-- An op's text leaves the device once HQ has acknowledged it, so the sync screen's history of a
-- record reads what each change was from a few words kept on the outbox row ('what': "Created",
-- "Changed status", "Added an update", "Deleted"), not from the op.
ALTER TABLE outbox ADD COLUMN what TEXT;
-- 1: the op's record was disposed of at HQ while the op still waited to go. Its text was replaced
-- by one that carries no content (the same device_seq, record and time, no fields), sent only so
-- HQ sees no gap in this device's sequence; the row goes once HQ has answered it.
ALTER TABLE outbox ADD COLUMN disposed INTEGER NOT NULL DEFAULT 0;
UPDATE outbox SET what = (
    SELECT CASE json_extract(p.op, '$.action')
        WHEN 'put' THEN CASE WHEN EXISTS (
                SELECT 1 FROM records r
                WHERE r.id = outbox.record_id
                  AND json_extract(r.state, '$.created.hlc.wall_ms') = json_extract(p.op, '$.hlc.wall_ms')
                  AND json_extract(r.state, '$.created.hlc.counter') = json_extract(p.op, '$.hlc.counter')
                  AND json_extract(r.state, '$.created.device') = json_extract(p.op, '$.device_id'))
            THEN 'Created'
            ELSE 'Changed ' || coalesce(
                (SELECT group_concat(replace(f.key, '_', ' '), ', ') FROM json_each(p.op, '$.fields') f),
                '')
            END
        WHEN 'append' THEN 'Added an update'
        WHEN 'delete' THEN 'Deleted'
    END
    FROM outbox_ops p WHERE p.device_seq = outbox.device_seq);
-- The texts HQ already holds go now.
DELETE FROM outbox_ops WHERE device_seq IN (SELECT device_seq FROM outbox WHERE state = 'acked');

-- Records this tablet dropped because it need not keep them (closed, untouched for longer than
-- HQ's window: `retention::tablet_keeps`), with the version dropped. The same version pulled again
-- (after an access reset, say) is not stored again; a newer one is.
-- Thinning reads only records older than the window: by this index, not a scan of every state.
CREATE INDEX records_by_updated ON records (updated_ms);
CREATE TABLE dropped (
    record_id  TEXT PRIMARY KEY,
    updated_ms INTEGER NOT NULL
) STRICT, WITHOUT ROWID;

-- Erasing leaves a deleted record's words in the search index's own tables until the index is
-- optimised. This flag is set in the transaction that erases and cleared once the optimise has
-- run, so a device cut off in between finishes it at its next sync or unlock. Set now, so that
-- what earlier versions removed (intelligence sources, records no longer visible) goes too.
INSERT INTO meta (key, value) VALUES ('fts_optimize_pending', '1')
    ON CONFLICT (key) DO UPDATE SET value = excluded.value;
