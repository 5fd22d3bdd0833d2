-- A record is no longer kept twice: the body column (the record as its kind reads it) repeated
-- what the merged state holds, and cost a pull a second encoding and a second copy on disk for
-- every record. The body is now read from the state when a record is shown. Shipped migrations
-- are never edited: add a new file instead.
ALTER TABLE records DROP COLUMN body;
