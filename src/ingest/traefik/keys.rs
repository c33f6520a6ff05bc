//! The Traefik keys tlsproof reads, and those it knowingly ignores, in one table each.
//!
//! A key path is written lowercase with user-chosen names as `*` and sequence items as `[]`
//! (`http.routers.*.tls.options`). A key is *TLS-relevant* when its path mentions TLS, SSL,
//! certificates, ciphers, protocol versions, insecure settings, redirects, HSTS (`sts`),
//! schemes, client authentication, root CAs, servers transports, passthrough, entrypoint
//! addresses or a router's entrypoints, rule, service or middlewares. The coverage test walks
//! every key of the reference corpus and fails on a relevant key in neither table.

use crate::yaml::Node;

/// Parents whose children are user-chosen names.
const NAMED_PARENTS: &[&str] = &[
    "entrypoints",
    "certificatesresolvers",
    "http.routers",
    "http.services",
    "http.middlewares",
    "http.serverstransports",
    "tcp.routers",
    "tcp.services",
    "tcp.middlewares",
    "tcp.serverstransports",
    "udp.routers",
    "udp.services",
    "tls.options",
    "tls.stores",
    "http.middlewares.*.headers.customrequestheaders",
    "http.middlewares.*.headers.customresponseheaders",
    "http.middlewares.*.headers.sslproxyheaders",
    "http.middlewares.*.errors.statusrewrites",
    "http.middlewares.*.plugin",
    "http.services.*.loadbalancer.healthcheck.headers",
    "experimental.plugins",
    "experimental.localplugins",
];

/// Substrings of a path segment that make a key path TLS-relevant.
const RELEVANT: &[&str] = &[
    "tls",
    "ssl",
    "cert",
    "cipher",
    "version",
    "insecure",
    "redirect",
    "scheme",
    "clientauth",
    "rootca",
    "serverstransport",
    "passthrough",
    "curve",
    "snistrict",
    "acme",
];

/// Whether a normalized key path is TLS-relevant (see the module header).
pub fn relevant(path: &str) -> bool {
    path.split('.').any(|seg| {
        RELEVANT.iter().any(|r| seg.contains(r))
            || seg.starts_with("sts")
            || seg == "forcestsheader"
    }) || (path.starts_with("entrypoints.*.") && path.ends_with(".address"))
        || (path.starts_with("http.routers.*.") || path.starts_with("tcp.routers.*."))
            && ["entrypoints", "rule", "service", "middlewares"]
                .iter()
                .any(|k| {
                    path.ends_with(&format!(".*.{k}")) || path.ends_with(&format!(".*.{k}.[]"))
                })
        || path.ends_with("servers.[].url")
        || path.ends_with("servers.[].address")
        || path.ends_with("loadbalancer.server.port")
        || path.ends_with("loadbalancer.server.url")
}

