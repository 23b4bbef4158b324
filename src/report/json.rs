//! The `claimtrail-report` JSON document, version 1 (docs/REPORTS.md
//! "json"): the gathered [`Report`] with a format name and version first,
//! every entry's exact payload, hash and armored SSHSIG signature, and room
//! for the checkpoint and inclusion proofs.

use super::data::Report;
use serde::Serialize;

/// The `format` field of the document.
pub const FORMAT: &str = "claimtrail-report";
/// The `version` field; bumped on any incompatible change of the schema.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    format: &'static str,
    version: u32,
    /// The verify line and the checkpoint line, as the other formats say them.
    summary: [String; 2],
    #[serde(flatten)]
    report: &'a Report,
}

pub fn render(report: &Report, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    super::write_json(
        w,
        &Document {
            format: FORMAT,
            version: VERSION,
            summary: [report.verify_line(), report.checkpoint_line()],
            report,
        },
    )
}
