//! Where a log stands, at a glance (`claimtrail status`): how much it
//! holds, what awaits review, how far its latest signed checkpoint reaches,
//! and who you are in it.
//!
//! Everything here is read from the projection tables and the head of
//! `entries`, in a few indexed queries: about 0.1 s on the bench's
//! million-entry log, most of it the review queue's count. It proves nothing: `verify` is what says that
//! the tables match the signed entries. The status says so.

use crate::error::Result;
use crate::model::*;
use crate::query::{self, CheckpointView, LogLine};
use rusqlite::Connection;
use serde::Serialize;

/// The state of a log as its tables describe it.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    /// The log's origin (its `log.init`), the first line of its checkpoints.
    pub origin: String,
    /// The number of entries, which is the size of the Merkle tree.
    pub entries: u64,
    /// The last entry, as `claimtrail log` shows it.
    pub last: Option<LogLine>,
    pub sources: SourceCounts,
    pub claims: ClaimCounts,
    pub annotations: AnnotationCounts,
    pub keys: KeyCounts,
    /// The latest signed checkpoint stored in the log, if any.
    pub checkpoint: Option<CheckpointView>,
    /// Entries that no stored checkpoint covers yet
    /// ([`query::Uncovered`] of the latest: `log --uncovered` lists them).
    pub uncovered: u64,
    /// The latest checkpoint commits to more entries than the log has, or
    /// is stored at an entry past its end: the log was cut short or its
    /// file altered. `status` reads the tables and checks nothing, but it
    /// does not present such a checkpoint as covering the log (it did
    /// until 2026-12-04); `claimtrail verify` says what differs.
    pub checkpoint_beyond_log: bool,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct SourceCounts {
    pub total: u64,
    pub redacted: u64,
    /// `source.amend` entries, as the `source_amendments` table holds them.
    pub amendments: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct AnnotationCounts {
    pub total: u64,
    /// Annotations withdrawn by `annotate retract` (counted in `total`:
    /// they stay in the log).
    pub retracted: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ClaimCounts {
    pub total: u64,
    pub retracted: u64,
    /// Claims that stand (not retracted) and that no annotation judges
    /// yet: what `list claims --unannotated` lists, the review queue.
    pub unannotated: u64,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct KeyCounts {
    /// Every key the log enrolled, revoked ones included: the whole, as
    /// each group's `total` is (GUIDE's JSON rules).
    pub total: u64,
    /// Keys that can sign, by role.
    pub admin: u64,
    pub analyst: u64,
    pub auditor: u64,
    /// Keys revoked, of all roles, and not counted in their role (they
    /// were, and "10 auditors (10 revoked)" read as if every auditor was).
    pub revoked: u64,
}

/// Reads the status of the log on `conn`.
pub fn status(conn: &Connection) -> Result<Status> {
    // One snapshot for every query: read one after another while others
    // append, the entry count and the latest checkpoint disagreed, and an
    // honest log was reported cut short (exit 1). A deferred transaction
    // takes no lock in WAL mode; it is rolled back when dropped.
    let _snapshot = crate::store::snapshot(conn)?;
    let origin = crate::store::origin(conn)?.unwrap_or_default();
    let count = |sql: &str| -> Result<u64> {
        Ok(conn.query_row(sql, [], |r| r.get::<_, i64>(0))?.max(0) as u64)
    };
    // The head's seq, not COUNT(*): entries are numbered from 0 without a
    // gap (verify checks it), and counting walks the whole table (19 ms at
    // a million entries, against one index seek).
    let entries = crate::tree::size(conn)?.0;
    let last = match entries {
        0 => None,
        n => query::log_line(conn, Seq(n - 1))?,
    };
    let sources = SourceCounts {
        total: count("SELECT COUNT(*) FROM sources")?,
        redacted: count("SELECT COUNT(*) FROM redactions")?,
        amendments: count("SELECT COUNT(*) FROM source_amendments")?,
    };
    let claims = ClaimCounts {
        total: count("SELECT COUNT(*) FROM claims")?,
        retracted: count("SELECT COUNT(*) FROM retractions")?,
        unannotated: query::awaiting_review(conn)?,
    };
    let annotations = AnnotationCounts {
        total: count("SELECT COUNT(*) FROM annotations")?,
        retracted: count("SELECT COUNT(*) FROM annotation_retractions")?,
    };
    let mut keys = KeyCounts::default();
    for k in query::keys(conn)? {
        keys.total += 1;
        if k.revoked_seq.is_some() {
            keys.revoked += 1;
            continue;
        }
        *match k.role {
            Role::Admin => &mut keys.admin,
            Role::Analyst => &mut keys.analyst,
            Role::Auditor => &mut keys.auditor,
        } += 1;
    }
    let checkpoint = query::latest_checkpoint(conn)?;
    let uncovered = query::Uncovered::after(checkpoint.as_ref()).count(entries);
    let checkpoint_beyond_log = checkpoint.as_ref().is_some_and(|c| c.beyond(entries));
    Ok(Status {
        origin,
        entries,
        last,
        sources,
        claims,
        annotations,
        keys,
        checkpoint,
        uncovered,
        checkpoint_beyond_log,
    })
}

/// Who a key is in a log: its enrolment, or that it has none.
///
/// In JSON one shape either way, so a script reads the same members:
/// `{"enrolled": true|false, "fingerprint", "name", "role", "revoked_seq"}`,
/// the last three `null` for a key the log does not hold.
#[derive(Clone, Debug)]
pub enum You {
    /// Enrolled (and perhaps revoked since: then it can no longer sign).
    Yes {
        fingerprint: Fingerprint,
        name: String,
        role: Role,
        revoked_seq: Option<Seq>,
    },
    /// Not enrolled in this log: an admin's `key add` enrolls it.
    No { fingerprint: Fingerprint },
}

impl Serialize for You {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Shape<'a> {
            enrolled: bool,
            fingerprint: &'a Fingerprint,
            name: Option<&'a str>,
            role: Option<Role>,
            revoked_seq: Option<Seq>,
        }
        match self {
            You::Yes {
                fingerprint,
                name,
                role,
                revoked_seq,
            } => Shape {
                enrolled: true,
                fingerprint,
                name: Some(name),
                role: Some(*role),
                revoked_seq: *revoked_seq,
            },
            You::No { fingerprint } => Shape {
                enrolled: false,
                fingerprint,
                name: None,
                role: None,
                revoked_seq: None,
            },
        }
        .serialize(s)
    }
}

/// Looks `key` up among the log's enrolled keys.
pub fn you(conn: &Connection, key: &crate::keys::PublicKey) -> Result<You> {
    let fp = key.fingerprint().clone();
    Ok(
        match query::keys(conn)?.into_iter().find(|k| k.fingerprint == fp) {
            Some(k) => You::Yes {
                fingerprint: k.fingerprint,
                name: k.name,
                role: k.role,
                revoked_seq: k.revoked_seq,
            },
            None => You::No { fingerprint: fp },
        },
    )
}
