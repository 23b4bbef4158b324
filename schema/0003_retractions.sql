-- claimtrail schema version 3: retracted claims.
-- claim.retract entries: a claim recorded in error is withdrawn (its entry
-- stays). Insert-only like every projection: one row per retraction.
CREATE TABLE retractions (
  seq         INTEGER PRIMARY KEY,       -- the claim.retract entry
  claim_id    INTEGER NOT NULL UNIQUE,
  reason      TEXT NOT NULL,
  replaced_by INTEGER,                   -- the claim that records it correctly, if any
  signer      TEXT NOT NULL,
  time        TEXT NOT NULL
);
