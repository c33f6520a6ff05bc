//! Traefik normalization: static + dynamic trees → one endpoint per router.
//!
//! Applies Traefik's semantics: routers attach to their entrypoints (all, or the `asDefault`
//! ones, when none are named), a router without `tls` is plaintext even on `:443`, entrypoint
//! redirections and `redirectScheme` middlewares, TLS options by reference across providers
//! (`name@file`), serversTransports for upstream verification, and defaults by version.

use super::{Container, Doc, Sources};
use crate::diag::{Finding, FindingKind};
use crate::ingest::shared::gotls;
use crate::ingest::{Declared, Ingested};
use crate::model::version::{self, versioned, Defaults, ProductVersion, Since};
use crate::model::EndpointDraft;
use crate::model::{
    Certificate, CipherList, Endpoint, Fact, Hop, HopTarget, Hsts, Listen, ModelSpan, Origin,
    Scope, Tls, Transport,
};
use crate::source::{FileId, SourceMap, Span};
use crate::yaml::Node;

/// The numeric parts of a Traefik version; a bare `2` tag spans 2.0–2.11, whose defaults
/// differ, so it is no version.
fn version_parts(v: &str) -> Option<Vec<u32>> {
    version::parts(v).filter(|p| p.as_slice() != [2])
}

const DECLARE: &str = "declare [traefik] version in tlsproof.toml or pass --traefik-version";

/// A located value: the file and byte offset it is written at.
#[derive(Clone, Copy)]
struct At {
    file: FileId,
    start: usize,
}

struct EntryPoint {
    name: String,
    address: String,
    port: Option<u16>,
    at: At,
    udp: bool,
    tls: Option<TlsRef>,
    redirect: Option<Redirect>,
    as_default: bool,
    middlewares: Vec<(String, At)>,
    implicit: bool,
}

#[derive(Clone)]
struct TlsRef {
    at: At,
    options: Option<(String, At)>,
    resolver: Option<(String, At)>,
}

struct Redirect {
    to: String,
    https: bool,
    at: At,
}

/// A named dynamic object (router, service, middleware, transport, TLS option).
struct Obj<'a> {
    name: String,
    provider: &'static str,
    at: At,
    node: &'a Node,
    container: Option<&'a Container>,
}

#[derive(Default)]
struct Registry<'a> {
    routers: Vec<Obj<'a>>,
    tcp_routers: Vec<Obj<'a>>,
    services: Vec<Obj<'a>>,
    tcp_services: Vec<Obj<'a>>,
    middlewares: Vec<Obj<'a>>,
    transports: Vec<Obj<'a>>,
    options: Vec<Obj<'a>>,
    certificates: Vec<(String, At)>,
    default_certificate: Option<(String, At)>,
}

struct Ctx<'a> {
    map: &'a SourceMap,
    version: ProductVersion,
    eps: Vec<EntryPoint>,
    /// Whether any static configuration was found (else entrypoint addresses are unknown).
    static_known: bool,
    global_skip: Option<(bool, At)>,
    global_root_cas: Option<(String, At)>,
    exposed_by_default: bool,
    reg: Registry<'a>,
    findings: Vec<Finding>,
}

impl Ctx<'_> {
    fn ms(&self, at: At) -> ModelSpan {
        ModelSpan::resolve(self.map, Span::new(at.file, at.start, at.start), &[])
    }

    fn where_(&self, at: At) -> String {
        let l = self.map.location(Span::new(at.file, at.start, at.start));
        format!("{}:{}", l.file, l.line)
    }

    fn finding(&mut self, kind: FindingKind, msg: String, at: At) {
        let f = Finding::new(kind, msg, Some(Span::new(at.file, at.start, at.start)));
        if !self.findings.contains(&f) {
            self.findings.push(f);
        }
    }
}

fn at(file: FileId, n: &Node) -> At {
    At {
        file,
        start: n.start,
    }
}

/// A list written as a YAML/TOML sequence or a comma-separated string (labels, flags).
fn list(n: &Node, file: FileId) -> Vec<(String, At)> {
    if let Some(s) = n.as_str() {
        return s
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| (s.to_string(), at(file, n)))
            .collect();
    }
    if n.is_map() {
        // Flags and labels with indices: `entrypoints[0]=web`.
        return n
            .entries()
            .filter_map(|(_, v)| v.scalar().map(|s| (s, at(file, v))))
            .collect();
    }
    n.items()
        .iter()
        .filter_map(|i| i.scalar().map(|s| (s, at(file, i))))
        .collect()
}

fn scalar_at(n: &Node, key: &str, file: FileId) -> Option<(String, At)> {
    let v = n.get_ci(key)?;
    v.scalar().map(|s| (s, at(file, v)))
}

/// Splits `host:port[/proto]` as Traefik writes entrypoint addresses.
fn split_address(a: &str) -> (String, Option<u16>, bool) {
    let (addr, proto) = match a.rsplit_once('/') {
        Some((x, p)) => (x, p.to_ascii_lowercase()),
        None => (a, String::new()),
    };
    let (host, port) = match addr.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().ok()),
        None => (addr, None),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let host = if host.is_empty() { "*" } else { host };
    (host.to_string(), port, proto == "udp")
}

/// Host names in a rule: the backquoted or quoted arguments of `Host(…)` and `HostSNI(…)`.
pub fn rule_hosts(rule: &str) -> Vec<String> {
    let mut out = Vec::new();
    let lower = rule.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower.get(from..).and_then(|s| s.find("host")) {
        let i = from + i;
        from = i + 4;
        let rest = &lower[i..];
        let name_len = if rest.starts_with("hostsni(") {
            8
        } else if rest.starts_with("host(") {
            5
        } else {
            continue;
        };
        // Not part of a longer identifier (e.g. `ClientHost(`).
        if i > 0
            && lower[..i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric())
        {
            continue;
        }
        let args_start = i + name_len;
        let Some(close) = rule.get(args_start..).and_then(|s| s.find(')')) else {
            break;
        };
        let args = &rule[args_start..args_start + close];
        for part in args.split(',') {
            let h = part
                .trim()
                .trim_matches(|c| c == '`' || c == '"' || c == '\'');
            if !h.is_empty() {
                out.push(h.to_string());
            }
        }
        from = args_start + close;
    }
    out
}

