//! `tlsproof replay`: the scan of a bundle written with `evidence --include-inputs`, made
//! again on the bundle's copies with the recorded options and the recorded policies (the
//! bundle's `policies/`, not this tool's built-in ones), and compared with its results.json.
//!
//! The copies are written to a private temporary folder and scanned there, shown under the
//! recorded roots and commit, so that the same tool at the same evaluation time writes the same
//! results.json byte for byte.

use crate::bundle::{self, inputs, Contents, Manifest, ReplayRecord};
use crate::pipeline::{self, ScanError};
use crate::policy::{PolicyFile, PolicySet};
use crate::settings::{parse_time, Options, Replaying};
use serde_json::Value;
use sha2::Digest;
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// Why a bundle cannot be replayed (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error("{0}")]
    Unusable(String),
    #[error(transparent)]
    Bundle(#[from] bundle::BundleError),
    #[error("the replayed scan stopped: {0}")]
    Scan(#[from] ScanError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
}

/// What a replay found.
#[derive(Debug)]
pub struct Outcome {
    /// The evaluation time of the replayed scan (RFC 3339).
    pub at: String,
    /// The digest of the policies judged with.
    pub policy_digest: String,
    /// What may make the replay differ for another reason than the inputs: files the bundle
    /// does not hold, copies that differ from the manifest, another tool version.
    pub notes: Vec<String>,
    /// Every difference from the recorded results.json, results first.
    pub differences: Vec<Difference>,
    /// The replayed results.json is the recorded one, byte for byte.
    pub identical: bool,
    /// Results in the replayed record.
    pub results: usize,
}

/// One difference between the recorded and the replayed record.
#[derive(Debug, PartialEq, Eq)]
pub enum Difference {
    /// A result only the replay gives.
    Added { result: String, status: String },
    /// A result only the recorded record holds.
    Removed { result: String, status: String },
    /// A result both hold whose status or message differs.
    Changed {
        result: String,
        field: String,
        recorded: String,
        replayed: String,
    },
    /// A result both hold whose other fields differ (locations, evidence, severity, …), named.
    Also { result: String, fields: Vec<String> },
    /// A part of the record beside its results (verdict, summary, findings, scope, tool).
    Record {
        field: String,
        recorded: String,
        replayed: String,
    },
}

/// Replays the bundle in `dir`; `at` overrides the recorded evaluation time.
pub fn replay(dir: &Path, at: Option<OffsetDateTime>) -> Result<Outcome, ReplayError> {
    let contents = Contents::read(dir)?;
    let manifest = manifest(&contents)?;
    let Some(record) = manifest.replay.as_ref() else {
        return Err(ReplayError::Unusable(
            "the bundle holds no inputs: it was written without --include-inputs, so there is nothing to scan again (write it with tlsproof evidence … --include-inputs)".into(),
        ));
    };
    if record.probe {
        return Err(ReplayError::Unusable(
            "the recorded scan probed live endpoints (--probe): those observations cannot be made again".into(),
        ));
    }
    let recorded = contents
        .bytes("results.json")
        .ok_or_else(|| ReplayError::Unusable("the bundle holds no results.json".into()))?;
    let mut notes = notes(&contents, &manifest, record);
    let policies = policies(&contents, &manifest)?;
    let builtin = PolicySet::builtin().digest();
    if policies.digest() != builtin {
        notes.push(format!(
            "this tlsproof's built-in policies (sha256:{builtin}) are not the recorded ones: the replay judges with the recorded ones"
        ));
    }
    let folder = Folder::new()?;
    materialize(&contents, &manifest, folder.path())?;
    if record.project.is_some() {
        mark_repository(&folder.path().join(inputs::INPUTS))?;
    }
    let at = evaluation_time(at, record, &manifest)?;
    let recorded_run = recorded_run(record, &manifest, recorded, policies);
    let mut opts = options(record, folder.path(), recorded_run, at)?;
    // The recorded part of the work (`--shard`) and the repository's name, as recorded: the
    // copies are in no repository.
    opts.shard = manifest.scope.shard;
    opts.repository = manifest.scope.repository.clone();
    let scan = pipeline::run(&opts)?;
    if scan.report.tool.policy_digest != manifest.policy_digest {
        notes.push(format!(
            "the bundle's policies/ (sha256:{}) are not the policies its results name (sha256:{})",
            scan.report.tool.policy_digest, manifest.policy_digest
        ));
    }
    let replayed = crate::render::json(&scan.report);
    let identical = replayed.as_bytes() == recorded;
    let mut differences = compare(recorded, &scan.report);
    if !identical && differences.is_empty() {
        notes.push("the records hold the same values but not the same bytes".into());
    }
    differences.sort_by_key(|d| u8::from(matches!(d, Difference::Record { .. })));
    Ok(Outcome {
        at: crate::certs::rfc3339_of(at.unix_timestamp()),
        policy_digest: scan.report.tool.policy_digest.clone(),
        notes,
        identical,
        differences,
        results: scan.report.results.len(),
    })
}

/// The recorded run as the replayed scan shows it: its roots, commit and the names of the files
/// given, its policies, and its count of files not recognised (the bundle does not hold them).
fn recorded_run(
    record: &ReplayRecord,
    manifest: &Manifest,
    results: &[u8],
    policies: PolicySet,
) -> Replaying {
    let files_unknown = serde_json::from_slice::<Value>(results)
        .ok()
        .and_then(|r| r["summary"]["files_unknown"].as_u64())
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(0);
    let given = |files: &[inputs::GivenFile]| files.iter().map(|f| f.given.clone()).collect();
    Replaying {
        roots: manifest.scan_roots.clone(),
        git_commit: manifest.git_commit.clone(),
        ca_files: given(&record.ca_files),
        observations: given(&record.observations),
        policies,
        files_unknown,
    }
}

/// The recorded scan found its project's settings above the scanned folder, walking up inside
/// a repository: the copies are that project, so `folder` is marked as a repository too.
fn mark_repository(folder: &Path) -> Result<(), ReplayError> {
    let marker = folder.join(".git");
    std::fs::create_dir_all(&marker).map_err(|source| ReplayError::Io {
        what: format!("creating {}", marker.display()),
        source,
    })
}

fn manifest(contents: &Contents) -> Result<Manifest, ReplayError> {
    let raw = contents
        .bytes(bundle::MANIFEST)
        .ok_or_else(|| ReplayError::Unusable("no manifest.json: not an evidence bundle".into()))?;
    serde_json::from_slice(raw)
        .map_err(|e| ReplayError::Unusable(format!("manifest.json is not a manifest: {e}")))
}

/// What may make the replay differ besides the inputs.
fn notes(contents: &Contents, manifest: &Manifest, record: &ReplayRecord) -> Vec<String> {
    let mut out = Vec::new();
    if manifest.tool.version != env!("CARGO_PKG_VERSION") {
        out.push(format!(
            "the bundle was written by tlsproof {}, this is {}: the record may differ by the tool alone",
            manifest.tool.version,
            env!("CARGO_PKG_VERSION")
        ));
    }
    out.extend(system_store_note(contents));
    for x in record.excluded.iter().filter(|x| x.read) {
        out.push(format!("{} is not in the bundle ({})", x.path, x.reason));
    }
    for e in manifest.bundle_files.iter().filter(|e| is_copy(e)) {
        match contents.sha256(&e.path) {
            Some(d) if d == e.sha256 => {}
            Some(_) => out.push(format!(
                "{} differs from the manifest's digest (verify fails): replayed as the bundle holds it",
                e.path
            )),
            None => out.push(format!("{} is missing from the bundle", e.path)),
        }
    }
    out
}

/// The system CA bundle is this machine's, not a copy: when the recorded chains were judged
/// against a bundle with other contents, certificate results may differ by that alone.
fn system_store_note(contents: &Contents) -> Option<String> {
    let model: Value = serde_json::from_slice(contents.bytes("model.json")?).ok()?;
    let system = model["trust"]["sources"]
        .as_array()?
        .iter()
        .find(|s| s["kind"] == "system")?;
    let path = system["path"].as_str()?;
    let recorded = system["sha256"].as_str()?;
    let here = crate::source::read_regular(Path::new(path), 1 << 26)
        .map(|b| crate::source::hex(&sha2::Sha256::digest(&b)))
        .unwrap_or_default();
    (here != recorded).then(|| {
        format!(
            "the recorded chains were validated against the system CA bundle {path} with sha256 {recorded}; this machine's differs or is missing, so certificate results may differ by that alone"
        )
    })
}

/// A copied file of the bundle: an input, a certificate, a policy or a CA file.
fn is_copy(e: &bundle::Entry) -> bool {
    e.path
        .split_once('/')
        .is_some_and(|(dir, _)| inputs::COPY_DIRS.contains(&dir))
}

/// The recorded policy set: the bundle's copies, each with the role the record gives it.
fn policies(contents: &Contents, manifest: &Manifest) -> Result<PolicySet, ReplayError> {
    let mut files = Vec::new();
    for e in manifest.bundle_files.iter().filter(|e| is_copy(e)) {
        let Some(path) = e.path.strip_prefix(&format!("{}/", inputs::POLICIES)) else {
            continue;
        };
        let Some(bytes) = contents.bytes(&e.path) else {
            continue;
        };
        let source = String::from_utf8(bytes.to_vec())
            .map_err(|_| ReplayError::Unusable(format!("{} is not UTF-8: not a policy", e.path)))?;
        let overridden_from = e
            .role
            .as_deref()
            .and_then(|r| r.strip_prefix("override from "))
            .map(str::to_string);
        files.push(PolicyFile {
            path: path.to_string(),
            source,
            overridden_from,
        });
    }
    if files.is_empty() {
        return Err(ReplayError::Unusable(
            "the bundle holds no policies/: the results cannot be judged again with the recorded policies".into(),
        ));
    }
    Ok(PolicySet::of(files))
}

/// Writes the copied inputs and CA files of the bundle (those the manifest lists) into
/// `folder`, at their bundle paths.
fn materialize(contents: &Contents, manifest: &Manifest, folder: &Path) -> Result<(), ReplayError> {
    for e in manifest.bundle_files.iter().filter(|e| is_copy(e)) {
        if e.path.starts_with(&format!("{}/", inputs::POLICIES)) || !inputs::is_bundle_path(&e.path)
        {
            continue;
        }
        let Some(bytes) = contents.bytes(&e.path) else {
            continue;
        };
        let path = folder.join(&e.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|source| ReplayError::Io {
                what: format!("creating {}", parent.display()),
                source,
            })?;
        }
        std::fs::write(&path, bytes).map_err(|source| ReplayError::Io {
            what: format!("writing {}", path.display()),
            source,
        })?;
    }
    Ok(())
}

