//! Upstream hops: `proxy_pass`, `grpc_pass`, `uwsgi_pass` with their `*_ssl_*` settings.

use super::*;

/// Module prefix of the upstream TLS directives for a pass directive.
pub(super) fn ssl_prefix(directive: &str, context: &str) -> &'static str {
    match (directive, context) {
        ("grpc_pass", _) => "grpc",
        ("uwsgi_pass", _) => "uwsgi",
        _ => "proxy",
    }
}

pub(super) fn hop(
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
    let in_process = d.name == "pass";
    let tls = match context {
        _ if in_process => false,
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
    if in_process {
        // The stream `pass` hands the accepted connection to a listening socket of this same
        // nginx (ngx_stream_pass_module, 1.25.5): it never leaves the host.
        for t in targets.iter_mut().filter(|t| t.scope != Scope::Unix) {
            t.scope = Scope::Loopback;
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
        upstream: crate::ingest::shared::redact::url_at(
            ctx.map,
            target.span.file,
            target.span.start,
            &raw,
        ),
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

pub(super) fn strip_port(authority: &str) -> &str {
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
