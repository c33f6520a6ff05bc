//! Human output: the verdict and every FAIL first, one line each with its `file:line`; then
//! the results grouped by endpoint, each FAIL and MANUAL with `file:line:col` and the source
//! line, results of one endpoint that say the same thing on one line; then the claims and the
//! findings, and the verdict again (a CI log is read from its end).

use super::printable;
use crate::model::claims::{ClaimKind, Outcome};
use crate::results::{Report, RequirementResult, Status};
use crate::source::{Location, SourceMap};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Whether status words are coloured (ANSI), as `--color` decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    pub color: bool,
}

impl Style {
    /// `text` in the colour of `status`, padded to `width` first so that columns stay aligned.
    fn status(self, status: Status, width: usize) -> String {
        let padded = format!("{:<width$}", status.as_str());
        if !self.color {
            return padded;
        }
        let code = match status {
            Status::Fail => "1;31",
            Status::Manual => "33",
            Status::Pass => "32",
            Status::Excepted => "36",
            Status::NotApplicable => "2",
        };
        format!("\x1b[{code}m{padded}\x1b[0m")
    }

    fn bold(self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Renders the report for a terminal. `verbose` also lists PASS and NOT_APPLICABLE details.
pub fn render(report: &Report, map: &SourceMap, verbose: bool) -> String {
    render_styled(report, map, verbose, Style::default())
}

/// [`render`], with status words coloured when `style` says so.
pub fn render_styled(report: &Report, map: &SourceMap, verbose: bool, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tlsproof {} — {} {} (profile {}, environment {})",
        report.tool.version, report.control, report.title, report.profile, report.environment
    );
    let _ = writeln!(out, "\n{}", verdict_line(report, style));
    summary(&mut out, report, style);
    let _ = writeln!(out, "\nDetails by endpoint:");
    endpoints(&mut out, report, map, verbose, style);
    claims(&mut out, report);
    findings(&mut out, report, map);
    let _ = writeln!(out, "\n{}", verdict_line(report, style));
    out
}

fn verdict_line(report: &Report, style: Style) -> String {
    let s = &report.summary;
    let reason = report
        .verdict_reason
        .as_deref()
        .map(|r| format!("\n  {r}"))
        .unwrap_or_default();
    format!(
        "Verdict: {}  ({} FAIL, {} PASS, {} NOT_APPLICABLE, {} EXCEPTED, {} MANUAL; {} endpoints in {} files){reason}",
        style.bold(report.verdict.as_str()),
        s.fail,
        s.pass,
        s.not_applicable,
        s.excepted,
        s.manual,
        s.endpoints,
        s.files_scanned
    )
}

/// Every FAIL on one line, most severe first: where, what, which endpoint.
fn summary(out: &mut String, report: &Report, style: Style) {
    let mut fails: Vec<&RequirementResult> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .collect();
    if fails.is_empty() {
        if report.summary.manual > 0 {
            let _ = writeln!(
                out,
                "No FAIL; {} MANUAL result(s) need evidence configuration cannot give (below).",
                report.summary.manual
            );
        }
        return;
    }
    fails.sort_by(|a, b| (a.severity, a.locations.first()).cmp(&(b.severity, b.locations.first())));
    // FAILs of one endpoint at one line share their cause (a plaintext `listen` fails TLS,
    // ciphers, certificate and HTTP at once): one line, the most severe message.
    let mut lines: Vec<Vec<&RequirementResult>> = Vec::new();
    for r in fails {
        match lines
            .iter_mut()
            .find(|g| g[0].endpoint == r.endpoint && g[0].locations.first() == r.locations.first())
        {
            Some(g) => g.push(r),
            None => lines.push(vec![r]),
        }
    }
    let at = |r: &RequirementResult| {
        r.locations
            .first()
            .map(|l| format!("{}:{}", printable(&l.file), l.line))
            .unwrap_or_default()
    };
    let width = lines.iter().map(|g| at(g[0]).len()).max().unwrap_or(0);
    let names = |g: &Vec<&RequirementResult>| {
        g.iter()
            .map(|r| r.requirement.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(
        out,
        "\n{} {} ({} line(s) to fix):",
        report.summary.fail,
        style.status(Status::Fail, 4),
        lines.len()
    );
    for g in &lines {
        let r = g[0];
        let _ = writeln!(
            out,
            "  {:<width$}  {:<6} {}\n      {}",
            at(r),
            severity(r),
            names(g),
            first_clause(&printable(&r.message))
        );
        let mut fixes: Vec<&str> = Vec::new();
        for f in g.iter().filter_map(|r| r.fix.as_deref()) {
            if !fixes.contains(&f) {
                fixes.push(f);
            }
        }
        for f in fixes {
            let _ = writeln!(out, "      fix: {}", printable(f));
        }
    }
}

/// A message up to its first `;` or 120 characters: the summary line; the details have it all.
fn first_clause(message: &str) -> String {
    let head = message.split("; ").next().unwrap_or(message);
    if head.chars().count() <= 120 {
        return head.to_string();
    }
    let cut: String = head.chars().take(117).collect();
    format!("{cut}…")
}

/// The results grouped by endpoint, in the order of each endpoint's first location.
fn endpoints(out: &mut String, report: &Report, map: &SourceMap, verbose: bool, style: Style) {
    let mut groups: BTreeMap<(Option<&Location>, &str), Vec<&RequirementResult>> = BTreeMap::new();
    let mut first_loc: BTreeMap<&str, Option<&Location>> = BTreeMap::new();
    for r in &report.results {
        let loc = *first_loc
            .entry(r.endpoint.as_str())
            .or_insert_with(|| r.locations.first());
        groups
            .entry((loc, r.endpoint.as_str()))
            .or_default()
            .push(r);
    }
    for ((_, endpoint), mut results) in groups {
        results.sort_by(|a, b| (a.status, &a.requirement).cmp(&(b.status, &b.requirement)));
        let component = results.first().map(|r| r.component.as_str()).unwrap_or("");
        let _ = writeln!(out, "\n{}  [{component}]", printable(endpoint));
        for same in alike(&results, verbose) {
            result(out, &same, map, verbose, style);
        }
    }
}

/// Results of one endpoint that say the same thing (status, message, justification, no claim)
/// as one group, and its PASS results as one; a FAIL stays on its own, and with `verbose`
/// every result does.
fn alike<'a>(results: &[&'a RequirementResult], verbose: bool) -> Vec<Vec<&'a RequirementResult>> {
    let mut out: Vec<Vec<&RequirementResult>> = Vec::new();
    for r in results {
        let joins = |g: &Vec<&RequirementResult>| {
            let f = g[0];
            let same = f.message == r.message && f.justification == r.justification;
            !verbose
                && r.status != Status::Fail
                && r.exception.is_none()
                && f.exception.is_none()
                && f.status == r.status
                && (same || r.status == Status::Pass)
        };
        match out.iter_mut().find(|g| joins(g)) {
            Some(g) => g.push(r),
            None => out.push(vec![r]),
        }
    }
    out
}