/// `--at`, else the recorded evaluation time, else the bundle's creation (no result of the
/// recorded scan depended on the time).
fn evaluation_time(
    at: Option<OffsetDateTime>,
    record: &ReplayRecord,
    manifest: &Manifest,
) -> Result<OffsetDateTime, ReplayError> {
    if let Some(at) = at {
        return Ok(at);
    }
    let text = record.at.as_deref().unwrap_or(&manifest.created_at);
    parse_time(text).map_err(|e| ReplayError::Unusable(format!("the recorded time {text}: {e}")))
}

/// The recorded run's options, on the copies in `folder`.
fn options(
    record: &ReplayRecord,
    folder: &Path,
    recorded_run: Replaying,
    at: OffsetDateTime,
) -> Result<Options, ReplayError> {
    if record.roots.len() != recorded_run.roots.len() || record.roots.iter().any(|r| r.is_empty()) {
        return Err(ReplayError::Unusable(format!(
            "the files of the scanned roots {} were not copied (one of several absolute roots)",
            recorded_run.roots.join(", ")
        )));
    }
    let inside = |copy: &str| -> Result<PathBuf, ReplayError> {
        if inputs::is_bundle_path(copy) && copy.contains('/') {
            Ok(folder.join(copy))
        } else {
            Err(ReplayError::Unusable(format!(
                "the manifest names {copy:?}, which is not a copy in the bundle"
            )))
        }
    };
    let ca_files: Vec<PathBuf> = record
        .ca_files
        .iter()
        .map(|c| inside(&c.copy))
        .collect::<Result<_, ReplayError>>()?;
    Ok(Options {
        paths: record
            .roots
            .iter()
            .map(|r| {
                if r == inputs::INPUTS {
                    Ok(folder.join(r))
                } else {
                    inside(r)
                }
            })
            .collect::<Result<_, ReplayError>>()?,
        profile: known("profile", &record.profile)?,
        environment: known("environment", &record.environment)?,
        nginx_version: record.versions.get("nginx").cloned(),
        caddy_version: record.versions.get("caddy").cloned(),
        traefik_version: record.versions.get("traefik").cloned(),
        at: Some(at),
        exceptions_file: record.exceptions.as_deref().map(inside).transpose()?,
        non_waivable: record.strict.clone(),
        ca_files,
        exclude: record.exclude.clone(),
        observations: record
            .observations
            .iter()
            .map(|o| inside(&o.copy))
            .collect::<Result<_, _>>()?,
        replaying: Some(recorded_run),
        ..Options::default()
    })
}

