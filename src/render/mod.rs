//! Views: the canonical record as human text, JSON, the Markdown report and OSCAL assessment
//! results, and the outputs of the other commands (policy tests, claim lint, explain, bundle verification).
//!
//! Every view is computed from a [`crate::results::Report`] (plus the source map for excerpts)
//! and loses nothing the record holds that the view is meant to show.

pub mod explain;
pub mod human;
pub mod lint;
pub mod oscal;
pub mod policy_tests;
pub mod probe;
pub mod template;
pub mod verify;

use crate::results::Report;

/// The JSON contract (`schemas/results.schema.json`), pretty-printed with a final newline.
pub fn json(report: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
