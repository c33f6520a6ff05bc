//! JavaScript/TypeScript MCP servers and TLS red flags, read from the token stream.
//!
//! Servers: `new StdioServerTransport()` (stdio), `StreamableHTTPServerTransport` /
//! `SSEServerTransport` / `createMcpExpressApp` with `x.listen(port[, host])` (no host = every
//! interface), `https.createServer({minVersion, maxVersion, ciphers, key, cert}, app)`,
//! `secureOptions` (`SSL_OP_NO_TLSv1 | …`), `secureProtocol`, `tls.DEFAULT_MIN_VERSION`. Red flags: `rejectUnauthorized: false`,
//! `process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0"`, `checkServerIdentity: () => undefined`.

use super::runtime::{self, TurnedOff};
use super::{at, endpoint, listen};
use crate::ingest::shared::env::{self, Settings};
use crate::ingest::shared::expr::{constants, eval, Val};
use crate::ingest::shared::redflag::verify_flag;
use crate::ingest::shared::tokens::{self as st, Arg, Lang, Tok, TokKind};
use crate::ingest::Ingested;
use crate::model::{CipherList, EndpointDraft, Fact, ModelSpan, Origin, SuiteFacts};
use crate::source::{FileId, SourceMap};
use std::collections::{BTreeSet, HashMap};

/// Node.js's default cipher list (`tls.DEFAULT_CIPHERS`, Node 18–22) without the TLS 1.3
/// names: it ends in `HIGH`, which brings CBC and static-RSA suites.
const NODE_DEFAULT_CIPHERS: &str = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384:DHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA256:DHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384:DHE-RSA-AES256-SHA384:ECDHE-RSA-AES256-SHA256:DHE-RSA-AES256-SHA256:HIGH:!aNULL:!eNULL:!EXPORT:!DES:!RC4:!MD5:!PSK:!SRP:!CAMELLIA";

/// Scans one JavaScript/TypeScript file.
pub fn scan(
    map: &SourceMap,
    file: FileId,
    settings: &Settings,
    endpoints: &mut Vec<EndpointDraft>,
    out: &mut Ingested,
) {
    let _ = settings;
    let Some(sf) = map.get(file) else { return };
    let text = sf.text.clone();
    let toks = st::tokenize(&text, Lang::Js);
    red_flags(map, file, &toks, out);
    let has = |w: &str| toks.iter().any(|t| t.ident(w));
    let (tls_servers, create_calls) = tls_server_calls(&toks);
    let js = JsFile {
        map,
        file,
        toks: &toks,
        consts: constants(&text, &toks),
        http_mcp: has("StreamableHTTPServerTransport")
            || has("SSEServerTransport")
            || has("createMcpExpressApp"),
        default_min: default_min_version(&toks),
        tls_servers,
        create_calls,
    };
    let before = endpoints.len();
    for k in 2..toks.len().saturating_sub(1) {
        if toks[k].ident("listen") && toks[k - 1].punct(".") && toks[k + 1].punct("(") {
            endpoints.extend(js.listen_endpoint(k));
        }
    }
    if endpoints.len() == before {
        endpoints.extend(js.stdio_endpoint());
    }
}

/// `tls.DEFAULT_MIN_VERSION = 'TLSv1'`: the value and where it is set (the last one wins).
fn default_min_version(toks: &[Tok]) -> Option<(String, usize)> {
    let mut default_min = None;
    for k in 0..toks.len().saturating_sub(3) {
        if toks[k].ident("DEFAULT_MIN_VERSION")
            && toks[k + 1].punct("=")
            && toks[k + 2].kind == TokKind::Str
        {
            default_min = Some((toks[k + 2].text.clone(), toks[k].start));
        }
    }
    default_min
}

/// The `https.createServer(…)` calls (the index of each call's `(`), and the variables they
/// are assigned to: `const server = https.createServer(opts, app)`.
fn tls_server_calls(toks: &[Tok]) -> (HashMap<String, usize>, BTreeSet<usize>) {
    let mut tls_servers: HashMap<String, usize> = HashMap::new();
    let mut create_calls: BTreeSet<usize> = BTreeSet::new();
    for k in 0..toks.len().saturating_sub(3) {
        if (toks[k].ident("https") || toks[k].ident("tls") || toks[k].ident("http2"))
            && toks[k + 1].punct(".")
            && (toks[k + 2].ident("createServer") || toks[k + 2].ident("createSecureServer"))
            && toks[k + 3].punct("(")
        {
            create_calls.insert(k + 3);
            if k >= 2 && toks[k - 1].punct("=") && toks[k - 2].kind == TokKind::Ident {
                tls_servers.insert(toks[k - 2].text.clone(), k + 3);
            }
        }
    }
    (tls_servers, create_calls)
}

