//! nginx ingestion entry: decide the main configs, load each with its includes, normalize.
//!
//! Every `nginx.conf` is a main config (its directory is the conf prefix). nginx files that no
//! main config includes are judged on their own, their top level taken as `http {}` content.

use super::include::{self, Limits};
use super::normalize::normalize;
use crate::diag::{Finding, FindingKind};
use crate::ingest::shared::sniff::looks_like_nginx;
use crate::ingest::Candidate;
use crate::ingest::{Declared, Ingested, Kind, Sniff};
use crate::model::version::ProductVersion;
use crate::source::SourceMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Folders whose files are nginx configuration whatever their name.
const NGINX_DIRS: &[&str] = &["sites-enabled", "sites-available", "conf.d", "snippets"];

/// Whether a file is nginx configuration: by name, then by content.
pub fn detect(f: &Sniff) -> Option<Kind> {
    if f.name == "nginx.conf" {
        return Some(Kind::Nginx);
    }
    let in_nginx_dir = f.folder().is_some_and(|d| NGINX_DIRS.contains(&d.as_str()));
    let ext_ok =
        f.name.ends_with(".conf") || f.name.ends_with(".nginx") || f.name.ends_with(".nginxconf");
    if !(ext_ok || in_nginx_dir) {
        return None;
    }
    looks_like_nginx(&f.text(64 * 1024)?).then_some(Kind::Nginx)
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
        max_file_bytes: crate::source::MAX_FILE_BYTES,
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
