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
pub mod replay;
pub mod sarif;
pub mod template;
pub mod verify;

use crate::results::Report;

/// Text of the record as a human-readable view shows it: control characters (C0, DEL, C1) and
/// the Unicode bidirectional controls written as escapes (`\n`, `\u{1b}`), so that a file name
/// or a line of configuration cannot forge lines, move the cursor or colour a terminal or a CI
/// log. Machine-readable views (JSON, SARIF, XML) escape by their own syntax instead.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(needs_escape) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if needs_escape(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

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

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn printable_escapes_c0_c1_and_bidi_controls_only() {
        assert_eq!(printable("nginx.conf: ok — é"), "nginx.conf: ok — é");
        assert_eq!(
            printable("a\nb\r\t\u{1b}[31m\u{7f}\u{9b}\u{202e}"),
            "a\\nb\\r\\t\\u{1b}[31m\\u{7f}\\u{9b}\\u{202e}"
        );
    }
}
