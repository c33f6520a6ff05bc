//! Python servers that terminate TLS with an `ssl.SSLContext`, read from the token stream.
//!
//! Contexts: `ssl.create_default_context(…)`, `ssl.SSLContext(PROTOCOL_…)`, configured by
//! `minimum_version` / `maximum_version`, `options |= OP_NO_…`, `set_ciphers(…)` and
//! `load_cert_chain(…)`, each fact cited at its statement and Python's defaults (by version)
//! at the creating call otherwise. Servers: aiohttp `web.run_app(app, ssl_context=…)` and
//! `web.TCPSite(runner, host, port, ssl_context=…)`, and `http.server` with
//! `httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)` (or the module function
//! `ssl.wrap_socket(…, server_side=True)` of Python 3.11 and older), and asyncio's
//! `start_server` / `create_server` with `ssl=ctx`. A context a server names is
//! found by variable, or through the function that returns it (`ssl_context=make_context()`).

use super::runtime::{self, TurnedOff};
use super::{at, endpoint, listen};
use crate::ingest::shared::expr::{eval, joined};
use crate::ingest::shared::gotls;
use crate::ingest::shared::tokens::{self as st, Arg, Tok, TokKind};
use crate::model::version::ProductVersion;
use crate::model::{
    Certificate, CipherList, EndpointDraft, Fact, Listen, ModelSpan, Origin, SuiteFacts, Tls,
};
use crate::source::{FileId, SourceMap};
use std::collections::HashMap;

/// The calls that create a context.
const CREATORS: &[&str] = &["create_default_context", "SSLContext"];

/// One `ssl.SSLContext` a module creates, with the statements that configure it.
#[derive(Debug, Clone)]
pub struct Context {
    pub var: String,
    /// Where the creating call starts.
    pub start: usize,
    /// Made for the server side (`Purpose.CLIENT_AUTH`, `PROTOCOL_TLS_SERVER`).
    pub server_side: bool,
    /// `SSLContext(PROTOCOL_TLSv1_2)`: the one version such a context speaks.
    fixed: Option<&'static str>,
    minimum: Option<Version>,
    maximum: Option<Version>,
    off: Vec<(String, &'static str, usize)>,
    /// `set_ciphers(spec)`: the string (when literal) and where.
    ciphers: Option<(Option<String>, usize)>,
    /// `load_cert_chain(certfile, keyfile)`.
    cert: Option<(String, Option<String>, usize)>,
}

/// A `minimum_version` / `maximum_version` assignment.
#[derive(Debug, Clone)]
struct Version {
    /// In the model's spelling; `None` when the value is not a `TLSVersion` member.
    value: Option<&'static str>,
    text: String,
    at: usize,
}

/// The contexts a module creates, in source order, found by variable.
#[derive(Debug, Default)]
pub struct Contexts {
    pub list: Vec<Context>,
    /// Indices into `list` by variable, in source order.
    by_var: HashMap<String, Vec<usize>>,
}

impl Contexts {
    /// The index of the context `var` holds at `offset`: the last one created before it.
    fn index_before(&self, var: &str, offset: usize) -> Option<usize> {
        let ids = self.by_var.get(var)?;
        let n = ids.partition_point(|&i| self.list[i].start < offset);
        n.checked_sub(1).map(|p| ids[p])
    }

