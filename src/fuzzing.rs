//! Entry points for the fuzz targets (`fuzz/`): each reads one input through one parser or
//! decoder the way a scan would, and then touches what later stages read of the outcome
//! (every finding's location and excerpt, the endpoints as JSON), so that a span that lies off
//! the text or a value that cannot be written fails here rather than in a scan. None of them
//! may panic or hang on any input; a panic is the fuzzer's crash.
//!
//! Formats whose ingester reads files from disk get the input as one file of the right name in
//! a scratch folder of this process ([`Scratch`]), scanned as its own root.

use crate::ingest::{self, Candidate, Declared, Ingested, Kind};
use crate::source::{FileId, SourceMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// nginx's own parser, in memory.
pub fn nginx_parse(data: &[u8]) {
    let (map, file) = in_memory("nginx.conf", data);
    if let Some(src) = map.get(file) {
        if let Err(finding) = ingest::nginx::parse::parse(file, &src.text) {
            touch_findings(&map, std::slice::from_ref(&finding));
        }
    }
}

/// An nginx main configuration through the nginx ingester (includes, normalization).
pub fn nginx(data: &[u8]) {
    ingest_as(&[("nginx.conf", Kind::Nginx)], data);
}

/// The Caddyfile lexer alone: `{$VAR}` substitution, then the tokens.
pub fn caddyfile_lex(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let sub = ingest::caddy::lex::substitute_env(&text, &|name: &str| {
        (name == "FUZZ").then(|| "{$FUZZ} a b".to_string())
    });
    if let Ok(tokens) = ingest::caddy::lex::tokenize(&sub) {
        for t in &tokens {
            let _ = (t.breaks(), text.get(t.start..t.end));
        }
    }
}

/// A Caddyfile through the Caddy ingester (imports, snippets, site blocks, normalization).
pub fn caddyfile(data: &[u8]) {
    ingest_as(&[("Caddyfile", Kind::Caddy)], data);
}

/// Kubernetes manifests (YAML → model): Ingress, Gateway API, Traefik CRDs, workloads.
pub fn kubernetes(data: &[u8]) {
    ingest_as(&[("manifests.yaml", Kind::Kubernetes)], data);
}

/// Traefik configuration in YAML (static and dynamic) and a compose file with Traefik labels.
pub fn traefik_yaml(data: &[u8]) {
    ingest_as(&[("traefik.yml", Kind::Traefik)], data);
    ingest_as(&[("docker-compose.yml", Kind::Compose)], data);
}

/// Traefik configuration in TOML.
pub fn traefik_toml(data: &[u8]) {
    ingest_as(&[("traefik.toml", Kind::Traefik)], data);
}

/// The shared YAML and TOML readers (with their limits), and `tlsproof.toml`.
pub fn yaml_toml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::yaml::parse_yaml(&text);
    let _ = crate::yaml::parse_toml(&text);
    let _ = crate::config::Config::parse(&text, "tlsproof.toml");
}

/// OpenSSL cipher strings (TLS 1.2 and below) and TLS 1.3 suite lists.
pub fn cipher_string(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let _ = crate::ciphers::expand(&text);
    let _ = crate::ciphers::expand_tls13(&text);
}

/// The claims file, `tlsproof-exceptions.yaml`, checked against the default policy.
pub fn exceptions(data: &[u8]) {
    static POLICY: OnceLock<crate::exceptions::Policy> = OnceLock::new();
    let policy = POLICY.get_or_init(crate::exceptions::Policy::default);
    let (map, file) = in_memory(crate::exceptions::FILE_NAME, data);
    let loaded = crate::exceptions::load(&map, file, policy);
    for problem in &loaded.file_problems {
        let _ = problem.location.line;
    }
}

/// A certificate file, PEM bundle or DER: read as CA file (trust anchors) and judged as a
/// chain, leaf first, against that store and against an empty one.
pub fn certificate(data: &[u8]) {
    let Some((_, path)) = Scratch::get().write("cert.pem", data) else {
        return;
    };
    let ders = crate::certs::certificate_ders(data);
    let empty = crate::certs::TrustStore::default();
    let _ = crate::certs::judge_served(&empty, ders.clone(), "example.com", NOW);
    let config = crate::certs::TrustConfig {
        system: false,
        ca_files: vec![(path, "cert.pem".into())],
        pins: Vec::new(),
    };
    if let Ok(store) = crate::certs::TrustStore::load(&config) {
        let _ = crate::certs::judge_served(&store, ders, "example.com", NOW);
    }
}