/// Keys the ingester reads and turns into the model.
pub const UNDERSTOOD: &[(&str, &str)] = &[
    ("entrypoints.*.address", "listen address, port and scope"),
    (
        "entrypoints.*.asdefault",
        "routers without entryPoints attach to these",
    ),
    (
        "entrypoints.*.http.tls",
        "TLS for every router on the entrypoint",
    ),
    (
        "entrypoints.*.http.tls.options",
        "TLS option of the entrypoint's routers",
    ),
    (
        "entrypoints.*.http.tls.certresolver",
        "managed (ACME) certificate",
    ),
    (
        "entrypoints.*.http.redirections.entrypoint.to",
        "plaintext redirect target",
    ),
    (
        "entrypoints.*.http.redirections.entrypoint.scheme",
        "redirect is to https unless set otherwise",
    ),
    (
        "entrypoints.*.http.middlewares",
        "entrypoint middlewares (HSTS, redirectScheme)",
    ),
    (
        "entrypoints.*.http.middlewares.[]",
        "entrypoint middlewares (HSTS, redirectScheme)",
    ),
    (
        "serverstransport.insecureskipverify",
        "global upstream verification default",
    ),
    ("serverstransport.rootcas", "global upstream trust anchors"),
    (
        "serverstransport.rootcas.[]",
        "global upstream trust anchors",
    ),
    (
        "providers.file.filename",
        "followed: dynamic configuration file",
    ),
    (
        "providers.file.directory",
        "followed: dynamic configuration directory",
    ),
    (
        "providers.docker.exposedbydefault",
        "which labelled containers are routed",
    ),
    ("http.routers.*.entrypoints", "the router's listeners"),
    ("http.routers.*.entrypoints.[]", "the router's listeners"),
    ("http.routers.*.rule", "server names from Host()"),
    ("http.routers.*.service", "hops"),
    ("http.routers.*.middlewares", "HSTS and redirectScheme"),
    ("http.routers.*.middlewares.[]", "HSTS and redirectScheme"),
    ("http.routers.*.tls", "TLS on this router"),
    ("http.routers.*.tls.options", "TLS option reference"),
    (
        "http.routers.*.tls.certresolver",
        "managed (ACME) certificate",
    ),
    ("tcp.routers.*.entrypoints", "the router's listeners"),
    ("tcp.routers.*.entrypoints.[]", "the router's listeners"),
    ("tcp.routers.*.rule", "server names from HostSNI()"),
    ("tcp.routers.*.service", "hops"),
    ("tcp.routers.*.tls", "TLS termination on this router"),
    ("tcp.routers.*.tls.passthrough", "transport tls-passthrough"),
    ("tcp.routers.*.tls.options", "TLS option reference"),
    (
        "tcp.routers.*.tls.certresolver",
        "managed (ACME) certificate",
    ),
    (
        "http.services.*.loadbalancer.servers.[].url",
        "hop upstream",
    ),
    (
        "http.services.*.loadbalancer.server.url",
        "hop upstream (labels)",
    ),
    (
        "http.services.*.loadbalancer.server.port",
        "hop upstream (labels)",
    ),
    (
        "http.services.*.loadbalancer.server.scheme",
        "hop scheme (labels)",
    ),
    (
        "http.services.*.loadbalancer.serverstransport",
        "the serversTransport of the hops",
    ),
    (
        "tcp.services.*.loadbalancer.servers.[].address",
        "hop upstream",
    ),
    ("tcp.services.*.loadbalancer.servers.[].tls", "hop uses TLS"),
    (
        "tcp.services.*.loadbalancer.server.port",
        "hop upstream (labels)",
    ),
    (
        "tcp.services.*.loadbalancer.server.tls",
        "hop uses TLS (labels)",
    ),
    (
        "http.serverstransports.*.insecureskipverify",
        "hop verification",
    ),
    ("http.serverstransports.*.rootcas", "hop trust anchors"),
    ("http.serverstransports.*.rootcas.[]", "hop trust anchors"),
    (
        "http.middlewares.*.redirectscheme.scheme",
        "redirect to https",
    ),
    (
        "http.middlewares.*.redirectscheme.permanent",
        "redirect kind (noted)",
    ),
    ("http.middlewares.*.headers.stsseconds", "HSTS max-age"),
    (
        "http.middlewares.*.headers.stsincludesubdomains",
        "HSTS includeSubDomains",
    ),
    ("http.middlewares.*.headers.stspreload", "HSTS preload"),
    (
        "http.middlewares.*.headers.forcestsheader",
        "HSTS on plaintext responses (noted)",
    ),
    (
        "http.middlewares.*.headers.customresponseheaders.*",
        "Strict-Transport-Security set by hand",
    ),
    (
        "http.middlewares.*.chain.middlewares",
        "followed for HSTS and redirects",
    ),
    (
        "http.middlewares.*.chain.middlewares.[]",
        "followed for HSTS and redirects",
    ),
    ("tls.options.*.minversion", "protocols"),
    ("tls.options.*.maxversion", "protocols"),
    ("tls.options.*.ciphersuites", "cipher suites"),
    ("tls.options.*.ciphersuites.[]", "cipher suites"),
    (
        "tls.options.*.clientauth.clientauthtype",
        "client authentication (mTLS)",
    ),
    (
        "tls.options.*.clientauth.cafiles",
        "caFiles alone implies RequireAndVerifyClientCert",
    ),
    (
        "tls.options.*.clientauth.cafiles.[]",
        "caFiles alone implies RequireAndVerifyClientCert",
    ),
    ("tls.certificates.[].certfile", "served certificate"),
    (
        "tls.stores.*.defaultcertificate.certfile",
        "fallback certificate (store default)",
    ),
];

