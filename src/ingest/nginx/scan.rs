//! nginx ingestion entry: decide the main configs, load each with its includes, normalize.
//!
//! Every `nginx.conf` is a main config (its directory is the conf prefix). nginx files that no
//! main config includes are judged on their own, their top level taken as `http {}` content.

use super::include::{self, Limits};
use super::normalize::normalize;
use crate::diag::{Finding, FindingKind};
use crate::discover::Candidate;
use crate::ingest::{Declared, Ingested, Kind};
use crate::model::version::ProductVersion;
use crate::source::SourceMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Folders whose files are nginx configuration whatever their name.
const NGINX_DIRS: &[&str] = &["sites-enabled", "sites-available", "conf.d", "snippets"];

/// Directive openings that only nginx configuration has.
const NGINX_MARKERS: &[&str] = &[
    "server {",
    "server{",
    "http {",
    "http{",
    "events {",
    "stream {",
    "location ",
    "upstream ",
    "listen ",
    "server_name ",
    "proxy_pass ",
    "ssl_certificate",
    "ssl_protocols ",
    "worker_processes ",
    "add_header ",
    "return 30",
    "include ",
];

/// Whether a file is nginx configuration: by name, then by content.
pub fn detect(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if name == "nginx.conf" {
        return true;
    }
    let in_nginx_dir = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|d| NGINX_DIRS.contains(&d.to_string_lossy().as_ref()));
    let ext_ok =
        name.ends_with(".conf") || name.ends_with(".nginx") || name.ends_with(".nginxconf");
    if !(ext_ok || in_nginx_dir) {
        return false;
    }
    let Some(head) = crate::discover::head(path, 64 * 1024) else {
        return false;
    };
    let text = String::from_utf8_lossy(&head);
    looks_like_nginx(&text)
}

/// Content sniffing: at least one nginx directive opening a line, ending in `;` or `{`, and no
/// INI section header (`[section]`), which nginx syntax cannot contain at line start.
pub fn looks_like_nginx(text: &str) -> bool {
    let mut hits = 0;
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with('#') || t.is_empty() {
            continue;
        }
        if t.starts_with('[') && t.trim_end().ends_with(']') {
            return false;
        }
        let ends_ok = t.trim_end().ends_with(';') || t.trim_end().ends_with('{');
        if ends_ok && NGINX_MARKERS.iter().any(|m| t.starts_with(m)) {
            hits += 1;
            if hits >= 1 {
                return true;
            }
        }
    }
    false
}

/// Ingests every nginx candidate.
pub fn ingest(
    map: &mut SourceMap,
    candidates: &[&Candidate],
    declared: &Declared,
    out: &mut Ingested,
) {
    let version = match &declared.nginx_version {
        Some(v) => ProductVersion::parse("nginx", v),
        None => ProductVersion::unknown("nginx"),
    };
    let limits = Limits {
        max_depth: 32,
        max_files: 4096,
        max_bytes: 64 * 1024 * 1024,
        max_file_bytes: crate::discover::MAX_FILE_BYTES,
    };
    let mut mains: Vec<&Candidate> = candidates
        .iter()
        .copied()
        .filter(|c| c.path.file_name().is_some_and(|n| n == "nginx.conf"))
        .collect();
    mains.sort_by(|a, b| a.display.cmp(&b.display));
    let mut covered: BTreeSet<PathBuf> = BTreeSet::new();
    let mut seen_ids: BTreeSet<String> = BTreeSet::new();

    let mut run = |map: &mut SourceMap,
                   c: &Candidate,
                   standalone: bool,
                   out: &mut Ingested,
                   covered: &mut BTreeSet<PathBuf>| {
        let root = c.root.clone();
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.clone());
        let prefix = crate::ingest::display_prefix(c);
        let display_of = |p: &Path| crate::ingest::display_path(&root, &canonical_root, p, &prefix);
        let loaded = include::load(map, &c.path, &display_of, &canonical_root, &limits);
        for (i, f) in loaded.files.iter().enumerate() {
            let role = match (i, standalone) {
                (0, false) => "main",
                (0, true) => "standalone",
                _ => "included",
            };
            out.files
                .entry(*f)
                .or_insert((Kind::Nginx, role.to_string()));
            if let Some(sf) = map.get(*f) {
                covered.insert(sf.path.canonicalize().unwrap_or_else(|_| sf.path.clone()));
            }
        }
        covered.insert(c.path.canonicalize().unwrap_or_else(|_| c.path.clone()));
        out.findings.extend(loaded.findings);
        let normalized = normalize(map, &loaded.directives, &version, true);
        out.findings.extend(normalized.findings);
        for ep in normalized.endpoints {
            if seen_ids.insert(ep.id.clone()) {
                out.endpoints.push(ep);
            }
        }
    };

    for c in &mains {
        run(map, c, false, out, &mut covered);
    }
    let mut rest: Vec<&Candidate> = candidates.to_vec();
    rest.sort_by(|a, b| a.display.cmp(&b.display));
    for c in rest {
        let canon = c.path.canonicalize().unwrap_or_else(|_| c.path.clone());
        if covered.contains(&canon) {
            continue;
        }
        run(map, c, true, out, &mut covered);
    }
    if declared.nginx_version.is_some() && version.parts().is_none() {
        out.findings.push(Finding::new(
            FindingKind::Notice,
            format!(
                "the declared nginx version {:?} is not a version number; defaults are taken as for an unknown version",
                declared.nginx_version.as_deref().unwrap_or("")
            ),
            None,
        ));
    }
}
