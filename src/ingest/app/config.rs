//! Generic MCP server configs (YAML, TOML, JSON) → app endpoints read by key name.
//!
//! Applications name their listener settings as they like, so these files are read with one
//! table of key names ([`KEYS`]). What a key means is a guess, so the endpoint carries a
//! `heuristic` marker and the policies answer MANUAL for it, naming the keys read. Two
//! readings are certain and judged as usual: `transport: stdio` and one unambiguous loopback bind.

use super::{at, endpoint, listen, no_tls};
use crate::ingest::shared::sniff::is_client_config_name;
use crate::ingest::shared::tokens::{json, Lang};
use crate::ingest::{Ingested, Sniff};
use crate::model::{
    Certificate, CipherList, EndpointDraft, Fact, Heuristic, HeuristicKey, Listen, ModelSpan,
    Origin, Scope,
};
use crate::source::{FileId, SourceMap};
use crate::yaml::{Node, Value};

/// What a key of a generic app config is taken to mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// The address (or `host:port`) the server listens on.
    Bind,
    Port,
    /// `stdio`, `http`, `sse`, `streamable-http`, …
    Transport,
    /// A switch that turns TLS on or off.
    Tls,
    Certificate,
    Key,
    /// The lowest (or the list of) TLS versions.
    Protocols,
    Ciphers,
}

impl Meaning {
    pub fn as_str(self) -> &'static str {
        match self {
            Meaning::Bind => "bind",
            Meaning::Port => "port",
            Meaning::Transport => "transport",
            Meaning::Tls => "tls",
            Meaning::Certificate => "certificate",
            Meaning::Key => "key",
            Meaning::Protocols => "protocols",
            Meaning::Ciphers => "ciphers",
        }
    }
}

