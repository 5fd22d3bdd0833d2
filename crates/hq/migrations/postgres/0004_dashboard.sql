-- The HQ dashboard: browser sessions of HQ staff, performance framework targets, and indexes for
-- the audit search. Shipped migrations are never edited: add a new file instead.
CREATE TABLE hq_sessions (
    token_hash TEXT PRIMARY KEY,
    officer_id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX hq_sessions_by_officer ON hq_sessions (officer_id);

-- A target for one measure, for one scope: `team:<id>` (that team) or `kind:tct` / `kind:snt`
-- (the default for every team of that type).
CREATE TABLE framework_targets (
    scope   TEXT NOT NULL,
    measure TEXT NOT NULL,
    target  DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (scope, measure)
);

CREATE INDEX op_log_by_author ON op_log (author, received_at);
CREATE INDEX op_log_by_time ON op_log (received_at);
CREATE INDEX records_by_kind ON records (kind, server_seq);
