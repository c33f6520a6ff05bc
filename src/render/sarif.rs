//! SARIF 2.1.0 (GitHub code scanning, IDE viewers, Azure DevOps): one rule per requirement
//! and per finding kind, one result per record entry, nothing dropped.
//!
//! | record | SARIF result |
//! |---|---|
//! | `FAIL` | `kind: fail`, `level` error / warning / note by severity |
//! | `EXCEPTED` | `kind: fail` with an accepted external suppression (the claim, its approver, expiry and justification, at the claim's line) |
//! | `NOT_APPLICABLE` | `kind: notApplicable`, the justification in the message |
//! | `MANUAL` | `kind: review`, what would decide it in the message |
//! | `PASS` | `kind: pass` |
//! | a finding (parse error, DRIFT, …) | a result of the rule `finding/<KIND>`, level by the finding's severity |
//!
//! Every result has the line it judged as its physical location (relative to the directory
//! tlsproof ran in, `uriBaseId` `SRCROOT`) with the source line as snippet, the other lines as related
//! locations, and a partial fingerprint that does not move when lines are inserted above, so
//! that code scanning follows one alert across runs.

use crate::diag::FindingSeverity;
use crate::pipeline::Scan;
use crate::requirements::Requirement;
use crate::results::{FindingRecord, RequirementResult, Severity, Status};
use crate::source::Location;
use serde_json::{json, Value};

/// The base every artifact URI is relative to: the scanned directory.
const SRCROOT: &str = "SRCROOT";

/// Where the control maps (its "Mappings"): every rule carries them as tags.
const CONTROL_TAGS: [&str; 6] = [
    "security",
    "external/cwe/cwe-319",
    "external/cwe/cwe-326",
    "OWASP-A02:2021",
    "ASVS-V9.1",
    "NIST-SP-800-52r2",
];

/// The CWE a requirement adds to the control's.
fn requirement_tags(id: &str) -> &'static [&'static str] {
    match id {
        "NET03-CERT" | "NET03-VERIFY" => &["external/cwe/cwe-295"],
        "NET03-CIPHER" => &["external/cwe/cwe-327"],
        _ => &[],
    }
}

/// GitHub ranks alerts by `security-severity` (0–10): what a FAIL of the requirement means.
fn security_severity(id: &str) -> &'static str {
    match id {
        "PROFILE-HSTS" => "5.0",
        "NET03-TEST" => "6.5",
        _ => "7.5",
    }
}

/// The SARIF log of a scan.
pub fn sarif(scan: &Scan) -> Value {
    let report = &scan.report;
    let mut rules: Vec<Value> = scan.registry.iter().map(rule).collect();
    let mut kinds: Vec<&str> = report.findings.iter().map(|f| f.kind.as_str()).collect();
    kinds.sort_unstable();
    kinds.dedup();
    rules.extend(kinds.iter().map(|k| finding_rule(k)));
    let prefix = super::run_prefix(&scan.roots);
    let index = |id: &str| rules.iter().position(|r| r["id"] == id);
    let mut results: Vec<Value> = report
        .results
        .iter()
        .map(|r| requirement_result(scan, &prefix, r, index(&r.requirement)))
        .collect();
    results.extend(report.findings.iter().map(|f| {
        finding_result(
            scan,
            &prefix,
            f,
            index(&format!("finding/{}", f.kind.as_str())),
        )
    }));
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": report.tool.name,
                "version": report.tool.version,
                "semanticVersion": report.tool.version,
                "rules": rules,
                "properties": {"policyDigest": report.tool.policy_digest},
            }},
            "automationDetails": {"id": format!("tlsproof/{}/", report.control)},
            "originalUriBaseIds": {SRCROOT: {"description": {"text": "The directory tlsproof ran in (the checkout)."}}},
            "invocations": [{"executionSuccessful": true}],
            "results": results,
            "properties": run_properties(report),
        }],
    })
}

/// The verdict of the run, and in an organization record each repository's.
fn run_properties(report: &crate::results::Report) -> Value {
    let mut out = json!({
        "control": report.control,
        "verdict": report.verdict.as_str(),
        "profile": report.profile,
        "environment": report.environment,
    });
    if !report.repositories.is_empty() {
        out["repositories"] = report
            .repositories
            .iter()
            .map(|r| json!({"repository": r.repository, "verdict": r.verdict.as_str()}))
            .collect();
    }
    out
}

fn rule(r: &Requirement) -> Value {
    let help = crate::render::explain::human(r);
    let mut tags: Vec<&str> = CONTROL_TAGS.to_vec();
    tags.extend(requirement_tags(&r.id));
    json!({
        "id": r.id,
        "name": pascal(&r.title),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": first_paragraph(&r.doc)},
        "help": {"text": help, "markdown": format!("**{}** — {}\n\n```text\n{}\n```\n", r.id, r.title, r.doc.trim_end())},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "tags": tags,
            "security-severity": security_severity(&r.id),
            "precision": "very-high",
            "evidenceItem": r.evidence,
            "profiles": r.profiles,
        },
    })
}

fn finding_rule(kind: &str) -> Value {
    let text = format!("A problem with the input: {kind}");
    json!({
        "id": format!("finding/{kind}"),
        "name": pascal(kind),
        "shortDescription": {"text": text},
        "fullDescription": {"text": format!("{text}. Errors mean part of the configuration was not judged, so the control cannot be satisfied; warnings (DRIFT: the live server and its configuration disagree) are worth acting on.")},
        "help": {"text": text},
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["security"]},
    })
}

/// `Only strong cipher suites (…)` → `OnlyStrongCipherSuites`.
fn pascal(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(8)
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn first_paragraph(doc: &str) -> String {
    doc.split("\n\n")
        .find(|p| !p.trim().is_empty())
        .unwrap_or(doc)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low | Severity::Info => "note",
    }
}

