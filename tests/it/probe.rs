//! The probe against real servers on loopback: `openssl s_server` with a generated certificate,
//! restricted to the protocol versions of each case. The version answers come from the wire:
//! a server limited to TLS 1.1 accepts TLS 1.1 and refuses TLS 1.0 and 1.2; a default OpenSSL 3
//! server refuses TLS 1.0 and 1.1 by its security level even though its protocol range would
//! allow them, and the probe must say "refused", not guess.

use crate::common::have_tool;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use tlsproof::probe::hello::Version;
use tlsproof::probe::{offers, served_chain, Offered};

pub(super) const TIMEOUT: Duration = Duration::from_secs(5);

/// An `openssl s_server` on a free loopback port, killed when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(super) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A self-signed certificate for `name` in `dir` (cert.pem, key.pem).
fn self_signed_for(dir: &Path, name: &str) {
    crate::common::openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "key.pem",
            "-out",
            "cert.pem",
            "-days",
            "30",
            "-subj",
            &format!("/CN={name}"),
            "-addext",
            &format!("subjectAltName=DNS:{name}"),
        ],
    );
}

/// A self-signed certificate for `localhost` in `dir` (cert.pem, key.pem).
fn self_signed(dir: &Path) {
    self_signed_for(dir, "localhost");
}

fn s_server(dir: &Path, flags: &[&str]) -> Server {
    let port = free_port();
    let accept = format!("127.0.0.1:{port}");
    let child = Command::new("openssl")
        .current_dir(dir)
        .args([
            "s_server", "-quiet", "-accept", &accept, "-cert", "cert.pem", "-key", "key.pem",
        ])
        .args(flags)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr: SocketAddr = accept.parse().unwrap();
    let start = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        assert!(
            start.elapsed() < TIMEOUT,
            "openssl s_server did not start on {addr}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Server { child, addr }
}

/// A loopback port nothing listens on: port 1 cannot be bound by an unprivileged test, and a
/// free high port could be taken by a test running beside this one.
fn closed_port() -> SocketAddr {
    let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_err(),
        "something listens on 127.0.0.1:1"
    );
    addr
}

fn accepted(o: &Offered) -> bool {
    matches!(o, Offered::Accepted { .. })
}

fn refused(o: &Offered) -> bool {
    matches!(o, Offered::Refused(_))
}

#[test]
fn a_server_limited_to_tls11_accepts_only_tls11() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    self_signed(dir.path());
    let s = s_server(dir.path(), &["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"]);
    let at = |v| offers(s.addr, Some("localhost"), v, TIMEOUT);
    assert!(accepted(&at(Version::Tls11)), "{:?}", at(Version::Tls11));
    for v in [Version::Tls10, Version::Tls12, Version::Tls13] {
        let o = at(v);
        assert!(refused(&o), "{} should be refused: {o:?}", v.name());
    }
}

#[test]
fn a_default_openssl3_server_refuses_tls10_and_11_by_its_security_level() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    self_signed(dir.path());
    let s = s_server(dir.path(), &[]);
    let at = |v| offers(s.addr, Some("localhost"), v, TIMEOUT);
    for v in [Version::Ssl3, Version::Tls10, Version::Tls11] {
        let o = at(v);
        assert!(refused(&o), "{} should be refused: {o:?}", v.name());
    }
    for v in [Version::Tls12, Version::Tls13] {
        let o = at(v);
        assert!(accepted(&o), "{} should be accepted: {o:?}", v.name());
    }
}

#[test]
fn a_server_at_security_level_0_accepts_tls10() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    self_signed(dir.path());
    let s = s_server(
        dir.path(),
        &["-cipher", "ALL:@SECLEVEL=0", "-min_protocol", "TLSv1"],
    );
    let o = offers(s.addr, Some("localhost"), Version::Tls10, TIMEOUT);
    assert!(accepted(&o), "{o:?}");
}

#[test]
fn the_served_chain_is_the_configured_certificate() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    self_signed(dir.path());
    let s = s_server(dir.path(), &[]);
    let chain = served_chain(s.addr, Some("localhost"), TIMEOUT).unwrap();
    let pem = std::fs::read_to_string(dir.path().join("cert.pem")).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let der = base64_decode(&b64);
    assert_eq!(chain.len(), 1);
    assert_eq!(chain[0], der);
}

