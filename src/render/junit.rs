//! JUnit XML (every CI's test tab), in the shape of the Apache Ant JUnit schema: a `testsuite`
//! per component, a `testcase` per requirement × endpoint (`classname` the endpoint, `name` the
//! requirement). `FAIL` is a `failure` (message, `file:line` and the evidence lines);
//! `MANUAL`, `NOT_APPLICABLE` and `EXCEPTED` are `skipped`, with the status and the
//! justification in the message. Findings that stop part of the input from being judged are
//! `error` test cases of the suite `input`; the other findings are its `system-out`. The counts
//! of each suite agree with the record.

use crate::diag::FindingSeverity;
use crate::results::{Report, RequirementResult, Status};
use std::fmt::Write;

/// The JUnit document of a record; `created_at` (RFC 3339) is the suites' timestamp.
pub fn junit(report: &Report, created_at: &str) -> String {
    let timestamp: String = created_at.chars().take(19).collect();
    let mut components: Vec<&str> = report
        .results
        .iter()
        .map(|r| r.component.as_str())
        .collect();
    components.sort_unstable();
    components.dedup();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
    let mut id = 0;
    for c in &components {
        let cases: Vec<&RequirementResult> = report
            .results
            .iter()
            .filter(|r| r.component == *c)
            .collect();
        let failures = cases.iter().filter(|r| r.status == Status::Fail).count();
        let skipped = cases
            .iter()
            .filter(|r| !matches!(r.status, Status::Fail | Status::Pass))
            .count();
        suite_open(
            &mut out,
            c,
            id,
            &timestamp,
            cases.len(),
            failures,
            0,
            skipped,
        );
        properties(&mut out, report);
        for r in cases {
            case(&mut out, r);
        }
        out.push_str(
            "    <system-out></system-out>\n    <system-err></system-err>\n  </testsuite>\n",
        );
        id += 1;
    }
    input_suite(&mut out, report, id, &timestamp);
    out.push_str("</testsuites>\n");
    out
}

#[allow(clippy::too_many_arguments)]
fn suite_open(
    out: &mut String,
    name: &str,
    id: usize,
    timestamp: &str,
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
) {
    let _ = writeln!(
        out,
        "  <testsuite package=\"tlsproof\" id=\"{id}\" name=\"{}\" timestamp=\"{}\" hostname=\"localhost\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"0\">",
        attr(name),
        attr(timestamp)
    );
}

fn properties(out: &mut String, report: &Report) {
    out.push_str("    <properties>\n");
    for (k, v) in [
        ("control", report.control.as_str()),
        ("verdict", report.verdict.as_str()),
        ("profile", report.profile.as_str()),
        ("environment", report.environment.as_str()),
        ("tool", report.tool.version.as_str()),
        ("policy_digest", report.tool.policy_digest.as_str()),
    ] {
        let _ = writeln!(out, "      <property name=\"{k}\" value=\"{}\"/>", attr(v));
    }
    // An organization record: each repository's verdict.
    for r in &report.repositories {
        let _ = writeln!(
            out,
            "      <property name=\"verdict:{}\" value=\"{}\"/>",
            attr(&r.repository),
            r.verdict.as_str()
        );
    }
    out.push_str("    </properties>\n");
}

fn case(out: &mut String, r: &RequirementResult) {
    // In an organization record the class is the endpoint of its repository.
    let class = match &r.repository {
        Some(repository) => format!("{repository} {}", r.endpoint),
        None => r.endpoint.clone(),
    };
    let _ = write!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"0\"",
        attr(&r.requirement),
        attr(&class)
    );
    let at = r
        .locations
        .first()
        .map(|l| format!("{}:{}", l.file, l.line))
        .unwrap_or_default();
    match r.status {
        Status::Pass => out.push_str("/>\n"),
        Status::Fail => {
            let mut body = format!("{at}: {}\n", r.message);
            if let Some(f) = &r.fix {
                let _ = writeln!(body, "fix: {f}");
            }
            for e in &r.evidence {
                if let Some(l) = &e.location {
                    let label = e.label.as_deref().unwrap_or("evidence");
                    let line = e.excerpt.as_deref().unwrap_or("");
                    let _ = writeln!(body, "  {}:{} {label}: {line}", l.file, l.line);
                }
            }
            let _ = write!(
                out,
                ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
                attr(&format!("{at}: {}", r.message)),
                r.severity.as_str(),
                text(&body)
            );
        }
        _ => {
            let why = match (&r.justification, &r.exception) {
                (_, Some(x)) if r.status == Status::Excepted => format!(
                    "; claim {} ({}) approved by {} until {}",
                    x.id,
                    x.outcome.as_str(),
                    x.approver,
                    x.expires
                ),
                (Some(j), _) => format!("; {j}"),
                _ => String::new(),
            };
            let _ = write!(
                out,
                ">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                attr(&format!(
                    "{} at {at}: {}{why}",
                    r.status.as_str(),
                    r.message
                ))
            );
        }
    }
}

/// The suite `input`: findings that kept part of the input from being judged are errors;
/// the others are listed in its output.
fn input_suite(out: &mut String, report: &Report, id: usize, timestamp: &str) {
    let (errors, others): (Vec<_>, Vec<_>) = report
        .findings
        .iter()
        .partition(|f| f.severity == FindingSeverity::Error);
    suite_open(
        out,
        "input",
        id,
        timestamp,
        errors.len(),
        0,
        errors.len(),
        0,
    );
    properties(out, report);
    for f in &errors {
        let at = f
            .locations
            .first()
            .map(|l| format!("{}:{}", l.file, l.line))
            .unwrap_or_else(|| "input".into());
        let _ = write!(
            out,
            "    <testcase name=\"{}\" classname=\"{}\" time=\"0\">\n      <error message=\"{}\" type=\"{}\"/>\n    </testcase>\n",
            attr(f.kind.as_str()),
            attr(&at),
            attr(&format!("{at}: {}", f.message)),
            attr(f.kind.as_str())
        );
    }
    let mut listed = String::new();
    for f in &others {
        let at = f
            .locations
            .first()
            .map(|l| format!("{}:{} ", l.file, l.line))
            .unwrap_or_default();
        let _ = writeln!(listed, "{} {at}{}", f.kind.as_str(), f.message);
    }
    let _ = write!(
        out,
        "    <system-out>{}</system-out>\n    <system-err></system-err>\n  </testsuite>\n",
        text(&listed)
    );
}

/// Characters XML 1.0 cannot hold become U+FFFD.
fn xml_char(c: char) -> char {
    match c {
        '\t' | '\n' | '\r' => c,
        c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
        c => c,
    }
}

fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

fn attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().map(xml_char) {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_xml_cannot_hold() {
        assert_eq!(attr("a\"<b>&\n\u{1}"), "a&quot;&lt;b&gt;&amp;&#10;\u{FFFD}");
        assert_eq!(text("x < y & z\u{0}"), "x &lt; y &amp; z\u{FFFD}");
    }
}