/// One result (or a group of alike ones): status, requirement(s), severity and message; its
/// justification, a claim that was not honored, and (for FAIL and MANUAL, or verbose) its
/// locations.
fn result(
    out: &mut String,
    group: &[&RequirementResult],
    map: &SourceMap,
    verbose: bool,
    style: Style,
) {
    let r = group[0];
    let requirements: Vec<&str> = group.iter().map(|g| g.requirement.as_str()).collect();
    let message = if group.iter().all(|g| g.message == r.message) {
        r.message.as_str()
    } else {
        "(--verbose shows each reason)"
    };
    let _ = writeln!(
        out,
        "  {} {:<13} {:<6} {}",
        style.status(r.status, 14),
        requirements.join(", "),
        severity(r),
        printable(message)
    );
    let detailed = verbose || matches!(r.status, Status::Fail | Status::Manual);
    if let Some(f) = &r.fix {
        let _ = writeln!(out, "{:>37}fix: {}", "", printable(f));
    }
    if let Some(j) = &r.justification {
        if detailed || matches!(r.status, Status::NotApplicable | Status::Excepted) {
            let _ = writeln!(out, "{:>37}{}", "", printable(j));
        }
    }
    if let Some(e) = &r.exception {
        if !e.outcome.honored() {
            let why = match e.outcome {
                Outcome::OutOfScope => "does not cover this hop (outside its scope.hops)",
                _ => "not honored",
            };
            let _ = writeln!(
                out,
                "{:>37}exception claim {} ({}) {}, {why}: see {}:{}",
                "",
                printable(&e.id),
                e.kind,
                e.outcome,
                printable(&e.location.file),
                e.location.line
            );
        }
    }
    if detailed {
        for loc in r.locations.iter().take(3) {
            write_location(out, map, loc);
        }
    }
}

/// Every exception claim with its outcome and reasons.
fn claims(out: &mut String, report: &Report) {
    if report.exceptions.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nException claims:");
    for c in &report.exceptions {
        let _ = writeln!(
            out,
            "  {:<13} {:<10} {}{} — approved by {}, expires {}; {} result(s) changed",
            c.outcome.as_str(),
            printable(&c.id),
            c.kind.map(ClaimKind::as_str).unwrap_or_default(),
            c.control.map(|k| format!(" ({k})")).unwrap_or_default(),
            if c.approver.is_empty() {
                "nobody".into()
            } else {
                printable(&c.approver)
            },
            if c.expires.is_empty() {
                "?".into()
            } else {
                printable(&c.expires)
            },
            c.results_changed
        );
        for why in &c.reasons {
            let _ = writeln!(out, "{:>16}{}", "", printable(why));
        }
    }
}

/// The findings about the input, with their locations.
fn findings(out: &mut String, report: &Report, map: &SourceMap) {
    if report.findings.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nFindings about the input:");
    for f in &report.findings {
        let _ = writeln!(
            out,
            "  {:<16} {:<7} {}",
            f.kind,
            f.severity,
            printable(&f.message)
        );
        for loc in &f.locations {
            write_location(out, map, loc);
        }
    }
}

fn severity(r: &RequirementResult) -> &'static str {
    match r.severity {
        crate::results::Severity::High => "high",
        crate::results::Severity::Medium => "medium",
        crate::results::Severity::Low => "low",
        crate::results::Severity::Info => "",
    }
}

/// `--> file:line:col` and the source line under it, rustc style.
fn write_location(out: &mut String, map: &SourceMap, loc: &Location) {
    let _ = writeln!(
        out,
        "{:>39} {}:{}:{}",
        "-->",
        printable(&loc.file),
        loc.line,
        loc.column
    );
    if let Some(text) = crate::results::shown_line(map, loc).filter(|t| !t.trim().is_empty()) {
        let shown: String = text.chars().take(160).collect();
        let shown = shown.replace('\t', "    ");
        let _ = writeln!(out, "{:>35} | {}", loc.line, printable(&shown));
    }
}
