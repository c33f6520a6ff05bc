//! Stage 9 — the evidence bundle: write it, and verify that nothing in it changed.
//!
//! `manifest.json` lists the sha256 and size of every input file, every policy and every other
//! file of the bundle. Two bundles of the same input differ only in `created_at` (the clock is
//! passed in). Inputs are listed by hash; with `--include-inputs` they are also copied
//! ([`inputs`]), private keys never.

pub mod inputs;

use crate::attest;
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
    /// The repository an input belongs to, in an organization record.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub repository: Option<String>,
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
    /// With `--include-inputs`: what `tlsproof replay` needs to scan the copies again.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub replay: Option<ReplayRecord>,
}

/// What a bundle written with `--include-inputs` records to scan its copied inputs again as the
/// recorded run did; results.json records the rest (profile, environment, versions, exclusions,
/// roots, commit) and the copied policies are the ones the results came from.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct ReplayRecord {
    /// Where each scanned root's files are in the bundle (`inputs`, `inputs/<root>`), in the
    /// order of `scan_roots`; empty for a root that could not be copied.
    pub roots: Vec<String>,
    /// The scanned folder's path inside its project (`deploy/nginx`), when the scan took
    /// tlsproof.toml or the claims file from above it: the copies keep the project's layout.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub project: Option<String>,
    /// `--profile` as given (tlsproof.toml, copied among the inputs, gives it otherwise).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub profile: Option<String>,
    /// `--environment` as given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub environment: Option<String>,
    /// `--nginx-version`, `--caddy-version`, `--traefik-version` as given, by product.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty", default)]
    pub versions: std::collections::BTreeMap<String, String>,
    /// The evaluation time the results depend on (model.json's `evaluated_at`); absent when
    /// no certificate date or claim was judged.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub at: Option<String>,
    /// `--exclude` as given (results.json's scope lists tlsproof.toml's globs before them).
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub exclude: Vec<String>,
    /// `--strict` as given.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub strict: Vec<String>,
    /// The copy of the `--exceptions` file, when one was given.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub exceptions: Option<String>,
    /// Each `--observations` file as given and its copy.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub observations: Vec<inputs::GivenFile>,
    /// Each `--ca-file` as given and its copy.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub ca_files: Vec<inputs::GivenFile>,
    /// `--probe` was given: the live observations cannot be made again.
    #[serde(skip_serializing_if = "std::ops::Not::not", default)]
    pub probe: bool,
    /// The files read, or named as private keys, that the bundle does not hold, with the reason.
    pub excluded: Vec<inputs::Excluded>,
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
        repository: None,
    }
}

pub(crate) fn pretty<T: Serialize>(v: &T, what: &'static str) -> Result<Vec<u8>, BundleError> {
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

/// The URL of the `origin` remote of the git repository holding `root` (read from
/// `.git/config`, any user name or password in it left out), as the record names the
/// repository.
pub fn git_remote(root: &Path) -> Option<String> {
    let start = root.canonicalize().ok()?;
    let git = start
        .ancestors()
        .map(|a| a.join(".git"))
        .find(|g| g.is_dir())?;
    let config = crate::source::read_regular(&git.join("config"), 1 << 20).ok()?;
    let config = String::from_utf8_lossy(&config);
    let mut in_origin = false;
    for line in config.lines().map(str::trim) {
        if line.starts_with('[') {
            in_origin = line == "[remote \"origin\"]";
        } else if let Some(url) = line
            .strip_prefix("url")
            .map(str::trim_start)
            .and_then(|l| l.strip_prefix('='))
            .filter(|_| in_origin)
        {
            return Some(without_credentials(url.trim())).filter(|u| !u.is_empty());
        }
    }
    None
}

/// A URL without its user information (`https://user:token@host/x` → `https://host/x`).
fn without_credentials(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_string(),
    }
}

/// Writes the bundle into `out` (created if needed) and returns its manifest.
pub fn write(scan: &Scan, out: &Path, created_at: &str) -> Result<Manifest, BundleError> {
    write_with(scan, out, created_at, None)
}

/// Writes the bundle; with `include`, the inputs, certificates, policies and CA files are
/// copied into it and the options that replay needs are recorded.
pub fn write_with(
    scan: &Scan,
    out: &Path,
    created_at: &str,
    include: Option<&inputs::Given>,
) -> Result<Manifest, BundleError> {
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
            repository: None,
        })
        .collect();
    inputs.sort_by(|a, b| a.path.cmp(&b.path));
    let parts = Parts {
        model: pretty(&scan.model, "model.json")?,
        inputs,
        kept: Vec::new(),
    };
    write_parts(scan, parts, out, created_at, include)
}

