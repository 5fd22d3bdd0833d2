-- Records pulled from HQ wait here to be added to the search index, so a big pull is not spent
-- tokenising text: the sync engine indexes them in the background straight after the pull, and
-- a search indexes whatever is still waiting before it runs, so it never misses a record.
CREATE TABLE fts_pending (
    seq   INTEGER PRIMARY KEY,
    title TEXT NOT NULL,
    text  TEXT NOT NULL
) STRICT;
