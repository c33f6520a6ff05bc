//! nginx normalization: raw directive tree (includes expanded) → endpoints of the TLS model.
//!
//! Applies nginx's own semantics: inheritance http → server → location with array directives
//! (`add_header`, `ssl_certificate`, `ssl_conf_command`) replaced wholesale by a child that
//! defines any, the `ssl` listen flag shared by every server on one address:port, the default
//! `listen *:80`, redirect idioms, upstream resolution for hops, and defaults by nginx version.

use super::parse::Directive;
use crate::ciphers;
use crate::diag::{Finding, FindingKind};
use crate::model::version::{versioned, Defaults, ProductVersion, Since};
use crate::model::EndpointDraft;
use crate::model::{
    Certificate, CipherList, Endpoint, Fact, Hop, HopTarget, Hsts, Listen, ModelSpan, Origin,
    Scope, SuiteFacts, Tls, Transport,
};
use crate::source::SourceMap;
use std::collections::BTreeMap;

/// Directives whose value is a list that a child block replaces as a whole when it defines any.
const MULTI: &[&str] = &[
    "add_header",
    "ssl_certificate",
    "ssl_certificate_key",
    "ssl_conf_command",
];

/// Recursion cap for nested `location`/`if` blocks (the parser caps nesting too).
const MAX_DEPTH: usize = 64;

/// Inherited settings at one level of the block tree.
#[derive(Clone, Default)]
struct Settings<'a> {
    single: BTreeMap<&'a str, &'a Directive>,
    multi: BTreeMap<&'a str, Vec<&'a Directive>>,
}

impl<'a> Settings<'a> {
    /// The settings in force inside `block`, given the parent's.
    fn child(&self, block: &'a [Directive]) -> Settings<'a> {
        let mut next = self.clone();
        let mut replaced: Vec<&str> = Vec::new();
        for d in block {
            if d.block.is_some() {
                continue;
            }
            let name = d.name.as_str();
            if MULTI.contains(&name) {
                if !replaced.contains(&name) {
                    next.multi.insert(name, Vec::new());
                    replaced.push(name);
                }
                next.multi.entry(name).or_default().push(d);
            } else {
                next.single.insert(name, d);
            }
        }
        next
    }

    fn get(&self, name: &str) -> Option<&'a Directive> {
        self.single.get(name).copied()
    }

    fn list(&self, name: &str) -> &[&'a Directive] {
        self.multi.get(name).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// What normalizing one loaded configuration produced.
#[derive(Default)]
pub struct Normalized {
    pub endpoints: Vec<Endpoint>,
    pub findings: Vec<Finding>,
}

struct Ctx<'m> {
    map: &'m SourceMap,
    version: ProductVersion,
    upstreams: BTreeMap<String, Vec<(String, ModelSpan)>>,
    findings: Vec<Finding>,
}

impl Ctx<'_> {
    fn span(&self, d: &Directive) -> ModelSpan {
        ModelSpan::resolve(self.map, d.span, &d.via)
    }

    fn arg_span(&self, d: &Directive, i: usize) -> ModelSpan {
        match d.args.get(i) {
            Some(a) => ModelSpan::resolve(self.map, a.span, &d.via),
            None => self.span(d),
        }
    }
}

/// A server block being built, before socket-level facts are known.
struct ServerDraft {
    endpoint: EndpointDraft,
    /// (socket key, index into endpoint.listens)
    sockets: Vec<(String, usize)>,
    explicit_protocols: Option<Fact<Vec<String>>>,
}

/// Normalizes a whole configuration. `top_is_http` treats top-level `server` blocks as http
/// servers (a site file judged on its own, outside any `http {}`).
pub fn normalize(
    map: &SourceMap,
    directives: &[Directive],
    version: &ProductVersion,
    top_is_http: bool,
) -> Normalized {
    let mut ctx = Ctx {
        map,
        version: version.clone(),
        upstreams: BTreeMap::new(),
        findings: Vec::new(),
    };
    let root = Settings::default();
    let mut drafts: Vec<ServerDraft> = Vec::new();

    for d in directives {
        match (d.name.as_str(), &d.block) {
            ("http", Some(body)) => http_block(&mut ctx, &root, body, &mut drafts),
            ("stream", Some(body)) => stream_block(&mut ctx, &root, body, &mut drafts),
            ("server", Some(_)) | ("upstream", Some(_)) if top_is_http => {
                http_block(&mut ctx, &root, std::slice::from_ref(d), &mut drafts)
            }
            _ => {}
        }
    }
    if top_is_http {
        // Site files often hold only upstreams + servers, or settings that belong to http{}.
        let has_http = directives.iter().any(|d| d.name == "http");
        if !has_http && drafts.is_empty() {
            let servers: Vec<&Directive> = directives
                .iter()
                .filter(|d| d.name == "server" && d.block.is_some())
                .collect();
            if !servers.is_empty() {
                http_block(&mut ctx, &root, directives, &mut drafts);
            }
        }
    }
    apply_socket_semantics(&mut ctx, &mut drafts);
    Normalized {
        endpoints: drafts.into_iter().map(|d| d.endpoint.finish()).collect(),
        findings: ctx.findings,
    }
}

