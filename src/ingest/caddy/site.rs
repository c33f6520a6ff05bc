//! Caddyfile semantics shared by the model and the adapter: server blocks → global options and
//! sites (parsed addresses + directive trees), with the checks Caddy's HTTP Caddyfile adapter
//! (`caddyconfig/httpcaddyfile`) makes before it accepts a Caddyfile. Each refusal is a
//! `ParseError` finding at the offending token.

use super::parse::{new_line, ServerBlock, Token};
use crate::diag::{Finding, FindingKind};
use crate::model::version::ProductVersion;
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
    Ok(Address {
        token: t.clone(),
        scheme,
        host: host.to_ascii_lowercase(),
        port,
    })
}

/// Caddy's refusal of a site address scheme (`listenerAddrsForServerBlockKey`, since v2.7.5;
/// an older Caddy serves any scheme but `http` on the HTTPS port).
fn scheme_refusal(scheme: &str) -> Option<String> {
    match scheme {
        "" | "http" | "https" => None,
        "wss" => {
            Some("the scheme wss:// is only supported in browsers; use https:// instead".into())
        }
        "ws" => Some("the scheme ws:// is only supported in browsers; use http:// instead".into()),
        other => Some(format!("unsupported URL scheme {other}://")),
    }
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
    /// `order` options, in the order written.
    pub order: Vec<Directive>,
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

/// Caddy's order of handler directives (`DIRECTIVES` up to `acme_server`; the rest are site
/// settings) after the `order` global options, applied in turn as Caddy does
/// (`httpcaddyfile/options.go`, `parseOptOrder`): each moves one directive first, last, or
/// before or after another.
pub fn handler_order(g: &Global) -> Vec<&str> {
    let mut order: Vec<&str> = DIRECTIVES
        .iter()
        .copied()
        .take_while(|d| *d != "bind")
        .collect();
    for o in &g.order {
        let (Some(dir), Some(pos)) = (o.arg(0), o.arg(1)) else {
            continue;
        };
        order.retain(|d| *d != dir);
        let at = match (pos, o.arg(2)) {
            ("first", _) => Some(0),
            ("before", Some(other)) => order.iter().position(|d| *d == other),
            ("after", Some(other)) => order.iter().position(|d| *d == other).map(|i| i + 1),
            _ => None,
        };
        order.insert(at.unwrap_or(order.len()), dir);
    }
    order
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

/// A Caddy release that added a refusal: the version as compared, and as named in messages.
struct Since(&'static [u32], &'static str);

/// `ws://`, `wss://` and unknown schemes refused (caddyserver/caddy 288216e, #5757).
const SCHEMES_REFUSED: Since = Since(&[2, 7, 5], "v2.7.5");
/// Two site blocks with one key on one listener (caddyserver/caddy 1e18afb, #4635).
const AMBIGUITY_REFUSED: Since = Since(&[2, 6, 0], "v2.6.0");
/// `forward_auth { uri }` given twice (caddyserver/caddy 0f7f8e9, #7814; released after 2.11.4).
const FORWARD_AUTH_URI_REFUSED: Since = Since(&[2, 11, 5], "the release after v2.11.4");
/// Checks Caddy has made since its first v2 release.
const ALWAYS: Since = Since(&[2, 0, 0], "v2.0.0");

/// Caddy's refusals that depend on its version: a declared version older than the release that
/// added one accepts the Caddyfile; an unknown version is judged as the newest Caddy, and the
/// finding says how to judge an older one.
struct Refusals<'v> {
    version: &'v ProductVersion,
}

impl Refusals<'_> {
    fn refuse(&self, since: &Since, t: &Token, message: impl Into<String>) -> Option<Finding> {
        let message = message.into();
        match self.version.at_least(since.0) {
            Some(false) => None,
            Some(true) => Some(error(t, message)),
            None if since.0 == ALWAYS.0 => Some(error(t, message)),
            None => Some(error(
                t,
                format!(
                    "{message} (Caddy refuses this since {}; if the deployed Caddy is older, declare its version: [caddy] version in tlsproof.toml or --caddy-version)",
                    since.1
                ),
            )),
        }
    }
}

