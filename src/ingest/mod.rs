//! Stage 3 — ingestion: the one table of formats, from a file's kind to its ingester.
//!
//! [`FORMATS`] lists every format once, in precedence order: [`detect`] asks each format in
//! turn whether a file is its own (name first, then the file's head, read once by [`Sniff`]);
//! [`ingest`] hands each format its candidates, in the same order. A format parses with spans
//! and normalizes into the model; it imports the shared layers (`source`, `model`, `diag`,
//! [`shared`]) and never another format. Adding a format is one folder beside this file, one
//! row in [`FORMATS`], one [`Kind`] variant and one fixture folder (see `ARCHITECTURE.md`).

pub mod app;
pub mod caddy;
pub mod client;
pub mod kubernetes;
pub mod nginx;
pub mod shared;
pub mod traefik;

use crate::diag::{Finding, FindingKind};
use crate::model::{Client, Component, Endpoint, ProductWords, RedFlag};
use crate::source::{FileId, SourceMap, Unread};
use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

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

/// How to fix a FAIL in a product's own terms: the setting to write, with a value that passes.
/// Each format declares its own; results take the one their requirement calls for.
#[derive(Debug)]
pub struct Fixes {
    /// Serve TLS where content is served in plaintext.
    pub tls: &'static str,
    /// Offer TLS 1.2 and 1.3 only.
    pub protocols: &'static str,
    /// Offer only strong suites.
    pub ciphers: &'static str,
    /// Redirect or refuse plaintext HTTP.
    pub redirect: &'static str,
    /// Verify the upstream's certificate.
    pub verify: &'static str,
    /// Encrypt the hop to the upstream.
    pub hop: &'static str,
    /// Send Strict-Transport-Security.
    pub hsts: &'static str,
}

/// One input format: how to recognise its files and how to read them.
pub struct Format {
    /// The component its endpoints carry in the model.
    pub component: Component,
    /// How the product names its parts, for the policies' messages (none for formats that
    /// are not a product's configuration).
    pub words: Option<&'static ProductWords>,
    /// How to fix a FAIL in this format's terms.
    pub fixes: &'static Fixes,
    /// The kinds of file this format reads (Traefik reads its own files and compose files).
    pub kinds: &'static [Kind],
    /// The kind of a file, from its name and head; `None` when the file is not this format's.
    pub detect: fn(&Sniff) -> Option<Kind>,
    /// Reads every candidate of [`Format::kinds`] into the model.
    pub ingest: fn(&mut SourceMap, &[&Candidate], &Declared, &mut Ingested),
}

/// Every format, in precedence order: a file is the first format's that claims it, and the
/// formats are ingested in this order. Kubernetes comes before Traefik (a `traefik.yaml` that
/// is a manifest is a manifest); client configs before app configs (a client config's name is
/// never a server config).
pub const FORMATS: &[Format] = &[
    Format {
        component: Component::Nginx,
        words: Some(&nginx::WORDS),
        fixes: &nginx::FIXES,
        kinds: &[Kind::Nginx],
        detect: nginx::detect,
        ingest: nginx::ingest,
    },
    Format {
        component: Component::Caddy,
        words: Some(&caddy::WORDS),
        fixes: &caddy::FIXES,
        kinds: &[Kind::Caddy],
        detect: caddy::detect,
        ingest: caddy::ingest,
    },
    Format {
        component: Component::Kubernetes,
        words: Some(&kubernetes::WORDS),
        fixes: &kubernetes::FIXES,
        kinds: &[Kind::Kubernetes],
        detect: kubernetes::detect,
        ingest: kubernetes::ingest,
    },
    Format {
        component: Component::Traefik,
        words: Some(&traefik::WORDS),
        fixes: &traefik::FIXES,
        kinds: &[Kind::Traefik, Kind::Compose],
        detect: traefik::detect,
        ingest: traefik::ingest,
    },
    Format {
        component: Component::Client,
        words: None,
        fixes: &client::FIXES,
        kinds: &[Kind::Client],
        detect: client::detect,
        ingest: client::ingest,
    },
    Format {
        component: Component::App,
        words: Some(&app::WORDS),
        fixes: &app::FIXES,
        kinds: &[Kind::App],
        detect: app::detect,
        ingest: app::ingest,
    },
];

