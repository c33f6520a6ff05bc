//! A letter grade from what a probe observed, after SSL Labs' "SSL Server Rating Guide"
//! (version 2009q) and the grading changes SSL Labs announced since: three category scores
//! (protocol support 30 %, key exchange 30 %, cipher strength 40 %), a letter from the overall
//! score, then caps for what the scores cannot express, each named in the result.
//!
//! The probe observes the protocols and suites a server accepts, the certificate it serves and
//! its Strict-Transport-Security header. What the guide also weighs and this probe does not
//! measure (DH parameter size, renegotiation, known implementation flaws, browser handshake
//! simulations) is listed in `not_measured`, so that the grade says what it rests on.

use super::hello::Version;
use crate::certs::ServedChain;
use crate::model::{Grade, ObservedSuite};

/// What the grade is computed from.
pub struct Seen<'a> {
    /// Every protocol version the server was seen to accept.
    pub protocols: &'a [Version],
    pub suites: &'a [ObservedSuite],
    pub certificate: Option<&'a ServedChain>,
    /// The Strict-Transport-Security header of an HTTPS answer.
    pub hsts: Option<&'a str>,
}

/// The guide's protocol score of one version.
fn protocol_points(v: Version) -> u32 {
    match v {
        Version::Ssl3 => 80,
        Version::Tls10 => 90,
        Version::Tls11 => 95,
        Version::Tls12 | Version::Tls13 => 100,
    }
}

/// The guide's key exchange score of a certificate key: RSA/DSA by modulus size, EC keys by
/// their RSA-equivalent strength (256 bits ≈ RSA 3072, 384 bits ≈ RSA 7680).
fn key_points(alg: &str, bits: u32) -> u32 {
    let rsa_equivalent = match alg {
        "EC" if bits >= 384 => 7680,
        "EC" if bits >= 256 => 3072,
        "EC" if bits >= 224 => 2048,
        "EC" => 1024,
        "Ed25519" | "Ed448" => 3072,
        _ => bits,
    };
    match rsa_equivalent {
        0..=511 => 20,
        512..=1023 => 40,
        1024..=2047 => 80,
        2048..=4095 => 90,
        _ => 100,
    }
}

/// The guide's cipher strength score of a suite, by key size (3DES counts as 168 bits).
fn cipher_points(s: &ObservedSuite) -> u32 {
    let bits = if s.suite.enc.starts_with("3DES") {
        168
    } else {
        u32::from(s.suite.bits)
    };
    match bits {
        0 => 0,
        1..=127 => 20,
        128..=255 => 80,
        _ => 100,
    }
}

fn letter(score: u32) -> &'static str {
    match score {
        80.. => "A",
        65..=79 => "B",
        50..=64 => "C",
        35..=49 => "D",
        20..=34 => "E",
        _ => "F",
    }
}

/// Grades in order, best first; a cap lowers a grade to the cap when the cap is worse.
const ORDER: [&str; 8] = ["A+", "A", "A-", "B", "C", "D", "E", "F"];

fn rank(g: &str) -> usize {
    ORDER.iter().position(|o| *o == g).unwrap_or(ORDER.len())
}

/// Six months, the least HSTS max-age the guide rewards with A+.
const HSTS_A_PLUS: u64 = 15_552_000;

fn hsts_max_age(h: &str) -> Option<u64> {
    h.split(';').find_map(|d| {
        let (k, v) = d.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case("max-age")
            .then(|| v.trim().trim_matches('"').parse().ok())?
    })
}

/// The grade, or `None` when no handshake was seen at any version.
pub fn grade(seen: &Seen) -> Option<Grade> {
    let (protocol, key_exchange, cipher) = scores(seen)?;
    let score = if protocol == 0 || key_exchange == 0 || cipher == 0 {
        0
    } else {
        (protocol * 30 + key_exchange * 30 + cipher * 40) / 100
    };
    let caps = caps(seen);
    let mut g = letter(score).to_string();
    for (cap, _) in &caps {
        if rank(cap) > rank(&g) {
            g = cap.to_string();
        }
    }
    let mut caps: Vec<String> = caps
        .into_iter()
        .map(|(cap, why)| format!("{cap}: {why}"))
        .collect();
    if g == "A" {
        let (plus, why) = hsts_reward(seen.hsts);
        if plus {
            g = "A+".into();
        }
        caps.push(why);
    }
    let ignoring_trust = g.clone();
    if let Some((mark, why)) = trust_mark(seen.certificate) {
        g = mark.to_string();
        caps.push(format!("{mark}: {why}"));
    }
    let pct = |v: u32| u8::try_from(v).unwrap_or(100);
    Some(Grade {
        grade: g,
        ignoring_trust,
        score: pct(score),
        protocol_score: pct(protocol),
        key_exchange_score: pct(key_exchange),
        cipher_score: pct(cipher),
        caps,
        not_measured: vec![
            "DH and ECDH parameter sizes (the certificate key is scored)".into(),
            "renegotiation, compression and known implementation flaws (Heartbleed, ROBOT, …)"
                .into(),
            "browser handshake simulations (forward secrecy is judged on the suites accepted)"
                .into(),
        ],
    })
}

