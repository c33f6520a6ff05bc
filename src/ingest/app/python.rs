//! Python MCP servers and TLS red flags, read from the token stream.
//!
//! Servers: the official SDK's `FastMCP(...)` / `MCPServer(...)` with `.run(transport=…)`, the
//! standalone `fastmcp` package (`run(transport="http", host=…, port=…)`, `fastmcp.json`), and
//! `uvicorn.run(app, host=…, ssl_certfile=…, ssl_ciphers=…)`. Red flags: `verify=False`,
//! `ssl=False`, `ssl._create_unverified_context`, `CERT_NONE`, `check_hostname = False`,
//! `os.environ["NODE_TLS_REJECT_UNAUTHORIZED"] = "0"` and the other judged variables.

use super::versions::{dotted, Versions};
use super::{at, endpoint, listen};
use super::{hypercorn, pyssl, runtime};
use crate::ingest::shared::env::{self, Settings};
use crate::ingest::shared::expr::{constants, eval, joined};
use crate::ingest::shared::redflag::verify_flag;
use crate::ingest::shared::tokens::{self as st, Arg, Lang, Tok, TokKind};
use crate::ingest::Ingested;
use crate::model::version::ProductVersion;
use crate::model::{CipherList, EndpointDraft, Fact, Listen, ModelSpan, Origin, Tls};
use crate::source::{FileId, SourceMap};
use std::collections::{BTreeSet, HashMap};

/// Which FastMCP a file uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flavor {
    /// `mcp.server.fastmcp` (the official SDK).
    Official,
    /// The standalone `fastmcp` package (PrefectHQ).
    Standalone,
}

fn flavor(toks: &[Tok]) -> Flavor {
    for w in toks.windows(2) {
        if (w[0].ident("from") || w[0].ident("import")) && w[1].ident("fastmcp") {
            return Flavor::Standalone;
        }
    }
    Flavor::Official
}