/// One JavaScript/TypeScript file as tokens, with what the whole file says.
struct JsFile<'a> {
    map: &'a SourceMap,
    file: FileId,
    toks: &'a [Tok],
    consts: HashMap<String, &'a [Tok]>,
    /// The file uses an HTTP transport of the MCP SDK.
    http_mcp: bool,
    default_min: Option<(String, usize)>,
    tls_servers: HashMap<String, usize>,
    create_calls: BTreeSet<usize>,
}

impl JsFile<'_> {
    /// The endpoint of `x.listen(port[, host])` at token `k`, when `x` is an MCP HTTP app or a
    /// TLS server.
    fn listen_endpoint(&self, k: usize) -> Option<EndpointDraft> {
        let toks = self.toks;
        // The receiver: a variable, or a chained `https.createServer(…)`.
        let recv = &toks[k - 2];
        let tls_call = if recv.punct(")") {
            open_of(toks, k - 2).filter(|o| self.create_calls.contains(o))
        } else {
            self.tls_servers.get(&recv.text).copied()
        };
        if !self.http_mcp && tls_call.is_none() {
            return None;
        }
        let a = st::args(toks, k + 1, ":");
        let lspan = at(self.map, self.file, recv.start);
        let port = a
            .first()
            .and_then(|p| eval(p.value, &self.consts, 0).text())
            .and_then(|p| p.parse::<u16>().ok());
        let (host, hspan, horigin, hnote) = self.listen_host(&a, &lspan);
        let port_note = a
            .first()
            .and_then(|p| match eval(p.value, &self.consts, 0) {
                Val::Env(n, Some(_)) => Some(format!("port from {n}, its default in the code")),
                _ => None,
            });
        let note = [hnote, port_note]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
        let note = (!note.is_empty()).then_some(note);
        let l = listen(&host, port, tls_call.is_some(), hspan, horigin, note);
        let tls = tls_call.map(|open| {
            node_tls(
                self.map,
                self.file,
                toks,
                open,
                &self.consts,
                &self.default_min,
                &lspan,
            )
        });
        let id = if recv.punct(")") {
            format!("app:{}:{}:https", lspan.file, lspan.line)
        } else {
            let name = recv.text.trim_matches(['(', ')']);
            format!("app:{}:{}:{}", lspan.file, lspan.line, name)
        };
        Some(endpoint(id, lspan, vec![l], tls))
    }

    /// The host a `listen` binds: its second argument, or every interface without one.
    fn listen_host(
        &self,
        a: &[Arg],
        lspan: &ModelSpan,
    ) -> (String, ModelSpan, Origin, Option<String>) {
        let host_arg = a.get(1).filter(|h| {
            // listen(port, callback) has no host.
            !h.value.iter().any(|t| t.punct("=>") || t.ident("function"))
        });
        match host_arg {
            Some(h) => {
                let v = eval(h.value, &self.consts, 0);
                let s = h
                    .start()
                    .map(|s| at(self.map, self.file, s))
                    .unwrap_or_else(|| lspan.clone());
                (
                    v.text().unwrap_or_else(|| "::".into()),
                    s,
                    Origin::Explicit,
                    v.note(),
                )
            }
            None => (
                "::".to_string(),
                lspan.clone(),
                Origin::Default,
                Some(
                    "listen() without a host binds every interface (:: / 0.0.0.0) in Node.js"
                        .to_string(),
                ),
            ),
        }
    }

    /// `new StdioServerTransport()`: a stdio server (the first one).
    fn stdio_endpoint(&self) -> Option<EndpointDraft> {
        let toks = self.toks;
        let k = (1..toks.len())
            .find(|&k| toks[k].ident("StdioServerTransport") && toks[k - 1].ident("new"))?;
        let span = at(self.map, self.file, toks[k].start);
        let l = listen(
            "stdio",
            None,
            false,
            span.clone(),
            Origin::Explicit,
            Some("new StdioServerTransport(): the server speaks MCP over stdio".into()),
        );
        let id = format!("app:{}:{}:stdio", span.file, span.line);
        Some(endpoint(id, span, vec![l], None))
    }
}

/// The index of the bracket opening the one closing at `close`.
fn open_of(toks: &[Tok], close: usize) -> Option<usize> {
    let mut depth = 0i32;
    for k in (0..=close).rev() {
        let t = &toks[k];
        if t.kind != TokKind::Punct {
            continue;
        }
        match t.text.as_str() {
            ")" | "]" | "}" => depth += 1,
            "(" | "[" | "{" => {
                depth -= 1;
                if depth == 0 {
                    return Some(k);
                }
            }
            _ => {}
        }
    }
    None
}

