//! Stage 8 — the canonical result record (`schemas/results.schema.json`).
//!
//! Input: the raw result objects the policies return, the scan's findings and the source map.
//! Output: one [`Report`], sorted by (file, line, requirement), with a source excerpt for every
//! evidence location and the control verdict. Every output format is a view of this record.

use crate::diag::{Finding, FindingKind, FindingSeverity};
use crate::ingest::shared::redact;
use crate::model::claims::{ClaimKind, ClaimRecord, Outcome};
use crate::source::{Location, SourceMap};
use serde::{Deserialize, Serialize};

pub const CONTROL: &str = "MCP-NET-03";
pub const CONTROL_TITLE: &str = "TLS Enforcement for Remote Connections";

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    Fail,
    Manual,
    Excepted,
    NotApplicable,
    Pass,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::NotApplicable => "NOT_APPLICABLE",
            Status::Excepted => "EXCEPTED",
            Status::Manual => "MANUAL",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Verdict {
    Satisfied,
    NotSatisfied,
    NotApplicable,
    Incomplete,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Satisfied => "SATISFIED",
            Verdict::NotSatisfied => "NOT_SATISFIED",
            Verdict::NotApplicable => "NOT_APPLICABLE",
            Verdict::Incomplete => "INCOMPLETE",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    High,
    Medium,
    Low,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::High => "high",
            Severity::Medium => "medium",
            Severity::Low => "low",
            Severity::Info => "info",
        }
    }
}

/// One piece of evidence: a judged fact, where it is, and the line of source it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The source line at `location`, trimmed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Shared with every equal value of the record ([`SharedValues`]).
    #[serde(skip_serializing_if = "is_null", default)]
    pub value: std::sync::Arc<serde_json::Value>,
}

fn is_null(value: &std::sync::Arc<serde_json::Value>) -> bool {
    value.is_null()
}

/// The evidence values of a record, each distinct list or object held once: thousands of
/// results cite the same 70-suite cipher list, and hold one copy of it between them.
#[derive(Default)]
pub struct SharedValues(
    std::sync::Mutex<std::collections::HashMap<[u8; 16], std::sync::Arc<serde_json::Value>>>,
);

impl SharedValues {
    /// `value`, shared with an equal list or object shared before.
    pub fn share(&self, value: serde_json::Value) -> std::sync::Arc<serde_json::Value> {
        if !(value.is_array() || value.is_object()) {
            return std::sync::Arc::new(value);
        }
        use sha2::Digest;
        let digest = sha2::Sha256::digest(value.to_string().as_bytes());
        let mut key = [0u8; 16];
        key.copy_from_slice(&digest[..16]);
        let Ok(mut seen) = self.0.lock() else {
            return std::sync::Arc::new(value);
        };
        match seen.get(&key) {
            Some(made) if **made == value => made.clone(),
            Some(_) => std::sync::Arc::new(value),
            None => seen
                .entry(key)
                .or_insert(std::sync::Arc::new(value))
                .clone(),
        }
    }
}

/// The status of one requirement for one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequirementResult {
    pub requirement: String,
    pub status: Status,
    pub endpoint: String,
    pub component: String,
    pub severity: Severity,
    pub message: String,
    pub locations: Vec<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// The exception claim that covers this result: HONORED or ATTESTED when it changed the
    /// status (to EXCEPTED or NOT_APPLICABLE), otherwise the reason it was not honored.
    /// (Boxed: most results have none, and a record holds tens of thousands of results.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exception: Option<Box<ExceptionRef>>,
    /// How to fix a FAIL: the setting to write, in the product's terms, with a value that
    /// passes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Names this result across runs, whatever lines are inserted above it (see
    /// [`fingerprint`]): what `--baseline` and code scanning compare.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub fingerprint: String,
    /// The repository the result is about, in an organization record (`tlsproof merge` of
    /// bundles of several repositories); absent in the record of one repository.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

