//! MCP client configurations → clients (outbound MCP connections) and red flags.
//!
//! Shapes read (formats.md §5.2): `mcpServers.<n>` (Claude Desktop, Claude Code `.mcp.json`
//! and `~/.claude.json` — also under `projects.<path>.mcpServers` —, Cursor, Windsurf with
//! `serverUrl`), VS Code's `servers.<n>`, and the MCP registry's `server.json` `remotes[]`.
//! A remote is its `url`, or the URL argument of `mcp-remote` in `command`/`args`.
//! `${VAR}` / `${input:…}` stay unexpanded: a variable scheme or host is indeterminate.
//! Credentials (in URLs, credential headers, `env` values) are redacted as they are read.

use crate::ingest::shared::findings::parse_error;
use crate::ingest::shared::redact;
use crate::ingest::shared::sniff::is_client_config_name;
use crate::ingest::shared::tokens::json;
use crate::ingest::Candidate;
use crate::ingest::{Declared, Ingested, Kind, Sniff};
use crate::model::{Client, Fact, ModelSpan, Scope};
use crate::source::{FileId, SourceMap, Span};
use crate::yaml::Node;

/// Whether a file is an MCP client config (by name, then a top-level key it must have).
pub fn detect(f: &Sniff) -> Option<Kind> {
    if !is_client_config_name(&f.name) {
        return None;
    }
    let text = f.text(256 * 1024)?;
    let found = if f.name == "server.json" {
        text.contains("\"remotes\"")
    } else {
        text.contains("\"mcpServers\"") || text.contains("\"servers\"")
    };
    found.then_some(Kind::Client)
}

/// Ingests every client config.
pub fn ingest(
    map: &mut SourceMap,
    candidates: &[&Candidate],
    _declared: &Declared,
    out: &mut Ingested,
) {
    for c in candidates {
        let Some(file) =
            crate::ingest::read_file(map, &c.path, c.display.clone(), &mut out.findings, None)
        else {
            continue;
        };
        out.files
            .entry(file)
            .or_insert((Kind::Client, "client config".into()));
        let text = map.get(file).map(|f| f.text.clone()).unwrap_or_default();
        let root = match json::parse(&text) {
            Ok(r) => r,
            Err(e) => {
                parse_error(map, file, &e, "not valid JSON", out);
                continue;
            }
        };
        let mut servers: Vec<(&Node, &Node)> = Vec::new();
        for key in ["mcpServers", "servers"] {
            if let Some(s) = root.get(key) {
                servers.extend(s.entries());
            }
        }
        if let Some(projects) = root.get("projects") {
            for (_, p) in projects.entries() {
                if let Some(s) = p.get("mcpServers") {
                    servers.extend(s.entries());
                }
            }
        }
        for (name, entry) in servers {
            let n = name.scalar().unwrap_or_default();
            entry_client(map, file, &n, entry, out);
        }
        if let Some(remotes) = root.get("remotes") {
            let base = root
                .get("name")
                .and_then(Node::scalar)
                .unwrap_or_else(|| "server".into());
            for (i, r) in remotes.items().iter().enumerate() {
                if let Some(u) = r.get("url") {
                    let name = format!("{base}#remotes[{i}]");
                    if let Some(client) = client_of(map, file, &name, u, None, None) {
                        out.clients.push(client);
                    }
                }
            }
        }
    }
}

/// One server entry: a `url` (or Windsurf's `serverUrl`), or `mcp-remote <url>` in
/// `command`/`args`; plus its `env`.
fn entry_client(map: &SourceMap, file: FileId, name: &str, entry: &Node, out: &mut Ingested) {
    let url_node = entry.get("url").or_else(|| entry.get("serverUrl"));
    let credential_headers: Vec<(&Node, &Node)> = entry
        .get("headers")
        .map(|h| {
            h.entries()
                .filter(|(k, _)| k.scalar().is_some_and(|k| redact::is_credential_name(&k)))
                .collect()
        })
        .unwrap_or_default();
    for (_, v) in &credential_headers {
        if let Some(value) = v.scalar() {
            redact::secret_at(map, file, v.start, &value);
        }
    }
    let mut creds: Option<usize> = credential_headers.first().map(|(k, _)| k.start);
    let mut allow_http = None;
    let mut remote_url: Option<&Node> = None;
    let command = entry
        .get("command")
        .and_then(Node::scalar)
        .unwrap_or_default();
    let args = entry.get("args").map(Node::items).unwrap_or(&[]);
    let remote = command.contains("mcp-remote")
        || args
            .iter()
            .any(|a| a.scalar().is_some_and(|s| s.contains("mcp-remote")));
    if remote {
        let mut prev_header = false;
        for a in args {
            let Some(s) = a.scalar() else { continue };
            if s == "--allow-http" {
                allow_http = Some(a.start);
            } else if let Some((_, value)) = s
                .split_once(':')
                .filter(|(name, _)| prev_header && redact::is_credential_name(name))
            {
                redact::secret_at(map, file, a.start, value.trim());
                creds.get_or_insert(a.start);
            } else if remote_url.is_none()
                && (s.starts_with("http://") || s.starts_with("https://") || s.starts_with("${"))
            {
                remote_url = Some(a);
            }
            prev_header = s == "--header";
        }
    }
    redact_credential_args(map, file, args);
    if let Some(env) = entry.get("env") {
        redact_env(map, file, env);
    }
    let Some(u) = url_node.or(remote_url) else {
        // A local stdio server: no network connection of its own.
        if let Some(env) = entry.get("env") {
            let id = format!(
                "client:{}:{}",
                map.get(file).map(|f| f.display.as_str()).unwrap_or(""),
                name
            );
            crate::ingest::shared::env::client_env(map, file, env, &id, out);
        }
        return;
    };
    let Some(mut client) = client_of(map, file, name, u, creds, allow_http) else {
        return;
    };
    if let Some(env) = entry.get("env") {
        let before = out.red_flags.len();
        crate::ingest::shared::env::client_env(map, file, env, &client.id, out);
        if let Some(f) = out.red_flags.get(before) {
            client.verify = Fact::explicit(false, f.span.clone()).with_note(f.text.clone());
        }
    }
    out.clients.push(client);
}

