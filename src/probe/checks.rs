//! The control's test results, observed: one probe per target, each test PASS, FAIL or
//! INCONCLUSIVE with what was seen.

use super::hello::Version;
use super::{offers, Offered};
use crate::certs::{judge_served, ServedChain, TrustStore};
use serde::Serialize;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::{Arc, Mutex};
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

/// A URL to probe: `https://host[:port][/path]` or `http://host[:port][/path]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub https: bool,
    pub host: String,
    pub port: u16,
    pub path: String,
}

impl Target {
    pub fn parse(url: &str) -> Result<Target, String> {
        let (https, rest) = if let Some(r) = url.strip_prefix("https://") {
            (true, r)
        } else if let Some(r) = url.strip_prefix("http://") {
            (false, r)
        } else {
            return Err(format!(
                "{url}: a target is https://host[:port][/path] or http://…"
            ));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], rest[i..].to_string()),
            None => (rest, "/".to_string()),
        };
        if authority.contains('@') {
            return Err(format!(
                "{url}: credentials in a target URL are not accepted"
            ));
        }
        let (host, port) = split_host_port(authority, if https { 443 } else { 80 })
            .ok_or_else(|| format!("{url}: not a host[:port]"))?;
        Ok(Target {
            url: url.to_string(),
            https,
            host,
            port,
            path,
        })
    }
}

fn split_host_port(a: &str, default: u16) -> Option<(String, u16)> {
    if let Some(rest) = a.strip_prefix('[') {
        let (h, after) = rest.split_once(']')?;
        let port = match after.strip_prefix(':') {
            Some(p) => p.parse().ok()?,
            None if after.is_empty() => default,
            None => return None,
        };
        return Some((h.to_string(), port));
    }
    match a.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Some((h.to_string(), p.parse().ok()?)),
        _ if !a.is_empty() => Some((a.to_string(), default)),
        _ => None,
    }
}

/// `--connect-to HOST:PORT:ADDR:PORT`, as curl's: the name stays, the connection goes to ADDR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    pub host: String,
    pub port: u16,
    pub to: SocketAddr,
}

impl ConnectTo {
    pub fn parse(s: &str) -> Result<ConnectTo, String> {
        let bad = || format!("--connect-to {s}: expected HOST:PORT:ADDR:PORT");
        let (host, rest) = s.split_once(':').ok_or_else(bad)?;
        let (port, to) = rest.split_once(':').ok_or_else(bad)?;
        let (addr, to_port) = to.rsplit_once(':').ok_or_else(bad)?;
        let ip: std::net::IpAddr = addr
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse()
            .map_err(|_| format!("--connect-to {s}: {addr} is not an IP address"))?;
        Ok(ConnectTo {
            host: host.to_string(),
            port: port.parse().map_err(|_| bad())?,
            to: SocketAddr::new(ip, to_port.parse().map_err(|_| bad())?),
        })
    }
}

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
            let why = crate::ciphers::by_name(&s.suite.name).and_then(crate::ciphers::weakness)?;
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

/// How a failed TLS handshake's reason begins.
const HANDSHAKE_FAILED: &str = "TLS handshake failed";

/// A TLS 1.2+ session with the server: what it negotiated and served, and the HTTP answer.
struct Session {
    version: String,
    suite: String,
    chain: Vec<Vec<u8>>,
    /// The status line and headers of the answer to a GET, if any.
    answer: Option<String>,
}

fn tls_session(t: &Target, addr: SocketAddr, timeout: Duration) -> Result<Session, String> {
    let captured = Arc::new(Mutex::new(Vec::new()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Capture {
            chain: captured.clone(),
            provider,
        }))
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(t.host.clone())
        .map_err(|e| format!("{}: {e}", t.host))?;
    let mut conn =
        rustls::ClientConnection::new(Arc::new(config), name).map_err(|e| e.to_string())?;
    let deadline = Instant::now() + timeout;
    let mut sock = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let _ = sock.set_read_timeout(Some(timeout));
    let _ = sock.set_write_timeout(Some(timeout));
    while conn.is_handshaking() {
        if Instant::now() > deadline {
            return Err(format!(
                "no TLS handshake within {} s",
                timeout.as_secs_f32()
            ));
        }
        conn.complete_io(&mut sock).map_err(|e| match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => format!(
                "no TLS handshake within {} s (the server did not answer)",
                timeout.as_secs_f32()
            ),
            _ => format!("{HANDSHAKE_FAILED}: {e}"),
        })?;
    }
    let version = conn
        .protocol_version()
        .map(|v| format!("{v:?}").replace("TLSv1_", "TLSv1."))
        .unwrap_or_default();
    let suite = conn
        .negotiated_cipher_suite()
        .map(|s| {
            let id = u16::from(s.suite());
            crate::ciphers::all()
                .find(|c| c.id == id)
                .map(|c| c.name.to_string())
                .unwrap_or_else(|| format!("0x{id:04X}"))
        })
        .unwrap_or_default();
    let chain = captured.lock().map(|c| c.clone()).unwrap_or_default();
    let mut tls = rustls::Stream::new(&mut conn, &mut sock);
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: tlsproof\r\nConnection: close\r\n\r\n",
        t.path, t.host
    );
    let answer = tls
        .write_all(request.as_bytes())
        .ok()
        .and_then(|_| read_head(&mut tls, deadline));
    Ok(Session {
        version,
        suite,
        chain,
        answer,
    })
}

/// Reads an HTTP response head (up to the blank line, at most 64 KiB).
fn read_head(r: &mut impl Read, deadline: Instant) -> Option<String> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while Instant::now() < deadline && buf.len() < 64 * 1024 {
        match r.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    break;
                }
            }
        }
    }
    let text = String::from_utf8_lossy(&buf);
    let head = text.split("\r\n\r\n").next().unwrap_or("").to_string();
    head.starts_with("HTTP/").then_some(head)
}

fn status_of(head: &str) -> Option<u16> {
    head.split_whitespace().nth(1)?.parse().ok()
}

fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
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

/// A verifier that accepts any chain and keeps it: the chain is judged afterwards with the
/// same code and trust store as certificate files, so the verdict says why.
#[derive(Debug)]
struct Capture {
    chain: Arc<Mutex<Vec<Vec<u8>>>>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if let Ok(mut c) = self.chain.lock() {
            *c = std::iter::once(end_entity)
                .chain(intermediates)
                .map(|d| d.as_ref().to_vec())
                .collect();
        }
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