/// Keys that are TLS-relevant by name but deliberately not judged, with the reason.
pub const IGNORED: &[(&str, &str)] = &[
    ("tls.certificates.[].keyfile", "private keys are never read"),
    (
        "tls.certificates.[].stores",
        "only the default store exists in practice",
    ),
    (
        "tls.certificates.[].stores.[]",
        "only the default store exists in practice",
    ),
    (
        "tls.stores.*.defaultcertificate.keyfile",
        "private keys are never read",
    ),
    (
        "tls.stores.*.defaultgeneratedcert.**",
        "ACME-generated default certificate: a certificate issue, not read yet",
    ),
    (
        "tls.options.*.curvepreferences",
        "key-exchange groups are not part of MCP-NET-03's cipher rule",
    ),
    (
        "tls.options.*.curvepreferences.[]",
        "key-exchange groups are not part of MCP-NET-03's cipher rule",
    ),
    (
        "tls.options.*.snistrict",
        "SNI strictness does not change protocols or ciphers (noted for the certificate issue)",
    ),
    (
        "tls.options.*.alpnprotocols",
        "ALPN does not affect TLS strength",
    ),
    (
        "tls.options.*.alpnprotocols.[]",
        "ALPN does not affect TLS strength",
    ),
    (
        "tls.options.*.preferserverciphersuites",
        "ignored by Go since 1.17",
    ),
    (
        "tls.options.*.disablesessiontickets",
        "session tickets are not judged for Traefik yet",
    ),
    ("tls.options.*.ciphersuites.*", "n/a"),
    (
        "http.routers.*.tls.domains.**",
        "ACME domain list; certificate names come from the rule",
    ),
    (
        "tcp.routers.*.tls.domains.**",
        "ACME domain list; certificate names come from the rule",
    ),
    ("entrypoints.*.http.tls.domains.**", "ACME domain list"),
    (
        "tcp.routers.*.middlewares",
        "TCP middlewares (ipAllowList, inFlightConn) do not affect TLS",
    ),
    (
        "tcp.routers.*.middlewares.[]",
        "TCP middlewares (ipAllowList, inFlightConn) do not affect TLS",
    ),
    ("tcp.routers.*.rulesyntax", "rule syntax version"),
    ("http.routers.*.rulesyntax", "rule syntax version"),
    (
        "http.services.*.loadbalancer.healthcheck.scheme",
        "health checks are not MCP traffic",
    ),
    (
        "http.services.*.loadbalancer.sticky.cookie.secure",
        "cookie flag, not transport security",
    ),
    (
        "http.services.*.weighted.sticky.cookie.secure",
        "cookie flag, not transport security",
    ),
    (
        "http.services.*.loadbalancer.servers.[].**",
        "weights and preservePath do not affect TLS",
    ),
    (
        "tcp.services.*.loadbalancer.serverstransport",
        "TCP serversTransports are not followed yet (unsupported)",
    ),
    (
        "tcp.serverstransports.**",
        "TCP serversTransports are not followed yet (unsupported)",
    ),
    (
        "http.serverstransports.*.servername",
        "SNI sent upstream; does not disable verification",
    ),
    (
        "http.serverstransports.*.certificates.**",
        "client certificates to the upstream (mTLS), not judged",
    ),
    (
        "http.serverstransports.*.maxidleconnsperhost",
        "connection pool",
    ),
    (
        "http.serverstransports.*.disablehttp2",
        "protocol choice, not TLS",
    ),
    (
        "http.serverstransports.*.peercertsans.**",
        "narrows verification further; never weakens it",
    ),
    (
        "http.serverstransports.*.spiffe.**",
        "SPIFFE verification: an alternative verifier, not judged yet",
    ),
    ("http.serverstransports.*.forwardingtimeouts.**", "timeouts"),
    (
        "http.serverstransports.*.ciphersuites.**",
        "upstream ciphers: not judged (NET03-CIPHER covers listeners)",
    ),
    (
        "http.serverstransports.*.minversion",
        "upstream protocol floor: not judged yet",
    ),
    (
        "http.serverstransports.*.maxversion",
        "upstream protocol ceiling: not judged yet",
    ),
    (
        "http.middlewares.*.headers.sslredirect",
        "removed in Traefik v2 (v1 option); has no effect",
    ),
    (
        "http.middlewares.*.headers.ssltemporaryredirect",
        "removed in Traefik v2; has no effect",
    ),
    (
        "http.middlewares.*.headers.sslhost",
        "removed in Traefik v2; has no effect",
    ),
    (
        "http.middlewares.*.headers.sslforcehost",
        "removed in Traefik v2; has no effect",
    ),
    (
        "http.middlewares.*.headers.sslproxyheaders.**",
        "request headers for the upstream",
    ),
    (
        "http.middlewares.*.headers.customrequestheaders.**",
        "request headers for the upstream",
    ),
    (
        "http.middlewares.*.headers.isdevelopment",
        "HSTS is still sent; only host checks are relaxed",
    ),
    (
        "http.middlewares.*.redirectscheme.port",
        "port of the https redirect; the scheme decides",
    ),
    (
        "http.middlewares.*.redirectregex.**",
        "regex redirects are not analysed (unsupported): use redirectScheme",
    ),
    (
        "http.middlewares.*.forwardauth.tls.**",
        "connection to the auth server, not MCP traffic",
    ),
    (
        "http.middlewares.*.passtlsclientcert.**",
        "forwards client-certificate data as headers",
    ),
    ("http.middlewares.*.plugin.**", "plugins are opaque"),
    (
        "http.middlewares.*.headers.contentsecuritypolicy",
        "not TLS",
    ),
    (
        "http.middlewares.*.headers.contentsecuritypolicyreportonly",
        "not TLS",
    ),
    ("http.middlewares.*.errors.statusrewrites.*", "not TLS"),
    ("udp.**", "UDP carries no MCP traffic"),
    (
        "http.middlewares.*.ratelimit.redis.tls.**",
        "connection to the rate-limit Redis store, not MCP traffic",
    ),
    (
        "http.services.*.loadbalancer.healthcheck.followredirects",
        "health checks are not MCP traffic",
    ),
    (
        "tcp.services.*.loadbalancer.proxyprotocol.version",
        "PROXY protocol header version, not TLS",
    ),
    (
        "http.serverstransports.*.peercerturi",
        "narrows verification to a URI SAN; never weakens it",
    ),
    (
        "entrypoints.*.http3.**",
        "HTTP/3 uses the same TLS configuration",
    ),
    ("entrypoints.*.http2.**", "HTTP/2 settings"),
    (
        "entrypoints.*.http.redirections.entrypoint.permanent",
        "301/308 vs 302/307: both redirect",
    ),
    (
        "entrypoints.*.http.redirections.entrypoint.priority",
        "redirect router priority",
    ),
    ("entrypoints.*.http.encodequerysemicolons", "not TLS"),
    ("entrypoints.*.http.sanitizepath", "not TLS"),
    ("entrypoints.*.http.maxheaderbytes", "not TLS"),
    ("entrypoints.*.http.encodedcharacters.**", "not TLS"),
    (
        "entrypoints.*.proxyprotocol.insecure",
        "PROXY protocol trust, not TLS",
    ),
    (
        "entrypoints.*.forwardedheaders.insecure",
        "X-Forwarded-* trust, not TLS",
    ),
    (
        "entrypoints.*.forwardedheaders.**",
        "X-Forwarded-* trust, not TLS",
    ),
    ("entrypoints.*.observability.**", "logging/metrics"),
    ("entrypoints.*.udp.**", "UDP carries no MCP traffic"),
    ("entrypoints.*.transport.**", "timeouts and keep-alive"),
    ("entrypoints.*.allowacmebypass", "ACME challenge routing"),
    ("serverstransport.maxidleconnsperhost", "connection pool"),
    ("serverstransport.forwardingtimeouts.**", "timeouts"),
    (
        "serverstransport.spiffe.**",
        "SPIFFE verification, not judged yet",
    ),
    (
        "tcpserverstransport.**",
        "TCP serversTransport default: not followed yet (unsupported)",
    ),
    (
        "certificatesresolvers.**",
        "ACME resolver settings: a router naming a resolver gets a managed certificate",
    ),
    (
        "api.insecure",
        "dashboard on the traefik entrypoint (:8080) without auth: not TLS judged yet",
    ),
    (
        "providers.**",
        "connections to provider APIs (Docker, Kubernetes, Consul…), not MCP traffic",
    ),
    ("metrics.**", "metrics exporters"),
    ("tracing.**", "tracing exporters"),
    ("accesslog.**", "logging"),
    ("log.**", "logging"),
    ("hub.**", "Traefik Hub"),
    ("experimental.**", "experimental features"),
    ("spiffe.**", "SPIFFE workload API"),
    ("ocsp.**", "OCSP stapling"),
    ("core.**", "defaultRuleSyntax"),
    ("ping.**", "health endpoint"),
    ("global.**", "update check, anonymous usage"),
    ("**.observability.**", "logging/metrics per router"),
];

