//! `tlsproof merge` — one bundle from many. The shards of a scan (`--shard K/N`) unite into
//! the record the whole scan makes; bundles of different repositories into an organization
//! record: every result and finding keyed by its repository, a verdict per repository and one
//! over all of them.
//!
//! Input: bundle directories, each verified first (with a key, its signature too). Output: the
//! merged record and model, and every merged bundle's manifest (and attestation) kept by name
//! and hash, for `bundle::write_parts`.

use crate::attest;
use crate::bundle::{self, Entry, Manifest};
use crate::pipeline::Scan;
use crate::results::{self, MergedPart, Report, RepositoryRecord, ScanScope};
use crate::shard::Shard;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The most bytes read of one record file of a bundle.
const MAX_RECORD_BYTES: u64 = 1 << 30;

#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A bundle that cannot be merged: it does not verify, or its signature is refused.
    #[error("{bundle}: {why}")]
    Refused { bundle: String, why: String },
    /// Bundles that do not make one record together (a shard missing or doubled, different
    /// policies).
    #[error("{0}")]
    Parts(String),
    #[error(transparent)]
    Policy(#[from] crate::policy::PolicyError),
    /// The merged record breaks its schema: a bug of the tool.
    #[error("the merged record does not match its schema: {}", .0.join("; "))]
    Contract(Vec<String>),
}

/// One bundle, verified and read.
struct Part {
    /// The directory as given.
    dir: String,
    /// The repository it scanned: its `scope.repository`, else its roots.
    repository: String,
    manifest_bytes: Vec<u8>,
    attestation: Option<Vec<u8>>,
    report: Report,
    model: Value,
}

impl Part {
    fn shard(&self) -> Option<Shard> {
        self.report.scope.shard
    }

    /// `K/N`; a bundle of a whole scan is `1/1`.
    fn cut(&self) -> Shard {
        self.shard().unwrap_or(Shard { index: 1, count: 1 })
    }
}

/// The merged record, ready to be written as a bundle.
pub struct Merged {
    pub scan: Scan,
    pub parts: bundle::Parts,
    pub bundles: usize,
    pub repositories: usize,
}

/// Verifies and reads every bundle of `dirs` (with `key`, each must be signed by it) and
/// unites them.
pub fn merge(dirs: &[PathBuf], key: Option<&attest::PublicKey>) -> Result<Merged, MergeError> {
    // The maps every model repeats (the cipher suites above all) are united as the bundles are
    // read, so that memory grows with what the bundles judged, not with what they repeat.
    let mut maps = serde_json::Map::new();
    let mut parts = Vec::with_capacity(dirs.len());
    for d in dirs {
        let mut part = read_part(d, key)?;
        take_maps(&mut part.model, &mut maps);
        parts.push(part);
    }
    same_judgement(&parts)?;
    parts.sort_by_key(|p| (p.repository.clone(), p.cut()));
    let mut groups: BTreeMap<String, Vec<Part>> = BTreeMap::new();
    for p in parts {
        groups.entry(p.repository.clone()).or_default().push(p);
    }
    for (repository, group) in &groups {
        whole_cut(repository, group)?;
    }
    let bundles = groups.values().map(Vec::len).sum();
    let repositories = groups.len();
    let (kept, merged_parts) = kept_files(&groups);
    let mut records: Vec<(String, Report, Value)> = groups
        .into_iter()
        .map(|(repository, group)| {
            let (report, model) = unite(group);
            (repository, report, model)
        })
        .collect();
    let (mut report, mut model) = if records.len() == 1 {
        let (_, report, model) = records.remove(0);
        (report, model)
    } else {
        organization(records)
    };
    if let Some(obj) = model.as_object_mut() {
        // In place of the emptied maps, or after the other keys when the first model had none.
        obj.extend(maps);
    }
    report.scope.merged = merged_parts;
    scan_of(report, model, kept, bundles, repositories)
}

