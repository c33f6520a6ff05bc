//! One router → one endpoint: its entrypoints become listeners, its middlewares decide the
//! plaintext redirect and HSTS, its TLS section (or its entrypoints') the TLS facts.

use super::hops::hops;
use super::tls::tls_facts;
use super::*;

/// The endpoint of one HTTP (or TCP) router.
pub(super) fn router(ctx: &mut Ctx, idx: usize, tcp: bool) -> Endpoint {
    let r = Router::new(ctx, idx, tcp);
    let (ep_idx, unknown_eps) = r.entrypoints(ctx);
    let (mut listens, plaintext_eps, ep_tls) = r.listeners(ctx, &ep_idx);
    listens.extend(r.unknown_listeners(ctx, &unknown_eps));

    // Middlewares: the entrypoints' first, then the router's.
    let mut mw_refs: Vec<(String, At)> = Vec::new();
    for &i in &ep_idx {
        mw_refs.extend(ctx.eps[i].middlewares.iter().cloned());
    }
    if let Some(m) = r.node.get_ci("middlewares") {
        mw_refs.extend(list(m, r.file));
    }
    let mws = middlewares(ctx, &mw_refs, r.provider);

    let mut redirect = plaintext_redirect(ctx, &mws, &plaintext_eps);
    if plaintext_eps.is_empty() && !tcp {
        if let Some((red_listens, fact)) = redirecting_entrypoints(ctx, &ep_idx) {
            listens.extend(red_listens);
            redirect = Some(fact);
        }
    }
    let redirects_to_https = redirect.unwrap_or_else(|| {
        Fact::default(
            false,
            r.span.clone(),
            "Traefik default: no redirect unless an entrypoint redirection or a redirectScheme middleware is configured",
        )
    });

    let blocked = refusal(ctx, &r, &mws, tcp).unwrap_or_else(|| {
        Fact::default(
            false,
            r.span.clone(),
            "Traefik does not refuse plaintext requests that a router matches",
        )
    });

    // TLS settings: the router's, else its entrypoints'.
    let tls_ref = r.tls.clone().or(ep_tls);
    let anchor = tls_ref.as_ref().map(|t| t.at).unwrap_or(r.at);
    let mut tls = tls_facts(ctx, tls_ref.as_ref(), r.provider, anchor, r.passthrough);
    tls.hsts = mws.hsts.unwrap_or_else(|| {
        Fact::default(
            None,
            r.span.clone(),
            "Traefik sends no Strict-Transport-Security unless a headers middleware sets stsSeconds",
        )
    });

    let hops = hops(ctx, r.node, r.file, r.provider, r.container, tcp);
    let display = ctx.map.location(Span::new(r.file, r.at.start, r.at.start));
    let id = format!("traefik:{}:{}:{}", display.file, display.line, r.name);
    let rule = r
        .node
        .get_ci("rule")
        .and_then(Node::scalar)
        .unwrap_or_default();
    EndpointDraft {
        context: Some(if tcp { "tcp".into() } else { "http".into() }),
        server_names: rule_hosts(&rule),
        listens,
        transport: if r.passthrough {
            Transport::TlsPassthrough
        } else {
            Transport::Http
        },
        hops,
        ..EndpointDraft::new(
            id,
            Component::Traefik,
            r.span,
            tls,
            redirects_to_https,
            blocked,
        )
    }
    .finish()
}

/// One router, with what its own keys say.
struct Router<'a> {
    name: String,
    provider: &'static str,
    at: At,
    node: &'a Node,
    container: Option<&'a Container>,
    file: FileId,
    span: ModelSpan,
    /// The router's TLS section (absent, or `tls: false`: none).
    tls: Option<TlsRef>,
    /// A TCP router with `tls.passthrough: true`.
    passthrough: bool,
    /// The entrypoints it names, if it names any.
    named_eps: Option<Vec<(String, At)>>,
}

impl<'a> Router<'a> {
    fn new(ctx: &Ctx<'a>, idx: usize, tcp: bool) -> Self {
        let objs = if tcp {
            &ctx.reg.tcp_routers
        } else {
            &ctx.reg.routers
        };
        let o = &objs[idx.min(objs.len().saturating_sub(1))];
        let (node, file) = (o.node, o.at.file);
        let tls = node.entry_ci("tls").and_then(|(k, v)| {
            if v.as_bool() == Some(false) {
                return None;
            }
            Some(TlsRef {
                at: at(file, k),
                options: scalar_at(v, "options", file),
                resolver: scalar_at(v, "certResolver", file),
            })
        });
        Router {
            name: o.name.clone(),
            provider: o.provider,
            at: o.at,
            node,
            container: o.container,
            file,
            span: ctx.ms(o.at),
            tls,
            passthrough: tcp
                && node
                    .path_ci(&["tls", "passthrough"])
                    .and_then(Node::as_bool)
                    == Some(true),
            named_eps: node.get_ci("entryPoints").map(|n| list(n, file)),
        }
    }