/// Server blocks → global options and sites, with Caddy's refusals as findings.
pub fn analyze(blocks: &[ServerBlock], version: &ProductVersion) -> Config {
    let checks = Refusals { version };
    let mut cfg = Config::default();
    let mut named: BTreeMap<String, Token> = BTreeMap::new();
    let mut routes: Vec<Vec<Directive>> = Vec::new();
    let mut global_dns = false;
    let mut acme_dns_naked: Option<Token> = None;
    let mut servers_seen: BTreeSet<String> = BTreeSet::new();

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
                    "order" => cfg.global.order.push(d.clone()),
                    "servers" => {
                        server_options(&mut cfg.findings, d, &mut servers_seen);
                    }
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
            validate_routes(&mut cfg.findings, &checks, &body);
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
                    let refused = scheme_refusal(&a.scheme)
                        .and_then(|m| checks.refuse(&SCHEMES_REFUSED, k, m));
                    match refused {
                        Some(f) => cfg.findings.push(f),
                        None => keys.push(a),
                    }
                }
                Err(m) => cfg.findings.push(error(k, m)),
            }
        }
        matcher_definitions(&mut cfg.findings, &body);
        validate_routes(&mut cfg.findings, &checks, &body);
        routes.push(body.clone());
        if !keys.is_empty() {
            cfg.sites.push(Site { keys, body });
        }
    }

    let ambiguous: Vec<Finding> = super::adapt::ambiguous_keys(&cfg)
        .into_iter()
        .filter_map(|t| {
            checks.refuse(
                &AMBIGUITY_REFUSED,
                t,
                format!("ambiguous site definition: {}", t.text),
            )
        })
        .collect();
    cfg.findings.extend(ambiguous);
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
                cfg.findings.extend(tls_refusals(d));
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

fn validate_routes(findings: &mut Vec<Finding>, checks: &Refusals, body: &[Directive]) {
    for d in body {
        let name = d.name.text.as_str();
        if name.starts_with('@') {
            continue;
        }
        if !DIRECTIVES.contains(&name) {
            findings.push(plugin(&d.name, format!("{UNKNOWN_DIRECTIVE}: {name} - not in Caddy's standard build: a plugin's directive (not judged; a Caddy built without that plugin refuses this Caddyfile), or a nesting or brace mistake")));
            continue;
        }
        findings.extend(duplicate_subdirectives(checks, d));
        if ROUTE_BLOCKS.contains(&name) {
            validate_routes(findings, checks, &d.block);
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
                validate_routes(findings, checks, &h.block);
            }
        }
    }
}

/// Subdirectives that Caddy's unmarshalers refuse to see twice (or beside the argument that
/// already set them): `reverse_proxy` (`modules/caddyhttp/reverseproxy/caddyfile.go`; not
/// `transport` or `dynamic`, whose "already specified" checks test a field set only after
/// parsing and never fire: the last one applies), `respond` (`staticresp.go`), `error`
/// (`staticerror.go`), `forward_auth` (`reverseproxy/forwardauth/caddyfile.go`).
fn duplicate_subdirectives(checks: &Refusals, d: &Directive) -> Vec<Finding> {
    let name = d.name.text.as_str();
    let prefix = format!("parsing caddyfile tokens for '{name}'");
    let mut out = Vec::new();
    let mut twice = |sub: &str, message: &str, since: &Since, set_by_args: bool| {
        let mut seen = set_by_args;
        for c in d.children(sub) {
            if seen {
                let m = format!("{prefix}: {message}").replace("{}", c.arg(0).unwrap_or(""));
                out.extend(checks.refuse(since, &c.name, m));
            }
            seen = true;
        }
    };
    match name {
        "reverse_proxy" => {
            twice(
                "lb_policy",
                "load balancing selection policy already specified",
                &ALWAYS,
                false,
            );
        }
        "respond" => {
            twice("body", "body already specified", &ALWAYS, text_in_args(d));
            twice("close", "close already specified", &ALWAYS, false);
        }
        "error" => {
            twice(
                "message",
                "message already specified",
                &ALWAYS,
                text_in_args(d),
            );
        }
        "forward_auth" => {
            twice(
                "uri",
                "cannot re-declare uri: {}",
                &FORWARD_AUTH_URI_REFUSED,
                false,
            );
        }
        _ => {}
    }
    out
}

/// Whether `respond`/`error` arguments set the body (message): two arguments, or one that is
/// not a three-digit status (`StaticResponse`/`StaticError.UnmarshalCaddyfile`).
fn text_in_args(d: &Directive) -> bool {
    match split_matcher(d).1.as_slice() {
        [_, _] => true,
        [one] => status_arg(one).is_none(),
        _ => false,
    }
}

/// A lone `respond`/`error` argument read as a status: three digits, above zero.
pub fn status_arg(arg: &str) -> Option<u16> {
    arg.parse().ok().filter(|n| arg.len() == 3 && *n > 0)
}