/// A bundle checked as `verify` checks it, then read; refused naming what is wrong.
fn read_part(dir: &Path, key: Option<&attest::PublicKey>) -> Result<Part, MergeError> {
    let name = dir.display().to_string();
    let refuse = |why: String| MergeError::Refused {
        bundle: name.clone(),
        why,
    };
    let checks = bundle::Checks {
        inputs_root: None,
        key,
    };
    let v = bundle::verify_with(dir, &checks).map_err(|e| refuse(format!("not a bundle: {e}")))?;
    if let Some((file, why)) = v.problems.first() {
        return Err(refuse(format!(
            "does not verify ({} problem(s), the first: {file}: {why}); tlsproof verify names them all",
            v.problems.len()
        )));
    }
    if let bundle::Authorship::Refused { why } = &v.authorship {
        return Err(refuse(format!("its signature is refused: {why}")));
    }
    let read = |file: &str| {
        crate::source::read_regular(&dir.join(file), MAX_RECORD_BYTES)
            .map_err(|e| refuse(format!("{file}: {e}")))
    };
    let json_error = |file: &str, e: serde_json::Error| refuse(format!("{file}: {e}"));
    let manifest_bytes = read(bundle::MANIFEST)?;
    let manifest: Manifest =
        serde_json::from_slice(&manifest_bytes).map_err(|e| json_error(bundle::MANIFEST, e))?;
    let report: Report = serde_json::from_slice(&read("results.json")?)
        .map_err(|e| json_error("results.json", e))?;
    let model: Value =
        serde_json::from_slice(&read("model.json")?).map_err(|e| json_error("model.json", e))?;
    let attestation = match dir.join(attest::FILE).exists() {
        true => Some(read(attest::FILE)?),
        false => None,
    };
    if !report.scope.merged.is_empty() {
        return Err(refuse(
            "already a merged record: merge the bundles it was made of".into(),
        ));
    }
    let version = env!("CARGO_PKG_VERSION");
    if manifest.tool.version != version {
        return Err(refuse(format!(
            "written by tlsproof {}, and this tlsproof {version} writes the merged record: merge bundles of one version",
            manifest.tool.version
        )));
    }
    let repository = report
        .scope
        .repository
        .clone()
        .unwrap_or_else(|| report.scope.roots.join(", "));
    Ok(Part {
        dir: name,
        repository,
        manifest_bytes,
        attestation,
        report,
        model,
    })
}

/// Every bundle was judged by the same policies, profile and environment: one record has one
/// of each.
fn same_judgement(parts: &[Part]) -> Result<(), MergeError> {
    let Some(first) = parts.first() else {
        return Err(MergeError::Parts("no bundle to merge".into()));
    };
    let judged = |p: &Part| {
        [
            ("policy digest", p.report.tool.policy_digest.clone()),
            ("profile", p.report.profile.clone()),
            ("environment", p.report.environment.clone()),
        ]
    };
    for p in &parts[1..] {
        for ((what, a), (_, b)) in judged(first).into_iter().zip(judged(p)) {
            if a != b {
                return Err(MergeError::Parts(format!(
                    "{} and {} were judged differently ({what} {a} and {b}): one record is judged one way",
                    first.dir, p.dir
                )));
            }
        }
    }
    Ok(())
}

/// The bundles of one repository are every shard of one cut of one scan, each once.
fn whole_cut(repository: &str, group: &[Part]) -> Result<(), MergeError> {
    let Some(first) = group.first() else {
        return Ok(());
    };
    let count = first.cut().count;
    let mut seen: BTreeMap<u32, &str> = BTreeMap::new();
    for p in group {
        let cut = p.cut();
        if cut.count != count {
            return Err(MergeError::Parts(format!(
                "{repository}: {} is shard {} and {} is shard {}: the scan was not cut the same way",
                first.dir,
                first.cut(),
                p.dir,
                cut
            )));
        }
        if let Some(other) = seen.insert(cut.index, &p.dir) {
            return Err(MergeError::Parts(format!(
                "{repository}: shard {cut} is given twice ({other} and {}): its results would count twice",
                p.dir
            )));
        }
        let scope = |s: &ScanScope| (s.git_commit.clone(), s.roots.clone(), s.exclude.clone());
        if scope(&p.report.scope) != scope(&first.report.scope) {
            return Err(MergeError::Parts(format!(
                "{repository}: {} and {} are not shards of one scan (their roots, exclusions or commit differ)",
                first.dir, p.dir
            )));
        }
        // Certificate dates and claims are judged at the evaluation time (absent when neither
        // was judged): shards judged at different times would not make one scan's record.
        let (at, first_at) = (&p.model["evaluated_at"], &first.model["evaluated_at"]);
        if at != first_at {
            return Err(MergeError::Parts(format!(
                "{repository}: {} was judged at {first_at} and {} at {at}: give every shard the same --at (or SOURCE_DATE_EPOCH)",
                first.dir, p.dir
            )));
        }
    }
    let missing: Vec<String> = (1..=count)
        .filter(|k| !seen.contains_key(k))
        .map(|k| format!("{k}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Parts(format!(
            "{repository}: shard {} missing: what it judges would be missing from the record",
            missing.join(", ")
        )));
    }
    Ok(())
}