/// The heuristics table: key path → meaning → why.
///
/// **Which files.** A `.yaml`/`.yml`/`.toml`/`.json` file that no other ingester claims (nginx,
/// Caddyfile, Traefik, compose, client configs, `server.json`, `fastmcp.json`, package manifests
/// and lock files are excluded by name; a document with a top-level `apiVersion`, `kind`,
/// `services`, `jobs`, `openapi`, `swagger`, `mcpServers`, `servers`, `remotes`, `entryPoints`,
/// `dependencies`, `scripts` or `compilerOptions` key, or a file under `.github/` or
/// `node_modules/`, is never read), with a single document whose *server section* holds a
/// `host`/`bind`/`listen`/`address`/`port`/`transport` key, where the server section is:
/// - the top level, when the file name contains `mcp` (`mcp-server.yaml`, `mcp.toml`);
/// - a top-level `mcp`, `mcp_server` (`mcpServer`, `mcp-server`) section, or `mcp.server`;
/// - a top-level `server` section, when the file name contains `mcp` or the file sits in the
///   same folder as MCP server source (a `.py`/`.js`/`.ts`/`.go` file naming FastMCP,
///   McpServer, `@modelcontextprotocol` or a server transport).
///
/// A section with a `url` or `command` key describes a connection to a server (a client
/// entry), not a listener, and is not read.
///
/// **Matching.** Keys compare ignoring case, `_` and `-` (`cert_file` = `certFile`); `ssl`
/// reads as `tls`; `tls.x` may also be written flat (`tls_cert_file`, `ssl_protocols`); the
/// `tls.` keys are read in a `tls`, `ssl` or `https` map inside the section. A value with
/// `${…}` or `$VAR` is a variable: indeterminate.
///
/// **Judgement.** `transport: stdio` → NOT_APPLICABLE (stdio). One `host`/`bind`/`listen`
/// (`bind_address`, `listen_address`) key with a literal loopback address, in the file's only
/// server section → NOT_APPLICABLE (loopback). Everything else → MANUAL for every requirement,
/// citing the keys read, because their meaning is the application's convention.
pub const KEYS: &[(&str, Meaning, &str)] = &[
    ("host", Meaning::Bind, "the interface the server binds; a literal loopback address is certain when it is the only bind key"),
    ("bind", Meaning::Bind, "the interface (or host:port) the server binds"),
    ("bind_address", Meaning::Bind, "the interface (or host:port) the server binds"),
    ("listen", Meaning::Bind, "an address, host:port or bare port the server listens on"),
    ("listen_address", Meaning::Bind, "an address or host:port the server listens on"),
    ("address", Meaning::Bind, "often the bind address, but also an advertised or public address: never certain"),
    ("addr", Meaning::Bind, "as `address`: never certain"),
    ("port", Meaning::Port, "the listening port; whether the server also binds every interface is not said"),
    ("transport", Meaning::Transport, "`stdio` means no network listener (certain); http, sse, streamable-http mean one"),
    ("tls", Meaning::Tls, "a boolean switch for TLS on the listener (a map holds the tls.* keys)"),
    ("https", Meaning::Tls, "a boolean switch for TLS on the listener"),
    ("tls.enabled", Meaning::Tls, "turns TLS on or off; whether for the MCP listener is the application's convention"),
    ("tls.enable", Meaning::Tls, "as tls.enabled"),
    ("tls.cert", Meaning::Certificate, "a certificate file; present with a key, taken to turn TLS on"),
    ("tls.cert_file", Meaning::Certificate, "as tls.cert"),
    ("tls.certificate", Meaning::Certificate, "as tls.cert"),
    ("tls.certificate_file", Meaning::Certificate, "as tls.cert"),
    ("tls.key", Meaning::Key, "the certificate's private key file"),
    ("tls.key_file", Meaning::Key, "as tls.key"),
    ("tls.min_version", Meaning::Protocols, "the lowest TLS version; its spelling and default are the application's"),
    ("tls.version", Meaning::Protocols, "as tls.min_version"),
    ("tls.protocols", Meaning::Protocols, "the TLS versions offered (nginx-like `ssl_protocols`)"),
    ("tls.min_protocol", Meaning::Protocols, "as tls.min_version"),
    ("ciphers", Meaning::Ciphers, "a cipher list; OpenSSL or IANA names, the application's choice"),
    ("tls.ciphers", Meaning::Ciphers, "as ciphers"),
    ("tls.cipher_suites", Meaning::Ciphers, "as ciphers"),
];

/// Top-level keys of documents that belong to another format or are not server configs.
const FOREIGN_KEYS: &[&str] = &[
    "apiversion",
    "kind",
    "services",
    "jobs",
    "openapi",
    "swagger",
    "mcpservers",
    "servers",
    "remotes",
    "entrypoints",
    "dependencies",
    "scripts",
    "compileroptions",
];

/// File names never read as generic configs (owned elsewhere, or package metadata).
const FOREIGN_NAMES: &[&str] = &[
    "fastmcp.json",
    "server.json",
    "package.json",
    "package-lock.json",
    "composer.json",
    "jsconfig.json",
    "cargo.toml",
    "pyproject.toml",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    ".pre-commit-config.yaml",
    "mkdocs.yml",
    "codecov.yml",
    ".gitlab-ci.yml",
];

/// Bind keys that name the server's own bind address without doubt (after normalizing).
const CERTAIN_BIND: &[&str] = &["host", "bind", "bindaddress", "listen", "listenaddress"];

/// Words in source code that make it MCP server source.
const MCP_SOURCE_WORDS: &[&str] = &[
    "FastMCP",
    "MCPServer",
    "McpServer",
    "@modelcontextprotocol",
    "StdioServerTransport",
    "StreamableHTTPServerTransport",
    "SSEServerTransport",
];

/// Largest file read by detection (bigger generic configs are not claimed).
const MAX_DETECT_BYTES: usize = 256 * 1024;

