//! A TLS ClientHello built byte by byte, and the server's first answer read the same way.
//!
//! The version tests must not depend on what a local TLS library is willing to offer (OpenSSL 3
//! refuses TLS 1.0/1.1 by itself at its default security level, which would read as "the server
//! rejected TLS 1.0"): the hello offers exactly one protocol version and every cipher suite of
//! that version, and the answer is read from the wire — a ServerHello at that version is an
//! acceptance, an alert or a close is a refusal, anything else is not decided.

/// A protocol version as it is written on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Version {
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl Version {
    pub const ALL: [Version; 5] = [
        Version::Ssl3,
        Version::Tls10,
        Version::Tls11,
        Version::Tls12,
        Version::Tls13,
    ];

    pub fn wire(self) -> u16 {
        match self {
            Version::Ssl3 => 0x0300,
            Version::Tls10 => 0x0301,
            Version::Tls11 => 0x0302,
            Version::Tls12 => 0x0303,
            Version::Tls13 => 0x0304,
        }
    }

    pub fn from_wire(v: u16) -> Option<Version> {
        Version::ALL.into_iter().find(|x| x.wire() == v)
    }

    /// The name the model and OpenSSL use (`TLSv1`, `TLSv1.2`, `SSLv3`).
    pub fn name(self) -> &'static str {
        match self {
            Version::Ssl3 => "SSLv3",
            Version::Tls10 => "TLSv1",
            Version::Tls11 => "TLSv1.1",
            Version::Tls12 => "TLSv1.2",
            Version::Tls13 => "TLSv1.3",
        }
    }
}

/// Content types of the record layer.
const HANDSHAKE: u8 = 22;
const ALERT: u8 = 21;
/// Handshake message types.
const SERVER_HELLO: u8 = 2;
const CERTIFICATE: u8 = 11;
const SERVER_HELLO_DONE: u8 = 14;

/// The suites offered at `version`: every TLS 1.3 suite for TLS 1.3, else every suite of the
/// suite table usable at or below that version, and the renegotiation SCSV.
fn suites(version: Version) -> Vec<u16> {
    let all = crate::ciphers::all();
    if version == Version::Tls13 {
        return all
            .filter(|s| s.version == "TLSv1.3")
            .map(|s| s.id)
            .collect();
    }
    let usable = |v: &str| match version {
        Version::Ssl3 => v == "SSLv3",
        Version::Tls10 | Version::Tls11 => v == "SSLv3" || v == "TLSv1",
        _ => v != "TLSv1.3",
    };
    let mut ids: Vec<u16> = all.filter(|s| usable(s.version)).map(|s| s.id).collect();
    ids.push(0x00ff);
    ids
}

fn u16be(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}

/// Appends `body` with its length in `n` bytes in front.
fn with_len(out: &mut Vec<u8>, n: usize, body: &[u8]) {
    let len = body.len().to_be_bytes();
    out.extend_from_slice(&len[len.len() - n..]);
    out.extend_from_slice(body);
}

fn extension(out: &mut Vec<u8>, kind: u16, body: &[u8]) {
    u16be(out, kind);
    with_len(out, 2, body);
}

/// The extensions of the hello: the server name (for a DNS name), the curves and signature
/// algorithms any server may need, and for TLS 1.3 the version and an X25519 key share.
fn extensions(version: Version, server_name: Option<&str>, random: &[u8; 32]) -> Vec<u8> {
    let mut ext = Vec::new();
    if let Some(name) = server_name {
        let mut entry = vec![0u8];
        with_len(&mut entry, 2, name.as_bytes());
        let mut list = Vec::new();
        with_len(&mut list, 2, &entry);
        extension(&mut ext, 0x0000, &list);
    }
    let groups: &[u16] = &[0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101];
    let mut g = Vec::new();
    groups.iter().for_each(|x| u16be(&mut g, *x));
    let mut body = Vec::new();
    with_len(&mut body, 2, &g);
    extension(&mut ext, 0x000a, &body);
    extension(&mut ext, 0x000b, &[1, 0]);
    if version >= Version::Tls12 {
        let algs: &[u16] = &[
            0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0807, 0x0401, 0x0501, 0x0601, 0x0201,
            0x0203,
        ];
        let mut a = Vec::new();
        algs.iter().for_each(|x| u16be(&mut a, *x));
        let mut body = Vec::new();
        with_len(&mut body, 2, &a);
        extension(&mut ext, 0x000d, &body);
    }
    extension(&mut ext, 0xff01, &[0]);
    if version == Version::Tls13 {
        extension(&mut ext, 0x002b, &[2, 0x03, 0x04]);
        extension(&mut ext, 0x002d, &[1, 1]);
        // The key share's bytes need not be a real key: the server answers with its
        // ServerHello before it would use them.
        let mut share = Vec::new();
        u16be(&mut share, 0x001d);
        with_len(&mut share, 2, random);
        let mut body = Vec::new();
        with_len(&mut body, 2, &share);
        extension(&mut ext, 0x0033, &body);
    }
    ext
}

