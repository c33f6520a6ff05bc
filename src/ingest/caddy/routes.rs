//! What answers every request of a site: a catch-all redirect to https, a catch-all refusal, or
//! neither (some request may reach content). Caddy sorts a site's handler directives (and those
//! of each `handle` block) by its directive order (`httpcaddyfile/directives.go`,
//! `defaultDirectiveOrder`) and keeps the written order inside `route`; the first handler that
//! every request reaches and that ends the request decides. Anything that may serve content
//! before it (a proxy, a file server, a matched `handle` that does not itself refuse, a plugin)
//! means no catch-all, which the plaintext rule judges as serving content.

use super::site::{split_matcher, status_arg, Directive};

/// How every request of a route list is answered.
#[derive(Debug, Clone, Copy)]
pub enum CatchAll<'a> {
    /// `redir https://…` without a matcher.
    Redirect(&'a Directive),
    /// `abort`, `respond … 4xx` or `error … 4xx` without a matcher: the status (None for
    /// `abort`, which closes the connection without a response).
    Refusal(&'a Directive, Option<u16>),
}

/// The catch-all of a site block, its handlers run in `order` (Caddy's directive order after
/// the `order` global options, [`super::site::handler_order`]).
pub fn of_site<'a>(body: &'a [Directive], order: &[&str]) -> Option<CatchAll<'a>> {
    let site = Routes {
        order,
        errors_handled: body.iter().any(|d| d.is("handle_errors")),
    };
    site.first_terminal(site.sorted(body))
}

/// One site's handler order, and whether it has a `handle_errors` block.
struct Routes<'o> {
    order: &'o [&'o str],
    errors_handled: bool,
}

impl Routes<'_> {
    fn sorted<'a>(&self, body: &'a [Directive]) -> Vec<&'a Directive> {
        let mut handlers: Vec<&Directive> = body.iter().collect();
        // Stable: directives of one name keep their written order, as they do in Caddy for
        // equal matchers (a refusal and a content handler of one name are never compared).
        handlers.sort_by_key(|d| {
            self.order
                .iter()
                .position(|o| *o == d.name.text)
                .unwrap_or(usize::MAX)
        });
        handlers
    }

    /// Walks handlers in execution order until one answers every request.
    fn first_terminal<'a>(&self, handlers: Vec<&'a Directive>) -> Option<CatchAll<'a>> {
        for d in handlers {
            match self.step(d) {
                Step::Passes => {}
                Step::Answers(c) => return Some(c),
                Step::MayServe => return None,
            }
        }
        // No handler ended the request: Caddy answers an empty 200, which is not a refusal.
        None
    }

    fn step<'a>(&self, d: &'a Directive) -> Step<'a> {
        let name = d.name.text.as_str();
        if name.starts_with('@') || PASS_THROUGH.contains(&name) {
            return Step::Passes;
        }
        let (matched, args) = split_matcher(d);
        let answer = match name {
            "redir" => redirect(d, &args),
            "abort" => Some(CatchAll::Refusal(d, None)),
            "respond" => refusal_status(&args, 200).map(|s| CatchAll::Refusal(d, Some(s))),
            // A `handle_errors` block answers the error instead, possibly with content.
            "error" if !self.errors_handled => {
                refusal_status(&args, 500).map(|s| CatchAll::Refusal(d, Some(s)))
            }
            "handle" | "handle_path" => return self.nested(matched, self.sorted(&d.block)),
            "route" => return self.nested(matched, d.block.iter().collect()),
            _ => None,
        };
        match (answer, matched) {
            (Some(c), false) => Step::Answers(c),
            (Some(CatchAll::Refusal(..)), true) => Step::Passes,
            _ => Step::MayServe,
        }
    }

    /// A `handle` or `route` block: without a matcher it decides for every request; with one,
    /// the requests it matches are refused only if its own routes refuse every request.
    fn nested<'a>(&self, matched: bool, handlers: Vec<&'a Directive>) -> Step<'a> {
        match (self.first_terminal(handlers), matched) {
            (Some(c), false) => Step::Answers(c),
            (Some(CatchAll::Refusal(..)), true) => Step::Passes,
            _ => Step::MayServe,
        }
    }
}

enum Step<'a> {
    /// The request goes on (or is refused for the requests it matches).
    Passes,
    /// Every request that reaches it is answered so.
    Answers(CatchAll<'a>),
    /// Some request may be answered with content.
    MayServe,
}

/// Directives that never answer a request with content and never end it for every request:
/// variables, logging, headers, request rewriting, compression, authentication challenges.
const PASS_THROUGH: &[&str] = &[
    "tracing",
    "map",
    "vars",
    "fs",
    "root",
    "log_append",
    "skip_log",
    "log_skip",
    "log_name",
    "header",
    "request_body",
    "method",
    "rewrite",
    "uri",
    "try_files",
    "basicauth",
    "basic_auth",
    "request_header",
    "encode",
    "templates",
    // Not handlers: site settings.
    "bind",
    "tls",
    "log",
    "handle_errors",
];

fn redirect<'a>(d: &'a Directive, args: &[&str]) -> Option<CatchAll<'a>> {
    args.first()
        .is_some_and(|a| a.to_ascii_lowercase().starts_with("https://"))
        .then_some(CatchAll::Redirect(d))
}

/// The 4xx status of `respond`/`error` arguments (`<status>`, `<body> <status>`), as Caddy's
/// `StaticResponse`/`StaticError` read them: one argument is the status only when it is three
/// digits; otherwise the default status applies (200 for `respond`, 500 for `error`).
fn refusal_status(args: &[&str], default: u16) -> Option<u16> {
    let status = match args {
        [one] => status_arg(one).unwrap_or(default),
        [_, status] => status.parse().ok()?,
        _ => return None,
    };
    (400..500).contains(&status).then_some(status)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_is_read_as_caddy_reads_it() {
        assert_eq!(refusal_status(&["403"], 200), Some(403));
        assert_eq!(refusal_status(&["Forbidden", "403"], 200), Some(403));
        assert_eq!(refusal_status(&["Forbidden"], 200), None);
        assert_eq!(refusal_status(&["nope"], 500), None);
        assert_eq!(refusal_status(&["Gone", "{vars.code}"], 200), None);
        assert_eq!(refusal_status(&["200"], 200), None);
        assert_eq!(refusal_status(&[], 200), None);
    }
}
