-- claimtrail schema version 7: amended sources.
-- source.amend entries: a source's metadata corrected (the source.add entry
-- stays as signed). Insert-only like every projection: one row per
-- amendment, with the fields it gives (NULL for those it leaves as they
-- were). A source's current metadata is its row in `sources` overlaid by
-- its amendments in seq order.
CREATE TABLE source_amendments (
  seq       INTEGER PRIMARY KEY,         -- the source.amend entry
  source_id INTEGER NOT NULL,
  kind      TEXT,
  title     TEXT,
  publisher TEXT,
  author    TEXT,
  url       TEXT,
  published TEXT,
  reason    TEXT NOT NULL,
  signer    TEXT NOT NULL,
  time      TEXT NOT NULL
);
CREATE INDEX source_amendments_by_source ON source_amendments(source_id, seq);