/// Scans one Python file.
pub fn scan(
    map: &SourceMap,
    file: FileId,
    vers: &Versions,
    settings: &Settings,
    endpoints: &mut Vec<EndpointDraft>,
    out: &mut Ingested,
) {
    let Some(sf) = map.get(file) else { return };
    let text = sf.text.clone();
    let toks = st::tokenize(&text, Lang::Python);
    let consts = constants(&text, &toks);
    let contexts = pyssl::contexts(&text, &toks, &consts);
    let python = vers.python();
    let module = pyssl::Module {
        map,
        file,
        text: &text,
        toks: &toks,
        consts: &consts,
        contexts: &contexts,
        python: &python,
    };
    red_flags(map, file, &toks, &server_contexts(&module), out);
    endpoints.extend(module.servers());
    endpoints.extend(hypercorn::servers(&module));
    let fl = flavor(&toks);

    let mut uvicorn_seen = false;
    for k in 0..toks.len() {
        // uvicorn.run(app, …) / uvicorn.Config(app, …)
        if toks[k].ident("uvicorn")
            && toks.get(k + 1).is_some_and(|t| t.punct("."))
            && toks
                .get(k + 2)
                .is_some_and(|t| t.ident("run") || t.ident("Config"))
            && toks.get(k + 3).is_some_and(|t| t.punct("("))
        {
            uvicorn_seen = true;
            let a = st::args(&toks, k + 3, "=");
            endpoints.push(uvicorn(map, file, &toks[k], &a, &consts, &python));
        }
    }
    for k in 0..toks.len() {
        let t = &toks[k];
        let ctor = (t.ident("FastMCP") || t.ident("MCPServer"))
            && toks.get(k + 1).is_some_and(|n| n.punct("("));
        if !ctor {
            continue;
        }
        let var = (k >= 2 && toks[k - 1].punct("=") && toks[k - 2].kind == TokKind::Ident)
            .then(|| toks[k - 2].text.clone());
        let cargs = st::args(&toks, k + 1, "=");
        let name = cargs
            .iter()
            .find(|a| a.name.is_none())
            .and_then(|a| eval(a.value, &consts, 0).text())
            .or_else(|| st::kwarg(&cargs, "name").and_then(|a| eval(a.value, &consts, 0).text()))
            .unwrap_or_else(|| var.clone().unwrap_or_else(|| "fastmcp".into()));
        let Some(var) = var else { continue };
        // Every `<var>.run(…)` call.
        let mut ran = false;
        for j in 0..toks.len().saturating_sub(3) {
            if toks[j].ident(&var)
                && toks[j + 1].punct(".")
                && (toks[j + 2].ident("run") || toks[j + 2].ident("run_async"))
                && toks[j + 3].punct("(")
            {
                ran = true;
                let rargs = st::args(&toks, j + 3, "=");
                endpoints.push(fastmcp_run(
                    map, file, fl, &name, &toks[j], &cargs, &rargs, &consts, vers, settings,
                ));
            }
        }
        if !ran && !uvicorn_seen {
            out.findings.push(crate::diag::Finding::new(
                crate::diag::FindingKind::Notice,
                format!("the FastMCP server {name:?} is created but never run in this file (`{var}.run()` not found): its transport is decided elsewhere, not judged"),
                Some(crate::source::Span::new(file, t.start, t.start)),
            ));
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn fastmcp_run(
    map: &SourceMap,
    file: FileId,
    fl: Flavor,
    name: &str,
    run_tok: &Tok,
    cargs: &[Arg],
    rargs: &[Arg],
    consts: &HashMap<String, &[Tok]>,
    vers: &Versions,
    settings: &Settings,
) -> EndpointDraft {
    let run_span = at(map, file, run_tok.start);
    let id = format!("app:{}:{}:{}", run_span.file, run_span.line, name);
    let transport_arg =
        st::kwarg(rargs, "transport").or_else(|| rargs.iter().find(|a| a.name.is_none()));
    let transport = transport_arg.map(|a| eval(a.value, consts, 0));
    let (stdio, tnote, tspan, torigin) = match &transport {
        None => (
            true,
            format!(
                "{}.run() without transport=: {}'s default transport is stdio",
                run_tok.text,
                if fl == Flavor::Standalone {
                    "fastmcp"
                } else {
                    "the MCP Python SDK's FastMCP"
                }
            ),
            run_span.clone(),
            Origin::Default,
        ),
        Some(v) => {
            let span = transport_arg
                .and_then(Arg::start)
                .map(|s| at(map, file, s))
                .unwrap_or_else(|| run_span.clone());
            match v.text().as_deref() {
                Some("stdio") => (true, "transport=\"stdio\"".to_string(), span, Origin::Explicit),
                Some(t) => (false, format!("transport={t:?}"), span, Origin::Explicit),
                None => (
                    false,
                    format!(
                        "the transport is not a literal ({}): a network transport is assumed (worst case)",
                        v.note().unwrap_or_default()
                    ),
                    span,
                    Origin::Derived,
                ),
            }
        }
    };
    if stdio {
        let l = listen("stdio", None, false, tspan.clone(), torigin, Some(tnote));
        return endpoint(id, tspan, vec![l], None);
    }
    // Host: run(host=) (standalone fastmcp), FastMCP(host=), FASTMCP_HOST, the default.
    let explicit = st::kwarg(rargs, "host").or_else(|| st::kwarg(cargs, "host"));
    let (host, hspan, horigin, hnote) = match explicit {
        Some(a) => {
            let v = eval(a.value, consts, 0);
            let span = a
                .start()
                .map(|s| at(map, file, s))
                .unwrap_or_else(|| run_span.clone());
            (
                v.text().unwrap_or_else(|| "0.0.0.0".into()),
                span,
                Origin::Explicit,
                v.note(),
            )
        }
        None => default_host(map, fl, vers, settings, &run_span),
    };
    let port = st::kwarg(rargs, "port")
        .or_else(|| st::kwarg(cargs, "port"))
        .and_then(|a| eval(a.value, consts, 0).text())
        .or_else(|| env_setting(settings, fl, "PORT").map(|v| v.1.clone()))
        .and_then(|p| p.parse().ok())
        .unwrap_or(8000);
    let mut note = vec![tnote];
    note.extend(hnote);
    let l = listen(
        &host,
        Some(port),
        false,
        hspan,
        horigin,
        Some(note.join("; ")),
    );
    endpoint(id, run_span, vec![l], None)
}

fn env_setting<'s>(
    settings: &'s Settings,
    fl: Flavor,
    what: &str,
) -> Option<&'s (String, String, FileId, usize)> {
    let names: Vec<String> = match fl {
        Flavor::Official => vec![format!("FASTMCP_{what}")],
        Flavor::Standalone => vec![format!("FASTMCP_{what}"), format!("FASTMCP_SERVER_{what}")],
    };
    names.iter().find_map(|n| settings.get(n))
}

/// FastMCP's default host, by flavor and version, or `FASTMCP_HOST` where the version honors it.
fn default_host(
    map: &SourceMap,
    fl: Flavor,
    vers: &Versions,
    settings: &Settings,
    run_span: &ModelSpan,
) -> (String, ModelSpan, Origin, Option<String>) {
    let lowest = vers.mcp_lowest();
    if let Some((name, value, file, off)) = env_setting(settings, fl, "HOST") {
        let honored = fl == Flavor::Standalone
            || lowest
                .as_ref()
                .is_some_and(|(v, _)| v.as_slice() < [1, 12, 3].as_slice());
        if honored {
            return (
                value.clone(),
                at(map, *file, *off),
                Origin::Explicit,
                Some(format!("{name} sets the host")),
            );
        }
    }
    if fl == Flavor::Standalone {
        return (
            "127.0.0.1".into(),
            run_span.clone(),
            Origin::Default,
            Some("fastmcp's default host is 127.0.0.1".into()),
        );
    }
    match lowest {
        Some((v, at_)) if v.as_slice() >= [1, 9, 1].as_slice() => (
            "127.0.0.1".into(),
            run_span.clone(),
            Origin::Default,
            Some(format!("FastMCP's default host is 127.0.0.1 from mcp 1.9.1 (mcp {} at {at_})", dotted(&v))),
        ),
        Some((v, at_)) => (
            "0.0.0.0".into(),
            run_span.clone(),
            Origin::Default,
            Some(format!("FastMCP's default host is 0.0.0.0 up to mcp 1.9.0 (mcp {} at {at_}): every interface", dotted(&v))),
        ),
        None => (
            "0.0.0.0".into(),
            run_span.clone(),
            Origin::Default,
            Some("FastMCP's default host is 0.0.0.0 up to mcp 1.9.0 and 127.0.0.1 from 1.9.1; no mcp version is pinned in pyproject.toml, requirements*.txt or a lock file, so the worst case (every interface) is judged: pin mcp>=1.9.1 or pass host=\"127.0.0.1\"".into()),
        ),
    }
}

/// `uvicorn.run(app, host=…, port=…, uds=…, ssl_keyfile=…, ssl_certfile=…, ssl_ciphers=…,
/// ssl_version=…)`.
fn uvicorn(
    map: &SourceMap,
    file: FileId,
    tok: &Tok,
    a: &[Arg],
    consts: &HashMap<String, &[Tok]>,
    python: &ProductVersion,
) -> EndpointDraft {
    let call = UvicornCall {
        map,
        file,
        a,
        consts,
        python,
        span: at(map, file, tok.start),
    };
    let tls_on = call.kw("ssl_certfile").is_some();
    let l = call.listener(tls_on);
    let tls = tls_on.then(|| call.tls());
    let span = call.span.clone();
    let id = format!("app:{}:{}:uvicorn", span.file, span.line);
    endpoint(id, span, vec![l], tls)
}

/// A `uvicorn.run(app, …)` call: its keyword arguments, evaluated against the module's constants.
struct UvicornCall<'a> {
    map: &'a SourceMap,
    file: FileId,
    a: &'a [Arg<'a>],
    consts: &'a HashMap<String, &'a [Tok]>,
    python: &'a ProductVersion,
    span: ModelSpan,
}