fn collect_upstreams(ctx: &mut Ctx, body: &[Directive]) {
    for d in body {
        if d.name != "upstream" {
            continue;
        }
        let (Some(name), Some(inner)) = (d.args.first(), &d.block) else {
            continue;
        };
        let servers = inner
            .iter()
            .filter(|s| s.name == "server")
            .filter_map(|s| s.args.first().map(|a| (a.value.clone(), ctx.span(s))))
            .collect();
        ctx.upstreams.insert(name.value.clone(), servers);
    }
}

fn http_block<'a>(
    ctx: &mut Ctx,
    parent: &Settings<'a>,
    body: &'a [Directive],
    drafts: &mut Vec<ServerDraft>,
) {
    collect_upstreams(ctx, body);
    let settings = parent.child(body);
    for d in body {
        if d.name == "server" {
            if let Some(server_body) = &d.block {
                let draft = server(ctx, &settings, d, server_body, "http");
                drafts.push(draft);
            }
        }
    }
}

fn stream_block<'a>(
    ctx: &mut Ctx,
    parent: &Settings<'a>,
    body: &'a [Directive],
    drafts: &mut Vec<ServerDraft>,
) {
    collect_upstreams(ctx, body);
    let settings = parent.child(body);
    for d in body {
        if d.name == "server" {
            if let Some(server_body) = &d.block {
                let draft = server(ctx, &settings, d, server_body, "stream");
                drafts.push(draft);
            }
        }
    }
}

fn server<'a>(
    ctx: &mut Ctx,
    parent: &Settings<'a>,
    block: &'a Directive,
    body: &'a [Directive],
    context: &str,
) -> ServerDraft {
    let settings = parent.child(body);
    let server_span = ctx.span(block);
    let server_names: Vec<String> = body
        .iter()
        .filter(|d| d.name == "server_name")
        .flat_map(|d| d.args.iter().map(|a| a.value.clone()))
        .filter(|n| !n.is_empty() && n != "_")
        .collect();

    // `ssl on;` (removed in 1.25.1) turns every listen of the server into TLS.
    let ssl_on = settings
        .get("ssl")
        .filter(|d| d.args.first().is_some_and(|a| a.value == "on"));
    if let Some(d) = ssl_on {
        ctx.findings.push(Finding::new(
            FindingKind::Notice,
            "`ssl on` is deprecated since nginx 1.15.0 and was removed in 1.25.1: use `listen … ssl`",
            Some(d.span),
        ));
    }

    let mut listens = Vec::new();
    let mut sockets = Vec::new();
    for d in body.iter().filter(|d| d.name == "listen") {
        if let Some((listen, key)) = parse_listen(ctx, d, ssl_on.is_some(), context) {
            sockets.push((key, listens.len()));
            listens.push(listen);
        }
    }
    if listens.is_empty() {
        let port = if context == "stream" { None } else { Some(80) };
        let listen = Listen {
            tls_source: ssl_on.map(|d| ctx.span(d)),
            note: Some(
                "nginx default when a server has no listen directive: *:80 when nginx runs as root (*:8000 otherwise)"
                    .into(),
            ),
            ..Listen::new(
                "*",
                port,
                Scope::Public,
                ssl_on.is_some(),
                server_span.clone(),
                Origin::Default,
            )
        };
        if context == "http" {
            sockets.push(("*:80".into(), listens.len()));
        }
        listens.push(listen);
    }

    let tls = tls_facts(ctx, &settings, &server_span, context);
    let explicit_protocols = settings
        .get("ssl_protocols")
        .map(|d| Fact::explicit(args_of(d), ctx.span(d)));

    // Hops and redirect/block behaviour come from the server level and its locations.
    let mut hops = Vec::new();
    let mut mcp_path = None;
    let mut hsts_drops = Vec::new();
    let plain = plaintext_behaviour(ctx, body, &server_span);
    let mut walk = Walk {
        hops: &mut hops,
        mcp_path: &mut mcp_path,
        hsts_drops: &mut hsts_drops,
        context,
    };
    walk_locations(ctx, &settings, body, None, &mut walk, 0);
    let mut tls = tls;
    apply_hsts_drops(&mut tls, &hsts_drops);

    let id = endpoint_id(&server_span, &server_names, context);
    let passthrough = context == "stream"
        && settings
            .get("ssl_preread")
            .is_some_and(|d| d.args.first().is_some_and(|a| a.value == "on"));
    let endpoint = EndpointDraft {
        context: Some(context.to_string()),
        server_names,
        transport: if passthrough {
            Transport::TlsPassthrough
        } else {
            Transport::Http
        },
        listens,
        hops,
        mcp_path,
        ..EndpointDraft::new(
            id,
            "nginx",
            server_span.clone(),
            tls,
            plain.redirect,
            plain.blocked,
        )
    };
    ServerDraft {
        endpoint,
        sockets,
        explicit_protocols,
    }
}