/// MCP client configs, under the names of the clients whose shape differs.
pub fn client_config(data: &[u8]) {
    ingest_as(
        &[
            ("claude_desktop_config.json", Kind::Client),
            (".vscode/mcp.json", Kind::Client),
            ("server.json", Kind::Client),
        ],
        data,
    );
}

/// MCP server code and its configuration: Python, TypeScript, `.env`, Dockerfile, manifests.
pub fn app(data: &[u8]) {
    ingest_as(
        &[
            ("server.py", Kind::App),
            ("server.ts", Kind::App),
            (".env", Kind::App),
            ("Dockerfile", Kind::App),
            ("pyproject.toml", Kind::App),
            ("fastmcp.json", Kind::App),
        ],
        data,
    );
}

/// Results of testssl.sh or sslyze (`--observations`).
pub fn observations(data: &[u8]) {
    let _ = crate::probe::import::parse(data);
}

/// A fuzz target: one input, read as a scan would read it.
pub type Target = fn(&[u8]);

/// Every target by name, for the fuzz driver and the regression tests.
pub const TARGETS: &[(&str, Target)] = &[
    ("nginx_parse", nginx_parse),
    ("nginx", nginx),
    ("caddyfile_lex", caddyfile_lex),
    ("caddyfile", caddyfile),
    ("kubernetes", kubernetes),
    ("traefik_yaml", traefik_yaml),
    ("traefik_toml", traefik_toml),
    ("yaml_toml", yaml_toml),
    ("cipher_string", cipher_string),
    ("exceptions", exceptions),
    ("certificate", certificate),
    ("client_config", client_config),
    ("app", app),
    ("observations", observations),
];

/// The target called `name`.
pub fn target(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// The evaluation time of certificate checks: fixed, so a run is reproducible.
const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

/// A source map holding `data` as the file `name`, never read from disk.
fn in_memory(name: &str, data: &[u8]) -> (SourceMap, FileId) {
    let mut map = SourceMap::new();
    let file = map.add(name.to_string(), PathBuf::from(name), data);
    (map, file)
}

/// Writes `data` under each of `files` (name, kind) in turn and ingests it as the only file of
/// its scan.
fn ingest_as(files: &[(&str, Kind)], data: &[u8]) {
    let scratch = Scratch::get();
    for (name, kind) in files {
        let Some((root, path)) = scratch.write(name, data) else {
            continue;
        };
        let candidate = Candidate {
            path,
            display: (*name).to_string(),
            kind: *kind,
            root,
        };
        let mut map = SourceMap::new();
        let out = ingest::ingest(&mut map, &[candidate], &Declared::default());
        touch(&map, &out);
    }
}

/// Reads what the results and views read of an ingestion: each finding's location and
/// excerpt, and the endpoints and clients as JSON.
fn touch(map: &SourceMap, out: &Ingested) {
    touch_findings(map, &out.findings);
    let _ = serde_json::to_vec(&out.endpoints);
    let _ = serde_json::to_vec(&out.clients);
    let _ = serde_json::to_vec(&out.red_flags);
}

fn touch_findings(map: &SourceMap, findings: &[crate::diag::Finding]) {
    for finding in findings {
        for span in &finding.spans {
            let _ = (map.location(*span), map.snippet(*span));
        }
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Option<PathBuf>> = const { std::cell::RefCell::new(None) };
}

/// Makes `dir` the folder where this thread's targets write the inputs that ingesters read
/// from disk. Without it: `$TLSPROOF_FUZZ_DIR` (one per running fuzzer: its forked children
/// reuse it), else a folder of this process in the temporary folder.
pub fn use_scratch_dir(dir: PathBuf) {
    SCRATCH.with(|s| *s.borrow_mut() = Some(dir));
}

/// The scratch folder of this thread.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn get() -> Scratch {
        let dir = SCRATCH.with(|s| s.borrow().clone()).unwrap_or_else(|| {
            std::env::var_os("TLSPROOF_FUZZ_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| {
                    std::env::temp_dir().join(format!("tlsproof-fuzz-{}", std::process::id()))
                })
        });
        Scratch { dir }
    }

    /// `data` as the file `name` (which may have a folder), alone in a root folder of its own
    /// so that no other input is beside it (an nginx `include *` sees only this file): the
    /// root and the file's path. Each input overwrites the previous one of the same name.
    fn write(&self, name: &str, data: &[u8]) -> Option<(PathBuf, PathBuf)> {
        let root = self.dir.join(name.replace(['/', '.'], "_"));
        let path = root.join(name);
        if let Some(parent) = path.parent().filter(|p| *p != Path::new("")) {
            std::fs::create_dir_all(parent).ok()?;
        }
        std::fs::write(&path, data).ok()?;
        Some((root, path))
    }
}