/// What a bundle holds besides the views of its record.
pub struct Parts {
    /// `model.json`'s bytes.
    pub model: Vec<u8>,
    /// The input files, sorted by repository and path.
    pub inputs: Vec<Entry>,
    /// Other files kept as they are (the manifests of the bundles a merged bundle unites).
    pub kept: Vec<(String, Vec<u8>)>,
}

/// Writes a bundle of `scan`'s record with `parts` into `out` (created if needed) and returns
/// its manifest.
pub fn write_parts(
    scan: &Scan,
    parts: Parts,
    out: &Path,
    created_at: &str,
    include: Option<&inputs::Given>,
) -> Result<Manifest, BundleError> {
    std::fs::create_dir_all(out).map_err(io(out))?;
    let copies = include
        .map(|given| inputs::collect(scan, given))
        .transpose()?;
    let Parts {
        model,
        inputs,
        kept,
    } = parts;
    let policies: Vec<Entry> = scan.report.tool.policies.iter().map(policy_entry).collect();

    let rows = input_rows(&inputs, copies.as_ref());
    // Each file is written as soon as it is made, so that one view at a time is in memory.
    let mut bundle_files = Vec::new();
    let mut put = |name: &str, bytes: Vec<u8>| -> Result<(), BundleError> {
        let path = out.join(name);
        std::fs::write(&path, &bytes).map_err(io(&path))?;
        bundle_files.push(entry(name, &bytes));
        Ok(())
    };
    let rendered = |what: &'static str| {
        move |e: minijinja::Error| BundleError::Render {
            what,
            message: format!("{e:#}"),
        }
    };
    put("results.json", pretty(&scan.report, "results.json")?)?;
    put("model.json", model)?;
    let report_md =
        template::report_markdown(scan, &rows, created_at).map_err(rendered("report.md"))?;
    put("report.md", report_md.into_bytes())?;
    let report_html = crate::render::html::report_html(scan, &rows, created_at)
        .map_err(rendered("report.html"))?;
    put("report.html", report_html.into_bytes())?;
    put(
        "results.sarif",
        crate::render::pretty_json(&crate::render::sarif::sarif(scan)).into_bytes(),
    )?;
    put(
        "junit.xml",
        crate::render::junit::junit(&scan.report, created_at).into_bytes(),
    )?;
    put(
        crate::render::oscal::RESULTS_FILE,
        crate::render::pretty_json(&crate::render::oscal::assessment_results(
            scan, &rows, created_at,
        ))
        .into_bytes(),
    )?;
    put(
        crate::render::oscal::PLAN_FILE,
        crate::render::pretty_json(&crate::render::oscal::assessment_plan(scan, created_at))
            .into_bytes(),
    )?;
    // The live observations (`--probe`), on their own for the auditor and the manifest.
    if !scan.model.observations.is_empty() {
        let observations = serde_json::json!({ "observations": scan.model.observations });
        put(
            "observations.json",
            pretty(&observations, "observations.json")?,
        )?;
    }
    for (name, bytes) in kept {
        put(&name, bytes)?;
    }
    let mut replay = None;
    if let Some(copies) = copies {
        for (e, bytes) in &copies.files {
            let path = out.join(&e.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(&path, bytes).map_err(io(&path))?;
        }
        bundle_files.extend(copies.files.into_iter().map(|(e, _)| e));
        replay = Some(copies.record);
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
        policy_digest: scan.report.tool.policy_digest.clone(),
        policies,
        inputs,
        bundle_files,
        replay,
    };
    let path = out.join(MANIFEST);
    std::fs::write(&path, pretty(&manifest, MANIFEST)?).map_err(io(&path))?;
    Ok(manifest)
}

