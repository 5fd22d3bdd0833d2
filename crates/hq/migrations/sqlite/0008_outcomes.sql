-- Outcomes beside activity (issue 18): recorded crime per area, month and crime type (imported
-- from police.uk's street-level files; an import replaces the months its file holds), the log of
-- imports, survey results per area, quarter and community, each team's monthly cost, and notes
-- from partnership meetings. Months are `2026-11`, quarters `2026-Q4`: text that sorts in time.
-- Shipped migrations are never edited: add a new file instead.

CREATE TABLE crime_counts (
    area_id    TEXT NOT NULL,
    month      TEXT NOT NULL,
    crime_type TEXT NOT NULL,
    count      INTEGER NOT NULL,
    -- The import that wrote it (outcome_imports.id).
    import_id  INTEGER NOT NULL,
    PRIMARY KEY (area_id, month, crime_type)
);
CREATE INDEX crime_counts_by_month ON crime_counts (month);

-- Every crime or survey file imported: who, when, what it held, what came of it.
CREATE TABLE outcome_imports (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    -- `crime` or `survey`.
    kind          TEXT NOT NULL,
    file_name     TEXT NOT NULL,
    imported_at   TEXT NOT NULL,
    imported_by   TEXT NOT NULL,
    -- The months (crime) or quarters (survey) it held, comma separated.
    periods       TEXT NOT NULL,
    rows_read     INTEGER NOT NULL,
    rows_imported INTEGER NOT NULL,
    outside_areas INTEGER NOT NULL,
    rows_refused  INTEGER NOT NULL
);

CREATE TABLE survey_results (
    area_id     TEXT NOT NULL,
    quarter     TEXT NOT NULL,
    -- `public` or `business`.
    community   TEXT NOT NULL,
    respondents INTEGER NOT NULL,
    confident   INTEGER NOT NULL,
    import_id   INTEGER NOT NULL,
    PRIMARY KEY (area_id, quarter, community)
);
CREATE INDEX survey_results_by_quarter ON survey_results (quarter);

-- A team's cost for a month, in pence.
CREATE TABLE team_costs (
    team_id    TEXT NOT NULL,
    month      TEXT NOT NULL,
    cost_pence INTEGER NOT NULL,
    set_at     TEXT NOT NULL,
    set_by     TEXT NOT NULL,
    PRIMARY KEY (team_id, month)
);

CREATE TABLE partnership_notes (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    -- `cdrp`, `engagement_group` or `other`.
    meeting    TEXT NOT NULL,
    met_on     TEXT,
    team_id    TEXT,
    area_id    TEXT,
    quarter    TEXT NOT NULL,
    text       TEXT NOT NULL,
    written_at TEXT NOT NULL,
    written_by TEXT NOT NULL
);
CREATE INDEX partnership_notes_by_quarter ON partnership_notes (quarter);