/// `v1:` and 32 hex digits of SHA-256 over the requirement, the endpoint's name (its id
/// without line numbers), the judged file and the text of the judged line (trimmed). Moving a
/// block leaves it unchanged; editing the judged line, renaming the file or the server name
/// changes it.
pub fn fingerprint(
    map: &SourceMap,
    requirement: &str,
    endpoint: &str,
    at: Option<&Location>,
) -> String {
    let name: Vec<&str> = endpoint
        .split(':')
        .filter(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
        .collect();
    format!(
        "v1:{}",
        line_digest(map, &[requirement, &name.join(":")], at)
    )
}

/// 32 hex digits of SHA-256 over `parts`, the file of `at` and the text of its line (trimmed):
/// what names a result or finding across runs whatever lines move.
pub fn line_digest(map: &SourceMap, parts: &[&str], at: Option<&Location>) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0]);
    }
    if let Some(l) = at {
        h.update(l.file.as_bytes());
        h.update([0]);
        h.update(excerpt(map, l).unwrap_or_default().as_bytes());
    }
    let hex = crate::source::hex(&h.finalize());
    hex[..32].to_string()
}

/// The claim a result carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionRef {
    pub id: String,
    pub kind: ClaimKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<crate::model::claims::Control>,
    /// HONORED / ATTESTED (the status was changed) or why it was not honored.
    pub outcome: Outcome,
    pub approver: String,
    pub expires: String,
    pub location: Location,
}

/// A problem with the input, as reported.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FindingRecord {
    pub kind: FindingKind,
    /// error: part of the configuration was not judged; warning/info: worth reading.
    pub severity: FindingSeverity,
    pub message: String,
    pub locations: Vec<Location>,
    /// The repository the finding is about, in an organization record.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

impl FindingRecord {
    /// A finding of `kind`, with the kind's severity.
    pub fn new(kind: FindingKind, message: String, locations: Vec<Location>) -> Self {
        FindingRecord {
            kind,
            severity: kind.severity(),
            message,
            locations,
            repository: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Summary {
    pub pass: usize,
    pub fail: usize,
    pub not_applicable: usize,
    pub excepted: usize,
    pub manual: usize,
    pub endpoints: usize,
    pub files_scanned: usize,
    pub files_unknown: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolRecord {
    pub name: String,
    pub version: String,
    pub policy_digest: String,
    /// The policy engine and its version (`regorus 0.14.1`).
    #[serde(default)]
    pub engine: String,
    /// Every Rego file of the policy set, sorted by path: the bundle's manifest lists the same.
    #[serde(default)]
    pub policies: Vec<PolicyRecord>,
}

/// One Rego file of the policy set that judged.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PolicyRecord {
    /// The path relative to the policy root.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    /// `built-in`, or `override from FILE` for a file of `--policies DIR`.
    pub role: String,
}

/// What the scan looked at and how: the roots as given, the globs that left files out
/// (`tlsproof.toml` and `--exclude`), and the product versions declared.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanScope {
    pub roots: Vec<String>,
    pub exclude: Vec<String>,
    pub versions: std::collections::BTreeMap<String, String>,
    /// The commit of the git repository holding the first root, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    /// Which repository was scanned: `--repository NAME`, else the `origin` remote of the git
    /// repository holding the first root; what `merge` tells repositories apart by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The part of the scan judged (`--shard K/N`); absent when the whole scan was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::Shard>,
    /// The shards a merged record unites, each with the repository it scanned (`tlsproof merge`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub merged: Vec<MergedPart>,
}

/// One bundle a merged record unites.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergedPart {
    /// The repository the bundle scanned (its `scope.repository`, else its roots).
    pub repository: String,
    /// The bundle's shard; absent for a bundle of a whole scan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<crate::shard::Shard>,
    /// The bundle's manifest, kept in the merged bundle under this name.
    pub manifest: String,
    /// The sha256 of that manifest.
    pub sha256: String,
    /// The bundle's own verdict.
    pub verdict: Verdict,
}

/// The verdict of one repository of an organization record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RepositoryRecord {
    pub repository: String,
    pub verdict: Verdict,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub git_commit: Option<String>,
    pub roots: Vec<String>,
    pub summary: Summary,
}

