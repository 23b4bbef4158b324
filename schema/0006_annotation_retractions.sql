-- claimtrail schema version 6: retracted annotations.
-- annotation.retract entries: an annotation made in error is withdrawn (its
-- entry stays). Insert-only like every projection: one row per retraction.
CREATE TABLE annotation_retractions (
  seq           INTEGER PRIMARY KEY,     -- the annotation.retract entry
  annotation_id INTEGER NOT NULL UNIQUE,
  reason        TEXT NOT NULL,
  signer        TEXT NOT NULL,
  time          TEXT NOT NULL
);