fn collect_statics(ctx: &mut Ctx, statics: &[Doc]) {
    let mut declared_any = false;
    for d in statics {
        let root = &d.root;
        let f = d.file;
        if let Some(eps) = root.get_ci("entryPoints") {
            for (k, ep) in eps.entries() {
                let Some(name) = k.scalar() else { continue };
                declared_any = true;
                let (address, port, udp, addr_at) = match scalar_at(ep, "address", f) {
                    Some((a, a_at)) => {
                        let (h, p, u) = split_address(&a);
                        (h, p, u, a_at)
                    }
                    None => ("*".into(), None, false, at(f, k)),
                };
                let http = ep.get_ci("http");
                let tls = http.and_then(|h| h.entry_ci("tls")).and_then(|(tk, tv)| {
                    if tv.as_bool() == Some(false) {
                        return None;
                    }
                    Some(TlsRef {
                        at: at(f, tk),
                        options: scalar_at(tv, "options", f),
                        resolver: scalar_at(tv, "certResolver", f),
                    })
                });
                let redirect = http
                    .and_then(|h| h.path_ci(&["redirections", "entryPoint"]))
                    .and_then(|r| {
                        let (to, to_at) = scalar_at(r, "to", f)?;
                        let https = scalar_at(r, "scheme", f)
                            .map(|(s, _)| s.eq_ignore_ascii_case("https"))
                            .unwrap_or(true);
                        Some(Redirect {
                            to,
                            https,
                            at: to_at,
                        })
                    });
                let middlewares = http
                    .and_then(|h| h.get_ci("middlewares"))
                    .map(|m| list(m, f))
                    .unwrap_or_default();
                let as_default = ep.get_ci("asDefault").and_then(Node::as_bool) == Some(true);
                // A later source redefines an entrypoint of the same name.
                ctx.eps.retain(|e| e.name != name);
                ctx.eps.push(EntryPoint {
                    name,
                    address,
                    port,
                    at: addr_at,
                    udp,
                    tls,
                    redirect,
                    as_default,
                    middlewares,
                    implicit: false,
                });
            }
        }
        if let Some(st) = root.get_ci("serversTransport") {
            if let Some(v) = st.get_ci("insecureSkipVerify") {
                ctx.global_skip = Some((v.as_bool() == Some(true), at(f, v)));
            }
            if let Some(v) = st.get_ci("rootCAs") {
                let cas = list(v, f)
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect::<Vec<_>>()
                    .join(", ");
                ctx.global_root_cas = Some((cas, at(f, v)));
            }
        }
        if let Some(v) = root
            .path_ci(&["providers", "docker", "exposedByDefault"])
            .and_then(Node::as_bool)
        {
            ctx.exposed_by_default = v;
        }
    }
    if let (false, Some(first)) = (declared_any, statics.first()) {
        // pkg/config/static/static_config.go: no entrypoint configured → `http` on :80.
        ctx.eps.push(EntryPoint {
            name: "http".into(),
            address: "*".into(),
            port: Some(80),
            at: At {
                file: first.file,
                start: first.root.start,
            },
            udp: false,
            tls: None,
            redirect: None,
            as_default: false,
            middlewares: Vec::new(),
            implicit: true,
        });
    }
}

fn named<'a>(
    out: &mut Vec<Obj<'a>>,
    parent: Option<&'a Node>,
    provider: &'static str,
    file: FileId,
    container: Option<&'a Container>,
) {
    let Some(p) = parent else { return };
    for (k, v) in p.entries() {
        if let Some(name) = k.scalar() {
            out.push(Obj {
                name,
                provider,
                at: at(file, k),
                node: v,
                container,
            });
        }
    }
}

fn collect_dynamic<'a>(
    reg: &mut Registry<'a>,
    root: &'a Node,
    file: FileId,
    provider: &'static str,
    container: Option<&'a Container>,
) {
    let http = root.get_ci("http");
    let tcp = root.get_ci("tcp");
    named(
        &mut reg.routers,
        http.and_then(|h| h.get_ci("routers")),
        provider,
        file,
        container,
    );
    named(
        &mut reg.services,
        http.and_then(|h| h.get_ci("services")),
        provider,
        file,
        container,
    );
    named(
        &mut reg.middlewares,
        http.and_then(|h| h.get_ci("middlewares")),
        provider,
        file,
        container,
    );
    named(
        &mut reg.transports,
        http.and_then(|h| h.get_ci("serversTransports")),
        provider,
        file,
        container,
    );
    named(
        &mut reg.tcp_routers,
        tcp.and_then(|h| h.get_ci("routers")),
        provider,
        file,
        container,
    );
    named(
        &mut reg.tcp_services,
        tcp.and_then(|h| h.get_ci("services")),
        provider,
        file,
        container,
    );
    if let Some(tls) = root.get_ci("tls") {
        named(
            &mut reg.options,
            tls.get_ci("options"),
            provider,
            file,
            container,
        );
        if let Some(certs) = tls.get_ci("certificates") {
            for c in certs.items() {
                if let Some(cf) = scalar_at(c, "certFile", file) {
                    reg.certificates.push(cf);
                }
            }
        }
        if let Some(dc) = tls.path_ci(&["stores", "default", "defaultCertificate"]) {
            reg.default_certificate = scalar_at(dc, "certFile", file);
        }
    }
}

/// Finds `name` or `name@provider`, relative to the provider of the referring object.
fn lookup<'o, 'a>(objs: &'o [Obj<'a>], reference: &str, from: &str) -> Result<&'o Obj<'a>, String> {
    let (name, provider) = match reference.rsplit_once('@') {
        Some((n, p)) => (n, p.to_ascii_lowercase()),
        None => (reference, from.to_string()),
    };
    objs.iter()
        .find(|o| o.provider == provider && o.name == name)
        .or_else(|| {
            objs.iter()
                .find(|o| o.provider == provider && o.name.eq_ignore_ascii_case(name))
        })
        .ok_or(provider)
}