fn location(scan: &Scan, prefix: &str, loc: &Location, message: Option<&str>) -> Value {
    let mut region = json!({"startLine": loc.line.max(1)});
    if loc.column > 0 {
        region["startColumn"] = json!(loc.column);
    }
    if let Some(text) = crate::results::excerpt(&scan.map, loc) {
        region["snippet"] = json!({ "text": text });
    }
    let mut out = json!({"physicalLocation": {
        "artifactLocation": {"uri": super::uri_path(&format!("{prefix}{}", loc.file)), "uriBaseId": SRCROOT},
        "region": region,
    }});
    if let Some(m) = message {
        out["message"] = json!({ "text": m });
    }
    out
}

fn requirement_result(
    scan: &Scan,
    prefix: &str,
    r: &RequirementResult,
    rule: Option<usize>,
) -> Value {
    let primary = r.locations.first();
    let kind = match r.status {
        Status::Fail | Status::Excepted => "fail",
        Status::Pass => "pass",
        Status::NotApplicable => "notApplicable",
        Status::Manual => "review",
    };
    let text = match &r.justification {
        Some(j) => format!(
            "{} {}: {} ({j})",
            r.status.as_str(),
            r.requirement,
            r.message
        ),
        None => format!("{} {}: {}", r.status.as_str(), r.requirement, r.message),
    };
    let mut out = json!({
        "ruleId": r.requirement,
        "kind": kind,
        "level": if kind == "fail" { level(r.severity) } else { "none" },
        "message": {"text": text},
        "locations": primary.map(|l| vec![location(scan, prefix, l, None)]).unwrap_or_default(),
        "partialFingerprints": {"tlsproof/v1": r.fingerprint},
        "properties": {
            "status": r.status.as_str(),
            "endpoint": r.endpoint,
            "component": r.component,
            "severity": r.severity,
        },
    });
    if let Some(i) = rule {
        out["ruleIndex"] = json!(i);
    }
    if let Some(repository) = &r.repository {
        out["properties"]["repository"] = json!(repository);
    }
    // The other lines of the result: its further locations, its evidence and its claim.
    let mut others: Vec<(&Location, String)> = r
        .locations
        .iter()
        .skip(1)
        .map(|l| (l, "also judged here".to_string()))
        .collect();
    for e in &r.evidence {
        if let Some(l) = &e.location {
            let what = e.label.clone().unwrap_or_else(|| "evidence".into());
            let what = match &e.origin {
                Some(o) => format!("{what} ({o})"),
                None => what,
            };
            others.push((l, what));
        }
    }
    if let Some(x) = &r.exception {
        others.push((
            &x.location,
            format!("exception claim {} ({})", x.id, x.outcome.as_str()),
        ));
        if r.status == Status::Excepted {
            out["suppressions"] = json!([{
                "kind": "external",
                "status": "accepted",
                "justification": format!("exception claim {} ({}), approved by {}, until {}: {}", x.id, x.kind.as_str(), x.approver, x.expires, r.justification.clone().unwrap_or_default()),
                "location": location(scan, prefix, &x.location, None),
            }]);
        }
    }
    let mut seen: Vec<&Location> = primary.into_iter().collect();
    let mut related: Vec<Value> = Vec::new();
    for (l, what) in others {
        if !seen.iter().any(|s| s.file == l.file && s.line == l.line) {
            related.push(location(scan, prefix, l, Some(&what)));
            seen.push(l);
        }
    }
    for (i, l) in related.iter_mut().enumerate() {
        l["id"] = json!(i + 1);
    }
    if !related.is_empty() {
        out["relatedLocations"] = json!(related);
    }
    out
}

fn finding_result(scan: &Scan, prefix: &str, f: &FindingRecord, rule: Option<usize>) -> Value {
    let primary = f.locations.first();
    let level = match f.severity {
        FindingSeverity::Error => "error",
        FindingSeverity::Warning => "warning",
        FindingSeverity::Info => "note",
    };
    let id = format!("finding/{}", f.kind.as_str());
    // A finding about the scan as a whole is placed at the scanned directory.
    let locations = match primary {
        Some(l) => vec![location(scan, prefix, l, None)],
        None => {
            let uri_ = if prefix.is_empty() {
                ".".to_string()
            } else {
                super::uri_path(prefix)
            };
            vec![
                json!({"physicalLocation": {"artifactLocation": {"uri": uri_, "uriBaseId": SRCROOT}}}),
            ]
        }
    };
    let mut out = json!({
        "ruleId": id,
        "kind": "fail",
        "level": level,
        "message": {"text": f.message},
        "locations": locations,
        "partialFingerprints": {"tlsproof/v1": format!("{}:1", crate::results::line_digest(&scan.map, &[&id, &f.message], primary))},
    });
    if let Some(i) = rule {
        out["ruleIndex"] = json!(i);
    }
    let related: Vec<Value> = f
        .locations
        .iter()
        .skip(1)
        .enumerate()
        .map(|(i, l)| {
            let mut v = location(scan, prefix, l, Some("also here"));
            v["id"] = json!(i + 1);
            v
        })
        .collect();
    if !related.is_empty() {
        out["relatedLocations"] = json!(related);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_uris() {
        assert_eq!(
            pascal("Only strong cipher suites (forward secrecy and AEAD, or TLS 1.3)"),
            "OnlyStrongCipherSuitesForwardSecrecyAndAEAD"
        );
        assert_eq!(
            crate::render::uri_path("nginx/sites enabled/a.conf"),
            "nginx/sites%20enabled/a.conf"
        );
    }
}