/// Each bundle's manifest (and attestation), kept as `part-NNN.…`, and the record's list of
/// them.
#[allow(clippy::type_complexity)]
fn kept_files(groups: &BTreeMap<String, Vec<Part>>) -> (Vec<(String, Vec<u8>)>, Vec<MergedPart>) {
    let mut kept = Vec::new();
    let mut listed = Vec::new();
    for (i, p) in groups.values().flatten().enumerate() {
        let name = format!("part-{:03}.{}", i + 1, bundle::MANIFEST);
        listed.push(MergedPart {
            repository: p.repository.clone(),
            shard: p.shard(),
            manifest: name.clone(),
            sha256: crate::source::hex(&<sha2::Sha256 as sha2::Digest>::digest(&p.manifest_bytes)),
            verdict: p.report.verdict,
        });
        kept.push((name, p.manifest_bytes.clone()));
        if let Some(a) = &p.attestation {
            kept.push((format!("part-{:03}.{}", i + 1, attest::FILE), a.clone()));
        }
    }
    (kept, listed)
}

/// The shards of one scan as the record of the whole scan: results, findings and claims
/// united in a scan's order, the verdict recomputed.
fn unite(group: Vec<Part>) -> (Report, Value) {
    let (reports, models): (Vec<Report>, Vec<Value>) =
        group.into_iter().map(|p| (p.report, p.model)).unzip();
    let mut reports = reports.into_iter();
    let Some(mut report) = reports.next() else {
        return (empty_report(), Value::Null);
    };
    for r in reports {
        report.results.extend(r.results);
        report.findings.extend(r.findings);
        report.exceptions.extend(r.exceptions);
        report.summary.endpoints += r.summary.endpoints;
    }
    let model = unite_models(models);
    sort_claims(&mut report.exceptions);
    report.scope.shard = None;
    rejudge(&mut report, &model);
    (report, model)
}

/// The record's verdict and counts from its results (and the model's server endpoints).
fn rejudge(report: &mut Report, model: &Value) {
    report.rejudge(&server_ids(model));
}

fn server_ids(model: &Value) -> BTreeSet<&str> {
    model["endpoints"]
        .as_array()
        .map(|eps| eps.iter().filter_map(|e| e["id"].as_str()).collect())
        .unwrap_or_default()
}

/// The records of several repositories as one: each result and finding keyed by its
/// repository, a verdict per repository, and the verdict over all.
fn organization(records: Vec<(String, Report, Value)>) -> (Report, Value) {
    let mut repositories = Vec::new();
    let mut models = Vec::new();
    let mut all: Option<Report> = None;
    for (repository, mut report, mut model) in records {
        repositories.push(RepositoryRecord {
            repository: repository.clone(),
            verdict: report.verdict,
            verdict_reason: report.verdict_reason.clone(),
            git_commit: report.scope.git_commit.clone(),
            roots: report.scope.roots.clone(),
            summary: report.summary.clone(),
        });
        for r in &mut report.results {
            r.repository = Some(repository.clone());
        }
        for f in &mut report.findings {
            f.repository = Some(repository.clone());
        }
        for c in &mut report.exceptions {
            c.repository = Some(repository.clone());
        }
        key_model(&mut model, &repository);
        models.push(model);
        all = Some(match all {
            None => report,
            Some(mut acc) => {
                acc.results.extend(report.results);
                acc.findings.extend(report.findings);
                acc.exceptions.extend(report.exceptions);
                acc.scope.roots.extend(report.scope.roots);
                acc.scope.exclude.extend(report.scope.exclude);
                for (k, v) in report.scope.versions {
                    acc.scope.versions.entry(k).or_insert(v);
                }
                let (a, b) = (&mut acc.summary, &report.summary);
                a.endpoints += b.endpoints;
                a.files_scanned += b.files_scanned;
                a.files_unknown += b.files_unknown;
                acc
            }
        });
    }
    let mut report = all.unwrap_or_else(empty_report);
    report.scope.exclude.sort();
    report.scope.exclude.dedup();
    report.scope.git_commit = None;
    report.scope.repository = None;
    report.repositories = repositories;
    let model = unite_models(models);
    sort_claims(&mut report.exceptions);
    rejudge(&mut report, &model);
    (report, model)
}