pub(super) fn build(map: &SourceMap, src: &Sources, declared: &Declared, out: &mut Ingested) {
    let mut findings = Vec::new();
    let version = match (&declared.traefik_version, src.images.first()) {
        (Some(v), _) => {
            let version = ProductVersion::new("Traefik", version_parts(v), v.trim());
            if version.parts().is_none() {
                findings.push(Finding::new(
                    FindingKind::Notice,
                    format!("the declared Traefik version {v:?} is not a version number; defaults are taken as for an unknown version"),
                    None,
                ));
            }
            version
        }
        (None, Some(img)) => ProductVersion::new(
            "Traefik",
            version_parts(&img.tag),
            format!("{} (image tag)", img.tag.trim_start_matches('v')),
        ),
        (None, None) => ProductVersion::unknown("Traefik"),
    };
    let mut ctx = Ctx {
        map,
        version,
        eps: Vec::new(),
        static_known: !src.statics.is_empty(),
        global_skip: None,
        global_root_cas: None,
        exposed_by_default: true,
        reg: Registry::default(),
        findings,
    };
    collect_statics(&mut ctx, &src.statics);
    let mut reg = Registry::default();
    for d in &src.dynamics {
        collect_dynamic(&mut reg, &d.root, d.file, "file", None);
    }
    for (d, provider) in &src.kube {
        collect_dynamic(&mut reg, &d.root, d.file, provider, None);
    }
    for c in &src.containers {
        let enabled = c.enable.unwrap_or(ctx.exposed_by_default);
        if enabled {
            collect_dynamic(&mut reg, &c.labels, c.file, "docker", Some(c));
        }
    }
    ctx.reg = reg;

    let mut endpoints = Vec::new();
    for i in 0..ctx.reg.routers.len() {
        endpoints.push(router(&mut ctx, i, false));
    }
    for i in 0..ctx.reg.tcp_routers.len() {
        endpoints.push(router(&mut ctx, i, true));
    }
    if !ctx.static_known && !endpoints.is_empty() {
        ctx.findings.push(Finding::new(
            FindingKind::Notice,
            "no Traefik static configuration (traefik.yml/toml or the traefik service's command: in a compose file) was found: entrypoint addresses are unknown; scan it with the dynamic configuration".to_string(),
            None,
        ));
    }
    out.findings.extend(ctx.findings);
    out.endpoints.extend(endpoints);
}