/// A recorded option's value as the type the scan takes.
fn known<T: serde::de::DeserializeOwned>(
    field: &str,
    value: &Option<String>,
) -> Result<Option<T>, ReplayError> {
    value
        .as_ref()
        .map(|v| {
            serde_json::from_value(Value::String(v.clone())).map_err(|_| {
                ReplayError::Unusable(format!(
                    "the recorded {field} {v:?} is not one tlsproof knows"
                ))
            })
        })
        .transpose()
}

/// The differences between the recorded results.json and the replayed record.
fn compare(recorded: &[u8], replayed: &crate::results::Report) -> Vec<Difference> {
    let before: Value = serde_json::from_slice(recorded).unwrap_or(Value::Null);
    let after = serde_json::to_value(replayed).unwrap_or(Value::Null);
    let mut out = results_differences(&before["results"], &after["results"]);
    for key in union_of_keys(&before, &after) {
        if key != "results" && before.get(&key) != after.get(&key) {
            out.push(Difference::Record {
                recorded: brief(before.get(&key).unwrap_or(&Value::Null)),
                replayed: brief(after.get(&key).unwrap_or(&Value::Null)),
                field: key,
            });
        }
    }
    if before.is_null() {
        out.push(Difference::Record {
            field: "results.json".into(),
            recorded: "not JSON".into(),
            replayed: "a result record".into(),
        });
    }
    out
}