/// Marks what a repository's model holds (its inputs, endpoints, clients) with the repository.
fn key_model(model: &mut Value, repository: &str) {
    for list in ["sources", "endpoints", "clients"] {
        if let Some(items) = model[list].as_array_mut() {
            for item in items.iter_mut().filter_map(Value::as_object_mut) {
                item.insert("repository".into(), Value::from(repository));
            }
        }
    }
}

/// The models of several bundles as one: the judged parts (endpoints, clients, flags) united
/// in a scan's order, what every shard read (sources, certificates, observations) once, and
/// the claims as the record holds them.
fn unite_models(mut models: Vec<Value>) -> Value {
    let mut lists = Vec::new();
    let spanned = |v: &Value| {
        (
            v["repository"].as_str().unwrap_or_default().to_string(),
            v["span"]["file"].as_str().unwrap_or_default().to_string(),
            v["span"]["line"].as_u64().unwrap_or_default(),
            v["id"].as_str().unwrap_or_default().to_string(),
        )
    };
    for list in ["endpoints", "clients", "red_flags"] {
        let mut items = united(&mut models, list, false);
        items.sort_by_cached_key(spanned);
        lists.push((list, items));
    }
    let mut sources = united(&mut models, "sources", true);
    sources.sort_by_cached_key(|s| {
        (
            s["repository"].as_str().unwrap_or_default().to_string(),
            s["path"].as_str().unwrap_or_default().to_string(),
        )
    });
    lists.push(("sources", sources));
    for list in ["certificates", "unread_certificates", "observations"] {
        lists.push((list, united(&mut models, list, true)));
    }
    // The model's claims as the policies saw them, before the record applied them.
    let mut claims = united(&mut models, "exceptions", true);
    claims.sort_by_cached_key(|c| {
        (
            c["location"]["file"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
            c["location"]["line"].as_u64().unwrap_or_default(),
        )
    });
    lists.push(("exceptions", claims));
    // The first model, its lists emptied above, holds the united ones in their places.
    let mut out = models.into_iter().next().unwrap_or(Value::Null);
    if let Some(obj) = out.as_object_mut() {
        for (name, items) in lists {
            if !items.is_empty() || obj.contains_key(name) {
                obj.insert(name.into(), Value::Array(items));
            }
        }
    }
    out
}

/// Sorts claims as the claims file lists them.
fn sort_claims(claims: &mut [crate::model::claims::ClaimRecord]) {
    claims.sort_by(|a, b| {
        let key = |c: &crate::model::claims::ClaimRecord| {
            (
                c.repository.clone(),
                c.location.file.clone(),
                c.location.line,
            )
        };
        key(a).cmp(&key(b))
    });
}

/// The maps of a model that every bundle repeats: suites by name, declared versions, product
/// words.
const REPEATED_MAPS: [&str; 3] = ["cipher_suites", "versions", "products"];

/// Moves `model`'s repeated maps into `into` (a key already there keeps its value), leaving
/// each empty in place.
fn take_maps(model: &mut Value, into: &mut serde_json::Map<String, Value>) {
    for name in REPEATED_MAPS {
        let Some(Value::Object(map)) = model.get_mut(name) else {
            continue;
        };
        let map = std::mem::take(map);
        let Value::Object(united) = into
            .entry(name)
            .or_insert_with(|| Value::Object(serde_json::Map::new()))
        else {
            continue;
        };
        for (k, v) in map {
            united.entry(k).or_insert(v);
        }
    }
}

/// Every item of the list `name` of every model, moved out of it; with `once`, each distinct
/// item once, in the order first seen.
fn united(models: &mut [Value], name: &str, once: bool) -> Vec<Value> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for m in models.iter_mut() {
        let Some(Value::Array(items)) = m.get_mut(name) else {
            continue;
        };
        for item in std::mem::take(items) {
            if once && !seen.insert(item.to_string()) {
                continue;
            }
            out.push(item);
        }
    }
    out
}