/// TLS facts of `https.createServer(options, app)`: the options object literal, or a `const`
/// holding one.
fn node_tls(
    map: &SourceMap,
    file: FileId,
    toks: &[Tok],
    open: usize,
    consts: &HashMap<String, &[Tok]>,
    default_min: &Option<(String, usize)>,
    span: &crate::model::ModelSpan,
) -> crate::model::Tls {
    let mut tls = super::no_tls(span);
    tls.enabled = true;
    // Find the options object: `{` right after `(`, or an identifier naming `const x = {`.
    let obj_open = match toks.get(open + 1) {
        Some(t) if t.punct("{") => Some(open + 1),
        Some(t) if t.kind == TokKind::Ident => toks
            .windows(3)
            .position(|w| w[0].ident(&t.text) && w[1].punct("=") && w[2].punct("{"))
            .map(|p| p + 2),
        _ => None,
    };
    let opts = obj_open.map(|o| st::args(toks, o, ":")).unwrap_or_default();
    let kw = |n: &str| st::kwarg(&opts, n);
    let kspan = |a: &st::Arg| {
        a.start()
            .map(|s| at(map, file, s))
            .unwrap_or_else(|| span.clone())
    };
    let proto = |n: &str| -> Option<(String, crate::model::ModelSpan)> {
        kw(n).and_then(|a| eval(a.value, consts, 0).text().map(|v| (v, kspan(a))))
    };
    let min = proto("minVersion");
    let max = proto("maxVersion");
    let to_model = |v: &str| crate::ingest::shared::gotls::protocol(v).unwrap_or("TLSv1");
    tls.protocols = match (&min, default_min) {
        (Some((v, s)), _) => Fact::explicit(
            crate::ingest::shared::gotls::protocol_range(
                to_model(v),
                max.as_ref().map(|m| to_model(&m.0)).unwrap_or("TLSv1.3"),
            ),
            s.clone(),
        ),
        (None, Some((v, off))) => Fact::explicit(
            crate::ingest::shared::gotls::protocol_range(to_model(v), "TLSv1.3"),
            at(map, file, *off),
        )
        .with_note("tls.DEFAULT_MIN_VERSION applies to every TLS server of the process"),
        (None, None) => Fact::default(
            crate::ingest::shared::gotls::protocol_range(
                "TLSv1.2",
                max.as_ref().map(|m| to_model(&m.0)).unwrap_or("TLSv1.3"),
            ),
            span.clone(),
            "Node.js default tls.DEFAULT_MIN_VERSION TLSv1.2 (Node.js 12 and later)",
        ),
    };
    if let Some(p) =
        kw("secureProtocol").and_then(|a| secure_protocol(a, consts).map(|p| (p, kspan(a))))
    {
        tls.protocols = Fact::explicit(vec![p.0.to_string()], p.1);
    }
    if let Some(a) = kw("secureOptions") {
        let off = turned_off(a.value, consts, &kspan(a));
        tls.protocols = runtime::without_turned_off(tls.protocols, &off);
    }
    tls.ciphers = match kw("ciphers") {
        Some(c) => {
            let spec = eval(c.value, consts, 0).text().unwrap_or_default();
            let tls12: Vec<&str> = spec.split(':').filter(|s| !s.starts_with("TLS_")).collect();
            Fact::explicit(CipherList::openssl(&tls12.join(":")), kspan(c))
        }
        None => Fact::default(
            CipherList::openssl(NODE_DEFAULT_CIPHERS),
            span.clone(),
            "Node.js default cipher list (tls.DEFAULT_CIPHERS), which ends in HIGH",
        ),
    };
    let tls13: Vec<SuiteFacts> = crate::ciphers::tls13_default()
        .into_iter()
        .map(SuiteFacts::from)
        .collect();
    tls.tls13_suites = Fact::default(tls13, span.clone(), "Node.js default TLS 1.3 suites");
    if let Some(c) = kw("cert").or_else(|| kw("pfx")) {
        tls.certificates.push(crate::model::Certificate {
            relative_to: None,
            path: c
                .value
                .iter()
                .find(|t| t.kind == TokKind::Str)
                .map(|t| t.text.clone())
                .unwrap_or_else(|| "(read in code)".into()),
            key: None,
            span: kspan(c),
            managed: None,
            note: None,
        });
    }
    tls
}