    /// Its entrypoints: as named (and the names no static configuration defines), else the
    /// `asDefault` ones, else all.
    fn entrypoints(&self, ctx: &Ctx) -> (Vec<usize>, Vec<(String, At)>) {
        let mut ep_idx: Vec<usize> = Vec::new();
        let mut unknown_eps: Vec<(String, At)> = Vec::new();
        match &self.named_eps {
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
                    unknown_eps.push(("(all entrypoints)".into(), self.at));
                }
            }
        }
        (ep_idx, unknown_eps)
    }

    /// Where an entrypoint is named for this router, else the router.
    fn listen_at(&self, ep_name: &str) -> At {
        self.named_eps
            .as_ref()
            .and_then(|v| v.iter().find(|(n, _)| n.eq_ignore_ascii_case(ep_name)))
            .map(|(_, a)| *a)
            .unwrap_or(self.at)
    }

    /// A listener per entrypoint (TLS when the router or the entrypoint has a TLS section),
    /// the plaintext entrypoints, and the first entrypoint TLS section.
    fn listeners(&self, ctx: &Ctx, ep_idx: &[usize]) -> (Vec<Listen>, Vec<usize>, Option<TlsRef>) {
        let mut listens = Vec::new();
        let mut plaintext_eps = Vec::new();
        let mut ep_tls: Option<TlsRef> = None;
        for &i in ep_idx {
            let ep = &ctx.eps[i];
            let tls = self.tls.is_some() || ep.tls.is_some() || self.passthrough;
            if ep.tls.is_some() && ep_tls.is_none() {
                ep_tls = ep.tls.clone();
            }
            let where_ep = if ep.implicit {
                "the implicit entrypoint Traefik creates when none is configured".to_string()
            } else {
                ctx.where_(ep.at)
            };
            listens.push(Listen {
                tls_source: if self.tls.is_none() {
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
                    ctx.ms(self.listen_at(&ep.name)),
                    if self.named_eps.is_some() {
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
        (listens, plaintext_eps, ep_tls)
    }

    /// A listener of unknown address per entrypoint no scanned static configuration defines.
    fn unknown_listeners(&self, ctx: &mut Ctx, unknown_eps: &[(String, At)]) -> Vec<Listen> {
        let mut listens = Vec::new();
        for (n, n_at) in unknown_eps {
            if ctx.static_known {
                ctx.finding(
                    FindingKind::Indeterminate,
                    format!(
                        "router {} names entrypoint {n}, which no scanned static configuration defines",
                        self.name
                    ),
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
                    self.tls.is_some() || self.passthrough,
                    ctx.ms(*n_at),
                    Origin::Explicit,
                )
            });
        }
        listens
    }
}

/// Plaintext handling: every plaintext entrypoint must redirect (entrypoint redirection or a
/// redirectScheme middleware on the router).
fn plaintext_redirect(ctx: &Ctx, mws: &Middlewares, plaintext_eps: &[usize]) -> Option<Fact<bool>> {
    if let Some((scheme_at, permanent)) = mws.redirect {
        return Some(Fact::explicit(true, ctx.ms(scheme_at)).with_note(format!(
            "redirectScheme middleware to https{}",
            if permanent { " (permanent)" } else { "" }
        )));
    }
    let all_ep_redirect = !plaintext_eps.is_empty()
        && plaintext_eps
            .iter()
            .all(|&i| ctx.eps[i].redirect.as_ref().is_some_and(|r| r.https));
    if !all_ep_redirect {
        return None;
    }
    let r = plaintext_eps
        .first()
        .and_then(|&i| ctx.eps[i].redirect.as_ref())?;
    Some(Fact::derived(
        true,
        ctx.ms(r.at),
        format!(
            "the entrypoint redirects every request to entrypoint {} over https",
            r.to
        ),
    ))
}

/// A TLS-only router: plaintext entrypoints that redirect to one of its entrypoints carry its
/// plaintext requests, answered by that redirect.
fn redirecting_entrypoints(ctx: &Ctx, ep_idx: &[usize]) -> Option<(Vec<Listen>, Fact<bool>)> {
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
        let Some(r) = ep.redirect.as_ref().filter(|r| r.https) else {
            continue;
        };
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
    let r_at = first?;
    let fact = Fact::derived(
        true,
        ctx.ms(r_at),
        "plaintext requests for this router's hosts arrive on an entrypoint that redirects every request to https",
    );
    Some((red_listens, fact))
}

/// A router whose service is `noop@internal` answers every request 418 (Traefik's internal
/// handler, `pkg/server/service/internalhandler.go`, since v2.2): it refuses every request,
/// unless one of its middlewares may answer instead with content of its own.
fn refusal(ctx: &Ctx, r: &Router, mws: &Middlewares, tcp: bool) -> Option<Fact<bool>> {
    if tcp || mws.may_answer {
        return None;
    }
    let (service, service_at) = scalar_at(r.node, "service", r.file)?;
    (service == "noop@internal").then(|| {
        Fact::explicit(true, ctx.ms(service_at)).with_note(
            "every request is answered 418 by Traefik's noop@internal service (since v2.2); no middleware of the router answers with content",
        )
    })
}

#[derive(Default)]
struct Middlewares {
    redirect: Option<(At, bool)>,
    hsts: Option<Fact<Option<Hsts>>>,
    /// A middleware may answer a request itself with content (an error page, an auth server's
    /// response, a plugin) or is not in the scanned configuration.
    may_answer: bool,
}

/// Middleware kinds that pass a request on, refuse it (4xx/5xx) or redirect it to https, and
/// never answer it with content of their own (Traefik's middleware reference); `chain` is
/// followed.
const PASS_ON: &[&str] = &[
    "addprefix",
    "basicauth",
    "buffering",
    "chain",
    "circuitbreaker",
    "compress",
    "contenttype",
    "digestauth",
    "grpcweb",
    "headers",
    "inflightreq",
    "ipallowlist",
    "ipwhitelist",
    "passtlsclientcert",
    "ratelimit",
    "redirectscheme",
    "replacepath",
    "replacepathregex",
    "retry",
    "stripprefix",
    "stripprefixregex",
];

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
                out.may_answer = true;
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
        out.may_answer |= node.entries().any(|(k, _)| {
            !k.as_str()
                .is_some_and(|k| PASS_ON.contains(&k.to_ascii_lowercase().as_str()))
        });
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
