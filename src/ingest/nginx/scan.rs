//! nginx ingestion entry: decide the main configs, load each with its includes, normalize.
//!
//! Every `nginx.conf` is a main config (its directory is the conf prefix). nginx files that no
//! main config includes are judged on their own, their top level taken as `http {}` content,
//! their relative paths resolved against the conf prefix nginx would use ([`conf_prefix`]).

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
                   prefix: &ConfPrefix,
                   standalone: bool,
                   out: &mut Ingested,
                   covered: &mut BTreeSet<PathBuf>| {
        let root = c.root.clone();
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.clone());
        let shown = crate::ingest::display_prefix(c);
        let display_of = |p: &Path| crate::ingest::display_path(&root, &canonical_root, p, &shown);
        let loaded = include::load(
            map,
            &c.path,
            &prefix.dir,
            &display_of,
            &canonical_root,
            &limits,
        );
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
        let read_through_prefix = loaded.files.len() > 1;
        if standalone && read_through_prefix && !prefix.holds(&c.path) {
            out.findings.push(Finding::new(
                FindingKind::Notice,
                format!(
                    "{} is included by no main configuration and is judged on its own; its includes resolve against nginx's conf prefix, {} ({})",
                    c.display,
                    prefix.shown(&canonical_root, &shown),
                    prefix.why
                ),
                None,
            ));
        }
        let prefix_file = prefix.main.as_deref().map(&display_of);
        let normalized = normalize(map, &loaded.directives, &version, true, prefix_file);
        out.findings.extend(normalized.findings);
        for ep in normalized.endpoints {
            if seen_ids.insert(ep.id.clone()) {
                out.endpoints.push(ep);
            }
        }
    };

    for c in &mains {
        let prefix = ConfPrefix::of_main(&c.path);
        run(map, c, &prefix, false, out, &mut covered);
    }
    let mut rest: Vec<&Candidate> = candidates.to_vec();
    rest.sort_by(|a, b| a.display.cmp(&b.display));
    for c in rest {
        let canon = c.path.canonicalize().unwrap_or_else(|_| c.path.clone());
        if covered.contains(&canon) {
            continue;
        }
        let prefix = conf_prefix(&c.path, &mains);
        run(map, c, &prefix, true, out, &mut covered);
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

/// Where nginx resolves a configuration's relative paths (`include`, `ssl_certificate`): its
/// conf prefix, the folder of the main config it is started with (`ngx_process_options` takes
/// it from `-c`; `nginx -T` shows every include resolved against it).
struct ConfPrefix {
    dir: PathBuf,
    /// The main config in that folder (`nginx.conf`, which the scan may not hold: a relative
    /// certificate path is then not read, rather than read from the wrong folder).
    main: Option<PathBuf>,
    why: &'static str,
}

impl ConfPrefix {
    /// The prefix folder as the scan shows it; a folder above the scanned tree is not named.
    fn shown(&self, canonical_root: &Path, shown: &str) -> String {
        let dir = self.dir.canonicalize().unwrap_or_else(|_| self.dir.clone());
        match dir.strip_prefix(canonical_root) {
            Ok(rel) if rel.as_os_str().is_empty() && shown.is_empty() => {
                "the scanned folder".into()
            }
            Ok(rel) => {
                let rel = rel.to_string_lossy().replace('\\', "/");
                let joined = [shown, rel.as_str()]
                    .iter()
                    .filter(|p| !p.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join("/");
                format!("{joined}/")
            }
            Err(_) => "a folder above the scanned tree".into(),
        }
    }

    /// Whether `file` sits in the prefix folder itself.
    fn holds(&self, file: &Path) -> bool {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        file.parent().map(canonical) == Some(canonical(&self.dir))
    }

    fn of_main(main: &Path) -> ConfPrefix {
        ConfPrefix {
            dir: main.parent().map(Path::to_path_buf).unwrap_or_default(),
            main: Some(main.to_path_buf()),
            why: "the folder of the main config",
        }
    }
}

/// The conf prefix of a fragment no main config includes: the folder of the nearest
/// `nginx.conf` above it; without one, the folder above a conventional fragment folder
/// (`conf.d/`, `sites-enabled/`, … sit beside `nginx.conf` in every distribution's layout);
/// else the fragment's own folder.
fn conf_prefix(fragment: &Path, mains: &[&Candidate]) -> ConfPrefix {
    let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let folder = canonical(fragment.parent().unwrap_or(Path::new("")));
    let nearest = mains
        .iter()
        .filter_map(|m| Some((canonical(m.path.parent()?), &m.path)))
        .filter(|(dir, _)| folder.starts_with(dir))
        .max_by_key(|(dir, _)| dir.components().count());
    if let Some((dir, main)) = nearest {
        return ConfPrefix {
            dir,
            main: Some(main.clone()),
            why: "the folder of the nginx.conf above it",
        };
    }
    let conventional = folder
        .file_name()
        .is_some_and(|n| NGINX_DIRS.iter().any(|d| n == *d));
    match folder.parent() {
        Some(up) if conventional => ConfPrefix {
            dir: up.to_path_buf(),
            main: Some(up.join("nginx.conf")),
            why: "the folder that holds its fragment folder, where nginx.conf sits in every distribution's layout",
        },
        _ => ConfPrefix {
            dir: folder,
            main: None,
            why: "its own folder: no nginx.conf above it",
        },
    }
}
