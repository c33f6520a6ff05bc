//! Traefik v2/v3 ingestion: static configuration (traefik.yml/toml, CLI flags in compose
//! `command:`), dynamic configuration (file provider YAML/TOML, Docker labels) → endpoints.
//!
//! Every source is first read into a spanned [`Node`] tree (labels and flags through
//! [`flat`]), then [`build`] resolves routers, entrypoints, TLS options, services and
//! middlewares across files and providers, applying Traefik's defaults by version.

mod build;
pub mod flat;
pub mod keys;

/// What another format lowers into Traefik's rules through: the Kubernetes Traefik CRDs
/// (`IngressRoute`, `TLSOption`, …) are read into the same [`Sources`] as a file provider and
/// built by the same resolver, defaults by version included. The one door into this format.
pub mod lowering {
    pub use super::build_from as build;
    pub use super::flat::{flag, tree};
    pub use super::{Doc, Image, Sources};
}

use crate::diag::{Finding, FindingKind};
use crate::ingest::{Candidate, Declared, Ingested, Kind, Sniff};
use crate::source::{FileId, SourceMap, Span};
use crate::yaml::{self, Node};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Top-level keys of a static configuration.
const STATIC_KEYS: &[&str] = &[
    "entryPoints",
    "providers",
    "certificatesResolvers",
    "serversTransport",
    "api",
];

/// Whether a file is Traefik configuration (static or dynamic) or a docker-compose file.
pub fn detect(f: &Sniff) -> Option<Kind> {
    let name = f.name.as_str();
    let yamlish = name.ends_with(".yml") || name.ends_with(".yaml");
    if yamlish && (name.starts_with("docker-compose") || name.starts_with("compose")) {
        return Some(Kind::Compose);
    }
    if !(yamlish || name.ends_with(".toml")) || name.starts_with("tlsproof") {
        return None;
    }
    if name.starts_with("traefik.") {
        return Some(Kind::Traefik);
    }
    looks_like_traefik(&f.text(64 * 1024)?, yamlish).then_some(Kind::Traefik)
}

/// Content sniffing: a top-level Traefik section (YAML `http:` with `routers:` …, TOML
/// `[http.routers…]`, `[entryPoints…]`), and nothing Kubernetes-shaped.
pub fn looks_like_traefik(text: &str, yaml: bool) -> bool {
    if yaml {
        let mut top = false;
        let mut inner = false;
        for line in text.lines() {
            if line.starts_with("kind:") || line.starts_with("apiVersion:") {
                return false;
            }
            let t = line.trim_end();
            if ["http:", "tcp:", "tls:", "udp:"].contains(&t)
                || line.starts_with("entryPoints:")
                || line.starts_with("certificatesResolvers:")
            {
                top = true;
                if line.starts_with("entryPoints:") || line.starts_with("certificatesResolvers:") {
                    inner = true;
                }
            }
            let s = line.trim_start();
            if line.starts_with(' ')
                && [
                    "routers:",
                    "services:",
                    "middlewares:",
                    "options:",
                    "certificates:",
                    "stores:",
                    "serversTransports:",
                ]
                .iter()
                .any(|k| s.starts_with(k))
            {
                inner = true;
            }
        }
        top && inner
    } else {
        text.lines().any(|l| {
            let l = l.trim_start().trim_start_matches('[').to_ascii_lowercase();
            [
                "http.routers",
                "http.services",
                "http.middlewares",
                "http.serverstransports",
                "tcp.routers",
                "tcp.services",
                "tls.options",
                "tls.certificates",
                "tls.stores",
                "entrypoints",
                "certificatesresolvers",
            ]
            .iter()
            .any(|k| l.starts_with(k))
        })
    }
}

/// One parsed configuration tree and where it came from.
pub struct Doc {
    pub file: FileId,
    pub root: Node,
    /// Directory relative paths in this document resolve against.
    pub dir: PathBuf,
}

/// A compose service that carries Traefik labels.
pub struct Container {
    pub file: FileId,
    /// The compose service name (the Docker provider's default service host).
    pub name: String,
    pub name_start: usize,
    /// The labels as a tree (`traefik.` stripped).
    pub labels: Node,
    pub enable: Option<bool>,
}