/// One TLS record holding a ClientHello that offers `version` only. `server_name` is sent as
/// SNI (leave it out for an IP address); `random` fills the hello's random and key share.
pub fn client_hello(version: Version, server_name: Option<&str>, random: [u8; 32]) -> Vec<u8> {
    client_hello_offering(version, server_name, random, &suites(version))
}

/// The suites a hello offers at `version` (as [`client_hello`] does), without the
/// signalling values: the candidates of a suite enumeration.
pub fn suites_at(version: Version) -> Vec<u16> {
    let mut s = suites(version);
    s.retain(|id| *id != 0x00ff);
    s
}

/// A ClientHello offering `version` and exactly `offered` (the renegotiation SCSV is added
/// below TLS 1.3): one step of a suite enumeration.
pub fn client_hello_offering(
    version: Version,
    server_name: Option<&str>,
    random: [u8; 32],
    offered: &[u16],
) -> Vec<u8> {
    let mut offered = offered.to_vec();
    if version != Version::Tls13 && !offered.contains(&0x00ff) {
        offered.push(0x00ff);
    }
    let mut hello = Vec::new();
    // TLS 1.3 is offered through supported_versions, with TLS 1.2 as the legacy version.
    let legacy = version.min(Version::Tls12);
    u16be(&mut hello, legacy.wire());
    hello.extend_from_slice(&random);
    hello.push(0); // no session id
    let mut cs = Vec::new();
    offered.iter().for_each(|x| u16be(&mut cs, *x));
    with_len(&mut hello, 2, &cs);
    hello.extend_from_slice(&[1, 0]); // null compression only
    if version != Version::Ssl3 {
        with_len(&mut hello, 2, &extensions(version, server_name, &random));
    }
    let mut handshake = vec![1u8];
    with_len(&mut handshake, 3, &hello);
    let mut record = vec![HANDSHAKE];
    u16be(&mut record, legacy.min(Version::Tls10).wire());
    with_len(&mut record, 2, &handshake);
    record
}

/// What the server's first answer says about the version offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A ServerHello at `version` with `suite`.
    Hello { version: Version, suite: u16 },
    /// A TLS alert (its description code).
    Alert(u8),
    /// The server closed the connection without a TLS answer.
    Closed,
    /// Not enough bytes yet to decide.
    Incomplete,
    /// Bytes that are not a TLS answer (another protocol on the port, SSLv2, garbage).
    Other(String),
}

/// Reads the server's first record(s) from `buf`.
pub fn answer(buf: &[u8]) -> Answer {
    if buf.len() < 5 {
        return Answer::Incomplete;
    }
    let (kind, len) = (buf[0], usize::from(u16::from_be_bytes([buf[3], buf[4]])));
    match kind {
        ALERT if len >= 2 => match buf.get(6) {
            Some(d) => Answer::Alert(*d),
            None => Answer::Incomplete,
        },
        HANDSHAKE => {
            let Some(body) = handshake_message(buf, SERVER_HELLO) else {
                return match buf.get(5) {
                    Some(t) if *t != SERVER_HELLO => {
                        Answer::Other(format!("handshake message {t} instead of a ServerHello"))
                    }
                    _ => Answer::Incomplete,
                };
            };
            server_hello(&body)
        }
        _ => Answer::Other(format!(
            "not a TLS answer (first byte 0x{kind:02x}): another protocol on this port?"
        )),
    }
}

