//! Caddyfile semantics shared by the model and the adapter: server blocks → global options and
//! sites (parsed addresses + directive trees), with the checks Caddy's HTTP Caddyfile adapter
//! (`caddyconfig/httpcaddyfile`) makes before it accepts a Caddyfile. Each refusal is a
//! `ParseError` finding at the offending token.

use super::parse::{new_line, ServerBlock, Token};
use crate::diag::{Finding, FindingKind};
use std::collections::{BTreeMap, BTreeSet};

/// One directive line with its arguments and nested block.
#[derive(Debug, Clone)]
pub struct Directive {
    pub name: Token,
    pub args: Vec<Token>,
    pub block: Vec<Directive>,
    pub has_block: bool,
}

impl Directive {
    pub fn arg(&self, i: usize) -> Option<&str> {
        self.args.get(i).map(|t| t.text.as_str())
    }

    pub fn is(&self, name: &str) -> bool {
        self.name.text == name
    }

    /// Children named `name`.
    pub fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Directive> + 'a {
        self.block.iter().filter(move |d| d.name.text == name)
    }
}

/// Builds directive trees from a token run (one or more lines).
pub fn tree(tokens: &[Token]) -> Vec<Directive> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(name) = tokens.get(i) {
        let mut d = Directive {
            name: name.clone(),
            args: Vec::new(),
            block: Vec::new(),
            has_block: false,
        };
        i += 1;
        while let Some(t) = tokens.get(i) {
            if new_line(&tokens[i - 1], t) {
                break;
            }
            if t.is("{") {
                let mut depth = 0usize;
                let mut j = i;
                while let Some(u) = tokens.get(j) {
                    if u.is("{") {
                        depth += 1;
                    } else if u.is("}") {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    j += 1;
                }
                d.has_block = true;
                d.block = tree(tokens.get(i + 1..j.min(tokens.len())).unwrap_or(&[]));
                i = j + 1;
                break;
            }
            d.args.push(t.clone());
            i += 1;
        }
        out.push(d);
    }
    out
}

/// A parsed site address (Caddy's `ParseAddress`).
#[derive(Debug, Clone)]
pub struct Address {
    pub token: Token,
    pub scheme: String,
    pub host: String,
    pub port: Option<u16>,
}

