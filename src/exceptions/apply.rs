//! Verified claims applied to the policy results, and the findings about claims.
//!
//! An honored claim (HONORED or ATTESTED) turns each FAIL or MANUAL result it covers into
//! NOT_APPLICABLE (stdio, localhost, air-gapped, test-environment) or EXCEPTED
//! (compensating-control, risk-acceptance), with a justification naming the claim, its approver
//! and expiry, and the claim's line as evidence. A claim that is not honored changes nothing,
//! but the results it names carry it (with its outcome), so a reader of a FAIL sees the
//! rejected claim beside the line that contradicted it.

use super::verify::scope_text;
use super::{Check, ClaimFact, ClaimKind, ClaimRecord, Loaded, Outcome};
use crate::diag::FindingKind;
use crate::results::{self, Evidence, ExceptionRef, FindingRecord, RequirementResult, Status};
use crate::source::Location;
use crate::source::SourceMap;
use std::collections::HashMap;

/// Applies honored claims to `results` (counting the changes in each record) and returns the
/// findings about the claims file and every claim.
pub fn apply(
    map: &SourceMap,
    model: &crate::model::Model,
    loaded: &Loaded,
    records: &mut [ClaimRecord],
    results: &mut [RequirementResult],
    warn_days: u32,
) -> Vec<FindingRecord> {
    // The results of each endpoint, in order: a claim visits only its subjects' results.
    let mut by_endpoint: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in results.iter().enumerate() {
        by_endpoint.entry(r.endpoint.clone()).or_default().push(i);
    }
    let endpoints: HashMap<&str, &crate::model::Endpoint> =
        model.endpoints.iter().map(|e| (e.id.as_str(), e)).collect();
    for record in records.iter_mut() {
        for s in &mut record.subjects {
            for f in &mut s.facts {
                f.excerpt = f.location.as_ref().and_then(|l| results::excerpt(map, l));
            }
        }
        let honored = record.outcome.honored();
        let subjects: Vec<&str> = record
            .subjects
            .iter()
            .map(|s| s.endpoint.as_str())
            .collect();
        // A claim without a known kind is INVALID and selects nothing.
        let Some(kind) = record.kind else { continue };
        let not_applicable = kind.not_applicable();
        let reference = ExceptionRef {
            id: record.id.clone(),
            kind,
            control: record.control,
            outcome: record.outcome,
            approver: record.approver.clone(),
            expires: record.expires.clone(),
            location: record.location.clone(),
        };
        let mut visited: Vec<usize> = subjects
            .iter()
            .filter_map(|e| by_endpoint.get(*e))
            .flatten()
            .copied()
            .collect();
        visited.sort_unstable();
        visited.dedup();
        for i in visited {
            let Some(r) = results.get_mut(i) else {
                continue;
            };
            if honored {
                if !record.requirements.contains(&r.requirement) {
                    continue;
                }
                if matches!(r.status, Status::Fail | Status::Manual)
                    && !record.scope.hops.is_empty()
                {
                    let ep = endpoints.get(r.endpoint.as_str()).copied();
                    if let Err((why, hop)) = hop_scope(ep, r, &record.scope.hops) {
                        let reason = format!("partially applicable: {why}");
                        if !record.reasons.contains(&reason) {
                            record.reasons.push(reason);
                        }
                        if let Some(hop) = hop.filter(|h| !record.not_covered.contains(h)) {
                            record.not_covered.push(hop);
                        }
                        if r.exception.is_none() {
                            r.exception = Some(Box::new(ExceptionRef {
                                outcome: Outcome::OutOfScope,
                                ..reference.clone()
                            }));
                            r.evidence.push(claim_evidence(map, record));
                        }
                        continue;
                    }
                }
                if !matches!(r.status, Status::Fail | Status::Manual) {
                    if r.status == Status::NotApplicable && r.exception.is_none() {
                        r.exception = Some(Box::new(reference.clone()));
                    }
                    continue;
                }
                if r.exception.as_ref().is_some_and(|e| e.outcome.honored()) {
                    continue;
                }
                let was = r.status;
                r.status = if not_applicable {
                    Status::NotApplicable
                } else {
                    Status::Excepted
                };
                r.justification = Some(justification(record, was));
                r.evidence.insert(0, claim_evidence(map, record));
                for s in record.subjects.iter().filter(|s| s.endpoint == r.endpoint) {
                    for f in s.facts.iter().filter(|f| !f.contradicts) {
                        r.evidence.push(Evidence {
                            label: Some(format!("fact proving {}", record.id)),
                            excerpt: f.location.as_ref().and_then(|l| results::excerpt(map, l)),
                            location: f.location.clone(),
                            origin: None,
                            note: Some(f.text.clone()),
                            value: Default::default(),
                        });
                    }
                }
                r.exception = Some(Box::new(reference.clone()));
                record.results_changed += 1;
            } else if matches!(r.status, Status::Fail | Status::Manual)
                && r.exception.is_none()
                && record.requirements.contains(&r.requirement)
            {
                r.exception = Some(Box::new(reference.clone()));
                r.evidence.push(claim_evidence(map, record));
            }
        }
    }
    findings(loaded, records, warn_days)
}