/// The canonical record: what `scan --format json` prints and `results.json` holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub control: String,
    pub title: String,
    pub verdict: Verdict,
    /// Why the verdict is INCOMPLETE or NOT_APPLICABLE, and what would decide it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verdict_reason: Option<String>,
    pub profile: String,
    pub environment: String,
    pub tool: ToolRecord,
    /// The roots, exclusions and declared versions the verdict rests on.
    #[serde(default)]
    pub scope: ScanScope,
    pub summary: Summary,
    pub results: Vec<RequirementResult>,
    pub findings: Vec<FindingRecord>,
    /// Every exception claim with its outcome (empty without an exceptions file).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exceptions: Vec<ClaimRecord>,
    /// An organization record's verdict per repository (`tlsproof merge` of bundles of several
    /// repositories); `verdict` is the verdict over all of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<RepositoryRecord>,
}

/// Errors decoding what a policy returned (a policy bug, not an input problem).
#[derive(Debug, thiserror::Error)]
#[error("a policy returned a malformed result: {message}: {object}")]
pub struct DecodeError {
    pub message: String,
    pub object: String,
}

#[derive(Deserialize)]
struct RawEvidence {
    label: Option<String>,
    span: Option<RawSpan>,
    #[serde(default)]
    value: serde_json::Value,
    origin: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct RawSpan {
    file: String,
    line: u32,
    column: u32,
}

#[derive(Deserialize)]
struct RawResult {
    requirement: String,
    status: Status,
    endpoint: String,
    component: String,
    severity: Severity,
    message: String,
    #[serde(default)]
    locations: Vec<RawSpan>,
    justification: Option<String>,
    #[serde(default)]
    evidence: Vec<RawEvidence>,
    /// How to fix a FAIL, when the policy says (else the product's fix is filled in).
    fix: Option<String>,
}

impl RawSpan {
    fn location(&self) -> Location {
        Location {
            file: self.file.clone(),
            line: self.line.max(1),
            column: self.column.max(1),
        }
    }
}

/// The most characters of a source line an excerpt holds.
const MAX_EXCERPT_CHARS: usize = 240;

/// Finds the source line for a location by its display path, as every output shows it
/// ([`shown_line`]), trimmed and clipped ([`clip`]).
pub fn excerpt(map: &SourceMap, loc: &Location) -> Option<String> {
    shown_line(map, loc)
        .map(|line| clip(&line, loc.column))
        .filter(|s| !s.is_empty())
}

/// The source line at a location with the credentials the ingesters marked
/// ([`SourceMap::shown_line`]) and those of any other URL in it redacted.
pub fn shown_line(map: &SourceMap, loc: &Location) -> Option<String> {
    map.by_display(&loc.file).map(|(id, _)| {
        map.remembered_shown(id, loc.line).unwrap_or_else(|| {
            let shown = redact::line(&map.shown_line(id, loc.line));
            map.remember_shown(id, loc.line, &shown);
            shown
        })
    })
}

/// A line, trimmed; a line longer than [`MAX_EXCERPT_CHARS`] is cut to that many characters
/// from a little before the cited column, marked `…` where cut, so that results citing one huge
/// line many times (a site block with thousands of addresses) stay small.
fn clip(line: &str, column: u32) -> String {
    let trimmed = line.trim();
    if trimmed.chars().count() <= MAX_EXCERPT_CHARS {
        return trimmed.to_string();
    }
    let start = (column as usize).saturating_sub(1).saturating_sub(40);
    let window: String = line.chars().skip(start).take(MAX_EXCERPT_CHARS).collect();
    let before = if start > 0 { "…" } else { "" };
    let after = if line.chars().count() > start + MAX_EXCERPT_CHARS {
        "…"
    } else {
        ""
    };
    format!("{before}{}{after}", window.trim())
}

/// Decodes one policy result object (an engine value, converted here one at a time so that the
/// results are never all held as JSON documents); its evidence values are shared through
/// `values`.
pub fn decode(
    map: &SourceMap,
    values: &SharedValues,
    raw: &regorus::Value,
) -> Result<RequirementResult, DecodeError> {
    let invalid = |message: String| DecodeError {
        message,
        object: serde_json::to_string(raw).unwrap_or_default(),
    };
    let json = serde_json::to_value(raw).map_err(|e| invalid(e.to_string()))?;
    let r: RawResult = serde_json::from_value(json).map_err(|e| invalid(e.to_string()))?;
    if r.locations.is_empty() {
        return Err(invalid("a result must cite at least one location".into()));
    }
    let evidence = r
        .evidence
        .into_iter()
        .map(|e| {
            let location = e.span.as_ref().map(RawSpan::location);
            let excerpt = location.as_ref().and_then(|l| excerpt(map, l));
            Evidence {
                label: e.label,
                location,
                excerpt,
                origin: e.origin,
                note: e.note,
                value: values.share(e.value),
            }
        })
        .collect();
    let locations: Vec<Location> = r.locations.iter().map(RawSpan::location).collect();
    Ok(RequirementResult {
        fingerprint: fingerprint(map, &r.requirement, &r.endpoint, locations.first()),
        requirement: r.requirement,
        status: r.status,
        endpoint: r.endpoint,
        component: r.component,
        severity: r.severity,
        message: r.message,
        locations,
        justification: r.justification,
        evidence,
        exception: None,
        fix: r.fix,
        repository: None,
    })
}

/// Converts input findings to records.
pub fn finding_records(map: &SourceMap, findings: &[Finding]) -> Vec<FindingRecord> {
    let mut out: Vec<FindingRecord> = findings
        .iter()
        .map(|f| {
            let locations = f.spans.iter().map(|s| map.location(*s)).collect();
            FindingRecord::new(f.kind, f.message.clone(), locations)
        })
        .collect();
    sort_findings(&mut out);
    out
}

/// Sorts findings by (first location, kind, message) and drops repeats: the order of every
/// output.
pub fn sort_findings(findings: &mut Vec<FindingRecord>) {
    findings.sort_by(|a, b| {
        (
            &a.repository,
            a.locations.first(),
            a.kind.as_str(),
            &a.message,
        )
            .cmp(&(
                &b.repository,
                b.locations.first(),
                b.kind.as_str(),
                &b.message,
            ))
    });
    findings.dedup_by(|a, b| {
        a.kind == b.kind
            && a.message == b.message
            && a.locations == b.locations
            && a.repository == b.repository
    });
}

/// `value` as JSON checked against `contract`; each error is prefixed with `at`, the pointer of
/// the value in the record.
fn json_checked<T: Serialize>(
    contract: crate::schema::Contract,
    value: &T,
    at: &str,
) -> Result<(), Vec<String>> {
    let json = serde_json::to_value(value).map_err(|e| vec![format!("{at}: {e}")])?;
    crate::schema::validate(contract, &json)
        .map_err(|errors| errors.into_iter().map(|m| format!("{at}{m}")).collect())
}

/// Each item of the record's `list` checked against `contract`, named by its pointer. The list
/// is cut in one run of items per core: the first item in the list's order that fails is the
/// one named, however the work was cut.
fn each_checked<T: Serialize + Sync>(
    contract: crate::schema::Contract,
    list: &str,
    items: &[T],
) -> Result<(), Vec<String>> {
    let run = |start: usize, run: &[T]| {
        run.iter().enumerate().try_for_each(|(i, item)| {
            json_checked(contract, item, &format!("/{list}/{}", start + i))
        })
    };
    let cores = crate::workers_for(items.len());
    if cores < 2 || items.len() < 1024 {
        return run(0, items);
    }
    let per = items.len().div_ceil(cores);
    let outcomes: Vec<Result<(), Vec<String>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(per)
            .enumerate()
            .map(|(k, chunk)| scope.spawn(move || run(k * per, chunk)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(vec![format!("/{list}: the check stopped unexpectedly")])
                })
            })
            .collect()
    });
    outcomes.into_iter().collect()
}

