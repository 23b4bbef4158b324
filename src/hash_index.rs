//! The index of entry hashes checked against the entries, for `verify`.
//!
//! `entries.hash` is UNIQUE, so SQLite keeps an index of it
//! (`sqlite_autoindex_entries_1`), through which a bundle, `show` of an
//! entry hash and the append path find entries. A byte changed in that
//! index, below the table, changes what they find while every row of the
//! table, and so every entry check, holds. SQLite's `PRAGMA
//! integrity_check` sees it, by looking up every row of the table in the
//! index: a million random descents into a 45 MB index through a 2 MB page
//! cache, about half of the check's time on the bench's log.
//!
//! This module does the same check in one ordered pass instead:
//!
//! - verify's own pass over the entries, which reads every row's `hash`
//!   column anyway, adds up a keyed mark of each row's `(seq, hash)`
//!   ([`Marks::mark`], [`TableMarks`]);
//! - [`check`] reads the index in its own order, in the same read
//!   transaction, and requires each hash to be a 32-byte blob greater than
//!   the one before it, and the marks of its `(rowid, hash)` pairs to add
//!   up to the table's; and SQLite's page statistics (`dbstat`) of the
//!   index must count exactly as many cells, and as many record bytes, as
//!   those records take (a record with a field between the hash and the row
//!   number reads as the same pair, since SQLite takes the row number from
//!   the record's end; it hid bytes in a log that verified). Anything this
//!   cannot judge (a hash that is no blob, counts that differ, a record
//!   SQLite cannot decode) is left to `PRAGMA integrity_check(entries)`.
//!
//! Equal sums mean the same multiset of pairs: a mark is SHA-256 keyed
//! with 32 random bytes drawn for this run only, so whoever edited the
//! file could not choose pairs whose marks add up alike (unkeyed, sums of
//! hashes can be matched by a generalised birthday search). Strictly
//! increasing keys in the index's own order make it a search tree that
//! finds each of them. The pass reads interior cells too (an index b-tree
//! keeps entries on its interior pages), so a changed divider key is
//! either out of order or a pair the table lacks. What `PRAGMA
//! quick_check` still checks, and this does not: the pages themselves
//! (cells, free space, the page numbers of the tree). What this does *not*
//! prove: anything of another index (`PRAGMA integrity_check` of each
//! table does that), nor that a hash is the entry's (the entry checks do).

use crate::error::Result;
use rusqlite::Connection;
use sha2::Digest;

/// The keyed marks of one verify run.
pub struct Marks {
    /// SHA-256 after one block of the run's random key.
    keyed: sha2::Sha256,
}

impl Marks {
    /// Marks under a key drawn from the operating system's generator.
    pub fn random() -> Marks {
        let mut key = [0u8; 64];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut key[..32]);
        Marks::with_key(key)
    }

    fn with_key(key: [u8; 64]) -> Marks {
        let mut keyed = sha2::Sha256::new();
        keyed.update(key);
        Marks { keyed }
    }

    /// The mark of row `seq` whose `hash` column holds `hash`: the first
    /// 16 bytes of SHA-256(key block ‖ seq ‖ hash), as a number.
    pub fn mark(&self, seq: i64, hash: &[u8]) -> u128 {
        let mut h = self.keyed.clone();
        h.update(seq.to_le_bytes());
        h.update(hash);
        let d = h.finalize();
        u128::from_le_bytes(d[..16].try_into().expect("16 of 32 bytes"))
    }
}

/// The marks of the table's rows, as verify's pass adds them up.
#[derive(Clone, Copy, Debug, Default)]
pub struct TableMarks {
    pub sum: u128,
    pub rows: u64,
    /// A row's `hash` column held something other than a blob: verify
    /// reports that row, and the index is left to SQLite's own check,
    /// which orders values of every type.
    pub unusual: bool,
}

impl TableMarks {
    /// Adds one row: its mark, or `None` when its hash is no blob.
    pub fn add(&mut self, mark: Option<u128>) {
        self.rows += 1;
        match mark {
            Some(m) => self.sum = self.sum.wrapping_add(m),
            None => self.unusual = true,
        }
    }
}

/// What [`check`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// The index holds the table's pairs, in order.
    Whole,
    /// What is wrong with it, one line each.
    Wrong(Vec<String>),
    /// This check cannot judge it (a hash that is not a blob, or no such
    /// index): SQLite's `PRAGMA integrity_check(entries)` must.
    Undecided,
}

