-- The change feed by audience: each record's latest server sequence filed under every key that
-- may read it (author, areas, intelligence unit, disseminated teams; see
-- beatbook_domain::access::audience). Keys stick: a record that leaves an area stays filed under
-- it, so a device that held it hears of the change and lets it go. A pull reads only its viewer's
-- keys, so its cost follows what the officer may see, not the size of HQ.
CREATE TABLE record_audience (
    key        TEXT NOT NULL,
    server_seq INTEGER NOT NULL,
    record_id  TEXT NOT NULL,
    PRIMARY KEY (key, server_seq)
) WITHOUT ROWID;
CREATE INDEX record_audience_by_record ON record_audience (record_id);

-- File what is already on HQ.
INSERT OR IGNORE INTO record_audience (key, server_seq, record_id)
    SELECT 'officer:' || json_extract(facts, '$.created_by'), server_seq, id FROM records
    WHERE kind <> 'intel_source';
INSERT OR IGNORE INTO record_audience (key, server_seq, record_id)
    SELECT 'area:' || a.value, records.server_seq, records.id FROM records, json_each(records.facts, '$.areas') AS a
    WHERE records.kind NOT IN ('intel_source', 'intel_report');
INSERT OR IGNORE INTO record_audience (key, server_seq, record_id)
    SELECT 'intel-unit', server_seq, id FROM records WHERE kind = 'intel_report';
INSERT OR IGNORE INTO record_audience (key, server_seq, record_id)
    SELECT 'team:' || t.value, records.server_seq, records.id FROM records, json_each(records.facts, '$.disseminated_to') AS t
    WHERE records.kind = 'intel_report';