/// The report's table of inputs: every input file, and with copies, whether the bundle holds
/// it, and the excluded files that are not inputs (the private keys named).
fn input_rows(inputs: &[Entry], copies: Option<&inputs::Copies>) -> Vec<InputRow> {
    let excluded =
        |path: &str| copies.and_then(|c| c.record.excluded.iter().find(|x| x.path == path));
    let mut rows: Vec<InputRow> = inputs
        .iter()
        .map(|i| InputRow {
            path: i.path.clone(),
            sha256: i.sha256.clone(),
            bytes: i.bytes,
            repository: i.repository.clone(),
            in_bundle: copies.map(|c| match excluded(&i.path) {
                Some(x) => format!("not copied: {}", x.reason),
                None => inputs::copy_path(&i.path, c.record.project.as_deref()).unwrap_or_default(),
            }),
        })
        .collect();
    if let Some(c) = copies {
        // The certificates and CA files read beside the inputs, and their copies.
        for (e, _) in &c.files {
            let read_beside = matches!(
                e.kind.as_deref(),
                Some(inputs::KIND_CERTIFICATE | inputs::KIND_CA_FILE)
            );
            if read_beside {
                let given = c.record.ca_files.iter().find(|f| f.copy == e.path);
                let path = match given {
                    Some(f) => f.given.clone(),
                    None => e.path.trim_start_matches("inputs/").to_string(),
                };
                rows.push(InputRow {
                    repository: None,
                    path,
                    sha256: e.sha256.clone(),
                    bytes: e.bytes,
                    in_bundle: Some(e.path.clone()),
                });
            }
        }
        for x in &c.record.excluded {
            if !inputs.iter().any(|i| i.path == x.path) {
                rows.push(InputRow {
                    repository: None,
                    path: x.path.clone(),
                    sha256: String::new(),
                    bytes: 0,
                    in_bundle: Some(format!("not copied: {}", x.reason)),
                });
            }
        }
    }
    rows
}

/// A policy file of the result record as the manifest lists it.
fn policy_entry(p: &crate::results::PolicyRecord) -> Entry {
    Entry {
        path: p.path.clone(),
        sha256: p.sha256.clone(),
        bytes: p.bytes,
        kind: Some("policy".into()),
        role: Some(p.role.clone()),
        repository: None,
    }
}

/// Signs a written bundle: `attestation.dsse.json`, an in-toto statement whose subjects are the
/// manifest and every file it lists, in a DSSE envelope signed with `key`.
pub fn sign(
    scan: &Scan,
    out: &Path,
    manifest: &Manifest,
    key: &attest::SigningKey,
) -> Result<(), BundleError> {
    let manifest_path = out.join(MANIFEST);
    let mut subjects = vec![subject(&manifest_path, MANIFEST)?];
    for e in &manifest.bundle_files {
        subjects.push(subject(&out.join(&e.path), &e.path)?);
    }
    let predicate = attest::Predicate {
        control: manifest.control.clone(),
        verdict: manifest.verdict.clone(),
        counts: scan.report.summary.clone(),
        policy_digest: manifest.policy_digest.clone(),
        tool: manifest.tool.clone(),
        scan_roots: manifest.scan_roots.clone(),
        git_commit: manifest.git_commit.clone(),
        profile: manifest.profile.clone(),
        environment: manifest.environment.clone(),
        evaluated_at: scan.model.evaluated_at.clone(),
        created_at: manifest.created_at.clone(),
    };
    let value = serde_json::to_value(&predicate).map_err(|e| BundleError::Render {
        what: attest::FILE,
        message: e.to_string(),
    })?;
    schema::validate(Contract::EvidencePredicate, &value).map_err(|errors| {
        BundleError::Render {
            what: attest::FILE,
            message: format!(
                "the predicate does not match its schema: {}",
                errors.join("; ")
            ),
        }
    })?;
    let envelope = attest::seal(&attest::Statement::new(subjects, value), key).map_err(|e| {
        BundleError::Render {
            what: attest::FILE,
            message: e.to_string(),
        }
    })?;
    let path = out.join(attest::FILE);
    std::fs::write(&path, envelope).map_err(io(&path))
}

/// A written file as a subject of the statement: its name and sha256, read back from disk so
/// that the signature covers the bytes the bundle holds.
fn subject(path: &Path, name: &str) -> Result<attest::Subject, BundleError> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    Ok(attest::Subject::new(name, &hex(&Sha256::digest(&bytes))))
}

/// What `verify` found.
#[derive(Debug, Default)]
pub struct Verification {
    /// Files whose bytes no longer match (or that are missing, or unexpected), and manifest
    /// claims that the bundle's other files contradict, with the reason.
    pub problems: Vec<(String, String)>,
    /// Files checked and found intact.
    pub intact: Vec<String>,
    /// Whether the bundle's author was checked.
    pub authorship: Authorship,
}

/// Who wrote the bundle, as far as `verify` could tell.
#[derive(Debug, Default, PartialEq, Eq)]
pub enum Authorship {
    /// No key was given and the bundle is not signed: integrity was checked, authorship was
    /// not.
    #[default]
    NotChecked,
    /// No key was given; the bundle carries an attestation naming these key ids, unchecked.
    Unverified { keyid: String },
    /// The attestation's signature verifies with the key given, and its subjects are exactly
    /// the bundle's files.
    Verified { keyid: String },
    /// A key was given and the bundle's signature does not prove it.
    Refused { why: String },
}