/// The endpoint of one HTTP (or TCP) router.
fn router(ctx: &mut Ctx, idx: usize, tcp: bool) -> Endpoint {
    let (name, provider, r_at, node, container) = {
        let objs = if tcp {
            &ctx.reg.tcp_routers
        } else {
            &ctx.reg.routers
        };
        let o = &objs[idx.min(objs.len().saturating_sub(1))];
        (o.name.clone(), o.provider, o.at, o.node, o.container)
    };
    let file = r_at.file;
    let span = ctx.ms(r_at);
    let rule = node
        .get_ci("rule")
        .and_then(Node::scalar)
        .unwrap_or_default();
    let server_names = rule_hosts(&rule);

    // The router's TLS section.
    let router_tls = node.entry_ci("tls").and_then(|(k, v)| {
        if v.as_bool() == Some(false) {
            return None;
        }
        Some(TlsRef {
            at: at(file, k),
            options: scalar_at(v, "options", file),
            resolver: scalar_at(v, "certResolver", file),
        })
    });
    let passthrough = tcp
        && node
            .path_ci(&["tls", "passthrough"])
            .and_then(Node::as_bool)
            == Some(true);

    // Entrypoints: as named, else the asDefault ones, else all.
    let named_eps: Option<Vec<(String, At)>> = node.get_ci("entryPoints").map(|n| list(n, file));
    let mut listens = Vec::new();
    let mut ep_tls: Option<TlsRef> = None;
    let mut ep_idx: Vec<usize> = Vec::new();
    let mut unknown_eps: Vec<(String, At)> = Vec::new();
    match &named_eps {
        Some(names) => {
            for (n, n_at) in names {
                match ctx.eps.iter().position(|e| e.name.eq_ignore_ascii_case(n)) {
                    Some(i) => ep_idx.push(i),
                    None => unknown_eps.push((n.clone(), *n_at)),
                }
            }
        }
        None => {
            let defaults: Vec<usize> = (0..ctx.eps.len())
                .filter(|i| ctx.eps[*i].as_default && !ctx.eps[*i].udp)
                .collect();
            ep_idx = if defaults.is_empty() {
                (0..ctx.eps.len()).filter(|i| !ctx.eps[*i].udp).collect()
            } else {
                defaults
            };
            if ctx.eps.is_empty() {
                unknown_eps.push(("(all entrypoints)".into(), r_at));
            }
        }
    }
    let listen_at = |ep_name: &str| -> At {
        named_eps
            .as_ref()
            .and_then(|v| v.iter().find(|(n, _)| n.eq_ignore_ascii_case(ep_name)))
            .map(|(_, a)| *a)
            .unwrap_or(r_at)
    };
    let mut plaintext_eps = Vec::new();
    for &i in &ep_idx {
        let ep = &ctx.eps[i];
        let tls = router_tls.is_some() || ep.tls.is_some() || passthrough;
        if ep.tls.is_some() && ep_tls.is_none() {
            ep_tls = ep.tls.clone();
        }
        let where_ep = if ep.implicit {
            "the implicit entrypoint Traefik creates when none is configured".to_string()
        } else {
            ctx.where_(ep.at)
        };
        listens.push(Listen {
            tls_source: if router_tls.is_none() {
                ep.tls.as_ref().map(|t| ctx.ms(t.at))
            } else {
                None
            },
            note: Some(format!(
                "entrypoint {} ({}:{}, {where_ep}){}",
                ep.name,
                ep.address,
                ep.port.map(|p| p.to_string()).unwrap_or_default(),
                if tls {
                    ""
                } else {
                    "; the router has no tls section, so it answers plaintext requests here"
                }
            )),
            ..Listen::new(
                ep.address.clone(),
                ep.port,
                Scope::of_host(&ep.address),
                tls,
                ctx.ms(listen_at(&ep.name)),
                if named_eps.is_some() {
                    Origin::Explicit
                } else {
                    Origin::Derived
                },
            )
        });
        if !tls {
            plaintext_eps.push(i);
        }
    }
    for (n, n_at) in &unknown_eps {
        if ctx.static_known {
            ctx.finding(
                FindingKind::Indeterminate,
                format!("router {name} names entrypoint {n}, which no scanned static configuration defines"),
                *n_at,
            );
        }
        listens.push(Listen {
            note: Some(format!(
                "entrypoint {n}: its address is not in the scanned configuration"
            )),
            ..Listen::new(
                n.clone(),
                None,
                Scope::Unknown,
                router_tls.is_some() || passthrough,
                ctx.ms(*n_at),
                Origin::Explicit,
            )
        });
    }

    // Middlewares: the entrypoints' first, then the router's.
    let mut mw_refs: Vec<(String, At)> = Vec::new();
    for &i in &ep_idx {
        mw_refs.extend(ctx.eps[i].middlewares.iter().cloned());
    }
    if let Some(m) = node.get_ci("middlewares") {
        mw_refs.extend(list(m, file));
    }
    let mws = middlewares(ctx, &mw_refs, provider);

    // Plaintext handling: every plaintext entrypoint must redirect (entrypoint redirection or a
    // redirectScheme middleware on the router).
    let mut redirect: Option<Fact<bool>> = None;
    let all_ep_redirect = !plaintext_eps.is_empty()
        && plaintext_eps
            .iter()
            .all(|&i| ctx.eps[i].redirect.as_ref().is_some_and(|r| r.https));
    if let Some((scheme_at, permanent)) = mws.redirect {
        redirect = Some(Fact::explicit(true, ctx.ms(scheme_at)).with_note(format!(
            "redirectScheme middleware to https{}",
            if permanent { " (permanent)" } else { "" }
        )));
    } else if all_ep_redirect {
        if let Some(r) = plaintext_eps
            .first()
            .and_then(|&i| ctx.eps[i].redirect.as_ref())
        {
            redirect = Some(Fact::derived(
                true,
                ctx.ms(r.at),
                format!(
                    "the entrypoint redirects every request to entrypoint {} over https",
                    r.to
                ),
            ));
        }
    }
    // A TLS-only router: plaintext entrypoints that redirect to one of its entrypoints carry its
    // plaintext requests, answered by that redirect.
    if plaintext_eps.is_empty() && !tcp {
        let targets: Vec<String> = ep_idx
            .iter()
            .map(|&i| ctx.eps[i].name.to_ascii_lowercase())
            .collect();
        let mut red_listens = Vec::new();
        let mut first = None;
        for ep in &ctx.eps {
            if ep.tls.is_some() || ep.udp {
                continue;
            }
            if let Some(r) = ep.redirect.as_ref().filter(|r| r.https) {
                let to = r.to.to_ascii_lowercase();
                let to_port = to.trim_start_matches(':').parse::<u16>().ok();
                let hits = targets.contains(&to)
                    || to_port.is_some_and(|p| ep_idx.iter().any(|&i| ctx.eps[i].port == Some(p)));
                if hits {
                    red_listens.push(Listen {
                        note: Some(format!(
                            "entrypoint {} takes this router's plaintext requests and redirects them to {}",
                            ep.name, r.to
                        )),
                        ..Listen::new(
                            ep.address.clone(),
                            ep.port,
                            Scope::of_host(&ep.address),
                            false,
                            ctx.ms(ep.at),
                            Origin::Derived,
                        )
                    });
                    first.get_or_insert(r.at);
                }
            }
        }
        if let Some(r_at2) = first {
            listens.extend(red_listens);
            redirect = Some(Fact::derived(
                true,
                ctx.ms(r_at2),
                "plaintext requests for this router's hosts arrive on an entrypoint that redirects every request to https",
            ));
        }
    }
    let redirects_to_https = redirect.unwrap_or_else(|| {
        Fact::default(
            false,
            span.clone(),
            "Traefik default: no redirect unless an entrypoint redirection or a redirectScheme middleware is configured",
        )
    });

    // TLS settings.
    let tls_ref = router_tls.clone().or(ep_tls);
    let anchor = tls_ref.as_ref().map(|t| t.at).unwrap_or(r_at);
    let mut tls = tls_facts(ctx, tls_ref.as_ref(), provider, anchor, passthrough);
    tls.hsts = mws.hsts.unwrap_or_else(|| {
        Fact::default(
            None,
            span.clone(),
            "Traefik sends no Strict-Transport-Security unless a headers middleware sets stsSeconds",
        )
    });

    let hops = hops(ctx, node, file, provider, container, tcp, r_at);

    let display = ctx.map.location(Span::new(file, r_at.start, r_at.start));
    let id = format!("traefik:{}:{}:{}", display.file, display.line, name);
    let blocked = Fact::default(
        false,
        span.clone(),
        "Traefik does not refuse plaintext requests that a router matches",
    );
    EndpointDraft {
        context: Some(if tcp { "tcp".into() } else { "http".into() }),
        server_names,
        listens,
        transport: if passthrough {
            Transport::TlsPassthrough
        } else {
            Transport::Http
        },
        hops,
        ..EndpointDraft::new(id, "traefik", span, tls, redirects_to_https, blocked)
    }
    .finish()
}

#[derive(Default)]
struct Middlewares {
    redirect: Option<(At, bool)>,
    hsts: Option<Fact<Option<Hsts>>>,
}

