//! The live probe: what a running endpoint does, observed on the wire.
//!
//! [`offers`] asks the server, one connection per protocol version, whether it completes a
//! handshake at that version, with a ClientHello built byte by byte ([`hello`]), so that the
//! answer is the server's and never the local TLS library's. [`served_chain`] reads the
//! certificate chain a server sends in a TLS 1.2 handshake. Every network call is bounded by a
//! timeout and touches only the address it is given; a failure is an inconclusive result with
//! its reason, never a panic.

pub mod checks;
pub mod grade;
pub mod hello;
pub mod import;
mod session;
pub mod target;

use hello::{Answer, Version};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

/// The most bytes read from one server answer.
const MAX_ANSWER: usize = 256 * 1024;

/// What the server did with a handshake offering one protocol version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Offered {
    /// It completed the handshake at that version, choosing this suite.
    Accepted { suite: u16 },
    /// It refused (an alert, a close, a reset, or an answer at another version), and how.
    Refused(String),
    /// The probe could not tell (no connection, a timeout, not a TLS answer), and why.
    Inconclusive(String),
}

/// Whether the server at `addr` completes a handshake at `version`. `server_name` is sent as
/// SNI (`None` for an IP address).
pub fn offers(
    addr: SocketAddr,
    server_name: Option<&str>,
    version: Version,
    timeout: Duration,
) -> Offered {
    let hello = hello::client_hello(version, server_name, random());
    let (buf, end) = match exchange(addr, &hello, timeout, |b| {
        hello::answer(b) != Answer::Incomplete
    }) {
        Ok(r) => r,
        Err(why) => return Offered::Inconclusive(why),
    };
    match hello::answer(&buf) {
        Answer::Hello { version: v, suite } if v == version => Offered::Accepted { suite },
        Answer::Hello { version: v, .. } => {
            Offered::Refused(format!("the server answered with {} instead", v.name()))
        }
        Answer::Alert(code) => {
            Offered::Refused(format!("alert {} ({code})", hello::alert_name(code)))
        }
        Answer::Closed => Offered::Refused("the server closed the connection".into()),
        Answer::Incomplete => match end {
            End::Closed if buf.is_empty() => {
                Offered::Refused("the server closed the connection without a TLS answer".into())
            }
            End::Reset if buf.is_empty() => {
                Offered::Refused("the server reset the connection without a TLS answer".into())
            }
            End::TimedOut => Offered::Inconclusive(format!(
                "no complete answer within {} s",
                timeout.as_secs_f32()
            )),
            _ => Offered::Inconclusive("the answer ended in the middle of a record".into()),
        },
        Answer::Other(what) => Offered::Inconclusive(what),
    }
}

/// The suites the server accepts at `version`, in the order it chose them: each handshake
/// offers every candidate not yet chosen, until the server refuses (as sslscan and
/// testssl.sh enumerate): one handshake per suite accepted and the refusal that ends it, so at
/// most one more than the candidates, and none begun after `deadline`. The second value says
/// why the list may be incomplete.
pub fn accepted_suites(
    addr: SocketAddr,
    server_name: Option<&str>,
    version: Version,
    timeout: Duration,
    deadline: Instant,
) -> (Vec<u16>, Option<String>) {
    let mut left = hello::suites_at(version);
    let mut chosen = Vec::new();
    for _ in 0..=left.len() {
        if left.is_empty() {
            return (chosen, None);
        }
        if Instant::now() >= deadline {
            return (
                chosen,
                Some("the probe's time budget was spent before the list was complete".into()),
            );
        }
        let hello = hello::client_hello_offering(version, server_name, random(), &left);
        let buf = match exchange(addr, &hello, timeout, |b| {
            hello::answer(b) != Answer::Incomplete
        }) {
            Ok((buf, _)) => buf,
            Err(why) => return (chosen, Some(why)),
        };
        match hello::answer(&buf) {
            Answer::Hello { version: v, suite } if v == version => {
                if !left.contains(&suite) {
                    return (
                        chosen,
                        Some(format!(
                            "the server chose 0x{suite:04X}, a suite that was not offered"
                        )),
                    );
                }
                left.retain(|s| *s != suite);
                chosen.push(suite);
            }
            Answer::Incomplete | Answer::Other(_) if chosen.is_empty() => {
                return (chosen, Some("no TLS answer".into()))
            }
            _ => return (chosen, None),
        }
    }
    (chosen, None)
}

/// The certificate chain the server sends in a TLS 1.2 handshake, leaf first (DER).
pub fn served_chain(
    addr: SocketAddr,
    server_name: Option<&str>,
    timeout: Duration,
) -> Result<Vec<Vec<u8>>, String> {
    let hello = hello::client_hello(Version::Tls12, server_name, random());
    let (buf, _) = exchange(addr, &hello, timeout, |b| {
        hello::flight_done(b) || matches!(hello::answer(b), Answer::Alert(_) | Answer::Other(_))
    })?;
    match hello::answer(&buf) {
        Answer::Hello {
            version: Version::Tls12,
            ..
        } => hello::certificates(&buf)
            .filter(|c| !c.is_empty())
            .ok_or_else(|| "no certificate in the server's TLS 1.2 handshake".to_string()),
        Answer::Hello { version, .. } => Err(format!(
            "the server answered a TLS 1.2 hello with {}",
            version.name()
        )),
        Answer::Alert(code) => Err(format!(
            "the server refused TLS 1.2: alert {} ({code})",
            hello::alert_name(code)
        )),
        other => Err(format!("no TLS 1.2 handshake: {other:?}")),
    }
}

/// How reading an answer ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// `enough` said the bytes decide.
    Enough,
    Closed,
    Reset,
    TimedOut,
    /// The byte budget is spent.
    Full,
}

/// Connects to `addr`, sends `request`, and reads until `enough` holds for the bytes read, the
/// peer closes, or `timeout` (for the whole exchange) passes.
fn exchange(
    addr: SocketAddr,
    request: &[u8],
    timeout: Duration,
    enough: impl Fn(&[u8]) -> bool,
) -> Result<(Vec<u8>, End), String> {
    let deadline = Instant::now() + timeout;
    let mut stream = TcpStream::connect_timeout(&addr, timeout)
        .map_err(|e| format!("cannot connect to {addr}: {e}"))?;
    let _ = stream.set_nodelay(true);
    stream
        .set_write_timeout(Some(timeout))
        .and_then(|_| stream.write_all(request))
        .map_err(|e| format!("cannot send to {addr}: {e}"))?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 16 * 1024];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok((buf, End::TimedOut));
        }
        if stream.set_read_timeout(Some(left)).is_err() {
            return Ok((buf, End::TimedOut));
        }
        match stream.read(&mut chunk) {
            Ok(0) => return Ok((buf, End::Closed)),
            Ok(n) => {
                buf.extend_from_slice(&chunk[..n]);
                if enough(&buf) {
                    return Ok((buf, End::Enough));
                }
                if buf.len() >= MAX_ANSWER {
                    return Ok((buf, End::Full));
                }
            }
            Err(e) => {
                let end = match e.kind() {
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => End::TimedOut,
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted => {
                        End::Reset
                    }
                    _ => End::Closed,
                };
                return Ok((buf, end));
            }
        }
    }
}

/// 32 random bytes for a hello (the client random and the throwaway key share).
fn random() -> [u8; 32] {
    use ring::rand::SecureRandom;
    let mut out = [0u8; 32];
    if ring::rand::SystemRandom::new().fill(&mut out).is_err() {
        // Any bytes do: they protect nothing, the handshake is never completed.
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        out[..16].copy_from_slice(&t.to_le_bytes());
    }
    out
}