impl Verification {
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && !matches!(self.authorship, Authorship::Refused { .. })
    }

    fn problem(&mut self, file: &str, why: impl Into<String>) {
        self.problems.push((file.to_string(), why.into()));
    }
}

/// What `verify` checks beyond the bundle's own files.
#[derive(Debug, Default, Clone, Copy)]
pub struct Checks<'a> {
    /// Re-hash the input files, found relative to this directory.
    pub inputs_root: Option<&'a Path>,
    /// Check the attestation's signature with this key.
    pub key: Option<&'a attest::PublicKey>,
}

/// Recomputes every hash of a bundle. With `inputs_root`, the input files are re-hashed too.
pub fn verify(dir: &Path, inputs_root: Option<&Path>) -> Result<Verification, BundleError> {
    verify_with(
        dir,
        &Checks {
            inputs_root,
            key: None,
        },
    )
}

/// Verifies a bundle directory: its files against the manifest, the manifest's claims against
/// the other files, and, with a key, the signature over all of them.
pub fn verify_with(dir: &Path, checks: &Checks) -> Result<Verification, BundleError> {
    let contents = Contents::read(dir)?;
    let Some(manifest) = contents.get(MANIFEST) else {
        if let Some((_, why)) = contents.unusable.iter().find(|(n, _)| n == MANIFEST) {
            let mut v = Verification::default();
            v.problem(MANIFEST, why.clone());
            return Ok(v);
        }
        // No manifest: not a bundle, an I/O error as before any check.
        let path = dir.join(MANIFEST);
        return Err(io(&path)(std::io::ErrorKind::NotFound.into()));
    };
    let mut v = judge(&contents, &manifest.bytes, checks.key);
    if let (Some(root), Ok(m)) = (
        checks.inputs_root,
        serde_json::from_slice::<Manifest>(&manifest.bytes),
    ) {
        for e in &m.inputs {
            let label = format!("input {}", e.path);
            check_input(&mut v, &root.join(&e.path), e, &label);
        }
    }
    Ok(v)
}

/// The most bytes `verify` reads of one bundle file, and the most files it reads.
const MAX_FILE_BYTES: u64 = 1 << 30;
const MAX_FILES: usize = 100_000;

/// A bundle directory read once: each plain file's bytes and digest, and what the record files
/// say about the run.
pub struct Contents {
    files: std::collections::BTreeMap<String, Content>,
    /// Entries that cannot be a bundle file (directories, symbolic links, unreadable or too
    /// large files), with the reason.
    unusable: Vec<(String, String)>,
    recorded: Recorded,
}

struct Content {
    bytes: Vec<u8>,
    sha256: String,
}

/// The bundle's record files, parsed: what the manifest's claims are compared with.
#[derive(Default)]
struct Recorded {
    results: Option<serde_json::Value>,
    /// What decides results.json's verdict and counts, or why it cannot be read.
    report: Option<Result<RecordStatuses, String>>,
    model: Option<serde_json::Value>,
    oscal: Option<serde_json::Value>,
    /// The requirements the copied policies declare (`policies/`).
    requirements: std::collections::BTreeSet<String>,
}

impl Contents {
    /// Reads every entry of `dir` (no symbolic link followed, each file bounded).
    pub fn read(dir: &Path) -> Result<Self, BundleError> {
        let mut files = std::collections::BTreeMap::new();
        let mut unusable = Vec::new();
        // The copy folders are walked (no symbolic link followed); any other folder is not a
        // bundle file.
        let mut folders = vec![(dir.to_path_buf(), String::new())];
        let mut walked = 0usize;
        'walk: while let Some((folder, prefix)) = folders.pop() {
            for d in std::fs::read_dir(&folder).map_err(io(&folder))? {
                let d = d.map_err(io(&folder))?;
                let name = format!("{prefix}{}", d.file_name().to_string_lossy());
                walked += 1;
                if walked > MAX_FILES {
                    unusable.push((name, format!("more than {MAX_FILES} entries: not read")));
                    break 'walk;
                }
                let is_folder = d.file_type().is_ok_and(|t| t.is_dir());
                let copies = prefix.is_empty() && inputs::COPY_DIRS.contains(&name.as_str());
                if is_folder && (copies || !prefix.is_empty()) {
                    folders.push((d.path(), format!("{name}/")));
                    continue;
                }
                match read_plain(&d.path()) {
                    Ok(bytes) => {
                        let sha256 = hex(&Sha256::digest(&bytes));
                        files.insert(name, Content { bytes, sha256 });
                    }
                    Err(why) => unusable.push((name, why)),
                }
            }
        }
        unusable.sort();
        let json = |name: &str| -> Option<serde_json::Value> {
            let c: &Content = files.get(name)?;
            serde_json::from_slice(&c.bytes).ok()
        };
        let report = files.get(RESULTS).map(|c: &Content| {
            serde_json::from_slice::<RecordStatuses>(&c.bytes).map_err(|e| e.to_string())
        });
        let recorded = Recorded {
            results: json(RESULTS),
            report,
            model: json(MODEL),
            oscal: json(crate::render::oscal::RESULTS_FILE),
            requirements: inputs::declared_requirements(&files),
        };
        Ok(Contents {
            files,
            unusable,
            recorded,
        })
    }

    fn get(&self, name: &str) -> Option<&Content> {
        self.files.get(name)
    }

    /// The bytes of the bundle file `name`.
    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.get(name).map(|c| c.bytes.as_slice())
    }

    /// The sha256 of the bundle file `name`, lowercase hex.
    pub fn sha256(&self, name: &str) -> Option<&str> {
        self.get(name).map(|c| c.sha256.as_str())
    }
}

