//! Views: the canonical record as human text, JSON, SARIF, JUnit, GitHub annotations, OSCAL
//! assessment results and the Markdown and HTML reports, and the outputs of the other commands
//! (policy tests, claim lint, explain, bundle verification).
//!
//! Every view is computed from a [`crate::results::Report`] (plus the source map for excerpts)
//! and loses nothing the record holds that the view is meant to show.

pub mod explain;
pub mod github;
pub mod html;
pub mod human;
pub mod junit;
pub mod lint;
pub mod oscal;
pub mod policy_tests;
pub mod probe;
pub mod sarif;
pub mod template;
pub mod verify;

use crate::results::Report;

/// Any JSON view, pretty-printed with a final newline.
pub fn pretty_json(v: &serde_json::Value) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// The JSON contract (`schemas/results.schema.json`), pretty-printed with a final newline.
pub fn json(report: &Report) -> String {
    let mut s =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}

/// What turns a displayed file's path into its path from the directory tlsproof ran in, where
/// the scan had one relative root (`tlsproof scan deploy/` shows `nginx.conf`; the prefix is
/// `deploy/`): what code scanning and CI annotations resolve against the checkout. With several
/// roots the displayed path already starts with its root; an absolute root or standard input
/// leaves the path as displayed (an empty prefix). Computed once per view: it looks at the disk.
pub fn run_prefix(roots: &[String]) -> String {
    let [root] = roots else {
        return String::new();
    };
    let path = std::path::Path::new(root);
    let outside = path
        .components()
        .any(|c| matches!(c, std::path::Component::ParentDir));
    if root == "-" || path.is_absolute() || outside {
        return String::new();
    }
    let dir = if path.is_dir() {
        path
    } else {
        path.parent().unwrap_or(std::path::Path::new(""))
    };
    let parts: Vec<String> = dir
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    if parts.is_empty() {
        return String::new();
    }
    format!("{}/", parts.join("/"))
}

/// A relative path as a URI reference: every byte but unreserved characters and `/`
/// percent-encoded (SARIF artifact locations, OSCAL links).
pub fn uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
