-- Failed sign-ins, counted per collar number, per device and per network address, so that
-- password guessing is slowed down across every HQ process (see `throttle.rs`). A key never holds
-- what was typed: collar numbers are kept as a hash. A row is forgotten after a quiet spell; the
-- failures themselves stay in the access log.
CREATE TABLE sign_in_throttle (
    key          TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    since        TIMESTAMPTZ NOT NULL,
    lockouts     INTEGER NOT NULL,
    locked_until TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX sign_in_throttle_by_update ON sign_in_throttle (updated_at);