impl UvicornCall<'_> {
    fn kw(&self, n: &str) -> Option<&Arg<'_>> {
        st::kwarg(self.a, n)
    }

    fn kspan(&self, x: &Arg) -> ModelSpan {
        x.start()
            .map(|s| at(self.map, self.file, s))
            .unwrap_or_else(|| self.span.clone())
    }

    fn text(&self, x: &Arg) -> Option<String> {
        eval(x.value, self.consts, 0).text()
    }

    /// `uds=`, else `host=` (default 127.0.0.1) and `port=` (default 8000).
    fn listener(&self, tls_on: bool) -> Listen {
        if let Some(u) = self.kw("uds") {
            let p = self.text(u).unwrap_or_else(|| "socket".into());
            let span = self.kspan(u);
            return listen(
                &format!("unix:{p}"),
                None,
                tls_on,
                span,
                Origin::Explicit,
                None,
            );
        }
        let (host, hs, ho, hn) = match self.kw("host") {
            Some(h) => {
                let v = eval(h.value, self.consts, 0);
                (
                    v.text().unwrap_or_else(|| "0.0.0.0".into()),
                    self.kspan(h),
                    Origin::Explicit,
                    v.note(),
                )
            }
            None => (
                "127.0.0.1".into(),
                self.span.clone(),
                Origin::Default,
                Some("uvicorn's default host is 127.0.0.1".into()),
            ),
        };
        let port = self
            .kw("port")
            .and_then(|p| self.text(p))
            .and_then(|p| p.parse().ok())
            .unwrap_or(8000);
        listen(&host, Some(port), tls_on, hs, ho, hn)
    }

    /// The TLS of the `ssl_*` arguments, uvicorn's defaults where absent.
    fn tls(&self) -> Tls {
        let span = &self.span;
        let mut tls = super::no_tls(span);
        tls.enabled = true;
        tls.ciphers = match self.kw("ssl_ciphers") {
            Some(c) => {
                let spec = self.text(c).unwrap_or_default();
                Fact::explicit(CipherList::openssl(&spec), self.kspan(c))
            }
            None => Fact::default(
                CipherList::openssl("TLSv1"),
                span.clone(),
                "uvicorn's default ssl_ciphers=\"TLSv1\" (an OpenSSL cipher string that includes CBC and static-RSA suites)",
            ),
        };
        tls.tls13_suites = pyssl::openssl_tls13(span);
        tls.protocols = self.protocols();
        if let Some(c) = self.kw("ssl_certfile") {
            tls.certificates.push(crate::model::Certificate {
                relative_to: None,
                path: self.text(c).unwrap_or_else(|| joined(c.value)),
                key: self.kw("ssl_keyfile").and_then(|k| self.text(k)),
                span: self.kspan(c),
                managed: None,
                note: None,
            });
        }
        tls
    }

    /// `ssl_version=`, else the default of Python's ssl module (worst case: the Python version
    /// is unknown).
    fn protocols(&self) -> Fact<Vec<String>> {
        let Some(v) = self.kw("ssl_version") else {
            return uvicorn_default_protocols(self.python, &self.span, "ssl_version");
        };
        let t = joined(v.value);
        let p: Vec<String> = if t.contains("TLSv1_2") {
            vec!["TLSv1.2".into()]
        } else if t.contains("TLSv1_1") {
            vec!["TLSv1.1".into()]
        } else if t.contains("TLSv1") {
            vec!["TLSv1".into()]
        } else {
            worst_protocols()
        };
        Fact::explicit(p, self.kspan(v))
    }
}

