//! A server's locations, walked once: their hops, the MCP path, and the HSTS headers a
//! location drops by defining its own `add_header`.

use super::*;

/// What walking a server's locations collects.
pub(super) struct Walk<'w> {
    pub hops: &'w mut Vec<Hop>,
    pub mcp_path: &'w mut Option<String>,
    /// Locations whose own `add_header` list drops an inherited Strict-Transport-Security.
    pub hsts_drops: &'w mut Vec<(String, ModelSpan)>,
    pub context: &'w str,
}

pub(super) fn has_hsts(list: &[&Directive]) -> bool {
    list.iter().any(|d| {
        d.args
            .first()
            .is_some_and(|a| a.value.eq_ignore_ascii_case("Strict-Transport-Security"))
    })
}

pub(super) fn walk_locations<'a>(
    ctx: &mut Ctx,
    settings: &Settings<'a>,
    body: &'a [Directive],
    location: Option<String>,
    walk: &mut Walk,
    depth: usize,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for d in body {
        match (d.name.as_str(), &d.block) {
            ("location", Some(inner)) | ("if", Some(inner)) | ("limit_except", Some(inner)) => {
                let path = if d.name == "location" {
                    let path = args_of(d).join(" ");
                    if walk.mcp_path.is_none() {
                        let lower = path.to_ascii_lowercase();
                        if lower.contains("mcp") || lower.contains("/sse") {
                            *walk.mcp_path = Some(path.clone());
                        }
                    }
                    Some(path)
                } else {
                    location.clone()
                };
                let child = settings.child(inner);
                let own_headers: Vec<&Directive> =
                    inner.iter().filter(|i| i.name == "add_header").collect();
                if let Some(first) = own_headers.first() {
                    if has_hsts(settings.list("add_header")) && !has_hsts(child.list("add_header"))
                    {
                        walk.hsts_drops.push((
                            path.clone().unwrap_or_else(|| "(if)".into()),
                            ctx.span(first),
                        ));
                    }
                }
                walk_locations(ctx, &child, inner, path, walk, depth + 1);
            }
            (name, None) if is_hop_directive(name, walk.context) => {
                if let Some(hop) = hop(ctx, settings, d, location.clone(), walk.context) {
                    walk.hops.push(hop);
                }
            }
            _ => {}
        }
    }
}

/// Directives that hand a request or connection on: the http passes, and in `stream {}` also
/// `pass` (to a listening socket of this nginx).
fn is_hop_directive(name: &str, context: &str) -> bool {
    matches!(
        name,
        "proxy_pass" | "grpc_pass" | "uwsgi_pass" | "fastcgi_pass" | "scgi_pass"
    ) || (name == "pass" && context == "stream")
}

/// A location that answers every request (`/`) or the MCP path and drops HSTS means clients
/// of the endpoint never receive it; elsewhere the loss is noted on the fact.
pub(super) fn apply_hsts_drops(tls: &mut Tls, drops: &[(String, ModelSpan)]) {
    if tls.hsts.value.is_none() || drops.is_empty() {
        return;
    }
    let decisive = drops.iter().find(|(path, _)| {
        let p = path.to_ascii_lowercase();
        p == "/" || p == "= /" || p.contains("mcp") || p.contains("/sse")
    });
    let explain = |path: &str, span: &ModelSpan| {
        format!(
            "location {path} defines its own add_header ({}:{}) without Strict-Transport-Security: add_header in a child block replaces every inherited one, so HSTS is not sent there",
            span.file, span.line
        )
    };
    match decisive {
        Some((path, span)) => {
            tls.hsts = Fact::derived(None, span.clone(), explain(path, span));
        }
        None => {
            let notes: Vec<String> = drops.iter().map(|(p, s)| explain(p, s)).collect();
            let prior = tls.hsts.note.take();
            let joined = prior
                .into_iter()
                .chain(notes)
                .collect::<Vec<_>>()
                .join("; ");
            tls.hsts.note = Some(joined);
        }
    }
}
