//! Stage 2 — ingestion: the one registry from file kind to ingester.
//!
//! [`detect`] decides a file's kind (name first, then content); [`ingest`] hands each group of
//! candidates to its format's module, which parses with spans and normalizes into the model.
//! A new format is one variant here, one module beside this file, and one fixture folder.

pub mod app;
pub mod caddy;
pub mod client;
pub mod endpoint;
pub mod glob;
pub mod gotls;
pub mod kubernetes;
pub mod nginx;
pub mod source_tokens;
pub mod traefik;

use crate::diag::Finding;
use crate::discover::Candidate;
use crate::model::{Client, Endpoint, RedFlag};
use crate::source::{FileId, SourceMap};
use std::collections::BTreeMap;
use std::path::Path;

/// Every input format tlsproof reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Nginx,
    /// A Caddyfile (Caddy v2).
    Caddy,
    /// Traefik static or dynamic (file provider) configuration, YAML or TOML.
    Traefik,
    /// A docker-compose file: Traefik labels, the Traefik image tag, `command:` flags.
    Compose,
    /// Kubernetes manifests: Ingress, Gateway API, Traefik CRDs, Services and workloads.
    Kubernetes,
    /// MCP server code, `.env`, Dockerfile `ENV`, Python manifests, `fastmcp.json`.
    App,
    /// MCP client configs (Claude Desktop, Claude Code, VS Code, Cursor, Windsurf, server.json).
    Client,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Nginx => "nginx",
            Kind::Caddy => "caddy",
            Kind::Traefik => "traefik",
            Kind::Compose => "compose",
            Kind::Kubernetes => "kubernetes",
            Kind::App => "app",
            Kind::Client => "client",
        }
    }
}

/// Product versions and other declarations the ingesters need.
#[derive(Debug, Clone, Default)]
pub struct Declared {
    pub nginx_version: Option<String>,
    pub caddy_version: Option<String>,
    pub traefik_version: Option<String>,
    pub kubernetes: crate::config::KubernetesSection,
}

/// What the ingesters produced.
#[derive(Debug, Default)]
pub struct Ingested {
    pub endpoints: Vec<Endpoint>,
    pub red_flags: Vec<RedFlag>,
    pub clients: Vec<Client>,
    pub findings: Vec<Finding>,
    /// Every file read, with its kind and role (main, included, standalone).
    pub files: BTreeMap<FileId, (Kind, String)>,
    /// The certificates of the Kubernetes TLS Secrets in the scanned manifests, for the
    /// `secret:` certificate references (read by `certs::enrich`).
    pub tls_secrets: Vec<TlsSecret>,
}

/// The `tls.crt` entry of a Kubernetes Secret of type `kubernetes.io/tls`, as written. Nothing
/// of `tls.key` is ever looked at.
#[derive(Debug, Clone)]
pub struct TlsSecret {
    /// `namespace/name`, as `secret:` references write it.
    pub id: String,
    /// The `tls.crt` key in the manifest.
    pub span: crate::model::ModelSpan,
    /// The value: base64 of the PEM (under `data`) or the PEM itself (under `stringData`).
    pub value: String,
    pub base64: bool,
}

/// Decides a file's kind from its name, then its content. `None` = not a file tlsproof reads.
pub fn detect(path: &Path) -> Option<Kind> {
    // The claims file is read by the exceptions stage, never as configuration.
    if path
        .file_name()
        .is_some_and(|n| n == crate::exceptions::FILE_NAME)
    {
        return None;
    }
    if client::detect(path) {
        return Some(Kind::Client);
    }
    if caddy::detect(path) {
        return Some(Kind::Caddy);
    }
    if kubernetes::detect(path) {
        return Some(Kind::Kubernetes);
    }
    if let Some(kind) = traefik::detect(path) {
        return Some(kind);
    }
    if nginx::detect(path) {
        return Some(Kind::Nginx);
    }
    if app::detect(path) {
        return Some(Kind::App);
    }
    None
}

/// Runs every ingester over its candidates.
pub fn ingest(map: &mut SourceMap, candidates: &[Candidate], declared: &Declared) -> Ingested {
    let mut out = Ingested::default();
    let of =
        |kind: Kind| -> Vec<&Candidate> { candidates.iter().filter(|c| c.kind == kind).collect() };
    let nginx = of(Kind::Nginx);
    if !nginx.is_empty() {
        nginx::ingest(map, &nginx, declared, &mut out);
    }
    let caddy = of(Kind::Caddy);
    if !caddy.is_empty() {
        caddy::ingest(map, &caddy, declared, &mut out);
    }
    let traefik = of(Kind::Traefik);
    let compose = of(Kind::Compose);
    if !traefik.is_empty() || !compose.is_empty() {
        traefik::ingest(map, &traefik, &compose, declared, &mut out);
    }
    let kube = of(Kind::Kubernetes);
    if !kube.is_empty() {
        kubernetes::ingest(map, &kube, declared, &mut out);
    }
    let clients = of(Kind::Client);
    if !clients.is_empty() {
        client::ingest(map, &clients, &mut out);
    }
    // Last: app endpoints are linked to the proxy hops found above.
    let apps = of(Kind::App);
    if !apps.is_empty() {
        app::ingest(map, &apps, &mut out);
    }
    out
}

/// The display path of a file found while loading (an include, an import, a provider file):
/// relative to the scanned directory with `/` separators, prefixed like the candidate it was
/// reached from; the path as given when it lies outside the scanned tree.
pub fn display_path(root: &Path, canonical_root: &Path, path: &Path, prefix: &str) -> String {
    let rel = path
        .strip_prefix(root)
        .or_else(|_| path.strip_prefix(canonical_root))
        .ok()
        .map(|r| {
            r.components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/")
        });
    match rel {
        Some(r) if !r.is_empty() => {
            if prefix.is_empty() {
                r
            } else {
                format!("{prefix}/{r}")
            }
        }
        _ => path.display().to_string(),
    }
}

/// The display prefix of a candidate: what its display path adds in front of its path
/// relative to its root (the name of a scanned directory given on the command line).
pub fn display_prefix(c: &Candidate) -> String {
    let canonical_root = c.root.canonicalize().unwrap_or_else(|_| c.root.clone());
    c.display
        .strip_suffix(&display_path(&c.root, &canonical_root, &c.path, ""))
        .unwrap_or("")
        .trim_end_matches('/')
        .to_string()
}

/// Reads a file into the source map, bounded by [`crate::discover::MAX_FILE_BYTES`]. A file too
/// large or unreadable becomes a finding (located at `origin`, the line that named it, if any)
/// and `None`.
pub fn read_file(
    map: &mut SourceMap,
    path: &Path,
    display: String,
    findings: &mut Vec<Finding>,
    origin: Option<crate::source::Span>,
) -> Option<FileId> {
    let limit = crate::discover::MAX_FILE_BYTES;
    if std::fs::metadata(path).is_ok_and(|m| m.len() > limit) {
        findings.push(Finding::new(
            crate::diag::FindingKind::LimitExceeded,
            format!("{display}: larger than {limit} bytes, not read"),
            origin,
        ));
        return None;
    }
    match std::fs::read(path) {
        Ok(raw) => Some(map.add(display, path.to_path_buf(), &raw)),
        Err(e) => {
            findings.push(Finding::new(
                crate::diag::FindingKind::ReadError,
                format!("{display}: cannot be read: {e}"),
                origin,
            ));
            None
        }
    }
}