fn endpoint_id(span: &ModelSpan, names: &[String], context: &str) -> String {
    let name = names.first().map(String::as_str).unwrap_or("_");
    let ctx = if context == "stream" { "stream:" } else { "" };
    format!("nginx:{ctx}{}:{}:{name}", span.file, span.line)
}

fn args_of(d: &Directive) -> Vec<String> {
    d.args.iter().map(|a| a.value.clone()).collect()
}

/// Parses a `listen` directive. Returns the listen and its socket key (`addr:port`).
fn parse_listen(
    ctx: &mut Ctx,
    d: &Directive,
    ssl_on: bool,
    context: &str,
) -> Option<(Listen, String)> {
    let Some(first) = d.args.first() else {
        ctx.findings.push(Finding::new(
            FindingKind::Indeterminate,
            "listen without an address or port",
            Some(d.span),
        ));
        return None;
    };
    let spec = first.value.as_str();
    let (address, port) = split_listen_address(spec);
    let flags: Vec<&str> = d.args.iter().skip(1).map(|a| a.value.as_str()).collect();
    let ssl_flag = flags.contains(&"ssl");
    let quic = flags.contains(&"quic");
    let default_server = flags.contains(&"default_server") || flags.contains(&"default");
    let scope = Scope::of_host(&address);
    if port.is_none() && !address.starts_with("unix:") && context == "http" && spec.contains('$') {
        ctx.findings.push(Finding::new(
            FindingKind::Indeterminate,
            format!("listen address {spec:?} could not be resolved"),
            Some(d.span),
        ));
    }
    let port = if address.starts_with("unix:") {
        None
    } else {
        Some(port.unwrap_or(80))
    };
    let key = socket_key(&address, port);
    let tls = ssl_flag || quic || ssl_on;
    let listen = Listen {
        quic,
        default_server,
        ..Listen::new(address, port, scope, tls, ctx.span(d), Origin::Explicit)
    };
    Some((listen, key))
}

/// `80` → (`*`, 80); `127.0.0.1:8080`; `[::]:443`; `[::1]`; `unix:/run/x.sock`; `localhost`.
fn split_listen_address(spec: &str) -> (String, Option<u16>) {
    if spec.starts_with("unix:") {
        return (spec.to_string(), None);
    }
    if let Ok(p) = spec.parse::<u16>() {
        return ("*".into(), Some(p));
    }
    if let Some(rest) = spec.strip_prefix('[') {
        if let Some((host, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (format!("[{host}]"), port);
        }
    }
    match spec.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => {
            (host.to_string(), port.parse::<u16>().ok())
        }
        _ => (spec.to_string(), None),
    }
}

fn socket_key(address: &str, port: Option<u16>) -> String {
    let addr = match address {
        "*" | "0.0.0.0" => "*",
        a => a,
    };
    match port {
        Some(p) => format!("{addr}:{p}"),
        None => addr.to_string(),
    }
}

struct PlainBehaviour {
    redirect: Fact<bool>,
    blocked: Fact<bool>,
}

fn is_https_target(arg: &str) -> bool {
    arg.to_ascii_lowercase().starts_with("https://")
}

/// `return 301 https://…` (or 302/307/308) → Some(true); `return 444` / `return 4xx` → Some(false).
fn classify_return(d: &Directive) -> Option<bool> {
    let code = d.args.first()?.value.as_str();
    match code {
        "301" | "302" | "303" | "307" | "308" => d
            .args
            .get(1)
            .map(|a| is_https_target(&a.value))
            .filter(|r| *r),
        c if c.starts_with("https://") => Some(true),
        c if c.len() == 3 && (c.starts_with('4') || c == "444") => Some(false),
        _ => None,
    }
}

/// A rewrite that matches every request and sends it to https.
fn is_catch_all_https_rewrite(d: &Directive) -> bool {
    let (Some(re), Some(target)) = (d.args.first(), d.args.get(1)) else {
        return false;
    };
    let catch_all = matches!(
        re.value.as_str(),
        "^" | "^/" | "^(.*)" | "^(.*)$" | "^/(.*)" | "^/(.*)$" | "^.*$" | ".*" | "(.*)" | "^(.+)$"
    ) || re.value == "^/?(.*)$";
    let flag_ok = d
        .args
        .get(2)
        .map(|f| {
            matches!(
                f.value.as_str(),
                "permanent" | "redirect" | "last" | "break"
            )
        })
        .unwrap_or(true);
    catch_all && is_https_target(&target.value) && flag_ok
}