#[test]
fn a_closed_port_is_inconclusive_never_refused() {
    let o = offers(closed_port(), None, Version::Tls10, Duration::from_secs(2));
    assert!(matches!(o, Offered::Inconclusive(_)), "{o:?}");
}

#[test]
fn a_plaintext_http_server_is_inconclusive_not_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let t = std::thread::spawn(move || {
        use std::io::{Read, Write};
        let (mut c, _) = listener.accept().unwrap();
        let mut buf = [0u8; 512];
        let _ = c.read(&mut buf);
        let _ = c.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let o = offers(addr, None, Version::Tls10, TIMEOUT);
    t.join().unwrap();
    assert!(matches!(o, Offered::Inconclusive(_)), "{o:?}");
}

fn base64_decode(s: &str) -> Vec<u8> {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in s.bytes().filter(|c| *c != b'=') {
        let v = A.iter().position(|a| *a == c).unwrap() as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

use tlsproof::certs::{TrustConfig, TrustStore};
use tlsproof::probe::checks::{self, Options, Target, TestStatus};

pub(super) fn trust(ca: Option<&Path>) -> TrustStore {
    TrustStore::load(&TrustConfig {
        system: false,
        ca_files: ca
            .map(|p| (p.to_path_buf(), p.display().to_string()))
            .into_iter()
            .collect(),
        pins: Vec::new(),
    })
    .unwrap()
}

pub(super) fn statuses(p: &checks::Probe) -> Vec<(&'static str, TestStatus)> {
    p.tests.iter().map(|t| (t.test, t.status)).collect()
}

pub(super) fn run(url: &str, addr: SocketAddr, store: &TrustStore) -> checks::Probe {
    let t = Target::parse(url).unwrap();
    let opts = Options {
        timeout: TIMEOUT,
        connect_to: vec![checks::ConnectTo {
            host: t.host.clone(),
            port: t.port,
            to: addr,
        }],
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    checks::probe(&t, store, &opts, now, "now")
}

#[test]
fn a_self_signed_server_fails_unless_its_certificate_is_trusted() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    self_signed(dir.path());
    let s = s_server(dir.path(), &["-www"]);
    let p = run("https://localhost/", s.addr, &trust(None));
    assert_eq!(
        statuses(&p),
        vec![
            ("https-valid-certificate", TestStatus::Fail),
            ("tls1.0-rejected", TestStatus::Pass),
            ("tls1.1-rejected", TestStatus::Pass),
            ("self-signed-rejected", TestStatus::Fail),
            ("ssl3-rejected", TestStatus::Pass),
            ("strong-ciphers", TestStatus::Fail),
            ("grade-a-or-better", TestStatus::Fail),
        ],
        "{p:#?}"
    );
    // An untrusted certificate grades T whatever the rest, as in SSL Labs' guide.
    let g = p.grade.as_ref().expect("graded");
    assert_eq!(g.grade, "T", "{g:?}");
    assert!(
        g.caps
            .iter()
            .any(|c| c == "T: certificate not trusted (self-signed)"),
        "{g:?}"
    );
    assert!(
        p.tests[0].detail.contains("self-signed"),
        "{}",
        p.tests[0].detail
    );
    let ca = dir.path().join("cert.pem");
    let p = run("https://localhost/", s.addr, &trust(Some(&ca)));
    assert_eq!(p.tests[0].status, TestStatus::Pass, "{p:#?}");
    assert!(
        p.tests[0].detail.contains("HTTP 200"),
        "{}",
        p.tests[0].detail
    );
    assert_eq!(p.tests[3].status, TestStatus::Pass, "{p:#?}");
    // OpenSSL's default list keeps CBC and static-RSA suites: accepted live, named weak.
    let g = p.grade.as_ref().expect("graded");
    assert_eq!(g.grade, g.ignoring_trust, "{g:?}");
    assert!(
        p.accepted_suites
            .iter()
            .any(|s| s.protocol == "TLSv1.2" && s.suite.name == "AES128-GCM-SHA256"),
        "{:?}",
        p.accepted_suites
    );
}

/// A server whose only suite is one a modern client does not implement (CBC with static
/// RSA): its certificate is still judged from a hand-built hello, the HTTPS test cannot tell
/// (never PASS), and the suite fails strong-ciphers and caps the grade.
#[test]
fn a_server_with_legacy_suites_only_is_judged_from_its_served_chain() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    self_signed(dir.path());
    let s = s_server(dir.path(), &["-www", "-cipher", "AES128-SHA", "-no_tls1_3"]);
    let ca = dir.path().join("cert.pem");
    let p = run("https://localhost/", s.addr, &trust(Some(&ca)));
    assert_eq!(
        statuses(&p),
        vec![
            ("https-valid-certificate", TestStatus::Inconclusive),
            ("tls1.0-rejected", TestStatus::Pass),
            ("tls1.1-rejected", TestStatus::Pass),
            ("self-signed-rejected", TestStatus::Pass),
            ("ssl3-rejected", TestStatus::Pass),
            ("strong-ciphers", TestStatus::Fail),
            ("grade-a-or-better", TestStatus::Fail),
        ],
        "{p:#?}"
    );
    assert!(
        p.tests[0].detail.contains("is valid"),
        "{}",
        p.tests[0].detail
    );
    let g = p.grade.as_ref().expect("graded");
    assert_eq!(g.grade, "B", "{g:?}");
    assert!(g
        .caps
        .contains(&"B: no suite with forward secrecy".to_string()));
    let p = run("https://localhost/", s.addr, &trust(None));
    assert_eq!(p.tests[0].status, TestStatus::Fail, "{p:#?}");
    assert!(
        p.tests[0].detail.starts_with("self-signed"),
        "{}",
        p.tests[0].detail
    );
    assert_eq!(p.tests[3].status, TestStatus::Fail, "{p:#?}");
}

#[test]
fn a_server_accepting_tls10_fails_the_version_test() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    self_signed(dir.path());
    let s = s_server(
        dir.path(),
        &[
            "-www",
            "-cipher",
            "ALL:@SECLEVEL=0",
            "-min_protocol",
            "TLSv1",
        ],
    );
    let ca = dir.path().join("cert.pem");
    let p = run("https://localhost/", s.addr, &trust(Some(&ca)));
    assert_eq!(p.tests[1].status, TestStatus::Fail, "{p:#?}");
    assert!(
        p.tests[1].detail.contains("TLSv1 handshake"),
        "{}",
        p.tests[1].detail
    );
    assert_eq!(p.tests[2].status, TestStatus::Fail, "{p:#?}");
}

/// A one-shot HTTP server answering every request with `answer`.
fn http_server(answer: &'static str) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        if let Ok((mut c, _)) = listener.accept() {
            let mut buf = [0u8; 2048];
            let _ = c.read(&mut buf);
            let _ = c.write_all(answer.as_bytes());
        }
    });
    addr
}

