//! The control's test results, observed: one probe per target, each test PASS, FAIL or
//! INCONCLUSIVE with what was seen.

use super::hello::Version;
use super::session::{header, read_head, status_of, tls_session, Session, HANDSHAKE_FAILED};
pub use super::target::{ConnectTo, Target};
use super::{offers, Offered};
use crate::certs::{judge_served, ServedChain, TrustStore};
use serde::Serialize;
use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The tests of an `https://` target, in the order a probe reports them.
pub const HTTPS_TESTS: [&str; 7] = [
    "https-valid-certificate",
    "tls1.0-rejected",
    "tls1.1-rejected",
    "self-signed-rejected",
    "ssl3-rejected",
    "strong-ciphers",
    "grade-a-or-better",
];

/// The test of an `http://` target.
pub const HTTP_TESTS: [&str; 1] = ["http-rejected-or-redirected"];

/// The longest one target's suite enumeration may go on: a slow server answering every
/// handshake near the timeout cannot hold a probe for minutes.
pub const SUITE_BUDGET: Duration = Duration::from_secs(30);

/// How a probe may behave.
#[derive(Debug, Clone)]
pub struct Options {
    /// For each connection: connect, handshake and read.
    pub timeout: Duration,
    pub connect_to: Vec<ConnectTo>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TestStatus {
    Pass,
    Fail,
    Inconclusive,
}

impl TestStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TestStatus::Pass => "PASS",
            TestStatus::Fail => "FAIL",
            TestStatus::Inconclusive => "INCONCLUSIVE",
        }
    }
}

/// One test's result.
#[derive(Debug, Clone, Serialize)]
pub struct TestResult {
    pub test: &'static str,
    pub status: TestStatus,
    pub detail: String,
}

fn result(test: &'static str, status: TestStatus, detail: impl Into<String>) -> TestResult {
    TestResult {
        test,
        status,
        detail: detail.into(),
    }
}

/// What one target showed.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub target: String,
    /// The address connected to (after `--connect-to`), or why there is none.
    pub address: String,
    pub observed_at: String,
    pub tests: Vec<TestResult>,
    /// The certificate chain served (`https://`), judged; absent when none was captured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<crate::model::ServedCertificate>,
    /// The answer to a GET over TLS, with its Strict-Transport-Security header.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https_answer: Option<crate::model::HttpsAnswer>,
    /// What a TLS 1.2+ handshake negotiated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiated: Option<crate::model::Negotiated>,
    /// The suites accepted at each protocol version, in the order the server chose them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accepted_suites: Vec<crate::model::ObservedSuite>,
    /// The grade after SSL Labs' rating guide, with the caps that fired.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<crate::model::Grade>,
}

/// The address of a target: a `--connect-to` mapping, else the name resolved.
fn address(t: &Target, opts: &Options) -> Result<SocketAddr, String> {
    if let Some(m) = opts
        .connect_to
        .iter()
        .find(|m| m.host.eq_ignore_ascii_case(&t.host) && m.port == t.port)
    {
        return Ok(m.to);
    }
    (t.host.as_str(), t.port)
        .to_socket_addrs()
        .map_err(|e| format!("{} does not resolve: {e}", t.host))?
        .next()
        .ok_or_else(|| format!("{} resolves to no address", t.host))
}

