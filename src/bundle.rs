//! Stage 9 — the evidence bundle: write it, and verify that nothing in it changed.
//!
//! `manifest.json` lists the sha256 and size of every input file, every policy and every other
//! file of the bundle. Two bundles of the same input differ only in `created_at` (the clock is
//! passed in). Private keys are never copied: inputs are listed by hash, never embedded.

use crate::pipeline::Scan;
use crate::render::template::{self, InputRow};
use crate::schema::{self, Contract};
use crate::source::hex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;

pub const MANIFEST: &str = "manifest.json";
pub const FORMAT: &str = "tlsproof-bundle/1";

/// One hashed file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ToolEntry {
    pub name: String,
    pub version: String,
    /// The policy engine and its version.
    #[serde(default)]
    pub engine: String,
}

/// The bundle's table of contents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub tool: ToolEntry,
    pub control: String,
    pub verdict: String,
    pub created_at: String,
    pub scan_roots: Vec<String>,
    /// The exclusions and declared versions the verdict rests on.
    #[serde(default)]
    pub scope: crate::results::ScanScope,
    #[serde(default)]
    pub profile: String,
    #[serde(default)]
    pub environment: String,
    pub git_commit: Option<String>,
    pub policy_digest: String,
    pub policies: Vec<Entry>,
    pub inputs: Vec<Entry>,
    pub bundle_files: Vec<Entry>,
}

