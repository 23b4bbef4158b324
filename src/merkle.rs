//! The RFC 6962 / RFC 9162 §2.1 Merkle tree over entry hashes: tree heads,
//! inclusion proofs and consistency proofs.
//!
//! Why a Merkle tree on top of the hash chain: the chain (`prev`) lets an
//! auditor who holds *every* entry detect a change, but only by replaying the
//! whole log. The tree lets a log commit to all entries `0..N` with one 32-byte
//! root (published in a signed checkpoint), prove that one entry is in it with
//! `log2 N` hashes (inclusion), and prove that a later root extends an earlier
//! one without rewriting it (consistency). Those proofs are what other
//! transparency-log tools understand, so an auditor need not trust claimtrail.
//!
//! Hashing (RFC 6962 §2.1): a leaf hash is `SHA-256(0x00 || leaf)`, an interior
//! node is `SHA-256(0x01 || left || right)`, the empty tree's root is
//! `SHA-256("")`. The tree over `n` leaves splits at the largest power of two
//! `k < n`; so the tree is a sequence of *perfect* subtrees (one per set bit
//! of `n`, largest first) folded together from the right.
//!
//! Storage: proof generation is written against [`NodeSource`], which only has
//! to return the hash of *complete* (perfect) subtrees. A store that keeps
//! those (they never change once complete) can answer any root or proof with
//! `O(log n)` reads; [`nodes_after_append`] tells it which nodes to add when a
//! leaf is appended. [`MemTree`] is the in-memory implementation.
//!
//! Verification ([`verify_inclusion`], [`verify_consistency`]) follows the
//! algorithms of RFC 9162 §2.1.3.2 and §2.1.4.2 step by step, and never trusts
//! the proof's length or content.

use crate::hash::Hash;
use sha2::{Digest, Sha256};
use std::fmt;

/// Position of a leaf (an entry's `seq`), 0-based.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct LeafIndex(pub u64);

/// Number of leaves in a tree; a tree of size `n` holds leaves `0..n`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, serde::Serialize)]
#[serde(transparent)]
pub struct TreeSize(pub u64);

impl fmt::Display for LeafIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Display for TreeSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// RFC 6962 leaf hash, `SHA-256(0x00 || leaf)`.
///
/// The `0x00` prefix (versus `0x01` for interior nodes) is domain separation:
/// without it, an interior node's 64-byte preimage could be presented as a
/// leaf, and a proof could "include" a leaf that was never appended.
pub fn leaf_hash(leaf: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(leaf);
    Hash(h.finalize().into())
}

/// RFC 6962 interior node hash, `SHA-256(0x01 || left || right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left.0);
    h.update(right.0);
    Hash(h.finalize().into())
}

/// Root of the empty tree, `SHA-256("")` (RFC 6962 §2.1), i.e.
/// `e3b0c442…b855`. It is the only valid root for tree size 0.
pub fn empty_root() -> Hash {
    Hash::sha256(b"")
}

/// Why a proof could not be produced or did not verify.
///
/// Every variant means "do not trust this"; the message says which check
/// failed so that an auditor can report it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The leaf index is not inside the tree.
    #[error("leaf index {index} is out of range for a tree of size {size} (its leaves are numbered from 0 up to, not including, {size})")]
    IndexOutOfRange {
        /// The requested leaf.
        index: LeafIndex,
        /// The tree it was asked of.
        size: TreeSize,
    },
    /// A consistency proof was asked from a larger tree to a smaller one.
    #[error(
        "old tree size {old} is larger than new tree size {new}: an append-only log cannot shrink"
    )]
    OldLargerThanNew {
        /// The first (older) tree size.
        old: TreeSize,
        /// The second (newer) tree size.
        new: TreeSize,
    },
    /// Consistency from the empty tree: RFC 9162 §2.1.4 defines proofs only
    /// for `0 < first`. Every tree extends the empty tree, so such a proof
    /// would carry no information; callers should instead check that the old
    /// root is [`empty_root`].
    #[error("a consistency proof from the empty tree to size {new} is meaningless: every tree extends the empty tree")]
    EmptyOldTree {
        /// The second (newer) tree size.
        new: TreeSize,
    },
    /// The inclusion proof has the wrong number of hashes for this index and
    /// tree size.
    #[error("inclusion proof has {got} hashes, but a proof for leaf {index} in a tree of size {size} has exactly {expected}")]
    InclusionProofLength {
        /// Hashes in the proof given.
        got: usize,
        /// Hashes such a proof has.
        expected: usize,
        /// The leaf index.
        index: LeafIndex,
        /// The tree size.
        size: TreeSize,
    },
    /// The consistency proof has the wrong number of hashes for these sizes.
    #[error("consistency proof has {got} hashes, but a proof from size {old} to size {new} has exactly {expected}")]
    ConsistencyProofLength {
        /// Hashes in the proof given.
        got: usize,
        /// Hashes such a proof has.
        expected: usize,
        /// The first tree size.
        old: TreeSize,
        /// The second tree size.
        new: TreeSize,
    },
    /// The inclusion proof, applied to the leaf hash, gives another root.
    #[error("inclusion proof does not lead to the expected root: it gives {computed}, expected {expected} (wrong leaf, index, size, proof or root)")]
    InclusionRootMismatch {
        /// Root recomputed from the leaf hash and the proof.
        computed: Hash,
        /// Root the caller expected.
        expected: Hash,
    },
    /// The consistency proof does not reproduce the old root.
    #[error("consistency proof does not reproduce the old root: it gives {computed}, expected {expected}")]
    OldRootMismatch {
        /// Old root recomputed from the proof.
        computed: Hash,
        /// Old root the caller expected.
        expected: Hash,
    },
    /// The consistency proof does not reproduce the new root.
    #[error("consistency proof does not reproduce the new root: it gives {computed}, expected {expected}")]
    NewRootMismatch {
        /// New root recomputed from the proof.
        computed: Hash,
        /// New root the caller expected.
        expected: Hash,
    },
    /// Two tree heads of the same size with different roots: the log forked
    /// (or one of the heads is corrupt).
    #[error("two trees of the same size {size} have different roots {first} and {second}")]
    SameSizeDifferentRoots {
        /// The common size.
        size: TreeSize,
        /// The first root.
        first: Hash,
        /// The second root.
        second: Hash,
    },
    /// A root claimed for the empty tree is not [`empty_root`].
    #[error("{root} cannot be the root of the empty tree (that root is always SHA-256 of nothing, {empty})", empty = empty_root())]
    NotTheEmptyRoot {
        /// The root given.
        root: Hash,
    },
    /// Appending at this index would make the size overflow `u64`.
    #[error("cannot append leaf {0}: the tree size would not fit in 64 bits")]
    TreeFull(LeafIndex),
}