/// The requirements about proxy hops: the only ones a hop-scoped claim covers.
const HOP_REQUIREMENTS: [&str; 2] = ["NET03-E2E", "NET03-VERIFY"];

/// Whether a claim scoped to `hops` (CIDRs or host globs) covers result `r`: it must be about
/// hops, and every hop it judges (those it cites, else all of the endpoint's) must go only to
/// hosts in the scope. The error names the requirement or the hop left out, with the hop's line.
fn hop_scope(
    ep: Option<&crate::model::Endpoint>,
    r: &RequirementResult,
    hops: &[String],
) -> Result<(), (String, Option<Location>)> {
    if !HOP_REQUIREMENTS.contains(&r.requirement.as_str()) {
        let why = format!(
            "its scope.hops covers proxy hops only, and {} is not about a hop",
            r.requirement
        );
        return Err((why, None));
    }
    let Some(ep) = ep else {
        return Ok(());
    };
    let cited = |span: &crate::model::ModelSpan| {
        r.locations
            .iter()
            .chain(r.evidence.iter().filter_map(|e| e.location.as_ref()))
            .any(|l| l.file == span.file && l.line == span.line)
    };
    let mut judged: Vec<&crate::model::Hop> = ep.hops.iter().filter(|h| cited(&h.span)).collect();
    if judged.is_empty() {
        judged = ep.hops.iter().collect();
    }
    for h in judged {
        let hosts: Vec<String> = if h.targets.is_empty() {
            vec![host_of(&h.upstream)]
        } else {
            h.targets.iter().map(|t| host_of(&t.address)).collect()
        };
        if let Some(out) = hosts
            .iter()
            .find(|host| !hops.iter().any(|p| in_scope(host, p)))
        {
            let why = format!(
                "it does not cover the hop {} {} ({}:{}): {out} is outside scope.hops [{}]",
                h.directive,
                h.upstream,
                h.span.file,
                h.span.line,
                hops.join(", ")
            );
            return Err((why, Some(h.span.location())));
        }
    }
    Ok(())
}

/// The host of `scheme://host:port/path`, `host:port`, `[v6]:port` or a bare host.
fn host_of(address: &str) -> String {
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or(v6).to_string();
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') && p.bytes().all(|b| b.is_ascii_digit()) => h.to_string(),
        _ => authority.to_string(),
    }
}

/// Whether `host` is in `pattern`: a CIDR for an IP address, else a host glob (`*.internal`),
/// compared without case.
fn in_scope(host: &str, pattern: &str) -> bool {
    if let Some((net, bits)) = pattern.split_once('/') {
        let (Ok(net), Ok(bits), Ok(ip)) = (
            net.parse::<std::net::IpAddr>(),
            bits.parse::<u32>(),
            host.parse::<std::net::IpAddr>(),
        ) else {
            return false;
        };
        return match (net, ip) {
            (std::net::IpAddr::V4(n), std::net::IpAddr::V4(i)) if bits <= 32 => {
                let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
                u32::from(n) & mask == u32::from(i) & mask
            }
            (std::net::IpAddr::V6(n), std::net::IpAddr::V6(i)) if bits <= 128 => {
                let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
                u128::from(n) & mask == u128::from(i) & mask
            }
            _ => false,
        };
    }
    globset::GlobBuilder::new(pattern)
        .case_insensitive(true)
        .build()
        .map(|g| g.compile_matcher().is_match(host))
        .unwrap_or(false)
}

fn justification(record: &ClaimRecord, was: Status) -> String {
    let what = match record.control {
        Some(c) => format!("{} {}", kind_text(record), c.as_str()),
        None => kind_text(record).to_string(),
    };
    let proof = record
        .subjects
        .iter()
        .flat_map(|s| s.facts.iter().filter(|f| !f.contradicts))
        .map(ClaimFact::cited)
        .collect::<Vec<_>>();
    let basis = match record.outcome {
        Outcome::Attested => {
            "ATTESTED: not provable from the configuration, rests on the approver's word"
                .to_string()
        }
        _ if proof.is_empty() => "HONORED".to_string(),
        _ => format!("HONORED, verified: {}", proof.join("; ")),
    };
    format!(
        "{} claim {} ({}:{}): {} — {}; approved by {}, expires {}; was {}",
        what,
        record.id,
        record.location.file,
        record.location.line,
        record.justification,
        basis,
        record.approver,
        record.expires,
        was.as_str()
    )
}

fn claim_evidence(map: &SourceMap, record: &ClaimRecord) -> Evidence {
    Evidence {
        label: Some(format!("exception claim {}", record.id)),
        excerpt: results::excerpt(map, &record.location),
        location: Some(record.location.clone()),
        origin: None,
        note: Some(format!(
            "{} {}{}: {}",
            record.outcome.as_str(),
            kind_text(record),
            record
                .control
                .map(|c| format!(" ({})", c.as_str()))
                .unwrap_or_default(),
            record.reasons.join("; ")
        )),
        value: Default::default(),
    }
}

