//! hypercorn servers: `config = Config()`, its `bind`, `insecure_bind`, `certfile`, `keyfile`
//! and `ciphers` attributes, served by `serve(app, config)`.
//!
//! hypercorn serves TLS when both `certfile` and `keyfile` are set, on `bind` (default
//! `127.0.0.1:8000`), and plaintext on `insecure_bind` beside it (hypercorn/config.py,
//! `Config.ssl_enabled` and `create_sockets`).

use super::pyssl::{openssl_tls13, statement, Module};
use super::{endpoint, listen};
use crate::ingest::shared::expr::eval;
use crate::ingest::shared::gotls;
use crate::ingest::shared::tokens::{Tok, TokKind};
use crate::model::{Certificate, CipherList, EndpointDraft, Fact, Listen, ModelSpan, Origin, Tls};

/// hypercorn's `Config.ciphers` default.
const DEFAULT_CIPHERS: &str = "ECDHE+AESGCM";

/// The `serve(app, config)` endpoints of a module that imports hypercorn.
pub fn servers(m: &Module) -> Vec<EndpointDraft> {
    let toks = m.toks;
    if !toks.iter().any(|t| t.ident("hypercorn")) {
        return Vec::new();
    }
    (0..toks.len().saturating_sub(4))
        .filter(|&k| toks[k].ident("serve") && toks[k + 1].punct("("))
        .filter_map(|k| {
            let args = crate::ingest::shared::tokens::args(toks, k + 1, "=");
            let var = match args.get(1).map(|a| a.value) {
                Some([v]) if v.kind == TokKind::Ident => v.text.clone(),
                _ => return None,
            };
            let config = HypercornConfig::find(m, &var, toks[k].start)?;
            Some(config.endpoint(m, m.span(toks[k].start)))
        })
        .collect()
}

/// One `Config()` and the attributes set on it before it is served.
struct HypercornConfig<'t> {
    made: usize,
    attrs: Vec<(&'t str, &'t [Tok], usize)>,
}

impl<'t> HypercornConfig<'t> {
    /// The last `var = Config()` before `before`, with the `var.attr = value` statements after it.
    fn find(m: &Module<'t>, var: &str, before: usize) -> Option<Self> {
        let toks = m.toks;
        let made = (0..toks.len().saturating_sub(3)).rev().find(|&j| {
            toks[j].ident(var)
                && toks[j + 1].punct("=")
                && toks[j].start < before
                && statement(m.text, toks, j + 2)
                    .windows(2)
                    .any(|w| w[0].ident("Config") && w[1].punct("("))
        })?;
        let attrs = (made + 1..toks.len().saturating_sub(3))
            .filter(|&j| {
                toks[j].ident(var)
                    && toks[j + 1].punct(".")
                    && toks[j + 2].kind == TokKind::Ident
                    && toks[j + 3].punct("=")
                    && toks[j].start < before
            })
            .map(|j| {
                (
                    toks[j + 2].text.as_str(),
                    statement(m.text, toks, j + 4),
                    toks[j].start,
                )
            })
            .collect();
        Some(HypercornConfig {
            made: toks[made].start,
            attrs,
        })
    }

    /// The last value set for `name`, and where.
    fn attr(&self, name: &str) -> Option<(&'t [Tok], usize)> {
        self.attrs
            .iter()
            .rev()
            .find(|(n, _, _)| *n == name)
            .map(|(_, v, at)| (*v, *at))
    }

    fn text(&self, m: &Module, name: &str) -> Option<(String, usize)> {
        let (v, at) = self.attr(name)?;
        eval(v, m.consts, 0).text().map(|t| (t, at))
    }

    fn endpoint(&self, m: &Module, call: ModelSpan) -> EndpointDraft {
        let cert = self.text(m, "certfile");
        let key = self.text(m, "keyfile");
        let tls_on = cert.is_some() && key.is_some();
        let mut listens = self.binds(m, "bind", tls_on, &call);
        if tls_on {
            listens.extend(self.binds(m, "insecure_bind", false, &call));
        }
        let tls = tls_on.then(|| {
            let mut tls = self.tls(m);
            if let Some((path, at)) = cert {
                tls.certificates.push(Certificate {
                    note: None,
                    relative_to: None,
                    path,
                    key: key.map(|k| k.0),
                    span: m.span(at),
                    managed: None,
                });
            }
            tls
        });
        let id = format!("app:{}:{}:hypercorn", call.file, call.line);
        endpoint(id, call, listens, tls)
    }

    /// The listens of `bind` (`"host:port"` or a list of them; `127.0.0.1:8000` by default) or
    /// `insecure_bind` (none by default).
    fn binds(&self, m: &Module, name: &str, tls: bool, call: &ModelSpan) -> Vec<Listen> {
        let Some((value, at)) = self.attr(name) else {
            if name != "bind" {
                return Vec::new();
            }
            let note = "hypercorn's default bind is 127.0.0.1:8000".to_string();
            return vec![listen(
                "127.0.0.1",
                Some(8000),
                tls,
                call.clone(),
                Origin::Default,
                Some(note),
            )];
        };
        let span = m.span(at);
        value
            .iter()
            .filter(|t| t.kind == TokKind::Str)
            .map(|t| bind_listen(&t.text, tls, span.clone()))
            .chain(
                // A bind that is not a literal: every interface, the worst case.
                value.iter().all(|t| t.kind != TokKind::Str).then(|| {
                    let note = eval(value, m.consts, 0).note();
                    listen("0.0.0.0", None, tls, span.clone(), Origin::Explicit, note)
                }),
            )
            .collect()
    }

    /// hypercorn's own context: a TLS 1.2 minimum in every release (`minimum_version =
    /// TLSv1_2`, earlier `OP_NO_TLSv1 | OP_NO_TLSv1_1`, citing RFC 7540 §9.2) and `ciphers`.
    fn tls(&self, m: &Module) -> Tls {
        let made = m.span(self.made);
        let mut tls = super::no_tls(&made);
        tls.enabled = true;
        tls.protocols = Fact::default(
            gotls::protocol_range("TLSv1.2", "TLSv1.3"),
            made.clone(),
            "hypercorn's Config.create_ssl_context sets a TLS 1.2 minimum (RFC 7540 section 9.2)",
        );
        tls.ciphers = match self.attr("ciphers") {
            Some((v, at)) => match eval(v, m.consts, 0).text() {
                Some(spec) => Fact::explicit(CipherList::openssl(&spec), m.span(at)),
                None => Fact::derived(
                    CipherList::openssl("ALL:COMPLEMENTOFALL"),
                    m.span(at),
                    "ciphers is not a literal: every suite is assumed",
                ),
            },
            None => Fact::default(
                CipherList::openssl(DEFAULT_CIPHERS),
                made.clone(),
                "hypercorn's default ciphers ECDHE+AESGCM",
            ),
        };
        tls.tls13_suites = openssl_tls13(&made);
        tls
    }
}

/// One `host:port` (or `unix:path`) bind.
fn bind_listen(bind: &str, tls: bool, span: ModelSpan) -> Listen {
    if let Some(path) = bind.strip_prefix("unix:") {
        return listen(
            &format!("unix:{path}"),
            None,
            tls,
            span,
            Origin::Explicit,
            None,
        );
    }
    let (host, port) = match bind.rsplit_once(':') {
        Some((h, p)) => (h.trim_matches(['[', ']']), p.parse().ok()),
        // hypercorn/config.py `_create_sockets`: a bind without a port is port 8000.
        None => (bind, Some(8000)),
    };
    listen(host, port, tls, span, Origin::Explicit, None)
}