/// Sorts results by (repository, file, line, requirement, endpoint, status, message), and
/// results equal in all of those by their whole JSON: the deterministic order of every output,
/// whatever order they were judged in.
pub fn sort(results: &mut [RequirementResult]) {
    fn key(r: &RequirementResult) -> impl Ord + '_ {
        (
            &r.repository,
            r.locations.first(),
            &r.requirement,
            &r.endpoint,
            r.status,
            &r.message,
        )
    }
    results.sort_by(|a, b| {
        key(a).cmp(&key(b)).then_with(|| {
            let json = |r| serde_json::to_string(r).unwrap_or_default();
            json(a).cmp(&json(b))
        })
    });
}

/// The control verdict and, unless it is SATISFIED or NOT_SATISFIED, what would decide it.
///
/// Any FAIL → NOT_SATISFIED; else a MANUAL result or an input error → INCOMPLETE; else only
/// NOT_APPLICABLE → NOT_APPLICABLE; else SATISFIED when at least one server endpoint
/// (`servers`: the ids of the model's endpoints) was shown to hold, INCOMPLETE otherwise: a
/// client's `https://` URL says nothing about the TLS of the server it names. No result at all
/// is INCOMPLETE: nothing in scope was found, which config alone cannot call compliant.
pub fn verdict(
    results: &[RequirementResult],
    findings: &[FindingRecord],
    servers: &std::collections::BTreeSet<&str>,
) -> (Verdict, Option<String>) {
    let judged: Vec<(Status, bool)> = results
        .iter()
        .map(|r| (r.status, servers.contains(r.endpoint.as_str())))
        .collect();
    let severities: Vec<FindingSeverity> = findings.iter().map(|f| f.severity).collect();
    verdict_of(&judged, &severities)
}

