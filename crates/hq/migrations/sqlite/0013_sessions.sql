-- Sessions that end (issue 17). Shipped migrations are never edited: add a new file instead.
--
-- A device session belongs to a line: every session a refresh handed on from one sign-in shares
-- its `line_id`, and `signed_in_at` is that sign-in's time (the line's absolute lifetime counts
-- from it). A refresh token is used once: `rotated_at` is set when it is, and the row stays until
-- it expires, so a second use is recognised and ends the whole line. Sessions from before this
-- migration start their line now.
ALTER TABLE sessions ADD COLUMN line_id TEXT;
ALTER TABLE sessions ADD COLUMN signed_in_at TEXT;
ALTER TABLE sessions ADD COLUMN rotated_at TEXT;
UPDATE sessions SET line_id = access_hash, signed_in_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');
CREATE INDEX sessions_by_line ON sessions (line_id);
CREATE INDEX sessions_by_officer ON sessions (officer_id);
CREATE INDEX sessions_by_expiry ON sessions (refresh_expires_at);
CREATE INDEX hq_sessions_by_expiry ON hq_sessions (expires_at);

-- An officer who has left (or must not sign in) is disabled: signing in is refused and every
-- request with a session of theirs too. NULL: active.
ALTER TABLE officers ADD COLUMN disabled_at TEXT;
