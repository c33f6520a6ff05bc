//! Human output: results grouped by endpoint, each with `file:line:col` and the source line.

use crate::model::claims::ClaimKind;
use crate::results::{Report, RequirementResult, Status};
use crate::source::{Location, SourceMap};
use std::collections::BTreeMap;
use std::fmt::Write;

/// Renders the report for a terminal. `verbose` also lists PASS and NOT_APPLICABLE details.
pub fn render(report: &Report, map: &SourceMap, verbose: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "tlsproof {} — {} {} (profile {}, environment {})",
        report.tool.version, report.control, report.title, report.profile, report.environment
    );
    endpoints(&mut out, report, map, verbose);
    claims(&mut out, report);
    findings(&mut out, report, map);
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\nVerdict: {}  ({} FAIL, {} PASS, {} NOT_APPLICABLE, {} EXCEPTED, {} MANUAL; {} endpoints in {} files)",
        report.verdict.as_str(),
        s.fail,
        s.pass,
        s.not_applicable,
        s.excepted,
        s.manual,
        s.endpoints,
        s.files_scanned
    );
    out
}

/// The results grouped by endpoint, in the order of each endpoint's first location.
fn endpoints(out: &mut String, report: &Report, map: &SourceMap, verbose: bool) {
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
        let _ = writeln!(out, "\n{endpoint}  [{component}]");
        for r in results {
            result(out, r, map, verbose);
        }
    }
}

/// One result: status, requirement, severity and message; its justification, a claim that
/// was not honored, and (for FAIL and MANUAL, or verbose) its locations.
fn result(out: &mut String, r: &RequirementResult, map: &SourceMap, verbose: bool) {
    let _ = writeln!(
        out,
        "  {:<14} {:<13} {:<6} {}",
        r.status.as_str(),
        r.requirement,
        severity(r),
        r.message
    );
    let detailed = verbose || matches!(r.status, Status::Fail | Status::Manual);
    if let Some(j) = &r.justification {
        if detailed || matches!(r.status, Status::NotApplicable | Status::Excepted) {
            let _ = writeln!(out, "{:>37}{}", "", j);
        }
    }
    if let Some(e) = &r.exception {
        if !e.outcome.honored() {
            let _ = writeln!(
                out,
                "{:>37}exception claim {} ({}) {}, not honored: see {}:{}",
                "", e.id, e.kind, e.outcome, e.location.file, e.location.line
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
            c.id,
            c.kind.map(ClaimKind::as_str).unwrap_or_default(),
            c.control.map(|k| format!(" ({k})")).unwrap_or_default(),
            if c.approver.is_empty() {
                "nobody"
            } else {
                &c.approver
            },
            if c.expires.is_empty() {
                "?"
            } else {
                &c.expires
            },
            c.results_changed
        );
        for why in &c.reasons {
            let _ = writeln!(out, "{:>16}{why}", "");
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
        let _ = writeln!(out, "  {:<16} {:<7} {}", f.kind, f.severity, f.message);
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
        "-->", loc.file, loc.line, loc.column
    );
    if let Some((_, f)) = map.by_display(&loc.file) {
        let text = f.line_text(loc.line);
        if !text.trim().is_empty() {
            let shown: String = text.chars().take(160).collect();
            let _ = writeln!(out, "{:>35} | {}", loc.line, shown.replace('\t', "    "));
        }
    }
}
