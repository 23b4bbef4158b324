//! claimtrail: a tamper-evident audit trail of claims taken from news
//! sources. See README.md for the tool and docs/FORMAT.md for the format.
//!
//! The library is usable without the CLI: [`log`] is the one path that
//! appends entries, [`verify`] the one path that checks a log's database.
//! Bundles ([`bundle`]) and published directories ([`published`]) carry
//! the entries without the database, and are checked by readers of their
//! own, built on the same rules ([`rules`]) and signature check
//! ([`sigcheck`]).

pub mod agent;
pub mod bench;
pub mod bundle;
pub mod canonical;
pub mod checkpoint;
pub mod clock;
pub mod demo;
pub mod entry;
pub mod error;
pub mod files;
#[cfg(test)]
mod fuzz;
pub mod hash;
pub mod hash_index;
pub mod import;
pub mod interrupt;
pub mod keys;
pub mod log;
pub mod merkle;
pub mod mirror;
pub mod model;
pub mod projection;
pub mod prove;
pub mod published;
pub mod query;
pub mod report;
pub mod rules;
pub mod schema;
pub mod sigcheck;
pub mod signed_view;
pub mod sources;
pub mod status;
pub mod store;
pub mod suggest;
pub mod text;
pub mod tiles;
pub mod tree;
pub mod verify;

pub use error::{Error, Result};
