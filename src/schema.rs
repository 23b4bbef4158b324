//! The database's own schema: what claimtrail's migrations make, and how a
//! file's schema differs from it.
//!
//! Why this matters: SQLite keeps a database's schema in the file itself
//! (`sqlite_schema`), so whoever can write the file can add to it, and what
//! is added there runs inside claimtrail's own statements. A trigger that
//! quietly drops new `annotations` and `entries` rows (`SELECT
//! RAISE(IGNORE)`) made `annotate` print a new id while nothing was stored,
//! and the log still verified; a view can stand in for a table; a dropped
//! table stopped verify with a database error instead of a finding. So:
//!
//! - every connection to a log runs with triggers and views switched off,
//!   with SQLite's defensive mode on and the schema untrusted ([`harden`]):
//!   claimtrail itself uses neither, so nothing it does changes;
//! - the append path refuses to write to a log whose schema is not
//!   claimtrail's ([`require_own`]), before anything is written;
//! - verify's `schema` check reports every object added, missing or
//!   altered ([`differences`]), and then checks the entries as usual.
//!
//! What the check does not prove: anything about the rows (the other
//! checks do that), or that the file was never altered and put back.
//! SQLite's statistics tables (`sqlite_stat1`, `sqlite_stat4`, made by
//! `ANALYZE` or `PRAGMA optimize`) are allowed, as SQLite makes them
//! (`statistics`): they steer query plans, never results.

use crate::error::{Error, Result};
use rusqlite::config::DbConfig;
use rusqlite::Connection;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Switches off what a database file can make SQLite run: triggers, views,
/// and functions or virtual tables named in the schema that are not marked
/// harmless (`trusted_schema`); turns on defensive mode, which refuses
/// the statements that can corrupt a file on purpose (`writable_schema`),
/// and `cell_size_check`, which checks each B-tree page as it is read, so
/// a damaged page is found where it is rather than further on. These are
/// SQLite's own advice for files that may have been crafted
/// (sqlite.org/security.html). Verify of the bench's million-entry log:
/// 8.98–9.45 s with the page checks against 9.41–9.47 s without, four
/// alternated runs; import unchanged. Called on every connection
/// claimtrail opens to a log.
///
/// It also turns on the query planner stability guarantee (QPSG): a
/// statement's plan never depends on the values bound to it. Without it,
/// SQLite marks a statement whose planning looked at a bound value (a
/// join on a column that the `WHERE` sets, as in `keys k LEFT JOIN
/// revocations r ON r.fingerprint = k.fingerprint WHERE k.fingerprint =
/// ?`) to be prepared again at every new binding, which made two thirds
/// of `list annotations`' time the SQL parser (docs/PERFORMANCE.md,
/// 2026-12-06). claimtrail binds no `LIKE` pattern, and its partial indexes
/// (schema version 9) are used by statements that write their condition
/// as literal text (`store::state_rows_complete`), so no plan
/// depends on a bound value.
pub fn harden(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_TRIGGER, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_VIEW, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)?;
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    conn.execute_batch("PRAGMA cell_size_check = ON")?;
    Ok(())
}

/// One object of a schema, as `sqlite_schema` lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Object {
    /// `table`, `index`, `view` or `trigger`.
    pub kind: String,
    pub name: String,
    /// The table an index or trigger belongs to (a table's own name).
    pub table: String,
    /// The `CREATE` statement; none for the indexes SQLite makes itself
    /// for a `UNIQUE` or `PRIMARY KEY` constraint.
    pub sql: Option<String>,
    /// The first of the four columns that `sqlite_schema` holds as
    /// something other than text (SQLite writes text, and NULL for a
    /// statement it made itself), with that storage class: a row edited
    /// with `writable_schema`, or a byte of the schema page changed. SQLite
    /// reads such a row's bytes as they are, but tools that compare the
    /// column with text pass over it: `sqlite3`'s `.tables` and `.dump`
    /// left out a table whose `type` was a BLOB `table`, entries and all,
    /// while the bytes read here were claimtrail's.
    pub not_text: Option<(&'static str, &'static str)>,
}

impl Object {
    /// "table claims", "index claims_by_source on claims".
    fn describe(&self) -> String {
        if self.kind == "table" || self.kind == "view" {
            format!("{} {}", self.kind, self.name)
        } else {
            format!("{} {} on {}", self.kind, self.name, self.table)
        }
    }

