//! GitHub Actions annotations: one workflow command per `FAIL` (and per finding), `::error`,
//! `::warning` or `::notice` by severity, with the file, line, column and the requirement as
//! title, escaped as workflow commands require.

use super::printable;
use crate::diag::FindingSeverity;
use crate::results::{Severity, Status};
use std::fmt::Write;

/// The annotations of a scan; `roots` are the scanned roots (paths are given from the
/// directory tlsproof ran in).
pub fn annotations(report: &crate::results::Report, roots: &[String]) -> String {
    let prefix = super::run_prefix(roots);
    let mut out = String::new();
    for r in report.results.iter().filter(|r| r.status == Status::Fail) {
        let command = match r.severity {
            Severity::High => "error",
            Severity::Medium => "warning",
            Severity::Low | Severity::Info => "notice",
        };
        let title = format!("{} {}", r.requirement, printable(&r.endpoint));
        let message = match &r.fix {
            Some(f) => format!("{}\nFix: {}", printable(&r.message), printable(f)),
            None => printable(&r.message).into_owned(),
        };
        line(
            &mut out,
            command,
            r.locations.first(),
            &title,
            &message,
            &prefix,
        );
    }
    for f in &report.findings {
        let command = match f.severity {
            FindingSeverity::Error => "error",
            FindingSeverity::Warning => "warning",
            FindingSeverity::Info => "notice",
        };
        line(
            &mut out,
            command,
            f.locations.first(),
            f.kind.as_str(),
            &printable(&f.message),
            &prefix,
        );
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "{}: {} ({} FAIL, {} PASS, {} NOT_APPLICABLE, {} EXCEPTED, {} MANUAL)",
        report.control,
        report.verdict.as_str(),
        s.fail,
        s.pass,
        s.not_applicable,
        s.excepted,
        s.manual
    );
    out
}

fn line(
    out: &mut String,
    command: &str,
    at: Option<&crate::source::Location>,
    title: &str,
    message: &str,
    prefix: &str,
) {
    let mut props = Vec::new();
    if let Some(l) = at {
        let file = format!("{prefix}{}", printable(&l.file));
        props.push(format!("file={}", property(&file)));
        props.push(format!("line={}", l.line));
        if l.column > 0 {
            props.push(format!("col={}", l.column));
        }
    }
    props.push(format!("title={}", property(title)));
    let _ = writeln!(out, "::{command} {}::{}", props.join(","), data(message));
}

/// A command's message: `%`, CR and LF escaped.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: also `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_workflow_commands_require() {
        assert_eq!(data("50% done\r\nnext"), "50%25 done%0D%0Anext");
        assert_eq!(
            property("NET03-TLS nginx:a.conf:3:x,y"),
            "NET03-TLS nginx%3Aa.conf%3A3%3Ax%2Cy"
        );
    }
}