/// One file to ingest.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub path: PathBuf,
    pub display: String,
    pub kind: Kind,
    /// The scanned directory this file was found under.
    pub root: PathBuf,
}

/// The most of a file's head detection reads (a generic config larger than 256 KiB is never
/// claimed, so one byte more tells).
const HEAD_BYTES: usize = 256 * 1024 + 1;

/// What detection may know of a file: its path and name, and its head, read at most once and
/// only when a format asks. Detection does no other I/O, with one exception kept here: whether
/// a generic config's folder holds MCP server source ([`Sniff::siblings`], [`Sniff::head_of`]).
pub struct Sniff<'a> {
    pub path: &'a Path,
    /// The file name, lowercase.
    pub name: String,
    head: OnceCell<Option<Vec<u8>>>,
}

impl<'a> Sniff<'a> {
    pub fn new(path: &'a Path) -> Self {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        Sniff {
            path,
            name,
            head: OnceCell::new(),
        }
    }

    /// The first `n` bytes of the file (`n` at most 256 KiB + 1); `None` when it cannot be read.
    pub fn head(&self, n: usize) -> Option<&[u8]> {
        let head = self
            .head
            .get_or_init(|| read_head(self.path, HEAD_BYTES))
            .as_deref()?;
        Some(&head[..n.min(head.len())])
    }

    /// The first `n` bytes as text (invalid UTF-8 replaced).
    pub fn text(&self, n: usize) -> Option<Cow<'_, str>> {
        self.head(n).map(String::from_utf8_lossy)
    }

    /// The name of the folder the file is in.
    pub fn folder(&self) -> Option<String> {
        self.path
            .parent()
            .and_then(|p| p.file_name())
            .map(|d| d.to_string_lossy().into_owned())
    }

    /// The files beside this one whose lowercase name passes `keep`, sorted, at most 200.
    pub fn siblings(&self, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
        let Some(dir) = self.path.parent() else {
            return Vec::new();
        };
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut names: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| keep(&n.to_string_lossy().to_ascii_lowercase()))
            })
            .take(200)
            .collect();
        names.sort();
        names
    }

    /// The first `n` bytes of another file (one of [`Sniff::siblings`]).
    pub fn head_of(&self, path: &Path, n: usize) -> Option<Vec<u8>> {
        read_head(path, n)
    }
}

