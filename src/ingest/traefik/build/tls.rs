//! The TLS facts of a router: its TLS option (by reference across providers), Traefik's
//! default option by version, certificates and resolvers.

use super::*;

fn cipher_list(spec: String, names: &[&str]) -> CipherList {
    gotls::cipher_list(spec, names)
}

/// Protocols, ciphers, certificates and client authentication of a router's TLS.
pub(super) fn tls_facts(
    ctx: &mut Ctx,
    tls: Option<&TlsRef>,
    provider: &str,
    anchor: At,
    passthrough: bool,
) -> Tls {
    let a = ctx.ms(anchor);
    let v = ctx.version.label();
    let tls13 = Fact::default(
        gotls::suites(gotls::TLS13).0,
        a.clone(),
        "Go crypto/tls: the TLS 1.3 suites are fixed",
    );
    let user_default = lookup(&ctx.reg.options, "default@file", "file")
        .ok()
        .map(|o| (o.node, o.at));
    let opt = match tls.and_then(|t| t.options.clone()) {
        Some((r, r_at)) => match lookup(&ctx.reg.options, &r, provider) {
            Ok(o) => Ok(Some((o.node, o.at, r))),
            Err(p) => Err((r, r_at, p)),
        },
        None => Ok(user_default.map(|(n, o_at)| (n, o_at, "default".to_string()))),
    };
    let (protocols, ciphers, client_auth) = match opt {
        Ok(Some((node, o_at, name))) => user_option(ctx, node, o_at, &name),
        Ok(None) => traefik_default(ctx, &a),
        Err((r, r_at, p)) => {
            ctx.finding(
                FindingKind::Indeterminate,
                format!("TLS option {r} (provider {p}) is not in the scanned configuration: its protocols and ciphers are taken as the worst case"),
                r_at,
            );
            let s = ctx.ms(r_at);
            let note = format!("TLS option {r} not found in the scanned configuration: worst case assumed, scan the configuration that defines it");
            (
                Fact::derived(
                    gotls::protocol_range("TLSv1", "TLSv1.3"),
                    s.clone(),
                    note.clone(),
                ),
                Fact::derived(
                    cipher_list(format!("{r} (not found)"), gotls::CIPHER_SUITES_OLD_GO),
                    s.clone(),
                    note,
                ),
                Fact::derived(
                    "unknown".to_string(),
                    s,
                    format!("TLS option {r} not found"),
                ),
            )
        }
    };
    let _ = v;
    let mut certificates = Vec::new();
    if !passthrough {
        if let Some((res, r_at)) = tls.and_then(|t| t.resolver.clone()) {
            certificates.push(Certificate {
                relative_to: None,
                path: format!("certResolver {res}"),
                key: None,
                span: ctx.ms(r_at),
                managed: Some("acme".into()),
                note: None,
            });
        } else if !ctx.reg.certificates.is_empty() {
            let certs = ctx.reg.certificates.clone();
            for (c, c_at) in certs {
                certificates.push(Certificate {
                    relative_to: None,
                    path: c,
                    key: None,
                    span: ctx.ms(c_at),
                    managed: None,
                    note: None,
                });
            }
        } else if let Some((c, c_at)) = ctx.reg.default_certificate.clone() {
            certificates.push(Certificate {
                relative_to: None,
                path: c,
                key: None,
                span: ctx.ms(c_at),
                managed: None,
                note: None,
            });
        } else {
            certificates.push(Certificate {
                relative_to: None,
                path: "TRAEFIK DEFAULT CERT".into(),
                key: None,
                span: a.clone(),
                managed: Some("traefik-default-cert".into()),
                note: None,
            });
        }
    }
    Tls {
        enabled: false,
        protocols,
        ciphers,
        tls13_suites: tls13,
        certificates,
        client_auth,
        hsts: Fact::default(None, a, "set later"),
        session_tickets: None,
        reject_handshake: None,
    }
}