    /// The context `var` holds at `offset`.
    pub fn before(&self, var: &str, offset: usize) -> Option<&Context> {
        self.index_before(var, offset).map(|i| &self.list[i])
    }
}

/// Every context the module creates, with its configuring statements.
pub fn contexts(text: &str, toks: &[Tok], consts: &HashMap<String, &[Tok]>) -> Contexts {
    let list: Vec<Context> = (0..toks.len()).filter_map(|k| created(toks, k)).collect();
    let mut by_var: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in list.iter().enumerate() {
        by_var.entry(c.var.clone()).or_default().push(i);
    }
    let mut all = Contexts { list, by_var };
    for j in 0..toks.len().saturating_sub(3) {
        if toks[j].kind != TokKind::Ident || !toks[j + 1].punct(".") {
            continue;
        }
        if let Some(i) = all.index_before(&toks[j].text, toks[j].start) {
            configure(&mut all.list[i], text, toks, j, consts);
        }
    }
    all
}

/// The context created by the call whose name is token `k`: `var = ssl.SSLContext(…)`.
fn created(toks: &[Tok], k: usize) -> Option<Context> {
    let name = &toks[k];
    if !CREATORS.iter().any(|c| name.ident(c)) || !toks.get(k + 1)?.punct("(") {
        return None;
    }
    let first = if k >= 2 && toks[k - 1].punct(".") {
        k - 2
    } else {
        k
    };
    if first < 2 || !toks[first - 1].punct("=") || toks[first - 2].kind != TokKind::Ident {
        return None;
    }
    let args = st::args(toks, k + 1, "=");
    let first_arg = |kw: &str| {
        st::kwarg(&args, kw)
            .or_else(|| args.first().filter(|a| a.name.is_none()))
            .map(|a| joined(a.value))
            .unwrap_or_default()
    };
    let (server_side, fixed) = if name.ident("SSLContext") {
        let protocol = first_arg("protocol");
        (
            protocol.ends_with("PROTOCOL_TLS_SERVER"),
            fixed_protocol(&protocol),
        )
    } else {
        (first_arg("purpose").ends_with("CLIENT_AUTH"), None)
    };
    Some(Context {
        var: toks[first - 2].text.clone(),
        start: toks[first].start,
        server_side,
        fixed,
        minimum: None,
        maximum: None,
        off: Vec::new(),
        ciphers: None,
        cert: None,
    })
}

/// `SSLContext(PROTOCOL_TLSv1_2)` and its siblings speak one version only.
fn fixed_protocol(protocol: &str) -> Option<&'static str> {
    let name = protocol.rsplit('.').next().unwrap_or(protocol);
    match name {
        "PROTOCOL_TLSv1" => Some("TLSv1"),
        "PROTOCOL_TLSv1_1" => Some("TLSv1.1"),
        "PROTOCOL_TLSv1_2" => Some("TLSv1.2"),
        _ => None,
    }
}

/// Reads the statement `ctx.<attribute> …` at token `j` into `ctx`.
fn configure(
    ctx: &mut Context,
    text: &str,
    toks: &[Tok],
    j: usize,
    consts: &HashMap<String, &[Tok]>,
) {
    let (attr, op) = (&toks[j + 2], &toks[j + 3]);
    let at = toks[j].start;
    let value = || statement(text, toks, j + 4);
    if (attr.ident("minimum_version") || attr.ident("maximum_version")) && op.punct("=") {
        let v = value();
        let setting = Version {
            value: v
                .iter()
                .rev()
                .find(|t| t.kind == TokKind::Ident)
                .and_then(|t| tls_version(&t.text)),
            text: joined(v),
            at,
        };
        if attr.ident("minimum_version") {
            ctx.minimum = Some(setting);
        } else {
            ctx.maximum = Some(setting);
        }
    } else if attr.ident("options") && (op.punct("|=") || op.punct("=")) {
        for t in value() {
            if let Some(v) = runtime::flag_turns_off(&t.text) {
                // The latest statement that turns a version off is the one cited.
                ctx.off.retain(|(_, old, _)| *old != v);
                ctx.off.push((t.text.clone(), v, at));
            }
        }
    } else if attr.ident("set_ciphers") && op.punct("(") {
        let args = st::args(toks, j + 3, "=");
        let spec = args.first().and_then(|a| eval(a.value, consts, 0).text());
        ctx.ciphers = Some((spec, at));
    } else if attr.ident("load_cert_chain") && op.punct("(") {
        let args = st::args(toks, j + 3, "=");
        let arg = |kw: &str, pos: usize| {
            st::kwarg(&args, kw)
                .or_else(|| args.get(pos).filter(|a| a.name.is_none()))
                .map(|a| {
                    eval(a.value, consts, 0)
                        .text()
                        .unwrap_or_else(|| joined(a.value))
                })
        };
        if let Some(cert) = arg("certfile", 0) {
            ctx.cert = Some((cert, arg("keyfile", 1), at));
        }
    }
}

/// `ssl.TLSVersion` members in the model's spelling.
fn tls_version(member: &str) -> Option<&'static str> {
    match member {
        "SSLv3" => Some("SSLv3"),
        // The lowest version the OpenSSL build supports: TLS 1.0 in the builds Python ships.
        "TLSv1" | "MINIMUM_SUPPORTED" => Some("TLSv1"),
        "TLSv1_1" => Some("TLSv1.1"),
        "TLSv1_2" => Some("TLSv1.2"),
        "TLSv1_3" | "MAXIMUM_SUPPORTED" => Some("TLSv1.3"),
        _ => None,
    }
}

