//! Stage 6 — observe (`scan --probe`): every in-scope endpoint's server names on its TLS and
//! plaintext ports are probed live, and what the probes show enters the model as
//! `observations`, for the policies to judge beside the configuration. Without `--probe` the
//! scan touches no network. Results of testssl.sh or sslyze (`--observations FILE`,
//! `probe/import.rs`) are joined to the endpoints here too, by server name and port ([`import`]).

use crate::certs::TrustStore;
use crate::diag::{Finding, FindingKind};
use crate::model::{
    Endpoint, Model, ModelSpan, Observation, ObservedTest, Origin, Scope, Transport,
};
use crate::probe::checks::{self, Target};
use crate::source::SourceMap;
use std::collections::BTreeSet;

/// The most targets one scan probes (names × ports across every endpoint).
pub const MAX_TARGETS: usize = 64;
/// The most server names of one endpoint that are probed.
const NAMES_PER_ENDPOINT: usize = 3;

/// The longest a scan's probes may take together; targets left when it is spent are not
/// probed (their endpoints stay MANUAL) and a notice says how many.
pub const BUDGET: std::time::Duration = std::time::Duration::from_secs(120);

/// Probes the targets of every in-scope endpoint and records the observations; returns a
/// notice for the targets left unprobed by [`MAX_TARGETS`] or [`BUDGET`].
pub fn observe(
    model: &mut Model,
    trust: &TrustStore,
    opts: &checks::Options,
    time: i64,
) -> Vec<Finding> {
    let observed_at = crate::certs::rfc3339_of(time);
    let started = std::time::Instant::now();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut left = 0usize;
    for ep in &model.endpoints {
        for (url, span) in targets(ep) {
            if !seen.insert((ep.id.clone(), url.clone())) {
                continue;
            }
            if out.len() >= MAX_TARGETS || started.elapsed() >= BUDGET {
                left += 1;
                continue;
            }
            let Ok(target) = Target::parse(&url) else {
                continue;
            };
            let p = checks::probe(&target, trust, opts, time, &observed_at);
            out.push(observation(&ep.id, span, p, "tlsproof probe"));
        }
    }
    model.observations = out;
    if left == 0 {
        return Vec::new();
    }
    vec![Finding::new(
        FindingKind::Notice,
        format!(
            "{left} probe target(s) were not probed (at most {MAX_TARGETS} targets and {} s per scan): their endpoints' test results stay MANUAL; probe them with tlsproof probe",
            BUDGET.as_secs()
        ),
        None,
    )]
}

/// What a probe (live, or read from a results file) showed, as the model holds it.
fn observation(endpoint: &str, span: ModelSpan, p: checks::Probe, source: &str) -> Observation {
    Observation {
        endpoint: endpoint.to_string(),
        target: p.target,
        address: p.address,
        observed_at: p.observed_at,
        span,
        tests: p
            .tests
            .into_iter()
            .map(|t| ObservedTest {
                test: t.test.to_string(),
                status: t.status.as_str().to_string(),
                detail: t.detail,
            })
            .collect(),
        negotiated: p.negotiated,
        certificate: p.certificate,
        https_answer: p.https_answer,
        accepted_suites: p.accepted_suites,
        grade: p.grade,
        source: source.to_string(),
    }
}

/// The URLs to probe for an endpoint reachable from the network: each concrete server name on
/// each listener's port, `https://` where the listener terminates TLS, `http://` elsewhere,
/// with the listener's span. Passthrough endpoints and heuristic readings are not probed.
fn targets(ep: &Endpoint) -> Vec<(String, ModelSpan)> {
    if !observable(ep) {
        return Vec::new();
    }
    let names: Vec<&String> = ep
        .server_names
        .iter()
        .filter(|n| concrete(n))
        .take(NAMES_PER_ENDPOINT)
        .collect();
    let mut out = Vec::new();
    for name in names {
        for l in &ep.listens {
            let Some(port) = l.port else { continue };
            out.push((url(l.tls, name, port), l.span.clone()));
        }
    }
    out
}

/// A server name that names one host: no wildcard, regex, variable or catch-all.
fn concrete(n: &str) -> bool {
    !n.is_empty()
        && n != "_"
        && !n.starts_with('~')
        && !n.starts_with('.')
        && !n.contains(['*', '$', '{', '}', '/', ' ', '(', ')'])
}

