//! MCP application ingestion: server source code (Python, JavaScript/TypeScript, Go), `.env`
//! files, Dockerfiles, compose `environment:` and package manifests → app endpoints (transport,
//! bind address, TLS) and red flags (certificate validation turned off).
//!
//! Source is read as a token stream ([`crate::ingest::source_tokens`]): comments and string
//! contents are never code. Package versions (mcp, fastmcp) come from `pyproject.toml`,
//! `requirements*.txt` and lock files; where absent, the worst-case default applies, with a note.

pub mod config;
pub mod env;
pub mod js;
pub mod python;
pub mod versions;

use crate::discover::Candidate;
use crate::ingest::source_tokens::Lang;
use crate::ingest::{Ingested, Kind};
use crate::model::{
    CipherList, Endpoint, Fact, Listen, ModelSpan, Origin, Plaintext, RedFlag, Scope, Tls,
    Transport,
};
use crate::source::{FileId, SourceMap, Span};
use std::path::Path;

/// Words that make a source file worth reading (an MCP server, a TLS setting, a red flag).
const SOURCE_WORDS: &[&str] = &[
    "FastMCP",
    "MCPServer",
    "uvicorn",
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
    "PYTHONHTTPSVERIFY",
    "CURL_CA_BUNDLE",
];

/// Whether a file is an MCP application file this module reads. Conservative: source files
/// only when they mention an MCP server or a TLS setting; env files and Dockerfiles only when
/// they set a variable this module judges; manifests only when they name `mcp`/`fastmcp`.
pub fn detect(path: &Path) -> bool {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return false;
    };
    let lower = name.to_ascii_lowercase();
    let words: &[&str] = if Lang::of(&lower).is_some() {
        SOURCE_WORDS
    } else if is_env_file(&lower) {
        env::WORDS
    } else if is_dockerfile(&lower) {
        &[env::WORDS, &["uvicorn"]].concat()
    } else if versions::is_manifest(&lower) {
        &["mcp"]
    } else if lower == "fastmcp.json" {
        return true;
    } else {
        return config::detect(path, &lower);
    };
    let Some(head) = crate::discover::head(path, 256 * 1024) else {
        return false;
    };
    let text = String::from_utf8_lossy(&head);
    words.iter().any(|w| text.contains(w))
}

pub fn is_env_file(lower: &str) -> bool {
    lower == ".env" || (lower.starts_with(".env.") && lower != ".envrc") || lower.ends_with(".env")
}

pub fn is_dockerfile(lower: &str) -> bool {
    lower == "dockerfile" || lower.starts_with("dockerfile.") || lower.ends_with(".dockerfile")
}

/// Whether a file is test code: under a test or fixture folder, or named like a test. Red flags
/// there are information only. `rel` is the path relative to the scanned root (without the
/// prefix a multi-path scan puts in front), so a scanned root named `tests` does not make
/// everything in it test code.
pub fn in_test_code(rel: &str) -> bool {
    let mut parts: Vec<&str> = rel.split('/').collect();
    let name = parts.pop().unwrap_or("").to_ascii_lowercase();
    let dir_hit = parts.iter().any(|p| {
        matches!(
            p.to_ascii_lowercase().as_str(),
            "test"
                | "tests"
                | "__tests__"
                | "__mocks__"
                | "spec"
                | "specs"
                | "fixtures"
                | "fixture"
                | "testdata"
                | "e2e"
        )
    });
    dir_hit
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.ends_with("_test.go")
        || name.ends_with("_test.py")
        || name == "conftest.py"
        || (name.starts_with("test_") && name.ends_with(".py"))
}

/// Ingests every app candidate; runs after the proxy ingesters so app endpoints can be linked
/// to the proxy hops that reach them.
pub fn ingest(map: &mut SourceMap, candidates: &[&Candidate], out: &mut Ingested) {
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
            } else if versions::is_manifest(&lower) {
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
            Some(Lang::Go) => js::scan_go(map, *id, out),
            None if is_dockerfile(lower) => python::dockerfile_commands(map, *id, &mut endpoints),
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
    link_to_proxies(map, &mut endpoints, &out.endpoints);
    for mut ep in endpoints {
        crate::ingest::endpoint::finish(&mut ep);
        out.endpoints.push(ep);
    }
}

/// A model span for a byte offset in a file.
pub fn at(map: &SourceMap, file: FileId, offset: usize) -> ModelSpan {
    ModelSpan::resolve(map, Span::new(file, offset, offset), &[])
}