/// uvicorn's default `ssl_version`, `PROTOCOL_TLS_SERVER`, leaves the protocols to Python's ssl
/// module (uvicorn/config.py `SSL_PROTOCOL_VERSION`).
fn uvicorn_default_protocols(
    python: &ProductVersion,
    span: &ModelSpan,
    setting: &str,
) -> Fact<Vec<String>> {
    let f = runtime::default_protocols(python, &runtime::PYTHON_PROTOCOLS, None, span.clone());
    let note = format!(
        "uvicorn's default {setting} (PROTOCOL_TLS_SERVER) leaves them to {}",
        f.note.clone().unwrap_or_default()
    );
    f.with_note(note)
}

fn worst_protocols() -> Vec<String> {
    ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// The variables of the module's server-side contexts: made for the server side or handed to a
/// server.
fn server_contexts(module: &pyssl::Module) -> BTreeSet<String> {
    let mut vars: BTreeSet<String> = module
        .contexts
        .list
        .iter()
        .filter(|c| c.server_side)
        .map(|c| c.var.clone())
        .collect();
    vars.extend(module.server_contexts());
    vars
}

/// The variable whose attribute `attr` token `k` (or the assignment it ends) sets:
/// `ctx.verify_mode = ssl.CERT_NONE` gives `ctx` for `CERT_NONE` and `verify_mode` alike.
fn receiver<'t>(toks: &'t [Tok], k: usize, attr: &str) -> Option<&'t str> {
    let a = (k.saturating_sub(6)..=k)
        .rev()
        .find(|&j| toks[j].ident(attr))?;
    (a >= 2 && toks[a - 1].punct(".")).then(|| toks[a - 2].text.as_str())
}