/// Whether the file name has a generic config extension.
pub fn has_config_ext(lower: &str) -> bool {
    [".yaml", ".yml", ".toml", ".json"]
        .iter()
        .any(|e| lower.ends_with(e))
}

/// Whether `path` is a generic MCP server config (the rule is in [`KEYS`]'s doc).
pub fn detect(f: &Sniff) -> bool {
    let lower = f.name.as_str();
    if !has_config_ext(lower)
        || FOREIGN_NAMES.contains(&lower)
        || lower.starts_with("tlsproof")
        || lower.starts_with("tsconfig")
        || is_client_config_name(lower)
        || f.path.components().any(|c| {
            let c = c.as_os_str();
            c == ".github" || c == "node_modules"
        })
    {
        return false;
    }
    let Some(head) = f.head(MAX_DETECT_BYTES + 1) else {
        return false;
    };
    if head.len() > MAX_DETECT_BYTES {
        return false;
    }
    let text = String::from_utf8_lossy(head);
    let low = text.to_ascii_lowercase();
    if !["host", "bind", "listen", "address", "port", "transport"]
        .iter()
        .any(|w| low.contains(w))
        || !(lower.contains("mcp") || low.contains("mcp") || low.contains("server"))
    {
        return false;
    }
    let Ok(root) = parse(lower, &text) else {
        return false;
    };
    !sections(&root, lower.contains("mcp"), || beside_mcp_source(f)).is_empty()
}

/// Parses a config by its extension: one document, or an error.
fn parse(lower: &str, text: &str) -> Result<Node, crate::yaml::ParseError> {
    if lower.ends_with(".toml") {
        crate::yaml::parse_toml(text)
    } else if lower.ends_with(".json") {
        json::parse(text)
    } else {
        let mut docs = crate::yaml::parse_yaml(text)?;
        if docs.len() != 1 {
            let message = format!("{} YAML documents; a server config has one", docs.len());
            return Err(crate::yaml::ParseError::syntax(message, None));
        }
        Ok(docs.remove(0))
    }
}

/// Whether the folder of the file holds MCP server source: the name of the first source file
/// there that mentions an MCP server.
fn beside_mcp_source(f: &Sniff) -> Option<String> {
    f.siblings(|name| Lang::of(name).is_some())
        .into_iter()
        .find_map(|p| {
            let head = f.head_of(&p, MAX_DETECT_BYTES)?;
            let text = String::from_utf8_lossy(&head);
            MCP_SOURCE_WORDS
                .iter()
                .any(|w| text.contains(w))
                .then(|| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .flatten()
        })
}

/// Lowercase without `_` and `-`.
fn norm(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The table entry for a normalized key path (`host`, `tls.certfile`).
fn lookup(path: &str) -> Option<Meaning> {
    KEYS.iter().find_map(|(k, m, _)| {
        let n: Vec<String> = k.split('.').map(norm).collect();
        (n.join(".") == path).then_some(*m)
    })
}

/// The meaning of a key written directly in a section: as is, or a flat `tls_x`/`ssl_x`.
fn lookup_flat(nk: &str) -> Option<Meaning> {
    let canon = if nk == "ssl" { "tls" } else { nk };
    lookup(canon).or_else(|| {
        let rest = nk.strip_prefix("tls").or_else(|| nk.strip_prefix("ssl"))?;
        if rest.is_empty() {
            return None;
        }
        lookup(&format!("tls.{rest}"))
    })
}

/// A server section of a config: its path as written and its map.
struct Section<'a> {
    path: String,
    node: &'a Node,
    /// Byte offset of the section's key (0 for the top level).
    start: usize,
    rule: String,
}

/// The server sections of a document that claim it (see [`KEYS`]).
fn sections<'a>(
    root: &'a Node,
    name_has_mcp: bool,
    beside: impl FnOnce() -> Option<String>,
) -> Vec<Section<'a>> {
    let mut out = Vec::new();
    if !root.is_map()
        || root.entries().any(|(k, _)| {
            k.scalar()
                .is_some_and(|s| FOREIGN_KEYS.contains(&norm(&s).as_str()))
        })
    {
        return out;
    }
    let name_rule = "the file name contains \"mcp\"".to_string();
    if name_has_mcp && qualifies(root) {
        out.push(Section {
            path: String::new(),
            node: root,
            start: 0,
            rule: name_rule.clone(),
        });
    }
    let mut server = None;
    for (k, v) in root.entries() {
        let Some(name) = k.scalar() else { continue };
        match norm(&name).as_str() {
            "mcp" | "mcpserver" => {
                if qualifies(v) {
                    out.push(Section {
                        path: name.clone(),
                        node: v,
                        start: k.start,
                        rule: format!("a top-level `{name}` section"),
                    });
                }
                if let Some((sk, sv)) = v
                    .entries()
                    .find(|(sk, _)| sk.scalar().is_some_and(|s| norm(&s) == "server"))
                {
                    if qualifies(sv) {
                        out.push(Section {
                            path: format!("{name}.{}", sk.scalar().unwrap_or_default()),
                            node: sv,
                            start: sk.start,
                            rule: format!("a `{name}.server` section"),
                        });
                    }
                }
            }
            "server" if qualifies(v) => server = Some((name, k.start, v)),
            _ => {}
        }
    }
    if let Some((name, start, node)) = server {
        let rule = if name_has_mcp {
            Some(format!(
                "a `{name}` section in a file whose name contains \"mcp\""
            ))
        } else {
            beside()
                .map(|src| format!("a `{name}` section in a file beside MCP server source ({src})"))
        };
        if let Some(rule) = rule {
            out.push(Section {
                path: name,
                node,
                start,
                rule,
            });
        }
    }
    out
}