/// Normalizes a raw key path (segments as written) into the form the tables use.
pub fn normalize(segs: &[String]) -> String {
    let mut out: Vec<String> = Vec::new();
    for s in segs {
        let joined = out.join(".");
        if NAMED_PARENTS.contains(&joined.as_str()) {
            out.push("*".into());
        } else if s == "[]" || s.chars().all(|c| c.is_ascii_digit()) && !s.is_empty() {
            out.push("[]".into());
        } else {
            out.push(s.to_ascii_lowercase());
        }
    }
    out.join(".")
}

/// Every leaf key path of a tree (maps and sequences walked; empty maps count as leaves),
/// normalized, with the offset of its key. Depth is bounded by the parser's budget.
pub fn key_paths(root: &Node) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut stack: Vec<(&Node, Vec<String>, usize)> = vec![(root, Vec::new(), root.start)];
    while let Some((n, path, start)) = stack.pop() {
        match &n.value {
            crate::yaml::Value::Map(m) if !m.is_empty() => {
                for (k, v) in m.iter().rev() {
                    let mut p = path.clone();
                    p.push(k.scalar().unwrap_or_default());
                    stack.push((v, p, k.start));
                }
            }
            crate::yaml::Value::Seq(s) if !s.is_empty() => {
                for v in s.iter().rev() {
                    let mut p = path.clone();
                    p.push("[]".into());
                    stack.push((v, p, v.start));
                }
            }
            _ => {
                if !path.is_empty() {
                    out.push((normalize(&path), start));
                }
            }
        }
    }
    out
}