    /// The statement on one line (runs of white space made one space).
    fn statement(&self) -> String {
        self.sql
            .as_deref()
            .unwrap_or("(made by SQLite for a constraint)")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// How a file's schema differs from claimtrail's, object by object.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Difference {
    /// An object claimtrail's migrations do not make.
    Added(Object),
    /// An object they make that the file lacks.
    Missing(Object),
    /// An object of that name, made otherwise.
    Altered { expected: Object, found: Object },
    /// The file stores text in another encoding than the UTF-8 claimtrail
    /// makes every log in (SQLite's `PRAGMA encoding`): a copy rebuilt
    /// outside claimtrail. Its rows may read the same, but SQL that
    /// reads a blob as text (the check after a crash) reads UTF-8 bytes
    /// as UTF-16 there (red team V, L2).
    Encoding(String),
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Difference::Added(o) => write!(
                f,
                "{} is not part of claimtrail's schema: {}",
                o.describe(),
                o.statement()
            ),
            Difference::Missing(o) => write!(f, "{} is missing", o.describe()),
            Difference::Encoding(found) => write!(
                f,
                "the file stores text as {}, where claimtrail makes every log in UTF-8: it was rebuilt outside claimtrail",
                crate::text::escape(found)
            ),
            Difference::Altered { expected, found } if expected.kind != found.kind => write!(
                f,
                "{} should be a {}, and is a {}: {}",
                found.name,
                expected.kind,
                found.kind,
                found.statement()
            ),
            // Shown on one line, a statement that differs only in its
            // white space read as claimtrail's own.
            Difference::Altered { expected, found }
                if found.not_text.is_none()
                    && expected.statement() == found.statement()
                    && expected.kind == found.kind =>
            {
                write!(
                    f,
                    "{} is not as claimtrail made it: its statement differs in white space only: {}",
                    found.describe(),
                    found.statement()
                )
            }
            Difference::Altered { found, .. } => match found.not_text {
                Some((column, class)) => write!(
                    f,
                    "{}: sqlite_schema holds its {column} as {class}, where SQLite writes text (the schema was edited; `sqlite3` tools such as .tables and .dump pass over the object): {}",
                    found.describe(),
                    found.statement()
                ),
                None => write!(
                    f,
                    "{} is not as claimtrail made it: {}",
                    found.describe(),
                    found.statement()
                ),
            },
        }
    }
}