fn empty_report() -> Report {
    Report {
        control: results::CONTROL.into(),
        title: results::CONTROL_TITLE.into(),
        verdict: results::Verdict::Incomplete,
        verdict_reason: None,
        profile: String::new(),
        environment: String::new(),
        tool: results::ToolRecord {
            name: "tlsproof".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            policy_digest: String::new(),
            engine: String::new(),
            policies: Vec::new(),
        },
        scope: ScanScope::default(),
        summary: results::Summary::default(),
        results: Vec::new(),
        findings: Vec::new(),
        exceptions: Vec::new(),
        repositories: Vec::new(),
    }
}

/// The merged record as a scan the bundle writer renders: the source lines are those the
/// record's evidence quotes, and the model's facts are in `model.json` only.
fn scan_of(
    mut report: Report,
    model: Value,
    kept: Vec<(String, Vec<u8>)>,
    bundles: usize,
    repositories: usize,
) -> Result<Merged, MergeError> {
    let mut inputs: Vec<Entry> = model["sources"]
        .as_array()
        .map(|list| {
            list.iter()
                .filter_map(|s| serde_json::from_value(s.clone()).ok())
                .collect()
        })
        .unwrap_or_default();
    inputs.sort_by(|a, b| (&a.repository, &a.path).cmp(&(&b.repository, &b.path)));
    let exceptions_file = inputs
        .iter()
        .find(|i| i.kind.as_deref() == Some("exceptions"))
        .map(|i| i.path.clone());
    report.check_schema().map_err(MergeError::Contract)?;
    let model_bytes = bundle::pretty(&model, "model.json").unwrap_or_default();
    let policies = crate::policy::PolicySet::builtin();
    let registry = policies.registry()?;
    let scan = Scan {
        map: recorded_lines(&report),
        exceptions_file,
        warn_days: 30,
        model: crate::model::Model {
            profile: report.profile.clone(),
            environment: report.environment.clone(),
            evaluated_at: model["evaluated_at"].as_str().map(str::to_string),
            ..crate::model::Model::default()
        },
        roots: report.scope.roots.clone(),
        report,
        policies,
        registry,
    };
    Ok(Merged {
        scan,
        parts: bundle::Parts {
            model: model_bytes,
            inputs,
            kept,
        },
        bundles,
        repositories,
    })
}

/// A source map holding the lines the record quotes (its evidence and its claims' facts), each
/// as it was shown: the views of a merged record quote what the scans quoted. A line that two
/// repositories' files of the same name quote differently is left out rather than shown for
/// both.
fn recorded_lines(report: &Report) -> crate::source::SourceMap {
    let evidence = report
        .results
        .iter()
        .flat_map(|r| &r.evidence)
        .map(|e| (&e.location, &e.excerpt));
    let facts = report
        .exceptions
        .iter()
        .flat_map(|c| &c.subjects)
        .flat_map(|s| &s.facts)
        .map(|f| (&f.location, &f.excerpt));
    let mut lines: BTreeMap<(&str, u32), Option<&str>> = BTreeMap::new();
    for (location, excerpt) in evidence.chain(facts) {
        let (Some(at), Some(text)) = (location, excerpt) else {
            continue;
        };
        lines
            .entry((at.file.as_str(), at.line))
            .and_modify(|seen| {
                if *seen != Some(text.as_str()) {
                    *seen = None;
                }
            })
            .or_insert(Some(text.as_str()));
    }
    let mut map = crate::source::SourceMap::new();
    for ((file, line), text) in lines {
        let Some(text) = text else { continue };
        let id = match map.by_display(file) {
            Some((id, _)) => id,
            None => map.add(file.to_string(), PathBuf::from(file), b""),
        };
        map.remember_shown(id, line, text);
    }
    map
}