/// Marks the values of credential flags among a server's arguments (`--api-key VALUE`,
/// `--token=VALUE`) as credentials.
fn redact_credential_args(map: &SourceMap, file: FileId, args: &[Node]) {
    let mut after_flag = false;
    for a in args {
        let Some(s) = a.scalar() else { continue };
        let flag = s.strip_prefix("--").or_else(|| s.strip_prefix('-'));
        match flag.map(|f| f.split_once('=')) {
            Some(Some((name, value))) if redact::is_credential_name(name) => {
                redact::secret_at(map, file, a.start, value);
                after_flag = false;
            }
            Some(None) => after_flag = flag.is_some_and(redact::is_credential_name),
            _ => {
                if after_flag {
                    redact::secret_at(map, file, a.start, &s);
                }
                after_flag = false;
            }
        }
    }
}

/// Marks the values of a client entry's `env` as credentials, but for the variables tlsproof
/// judges (switches such as `NODE_TLS_REJECT_UNAUTHORIZED`, which its findings quote).
fn redact_env(map: &SourceMap, file: FileId, env: &Node) {
    for (k, v) in env.entries() {
        let judged = k.scalar().is_some_and(|k| {
            crate::ingest::shared::env::WORDS
                .iter()
                .any(|w| k.starts_with(w))
        });
        if let (false, Some(value)) = (judged, v.scalar()) {
            redact::secret_at(map, file, v.start, &value);
        }
    }
}

fn client_of(
    map: &SourceMap,
    file: FileId,
    name: &str,
    u: &Node,
    creds: Option<usize>,
    allow_http: Option<usize>,
) -> Option<Client> {
    let url = redact::url_at(map, file, u.start, &u.scalar()?);
    let span = ModelSpan::resolve(map, Span::new(file, u.start, u.start), &[]);
    let (scheme, host) = split_url(&url);
    let variable = |s: &str| s.contains("${") || s.contains('$') || s.contains("{{");
    let determinate =
        !scheme.is_empty() && !variable(&scheme) && !variable(&host) && !host.is_empty();
    let scope = if determinate {
        Scope::of_host(&host)
    } else {
        Scope::Unknown
    };
    let at = |o: usize| ModelSpan::resolve(map, Span::new(file, o, o), &[]);
    Some(Client {
        id: format!("client:{}:{}:{}", span.file, span.line, name),
        component: "client".into(),
        name: name.to_string(),
        url: Fact::explicit(url.clone(), span.clone()),
        scheme,
        host,
        scope,
        determinate,
        verify: Fact::default(
            true,
            span.clone(),
            "no setting in this entry disables certificate validation",
        ),
        headers_carry_credentials: creds.is_some(),
        credentials_span: creds.map(at),
        allow_http: allow_http.map(at),
        span,
    })
}

/// Scheme (lowercase) and host of a URL as written; empty when absent.
pub fn split_url(url: &str) -> (String, String) {
    let Some((scheme, rest)) = url.split_once("://") else {
        return (String::new(), String::new());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostport = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split(']').next().unwrap_or("").to_string()
    } else {
        hostport.split(':').next().unwrap_or("").to_string()
    };
    (scheme.to_ascii_lowercase(), host)
}

/// How to fix a FAIL in this format's terms.
pub const FIXES: super::Fixes = super::Fixes {
    tls: "an https:// server URL",
    protocols: "an https:// server URL to a server that offers TLS 1.2 or newer",
    ciphers: "an https:// server URL to a server that offers only strong suites",
    redirect: "an https:// server URL (remove --allow-http from mcp-remote)",
    verify: "remove the setting that turns certificate verification off; trust the server's CA explicitly instead",
    hop: "an https:// server URL",
    hsts: "an https:// server URL to a server that sends Strict-Transport-Security",
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_scheme_and_host() {
        assert_eq!(
            split_url("http://localhost:8787/mcp"),
            ("http".into(), "localhost".into())
        );
        assert_eq!(
            split_url("https://u:p@[::1]:3/x"),
            ("https".into(), "::1".into())
        );
        assert_eq!(split_url("${input:url}"), (String::new(), String::new()));
    }
}