/// A map with a bind, port or transport key, and no `url`/`command` (a client entry).
fn qualifies(node: &Node) -> bool {
    if !node.is_map() {
        return false;
    }
    let keys: Vec<String> = node
        .entries()
        .filter_map(|(k, _)| k.scalar().map(|s| norm(&s)))
        .collect();
    if keys.iter().any(|k| k == "url" || k == "command") {
        return false;
    }
    keys.iter().any(|k| {
        matches!(
            lookup_flat(k),
            Some(Meaning::Bind | Meaning::Port | Meaning::Transport)
        )
    })
}

/// One key read from a section.
struct Read {
    /// The key path as written (`server.tls.cert_file`).
    key: String,
    /// The key as normalized (`host`, `tls.certfile`).
    norm: String,
    value: String,
    meaning: Meaning,
    offset: usize,
    nested: bool,
}

impl Read {
    fn variable(&self) -> bool {
        self.value.contains('$')
    }
}

/// A scalar or a list of scalars as text.
fn text_of(node: &Node) -> Option<String> {
    match &node.value {
        Value::Seq(items) => Some(
            items
                .iter()
                .filter_map(Node::scalar)
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Value::Map(_) | Value::Null => None,
        _ => node.scalar(),
    }
}

/// Every table key in a section, in file order.
fn reads(section: &Section) -> Vec<Read> {
    let prefix = if section.path.is_empty() {
        String::new()
    } else {
        format!("{}.", section.path)
    };
    let mut out = Vec::new();
    for (k, v) in section.node.entries() {
        let Some(name) = k.scalar() else { continue };
        let nk = norm(&name);
        if v.is_map() && matches!(nk.as_str(), "tls" | "ssl" | "https") {
            for (k2, v2) in v.entries() {
                let Some(name2) = k2.scalar() else { continue };
                let path = format!("tls.{}", norm(&name2));
                let (Some(meaning), Some(value)) = (lookup(&path), text_of(v2)) else {
                    continue;
                };
                out.push(Read {
                    key: format!("{prefix}{name}.{name2}"),
                    norm: path,
                    value,
                    meaning,
                    offset: k2.start,
                    nested: true,
                });
            }
            continue;
        }
        let (Some(meaning), Some(value)) = (lookup_flat(&nk), text_of(v)) else {
            continue;
        };
        out.push(Read {
            key: format!("{prefix}{name}"),
            norm: nk,
            value,
            meaning,
            offset: k.start,
            nested: false,
        });
    }
    // TOML tables come in key order: cite in file order.
    out.sort_by_key(|r| r.offset);
    out
}

/// `host`, `host:port`, `[v6]:port`, `:port` or a bare port → (host, port).
fn split_bind(value: &str) -> (Option<String>, Option<u16>) {
    let v = value.trim();
    if let Ok(p) = v.parse::<u16>() {
        return (None, Some(p));
    }
    if let Some(rest) = v.strip_prefix('[') {
        if let Some((h, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (Some(format!("[{h}]")), port);
        }
    }
    let v = v
        .strip_prefix("http://")
        .or_else(|| v.strip_prefix("tcp://"))
        .unwrap_or(v);
    match v.matches(':').count() {
        1 => {
            let (h, p) = v.split_once(':').unwrap_or((v, ""));
            let host = if h.is_empty() { "*" } else { h };
            (Some(host.to_string()), p.parse().ok())
        }
        _ => (Some(v.to_string()), None),
    }
}

/// A YAML/TOML/JSON truth value (`true`, `on`, `yes`, `1`), or `None` when not one.
fn truth(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "on" | "yes" | "1" | "enabled" => Some(true),
        "false" | "off" | "no" | "0" | "disabled" => Some(false),
        _ => None,
    }
}

/// TLS versions from a minimum (`1.2`, `TLSv1.2`, `TLS1_2`) or a list (`TLSv1.2 TLSv1.3`).
fn protocols_of(value: &str, minimum: bool) -> Vec<String> {
    const ALL: &[&str] = &["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
    let canon = |t: &str| -> Option<&'static str> {
        let t = t
            .to_ascii_lowercase()
            .replace(['_', ' '], ".")
            .replace("tlsv", "")
            .replace("tls", "");
        match t.trim_matches('.') {
            "1" | "1.0" => Some("TLSv1"),
            "1.1" => Some("TLSv1.1"),
            "1.2" => Some("TLSv1.2"),
            "1.3" => Some("TLSv1.3"),
            "sslv3" | "ssl3" => Some("SSLv3"),
            _ => None,
        }
    };
    if minimum {
        match canon(value) {
            Some(min) => ALL
                .iter()
                .skip_while(|p| **p != min)
                .map(|p| p.to_string())
                .collect(),
            None => Vec::new(),
        }
    } else {
        value
            .split([' ', ','])
            .filter_map(canon)
            .map(String::from)
            .collect()
    }
}

/// Reads every generic config file claimed by [`detect`] into endpoints.
pub fn scan(map: &SourceMap, file: FileId, endpoints: &mut Vec<EndpointDraft>, out: &mut Ingested) {
    let Some(sf) = map.get(file) else { return };
    let lower = sf
        .display
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    let root = match parse(&lower, &sf.text) {
        Ok(r) => r,
        Err(e) => {
            let what = "not a readable server config";
            out.findings.push(e.finding(file, &sf.display, what));
            return;
        }
    };
    let path = sf.path.clone();
    let found = sections(&root, lower.contains("mcp"), || {
        beside_mcp_source(&Sniff::new(&path))
    });
    let only = found.len() == 1;
    let stem = lower.split('.').next().unwrap_or("config").to_string();
    for section in &found {
        let name = if section.path.is_empty() {
            stem.clone()
        } else {
            section.path.clone()
        };
        if let Some(ep) = section_endpoint(map, file, section, &name, only) {
            endpoints.push(ep);
        }
    }
}

/// The endpoint of one server section.
fn section_endpoint(
    map: &SourceMap,
    file: FileId,
    section: &Section,
    name: &str,
    only: bool,
) -> Option<EndpointDraft> {
    let rs = reads(section);
    let sspan = at(map, file, section.start);
    let cx = SectionReads {
        map,
        file,
        section,
        only,
        id: format!("app:{}:{}:{}", sspan.file, sspan.line, name),
        rs: &rs,
    };
    if let Some(ep) = cx.stdio() {
        return Some(ep);
    }
    let tls_on = cx.tls_on();
    if let Some(ep) = cx.certain_loopback(tls_on) {
        return Some(ep);
    }
    let (listens, mut reasons) = cx.listens_by_name(tls_on)?;
    reasons.extend(cx.transport_and_tls_reasons(tls_on));
    let span = match listens.first() {
        Some(l) if section.path.is_empty() => l.span.clone(),
        _ => sspan,
    };
    let cert = cx.first(Meaning::Certificate);
    let key = cx.first(Meaning::Key);
    let span_of = |r: &Read| cx.span_of(r);
    let tls = tls_on.then(|| tls_facts(&span, &rs, cert.map(|c| (c, span_of(c))), key, &span_of));
    let mut ep = endpoint(cx.id.clone(), span, listens, tls);
    ep.heuristic = Some(cx.heuristic(reasons));
    Some(ep)
}

/// The keys one server section of a generic config was read from.
struct SectionReads<'a> {
    map: &'a SourceMap,
    file: FileId,
    section: &'a Section<'a>,
    /// Whether the section is the file's only server section.
    only: bool,
    id: String,
    rs: &'a [Read],
}

