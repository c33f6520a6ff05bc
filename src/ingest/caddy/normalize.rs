//! Caddy normalization: analyzed sites → endpoints of the TLS model, with Caddy v2's defaults.
//!
//! Automatic HTTPS decides which site addresses get TLS (a host or IP, not `http://`, not only
//! on the HTTP port), adds the HTTP→HTTPS redirect listener on the HTTP port unless
//! `auto_https off|disable_redirects`, and picks ACME or the internal CA for certificates.
//! Protocols and ciphers default to Caddy's TLS 1.2–1.3, ECDHE+AEAD (`gotls::CADDY_DEFAULT`).

use super::routes::{self, CatchAll};
use super::site::{handler_order, walk, Address, Config, Directive, Global, Site};
use crate::diag::{Finding, FindingKind};
use crate::ingest::shared::gotls;
use crate::ingest::shared::redact;
use crate::model::Component;
use crate::model::EndpointDraft;
use crate::model::{
    Certificate, Endpoint, Fact, Hop, HopTarget, Hsts, Listen, ModelSpan, Origin, Scope, Tls,
};
use crate::source::SourceMap;

const DEFAULTS_SOURCE: &str =
    "Caddy v2 default (modules/caddytls/values.go), unchanged since v2.0.0";

/// Whether a site address is served with TLS (Caddy's automatic HTTPS, httpcaddyfile).
pub fn key_tls(key: &Address, site: &Site, g: &Global) -> bool {
    let port = listen_port(key, g);
    key.scheme == "https"
        || (key.scheme != "http"
            && port != g.http_port()
            && (!key.host.is_empty() || port == g.https_port() || tls_directive(site).is_some()))
}

/// The port a site address listens on.
pub fn listen_port(key: &Address, g: &Global) -> u16 {
    key.port.unwrap_or(if key.scheme == "http" {
        g.http_port()
    } else {
        g.https_port()
    })
}

pub fn tls_directive(site: &Site) -> Option<&Directive> {
    site.body.iter().find(|d| d.is("tls"))
}

/// Bind addresses of a site: its `bind` lines, else `default_bind`, else every interface.
/// Each entry: (address as written, the directive that set it).
pub fn binds<'a>(site: &'a Site, g: &'a Global) -> Vec<(String, Option<&'a Directive>)> {
    let own: Vec<(String, Option<&Directive>)> = site
        .body
        .iter()
        .filter(|d| d.is("bind"))
        .flat_map(|d| d.args.iter().map(move |a| (a.text.clone(), Some(d))))
        .collect();
    if !own.is_empty() {
        return own;
    }
    if let Some(d) = &g.default_bind {
        let v: Vec<_> = d.args.iter().map(|a| (a.text.clone(), Some(d))).collect();
        if !v.is_empty() {
            return v;
        }
    }
    vec![(String::new(), None)]
}

/// Splits `network/host` (Caddy's `SplitNetworkAddress`) → (network, host without brackets).
pub fn split_network(addr: &str) -> (String, String) {
    const NETWORKS: &[&str] = &[
        "tcp",
        "tcp4",
        "tcp6",
        "udp",
        "udp4",
        "udp6",
        "unix",
        "unixgram",
        "unixpacket",
        "fd",
        "fdgram",
        "ip",
        "ip4",
        "ip6",
    ];
    let (network, rest) = match addr.split_once('/') {
        Some((n, r)) if NETWORKS.contains(&n.to_ascii_lowercase().as_str()) => {
            (n.to_ascii_lowercase(), r)
        }
        _ => (String::new(), addr),
    };
    if network.starts_with("unix") || network.starts_with("fd") {
        return (network, rest.to_string());
    }
    let (host, _) = super::site::split_host_port(rest);
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    (network, host)
}

/// A subject that gets a certificate from Caddy's internal CA, not a public ACME CA.
fn internal_name(host: &str) -> bool {
    let h = host.trim_start_matches("*.");
    h == "localhost"
        || h.ends_with(".localhost")
        || h.ends_with(".local")
        || h.ends_with(".internal")
        || h.ends_with(".home.arpa")
        || h.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok()
}

struct Ctx<'m> {
    map: &'m SourceMap,
    findings: Vec<Finding>,
}

impl Ctx<'_> {
    fn span(&self, t: &super::parse::Token) -> ModelSpan {
        ModelSpan::resolve(self.map, t.span, &t.via)
    }
}