fn middlewares(ctx: &mut Ctx, refs: &[(String, At)], provider: &str) -> Middlewares {
    let mut out = Middlewares::default();
    let mut queue: Vec<(String, At, String, usize)> = refs
        .iter()
        .map(|(r, a)| (r.clone(), *a, provider.to_string(), 0))
        .collect();
    let mut seen = 0;
    while let Some((r, r_at, from, depth)) = queue.pop() {
        seen += 1;
        if seen > 256 || depth > 8 {
            break;
        }
        let found =
            lookup(&ctx.reg.middlewares, &r, &from).map(|o| (o.node, o.at.file, o.provider));
        let (node, file, p) = match found {
            Ok(x) => x,
            Err(p) => {
                if p != "internal" {
                    ctx.finding(
                        FindingKind::Indeterminate,
                        format!("middleware {r} (provider {p}) is not in the scanned configuration: a redirect or HSTS it may set is not judged"),
                        r_at,
                    );
                }
                continue;
            }
        };
        if let Some(rs) = node.get_ci("redirectScheme") {
            if let Some((s, s_at)) = scalar_at(rs, "scheme", file) {
                if s.eq_ignore_ascii_case("https") {
                    let permanent = rs.get_ci("permanent").and_then(Node::as_bool) == Some(true);
                    out.redirect = Some((s_at, permanent));
                }
            }
        }
        if let Some(h) = node.get_ci("headers") {
            if let Some(f) = hsts(ctx, h, file) {
                out.hsts = Some(f);
            }
        }
        if let Some(c) = node.path_ci(&["chain", "middlewares"]) {
            for (cr, ca) in list(c, file) {
                queue.push((cr, ca, p.to_string(), depth + 1));
            }
        }
    }
    out
}

fn hsts(ctx: &Ctx, h: &Node, file: FileId) -> Option<Fact<Option<Hsts>>> {
    if let Some((v, v_at)) = h
        .get_ci("customResponseHeaders")
        .and_then(|c| scalar_at(c, "Strict-Transport-Security", file))
    {
        let mut max_age = None;
        let mut include_subdomains = false;
        let mut preload = false;
        for part in v.split(';') {
            let p = part.trim().to_ascii_lowercase();
            if let Some(a) = p.strip_prefix("max-age=") {
                max_age = a.trim_matches('"').parse().ok();
            } else if p == "includesubdomains" {
                include_subdomains = true;
            } else if p == "preload" {
                preload = true;
            }
        }
        return Some(Fact::explicit(
            Some(Hsts {
                max_age,
                include_subdomains,
                preload,
                always: true,
                raw: v,
            }),
            ctx.ms(v_at),
        ));
    }
    let (secs, s_at) = scalar_at(h, "stsSeconds", file)?;
    let max_age: Option<u64> = secs.trim().parse().ok();
    let flag = |k: &str| h.get_ci(k).and_then(Node::as_bool) == Some(true);
    let include_subdomains = flag("stsIncludeSubdomains");
    let preload = flag("stsPreload");
    let mut raw = format!("max-age={secs}");
    if include_subdomains {
        raw.push_str("; includeSubDomains");
    }
    if preload {
        raw.push_str("; preload");
    }
    let fact = Fact::explicit(
        Some(Hsts {
            max_age,
            include_subdomains,
            preload,
            always: true,
            raw,
        }),
        ctx.ms(s_at),
    );
    Some(if flag("forceSTSHeader") {
        fact.with_note("forceSTSHeader: sent on plaintext responses too")
    } else {
        fact.with_note("Traefik's headers middleware sends it on HTTPS responses")
    })
}

fn cipher_list(spec: String, names: &[&str]) -> CipherList {
    gotls::cipher_list(spec, names)
}

/// Protocols, ciphers, certificates and client authentication of a router's TLS.
fn tls_facts(
    ctx: &mut Ctx,
    tls: Option<&TlsRef>,
    provider: &str,
    anchor: At,
    passthrough: bool,
) -> Tls {
    let a = ctx.ms(anchor);
    let v = ctx.version.label();
    let tls13 = Fact::default(
        gotls::suites(gotls::TLS13).0,
        a.clone(),
        "Go crypto/tls: the TLS 1.3 suites are fixed",
    );
    let user_default = lookup(&ctx.reg.options, "default@file", "file")
        .ok()
        .map(|o| (o.node, o.at));
    let opt = match tls.and_then(|t| t.options.clone()) {
        Some((r, r_at)) => match lookup(&ctx.reg.options, &r, provider) {
            Ok(o) => Ok(Some((o.node, o.at, r))),
            Err(p) => Err((r, r_at, p)),
        },
        None => Ok(user_default.map(|(n, o_at)| (n, o_at, "default".to_string()))),
    };
    let (protocols, ciphers, client_auth) = match opt {
        Ok(Some((node, o_at, name))) => user_option(ctx, node, o_at, &name),
        Ok(None) => traefik_default(ctx, &a),
        Err((r, r_at, p)) => {
            ctx.finding(
                FindingKind::Indeterminate,
                format!("TLS option {r} (provider {p}) is not in the scanned configuration: its protocols and ciphers are taken as the worst case"),
                r_at,
            );
            let s = ctx.ms(r_at);
            let note = format!("TLS option {r} not found in the scanned configuration: worst case assumed, scan the configuration that defines it");
            (
                Fact::derived(
                    gotls::protocol_range("TLSv1", "TLSv1.3"),
                    s.clone(),
                    note.clone(),
                ),
                Fact::derived(
                    cipher_list(format!("{r} (not found)"), gotls::CIPHER_SUITES_OLD_GO),
                    s.clone(),
                    note,
                ),
                Fact::derived(
                    "unknown".to_string(),
                    s,
                    format!("TLS option {r} not found"),
                ),
            )
        }
    };
    let _ = v;
    let mut certificates = Vec::new();
    if !passthrough {
        if let Some((res, r_at)) = tls.and_then(|t| t.resolver.clone()) {
            certificates.push(Certificate {
                relative_to: None,
                path: format!("certResolver {res}"),
                key: None,
                span: ctx.ms(r_at),
                managed: Some("acme".into()),
            });
        } else if !ctx.reg.certificates.is_empty() {
            let certs = ctx.reg.certificates.clone();
            for (c, c_at) in certs {
                certificates.push(Certificate {
                    relative_to: None,
                    path: c,
                    key: None,
                    span: ctx.ms(c_at),
                    managed: None,
                });
            }
        } else if let Some((c, c_at)) = ctx.reg.default_certificate.clone() {
            certificates.push(Certificate {
                relative_to: None,
                path: c,
                key: None,
                span: ctx.ms(c_at),
                managed: None,
            });
        } else {
            certificates.push(Certificate {
                relative_to: None,
                path: "TRAEFIK DEFAULT CERT".into(),
                key: None,
                span: a.clone(),
                managed: Some("traefik-default-cert".into()),
            });
        }
    }
    Tls {
        enabled: false,
        protocols,
        ciphers,
        tls13_suites: tls13,
        certificates,
        client_auth,
        hsts: Fact::default(None, a, "set later"),
        session_tickets: None,
        reject_handshake: None,
    }
}