/// The objects of the file's own schema (`main`, not the connection's
/// TEMP schema), in the order SQLite lists them. Names are unique in a
/// schema SQLite makes, but not in one written by hand (`writable_schema`):
/// an index renamed `sqlite_stat4` beside the statistics table of that
/// name was read without complaint, so a list, not a map by name, is
/// what [`differences`] compares.
fn objects(conn: &Connection) -> Result<Vec<Object>> {
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM main.sqlite_schema")?;
    // Read as bytes and shown lossily: a byte of the schema page changed
    // into invalid UTF-8 is a difference to report, not a failure to read.
    let text = |r: &rusqlite::Row<'_>, i: usize| -> rusqlite::Result<Option<String>> {
        Ok(match r.get_ref(i)? {
            rusqlite::types::ValueRef::Null => None,
            v => Some(String::from_utf8_lossy(v.as_bytes().unwrap_or_default()).into_owned()),
        })
    };
    let rows = stmt.query_map([], |r| {
        let mut not_text = None;
        for (i, column) in ["type", "name", "tbl_name", "sql"].into_iter().enumerate() {
            let class = match r.get_ref(i)?.data_type() {
                rusqlite::types::Type::Text | rusqlite::types::Type::Null => continue,
                rusqlite::types::Type::Blob => "a BLOB",
                rusqlite::types::Type::Integer => "an INTEGER",
                rusqlite::types::Type::Real => "a REAL",
            };
            not_text = Some((column, class));
            break;
        }
        Ok(Object {
            kind: text(r, 0)?.unwrap_or_default(),
            name: text(r, 1)?.unwrap_or_default(),
            table: text(r, 2)?.unwrap_or_default(),
            sql: text(r, 3)?,
            not_text,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `objects` by name, for a schema SQLite made (names unique).
fn by_name(objects: Vec<Object>) -> BTreeMap<String, Object> {
    objects.into_iter().map(|o| (o.name.clone(), o)).collect()
}

/// The schema claimtrail's first `version` migrations make, read back from
/// a database in memory that they are applied to: the very text SQLite
/// keeps, whatever it normalises.
pub fn expected(version: usize) -> Result<BTreeMap<String, Object>> {
    let conn = Connection::open_in_memory()?;
    for (sql, _) in crate::store::MIGRATIONS.iter().take(version) {
        conn.execute_batch(sql)?;
    }
    Ok(by_name(objects(&conn)?))
}

/// SHA-256 of the objects the current migrations make, as [`digest`]
/// frames them, in the order SQLite lists them: a file whose schema has
/// exactly this digest differs in nothing, and [`differences`] then does
/// not build the expected schema in memory. Why: building it (every
/// migration run in a new in-memory database) was a quarter of the CPU
/// time of one `annotate` on a million-entry log (about 1.5 ms of 6;
/// docs/PERFORMANCE.md, 2026-12-06), and the append path compares the
/// schema in every write transaction. Any other schema, an older
/// version's, one with SQLite's statistics tables, or one listed in
/// another order, takes the full comparison, which alone names what
/// differs; so this constant can make the check faster, never laxer.
/// The test `the_current_digest_is_what_the_migrations_make` derives it
/// and prints the new value when a migration is added or SQLite stores
/// the text otherwise.
const CURRENT: &str = "6322ce5ebbda2be79bf40cc8a81843483758e98f6eb756922413a20410473787";

/// SHA-256 over every object's four fields, each framed by its length
/// (SSH `string`s; the statement also by whether there is one), and
/// whether they are all stored as text ([`Object::not_text`]: the same
/// bytes as a BLOB had the same digest, and the schema check passed over
/// them), so that no two lists of objects are framed alike.
fn digest(objects: &[Object]) -> crate::hash::Hash {
    use sha2::Digest as _;
    let mut h = sha2::Sha256::new();
    let mut field = |b: &[u8]| {
        h.update((b.len() as u32).to_be_bytes());
        h.update(b);
    };
    for o in objects {
        field(o.kind.as_bytes());
        field(o.name.as_bytes());
        field(o.table.as_bytes());
        match &o.sql {
            None => field(b"\x00"),
            Some(sql) => {
                field(b"\x01");
                field(sql.as_bytes());
            }
        }
        match o.not_text {
            None => field(b"\x00"),
            Some((column, _)) => field(column.as_bytes()),
        }
    }
    crate::hash::Hash(h.finalize().into())
}

/// The statistics tables that `ANALYZE` makes (`sqlite_stat1`, and
/// `sqlite_stat4` in this build of SQLite), as SQLite writes them: the
/// only objects a log's file may hold beyond claimtrail's. Allowed by
/// their whole description, not by name: an *index* named `sqlite_stat4`
/// on a log table passed the check by name alone, and an expression or a
/// partial `UNIQUE` in it refused chosen future entries ("integer
/// overflow" for new annotations of one claim) while verify said OK.
fn statistics() -> Result<&'static BTreeMap<String, Object>> {
    // Made once a process: the append path compares the schema in every
    // write transaction, and this is SQLite's constant.
    static MADE: std::sync::OnceLock<BTreeMap<String, Object>> = std::sync::OnceLock::new();
    if let Some(made) = MADE.get() {
        return Ok(made);
    }
    let conn = Connection::open_in_memory()?;
    conn.execute_batch(
        "CREATE TABLE t (x); CREATE INDEX t_x ON t (x); INSERT INTO t VALUES (1); ANALYZE;",
    )?;
    let mut all = by_name(objects(&conn)?);
    all.retain(|name, _| name.starts_with("sqlite_stat"));
    Ok(MADE.get_or_init(|| all))
}

/// Every way the `main` schema of `conn` differs from the one claimtrail's
/// migrations make at the file's schema version (`PRAGMA user_version`; a
/// read-only log made by an older claimtrail keeps the newer tables in
/// the connection's TEMP schema, which is not the file's and not compared).
/// Empty for a log claimtrail made and nobody altered.
pub fn differences(conn: &Connection) -> Result<Vec<Difference>> {
    let version: i64 = conn.query_row("PRAGMA main.user_version", [], |r| r.get(0))?;
    let version = usize::try_from(version)
        .unwrap_or(0)
        .min(crate::store::MIGRATIONS.len());
    let objects = objects(conn)?;
    let encoding: String = conn.query_row("PRAGMA main.encoding", [], |r| r.get(0))?;
    let mut out = Vec::new();
    if encoding != "UTF-8" {
        out.push(Difference::Encoding(encoding));
    }
    if version == crate::store::MIGRATIONS.len() && digest(&objects).to_hex() == CURRENT {
        return Ok(out);
    }
    let mut want = expected(version)?;
    let mut statistics = statistics()?.clone();
    for found in objects {
        // Each expected object, and each statistics table, matches once: a
        // second object of its name is one added.
        match want.remove(&found.name) {
            None if statistics.get(&found.name) == Some(&found) => {
                statistics.remove(&found.name);
            }
            None => out.push(Difference::Added(found)),
            Some(expected) if expected != found => {
                out.push(Difference::Altered { expected, found })
            }
            Some(_) => {}
        }
    }
    out.extend(want.into_values().map(Difference::Missing));
    Ok(out)
}

/// Refuses a log whose schema is not claimtrail's (see [`differences`]):
/// the append path calls it inside its write transaction, before it
/// writes anything.
pub fn require_own(conn: &Connection, path: &Path) -> Result<()> {
    let found = differences(conn)?;
    match found.first() {
        None => Ok(()),
        Some(first) => Err(Error::ForeignSchema {
            path: path.to_path_buf(),
            difference: first.to_string(),
            more: found.len() - 1,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A new log's schema, as `Store::create` makes it.
    fn log() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for (sql, _) in crate::store::MIGRATIONS {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute_batch(&format!(
            "PRAGMA user_version = {}",
            crate::store::MIGRATIONS.len()
        ))
        .unwrap();
        conn
    }

    fn found(conn: &Connection) -> Vec<String> {
        differences(conn)
            .unwrap()
            .iter()
            .map(|d| d.to_string())
            .collect()
    }

    #[test]
    fn the_current_digest_is_what_the_migrations_make() {
        let made = digest(&objects(&log()).unwrap()).to_hex();
        assert_eq!(
            made, CURRENT,
            "the migrations now make another schema: set schema::CURRENT to {made}"
        );
    }

    #[test]
    fn a_log_as_made_has_no_difference() {
        let conn = log();
        assert_eq!(found(&conn), Vec::<String>::new());
        // SQLite's statistics are allowed.
        conn.execute_batch("ANALYZE").unwrap();
        assert!(objects(&conn)
            .unwrap()
            .iter()
            .any(|o| o.name == "sqlite_stat1"));
        assert_eq!(found(&conn), Vec::<String>::new());
        // Only as SQLite makes them: an index by that name is not.
        let conn = log();
        conn.execute_batch(
            "CREATE INDEX zz ON annotations (abs(-9223372036854775807 - (claim_id = 1)));
             PRAGMA writable_schema = ON;
             UPDATE sqlite_schema SET name = 'sqlite_stat4',
                 sql = replace(sql, 'INDEX zz', 'INDEX sqlite_stat4') WHERE name = 'zz';",
        )
        .unwrap();
        assert_eq!(
            found(&conn),
            vec!["index sqlite_stat4 on annotations is not part of claimtrail's schema: CREATE INDEX sqlite_stat4 ON annotations (abs(-9223372036854775807 - (claim_id = 1)))"]
        );
    }

    /// The same bytes stored as a BLOB (or a number) are a difference:
    /// `sqlite3`'s `.tables` and `.dump` passed over a table whose `type`
    /// was the BLOB `table`, and the check, which read the bytes alone,
    /// did not see it.
    #[test]
    fn a_schema_row_stored_as_other_than_text_is_named() {
        for (column, cast, class) in [
            ("type", "CAST(type AS BLOB)", "a BLOB"),
            ("name", "CAST(name AS BLOB)", "a BLOB"),
            ("tbl_name", "CAST(tbl_name AS BLOB)", "a BLOB"),
            ("sql", "CAST(sql AS BLOB)", "a BLOB"),
        ] {
            let conn = log();
            conn.execute_batch(&format!(
                "PRAGMA writable_schema = ON;
                 UPDATE sqlite_schema SET {column} = {cast} WHERE name = 'entries';"
            ))
            .unwrap();
            let found = found(&conn);
            assert_eq!(found.len(), 1, "{found:?}");
            assert!(
                found[0].starts_with(&format!(
                    "table entries: sqlite_schema holds its {column} as {class}, where SQLite writes text"
                )),
                "{found:?}"
            );
        }
    }

    #[test]
    fn a_change_of_white_space_alone_is_said_so() {
        let conn = log();
        conn.execute_batch(
            "PRAGMA writable_schema = ON;
             UPDATE sqlite_schema SET sql = replace(sql, 'CREATE TABLE claims (', 'CREATE TABLE claims  (')
             WHERE name = 'claims';",
        )
        .unwrap();
        let found = found(&conn);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].starts_with("table claims is not as claimtrail made it: its statement differs in white space only: CREATE TABLE claims ("),
            "{found:?}"
        );
    }

    #[test]
    fn every_kind_of_change_is_named() {
        let conn = log();
        conn.execute_batch(
            "CREATE TRIGGER quiet BEFORE INSERT ON annotations BEGIN SELECT RAISE(IGNORE); END;
             DROP INDEX claims_by_speaker;
             DROP TABLE relations;
             CREATE TABLE relations (claim_id, kind, other_claim);
             CREATE VIEW v AS SELECT 1;",
        )
        .unwrap();
        assert_eq!(
            found(&conn),
            vec![
                "trigger quiet on annotations is not part of claimtrail's schema: CREATE TRIGGER quiet BEFORE INSERT ON annotations BEGIN SELECT RAISE(IGNORE); END",
                "table relations is not as claimtrail made it: CREATE TABLE relations (claim_id, kind, other_claim)",
                "view v is not part of claimtrail's schema: CREATE VIEW v AS SELECT 1",
                "index claims_by_speaker on claims is missing",
                "index relations_by_other on relations is missing",
            ]
        );
        // The append path's refusal names the first and counts the rest.
        let refusal = require_own(&conn, Path::new("log.db"))
            .unwrap_err()
            .to_string();
        assert!(
            refusal.starts_with(
                "log.db has been altered outside claimtrail: trigger quiet on annotations"
            ) && refusal.ends_with("(and 4 more differences)"),
            "{refusal}"
        );
    }

    #[test]
    fn a_view_in_place_of_a_table_is_named() {
        let conn = log();
        conn.execute_batch(
            "ALTER TABLE entries RENAME TO real_entries; CREATE VIEW entries AS SELECT * FROM real_entries;",
        )
        .unwrap();
        let found = found(&conn);
        assert!(
            found.contains(&"entries should be a table, and is a view: CREATE VIEW entries AS SELECT * FROM real_entries".to_string()),
            "{found:?}"
        );
        assert!(found
            .iter()
            .any(|d| d.starts_with("table real_entries is not part of")));
    }

    /// An older log is compared with the schema of its own version.
    #[test]
    fn an_older_log_is_compared_with_its_version() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(crate::store::MIGRATIONS[0].0).unwrap();
        conn.execute_batch("PRAGMA user_version = 1").unwrap();
        assert_eq!(found(&conn), Vec::<String>::new());
    }

    /// With the connection hardened, a trigger the file holds does not
    /// run, and a view cannot be read.
    #[test]
    fn a_hardened_connection_runs_no_trigger_and_reads_no_view() {
        let conn = log();
        conn.execute_batch(
            "CREATE TABLE t (x); CREATE TRIGGER quiet BEFORE INSERT ON t BEGIN SELECT RAISE(IGNORE); END;
             CREATE VIEW v AS SELECT 1;",
        )
        .unwrap();
        harden(&conn).unwrap();
        conn.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        assert!(conn.query_row("SELECT * FROM v", [], |_| Ok(())).is_err());
        let checks: i64 = conn
            .query_row("PRAGMA cell_size_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(checks, 1);
        // Defensive mode: the schema cannot be written as a table.
        assert!(conn
            .execute_batch(
                "PRAGMA writable_schema = ON; DELETE FROM sqlite_schema WHERE name = 'v';"
            )
            .is_err());
    }
}
