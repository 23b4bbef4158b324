//! Projection tables: the rows each entry implies.
//!
//! The append path inserts exactly these rows in the entry's transaction;
//! verify recomputes them from the entry and compares them with what the
//! tables hold, then checks that the tables hold nothing else. Projection
//! rows are insert-only, so the set of rows an entry implies never changes.

use crate::entry::Header;
use crate::error::Result;
use crate::model::Body;
use rusqlite::types::Value;
use rusqlite::{params_from_iter, Connection};

/// One projection row: its table, its columns (the first `key` of them
/// identify the row) and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub table: &'static str,
    pub cols: &'static [&'static str],
    pub key: usize,
    pub values: Vec<Value>,
}

/// A projection table: its name and columns; the first `key` columns
/// identify a row, and the first column grows with the log (a row's first
/// column never goes down from one entry to the next), except in `keys`.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub cols: &'static [&'static str],
    pub key: usize,
    /// The `INSERT` of one row (append path).
    insert_sql: &'static str,
}

macro_rules! table {
    ($konst:ident, $name:literal, key $key:literal, [$($col:literal),+ $(,)?]) => {
        pub const $konst: Table = Table {
            name: $name,
            cols: &[$($col),+],
            key: $key,
            insert_sql: concat!(
                "INSERT INTO ", $name, " (", table!(@join $($col),+), ") VALUES (",
                table!(@marks $($col),+), ")"
            ),
        };
    };
    (@join $first:literal $(, $rest:literal)*) => { concat!($first $(, ", ", $rest)*) };
    (@marks $first:literal $(, $rest:literal)*) => { concat!("?" $(, table!(@mark $rest))*) };
    (@mark $x:literal) => { ", ?" };
}

table!(LOG_META, "log_meta", key 1, ["seq", "origin"]);
table!(KEYS, "keys", key 1, ["fingerprint", "seq", "public_key", "name", "role"]);
table!(REVOCATIONS, "revocations", key 1, ["seq", "fingerprint", "reason", "signer"]);
table!(SOURCES, "sources", key 1, [
    "id", "seq", "sha256", "length", "kind", "title", "publisher", "author", "url",
    "published", "retrieved", "media_type", "signer", "time",
]);
table!(SOURCE_LINKS, "source_links", key 2, ["source_id", "derived_from"]);
table!(REDACTIONS, "redactions", key 1, ["seq", "source_id", "reason", "signer", "time"]);
table!(SOURCE_AMENDMENTS, "source_amendments", key 1, [
    "seq", "source_id", "kind", "title", "publisher", "author", "url", "published",
    "reason", "signer", "time", "clear",
]);
table!(CLAIMS, "claims", key 1, [
    "id", "seq", "source_id", "start", "\"end\"", "quote_sha256", "prefix", "suffix",
    "speaker", "provenance", "paraphrase", "signer", "time",
]);
table!(RETRACTIONS, "retractions", key 1, [
    "seq", "claim_id", "reason", "replaced_by", "signer", "time",
]);
table!(ANNOTATIONS, "annotations", key 1, [
    "id", "seq", "claim_id", "signer", "time", "verdict", "reliability", "credibility",
    "note", "supersedes",
]);
table!(ANNOTATION_RETRACTIONS, "annotation_retractions", key 1, [
    "seq", "annotation_id", "reason", "signer", "time",
]);
table!(RELATIONS, "relations", key 3, ["annotation_id", "relation", "other_claim"]);
table!(CHECKPOINTS, "checkpoints", key 1, ["seq", "size", "root", "note", "signer", "time"]);

/// Every projection table, for the final row-count check.
pub const ALL: &[&Table] = &[
    &LOG_META,
    &KEYS,
    &REVOCATIONS,
    &SOURCES,
    &SOURCE_LINKS,
    &REDACTIONS,
    &CLAIMS,
    &RETRACTIONS,
    &ANNOTATIONS,
    &RELATIONS,
    &ANNOTATION_RETRACTIONS,
    &SOURCE_AMENDMENTS,
    &CHECKPOINTS,
];

/// Every projection table's name.
pub const TABLES: &[&str] = &[
    LOG_META.name,
    KEYS.name,
    REVOCATIONS.name,
    SOURCES.name,
    SOURCE_LINKS.name,
    REDACTIONS.name,
    CLAIMS.name,
    RETRACTIONS.name,
    ANNOTATIONS.name,
    RELATIONS.name,
    ANNOTATION_RETRACTIONS.name,
    SOURCE_AMENDMENTS.name,
    CHECKPOINTS.name,
];

impl Table {
    fn row(&'static self, values: Vec<Value>) -> Row {
        Row {
            table: self.name,
            cols: self.cols,
            key: self.key,
            values,
        }
    }

    /// The table by name.
    pub fn named(name: &str) -> Option<&'static Table> {
        ALL.iter().copied().find(|t| t.name == name)
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}
fn opt_text(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| text(s))
}
fn int(n: u64) -> Value {
    Value::Integer(n as i64)
}

