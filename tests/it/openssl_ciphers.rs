//! Compares `tlsproof::ciphers` with the `openssl ciphers` command on PATH.

#![allow(clippy::print_stderr)]

use std::process::Command;

use tlsproof::ciphers::{by_name, expand, needs_server_callback};

const SPECS: &[&str] = &[
    "HIGH:!aNULL:!MD5",
    "DEFAULT",
    "ALL",
    "ALL:COMPLEMENTOFALL",
    "COMPLEMENTOFALL",
    "COMPLEMENTOFDEFAULT",
    "HIGH",
    "MEDIUM",
    "LOW",
    "ECDHE+AESGCM",
    "EECDH+AESGCM:EDH+AESGCM",
    "ECDHE:!aNULL",
    "AESGCM",
    "CHACHA20",
    "kRSA",
    "RSA",
    "aRSA",
    "EDH",
    "DHE",
    "kDHE",
    "ECDH",
    "DH",
    "aECDSA",
    "aDSS",
    "aNULL",
    "ADH",
    "AECDH",
    "SHA256",
    "SHA1",
    "SHA384",
    "MD5",
    "HIGH:@STRENGTH",
    "ALL:COMPLEMENTOFALL:@STRENGTH",
    "ALL:+kRSA",
    "ALL:-SHA1:SHA1",
    "ALL:!SHA1",
    "ALL:!SHA1:SHA1",
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305",
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384:DHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA:ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES256-SHA:ECDHE-RSA-AES256-SHA:DHE-RSA-AES128-SHA256:DHE-RSA-AES256-SHA256:AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA256:AES256-SHA256:AES128-SHA:AES256-SHA:DES-CBC3-SHA",
    "HIGH:!aNULL:!MD5:!3DES",
    "PSK",
    "kPSK",
    "aPSK",
    "SRP",
    "CAMELLIA",
    "ARIA",
    "AESCCM",
    "AESCCM8",
    "AES128",
    "AES256",
    "CBC",
    "TLSv1.2",
    "TLSv1",
    "TLSv1.0",
    "SSLv3",
    "EXPORT",
    "RC4",
    "3DES",
    "SEED",
    "IDEA",
    "eNULL",
    "NULL",
    "FIPS",
    "DEFAULT:@SECLEVEL=0",
    "DEFAULT:!RSA",
    "ALL:@SECLEVEL=2",
    "ECDHE+AES256:!SHA1",
    "kEECDH+aRSA+AESGCM",
    "HIGH+FIPS",
    "HIGH:DEFAULT",
    "DEFAULTX",
    "ALL:-ALL:SHA256",
    "ALL:-kRSA:-PSK:+AES128:kRSA",
    "ECDHE-RSA-AES128-GCM-SHA256+TLSv1.2:AES128-SHA+TLSv1.2",
    "HIGH!MD5!SHA1",
    "HIGH, !aNULL ;!kRSA",
    "FOO:BAR",
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    "HIGH:$x",
    "HIGH:@FOO",
    "HIGH+",
    "ALL:@SECLEVEL=9",
    "!ALL:HIGH",
    "-ALL:HIGH",
    "+HIGH:ECDHE",
    "RSA+AESGCM:+AES256:ECDHE",
];

