//! Environment variables wherever they are set — `.env` files, Dockerfile `ENV`, compose
//! `environment:`, client configs' `env` — judged one way: the ones that disable certificate
//! validation are red flags, the ones that add trust anchors are notices, `FASTMCP_*` settings
//! are kept for the server ingesters.

use crate::diag::{Finding, FindingKind};
use crate::ingest::shared::redflag::verify_flag;
use crate::ingest::Ingested;
use crate::source::{FileId, SourceMap, Span};
use crate::yaml::Node;

/// Variables this module judges (also the words that make an env file or Dockerfile worth
/// reading).
pub const WORDS: &[&str] = &[
    "NODE_TLS_REJECT_UNAUTHORIZED",
    "PYTHONHTTPSVERIFY",
    "CURL_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "FASTMCP_",
    "NODE_OPTIONS",
];

/// `FASTMCP_*` and `NODE_OPTIONS` values found in env files and Dockerfiles of the scan.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// (name, value, file, offset)
    pub vars: Vec<(String, String, FileId, usize)>,
}

impl Settings {
    pub fn get(&self, name: &str) -> Option<&(String, String, FileId, usize)> {
        self.vars.iter().find(|v| v.0 == name)
    }
}

/// What a variable assignment means for certificate validation.
pub enum Judgement {
    /// Validation is off; the text explains how.
    Disabled(String),
    /// Information, not a failure (a custom trust anchor, a lowered TLS floor): a notice.
    CustomTrust(String),
}

/// Judges one assignment `name=value`.
pub fn judge(name: &str, value: &str) -> Option<Judgement> {
    let v = value.trim().trim_matches(['"', '\'']);
    match name {
        "NODE_TLS_REJECT_UNAUTHORIZED" if v == "0" => Some(Judgement::Disabled(format!(
            "{name}={v} turns off certificate validation for every TLS connection of the Node.js process"
        ))),
        "PYTHONHTTPSVERIFY" if v == "0" => Some(Judgement::Disabled(format!(
            "{name}={v} turns off certificate validation in Python's urllib (PEP 493; requests ignores it, but it states the intent)"
        ))),
        "CURL_CA_BUNDLE" if v.is_empty() => Some(Judgement::Disabled(format!(
            "{name}=\"\" turned off certificate validation in requests before psf/requests#6074 (2022)"
        ))),
        "NODE_OPTIONS" if v.contains("--tls-min-v1.0") || v.contains("--tls-min-v1.1") => {
            Some(Judgement::CustomTrust(format!(
                "{name} lowers Node.js's minimum TLS version ({v}): TLS 1.0/1.1 are offered and accepted by every TLS server and client of the process; NET03-TLS of the app's endpoints is decided by their own settings, check this by hand"
            )))
        }
        "NODE_EXTRA_CA_CERTS" | "REQUESTS_CA_BUNDLE" | "SSL_CERT_FILE" if !v.is_empty() => {
            Some(Judgement::CustomTrust(format!(
                "{name}={v} adds a custom trust anchor: connections are validated against it (information, not a failure; check that the CA is the organization's)"
            )))
        }
        _ => None,
    }
}

/// Records one assignment: a red flag, a notice, or a setting.
#[allow(clippy::too_many_arguments)]
pub fn assign(
    map: &SourceMap,
    file: FileId,
    name: &str,
    value: &str,
    offset: usize,
    component: &str,
    settings: Option<&mut Settings>,
    out: &mut Ingested,
) {
    match judge(name, value) {
        Some(Judgement::Disabled(text)) => {
            out.red_flags
                .push(verify_flag(map, file, offset, text, component, None));
        }
        Some(Judgement::CustomTrust(text)) => out.findings.push(Finding::new(
            FindingKind::Notice,
            text,
            Some(Span::new(file, offset, offset)),
        )),
        None => {}
    }
    if let Some(s) = settings {
        if name.starts_with("FASTMCP_") || name == "NODE_OPTIONS" {
            s.vars.push((
                name.to_string(),
                value.trim().trim_matches(['"', '\'']).to_string(),
                file,
                offset,
            ));
        }
    }
}