/// One endpoint per site block.
pub fn endpoints(map: &SourceMap, cfg: &Config) -> (Vec<Endpoint>, Vec<Finding>) {
    let mut ctx = Ctx {
        map,
        findings: Vec::new(),
    };
    let mut out = Vec::new();
    for site in &cfg.sites {
        out.push(endpoint(&mut ctx, cfg, site));
    }
    (out, ctx.findings)
}

fn endpoint(ctx: &mut Ctx, cfg: &Config, site: &Site) -> Endpoint {
    let g = &cfg.global;
    let first = &site.keys[0].token;
    let site_span = ctx.span(first);
    let server_names: Vec<String> = site
        .keys
        .iter()
        .filter(|k| !k.host.is_empty())
        .map(|k| k.host.clone())
        .fold(Vec::new(), |mut v, h| {
            if !v.contains(&h) {
                v.push(h);
            }
            v
        });
    let auto = g.auto_https();
    let redirects_on = !matches!(auto, Some("off" | "disable_redirects"));

    let mut listens: Vec<Listen> = Vec::new();
    let mut redirect: Option<Fact<bool>> = None;
    let push = |listens: &mut Vec<Listen>, l: Listen| {
        if !listens
            .iter()
            .any(|o| o.address == l.address && o.port == l.port && o.tls == l.tls)
        {
            listens.push(l);
        }
    };
    for key in &site.keys {
        let tls = key_tls(key, site, g);
        let port = listen_port(key, g);
        for (bind, d) in binds(site, g) {
            let (network, host) = split_network(&bind);
            let address = if host.is_empty() {
                "*".to_string()
            } else {
                host.clone()
            };
            let scope = if network.starts_with("unix") {
                Scope::Unix
            } else if network.starts_with("fd") {
                Scope::Unknown
            } else {
                Scope::of_host(&address)
            };
            let (span, note) = match d {
                Some(d) => (
                    ctx.span(d.args.iter().find(|a| a.text == bind).unwrap_or(&d.name)),
                    None,
                ),
                None => (
                    ctx.span(&key.token),
                    Some("no bind: Caddy listens on every interface, also for a localhost or IP site address".to_string()),
                ),
            };
            push(
                &mut listens,
                Listen {
                    tls_source: tls.then(|| ctx.span(&key.token)),
                    note,
                    ..Listen::new(
                        address.clone(),
                        Some(port),
                        scope,
                        tls,
                        span.clone(),
                        Origin::Explicit,
                    )
                },
            );
            let http_site_exists = cfg.sites.iter().any(|s| {
                s.keys.iter().any(|k| {
                    k.host == key.host && !key_tls(k, s, g) && listen_port(k, g) == g.http_port()
                })
            });
            if tls && redirects_on && !key.host.is_empty() && !http_site_exists {
                let note = format!(
                    "Caddy automatic HTTPS redirects HTTP→HTTPS on :{} (Caddy v2 default; not visible in adapted JSON)",
                    g.http_port()
                );
                push(
                    &mut listens,
                    Listen {
                        note: Some(note.clone()),
                        ..Listen::new(
                            address,
                            Some(g.http_port()),
                            scope,
                            false,
                            ctx.span(&key.token),
                            Origin::Default,
                        )
                    },
                );
                if redirect.is_none() {
                    redirect = Some(Fact::derived(true, ctx.span(&key.token), note));
                }
            }
        }
    }

    let (redirects_to_https, blocked) = plaintext_facts(ctx, g, site, &site_span, redirect);
    let tls = tls_facts(ctx, g, site, &site_span);
    let mut hops = Vec::new();
    walk(&site.body, &mut |d| {
        if d.is("reverse_proxy") || d.is("php_fastcgi") {
            if let Some(h) = hop(ctx, d) {
                hops.push(h);
            }
        }
        if d.is("tls") {
            if let Some(s) = d.children("insecure_secrets_log").next() {
                let mut f = Finding::new(
                    FindingKind::Notice,
                    "insecure_secrets_log writes TLS session keys to a file: anyone who reads it can decrypt the traffic; remove it outside debugging",
                    Some(s.name.span),
                );
                f.spans.extend(s.name.via.iter().rev().copied());
                ctx.findings.push(f);
            }
        }
    });

    let id = format!("caddy:{}:{}:{}", site_span.file, site_span.line, first.text);
    EndpointDraft {
        server_names,
        listens,
        hops,
        ..EndpointDraft::new(
            id,
            Component::Caddy,
            site_span,
            tls,
            redirects_to_https,
            blocked,
        )
    }
    .finish()
}

