//! A TLS 1.2+ session with a server through rustls: what it negotiated, the chain it served
//! (captured, never trusted here: the chain is judged afterwards with the trust store of
//! certificate files), and the head of its answer to a GET.

use super::target::Target;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How a failed TLS handshake's reason begins.
pub(super) const HANDSHAKE_FAILED: &str = "TLS handshake failed";

/// A TLS 1.2+ session with the server: what it negotiated and served, and the HTTP answer.
pub(super) struct Session {
    pub(super) version: String,
    pub(super) suite: String,
    pub(super) chain: Vec<Vec<u8>>,
    /// The status line and headers of the answer to a GET, if any.
    pub(super) answer: Option<String>,
}

pub(super) fn tls_session(
    t: &Target,
    addr: SocketAddr,
    timeout: Duration,
) -> Result<Session, String> {
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
pub(super) fn read_head(r: &mut impl Read, deadline: Instant) -> Option<String> {
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

pub(super) fn status_of(head: &str) -> Option<u16> {
    head.split_whitespace().nth(1)?.parse().ok()
}

pub(super) fn header<'h>(head: &'h str, name: &str) -> Option<&'h str> {
    head.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
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
