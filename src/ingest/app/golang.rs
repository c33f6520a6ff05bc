//! Go servers (`net/http`, `crypto/tls`) and Go's `InsecureSkipVerify`, read from the token
//! stream.
//!
//! Servers: `srv := &http.Server{Addr: …, TLSConfig: cfg}` with `srv.ListenAndServeTLS(cert,
//! key)` or `srv.ListenAndServe()`, `http.ListenAndServeTLS(addr, cert, key, h)`,
//! `http.ListenAndServe(addr, h)` and `tls.Listen("tcp", addr, cfg)`. The `tls.Config` they use
//! (a literal, a variable holding one, and `cfg.MinVersion = …` statements) gives
//! `MinVersion`, `MaxVersion` and `CipherSuites`, each cited where written; what it leaves out
//! is Go's default for the `go` line of `go.mod` (see [`super::runtime`]).

use super::runtime;
use super::{at, endpoint, listen};
use crate::ingest::shared::expr::{constants, eval, joined};
use crate::ingest::shared::gotls;
use crate::ingest::shared::redflag::verify_flag;
use crate::ingest::shared::tokens::{self as st, Arg, Lang, Tok, TokKind};
use crate::ingest::Ingested;
use crate::model::version::ProductVersion;
use crate::model::{Certificate, EndpointDraft, Fact, Listen, ModelSpan, Origin, Tls};
use crate::source::{FileId, SourceMap};
use std::collections::HashMap;

/// Scans one Go file: its servers and its red flags.
pub fn scan(
    map: &SourceMap,
    file: FileId,
    go: &ProductVersion,
    endpoints: &mut Vec<EndpointDraft>,
    out: &mut Ingested,
) {
    let Some(sf) = map.get(file) else { return };
    let text = sf.text.clone();
    let toks = st::tokenize(&text, Lang::Go);
    red_flags(map, file, &toks, out);
    let src = GoFile {
        map,
        file,
        text: &text,
        toks: &toks,
        consts: constants(&text, &toks),
        go,
    };
    endpoints.extend(src.servers());
}

/// `InsecureSkipVerify: true`.
fn red_flags(map: &SourceMap, file: FileId, toks: &[Tok], out: &mut Ingested) {
    for k in 0..toks.len().saturating_sub(2) {
        if toks[k].ident("InsecureSkipVerify")
            && (toks[k + 1].punct(":") || toks[k + 1].punct("="))
            && toks[k + 2].ident("true")
        {
            out.red_flags.push(verify_flag(
                map,
                file,
                toks[k].start,
                "InsecureSkipVerify: true (the server certificate is not validated)",
                "app",
                None,
            ));
        }
    }
}

/// One Go file as tokens.
struct GoFile<'a> {
    map: &'a SourceMap,
    file: FileId,
    text: &'a str,
    toks: &'a [Tok],
    consts: HashMap<String, &'a [Tok]>,
    go: &'a ProductVersion,
}

/// A server call: where it is, the address it listens on, and its TLS when it serves TLS.
struct Served<'a> {
    call: usize,
    addr: Option<&'a Arg<'a>>,
    /// The `tls.Config` given, or what is written when it is not a literal of this file.
    config: Option<Result<Config, String>>,
    /// `ListenAndServeTLS`'s certificate and key arguments.
    files: Option<(Option<&'a Arg<'a>>, Option<&'a Arg<'a>>)>,
    tls: bool,
}

/// A `tls.Config` literal: the index of its `{`, and the variable holding it.
#[derive(Debug, Clone)]
struct Config {
    open: usize,
    var: Option<String>,
}

