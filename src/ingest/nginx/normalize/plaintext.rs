//! What a server does with plaintext requests (a catch-all redirect to https, a refusal, or
//! content), and the HSTS headers its locations drop.

use super::*;

pub(super) struct PlainBehaviour {
    pub redirect: Fact<bool>,
    pub blocked: Fact<bool>,
}

pub(super) fn is_https_target(arg: &str) -> bool {
    arg.to_ascii_lowercase().starts_with("https://")
}

/// `return 301 https://…` (or 302/307/308) → Some(true); `return 444` / `return 4xx` → Some(false).
pub(super) fn classify_return(d: &Directive) -> Option<bool> {
    let code = d.args.first()?.value.as_str();
    match code {
        "301" | "302" | "303" | "307" | "308" => d
            .args
            .get(1)
            .map(|a| is_https_target(&a.value))
            .filter(|r| *r),
        c if c.starts_with("https://") => Some(true),
        c if c.len() == 3 && (c.starts_with('4') || c == "444") => Some(false),
        _ => None,
    }
}

/// A rewrite that matches every request and sends it to https.
pub(super) fn is_catch_all_https_rewrite(d: &Directive) -> bool {
    let (Some(re), Some(target)) = (d.args.first(), d.args.get(1)) else {
        return false;
    };
    let catch_all = matches!(
        re.value.as_str(),
        "^" | "^/" | "^(.*)" | "^(.*)$" | "^/(.*)" | "^/(.*)$" | "^.*$" | ".*" | "(.*)" | "^(.+)$"
    ) || re.value == "^/?(.*)$";
    let flag_ok = d
        .args
        .get(2)
        .map(|f| {
            matches!(
                f.value.as_str(),
                "permanent" | "redirect" | "last" | "break"
            )
        })
        .unwrap_or(true);
    catch_all && is_https_target(&target.value) && flag_ok
}