/// [`verdict`] from each result's status and whether it is about a server endpoint, and the
/// findings' severities (what `verify` recomputes from a bundle).
pub fn verdict_of(
    results: &[(Status, bool)],
    severities: &[FindingSeverity],
) -> (Verdict, Option<String>) {
    let count = |s: Status| results.iter().filter(|(status, _)| *status == s).count();
    let errors = severities
        .iter()
        .filter(|s| **s == FindingSeverity::Error)
        .count();
    let held = |(status, server): &&(Status, bool)| {
        matches!(status, Status::Pass | Status::Excepted) && *server
    };
    if count(Status::Fail) > 0 {
        (Verdict::NotSatisfied, None)
    } else if count(Status::Manual) > 0 {
        let why = format!(
            "{} MANUAL result(s): each says what evidence would decide it",
            count(Status::Manual)
        );
        (Verdict::Incomplete, Some(why))
    } else if errors > 0 {
        let why = format!(
            "{errors} part(s) of the input could not be judged (see the findings): fix them and scan again"
        );
        (Verdict::Incomplete, Some(why))
    } else if results.is_empty() {
        let why = "nothing in the control's scope was found: scan the server's configuration, or probe it (scan --probe)";
        (Verdict::Incomplete, Some(why.into()))
    } else if results.iter().all(|(s, _)| *s == Status::NotApplicable) {
        let why = "every result is NOT_APPLICABLE: each says why";
        (Verdict::NotApplicable, Some(why.into()))
    } else if !results.iter().any(|r| held(&r)) {
        let why = "only client URLs were judged, and a client's https:// URL proves nothing about the server's TLS: scan the server's configuration, or probe the server (tlsproof probe URL)";
        (Verdict::Incomplete, Some(why.into()))
    } else {
        (Verdict::Satisfied, None)
    }
}