type TlsTriple = (Fact<Vec<String>>, Fact<CipherList>, Fact<String>);

/// The minimum and maximum protocol of Traefik's default TLS option (`pkg/tls/tlsmanager.go`).
const DEFAULT_PROTOCOLS: Defaults<(&str, &str)> = Defaults {
    rows: &[
        Since {
            since: &[2, 9],
            value: ("TLSv1.2", "TLSv1.3"),
            note: "default TLS option: minVersion VersionTLS12 (since v2.9, pkg/tls/tlsmanager.go)",
        },
        Since {
            since: &[],
            value: ("TLSv1", "TLSv1.3"),
            note: "(before v2.9) default TLS option sets no minVersion: Go's default minimum TLS 1.0",
        },
    ],
    unknown: Since {
        since: &[],
        value: ("TLSv1", "TLSv1.3"),
        note: "Traefik version unknown: its default TLS option offers TLS 1.0 and 1.1 before v2.9 and TLS 1.2+ from v2.9; worst case assumed, declare [traefik] version in tlsproof.toml or pass --traefik-version",
    },
};

/// The cipher suites of Traefik's default TLS option: Go's list, which changed with the Go
/// toolchain Traefik is built with (Go 1.22 from v2.11).
const DEFAULT_CIPHERS: Defaults<(&str, &[&str])> = Defaults {
    rows: &[
        Since {
            since: &[2, 11],
            value: ("tls.CipherSuites() (Go 1.22+)", gotls::CIPHER_SUITES_GO122),
            note: "default TLS option: cipherSuites = Go's tls.CipherSuites(), which includes ECDHE CBC-SHA suites",
        },
        Since {
            since: &[2, 9],
            value: ("tls.CipherSuites() (Go < 1.22)", gotls::CIPHER_SUITES_OLD_GO),
            note: "default TLS option: cipherSuites = Go's tls.CipherSuites(), which includes ECDHE CBC-SHA suites, and with the older Go it is built with also TLS_RSA_* and 3DES",
        },
        Since {
            since: &[],
            value: ("Go default (Go < 1.22)", gotls::CIPHER_SUITES_OLD_GO),
            note: "(before v2.9): Go's default cipher suites of its toolchain, including CBC, TLS_RSA_* and 3DES",
        },
    ],
    unknown: Since {
        since: &[],
        value: ("tls.CipherSuites() (Go toolchain unknown)", gotls::CIPHER_SUITES_OLD_GO),
        note: "Traefik version unknown: default cipherSuites = Go's tls.CipherSuites(), which includes ECDHE CBC-SHA suites, with older Go builds also TLS_RSA_* and 3DES; worst case assumed, declare [traefik] version in tlsproof.toml or pass --traefik-version",
    },
};

/// Traefik's built-in default TLS option.
fn traefik_default(ctx: &Ctx, a: &ModelSpan) -> TlsTriple {
    let protocols = versioned(&ctx.version, &DEFAULT_PROTOCOLS, a.clone())
        .map(|(min, max)| gotls::protocol_range(min, max));
    let ciphers = versioned(&ctx.version, &DEFAULT_CIPHERS, a.clone())
        .map(|(label, names)| cipher_list(label.into(), names));
    let client_auth = Fact::default(
        "off".to_string(),
        a.clone(),
        "Traefik default: clientAuthType NoClientCert",
    );
    (protocols, ciphers, client_auth)
}

/// A user-defined TLS option (`tls.options.<name>`).
fn user_option(ctx: &mut Ctx, node: &Node, o_at: At, name: &str) -> TlsTriple {
    let file = o_at.file;
    let o_span = ctx.ms(o_at);
    let v = ctx.version.label();
    let max = match scalar_at(node, "maxVersion", file) {
        Some((m, _)) => gotls::protocol(&m).unwrap_or("TLSv1.3"),
        None => "TLSv1.3",
    };
    let protocols = match scalar_at(node, "minVersion", file) {
        Some((m, m_at)) => {
            let min = match gotls::protocol(&m) {
                Some(p) => p,
                None => {
                    ctx.finding(
                        FindingKind::Indeterminate,
                        format!("TLS option {name}: minVersion {m:?} is not a TLS version Traefik knows; taken as TLS 1.0"),
                        m_at,
                    );
                    "TLSv1"
                }
            };
            Fact::explicit(gotls::protocol_range(min, max), ctx.ms(m_at))
        }
        None => match ctx.version.at_least(&[2, 11]) {
            Some(true) => Fact::default(
                gotls::protocol_range("TLSv1.2", max),
                o_span.clone(),
                format!("TLS option {name} sets no minVersion: Go's default minimum TLS 1.2 applies ({v}, built with Go 1.22+)"),
            ),
            Some(false) => Fact::default(
                gotls::protocol_range("TLSv1", max),
                o_span.clone(),
                format!("TLS option {name} sets no minVersion: Go's default minimum TLS 1.0 applies ({v}, built with Go older than 1.22; TLS 1.2 from Traefik v2.11)"),
            ),
            None => {
                let mut f = Fact::default(
                    gotls::protocol_range("TLSv1", max),
                    o_span.clone(),
                    format!("TLS option {name} sets no minVersion: Go's default minimum is TLS 1.0 for Traefik before v2.11 and TLS 1.2 from v2.11; worst case assumed, {DECLARE}"),
                );
                f.version_dependent = true;
                f
            }
        },
    };
    let ciphers = match node.get_ci("cipherSuites") {
        Some(cs) => {
            let names: Vec<String> = list(cs, file).into_iter().map(|(s, _)| s).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            Fact::explicit(cipher_list(names.join(","), &refs), ctx.ms(at(file, cs)))
        }
        None => {
            let (list_, spec, vd) = match ctx.version.at_least(&[2, 11]) {
                Some(true) => (
                    gotls::CIPHER_SUITES_GO122,
                    "tls.CipherSuites() (Go 1.22+)",
                    false,
                ),
                Some(false) => (
                    gotls::CIPHER_SUITES_OLD_GO,
                    "tls.CipherSuites() (Go < 1.22)",
                    false,
                ),
                None => (
                    gotls::CIPHER_SUITES_OLD_GO,
                    "tls.CipherSuites() (Go toolchain unknown)",
                    true,
                ),
            };
            let mut f = Fact::default(
                cipher_list(spec.into(), list_),
                o_span.clone(),
                format!(
                    "TLS option {name} sets no cipherSuites: {v} uses Go's tls.CipherSuites(), which includes CBC suites{}",
                    if vd { format!("; {DECLARE}") } else { String::new() }
                ),
            );
            f.version_dependent = vd;
            f
        }
    };
    let client_auth = match node.get_ci("clientAuth") {
        Some(ca) => match scalar_at(ca, "clientAuthType", file) {
            Some((t, t_at)) => {
                let mode = match t.to_ascii_lowercase().as_str() {
                    "requireandverifyclientcert" => "required",
                    "verifyclientcertifgiven" => "optional",
                    "requireanyclientcert" => "required_no_verify",
                    "requestclientcert" => "optional_no_ca",
                    _ => "off",
                };
                Fact::explicit(mode.to_string(), ctx.ms(t_at))
            }
            None if ca.get_ci("caFiles").is_some() => Fact::derived(
                "required".to_string(),
                ctx.ms(at(file, ca)),
                "clientAuth.caFiles without clientAuthType implies RequireAndVerifyClientCert",
            ),
            None => Fact::default(
                "off".to_string(),
                o_span.clone(),
                "Traefik default: clientAuthType NoClientCert",
            ),
        },
        None => Fact::default(
            "off".to_string(),
            o_span,
            "Traefik default: clientAuthType NoClientCert",
        ),
    };
    (protocols, ciphers, client_auth)
}

