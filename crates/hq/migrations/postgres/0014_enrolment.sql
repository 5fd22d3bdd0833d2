-- Enrolment that survives a lost answer (issue 17): a device enrolled but not yet signed in on
-- keeps its secret here, sealed under a key made from HQ's key and the code, so a retry of the
-- same enrolment gets the same answer. The row goes at the first sign-in; a device never signed
-- in on lapses at `lapses_at` (its device row goes too, so a new code works). Shipped
-- migrations are never edited: add a new file instead.
CREATE TABLE pending_enrolments (
    device_id     UUID PRIMARY KEY,
    code_hash     TEXT NOT NULL,
    sealed_secret TEXT NOT NULL,
    lapses_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX pending_enrolments_lapse ON pending_enrolments (lapses_at);
