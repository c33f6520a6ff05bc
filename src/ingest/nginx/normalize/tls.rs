//! A server's TLS facts: `ssl_*` directives inherited http → server, nginx's defaults by
//! version, and `add_header Strict-Transport-Security`.

use super::*;

/// nginx's default `ssl_protocols` by version (`ngx_http_ssl_module.c`); unknown: the default
/// of 1.23.4–1.27.2, the worst of the versions still in use.
pub(super) const DEFAULT_PROTOCOLS: Defaults<&[&str]> = Defaults {
    rows: &[
        Since {
            since: &[1, 27, 3],
            value: &["TLSv1.2", "TLSv1.3"],
            note: "default ssl_protocols (nginx >= 1.27.3): TLSv1.2 TLSv1.3",
        },
        Since {
            since: &[1, 23, 4],
            value: &["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
            note: "default ssl_protocols (nginx 1.23.4–1.27.2): TLSv1 TLSv1.1 TLSv1.2 TLSv1.3",
        },
        Since {
            since: &[1, 9, 1],
            value: &["TLSv1", "TLSv1.1", "TLSv1.2"],
            note: "default ssl_protocols (nginx 1.9.1–1.23.3): TLSv1 TLSv1.1 TLSv1.2",
        },
        Since {
            since: &[],
            value: &["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2"],
            note: "default ssl_protocols (nginx < 1.9.1): SSLv3 TLSv1 TLSv1.1 TLSv1.2",
        },
    ],
    unknown: Since {
        since: &[],
        value: &["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
        note: "nginx version unknown: the default ssl_protocols is \
TLSv1 TLSv1.1 TLSv1.2 TLSv1.3 in 1.23.4–1.27.2 (TLSv1 TLSv1.1 TLSv1.2 in 1.9.1–1.23.3) and \
TLSv1.2 TLSv1.3 from 1.27.3; the worst case applies. Declare the version in tlsproof.toml \
([nginx] version = \"1.27.3\") or with --nginx-version",
    },
};

/// The default `ssl_protocols` for a version, at `span`.
pub(super) fn default_protocols(v: &ProductVersion, span: ModelSpan) -> Fact<Vec<String>> {
    versioned(v, &DEFAULT_PROTOCOLS, span).map(|p| p.iter().map(|s| s.to_string()).collect())
}

/// The first QUIC listen of a server whose every TLS listen is QUIC, if so.
pub(super) fn quic_only(listens: &[Listen]) -> Option<&Listen> {
    let mut tls = listens.iter().filter(|l| l.tls);
    let first = tls.next()?;
    (first.quic && tls.all(|l| l.quic)).then_some(first)
}

/// The protocols a QUIC listener negotiates: TLS 1.3 and nothing else (RFC 9001 §4.2: "Clients
/// MUST NOT offer TLS versions older than 1.3"; nginx: "QUIC requires TLSv1.3 protocol version",
/// https://nginx.org/en/docs/quic.html), provided `ssl_protocols` keeps it enabled; without it
/// every QUIC handshake fails.
pub(super) fn quic_protocols(configured: &Fact<Vec<String>>, quic: &Listen) -> Fact<Vec<String>> {
    let at = format!("{}:{}", quic.span.file, quic.span.line);
    let from = match configured.origin {
        Origin::Explicit => format!(
            "ssl_protocols at {}:{}",
            configured.span.file, configured.span.line
        ),
        _ => "the default ssl_protocols".into(),
    };
    if configured.value.iter().any(|p| p == "TLSv1.3") {
        let why = format!(
            "every TLS listen of this server is QUIC ({at}): QUIC carries TLS 1.3 only (RFC 9001 §4.2), so {from} offers nothing older here"
        );
        Fact::derived(vec!["TLSv1.3".to_string()], quic.span.clone(), why)
    } else {
        let why = format!(
            "every TLS listen of this server is QUIC ({at}), which requires TLS 1.3, and {from} does not enable it: every QUIC handshake fails"
        );
        Fact::derived(Vec::new(), configured.span.clone(), why)
    }
}

pub(super) fn suites(list: &[&'static ciphers::Suite]) -> Vec<SuiteFacts> {
    list.iter().map(|s| SuiteFacts::from(*s)).collect()
}

pub(super) fn tls_facts(
    ctx: &mut Ctx,
    settings: &Settings,
    server_span: &ModelSpan,
    context: &str,
) -> Tls {
    let protocols = match settings.get("ssl_protocols") {
        Some(d) => Fact::explicit(args_of(d), ctx.span(d)),
        None => default_protocols(&ctx.version, server_span.clone()),
    };
    let session_tickets = Some(match settings.get("ssl_session_tickets") {
        Some(d) => Fact::explicit(d.args.first().is_some_and(|a| a.value == "on"), ctx.span(d)),
        None => Fact::default(
            true,
            server_span.clone(),
            "nginx default: ssl_session_tickets on",
        ),
    });
    Tls {
        enabled: false,
        protocols,
        ciphers: cipher_list(ctx, settings, server_span, context),
        tls13_suites: tls13_suites(ctx, settings, server_span),
        certificates: certificates(ctx, settings),
        client_auth: client_auth(ctx, settings, server_span),
        hsts: hsts_fact(ctx, settings, server_span),
        session_tickets,
        reject_handshake: settings
            .get("ssl_reject_handshake")
            .map(|d| Fact::explicit(d.args.first().is_some_and(|a| a.value == "on"), ctx.span(d))),
    }
}

/// `ssl_ciphers`, else nginx's default, expanded with OpenSSL 3 semantics to the suites nginx
/// can negotiate.
fn cipher_list(
    ctx: &Ctx,
    settings: &Settings,
    server_span: &ModelSpan,
    context: &str,
) -> Fact<CipherList> {
    match settings.get("ssl_ciphers") {
        Some(d) => {
            let spec = d.args.first().map(|a| a.value.as_str()).unwrap_or_default();
            let (list, note) = negotiable(spec);
            Fact::explicit(list, ctx.span(d)).with_note(note)
        }
        None => {
            let (list, note) = negotiable("HIGH:!aNULL:!MD5");
            let note = format!(
                "nginx default ssl_ciphers HIGH:!aNULL:!MD5 (since 1.0.5, {}), {note}",
                if context == "stream" {
                    "stream module"
                } else {
                    "all later versions"
                },
            );
            Fact::default(list, server_span.clone(), note)
        }
    }
}

/// A cipher string as nginx can negotiate it, with the note that says how it was counted.
/// nginx sets no PSK or SRP callback on its contexts, so OpenSSL never selects those suites
/// (`ciphers::needs_server_callback`): they are not offered.
fn negotiable(spec: &str) -> (CipherList, String) {
    let mut list = CipherList::openssl(spec);
    let expanded = list.suites.len();
    list.suites
        .retain(|s| !ciphers::needs_server_callback(s.kx));
    let left_out = expanded - list.suites.len();
    let mut note = format!(
        "expanded with OpenSSL 3 semantics to {} suites",
        list.suites.len()
    );
    if left_out > 0 {
        note += &format!(
            " nginx can negotiate ({left_out} PSK and SRP suites of the string left out: they need server callbacks nginx never sets)"
        );
    }
    (list, note)
}

/// `ssl_conf_command Ciphersuites …` (the last one), else OpenSSL's default TLS 1.3 suites.
fn tls13_suites(ctx: &Ctx, settings: &Settings, server_span: &ModelSpan) -> Fact<Vec<SuiteFacts>> {
    let conf_suites = settings
        .list("ssl_conf_command")
        .iter()
        .rev()
        .find_map(|d| {
            let key = d.args.first()?;
            key.value.eq_ignore_ascii_case("Ciphersuites").then(|| {
                (
                    d,
                    d.args.get(1).map(|a| a.value.clone()).unwrap_or_default(),
                )
            })
        });
    match conf_suites {
        Some((d, spec)) => {
            let exp = ciphers::expand_tls13(&spec);
            Fact::explicit(suites(&exp.suites), ctx.span(d))
        }
        None => Fact::default(
            suites(&ciphers::tls13_default()),
            server_span.clone(),
            "OpenSSL default TLS 1.3 cipher suites (ssl_ciphers does not apply to TLS 1.3)",
        ),
    }
}

/// Each `ssl_certificate` with the `ssl_certificate_key` at the same position.
fn certificates(ctx: &Ctx, settings: &Settings) -> Vec<Certificate> {
    let keys = settings.list("ssl_certificate_key");
    settings
        .list("ssl_certificate")
        .iter()
        .enumerate()
        .map(|(i, d)| Certificate {
            relative_to: nginx_prefix_file(ctx, &ctx.span(d)),
            path: d.args.first().map(|a| a.value.clone()).unwrap_or_default(),
            key: keys
                .get(i)
                .and_then(|k| k.args.first().map(|a| a.value.clone())),
            span: ctx.span(d),
            managed: None,
            note: None,
        })
        .collect()
}

/// `ssl_verify_client`, as a client-certificate mode.
fn client_auth(ctx: &Ctx, settings: &Settings, server_span: &ModelSpan) -> Fact<String> {
    match settings.get("ssl_verify_client") {
        Some(d) => {
            let v = d.args.first().map(|a| a.value.as_str()).unwrap_or("off");
            let mode = match v {
                "on" => "required",
                "optional" => "optional",
                "optional_no_ca" => "optional_no_ca",
                _ => "off",
            };
            Fact::explicit(mode.to_string(), ctx.span(d))
        }
        None => Fact::default(
            "off".to_string(),
            server_span.clone(),
            "nginx default: ssl_verify_client off",
        ),
    }
}

pub(super) fn parse_hsts(value: &str, always: bool) -> Hsts {
    let mut max_age = None;
    let mut include_subdomains = false;
    let mut preload = false;
    for part in value.split(';') {
        let p = part.trim();
        let lower = p.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("max-age") {
            let v = v
                .trim_start()
                .trim_start_matches('=')
                .trim()
                .trim_matches('"');
            max_age = v.parse::<u64>().ok();
        } else if lower == "includesubdomains" {
            include_subdomains = true;
        } else if lower == "preload" {
            preload = true;
        }
    }
    Hsts {
        max_age,
        include_subdomains,
        preload,
        always,
        raw: value.to_string(),
    }
}

pub(super) fn hsts_fact(
    ctx: &Ctx,
    settings: &Settings,
    server_span: &ModelSpan,
) -> Fact<Option<Hsts>> {
    let headers = settings.list("add_header");
    let found = headers.iter().rev().find(|d| {
        d.args
            .first()
            .is_some_and(|a| a.value.eq_ignore_ascii_case("Strict-Transport-Security"))
    });
    match found {
        Some(d) => {
            let value = d.args.get(1).map(|a| a.value.clone()).unwrap_or_default();
            let always = d.args.get(2).is_some_and(|a| a.value == "always");
            if value.contains('$') {
                return Fact::explicit(Some(parse_hsts(&value, always)), ctx.span(d)).with_note(
                    "the header value uses a variable: nginx omits the header when it evaluates empty",
                );
            }
            let mut fact = Fact::explicit(Some(parse_hsts(&value, always)), ctx.span(d));
            if !always {
                fact.note = Some(
                    "without `always`, nginx sends the header only on 2xx/3xx responses".into(),
                );
            }
            fact
        }
        None => match headers.first() {
            Some(d) => Fact::derived(
                None,
                ctx.span(d),
                "add_header here defines the header list without Strict-Transport-Security (a child block's add_header replaces every inherited one)",
            ),
            None => Fact::default(
                None,
                server_span.clone(),
                "nginx sends no Strict-Transport-Security header by default",
            ),
        },
    }
}