fn matches(pattern: &str, path: &str) -> bool {
    let p: Vec<&str> = pattern.split('.').collect();
    let k: Vec<&str> = path.split('.').collect();
    fn go(p: &[&str], k: &[&str]) -> bool {
        match (p.first(), k.first()) {
            (None, None) => true,
            (Some(&"**"), _) => (0..=k.len()).any(|i| go(&p[1..], &k[i..])),
            (Some(a), Some(b)) => (*a == "*" || a == b) && go(&p[1..], &k[1..]),
            _ => false,
        }
    }
    go(&p, &k)
}

/// How the tables classify a normalized key path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coverage {
    Understood,
    Ignored,
    Unlisted,
}

pub fn coverage(path: &str) -> Coverage {
    if UNDERSTOOD.iter().any(|(p, _)| matches(p, path)) {
        Coverage::Understood
    } else if IGNORED.iter().any(|(p, _)| matches(p, path)) {
        Coverage::Ignored
    } else {
        Coverage::Unlisted
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalize_names_and_items() {
        let segs: Vec<String> = ["http", "routers", "Router0", "tls", "options"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(normalize(&segs), "http.routers.*.tls.options");
        assert!(matches("providers.**", "providers.docker.tls.ca"));
        assert!(matches(
            "**.observability.**",
            "http.routers.*.observability.tracing"
        ));
        assert_eq!(coverage("http.routers.*.tls.options"), Coverage::Understood);
    }
}