#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("{path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("rendering {what}: {message}")]
    Render { what: &'static str, message: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> BundleError + '_ {
    move |source| BundleError::Io {
        path: path.display().to_string(),
        source,
    }
}

fn entry(path: &str, bytes: &[u8]) -> Entry {
    Entry {
        path: path.to_string(),
        sha256: hex(&Sha256::digest(bytes)),
        bytes: bytes.len() as u64,
        kind: None,
        role: None,
    }
}

fn pretty<T: Serialize>(v: &T, what: &'static str) -> Result<Vec<u8>, BundleError> {
    let mut s = serde_json::to_string_pretty(v).map_err(|e| BundleError::Render {
        what,
        message: e.to_string(),
    })?;
    s.push('\n');
    Ok(s.into_bytes())
}

/// The commit of the git repository holding `root`, read from `.git` without running git.
pub fn git_commit(root: &Path) -> Option<String> {
    let start = root.canonicalize().ok()?;
    let git = start
        .ancestors()
        .map(|a| a.join(".git"))
        .find(|g| g.is_dir())?;
    let head = std::fs::read_to_string(git.join("HEAD")).ok()?;
    let head = head.trim();
    let commit = match head.strip_prefix("ref: ") {
        Some(r) => std::fs::read_to_string(git.join(r))
            .ok()
            .map(|s| s.trim().to_string())
            .or_else(|| {
                let packed = std::fs::read_to_string(git.join("packed-refs")).ok()?;
                packed
                    .lines()
                    .find(|l| l.ends_with(r))
                    .and_then(|l| l.split_whitespace().next())
                    .map(str::to_string)
            })?,
        None => head.to_string(),
    };
    (commit.len() == 40 && commit.chars().all(|c| c.is_ascii_hexdigit())).then_some(commit)
}

/// Writes the bundle into `out` (created if needed) and returns its manifest.
pub fn write(scan: &Scan, out: &Path, created_at: &str) -> Result<Manifest, BundleError> {
    std::fs::create_dir_all(out).map_err(io(out))?;

    let mut inputs: Vec<Entry> = scan
        .model
        .sources
        .iter()
        .map(|s| Entry {
            path: s.path.clone(),
            sha256: s.sha256.clone(),
            bytes: s.bytes,
            kind: Some(s.kind.clone()),
            role: s.role.clone(),
        })
        .collect();
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    let mut policies: Vec<Entry> = scan
        .policies
        .files
        .iter()
        .map(|p| Entry {
            kind: Some("policy".into()),
            role: Some(match &p.overridden_from {
                Some(from) => format!("override from {from}"),
                None => "built-in".into(),
            }),
            ..entry(&p.path, p.source.as_bytes())
        })
        .collect();
    policies.sort_by(|a, b| a.path.cmp(&b.path));

    let rows: Vec<InputRow> = inputs
        .iter()
        .map(|i| InputRow {
            path: i.path.clone(),
            sha256: i.sha256.clone(),
            bytes: i.bytes,
        })
        .collect();
    let report_md =
        template::report_markdown(scan, &rows, created_at).map_err(|e| BundleError::Render {
            what: "report.md",
            message: format!("{e:#}"),
        })?;

    let mut files: Vec<(&str, Vec<u8>)> = vec![
        ("results.json", pretty(&scan.report, "results.json")?),
        ("model.json", pretty(&scan.model, "model.json")?),
        ("report.md", report_md.into_bytes()),
        (
            "report.html",
            crate::render::html::report_html(scan, &rows, created_at)
                .map_err(|e| BundleError::Render {
                    what: "report.html",
                    message: format!("{e:#}"),
                })?
                .into_bytes(),
        ),
        (
            "results.sarif",
            crate::render::pretty_json(&crate::render::sarif::sarif(scan)).into_bytes(),
        ),
        (
            "junit.xml",
            crate::render::junit::junit(&scan.report, created_at).into_bytes(),
        ),
        (
            crate::render::oscal::RESULTS_FILE,
            crate::render::pretty_json(&crate::render::oscal::assessment_results(
                scan, &rows, created_at,
            ))
            .into_bytes(),
        ),
        (
            crate::render::oscal::PLAN_FILE,
            crate::render::pretty_json(&crate::render::oscal::assessment_plan(scan, created_at))
                .into_bytes(),
        ),
    ];
    // The live observations (`--probe`), on their own for the auditor and the manifest.
    if !scan.model.observations.is_empty() {
        let observations = serde_json::json!({ "observations": scan.model.observations });
        files.push((
            "observations.json",
            pretty(&observations, "observations.json")?,
        ));
    }
    let mut bundle_files = Vec::new();
    for (name, bytes) in &files {
        let path = out.join(name);
        std::fs::write(&path, bytes).map_err(io(&path))?;
        bundle_files.push(entry(name, bytes));
    }

    let manifest = Manifest {
        format: FORMAT.into(),
        tool: ToolEntry {
            name: "tlsproof".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            engine: scan.report.tool.engine.clone(),
        },
        control: crate::results::CONTROL.into(),
        verdict: scan.report.verdict.as_str().into(),
        created_at: created_at.into(),
        scan_roots: scan.roots.clone(),
        scope: scan.report.scope.clone(),
        profile: scan.report.profile.clone(),
        environment: scan.report.environment.clone(),
        git_commit: scan.report.scope.git_commit.clone(),
        policy_digest: scan.policies.digest(),
        policies,
        inputs,
        bundle_files,
    };
    let path = out.join(MANIFEST);
    std::fs::write(&path, pretty(&manifest, MANIFEST)?).map_err(io(&path))?;
    Ok(manifest)
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verification {
    /// Files whose bytes no longer match (or that are missing, or unexpected), with the reason.
    pub problems: Vec<(String, String)>,
    /// Files checked and found intact.
    pub intact: Vec<String>,
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Recomputes every hash of a bundle. With `inputs_root`, the input files are re-hashed too.
pub fn verify(dir: &Path, inputs_root: Option<&Path>) -> Result<Verification, BundleError> {
    let mut v = Verification::default();
    let manifest_path = dir.join(MANIFEST);
    let raw = std::fs::read(&manifest_path).map_err(io(&manifest_path))?;
    let manifest: Manifest = match serde_json::from_slice(&raw) {
        Ok(m) => m,
        Err(e) => {
            v.problems
                .push((MANIFEST.into(), format!("not a valid manifest: {e}")));
            return Ok(v);
        }
    };
    // The manifest is written in one canonical form; any other byte sequence was edited.
    match pretty(&manifest, MANIFEST) {
        Ok(canonical) if canonical == raw => v.intact.push(MANIFEST.into()),
        _ => v.problems.push((
            MANIFEST.into(),
            "bytes differ from the form tlsproof writes: the manifest was edited".into(),
        )),
    }
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(&raw) {
        if let Err(errors) = schema::validate(Contract::Manifest, &value) {
            v.problems.push((
                MANIFEST.into(),
                format!("does not match its schema: {}", errors.join("; ")),
            ));
        }
    }

    let mut listed: Vec<&str> = vec![MANIFEST];
    for e in &manifest.bundle_files {
        listed.push(&e.path);
        // Paths in a manifest are plain file names; anything else is not ours.
        if e.path.contains('/') || e.path.contains('\\') || e.path.starts_with('.') {
            v.problems
                .push((e.path.clone(), "not a bundle file name".into()));
            continue;
        }
        check(&mut v, &dir.join(&e.path), e, &e.path);
    }
    if let Some(root) = inputs_root {
        for e in &manifest.inputs {
            let label = format!("input {}", e.path);
            check(&mut v, &root.join(&e.path), e, &label);
        }
    }
    // Files added to the bundle after it was made.
    if let Ok(rd) = std::fs::read_dir(dir) {
        let mut extra: Vec<String> = rd
            .filter_map(Result::ok)
            .map(|d| d.file_name().to_string_lossy().into_owned())
            .filter(|n| !listed.contains(&n.as_str()))
            .collect();
        extra.sort();
        for n in extra {
            v.problems.push((n, "not listed in the manifest".into()));
        }
    }
    Ok(v)
}

fn check(v: &mut Verification, path: &Path, e: &Entry, label: &str) {
    match std::fs::read(path) {
        Ok(bytes) => {
            let got = entry(&e.path, &bytes);
            if got.sha256 == e.sha256 && got.bytes == e.bytes {
                v.intact.push(label.to_string());
            } else {
                v.problems.push((
                    label.to_string(),
                    format!(
                        "changed: sha256 {} ({} bytes), manifest says {} ({} bytes)",
                        got.sha256, got.bytes, e.sha256, e.bytes
                    ),
                ));
            }
        }
        Err(err) => v
            .problems
            .push((label.to_string(), format!("missing: {err}"))),
    }
}