/// Upstream hops of a router: its service's servers, verified per the serversTransport used.
fn hops(
    ctx: &mut Ctx,
    node: &Node,
    file: FileId,
    provider: &str,
    container: Option<&Container>,
    tcp: bool,
    r_at: At,
) -> Vec<Hop> {
    let service_ref = scalar_at(node, "service", file);
    let services = if tcp {
        &ctx.reg.tcp_services
    } else {
        &ctx.reg.services
    };
    let svc = match &service_ref {
        Some((r, r2)) => match lookup(services, r, provider) {
            Ok(o) => Some((o.node, o.at)),
            Err(p) => {
                if p == "internal" {
                    return Vec::new();
                }
                let (r, r2) = (r.clone(), *r2);
                ctx.finding(
                    FindingKind::Indeterminate,
                    format!("service {r} (provider {p}) is not in the scanned configuration: its upstream is not judged"),
                    r2,
                );
                return vec![open_hop(ctx, &r, r2)];
            }
        },
        None => {
            // Docker provider: the container's only service, else one Traefik makes for it.
            match container {
                Some(c) => {
                    let own: Vec<(&Node, At)> = services
                        .iter()
                        .filter(|o| o.container.is_some_and(|oc| std::ptr::eq(oc, c)))
                        .map(|o| (o.node, o.at))
                        .collect();
                    if own.len() == 1 {
                        Some(own[0])
                    } else {
                        let c_at = At {
                            file: c.file,
                            start: c.name_start,
                        };
                        let url = format!("http://{}", c.name);
                        return vec![hop_for(ctx, &url, "docker container", c_at, None)];
                    }
                }
                None => None,
            }
        }
    };
    let Some((svc, s_at)) = svc else {
        return Vec::new();
    };
    let s_file = s_at.file;
    let Some(lb) = svc.get_ci("loadBalancer") else {
        // weighted, mirroring, failover: the target services are not followed.
        return vec![open_hop(ctx, "(weighted/mirroring/failover service)", s_at)];
    };
    let transport = scalar_at(lb, "serversTransport", s_file);
    let mut out = Vec::new();
    let mut servers: Vec<(String, At)> = Vec::new();
    if let Some(ss) = lb.get_ci("servers") {
        let items: Vec<&Node> = if ss.is_map() {
            ss.entries().map(|(_, v)| v).collect()
        } else {
            ss.items().iter().collect()
        };
        for s in items {
            let key = if tcp { "address" } else { "url" };
            if let Some((u, u_at)) = scalar_at(s, key, s_file) {
                let u = if tcp {
                    let tls = s.get_ci("tls").and_then(Node::as_bool) == Some(true);
                    format!("{}://{u}", if tls { "tls" } else { "tcp" })
                } else {
                    u
                };
                servers.push((u, u_at));
            }
        }
    }
    // Docker labels: loadbalancer.server.port / .scheme / .url (TCP: .port / .tls).
    if let Some(one) = lb.get_ci("server") {
        if tcp {
            let host = container
                .map(|c| c.name.clone())
                .unwrap_or_else(|| "container".into());
            let tls = one.get_ci("tls").and_then(Node::as_bool) == Some(true);
            let (port, p_at) = scalar_at(one, "port", s_file)
                .map(|(p, a)| (format!(":{p}"), a))
                .unwrap_or((String::new(), s_at));
            servers.push((
                format!("{}://{host}{port}", if tls { "tls" } else { "tcp" }),
                p_at,
            ));
        } else if let Some((u, u_at)) = scalar_at(one, "url", s_file) {
            servers.push((u, u_at));
        } else {
            let scheme = scalar_at(one, "scheme", s_file)
                .map(|(s, _)| s)
                .unwrap_or_else(|| "http".into());
            let host = container
                .map(|c| c.name.clone())
                .unwrap_or_else(|| "container".into());
            let (port, p_at) = scalar_at(one, "port", s_file)
                .map(|(p, a)| (format!(":{p}"), a))
                .unwrap_or((String::new(), s_at));
            servers.push((format!("{scheme}://{host}{port}"), p_at));
        }
    }
    if servers.is_empty() {
        let _ = r_at;
        return vec![open_hop(ctx, "(service without servers)", s_at)];
    }
    for (u, u_at) in servers {
        out.push(hop_for(
            ctx,
            &u,
            if tcp {
                "tcp loadBalancer.servers.address"
            } else {
                "loadBalancer.servers.url"
            },
            u_at,
            transport.clone(),
        ));
    }
    out
}