/// A hostile server on a loopback port: every connection is accepted and handed to `serve`
/// on its own thread, for as long as the test runs.
fn hostile_server(serve: fn(TcpStream)) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for c in listener.incoming().flatten() {
            std::thread::spawn(move || serve(c));
        }
    });
    addr
}

fn probe_with_timeout(addr: SocketAddr, timeout: Duration) -> (checks::Probe, Duration) {
    let t = Target::parse("https://hostile.example/").unwrap();
    let opts = Options {
        timeout,
        connect_to: vec![checks::ConnectTo {
            host: t.host.clone(),
            port: t.port,
            to: addr,
        }],
    };
    let started = Instant::now();
    let p = checks::probe(
        &t,
        &trust(None),
        &opts,
        1_800_000_000,
        "2027-01-15T08:00:00Z",
    );
    (p, started.elapsed())
}

/// A server that accepts and never answers, and one that answers every hello with an endless
/// stream of handshake bytes: each test ends within its timeout as INCONCLUSIVE (never PASS),
/// the whole probe within a few timeouts, and nothing is read past the answer budget.
#[test]
fn silent_and_endless_servers_end_inconclusive_within_the_timeouts() {
    let silent = hostile_server(|c| {
        std::thread::sleep(Duration::from_secs(30));
        drop(c);
    });
    let (p, took) = probe_with_timeout(silent, Duration::from_millis(300));
    // The server stays silent for 30 s: ending well before that proves the timeouts bound the
    // probe, with room for a machine loaded by other work (a few 300 ms timeouts each).
    assert!(took < Duration::from_secs(20), "took {took:?}");
    for t in &p.tests {
        assert_eq!(t.status, TestStatus::Inconclusive, "{t:?}");
    }
    let endless = hostile_server(|mut c| {
        use std::io::Write;
        let _ = c.set_write_timeout(Some(Duration::from_secs(5)));
        let header = [22u8, 3, 3, 0x40, 0x00, 2, 0xff, 0xff, 0xff];
        if c.write_all(&header).is_err() {
            return;
        }
        let chunk = [0x41u8; 16 * 1024];
        while c.write_all(&chunk).is_ok() {}
    });
    let (p, took) = probe_with_timeout(endless, Duration::from_secs(2));
    assert!(took < Duration::from_secs(20), "took {took:?}");
    for t in &p.tests {
        assert_ne!(t.status, TestStatus::Pass, "{t:?}");
    }
    assert!(p.accepted_suites.is_empty() && p.grade.is_none(), "{p:#?}");
}