/// Read access to the hashes of complete subtrees of one tree.
///
/// Node `(level, index)` is the root of the perfect subtree over leaves
/// `[index·2^level, (index+1)·2^level)`; level 0 are the leaf hashes
/// themselves. The functions in this module only ask for nodes whose whole
/// leaf range lies inside the tree size they were given, so a store only has to
/// keep complete nodes (which never change once complete).
pub trait NodeSource {
    /// Why a node could not be read (I/O, missing row, …).
    type Error;

    /// The hash of the complete subtree at `(level, index)`.
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

impl<T: NodeSource + ?Sized> NodeSource for &T {
    type Error = T::Error;
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error> {
        (**self).node(level, index)
    }
}

/// Failure to compute a root or a proof from a [`NodeSource`].
#[derive(Debug, thiserror::Error)]
pub enum TreeError<E> {
    /// The request itself is invalid (index beyond the size, old > new, …).
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// The node source failed to return a node.
    #[error("cannot read Merkle tree node at level {level}, index {index}: {source}")]
    Node {
        /// Level of the node asked for.
        level: u32,
        /// Index of the node within its level.
        index: u64,
        /// The source's error.
        source: E,
    },
}

/// A range of leaves `[start, start + len)` that occurs in the RFC 9162
/// recursion. Such ranges are *aligned*: `start` is a multiple of the
/// smallest power of two `>= len`, which is what makes [`range_hash`]'s
/// perfect-subtree decomposition line up with stored nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Range {
    start: u64,
    len: u64,
}

/// The largest power of two strictly smaller than `n`; requires `n >= 2`.
fn split_point(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1u64 << (63 - (n - 1).leading_zeros())
}

fn read<S: NodeSource>(src: &S, level: u32, index: u64) -> Result<Hash, TreeError<S::Error>> {
    src.node(level, index).map_err(|source| TreeError::Node {
        level,
        index,
        source,
    })
}

/// MTH of an aligned leaf range, from its perfect-subtree decomposition: one
/// perfect subtree per set bit of `len`, largest (leftmost) first, folded
/// from the right exactly as RFC 6962's recursive definition does. At most 64
/// node reads.
fn range_hash<S: NodeSource>(src: &S, r: Range) -> Result<Hash, TreeError<S::Error>> {
    let mut acc: Option<Hash> = None;
    // Bits from the lowest (rightmost, smallest subtree) to the highest.
    for level in 0..64u32 {
        if (r.len >> level) & 1 == 0 {
            continue;
        }
        // Leaves before this chunk within the range: the higher bits of len.
        let higher = r.len & !(u64::MAX >> (63 - level));
        let index = (r.start + higher) >> level;
        let h = read(src, level, index)?;
        acc = Some(match acc {
            None => h,
            Some(right) => node_hash(&h, &right),
        });
    }
    Ok(acc.unwrap_or_else(empty_root))
}

/// RFC 9162 §2.1.3.1 `PATH(m, D[0:n])` as the list of sibling ranges,
/// bottom-up (the order of the proof). Requires `m < n`.
fn inclusion_plan(m: u64, n: u64) -> Vec<Range> {
    let mut out = Vec::new();
    let (mut start, mut len, mut m) = (0u64, n, m);
    while len > 1 {
        let k = split_point(len);
        if m < k {
            out.push(Range {
                start: start + k,
                len: len - k,
            });
            len = k;
        } else {
            out.push(Range { start, len: k });
            start += k;
            m -= k;
            len -= k;
        }
    }
    out.reverse();
    out
}

/// RFC 9162 §2.1.4.1 `SUBPROOF(m, D[0:n], true)` as the list of ranges whose
/// hashes form the proof, in proof order. Requires `0 < m < n`.
fn consistency_plan(m: u64, n: u64) -> Vec<Range> {
    let mut out = Vec::new();
    let (mut start, mut len, mut m, mut whole) = (0u64, n, m, true);
    loop {
        if m == len {
            // SUBPROOF(m, D[m], b): empty if the old tree is this very
            // subtree (the verifier knows its root), else its MTH.
            if !whole {
                out.push(Range { start, len });
            }
            break;
        }
        let k = split_point(len);
        if m <= k {
            out.push(Range {
                start: start + k,
                len: len - k,
            });
            len = k;
        } else {
            out.push(Range { start, len: k });
            start += k;
            m -= k;
            len -= k;
            whole = false;
        }
    }
    out.reverse();
    out
}

