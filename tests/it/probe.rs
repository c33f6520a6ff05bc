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

const TIMEOUT: Duration = Duration::from_secs(5);

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

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A self-signed certificate for `localhost` in `dir` (cert.pem, key.pem).
fn self_signed(dir: &Path) {
    let out = Command::new("openssl")
        .current_dir(dir)
        .args([
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
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
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
    let addr: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
    let o = offers(addr, None, Version::Tls10, Duration::from_secs(2));
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
