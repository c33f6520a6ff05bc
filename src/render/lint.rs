//! `tlsproof exceptions lint`: every claim's standing, as text or JSON.

use crate::exceptions::lint::LintLine;
use std::fmt::Write;

/// The human report: one line per claim (and per problem of the file), then the counts.
pub fn human(lines: &[LintLine], claims: usize, file: &str) -> String {
    let mut out = String::new();
    for l in lines {
        let _ = writeln!(
            out,
            "{:<13} {:<10} {}:{}  {}",
            l.status, l.id, l.location.file, l.location.line, l.message
        );
    }
    let problems = problems(lines);
    let _ = writeln!(out, "{claims} claim(s), {problems} problem(s) in {file}");
    out
}

/// `{"file", "problems", "claims": [...]}`, pretty-printed with a final newline.
pub fn json(lines: &[LintLine], file: &str) -> String {
    let value = serde_json::json!({
        "file": file,
        "problems": problems(lines),
        "claims": lines,
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}

/// The number of lines that are problems.
pub fn problems(lines: &[LintLine]) -> usize {
    lines.iter().filter(|l| l.is_problem()).count()
}