/// Recognises `if ($scheme = http)`, `if ($scheme != "https")`,
/// `if ($http_x_forwarded_proto != https)` and friends: conditions true for plaintext requests.
pub(super) fn is_plaintext_condition(d: &Directive) -> bool {
    let words: Vec<String> = d
        .args
        .iter()
        .map(|a| {
            a.value
                .trim_matches(|c| c == '(' || c == ')')
                .trim_matches('"')
                .trim_matches('\'')
                .to_ascii_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect();
    let [var, op, val] = words.as_slice() else {
        return false;
    };
    let var_ok = matches!(
        var.as_str(),
        "$scheme" | "$http_x_forwarded_proto" | "$http_x_forwarded_scheme" | "$http_x_scheme"
    );
    let cond_ok = (op == "=" && val == "http") || (op == "!=" && val == "https");
    var_ok && cond_ok
}

pub(super) fn plaintext_behaviour(
    ctx: &Ctx,
    body: &[Directive],
    server_span: &ModelSpan,
) -> PlainBehaviour {
    // Server-level rewrite-phase directives run before location matching, in order.
    for d in body {
        let found = match d.name.as_str() {
            "return" => classify_return(d).map(|redirects| at_server_level(ctx, d, redirects)),
            "rewrite" if is_catch_all_https_rewrite(d) => Some(at_server_level(ctx, d, true)),
            "if" if is_plaintext_condition(d) => in_plaintext_if(ctx, d),
            _ => None,
        };
        if let Some(behaviour) = found {
            return behaviour;
        }
    }
    every_location_answers(ctx, body).unwrap_or_else(|| serves(server_span))
}

/// A stream server forwards TCP connections: it neither redirects nor answers HTTP requests
/// (its `return` sends a value, not an HTTP status).
pub(super) fn stream_forwards(server_span: &ModelSpan) -> PlainBehaviour {
    PlainBehaviour {
        redirect: Fact::derived(
            false,
            server_span.clone(),
            "a stream server forwards TCP connections: it cannot redirect to https",
        ),
        blocked: Fact::derived(
            false,
            server_span.clone(),
            "a stream server accepts every TCP connection on its listens",
        ),
    }
}

/// No redirect and no refusal: nginx serves plaintext requests.
fn serves(server_span: &ModelSpan) -> PlainBehaviour {
    PlainBehaviour {
        redirect: Fact::default(
            false,
            server_span.clone(),
            "nginx serves plaintext requests normally: no redirect to https is configured",
        ),
        blocked: Fact::default(
            false,
            server_span.clone(),
            "nginx does not refuse plaintext requests unless configured to",
        ),
    }
}

/// A server-level `return` or `rewrite` that redirects every request to https, or refuses it.
fn at_server_level(ctx: &Ctx, d: &Directive, redirects: bool) -> PlainBehaviour {
    if redirects {
        PlainBehaviour {
            redirect: Fact::explicit(true, ctx.span(d)),
            blocked: Fact::derived(false, ctx.span(d), "requests are redirected, not refused"),
        }
    } else {
        PlainBehaviour {
            redirect: Fact::derived(false, ctx.span(d), "requests are refused, not redirected"),
            blocked: Fact::explicit(true, ctx.span(d)),
        }
    }
}

/// `if ($scheme = http) { return 301 https://…; }` and its kin: the first redirect or refusal
/// inside an `if` that matches plaintext requests.
fn in_plaintext_if(ctx: &Ctx, d: &Directive) -> Option<PlainBehaviour> {
    let condition = args_of(d).join(" ");
    for i in d.block.as_deref().unwrap_or(&[]) {
        let hit = match i.name.as_str() {
            "return" => classify_return(i),
            "rewrite" if is_catch_all_https_rewrite(i) => Some(true),
            _ => None,
        };
        match hit {
            Some(true) => {
                let why = format!(
                    "plaintext requests match `if ({condition})` and are redirected to https"
                );
                return Some(PlainBehaviour {
                    redirect: Fact::derived(true, ctx.span(i), why),
                    blocked: Fact::derived(
                        false,
                        ctx.span(i),
                        "requests are redirected, not refused",
                    ),
                });
            }
            Some(false) => {
                let why = format!("plaintext requests match `if ({condition})` and are refused");
                return Some(PlainBehaviour {
                    redirect: Fact::derived(
                        false,
                        ctx.span(i),
                        "requests are refused, not redirected",
                    ),
                    blocked: Fact::derived(true, ctx.span(i), why),
                });
            }
            None => {}
        }
    }
    None
}

/// Every location redirects to https or refuses: `location /` catches what no other location
/// matches; ACME http-01 challenge locations are the accepted plaintext exception. The fact is
/// the redirect when `location /` redirects, the refusal when it refuses.
fn every_location_answers(ctx: &Ctx, body: &[Directive]) -> Option<PlainBehaviour> {
    let locations: Vec<&Directive> = body.iter().filter(|d| d.name == "location").collect();
    let root = locations.iter().find(|l| {
        let a: Vec<&str> = l.args.iter().map(|a| a.value.as_str()).collect();
        a == ["/"]
    })?;
    let all_answer = locations.iter().all(|l| {
        let is_acme = l
            .args
            .iter()
            .any(|a| a.value.contains("/.well-known/acme-challenge"));
        is_acme || location_answers(l, 0).is_some()
    });
    if !all_answer {
        return None;
    }
    let (d, redirects) = location_answers(root, 0)?;
    let why =
        "every location (`location /` and the others) redirects to https or refuses the request";
    Some(if redirects {
        PlainBehaviour {
            redirect: Fact::derived(true, ctx.span(d), why),
            blocked: Fact::derived(false, ctx.span(d), "requests are redirected, not refused"),
        }
    } else {
        PlainBehaviour {
            redirect: Fact::derived(false, ctx.span(d), "requests are refused, not redirected"),
            blocked: Fact::derived(true, ctx.span(d), why),
        }
    })
}

/// The `return`/`rewrite` that answers every request of a location without content — a
/// redirect to https (`true`) or a 4xx refusal (`false`) — if any. A nested location runs its
/// own rewrite-phase directives, not its parent's, so each must answer too.
fn location_answers(l: &Directive, depth: usize) -> Option<(&Directive, bool)> {
    let body = l.block.as_deref()?;
    if depth > MAX_DEPTH {
        return None;
    }
    // The first `return` ends the rewrite phase, whatever it answers.
    let answer = body.iter().find_map(|d| match d.name.as_str() {
        "return" => Some(classify_return(d).map(|redirects| (d, redirects))),
        "rewrite" if is_catch_all_https_rewrite(d) => Some(Some((d, true))),
        _ => None,
    })??;
    body.iter()
        .filter(|d| d.name == "location")
        .all(|nested| location_answers(nested, depth + 1).is_some())
        .then_some(answer)
}