/// A result's name: requirement, endpoint and the first place it cites.
fn name_of(r: &Value) -> String {
    let at = r["locations"]
        .get(0)
        .map(|l| format!(" at {}:{}", l["file"].as_str().unwrap_or(""), l["line"]))
        .unwrap_or_default();
    format!(
        "{} {}{at}",
        r["requirement"].as_str().unwrap_or("?"),
        r["endpoint"].as_str().unwrap_or("?")
    )
}

/// A result's requirement and endpoint: what it is about, wherever it cites.
fn subject_of(r: &Value) -> (&str, &str) {
    (
        r["requirement"].as_str().unwrap_or("?"),
        r["endpoint"].as_str().unwrap_or("?"),
    )
}

/// Pairs the results of both records: the same requirement, endpoint and place first, then the
/// same requirement and endpoint (a result that now cites another line); the rest are removed
/// or added.
fn results_differences(before: &Value, after: &Value) -> Vec<Difference> {
    let empty = Vec::new();
    let before = before.as_array().unwrap_or(&empty);
    let mut after: Vec<&Value> = after.as_array().unwrap_or(&empty).iter().collect();
    let mut unpaired: Vec<&Value> = Vec::new();
    let mut out = Vec::new();
    for b in before {
        match after.iter().position(|a| name_of(a) == name_of(b)) {
            Some(i) => out.extend(changed_fields(&name_of(b), b, after.remove(i))),
            None => unpaired.push(b),
        }
    }
    for b in unpaired {
        match after.iter().position(|a| subject_of(a) == subject_of(b)) {
            Some(i) => out.extend(changed_fields(&name_of(b), b, after.remove(i))),
            None => out.push(Difference::Removed {
                result: name_of(b),
                status: b["status"].as_str().unwrap_or("?").into(),
            }),
        }
    }
    out.extend(after.into_iter().map(|a| Difference::Added {
        result: name_of(a),
        status: a["status"].as_str().unwrap_or("?").into(),
    }));
    out
}

/// How one result differs: its status and message with both values, then the names of the
/// other fields that differ.
fn changed_fields(name: &str, before: &Value, after: &Value) -> Vec<Difference> {
    let differs = |k: &String| before.get(k) != after.get(k);
    let mut out: Vec<Difference> = ["status", "message"]
        .into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| Difference::Changed {
            result: name.to_string(),
            field: k.to_string(),
            recorded: brief(before.get(k).unwrap_or(&Value::Null)),
            replayed: brief(after.get(k).unwrap_or(&Value::Null)),
        })
        .collect();
    let others: Vec<String> = union_of_keys(before, after)
        .into_iter()
        .filter(|k| k != "status" && k != "message" && differs(k))
        .collect();
    if !others.is_empty() {
        out.push(Difference::Also {
            result: name.to_string(),
            fields: others,
        });
    }
    out
}

/// The keys of two objects, each once, in the order they come.
fn union_of_keys(a: &Value, b: &Value) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for object in [a, b].into_iter().filter_map(Value::as_object) {
        for k in object.keys() {
            if !keys.contains(k) {
                keys.push(k.clone());
            }
        }
    }
    keys
}

/// A value for a message: strings as they are, short values whole, long ones shortened.
fn brief(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Null => "absent".into(),
        other => other.to_string(),
    };
    if text.chars().count() > 200 {
        format!("{}…", text.chars().take(197).collect::<String>())
    } else {
        text
    }
}

/// A private temporary folder, removed when dropped.
struct Folder(PathBuf);

impl Folder {
    fn new() -> Result<Self, ReplayError> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("tlsproof-replay-{}-{stamp}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&dir).map_err(|source| ReplayError::Io {
            what: format!("creating {}", dir.display()),
            source,
        })?;
        Ok(Folder(dir))
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