/// The body of the first handshake message of type `want` in the handshake records of `buf`;
/// `None` until it is whole.
fn handshake_message(buf: &[u8], want: u8) -> Option<Vec<u8>> {
    let stream = handshake_stream(buf);
    let mut at = 0;
    while at + 4 <= stream.len() {
        let t = stream[at];
        let len = usize::from(stream[at + 1]) << 16
            | usize::from(stream[at + 2]) << 8
            | usize::from(stream[at + 3]);
        let body = stream.get(at + 4..at + 4 + len)?;
        if t == want {
            return Some(body.to_vec());
        }
        at += 4 + len;
    }
    None
}

/// The handshake bytes of the leading handshake records of `buf`, joined.
fn handshake_stream(buf: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut at = 0;
    while at + 5 <= buf.len() && buf[at] == HANDSHAKE {
        let len = usize::from(u16::from_be_bytes([buf[at + 3], buf[at + 4]]));
        match buf.get(at + 5..at + 5 + len) {
            Some(b) => out.extend_from_slice(b),
            None => {
                out.extend_from_slice(&buf[at + 5..]);
                break;
            }
        }
        at += 5 + len;
    }
    out
}

/// A ServerHello body: its version (from supported_versions when present) and suite.
fn server_hello(body: &[u8]) -> Answer {
    let bad = || Answer::Other("a malformed ServerHello".into());
    let Some(v) = body.get(0..2) else {
        return bad();
    };
    let mut version = u16::from_be_bytes([v[0], v[1]]);
    let sid_len = match body.get(34) {
        Some(n) => usize::from(*n),
        None => return bad(),
    };
    let at = 35 + sid_len;
    let Some(s) = body.get(at..at + 2) else {
        return bad();
    };
    let suite = u16::from_be_bytes([s[0], s[1]]);
    // Extensions after the compression method.
    let mut ext_at = at + 3;
    if let Some(l) = body.get(ext_at..ext_at + 2) {
        let end = (ext_at + 2 + usize::from(u16::from_be_bytes([l[0], l[1]]))).min(body.len());
        ext_at += 2;
        while ext_at + 4 <= end {
            let kind = u16::from_be_bytes([body[ext_at], body[ext_at + 1]]);
            let len = usize::from(u16::from_be_bytes([body[ext_at + 2], body[ext_at + 3]]));
            if kind == 0x002b && len == 2 {
                if let Some(sv) = body.get(ext_at + 4..ext_at + 6) {
                    version = u16::from_be_bytes([sv[0], sv[1]]);
                }
            }
            ext_at += 4 + len;
        }
    }
    match Version::from_wire(version) {
        Some(version) => Answer::Hello { version, suite },
        None => Answer::Other(format!("a ServerHello at unknown version 0x{version:04x}")),
    }
}

/// The DER certificates of the Certificate message in `buf` (TLS 1.2 and earlier send it in
/// the clear after the ServerHello), leaf first; `None` until the whole message is in `buf`.
pub fn certificates(buf: &[u8]) -> Option<Vec<Vec<u8>>> {
    handshake_message(buf, CERTIFICATE).map(|body| certificate_list(&body))
}

/// Whether `buf` holds the whole first flight of the server (up to ServerHelloDone).
pub fn flight_done(buf: &[u8]) -> bool {
    let stream = handshake_stream(buf);
    let mut at = 0;
    while at + 4 <= stream.len() {
        let t = stream[at];
        let len = usize::from(stream[at + 1]) << 16
            | usize::from(stream[at + 2]) << 8
            | usize::from(stream[at + 3]);
        if stream.len() < at + 4 + len {
            return false;
        }
        if t == SERVER_HELLO_DONE {
            return true;
        }
        at += 4 + len;
    }
    false
}

fn certificate_list(body: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut at = 3;
    while at + 3 <= body.len() {
        let len = usize::from(body[at]) << 16
            | usize::from(body[at + 1]) << 8
            | usize::from(body[at + 2]);
        match body.get(at + 3..at + 3 + len) {
            Some(der) => out.push(der.to_vec()),
            None => break,
        }
        at += 3 + len;
    }
    out
}