/// Recognises `if ($scheme = http)`, `if ($scheme != "https")`,
/// `if ($http_x_forwarded_proto != https)` and friends: conditions true for plaintext requests.
fn is_plaintext_condition(d: &Directive) -> bool {
    let words: Vec<String> = d
        .args
        .iter()
        .map(|a| {
            a.value
                .trim_matches(|c| c == '(' || c == ')')
                .trim_matches('"')
                .trim_matches('\'')
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let [var, op, val] = words.as_slice() else {
        return false;
    };
    let var_ok = matches!(
        var.as_str(),
        "$scheme" | "$http_x_forwarded_proto" | "$http_x_forwarded_scheme" | "$http_x_scheme"
    );
    let cond_ok = (op == "=" && val == "http") || (op == "!=" && val == "https");
    var_ok && cond_ok
}

fn plaintext_behaviour(ctx: &Ctx, body: &[Directive], server_span: &ModelSpan) -> PlainBehaviour {
    let none = || {
        (
            Fact::default(
                false,
                server_span.clone(),
                "nginx serves plaintext requests normally: no redirect to https is configured",
            ),
            Fact::default(
                false,
                server_span.clone(),
                "nginx does not refuse plaintext requests unless configured to",
            ),
        )
    };
    // Server-level rewrite-phase directives run before location matching, in order.
    for d in body {
        match d.name.as_str() {
            "return" => match classify_return(d) {
                Some(true) => {
                    return PlainBehaviour {
                        redirect: Fact::explicit(true, ctx.span(d)),
                        blocked: Fact::derived(
                            false,
                            ctx.span(d),
                            "requests are redirected, not refused",
                        ),
                    }
                }
                Some(false) => {
                    return PlainBehaviour {
                        redirect: Fact::derived(
                            false,
                            ctx.span(d),
                            "requests are refused, not redirected",
                        ),
                        blocked: Fact::explicit(true, ctx.span(d)),
                    }
                }
                None => {}
            },
            "rewrite" if is_catch_all_https_rewrite(d) => {
                return PlainBehaviour {
                    redirect: Fact::explicit(true, ctx.span(d)),
                    blocked: Fact::derived(
                        false,
                        ctx.span(d),
                        "requests are redirected, not refused",
                    ),
                };
            }
            "if" if is_plaintext_condition(d) => {
                let inner = d.block.as_deref().unwrap_or(&[]);
                for i in inner {
                    let hit = match i.name.as_str() {
                        "return" => classify_return(i),
                        "rewrite" if is_catch_all_https_rewrite(i) => Some(true),
                        _ => None,
                    };
                    match hit {
                        Some(true) => {
                            return PlainBehaviour {
                                redirect: Fact::derived(
                                    true,
                                    ctx.span(i),
                                    format!(
                                        "plaintext requests match `if ({})` and are redirected to https",
                                        args_of(d).join(" ")
                                    ),
                                ),
                                blocked: Fact::derived(
                                    false,
                                    ctx.span(i),
                                    "requests are redirected, not refused",
                                ),
                            }
                        }
                        Some(false) => {
                            return PlainBehaviour {
                                redirect: Fact::derived(
                                    false,
                                    ctx.span(i),
                                    "requests are refused, not redirected",
                                ),
                                blocked: Fact::derived(
                                    true,
                                    ctx.span(i),
                                    format!(
                                        "plaintext requests match `if ({})` and are refused",
                                        args_of(d).join(" ")
                                    ),
                                ),
                            }
                        }
                        None => {}
                    }
                }
            }
            _ => {}
        }
    }
    // Otherwise: every location must redirect. `location /` catches what no other location
    // matches; ACME http-01 challenge locations are the accepted plaintext exception.
    let locations: Vec<&Directive> = body.iter().filter(|d| d.name == "location").collect();
    let root_location = locations.iter().find(|l| {
        let a: Vec<&str> = l.args.iter().map(|a| a.value.as_str()).collect();
        a == ["/"]
    });
    if let Some(root) = root_location {
        let all_redirect = locations.iter().all(|l| {
            let is_acme = l
                .args
                .iter()
                .any(|a| a.value.contains("/.well-known/acme-challenge"));
            is_acme || location_redirects(l).is_some()
        });
        if all_redirect {
            if let Some(span_dir) = location_redirects(root) {
                return PlainBehaviour {
                    redirect: Fact::derived(
                        true,
                        ctx.span(span_dir),
                        "every location (`location /` and the others) redirects to https",
                    ),
                    blocked: Fact::derived(
                        false,
                        ctx.span(span_dir),
                        "requests are redirected, not refused",
                    ),
                };
            }
        }
    }
    let (redirect, blocked) = none();
    PlainBehaviour { redirect, blocked }
}

/// The https `return`/`rewrite` that answers every request of a location, if any.
fn location_redirects(l: &Directive) -> Option<&Directive> {
    l.block.as_deref()?.iter().find(|d| match d.name.as_str() {
        "return" => classify_return(d) == Some(true),
        "rewrite" => is_catch_all_https_rewrite(d),
        _ => false,
    })
}

/// What walking a server's locations collects.
struct Walk<'w> {
    hops: &'w mut Vec<Hop>,
    mcp_path: &'w mut Option<String>,
    /// Locations whose own `add_header` list drops an inherited Strict-Transport-Security.
    hsts_drops: &'w mut Vec<(String, ModelSpan)>,
    context: &'w str,
}

fn has_hsts(list: &[&Directive]) -> bool {
    list.iter().any(|d| {
        d.args
            .first()
            .is_some_and(|a| a.value.eq_ignore_ascii_case("Strict-Transport-Security"))
    })
}

fn walk_locations<'a>(
    ctx: &mut Ctx,
    settings: &Settings<'a>,
    body: &'a [Directive],
    location: Option<String>,
    walk: &mut Walk,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for d in body {
        match (d.name.as_str(), &d.block) {
            ("location", Some(inner)) | ("if", Some(inner)) | ("limit_except", Some(inner)) => {
                let path = if d.name == "location" {
                    let path = args_of(d).join(" ");
                    if walk.mcp_path.is_none() {
                        let lower = path.to_ascii_lowercase();
                        if lower.contains("mcp") || lower.contains("/sse") {
                            *walk.mcp_path = Some(path.clone());
                        }
                    }
                    Some(path)
                } else {
                    location.clone()
                };
                let child = settings.child(inner);
                let own_headers: Vec<&Directive> =
                    inner.iter().filter(|i| i.name == "add_header").collect();
                if let Some(first) = own_headers.first() {
                    if has_hsts(settings.list("add_header")) && !has_hsts(child.list("add_header"))
                    {
                        walk.hsts_drops.push((
                            path.clone().unwrap_or_else(|| "(if)".into()),
                            ctx.span(first),
                        ));
                    }
                }
                walk_locations(ctx, &child, inner, path, walk, depth + 1);
            }
            ("proxy_pass" | "grpc_pass" | "uwsgi_pass" | "fastcgi_pass" | "scgi_pass", None) => {
                if let Some(hop) = hop(ctx, settings, d, location.clone(), walk.context) {
                    walk.hops.push(hop);
                }
            }
            _ => {}
        }
    }
}

