//! nginx normalization: raw directive tree (includes expanded) → endpoints of the TLS model.
//!
//! Applies nginx's own semantics: inheritance http → server → location with array directives
//! (`add_header`, `ssl_certificate`, `ssl_conf_command`) replaced wholesale by a child that
//! defines any, the `ssl` listen flag shared by every server on one address:port, the default
//! `listen *:80`, redirect idioms, upstream resolution for hops, and defaults by nginx version.

mod hop;
mod listen;
mod locations;
mod plaintext;
mod tls;

use super::parse::Directive;
use crate::ciphers;
use crate::diag::{Finding, FindingKind};
use crate::model::version::{versioned, Defaults, ProductVersion, Since};
use crate::model::Component;
use crate::model::EndpointDraft;
use crate::model::{
    Certificate, CipherList, Endpoint, Fact, Hop, HopTarget, Hsts, Listen, ModelSpan, Origin,
    Scope, SuiteFacts, Tls, Transport,
};
use crate::source::SourceMap;
use hop::*;
use listen::*;
use locations::*;
use plaintext::*;
use std::collections::BTreeMap;
use tls::*;

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
    /// The main config of the conf prefix, for a fragment judged on its own.
    prefix_file: Option<String>,
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
/// servers (a site file judged on its own, outside any `http {}`); `prefix_file` is the main
/// config whose folder is the conf prefix of such a file.
pub fn normalize(
    map: &SourceMap,
    directives: &[Directive],
    version: &ProductVersion,
    top_is_http: bool,
    prefix_file: Option<String>,
) -> Normalized {
    let mut ctx = Ctx {
        map,
        version: version.clone(),
        prefix_file,
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

    let mut tls = tls_facts(ctx, &settings, &server_span, context);
    let mut explicit_protocols = settings
        .get("ssl_protocols")
        .map(|d| Fact::explicit(args_of(d), ctx.span(d)));
    if let Some(quic) = quic_only(&listens) {
        tls.protocols = quic_protocols(&tls.protocols, quic);
        explicit_protocols = None;
    }

    // Hops and redirect/block behaviour come from the server level and its locations.
    let mut hops = Vec::new();
    let mut mcp_path = None;
    let mut hsts_drops = Vec::new();
    let plain = match context {
        "stream" => stream_forwards(&server_span),
        _ => plaintext_behaviour(ctx, body, &server_span),
    };
    let mut walk = Walk {
        hops: &mut hops,
        mcp_path: &mut mcp_path,
        hsts_drops: &mut hsts_drops,
        context,
    };
    walk_locations(ctx, &settings, body, None, &mut walk, 0);
    apply_hsts_drops(&mut tls, &hsts_drops);

    let id = endpoint_id(&server_span, &server_names, context);
    let passthrough = passes_tls_through(&settings, &listens, context);
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
            Component::Nginx,
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

/// A stream server that reads the ClientHello (`ssl_preread on`) without terminating TLS on any
/// of its listens. With `listen … ssl` the stream SSL phase runs first (`NGX_STREAM_SSL_PHASE`
/// precedes `NGX_STREAM_PREREAD_PHASE`), so preread sees the decrypted stream: the server
/// terminates TLS like any other.
fn passes_tls_through(settings: &Settings, listens: &[Listen], context: &str) -> bool {
    let preread = settings
        .get("ssl_preread")
        .is_some_and(|d| d.args.first().is_some_and(|a| a.value == "on"));
    context == "stream" && preread && !listens.iter().any(|l| l.tls)
}

fn endpoint_id(span: &ModelSpan, names: &[String], context: &str) -> String {
    let name = names.first().map(String::as_str).unwrap_or("_");
    let ctx = if context == "stream" { "stream:" } else { "" };
    format!("nginx:{ctx}{}:{}:{name}", span.file, span.line)
}

fn args_of(d: &Directive) -> Vec<String> {
    d.args.iter().map(|a| a.value.clone()).collect()
}

/// The file whose folder nginx resolves a relative certificate path against: its configuration
/// prefix, the directory of the main `nginx.conf` (`ngx_conf_full_name(…, conf_prefix = 1)`):
/// for a fragment judged on its own, the main config of its prefix; for a line in an included
/// file, the first file of the include chain.
fn nginx_prefix_file(ctx: &Ctx, span: &ModelSpan) -> Option<String> {
    ctx.prefix_file
        .clone()
        .or_else(|| span.via.first().map(|main| main.file.clone()))
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
