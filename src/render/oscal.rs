//! The OSCAL view: the result record as an OSCAL 1.1.2 assessment-results document (JSON), and
//! the assessment plan it imports.
//!
//! Input: a finished [`Scan`], the input files with their SHA-256 and the bundle's `created_at`.
//! Output: two `serde_json::Value`s, `{"assessment-results": …}` and `{"assessment-plan": …}`,
//! valid against NIST's published JSON schemas of OSCAL 1.1.2. The bundle holds them as
//! [`RESULTS_FILE`] and [`PLAN_FILE`]; the results import the plan by that relative name.
//!
//! How the record maps onto the model:
//!
//! | record | OSCAL |
//! |---|---|
//! | control MCP-NET-03 | `reviewed-controls.control-selections[].include-controls[].control-id` |
//! | a requirement (NET03-TLS …) | an assessment objective: a part `name: assessment-objective`, `id: NET03-TLS` of the plan's `local-definitions.objectives-and-methods` (the control is not in a published catalog), selected by `control-objective-selections[].include-objectives[].objective-id` |
//! | an evidence item or location of a result | an `observation`, method `EXAMINE`, whose `relevant-evidence` names the file's back-matter resource (`#uuid`, with the file's SHA-256 in its `rlinks[].hashes`) and the line |
//! | a live probe test (`--probe`) | an `observation`, method `TEST`, `collected` = the time it was observed |
//! | an exception claim cited by a result | an `observation`, method `EXAMINE`, of the claim in the claims file |
//! | a problem with the input (`findings`) | an `observation` of type `input-problem` |
//! | a result (requirement × endpoint) | a `finding` whose `target` is `objective-id` = the requirement, `status.state` satisfied (PASS, NOT_APPLICABLE) or not-satisfied (FAIL, MANUAL, EXCEPTED), the reason in `status.remarks` |
//! | FAIL | a `risk`, status `open` |
//! | EXCEPTED | a `risk`, status `deviation-approved`: the claim in its props, the approval as a `risk-log` entry by the approver (a party) |
//! | an endpoint | a component of the plan (`type: service`), the `subjects` of its observations |
//! | an input file | a back-matter resource of the results; the plan's stand-in for a system security plan lists them all |
//!
//! Why objectives and not statements: OSCAL's `statement-id` names a part of the control's own
//! text, while a finding on an `objective-id` records a determination, whether one assessment
//! objective is met; each requirement is exactly that, judged once per endpoint. MCP-NET-03 is in
//! no published OSCAL catalog, so the plan defines the objectives (with the control's words for
//! the evidence item each answers) and the results select them.
//!
//! Every UUID is a name-based (version 5, RFC 4122) UUID: the namespace is derived from the
//! policy digest, the name from what the element is about (a finding: requirement, endpoint and
//! first location), so the same scan gives the same UUIDs and an element keeps its UUID when
//! other parts of the configuration change. The documents' own UUIDs are derived from the whole
//! scan, so they change with any change of content. Two renderings of one scan differ only in
//! their timestamps (`last-modified`, `start`, `collected`).

