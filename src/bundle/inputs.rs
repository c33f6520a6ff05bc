//! `evidence --include-inputs`: the files the scan read, copied verbatim into the bundle, and
//! what `tlsproof replay` needs to scan them again as the recorded run did. Private keys are
//! never copied: a file holding one is listed as excluded with the reason, and so is every key
//! file the configuration names (the scan never reads those).

use super::{BundleError, Contents, Entry, Manifest, ReplayRecord, Verification, MANIFEST};
use crate::pipeline::Scan;
use crate::source::{hex, MAX_FILE_BYTES};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The bundle folder of the scanned files: `inputs/<path as the manifest lists it>`.
pub const INPUTS: &str = "inputs";
/// The bundle folder of the policy files the results came from: `policies/<path>`.
pub const POLICIES: &str = "policies";
/// The bundle folder of the `--ca-file` files: `trust/<n>/<file name>`.
pub const TRUST: &str = "trust";
/// The folders of a bundle that hold copies; every file in them is listed in the manifest.
pub const COPY_DIRS: [&str; 3] = [INPUTS, POLICIES, TRUST];

/// The kinds of copied files, as `bundle_files[].kind` names them.
pub const KIND_INPUT: &str = "input";
pub const KIND_CERTIFICATE: &str = "certificate";
pub const KIND_POLICY: &str = "policy";
pub const KIND_CA_FILE: &str = "ca-file";

/// The command-line options of the run that change its results and are not in results.json
/// already (profile, environment, versions and exclusions are): what replay gives again.
#[derive(Debug, Default, Clone)]
pub struct Given {
    pub profile: Option<crate::settings::Profile>,
    pub environment: Option<crate::settings::Environment>,
    /// The product versions given, by product (`nginx`, `caddy`, `traefik`).
    pub versions: std::collections::BTreeMap<String, String>,
    pub exclude: Vec<String>,
    pub strict: Vec<String>,
    pub exceptions: Option<PathBuf>,
    pub observations: Vec<PathBuf>,
    pub ca_files: Vec<PathBuf>,
    pub probe: bool,
}

/// A file the scan read, or that its configuration names, which the bundle does not hold.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Excluded {
    pub path: String,
    pub reason: String,
    /// The scan read it (a replay without it may differ); false for a key file only named.
    pub read: bool,
}

/// A file named on the command line (`--ca-file`, `--observations`), as given, and where its
/// copy is: the scan's records name it as given.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct GivenFile {
    pub given: String,
    pub copy: String,
}

/// The copies to write, with their manifest entries, and the replay record.
pub struct Copies {
    pub files: Vec<(Entry, Vec<u8>)>,
    pub record: ReplayRecord,
}

/// Why a file holding a private key is not copied.
const PRIVATE_KEY: &str = "holds a PEM private key: private keys never enter a bundle";
/// Why an input shown with `..` or an absolute path is not copied.
const OUTSIDE: &str = "outside the scanned folder (its path is not relative to it): not copied";
/// Why an input that changed after the scan read it is not copied.
const CHANGED: &str = "changed on disk since the scan read it: not copied";
/// Why an input missing from the source map is not copied.
const NOT_FOUND: &str = "not found among the files read: not copied";
/// The start of why a file that cannot be read again is not copied.
const UNREADABLE: &str = "cannot be read again (";
/// Every reason a file the scan read is not copied (the last one goes on with the error).
const READ_REASONS: [&str; 5] = [PRIVATE_KEY, OUTSIDE, CHANGED, NOT_FOUND, UNREADABLE];

/// Why a key file the configuration names is not copied.
fn named_key_reason(named_at: &str) -> String {
    format!("private key named at {named_at}: never read by the scan, never copied")
}