/// The three category scores: protocol support (best and worst version averaged), key
/// exchange (the certificate key; anonymous suites score 0) and cipher strength (strongest and
/// weakest suite averaged).
fn scores(seen: &Seen) -> Option<(u32, u32, u32)> {
    let best = seen.protocols.iter().map(|v| protocol_points(*v)).max()?;
    let worst = seen.protocols.iter().map(|v| protocol_points(*v)).min()?;
    let anonymous = seen.suites.iter().any(|s| s.suite.au == "None");
    let key_exchange = match seen.certificate {
        Some(c) if !anonymous => key_points(&c.key.alg, c.key.bits),
        _ => 0,
    };
    let points: Vec<u32> = seen.suites.iter().map(cipher_points).collect();
    let cipher = match (points.iter().max(), points.iter().min()) {
        (Some(b), Some(w)) => (b + w) / 2,
        _ => 0,
    };
    Some(((best + worst) / 2, key_exchange, cipher))
}

/// The rules the scores cannot express, each as the grade it caps at and why.
fn caps(seen: &Seen) -> Vec<(&'static str, String)> {
    let mut caps: Vec<(&str, String)> = Vec::new();
    let has = |v: Version| seen.protocols.contains(&v);
    let modern = has(Version::Tls11) || has(Version::Tls12) || has(Version::Tls13);
    let any = |f: &dyn Fn(&ObservedSuite) -> bool| seen.suites.iter().any(f);
    if any(&|s| s.suite.export) {
        caps.push(("F", "export suites accepted".into()));
    }
    if any(&|s| s.suite.au == "None") {
        caps.push(("F", "anonymous suites accepted".into()));
    }
    if any(&|s| s.suite.enc == "None") {
        caps.push(("F", "suites without encryption (NULL) accepted".into()));
    }
    if let Some(c) = seen.certificate {
        let modulus = c.key.alg == "RSA" || c.key.alg == "DSA";
        if modulus && c.key.bits < 1024 {
            caps.push(("F", format!("{} key of {} bits", c.key.alg, c.key.bits)));
        } else if modulus && c.key.bits < 2048 {
            caps.push((
                "B",
                format!("{} key of {} bits (under 2048)", c.key.alg, c.key.bits),
            ));
        }
    }
    if has(Version::Ssl3) {
        caps.push(("C", "SSL 3 accepted (POODLE)".into()));
    }
    if !has(Version::Tls12) && !has(Version::Tls13) {
        caps.push(("C", "neither TLS 1.2 nor TLS 1.3 accepted".into()));
    }
    if any(&|s| s.suite.enc.starts_with("RC4")) {
        let cap = if modern { "C" } else { "B" };
        caps.push((cap, "RC4 accepted".into()));
    }
    let block64 = |s: &ObservedSuite| {
        s.protocol != "SSLv3"
            && s.protocol != "TLSv1"
            && ["3DES", "DES", "IDEA"]
                .iter()
                .any(|p| s.suite.enc.starts_with(p))
    };
    if modern && any(&block64) {
        caps.push((
            "C",
            "a 64-bit block cipher (3DES, DES, IDEA) accepted with TLS 1.1 or later".into(),
        ));
    }
    if has(Version::Tls10) || has(Version::Tls11) {
        caps.push(("B", "TLS 1.0 or TLS 1.1 accepted".into()));
    }
    let forward_secret =
        |s: &ObservedSuite| s.protocol == "TLSv1.3" || matches!(s.suite.kx, "ECDHE" | "DHE");
    if !seen.suites.is_empty() && !any(&forward_secret) {
        caps.push(("B", "no suite with forward secrecy".into()));
    }
    if !seen.suites.is_empty() && !any(&|s| s.suite.aead || s.protocol == "TLSv1.3") {
        caps.push(("A-", "no AEAD suite".into()));
    }
    caps
}

/// Whether an A becomes A+ (Strict-Transport-Security with a max-age of six months or more),
/// and the line that says so.
fn hsts_reward(hsts: Option<&str>) -> (bool, String) {
    match hsts.and_then(hsts_max_age) {
        Some(age) if age >= HSTS_A_PLUS => (
            true,
            format!("A+: Strict-Transport-Security max-age={age} (at least six months)"),
        ),
        Some(age) => (
            false,
            format!("A (not A+): Strict-Transport-Security max-age={age} is under six months"),
        ),
        None => (
            false,
            "A (not A+): no Strict-Transport-Security header".into(),
        ),
    }
}