fn read_head(path: &Path, n: usize) -> Option<Vec<u8>> {
    use std::io::Read;
    // Opening a FIFO blocks: only regular files are opened.
    if !std::fs::metadata(path).is_ok_and(|m| m.is_file()) {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    let mut buf = Vec::with_capacity(n.min(64 * 1024));
    file.take(n as u64).read_to_end(&mut buf).ok()?;
    Some(buf)
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

/// The `tls.crt` entry of a Kubernetes Secret of type `kubernetes.io/tls`, as written; or why a
/// Secret of the scanned manifests holds none. Nothing of `tls.key` is ever looked at.
#[derive(Debug, Clone)]
pub struct TlsSecret {
    /// `namespace/name`, as `secret:` references write it.
    pub id: String,
    /// The `tls.crt` key in the manifest (the Secret's name when it has none).
    pub span: crate::model::ModelSpan,
    /// The value: base64 of the PEM (under `data`) or the PEM itself (under `stringData`).
    pub value: String,
    pub base64: bool,
    /// Why the Secret holds no certificate to read (not of type `kubernetes.io/tls`, no
    /// `tls.crt`).
    pub problem: Option<String>,
}

/// Decides a file's kind: the first format in [`FORMATS`] that claims it. `None` = not a file
/// tlsproof reads.
pub fn detect(path: &Path) -> Option<Kind> {
    // The claims file is read by the exceptions stage, never as configuration.
    if path
        .file_name()
        .is_some_and(|n| n == crate::exceptions::FILE_NAME)
    {
        return None;
    }
    let sniff = Sniff::new(path);
    FORMATS.iter().find_map(|f| (f.detect)(&sniff))
}

/// Runs every format's ingester over its candidates, in [`FORMATS`] order.
pub fn ingest(map: &mut SourceMap, candidates: &[Candidate], declared: &Declared) -> Ingested {
    let mut out = Ingested::default();
    for format in FORMATS {
        let mine: Vec<&Candidate> = candidates
            .iter()
            .filter(|c| format.kinds.contains(&c.kind))
            .collect();
        if !mine.is_empty() {
            (format.ingest)(map, &mine, declared, &mut out);
        }
    }
    distinct_ids(&mut out.endpoints, &mut out.red_flags);
    out
}

/// Makes endpoint ids unique in the scan: endpoints that share one (two Kubernetes objects of
/// one namespace/name in alternative manifests) are told apart by their file after `@` — and
/// their line when they share the file too — and the red flags that name them follow.
fn distinct_ids(endpoints: &mut [Endpoint], red_flags: &mut [RedFlag]) {
    let mut by_id: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, e) in endpoints.iter().enumerate() {
        by_id.entry(e.id.clone()).or_default().push(i);
    }
    for (id, group) in by_id.into_iter().filter(|(_, g)| g.len() > 1) {
        let files: Vec<String> = group
            .iter()
            .filter_map(|&i| endpoints.get(i).map(|e| e.span.file.clone()))
            .collect();
        for &i in &group {
            let Some(e) = endpoints.get_mut(i) else {
                continue;
            };
            let shared_file = files.iter().filter(|f| **f == e.span.file).count() > 1;
            e.id = if shared_file {
                format!("{id}@{}:{}", e.span.file, e.span.line)
            } else {
                format!("{id}@{}", e.span.file)
            };
            for f in red_flags.iter_mut().filter(|f| {
                f.endpoint.as_deref() == Some(id.as_str()) && f.span.file == e.span.file
            }) {
                f.endpoint = Some(e.id.clone());
            }
        }
    }
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

/// Reads a file into the source map, bounded by [`crate::source::MAX_FILE_BYTES`]. A file too
/// large or unreadable becomes a finding (located at `origin`, the line that named it, if any)
/// and `None`.
pub fn read_file(
    map: &mut SourceMap,
    path: &Path,
    display: String,
    findings: &mut Vec<Finding>,
    origin: Option<crate::source::Span>,
) -> Option<FileId> {
    let limit = crate::source::MAX_FILE_BYTES;
    read_file_within(map, (path, display), findings, origin, limit)
}

/// [`read_file`] with its own budget of `limit` bytes.
pub fn read_file_within(
    map: &mut SourceMap,
    (path, display): (&Path, String),
    findings: &mut Vec<Finding>,
    origin: Option<crate::source::Span>,
    limit: u64,
) -> Option<FileId> {
    let why = match crate::source::read_regular(path, limit.min(map.bytes_left())) {
        Ok(raw) => return Some(map.add(display, path.to_path_buf(), &raw)),
        Err(Unread::TooLarge(size)) if size <= limit => (
            FindingKind::LimitExceeded,
            crate::source::scan_budget_message(&display, map.budget().unwrap_or_default()),
        ),
        Err(Unread::TooLarge(_)) => (
            FindingKind::LimitExceeded,
            format!("{display}: larger than {limit} bytes, not read"),
        ),
        Err(Unread::NotRegular(what)) => (
            FindingKind::ReadError,
            format!("{display}: {what}, not a regular file; not read"),
        ),
        Err(Unread::Io(e)) => (
            FindingKind::ReadError,
            format!("{display}: cannot be read: {e}"),
        ),
    };
    findings.push(Finding::new(why.0, why.1, origin));
    None
}