#[test]
fn plaintext_http_passes_only_when_refused_or_redirected_to_https() {
    let cases = [
        ("HTTP/1.1 301 Moved\r\nLocation: https://mcp.example.com/\r\nContent-Length: 0\r\n\r\n", TestStatus::Pass),
        ("HTTP/1.1 302 Found\r\nLocation: http://mcp.example.com/login\r\nContent-Length: 0\r\n\r\n", TestStatus::Fail),
        ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", TestStatus::Fail),
        ("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", TestStatus::Pass),
        ("", TestStatus::Pass),
    ];
    for (answer, want) in cases {
        let addr = http_server(answer);
        let p = run("http://mcp.example.com/", addr, &trust(None));
        assert_eq!(p.tests[0].status, want, "{answer:?}: {p:#?}");
    }
    let p = run("http://mcp.example.com/", closed_port(), &trust(None));
    assert_eq!(p.tests[0].status, TestStatus::Pass, "{p:#?}");
}

#[test]
fn targets_and_connect_to_are_parsed_strictly() {
    let t = Target::parse("https://mcp.example.com:8443/mcp").unwrap();
    assert_eq!(
        (t.host.as_str(), t.port, t.path.as_str()),
        ("mcp.example.com", 8443, "/mcp")
    );
    assert_eq!(Target::parse("http://[::1]/").unwrap().port, 80);
    assert!(Target::parse("ftp://x").is_err());
    assert!(Target::parse("https://user:secret@x/").is_err());
    let c = checks::ConnectTo::parse("mcp.example.com:443:127.0.0.1:8443").unwrap();
    assert_eq!(c.to.port(), 8443);
    assert!(checks::ConnectTo::parse("mcp.example.com:443").is_err());
}

/// `scan --probe`: an nginx site whose live server (here `openssl s_server` behind
/// `--connect-to`) is probed, and NET03-TEST judged from what it showed.
fn probed_scan(dir: &Path, https: SocketAddr, trust_ca: bool) -> tlsproof::pipeline::Scan {
    probed_scan_with(dir, https, trust_ca, "")
}

fn probed_scan_with(
    dir: &Path,
    https: SocketAddr,
    trust_ca: bool,
    extra: &str,
) -> tlsproof::pipeline::Scan {
    std::fs::write(
        dir.join("nginx.conf"),
        format!("events {{}}\nhttp {{\n  server {{\n    listen 80;\n    listen 443 ssl;\n    server_name mcp.example.com;\n    ssl_certificate /etc/tls/mcp.pem;\n    location / {{ return 301 https://$host$request_uri; }}\n{extra}  }}\n}}\n"),
    )
    .unwrap();
    let site = dir.join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::copy(dir.join("nginx.conf"), site.join("nginx.conf")).unwrap();
    let connect_to = vec![
        checks::ConnectTo::parse(&format!("mcp.example.com:443:127.0.0.1:{}", https.port()))
            .unwrap(),
        checks::ConnectTo::parse("mcp.example.com:80:127.0.0.1:1").unwrap(),
    ];
    tlsproof::pipeline::run(&tlsproof::pipeline::Options {
        paths: vec![site],
        at: Some(time::OffsetDateTime::now_utc()),
        ca_files: if trust_ca {
            vec![dir.join("cert.pem")]
        } else {
            Vec::new()
        },
        probe: Some(Options {
            timeout: TIMEOUT,
            connect_to,
        }),
        ..Default::default()
    })
    .unwrap()
}

fn mcp_certificate(dir: &Path) {
    self_signed_for(dir, "mcp.example.com");
}