/// The tokens of a statement from token `from` to the end of its line, continued inside
/// brackets (`ctx.options |= (\n ssl.OP_NO_TLSv1 | … )`).
pub fn statement<'t>(text: &str, toks: &'t [Tok], from: usize) -> &'t [Tok] {
    let mut depth = 0i32;
    let mut end = from;
    while end < toks.len() {
        let newline = end > from
            && text
                .get(toks[end - 1].end..toks[end].start)
                .is_some_and(|s| s.contains('\n'));
        if newline && depth <= 0 {
            break;
        }
        let t = &toks[end];
        if t.punct("(") || t.punct("[") || t.punct("{") {
            depth += 1;
        } else if t.punct(")") || t.punct("]") || t.punct("}") {
            depth -= 1;
        }
        end += 1;
    }
    toks.get(from..end).unwrap_or(&[])
}

/// The Python source of one module, with its contexts.
pub struct Module<'a> {
    pub map: &'a SourceMap,
    pub file: FileId,
    pub text: &'a str,
    pub toks: &'a [Tok],
    pub consts: &'a HashMap<String, &'a [Tok]>,
    pub contexts: &'a Contexts,
    pub python: &'a ProductVersion,
}

impl Module<'_> {
    pub fn span(&self, offset: usize) -> ModelSpan {
        at(self.map, self.file, offset)
    }

    /// The aiohttp and `http.server` endpoints of the module.
    pub fn servers(&self) -> Vec<EndpointDraft> {
        let toks = self.toks;
        let names = self.aiohttp_names();
        let mut out = Vec::new();
        for k in 0..toks.len().saturating_sub(1) {
            if !toks[k + 1].punct("(") {
                continue;
            }
            if self.aiohttp_call(k, "run_app", &names) {
                out.push(self.aiohttp(k, 0));
            } else if self.aiohttp_call(k, "TCPSite", &names) {
                out.push(self.aiohttp(k, 1));
            } else if toks[k].ident("wrap_socket") {
                out.extend(self.http_server(k));
            } else if asyncio_call(toks, k) {
                out.extend(self.asyncio_server(k));
            }
        }
        out
    }

    /// Whether token `k` calls aiohttp's `name`: `web.name(` (or `aiohttp.web.name(`) in a
    /// module that imports aiohttp, or `name(` imported by `from aiohttp… import name`. A
    /// function of the module's own that is called the same is not aiohttp's.
    fn aiohttp_call(&self, k: usize, name: &str, names: &AiohttpNames) -> bool {
        let toks = self.toks;
        if !toks[k].ident(name) || !toks.get(k + 1).is_some_and(|t| t.punct("(")) {
            return false;
        }
        let prev = k.checked_sub(1).map(|p| &toks[p]);
        if prev.is_some_and(|p| p.ident("def")) {
            return false;
        }
        if prev.is_some_and(|p| p.punct(".")) {
            return names.module
                && k >= 2
                && (toks[k - 2].ident("web") || toks[k - 2].ident("aiohttp"));
        }
        names.bare.iter().any(|n| n == name)
    }

    /// What the module imports from aiohttp.
    fn aiohttp_names(&self) -> AiohttpNames {
        let toks = self.toks;
        let bare = (1..toks.len())
            .filter(|&j| {
                (toks[j].ident("run_app") || toks[j].ident("TCPSite"))
                    && (toks[j - 1].ident("import") || toks[j - 1].punct(","))
                    && toks[j.saturating_sub(12)..j]
                        .iter()
                        .any(|t| t.ident("aiohttp"))
                    && toks[j.saturating_sub(12)..j]
                        .iter()
                        .any(|t| t.ident("from"))
            })
            .map(|j| toks[j].text.clone())
            .collect();
        AiohttpNames {
            module: toks.iter().any(|t| t.ident("aiohttp")),
            bare,
        }
    }

    /// The variables of the contexts a server of this module uses.
    pub fn server_contexts(&self) -> Vec<String> {
        let toks = self.toks;
        let names = self.aiohttp_names();
        let mut vars = Vec::new();
        for k in 0..toks.len().saturating_sub(1) {
            if self.aiohttp_call(k, "run_app", &names) || self.aiohttp_call(k, "TCPSite", &names) {
                let args = st::args(toks, k + 1, "=");
                if let Some(c) = st::kwarg(&args, "ssl_context")
                    .and_then(|a| self.context_of(a.value, toks[k].start))
                {
                    vars.push(c.var.clone());
                }
            } else if toks[k].ident("wrap_socket") && k >= 2 && toks[k - 1].punct(".") {
                vars.push(toks[k - 2].text.clone());
            } else if asyncio_call(toks, k) {
                let args = st::args(toks, k + 1, "=");
                if let Some(c) =
                    st::kwarg(&args, "ssl").and_then(|a| self.context_of(a.value, toks[k].start))
                {
                    vars.push(c.var.clone());
                }
            }
        }
        vars
    }

    /// `asyncio.start_server(cb, host, port, ssl=ctx)` / `loop.create_server(factory, host,
    /// port, ssl=ctx)` at token `k`: a TLS server when `ssl` names a context (a plain TCP server
    /// is no HTTP endpoint). A host of `None` binds every interface (asyncio docs,
    /// `loop.create_server`: "If host is an empty string or None, all interfaces are assumed").
    fn asyncio_server(&self, k: usize) -> Option<EndpointDraft> {
        let toks = self.toks;
        let args = st::args(toks, k + 1, "=");
        let ssl = st::kwarg(&args, "ssl").filter(|a| !is_none(a.value))?;
        let call = self.span(toks[k].start);
        let tls = self.tls(ssl, toks[k].start, &call);
        let arg = |kw: &str, pos: usize| {
            st::kwarg(&args, kw).or_else(|| args.get(pos).filter(|a| a.name.is_none()))
        };
        let every = |span: ModelSpan, note: Option<String>| {
            ("0.0.0.0".to_string(), span, Origin::Explicit, note)
        };
        let (address, hspan, origin, note) = match arg("host", 1) {
            Some(h) if is_none(h.value) => every(
                self.arg_span(h, &call),
                Some("host None binds every interface".into()),
            ),
            Some(h) => {
                let v = eval(h.value, self.consts, 0);
                match v.text() {
                    Some(t) if t.is_empty() => every(
                        self.arg_span(h, &call),
                        Some("an empty host binds every interface".into()),
                    ),
                    Some(t) => (t, self.arg_span(h, &call), Origin::Explicit, None),
                    None => every(self.arg_span(h, &call), v.note()),
                }
            }
            None => (
                "0.0.0.0".to_string(),
                call.clone(),
                Origin::Default,
                Some("asyncio binds every interface when no host is given".to_string()),
            ),
        };
        let port = arg("port", 2)
            .and_then(|p| eval(p.value, self.consts, 0).text())
            .and_then(|p| p.parse().ok());
        let l = listen(&address, port, true, hspan, origin, note);
        let id = format!("app:{}:{}:{}", call.file, call.line, toks[k].text);
        Some(endpoint(id, call, vec![l], Some(tls)))
    }

    /// `web.run_app(app, host=…, port=…, ssl_context=…)` at token `k`, or
    /// `web.TCPSite(runner, host, port, ssl_context=…)` (`positional` is the index of `host`
    /// among positional arguments, 0 when keyword-only).
    fn aiohttp(&self, k: usize, positional: usize) -> EndpointDraft {
        let toks = self.toks;
        let args = st::args(toks, k + 1, "=");
        let arg = |kw: &str, pos: usize| {
            st::kwarg(&args, kw).or_else(|| {
                (positional > 0)
                    .then(|| args.get(pos).filter(|a| a.name.is_none()))
                    .flatten()
            })
        };
        let call = self.span(toks[k].start);
        let ssl = st::kwarg(&args, "ssl_context").filter(|a| !is_none(a.value));
        let tls = ssl.map(|a| self.tls(a, toks[k].start, &call));
        let id = format!("app:{}:{}:aiohttp", call.file, call.line);
        // `run_app(app, path=…)` without host or port serves a Unix socket only
        // (aiohttp/web.py `_run_app`: no hosts when a path is given and no port).
        let unix = st::kwarg(&args, "path")
            .filter(|_| arg("host", positional).is_none() && arg("port", positional + 1).is_none());
        if let Some(p) = unix {
            let path = eval(p.value, self.consts, 0)
                .text()
                .unwrap_or_else(|| joined(p.value));
            let l = listen(
                &format!("unix:{path}"),
                None,
                tls.is_some(),
                self.arg_span(p, &call),
                Origin::Explicit,
                None,
            );
            return endpoint(id, call, vec![l], tls);
        }
        // aiohttp's `_run_app` and `TCPSite`: host None binds "0.0.0.0"; port None is 8443 with
        // an ssl_context, else 8080 (aiohttp/web.py, aiohttp/web_runner.py).
        let (host, hspan, horigin, hnote) = match arg("host", positional)
            .filter(|a| !is_none(a.value))
        {
            Some(h) => {
                let v = eval(h.value, self.consts, 0);
                (
                    v.text().unwrap_or_else(|| "0.0.0.0".into()),
                    self.arg_span(h, &call),
                    Origin::Explicit,
                    v.note(),
                )
            }
            None => (
                "0.0.0.0".to_string(),
                call.clone(),
                Origin::Default,
                Some("aiohttp binds 0.0.0.0 (every interface) when no host is given".to_string()),
            ),
        };
        let port = arg("port", positional + 1)
            .and_then(|p| eval(p.value, self.consts, 0).text())
            .and_then(|p| p.parse().ok())
            .unwrap_or(if tls.is_some() { 8443 } else { 8080 });
        let l = listen(&host, Some(port), tls.is_some(), hspan, horigin, hnote);
        endpoint(id, call, vec![l], tls)
    }

    /// `httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)` at token `k` (the
    /// `wrap_socket` name), with `httpd = HTTPServer((host, port), Handler)` before it.
    fn http_server(&self, k: usize) -> Option<EndpointDraft> {
        let toks = self.toks;
        if k < 2 || !toks[k - 1].punct(".") {
            return None;
        }
        let args = st::args(toks, k + 1, "=");
        let server_side =
            st::kwarg(&args, "server_side").is_some_and(|a| joined(a.value) == "True");
        let sock = args.first().filter(|a| a.name.is_none())?.value;
        if !server_side || sock.len() != 3 || !sock[2].ident("socket") {
            return None;
        }
        let server = &sock[0].text;
        let ctor = self.server_ctor(server, toks[k].start)?;
        let call = self.span(toks[ctor].start);
        let recv = &toks[k - 2..k - 1];
        let tls = if recv[0].ident("ssl") {
            self.context_tls(&self.legacy_wrap(k, &args))
        } else {
            let ctx = Arg {
                name: None,
                value: recv,
            };
            self.tls(&ctx, toks[k].start, &self.span(toks[k].start))
        };
        let l = self.server_address(ctor, &call);
        let id = format!("app:{}:{}:http.server", call.file, call.line);
        Some(endpoint(id, call, vec![l], Some(tls)))
    }

    /// The context the module function `ssl.wrap_socket(sock, certfile=…, keyfile=…,
    /// ssl_version=…, ciphers=…, server_side=True)` (at token `k`; removed in Python 3.12) makes:
    /// `SSLContext(ssl_version)` with the given files and ciphers (Lib/ssl.py 3.11, `wrap_socket`).
    fn legacy_wrap(&self, k: usize, args: &[Arg]) -> Context {
        let start = self.toks[k].start;
        let kw = |n: &str| st::kwarg(args, n);
        let text = |a: &Arg| eval(a.value, self.consts, 0).text();
        let at = |a: &Arg| a.start().unwrap_or(start);
        Context {
            var: String::new(),
            start,
            server_side: true,
            fixed: kw("ssl_version").and_then(|v| fixed_protocol(&joined(v.value))),
            minimum: None,
            maximum: None,
            off: Vec::new(),
            ciphers: kw("ciphers").map(|c| (text(c), at(c))),
            cert: kw("certfile").map(|c| {
                let path = text(c).unwrap_or_else(|| joined(c.value));
                (path, kw("keyfile").and_then(text), at(c))
            }),
        }
    }

    /// The token of the `…HTTPServer(` / `…TCPServer(` call assigned to `server` before `before`.
    fn server_ctor(&self, server: &str, before: usize) -> Option<usize> {
        let toks = self.toks;
        (0..toks.len().saturating_sub(2))
            .rev()
            .filter(|&j| toks[j].ident(server) && toks[j + 1].punct("=") && toks[j].start < before)
            .find_map(|j| {
                let stmt_end = j + 2 + statement(self.text, toks, j + 2).len();
                (j + 2..stmt_end).find(|&c| {
                    toks[c].kind == TokKind::Ident
                        && (toks[c].text.ends_with("HTTPServer")
                            || toks[c].text.ends_with("TCPServer"))
                        && toks.get(c + 1).is_some_and(|t| t.punct("("))
                })
            })
    }

    /// The listen of `HTTPServer((host, port), Handler)`: the address tuple, written there or in
    /// a module constant. An empty host binds every interface.
    fn server_address(&self, ctor: usize, call: &ModelSpan) -> Listen {
        let toks = self.toks;
        let args = st::args(toks, ctor + 1, "=");
        let first = args.first().map(|a| a.value).unwrap_or(&[]);
        let tuple: &[Tok] = match first {
            [t] if t.kind == TokKind::Ident => self.consts.get(&t.text).copied().unwrap_or(&[]),
            v => v,
        };
        let parts = if tuple.first().is_some_and(|t| t.punct("(")) {
            st::args(tuple, 0, "=")
        } else {
            Vec::new()
        };
        let host = parts.first().map(|h| eval(h.value, self.consts, 0));
        let port = parts
            .get(1)
            .and_then(|p| eval(p.value, self.consts, 0).text())
            .and_then(|p| p.parse().ok());
        let span = parts
            .first()
            .and_then(Arg::start)
            .map(|s| self.span(s))
            .unwrap_or_else(|| call.clone());
        match host {
            Some(h) => {
                let text = h.text();
                let (address, note) = match text.as_deref() {
                    Some("") => (
                        "0.0.0.0".to_string(),
                        Some("an empty host binds every interface".to_string()),
                    ),
                    Some(t) => (t.to_string(), None),
                    None => ("0.0.0.0".to_string(), h.note()),
                };
                listen(&address, port, true, span, Origin::Explicit, note)
            }
            None => listen(
                "0.0.0.0",
                port,
                true,
                span,
                Origin::Derived,
                Some(
                    "the server address is not a literal tuple: every interface is assumed".into(),
                ),
            ),
        }
    }

    fn arg_span(&self, a: &Arg, fallback: &ModelSpan) -> ModelSpan {
        a.start()
            .map(|s| self.span(s))
            .unwrap_or_else(|| fallback.clone())
    }

    /// The context an argument names: a variable, or a call to a function of this module that
    /// returns one.
    fn context_of(&self, value: &[Tok], used_at: usize) -> Option<&Context> {
        let by_var = |var: &str, before: usize| self.contexts.before(var, before);
        match value {
            [v] if v.kind == TokKind::Ident => by_var(&v.text, used_at),
            [.., f, open, close]
                if f.kind == TokKind::Ident && open.punct("(") && close.punct(")") =>
            {
                let ret = self.returned_by(&f.text)?;
                by_var(&ret.text, ret.start)
            }
            _ => None,
        }
    }

    /// The variable `def name(…)` returns (its first `return <name>`).
    fn returned_by(&self, name: &str) -> Option<&Tok> {
        let toks = self.toks;
        let def = (0..toks.len().saturating_sub(1))
            .find(|&k| toks[k].ident("def") && toks[k + 1].ident(name))?;
        (def..toks.len().saturating_sub(1))
            .find(|&k| toks[k].ident("return") && toks[k + 1].kind == TokKind::Ident)
            .map(|k| &toks[k + 1])
    }

    /// The TLS of the context `arg` names, used by the server call at `used_at`.
    fn tls(&self, arg: &Arg, used_at: usize, call: &ModelSpan) -> Tls {
        match self.context_of(arg.value, used_at) {
            Some(ctx) => self.context_tls(ctx),
            None => self.unknown_context_tls(&joined(arg.value), call),
        }
    }

    /// The TLS facts of a context: each statement where one is written, Python's defaults (by
    /// version) at the creating call otherwise.
    pub fn context_tls(&self, ctx: &Context) -> Tls {
        let made = self.span(ctx.start);
        let mut tls = super::no_tls(&made);
        tls.enabled = true;
        tls.protocols = self.protocols(ctx, &made);
        tls.ciphers = match &ctx.ciphers {
            Some((Some(spec), at)) => Fact::explicit(CipherList::openssl(spec), self.span(*at)),
            Some((None, at)) => Fact::derived(
                CipherList::openssl("ALL:COMPLEMENTOFALL"),
                self.span(*at),
                "set_ciphers() is given a value that is not a literal: every suite is assumed",
            ),
            None => runtime::default_openssl_ciphers(
                self.python,
                &runtime::PYTHON_CIPHERS,
                made.clone(),
            ),
        };
        tls.tls13_suites = openssl_tls13(&made);
        if let Some((path, key, at)) = &ctx.cert {
            tls.certificates.push(Certificate {
                note: None,
                relative_to: None,
                path: path.clone(),
                key: key.clone(),
                span: self.span(*at),
                managed: None,
            });
        }
        tls
    }

    /// `minimum_version`/`maximum_version` (or the one version of `PROTOCOL_TLSv1_x`), else
    /// Python's default, less the versions `options` turns off.
    fn protocols(&self, ctx: &Context, made: &ModelSpan) -> Fact<Vec<String>> {
        let max = ctx.maximum.as_ref().and_then(|m| m.value);
        let range = match (&ctx.fixed, &ctx.minimum) {
            (Some(v), _) => Fact::explicit(vec![v.to_string()], made.clone()),
            (
                None,
                Some(Version {
                    value: Some(min),
                    at,
                    ..
                }),
            ) => Fact::explicit(
                gotls::protocol_range(min, max.unwrap_or("TLSv1.3")),
                self.span(*at),
            ),
            (
                None,
                Some(Version {
                    value: None,
                    text,
                    at,
                }),
            ) => Fact::derived(
                gotls::protocol_range("TLSv1", max.unwrap_or("TLSv1.3")),
                self.span(*at),
                format!("minimum_version = {text} is not a TLSVersion member: TLS 1.0 is assumed"),
            ),
            (None, None) => runtime::default_protocols(
                self.python,
                &runtime::PYTHON_PROTOCOLS,
                max,
                made.clone(),
            ),
        };
        let off: Vec<TurnedOff> = ctx
            .off
            .iter()
            .map(|(flag, version, at)| TurnedOff {
                version,
                flag: flag.clone(),
                span: self.span(*at),
            })
            .collect();
        runtime::without_turned_off(range, &off)
    }

    /// A context built where this module cannot see (imported, or an expression): the worst case.
    fn unknown_context_tls(&self, written: &str, call: &ModelSpan) -> Tls {
        let mut tls = super::no_tls(call);
        tls.enabled = true;
        let why = format!(
            "the SSL context `{written}` is not created in this file, so its settings are not known: Python's defaults of an unknown version (the worst case) are judged"
        );
        tls.protocols = Fact::derived(
            gotls::protocol_range("TLSv1", "TLSv1.3"),
            call.clone(),
            why.clone(),
        );
        tls.ciphers = Fact::derived(
            CipherList::openssl(runtime::PYTHON_CIPHERS.unknown.value),
            call.clone(),
            why,
        );
        tls.tls13_suites = openssl_tls13(call);
        tls
    }
}

/// What a module imports from aiohttp: the package at all, and the server names imported bare
/// (`from aiohttp.web import run_app, TCPSite`).
struct AiohttpNames {
    module: bool,
    bare: Vec<String>,
}

/// Whether token `k` calls asyncio's `start_server` or a loop's `create_server`.
fn asyncio_call(toks: &[Tok], k: usize) -> bool {
    (toks[k].ident("start_server") || toks[k].ident("create_server"))
        && k >= 1
        && toks[k - 1].punct(".")
        && toks.get(k + 1).is_some_and(|t| t.punct("("))
}

/// `None` as a Python argument.
fn is_none(value: &[Tok]) -> bool {
    matches!(value, [t] if t.ident("None"))
}

/// OpenSSL's TLS 1.3 suites: `set_ciphers` does not change them (Python's ssl docs,
/// `SSLContext.set_ciphers`: "TLS 1.3 cipher suites cannot be disabled with set_ciphers()").
pub fn openssl_tls13(span: &ModelSpan) -> Fact<Vec<SuiteFacts>> {
    let suites = crate::ciphers::tls13_default()
        .into_iter()
        .map(SuiteFacts::from)
        .collect();
    Fact::default(suites, span.clone(), "OpenSSL's default TLS 1.3 suites")
}
