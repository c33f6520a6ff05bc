//! `listen` directives and the socket semantics nginx applies across server blocks: the `ssl`
//! flag and `ssl_protocols` are shared by every server on the same address:port.

use super::*;

/// Parses a `listen` directive. Returns the listen and its socket key (`addr:port`).
pub(super) fn parse_listen(
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
    // A QUIC listen is a UDP socket: it shares no flag with a TCP listen on the same port.
    let key = match quic {
        true => format!("{}/quic", socket_key(&address, port)),
        false => socket_key(&address, port),
    };
    let tls = ssl_flag || quic || ssl_on;
    let listen = Listen {
        quic,
        default_server,
        ..Listen::new(address, port, scope, tls, ctx.span(d), Origin::Explicit)
    };
    Some((listen, key))
}

/// `80` → (`*`, 80); `127.0.0.1:8080`; `[::]:443`; `[::1]`; `unix:/run/x.sock`; `localhost`.
pub(super) fn split_listen_address(spec: &str) -> (String, Option<u16>) {
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

pub(super) fn socket_key(address: &str, port: Option<u16>) -> String {
    let addr = match address {
        "*" | "0.0.0.0" => "*",
        a => a,
    };
    match port {
        Some(p) => format!("{addr}:{p}"),
        None => addr.to_string(),
    }
}

/// Socket-level semantics: the `ssl` flag is shared by every server on one address:port
/// (nginx ORs it, `ngx_http.c`), before 1.29.2 the protocols negotiated on a socket are
/// those of its default server, and a server without a certificate presents the default
/// server's.
pub(super) fn apply_socket_semantics(ctx: &mut Ctx, drafts: &mut [ServerDraft]) {
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

    // Once every listen knows whether it is TLS.
    let default_certificates = default_certificates(drafts, &default_server);
    for (i, draft) in drafts.iter_mut().enumerate() {
        adopt_default_certificates(i, draft, &default_certificates);
    }
}

/// Socket key → (default server's index, its certificates, its block's span), for the sockets
/// whose default server names a certificate.
type DefaultCertificates = BTreeMap<String, (usize, Vec<Certificate>, ModelSpan)>;

fn default_certificates(
    drafts: &[ServerDraft],
    default_server: &BTreeMap<String, usize>,
) -> DefaultCertificates {
    default_server
        .iter()
        .filter_map(|(key, &i)| {
            let d = drafts.get(i)?;
            let certs = &d.endpoint.tls.certificates;
            (!certs.is_empty()).then(|| (key.clone(), (i, certs.clone(), d.endpoint.span.clone())))
        })
        .collect()
}

/// A name-based server without a certificate of its own completes its handshakes with the
/// default server's: `ngx_http_ssl_servername` switches to the context of the server the SNI
/// selects only when that server has one (a server without `ssl_certificate` or
/// `ssl_reject_handshake` gets none, `ngx_http_ssl_merge_srv_conf`), so the default server's
/// context, and its certificate, stay in force.
fn adopt_default_certificates(i: usize, draft: &mut ServerDraft, defaults: &DefaultCertificates) {
    let tls = &draft.endpoint.tls;
    let rejects = tls.reject_handshake.as_ref().is_some_and(|f| f.value);
    if draft.endpoint.context.as_deref() != Some("http") || rejects || !tls.certificates.is_empty()
    {
        return;
    }
    let found = draft.sockets.iter().find_map(|(key, li)| {
        let tls_listen = draft.endpoint.listens.get(*li).is_some_and(|l| l.tls);
        let (_, certs, span) = defaults
            .get(key)
            .filter(|(di, ..)| tls_listen && *di != i)?;
        Some((key, certs, span))
    });
    let Some((key, certs, default_span)) = found else {
        return;
    };
    let adopted = certs
        .iter()
        .map(|c| Certificate {
            note: Some(format!(
                "this server names no ssl_certificate: nginx completes its handshakes on {key} with the certificate of the default server at {}:{}",
                default_span.file, default_span.line
            )),
            ..c.clone()
        })
        .collect();
    draft.endpoint.tls.certificates = adopted;
}