/// Python statements that disable certificate validation. On a server-side context,
/// `verify_mode = CERT_NONE` and `check_hostname = False` are not: a server in `CERT_NONE` mode
/// requests no client certificate, and host names are checked only by clients (Python's ssl
/// docs, `ssl.CERT_NONE`: "In server mode, no certificate will be requested from the client";
/// `SSLContext.check_hostname` matches the `server_hostname` a client passes).
fn red_flags(
    map: &SourceMap,
    file: FileId,
    toks: &[Tok],
    server_side: &BTreeSet<String>,
    out: &mut Ingested,
) {
    let on_server =
        |k: usize, attr: &str| receiver(toks, k, attr).is_some_and(|v| server_side.contains(v));
    let mut seen_lines = std::collections::BTreeSet::new();
    let mut flag = |out: &mut Ingested, start: usize, text: String| {
        let span = at(map, file, start);
        if seen_lines.insert((span.line, text.clone())) {
            out.red_flags
                .push(verify_flag(map, file, start, text, "app", None));
        }
    };
    for k in 0..toks.len() {
        let t = &toks[k];
        let next = |d: usize| toks.get(k + d);
        let prev = k.checked_sub(1).and_then(|p| toks.get(p));
        let is_false = |d: usize| next(d).is_some_and(|n| n.ident("False"));
        if (t.ident("verify") || t.ident("ssl"))
            && next(1).is_some_and(|n| n.punct("="))
            && is_false(2)
        {
            let kwarg = prev.is_some_and(|p| p.punct("(") || p.punct(","));
            let attr = prev.is_some_and(|p| p.punct("."));
            if kwarg || attr {
                flag(
                    out,
                    t.start,
                    format!(
                        "{}{}=False (certificate validation of this connection is off)",
                        if attr { "." } else { "" },
                        t.text
                    ),
                );
            }
        }
        if t.ident("_create_unverified_context") {
            flag(
                out,
                t.start,
                "ssl._create_unverified_context() (a context that validates no certificate)".into(),
            );
        }
        if t.ident("CERT_NONE") {
            // uvicorn's ssl_cert_reqs=CERT_NONE is about client certificates (mTLS), not validation.
            let server_side = toks[k.saturating_sub(4)..k]
                .iter()
                .any(|p| p.ident("ssl_cert_reqs") || p.ident("cert_reqs"))
                || on_server(k, "verify_mode");
            if !server_side {
                flag(
                    out,
                    t.start,
                    "ssl.CERT_NONE (the peer's certificate is not validated)".into(),
                );
            }
        }
        if t.ident("check_hostname")
            && next(1).is_some_and(|n| n.punct("="))
            && is_false(2)
            && !on_server(k, "check_hostname")
        {
            flag(
                out,
                t.start,
                "check_hostname = False (the certificate's host name is not checked)".into(),
            );
        }
        // os.environ["NAME"] = "value" / os.environ.setdefault("NAME", "value") / os.putenv
        if t.kind == TokKind::Str && env::WORDS.iter().any(|w| t.text == *w) {
            let assigned = next(1).is_some_and(|n| n.punct("]"))
                && next(2).is_some_and(|n| n.punct("="))
                && next(3).is_some_and(|n| matches!(n.kind, TokKind::Str | TokKind::Num));
            let called = prev.is_some_and(|p| p.punct("("))
                && next(1).is_some_and(|n| n.punct(","))
                && next(2).is_some_and(|n| matches!(n.kind, TokKind::Str | TokKind::Num));
            let value = if assigned {
                next(3)
            } else if called {
                next(2)
            } else {
                None
            };
            if let Some(v) = value {
                if let Some(env::Judgement::Disabled(text)) = env::judge(&t.text, &v.text) {
                    flag(out, t.start, text);
                }
            }
        }
    }
}