/// The index's name, as SQLite names the index of the first UNIQUE
/// column of `entries`.
const INDEX: &str = "sqlite_autoindex_entries_1";

/// Reads the index of entry hashes in its own order, on `conn` (the read
/// transaction that verify's pass read the table in), and holds it
/// against the table's marks.
pub fn check(conn: &Connection, marks: &Marks, table: &TableMarks) -> Result<Found> {
    if table.unusual {
        return Ok(Found::Undecided);
    }
    // A covering index: SQLite reads the pairs from the index alone, in
    // its order, with no sort (a unit test holds the plan).
    let sql = format!("SELECT hash, rowid FROM entries INDEXED BY {INDEX}");
    let mut stmt = match conn.prepare(&sql) {
        Ok(stmt) => stmt,
        // No such index: the schema's check says what became of it.
        Err(_) => return Ok(Found::Undecided),
    };
    let mut rows = stmt.query([])?;
    let mut wrong = Vec::new();
    let mut sum = 0u128;
    let mut count = 0u64;
    let mut last: Option<([u8; 32], i64)> = None;
    // The bytes SQLite writes for the records read: see `record_len`.
    let mut payload = 0u64;
    while let Some(row) = rows.next()? {
        let rusqlite::types::ValueRef::Blob(hash) = row.get_ref(0)? else {
            return Ok(Found::Undecided);
        };
        let rowid: i64 = row.get(1)?;
        count += 1;
        payload += record_len(hash.len(), rowid);
        sum = sum.wrapping_add(marks.mark(rowid, hash));
        let Ok(hash) = <[u8; 32]>::try_from(hash) else {
            // Of another length: the table's row says so too when it holds
            // the same; if not, the sums differ.
            last = None;
            continue;
        };
        if let Some((before, before_rowid)) = last {
            if hash <= before && wrong.len() < 10 {
                wrong.push(format!(
                    "the index of entry hashes is out of order: the hash of row {rowid} ({}) comes after that of row {before_rowid} ({})",
                    &crate::hash::Hash(hash).to_hex()[..12],
                    &crate::hash::Hash(before).to_hex()[..12],
                ));
            }
        }
        last = Some((hash, rowid));
    }
    drop(rows);
    drop(stmt);
    // A record with a field between the hash and the row number reads as
    // the same pair (SQLite takes the row number from the record's end),
    // and hid bytes in a log that verified: the index's cells and their
    // bytes, as SQLite's page statistics count them, must be the records
    // read. Any other count is left to SQLite's own check, which names
    // what it finds (a wider encoding of a number than SQLite writes is
    // nothing to it).
    let stat: Option<(i64, i64)> = conn
        .query_row(
            "SELECT ncell, payload FROM dbstat('main', 1) WHERE name = ?1",
            [INDEX],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .ok();
    if stat != Some((count as i64, payload as i64)) {
        return Ok(Found::Undecided);
    }
    if count != table.rows {
        wrong.push(format!(
            "the index of entry hashes holds {} for {} in the table",
            crate::text::count(count, "entry"),
            crate::text::count(table.rows, "entry"),
        ));
    } else if sum != table.sum {
        wrong.push(
            "the index of entry hashes does not hold the entries' own hashes and numbers (one was changed, or one replaced by another)"
                .into(),
        );
    }
    Ok(match wrong.is_empty() {
        true => Found::Whole,
        false => Found::Wrong(wrong),
    })
}

/// The length of the index record SQLite writes for a `hash_len`-byte
/// blob and row number `rowid` (file format 4): a header of three bytes
/// (its length, the blob's serial type, the integer's: each one byte here),
/// the blob, and the integer in the fewest bytes (none for 0 and 1).
fn record_len(hash_len: usize, rowid: i64) -> u64 {
    let magnitude = if rowid < 0 { !rowid } else { rowid } as u64;
    let int = match magnitude {
        _ if rowid == 0 || rowid == 1 => 0,
        0..=0x7f => 1,
        0x80..=0x7fff => 2,
        0x8000..=0x7f_ffff => 3,
        0x80_0000..=0x7fff_ffff => 4,
        0x8000_0000..=0x7fff_ffff_ffff => 6,
        _ => 8,
    };
    // A blob's serial type is 12 + 2n: one byte up to 57 bytes.
    let header = if hash_len <= 57 { 3 } else { 4 };
    header + hash_len as u64 + int
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(n: i64) -> Connection {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE entries (seq INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE)",
        )
        .unwrap();
        for seq in 0..n {
            let h = crate::hash::Hash::sha256(&seq.to_le_bytes());
            c.execute(
                "INSERT INTO entries VALUES (?, ?)",
                rusqlite::params![seq, &h.0[..]],
            )
            .unwrap();
        }
        c
    }

    fn table(c: &Connection, marks: &Marks) -> TableMarks {
        let mut t = TableMarks::default();
        let mut stmt = c
            .prepare("SELECT seq, hash FROM entries ORDER BY seq")
            .unwrap();
        let mut rows = stmt.query([]).unwrap();
        while let Some(r) = rows.next().unwrap() {
            let mark = match r.get_ref(1).unwrap() {
                rusqlite::types::ValueRef::Blob(b) => Some(marks.mark(r.get(0).unwrap(), b)),
                _ => None,
            };
            t.add(mark);
        }
        t
    }

    #[test]
    fn the_index_is_read_in_its_own_order_without_a_sort() {
        let c = log(3);
        let plan: String = c
            .query_row(
                &format!("EXPLAIN QUERY PLAN SELECT hash, rowid FROM entries INDEXED BY {INDEX}"),
                [],
                |r| r.get(3),
            )
            .unwrap();
        assert_eq!(plan, format!("SCAN entries USING COVERING INDEX {INDEX}"));
    }

    #[test]
    fn a_whole_index_passes_and_a_different_table_does_not() {
        let c = log(500);
        let marks = Marks::random();
        let t = table(&c, &marks);
        assert_eq!(check(&c, &marks, &t).unwrap(), Found::Whole);
        // The table as another pass saw it: one row fewer, or one mark
        // different (as if the index held another pair).
        let fewer = TableMarks {
            rows: t.rows - 1,
            ..t
        };
        assert!(
            matches!(check(&c, &marks, &fewer).unwrap(), Found::Wrong(w) if w[0].contains("holds 500 entries for 499"))
        );
        let other = TableMarks {
            sum: t.sum.wrapping_add(1),
            ..t
        };
        assert!(
            matches!(check(&c, &marks, &other).unwrap(), Found::Wrong(w) if w[0].contains("does not hold the entries' own"))
        );
        // A hash that is no blob is left to SQLite.
        c.execute("UPDATE entries SET hash = 'x' WHERE seq = 7", [])
            .unwrap();
        let t = table(&c, &marks);
        assert!(t.unusual);
        assert_eq!(check(&c, &marks, &t).unwrap(), Found::Undecided);
    }

    /// The record lengths counted for the page statistics are SQLite's
    /// own, for row numbers of every width and sign.
    #[test]
    fn record_lengths_are_sqlites() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            "CREATE TABLE entries (seq INTEGER PRIMARY KEY, hash BLOB NOT NULL UNIQUE)",
        )
        .unwrap();
        let seqs: [i64; 20] = [
            0,
            1,
            2,
            127,
            128,
            32767,
            32768,
            8388607,
            8388608,
            2147483647,
            2147483648,
            0x7fff_ffff_ffff,
            0x8000_0000_0000,
            i64::MAX,
            -1,
            -128,
            -129,
            -32769,
            -8388609,
            i64::MIN,
        ];
        for seq in seqs {
            let h = crate::hash::Hash::sha256(&seq.to_le_bytes());
            c.execute(
                "INSERT INTO entries VALUES (?, ?)",
                rusqlite::params![seq, &h.0[..]],
            )
            .unwrap();
        }
        let marks = Marks::random();
        let t = table(&c, &marks);
        assert_eq!(check(&c, &marks, &t).unwrap(), Found::Whole);
        let (cells, bytes): (i64, i64) = c
            .query_row(
                "SELECT ncell, payload FROM dbstat('main', 1) WHERE name = ?1",
                [INDEX],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        let expected: u64 = seqs.iter().map(|s| record_len(32, *s)).sum();
        assert_eq!((cells, bytes as u64), (20, expected));
    }

    #[test]
    fn marks_depend_on_the_key_the_row_and_the_hash() {
        let a = Marks::with_key([1; 64]);
        let b = Marks::with_key([2; 64]);
        let h = [7u8; 32];
        assert_ne!(a.mark(1, &h), b.mark(1, &h));
        assert_ne!(a.mark(1, &h), a.mark(2, &h));
        assert_ne!(a.mark(1, &h), a.mark(1, &[8u8; 32]));
        assert_eq!(a.mark(1, &h), Marks::with_key([1; 64]).mark(1, &h));
    }
}