/// Counts results by status.
pub fn summarize(
    results: &[RequirementResult],
    endpoints: usize,
    files: usize,
    unknown: usize,
) -> Summary {
    let count = |s: Status| results.iter().filter(|r| r.status == s).count();
    Summary {
        pass: count(Status::Pass),
        fail: count(Status::Fail),
        not_applicable: count(Status::NotApplicable),
        excepted: count(Status::Excepted),
        manual: count(Status::Manual),
        endpoints,
        files_scanned: files,
        files_unknown: unknown,
    }
}

/// What fails a run (`--fail-on`): FAIL results of at least this severity; `Manual` also
/// MANUAL results and an INCOMPLETE verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    High,
    Medium,
    #[default]
    Low,
    Manual,
}

/// The gate a run's exit code is decided by: a threshold and the fingerprints of FAILs already
/// known (`--baseline`).
#[derive(Debug, Clone, Default)]
pub struct Gate {
    pub fail_on: FailOn,
    pub baseline: std::collections::BTreeSet<String>,
}

/// How the gate saw a record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Gated {
    /// FAILs that fail the run.
    pub failing: usize,
    /// FAILs below the threshold.
    pub below: usize,
    /// FAILs already in the baseline.
    pub known: usize,
    /// MANUAL results (and an INCOMPLETE verdict) that fail the run under `--fail-on manual`.
    pub manual: usize,
    /// Input that could not be judged (always fails).
    pub broken: bool,
}

impl Gated {
    pub fn exit_code(&self) -> u8 {
        u8::from(self.failing > 0 || self.manual > 0 || self.broken)
    }
}

impl Report {
    /// Checks the record against its schema: the record without its lists of results,
    /// findings and claims, then each item of those on its own, so that the check holds one item
    /// as JSON at a time, never the record of a whole estate. The errors are `pointer: message`.
    pub fn check_schema(&mut self) -> Result<(), Vec<String>> {
        use crate::schema::Contract;
        let results = std::mem::take(&mut self.results);
        let findings = std::mem::take(&mut self.findings);
        let claims = std::mem::take(&mut self.exceptions);
        let envelope = json_checked(Contract::Results, &*self, "");
        self.results = results;
        self.findings = findings;
        self.exceptions = claims;
        envelope?;
        each_checked(Contract::Result, "results", &self.results)?;
        each_checked(Contract::Finding, "findings", &self.findings)?;
        each_checked(Contract::Claim, "exceptions", &self.exceptions)
    }

    /// Sorts the record's results and findings and recomputes its verdict and counts from them
    /// (`servers`: the ids of the model's endpoints); the counts of endpoints and files stay.
    pub fn rejudge(&mut self, servers: &std::collections::BTreeSet<&str>) {
        sort(&mut self.results);
        sort_findings(&mut self.findings);
        (self.verdict, self.verdict_reason) = verdict(&self.results, &self.findings, servers);
        let s = &self.summary;
        self.summary = summarize(&self.results, s.endpoints, s.files_scanned, s.files_unknown);
    }

    /// The record seen through `gate`.
    pub fn gate(&self, gate: &Gate) -> Gated {
        let mut g = Gated {
            broken: self
                .findings
                .iter()
                .any(|f| f.severity == FindingSeverity::Error),
            ..Gated::default()
        };
        for r in self.results.iter().filter(|r| r.status == Status::Fail) {
            let meets = match gate.fail_on {
                FailOn::High => r.severity == Severity::High,
                FailOn::Medium => matches!(r.severity, Severity::High | Severity::Medium),
                FailOn::Low | FailOn::Manual => true,
            };
            if !meets {
                g.below += 1;
            } else if gate.baseline.contains(&r.fingerprint) {
                g.known += 1;
            } else {
                g.failing += 1;
            }
        }
        if gate.fail_on == FailOn::Manual {
            g.manual = self
                .results
                .iter()
                .filter(|r| r.status == Status::Manual)
                .count();
            if self.verdict == Verdict::Incomplete && g.manual == 0 {
                g.manual = 1;
            }
        }
        g
    }

