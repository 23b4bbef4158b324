-- claimtrail schema version 2: the Merkle tree and stored checkpoints.
-- For a log made under version 1, the tree's nodes are filled in from the
-- existing entries by the migration step in src/store.rs (SQL cannot hash).

-- RFC 6962 tree: the hash of every complete subtree of level >= 1 (level 0
-- is entries.hash). Written by the append path, re-derived by verify; lets
-- inclusion and consistency proofs be made in O(log n) reads at any size.
CREATE TABLE merkle_nodes (
  level INTEGER NOT NULL,
  idx   INTEGER NOT NULL,
  hash  BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Which annotation supersedes which (reports and `show` look this up).
CREATE INDEX annotations_by_supersedes ON annotations(supersedes);

-- checkpoint.add entries: signed C2SP checkpoints of the log by an admin.
CREATE TABLE checkpoints (
  seq    INTEGER PRIMARY KEY,           -- the checkpoint.add entry
  size   INTEGER NOT NULL UNIQUE,       -- tree size it commits to (= seq)
  root   BLOB NOT NULL,
  note   TEXT NOT NULL,                 -- the signed note, as written to files
  signer TEXT NOT NULL,
  time   TEXT NOT NULL
);