impl SectionReads<'_> {
    fn span_of(&self, r: &Read) -> ModelSpan {
        at(self.map, self.file, r.offset)
    }

    fn all(&self, m: Meaning) -> Vec<&Read> {
        self.rs.iter().filter(|r| r.meaning == m).collect()
    }

    fn first(&self, m: Meaning) -> Option<&Read> {
        self.rs.iter().find(|r| r.meaning == m)
    }

    fn port(&self) -> Option<u16> {
        self.first(Meaning::Port)
            .and_then(|p| p.value.trim().parse::<u16>().ok())
    }

    /// TLS is on when a switch key says so, or when there is no switch and a certificate.
    fn tls_on(&self) -> bool {
        let switch = self.first(Meaning::Tls).and_then(|r| truth(&r.value));
        switch.unwrap_or(false) || (switch.is_none() && self.first(Meaning::Certificate).is_some())
    }

    /// A certain reading: one literal `transport: stdio`.
    fn stdio(&self) -> Option<EndpointDraft> {
        let [t] = self.all(Meaning::Transport)[..] else {
            return None;
        };
        if t.variable() || !t.value.trim().eq_ignore_ascii_case("stdio") {
            return None;
        }
        let span = self.span_of(t);
        let note = format!("{}: stdio", t.key);
        let l = listen(
            "stdio",
            None,
            false,
            span.clone(),
            Origin::Explicit,
            Some(note),
        );
        Some(endpoint(self.id.clone(), span, vec![l], None))
    }

    /// The one certain network reading: an unambiguous loopback bind.
    fn certain_loopback(&self, tls_on: bool) -> Option<EndpointDraft> {
        let binds = self.all(Meaning::Bind);
        let ([b], true) = (binds.as_slice(), self.only) else {
            return None;
        };
        let (host, bport) = split_bind(&b.value);
        let host = host?;
        if b.nested
            || b.variable()
            || !CERTAIN_BIND.contains(&b.norm.as_str())
            || Scope::of_host(&host) != Scope::Loopback
        {
            return None;
        }
        let span = self.span_of(b);
        let note = format!("{} = {} ({})", b.key, b.value, self.section.rule);
        let l = listen(
            &host,
            bport.or(self.port()),
            tls_on,
            span.clone(),
            Origin::Explicit,
            Some(note),
        );
        Some(endpoint(self.id.clone(), span, vec![l], None))
    }

    /// A listener per bind key read by its name, with why each reading is uncertain; without
    /// a bind key, every interface at the port or transport key (`None` when neither exists).
    fn listens_by_name(&self, tls_on: bool) -> Option<(Vec<Listen>, Vec<String>)> {
        let binds = self.all(Meaning::Bind);
        let port = self.port();
        let mut reasons = Vec::new();
        let mut listens: Vec<Listen> = Vec::new();
        for b in &binds {
            let (host, bport) = split_bind(&b.value);
            let host = host.unwrap_or_else(|| "*".into());
            reasons.push(format!(
                "{} = {}: {}",
                b.key,
                b.value,
                self.why_uncertain(b, &host, binds.len())
            ));
            listens.push(listen(
                &host,
                bport.or(port),
                tls_on,
                self.span_of(b),
                Origin::Explicit,
                Some(format!("{} = {} (read by name)", b.key, b.value)),
            ));
        }
        if listens.is_empty() {
            let transports = self.all(Meaning::Transport);
            let anchor = self.first(Meaning::Port).or(transports.first().copied())?;
            let note = "no host/bind key: the application's default bind address is unknown; judged as every interface (worst case)";
            reasons.push(note.to_string());
            listens.push(listen(
                "*",
                port,
                tls_on,
                self.span_of(anchor),
                Origin::Default,
                Some(note.to_string()),
            ));
        }
        Some((listens, reasons))
    }

    /// Why a bind key read by its name does not decide the bind address.
    fn why_uncertain(&self, b: &Read, host: &str, binds: usize) -> String {
        if b.variable() {
            "a variable, judged as every interface (worst case)".to_string()
        } else if Scope::of_host(host) == Scope::Loopback {
            format!(
                "a loopback address, but {}",
                if !self.only {
                    "the file has more than one server section".to_string()
                } else if binds > 1 {
                    "the section has more than one bind key".to_string()
                } else if b.nested {
                    "the key sits in a TLS section".to_string()
                } else {
                    format!("`{}` may name an advertised address", b.key)
                }
            )
        } else {
            "taken for the MCP server's bind address by its name".to_string()
        }
    }

    /// The uncertain transport and TLS readings.
    fn transport_and_tls_reasons(&self, tls_on: bool) -> Vec<String> {
        let mut reasons: Vec<String> = self
            .all(Meaning::Transport)
            .iter()
            .filter(|t| t.variable())
            .map(|t| format!("{} = {} is a variable", t.key, t.value))
            .collect();
        let tls_keys: Vec<&str> = self
            .rs
            .iter()
            .filter(|r| {
                matches!(
                    r.meaning,
                    Meaning::Tls
                        | Meaning::Certificate
                        | Meaning::Key
                        | Meaning::Protocols
                        | Meaning::Ciphers
                )
            })
            .map(|r| r.key.as_str())
            .collect();
        if !tls_keys.is_empty() {
            reasons.push(format!(
                "{} taken to {} TLS on that listener",
                tls_keys.join(", "),
                if tls_on { "turn on" } else { "configure" }
            ));
        }
        reasons
    }

    /// Why the endpoint's facts are a heuristic reading, with every key read.
    fn heuristic(&self, reasons: Vec<String>) -> Heuristic {
        Heuristic {
            rule: self.section.rule.clone(),
            reason: reasons.join("; "),
            keys: self
                .rs
                .iter()
                .map(|r| HeuristicKey {
                    key: r.key.clone(),
                    value: r.value.clone(),
                    meaning: r.meaning.as_str().into(),
                    span: self.span_of(r),
                })
                .collect(),
        }
    }
}

