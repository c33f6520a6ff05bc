//! The upstream hops of a router: its service's servers, verified per the serversTransport
//! used (the router's provider's, else the global one).

use super::*;

/// Upstream hops of a router: its service's servers, verified per the serversTransport used.
pub(super) fn hops(
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