/// Imported results (`--observations`): every TLS listener target whose server name and port
/// an imported probe scanned gets an observation citing the tool and file; a probe that no
/// in-scope endpoint matches is a notice, never dropped in silence. No network is touched.
/// `imports` holds each file's path as given with what it holds.
pub fn import(
    model: &mut Model,
    imports: &[(String, crate::probe::import::Imported)],
    trust: &TrustStore,
    time: i64,
) -> Vec<Finding> {
    let mut notices = Vec::new();
    for (path, imported) in imports {
        let source = imported.source(path);
        for p in &imported.probes {
            let mut matched = false;
            for ep in &model.endpoints {
                for (url, span) in imported_targets(ep, &p.host, p.port) {
                    matched = true;
                    let probe = p.probe(&url, trust, time);
                    model
                        .observations
                        .push(observation(&ep.id, span, probe, &source));
                }
            }
            if !matched {
                notices.push(Finding::new(
                    FindingKind::Notice,
                    format!(
                        "{source}: {}:{} matches no endpoint of the scan (no in-scope endpoint has the server name {} on a TLS port {}): its results are not judged",
                        p.host, p.port, p.host, p.port
                    ),
                    None,
                ));
            }
        }
    }
    notices
}

/// The `https://` targets of an endpoint for a scanned host and port: the listeners on that
/// port that terminate TLS, for a server name equal to the host (no limit on names: nothing is
/// probed). The same endpoints as [`targets`]: none local, heuristic or passed through.
fn imported_targets(ep: &Endpoint, host: &str, port: u16) -> Vec<(String, ModelSpan)> {
    if !observable(ep) {
        return Vec::new();
    }
    let host = host.trim_end_matches('.');
    let named = ep
        .server_names
        .iter()
        .any(|n| concrete(n) && n.trim_end_matches('.').eq_ignore_ascii_case(host));
    let Some(l) = ep
        .listens
        .iter()
        .find(|l| named && l.tls && l.port == Some(port))
    else {
        return Vec::new();
    };
    vec![(url(true, &host.to_ascii_lowercase(), port), l.span.clone())]
}

/// Whether an endpoint's results can be observed: reachable from the network, read from its
/// configuration (not guessed from key names), and terminating TLS itself (not passing it on).
fn observable(ep: &Endpoint) -> bool {
    let local = matches!(ep.scope, Scope::Loopback | Scope::Unix | Scope::Stdio);
    !local && ep.heuristic.is_none() && ep.transport != Transport::TlsPassthrough
}

/// `https://name/` or `http://name:port/`: the port is left out where it is the scheme's.
fn url(tls: bool, name: &str, port: u16) -> String {
    let (scheme, default) = if tls { ("https", 443) } else { ("http", 80) };
    if port == default {
        format!("{scheme}://{name}/")
    } else {
        format!("{scheme}://{name}:{port}/")
    }
}