/// The rows implied by an entry. `n` is the friendly-id number the entry
/// gets (for sources, claims and annotations).
pub fn rows(header: &Header, body: &Body, n: Option<u64>) -> Vec<Row> {
    let seq = int(header.seq.0);
    let signer = text(header.signer.as_str());
    let time = text(&header.time);
    let n = int(n.unwrap_or(0));
    let mut out = Vec::new();
    match body {
        Body::LogInit(b) => {
            out.push(LOG_META.row(vec![seq.clone(), text(&b.origin)]));
            out.push(key_row(
                seq,
                header.signer.as_str(),
                &b.key,
                &b.name,
                "admin",
            ));
        }
        Body::KeyAdd(b) => {
            let fp = crate::keys::PublicKey::from_openssh(&b.key)
                .map(|k| k.fingerprint().to_string())
                .unwrap_or_default();
            out.push(key_row(seq, &fp, &b.key, &b.name, b.role.as_str()));
        }
        Body::KeyRevoke(b) => out.push(REVOCATIONS.row(vec![
            seq,
            text(b.fingerprint.as_str()),
            text(&b.reason),
            signer,
        ])),
        Body::SourceAdd(b) => {
            out.push(SOURCES.row(vec![
                n.clone(),
                seq,
                Value::Blob(b.sha256.0.to_vec()),
                int(b.length),
                text(b.kind.as_str()),
                opt_text(&b.title),
                opt_text(&b.publisher),
                opt_text(&b.author),
                opt_text(&b.url),
                opt_text(&b.published),
                text(&b.retrieved),
                text(&b.media_type),
                signer,
                time,
            ]));
            for r in &b.derived_from {
                out.push(SOURCE_LINKS.row(vec![n.clone(), int(r.id.n)]));
            }
        }
        Body::SourceRedact(b) => {
            out.push(REDACTIONS.row(vec![seq, int(b.source.id.n), text(&b.reason), signer, time]))
        }
        Body::SourceAmend(b) => out.push(SOURCE_AMENDMENTS.row(vec![
            seq,
            int(b.source.id.n),
            b.kind.map_or(Value::Null, |k| text(k.as_str())),
            opt_text(&b.title),
            opt_text(&b.publisher),
            opt_text(&b.author),
            opt_text(&b.url),
            opt_text(&b.published),
            text(&b.reason),
            signer,
            time,
            b.clear.to_json().map_or(Value::Null, Value::Text),
        ])),
        Body::ClaimAdd(b) => out.push(CLAIMS.row(vec![
            n,
            seq,
            int(b.source.id.n),
            int(b.start),
            int(b.end),
            Value::Blob(b.quote_sha256.0.to_vec()),
            text(&b.prefix),
            text(&b.suffix),
            text(&b.speaker),
            text(b.provenance.as_str()),
            opt_text(&b.text),
            signer,
            time,
        ])),
        Body::ClaimRetract(b) => out.push(RETRACTIONS.row(vec![
            seq,
            int(b.claim.id.n),
            text(&b.reason),
            b.replaced_by.map_or(Value::Null, |r| int(r.id.n)),
            signer,
            time,
        ])),
        Body::AnnotationRetract(b) => out.push(ANNOTATION_RETRACTIONS.row(vec![
            seq,
            int(b.annotation.id.n),
            text(&b.reason),
            signer,
            time,
        ])),
        Body::AnnotationAdd(b) => {
            out.push(ANNOTATIONS.row(vec![
                n.clone(),
                seq,
                int(b.claim.id.n),
                signer,
                time,
                text(b.verdict.as_str()),
                b.reliability.map_or(Value::Null, |r| text(r.as_str())),
                b.credibility.map_or(Value::Null, |c| int(c.get() as u64)),
                opt_text(&b.note),
                b.supersedes.map_or(Value::Null, |r| int(r.id.n)),
            ]));
            for (rel, refs) in [
                ("corroborates", &b.corroborates),
                ("contradicts", &b.contradicts),
            ] {
                for r in refs {
                    out.push(RELATIONS.row(vec![n.clone(), text(rel), int(r.id.n)]));
                }
            }
        }
        Body::CheckpointAdd(b) => out.push(CHECKPOINTS.row(vec![
            seq,
            int(b.size),
            Value::Blob(b.root.0.to_vec()),
            text(&b.note),
            signer,
            time,
        ])),
    }
    out
}

fn key_row(seq: Value, fp: &str, key: &str, name: &str, role: &str) -> Row {
    KEYS.row(vec![text(fp), seq, text(key), text(name), text(role)])
}

/// Inserts a row (append path only).
pub fn insert(conn: &Connection, row: &Row) -> Result<()> {
    let table = Table::named(row.table)
        .ok_or_else(|| crate::error::Error::Internal(format!("no table {}", row.table)))?;
    conn.prepare_cached(table.insert_sql)?
        .execute(params_from_iter(row.values.iter()))?;
    Ok(())
}

/// Number of rows a projection table holds.
pub fn count(conn: &Connection, table: &str) -> Result<u64> {
    let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))?;
    Ok(n as u64)
}