/// A location that answers every request (`/`) or the MCP path and drops HSTS means clients
/// of the endpoint never receive it; elsewhere the loss is noted on the fact.
fn apply_hsts_drops(tls: &mut Tls, drops: &[(String, ModelSpan)]) {
    if tls.hsts.value.is_none() || drops.is_empty() {
        return;
    }
    let decisive = drops.iter().find(|(path, _)| {
        let p = path.to_ascii_lowercase();
        p == "/" || p == "= /" || p.contains("mcp") || p.contains("/sse")
    });
    let explain = |path: &str, span: &ModelSpan| {
        format!(
            "location {path} defines its own add_header ({}:{}) without Strict-Transport-Security: add_header in a child block replaces every inherited one, so HSTS is not sent there",
            span.file, span.line
        )
    };
    match decisive {
        Some((path, span)) => {
            tls.hsts = Fact::derived(None, span.clone(), explain(path, span));
        }
        None => {
            let notes: Vec<String> = drops.iter().map(|(p, s)| explain(p, s)).collect();
            let prior = tls.hsts.note.take();
            let joined = prior
                .into_iter()
                .chain(notes)
                .collect::<Vec<_>>()
                .join("; ");
            tls.hsts.note = Some(joined);
        }
    }
}

/// Module prefix of the upstream TLS directives for a pass directive.
fn ssl_prefix(directive: &str, context: &str) -> &'static str {
    match (directive, context) {
        ("grpc_pass", _) => "grpc",
        ("uwsgi_pass", _) => "uwsgi",
        _ => "proxy",
    }
}

fn hop(
    ctx: &mut Ctx,
    settings: &Settings,
    d: &Directive,
    location: Option<String>,
    context: &str,
) -> Option<Hop> {
    let target = d.args.first()?;
    let raw = target.value.clone();
    let lower = raw.to_ascii_lowercase();
    let (scheme, rest) = match lower.split_once("://") {
        Some((s, _)) => (
            s.to_string(),
            raw.get(s.len() + 3..).unwrap_or("").to_string(),
        ),
        None => {
            let implied = match d.name.as_str() {
                "grpc_pass" => "grpc",
                "uwsgi_pass" => "uwsgi",
                "fastcgi_pass" => "fastcgi",
                "scgi_pass" => "scgi",
                _ if context == "stream" => "tcp",
                _ => "http",
            };
            (implied.to_string(), raw.clone())
        }
    };
    let prefix = ssl_prefix(&d.name, context);
    let tls = match context {
        "stream" => settings
            .get("proxy_ssl")
            .is_some_and(|p| p.args.first().is_some_and(|a| a.value == "on")),
        _ => matches!(scheme.as_str(), "https" | "grpcs" | "suwsgi"),
    };
    // host[:port][/path], or unix:/path[:/uri]
    let authority = if rest.starts_with("unix:") {
        rest.split(":/")
            .take(2)
            .collect::<Vec<_>>()
            .join(":/")
            .trim_end_matches(':')
            .to_string()
    } else {
        rest.split('/').next().unwrap_or("").to_string()
    };
    let mut determinate = !authority.contains('$');
    let mut targets = Vec::new();
    if determinate {
        let host_only = strip_port(&authority);
        if let Some(servers) = ctx
            .upstreams
            .get(host_only)
            .or_else(|| ctx.upstreams.get(&authority))
        {
            for (addr, span) in servers {
                let scope = Scope::of_host(strip_port(addr));
                targets.push(HopTarget {
                    address: addr.clone(),
                    scope,
                    span: span.clone(),
                });
            }
            if servers.is_empty() {
                determinate = false;
            }
        } else {
            targets.push(HopTarget {
                address: authority.clone(),
                scope: Scope::of_host(host_only),
                span: ctx.arg_span(d, 0),
            });
        }
    }
    let scope = crate::model::draft::hop_scope(&targets, determinate);
    let span = ctx.span(d);
    let verify_name = format!("{prefix}_ssl_verify");
    let verify = match settings.get(&verify_name) {
        Some(v) => Fact::explicit(
            v.args.first().is_some_and(|a| a.value == "on"),
            ctx.span(v),
        ),
        None => Fact::default(
            false,
            span.clone(),
            format!("nginx default: {verify_name} off (all versions): the upstream certificate is not verified"),
        ),
    };
    let ca_name = format!("{prefix}_ssl_trusted_certificate");
    let trusted_ca = match settings.get(&ca_name) {
        Some(v) => Fact::explicit(v.args.first().map(|a| a.value.clone()), ctx.span(v)),
        None => Fact::default(None, span.clone(), format!("nginx default: no {ca_name}")),
    };
    Some(Hop {
        directive: d.name.clone(),
        location,
        upstream: raw,
        scheme,
        tls,
        determinate,
        targets,
        scope,
        verify,
        trusted_ca,
        span,
    })
}