/// A plain file's bytes, at most `MAX_FILE_BYTES`; anything else is named.
fn read_plain(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("unreadable: {e}"))?;
    if !meta.file_type().is_file() {
        return Err("not a plain file (a directory or a symbolic link)".into());
    }
    let file = std::fs::File::open(path).map_err(|e| format!("unreadable: {e}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| format!("unreadable: {e}"))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(format!("larger than {MAX_FILE_BYTES} bytes: not read"));
    }
    Ok(bytes)
}

const RESULTS: &str = "results.json";
const MODEL: &str = "model.json";

/// The files whose content the manifest's claims are compared with: a manifest that drops one
/// from its list would escape the comparison.
const RECORD_FILES: &[&str] = &[RESULTS, MODEL, crate::render::oscal::RESULTS_FILE];

/// Judges `manifest` (the bytes of a manifest.json) against the bundle's other files: every
/// listed file's digest, no file added, every claim the manifest makes compared with the file
/// that records it, and, with `key`, the attestation's signature and subjects.
pub fn judge(
    contents: &Contents,
    manifest: &[u8],
    key: Option<&attest::PublicKey>,
) -> Verification {
    let mut v = Verification::default();
    for (name, why) in &contents.unusable {
        v.problem(name, why.clone());
    }
    if let Some(m) = parse_manifest(&mut v, manifest) {
        check_listed_files(&mut v, contents, &m);
        check_claims(&mut v, contents, &m);
        inputs::check_copies(&mut v, contents, &m);
    }
    check_record(&mut v, &contents.recorded);
    check_merged(&mut v, contents);
    if !v.problems.iter().any(|(file, _)| file == MANIFEST) {
        v.intact.push(MANIFEST.into());
    }
    check_attestation(&mut v, contents, key);
    v
}

/// The manifest; a problem unless it is exactly the bytes tlsproof writes for a manifest that
/// satisfies its schema (any other byte sequence was edited); `None` if it cannot be read.
fn parse_manifest(v: &mut Verification, raw: &[u8]) -> Option<Manifest> {
    let manifest: Manifest = match serde_json::from_slice(raw) {
        Ok(m) => m,
        Err(e) => {
            v.problem(MANIFEST, format!("not a valid manifest: {e}"));
            return None;
        }
    };
    let canonical = matches!(pretty(&manifest, MANIFEST), Ok(c) if c == raw);
    if !canonical {
        v.problem(
            MANIFEST,
            "bytes differ from the form tlsproof writes: the manifest was edited",
        );
    }
    let schema = serde_json::from_slice::<serde_json::Value>(raw)
        .map_err(|e| vec![e.to_string()])
        .and_then(|value| schema::validate(Contract::Manifest, &value));
    if let Err(errors) = &schema {
        v.problem(
            MANIFEST,
            format!("does not match its schema: {}", errors.join("; ")),
        );
    }
    Some(manifest)
}