/// `fastmcp.json`: `deployment.{transport, host, port}`.
pub fn fastmcp_json(
    map: &SourceMap,
    file: FileId,
    text: &str,
    endpoints: &mut Vec<EndpointDraft>,
    out: &mut Ingested,
) {
    let root = match crate::ingest::shared::tokens::json::parse(text) {
        Ok(r) => r,
        Err(e) => {
            crate::ingest::shared::findings::parse_error(map, file, &e, "not valid JSON", out);
            return;
        }
    };
    let Some(dep) = root.get("deployment") else {
        return;
    };
    let name = root
        .path_ci(&["source", "entrypoint"])
        .and_then(|n| n.scalar())
        .unwrap_or_else(|| "fastmcp".into());
    let tnode = dep.get("transport");
    let transport = tnode
        .and_then(|n| n.scalar())
        .unwrap_or_else(|| "stdio".into());
    let dspan = at(map, file, dep.start);
    let id = format!("app:{}:{}:{}", dspan.file, dspan.line, name);
    if transport == "stdio" {
        let (span, origin, note) = match tnode {
            Some(n) => (
                at(map, file, n.start),
                Origin::Explicit,
                "deployment.transport \"stdio\"".to_string(),
            ),
            None => (
                dspan.clone(),
                Origin::Default,
                "fastmcp.json deployment without transport: fastmcp's default transport is stdio"
                    .to_string(),
            ),
        };
        endpoints.push(endpoint(
            id,
            span.clone(),
            vec![listen("stdio", None, false, span, origin, Some(note))],
            None,
        ));
        return;
    }
    let (host, hspan, horigin, hnote) = match dep.get("host") {
        Some(h) => (
            h.scalar().unwrap_or_default(),
            at(map, file, h.start),
            Origin::Explicit,
            None,
        ),
        None => (
            "127.0.0.1".to_string(),
            dspan.clone(),
            Origin::Default,
            Some("fastmcp's default host is 127.0.0.1".to_string()),
        ),
    };
    let port = dep
        .get("port")
        .and_then(|p| p.scalar())
        .and_then(|p| p.parse().ok())
        .unwrap_or(8000);
    endpoints.push(endpoint(
        id,
        dspan,
        vec![listen(&host, Some(port), false, hspan, horigin, hnote)],
        None,
    ));
}

/// `uvicorn module:app --host … --port … --ssl-certfile …` in a Dockerfile's `CMD` or
/// `ENTRYPOINT` (exec or shell form): one endpoint, each value cited at its flag.
pub fn dockerfile_commands(
    map: &SourceMap,
    file: FileId,
    python: &ProductVersion,
    endpoints: &mut Vec<EndpointDraft>,
) {
    let Some(sf) = map.get(file) else { return };
    let mut offset = 0;
    for line in sf.text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let t = line.trim_start();
        let Some(words) = command_words(t) else {
            continue;
        };
        let Some(u) = words
            .iter()
            .position(|w| w == "uvicorn" || w.ends_with("/uvicorn"))
        else {
            continue;
        };
        let cmd = UvicornCommand {
            map,
            file,
            python,
            flags: flags_after(&words, u, line, start),
            line_span: at(map, file, start + (line.len() - t.len())),
        };
        endpoints.push(cmd.endpoint());
    }
}

/// The words of a `CMD` or `ENTRYPOINT` line (exec form `[…]` or shell form).
fn command_words(t: &str) -> Option<Vec<String>> {
    let rest = t
        .strip_prefix("CMD")
        .or_else(|| t.strip_prefix("ENTRYPOINT"))
        .filter(|r| r.starts_with([' ', '\t', '[']))?
        .trim();
    if rest.starts_with('[') {
        let n = crate::ingest::shared::tokens::json::parse(rest).ok()?;
        Some(n.items().iter().filter_map(|i| i.scalar()).collect())
    } else {
        Some(rest.split_whitespace().map(str::to_string).collect())
    }
}