use crate::pipeline::Scan;
use crate::render::template::InputRow;
use crate::results::{Evidence, Report, RequirementResult, Status};
use crate::source::{hex, Location};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The OSCAL version the documents are written against (the vendored schemas' release).
pub const OSCAL_VERSION: &str = "1.1.2";
/// The assessment results' file name in the evidence bundle.
pub const RESULTS_FILE: &str = "oscal-assessment-results.json";
/// The assessment plan's file name in the evidence bundle, imported by the results.
pub const PLAN_FILE: &str = "oscal-assessment-plan.json";
/// The namespace of the properties tlsproof defines (OSCAL reserves names without one). OSCAL
/// libraries want an absolute URL with a host here; tlsproof has no web address of its own, and
/// a name under the reserved `.invalid` domain (RFC 2606) can belong to nobody else.
pub const NS: &str = "https://tlsproof.invalid/ns/oscal";

/// The RFC 4122 namespace for URLs, under which the scan's own namespace is made.
const NAMESPACE_URL: [u8; 16] = [
    0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8,
];

/// The control's evidence item whose requirements are judged from live tests.
const TEST_RESULTS: &str = "Test results";

/// The input files of a scan as the bundle lists them, in path order.
pub fn inputs(scan: &Scan) -> Vec<InputRow> {
    let mut rows: Vec<InputRow> = scan
        .model
        .sources
        .iter()
        .map(|s| InputRow {
            path: s.path.clone(),
            sha256: s.sha256.clone(),
            bytes: s.bytes,
            in_bundle: None,
            repository: None,
        })
        .collect();
    rows.sort_by(|a, b| a.path.cmp(&b.path));
    rows
}

/// OSCAL 1.1.2 assessment-results (JSON) for one scan; it imports [`assessment_plan`] as
/// [`PLAN_FILE`].
pub fn assessment_results(scan: &Scan, inputs: &[InputRow], created_at: &str) -> Value {
    Doc::new(scan, inputs, created_at).results()
}

/// The OSCAL 1.1.2 assessment plan that [`assessment_results`] imports: the objectives (the
/// requirements), the endpoints as subjects, the tool, and the input files standing in for a
/// system security plan.
pub fn assessment_plan(scan: &Scan, created_at: &str) -> Value {
    let rows = inputs(scan);
    Doc::new(scan, &rows, created_at).plan()
}

/// Name-based UUIDs in the scan's namespace.
struct Ids {
    ns: [u8; 16],
}

impl Ids {
    fn new(policy_digest: &str) -> Self {
        Ids {
            ns: uuid_v5(
                &NAMESPACE_URL,
                &format!("urn:tlsproof:policies:{policy_digest}"),
            ),
        }
    }

    /// The UUID of the element `kind` named by `parts`.
    fn of(&self, kind: &str, parts: &[&str]) -> String {
        let mut name = kind.to_string();
        for p in parts {
            name.push('\0');
            name.push_str(p);
        }
        format_uuid(&uuid_v5(&self.ns, &name))
    }
}

/// A version 5 UUID (RFC 4122 §4.3: SHA-1 of namespace and name, version and variant set).
fn uuid_v5(namespace: &[u8; 16], name: &str) -> [u8; 16] {
    let mut input = namespace.to_vec();
    input.extend_from_slice(name.as_bytes());
    let digest = ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, &input);
    let mut b = [0u8; 16];
    b.copy_from_slice(&digest.as_ref()[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    b
}

fn format_uuid(b: &[u8; 16]) -> String {
    let h = hex(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An object of the pairs whose value is present; empty arrays are left out too (OSCAL
/// arrays hold at least one item).
fn obj<const N: usize>(pairs: [(&str, Option<Value>); N]) -> Value {
    let mut m = Map::new();
    for (k, v) in pairs {
        match v {
            None => {}
            Some(Value::Array(a)) if a.is_empty() => {}
            Some(v) => {
                m.insert(k.to_string(), v);
            }
        }
    }
    Value::Object(m)
}

fn s(text: impl Into<String>) -> Option<Value> {
    Some(Value::String(text.into()))
}

/// `text` on one line, trimmed (OSCAL's string type: no surrounding or line-breaking
/// whitespace); None when nothing is left.
fn one_line(text: &str) -> Option<String> {
    let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
    (!joined.is_empty()).then_some(joined)
}

/// A property in tlsproof's namespace; None for a blank value.
fn prop(name: &str, value: &str) -> Option<Value> {
    one_line(value).map(|v| json!({ "name": name, "ns": NS, "value": v }))
}

/// The verdict, and in an organization record each repository's (`REPOSITORY: VERDICT`).
fn verdict_props(report: &Report) -> Option<Value> {
    let each = report.repositories.iter().filter_map(|r| {
        prop(
            "repository-verdict",
            &format!("{}: {}", r.repository, r.verdict.as_str()),
        )
    });
    let all = prop("verdict", report.verdict.as_str())
        .into_iter()
        .chain(each);
    Some(Value::Array(all.collect()))
}

fn props<const N: usize>(list: [Option<Value>; N]) -> Option<Value> {
    Some(Value::Array(list.into_iter().flatten().collect()))
}

/// `id` as an OSCAL token (a letter or `_` first; letters, digits, `.`, `-`, `_` after).
fn token(id: &str) -> String {
    let mut out: String = id
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// A claim date (`YYYY-MM-DD`) as an OSCAL date-time at `time` UTC.
fn date_time(date: &str, time: &str) -> Option<String> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(date, &format)
        .ok()
        .map(|_| format!("{date}T{time}Z"))
}

fn severity(r: &RequirementResult) -> String {
    match serde_json::to_value(r.severity) {
        Ok(Value::String(s)) => s,
        _ => String::new(),
    }
}

fn at(loc: &Location) -> String {
    format!("{}:{}:{}", loc.file, loc.line, loc.column)
}

/// What a finding's target says for a record status: state, reason, and the remarks on it.
fn target_status(r: &RequirementResult) -> (&'static str, &'static str, Option<String>) {
    let reason = |fallback: &str| {
        r.justification
            .clone()
            .unwrap_or_else(|| fallback.to_string())
    };
    match r.status {
        Status::Pass => ("satisfied", "pass", None),
        Status::Fail => ("not-satisfied", "fail", None),
        Status::NotApplicable => (
            "satisfied",
            "other",
            Some(format!("NOT_APPLICABLE: {}", reason(&r.message))),
        ),
        Status::Manual => (
            "not-satisfied",
            "other",
            Some(format!(
                "MANUAL: not decided from the configuration. {}",
                reason(&r.message)
            )),
        ),
        Status::Excepted => (
            "not-satisfied",
            "other",
            Some(format!(
                "EXCEPTED: not met, covered by an approved deviation (see the related risk). {}",
                reason(&r.message)
            )),
        ),
    }
}

/// An observation before it is written: the endpoints it is about are gathered as results
/// cite it.
struct Observation {
    uuid: String,
    title: String,
    description: String,
    props: Vec<Value>,
    method: &'static str,
    types: Vec<&'static str>,
    subjects: BTreeSet<String>,
    evidence: Vec<Value>,
    collected: String,
}

/// The state shared by both documents.
struct Doc<'a> {
    scan: &'a Scan,
    ids: Ids,
    inputs: BTreeMap<&'a str, &'a InputRow>,
    rows: &'a [InputRow],
    created_at: &'a str,
    /// The digest of everything the documents are made from (for the documents' UUIDs).
    content: String,
}

impl<'a> Doc<'a> {
    fn new(scan: &'a Scan, rows: &'a [InputRow], created_at: &'a str) -> Self {
        let mut h = Sha256::new();
        h.update(serde_json::to_vec(&scan.report).unwrap_or_default());
        h.update([0]);
        h.update(serde_json::to_vec(&scan.model.observations).unwrap_or_default());
        for r in rows {
            h.update([0]);
            h.update(r.path.as_bytes());
            h.update([0]);
            h.update(r.sha256.as_bytes());
        }
        Doc {
            scan,
            ids: Ids::new(&scan.report.tool.policy_digest),
            inputs: rows.iter().map(|r| (r.path.as_str(), r)).collect(),
            rows,
            created_at,
            content: hex(&h.finalize()),
        }
    }

    fn tool_uuid(&self) -> String {
        self.ids.of("tool", &["tlsproof"])
    }

    fn file_uuid(&self, path: &str) -> String {
        self.ids.of("file", &[path])
    }

    fn endpoint_uuid(&self, endpoint: &str) -> String {
        self.ids.of("endpoint", &[endpoint])
    }

    fn party_uuid(&self, name: &str) -> String {
        self.ids.of("party", &[name])
    }

    fn origins(&self) -> Option<Value> {
        Some(json!([{ "actors": [{ "type": "tool", "actor-uuid": self.tool_uuid() }] }]))
    }

    /// Both documents' metadata: last modified when the bundle was made, versioned by the tool.
    fn metadata(&self, title: &str) -> Map<String, Value> {
        let report = &self.scan.report;
        let list = [
            prop("tool", &report.tool.name),
            prop("policy-digest", &report.tool.policy_digest),
            prop("profile", &report.profile),
            prop("environment", &report.environment),
        ];
        let mut m = Map::new();
        m.insert("title".into(), json!(title));
        m.insert("last-modified".into(), json!(self.created_at));
        m.insert("version".into(), json!(report.tool.version));
        m.insert("oscal-version".into(), json!(OSCAL_VERSION));
        m.insert(
            "props".into(),
            Value::Array(list.into_iter().flatten().collect()),
        );
        m
    }

    /// The requirements assessed, in registry order: those of the scan's profile, and any
    /// other that has a result.
    fn requirements(&self) -> Vec<(String, String)> {
        let report = &self.scan.report;
        let mut ids: Vec<String> = self
            .scan
            .registry
            .iter()
            .filter(|r| {
                r.profiles.contains(&report.profile)
                    || report.results.iter().any(|x| x.requirement == r.id)
            })
            .map(|r| r.id.clone())
            .collect();
        let mut extra: Vec<String> = report
            .results
            .iter()
            .map(|r| r.requirement.clone())
            .filter(|id| !ids.contains(id))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        ids.append(&mut extra);
        ids.into_iter()
            .map(|id| {
                let title = self
                    .scan
                    .registry
                    .get(&id)
                    .map(|r| r.title.clone())
                    .unwrap_or_else(|| id.clone());
                (id, title)
            })
            .collect()
    }

    fn reviewed_controls(&self) -> Value {
        let objectives: Vec<Value> = self
            .requirements()
            .iter()
            .map(|(id, _)| json!({ "objective-id": token(id) }))
            .collect();
        obj([
            (
                "control-selections",
                Some(
                    json!([{ "include-controls": [{ "control-id": token(&self.scan.report.control) }] }]),
                ),
            ),
            (
                "control-objective-selections",
                (!objectives.is_empty()).then(|| json!([{ "include-objectives": objectives }])),
            ),
        ])
    }

    /// Every endpoint a result or an observation is about, with its component.
    fn endpoints(&self) -> BTreeMap<&'a str, &'a str> {
        let mut out: BTreeMap<&str, &str> = BTreeMap::new();
        for r in &self.scan.report.results {
            out.entry(&r.endpoint).or_insert(&r.component);
        }
        for o in &self.scan.model.observations {
            let component = self
                .scan
                .model
                .endpoints
                .iter()
                .find(|e| e.id == o.endpoint)
                .map(|e| e.component.as_str())
                .unwrap_or("");
            out.entry(&o.endpoint).or_insert(component);
        }
        out
    }

    /// A location as relevant evidence: the file's back-matter resource (which holds its
    /// SHA-256) and the line.
    fn evidence_ref(&self, loc: &Location) -> Value {
        let row = self.inputs.get(loc.file.as_str());
        let description = match row {
            Some(r) => format!(
                "{}, line {}, column {} (input file, SHA-256 {})",
                loc.file, loc.line, loc.column, r.sha256
            ),
            None => format!("{}, line {}, column {}", loc.file, loc.line, loc.column),
        };
        obj([
            (
                "href",
                row.map(|_| json!(format!("#{}", self.file_uuid(&loc.file)))),
            ),
            ("description", s(description)),
            (
                "props",
                props([
                    prop("file", &loc.file),
                    prop("line", &loc.line.to_string()),
                    prop("column", &loc.column.to_string()),
                    row.and_then(|r| prop("sha256", &r.sha256)),
                ]),
            ),
        ])
    }

    /// The back-matter resource of each input file: its path and SHA-256.
    fn file_resources(&self) -> Vec<Value> {
        self.rows
            .iter()
            .map(|r| {
                json!({
                    "uuid": self.file_uuid(&r.path),
                    "title": r.path,
                    "description": format!("Input file read by the scan ({} bytes); the path is relative to the scanned directory.", r.bytes),
                    "props": [{ "name": "bytes", "ns": NS, "value": r.bytes.to_string() }],
                    "rlinks": [{
                        "href": super::uri_path(&r.path),
                        "hashes": [{ "algorithm": "SHA-256", "value": r.sha256 }],
                    }],
                })
            })
            .collect()
    }

    /// The assessment-results document: one result holding every finding, observation and
    /// risk of the scan.
    fn results(&self) -> Value {
        let report = &self.scan.report;
        let mut observations = Observations::default();
        let mut findings = Vec::new();
        let mut risks = Vec::new();
        let mut parties: BTreeSet<String> = BTreeSet::new();
        let tests = self.test_observations(&mut observations);
        let mut seen: HashMap<String, usize> = HashMap::new();
        for r in &report.results {
            let first = r.locations.first().map(at).unwrap_or_default();
            let n = seen
                .entry(format!("{}\0{}\0{}", r.requirement, r.endpoint, first))
                .or_insert(0);
            *n += 1;
            let dup = if *n > 1 { n.to_string() } else { String::new() };
            let key = [r.requirement.as_str(), &r.endpoint, &first, &dup];
            let mut related = self.examine(r, &mut observations);
            for (endpoint, listener, uuid) in &tests {
                if *endpoint == r.endpoint
                    && self.uses_probe(r, listener)
                    && !related.contains(uuid)
                {
                    related.push(uuid.clone());
                }
            }
            let risk = match r.status {
                Status::Fail => Some(self.risk(r, &key, &related, None)),
                Status::Excepted => {
                    if let Some(e) = &r.exception {
                        parties.insert(e.approver.clone());
                    }
                    Some(self.risk(r, &key, &related, r.exception.as_deref()))
                }
                _ => None,
            };
            findings.push(self.finding(r, &key, &related, risk.as_ref().map(|(u, _)| u)));
            risks.extend(risk.map(|(_, v)| v));
        }
        self.problem_observations(&mut observations);

        let counts = &report.summary;
        let description = format!(
            "{} {} judged {} endpoint(s) in {} file(s) against {} ({}) with the {} profile, {} environment: {} PASS, {} FAIL, {} NOT_APPLICABLE, {} EXCEPTED, {} MANUAL. Verdict: {}.",
            report.tool.name,
            report.tool.version,
            counts.endpoints,
            counts.files_scanned,
            report.control,
            report.title,
            report.profile,
            report.environment,
            counts.pass,
            counts.fail,
            counts.not_applicable,
            counts.excepted,
            counts.manual,
            report.verdict.as_str(),
        );
        let result = obj([
            ("uuid", s(self.ids.of("result", &[&self.content]))),
            ("title", s(format!("{} {}", report.control, report.title))),
            ("description", s(description)),
            ("start", s(self.created_at)),
            ("props", verdict_props(report)),
            ("reviewed-controls", Some(self.reviewed_controls())),
            (
                "observations",
                Some(Value::Array(observations.into_json(self))),
            ),
            ("risks", Some(Value::Array(risks))),
            ("findings", Some(Value::Array(findings))),
        ]);

        let mut metadata = self.metadata(&format!(
            "{} {}: assessment results",
            report.control, report.title
        ));
        if !parties.is_empty() {
            metadata.insert(
                "roles".into(),
                json!([{ "id": "approver", "title": "Approver of an exception claim" }]),
            );
            metadata.insert(
                "parties".into(),
                Value::Array(parties.iter().map(|p| self.party(p)).collect()),
            );
        }
        let resources = self.file_resources();
        json!({
            "assessment-results": obj([
                ("uuid", s(self.ids.of("assessment-results", &[&self.content]))),
                ("metadata", Some(Value::Object(metadata))),
                ("import-ap", Some(json!({ "href": PLAN_FILE }))),
                ("results", Some(json!([result]))),
                ("back-matter", (!resources.is_empty()).then(|| json!({ "resources": resources }))),
            ])
        })
    }

    /// An approver as a party, with an email address when the name is one.
    fn party(&self, name: &str) -> Value {
        let email = name.split_once('@').is_some_and(|(user, domain)| {
            !user.is_empty()
                && domain.contains('.')
                && !domain.contains('@')
                && !name.contains(char::is_whitespace)
        });
        obj([
            ("uuid", s(self.party_uuid(name))),
            ("type", s("person")),
            ("name", one_line(name).map(Value::String)),
            ("email-addresses", email.then(|| json!([name]))),
        ])
    }

    /// The EXAMINE observations of a result (its evidence items and locations), as UUIDs.
    fn examine(&self, r: &RequirementResult, observations: &mut Observations) -> Vec<String> {
        let mut out = Vec::new();
        let mut covered: Vec<&Location> = Vec::new();
        for e in &r.evidence {
            if let Some(loc) = &e.location {
                covered.push(loc);
            }
            out.push(observations.add(&r.endpoint, || self.evidence_observation(e)));
        }
        for loc in &r.locations {
            if covered.contains(&loc) {
                continue;
            }
            let e = Evidence {
                label: None,
                location: Some(loc.clone()),
                excerpt: crate::results::excerpt(&self.scan.map, loc),
                origin: None,
                note: None,
                value: Default::default(),
            };
            out.push(observations.add(&r.endpoint, || self.evidence_observation(&e)));
        }
        if let Some(claim) = &r.exception {
            out.push(observations.add(&r.endpoint, || self.claim_observation(claim)));
        }
        let mut unique = Vec::new();
        for u in out {
            if !unique.contains(&u) {
                unique.push(u);
            }
        }
        unique
    }

    /// The observation of one evidence item: the line read, the value judged, where it came from.
    fn evidence_observation(&self, e: &Evidence) -> Observation {
        let value = match &*e.value {
            Value::Null => None,
            Value::String(v) => Some(v.clone()),
            v => Some(v.to_string()),
        };
        let location = e.location.as_ref().map(at).unwrap_or_default();
        let key = [
            location.as_str(),
            e.label.as_deref().unwrap_or(""),
            value.as_deref().unwrap_or(""),
            e.origin.as_deref().unwrap_or(""),
            e.note.as_deref().unwrap_or(""),
        ];
        let title = match (&e.label, &e.location) {
            (Some(label), Some(l)) => format!("{label} at {}:{}", l.file, l.line),
            (Some(label), None) => label.clone(),
            (None, Some(l)) => format!("Configuration at {}:{}", l.file, l.line),
            (None, None) => "Configuration".into(),
        };
        let mut lines = Vec::new();
        if let Some(x) = &e.excerpt {
            lines.push(format!("Source line: `{x}`"));
        }
        if let Some(v) = &value {
            lines.push(format!("{}: {v}", e.label.as_deref().unwrap_or("Value")));
        }
        match (&e.origin, &e.note) {
            (Some(o), Some(n)) => lines.push(format!("Origin: {o} ({n})")),
            (Some(o), None) => lines.push(format!("Origin: {o}")),
            (None, Some(n)) => lines.push(n.clone()),
            (None, None) => {}
        }
        if lines.is_empty() {
            lines.push(title.clone());
        }
        Observation {
            uuid: self.ids.of("examine", &key),
            title,
            description: lines.join("\n\n"),
            props: [
                e.label.as_deref().and_then(|l| prop("label", l)),
                e.origin.as_deref().and_then(|o| prop("origin", o)),
            ]
            .into_iter()
            .flatten()
            .collect(),
            method: "EXAMINE",
            types: Vec::new(),
            subjects: BTreeSet::new(),
            evidence: e.location.iter().map(|l| self.evidence_ref(l)).collect(),
            collected: self.created_at.to_string(),
        }
    }

    /// The observation of an exception claim: who approved what, until when, and its outcome.
    fn claim_observation(&self, claim: &crate::results::ExceptionRef) -> Observation {
        let record = self
            .scan
            .report
            .exceptions
            .iter()
            .find(|c| c.id == claim.id);
        let kind = match claim.control {
            Some(c) => format!("{} {}", claim.kind.as_str(), c.as_str()),
            None => claim.kind.as_str().to_string(),
        };
        let mut lines = vec![format!(
            "Exception claim {} ({kind}), approver {}, expires {}: {}.",
            claim.id,
            claim.approver,
            claim.expires,
            claim.outcome.as_str()
        )];
        if let Some(c) = record {
            lines.push(format!("Justification: {}", c.justification));
            lines.extend(c.reasons.iter().cloned());
        }
        let mut list = vec![
            prop("claim-id", &claim.id),
            prop("claim-kind", claim.kind.as_str()),
            claim
                .control
                .and_then(|c| prop("claim-control", c.as_str())),
            prop("claim-outcome", claim.outcome.as_str()),
            prop("approver", &claim.approver),
            prop("expires", &claim.expires),
        ];
        if let Some(c) = record {
            list.push(prop("owner", &c.owner));
            list.push(prop("created", &c.created));
            list.extend(c.evidence.iter().map(|e| prop("claim-evidence", e)));
        }
        Observation {
            uuid: self.ids.of("claim", &[&claim.id, &at(&claim.location)]),
            title: format!("Exception claim {} ({kind})", claim.id),
            description: lines.join("\n\n"),
            props: list.into_iter().flatten().collect(),
            method: "EXAMINE",
            types: vec!["mitigation"],
            subjects: BTreeSet::new(),
            evidence: vec![self.evidence_ref(&claim.location)],
            collected: self.created_at.to_string(),
        }
    }

    /// One TEST observation per test of each live probe, as (endpoint, probed listener, UUID).
    fn test_observations(
        &self,
        observations: &mut Observations,
    ) -> Vec<(String, Location, String)> {
        let mut out = Vec::new();
        for o in &self.scan.model.observations {
            let span = Location {
                file: o.span.file.clone(),
                line: o.span.line,
                column: o.span.column,
            };
            for t in &o.tests {
                let uuid = observations.add(&o.endpoint, || {
                    let description = format!(
                        "{} {} at {} ({}), observed by {} at {}: {}",
                        t.test,
                        t.status,
                        o.target,
                        if o.address.is_empty() {
                            "name not resolved"
                        } else {
                            &o.address
                        },
                        o.source,
                        o.observed_at,
                        t.detail
                    );
                    Observation {
                        uuid: self.ids.of("test", &[&o.endpoint, &o.target, &t.test]),
                        title: format!("{}: {} at {}", t.test, t.status, o.target),
                        description: description.clone(),
                        props: [
                            prop("test", &t.test),
                            prop("test-status", &t.status),
                            prop("target", &o.target),
                            prop("address", &o.address),
                            prop("observed-by", &o.source),
                        ]
                        .into_iter()
                        .flatten()
                        .collect(),
                        method: "TEST",
                        types: Vec::new(),
                        subjects: BTreeSet::new(),
                        evidence: vec![obj([
                            ("description", s(description)),
                            (
                                "props",
                                props([
                                    prop("target", &o.target),
                                    prop("address", &o.address),
                                    prop("listener", &at(&span)),
                                ]),
                            ),
                        ])],
                        collected: o.observed_at.clone(),
                    }
                });
                out.push((o.endpoint.clone(), span.clone(), uuid));
            }
        }
        out
    }

    /// Whether a result was judged from the probe of `listener`: its requirement answers the
    /// control's "Test results", or it cites the probed listener as evidence (the policies
    /// cite an observation at the listener it was made from).
    fn uses_probe(&self, r: &RequirementResult, listener: &Location) -> bool {
        self.scan
            .registry
            .get(&r.requirement)
            .is_some_and(|q| q.evidence == TEST_RESULTS)
            || r.evidence
                .iter()
                .any(|e| e.location.as_ref() == Some(listener))
    }

    /// The problems with the input (parse errors and the like) as observations of no endpoint.
    fn problem_observations(&self, observations: &mut Observations) {
        for f in &self.scan.report.findings {
            let first = f.locations.first().map(at).unwrap_or_default();
            observations.push(Observation {
                uuid: self
                    .ids
                    .of("input-problem", &[f.kind.as_str(), &first, &f.message]),
                title: format!("{} ({})", f.kind, f.severity),
                description: f.message.clone(),
                props: [
                    prop("kind", f.kind.as_str()),
                    prop("severity", &f.severity.to_string()),
                ]
                .into_iter()
                .flatten()
                .collect(),
                method: "EXAMINE",
                types: vec!["input-problem"],
                subjects: BTreeSet::new(),
                evidence: f.locations.iter().map(|l| self.evidence_ref(l)).collect(),
                collected: self.created_at.to_string(),
            });
        }
    }

    /// The finding of one result: its objective, the state the record status gives, and the
    /// observations and risk behind it.
    fn finding(
        &self,
        r: &RequirementResult,
        key: &[&str],
        related: &[String],
        risk: Option<&String>,
    ) -> Value {
        let title = self
            .scan
            .registry
            .get(&r.requirement)
            .map(|q| q.title.clone());
        let (state, reason, remarks) = target_status(r);
        let status = obj([
            ("state", s(state)),
            ("reason", s(reason)),
            ("remarks", remarks.map(Value::String)),
        ]);
        let claim = r.exception.as_ref();
        obj([
            ("uuid", s(self.ids.of("finding", key))),
            (
                "title",
                s(format!(
                    "{} {} on {}",
                    r.requirement,
                    r.status.as_str(),
                    r.endpoint
                )),
            ),
            ("description", s(r.message.clone())),
            (
                "props",
                props([
                    prop("requirement", &r.requirement),
                    prop("status", r.status.as_str()),
                    prop("endpoint", &r.endpoint),
                    r.repository
                        .as_deref()
                        .and_then(|repo| prop("repository", repo)),
                    prop("component", &r.component),
                    prop("severity", &severity(r)),
                    claim.and_then(|c| prop("claim-id", &c.id)),
                    claim.and_then(|c| prop("claim-outcome", c.outcome.as_str())),
                ]),
            ),
            ("origins", self.origins()),
            (
                "target",
                Some(obj([
                    ("type", s("objective-id")),
                    ("target-id", s(token(&r.requirement))),
                    ("title", title.map(Value::String)),
                    ("status", Some(status)),
                ])),
            ),
            (
                "related-observations",
                Some(
                    related
                        .iter()
                        .map(|u| json!({ "observation-uuid": u }))
                        .collect(),
                ),
            ),
            ("related-risks", risk.map(|u| json!([{ "risk-uuid": u }]))),
        ])
    }

    /// The risk of a FAIL (open) or of an EXCEPTED result (its deviation approved by the
    /// claim), as (UUID, risk).
    fn risk(
        &self,
        r: &RequirementResult,
        key: &[&str],
        related: &[String],
        claim: Option<&crate::results::ExceptionRef>,
    ) -> (String, Value) {
        let uuid = self.ids.of("risk", key);
        let requirement = self
            .scan
            .registry
            .get(&r.requirement)
            .map(|q| format!("{} ({})", r.requirement, q.title))
            .unwrap_or_else(|| r.requirement.clone());
        let severity = severity(r);
        let cited: Vec<String> = r
            .locations
            .iter()
            .map(|l| format!("{}:{}", l.file, l.line))
            .collect();
        let statement = format!(
            "The {} endpoint {} does not meet {requirement} of {}; severity {severity}. Configuration cited: {}.",
            r.component,
            r.endpoint,
            self.scan.report.control,
            cited.join(", ")
        );
        let record = claim.and_then(|c| self.scan.report.exceptions.iter().find(|x| x.id == c.id));
        let mut list = vec![
            prop("requirement", &r.requirement),
            prop("endpoint", &r.endpoint),
            prop("severity", &severity),
        ];
        let mut log = None;
        let mut mitigating = None;
        let mut deadline = None;
        if let Some(c) = claim {
            list.extend([
                prop("claim-id", &c.id),
                prop("claim-kind", c.kind.as_str()),
                c.control.and_then(|x| prop("claim-control", x.as_str())),
                prop("claim-outcome", c.outcome.as_str()),
                prop("approver", &c.approver),
                prop("expires", &c.expires),
            ]);
            let justification = record.map(|x| x.justification.clone()).unwrap_or_default();
            if let Some(x) = record {
                list.push(prop("owner", &x.owner));
                list.push(prop("justification", &x.justification));
            }
            deadline = date_time(&c.expires, "23:59:59");
            let start = record
                .and_then(|x| date_time(&x.created, "00:00:00"))
                .unwrap_or_else(|| self.created_at.to_string());
            log = Some(json!({ "entries": [obj([
                ("uuid", s(self.ids.of("risk-log", &[&uuid, &c.id]))),
                ("title", s(format!("Deviation approved by {} (claim {}, {})", c.approver, c.id, c.outcome.as_str()))),
                ("description", s(if justification.is_empty() { format!("Exception claim {}", c.id) } else { justification.clone() })),
                ("start", s(start)),
                ("logged-by", Some(json!([{ "party-uuid": self.party_uuid(&c.approver), "role-id": "approver" }]))),
                ("status-change", s("deviation-approved")),
            ])] }));
            if let Some(control) = c.control {
                mitigating = Some(json!([obj([
                    ("uuid", s(self.ids.of("mitigation", &[&uuid, &c.id]))),
                    (
                        "description",
                        s(format!(
                            "Compensating control {} (claim {}): {}",
                            control.as_str(),
                            c.id,
                            if justification.is_empty() {
                                "no justification given"
                            } else {
                                &justification
                            }
                        ))
                    ),
                ])]));
            }
        }
        let title = match claim {
            Some(c) => format!(
                "{} not met on {}: deviation approved (claim {})",
                r.requirement, r.endpoint, c.id
            ),
            None => format!("{} not met on {}", r.requirement, r.endpoint),
        };
        let risk = obj([
            ("uuid", s(uuid.clone())),
            ("title", s(title)),
            ("description", s(r.message.clone())),
            ("statement", s(statement)),
            (
                "props",
                Some(Value::Array(list.into_iter().flatten().collect())),
            ),
            (
                "status",
                s(if claim.is_some() {
                    "deviation-approved"
                } else {
                    "open"
                }),
            ),
            ("origins", self.origins()),
            ("mitigating-factors", mitigating),
            ("deadline", deadline.map(Value::String)),
            ("risk-log", log),
            (
                "related-observations",
                Some(
                    related
                        .iter()
                        .map(|u| json!({ "observation-uuid": u }))
                        .collect(),
                ),
            ),
        ]);
        (uuid, risk)
    }

    /// The assessment-plan document: what is assessed (the objectives, the endpoints), with what
    /// (the tool), and the configuration standing in for a system security plan.
    fn plan(&self) -> Value {
        let report = &self.scan.report;
        let config_uuid = self.ids.of("configuration", &[]);
        let objectives: Vec<Value> = self
            .requirements()
            .iter()
            .map(|(id, title)| {
                let requirement = self.scan.registry.get(id);
                let item = requirement.and_then(|q| {
                    crate::requirements::EVIDENCE_ITEMS
                        .iter()
                        .find(|i| i.title == q.evidence)
                });
                let prose = match item {
                    Some(i) => format!(
                        "{title}. Answers the control's required evidence \"{}\": {}.",
                        i.title, i.control_text
                    ),
                    None => format!("{title}."),
                };
                obj([
                    ("id", s(token(id))),
                    ("name", s("assessment-objective")),
                    ("title", s(title.clone())),
                    (
                        "props",
                        props([
                            prop("requirement", id),
                            requirement.and_then(|q| prop("profiles", &q.profiles.join(" "))),
                            requirement.and_then(|q| prop("evidence-item", &q.evidence)),
                        ]),
                    ),
                    ("prose", s(prose)),
                ])
            })
            .collect();
        let methods = [
            ("EXAMINE", "The configuration files (proxies, Kubernetes manifests, application and client configurations, certificates) are read and judged by one policy per requirement."),
            ("TEST", "With --probe, each in-scope endpoint is probed live: the TLS versions and suites it accepts, the certificate it serves, and its answer to plain HTTP."),
        ];
        let mut parts = objectives;
        parts.extend(methods.iter().map(|(method, prose)| {
            json!({
                "id": format!("{}_{}", token(&report.control), method.to_lowercase()),
                "name": "assessment-method",
                "props": [{ "name": "method", "value": method }],
                "prose": prose,
            })
        }));
        let endpoints = self.endpoints();
        let components: Vec<Value> = endpoints
            .iter()
            .map(|(id, component)| self.endpoint_component(id, component))
            .collect();
        let subjects: Vec<Value> = endpoints
            .keys()
            .map(|id| json!({ "subject-uuid": self.endpoint_uuid(id), "type": "component" }))
            .collect();
        let rlinks: Vec<Value> = self
            .rows
            .iter()
            .map(|r| {
                json!({
                    "href": super::uri_path(&r.path),
                    "hashes": [{ "algorithm": "SHA-256", "value": r.sha256 }],
                })
            })
            .collect();
        let tool = json!({
            "uuid": self.tool_uuid(),
            "type": "software",
            "title": report.tool.name,
            "description": format!("{} {}: reads the TLS configuration of an MCP deployment and judges it against {} with one Rego policy per requirement.", report.tool.name, report.tool.version, report.control),
            "props": [
                { "name": "version", "value": report.tool.version },
                { "name": "policy-digest", "ns": NS, "value": report.tool.policy_digest },
            ],
            "status": { "state": "operational" },
        });
        let plan = obj([
            ("uuid", s(self.ids.of("assessment-plan", &[&self.content]))),
            (
                "metadata",
                Some(Value::Object(self.metadata(&format!(
                    "{} {}: assessment plan",
                    report.control, report.title
                )))),
            ),
            (
                "import-ssp",
                Some(json!({
                    "href": format!("#{config_uuid}"),
                    "remarks": "No system security plan is imported: the system assessed is described by the configuration files the scan read, listed with their SHA-256 in the back-matter resource this reference points to.",
                })),
            ),
            (
                "local-definitions",
                Some(obj([
                    ("components", Some(Value::Array(components))),
                    (
                        "objectives-and-methods",
                        Some(json!([{
                            "control-id": token(&report.control),
                            "description": format!("{} {}, decomposed into the requirements tlsproof judges; a requirement is met for an endpoint when its policy returns PASS (or NOT_APPLICABLE, with the justification).", report.control, report.title),
                            "parts": parts,
                        }])),
                    ),
                ])),
            ),
            ("reviewed-controls", Some(self.reviewed_controls())),
            (
                "assessment-subjects",
                (!subjects.is_empty()).then(|| {
                    json!([{
                        "type": "component",
                        "description": "The endpoints found in the configuration: where MCP traffic can arrive, and the outbound MCP clients.",
                        "include-subjects": subjects,
                    }])
                }),
            ),
            (
                "assessment-assets",
                Some(json!({
                    "components": [tool],
                    "assessment-platforms": [{
                        "uuid": self.ids.of("platform", &["tlsproof"]),
                        "title": format!("{} {}", report.tool.name, report.tool.version),
                        "uses-components": [{ "component-uuid": self.tool_uuid() }],
                    }],
                })),
            ),
            (
                "back-matter",
                Some(json!({ "resources": [obj([
                    ("uuid", s(config_uuid)),
                    ("title", s("The scanned configuration")),
                    ("description", s("Every input file of the scan, by its path relative to the scanned directory, with its SHA-256.")),
                    ("rlinks", Some(Value::Array(rlinks))),
                ])] })),
            ),
        ]);
        json!({ "assessment-plan": plan })
    }

    /// An endpoint as a component of the plan: where it is defined and what it serves.
    fn endpoint_component(&self, id: &str, component: &str) -> Value {
        let model = &self.scan.model;
        let description = match model.endpoints.iter().find(|e| e.id == id) {
            Some(e) => {
                let names = if e.server_names.is_empty() {
                    String::new()
                } else {
                    format!(" for {}", e.server_names.join(", "))
                };
                format!(
                    "{} endpoint{names}, defined at {}:{}.",
                    e.component.as_str(),
                    e.span.file,
                    e.span.line
                )
            }
            None => match model.clients.iter().find(|c| c.id == id) {
                Some(c) => format!("MCP client connection {} to {}.", c.name, c.url.value),
                None if component.is_empty() => format!("{id}, as read from the configuration."),
                None => format!("{component} {id}, as read from the configuration."),
            },
        };
        obj([
            ("uuid", s(self.endpoint_uuid(id))),
            ("type", s("service")),
            ("title", s(id)),
            ("description", s(description)),
            (
                "props",
                props([prop("endpoint", id), prop("component", component)]),
            ),
            (
                "status",
                Some(json!({
                    "state": "other",
                    "remarks": "Read from configuration: whether it is running is not known to the scan.",
                })),
            ),
        ])
    }
}

/// The observations of a document, each once, in the order first cited.
#[derive(Default)]
struct Observations {
    list: Vec<Observation>,
    index: HashMap<String, usize>,
}

impl Observations {
    /// Adds the observation `make` builds unless one with its UUID is there; records that
    /// `endpoint` cites it; returns its UUID.
    fn add(&mut self, endpoint: &str, make: impl FnOnce() -> Observation) -> String {
        let o = make();
        let uuid = o.uuid.clone();
        let i = match self.index.get(&uuid) {
            Some(i) => *i,
            None => {
                self.push(o);
                self.list.len() - 1
            }
        };
        if let Some(o) = self.list.get_mut(i) {
            if !endpoint.is_empty() {
                o.subjects.insert(endpoint.to_string());
            }
        }
        uuid
    }

    fn push(&mut self, o: Observation) {
        self.index.insert(o.uuid.clone(), self.list.len());
        self.list.push(o);
    }

    fn into_json(self, doc: &Doc) -> Vec<Value> {
        self.list
            .into_iter()
            .map(|o| {
                let subjects: Vec<Value> = o
                    .subjects
                    .iter()
                    .map(|e| {
                        json!({
                            "subject-uuid": doc.endpoint_uuid(e),
                            "type": "component",
                            "title": e,
                        })
                    })
                    .collect();
                obj([
                    ("uuid", s(o.uuid)),
                    ("title", s(o.title)),
                    ("description", s(o.description)),
                    ("props", Some(Value::Array(o.props))),
                    ("methods", Some(json!([o.method]))),
                    (
                        "types",
                        Some(Value::Array(
                            o.types.into_iter().map(|t| json!(t)).collect(),
                        )),
                    ),
                    ("origins", doc.origins()),
                    ("subjects", Some(Value::Array(subjects))),
                    ("relevant-evidence", Some(Value::Array(o.evidence))),
                    ("collected", s(o.collected)),
                ])
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_v5_matches_rfc_4122() {
        // Python: uuid.uuid5(uuid.NAMESPACE_URL, "https://www.example.com/")
        assert_eq!(
            format_uuid(&uuid_v5(&NAMESPACE_URL, "https://www.example.com/")),
            "3d3ed9d2-aa3d-5fa6-90e8-ed662e90f559"
        );
    }

    #[test]
    fn tokens_paths_and_strings_take_the_oscal_forms() {
        assert_eq!(token("NET03-TLS"), "NET03-TLS");
        assert_eq!(token("1-2"), "_1-2");
        assert_eq!(token("a b"), "a_b");
        assert_eq!(
            crate::render::uri_path("conf.d/my site.conf"),
            "conf.d/my%20site.conf"
        );
        assert_eq!(crate::render::uri_path("c:x"), "c%3Ax");
        assert_eq!(one_line("  a\n\tb  "), Some("a b".into()));
        assert_eq!(one_line(" \n "), None);
        assert_eq!(
            date_time("2027-04-30", "23:59:59").as_deref(),
            Some("2027-04-30T23:59:59Z")
        );
        assert_eq!(date_time("30.04.2027", "00:00:00"), None);
    }
}
