//! The cipher-string expansion against the `openssl` binary of this machine: the same suites in
//! the same order for every string, and the same facts for every suite.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::process::Command;
use tlsproof::ciphers::{by_name, expand};

const STRINGS: &[&str] = &[
    "HIGH:!aNULL:!MD5",
    "DEFAULT",
    "ALL",
    "ALL:COMPLEMENTOFALL",
    "HIGH",
    "MEDIUM",
    "ECDHE+AESGCM",
    "ECDHE+AESGCM:ECDHE+CHACHA20",
    "EECDH+AESGCM:EDH+AESGCM",
    "ECDHE:!aNULL",
    "AESGCM",
    "CHACHA20",
    "kRSA",
    "RSA",
    "EDH",
    "DHE",
    "aECDSA",
    "SHA256",
    "SHA1",
    "HIGH:@STRENGTH",
    "ALL:+kRSA",
    "ALL:-SHA1:SHA1",
    "ALL:!SHA1",
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA:DES-CBC3-SHA",
    "HIGH:!aNULL:!MD5:!3DES",
    "PSK",
    "CAMELLIA",
    "ARIA",
    "AESCCM",
    "TLSv1.2",
    "SSLv3",
    "EXPORT",
    "RC4",
    "DEFAULT:@SECLEVEL=0",
    "ALL:@SECLEVEL=2",
    "ECDHE+AES256:!SHA1",
    "kEECDH+aRSA+AESGCM",
    "aNULL",
    "eNULL",
    "ADH:AECDH",
    "DEFAULT:!kRSA:+SHA1",
    "ALL:!aNULL:!eNULL:@STRENGTH:+ECDHE",
    "HIGH:MEDIUM:!aNULL:-AES256:AES256",
    "AES128+EECDH:AES128+EDH",
    "COMPLEMENTOFDEFAULT",
    "FIPS",
    "SHA384:SHA256:!PSK",
];

/// `openssl ciphers` output as names; `None` when openssl is not installed.
fn openssl(spec: &str) -> Option<Vec<String>> {
    let out = Command::new("openssl")
        .args(["ciphers", "-ciphersuites", "", "-V", spec])
        .env("OPENSSL_CONF", "/dev/null")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    Some(
        text.lines()
            .filter_map(|l| {
                let p: Vec<&str> = l.split_whitespace().collect();
                (p.len() >= 4 && p[3] != "TLSv1.3").then(|| p[2].to_string())
            })
            .collect(),
    )
}

#[test]
fn expansion_equals_openssl_for_every_string() {
    if openssl("ALL").is_none() {
        eprintln!("SKIPPED: openssl not found on PATH; the cipher expansion was not compared");
        return;
    }
    let mut agree = 0;
    let mut diffs = Vec::new();
    for spec in STRINGS {
        let want = openssl(spec).unwrap();
        let got: Vec<String> = expand(spec)
            .suites
            .iter()
            .map(|s| s.name.to_string())
            .collect();
        if got == want {
            agree += 1;
        } else {
            let missing: Vec<&String> = want.iter().filter(|n| !got.contains(n)).collect();
            let extra: Vec<&String> = got.iter().filter(|n| !want.contains(n)).collect();
            diffs.push(format!(
                "{spec}: missing {missing:?}, extra {extra:?}, order differs: {}",
                missing.is_empty() && extra.is_empty()
            ));
        }
    }
    eprintln!(
        "cipher strings agreeing with openssl: {agree}/{}",
        STRINGS.len()
    );
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}

#[test]
fn suite_facts_equal_openssl() {
    let Some(_) = openssl("ALL") else {
        eprintln!("SKIPPED: openssl not found on PATH; the cipher table was not compared");
        return;
    };
    let out = Command::new("openssl")
        .args(["ciphers", "-ciphersuites", "", "-V", "ALL:COMPLEMENTOFALL"])
        .env("OPENSSL_CONF", "/dev/null")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let mut n = 0;
    for line in text.lines() {
        let p: Vec<&str> = line.split_whitespace().collect();
        if p.len() < 8 || p[3] == "TLSv1.3" {
            continue;
        }
        let s = by_name(p[2]).unwrap_or_else(|| panic!("{} is not in the table", p[2]));
        let id = format!("0x{:02X},0x{:02X}", s.id >> 8, s.id & 0xff);
        assert_eq!(id, p[0], "{}", s.name);
        assert_eq!(s.version, p[3], "{}", s.name);
        let kx = match s.kx {
            "ECDHE" => "ECDH",
            "DHE" => "DH",
            k => k,
        };
        assert_eq!(format!("Kx={kx}"), p[4], "{}", s.name);
        assert_eq!(format!("Au={}", s.au), p[5], "{}", s.name);
        assert_eq!(format!("Enc={}", s.enc), p[6], "{}", s.name);
        assert_eq!(format!("Mac={}", s.mac), p[7], "{}", s.name);
        n += 1;
    }
    assert!(n >= 100, "{n}");
}