#[test]
fn scan_probe_judges_the_live_endpoint_with_its_configuration() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    mcp_certificate(dir.path());
    let s = s_server(dir.path(), &["-www"]);
    let scan = probed_scan(dir.path(), s.addr, true);
    // The observations (suites, grade, served chain) are part of the model's contract.
    tlsproof::schema::validate(tlsproof::schema::Contract::TlsModel, &scan.model_json()).unwrap();
    let o = scan
        .model
        .observations
        .iter()
        .find(|o| o.target.starts_with("https://"))
        .expect("an https observation");
    assert!(!o.accepted_suites.is_empty() && o.grade.is_some(), "{o:#?}");
    // No nginx version declared: the worst-case default would offer TLS 1.0; the live server
    // refuses it, and that decides NET03-TLS.
    let t = crate::common::result(&scan.report, "NET03-TLS", "mcp.example.com");
    assert_eq!(t.status.as_str(), "PASS", "{}", t.message);
    assert!(
        t.message
            .contains("the live server refuses SSL 3, TLS 1.0 and TLS 1.1"),
        "{}",
        t.message
    );
    let r = crate::common::result(&scan.report, "NET03-TEST", "mcp.example.com");
    assert_eq!(r.status.as_str(), "PASS", "{}", r.message);
    assert!(r.message.contains("127.0.0.1"), "{}", r.message);
    assert_eq!(
        scan.model.observations.len(),
        2,
        "one https and one http target"
    );
    // The certificate file lies outside the tree: the served chain decides NET03-CERT.
    let c = crate::common::result(&scan.report, "NET03-CERT", "mcp.example.com");
    assert_eq!(c.status.as_str(), "PASS", "{}", c.message);
    assert!(
        c.message.contains("served certificate valid"),
        "{}",
        c.message
    );
    assert!(
        c.message.contains("explicitly trusted by ca-file:"),
        "{}",
        c.message
    );
    let scan = probed_scan(dir.path(), s.addr, false);
    let r = crate::common::result(&scan.report, "NET03-TEST", "mcp.example.com");
    assert_eq!(r.status.as_str(), "FAIL", "{}", r.message);
    assert!(
        r.message.contains("self-signed-rejected FAIL"),
        "{}",
        r.message
    );
    assert_eq!(
        crate::common::at(r),
        "nginx.conf:5",
        "the TLS listener's line"
    );
    let c = crate::common::result(&scan.report, "NET03-CERT", "mcp.example.com");
    assert_eq!(c.status.as_str(), "FAIL", "{}", c.message);
    assert!(c.message.contains("self-signed"), "{}", c.message);
}

#[test]
fn an_offline_scan_has_no_observations_and_stays_manual() {
    let fixture =
        crate::common::fixture("nginx/legacy_protocols_in_http_block_fail_at_the_main_file_line");
    let scan = crate::common::scan_path(fixture.path());
    assert!(scan.model.observations.is_empty());
    let r = crate::common::result(&scan.report, "NET03-TEST", "mcp.example.com");
    assert_eq!(r.status.as_str(), "MANUAL");
}

#[test]
fn a_protocol_the_configuration_lists_but_the_server_refuses_is_drift() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    mcp_certificate(dir.path());
    // A default OpenSSL 3 server refuses TLS 1.0 and 1.1 by its security level.
    let s = s_server(dir.path(), &["-www"]);
    let scan = probed_scan_with(
        dir.path(),
        s.addr,
        true,
        "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n",
    );
    let drift: Vec<_> = scan
        .report
        .findings
        .iter()
        .filter(|f| f.kind.as_str() == "DRIFT")
        .collect();
    assert_eq!(drift.len(), 2, "{:#?}", scan.report.findings);
    assert!(
        drift[0].message.contains("lists TLSv1 (nginx.conf:9)"),
        "{}",
        drift[0].message
    );
    assert_eq!(drift[0].locations[0].line, 9);
    // The configuration's own verdict stands: it offers TLS 1.0.
    let r = crate::common::result(&scan.report, "NET03-TLS", "mcp.example.com");
    assert_eq!(r.status.as_str(), "FAIL");
}

