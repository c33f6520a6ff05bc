//! Traefik normalization: static + dynamic trees → one endpoint per router.
//!
//! Applies Traefik's semantics: routers attach to their entrypoints (all, or the `asDefault`
//! ones, when none are named), a router without `tls` is plaintext even on `:443`, entrypoint
//! redirections and `redirectScheme` middlewares, TLS options by reference across providers
//! (`name@file`), serversTransports for upstream verification, and defaults by version.

mod hops;
mod router;
mod tls;

use super::{Container, Doc, Sources};
use crate::diag::{Finding, FindingKind};
use crate::ingest::shared::gotls;
use crate::ingest::{Declared, Ingested};
use crate::model::version::{self, versioned, Defaults, ProductVersion, Since};
use crate::model::Component;
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
        endpoints.push(router::router(&mut ctx, i, false));
    }
    for i in 0..ctx.reg.tcp_routers.len() {
        endpoints.push(router::router(&mut ctx, i, true));
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