/// A red flag that disables certificate validation.
pub fn verify_flag(
    map: &SourceMap,
    file: FileId,
    offset: usize,
    text: impl Into<String>,
    component: &str,
    endpoint: Option<String>,
) -> RedFlag {
    let span = at(map, file, offset);
    let in_test_code = in_test_code(map.relative_display(file));
    RedFlag {
        kind: "verify_disabled".into(),
        text: text.into(),
        component: Some(component.into()),
        endpoint,
        span,
        in_test_code,
    }
}

/// TLS settings of an app endpoint that serves plaintext.
pub fn no_tls(span: &ModelSpan) -> Tls {
    let none = |what: &str| format!("no TLS on this listener: {what} do not apply");
    Tls {
        enabled: false,
        protocols: Fact::derived(Vec::new(), span.clone(), none("protocols")),
        ciphers: Fact::derived(
            CipherList {
                spec: String::new(),
                suites: Vec::new(),
                unknown: Vec::new(),
            },
            span.clone(),
            none("ciphers"),
        ),
        tls13_suites: Fact::derived(Vec::new(), span.clone(), none("TLS 1.3 suites")),
        certificates: Vec::new(),
        client_auth: Fact::derived("off".into(), span.clone(), none("client certificates")),
        hsts: Fact::derived(None, span.clone(), none("HSTS")),
        session_tickets: None,
        reject_handshake: None,
    }
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
        address: address.into(),
        port,
        scope,
        tls,
        tls_source: None,
        quic: false,
        default_server: false,
        span,
        origin,
        note,
    }
}

/// A new app endpoint (call [`crate::ingest::endpoint::finish`] after filling it).
pub fn endpoint(id: String, span: ModelSpan, listens: Vec<Listen>, tls: Option<Tls>) -> Endpoint {
    let stdio = listens.iter().all(|l| l.scope == Scope::Stdio) && !listens.is_empty();
    let tls = tls.unwrap_or_else(|| no_tls(&span));
    let no = |what: &str| Fact::default(false, span.clone(), what.to_string());
    Endpoint {
        id,
        component: "app".into(),
        context: None,
        server_names: Vec::new(),
        listens,
        scope: Scope::Unknown,
        transport: if stdio {
            Transport::Stdio
        } else {
            Transport::Http
        },
        serves_content: Fact::derived(true, span.clone(), "an MCP server answers requests"),
        tls,
        plaintext: Plaintext {
            listens: Vec::new(),
            redirects_to_https: no("the application server does not redirect plaintext to https"),
            blocked: no("the application server answers plaintext requests"),
        },
        hops: Vec::new(),
        mcp_path: None,
        heuristic: None,
        span,
    }
}

/// Notes, on each app listen, the proxy hops in the same scan that reach its port.
/// Whether a proxy's upstream target is this app's listener: the same port, and either the
/// same host as written, or a loopback target while the app listens on loopback or on every
/// interface (the proxy runs on the same machine). A target on another host with the same port
/// is a different server.
pub(crate) fn reaches(
    t: &crate::model::HopTarget,
    app_address: &str,
    app_scope: Scope,
    port: u16,
) -> bool {
    let Some((host, p)) = t.address.rsplit_once(':') else {
        return false;
    };
    if p.parse::<u16>().ok() != Some(port) {
        return false;
    }
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let app = app_address.trim_start_matches('[').trim_end_matches(']');
    if host.eq_ignore_ascii_case(app) {
        return true;
    }
    let all_interfaces = matches!(app, "0.0.0.0" | "::" | "*" | "");
    t.scope == Scope::Loopback && (app_scope == Scope::Loopback || all_interfaces)
}

fn link_to_proxies(map: &SourceMap, apps: &mut [Endpoint], proxies: &[Endpoint]) {
    let _ = map;
    for ep in apps.iter_mut() {
        for l in ep.listens.iter_mut() {
            let Some(port) = l.port else { continue };
            let mut via = Vec::new();
            for p in proxies {
                for h in &p.hops {
                    if h.targets
                        .iter()
                        .any(|t| reaches(t, &l.address, l.scope, port))
                    {
                        via.push(format!(
                            "{} ({} {} at {}:{})",
                            p.id, h.directive, h.upstream, h.span.file, h.span.line
                        ));
                    }
                }
            }
            if !via.is_empty() {
                let text = format!("behind {}", via.join(", "));
                l.note = Some(match l.note.take() {
                    Some(n) => format!("{n}; {text}"),
                    None => text,
                });
            }
        }
    }
}
