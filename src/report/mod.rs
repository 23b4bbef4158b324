//! Provenance reports (issue 5). Owned by the report work in progress.