/// The name of a TLS alert description.
pub fn alert_name(code: u8) -> &'static str {
    match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        50 => "decode_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        112 => "unrecognized_name",
        _ => "alert",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_hello_record(version: u16, suite: u16, supported: Option<u16>) -> Vec<u8> {
        let mut body = Vec::new();
        u16be(&mut body, version);
        body.extend_from_slice(&[7u8; 32]);
        body.push(0);
        u16be(&mut body, suite);
        body.push(0);
        if let Some(v) = supported {
            let mut ext = Vec::new();
            extension(&mut ext, 0x002b, &v.to_be_bytes());
            with_len(&mut body, 2, &ext);
        }
        let mut hs = vec![SERVER_HELLO];
        with_len(&mut hs, 3, &body);
        let mut rec = vec![HANDSHAKE, 3, 3];
        with_len(&mut rec, 2, &hs);
        rec
    }

    #[test]
    fn a_hello_offers_one_version_and_its_suites() {
        let r = client_hello(Version::Tls10, Some("mcp.example.com"), [1; 32]);
        assert_eq!(&r[..3], &[22, 3, 1]);
        assert_eq!(&r[9..11], &[3, 1], "client version TLS 1.0");
        let text = String::from_utf8_lossy(&r);
        assert!(text.contains("mcp.example.com"));
        let t13 = client_hello(Version::Tls13, None, [1; 32]);
        assert_eq!(
            &t13[9..11],
            &[3, 3],
            "TLS 1.3 is offered through supported_versions"
        );
        assert!(t13.windows(5).any(|w| w == [0x00, 0x2b, 0, 3, 2]));
        let declared = usize::from(u16::from_be_bytes([r[3], r[4]]));
        assert_eq!(declared, r.len() - 5);
    }

    #[test]
    fn answers_are_read_from_the_wire() {
        assert_eq!(
            answer(&server_hello_record(0x0301, 0xc013, None)),
            Answer::Hello {
                version: Version::Tls10,
                suite: 0xc013
            }
        );
        assert_eq!(
            answer(&server_hello_record(0x0303, 0x1301, Some(0x0304))),
            Answer::Hello {
                version: Version::Tls13,
                suite: 0x1301
            }
        );
        assert_eq!(answer(&[21, 3, 1, 0, 2, 2, 70]), Answer::Alert(70));
        assert_eq!(answer(&[22, 3, 1]), Answer::Incomplete);
        assert!(matches!(
            answer(b"HTTP/1.1 400 Bad Request\r\n"),
            Answer::Other(_)
        ));
        let short = server_hello_record(0x0303, 0xc02f, None);
        assert_eq!(answer(&short[..20]), Answer::Incomplete);
    }

    /// A flight of a ServerHello, a Certificate message and a ServerHelloDone.
    fn flight() -> Vec<u8> {
        let mut out = server_hello_record(0x0303, 0xc02f, None);
        let cert = vec![0x30u8; 40];
        let mut entry = Vec::new();
        with_len(&mut entry, 3, &cert);
        let mut list = Vec::new();
        with_len(&mut list, 3, &entry);
        let mut hs = vec![CERTIFICATE];
        with_len(&mut hs, 3, &list);
        hs.extend_from_slice(&[SERVER_HELLO_DONE, 0, 0, 0]);
        let mut rec = vec![HANDSHAKE, 3, 3];
        with_len(&mut rec, 2, &hs);
        out.extend_from_slice(&rec);
        out
    }

    #[test]
    fn a_whole_flight_gives_its_certificates() {
        let f = flight();
        assert!(flight_done(&f));
        assert_eq!(certificates(&f), Some(vec![vec![0x30u8; 40]]));
        assert!(!flight_done(&f[..f.len() - 1]));
    }

    /// Whatever a server sends, read in whatever pieces: every prefix of a flight and every
    /// single-byte corruption of it is read without a panic, and a length that points past the
    /// bytes is never taken as a whole message.
    #[test]
    fn any_truncation_or_corruption_of_an_answer_is_read_without_panic() {
        let f = flight();
        for end in 0..=f.len() {
            let b = &f[..end];
            let _ = (answer(b), certificates(b), flight_done(b));
        }
        for at in 0..f.len() {
            for v in [0x00, 0x01, 0x7f, 0x80, 0xff] {
                let mut b = f.clone();
                b[at] = v;
                let _ = (answer(&b), certificates(&b), flight_done(&b));
            }
        }
        let mut big = vec![HANDSHAKE, 3, 3, 0xff, 0xff];
        big.extend_from_slice(&[CERTIFICATE, 0xff, 0xff, 0xff]);
        assert_eq!(certificates(&big), None);
        assert!(!flight_done(&big));
    }
}