/// The root (RFC 6962 MTH) of the tree of the first `size` leaves. Reads at
/// most 64 nodes (one per set bit of `size`). Size 0 gives [`empty_root`].
pub fn root<S: NodeSource>(src: &S, size: TreeSize) -> Result<Hash, TreeError<S::Error>> {
    range_hash(
        src,
        Range {
            start: 0,
            len: size.0,
        },
    )
}

/// The RFC 9162 §2.1.3.1 inclusion proof of leaf `index` in the tree of
/// `size` leaves, bottom-up. `O(log size)` node reads.
///
/// Errors with [`ProofError::IndexOutOfRange`] if `index >= size` (so also
/// for size 0).
pub fn inclusion_proof<S: NodeSource>(
    src: &S,
    index: LeafIndex,
    size: TreeSize,
) -> Result<Vec<Hash>, TreeError<S::Error>> {
    if index.0 >= size.0 {
        return Err(ProofError::IndexOutOfRange { index, size }.into());
    }
    let plan = inclusion_plan(index.0, size.0);
    // Collected from an iterator of results, the vector grew by doubling
    // (32 places for a proof of 18): reports hold a proof per entry.
    let mut proof = Vec::with_capacity(plan.len());
    for r in plan {
        proof.push(range_hash(src, r)?);
    }
    Ok(proof)
}

/// The RFC 9162 §2.1.4.1 consistency proof from the tree of `old` leaves to
/// the tree of `new` leaves. `O(log new)` node reads.
///
/// `old == new` gives the empty proof. `old > new` is
/// [`ProofError::OldLargerThanNew`]; `old == 0 < new` is
/// [`ProofError::EmptyOldTree`] (see there).
pub fn consistency_proof<S: NodeSource>(
    src: &S,
    old: TreeSize,
    new: TreeSize,
) -> Result<Vec<Hash>, TreeError<S::Error>> {
    if old > new {
        return Err(ProofError::OldLargerThanNew { old, new }.into());
    }
    if old == new {
        return Ok(Vec::new());
    }
    if old.0 == 0 {
        return Err(ProofError::EmptyOldTree { new }.into());
    }
    consistency_plan(old.0, new.0)
        .into_iter()
        .map(|r| range_hash(src, r))
        .collect()
}

/// A stored tree node: `(level, index, hash)` of a complete subtree (see
/// [`NodeSource`]).
pub type NodeEntry = (u32, u64, Hash);

/// The complete nodes of level ≥ 1 that come into existence when leaf `index`
/// (with hash `leaf_hash`) is appended to a tree of `index` leaves, as
/// `(level, index, hash)`, lowest level first.
///
/// These are the nodes the store must add, in the same transaction as the
/// entry, to keep holding every complete subtree. The leaf itself (level 0)
/// is not returned: the store already has it as the entry hash, and `src`
/// must serve level 0 from there. Reads one left sibling per new node, i.e.
/// the number of trailing one bits of `index` (at most 63).
pub fn nodes_after_append<S: NodeSource>(
    src: &S,
    index: LeafIndex,
    leaf_hash: Hash,
) -> Result<Vec<NodeEntry>, TreeError<S::Error>> {
    if index.0 == u64::MAX {
        return Err(ProofError::TreeFull(index).into());
    }
    let mut out = Vec::new();
    let (mut level, mut i, mut cur) = (0u32, index.0, leaf_hash);
    // While the node just completed is a right child, its parent completes.
    while i & 1 == 1 {
        let left = read(src, level, i - 1)?;
        cur = node_hash(&left, &cur);
        level += 1;
        i >>= 1;
        out.push((level, i, cur));
    }
    Ok(out)
}