/// Every file the manifest lists is there with its digest; every file there is listed (the
/// attestation aside, which covers the manifest and so cannot be listed in it).
fn check_listed_files(v: &mut Verification, contents: &Contents, m: &Manifest) {
    let mut listed: Vec<&str> = vec![MANIFEST, attest::FILE];
    for e in &m.bundle_files {
        // Paths in a manifest are plain file names or copies in their folders; anything else
        // is not ours.
        if !inputs::is_bundle_path(&e.path) {
            v.problem(&e.path, "not a bundle file name");
            continue;
        }
        if listed.contains(&e.path.as_str()) {
            v.problem(&e.path, "listed twice in the manifest");
            continue;
        }
        listed.push(&e.path);
        match contents.get(&e.path) {
            Some(c) if c.sha256 == e.sha256 && c.bytes.len() as u64 == e.bytes => {
                v.intact.push(e.path.clone())
            }
            Some(c) => v.problem(
                &e.path,
                format!(
                    "changed: sha256 {} ({} bytes), manifest says {} ({} bytes)",
                    c.sha256,
                    c.bytes.len(),
                    e.sha256,
                    e.bytes
                ),
            ),
            None => v.problem(
                &e.path,
                "missing: listed in the manifest, not in the bundle",
            ),
        }
    }
    for name in RECORD_FILES {
        if !listed.contains(name) {
            v.problem(
                name,
                "not listed in the manifest: every bundle records its results, model and assessment",
            );
        }
    }
    for name in contents.files.keys() {
        if !listed.contains(&name.as_str()) {
            v.problem(name, "not listed in the manifest");
        }
    }
}

/// One claim of the manifest and where the bundle records the same fact.
struct Claim {
    field: &'static str,
    claimed: serde_json::Value,
    file: &'static str,
    recorded: Option<serde_json::Value>,
}

/// Every field of the manifest but the file lists (checked by digest) and `format` (checked by
/// the schema), each beside the fact the results, the model or the assessment records.
fn claims(m: &Manifest, r: &Recorded) -> Vec<Claim> {
    use serde_json::{json, Value};
    let at =
        |doc: &Option<Value>, pointer: &str| doc.as_ref().and_then(|d| d.pointer(pointer)).cloned();
    let results = |pointer: &str| at(&r.results, pointer);
    // The result record names the policy files without their kind: every one is a policy.
    let policies = results("/tool/policies").map(|list| {
        let records: Vec<crate::results::PolicyRecord> =
            serde_json::from_value(list).unwrap_or_default();
        json!(records.iter().map(policy_entry).collect::<Vec<_>>())
    });
    // The model's sources are the inputs; it may record more about each than the manifest.
    let inputs = at(&r.model, "/sources").map(|list| {
        let entries: Vec<Entry> = serde_json::from_value(list).unwrap_or_default();
        json!(entries)
    });
    let claim = |field, claimed: Value, file, recorded| Claim {
        field,
        claimed,
        file,
        recorded,
    };
    vec![
        claim(
            "tool.name",
            json!(m.tool.name),
            RESULTS,
            results("/tool/name"),
        ),
        claim(
            "tool.version",
            json!(m.tool.version),
            RESULTS,
            results("/tool/version"),
        ),
        claim(
            "tool.engine",
            json!(m.tool.engine),
            RESULTS,
            results("/tool/engine"),
        ),
        claim("control", json!(m.control), RESULTS, results("/control")),
        claim("verdict", json!(m.verdict), RESULTS, results("/verdict")),
        claim("profile", json!(m.profile), RESULTS, results("/profile")),
        claim(
            "environment",
            json!(m.environment),
            RESULTS,
            results("/environment"),
        ),
        claim("scope", json!(m.scope), RESULTS, results("/scope")),
        claim(
            "scan_roots",
            json!(m.scan_roots),
            RESULTS,
            results("/scope/roots"),
        ),
        // An absent commit is recorded by leaving the field out.
        claim(
            "git_commit",
            json!(m.git_commit),
            RESULTS,
            r.results
                .as_ref()
                .map(|_| results("/scope/git_commit").unwrap_or(Value::Null)),
        ),
        claim(
            "policy_digest",
            json!(m.policy_digest),
            RESULTS,
            results("/tool/policy_digest"),
        ),
        claim("policies", json!(m.policies), RESULTS, policies),
        claim("inputs", json!(m.inputs), MODEL, inputs),
        claim(
            "created_at",
            json!(m.created_at),
            crate::render::oscal::RESULTS_FILE,
            at(&r.oscal, "/assessment-results/metadata/last-modified"),
        ),
    ]
}

/// Names every manifest claim that the file recording the same fact contradicts.
fn check_claims(v: &mut Verification, contents: &Contents, m: &Manifest) {
    for c in claims(m, &contents.recorded) {
        match c.recorded {
            Some(recorded) if recorded == c.claimed => {}
            Some(recorded) => v.problem(
                MANIFEST,
                format!(
                    "{} is {}, but {} records {}",
                    c.field,
                    brief(&c.claimed),
                    c.file,
                    brief(&recorded)
                ),
            ),
            None => v.problem(
                MANIFEST,
                format!(
                    "{} cannot be checked: {} does not record it",
                    c.field, c.file
                ),
            ),
        }
    }
}