/// The configuration offers only strong suites; the server really running (OpenSSL's
/// defaults) accepts CBC and static-RSA ones: NET03-CIPHER fails on what was observed, and a
/// DRIFT finding at the ssl_ciphers line names the suites the configuration does not offer.
#[test]
fn weak_suites_accepted_live_fail_a_strong_cipher_configuration() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    mcp_certificate(dir.path());
    let s = s_server(dir.path(), &["-www"]);
    let scan = probed_scan_with(
        dir.path(),
        s.addr,
        true,
        "    ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;\n",
    );
    let r = crate::common::result(&scan.report, "NET03-CIPHER", "mcp.example.com");
    assert_eq!(r.status.as_str(), "FAIL", "{}", r.message);
    assert!(
        r.message
            .contains("accepted live though the configuration offers only strong ones"),
        "{}",
        r.message
    );
    assert!(
        r.message.contains("ECDHE-RSA-AES256-SHA384"),
        "{}",
        r.message
    );
    let drift: Vec<_> = scan
        .report
        .findings
        .iter()
        .filter(|f| f.kind.as_str() == "DRIFT" && f.message.contains("suites"))
        .collect();
    assert_eq!(drift.len(), 1, "{:#?}", scan.report.findings);
    assert!(
        drift[0]
            .message
            .contains("the configuration offers 6 suites (nginx.conf:9)"),
        "{}",
        drift[0].message
    );
    assert_eq!(drift[0].locations[0].line, 9);
}

/// `evidence --probe`: the bundle holds observations.json (covered by `verify`), and the
/// report's "Test results" section shows every test of every target probed, with the grade.
#[test]
fn the_evidence_bundle_shows_each_live_test_per_endpoint() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    mcp_certificate(dir.path());
    let s = s_server(dir.path(), &["-www"]);
    probed_scan_with(dir.path(), s.addr, true, "");
    let out = dir.path().join("bundle");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_tlsproof"))
            .args(args)
            .output()
            .unwrap()
    };
    let d = dir.path().display().to_string();
    let o = run(&[
        "evidence",
        &format!("{d}/site"),
        "--probe",
        "--connect-to",
        &format!("mcp.example.com:443:127.0.0.1:{}", s.addr.port()),
        "--connect-to",
        "mcp.example.com:80:127.0.0.1:1",
        "--ca-file",
        &format!("{d}/cert.pem"),
        "--out",
        &out.display().to_string(),
    ]);
    assert!(
        o.status.code().is_some(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    let section = report
        .split("#### Live test results")
        .nth(1)
        .expect("a live test results table");
    for test in checks::HTTPS_TESTS.iter().chain(&checks::HTTP_TESTS) {
        assert!(
            section.contains(&format!("| `{test}` | **")),
            "{test}: {section}"
        );
    }
    assert!(
        section.contains("**https://mcp.example.com/**"),
        "{section}"
    );
    assert!(section.contains("listener `nginx.conf:5`"), "{section}");
    assert!(section.contains("grade **"), "{section}");
    let observations: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("observations.json")).unwrap()).unwrap();
    assert_eq!(observations["observations"].as_array().unwrap().len(), 2);
    let v = run(&["verify", &out.display().to_string()]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("observations.json"));
}

/// The protocol versions `sslscan` finds enabled (its "SSL/TLS Protocols" section).
fn sslscan_protocols(addr: SocketAddr) -> Vec<String> {
    let out = Command::new("sslscan")
        .args([
            "--no-colour",
            "--no-ciphersuites",
            "--no-fallback",
            "--no-renegotiation",
            "--no-compression",
            "--no-heartbleed",
            "--no-groups",
            "--no-check-certificate",
            &addr.to_string(),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            let (name, state) = (w.next()?, w.next()?);
            let protocol = name.starts_with("SSLv3") || name.starts_with("TLSv1");
            (protocol && state == "enabled").then(|| name.replace("TLSv1.0", "TLSv1"))
        })
        .collect()
}

#[test]
fn the_accepted_protocols_agree_with_sslscan() {
    if !have_tool("openssl") || !have_tool("sslscan") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    self_signed(dir.path());
    let cases: [&[&str]; 3] = [
        &["-tls1_1", "-cipher", "ALL:@SECLEVEL=0"],
        &[],
        &["-cipher", "ALL:@SECLEVEL=0", "-min_protocol", "TLSv1"],
    ];
    for flags in cases {
        let s = s_server(dir.path(), flags);
        let ours: Vec<String> = Version::ALL
            .into_iter()
            .filter(|v| accepted(&offers(s.addr, None, *v, TIMEOUT)))
            .map(|v| v.name().to_string())
            .collect();
        assert_eq!(ours, sslscan_protocols(s.addr), "s_server {flags:?}");
        assert!(!ours.is_empty());
    }
}