fn strip_port(authority: &str) -> &str {
    if authority.starts_with("unix:") {
        return authority;
    }
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => h,
        _ => authority,
    }
}

/// nginx's default `ssl_protocols` by version (`ngx_http_ssl_module.c`); unknown: the default
/// of 1.23.4–1.27.2, the worst of the versions still in use.
const DEFAULT_PROTOCOLS: Defaults<&[&str]> = Defaults {
    rows: &[
        Since {
            since: &[1, 27, 3],
            value: &["TLSv1.2", "TLSv1.3"],
            note: "default ssl_protocols (nginx >= 1.27.3): TLSv1.2 TLSv1.3",
        },
        Since {
            since: &[1, 23, 4],
            value: &["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
            note: "default ssl_protocols (nginx 1.23.4–1.27.2): TLSv1 TLSv1.1 TLSv1.2 TLSv1.3",
        },
        Since {
            since: &[1, 9, 1],
            value: &["TLSv1", "TLSv1.1", "TLSv1.2"],
            note: "default ssl_protocols (nginx 1.9.1–1.23.3): TLSv1 TLSv1.1 TLSv1.2",
        },
        Since {
            since: &[],
            value: &["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"],
            note: "default ssl_protocols (nginx < 1.9.1): SSLv3 TLSv1 TLSv1.1 TLSv1.2",
        },
    ],
    unknown: Since {
        since: &[],
        value: &["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
        note: "nginx version unknown: the default ssl_protocols is \
TLSv1 TLSv1.1 TLSv1.2 TLSv1.3 in 1.23.4–1.27.2 (TLSv1 TLSv1.1 TLSv1.2 in 1.9.1–1.23.3) and \
TLSv1.2 TLSv1.3 from 1.27.3; the worst case applies. Declare the version in tlsproof.toml \
([nginx] version = \"1.27.3\") or with --nginx-version",
    },
};

/// The default `ssl_protocols` for a version, at `span`.
fn default_protocols(v: &ProductVersion, span: ModelSpan) -> Fact<Vec<String>> {
    versioned(v, &DEFAULT_PROTOCOLS, span).map(|p| p.iter().map(|s| s.to_string()).collect())
}

fn suites(list: &[&'static ciphers::Suite]) -> Vec<SuiteFacts> {
    list.iter().map(|s| SuiteFacts::from(*s)).collect()
}

fn tls_facts(ctx: &mut Ctx, settings: &Settings, server_span: &ModelSpan, context: &str) -> Tls {
    let protocols = match settings.get("ssl_protocols") {
        Some(d) => Fact::explicit(args_of(d), ctx.span(d)),
        None => default_protocols(&ctx.version, server_span.clone()),
    };

    let ciphers = match settings.get("ssl_ciphers") {
        Some(d) => {
            let spec = d.args.first().map(|a| a.value.as_str()).unwrap_or_default();
            let list = CipherList::openssl(spec);
            let note = format!(
                "expanded with OpenSSL 3 semantics to {} suites",
                list.suites.len()
            );
            Fact::explicit(list, ctx.span(d)).with_note(note)
        }
        None => {
            let list = CipherList::openssl("HIGH:!aNULL:!MD5");
            let note = format!(
                "nginx default ssl_ciphers HIGH:!aNULL:!MD5 (since 1.0.5, {}), expanded with OpenSSL 3 semantics to {} suites",
                if context == "stream" { "stream module" } else { "all later versions" },
                list.suites.len()
            );
            Fact::default(list, server_span.clone(), note)
        }
    };

    let conf_suites = settings
        .list("ssl_conf_command")
        .iter()
        .rev()
        .find_map(|d| {
            let key = d.args.first()?;
            key.value.eq_ignore_ascii_case("Ciphersuites").then(|| {
                (
                    d,
                    d.args.get(1).map(|a| a.value.clone()).unwrap_or_default(),
                )
            })
        });
    let tls13_suites = match conf_suites {
        Some((d, spec)) => {
            let exp = ciphers::expand_tls13(&spec);
            Fact::explicit(suites(&exp.suites), ctx.span(d))
        }
        None => Fact::default(
            suites(&ciphers::tls13_default()),
            server_span.clone(),
            "OpenSSL default TLS 1.3 cipher suites (ssl_ciphers does not apply to TLS 1.3)",
        ),
    };

    let certs = settings.list("ssl_certificate");
    let keys = settings.list("ssl_certificate_key");
    let certificates = certs
        .iter()
        .enumerate()
        .map(|(i, d)| Certificate {
            relative_to: nginx_prefix_file(&ctx.span(d)),
            path: d.args.first().map(|a| a.value.clone()).unwrap_or_default(),
            key: keys
                .get(i)
                .and_then(|k| k.args.first().map(|a| a.value.clone())),
            span: ctx.span(d),
            managed: None,
        })
        .collect();

    let client_auth = match settings.get("ssl_verify_client") {
        Some(d) => {
            let v = d.args.first().map(|a| a.value.as_str()).unwrap_or("off");
            let mode = match v {
                "on" => "required",
                "optional" => "optional",
                "optional_no_ca" => "optional_no_ca",
                _ => "off",
            };
            Fact::explicit(mode.to_string(), ctx.span(d))
        }
        None => Fact::default(
            "off".to_string(),
            server_span.clone(),
            "nginx default: ssl_verify_client off",
        ),
    };

    let hsts = hsts_fact(ctx, settings, server_span);
    let session_tickets = Some(match settings.get("ssl_session_tickets") {
        Some(d) => Fact::explicit(d.args.first().is_some_and(|a| a.value == "on"), ctx.span(d)),
        None => Fact::default(
            true,
            server_span.clone(),
            "nginx default: ssl_session_tickets on",
        ),
    });
    let reject_handshake = settings
        .get("ssl_reject_handshake")
        .map(|d| Fact::explicit(d.args.first().is_some_and(|a| a.value == "on"), ctx.span(d)));

    Tls {
        enabled: false,
        protocols,
        ciphers,
        tls13_suites,
        certificates,
        client_auth,
        hsts,
        session_tickets,
        reject_handshake,
    }
}

fn parse_hsts(value: &str, always: bool) -> Hsts {
    let mut max_age = None;
    let mut include_subdomains = false;
    let mut preload = false;
    for part in value.split(';') {
        let p = part.trim();
        let lower = p.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("max-age") {
            let v = v
                .trim_start()
                .trim_start_matches('=')
                .trim()
                .trim_matches('"');
            max_age = v.parse::<u64>().ok();
        } else if lower == "includesubdomains" {
            include_subdomains = true;
        } else if lower == "preload" {
            preload = true;
        }
    }
    Hsts {
        max_age,
        include_subdomains,
        preload,
        always,
        raw: value.to_string(),
    }
}

fn hsts_fact(ctx: &Ctx, settings: &Settings, server_span: &ModelSpan) -> Fact<Option<Hsts>> {
    let headers = settings.list("add_header");
    let found = headers.iter().rev().find(|d| {
        d.args
            .first()
            .is_some_and(|a| a.value.eq_ignore_ascii_case("Strict-Transport-Security"))
    });
    match found {
        Some(d) => {
            let value = d.args.get(1).map(|a| a.value.clone()).unwrap_or_default();
            let always = d.args.get(2).is_some_and(|a| a.value == "always");
            if value.contains('$') {
                return Fact::explicit(Some(parse_hsts(&value, always)), ctx.span(d)).with_note(
                    "the header value uses a variable: nginx omits the header when it evaluates empty",
                );
            }
            let mut fact = Fact::explicit(Some(parse_hsts(&value, always)), ctx.span(d));
            if !always {
                fact.note = Some(
                    "without `always`, nginx sends the header only on 2xx/3xx responses".into(),
                );
            }
            fact
        }
        None => match headers.first() {
            Some(d) => Fact::derived(
                None,
                ctx.span(d),
                "add_header here defines the header list without Strict-Transport-Security (a child block's add_header replaces every inherited one)",
            ),
            None => Fact::default(
                None,
                server_span.clone(),
                "nginx sends no Strict-Transport-Security header by default",
            ),
        },
    }
}

/// Socket-level semantics: the `ssl` flag is shared by every server on one address:port
/// (nginx ORs it, `ngx_http.c`), and before 1.29.2 the protocols negotiated on a socket are
/// those of its default server.
fn apply_socket_semantics(ctx: &mut Ctx, drafts: &mut [ServerDraft]) {
    // socket key → (span where ssl was set, endpoint index)
    let mut ssl_sockets: BTreeMap<String, ModelSpan> = BTreeMap::new();
    // socket key → index of the default server (explicit default_server, else the first)
    let mut default_server: BTreeMap<String, usize> = BTreeMap::new();
    for (i, draft) in drafts.iter().enumerate() {
        if draft.endpoint.context.as_deref() != Some("http") {
            continue;
        }
        for (key, li) in &draft.sockets {
            let Some(listen) = draft.endpoint.listens.get(*li) else {
                continue;
            };
            if listen.tls && !ssl_sockets.contains_key(key) {
                ssl_sockets.insert(key.clone(), listen.span.clone());
            }
            if listen.default_server {
                default_server.insert(key.clone(), i);
            } else {
                default_server.entry(key.clone()).or_insert(i);
            }
        }
    }
    let defaults_protocols: BTreeMap<String, (usize, Fact<Vec<String>>)> = default_server
        .iter()
        .filter_map(|(k, &i)| {
            let d = drafts.get(i)?;
            Some((k.clone(), (i, d.endpoint.tls.protocols.clone())))
        })
        .collect();

    let per_socket_protocols = ctx.version.at_least(&[1, 29, 2]);
    for (i, draft) in drafts.iter_mut().enumerate() {
        let is_http = draft.endpoint.context.as_deref() == Some("http");
        if is_http {
            for (key, li) in &draft.sockets {
                if let (Some(listen), Some(src)) =
                    (draft.endpoint.listens.get_mut(*li), ssl_sockets.get(key))
                {
                    if !listen.tls {
                        listen.tls = true;
                        listen.tls_source = Some(src.clone());
                        listen.note = Some(format!(
                            "TLS because another server sets `ssl` on the same socket {key} ({}:{}): nginx shares the flag per address:port",
                            src.file, src.line
                        ));
                    }
                }
            }
        }

        // Protocols on a shared TLS socket come from its default server before 1.29.2.
        if is_http && per_socket_protocols != Some(true) {
            for (key, li) in &draft.sockets {
                let is_tls = draft.endpoint.listens.get(*li).is_some_and(|l| l.tls);
                let Some((di, dp)) = defaults_protocols.get(key) else {
                    continue;
                };
                if !is_tls || *di == i || draft.explicit_protocols.is_none() {
                    continue;
                }
                let own = &draft.endpoint.tls.protocols.value;
                if &dp.value == own {
                    continue;
                }
                let mut fact = dp.clone();
                let weaker: Vec<String> = dp
                    .value
                    .iter()
                    .filter(|p| !own.contains(p))
                    .cloned()
                    .collect();
                if weaker.is_empty() {
                    continue;
                }
                let mut merged = own.clone();
                merged.extend(weaker);
                fact.value = merged;
                fact.origin = Origin::Derived;
                fact.version_dependent = per_socket_protocols.is_none();
                fact.note = Some(format!(
                    "nginx before 1.29.2 negotiates the protocol with the default server of {key} ({}:{}), so its protocols apply here too{}",
                    dp.span.file,
                    dp.span.line,
                    if per_socket_protocols.is_none() {
                        "; the nginx version is unknown (declare it in tlsproof.toml)"
                    } else {
                        ""
                    }
                ));
                draft.endpoint.tls.protocols = fact;
                break;
            }
        }
    }
}

/// The file whose folder nginx resolves a relative certificate path against: its configuration
/// prefix, the directory of the main `nginx.conf` (`ngx_conf_full_name(…, conf_prefix = 1)`),
/// which for a line in an included file is the first file of the include chain.
fn nginx_prefix_file(span: &ModelSpan) -> Option<String> {
    span.via.first().map(|main| main.file.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_address_forms() {
        assert_eq!(split_listen_address("80"), ("*".into(), Some(80)));
        assert_eq!(split_listen_address("*:443"), ("*".into(), Some(443)));
        assert_eq!(split_listen_address("[::]:443"), ("[::]".into(), Some(443)));
        assert_eq!(split_listen_address("[::1]"), ("[::1]".into(), None));
        assert_eq!(
            split_listen_address("127.0.0.1:8080"),
            ("127.0.0.1".into(), Some(8080))
        );
        assert_eq!(
            split_listen_address("localhost"),
            ("localhost".into(), None)
        );
        assert_eq!(
            split_listen_address("unix:/run/mcp.sock"),
            ("unix:/run/mcp.sock".into(), None)
        );
    }

    #[test]
    fn hsts_values() {
        let h = parse_hsts("max-age=63072000; includeSubDomains; preload", true);
        assert_eq!(h.max_age, Some(63072000));
        assert!(h.include_subdomains && h.preload && h.always);
    }

    #[test]
    fn default_protocols_by_version() {
        let span = ModelSpan {
            file: "nginx.conf".into(),
            line: 1,
            column: 1,
            via: vec![],
        };
        let at = |s: &str| default_protocols(&ProductVersion::parse("nginx", s), span.clone());
        assert_eq!(at("1.27.3").value, vec!["TLSv1.2", "TLSv1.3"]);
        assert_eq!(at("1.27.2").value.len(), 4);
        assert_eq!(at("1.22.1").value, vec!["TLSv1", "TLSv1.1", "TLSv1.2"]);
        let unknown = default_protocols(&ProductVersion::unknown("nginx"), span);
        assert!(unknown.version_dependent);
    }
}