fn plaintext_facts(
    ctx: &Ctx,
    g: &Global,
    site: &Site,
    site_span: &ModelSpan,
    auto: Option<Fact<bool>>,
) -> (Fact<bool>, Fact<bool>) {
    match routes::of_site(&site.body, &handler_order(g)) {
        Some(CatchAll::Redirect(d)) => {
            return (
                Fact::explicit(true, ctx.span(&d.name)),
                Fact::derived(
                    false,
                    ctx.span(&d.name),
                    "requests are redirected, not refused",
                ),
            )
        }
        Some(CatchAll::Refusal(d, status)) => {
            let how = match status {
                Some(s) => format!("every request is answered {s} by {}", d.name.text),
                None => "every request is aborted (the connection is closed without a response)"
                    .to_string(),
            };
            // An HTTPS site keeps Caddy's automatic redirect of its plaintext requests.
            let redirect = auto.unwrap_or_else(|| {
                Fact::derived(
                    false,
                    ctx.span(&d.name),
                    "requests are refused, not redirected",
                )
            });
            return (
                redirect,
                Fact::explicit(true, ctx.span(&d.name)).with_note(how),
            );
        }
        None => {}
    }
    let redirect = match auto {
        Some(f) => f,
        None => match &g.auto_https {
            Some(d) if matches!(d.arg(0), Some("off" | "disable_redirects")) => Fact::explicit(
                false,
                ctx.span(&d.name),
            )
            .with_note(format!(
                "auto_https {}: Caddy adds no HTTP→HTTPS redirect",
                d.arg(0).unwrap_or("")
            )),
            _ => Fact::default(
                false,
                site_span.clone(),
                "Caddy redirects only the HTTPS sites' host names; plaintext sites serve their content",
            ),
        },
    };
    let blocked = Fact::default(
        false,
        site_span.clone(),
        "Caddy answers plaintext requests on this site with content (no catch-all abort, respond 4xx or error 4xx)",
    );
    (redirect, blocked)
}

fn tls_facts(ctx: &mut Ctx, g: &Global, site: &Site, site_span: &ModelSpan) -> Tls {
    let tls = tls_directive(site);
    let opt = |name: &'static str| tls.and_then(|t| t.children(name).last());

    let protocols = match opt("protocols") {
        Some(d) => {
            let mut names = Vec::new();
            for a in d.args.iter().take(2) {
                match gotls::protocol(&a.text) {
                    Some(p) if matches!(a.text.as_str(), "tls1.2" | "tls1.3") => names.push(p),
                    other => {
                        let mut f = Finding::new(
                            FindingKind::ParseError,
                            format!("wrong protocol name or protocol not supported: '{}' (Caddy accepts tls1.2 and tls1.3)", a.text),
                            Some(a.span),
                        );
                        f.spans.extend(a.via.iter().rev().copied());
                        ctx.findings.push(f);
                        if let Some(p) = other {
                            names.push(p);
                        }
                    }
                }
            }
            let min = names.first().copied().unwrap_or("TLSv1.2");
            let max = names.get(1).copied().unwrap_or("TLSv1.3");
            Fact::explicit(gotls::protocol_range(min, max), ctx.span(&d.name))
        }
        None => Fact::default(
            gotls::protocol_range("TLSv1.2", "TLSv1.3"),
            site_span.clone(),
            format!("{DEFAULTS_SOURCE}: protocols tls1.2–tls1.3"),
        ),
    };

    let ciphers = match opt("ciphers") {
        Some(d) => {
            let names: Vec<&str> = d.args.iter().map(|a| a.text.as_str()).collect();
            Fact::explicit(
                gotls::cipher_list(names.join(" "), &names),
                ctx.span(&d.name),
            )
            .with_note("Go cipher-suite names as listed in the Caddyfile")
        }
        None => Fact::default(
            gotls::cipher_list(gotls::CADDY_DEFAULT.join(" "), gotls::CADDY_DEFAULT),
            site_span.clone(),
            format!("{DEFAULTS_SOURCE}: ECDHE with AES-GCM or ChaCha20 only"),
        ),
    };

    let (tls13, _) = gotls::suites(gotls::TLS13);
    let tls13_suites = Fact::default(
        tls13,
        site_span.clone(),
        "Go crypto/tls: the TLS 1.3 suites are always enabled and not configurable in Caddy",
    );

    let mut certificates = Vec::new();
    let internal_directive = tls.is_some_and(|t| t.arg(0) == Some("internal"));
    if let Some(c) = on_demand_certificate(ctx, g, tls) {
        certificates.push(c);
    } else if let Some(t) = tls.filter(|t| t.args.len() >= 2) {
        let dir = ctx
            .map
            .get(t.name.span.file)
            .map(|f| f.display.rsplit_once('/').map(|(d, _)| d.to_string()))
            .unwrap_or_default();
        let resolve = |p: &str| match (&dir, p.starts_with('/') || p.contains('{')) {
            (Some(d), false) => format!("{d}/{p}"),
            _ => p.to_string(),
        };
        certificates.push(Certificate {
            relative_to: None,
            path: resolve(&t.args[0].text),
            key: Some(resolve(&t.args[1].text)),
            span: ctx.span(&t.name),
            managed: None,
            note: None,
        });
    } else {
        for key in site.keys.iter().filter(|k| key_tls(k, site, g)) {
            if key.host.is_empty() || matches!(g.auto_https(), Some("off" | "disable_certs")) {
                continue;
            }
            let internal =
                internal_directive || g.local_certs.is_some() || internal_name(&key.host);
            certificates.push(Certificate {
                relative_to: None,
                path: String::new(),
                key: None,
                span: match tls.filter(|_| internal_directive) {
                    Some(t) => ctx.span(&t.name),
                    None => ctx.span(&key.token),
                },
                managed: Some(
                    if internal {
                        "caddy-internal-ca"
                    } else {
                        "acme"
                    }
                    .to_string(),
                ),
                note: None,
            });
        }
    }

    let client_auth = match tls.and_then(|t| t.children("client_auth").last()) {
        Some(ca) => match ca
            .children("mode")
            .last()
            .and_then(|m| m.args.first().map(|a| (m, a)))
        {
            Some((m, a)) => Fact::explicit(a.text.clone(), ctx.span(&m.name)),
            None => {
                let trusted = ca.block.iter().any(|c| {
                    matches!(
                        c.name.text.as_str(),
                        "trust_pool" | "trusted_ca_cert" | "trusted_ca_cert_file"
                    )
                });
                let mode = if trusted {
                    "require_and_verify"
                } else {
                    "require"
                };
                Fact::default(
                    mode.to_string(),
                    ctx.span(&ca.name),
                    format!("Caddy default client_auth mode: {mode} (require_and_verify when a trust pool or trusted CA is set, else require; modules/caddytls/connpolicy.go)"),
                )
            }
        },
        None => Fact::default(
            "off".to_string(),
            site_span.clone(),
            "Caddy default: no client certificate is requested",
        ),
    };

    Tls {
        enabled: false,
        protocols,
        ciphers,
        tls13_suites,
        certificates,
        client_auth,
        hsts: hsts_fact(ctx, site, site_span),
        session_tickets: None,
        reject_handshake: None,
    }
}

