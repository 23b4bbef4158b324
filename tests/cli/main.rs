//! Integration tests: the real `claimtrail` binary driven through users'
//! sessions on the fixture article. One test binary, modules by theme.

mod agent;
mod annotation_retract;
mod bench;
mod bundle;
mod checkpoints;
mod common;
mod completions;
mod errors;
mod import;
mod independent;
mod interop;
mod interrupt;
mod log;
mod mirror;
mod publish;
mod reliability;
mod report;
mod retract;
mod session;
mod source_amend;
mod status;
mod suggest;
mod tamper;
mod verify_published;
