-- Subject access (issue 16): the data protection officer's requests, and the intelligence unit's
-- decisions on the source records and raw intelligence a request found. Shipped migrations are
-- never edited: add a new file instead.

-- A request: its reference, what was looked for (the query as JSON, and in words), the records
-- found (`[{record_id, withheld}]`: ids only, so a record disposed of later leaves nothing of its
-- text here), the purpose given, who made it and when.
CREATE TABLE subject_requests (
    id         UUID PRIMARY KEY,
    reference  TEXT NOT NULL,
    asked      TEXT NOT NULL,
    query_json TEXT NOT NULL,
    items_json TEXT NOT NULL,
    purpose    TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX subject_requests_created ON subject_requests (created_at);

-- The intelligence unit's decisions: append-only (a later decision on the same record of the
-- same request replaces an earlier one, which stays as history).
CREATE TABLE subject_redactions (
    id         BIGSERIAL PRIMARY KEY,
    request_id UUID NOT NULL REFERENCES subject_requests (id),
    record_id  UUID NOT NULL,
    decision   TEXT NOT NULL,
    text       TEXT NOT NULL,
    exemption  TEXT NOT NULL,
    reason     TEXT NOT NULL,
    decided_by TEXT NOT NULL,
    decided_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX subject_redactions_request ON subject_redactions (request_id, id);
CREATE FUNCTION subject_redactions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'redaction decisions are append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER subject_redactions_no_change BEFORE UPDATE OR DELETE ON subject_redactions
    FOR EACH ROW EXECUTE FUNCTION subject_redactions_append_only();
