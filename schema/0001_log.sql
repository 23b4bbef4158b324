-- claimtrail schema version 1.
-- `entries` is fixed by DESIGN.md. Every other table except `blobs` is a
-- projection of `entries`: written only by the append path, in the same
-- transaction as its entry, and recomputed and compared by `verify`.
-- Projection tables are insert-only: a revocation or a redaction is a row of
-- its own, never an UPDATE, so each entry implies a fixed set of rows.

CREATE TABLE entries (
  seq     INTEGER PRIMARY KEY,   -- = payload.seq
  kind    TEXT    NOT NULL,      -- = payload.kind
  payload BLOB    NOT NULL,      -- canonical JSON bytes, exactly as signed
  sig     BLOB    NOT NULL,      -- SSHSIG blob (binary, not armored)
  hash    BLOB    NOT NULL UNIQUE -- 32-byte entry hash
);

-- Source texts, content-addressed. Not a projection: the data itself. A row
-- may be missing only for a source that a signed source.redact removed.
CREATE TABLE blobs (
  sha256 BLOB PRIMARY KEY,
  data   BLOB NOT NULL
);

CREATE TABLE log_meta (
  seq    INTEGER PRIMARY KEY,    -- always 0: the log.init entry
  origin TEXT NOT NULL
);

CREATE TABLE keys (
  fingerprint TEXT PRIMARY KEY,
  seq         INTEGER NOT NULL UNIQUE,   -- entry that enrolled the key
  public_key  TEXT NOT NULL,
  name        TEXT NOT NULL,
  role        TEXT NOT NULL
);

CREATE TABLE revocations (
  seq         INTEGER PRIMARY KEY,       -- the key.revoke entry
  fingerprint TEXT NOT NULL UNIQUE,
  reason      TEXT NOT NULL,
  signer      TEXT NOT NULL
);

CREATE TABLE sources (
  id         INTEGER PRIMARY KEY,        -- n of S<n>
  seq        INTEGER NOT NULL UNIQUE,
  sha256     BLOB NOT NULL,
  length     INTEGER NOT NULL,
  kind       TEXT NOT NULL,
  title      TEXT,
  publisher  TEXT,
  author     TEXT,
  url        TEXT,
  published  TEXT,
  retrieved  TEXT NOT NULL,
  media_type TEXT NOT NULL,
  signer     TEXT NOT NULL,
  time       TEXT NOT NULL
);
CREATE INDEX sources_by_sha256 ON sources(sha256);

CREATE TABLE source_links (
  source_id    INTEGER NOT NULL,
  derived_from INTEGER NOT NULL,
  PRIMARY KEY (source_id, derived_from)
) WITHOUT ROWID;

CREATE TABLE redactions (
  seq       INTEGER PRIMARY KEY,         -- the source.redact entry
  source_id INTEGER NOT NULL UNIQUE,
  reason    TEXT NOT NULL,
  signer    TEXT NOT NULL,
  time      TEXT NOT NULL
);

CREATE TABLE claims (
  id           INTEGER PRIMARY KEY,      -- n of C<n>
  seq          INTEGER NOT NULL UNIQUE,
  source_id    INTEGER NOT NULL,
  start        INTEGER NOT NULL,
  "end"        INTEGER NOT NULL,
  quote_sha256 BLOB NOT NULL,
  prefix       TEXT NOT NULL,
  suffix       TEXT NOT NULL,
  speaker      TEXT NOT NULL,
  provenance   TEXT NOT NULL,
  paraphrase   TEXT,
  signer       TEXT NOT NULL,
  time         TEXT NOT NULL
);
CREATE INDEX claims_by_source ON claims(source_id);
CREATE INDEX claims_by_speaker ON claims(speaker);

CREATE TABLE annotations (
  id          INTEGER PRIMARY KEY,       -- n of A<n>
  seq         INTEGER NOT NULL UNIQUE,
  claim_id    INTEGER NOT NULL,
  signer      TEXT NOT NULL,
  time        TEXT NOT NULL,
  verdict     TEXT NOT NULL,
  reliability TEXT,
  credibility INTEGER,
  note        TEXT,
  supersedes  INTEGER
);
CREATE INDEX annotations_by_claim ON annotations(claim_id);

CREATE TABLE relations (
  annotation_id INTEGER NOT NULL,
  relation      TEXT NOT NULL,           -- corroborates | contradicts
  other_claim   INTEGER NOT NULL,
  PRIMARY KEY (annotation_id, relation, other_claim)
) WITHOUT ROWID;
CREATE INDEX relations_by_other ON relations(other_claim);