/// Probes one target: the TLS tests for `https://`, the plaintext test for `http://`.
/// `time` (Unix seconds) is when certificates are judged; `observed_at` its RFC 3339 form.
pub fn probe(
    t: &Target,
    trust: &TrustStore,
    opts: &Options,
    time: i64,
    observed_at: &str,
) -> Probe {
    let tests_of = |why: &str| -> Vec<TestResult> {
        let ids: &[&'static str] = if t.https { &HTTPS_TESTS } else { &HTTP_TESTS };
        ids.iter()
            .map(|id| result(id, TestStatus::Inconclusive, why))
            .collect()
    };
    let addr = match address(t, opts) {
        Ok(a) => a,
        Err(why) => {
            return Probe {
                target: t.url.clone(),
                address: String::new(),
                observed_at: observed_at.to_string(),
                tests: tests_of(&why),
                negotiated: None,
                certificate: None,
                https_answer: None,
                accepted_suites: Vec::new(),
                grade: None,
            }
        }
    };
    let (tests, seen) = if t.https {
        https_tests(t, addr, trust, opts, time)
    } else {
        (vec![http_test(t, addr, opts)], Seen::default())
    };
    Probe {
        target: t.url.clone(),
        address: addr.to_string(),
        observed_at: observed_at.to_string(),
        tests,
        negotiated: seen.negotiated,
        certificate: seen.certificate,
        https_answer: seen.https_answer,
        accepted_suites: seen.accepted_suites,
        grade: seen.grade,
    }
}

fn sni(t: &Target) -> Option<&str> {
    t.host
        .parse::<std::net::IpAddr>()
        .is_err()
        .then_some(t.host.as_str())
}

/// What the `https://` tests saw, beside the test results.
#[derive(Default)]
struct Seen {
    negotiated: Option<crate::model::Negotiated>,
    certificate: Option<crate::model::ServedCertificate>,
    https_answer: Option<crate::model::HttpsAnswer>,
    accepted_suites: Vec<crate::model::ObservedSuite>,
    grade: Option<crate::model::Grade>,
}

fn https_tests(
    t: &Target,
    addr: SocketAddr,
    trust: &TrustStore,
    opts: &Options,
    time: i64,
) -> (Vec<TestResult>, Seen) {
    let session = tls_session(t, addr, opts.timeout);
    // A server whose suites this client does not implement (CBC, static RSA, …) still shows
    // its chain to a hand-built TLS 1.2 hello, so the certificate is judged all the same.
    let chain = match &session {
        Ok(s) => Some(s.chain.clone()),
        Err(why) if why.starts_with(HANDSHAKE_FAILED) => {
            super::served_chain(addr, sni(t), opts.timeout).ok()
        }
        Err(_) => None,
    };
    let served = chain.map(|c| judge_served(trust, c, &t.host, time));
    let mut out = vec![valid_certificate(&session, &served)];
    let offered: Vec<(Version, Offered)> = [Version::Tls10, Version::Tls11, Version::Ssl3]
        .into_iter()
        .map(|v| (v, offers(addr, sni(t), v, opts.timeout)))
        .collect();
    for (id, v) in [
        ("tls1.0-rejected", Version::Tls10),
        ("tls1.1-rejected", Version::Tls11),
    ] {
        if let Some((_, o)) = offered.iter().find(|(w, _)| *w == v) {
            out.push(version_rejected(id, o.clone(), v));
        }
    }
    out.push(self_signed(&session, &served));
    if let Some((_, o)) = offered.iter().find(|(w, _)| *w == Version::Ssl3) {
        out.push(version_rejected("ssl3-rejected", o.clone(), Version::Ssl3));
    }
    // Every suite accepted, at TLS 1.3 and 1.2 and at each older version the server accepts.
    let mut versions = vec![Version::Tls13, Version::Tls12];
    versions.extend(
        offered
            .iter()
            .filter(|(_, o)| matches!(o, Offered::Accepted { .. }))
            .map(|(v, _)| *v),
    );
    let mut protocols = Vec::new();
    let mut accepted_suites = Vec::new();
    let mut gaps = Vec::new();
    let deadline = Instant::now() + SUITE_BUDGET;
    for v in versions {
        let (ids, gap) = super::accepted_suites(addr, sni(t), v, opts.timeout, deadline);
        if let Some(g) = gap {
            gaps.push(format!("{}: {g}", v.name()));
        }
        if !ids.is_empty() {
            protocols.push(v);
        }
        accepted_suites.extend(ids.iter().filter_map(|id| {
            let s = crate::ciphers::all().find(|s| s.id == *id)?;
            Some(crate::model::ObservedSuite {
                protocol: v.name().to_string(),
                suite: crate::model::SuiteFacts::from(s),
            })
        }));
    }
    out.push(strong_ciphers(&accepted_suites, &gaps));
    let chain = match &served {
        Some(Ok(c)) => Some(c),
        _ => None,
    };
    let https_answer = session.as_ref().ok().and_then(|s| {
        let head = s.answer.as_deref()?;
        Some(crate::model::HttpsAnswer {
            status: Some(status_of(head)?),
            hsts: header(head, "strict-transport-security").map(str::to_string),
        })
    });
    protocols.sort();
    let grade = super::grade::grade(&super::grade::Seen {
        protocols: &protocols,
        suites: &accepted_suites,
        certificate: chain,
        hsts: https_answer.as_ref().and_then(|a| a.hsts.as_deref()),
    });
    out.push(grade_test(&grade));
    let certificate = chain.map(|c| crate::model::ServedCertificate {
        subject: c.subject.clone(),
        issuer: c.issuer.clone(),
        not_after: c.not_after.clone(),
        self_signed: c.self_signed,
        spki_sha256: c.pins.first().cloned().unwrap_or_default(),
        pins: c.pins.clone(),
        key: c.key.clone(),
        chain: c.chain.clone(),
    });
    let negotiated = session.as_ref().ok().map(|s| crate::model::Negotiated {
        protocol: s.version.clone(),
        suite: s.suite.clone(),
    });
    let seen = Seen {
        negotiated,
        certificate,
        https_answer,
        accepted_suites,
        grade,
    };
    (out, seen)
}

/// `strong-ciphers`: every suite accepted is strong under the rule of `NET03-CIPHER`.
pub(crate) fn strong_ciphers(
    suites: &[crate::model::ObservedSuite],
    gaps: &[String],
) -> TestResult {
    const ID: &str = "strong-ciphers";
    let weak: Vec<String> = suites
        .iter()
        .filter_map(|s| {
            let why = crate::ciphers::weakness(s.suite.0)?;
            Some(format!("{} {} ({why})", s.protocol, s.suite.name))
        })
        .collect();
    if !weak.is_empty() {
        const SHOWN: usize = 12;
        let more = match weak.len().saturating_sub(SHOWN) {
            0 => String::new(),
            n => format!(" and {n} more (accepted_suites lists them all)"),
        };
        return result(
            ID,
            TestStatus::Fail,
            format!(
                "{} of {} suites accepted are weak: {}{more}",
                weak.len(),
                suites.len(),
                weak[..weak.len().min(SHOWN)].join(", ")
            ),
        );
    }
    if suites.is_empty() || !gaps.is_empty() {
        let why = if gaps.is_empty() {
            "no suite was accepted".to_string()
        } else {
            gaps.join("; ")
        };
        return result(
            ID,
            TestStatus::Inconclusive,
            format!("the accepted suites are not all known: {why}"),
        );
    }
    result(
        ID,
        TestStatus::Pass,
        format!(
            "all {} suites accepted are strong: {}",
            suites.len(),
            suites
                .iter()
                .map(|s| format!("{} {}", s.protocol, s.suite.name))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )
}

/// `grade-a-or-better`: the control's expected result, "Grade A or better from SSL Labs",
/// computed after SSL Labs' rating guide from what was observed.
pub(crate) fn grade_test(g: &Option<crate::model::Grade>) -> TestResult {
    const ID: &str = "grade-a-or-better";
    let Some(g) = g else {
        return result(
            ID,
            TestStatus::Inconclusive,
            "no handshake was completed at any version: nothing to grade",
        );
    };
    let status = if g.grade == "A" || g.grade == "A+" {
        TestStatus::Pass
    } else {
        TestStatus::Fail
    };
    let caps = if g.caps.is_empty() {
        String::new()
    } else {
        format!("; {}", g.caps.join("; "))
    };
    result(
        ID,
        status,
        format!(
            "grade {} (score {}: protocol {}, key exchange {}, cipher {}){caps}",
            g.grade, g.score, g.protocol_score, g.key_exchange_score, g.cipher_score
        ),
    )
}

fn version_rejected(id: &'static str, o: Offered, v: Version) -> TestResult {
    match o {
        Offered::Refused(how) => {
            result(id, TestStatus::Pass, format!("{} refused: {how}", v.name()))
        }
        Offered::Accepted { suite } => {
            let name = crate::ciphers::all()
                .find(|s| s.id == suite)
                .map(|s| s.name.to_string())
                .unwrap_or_else(|| format!("0x{suite:04X}"));
            result(
                id,
                TestStatus::Fail,
                format!("the server completed a {} handshake ({name})", v.name()),
            )
        }
        Offered::Inconclusive(why) => result(id, TestStatus::Inconclusive, why),
    }
}

/// What is wrong with a chain that does not validate: its status, why, and whose it is.
fn defect(c: &ServedChain) -> String {
    format!(
        "{}: {} ({} issued by {})",
        c.chain.status, c.chain.detail, c.subject, c.issuer
    )
}

fn valid_certificate(
    session: &Result<Session, String>,
    served: &Option<Result<ServedChain, String>>,
) -> TestResult {
    const ID: &str = "https-valid-certificate";
    let s = match (session, served) {
        (Ok(s), _) => s,
        (Err(why), _) if why.contains("within") => {
            return result(ID, TestStatus::Inconclusive, why)
        }
        (Err(why), Some(Ok(c))) if c.chain.status != "valid" => {
            return result(ID, TestStatus::Fail, format!("{}; {why}", defect(c)))
        }
        (Err(why), Some(Ok(c))) => {
            return result(
                ID,
                TestStatus::Inconclusive,
                format!(
                    "the served certificate {} is valid ({}), but {why}: the server completes TLS 1.2 only with suites this client does not implement (strong-ciphers names them), so no HTTPS request was made",
                    c.subject,
                    c.chain.trusted_by.clone().unwrap_or_default()
                ),
            )
        }
        (Err(why), _) => return result(ID, TestStatus::Fail, why.clone()),
    };
    let chain = match served {
        Some(Ok(c)) => c,
        Some(Err(e)) => {
            return result(
                ID,
                TestStatus::Fail,
                format!("the served certificate does not parse: {e}"),
            )
        }
        None => return result(ID, TestStatus::Inconclusive, "no certificate captured"),
    };
    if chain.chain.status != "valid" {
        return result(ID, TestStatus::Fail, defect(chain));
    }
    let Some(head) = &s.answer else {
        return result(
            ID,
            TestStatus::Fail,
            format!(
                "{} {} with a valid certificate, but no HTTP answer",
                s.version, s.suite
            ),
        );
    };
    let status = status_of(head).map(|c| c.to_string()).unwrap_or_default();
    let hsts = header(head, "strict-transport-security")
        .map(|h| format!("; Strict-Transport-Security: {h}"))
        .unwrap_or_else(|| "; no Strict-Transport-Security header".into());
    result(
        ID,
        TestStatus::Pass,
        format!(
            "{} {}, certificate {} (issued by {}, valid until {}, {}); HTTP {status}{hsts}",
            s.version,
            s.suite,
            chain.subject,
            chain.issuer,
            chain.not_after,
            chain.chain.trusted_by.clone().unwrap_or_default()
        ),
    )
}

fn self_signed(
    session: &Result<Session, String>,
    served: &Option<Result<ServedChain, String>>,
) -> TestResult {
    const ID: &str = "self-signed-rejected";
    let chain = match (session, served) {
        (_, Some(Ok(c))) => c,
        (Err(why), _) => {
            return result(
                ID,
                TestStatus::Inconclusive,
                format!("no certificate served: {why}"),
            )
        }
        (_, Some(Err(e))) => return result(ID, TestStatus::Inconclusive, e.clone()),
        (_, None) => return result(ID, TestStatus::Inconclusive, "no certificate captured"),
    };
    if let Some(by) = &chain.chain.trusted_by {
        let how = if chain.chain.explicit {
            "explicitly trusted"
        } else {
            "trusted"
        };
        return result(
            ID,
            TestStatus::Pass,
            format!("the served chain is {how} ({by})"),
        );
    }
    if chain.self_signed || chain.chain.status == "self-signed" {
        return result(
            ID,
            TestStatus::Fail,
            format!("the served certificate {} is self-signed and not trusted (no CA file or pin trusts it)", chain.subject),
        );
    }
    result(
        ID,
        TestStatus::Pass,
        format!("the served certificate is not self-signed (issued by {}); its chain is judged by https-valid-certificate", chain.issuer),
    )
}

/// `http://`: refused, reset, closed, 4xx or a redirect to https pass; content or a redirect
/// to http fails.
fn http_test(t: &Target, addr: SocketAddr, opts: &Options) -> TestResult {
    const ID: &str = "http-rejected-or-redirected";
    let deadline = Instant::now() + opts.timeout;
    let mut sock = match TcpStream::connect_timeout(&addr, opts.timeout) {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            return result(
                ID,
                TestStatus::Pass,
                format!("connection refused at {addr}"),
            )
        }
        Err(e) => {
            return result(
                ID,
                TestStatus::Inconclusive,
                format!("cannot connect to {addr}: {e}"),
            )
        }
    };
    let _ = sock.set_read_timeout(Some(opts.timeout));
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: tlsproof\r\nConnection: close\r\n\r\n",
        t.path, t.host
    );
    if sock.write_all(request.as_bytes()).is_err() {
        return result(
            ID,
            TestStatus::Pass,
            "the connection was closed before the request",
        );
    }
    let Some(head) = read_head(&mut sock, deadline) else {
        return result(
            ID,
            TestStatus::Pass,
            "no HTTP answer: the connection was closed or reset",
        );
    };
    let code = status_of(&head).unwrap_or(0);
    let location = header(&head, "location").unwrap_or("");
    match code {
        300..=399 if location.starts_with("https://") => {
            result(ID, TestStatus::Pass, format!("HTTP {code} to {location}"))
        }
        300..=399 => result(
            ID,
            TestStatus::Fail,
            format!("HTTP {code} to {location:?}: not to https"),
        ),
        400..=499 => result(
            ID,
            TestStatus::Pass,
            format!("HTTP {code}: plaintext requests are refused"),
        ),
        _ => result(
            ID,
            TestStatus::Fail,
            format!("HTTP {code}: content is served over plaintext"),
        ),
    }
}