fn kind_text(record: &ClaimRecord) -> &'static str {
    record.kind.map(ClaimKind::as_str).unwrap_or_default()
}

/// Findings about the claims file and each claim that is not plainly honored.
fn findings(loaded: &Loaded, records: &[ClaimRecord], warn_days: u32) -> Vec<FindingRecord> {
    let mut out = Vec::new();
    for p in &loaded.file_problems {
        out.push(FindingRecord::new(
            FindingKind::ExceptionsInvalid,
            format!(
                "{}: {} — no claim in the file is honored",
                loaded.file.as_deref().unwrap_or(super::FILE_NAME),
                p.message
            ),
            vec![p.location.clone()],
        ));
    }
    for (record, claim) in records.iter().zip(&loaded.claims) {
        let name = format!("claim {} ({})", record.id, kind_text(record));
        let reasons = record.reasons.join("; ");
        match record.outcome {
            Outcome::Invalid => {
                let mut locations = vec![record.location.clone()];
                locations.extend(claim.problems.iter().map(|p| p.location.clone()));
                locations.dedup();
                out.push(FindingRecord::new(
                    FindingKind::ExceptionInvalid,
                    format!("{name} is invalid and not honored: {reasons}"),
                    locations,
                ));
            }
            Outcome::Expired => out.push(FindingRecord::new(
                FindingKind::ExceptionExpired,
                format!("{name} {reasons}; the results it covered stand"),
                vec![claim.expires_location.clone(), record.location.clone()],
            )),
            Outcome::NotYetValid => out.push(FindingRecord::new(
                FindingKind::ExceptionNotYetValid,
                format!("{name} is {reasons}"),
                vec![record.location.clone()],
            )),
            Outcome::Orphaned => out.push(FindingRecord::new(
                FindingKind::ExceptionOrphaned,
                format!("{name} matches nothing: {reasons}"),
                vec![record.location.clone()],
            )),
            Outcome::Rejected => {
                let mut locations = vec![record.location.clone()];
                for s in record.subjects.iter().filter(|s| s.check == Check::Contradicted) {
                    for f in s.facts.iter().filter(|f| f.contradicts) {
                        if let Some(l) = &f.location {
                            if !locations.contains(l) {
                                locations.push(l.clone());
                            }
                        }
                    }
                }
                out.push(FindingRecord::new(
                    FindingKind::ExceptionRejected,
                    format!(
                        "{name} is contradicted by the configuration and not honored: {reasons}"
                    ),
                    locations,
                ));
            }
            Outcome::NonWaivable => out.push(FindingRecord::new(
                FindingKind::ExceptionNotWaivable,
                format!("{name}: {reasons}"),
                vec![record.location.clone()],
            )),
            Outcome::Attested => out.push(FindingRecord::new(
                FindingKind::ExceptionAttested,
                format!(
                    "{name} is honored on the word of {} (not provable from the configuration; scope {}), {} result(s) changed",
                    record.approver,
                    scope_text(&record.scope),
                    record.results_changed
                ),
                vec![record.location.clone()],
            )),
            Outcome::Honored | Outcome::OutOfScope => {}
        }
        if record.outcome.honored() && !record.not_covered.is_empty() {
            let mut locations = vec![record.location.clone()];
            locations.extend(record.not_covered.iter().cloned());
            let partial: Vec<&str> = record
                .reasons
                .iter()
                .filter_map(|r| r.strip_prefix("partially applicable: "))
                .collect();
            out.push(FindingRecord::new(
                FindingKind::ExceptionPartial,
                format!(
                    "{name} is only partially applicable: {}; the results about those hops stand",
                    partial.join("; ")
                ),
                locations,
            ));
        }
        if record.outcome.honored() {
            if let Some(days) = record.days_left.filter(|d| *d <= i64::from(warn_days)) {
                out.push(FindingRecord::new(
                    FindingKind::ExceptionExpiring,
                    format!(
                        "{name} expires on {} ({} day(s) after the evaluation date): renew or fix before then",
                        record.expires, days
                    ),
                    vec![claim.expires_location.clone()],
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod hop_tests {
    use super::*;

    #[test]
    fn hosts_and_scopes() {
        assert_eq!(
            host_of("https://tools-backend.internal:9443/x"),
            "tools-backend.internal"
        );
        assert_eq!(host_of("10.0.3.7:8000"), "10.0.3.7");
        assert_eq!(host_of("[fd00::1]:443"), "fd00::1");
        assert_eq!(host_of("mcp_tools"), "mcp_tools");
        assert!(in_scope("10.0.3.7", "10.0.3.0/24"));
        assert!(!in_scope("10.0.4.7", "10.0.3.0/24"));
        assert!(!in_scope("tools-backend.internal", "10.0.3.0/24"));
        assert!(in_scope("Tools.Backend.Internal", "*.backend.internal"));
        assert!(in_scope("fd00::1", "fd00::/8"));
        assert!(in_scope("10.1.2.3", "0.0.0.0/0"));
    }
}
