//! MCP application ingestion: server source code (Python, JavaScript/TypeScript, Go), `.env`
//! files, Dockerfiles, compose `environment:` and package manifests → app endpoints (transport,
//! bind address, TLS) and red flags (certificate validation turned off).
//!
//! Source is read as a token stream ([`crate::ingest::shared::tokens`]): comments and string
//! contents are never code. Package versions (mcp, fastmcp) come from `pyproject.toml`,
//! `requirements*.txt` and lock files; where absent, the worst-case default applies, with a note.

pub mod config;

pub mod golang;
pub mod hypercorn;
pub mod js;
pub mod pyssl;
pub mod python;
pub mod runtime;
pub mod versions;

use crate::ingest::shared::env;
use crate::ingest::shared::tokens::Lang;
use crate::ingest::{Candidate, Declared, Ingested, Kind, Sniff};
use crate::model::Component;
use crate::model::{EndpointDraft, Fact, Listen, ModelSpan, Origin, Scope, Tls, Transport};
use crate::source::{FileId, SourceMap, Span};

/// Words that make a source file worth reading (an MCP server, a TLS setting, a red flag).
const SOURCE_WORDS: &[&str] = &[
    "FastMCP",
    "MCPServer",
    "uvicorn",
    "hypercorn",
    "run_app",
    "TCPSite",
    "verify",
    "ssl",
    "ServerTransport",
    "McpServer",
    "rejectUnauthorized",
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "checkServerIdentity",
    "createServer",
    "DEFAULT_MIN_VERSION",
    "InsecureSkipVerify",
    "ListenAndServeTLS",
    "tls.Config",
    "PYTHONHTTPSVERIFY",
    "CURL_CA_BUNDLE",
];

/// Whether a file is an MCP application file this module reads. Conservative: source files
/// only when they mention an MCP server or a TLS setting; env files and Dockerfiles only when
/// they set a variable this module judges; manifests only when they name `mcp`/`fastmcp`.
pub fn detect(f: &Sniff) -> Option<Kind> {
    let lower = f.name.as_str();
    let words: &[&str] = if Lang::of(lower).is_some() {
        SOURCE_WORDS
    } else if is_env_file(lower) {
        env::WORDS
    } else if is_dockerfile(lower) {
        &[env::WORDS, &["uvicorn", "FROM python:"]].concat()
    } else if versions::is_manifest(lower) {
        &["mcp"]
    } else if lower == "fastmcp.json" {
        return Some(Kind::App);
    } else if lower == "go.mod" {
        &["module "]
    } else {
        return config::detect(f).then_some(Kind::App);
    };
    let text = f.text(256 * 1024)?;
    words.iter().any(|w| text.contains(w)).then_some(Kind::App)
}

pub fn is_env_file(lower: &str) -> bool {
    lower == ".env" || (lower.starts_with(".env.") && lower != ".envrc") || lower.ends_with(".env")
}

pub fn is_dockerfile(lower: &str) -> bool {
    lower == "dockerfile" || lower.starts_with("dockerfile.") || lower.ends_with(".dockerfile")
}

/// Ingests every app candidate; runs after the proxy ingesters so app endpoints can be linked
/// to the proxy hops that reach them.
pub fn ingest(
    map: &mut SourceMap,
    candidates: &[&Candidate],
    _declared: &Declared,
    out: &mut Ingested,
) {
    let mut files = Vec::new();
    for c in candidates {
        if let Some(id) =
            crate::ingest::read_file(map, &c.path, c.display.clone(), &mut out.findings, None)
        {
            let lower = c
                .display
                .rsplit('/')
                .next()
                .unwrap_or("")
                .to_ascii_lowercase();
            let role = if Lang::of(&lower).is_some() {
                "source"
            } else if is_env_file(&lower) {
                "env"
            } else if is_dockerfile(&lower) {
                "dockerfile"
            } else if lower == "fastmcp.json" {
                "fastmcp config"
            } else if versions::is_manifest(&lower) || lower == "go.mod" {
                "manifest"
            } else if config::has_config_ext(&lower) {
                "server config (heuristic)"
            } else {
                "manifest"
            };
            out.files.entry(id).or_insert((Kind::App, role.into()));
            files.push((id, lower));
        }
    }
    let vers = versions::collect(map, &files);
    let mut settings = env::Settings::default();
    for (id, lower) in &files {
        if is_env_file(lower) {
            env::env_file(map, *id, &mut settings, out);
        } else if is_dockerfile(lower) {
            env::dockerfile(map, *id, &mut settings, out);
        }
    }
    let mut endpoints = Vec::new();
    for (id, lower) in &files {
        let Some(sf) = map.get(*id) else { continue };
        match Lang::of(lower) {
            Some(Lang::Python) => python::scan(map, *id, &vers, &settings, &mut endpoints, out),
            Some(Lang::Js) => js::scan(map, *id, &settings, &mut endpoints, out),
            Some(Lang::Go) => golang::scan(map, *id, &vers.go(), &mut endpoints, out),
            None if is_dockerfile(lower) => {
                python::dockerfile_commands(map, *id, &vers.python(), &mut endpoints)
            }
            None if lower == "fastmcp.json" => {
                let text = sf.text.clone();
                python::fastmcp_json(map, *id, &text, &mut endpoints, out);
            }
            None if config::has_config_ext(lower) && !versions::is_manifest(lower) => {
                config::scan(map, *id, &mut endpoints, out);
            }
            None => {}
        }
    }
    out.endpoints
        .extend(endpoints.into_iter().map(EndpointDraft::finish));
}