pub fn parse_address(t: &Token) -> Result<Address, String> {
    let s = t.text.trim();
    let (scheme, rest) = match s.split_once("://") {
        Some((a, b)) => (a.to_ascii_lowercase(), b),
        None => (String::new(), s),
    };
    let hostport = rest.split('/').next().unwrap_or("");
    let (host, port) = split_host_port(hostport);
    let port = match port {
        Some(p) if !p.is_empty() => match p.parse::<i64>() {
            Ok(n) if (0..=65535).contains(&n) => Some(n as u16),
            Ok(n) => return Err(format!("port {n} is out of range")),
            Err(_) => return Err(format!("invalid port '{p}'")),
        },
        _ => None,
    };
    let scheme = match scheme.as_str() {
        "ws" => "http".to_string(),
        "wss" => "https".to_string(),
        "" | "http" | "https" => scheme,
        other => return Err(format!("unsupported URL scheme {other}://")),
    };
    Ok(Address {
        token: t.clone(),
        scheme,
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// `host:port`, `[v6]:port`, `host`, `:port`.
pub fn split_host_port(s: &str) -> (String, Option<String>) {
    if let Some(rest) = s.strip_prefix('[') {
        if let Some((h, after)) = rest.split_once(']') {
            return (h.to_string(), after.strip_prefix(':').map(str::to_string));
        }
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h.to_string(), Some(p.to_string())),
        _ => (s.to_string(), None),
    }
}

/// Global options that change TLS, listeners or redirects.
#[derive(Debug, Clone, Default)]
pub struct Global {
    pub http_port: Option<(u16, Token)>,
    pub https_port: Option<(u16, Token)>,
    pub default_bind: Option<Directive>,
    /// `auto_https <value>`.
    pub auto_https: Option<Directive>,
    pub local_certs: Option<Token>,
}

impl Global {
    pub fn http_port(&self) -> u16 {
        self.http_port.as_ref().map_or(80, |p| p.0)
    }
    pub fn https_port(&self) -> u16 {
        self.https_port.as_ref().map_or(443, |p| p.0)
    }
    pub fn auto_https(&self) -> Option<&str> {
        self.auto_https.as_ref().and_then(|d| d.arg(0))
    }
}

/// A site block.
#[derive(Debug, Clone)]
pub struct Site {
    pub keys: Vec<Address>,
    pub body: Vec<Directive>,
}

/// The analyzed Caddyfile.
#[derive(Debug, Default)]
pub struct Config {
    pub global: Global,
    pub sites: Vec<Site>,
    pub findings: Vec<Finding>,
}

/// Directives of Caddy's standard distribution (`httpcaddyfile/directives.go`).
const DIRECTIVES: &[&str] = &[
    "tracing",
    "map",
    "vars",
    "fs",
    "root",
    "log_append",
    "skip_log",
    "log_skip",
    "log_name",
    "header",
    "copy_response_headers",
    "request_body",
    "redir",
    "method",
    "rewrite",
    "uri",
    "try_files",
    "basicauth",
    "basic_auth",
    "forward_auth",
    "request_header",
    "encode",
    "push",
    "intercept",
    "templates",
    "invoke",
    "handle",
    "handle_path",
    "route",
    "abort",
    "error",
    "copy_response",
    "respond",
    "metrics",
    "reverse_proxy",
    "php_fastcgi",
    "file_server",
    "acme_server",
    "bind",
    "tls",
    "handle_errors",
    "log",
    "import",
];

/// A handler directive's place in Caddy's directive order (`DIRECTIVES` up to `acme_server`;
/// the rest are site settings, not handlers).
pub fn handler_order(name: &str) -> Option<usize> {
    DIRECTIVES
        .iter()
        .take_while(|d| **d != "bind")
        .position(|d| *d == name)
}

/// Directives whose block holds directives.
const ROUTE_BLOCKS: &[&str] = &["handle", "handle_path", "route", "handle_errors"];

/// `reverse_proxy` subdirectives (`modules/caddyhttp/reverseproxy/caddyfile.go`).
const PROXY_SUBDIRECTIVES: &[&str] = &[
    "to",
    "lb_policy",
    "lb_retries",
    "lb_try_duration",
    "lb_try_interval",
    "lb_retry_match",
    "health_uri",
    "health_path",
    "health_upstream",
    "health_port",
    "health_interval",
    "health_passes",
    "health_fails",
    "health_timeout",
    "health_status",
    "health_body",
    "health_follow_redirects",
    "health_headers",
    "health_method",
    "health_request_body",
    "max_fails",
    "fail_duration",
    "unhealthy_request_count",
    "unhealthy_status",
    "unhealthy_latency",
    "flush_interval",
    "request_buffers",
    "response_buffers",
    "buffer_requests",
    "buffer_responses",
    "max_buffer_size",
    "stream_timeout",
    "stream_close_delay",
    "stream_buffer_size",
    "trusted_proxies",
    "header_up",
    "header_down",
    "method",
    "rewrite",
    "transport",
    "handle_response",
    "replace_status",
    "dynamic",
    "verbose_logs",
];

const DNS_OPTIONS: &[&str] = &[
    "propagation_delay",
    "propagation_timeout",
    "dns_ttl",
    "dns_challenge_override_domain",
];

/// How a directive outside Caddy's standard build is reported: it may come from a plugin, so it
/// is an indeterminate part of the configuration, not a parse error that would make every
/// deployment with a plugin INCOMPLETE.
pub const UNKNOWN_DIRECTIVE: &str = "unrecognized directive";

fn plugin(t: &Token, message: impl Into<String>) -> Finding {
    let mut f = Finding::new(FindingKind::Indeterminate, message, Some(t.span));
    f.spans.extend(t.via.iter().rev().copied());
    f
}

fn error(t: &Token, message: impl Into<String>) -> Finding {
    let mut f = Finding::new(FindingKind::ParseError, message, Some(t.span));
    f.spans.extend(t.via.iter().rev().copied());
    f
}

/// Server blocks → global options and sites, with Caddy's refusals as findings.
pub fn analyze(blocks: &[ServerBlock]) -> Config {
    let mut cfg = Config::default();
    let mut named: BTreeMap<String, Token> = BTreeMap::new();
    let mut routes: Vec<Vec<Directive>> = Vec::new();
    let mut seen_keys: BTreeMap<String, Token> = BTreeMap::new();
    let mut global_dns = false;
    let mut acme_dns_naked: Option<Token> = None;

    for (i, b) in blocks.iter().enumerate() {
        let body: Vec<Directive> = b.segments.iter().flat_map(|s| tree(s)).collect();
        if b.keys.is_empty() {
            if i > 0 {
                if let Some(t) = b.segments.first().and_then(|s| s.first()) {
                    cfg.findings.push(error(t, "server block without any key is global configuration, and if there is one, it must be first"));
                }
                continue;
            }
            for d in &body {
                match d.name.text.as_str() {
                    "http_port" | "https_port" => {
                        match d.arg(0).and_then(|p| p.parse::<u16>().ok()) {
                            Some(p) => {
                                let v = Some((p, d.name.clone()));
                                if d.is("http_port") {
                                    cfg.global.http_port = v;
                                } else {
                                    cfg.global.https_port = v;
                                }
                            }
                            None => cfg.findings.push(error(
                                &d.name,
                                format!("{} needs a port number", d.name.text),
                            )),
                        }
                    }
                    "default_bind" => cfg.global.default_bind = Some(d.clone()),
                    "auto_https" => {
                        let ok = matches!(
                            d.arg(0),
                            Some(
                                "off"
                                    | "disable_redirects"
                                    | "disable_certs"
                                    | "ignore_loaded_certs"
                                    | "prefer_wildcard"
                            )
                        );
                        if ok {
                            cfg.global.auto_https = Some(d.clone());
                        } else {
                            cfg.findings.push(error(&d.name, "auto_https must be one of 'off', 'disable_redirects', 'disable_certs', 'ignore_loaded_certs' or 'prefer_wildcard'"));
                        }
                    }
                    "local_certs" => cfg.global.local_certs = Some(d.name.clone()),
                    "dns" => global_dns = true,
                    "acme_dns" if d.args.is_empty() => acme_dns_naked = Some(d.name.clone()),
                    _ => {}
                }
            }
            continue;
        }
        if b.named_route {
            let name = b.keys[0].text.clone();
            if named.insert(name.clone(), b.keys[0].clone()).is_some() {
                let n = name.trim_start_matches("&(").trim_end_matches(')');
                cfg.findings.push(error(
                    &b.keys[0],
                    format!("cannot have duplicate named_routes: {n}"),
                ));
            }
            validate_routes(&mut cfg.findings, &body);
            routes.push(body);
            continue;
        }
        let mut keys = Vec::new();
        for k in &b.keys {
            if DIRECTIVES.contains(&k.text.as_str()) {
                cfg.findings.push(error(k, format!("parsed '{}' as a site address, but it is a known directive; directives must appear in a site block", k.text)));
                continue;
            }
            match parse_address(k) {
                Ok(a) => {
                    let norm = format!(
                        "{}://{}:{}",
                        a.scheme,
                        a.host,
                        a.port.map(|p| p.to_string()).unwrap_or_default()
                    );
                    if seen_keys.insert(norm, k.clone()).is_some() {
                        cfg.findings
                            .push(error(k, format!("ambiguous site definition: {}", k.text)));
                    }
                    keys.push(a);
                }
                Err(m) => cfg.findings.push(error(k, m)),
            }
        }
        validate_routes(&mut cfg.findings, &body);
        routes.push(body.clone());
        if !keys.is_empty() {
            cfg.sites.push(Site { keys, body });
        }
    }

    if let Some(t) = acme_dns_naked {
        if !global_dns {
            cfg.findings.push(error(&t, "acme_dns specified without DNS provider config, but no provider specified with 'dns' global option"));
        }
    }
    let defined: BTreeSet<String> = named
        .keys()
        .map(|k| k.trim_start_matches("&(").trim_end_matches(')').to_string())
        .collect();
    for body in &routes {
        walk(body, &mut |d| {
            if d.is("invoke") {
                if let Some(n) = d.args.first() {
                    if !defined.contains(&n.text) {
                        cfg.findings.push(error(
                            n,
                            format!(
                                "cannot invoke named route '{}', which was not defined",
                                n.text
                            ),
                        ));
                    }
                }
            }
            if d.is("tls") {
                let has_dns = global_dns || d.children("dns").next().is_some();
                let opts: Vec<&str> = d
                    .block
                    .iter()
                    .map(|c| c.name.text.as_str())
                    .filter(|n| DNS_OPTIONS.contains(n))
                    .collect();
                if !has_dns && !opts.is_empty() {
                    cfg.findings.push(error(&d.name, format!("parsing caddyfile tokens for 'tls': setting DNS challenge options [{}] requires a DNS provider (set with the 'dns' subdirective or 'acme_dns' global option)", opts.join(", "))));
                }
            }
        });
    }
    cfg
}

/// Calls `f` on every directive of a route tree, nested route blocks included.
pub fn walk<'a>(body: &'a [Directive], f: &mut dyn FnMut(&'a Directive)) {
    for d in body {
        f(d);
        if ROUTE_BLOCKS.contains(&d.name.text.as_str()) {
            walk(&d.block, f);
        }
        if d.is("reverse_proxy") || d.is("intercept") || d.is("php_fastcgi") {
            for h in d.children("handle_response") {
                walk(&h.block, f);
            }
        }
    }
}

fn validate_routes(findings: &mut Vec<Finding>, body: &[Directive]) {
    for d in body {
        let name = d.name.text.as_str();
        if name.starts_with('@') {
            continue;
        }
        if !DIRECTIVES.contains(&name) {
            findings.push(plugin(&d.name, format!("{UNKNOWN_DIRECTIVE}: {name} - not in Caddy's standard build: a plugin's directive (not judged; a Caddy built without that plugin refuses this Caddyfile), or a nesting or brace mistake")));
            continue;
        }
        if ROUTE_BLOCKS.contains(&name) {
            validate_routes(findings, &d.block);
        }
        if name == "reverse_proxy" {
            for s in &d.block {
                let sn = s.name.text.as_str();
                if !PROXY_SUBDIRECTIVES.contains(&sn) {
                    findings.push(plugin(&s.name, format!("{UNKNOWN_DIRECTIVE}: reverse_proxy subdirective {sn} - not in Caddy's standard build: a plugin's (not judged; a Caddy built without that plugin refuses this Caddyfile)")));
                }
            }
        }
        if name == "reverse_proxy" || name == "intercept" {
            for h in d.children("handle_response") {
                if h.args.len() > 1 {
                    findings.push(error(&h.name, format!("parsing caddyfile tokens for '{name}': too many arguments for 'handle_response': only a single response matcher name is allowed")));
                }
                validate_routes(findings, &h.block);
            }
        }
    }
}