impl GoFile<'_> {
    fn span(&self, offset: usize) -> ModelSpan {
        at(self.map, self.file, offset)
    }

    fn servers(&self) -> Vec<EndpointDraft> {
        let toks = self.toks;
        let mut out = Vec::new();
        for k in 2..toks.len().saturating_sub(1) {
            let dotted = toks[k - 1].punct(".") && toks[k + 1].punct("(");
            if !dotted {
                continue;
            }
            let pkg = &toks[k - 2];
            let name = &toks[k];
            let serving = ["ListenAndServeTLS", "ListenAndServe", "Listen"]
                .iter()
                .any(|n| name.ident(n));
            if !serving {
                continue;
            }
            let args = st::args(toks, k + 1, ":");
            let served = if pkg.ident("http") && name.ident("ListenAndServeTLS") {
                self.served(
                    k,
                    args.first(),
                    None,
                    Some((args.get(1), args.get(2))),
                    true,
                )
            } else if pkg.ident("http") && name.ident("ListenAndServe") {
                self.served(k, args.first(), None, None, false)
            } else if pkg.ident("tls") && name.ident("Listen") {
                let cfg = args.get(2).map(|a| self.config_given(a, name.start));
                self.served(k, args.get(1), cfg, None, true)
            } else if name.ident("ListenAndServeTLS") || name.ident("ListenAndServe") {
                self.server_method(k, &args)
            } else {
                None
            };
            out.extend(served);
        }
        out
    }

    /// The endpoint of one server call.
    fn served(
        &self,
        call: usize,
        addr: Option<&Arg>,
        config: Option<Result<Config, String>>,
        files: Option<(Option<&Arg>, Option<&Arg>)>,
        tls: bool,
    ) -> Option<EndpointDraft> {
        let s = Served {
            call,
            addr,
            config,
            files,
            tls,
        };
        Some(self.endpoint(&s))
    }

    /// `srv.ListenAndServeTLS(cert, key)` / `srv.ListenAndServe()` on `srv := &http.Server{…}`.
    fn server_method(&self, k: usize, args: &[Arg]) -> Option<EndpointDraft> {
        let toks = self.toks;
        let recv = &toks[k - 2];
        let open = self.literal_of(&recv.text, "Server", recv.start)?.open;
        let fields = st::args(toks, open, ":");
        let tls = toks[k].ident("ListenAndServeTLS");
        let config = st::kwarg(&fields, "TLSConfig").map(|a| self.config_given(a, recv.start));
        let s = Served {
            call: k,
            addr: st::kwarg(&fields, "Addr"),
            config,
            files: tls.then(|| (args.first(), args.get(1))),
            tls,
        };
        Some(self.endpoint(&s))
    }

    fn endpoint(&self, s: &Served) -> EndpointDraft {
        let call = self.span(self.toks[s.call].start);
        let l = self.listen(s, &call);
        let tls = s.tls.then(|| self.tls(s, &call));
        let id = format!("app:{}:{}:{}", call.file, call.line, self.toks[s.call].text);
        endpoint(id, call, vec![l], tls)
    }

    /// The address a server listens on: `host:port`, an empty host being every interface, and
    /// `:https` / `:http` when `http.Server` has no `Addr` (net/http docs, `Server.ListenAndServeTLS`).
    fn listen(&self, s: &Served, call: &ModelSpan) -> Listen {
        let Some(a) = s.addr else {
            let port = if s.tls { 443 } else { 80 };
            let why = format!(
                "http.Server without Addr listens on :{} (every interface)",
                if s.tls { "https" } else { "http" }
            );
            return listen(
                "0.0.0.0",
                Some(port),
                s.tls,
                call.clone(),
                Origin::Default,
                Some(why),
            );
        };
        let v = eval(a.value, &self.consts, 0);
        let span = a
            .start()
            .map(|o| self.span(o))
            .unwrap_or_else(|| call.clone());
        let Some(text) = v.text() else {
            return listen("0.0.0.0", None, s.tls, span, Origin::Explicit, v.note());
        };
        let (host, port) = text.rsplit_once(':').unwrap_or(("", text.as_str()));
        let port = match port {
            "https" => Some(443),
            "http" => Some(80),
            p => p.parse().ok(),
        };
        let host = host.trim_matches(['[', ']']);
        let (host, note) = if host.is_empty() {
            (
                "0.0.0.0",
                Some("an address without a host listens on every interface".to_string()),
            )
        } else {
            (host, v.note())
        };
        listen(host, port, s.tls, span, Origin::Explicit, note)
    }

    /// The composite literal `name` holds where it is used (`before`): the last
    /// `name := &http.Server{` / `var name = tls.Config{` before it.
    fn literal_of(&self, name: &str, ty: &str, before: usize) -> Option<Config> {
        let toks = self.toks;
        (0..toks.len().saturating_sub(6)).rev().find_map(|j| {
            let assigned = toks[j].ident(name)
                && toks[j].start < before
                && (toks[j + 1].punct(":=") || toks[j + 1].punct("="));
            if !assigned {
                return None;
            }
            let from = j + 2 + usize::from(toks[j + 2].punct("&"));
            let is_type =
                toks[from + 1].punct(".") && toks[from + 2].ident(ty) && toks[from + 3].punct("{");
            is_type.then(|| Config {
                open: from + 3,
                var: Some(name.to_string()),
            })
        })
    }

    /// The config an argument gives: a literal of this file, or the text written.
    fn config_given(&self, a: &Arg, before: usize) -> Result<Config, String> {
        self.config_of(a.value, before)
            .ok_or_else(|| joined(a.value))
    }

    /// The `tls.Config` literal an expression names: `&tls.Config{…}` written there, or a
    /// variable holding one.
    fn config_of(&self, value: &[Tok], before: usize) -> Option<Config> {
        if let [v] = value {
            return self.literal_of(&v.text, "Config", before);
        }
        let brace = value.windows(4).find_map(|w| {
            (w[0].ident("tls") && w[1].punct(".") && w[2].ident("Config") && w[3].punct("{"))
                .then_some(w[3].start)
        })?;
        let open = self.toks.iter().position(|t| t.start == brace)?;
        Some(Config { open, var: None })
    }

    /// A field of a config: `cfg.Field = value` after the literal (the last one wins), else
    /// `Field: value` in it. The value's tokens and where the setting starts.
    fn field(&self, cfg: Option<&Config>, name: &str) -> Option<(Vec<Tok>, usize)> {
        let cfg = cfg?;
        let toks = self.toks;
        let assigned = cfg.var.as_ref().and_then(|var| {
            (cfg.open..toks.len().saturating_sub(3))
                .rev()
                .find(|&j| {
                    toks[j].ident(var)
                        && toks[j + 1].punct(".")
                        && toks[j + 2].ident(name)
                        && toks[j + 3].punct("=")
                })
                .map(|j| (self.line_rest(j + 4).to_vec(), toks[j].start))
        });
        assigned.or_else(|| {
            let fields = st::args(toks, cfg.open, ":");
            let a = st::kwarg(&fields, name)?;
            Some((a.value.to_vec(), a.start()?))
        })
    }

    /// The tokens from `from` to the end of its line.
    fn line_rest(&self, from: usize) -> &[Tok] {
        let toks = self.toks;
        let end = (from..toks.len())
            .find(|&e| {
                e > from
                    && self
                        .text
                        .get(toks[e - 1].end..toks[e].start)
                        .is_some_and(|g| g.contains('\n'))
            })
            .unwrap_or(toks.len());
        toks.get(from..end).unwrap_or(&[])
    }

    /// The TLS of a server: its `tls.Config` where one is written, Go's defaults otherwise.
    fn tls(&self, s: &Served, call: &ModelSpan) -> Tls {
        let mut tls = super::no_tls(call);
        tls.enabled = true;
        let cfg = match &s.config {
            Some(Err(written)) => {
                let mut tls = unknown_config_tls(written, call);
                // The certificate is in the files given, else in the config this file cannot see.
                tls.certificates
                    .push(self.certificate(s, None).unwrap_or(Certificate {
                        note: None,
                        relative_to: None,
                        path: format!("(in {written})"),
                        key: None,
                        span: call.clone(),
                        managed: None,
                    }));
                return tls;
            }
            Some(Ok(c)) => Some(c),
            None => None,
        };
        let made = cfg
            .map(|c| self.span(self.toks[c.open].start))
            .unwrap_or_else(|| call.clone());
        let version = |field: &str| {
            self.field(cfg, field).map(|(value, start)| {
                let name = value.iter().rev().find(|t| t.kind == TokKind::Ident);
                (
                    name.and_then(|n| gotls::protocol(&n.text)),
                    self.span(start),
                )
            })
        };
        let max = version("MaxVersion").and_then(|(v, _)| v);
        tls.protocols = match version("MinVersion") {
            Some((Some(min), span)) => {
                Fact::explicit(gotls::protocol_range(min, max.unwrap_or("TLSv1.3")), span)
            }
            Some((None, span)) => Fact::derived(
                gotls::protocol_range("TLSv1", max.unwrap_or("TLSv1.3")),
                span,
                "MinVersion is not a tls.VersionTLS1x constant: TLS 1.0 is assumed",
            ),
            None => runtime::default_protocols(self.go, &runtime::GO_PROTOCOLS, max, made.clone()),
        };
        tls.ciphers = match self.field(cfg, "CipherSuites") {
            Some((value, start)) => {
                let names = self.suite_names(&value);
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                Fact::explicit(gotls::cipher_list(names.join(","), &refs), self.span(start))
            }
            None => runtime::default_go_ciphers(self.go, made.clone()),
        };
        let (tls13, _) = gotls::suites(gotls::TLS13);
        tls.tls13_suites = Fact::default(
            tls13,
            made,
            "crypto/tls: the TLS 1.3 suites are not configurable",
        );
        tls.certificates.extend(self.certificate(s, cfg));
        tls
    }

    /// The names of `CipherSuites: []uint16{tls.TLS_…, …}`, written there or in a variable.
    fn suite_names(&self, value: &[Tok]) -> Vec<String> {
        let toks = self.toks;
        let list: &[Tok] = match value {
            [v] if v.kind == TokKind::Ident => (0..toks.len().saturating_sub(2))
                .find(|&j| {
                    toks[j].ident(&v.text) && (toks[j + 1].punct(":=") || toks[j + 1].punct("="))
                })
                .and_then(|j| (j..toks.len()).find(|&o| toks[o].punct("{")))
                .map(|o| &toks[o..st::closing(toks, o).min(toks.len())])
                .unwrap_or(&[]),
            v => v,
        };
        list.iter()
            .filter(|t| t.kind == TokKind::Ident && t.text.starts_with("TLS_"))
            .map(|t| t.text.clone())
            .collect()
    }

    /// The certificate a server presents: `ListenAndServeTLS`'s files, else the config's
    /// `tls.LoadX509KeyPair` files, or an ACME manager (`autocert`).
    fn certificate(&self, s: &Served, cfg: Option<&Config>) -> Option<Certificate> {
        let literal = |a: Option<&Arg>| {
            a.and_then(|a| {
                eval(a.value, &self.consts, 0)
                    .text()
                    .map(|t| (t, a.start().unwrap_or(0)))
            })
            .filter(|(t, _)| !t.is_empty())
        };
        if let Some((cert, key)) = s.files {
            if let Some((path, start)) = literal(cert) {
                return Some(Certificate {
                    note: None,
                    relative_to: None,
                    path,
                    key: literal(key).map(|k| k.0),
                    span: self.span(start),
                    managed: None,
                });
            }
        }
        let toks = self.toks;
        if let (Some(c), Some(_)) = (cfg, self.field(cfg, "Certificates")) {
            // The key pair loaded last before the config: from files, or from PEM in the code.
            let k = (1..c.open).rev().find(|&k| {
                (toks[k].ident("LoadX509KeyPair") || toks[k].ident("X509KeyPair"))
                    && toks[k + 1].punct("(")
            })?;
            let args = st::args(toks, k + 1, ":");
            let from_files = toks[k].ident("LoadX509KeyPair");
            let (path, start) = match literal(args.first()).filter(|_| from_files) {
                Some(p) => p,
                None => ("(in code)".to_string(), toks[k].start),
            };
            return Some(Certificate {
                note: None,
                relative_to: None,
                path,
                key: literal(args.get(1)).filter(|_| from_files).map(|k| k.0),
                span: self.span(start),
                managed: None,
            });
        }
        let acme = toks.iter().any(|t| t.ident("autocert"));
        let (_, callback) = self.field(cfg, "GetCertificate")?;
        acme.then(|| Certificate {
            note: None,
            relative_to: None,
            path: String::new(),
            key: None,
            span: self.span(callback),
            managed: Some("acme".into()),
        })
    }
}

/// A `tls.Config` built where this file cannot see (another file, a function): the worst case,
/// Go's defaults of an unknown version.
fn unknown_config_tls(written: &str, call: &ModelSpan) -> Tls {
    let mut tls = super::no_tls(call);
    tls.enabled = true;
    let why = format!(
        "the tls.Config `{written}` is not built in this file, so its settings are not known: Go's defaults of an unknown version (the worst case) are judged"
    );
    let go = ProductVersion::unknown("Go");
    tls.protocols = runtime::default_protocols(&go, &runtime::GO_PROTOCOLS, None, call.clone())
        .with_note(why.clone());
    tls.protocols.origin = Origin::Derived;
    tls.protocols.version_dependent = false;
    tls.ciphers = runtime::default_go_ciphers(&go, call.clone()).with_note(why);
    tls.ciphers.origin = Origin::Derived;
    tls.ciphers.version_dependent = false;
    let (tls13, _) = gotls::suites(gotls::TLS13);
    tls.tls13_suites = Fact::default(
        tls13,
        call.clone(),
        "crypto/tls: the TLS 1.3 suites are not configurable",
    );
    tls
}