/// Collects every copy: the scanned files (the model's sources), the certificate files the
/// scan read, the policy files and the `--ca-file` files; each read again and checked against
/// the digest the scan recorded.
pub fn collect(scan: &Scan, given: &Given) -> Result<Copies, BundleError> {
    let project = project_of(scan, given);
    let project = project.as_deref();
    let mut files: Vec<(Entry, Vec<u8>)> = Vec::new();
    let mut excluded: Vec<Excluded> = Vec::new();
    let mut exclude = |path: &str, reason: String, read: bool| {
        excluded.push(Excluded {
            path: path.to_string(),
            reason,
            read,
        })
    };
    for s in &scan.model.sources {
        let Some((_, file)) = scan.map.by_display(&s.path) else {
            exclude(&s.path, NOT_FOUND.into(), true);
            continue;
        };
        match copy_of(&s.path, project, &file.path, Some(&s.sha256)) {
            Ok((name, bytes)) => {
                files.push((copied(name, &bytes, KIND_INPUT, s.role.clone()), bytes))
            }
            Err(reason) => exclude(&s.path, reason, true),
        }
    }
    for (display, disk) in certificate_files(scan) {
        let name = copy_path(&display, project);
        if files.iter().any(|(e, _)| Some(&e.path) == name.as_ref()) {
            continue;
        }
        match copy_of(&display, project, &disk, None) {
            Ok((name, bytes)) => files.push((copied(name, &bytes, KIND_CERTIFICATE, None), bytes)),
            Err(reason) => exclude(&display, reason, true),
        }
    }
    for (display, disk) in configured_ca_files(scan) {
        match copy_of(&display, project, &disk, None) {
            Ok((name, bytes)) => files.push((copied(name, &bytes, KIND_CA_FILE, None), bytes)),
            Err(reason) => exclude(&display, reason, true),
        }
    }
    for (key, named_at) in named_keys_of(Some(&scan.model_json())) {
        exclude(&key, named_key_reason(&named_at), false);
    }
    for p in &scan.policies.files {
        let bytes = p.source.clone().into_bytes();
        let role = p
            .overridden_from
            .as_ref()
            .map_or_else(|| "built-in".into(), |from| format!("override from {from}"));
        files.push((
            copied(
                bundle_path(POLICIES, &p.path),
                &bytes,
                KIND_POLICY,
                Some(role),
            ),
            bytes,
        ));
    }
    let mut ca_files = Vec::new();
    for (i, f) in given.ca_files.iter().enumerate() {
        let name = f.file_name().map_or_else(
            || "ca.pem".to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let store = format!("{TRUST}/{}/{name}", i + 1);
        let given_as = f.display().to_string();
        match read_checked(f, None) {
            Ok(bytes) => {
                files.push((copied(store.clone(), &bytes, KIND_CA_FILE, None), bytes));
                ca_files.push(GivenFile {
                    given: given_as,
                    copy: store,
                });
            }
            Err(reason) => exclude(&given_as, reason, true),
        }
    }
    files.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    files.dedup_by(|a, b| a.0.path == b.0.path);
    excluded.sort_by(|a, b| a.path.cmp(&b.path));
    excluded.dedup();
    let record = ReplayRecord {
        roots: roots(scan, project),
        project: project.map(str::to_string),
        profile: given.profile.map(|p| p.as_str().to_string()),
        environment: given.environment.map(|e| e.as_str().to_string()),
        versions: given.versions.clone(),
        at: scan.model.evaluated_at.clone(),
        exclude: given.exclude.clone(),
        strict: given
            .strict
            .iter()
            .map(|r| r.trim().to_ascii_uppercase())
            .collect(),
        exceptions: given
            .exceptions
            .is_some()
            .then(|| copy_of_kind(scan, "exceptions", project).into_iter().next())
            .flatten(),
        observations: observation_copies(scan, &given.observations, project),
        ca_files,
        probe: given.probe,
        excluded,
    };
    Ok(Copies { files, record })
}

/// Each `--observations` file as given with its copy: the input of kind `observations` whose
/// path (relative to the scanned folder) the given path ends with.
fn observation_copies(scan: &Scan, given: &[PathBuf], project: Option<&str>) -> Vec<GivenFile> {
    let inputs: Vec<&str> = scan
        .model
        .sources
        .iter()
        .filter(|s| s.kind == "observations")
        .map(|s| s.path.as_str())
        .collect();
    given
        .iter()
        .filter_map(|g| {
            let given = g.display().to_string();
            let input = inputs.iter().find(|i| names_input(&given, i))?;
            Some(GivenFile {
                given,
                copy: copy_path(input, project)?,
            })
        })
        .collect()
}

/// Whether the path `given` on the command line names the input shown as `input`.
fn names_input(given: &str, input: &str) -> bool {
    given == input || given.ends_with(&format!("/{input}"))
}

/// The bundle path of each input of `kind`.
fn copy_of_kind(scan: &Scan, kind: &str, project: Option<&str>) -> Vec<String> {
    scan.model
        .sources
        .iter()
        .filter(|s| s.kind == kind)
        .filter_map(|s| copy_path(&s.path, project))
        .collect()
}

/// The scanned folder's path inside its project (`deploy/nginx`), when the scan of one folder
/// took `tlsproof.toml` or the claims file from a folder above it (their paths start with
/// `../`): the copies keep the project's layout, so that a replay finds them there too.
fn project_of(scan: &Scan, given: &Given) -> Option<String> {
    let [root] = scan.roots.as_slice() else {
        return None;
    };
    let from_project =
        |kind: &str| kind == "settings" || (kind == "exceptions" && given.exceptions.is_none());
    let levels = scan
        .model
        .sources
        .iter()
        .filter(|s| from_project(&s.kind))
        .map(|s| s.path.matches("../").count())
        .max()
        .filter(|n| *n > 0)?;
    let path = Path::new(root).canonicalize().ok()?;
    let folder = if path.is_file() {
        path.parent()?
    } else {
        &path
    };
    let names: Vec<String> = folder
        .components()
        .rev()
        .take(levels)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let project = names.into_iter().rev().collect::<Vec<_>>().join("/");
    (project.split('/').count() == levels && is_clean(&project)).then_some(project)
}

/// Where the input shown as `display` is copied: `inputs/<display>`, or in a project's layout
/// `inputs/<project>/<display>` with each leading `../` taking a folder off the project path.
/// None for a path that leaves the copies (`..` beyond the project, an absolute path).
pub fn copy_path(display: &str, project: Option<&str>) -> Option<String> {
    let mut base: Vec<&str> = project.map(|p| p.split('/').collect()).unwrap_or_default();
    let mut rest = display;
    while let Some(r) = rest.strip_prefix("../") {
        base.pop()?;
        rest = r;
    }
    if !is_clean(rest) {
        return None;
    }
    base.push(rest);
    Some(bundle_path(INPUTS, &base.join("/")))
}

/// Where each scanned root's files are in the bundle: `inputs` (or `inputs/<project>`) for one
/// scanned folder, `inputs/<root>` for one of several, and the file's name after that for a
/// scanned file. Empty for a root whose name cannot be a path inside the bundle (one of several
/// absolute roots).
fn roots(scan: &Scan, project: Option<&str>) -> Vec<String> {
    let multi = scan.roots.len() > 1;
    let folder = project.map_or_else(|| INPUTS.to_string(), |p| bundle_path(INPUTS, p));
    scan.roots
        .iter()
        .map(|root| {
            let is_file = Path::new(root).is_file();
            let name = match (multi, is_file) {
                (false, false) => return folder.clone(),
                (false, true) => Path::new(root)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                (true, _) => root.trim_end_matches('/').to_string(),
            };
            match (multi, is_clean(&name)) {
                (_, false) => String::new(),
                (false, true) => bundle_path(&folder, &name),
                (true, true) => bundle_path(INPUTS, &name),
            }
        })
        .collect()
}

/// `dir/path`.
fn bundle_path(dir: &str, path: &str) -> String {
    format!("{dir}/{path}")
}

/// A path that can name a file inside a bundle folder: relative, `/`-separated, with no empty,
/// `.` or `..` component and no backslash.
pub fn is_clean(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\\')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Whether `name` is a path of a bundle: a plain file name, or a clean path in a copy folder.
pub fn is_bundle_path(name: &str) -> bool {
    match name.split_once('/') {
        None => !name.is_empty() && !name.starts_with('.') && !name.contains('\\'),
        Some((dir, rest)) => COPY_DIRS.contains(&dir) && is_clean(rest),
    }
}

fn copied(path: String, bytes: &[u8], kind: &str, role: Option<String>) -> Entry {
    Entry {
        path,
        sha256: hex(&Sha256::digest(bytes)),
        bytes: bytes.len() as u64,
        kind: Some(kind.into()),
        role,
        repository: None,
    }
}

/// The copy of the input shown as `display`, read from `disk`: its bundle path and bytes, or
/// why it is not copied.
fn copy_of(
    display: &str,
    project: Option<&str>,
    disk: &Path,
    sha256: Option<&str>,
) -> Result<(String, Vec<u8>), String> {
    let name = copy_path(display, project).ok_or_else(|| OUTSIDE.to_string())?;
    let bytes = read_checked(disk, sha256)?;
    Ok((name, bytes))
}

/// The bytes of a file to copy: the same bytes the scan read, and no private key.
fn read_checked(disk: &Path, sha256: Option<&str>) -> Result<Vec<u8>, String> {
    let bytes = crate::source::read_regular(disk, MAX_FILE_BYTES)
        .map_err(|e| format!("{UNREADABLE}{e}): not copied"))?;
    if sha256.is_some_and(|want| hex(&Sha256::digest(&bytes)) != want) {
        return Err(CHANGED.into());
    }
    if holds_private_key(&bytes) {
        return Err(PRIVATE_KEY.into());
    }
    Ok(bytes)
}

/// The certificate files the scan read (a Kubernetes Secret's `tls.crt` is in its manifest),
/// as displayed in the bundle's inputs and where they are on disk.
fn certificate_files(scan: &Scan) -> Vec<(String, PathBuf)> {
    let roots = scanned_folders(scan);
    let mut out = Vec::new();
    for c in scan
        .model
        .certificates
        .iter()
        .filter(|c| c.read_at.is_none())
    {
        // Certificates are displayed relative to the scanned folder they are in, without the
        // prefix the other inputs of one of several roots carry.
        for (folder, prefix) in &roots {
            let disk = folder.join(&c.file);
            if disk.is_file() {
                out.push((format!("{prefix}{}", c.file), disk));
                break;
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The CA files `tlsproof.toml [trust] ca_files` names, when the settings file is among the
/// inputs: as displayed in the bundle's inputs (beside the settings file) and on disk.
fn configured_ca_files(scan: &Scan) -> Vec<(String, PathBuf)> {
    let Some(settings) = scan.model.sources.iter().find(|s| s.kind == "settings") else {
        return Vec::new();
    };
    let Some((_, file)) = scan.map.by_display(&settings.path) else {
        return Vec::new();
    };
    let Some(folder) = file.path.parent() else {
        return Vec::new();
    };
    let Ok(Some(config)) = crate::config::Config::load(folder) else {
        return Vec::new();
    };
    let beside = settings
        .path
        .rsplit_once('/')
        .map_or(String::new(), |(dir, _)| format!("{dir}/"));
    config
        .trust
        .ca_files
        .iter()
        .map(|f| (format!("{beside}{f}"), folder.join(f)))
        .collect()
}

/// Each scanned folder (a scanned file's folder) with the prefix its inputs are shown with.
fn scanned_folders(scan: &Scan) -> Vec<(PathBuf, String)> {
    let multi = scan.roots.len() > 1;
    scan.roots
        .iter()
        .filter_map(|root| {
            let path = Path::new(root);
            let folder = if path.is_file() { path.parent()? } else { path };
            let prefix = if multi {
                format!("{}/", root.trim_end_matches('/'))
            } else {
                String::new()
            };
            Some((folder.to_path_buf(), prefix))
        })
        .collect()
}

/// Every private key file a certificate of the model (as model.json holds it) names, once,
/// with the first line naming it (`file:line`).
fn named_keys_of(model: Option<&serde_json::Value>) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let endpoints = model.and_then(|m| m["endpoints"].as_array());
    for c in endpoints
        .into_iter()
        .flatten()
        .filter_map(|ep| ep["tls"]["certificates"].as_array())
        .flatten()
    {
        let Some(key) = c["key"].as_str() else {
            continue;
        };
        if !out.iter().any(|(k, _)| k == key) {
            let span = &c["span"];
            let at = format!("{}:{}", span["file"].as_str().unwrap_or(""), span["line"]);
            out.push((key.to_string(), at));
        }
    }
    out.sort();
    out
}

/// base64 of `-----BEGIN`, as a PEM block starts in a Kubernetes Secret's `data`.
const BASE64_BEGIN: &str = "LS0tLS1CRUdJTi";

/// Whether `bytes` hold a PEM private key, in the clear (`-----BEGIN … PRIVATE KEY-----`) or
/// base64-encoded as a Kubernetes Secret's `data` holds one.
pub fn holds_private_key(bytes: &[u8]) -> bool {
    const MARKER: &[u8] = b"PRIVATE KEY-----";
    if bytes.windows(MARKER.len()).any(|w| w == MARKER) {
        return true;
    }
    let text = String::from_utf8_lossy(bytes);
    text.match_indices(BASE64_BEGIN).any(|(at, _)| {
        // The first 48 bytes of the block hold its label.
        let head: String = text[at..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '+' || *c == '/')
            .take(64)
            .collect();
        let whole = head.len() - head.len() % 4;
        crate::source::base64_decode(&head[..whole])
            .is_some_and(|pem| pem.windows(11).any(|w| w == b"PRIVATE KEY"))
    })
}

/// The copies and the replay record against what the bundle's records say: each copy is the
/// input, policy or CA file of that name with its digest, every input is copied or excluded,
/// and every recorded option agrees with the record that holds the same fact (`strict` with
/// the requirements the copied policies declare).
pub(super) fn check_copies(v: &mut Verification, contents: &Contents, m: &Manifest) {
    let problems = copy_problems(contents, m);
    for p in problems {
        v.problem(MANIFEST, p);
    }
}

fn copy_problems(contents: &Contents, m: &Manifest) -> Vec<String> {
    let copies: Vec<&Entry> = m
        .bundle_files
        .iter()
        .filter(|e| e.path.contains('/'))
        .collect();
    let Some(record) = &m.replay else {
        return copies
            .iter()
            .map(|e| {
                format!(
                    "{} is a copy, but the manifest has no replay record",
                    e.path
                )
            })
            .collect();
    };
    let model = contents.recorded.model.as_ref();
    let project = record.project.as_deref();
    let mut out = Vec::new();
    for e in &copies {
        if let Some(why) = copy_problem(e, m, model, project) {
            out.push(format!("{}: {why}", e.path));
        }
    }
    let copied = |path: &str| {
        let name = copy_path(path, project);
        copies.iter().any(|e| Some(&e.path) == name.as_ref())
    };
    let excluded = |path: &str| record.excluded.iter().any(|x| x.path == path && x.read);
    for i in &m.inputs {
        if copied(&i.path) == excluded(&i.path) {
            out.push(format!(
                "input {} must be either copied or excluded, and only one",
                i.path
            ));
        }
    }
    for p in &m.policies {
        if !copies
            .iter()
            .any(|e| e.path == bundle_path(POLICIES, &p.path))
        {
            out.push(format!("policy {} is not copied", p.path));
        }
    }
    out.extend(record_problems(record, m, contents, &copies));
    out
}

/// Why a copy is not the file its name and kind say, if it is not.
fn copy_problem(
    e: &Entry,
    m: &Manifest,
    model: Option<&serde_json::Value>,
    project: Option<&str>,
) -> Option<String> {
    let (dir, rest) = e.path.split_once('/')?;
    let same = |o: &Entry| o.sha256 == e.sha256 && o.bytes == e.bytes && o.role == e.role;
    let ok = match (dir, e.kind.as_deref()) {
        (INPUTS, Some(KIND_INPUT)) => m
            .inputs
            .iter()
            .any(|i| copy_path(&i.path, project).as_ref() == Some(&e.path) && same(i)),
        (INPUTS, Some(KIND_CERTIFICATE)) => {
            e.role.is_none()
                && model
                    .and_then(|m| m["certificates"].as_array())
                    .is_some_and(|certs| {
                        certs
                            .iter()
                            .filter_map(|c| c["file"].as_str())
                            .any(|f| rest == f || rest.ends_with(&format!("/{f}")))
                    })
        }
        (INPUTS | TRUST, Some(KIND_CA_FILE)) => e.role.is_none() && trusted(model, &e.sha256),
        (POLICIES, Some(KIND_POLICY)) => m.policies.iter().any(|p| {
            p.path == rest && p.sha256 == e.sha256 && p.bytes == e.bytes && p.role == e.role
        }),
        _ => false,
    };
    (!ok).then(|| {
        format!(
            "listed as a copy of kind {} that no record of the bundle matches",
            e.kind.as_deref().unwrap_or("none")
        )
    })
}

/// Whether a CA file's digest is among the trust sources model.json records; true when the
/// model records none (no chain was judged, so the store was not evidence).
fn trusted(model: Option<&serde_json::Value>, sha256: &str) -> bool {
    match model.and_then(|m| m["trust"]["sources"].as_array()) {
        Some(sources) => sources.iter().any(|s| s["sha256"] == sha256),
        None => true,
    }
}

/// The recorded options against the records.
fn record_problems(
    r: &ReplayRecord,
    m: &Manifest,
    contents: &Contents,
    copies: &[&Entry],
) -> Vec<String> {
    let model = contents.recorded.model.as_ref();
    let mut out = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            out.push(format!("replay.{what}"));
        }
    };
    let project = r.project.as_deref();
    expect(
        project.is_none_or(|p| is_clean(p) && walked_up_to(contents, p)),
        format!(
            "project {} is not the folder results.json says the scan walked up from",
            shown(project)
        ),
    );
    expect(
        r.roots == expected_roots(&m.scan_roots, &r.roots, project),
        format!(
            "roots {:?} do not follow from scan_roots {:?}",
            r.roots, m.scan_roots
        ),
    );
    let evaluated = model.and_then(|m| m["evaluated_at"].as_str());
    expect(
        r.at.as_deref() == evaluated,
        format!(
            "at is {}, but model.json records {}",
            shown(r.at.as_deref()),
            shown(evaluated)
        ),
    );
    let scope_exclude = &m.scope.exclude;
    expect(
        scope_exclude.ends_with(&r.exclude),
        format!(
            "exclude {:?} is not among the exclusions results.json records",
            r.exclude
        ),
    );
    expect(
        r.profile.as_ref().is_none_or(|p| *p == m.profile),
        format!(
            "profile {} is not the profile results.json records",
            shown(r.profile.as_deref())
        ),
    );
    expect(
        r.environment.as_ref().is_none_or(|e| *e == m.environment),
        format!(
            "environment {} is not the environment results.json records",
            shown(r.environment.as_deref())
        ),
    );
    for (product, version) in &r.versions {
        expect(
            m.scope.versions.get(product) == Some(version),
            format!("versions.{product} {version:?} is not the version results.json records"),
        );
    }
    // The input of `kind` copied at `copy`.
    let input_of_kind = |copy: &str, kind: &str| {
        m.inputs.iter().find(|i| {
            i.kind.as_deref() == Some(kind) && copy_path(&i.path, project).as_deref() == Some(copy)
        })
    };
    if let Some(x) = &r.exceptions {
        expect(
            input_of_kind(x, "exceptions").is_some(),
            format!("exceptions {x:?} is not the copy of a claims file"),
        );
    }
    for o in &r.observations {
        let input = input_of_kind(&o.copy, "observations");
        expect(
            input.is_some_and(|i| {
                names_input(&o.given, &i.path) && named_as_given(contents, &i.path, &o.given)
            }),
            format!(
                "observations {:?} is not an observations file the records name",
                o.given
            ),
        );
    }
    for c in &r.ca_files {
        let copy = copies
            .iter()
            .find(|e| e.path == c.copy && e.kind.as_deref() == Some(KIND_CA_FILE));
        let given_ok = match model.and_then(|m| m["trust"]["sources"].as_array()) {
            Some(sources) => copy.is_some_and(|e| {
                sources
                    .iter()
                    .any(|s| s["path"] == c.given.as_str() && s["sha256"] == e.sha256.as_str())
            }),
            None => copy.is_some(),
        };
        expect(
            given_ok,
            format!("ca_files {:?}: no CA file of the bundle's records", c.given),
        );
    }
    for id in &r.strict {
        expect(
            id == "ALL" || contents.recorded.requirements.contains(id),
            format!("strict {id:?} is no requirement the copied policies declare"),
        );
    }
    let keys = named_keys_of(model);
    for x in &r.excluded {
        let ok = if x.read {
            !copies
                .iter()
                .any(|e| copy_path(&x.path, project).as_ref() == Some(&e.path))
                && READ_REASONS
                    .iter()
                    .any(|reason| x.reason.starts_with(reason))
        } else {
            keys.iter()
                .any(|(key, at)| *key == x.path && x.reason == named_key_reason(at))
        };
        expect(
            ok,
            format!(
                "excluded {:?}: {:?} is not what the records say of it",
                x.path, x.reason
            ),
        );
    }
    if r.probe {
        let observed = model
            .and_then(|m| m["observations"].as_array())
            .is_some_and(|o| !o.is_empty());
        expect(
            observed,
            "probe is set, but model.json records no observation".into(),
        );
    }
    out
}

/// An optional recorded value for a message: quoted, or `absent`.
fn shown(value: Option<&str>) -> String {
    value.map_or_else(|| "absent".into(), |v| format!("{v:?}"))
}

/// Whether results.json and model.json name the observations file shown as `input` as it was
/// given, when they name it at all (`testssl.sh 3.2 (<path>)`).
fn named_as_given(contents: &Contents, input: &str, given: &str) -> bool {
    let as_given = format!("({given})");
    [super::RESULTS, super::MODEL]
        .iter()
        .filter_map(|f| contents.bytes(f))
        .map(String::from_utf8_lossy)
        .all(|text| !text.contains(&format!("{input})")) || text.contains(&as_given))
}

/// Whether results.json says the scan took the project's settings from above the scanned
/// folder `project` (the notice of `pipeline::project_files_notice`).
fn walked_up_to(contents: &Contents, project: &str) -> bool {
    let notice = format!(
        "\"the scanned folder is {project} of a project whose settings were found by walking up"
    );
    contents
        .bytes(super::RESULTS)
        .is_some_and(|b| String::from_utf8_lossy(b).contains(&notice))
}

/// The requirements the copied policies declare (`requirement := "ID"`).
pub(super) fn declared_requirements(
    files: &std::collections::BTreeMap<String, super::Content>,
) -> std::collections::BTreeSet<String> {
    let prefix = format!("{POLICIES}/");
    files
        .iter()
        .filter(|(name, _)| name.starts_with(&prefix))
        .flat_map(|(_, c)| {
            String::from_utf8_lossy(&c.bytes)
                .lines()
                .filter_map(|l| {
                    let id = l
                        .trim()
                        .strip_prefix("requirement := \"")?
                        .strip_suffix('"')?;
                    Some(id.to_string())
                })
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The copy folder of each root, as [`roots`] writes it from the roots' names; a root written
/// as a scanned file (the folder, then the file's name) is taken as written when its name
/// agrees.
fn expected_roots(scan_roots: &[String], written: &[String], project: Option<&str>) -> Vec<String> {
    let multi = scan_roots.len() > 1;
    let folder = project.map_or_else(|| INPUTS.to_string(), |p| bundle_path(INPUTS, p));
    scan_roots
        .iter()
        .enumerate()
        .map(|(i, root)| {
            let as_written = written.get(i).map(String::as_str).unwrap_or_default();
            let trimmed = root.trim_end_matches('/');
            let file_name = trimmed.rsplit('/').next().unwrap_or(trimmed);
            match multi {
                false if as_written == bundle_path(&folder, file_name) => as_written.to_string(),
                false => folder.clone(),
                true if is_clean(trimmed) && project.is_none() => bundle_path(INPUTS, trimmed),
                true => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_key_is_found_in_the_clear_and_in_base64() {
        assert!(holds_private_key(b"-----BEGIN PRIVATE KEY-----\nMIIE\n"));
        assert!(holds_private_key(b"x\n-----BEGIN EC PRIVATE KEY-----\n"));
        assert!(holds_private_key(b"-----BEGIN OPENSSH PRIVATE KEY-----\n"));
        // base64 of "-----BEGIN RSA PRIVATE KEY-----\n", as `tls.key:` holds it.
        assert!(holds_private_key(
            b"data:\n  tls.key: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQo=\n"
        ));
        // base64 of "-----BEGIN CERTIFICATE-----\n".
        assert!(!holds_private_key(
            b"tls.crt: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCg==\n"
        ));
        assert!(!holds_private_key(
            b"ssl_certificate_key /etc/ssl/key.pem;\n"
        ));
    }

    #[test]
    fn only_clean_paths_name_copies() {
        assert!(is_clean("nginx/conf.d/mcp.conf"));
        assert!(is_clean(".vscode/mcp.json"));
        for bad in ["", "/etc/x", "../x", "a//b", "a/./b", "a\\b"] {
            assert!(!is_clean(bad), "{bad}");
        }
        assert!(is_bundle_path("results.json"));
        assert!(is_bundle_path("inputs/.vscode/mcp.json"));
        assert!(is_bundle_path("policies/lib/common.rego"));
        assert!(!is_bundle_path(".hidden"));
        assert!(!is_bundle_path("other/x"));
        assert!(!is_bundle_path("inputs/../x"));
    }
}