fn open_hop(ctx: &Ctx, what: &str, a: At) -> Hop {
    let s = ctx.ms(a);
    Hop {
        directive: "service".into(),
        location: None,
        upstream: what.to_string(),
        scheme: "unknown".into(),
        tls: false,
        determinate: false,
        targets: Vec::new(),
        scope: Scope::Unknown,
        verify: Fact::derived(
            true,
            s.clone(),
            "the upstream is not in the scanned configuration",
        ),
        trusted_ca: Fact::derived(
            None,
            s.clone(),
            "the upstream is not in the scanned configuration",
        ),
        span: s,
    }
}

fn hop_for(
    ctx: &mut Ctx,
    url: &str,
    directive: &str,
    u_at: At,
    transport: Option<(String, At)>,
) -> Hop {
    let span = ctx.ms(u_at);
    let (scheme, rest) = url.split_once("://").unwrap_or(("http", url));
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    let authority = authority
        .rsplit_once('@')
        .map(|(_, h)| h)
        .unwrap_or(authority);
    let host = if authority.starts_with('[') {
        authority
            .split(']')
            .next()
            .unwrap_or(authority)
            .trim_start_matches('[')
    } else {
        authority
            .rsplit_once(':')
            .map(|(h, _)| h)
            .unwrap_or(authority)
    };
    let determinate = !host.is_empty() && !host.contains('$') && !host.contains('{');
    let scope = if determinate {
        Scope::of_host(host)
    } else {
        Scope::Unknown
    };
    let tls = scheme == "https" || scheme == "tls" || scheme == "h2";
    // The serversTransport used: the service's, else the static global default.
    let (verify, trusted_ca) = match transport {
        Some((t, t_at)) => {
            let found = lookup(&ctx.reg.transports, &t, "file")
                .or_else(|_| lookup(&ctx.reg.transports, &t, "docker"))
                .or_else(|_| lookup(&ctx.reg.transports, &t, "kubernetescrd"))
                .map(|o| (o.node, o.at.file));
            match found {
                Ok((n, f)) => transport_facts(ctx, n, f, &span, &t),
                Err(p) => {
                    ctx.finding(
                        FindingKind::Indeterminate,
                        format!("serversTransport {t} (provider {p}) is not in the scanned configuration: upstream verification unknown"),
                        t_at,
                    );
                    (
                        Fact::derived(false, ctx.ms(t_at), format!("serversTransport {t} not found: verification cannot be shown, worst case assumed")),
                        Fact::derived(None, ctx.ms(t_at), "serversTransport not found"),
                    )
                }
            }
        }
        None => global_transport(ctx, &span),
    };
    Hop {
        directive: directive.to_string(),
        location: None,
        upstream: url.to_string(),
        scheme,
        tls,
        determinate,
        targets: if determinate {
            vec![HopTarget {
                address: authority.to_string(),
                scope,
                span: span.clone(),
            }]
        } else {
            Vec::new()
        },
        scope,
        verify,
        trusted_ca,
        span,
    }
}

fn global_transport(ctx: &Ctx, span: &ModelSpan) -> (Fact<bool>, Fact<Option<String>>) {
    let verify = match ctx.global_skip {
        Some((skip, a)) => Fact::explicit(!skip, ctx.ms(a))
            .with_note("static serversTransport.insecureSkipVerify (the global default)"),
        None => Fact::default(
            true,
            span.clone(),
            "Traefik default: serversTransport insecureSkipVerify false",
        ),
    };
    let ca = match &ctx.global_root_cas {
        Some((c, a)) => Fact::explicit(Some(c.clone()), ctx.ms(*a)),
        None => Fact::default(
            None,
            span.clone(),
            "Traefik default: the system trust store",
        ),
    };
    (verify, ca)
}

fn transport_facts(
    ctx: &Ctx,
    n: &Node,
    file: FileId,
    span: &ModelSpan,
    name: &str,
) -> (Fact<bool>, Fact<Option<String>>) {
    let verify = match n.get_ci("insecureSkipVerify") {
        Some(v) => Fact::explicit(v.as_bool() != Some(true), ctx.ms(at(file, v)))
            .with_note(format!("serversTransport {name}")),
        None => Fact::default(
            true,
            span.clone(),
            format!("serversTransport {name} sets no insecureSkipVerify: Traefik default false"),
        ),
    };
    let ca = match n.get_ci("rootCAs") {
        Some(v) => Fact::explicit(
            Some(
                list(v, file)
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            ctx.ms(at(file, v)),
        ),
        None => Fact::default(
            None,
            span.clone(),
            "Traefik default: the system trust store",
        ),
    };
    (verify, ca)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_hosts_are_read() {
        assert_eq!(
            rule_hosts("Host(`a.example.com`) && PathPrefix(`/mcp`)"),
            vec!["a.example.com"]
        );
        assert_eq!(
            rule_hosts("Host(`a`, `b`) || HostSNI(`c`)"),
            vec!["a", "b", "c"]
        );
        assert!(rule_hosts("ClientHost(`x`)").is_empty());
        assert!(rule_hosts("PathPrefix(`/`)").is_empty());
    }

    #[test]
    fn addresses_split() {
        assert_eq!(split_address(":443"), ("*".into(), Some(443), false));
        assert_eq!(
            split_address("127.0.0.1:8080"),
            ("127.0.0.1".into(), Some(8080), false)
        );
        assert_eq!(
            split_address("[::1]:80/udp"),
            ("::1".into(), Some(80), true)
        );
    }

    #[test]
    fn versions() {
        assert_eq!(version_parts("v3.1"), Some(vec![3, 1]));
        assert_eq!(version_parts("3.1.2"), Some(vec![3, 1, 2]));
        assert_eq!(version_parts("latest"), None);
        assert_eq!(version_parts("2"), None);
        assert_eq!(version_parts("v2.10.4-alpine"), Some(vec![2, 10, 4]));
    }
}