/// The parts of a result record that decide its verdict and counts.
#[derive(Deserialize)]
struct RecordStatuses {
    verdict: crate::results::Verdict,
    summary: crate::results::Summary,
    results: Vec<StatusOnly>,
    findings: Vec<SeverityOnly>,
    #[serde(default)]
    repositories: Vec<RepositoryStatus>,
    #[serde(default)]
    scope: crate::results::ScanScope,
}

#[derive(Deserialize)]
struct StatusOnly {
    status: crate::results::Status,
    endpoint: String,
    #[serde(default)]
    repository: Option<String>,
}

#[derive(Deserialize)]
struct SeverityOnly {
    severity: crate::diag::FindingSeverity,
    #[serde(default)]
    repository: Option<String>,
}

/// What an organization record says of one repository.
#[derive(Deserialize)]
struct RepositoryStatus {
    repository: String,
    verdict: crate::results::Verdict,
    summary: crate::results::Summary,
}

/// The result record agrees with itself: its verdict and counts are the ones its results give,
/// and so is each repository's of an organization record.
fn check_record(v: &mut Verification, recorded: &Recorded) {
    let report = match &recorded.report {
        Some(Ok(report)) => report,
        Some(Err(e)) => return v.problem(RESULTS, format!("not a result record: {e}")),
        None => return,
    };
    // The server endpoints are the model's: a result about anything else (a client's URL)
    // cannot satisfy the control alone.
    let endpoints: Vec<&serde_json::Value> = recorded
        .model
        .as_ref()
        .and_then(|m| m["endpoints"].as_array())
        .map(|eps| eps.iter().collect())
        .unwrap_or_default();
    let everything = |_: Option<&str>| true;
    check_statuses(
        v,
        report,
        &endpoints,
        "",
        report.verdict,
        &report.summary,
        everything,
    );
    for r in &report.repositories {
        let name = Some(r.repository.as_str());
        check_statuses(
            v,
            report,
            &endpoints,
            &format!("repository {}: ", r.repository),
            r.verdict,
            &r.summary,
            |repository| repository == name,
        );
    }
}

/// The verdict and counts recorded for the results, findings and endpoints `of` selects (by
/// their repository) are those they give; `what` names the part in a problem.
fn check_statuses(
    v: &mut Verification,
    report: &RecordStatuses,
    endpoints: &[&serde_json::Value],
    what: &str,
    verdict: crate::results::Verdict,
    summary: &crate::results::Summary,
    of: impl Fn(Option<&str>) -> bool,
) {
    use crate::results::{verdict_of, Status};
    let results: Vec<&StatusOnly> = report
        .results
        .iter()
        .filter(|r| of(r.repository.as_deref()))
        .collect();
    let severities: Vec<_> = report
        .findings
        .iter()
        .filter(|f| of(f.repository.as_deref()))
        .map(|f| f.severity)
        .collect();
    let servers: std::collections::BTreeSet<&str> = endpoints
        .iter()
        .filter(|e| of(e["repository"].as_str()))
        .filter_map(|e| e["id"].as_str())
        .collect();
    let judged: Vec<(Status, bool)> = results
        .iter()
        .map(|r| (r.status, servers.contains(r.endpoint.as_str())))
        .collect();
    let (recomputed, _) = verdict_of(&judged, &severities);
    if recomputed != verdict {
        v.problem(
            RESULTS,
            format!(
                "{what}the verdict is {}, but its results make it {}",
                verdict.as_str(),
                recomputed.as_str()
            ),
        );
    }
    let s = summary;
    let summarized = [s.pass, s.fail, s.not_applicable, s.excepted, s.manual];
    let counted = [
        Status::Pass,
        Status::Fail,
        Status::NotApplicable,
        Status::Excepted,
        Status::Manual,
    ]
    .map(|status| results.iter().filter(|r| r.status == status).count());
    if counted != summarized {
        v.problem(
            RESULTS,
            format!(
                "{what}the summary counts {summarized:?} (pass, fail, not applicable, excepted, manual), but its results count {counted:?}"
            ),
        );
    }
}