/// The suites sslscan lists as accepted, as `(protocol, OpenSSL name)` sorted.
fn sslscan_suites(addr: SocketAddr) -> Vec<(String, String)> {
    let out = Command::new("sslscan")
        .args([
            "--no-colour",
            "--no-fallback",
            "--no-renegotiation",
            "--no-compression",
            "--no-heartbleed",
            "--no-groups",
            "--no-check-certificate",
            &addr.to_string(),
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut suites: Vec<(String, String)> = text
        .lines()
        .filter(|l| l.starts_with("Preferred") || l.starts_with("Accepted"))
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            Some((w.get(1)?.replace("TLSv1.0", "TLSv1"), w.get(4)?.to_string()))
        })
        .collect();
    suites.sort();
    suites
}

#[test]
fn the_accepted_suites_agree_with_sslscan() {
    if !have_tool("openssl") || !have_tool("sslscan") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    self_signed(dir.path());
    let cases: [&[&str]; 3] = [
        &["-www"],
        &[
            "-www",
            "-cipher",
            "ALL:@SECLEVEL=0",
            "-min_protocol",
            "TLSv1",
        ],
        &[
            "-www",
            "-cipher",
            "ECDHE+AESGCM:ECDHE+CHACHA20",
            "-no_tls1_3",
        ],
    ];
    for flags in cases {
        let s = s_server(dir.path(), flags);
        let p = run("https://localhost/", s.addr, &trust(None));
        let mut ours: Vec<(String, String)> = p
            .accepted_suites
            .iter()
            .map(|a| (a.protocol.clone(), a.suite.name.replace("TLS13_", "TLS_")))
            .collect();
        ours.sort();
        assert!(!ours.is_empty(), "s_server {flags:?}");
        assert_eq!(ours, sslscan_suites(s.addr), "s_server {flags:?}");
    }
}

