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
) -> Vec<Hop> {
    let (svc, s_at) = match service(ctx, node, file, provider, container, tcp) {
        Ok(Some(found)) => found,
        Ok(None) => return Vec::new(),
        Err(hops) => return hops,
    };
    let s_file = s_at.file;
    let Some(lb) = svc.get_ci("loadBalancer") else {
        // weighted, mirroring, failover: the target services are not followed.
        return vec![open_hop(ctx, "(weighted/mirroring/failover service)", s_at)];
    };
    let transport = scalar_at(lb, "serversTransport", s_file);
    let mut servers = listed_servers(lb, s_file, tcp);
    // Docker labels: loadbalancer.server.port / .scheme / .url (TCP: .port / .tls).
    if let Some(one) = lb.get_ci("server") {
        servers.push(label_server(one, s_file, s_at, container, tcp));
    }
    if servers.is_empty() {
        return vec![open_hop(ctx, "(service without servers)", s_at)];
    }
    let directive = if tcp {
        "tcp loadBalancer.servers.address"
    } else {
        "loadBalancer.servers.url"
    };
    servers
        .into_iter()
        .map(|(u, u_at)| hop_for(ctx, &u, directive, u_at, transport.clone()))
        .collect()
}

/// The service a router names (or, for a Docker container, its only service). `Err` carries
/// the hops when the service is not followed: internal (none), not in the scan (an open hop
/// with a finding), or a container with no single service (Traefik's own, to the container).
fn service<'a>(
    ctx: &mut Ctx<'a>,
    node: &Node,
    file: FileId,
    provider: &str,
    container: Option<&Container>,
    tcp: bool,
) -> Result<Option<(&'a Node, At)>, Vec<Hop>> {
    let services = if tcp {
        &ctx.reg.tcp_services
    } else {
        &ctx.reg.services
    };
    if let Some((r, r_at)) = scalar_at(node, "service", file) {
        return match lookup(services, &r, provider) {
            Ok(o) => Ok(Some((o.node, o.at))),
            Err(p) if p == "internal" => Err(Vec::new()),
            Err(p) => {
                ctx.finding(
                    FindingKind::Indeterminate,
                    format!("service {r} (provider {p}) is not in the scanned configuration: its upstream is not judged"),
                    r_at,
                );
                Err(vec![open_hop(ctx, &r, r_at)])
            }
        };
    }
    // Docker provider: the container's only service, else one Traefik makes for it.
    let Some(c) = container else {
        return Ok(None);
    };
    let own: Vec<(&'a Node, At)> = services
        .iter()
        .filter(|o| o.container.is_some_and(|oc| std::ptr::eq(oc, c)))
        .map(|o| (o.node, o.at))
        .collect();
    if let [one] = own[..] {
        return Ok(Some(one));
    }
    let c_at = At {
        file: c.file,
        start: c.name_start,
    };
    let url = format!("http://{}", c.name);
    Err(vec![hop_for(ctx, &url, "docker container", c_at, None)])
}

/// `loadBalancer.servers[]`: their URLs (TCP: `tcp://` or `tls://` addresses).
fn listed_servers(lb: &Node, s_file: FileId, tcp: bool) -> Vec<(String, At)> {
    let Some(ss) = lb.get_ci("servers") else {
        return Vec::new();
    };
    let items: Vec<&Node> = if ss.is_map() {
        ss.entries().map(|(_, v)| v).collect()
    } else {
        ss.items().iter().collect()
    };
    let key = if tcp { "address" } else { "url" };
    items
        .into_iter()
        .filter_map(|s| {
            let (u, u_at) = scalar_at(s, key, s_file)?;
            let u = if tcp {
                let tls = s.get_ci("tls").and_then(Node::as_bool) == Some(true);
                format!("{}://{u}", if tls { "tls" } else { "tcp" })
            } else {
                u
            };
            Some((u, u_at))
        })
        .collect()
}

/// The one server of Docker labels (`loadbalancer.server.*`): its URL, else scheme, the
/// container's name and port.
fn label_server(
    one: &Node,
    s_file: FileId,
    s_at: At,
    container: Option<&Container>,
    tcp: bool,
) -> (String, At) {
    let host = container
        .map(|c| c.name.clone())
        .unwrap_or_else(|| "container".into());
    let (port, p_at) = scalar_at(one, "port", s_file)
        .map(|(p, a)| (format!(":{p}"), a))
        .unwrap_or((String::new(), s_at));
    if tcp {
        let tls = one.get_ci("tls").and_then(Node::as_bool) == Some(true);
        return (
            format!("{}://{host}{port}", if tls { "tls" } else { "tcp" }),
            p_at,
        );
    }
    if let Some(u) = scalar_at(one, "url", s_file) {
        return u;
    }
    let scheme = scalar_at(one, "scheme", s_file)
        .map(|(s, _)| s)
        .unwrap_or_else(|| "http".into());
    (format!("{scheme}://{host}{port}"), p_at)
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
        upstream: crate::ingest::shared::redact::url_at(ctx.map, u_at.file, u_at.start, url),
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
