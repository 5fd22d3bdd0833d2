-- The change feed by audience: each record's latest server sequence filed under every key that
-- may read it (author, areas, intelligence unit, disseminated teams; see
-- beatbook_domain::access::audience). Keys stick: a record that leaves an area stays filed under
-- it, so a device that held it hears of the change and lets it go. A pull reads only its viewer's
-- keys, so its cost follows what the officer may see, not the size of HQ.
CREATE TABLE record_audience (
    key        TEXT NOT NULL,
    server_seq BIGINT NOT NULL,
    record_id  UUID NOT NULL,
    PRIMARY KEY (key, server_seq)
);
CREATE INDEX record_audience_by_record ON record_audience (record_id);

-- File what is already on HQ.
INSERT INTO record_audience (key, server_seq, record_id)
    SELECT 'officer:' || (facts ->> 'created_by'), server_seq, id FROM records
    WHERE kind <> 'intel_source'
ON CONFLICT DO NOTHING;
INSERT INTO record_audience (key, server_seq, record_id)
    SELECT 'area:' || a, server_seq, id FROM records, jsonb_array_elements_text(facts -> 'areas') AS a
    WHERE kind NOT IN ('intel_source', 'intel_report')
ON CONFLICT DO NOTHING;
INSERT INTO record_audience (key, server_seq, record_id)
    SELECT 'intel-unit', server_seq, id FROM records WHERE kind = 'intel_report'
ON CONFLICT DO NOTHING;
INSERT INTO record_audience (key, server_seq, record_id)
    SELECT 'team:' || t, server_seq, id FROM records, jsonb_array_elements_text(facts -> 'disseminated_to') AS t
    WHERE kind = 'intel_report'
ON CONFLICT DO NOTHING;
