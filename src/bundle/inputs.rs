//! `evidence --include-inputs`: the files the scan read, copied verbatim into the bundle, and
//! what `tlsproof replay` needs to scan them again as the recorded run did. Private keys are
//! never copied: a file holding one is listed as excluded with the reason, and so is every key
//! file the configuration names (the scan never reads those).

use super::{BundleError, Entry, ReplayRecord};
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

/// A `--ca-file` as given and where its copy is.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CaFile {
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

/// Collects every copy: the scanned files (the model's sources), the certificate files the
/// scan read, the policy files and the `--ca-file` files; each read again and checked against
/// the digest the scan recorded.
pub fn collect(scan: &Scan, given: &Given) -> Result<Copies, BundleError> {
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
            exclude(
                &s.path,
                "not found among the files read: not copied".into(),
                true,
            );
            continue;
        };
        match copy_of(&s.path, &file.path, Some(&s.sha256)) {
            Ok((name, bytes)) => {
                files.push((copied(name, &bytes, KIND_INPUT, s.role.clone()), bytes))
            }
            Err(reason) => exclude(&s.path, reason, true),
        }
    }
    for (display, disk) in certificate_files(scan) {
        if files
            .iter()
            .any(|(e, _)| e.path == bundle_path(INPUTS, &display))
        {
            continue;
        }
        match copy_of(&display, &disk, None) {
            Ok((name, bytes)) => files.push((copied(name, &bytes, KIND_CERTIFICATE, None), bytes)),
            Err(reason) => exclude(&display, reason, true),
        }
    }
    for (display, disk) in configured_ca_files(scan) {
        match copy_of(&display, &disk, None) {
            Ok((name, bytes)) => files.push((copied(name, &bytes, KIND_CA_FILE, None), bytes)),
            Err(reason) => exclude(&display, reason, true),
        }
    }
    for (key, named_at) in named_keys(scan) {
        exclude(
            &key,
            format!("private key named at {named_at}: never read by the scan, never copied"),
            false,
        );
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
                ca_files.push(CaFile {
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
        roots: roots(scan),
        profile: given.profile.map(|p| p.as_str().to_string()),
        environment: given.environment.map(|e| e.as_str().to_string()),
        versions: given.versions.clone(),
        at: scan.model.evaluated_at.clone(),
        exclude: given.exclude.clone(),
        strict: given.strict.clone(),
        exceptions: given
            .exceptions
            .is_some()
            .then(|| copy_of_kind(scan, "exceptions").into_iter().next())
            .flatten(),
        observations: if given.observations.is_empty() {
            Vec::new()
        } else {
            copy_of_kind(scan, "observations")
        },
        ca_files,
        probe: given.probe,
        excluded,
    };
    Ok(Copies { files, record })
}

/// The bundle path of each input of `kind`, as `inputs/<path>`.
fn copy_of_kind(scan: &Scan, kind: &str) -> Vec<String> {
    scan.model
        .sources
        .iter()
        .filter(|s| s.kind == kind)
        .map(|s| bundle_path(INPUTS, &s.path))
        .collect()
}

/// Where each scanned root's files are in the bundle: `inputs` for one scanned folder,
/// `inputs/<root>` for one of several, `inputs/<file name>` for a scanned file. Empty for a
/// root whose name cannot be a path inside the bundle (one of several absolute roots).
fn roots(scan: &Scan) -> Vec<String> {
    let multi = scan.roots.len() > 1;
    scan.roots
        .iter()
        .map(|root| {
            let is_file = Path::new(root).is_file();
            let name = match (multi, is_file) {
                (false, false) => return INPUTS.to_string(),
                (false, true) => Path::new(root)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                (true, _) => root.trim_end_matches('/').to_string(),
            };
            if is_clean(&name) {
                bundle_path(INPUTS, &name)
            } else {
                String::new()
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
    }
}

/// The copy of the input shown as `display`, read from `disk`: its bundle path and bytes, or
/// why it is not copied.
fn copy_of(display: &str, disk: &Path, sha256: Option<&str>) -> Result<(String, Vec<u8>), String> {
    if !is_clean(display) {
        return Err(
            "outside the scanned folder (its path is not relative to it): not copied".into(),
        );
    }
    let bytes = read_checked(disk, sha256)?;
    Ok((bundle_path(INPUTS, display), bytes))
}

/// The bytes of a file to copy: the same bytes the scan read, and no private key.
fn read_checked(disk: &Path, sha256: Option<&str>) -> Result<Vec<u8>, String> {
    let bytes = crate::source::read_regular(disk, MAX_FILE_BYTES)
        .map_err(|e| format!("cannot be read again ({e}): not copied"))?;
    if sha256.is_some_and(|want| hex(&Sha256::digest(&bytes)) != want) {
        return Err("changed on disk since the scan read it: not copied".into());
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

/// Every private key file a certificate names, once, with the first line naming it.
fn named_keys(scan: &Scan) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for ep in &scan.model.endpoints {
        for c in &ep.tls.certificates {
            let Some(key) = &c.key else { continue };
            if !out.iter().any(|(k, _)| k == key) {
                out.push((key.clone(), format!("{}:{}", c.span.file, c.span.line)));
            }
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