/// Where the live endpoint and its configuration disagree, as DRIFT findings citing both: a
/// protocol version the configuration leaves out that the server accepts (another
/// configuration is live) or one it lists that the server refuses (the TLS library's security
/// level); a plaintext redirect configured while content is served; a served certificate whose
/// key is not the key of the file the configuration names; suites accepted that the
/// configured list does not offer.
pub fn drift(map: &SourceMap, model: &Model) -> Vec<Finding> {
    let mut out = Vec::new();
    for o in &model.observations {
        let Some(ep) = model.endpoints.iter().find(|e| e.id == o.endpoint) else {
            continue;
        };
        let seen = format!("{} at {} ({})", o.target, o.address, o.observed_at);
        let mut push = |message: String, at: &ModelSpan| {
            out.push(Finding::new(
                FindingKind::Drift,
                message,
                map.span_at(&at.location()),
            ));
        };
        let protocols = &ep.tls.protocols;
        for (test, version) in [("tls1.0-rejected", "TLSv1"), ("tls1.1-rejected", "TLSv1.1")] {
            let Some(t) = o.tests.iter().find(|t| t.test == test) else {
                continue;
            };
            let listed = protocols.value.iter().any(|p| p == version);
            let where_ = format!("{}:{}", protocols.span.file, protocols.span.line);
            // A worst case assumed for an unknown product version is no claim to contradict.
            let said = match protocols.origin {
                _ if protocols.version_dependent => continue,
                Origin::Explicit => format!("the configuration lists {version} ({where_})"),
                _ => format!("the product default judged ({where_}) includes {version}"),
            };
            match (t.status.as_str(), listed) {
                ("FAIL", false) => push(
                    format!("the configuration offers {} ({where_}) but {seen} completed a {version} handshake: another configuration or product default is live", protocols.value.join(" ")),
                    &protocols.span,
                ),
                ("PASS", true) => push(
                    format!("{said} but {seen} refuses it: {} (the TLS library's security level, or another configuration)", t.detail),
                    &protocols.span,
                ),
                _ => {}
            }
        }
        suite_drift(ep, o, &seen, &mut push);
        let redirect = &ep.plaintext.redirects_to_https;
        if redirect.value {
            if let Some(t) = o
                .tests
                .iter()
                .find(|t| t.test == "http-rejected-or-redirected" && t.status == "FAIL")
            {
                push(
                    format!("the configuration redirects plaintext requests to https ({}:{}) but {seen} answered: {}", redirect.span.file, redirect.span.line, t.detail),
                    &redirect.span,
                );
            }
        }
        let hsts = &ep.tls.hsts;
        if let (Some(configured), Some(answer)) = (&hsts.value, &o.https_answer) {
            if answer.hsts.is_none() {
                push(
                    format!("the configuration sends Strict-Transport-Security \"{}\" ({}:{}) but {seen} answered{} without it", configured.raw, hsts.span.file, hsts.span.line, answer.status.map(|s| format!(" HTTP {s}")).unwrap_or_default()),
                    &hsts.span,
                );
            }
        }
        if let Some(served) = &o.certificate {
            for c in &ep.tls.certificates {
                let file = model.certificates.iter().find(|f| {
                    f.path == c.path && f.span.file == c.span.file && f.span.line == c.span.line
                });
                if let Some(f) = file.filter(|f| f.spki_sha256 != served.spki_sha256) {
                    push(
                        format!("the certificate {} named at {}:{} ({}) is not what {seen} serves ({}, {})", f.file, c.span.file, c.span.line, f.spki_sha256, served.subject, served.spki_sha256),
                        &c.span,
                    );
                }
            }
        }
    }
    out
}

/// Suites the server accepted that the configured list (TLS 1.2 and older, or TLS 1.3) does not
/// offer: another cipher configuration is live. A list the configuration does not decide, or a
/// worst case assumed for an unknown product version, is no claim to contradict.
fn suite_drift(
    ep: &Endpoint,
    o: &Observation,
    seen: &str,
    push: &mut impl FnMut(String, &ModelSpan),
) {
    let legacy = &ep.tls.ciphers;
    let modern = &ep.tls.tls13_suites;
    for (tls13, offered, origin, span, dependent) in [
        (
            false,
            &legacy.value.suites,
            legacy.origin,
            &legacy.span,
            legacy.version_dependent,
        ),
        (
            true,
            &modern.value,
            modern.origin,
            &modern.span,
            modern.version_dependent,
        ),
    ] {
        if offered.is_empty() || dependent {
            continue;
        }
        let extra: Vec<String> = o
            .accepted_suites
            .iter()
            .filter(|a| (a.protocol == "TLSv1.3") == tls13)
            .filter(|a| !offered.iter().any(|s| s.id == a.suite.id))
            .map(|a| format!("{} {}", a.protocol, a.suite.name))
            .collect();
        if extra.is_empty() {
            continue;
        }
        let said = match origin {
            Origin::Explicit => "the configuration offers",
            _ => "the product default judged offers",
        };
        const SHOWN: usize = 12;
        let more = match extra.len().saturating_sub(SHOWN) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        push(
            format!(
                "{said} {} suites ({}:{}) but {seen} accepted {} it does not: {}{more}; another cipher configuration is live",
                offered.len(),
                span.file,
                span.line,
                extra.len(),
                extra[..extra.len().min(SHOWN)].join(", ")
            ),
            span,
        );
    }
}