/// A real nginx on a loopback port, running the very configuration tlsproof scans; stopped
/// when dropped.
struct Nginx {
    child: Child,
    port: u16,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Writes `site/nginx.conf` (TLS on a free loopback port for mcp.example.com, `tls` lines
/// inside the server block) and starts nginx on it.
fn nginx(dir: &Path, tls: &str) -> Nginx {
    let port = free_port();
    let site = dir.join("site");
    std::fs::create_dir_all(&site).unwrap();
    let d = dir.display();
    std::fs::write(
        site.join("nginx.conf"),
        format!(
            "pid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\nhttp {{\n  access_log off;\n  server {{\n    listen {port} ssl;\n    server_name mcp.example.com;\n    ssl_certificate {d}/cert.pem;\n    ssl_certificate_key {d}/key.pem;\n{tls}    location / {{ return 200 \"ok\\n\"; }}\n  }}\n}}\n"
        ),
    )
    .unwrap();
    let child = Command::new("nginx")
        .args(["-p", &d.to_string(), "-c"])
        .arg(site.join("nginx.conf"))
        .args(["-g", "daemon off; master_process off;"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let start = Instant::now();
    while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
        let log = std::fs::read_to_string(dir.join("error.log")).unwrap_or_default();
        assert!(start.elapsed() < TIMEOUT, "nginx did not start: {log}");
        std::thread::sleep(Duration::from_millis(50));
    }
    Nginx { child, port }
}

fn scan_live_nginx(dir: &Path, n: &Nginx) -> tlsproof::pipeline::Scan {
    let to = format!("mcp.example.com:{p}:127.0.0.1:{p}", p = n.port);
    tlsproof::pipeline::run(&tlsproof::pipeline::Options {
        paths: vec![dir.join("site")],
        at: Some(time::OffsetDateTime::now_utc()),
        ca_files: vec![dir.join("cert.pem")],
        probe: Some(Options {
            timeout: TIMEOUT,
            connect_to: vec![checks::ConnectTo::parse(&to).unwrap()],
        }),
        ..Default::default()
    })
    .unwrap()
}

pub(super) fn drift_of(scan: &tlsproof::pipeline::Scan) -> Vec<String> {
    scan.report
        .findings
        .iter()
        .filter(|f| f.kind.as_str() == "DRIFT")
        .map(|f| f.message.clone())
        .collect()
}

/// nginx lists TLSv1 and TLSv1.1, but its OpenSSL 3 refuses them at the default security
/// level: the configuration fails NET03-TLS as written, the live server passes the version
/// tests, and the disagreement is a DRIFT finding at the ssl_protocols line.
#[test]
fn nginx_listing_tls10_without_seclevel_0_refuses_it_live() {
    if !have_tool("openssl") || !have_tool("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    mcp_certificate(dir.path());
    let n = nginx(
        dir.path(),
        "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n    add_header Strict-Transport-Security \"max-age=63072000\" always;\n",
    );
    let scan = scan_live_nginx(dir.path(), &n);
    let tls = crate::common::result(&scan.report, "NET03-TLS", "mcp.example.com");
    assert_eq!(tls.status.as_str(), "FAIL", "{}", tls.message);
    let test = crate::common::result(&scan.report, "NET03-TEST", "mcp.example.com");
    assert_eq!(test.status.as_str(), "PASS", "{}", test.message);
    let drift = drift_of(&scan);
    assert_eq!(drift.len(), 2, "{drift:#?}");
    assert!(
        drift[0].contains("lists TLSv1 (nginx.conf:11)"),
        "{}",
        drift[0]
    );
    // nginx sends the HSTS header it is configured to send: no drift about it.
    let o = &scan.model.observations[0];
    let hsts = o.https_answer.as_ref().and_then(|a| a.hsts.clone());
    assert_eq!(hsts.as_deref(), Some("max-age=63072000"));
}

/// With `@SECLEVEL=0` the same nginx accepts TLS 1.0: the live test fails too, and
/// configuration and server agree (no DRIFT).
#[test]
fn nginx_at_seclevel_0_accepts_tls10_live() {
    if !have_tool("openssl") || !have_tool("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    mcp_certificate(dir.path());
    let n = nginx(
        dir.path(),
        "    ssl_protocols TLSv1 TLSv1.1 TLSv1.2;\n    ssl_ciphers ALL:@SECLEVEL=0;\n",
    );
    let scan = scan_live_nginx(dir.path(), &n);
    let test = crate::common::result(&scan.report, "NET03-TEST", "mcp.example.com");
    assert_eq!(test.status.as_str(), "FAIL", "{}", test.message);
    assert!(
        test.message.contains("tls1.0-rejected FAIL"),
        "{}",
        test.message
    );
    assert!(drift_of(&scan).is_empty(), "{:#?}", drift_of(&scan));
}

#[test]
fn hsts_configured_but_not_sent_is_drift() {
    if !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    mcp_certificate(dir.path());
    // openssl s_server -www answers without any Strict-Transport-Security header.
    let s = s_server(dir.path(), &["-www"]);
    let scan = probed_scan_with(
        dir.path(),
        s.addr,
        true,
        "    add_header Strict-Transport-Security \"max-age=63072000\" always;\n",
    );
    let drift = drift_of(&scan);
    assert_eq!(drift.len(), 1, "{drift:#?}");
    assert!(
        drift[0].contains("Strict-Transport-Security"),
        "{}",
        drift[0]
    );
    assert!(drift[0].contains("(nginx.conf:9)"), "{}", drift[0]);
}

#[test]
fn a_scan_probes_at_most_64_targets_and_says_how_many_it_left() {
    let dir = tempfile::tempdir().unwrap();
    let mut conf = String::from("events {}\nhttp {\n");
    let mut connect_to = Vec::new();
    for i in 0..33 {
        conf.push_str(&format!(
            "  server {{\n    listen 80;\n    listen 443 ssl;\n    server_name s{i}.example.com;\n    ssl_certificate /etc/tls/s.pem;\n  }}\n"
        ));
        for port in [80, 443] {
            // Every name goes to a closed loopback port: nothing leaves the machine.
            let c = format!("s{i}.example.com:{port}:127.0.0.1:1");
            connect_to.push(checks::ConnectTo::parse(&c).unwrap());
        }
    }
    conf.push_str("}\n");
    std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
    let scan = tlsproof::pipeline::run(&tlsproof::pipeline::Options {
        paths: vec![dir.path().to_path_buf()],
        at: Some(time::OffsetDateTime::now_utc()),
        probe: Some(Options {
            timeout: Duration::from_secs(2),
            connect_to,
        }),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        scan.model.observations.len(),
        tlsproof::observe::MAX_TARGETS
    );
    let notice = scan
        .report
        .findings
        .iter()
        .find(|f| f.message.contains("were not probed"))
        .expect("a notice for the targets left");
    assert!(
        notice.message.starts_with("2 probe target(s)"),
        "{}",
        notice.message
    );
}