/// TLS facts of a heuristic endpoint whose keys say TLS is on: what the keys give, and
/// "unknown" where they say nothing (the application's defaults are not known).
fn tls_facts(
    span: &ModelSpan,
    rs: &[Read],
    cert: Option<(&Read, ModelSpan)>,
    key: Option<&Read>,
    span_of: &dyn Fn(&Read) -> ModelSpan,
) -> crate::model::Tls {
    let unknown =
        |what: &str| format!("{what} not set in this config: the application's default is unknown");
    let mut tls = no_tls(span);
    tls.enabled = true;
    tls.protocols = match rs.iter().find(|r| r.meaning == Meaning::Protocols) {
        Some(r) => Fact::explicit(
            protocols_of(&r.value, r.norm != "tls.protocols"),
            span_of(r),
        )
        .with_note(format!("{} = {} (read by name)", r.key, r.value)),
        None => Fact::derived(Vec::new(), span.clone(), unknown("TLS versions")),
    };
    tls.ciphers = match rs.iter().find(|r| r.meaning == Meaning::Ciphers) {
        Some(r) => Fact::explicit(CipherList::openssl(&r.value), span_of(r)),
        None => Fact::derived(CipherList::openssl(""), span.clone(), unknown("ciphers")),
    };
    tls.tls13_suites = Fact::derived(Vec::new(), span.clone(), unknown("TLS 1.3 suites"));
    tls.client_auth = Fact::derived("off".into(), span.clone(), unknown("client certificates"));
    tls.hsts = Fact::derived(None, span.clone(), unknown("HSTS"));
    if let Some((c, cspan)) = cert {
        tls.certificates.push(Certificate {
            relative_to: None,
            path: c.value.clone(),
            key: key.map(|k| k.value.clone()),
            span: cspan,
            managed: None,
            note: None,
        });
    }
    tls
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_key_is_found_by_its_spellings() {
        assert_eq!(lookup_flat("host"), Some(Meaning::Bind));
        assert_eq!(lookup_flat(&norm("bind_address")), Some(Meaning::Bind));
        assert_eq!(
            lookup_flat(&norm("ssl_certfile")),
            Some(Meaning::Certificate)
        );
        assert_eq!(
            lookup_flat(&norm("tls_cert_file")),
            Some(Meaning::Certificate)
        );
        assert_eq!(
            lookup_flat(&norm("ssl_protocols")),
            Some(Meaning::Protocols)
        );
        assert_eq!(lookup_flat("ssl"), Some(Meaning::Tls));
        assert_eq!(
            lookup(&format!("tls.{}", norm("minVersion"))),
            Some(Meaning::Protocols)
        );
        assert_eq!(lookup_flat("name"), None);
        let mut seen = std::collections::BTreeSet::new();
        for (k, _, why) in KEYS {
            assert!(seen.insert(*k), "{k} listed twice");
            assert!(!why.is_empty());
        }
    }

    #[test]
    fn binds_split_into_host_and_port() {
        assert_eq!(
            split_bind("0.0.0.0:8080"),
            (Some("0.0.0.0".into()), Some(8080))
        );
        assert_eq!(split_bind(":8080"), (Some("*".into()), Some(8080)));
        assert_eq!(split_bind("8080"), (None, Some(8080)));
        assert_eq!(split_bind("[::1]:9000"), (Some("[::1]".into()), Some(9000)));
        assert_eq!(split_bind("localhost"), (Some("localhost".into()), None));
        assert_eq!(split_bind("::"), (Some("::".into()), None));
    }

    #[test]
    fn protocol_minimums_expand_upward() {
        assert_eq!(protocols_of("1.2", true), ["TLSv1.2", "TLSv1.3"]);
        assert_eq!(
            protocols_of("TLSv1.1", true),
            ["TLSv1.1", "TLSv1.2", "TLSv1.3"]
        );
        assert_eq!(protocols_of("TLS1_3", true), ["TLSv1.3"]);
        assert_eq!(
            protocols_of("TLSv1.2 TLSv1.3", false),
            ["TLSv1.2", "TLSv1.3"]
        );
        assert!(protocols_of("modern", true).is_empty());
    }
}