fn openssl_available() -> bool {
    crate::common::have_tool("openssl")
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl")
        .env("OPENSSL_CONF", "/dev/null")
        .args(args)
        .output()
        .expect("run openssl");
    if !out.status.success() {
        return String::new();
    }
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Parsed `openssl ciphers -V` line: (id, name, version, kx, au, enc, mac).
struct Line {
    id: u16,
    name: String,
    version: String,
    kx: String,
    au: String,
    enc: String,
    mac: String,
}

fn parse_v(text: &str) -> Vec<Line> {
    let mut v = Vec::new();
    for l in text.lines() {
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.len() < 8 {
            continue;
        }
        let hex = f[0].replace("0x", "").replace(',', "");
        let field = |p: &str| {
            f.iter()
                .find_map(|x| x.strip_prefix(p))
                .unwrap_or_default()
                .to_string()
        };
        v.push(Line {
            id: u16::from_str_radix(&hex, 16).expect("hex id"),
            name: f[2].to_string(),
            version: f[3].to_string(),
            kx: field("Kx="),
            au: field("Au="),
            enc: field("Enc="),
            mac: field("Mac="),
        });
    }
    v
}

fn openssl_names(spec: &str) -> Vec<String> {
    parse_v(&openssl(&[
        "ciphers",
        "-ciphersuites",
        "",
        "-V",
        "--",
        spec,
    ]))
    .into_iter()
    .filter(|l| l.version != "TLSv1.3")
    .map(|l| l.name)
    .collect()
}

fn diff(want: &[String], got: &[String]) -> String {
    let mut d = String::new();
    for w in want.iter().filter(|w| !got.contains(w)) {
        d += &format!("  missing: {w}\n");
    }
    for g in got.iter().filter(|g| !want.contains(g)) {
        d += &format!("  extra:   {g}\n");
    }
    if d.is_empty() {
        let first = want.iter().zip(got).position(|(a, b)| a != b);
        if let Some(i) = first {
            d += &format!(
                "  order differs at {i}: openssl {} / ours {}\n  openssl: {}\n  ours:    {}\n",
                want[i],
                got[i],
                want.join(":"),
                got.join(":")
            );
        }
    }
    d
}

#[test]
fn expand_agrees_with_openssl() {
    if !openssl_available() {
        eprintln!("SKIPPED: openssl not found on PATH; cipher-string comparison not run");
        return;
    }
    let mut failures = Vec::new();
    for spec in SPECS {
        let want = openssl_names(spec);
        let got: Vec<String> = expand(spec)
            .suites
            .iter()
            .map(|s| s.name.to_string())
            .collect();
        if want != got {
            failures.push(format!("{spec:?}:\n{}", diff(&want, &got)));
        }
    }
    eprintln!(
        "cipher strings agreeing with openssl: {}/{}",
        SPECS.len() - failures.len(),
        SPECS.len()
    );
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

#[test]
fn table_metadata_agrees_with_openssl() {
    if !openssl_available() {
        eprintln!("SKIPPED: openssl not found on PATH; table metadata comparison not run");
        return;
    }
    let lines = parse_v(&openssl(&["ciphers", "-V", "-v", "ALL:COMPLEMENTOFALL"]));
    assert!(!lines.is_empty());
    let mut bad = Vec::new();
    for l in &lines {
        let Some(s) = by_name(&l.name) else {
            bad.push(format!("{}: not in table", l.name));
            continue;
        };
        // `openssl ciphers -v` prints ephemeral (EC)DH as "ECDH"/"DH".
        let kx = match s.kx {
            "ECDHE" => "ECDH",
            "DHE" => "DH",
            k => k,
        };
        let bits_ok = match s.enc.rsplit_once('(') {
            Some((alg, b)) => {
                let b: u16 = b.trim_end_matches(')').parse().unwrap_or(0);
                if alg == "3DES" {
                    s.bits == 112
                } else {
                    s.bits == b
                }
            }
            None => s.bits == 0 && s.enc == "None",
        };
        let ours = (s.id, s.version, kx, s.au, s.enc, s.mac);
        let theirs = (
            l.id,
            l.version.as_str(),
            l.kx.as_str(),
            l.au.as_str(),
            l.enc.as_str(),
            l.mac.as_str(),
        );
        if ours != theirs || !bits_ok || s.aead != (s.mac == "AEAD") {
            bad.push(format!("{}: ours {ours:?} openssl {theirs:?}", l.name));
        }
    }
    eprintln!(
        "table rows agreeing with openssl: {}/{}",
        lines.len() - bad.len(),
        lines.len()
    );
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// Pseudo-random rule strings (fixed seed) built from aliases, suite names
/// and operators, compared with openssl.
#[test]
fn random_strings_agree_with_openssl() {
    if !openssl_available() {
        eprintln!("SKIPPED: openssl not found on PATH; random cipher strings not compared");
        return;
    }
    const WORDS: &[&str] = &[
        "ALL",
        "COMPLEMENTOFALL",
        "COMPLEMENTOFDEFAULT",
        "HIGH",
        "FIPS",
        "kRSA",
        "RSA",
        "aRSA",
        "kECDHE",
        "ECDHE",
        "EECDH",
        "kDHE",
        "DHE",
        "EDH",
        "aECDSA",
        "aDSS",
        "aNULL",
        "ADH",
        "AECDH",
        "PSK",
        "kPSK",
        "aPSK",
        "SRP",
        "AES",
        "AES128",
        "AES256",
        "AESGCM",
        "AESCCM",
        "AESCCM8",
        "CHACHA20",
        "CAMELLIA",
        "ARIA",
        "CBC",
        "eNULL",
        "NULL",
        "MD5",
        "SHA1",
        "SHA",
        "SHA256",
        "SHA384",
        "TLSv1.2",
        "TLSv1",
        "SSLv3",
        "3DES",
        "RC4",
        "FOO",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "AES128-SHA",
        "DHE-RSA-AES256-SHA",
        "NULL-MD5",
        "PSK-AES128-CBC-SHA",
        "ECDHE-ECDSA-CHACHA20-POLY1305",
        "DES-CBC3-SHA",
    ];
    const OPS: &[&str] = &["", "", "", "+", "-", "!"];
    let mut seed: u64 = 0x5eed_1234_abcd_0001;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    let mut failures = Vec::new();
    let total = 400;
    for _ in 0..total {
        let mut rules = Vec::new();
        for _ in 0..1 + next(6) {
            if next(12) == 0 {
                rules.push("@STRENGTH".to_string());
                continue;
            }
            let mut r = OPS[next(OPS.len())].to_string();
            r += WORDS[next(WORDS.len())];
            if next(4) == 0 {
                r += "+";
                r += WORDS[next(WORDS.len())];
            }
            rules.push(r);
        }
        let spec = rules.join(":");
        let want = openssl_names(&spec);
        let got: Vec<String> = expand(&spec)
            .suites
            .iter()
            .map(|s| s.name.to_string())
            .collect();
        if want != got {
            failures.push(format!("{spec:?}:\n{}", diff(&want, &got)));
        }
    }
    eprintln!(
        "random cipher strings agreeing with openssl: {}/{}",
        total - failures.len(),
        total
    );
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
}

/// Strings whose expansions hold no NULL or anonymous suite: `openssl ciphers -s` also drops
/// those, by the security level, which nginx leaves at OpenSSL's default.
const SERVER_SPECS: &[&str] = &[
    "HIGH:!aNULL:!MD5",
    "DEFAULT",
    "HIGH:!aNULL",
    "ALL:!aNULL:!eNULL",
    "ALL:COMPLEMENTOFALL:!aNULL:!eNULL",
    "kRSA:!eNULL",
    "PSK:ECDHE+AESGCM",
    "SRP:AES128-SHA",
    "ECDHE+AESGCM:ECDHE+CHACHA20",
];

/// What a server without PSK and SRP callbacks (nginx) can negotiate: the expansion without
/// the suites `needs_server_callback` names is what `openssl ciphers -s` lists (the suites
/// `SSL_get1_supported_ciphers` keeps on a context that sets no such callback).
#[test]
fn suites_without_psk_and_srp_are_what_openssl_supports() {
    if !openssl_available() {
        eprintln!("SKIPPED: openssl not found on PATH; supported suites not compared");
        return;
    }
    let mut failures = Vec::new();
    for spec in SERVER_SPECS {
        let want: Vec<String> = parse_v(&openssl(&[
            "ciphers",
            "-s",
            "-ciphersuites",
            "",
            "-V",
            "--",
            spec,
        ]))
        .into_iter()
        .map(|l| l.name)
        .collect();
        let got: Vec<String> = expand(spec)
            .suites
            .iter()
            .filter(|s| !needs_server_callback(s.kx))
            .map(|s| s.name.to_string())
            .collect();
        if want != got {
            failures.push(format!("{spec:?}:\n{}", diff(&want, &got)));
        }
    }
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
    // nginx's default string: 125 suites expanded, 71 negotiable.
    let default = expand("HIGH:!aNULL:!MD5").suites;
    let negotiable = default.iter().filter(|s| !needs_server_callback(s.kx));
    assert_eq!((default.len(), negotiable.count()), (125, 71));
}