/// `tls [internal] { on_demand }`: Caddy obtains the certificate during the TLS handshake, for
/// whichever server name the client sends, so a host-less site (`:443`, `https://`) has one
/// too. Only the site's `on_demand` enables it: the `on_demand_tls` global option configures
/// it (`ask`, `permission`) without enabling it (Caddy's `caddytls.AutomationConfig.OnDemand`:
/// "This field only configures on-demand TLS, it does not enable it"; `httpcaddyfile/tlsapp.go`
/// sets `OnDemand` only from the site's `tls.on_demand`).
fn on_demand_certificate(ctx: &Ctx, g: &Global, tls: Option<&Directive>) -> Option<Certificate> {
    let t = tls?;
    let on_demand = t.children("on_demand").last()?;
    let internal = t.arg(0) == Some("internal") || g.local_certs.is_some();
    Some(Certificate {
        relative_to: None,
        path: String::new(),
        key: None,
        note: None,
        span: ctx.span(&on_demand.name),
        managed: Some(
            if internal {
                "caddy-on-demand-internal-ca"
            } else {
                "caddy-on-demand-acme"
            }
            .to_string(),
        ),
    })
}

fn parse_hsts(value: &str) -> Hsts {
    let mut h = Hsts {
        max_age: None,
        include_subdomains: false,
        preload: false,
        always: true,
        raw: value.to_string(),
    };
    for part in value.split(';') {
        let lower = part.trim().to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("max-age") {
            h.max_age = v
                .trim_start()
                .trim_start_matches('=')
                .trim()
                .trim_matches('"')
                .parse()
                .ok();
        } else if lower == "includesubdomains" {
            h.include_subdomains = true;
        } else if lower == "preload" {
            h.preload = true;
        }
    }
    h
}