type TlsTriple = (Fact<Vec<String>>, Fact<CipherList>, Fact<String>);

/// The minimum and maximum protocol of Traefik's default TLS option (`pkg/tls/tlsmanager.go`).
const DEFAULT_PROTOCOLS: Defaults<(&str, &str)> = Defaults {
    rows: &[
        Since {
            since: &[2, 9],
            value: ("TLSv1.2", "TLSv1.3"),
            note: "default TLS option: minVersion VersionTLS12 (since v2.9, pkg/tls/tlsmanager.go)",
        },
        Since {
            since: &[],
            value: ("TLSv1", "TLSv1.3"),
            note: "(before v2.9) default TLS option sets no minVersion: Go's default minimum TLS 1.0",
        },
    ],
    unknown: Since {
        since: &[],
        value: ("TLSv1", "TLSv1.3"),
        note: "Traefik version unknown: its default TLS option offers TLS 1.0 and 1.1 before v2.9 and TLS 1.2+ from v2.9; worst case assumed, declare [traefik] version in tlsproof.toml or pass --traefik-version",
    },
};

/// The cipher suites of Traefik's default TLS option: Go's list, which changed with the Go
/// toolchain Traefik is built with (Go 1.22 from v2.11).
const DEFAULT_CIPHERS: Defaults<(&str, &[&str])> = Defaults {
    rows: &[
        Since {
            since: &[2, 11],
            value: ("tls.CipherSuites() (Go 1.22+)", gotls::CIPHER_SUITES_GO122),
            note: "default TLS option: cipherSuites = Go's tls.CipherSuites(), which includes ECDHE CBC-SHA suites",
        },
        Since {
            since: &[2, 9],
            value: ("tls.CipherSuites() (Go < 1.22)", gotls::CIPHER_SUITES_OLD_GO),
            note: "default TLS option: cipherSuites = Go's tls.CipherSuites(), which includes ECDHE CBC-SHA suites, and with the older Go it is built with also TLS_RSA_* and 3DES",
        },
        Since {
            since: &[],
            value: ("Go default (Go < 1.22)", gotls::CIPHER_SUITES_OLD_GO),
            note: "(before v2.9): Go's default cipher suites of its toolchain, including CBC, TLS_RSA_* and 3DES",
        },
    ],
    unknown: Since {
        since: &[],
        value: ("tls.CipherSuites() (Go toolchain unknown)", gotls::CIPHER_SUITES_OLD_GO),
        note: "Traefik version unknown: default cipherSuites = Go's tls.CipherSuites(), which includes ECDHE CBC-SHA suites, with older Go builds also TLS_RSA_* and 3DES; worst case assumed, declare [traefik] version in tlsproof.toml or pass --traefik-version",
    },
};

/// Traefik's built-in default TLS option.
fn traefik_default(ctx: &Ctx, a: &ModelSpan) -> TlsTriple {
    let protocols = versioned(&ctx.version, &DEFAULT_PROTOCOLS, a.clone())
        .map(|(min, max)| gotls::protocol_range(min, max));
    let ciphers = versioned(&ctx.version, &DEFAULT_CIPHERS, a.clone())
        .map(|(label, names)| cipher_list(label.into(), names));
    let client_auth = Fact::default(
        "off".to_string(),
        a.clone(),
        "Traefik default: clientAuthType NoClientCert",
    );
    (protocols, ciphers, client_auth)
}