/// The bundles a merged record unites: each one's manifest is kept under the name the record
/// gives, with the digest it gives, and says the verdict, repository and shard it gives.
fn check_merged(v: &mut Verification, contents: &Contents) {
    let Some(Ok(report)) = &contents.recorded.report else {
        return;
    };
    for part in &report.scope.merged {
        let Some(kept) = contents.get(&part.manifest) else {
            v.problem(
                RESULTS,
                format!("merged bundle {} is not in the bundle", part.manifest),
            );
            continue;
        };
        if kept.sha256 != part.sha256 {
            v.problem(
                &part.manifest,
                format!(
                    "sha256 {}, but results.json records {}",
                    kept.sha256, part.sha256
                ),
            );
            continue;
        }
        let said = serde_json::from_slice::<Manifest>(&kept.bytes).map(|m| {
            let repository = m
                .scope
                .repository
                .clone()
                .unwrap_or_else(|| m.scope.roots.join(", "));
            (m.verdict, repository, m.scope.shard)
        });
        let recorded = (
            part.verdict.as_str().to_string(),
            part.repository.clone(),
            part.shard,
        );
        match said {
            Ok(said) if said == recorded => {}
            Ok(said) => v.problem(
                &part.manifest,
                format!(
                    "says verdict {}, repository {}, shard {}, but results.json records {}, {}, {}",
                    said.0,
                    said.1,
                    shard_text(said.2),
                    recorded.0,
                    recorded.1,
                    shard_text(recorded.2)
                ),
            ),
            Err(e) => v.problem(&part.manifest, format!("not a manifest: {e}")),
        }
    }
}

fn shard_text(shard: Option<crate::shard::Shard>) -> String {
    shard.map_or_else(|| "none".into(), |s| s.to_string())
}

/// A JSON value for a message: short ones whole, long ones by their size.
fn brief(value: &serde_json::Value) -> String {
    let text = value.to_string();
    match value {
        serde_json::Value::Array(items) if text.len() > 120 => {
            format!("a list of {} that differs", items.len())
        }
        _ if text.len() > 120 => format!("{}…", text.chars().take(117).collect::<String>()),
        _ => text,
    }
}

/// The attestation, when there is one or a key asks for it: its subjects are exactly the
/// bundle's files with their digests, and with a key, its signature verifies.
fn check_attestation(v: &mut Verification, contents: &Contents, key: Option<&attest::PublicKey>) {
    let Some(file) = contents.get(attest::FILE) else {
        if let Some(key) = key {
            v.authorship = Authorship::Refused {
                why: format!(
                    "{} is missing: the bundle is not signed (write it with evidence --sign-key), so key {} cannot vouch for it",
                    attest::FILE,
                    key.keyid()
                ),
            };
        }
        return;
    };
    let opened = match attest::open(&file.bytes) {
        Ok(o) => o,
        Err(e) => {
            v.problem(attest::FILE, e.to_string());
            if key.is_some() {
                v.authorship = Authorship::Refused {
                    why: format!("{} cannot be read: {e}", attest::FILE),
                };
            }
            return;
        }
    };
    let before = v.problems.len();
    check_subjects(v, contents, &opened.statement.subject);
    let unsigned_changes = v.problems.len() - before;
    v.authorship = match key {
        None => Authorship::Unverified {
            keyid: opened.keyids().join(", "),
        },
        Some(key) => match opened.signed_by(key) {
            Ok(()) if unsigned_changes == 0 => Authorship::Verified { keyid: key.keyid() },
            Ok(()) => Authorship::Refused {
                why: format!(
                    "the signature of key {} verifies, but the bundle is no longer what it signed: {unsigned_changes} file(s) changed, added or removed since",
                    key.keyid()
                ),
            },
            Err(e) => Authorship::Refused { why: e.to_string() },
        },
    };
}

/// The statement's subjects against the files: each digest matches, none missing, none added.
fn check_subjects(v: &mut Verification, contents: &Contents, subjects: &[attest::Subject]) {
    let mut signed: Vec<&str> = Vec::new();
    for s in subjects {
        signed.push(&s.name);
        match (contents.get(&s.name), s.sha256()) {
            (Some(c), Some(d)) if c.sha256 == d => {}
            (Some(c), d) => v.problem(
                &s.name,
                format!(
                    "changed since it was signed: sha256 {}, the attestation says {}",
                    c.sha256,
                    d.unwrap_or("nothing")
                ),
            ),
            (None, _) => v.problem(&s.name, "removed after the bundle was signed"),
        }
    }
    for name in contents.files.keys() {
        if name != attest::FILE && !signed.contains(&name.as_str()) {
            v.problem(
                name,
                "added after the bundle was signed (not a subject of the attestation)",
            );
        }
    }
}

fn check_input(v: &mut Verification, path: &Path, e: &Entry, label: &str) {
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