/// Whether a directive has a matcher token (`@name`, `/path`; `*` matches every request), and
/// its arguments after it (`httpcaddyfile`, `matcherSetFromMatcherToken`). A lone `/path`
/// argument of `redir` is its target, not a matcher.
pub fn split_matcher(d: &Directive) -> (bool, Vec<&str>) {
    let args: Vec<&str> = d.args.iter().map(|a| a.text.as_str()).collect();
    match args.split_first() {
        Some((&"*", rest)) => (false, rest.to_vec()),
        Some((a, rest)) if a.starts_with('@') => (true, rest.to_vec()),
        Some((a, rest)) if a.starts_with('/') && !(d.is("redir") && rest.is_empty()) => {
            (true, rest.to_vec())
        }
        _ => (false, args),
    }
}

/// A named matcher defined twice in one site block (`httptype.go`, `parseMatcherDefinitions`).
fn matcher_definitions(findings: &mut Vec<Finding>, body: &[Directive]) {
    let mut seen = BTreeSet::new();
    for d in body.iter().filter(|d| d.name.text.starts_with('@')) {
        if !seen.insert(d.name.text.as_str()) {
            findings.push(error(
                &d.name,
                format!("matcher is defined more than once: {}", d.name.text),
            ));
        }
    }
}

/// The `tls` directive's subdirectives (`httpcaddyfile/builtins.go`, `parseTLS`).
const TLS_SUBDIRECTIVES: &[&str] = &[
    "protocols",
    "ciphers",
    "curves",
    "client_auth",
    "alpn",
    "load",
    "ca",
    "key_type",
    "eab",
    "issuer",
    "get_certificate",
    "dns",
    "resolvers",
    "propagation_delay",
    "propagation_timeout",
    "dns_ttl",
    "dns_challenge_override_domain",
    "ca_root",
    "on_demand",
    "reuse_private_keys",
    "insecure_secrets_log",
    "renewal_window_ratio",
];

/// What `parseTLS` refuses in the directive's own line and block.
fn tls_refusals(d: &Directive) -> Vec<Finding> {
    let mut out = Vec::new();
    if let [_, _, .., last] = d.args.as_slice() {
        out.push(error(
            last,
            format!(
                "parsing caddyfile tokens for 'tls': Wrong argument count or unexpected line ending after '{}'",
                last.text
            ),
        ));
    }
    for p in d.children("protocols").filter(|p| p.args.is_empty()) {
        out.push(error(
            &p.name,
            "parsing caddyfile tokens for 'tls': protocols requires one or two arguments",
        ));
    }
    if let [one] = d.args.as_slice() {
        if !matches!(one.text.as_str(), "internal" | "force_automate") && !one.text.contains('@') {
            out.push(error(
                one,
                "parsing caddyfile tokens for 'tls': single argument must either be 'internal', 'force_automate', or an email address",
            ));
        }
    }
    for c in &d.block {
        if !TLS_SUBDIRECTIVES.contains(&c.name.text.as_str()) {
            out.push(error(
                &c.name,
                format!(
                    "parsing caddyfile tokens for 'tls': unknown subdirective: {}",
                    c.name.text
                ),
            ));
        }
    }
    out
}

/// The `servers` global option's settings (`httpcaddyfile/serveroptions.go`).
const SERVER_OPTIONS: &[&str] = &[
    "name",
    "listener_wrappers",
    "packet_conn_wrappers",
    "timeouts",
    "keepalive_interval",
    "keepalive_idle",
    "keepalive_count",
    "max_header_size",
    "enable_full_duplex",
    "log_credentials",
    "protocols",
    "strict_sni_host",
    "trusted_proxies",
    "trusted_proxies_strict",
    "trusted_proxies_unix",
    "client_ip_headers",
    "metrics",
    "trace",
    "0rtt",
];

/// `servers [<listener>] { … }`: an unknown setting, or two `servers` options for one listener
/// address (`httptype.go`, since v2.3.0).
fn server_options(findings: &mut Vec<Finding>, d: &Directive, seen: &mut BTreeSet<String>) {
    let listener = d.arg(0).unwrap_or("").to_string();
    if !seen.insert(listener.clone()) {
        findings.push(error(
            &d.name,
            format!("cannot have 'servers' global options with duplicate listener addresses: {listener}"),
        ));
    }
    if let Some(c) = d
        .block
        .iter()
        .find(|c| !SERVER_OPTIONS.contains(&c.name.text.as_str()))
    {
        findings.push(error(
            &c.name,
            format!(
                "parsing caddyfile tokens for 'servers': unrecognized servers option '{}'",
                c.name.text
            ),
        ));
    }
}