/// A user-defined TLS option (`tls.options.<name>`).
fn user_option(ctx: &mut Ctx, node: &Node, o_at: At, name: &str) -> TlsTriple {
    let file = o_at.file;
    let o_span = ctx.ms(o_at);
    let v = ctx.version.label();
    let max = match scalar_at(node, "maxVersion", file) {
        Some((m, _)) => gotls::protocol(&m).unwrap_or("TLSv1.3"),
        None => "TLSv1.3",
    };
    let protocols = match scalar_at(node, "minVersion", file) {
        Some((m, m_at)) => {
            let min = match gotls::protocol(&m) {
                Some(p) => p,
                None => {
                    ctx.finding(
                        FindingKind::Indeterminate,
                        format!("TLS option {name}: minVersion {m:?} is not a TLS version Traefik knows; taken as TLS 1.0"),
                        m_at,
                    );
                    "TLSv1"
                }
            };
            Fact::explicit(gotls::protocol_range(min, max), ctx.ms(m_at))
        }
        None => match ctx.version.at_least(&[2, 11]) {
            Some(true) => Fact::default(
                gotls::protocol_range("TLSv1.2", max),
                o_span.clone(),
                format!("TLS option {name} sets no minVersion: Go's default minimum TLS 1.2 applies ({v}, built with Go 1.22+)"),
            ),
            Some(false) => Fact::default(
                gotls::protocol_range("TLSv1", max),
                o_span.clone(),
                format!("TLS option {name} sets no minVersion: Go's default minimum TLS 1.0 applies ({v}, built with Go older than 1.22; TLS 1.2 from Traefik v2.11)"),
            ),
            None => {
                let mut f = Fact::default(
                    gotls::protocol_range("TLSv1", max),
                    o_span.clone(),
                    format!("TLS option {name} sets no minVersion: Go's default minimum is TLS 1.0 for Traefik before v2.11 and TLS 1.2 from v2.11; worst case assumed, {DECLARE}"),
                );
                f.version_dependent = true;
                f
            }
        },
    };
    let ciphers = match node.get_ci("cipherSuites") {
        Some(cs) => {
            let names: Vec<String> = list(cs, file).into_iter().map(|(s, _)| s).collect();
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            Fact::explicit(cipher_list(names.join(","), &refs), ctx.ms(at(file, cs)))
        }
        None => {
            let (list_, spec, vd) = match ctx.version.at_least(&[2, 11]) {
                Some(true) => (
                    gotls::CIPHER_SUITES_GO122,
                    "tls.CipherSuites() (Go 1.22+)",
                    false,
                ),
                Some(false) => (
                    gotls::CIPHER_SUITES_OLD_GO,
                    "tls.CipherSuites() (Go < 1.22)",
                    false,
                ),
                None => (
                    gotls::CIPHER_SUITES_OLD_GO,
                    "tls.CipherSuites() (Go toolchain unknown)",
                    true,
                ),
            };
            let mut f = Fact::default(
                cipher_list(spec.into(), list_),
                o_span.clone(),
                format!(
                    "TLS option {name} sets no cipherSuites: {v} uses Go's tls.CipherSuites(), which includes CBC suites{}",
                    if vd { format!("; {DECLARE}") } else { String::new() }
                ),
            );
            f.version_dependent = vd;
            f
        }
    };
    let client_auth = match node.get_ci("clientAuth") {
        Some(ca) => match scalar_at(ca, "clientAuthType", file) {
            Some((t, t_at)) => {
                let mode = match t.to_ascii_lowercase().as_str() {
                    "requireandverifyclientcert" => "required",
                    "verifyclientcertifgiven" => "optional",
                    "requireanyclientcert" => "required_no_verify",
                    "requestclientcert" => "optional_no_ca",
                    _ => "off",
                };
                Fact::explicit(mode.to_string(), ctx.ms(t_at))
            }
            None if ca.get_ci("caFiles").is_some() => Fact::derived(
                "required".to_string(),
                ctx.ms(at(file, ca)),
                "clientAuth.caFiles without clientAuthType implies RequireAndVerifyClientCert",
            ),
            None => Fact::default(
                "off".to_string(),
                o_span.clone(),
                "Traefik default: clientAuthType NoClientCert",
            ),
        },
        None => Fact::default(
            "off".to_string(),
            o_span,
            "Traefik default: clientAuthType NoClientCert",
        ),
    };
    (protocols, ciphers, client_auth)
}