/// `header [matcher] Strict-Transport-Security value` or inside a `header { }` block.
fn hsts_fact(ctx: &Ctx, site: &Site, site_span: &ModelSpan) -> Fact<Option<Hsts>> {
    let is_sts = |f: &str| {
        f.trim_start_matches(['+', '?', '>'])
            .eq_ignore_ascii_case("Strict-Transport-Security")
    };
    let mut found: Option<(&super::parse::Token, String, bool)> = None;
    for d in site.body.iter().filter(|d| d.is("header")) {
        let mut args: Vec<&super::parse::Token> = d.args.iter().collect();
        let matched = args
            .first()
            .is_some_and(|a| a.text.starts_with('@') || a.text.starts_with('/'))
            && args.len() != 2;
        if args.first().is_some_and(|a| a.text == "*" || matched) {
            args.remove(0);
        }
        if args.first().is_some_and(|f| is_sts(&f.text)) {
            let v = args.get(1).map(|a| a.text.clone()).unwrap_or_default();
            found = Some((&d.name, v, matched));
        }
        for c in &d.block {
            if is_sts(&c.name.text) {
                found = Some((&c.name, c.arg(0).unwrap_or("").to_string(), matched));
            }
        }
    }
    match found {
        Some((t, v, matched)) => {
            let mut f = Fact::explicit(Some(parse_hsts(&v)), ctx.span(t));
            f.note = Some(if matched {
                "set only for requests the header directive's matcher selects".into()
            } else {
                "Caddy's header directive sets the field on every response of the site".into()
            });
            f
        }
        None => Fact::default(
            None,
            site_span.clone(),
            "Caddy sends no Strict-Transport-Security header by default (caddy issue #4751)",
        ),
    }
}

fn hop(ctx: &mut Ctx, d: &Directive) -> Option<Hop> {
    let mut ups: Vec<&super::parse::Token> = d.args.iter().collect();
    let location = match ups.first() {
        Some(a) if a.text == "*" || a.text.starts_with('@') || a.text.starts_with('/') => {
            Some(ups.remove(0).text.clone())
        }
        _ => None,
    };
    for to in d.children("to") {
        ups.extend(to.args.iter());
    }
    if ups.is_empty() {
        return None;
    }
    let transport = d.children("transport").last();
    let tls_opts: Vec<&Directive> = transport
        .map(|t| {
            t.block
                .iter()
                .filter(|c| c.name.text.starts_with("tls"))
                .collect()
        })
        .unwrap_or_default();
    let first = ups[0].text.to_ascii_lowercase();
    let scheme = if d.is("php_fastcgi") {
        "fastcgi".to_string()
    } else if let Some((s, _)) = first.split_once("://") {
        s.to_string()
    } else if first.starts_with("unix+h2c/") {
        "h2c".to_string()
    } else if !tls_opts.is_empty() {
        "https".to_string()
    } else {
        "http".to_string()
    };
    let tls = scheme == "https" || !tls_opts.is_empty();
    let mut targets = Vec::new();
    let mut determinate = true;
    for u in &ups {
        let raw = u.text.as_str();
        let rest = raw.split_once("://").map_or(raw, |(_, r)| r);
        let (address, scope) = if let Some(path) = rest
            .strip_prefix("unix/")
            .or_else(|| rest.strip_prefix("unix+h2c/"))
        {
            (format!("unix:{path}"), Scope::Unix)
        } else {
            let authority = rest.split('/').next().unwrap_or("");
            let (host, _) = super::site::split_host_port(authority);
            if authority.contains('{') {
                determinate = false;
            }
            (authority.to_string(), Scope::of_host(&host))
        };
        targets.push(HopTarget {
            address,
            scope,
            span: ctx.span(u),
        });
    }
    let scope = crate::model::draft::hop_scope(&targets, determinate);
    let span = ctx.span(&d.name);
    let verify = match tls_opts.iter().find(|c| c.is("tls_insecure_skip_verify")) {
        Some(c) => Fact::explicit(false, ctx.span(&c.name))
            .with_note("tls_insecure_skip_verify: the upstream certificate is not verified"),
        None => Fact::default(
            true,
            span.clone(),
            "Caddy verifies upstream certificates by default",
        ),
    };
    let trusted_ca = match tls_opts
        .iter()
        .find(|c| c.is("tls_trust_pool") || c.is("tls_trusted_ca_certs"))
    {
        Some(c) => {
            let text: Vec<&str> = c.args.iter().map(|a| a.text.as_str()).collect();
            Fact::explicit(Some(text.join(" ")), ctx.span(&c.name))
        }
        None => Fact::default(
            None,
            span.clone(),
            "Caddy default: the system trust store verifies the upstream",
        ),
    };
    Some(Hop {
        directive: d.name.text.clone(),
        location,
        upstream: ups
            .iter()
            .map(|u| redact::url_at(ctx.map, u.span.file, u.span.start, &u.text))
            .collect::<Vec<_>>()
            .join(" "),
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