/// `secureProtocol: 'TLSv1_2_method'`: the one version a legacy method name forces (Node.js
/// docs, `tls.createSecureContext`: "'TLSv1_1_method' to force TLS version 1.1"). The
/// version-flexible methods (`TLS_method`, `SSLv23_method`) force nothing.
fn secure_protocol(a: &Arg, consts: &HashMap<String, &[Tok]>) -> Option<&'static str> {
    match eval(a.value, consts, 0)
        .text()?
        .trim_end_matches("_server_method")
    {
        "TLSv1" | "TLSv1_method" => Some("TLSv1"),
        "TLSv1_1" | "TLSv1_1_method" => Some("TLSv1.1"),
        "TLSv1_2" | "TLSv1_2_method" => Some("TLSv1.2"),
        _ => None,
    }
}

/// The versions `secureOptions` turns off: the `SSL_OP_NO_*` constants OR-ed in its value
/// (`crypto.constants.SSL_OP_NO_TLSv1 | constants.SSL_OP_NO_TLSv1_1`, destructured names, or a
/// `const` holding them). Other bits turn no version off.
fn turned_off(value: &[Tok], consts: &HashMap<String, &[Tok]>, span: &ModelSpan) -> Vec<TurnedOff> {
    let value = match value {
        [t] if t.kind == TokKind::Ident && runtime::flag_turns_off(&t.text).is_none() => {
            consts.get(&t.text).copied().unwrap_or(value)
        }
        v => v,
    };
    value
        .iter()
        .filter(|t| t.kind == TokKind::Ident)
        .filter_map(|t| {
            runtime::flag_turns_off(&t.text).map(|version| TurnedOff {
                version,
                flag: t.text.clone(),
                span: span.clone(),
            })
        })
        .collect()
}

/// JavaScript statements that disable certificate validation.
fn red_flags(map: &SourceMap, file: FileId, toks: &[Tok], out: &mut Ingested) {
    for k in 0..toks.len() {
        let t = &toks[k];
        let next = |d: usize| toks.get(k + d);
        // rejectUnauthorized: false / rejectUnauthorized = false / "rejectUnauthorized": false
        if (t.ident("rejectUnauthorized") || t.is(TokKind::Str, "rejectUnauthorized"))
            && next(1).is_some_and(|n| n.punct(":") || n.punct("="))
            && next(2).is_some_and(|n| n.ident("false") || n.is(TokKind::Num, "0"))
        {
            out.red_flags.push(verify_flag(
                map,
                file,
                t.start,
                "rejectUnauthorized: false (the server certificate is not validated)",
                "app",
                None,
            ));
        }
        // process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0" / process.env["…"] = '0'
        let env_name = (t.kind == TokKind::Ident || t.kind == TokKind::Str)
            && env::WORDS.contains(&t.text.as_str());
        if env_name {
            let skip = usize::from(next(1).is_some_and(|n| n.punct("]")));
            if next(1 + skip).is_some_and(|n| n.punct("="))
                && next(2 + skip).is_some_and(|n| matches!(n.kind, TokKind::Str | TokKind::Num))
            {
                let v = next(2 + skip).map(|n| n.text.clone()).unwrap_or_default();
                if let Some(env::Judgement::Disabled(text)) = env::judge(&t.text, &v) {
                    out.red_flags
                        .push(verify_flag(map, file, t.start, text, "app", None));
                }
            }
        }
        // checkServerIdentity: () => undefined / () => {} / () => null / function () {}
        if t.ident("checkServerIdentity") && next(1).is_some_and(|n| n.punct(":") || n.punct("=")) {
            let rest: Vec<&str> = toks[k + 2..(k + 8).min(toks.len())]
                .iter()
                .map(|t| t.text.as_str())
                .collect();
            let noop = matches!(
                rest.as_slice(),
                ["(", ")", "=>", "undefined", ..]
                    | ["(", ")", "=>", "null", ..]
                    | ["(", ")", "=>", "{", "}", ..]
                    | ["function", "(", ")", "{", "}", ..]
                    | ["(", _, ")", "=>", "undefined", ..]
                    | ["(", _, ",", _, ")", "=>", "undefined", ..]
            ) || (rest.len() >= 4
                && rest[0] == "("
                && rest.contains(&"=>")
                && rest
                    .iter()
                    .skip_while(|w| **w != "=>")
                    .nth(1)
                    .is_some_and(|w| *w == "undefined"));
            if noop {
                out.red_flags.push(verify_flag(
                    map,
                    file,
                    t.start,
                    "checkServerIdentity returns undefined (the certificate's host name is never checked)",
                    "app",
                    None,
                ));
            }
        }
    }
}