/// The Traefik image of a compose file: tag and where it is written.
pub struct Image {
    pub file: FileId,
    pub tag: String,
    pub start: usize,
}

/// Everything read from the Traefik and compose candidates.
#[derive(Default)]
pub struct Sources {
    pub statics: Vec<Doc>,
    pub dynamics: Vec<Doc>,
    pub containers: Vec<Container>,
    pub images: Vec<Image>,
    /// Dynamic configuration from the Kubernetes providers (CRDs, Ingress annotations), each
    /// with its provider name (`kubernetescrd`, `kubernetes`).
    pub kube: Vec<(Doc, &'static str)>,
    /// Static configurations named in compose files but mounted from elsewhere, etc.
    pub loaded: BTreeSet<PathBuf>,
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// Parses a registered file as YAML (every document) or TOML; a parse error is a finding.
fn parse(map: &SourceMap, file: FileId, out: &mut Ingested) -> Vec<Node> {
    let Some(sf) = map.get(file) else {
        return Vec::new();
    };
    let toml = sf.path.extension().is_some_and(|e| e == "toml");
    let parsed = if toml {
        yaml::parse_toml(&sf.text).map(|n| vec![n])
    } else {
        yaml::parse_yaml(&sf.text)
    };
    match parsed {
        Ok(docs) => docs,
        Err(e) => {
            let what = if toml {
                "not valid TOML"
            } else {
                "not valid YAML"
            };
            out.findings.push(e.finding(file, &sf.display, what));
            Vec::new()
        }
    }
}

fn is_static(root: &Node) -> bool {
    STATIC_KEYS.iter().any(|k| root.get_ci(k).is_some())
}

fn is_dynamic(root: &Node) -> bool {
    ["http", "tcp", "tls", "udp"]
        .iter()
        .any(|k| root.get_ci(k).is_some_and(Node::is_map))
}

/// Ingests every Traefik and compose candidate.
pub fn ingest(
    map: &mut SourceMap,
    candidates: &[&Candidate],
    declared: &Declared,
    out: &mut Ingested,
) {
    let mut src = Sources::default();
    let mut all: Vec<&Candidate> = candidates.to_vec();
    all.sort_by(|a, b| a.display.cmp(&b.display));
    for c in all {
        let canon = canonical(&c.path);
        if !src.loaded.insert(canon) {
            continue;
        }
        let Some(file) =
            crate::ingest::read_file(map, &c.path, c.display.clone(), &mut out.findings, None)
        else {
            continue;
        };
        let dir = c.path.parent().map(Path::to_path_buf).unwrap_or_default();
        let docs = parse(map, file, out);
        if c.kind == Kind::Compose {
            out.files
                .entry(file)
                .or_insert((Kind::Compose, "compose".into()));
            for d in docs {
                crate::ingest::shared::env::compose(map, file, &d, out);
                compose_doc(&mut src, file, &d, &dir);
            }
            continue;
        }
        let mut role = "standalone";
        for root in docs {
            if is_static(&root) {
                role = "static";
                src.statics.push(Doc {
                    file,
                    root: root.clone(),
                    dir: dir.clone(),
                });
            }
            if is_dynamic(&root) {
                if role != "static" {
                    role = "dynamic";
                }
                src.dynamics.push(Doc {
                    file,
                    root,
                    dir: dir.clone(),
                });
            }
        }
        out.files
            .entry(file)
            .or_insert((Kind::Traefik, role.into()));
    }
    follow_file_providers(
        map,
        candidates
            .iter()
            .filter(|c| c.kind == Kind::Traefik)
            .chain(candidates.iter().filter(|c| c.kind == Kind::Compose))
            .copied(),
        &mut src,
        out,
    );
    if src.statics.is_empty() && src.dynamics.is_empty() && src.containers.is_empty() {
        return;
    }
    build::build(map, &src, declared, out);
}

/// Builds endpoints from sources gathered elsewhere (the Kubernetes ingester's CRDs,
/// Ingress annotations and controller flags), with the same semantics as files and labels.
pub fn build_from(map: &SourceMap, src: &Sources, declared: &Declared, out: &mut Ingested) {
    if src.dynamics.is_empty() && src.containers.is_empty() && src.kube.is_empty() {
        return;
    }
    build::build(map, src, declared, out);
}

/// Reads one compose document: the Traefik image and its `command:` flags (static config), and
/// services with `traefik.*` labels (Docker provider dynamic config).
fn compose_doc(src: &mut Sources, file: FileId, root: &Node, dir: &Path) {
    let Some(services) = root.get("services") else {
        return;
    };
    for (name_node, svc) in services.entries() {
        let Some(name) = name_node.scalar() else {
            continue;
        };
        if let Some(image) = svc.get("image").and_then(Node::as_str) {
            let base = image.split('@').next().unwrap_or(image);
            let (repo, tag) = match base.rsplit_once(':') {
                Some((r, t)) if !t.contains('/') => (r, t),
                _ => (base, "latest"),
            };
            if repo == "traefik" || repo.ends_with("/traefik") {
                let start = svc.get("image").map(|n| n.start).unwrap_or(name_node.start);
                src.images.push(Image {
                    file,
                    tag: tag.to_string(),
                    start,
                });
                let mut pairs = Vec::new();
                if let Some(cmd) = svc.get("command") {
                    match cmd.as_str() {
                        Some(s) => {
                            // Every flag of a string command cites the `command:` value.
                            for (arg, _) in flat::split_command(s) {
                                pairs.extend(flat::flag(&arg, cmd.start));
                            }
                        }
                        None => {
                            for item in cmd.items() {
                                if let Some(s) = item.scalar() {
                                    pairs.extend(flat::flag(&s, item.start));
                                }
                            }
                        }
                    }
                }
                if !pairs.is_empty() {
                    src.statics.push(Doc {
                        file,
                        root: flat::tree(&pairs, name_node.start),
                        dir: dir.to_path_buf(),
                    });
                }
            }
        }
        let mut pairs = Vec::new();
        if let Some(labels) = svc.get("labels") {
            let mut add = |k: &str, v: &str, start: usize| {
                let k = k.trim();
                if let Some(rest) = k.strip_prefix("traefik.") {
                    pairs.push(flat::Pair {
                        key: rest.to_string(),
                        value: v.trim().to_string(),
                        start,
                    });
                }
            };
            for item in labels.items() {
                if let Some(s) = item.scalar() {
                    let (k, v) = s.split_once('=').unwrap_or((s.as_str(), ""));
                    add(k, v, item.start);
                }
            }
            for (k, v) in labels.entries() {
                if let Some(ks) = k.scalar() {
                    add(&ks, &v.scalar().unwrap_or_default(), k.start);
                }
            }
        }
        if !pairs.is_empty() {
            let tree = flat::tree(&pairs, name_node.start);
            let enable = tree.get_ci("enable").and_then(Node::as_bool);
            src.containers.push(Container {
                file,
                name,
                name_start: name_node.start,
                labels: tree,
                enable,
            });
        }
    }
}

/// Reads the files and directories named by `providers.file.filename|directory` that the scan
/// did not already read. Relative paths are taken relative to the static file's directory.
fn follow_file_providers<'a>(
    map: &mut SourceMap,
    candidates: impl Iterator<Item = &'a Candidate>,
    src: &mut Sources,
    out: &mut Ingested,
) {
    let cands: Vec<&Candidate> = candidates.collect();
    let Some(first) = cands.first() else {
        return;
    };
    let root = first.root.clone();
    let canonical_root = canonical(&root);
    let prefix = crate::ingest::display_prefix(first);
    let mut targets: Vec<(PathBuf, Span)> = Vec::new();
    for d in &src.statics {
        let Some(file) = d.root.path_ci(&["providers", "file"]) else {
            continue;
        };
        for key in ["filename", "directory"] {
            if let Some(n) = file.get_ci(key) {
                if let Some(p) = n.scalar() {
                    let path = Path::new(&p);
                    let resolved = if path.is_absolute() {
                        path.to_path_buf()
                    } else {
                        d.dir.join(path)
                    };
                    targets.push((resolved, Span::new(d.file, n.start, n.start)));
                }
            }
        }
    }
    let roots: Vec<PathBuf> = cands.iter().map(|c| canonical(&c.root)).collect();
    for (path, origin) in targets {
        let files: Vec<PathBuf> = if std::fs::metadata(&path).is_err() {
            if src.dynamics.is_empty() {
                // Paths inside a container (e.g. /etc/traefik/dynamic) are often not on this disk.
                out.findings.push(Finding::new(
                    FindingKind::Notice,
                    format!(
                        "the file provider names {} which is not on this disk (a path inside the container?); scan the mounted directory so its dynamic configuration is judged",
                        path.display()
                    ),
                    Some(origin),
                ));
            }
            // Otherwise a container path: the scan found dynamic files on its own.
            continue;
        } else if !crate::source::resolves_inside(&path, &roots) {
            out.findings.push(outside_the_tree(&path, origin));
            continue;
        } else if path.is_dir() {
            provider_directory(&path)
        } else {
            vec![path.clone()]
        };
        for f in files {
            if !crate::source::resolves_inside(&f, &roots) {
                out.findings.push(outside_the_tree(&f, origin));
                continue;
            }
            if !src.loaded.insert(canonical(&f)) {
                continue;
            }
            let display =
                crate::ingest::display_path(&root, &canonical_root, &canonical(&f), &prefix);
            let Some(file) =
                crate::ingest::read_file(map, &f, display, &mut out.findings, Some(origin))
            else {
                continue;
            };
            out.files
                .entry(file)
                .or_insert((Kind::Traefik, "provider file".into()));
            let dir = f.parent().map(Path::to_path_buf).unwrap_or_default();
            for root in parse(map, file, out) {
                if is_dynamic(&root) {
                    src.dynamics.push(Doc {
                        file,
                        root,
                        dir: dir.clone(),
                    });
                }
            }
        }
    }
}

/// The most files read from one provider directory.
const MAX_PROVIDER_FILES: usize = 4096;

/// The configuration files of a file provider's directory, sorted, the first
/// [`MAX_PROVIDER_FILES`] of them (directories left out; a FIFO or device is kept, so that
/// reading it reports it).
fn provider_directory(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    !p.is_dir()
                        && p.extension()
                            .is_some_and(|e| e == "yml" || e == "yaml" || e == "toml")
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v.truncate(MAX_PROVIDER_FILES);
    v
}

/// A file provider path that leaves the scanned tree: named, never read.
fn outside_the_tree(path: &Path, origin: Span) -> Finding {
    Finding::new(
        FindingKind::Notice,
        format!(
            "the file provider names {}, which lies outside the scanned tree; it was not read",
            path.display()
        ),
        Some(origin),
    )
}

/// How Traefik names its parts, for the policies' messages.
pub const WORDS: crate::model::ProductWords = crate::model::ProductWords {
    block: "the router",
    proxy: "service with servers",
    certificate: "tls.certificates or certResolver",
    ciphers: "cipherSuites",
    passthrough: Some("the TCP router at %s routes on SNI with tls.passthrough"),
    version_advice: "the default depends on the traefik version, which is not declared: set it in tlsproof.toml ([traefik] version = \"3.1\") or pass --traefik-version",
};

/// How to fix a FAIL in this format's terms.
pub const FIXES: super::Fixes = super::Fixes {
    tls: "tls: {} (or tls.certResolver) on the router, on an entrypoint that serves TLS",
    protocols: "a TLS option with minVersion: VersionTLS12 (tls.options.default, or the option the router names)",
    ciphers: "cipherSuites in the TLS option: only TLS_ECDHE_*_WITH_AES_*_GCM_* and *_CHACHA20_POLY1305* suites",
    redirect: "entryPoints.web.http.redirections.entryPoint.to: websecure (scheme https), or a redirectScheme middleware",
    verify: "insecureSkipVerify: false in the serversTransport, with rootCAs naming the upstream's CA",
    hop: "a service URL https://… with a serversTransport that verifies the upstream",
    hsts: "a headers middleware with stsSeconds: 31536000 on the router",
};