    /// Exit code contract: 0 no FAIL, 1 a FAIL or a part of the input that could not be judged.
    pub fn exit_code(&self) -> u8 {
        let failed = self.results.iter().any(|r| r.status == Status::Fail);
        let broken = self
            .findings
            .iter()
            .any(|f| f.severity == FindingSeverity::Error);
        u8::from(failed || broken)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_line_is_clipped_around_the_cited_column() {
        assert_eq!(clip("  listen 443 ssl;  ", 3), "listen 443 ssl;");
        let line = format!("{} tls {}", "a, ".repeat(500), "b, ".repeat(500));
        let at = line.find("tls").unwrap() as u32 + 1;
        let shown = clip(&line, at);
        assert_eq!(shown.chars().count(), MAX_EXCERPT_CHARS + 2, "{shown}");
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(shown.contains("tls"), "{shown}");
    }

    fn r(status: Status) -> RequirementResult {
        RequirementResult {
            requirement: "NET03-TLS".into(),
            status,
            endpoint: "e".into(),
            component: "nginx".into(),
            severity: Severity::Info,
            message: String::new(),
            locations: vec![],
            justification: None,
            evidence: vec![],
            exception: None,
            fix: None,
            fingerprint: String::new(),
            repository: None,
        }
    }

    fn on(status: Status, endpoint: &str) -> RequirementResult {
        RequirementResult {
            endpoint: endpoint.into(),
            ..r(status)
        }
    }

    fn servers() -> std::collections::BTreeSet<&'static str> {
        ["e"].into_iter().collect()
    }

    #[test]
    fn verdict_rules() {
        let v = |results: &[RequirementResult], findings: &[FindingRecord]| {
            verdict(results, findings, &servers()).0
        };
        assert_eq!(
            v(&[r(Status::Pass), r(Status::Fail)], &[]),
            Verdict::NotSatisfied
        );
        assert_eq!(
            v(&[r(Status::Pass), r(Status::Manual)], &[]),
            Verdict::Incomplete
        );
        assert_eq!(v(&[r(Status::NotApplicable)], &[]), Verdict::NotApplicable);
        assert_eq!(
            v(&[r(Status::Pass), r(Status::NotApplicable)], &[]),
            Verdict::Satisfied
        );
        assert_eq!(v(&[], &[]), Verdict::Incomplete);
        let err = FindingRecord::new(FindingKind::ParseError, String::new(), vec![]);
        assert_eq!(v(&[r(Status::Pass)], &[err]), Verdict::Incomplete);
    }

    #[test]
    fn client_urls_alone_do_not_satisfy_the_control() {
        let client = "client:mcp.json:3:remote";
        let (v, why) = verdict(&[on(Status::Pass, client)], &[], &servers());
        assert_eq!(v, Verdict::Incomplete);
        assert!(why
            .unwrap()
            .contains("scan the server's configuration, or probe the server"));
        let (v, why) = verdict(
            &[on(Status::Pass, client), on(Status::NotApplicable, "e")],
            &[],
            &servers(),
        );
        assert_eq!(
            v,
            Verdict::Incomplete,
            "an out-of-scope server shows nothing"
        );
        assert!(why.is_some());
        let (v, why) = verdict(
            &[on(Status::Pass, client), r(Status::Pass)],
            &[],
            &servers(),
        );
        assert_eq!((v, why), (Verdict::Satisfied, None));
    }
}