/// A `.env` file: `KEY=value`, `export KEY=value`, `#` comments.
pub fn env_file(map: &SourceMap, file: FileId, settings: &mut Settings, out: &mut Ingested) {
    let Some(sf) = map.get(file) else { return };
    let mut pairs = Vec::new();
    let mut offset = 0;
    for line in sf.text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let t = line.trim_start();
        let lead = line.len() - t.len();
        if t.starts_with('#') {
            continue;
        }
        let t = t.strip_prefix("export ").unwrap_or(t);
        let Some((k, v)) = t.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k.is_empty() || !k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let v = v.trim_end();
        // An unquoted value ends at ` #`.
        let v = if v.starts_with(['"', '\'']) {
            v
        } else {
            v.split(" #").next().unwrap_or(v)
        };
        pairs.push((k.to_string(), v.to_string(), start + lead));
    }
    for (k, v, at) in pairs {
        assign(map, file, &k, &v, at, "app", Some(settings), out);
    }
}

/// A Dockerfile's `ENV` instructions (`ENV K=V K2="V 2"` and the legacy `ENV K V`).
pub fn dockerfile(map: &SourceMap, file: FileId, settings: &mut Settings, out: &mut Ingested) {
    let Some(sf) = map.get(file) else { return };
    let mut pairs = Vec::new();
    let mut offset = 0;
    let mut cont: Option<usize> = None;
    for line in sf.text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let t = line.trim();
        let body = if cont.is_some() {
            Some(t)
        } else {
            t.strip_prefix("ENV ")
                .or_else(|| t.strip_prefix("env "))
                .map(str::trim_start)
        };
        let Some(body) = body else {
            continue;
        };
        cont = body.ends_with('\\').then_some(start);
        let body = body.trim_end_matches('\\').trim();
        let at = start + line.find(body).unwrap_or(0);
        if !body.contains('=') {
            if let Some((k, v)) = body.split_once(char::is_whitespace) {
                pairs.push((k.to_string(), v.trim().to_string(), at));
            }
            continue;
        }
        for (k, v) in split_assignments(body) {
            pairs.push((k, v, at));
        }
    }
    for (k, v, at) in pairs {
        assign(map, file, &k, &v, at, "app", Some(settings), out);
    }
}

/// `A=1 B="x y"` → pairs, honoring quotes.
fn split_assignments(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => quote = Some(c),
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() {
                    words.push(std::mem::take(&mut cur));
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() || s.ends_with("\"\"") {
        words.push(cur);
    }
    for w in words {
        if let Some((k, v)) = w.split_once('=') {
            out.push((k.to_string(), v.to_string()));
        }
    }
    out
}

/// The hook the compose reader calls for each compose document: every service's
/// `environment:` (map or `KEY=value` list).
pub fn compose(map: &SourceMap, file: FileId, root: &Node, out: &mut Ingested) {
    let Some(services) = root.get("services") else {
        return;
    };
    for (_, svc) in services.entries() {
        let Some(envs) = svc.get("environment") else {
            continue;
        };
        for item in envs.items() {
            if let Some(s) = item.scalar() {
                let (k, v) = s.split_once('=').unwrap_or((s.as_str(), ""));
                assign(map, file, k.trim(), v, item.start, "app", None, out);
            }
        }
        for (k, v) in envs.entries() {
            if let Some(name) = k.scalar() {
                let value = v.scalar().unwrap_or_default();
                assign(map, file, name.trim(), &value, k.start, "app", None, out);
            }
        }
    }
}

/// A client config entry's `env` map (`mcpServers.<n>.env`).
pub fn client_env(map: &SourceMap, file: FileId, env: &Node, endpoint: &str, out: &mut Ingested) {
    for (k, v) in env.entries() {
        let (Some(name), Some(value)) = (k.scalar(), v.scalar()) else {
            continue;
        };
        match judge(&name, &value) {
            Some(Judgement::Disabled(text)) => out.red_flags.push(verify_flag(
                map,
                file,
                k.start,
                text,
                "client",
                Some(endpoint.to_string()),
            )),
            Some(Judgement::CustomTrust(text)) => out.findings.push(Finding::new(
                FindingKind::Notice,
                text,
                Some(Span::new(file, k.start, k.start)),
            )),
            None => {}
        }
    }
}