/// A model span for a byte offset in a file.
pub fn at(map: &SourceMap, file: FileId, offset: usize) -> ModelSpan {
    ModelSpan::resolve(map, Span::new(file, offset, offset), &[])
}

/// TLS settings of an app endpoint that serves plaintext.
pub fn no_tls(span: &ModelSpan) -> Tls {
    Tls::none(span, |what| {
        format!("no TLS on this listener: {what} do not apply")
    })
}

/// A listen of an app endpoint.
pub fn listen(
    address: &str,
    port: Option<u16>,
    tls: bool,
    span: ModelSpan,
    origin: Origin,
    note: Option<String>,
) -> Listen {
    let scope = if address == "stdio" {
        Scope::Stdio
    } else {
        match Scope::of_host(address) {
            // A variable host is judged as its worst case: every interface.
            Scope::Unknown => Scope::Public,
            s => s,
        }
    };
    Listen {
        note,
        ..Listen::new(address, port, scope, tls, span, origin)
    }
}

/// A new app endpoint: stdio when every listener is, plain HTTP otherwise (no application
/// server redirects or refuses plaintext).
pub fn endpoint(
    id: String,
    span: ModelSpan,
    listens: Vec<Listen>,
    tls: Option<Tls>,
) -> EndpointDraft {
    let stdio = listens.iter().all(|l| l.scope == Scope::Stdio) && !listens.is_empty();
    let tls = tls.unwrap_or_else(|| no_tls(&span));
    let no = |what: &str| Fact::default(false, span.clone(), what.to_string());
    let redirects = no("the application server does not redirect plaintext to https");
    let blocked = no("the application server answers plaintext requests");
    EndpointDraft {
        listens,
        transport: if stdio {
            Transport::Stdio
        } else {
            Transport::Http
        },
        ..EndpointDraft::new(id, Component::App, span, tls, redirects, blocked)
    }
}

/// The words of application servers. `block` and the setting names are the generic ones: an
/// application names them in its own code.
pub const WORDS: crate::model::ProductWords = crate::model::ProductWords {
    block: "the endpoint",
    proxy: "proxy setting",
    certificate: "certificate setting",
    ciphers: "ciphers",
    passthrough: None,
    version_advice: "the default depends on the language runtime's version, which the scanned files do not show: set the version in the code (minimum_version, minVersion, MinVersion), or scan the file that pins the runtime (a Dockerfile FROM python:3.12, pyproject.toml requires-python, go.mod's go line)",
};

/// How to fix a FAIL in this format's terms.
pub const FIXES: super::Fixes = super::Fixes {
    tls: "listen on 127.0.0.1 behind a TLS-terminating proxy, or serve TLS itself (uvicorn --ssl-certfile/--ssl-keyfile, https.createServer with minVersion: \"TLSv1.2\")",
    protocols: "minVersion: \"TLSv1.2\" (Node) or ssl_context.minimum_version = TLSVersion.TLSv1_2 (Python)",
    ciphers: "ciphers: \"ECDHE+AESGCM:ECDHE+CHACHA20\" (Node), or the same string to SSLContext.set_ciphers",
    redirect: "serve only TLS, or bind plaintext to 127.0.0.1 behind a proxy that redirects",
    verify: "remove verify=False / rejectUnauthorized: false / InsecureSkipVerify; trust the server's CA explicitly instead",
    hop: "connect with https:// and certificate verification on",
    hsts: "send Strict-Transport-Security: max-age=31536000 from the TLS-terminating proxy",
};