/// `T` (not trusted) or `M` (name mismatch) replaces the letter, with why.
fn trust_mark(certificate: Option<&ServedChain>) -> Option<(&'static str, String)> {
    let Some(c) = certificate else {
        return Some(("T", "no certificate was captured".into()));
    };
    match c.chain.status.as_str() {
        "valid" => None,
        "wrong-name" => Some(("M", "the certificate does not name the host".into())),
        other => Some(("T", format!("certificate not trusted ({other})"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ChainFacts, KeyFacts, SuiteFacts};

    fn suite(protocol: &str, name: &str) -> ObservedSuite {
        let s = crate::ciphers::by_name(name).expect("a suite of the table");
        ObservedSuite {
            protocol: protocol.into(),
            suite: SuiteFacts::from(s),
        }
    }

    fn cert(alg: &str, bits: u32, status: &str) -> ServedChain {
        ServedChain {
            subject: "CN=x".into(),
            issuer: "CN=ca".into(),
            not_after: String::new(),
            self_signed: false,
            pins: Vec::new(),
            key: KeyFacts {
                alg: alg.into(),
                bits,
            },
            chain: ChainFacts {
                status: status.into(),
                trusted_by: None,
                explicit: false,
                detail: String::new(),
                validated_at: String::new(),
                names_checked: Vec::new(),
                names_valid: Vec::new(),
            },
        }
    }

    fn graded(
        protocols: &[Version],
        suites: &[ObservedSuite],
        c: &ServedChain,
        hsts: Option<&str>,
    ) -> Grade {
        grade(&Seen {
            protocols,
            suites,
            certificate: Some(c),
            hsts,
        })
        .expect("a grade")
    }

    const MODERN: [Version; 2] = [Version::Tls12, Version::Tls13];

    fn modern_suites() -> Vec<ObservedSuite> {
        vec![
            suite("TLSv1.3", "TLS_AES_256_GCM_SHA384"),
            suite("TLSv1.2", "ECDHE-RSA-AES256-GCM-SHA384"),
            suite("TLSv1.2", "ECDHE-RSA-AES128-GCM-SHA256"),
        ]
    }

    #[test]
    fn a_modern_server_is_a_and_a_plus_with_long_hsts() {
        let c = cert("RSA", 2048, "valid");
        let g = graded(&MODERN, &modern_suites(), &c, None);
        assert_eq!((g.grade.as_str(), g.score), ("A", 93));
        assert_eq!(g.caps, ["A (not A+): no Strict-Transport-Security header"]);
        let g = graded(&MODERN, &modern_suites(), &c, Some("max-age=31536000"));
        assert_eq!(g.grade, "A+");
        let g = graded(&MODERN, &modern_suites(), &c, Some("max-age=300"));
        assert_eq!(g.grade, "A");
    }

    #[test]
    fn old_protocols_cap_at_b_and_ssl3_at_c() {
        let c = cert("RSA", 2048, "valid");
        let all = [Version::Tls10, Version::Tls11, Version::Tls12];
        let g = graded(&all, &modern_suites(), &c, Some("max-age=31536000"));
        assert_eq!(g.grade, "B");
        assert!(g
            .caps
            .contains(&"B: TLS 1.0 or TLS 1.1 accepted".to_string()));
        let g = graded(&[Version::Ssl3, Version::Tls12], &modern_suites(), &c, None);
        assert_eq!(g.grade, "C");
        let g = graded(&[Version::Tls11], &modern_suites(), &c, None);
        assert!(g.caps.iter().any(|x| x.starts_with("C: neither TLS 1.2")));
    }

    #[test]
    fn weak_suites_cap_the_grade() {
        let c = cert("RSA", 2048, "valid");
        let mut s = modern_suites();
        s.push(suite("TLSv1.2", "DES-CBC3-SHA"));
        assert_eq!(graded(&MODERN, &s, &c, None).grade, "C");
        let cbc = vec![suite("TLSv1.2", "ECDHE-RSA-AES128-SHA")];
        let g = graded(&[Version::Tls12], &cbc, &c, None);
        assert_eq!(g.grade, "A-", "{:?}", g.caps);
        let static_rsa = vec![suite("TLSv1.2", "AES128-GCM-SHA256")];
        assert_eq!(graded(&[Version::Tls12], &static_rsa, &c, None).grade, "B");
    }

    #[test]
    fn trust_and_names_replace_the_letter() {
        let g = graded(
            &MODERN,
            &modern_suites(),
            &cert("RSA", 2048, "self-signed"),
            None,
        );
        assert_eq!((g.grade.as_str(), g.ignoring_trust.as_str()), ("T", "A"));
        let g = graded(
            &MODERN,
            &modern_suites(),
            &cert("RSA", 2048, "wrong-name"),
            None,
        );
        assert_eq!(g.grade, "M");
        let g = graded(&MODERN, &modern_suites(), &cert("RSA", 1024, "valid"), None);
        assert_eq!(g.grade, "B");
    }

    #[test]
    fn nothing_seen_is_no_grade() {
        assert!(grade(&Seen {
            protocols: &[],
            suites: &[],
            certificate: None,
            hsts: None
        })
        .is_none());
    }
}
