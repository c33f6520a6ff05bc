//! Go `crypto/tls` names and defaults, shared by the ingesters of Go products (Caddy, Traefik).
//!
//! Go programs name cipher suites by their IANA names (plus a few legacy aliases without the
//! `_SHA256` suffix for ChaCha20) and protocol versions by their own spellings (`tls1.2`,
//! `VersionTLS12`). This module maps both onto the suite table of [`crate::ciphers`], so a
//! CBC suite listed in a Caddyfile is judged exactly like the same suite in an nginx string.

use crate::ciphers::{self, Suite};
use crate::model::{CipherList, SuiteFacts};

/// A list of Go cipher-suite names, as written in `spec`, resolved against the suite table.
pub fn cipher_list(spec: String, names: &[&str]) -> CipherList {
    let (suites, unknown) = suites(names);
    CipherList {
        spec,
        suites,
        unknown,
        decided_by: None,
    }
}

/// Go's aliases for the ChaCha20 suites (`crypto/tls/cipher_suites.go`, "Legacy names").
const ALIASES: &[(&str, &str)] = &[
    (
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    ),
    (
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    ),
];

/// Looks a Go cipher-suite name up (IANA name or Go alias).
pub fn suite(name: &str) -> Option<&'static Suite> {
    let canonical = ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map(|(_, full)| *full)
        .unwrap_or(name);
    ciphers::by_iana(canonical)
}

/// Maps a list of Go names to suite facts; names Go would not know go to the second list.
pub fn suites(names: &[&str]) -> (Vec<SuiteFacts>, Vec<String>) {
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for n in names {
        match suite(n) {
            Some(s) => known.push(SuiteFacts::from(s)),
            None => unknown.push((*n).to_string()),
        }
    }
    (known, unknown)
}

/// Go's TLS 1.3 suites: always enabled, not configurable.
pub const TLS13: &[&str] = &[
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
];

/// `tls.CipherSuites()` of Go 1.22 and later, TLS 1.0–1.2 part (`cipher_suites.go`): the ECDHE
/// AES-CBC-SHA suites are still in it.
pub const CIPHER_SUITES_GO122: &[&str] = &[
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
];

/// `tls.CipherSuites()` of older Go toolchains: also static-RSA key exchange and 3DES.
pub const CIPHER_SUITES_OLD_GO: &[&str] = &[
    "TLS_RSA_WITH_AES_128_CBC_SHA",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
];

/// Caddy's default TLS 1.2 suites when no `ciphers` are listed (`modules/caddytls/values.go`,
/// `defaultCipherSuitesWithAESNI`): ECDHE with AES-GCM or ChaCha20 only.
pub const CADDY_DEFAULT: &[&str] = &[
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
    "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
];

/// Maps a Go-product protocol spelling to the model's (`TLSv1.2`): `tls1.2` (Caddy),
/// `VersionTLS12` (Traefik), `1.2`. `None` for anything else.
pub fn protocol(name: &str) -> Option<&'static str> {
    let n = name.trim().to_ascii_lowercase();
    let n = n
        .strip_prefix("versiontls")
        .map(|v| match v {
            "10" => "1.0",
            "11" => "1.1",
            "12" => "1.2",
            "13" => "1.3",
            _ => "",
        })
        .or_else(|| n.strip_prefix("tls"))
        .or_else(|| n.strip_prefix("tlsv"))
        .unwrap_or(&n)
        .trim_start_matches('v');
    match n {
        "1.0" | "1" | "10" => Some("TLSv1"),
        "1.1" | "11" => Some("TLSv1.1"),
        "1.2" | "12" => Some("TLSv1.2"),
        "1.3" | "13" => Some("TLSv1.3"),
        "ssl3" | "ssl3.0" | "versionssl30" => Some("SSLv3"),
        _ => None,
    }
}

/// Every protocol from `min` to `max` inclusive, in the model's spelling.
pub fn protocol_range(min: &str, max: &str) -> Vec<String> {
    const ORDER: &[&str] = &["SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];
    let lo = ORDER.iter().position(|p| *p == min).unwrap_or(0);
    let hi = ORDER
        .iter()
        .position(|p| *p == max)
        .unwrap_or(ORDER.len() - 1);
    ORDER
        .iter()
        .skip(lo)
        .take(hi.saturating_sub(lo) + 1)
        .map(|p| p.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_names_map_onto_the_suite_table() {
        for n in CIPHER_SUITES_OLD_GO
            .iter()
            .chain(CADDY_DEFAULT)
            .chain(TLS13)
        {
            assert!(suite(n).is_some(), "{n}");
        }
        let chacha = suite("TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305");
        assert_eq!(chacha.map(|s| s.id), Some(0xCCA8));
        assert!(suite("TLS_ECDHE_RSA_WITH_RC4_128_SHA").is_some());
        assert!(suite("TLS_NOT_A_SUITE").is_none());
        let (known, unknown) = suites(&["TLS_RSA_WITH_3DES_EDE_CBC_SHA", "bogus"]);
        assert_eq!(known.len(), 1);
        assert_eq!(unknown, vec!["bogus".to_string()]);
    }

    #[test]
    fn protocol_spellings() {
        assert_eq!(protocol("tls1.2"), Some("TLSv1.2"));
        assert_eq!(protocol("VersionTLS10"), Some("TLSv1"));
        assert_eq!(protocol("VersionTLS13"), Some("TLSv1.3"));
        assert_eq!(protocol("TLSv1.1"), Some("TLSv1.1"));
        assert_eq!(protocol("tls2"), None);
        assert_eq!(
            protocol_range("TLSv1", "TLSv1.3"),
            vec!["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
        );
        assert_eq!(protocol_range("TLSv1.2", "TLSv1.3").len(), 2);
    }
}
