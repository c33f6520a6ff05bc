//! Stage 7 — views of the canonical record: human text, JSON, and the Markdown report.
//!
//! Every view is computed from a [`crate::results::Report`] (plus the source map for excerpts)
//! and loses nothing the record holds that the view is meant to show.

pub mod human;
pub mod template;

use crate::results::Report;

/// The JSON contract (`schemas/results.schema.json`), pretty-printed with a final newline.
pub fn json(report: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