/// The `--flag value` / `--flag=value` pairs after word `u`, with where each flag is written
/// on the line (`start` is the line's offset in the file).
fn flags_after(
    words: &[String],
    u: usize,
    line: &str,
    start: usize,
) -> HashMap<String, (String, usize)> {
    let mut flags: HashMap<String, (String, usize)> = HashMap::new();
    let mut k = u + 1;
    while k < words.len() {
        let w = &words[k];
        if let Some(f) = w.strip_prefix("--") {
            let pos = start + line.find(w.as_str()).unwrap_or(0);
            let (name, value) = match f.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => {
                    k += 1;
                    (f.to_string(), words.get(k).cloned().unwrap_or_default())
                }
            };
            flags.insert(name, (value, pos));
        }
        k += 1;
    }
    flags
}

/// A `uvicorn` command line in a Dockerfile.
struct UvicornCommand<'a> {
    map: &'a SourceMap,
    file: FileId,
    python: &'a ProductVersion,
    flags: HashMap<String, (String, usize)>,
    line_span: ModelSpan,
}

impl UvicornCommand<'_> {
    fn flag_span(&self, n: &str) -> Option<ModelSpan> {
        self.flags.get(n).map(|(_, p)| at(self.map, self.file, *p))
    }

    fn endpoint(&self) -> EndpointDraft {
        let tls_on = self.flags.contains_key("ssl-certfile");
        let l = self.listener(tls_on);
        let tls = tls_on.then(|| self.tls());
        let span = self.line_span.clone();
        let id = format!("app:{}:{}:uvicorn", span.file, span.line);
        endpoint(id, span, vec![l], tls)
    }

    /// `--uds`, else `--host` (default 127.0.0.1) and `--port` (default 8000).
    fn listener(&self, tls_on: bool) -> Listen {
        if let Some((p, pos)) = self.flags.get("uds") {
            let span = at(self.map, self.file, *pos);
            return listen(
                &format!("unix:{p}"),
                None,
                tls_on,
                span,
                Origin::Explicit,
                None,
            );
        }
        let (host, hs, ho, hn) = match self.flags.get("host") {
            Some((h, pos)) => (
                h.clone(),
                at(self.map, self.file, *pos),
                Origin::Explicit,
                None,
            ),
            None => (
                "127.0.0.1".to_string(),
                self.line_span.clone(),
                Origin::Default,
                Some("uvicorn's default --host is 127.0.0.1".to_string()),
            ),
        };
        let port = self
            .flags
            .get("port")
            .and_then(|(p, _)| p.parse().ok())
            .unwrap_or(8000);
        listen(&host, Some(port), tls_on, hs, ho, hn)
    }

    /// The TLS of `--ssl-*` flags, uvicorn's defaults where absent.
    fn tls(&self) -> Tls {
        let line_span = &self.line_span;
        let mut tls = super::no_tls(line_span);
        tls.enabled = true;
        tls.ciphers = match (self.flags.get("ssl-ciphers"), self.flag_span("ssl-ciphers")) {
            (Some((c, _)), Some(s)) => Fact::explicit(CipherList::openssl(c), s),
            _ => Fact::default(
                CipherList::openssl("TLSv1"),
                line_span.clone(),
                "uvicorn's default --ssl-ciphers TLSv1 (an OpenSSL cipher string that includes CBC and static-RSA suites)",
            ),
        };
        tls.tls13_suites = pyssl::openssl_tls13(line_span);
        tls.protocols = uvicorn_default_protocols(self.python, line_span, "--ssl-version");
        if let (Some((c, _)), Some(s)) = (
            self.flags.get("ssl-certfile"),
            self.flag_span("ssl-certfile"),
        ) {
            tls.certificates.push(crate::model::Certificate {
                relative_to: None,
                path: c.clone(),
                key: self.flags.get("ssl-keyfile").map(|k| k.0.clone()),
                span: s,
                managed: None,
                note: None,
            });
        }
        tls
    }
}