/// Verifies an inclusion proof exactly as RFC 9162 §2.1.3.2 specifies: that
/// `leaf_hash` is leaf number `index` of the tree of `size` leaves whose root
/// is `root`.
///
/// What it does *not* prove: that `root` is the log's real root (check the
/// signed checkpoint that carries it); that `size` is the size of the tree
/// with that root (a proof can also pass with another size paired with the
/// same root, so take size and root from the same verified checkpoint); or
/// that the leaf hash belongs to any particular entry (recompute it from the
/// entry bytes with [`leaf_hash`]).
pub fn verify_inclusion(
    leaf_hash: &Hash,
    index: LeafIndex,
    size: TreeSize,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    let wrong_length = || ProofError::InclusionProofLength {
        got: proof.len(),
        expected: inclusion_plan(index.0, size.0).len(),
        index,
        size,
    };
    // 1. leaf_index >= tree_size fails.
    if index.0 >= size.0 {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    // 2. fn = leaf_index, sn = tree_size - 1.
    let (mut fnode, mut snode) = (index.0, size.0 - 1);
    // 3. r = hash.
    let mut r = *leaf_hash;
    // 4. For each p in the path:
    for p in proof {
        // 4a. sn == 0: the proof is longer than the path.
        if snode == 0 {
            return Err(wrong_length());
        }
        // 4b.
        if fnode & 1 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        // 4c.
        fnode >>= 1;
        snode >>= 1;
    }
    // 5. sn must be 0 and r must equal the root.
    if snode != 0 {
        return Err(wrong_length());
    }
    if r != *root {
        return Err(ProofError::InclusionRootMismatch {
            computed: r,
            expected: *root,
        });
    }
    Ok(())
}

/// Verifies that the tree of `new` leaves with root `new_root` extends the
/// tree of `old` leaves with root `old_root` (it contains the same first `old`
/// leaves, unchanged), per RFC 9162 §2.1.4.2.
///
/// RFC 9162 defines the algorithm for `0 < old < new`. The other cases:
/// `old > new` fails; `old == new` requires an empty proof and equal roots
/// (and, for size 0, the empty-tree root); `old == 0 < new` fails with
/// [`ProofError::EmptyOldTree`] because there is nothing to prove (check the
/// old root against [`empty_root`] instead).
///
/// What it does *not* prove: that either root is the log's (check the
/// signatures on the checkpoints), that each size belongs with its root (take
/// both from the same verified checkpoint), or anything about the leaves
/// after `old`.
pub fn verify_consistency(
    old: TreeSize,
    new: TreeSize,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    let wrong_length = |expected: usize| ProofError::ConsistencyProofLength {
        got: proof.len(),
        expected,
        old,
        new,
    };
    if old > new {
        return Err(ProofError::OldLargerThanNew { old, new });
    }
    if old == new {
        if !proof.is_empty() {
            return Err(wrong_length(0));
        }
        if old_root != new_root {
            return Err(ProofError::SameSizeDifferentRoots {
                size: old,
                first: *old_root,
                second: *new_root,
            });
        }
        if old.0 == 0 && *old_root != empty_root() {
            return Err(ProofError::NotTheEmptyRoot { root: *old_root });
        }
        return Ok(());
    }
    if old.0 == 0 {
        return Err(ProofError::EmptyOldTree { new });
    }
    let expected_len = || consistency_plan(old.0, new.0).len();
    // 1. An empty consistency_path fails.
    if proof.is_empty() {
        return Err(wrong_length(expected_len()));
    }
    // 2. If first is an exact power of 2, prepend first_hash to the path.
    let prefix = if old.0.is_power_of_two() {
        Some(old_root)
    } else {
        None
    };
    let mut path = prefix.into_iter().chain(proof.iter());
    // 3. fn = first - 1, sn = second - 1.
    let (mut fnode, mut snode) = (old.0 - 1, new.0 - 1);
    // 4. If LSB(fn) is set, right-shift fn and sn until it is not.
    while fnode & 1 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    // 5. fr = sr = the first value of the path.
    let Some(first) = path.next() else {
        return Err(wrong_length(expected_len()));
    };
    let (mut fr, mut sr) = (*first, *first);
    // 6. For each subsequent value c:
    for c in path {
        // 6a. sn == 0: the proof is too long.
        if snode == 0 {
            return Err(wrong_length(expected_len()));
        }
        // 6b.
        if fnode & 1 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fnode & 1 == 0 {
                while fnode & 1 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        // 6c.
        fnode >>= 1;
        snode >>= 1;
    }
    // 7. fr == first_hash, sr == second_hash, sn == 0.
    if snode != 0 {
        return Err(wrong_length(expected_len()));
    }
    if fr != *old_root {
        return Err(ProofError::OldRootMismatch {
            computed: fr,
            expected: *old_root,
        });
    }
    if sr != *new_root {
        return Err(ProofError::NewRootMismatch {
            computed: sr,
            expected: *new_root,
        });
    }
    Ok(())
}

/// A node that [`MemTree`] was asked for but does not hold (outside the
/// tree, or not yet complete).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the in-memory Merkle tree has no complete node at level {level}, index {index}")]
pub struct MissingNode {
    /// Level asked for.
    pub level: u32,
    /// Index asked for.
    pub index: u64,
}

/// An in-memory Merkle tree holding every complete node, level by level.
///
/// The reference the tests hold the stored tree (`tree`), the verifier's
/// frontier (`tree::Frontier`) and the tiles against: simple enough to be
/// obviously RFC 6962's definition. Memory: about `2 n` hashes (64 bytes
/// per leaf), which is why the verifier does not use it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemTree {
    /// `levels[l][i]` is node `(l, i)`; `levels[0]` are the leaf hashes.
    levels: Vec<Vec<Hash>>,
}

impl MemTree {
    /// The empty tree.
    pub fn new() -> MemTree {
        MemTree::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> TreeSize {
        TreeSize(self.levels.first().map_or(0, |l| l.len() as u64))
    }

    /// Appends a leaf hash (already `0x00`-prefixed and hashed, see
    /// [`leaf_hash`]) and returns its index. Adds the nodes that become
    /// complete.
    pub fn push(&mut self, leaf_hash: Hash) -> LeafIndex {
        let index = LeafIndex(self.size().0);
        let mut level = 0usize;
        let mut h = leaf_hash;
        loop {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            let Some(row) = self.levels.get_mut(level) else {
                break;
            };
            row.push(h);
            // An even count means the node just pushed is a right child:
            // its parent is now complete.
            match row.len() % 2 {
                0 => match row.get(row.len() - 2..) {
                    Some([l, r]) => h = node_hash(l, r),
                    _ => break,
                },
                _ => break,
            }
            level += 1;
        }
        index
    }

    /// The hash of leaf `index`, if the tree has it.
    pub fn leaf(&self, index: LeafIndex) -> Option<Hash> {
        let i = usize::try_from(index.0).ok()?;
        self.levels.first()?.get(i).copied()
    }

    /// The root of the whole tree (RFC 6962 MTH of all leaves).
    pub fn root(&self) -> Hash {
        // The decomposition's subtree at level l (bit l of the size set) is
        // the last complete node of that level.
        let size = self.size().0;
        let mut acc: Option<Hash> = None;
        for (level, row) in self.levels.iter().enumerate() {
            if level < 64 && (size >> level) & 1 == 1 {
                if let Some(h) = row.last() {
                    acc = Some(match acc {
                        None => *h,
                        Some(right) => node_hash(h, &right),
                    });
                }
            }
        }
        acc.unwrap_or_else(empty_root)
    }

    /// Every complete node as `(level, index, hash)`, level 0 (the leaves)
    /// included, level by level.
    pub fn complete_nodes(&self) -> impl Iterator<Item = NodeEntry> + '_ {
        self.levels.iter().enumerate().flat_map(|(level, row)| {
            row.iter()
                .enumerate()
                .map(move |(i, h)| (level as u32, i as u64, *h))
        })
    }
}

impl FromIterator<Hash> for MemTree {
    /// Builds the tree from leaf hashes in order.
    fn from_iter<I: IntoIterator<Item = Hash>>(iter: I) -> MemTree {
        let mut t = MemTree::new();
        for h in iter {
            t.push(h);
        }
        t
    }
}

impl NodeSource for MemTree {
    type Error = MissingNode;

    fn node(&self, level: u32, index: u64) -> Result<Hash, MissingNode> {
        let missing = MissingNode { level, index };
        let row = self.levels.get(level as usize).ok_or(missing)?;
        let i = usize::try_from(index).map_err(|_| missing)?;
        row.get(i).copied().ok_or(missing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::{engine::general_purpose::STANDARD, Engine as _};
    use proptest::prelude::*;
    use std::cell::Cell;
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};
    use std::sync::OnceLock;

    // ---- reference implementation: RFC 9162 §2.1 definitions, verbatim ----

    fn ref_mth(d: &[Hash]) -> Hash {
        match d.len() {
            0 => empty_root(),
            1 => d[0],
            n => {
                let k = split_point(n as u64) as usize;
                node_hash(&ref_mth(&d[..k]), &ref_mth(&d[k..]))
            }
        }
    }

    fn ref_path(m: usize, d: &[Hash]) -> Vec<Hash> {
        let n = d.len();
        if n <= 1 {
            return vec![];
        }
        let k = split_point(n as u64) as usize;
        if m < k {
            let mut p = ref_path(m, &d[..k]);
            p.push(ref_mth(&d[k..]));
            p
        } else {
            let mut p = ref_path(m - k, &d[k..]);
            p.push(ref_mth(&d[..k]));
            p
        }
    }

    fn ref_subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
        let n = d.len();
        if m == n {
            return if b { vec![] } else { vec![ref_mth(d)] };
        }
        let k = split_point(n as u64) as usize;
        if m <= k {
            let mut p = ref_subproof(m, &d[..k], b);
            p.push(ref_mth(&d[k..]));
            p
        } else {
            let mut p = ref_subproof(m - k, &d[k..], false);
            p.push(ref_mth(&d[..k]));
            p
        }
    }

    // ---- shared fixtures ----

    const BIG: usize = 3000;

    fn leaves_a() -> &'static Vec<Hash> {
        static L: OnceLock<Vec<Hash>> = OnceLock::new();
        L.get_or_init(|| {
            (0..BIG as u64)
                .map(|i| leaf_hash(&i.to_be_bytes()))
                .collect()
        })
    }

    /// Tree A over leaves `i.to_be_bytes()`, and tree B over different leaves
    /// (`"b" || i`), so that no root of A equals a root of B.
    fn trees() -> &'static (MemTree, MemTree) {
        static T: OnceLock<(MemTree, MemTree)> = OnceLock::new();
        T.get_or_init(|| {
            let a: MemTree = leaves_a().iter().copied().collect();
            let b: MemTree = (0..BIG as u64)
                .map(|i| {
                    let mut v = b"b".to_vec();
                    v.extend_from_slice(&i.to_be_bytes());
                    leaf_hash(&v)
                })
                .collect();
            (a, b)
        })
    }

    /// Counts `node()` calls, to check the O(log n) claim.
    struct Counting<'a, S> {
        inner: &'a S,
        calls: Cell<usize>,
    }

    impl<S: NodeSource> NodeSource for Counting<'_, S> {
        type Error = S::Error;
        fn node(&self, level: u32, index: u64) -> Result<Hash, S::Error> {
            self.calls.set(self.calls.get() + 1);
            self.inner.node(level, index)
        }
    }

    /// A consistent tree of any size up to 2^64 - 1 in which every leaf has
    /// the same hash, so node (l, i) is the perfect tree of 2^l copies.
    struct Uniform {
        by_level: Vec<Hash>,
    }

    impl Uniform {
        fn new() -> Uniform {
            let mut by_level = vec![leaf_hash(b"same")];
            for l in 1..=64 {
                let below = by_level[l - 1];
                by_level.push(node_hash(&below, &below));
            }
            Uniform { by_level }
        }
    }

    impl NodeSource for Uniform {
        type Error = MissingNode;
        fn node(&self, level: u32, index: u64) -> Result<Hash, MissingNode> {
            self.by_level
                .get(level as usize)
                .copied()
                .ok_or(MissingNode { level, index })
        }
    }

    fn bits(n: u64) -> usize {
        (64 - n.leading_zeros()) as usize
    }

    // ---- known answers ----

    /// The standard 8-leaf input of transparency-dev/merkle (testdata README).
    fn eight_leaves() -> Vec<Hash> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|h| leaf_hash(&hex::decode(h).unwrap()))
        .collect()
    }

    #[test]
    fn known_answer_roots() {
        assert_eq!(
            empty_root().to_hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(MemTree::new().root(), empty_root());
        assert_eq!(root(&MemTree::new(), TreeSize(0)).unwrap(), empty_root());
        // Roots of the prefixes of the 8-leaf input, from
        // transparency-dev/merkle proof/verify_test.go (`roots`).
        let want = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let tree: MemTree = eight_leaves().into_iter().collect();
        for (i, w) in want.iter().enumerate() {
            let size = TreeSize(i as u64 + 1);
            assert_eq!(root(&tree, size).unwrap().to_hex(), *w, "size {size}");
        }
        assert_eq!(tree.root().to_hex(), want[7]);
    }

    #[test]
    fn leaf_and_node_hash_domain_separation() {
        let a = leaf_hash(b"a");
        assert_eq!(a, Hash::sha256(b"\x00a"));
        let mut pre = vec![1u8];
        pre.extend_from_slice(&a.0);
        pre.extend_from_slice(&a.0);
        assert_eq!(node_hash(&a, &a), Hash::sha256(&pre));
        assert_eq!(format!("{} {}", LeafIndex(7), TreeSize(8)), "7 8");
    }

    // ---- transparency-dev/merkle testdata (tests/vectors/rfc6962) ----

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct InclusionVector {
        leaf_idx: u64,
        tree_size: u64,
        root: String,
        leaf_hash: String,
        proof: Option<Vec<String>>,
        want_err: bool,
    }

    #[derive(serde::Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct ConsistencyVector {
        size1: u64,
        size2: u64,
        root1: String,
        root2: String,
        proof: Option<Vec<String>>,
        want_err: bool,
    }

    fn vector_dir(kind: &str) -> PathBuf {
        Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/rfc6962"
        ))
        .join(kind)
    }

    fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                json_files(&p, out);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
        out.sort();
    }

    /// base64 → Hash; `None` if it is not 32 bytes. Our API takes `Hash`, so
    /// a value that is not a SHA-256 digest is rejected before verification.
    fn h64(s: &str) -> Option<Hash> {
        Hash::from_slice(&STANDARD.decode(s).ok()?)
    }

    fn hashes(v: &Option<Vec<String>>) -> Option<Vec<Hash>> {
        v.iter().flatten().map(|s| h64(s)).collect()
    }

    fn rel(p: &Path) -> String {
        p.strip_prefix(vector_dir(""))
            .unwrap()
            .display()
            .to_string()
    }

    #[test]
    fn rfc6962_inclusion_vectors() {
        let mut files = vec![];
        json_files(&vector_dir("inclusion"), &mut files);
        assert!(files.len() > 50, "only {} inclusion vectors", files.len());
        let (mut accepted, mut rejected) = (0, 0);
        for f in &files {
            let v: InclusionVector =
                serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            let result = match (h64(&v.leaf_hash), h64(&v.root), hashes(&v.proof)) {
                (Some(leaf), Some(root), Some(proof)) => verify_inclusion(
                    &leaf,
                    LeafIndex(v.leaf_idx),
                    TreeSize(v.tree_size),
                    &proof,
                    &root,
                )
                .map_err(|e| e.to_string()),
                _ => Err("not a 32-byte hash".to_string()),
            };
            match (v.want_err, result) {
                (false, Ok(())) => accepted += 1,
                (true, Err(_)) => rejected += 1,
                (false, Err(e)) => panic!("{}: should verify: {e}", rel(f)),
                (true, Ok(())) => panic!("{}: should be rejected", rel(f)),
            }
        }
        assert!(accepted >= 6 && rejected >= 50, "{accepted} {rejected}");
    }

    #[test]
    fn rfc6962_consistency_vectors() {
        let mut files = vec![];
        json_files(&vector_dir("consistency"), &mut files);
        assert!(files.len() > 50, "only {} consistency vectors", files.len());
        let (mut accepted, mut rejected) = (0, 0);
        let mut unrepresentable_valid = vec![];
        for f in &files {
            let v: ConsistencyVector =
                serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            let result = match (h64(&v.root1), h64(&v.root2), hashes(&v.proof)) {
                (Some(r1), Some(r2), Some(proof)) => {
                    verify_consistency(TreeSize(v.size1), TreeSize(v.size2), &r1, &r2, &proof)
                        .map_err(|e| e.to_string())
                }
                _ => Err("not a 32-byte hash".to_string()),
            };
            match (v.want_err, result) {
                (false, Ok(())) => accepted += 1,
                (true, Err(_)) => rejected += 1,
                (false, Err(e)) if e == "not a 32-byte hash" => unrepresentable_valid.push(rel(f)),
                (false, Err(e)) => panic!("{}: should verify: {e}", rel(f)),
                (true, Ok(())) => panic!("{}: should be rejected", rel(f)),
            }
        }
        assert!(accepted >= 4 && rejected >= 50, "{accepted} {rejected}");
        // One vector expects two equal *12-byte* "roots" of a size-1 tree to
        // be accepted; `Hash` cannot hold them. Its intent (equal sizes, equal
        // roots, empty proof is fine) is checked with real hashes instead.
        assert_eq!(
            unrepresentable_valid,
            ["consistency/additional/sizes-are-equal-one-and-proof-is-empty.json"]
        );
        let r = leaf_hash(b"x");
        assert_eq!(
            verify_consistency(TreeSize(1), TreeSize(1), &r, &r, &[]),
            Ok(())
        );
    }

    // ---- special cases of the verifiers ----

    #[test]
    fn verifier_special_cases() {
        let t: MemTree = eight_leaves().into_iter().collect();
        let r = |n| root(&t, TreeSize(n)).unwrap();
        let e = empty_root();
        use ProofError::*;
        let s = TreeSize;
        assert_eq!(verify_consistency(s(0), s(0), &e, &e, &[]), Ok(()));
        assert!(matches!(
            verify_consistency(s(0), s(0), &r(1), &r(1), &[]),
            Err(NotTheEmptyRoot { .. })
        ));
        assert!(matches!(
            verify_consistency(s(0), s(3), &e, &r(3), &[]),
            Err(EmptyOldTree { .. })
        ));
        assert!(matches!(
            verify_consistency(s(4), s(3), &r(4), &r(3), &[]),
            Err(OldLargerThanNew { .. })
        ));
        assert!(matches!(
            verify_consistency(s(3), s(3), &r(3), &r(4), &[]),
            Err(SameSizeDifferentRoots { .. })
        ));
        assert!(matches!(
            verify_consistency(s(3), s(3), &r(3), &r(3), &[r(3)]),
            Err(ConsistencyProofLength { expected: 0, .. })
        ));
        assert!(matches!(
            verify_consistency(s(3), s(7), &r(3), &r(7), &[]),
            Err(ConsistencyProofLength {
                got: 0,
                expected: 4,
                ..
            })
        ));
        let leaf = t.leaf(LeafIndex(0)).unwrap();
        assert!(matches!(
            verify_inclusion(&leaf, LeafIndex(0), s(0), &[], &e),
            Err(IndexOutOfRange { .. })
        ));
        assert!(matches!(
            verify_inclusion(&leaf, LeafIndex(0), s(8), &[], &r(8)),
            Err(InclusionProofLength {
                got: 0,
                expected: 3,
                ..
            })
        ));
        // Generation refuses the same requests, without panicking.
        assert!(matches!(
            inclusion_proof(&t, LeafIndex(8), s(8)),
            Err(TreeError::Proof(IndexOutOfRange { .. }))
        ));
        assert!(matches!(
            inclusion_proof(&t, LeafIndex(0), s(0)),
            Err(TreeError::Proof(IndexOutOfRange { .. }))
        ));
        assert!(matches!(
            consistency_proof(&t, s(5), s(4)),
            Err(TreeError::Proof(OldLargerThanNew { .. }))
        ));
        assert!(matches!(
            consistency_proof(&t, s(0), s(4)),
            Err(TreeError::Proof(EmptyOldTree { .. }))
        ));
        assert_eq!(consistency_proof(&t, s(4), s(4)).unwrap(), vec![]);
        assert_eq!(consistency_proof(&t, s(0), s(0)).unwrap(), vec![]);
        // Asking beyond what the source holds is the source's error.
        assert!(matches!(
            inclusion_proof(&t, LeafIndex(3), s(9)),
            Err(TreeError::Node { .. })
        ));
        assert!(matches!(
            nodes_after_append(&t, LeafIndex(u64::MAX), leaf),
            Err(TreeError::Proof(TreeFull(_)))
        ));
        // The messages say what failed.
        let msg = verify_inclusion(&leaf, LeafIndex(1), s(8), &[], &r(8))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("has exactly 3"), "{msg}");
    }

    #[test]
    fn generated_proofs_match_the_rfc_definitions_for_small_trees() {
        let (a, _) = trees();
        let leaves = leaves_a();
        for n in (1..=40usize).chain([64, 65, 129]) {
            let size = TreeSize(n as u64);
            let want_root = ref_mth(&leaves[..n]);
            assert_eq!(root(a, size).unwrap(), want_root);
            assert_eq!(
                leaves[..n].iter().copied().collect::<MemTree>().root(),
                want_root
            );
            for m in 0..n {
                let p = inclusion_proof(a, LeafIndex(m as u64), size).unwrap();
                assert_eq!(p, ref_path(m, &leaves[..n]), "PATH({m}, {n})");
                assert_eq!(
                    verify_inclusion(&leaves[m], LeafIndex(m as u64), size, &p, &want_root),
                    Ok(())
                );
            }
            for m in 1..n {
                let p = consistency_proof(a, TreeSize(m as u64), size).unwrap();
                assert_eq!(p, ref_subproof(m, &leaves[..n], true), "PROOF({m}, {n})");
                assert_eq!(
                    verify_consistency(
                        TreeSize(m as u64),
                        size,
                        &ref_mth(&leaves[..m]),
                        &want_root,
                        &p
                    ),
                    Ok(())
                );
            }
        }
    }

    #[test]
    fn nodes_after_append_rebuilds_every_complete_node() {
        let leaves = leaves_a();
        let mut store: BTreeMap<(u32, u64), Hash> = BTreeMap::new();
        struct Store<'a>(&'a BTreeMap<(u32, u64), Hash>);
        impl NodeSource for Store<'_> {
            type Error = MissingNode;
            fn node(&self, level: u32, index: u64) -> Result<Hash, MissingNode> {
                self.0
                    .get(&(level, index))
                    .copied()
                    .ok_or(MissingNode { level, index })
            }
        }
        let n = 600usize;
        for (i, h) in leaves[..n].iter().enumerate() {
            let src = Store(&store);
            let counted = Counting {
                inner: &src,
                calls: Cell::new(0),
            };
            let new = nodes_after_append(&counted, LeafIndex(i as u64), *h).unwrap();
            assert_eq!(new.len(), (i as u64).trailing_ones() as usize);
            assert_eq!(counted.calls.get(), new.len());
            store.insert((0, i as u64), *h);
            for (l, idx, hash) in new {
                assert!(
                    store.insert((l, idx), hash).is_none(),
                    "node ({l},{idx}) twice"
                );
            }
        }
        let mem: MemTree = leaves[..n].iter().copied().collect();
        let want: BTreeMap<(u32, u64), Hash> =
            mem.complete_nodes().map(|(l, i, h)| ((l, i), h)).collect();
        assert_eq!(store, want);
        assert_eq!(root(&Store(&store), mem.size()).unwrap(), mem.root());
    }

    #[test]
    fn huge_trees_use_few_node_reads() {
        let u = Uniform::new();
        for size in [
            1u64,
            2,
            3,
            (1 << 40) + 12345,
            u64::MAX / 3,
            u64::MAX - 1,
            u64::MAX,
        ] {
            let c = Counting {
                inner: &u,
                calls: Cell::new(0),
            };
            let r = root(&c, TreeSize(size)).unwrap();
            assert!(c.calls.get() <= bits(size));
            for index in [0, size / 2, size - 1] {
                c.calls.set(0);
                let p = inclusion_proof(&c, LeafIndex(index), TreeSize(size)).unwrap();
                assert!(c.calls.get() <= 2 * bits(size), "{} reads", c.calls.get());
                let leaf = u.node(0, 0).unwrap();
                assert_eq!(
                    verify_inclusion(&leaf, LeafIndex(index), TreeSize(size), &p, &r),
                    Ok(())
                );
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn inclusion_proofs_verify_and_bind(size in 1..=BIG as u64, index_seed in any::<u64>(), other in 1..=BIG as u64) {
            let (a, b) = trees();
            let index = LeafIndex(index_seed % size);
            let size_t = TreeSize(size);
            let leaf = a.leaf(index).unwrap();
            let counted = Counting { inner: a, calls: Cell::new(0) };
            let p = inclusion_proof(&counted, index, size_t).unwrap();
            prop_assert!(counted.calls.get() <= 2 * bits(size));
            let ra = root(a, size_t).unwrap();
            prop_assert_eq!(verify_inclusion(&leaf, index, size_t, &p, &ra), Ok(()));
            // Another tree's root, another size's root, another index,
            // another leaf: all rejected.
            prop_assert!(verify_inclusion(&leaf, index, size_t, &p, &root(b, size_t).unwrap()).is_err());
            // (The size itself is bound only through the root: a proof may
            // also "verify" for another size paired with *this* root, so the
            // size must come from the same signed checkpoint as the root.)
            if other != size {
                let other_t = TreeSize(other);
                prop_assert!(verify_inclusion(&leaf, index, size_t, &p, &root(a, other_t).unwrap()).is_err());
                if index.0 < other {
                    prop_assert!(verify_inclusion(&leaf, index, other_t, &p, &root(a, other_t).unwrap()).is_err());
                }
            }
            for wrong in [index.0 ^ 1, index.0.wrapping_add(1), index.0.wrapping_sub(1)] {
                if wrong != index.0 {
                    prop_assert!(verify_inclusion(&leaf, LeafIndex(wrong), size_t, &p, &ra).is_err());
                }
            }
            let other_leaf = b.leaf(index).unwrap();
            prop_assert!(verify_inclusion(&other_leaf, index, size_t, &p, &ra).is_err());
            // Tampering with any one proof hash is caught.
            for i in 0..p.len() {
                let mut q = p.clone();
                q[i].0[0] ^= 1;
                prop_assert!(verify_inclusion(&leaf, index, size_t, &q, &ra).is_err());
            }
        }

        #[test]
        fn consistency_proofs_verify_and_bind(x in 1..=BIG as u64, y in 1..=BIG as u64) {
            let (a, b) = trees();
            let (old, new) = (TreeSize(x.min(y)), TreeSize(x.max(y)));
            let counted = Counting { inner: a, calls: Cell::new(0) };
            let p = consistency_proof(&counted, old, new).unwrap();
            prop_assert!(counted.calls.get() <= 2 * bits(new.0) + 1);
            let (r1, r2) = (root(a, old).unwrap(), root(a, new).unwrap());
            prop_assert_eq!(verify_consistency(old, new, &r1, &r2, &p), Ok(()));
            let (b1, b2) = (root(b, old).unwrap(), root(b, new).unwrap());
            prop_assert!(verify_consistency(old, new, &b1, &r2, &p).is_err());
            prop_assert!(verify_consistency(old, new, &r1, &b2, &p).is_err());
            if old != new {
                prop_assert!(verify_consistency(old, new, &r2, &r1, &p).is_err());
                // Other sizes, each with its own true root.
                let older = TreeSize(old.0 + 1);
                prop_assert!(verify_consistency(older, new, &root(a, older).unwrap(), &r2, &p).is_err());
                if new.0 < BIG as u64 {
                    let newer = TreeSize(new.0 + 1);
                    prop_assert!(verify_consistency(old, newer, &r1, &root(a, newer).unwrap(), &p).is_err());
                }
                for i in 0..p.len() {
                    let mut q = p.clone();
                    q[i].0[31] ^= 0x80;
                    prop_assert!(verify_consistency(old, new, &r1, &r2, &q).is_err());
                }
            }
        }

        #[test]
        fn huge_sizes_never_panic(size in any::<u64>(), a in any::<u64>(), b in any::<u64>()) {
            let u = Uniform::new();
            let leaf = u.node(0, 0).unwrap();
            if size > 0 {
                let r = root(&u, TreeSize(size)).unwrap();
                let p = inclusion_proof(&u, LeafIndex(a % size), TreeSize(size)).unwrap();
                prop_assert_eq!(verify_inclusion(&leaf, LeafIndex(a % size), TreeSize(size), &p, &r), Ok(()));
                let old = TreeSize(1 + b % size);
                let p = consistency_proof(&u, old, TreeSize(size)).unwrap();
                prop_assert_eq!(verify_consistency(old, TreeSize(size), &root(&u, old).unwrap(), &r, &p), Ok(()));
            }
            // Arbitrary garbage proofs: errors, never panics.
            let junk = vec![leaf; (a % 70) as usize];
            let _ = verify_inclusion(&leaf, LeafIndex(a), TreeSize(size), &junk, &leaf);
            let _ = verify_consistency(TreeSize(a), TreeSize(b), &leaf, &leaf, &junk);
        }
    }
}
