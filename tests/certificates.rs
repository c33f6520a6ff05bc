//! Certificate facts through the real scan pipeline: certificates generated with the `openssl`
//! command line, named by nginx `ssl_certificate` lines, judged by NET03-CERT at a fixed time.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod common;

use common::*;
use std::path::Path;
use std::process::Command;
use tlsproof::results::Status;

/// Far after the one-day certificate and before the long-lived ones expire.
const AT: &str = "2099-01-01T00:00:00Z";

fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn have_openssl() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A leaf `certs/<name>.pem` (+ `.key`) for `san`, signed by `certs/ca.pem`.
fn leaf(dir: &Path, name: &str, san: &str, bits: &str, digest: &str, days: &str) {
    let key = format!("certs/{name}.key");
    let csr = format!("certs/{name}.csr");
    let pem = format!("certs/{name}.pem");
    let ext = format!("certs/{name}.ext");
    std::fs::write(dir.join(&ext), format!("subjectAltName=DNS:{san}\n")).unwrap();
    openssl(
        dir,
        &[
            "req",
            "-new",
            "-newkey",
            bits,
            "-nodes",
            "-keyout",
            &key,
            "-subj",
            &format!("/CN={san}"),
            "-out",
            &csr,
        ],
    );
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "certs/ca.pem",
            "-CAkey",
            "certs/ca.key",
            "-set_serial",
            "2",
            digest,
            "-days",
            days,
            "-extfile",
            &ext,
            "-out",
            &pem,
        ],
    );
}

fn server(name: &str, cert: &str) -> String {
    format!(
        "  server {{\n    listen 443 ssl;\n    server_name {name}.example.com;\n    ssl_certificate certs/{cert}.pem;\n    ssl_certificate_key certs/{cert}.key;\n    location / {{ proxy_pass http://127.0.0.1:3000; }}\n  }}\n"
    )
}

#[test]
fn certificate_files_in_the_scan_are_judged_with_their_line() {
    if !have_openssl() {
        eprintln!("skipped: no openssl command on this machine");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("certs")).unwrap();
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "certs/ca.key",
            "-out",
            "certs/ca.pem",
            "-subj",
            "/CN=Test CA",
            "-days",
            "36500",
        ],
    );
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "certs/selfsigned.key",
            "-out",
            "certs/selfsigned.pem",
            "-subj",
            "/CN=selfsigned.example.com",
            "-addext",
            "subjectAltName=DNS:selfsigned.example.com",
            "-days",
            "36500",
        ],
    );
    leaf(
        d,
        "good",
        "good.example.com",
        "rsa:2048",
        "-sha256",
        "36500",
    );
    leaf(
        d,
        "expired",
        "expired.example.com",
        "rsa:2048",
        "-sha256",
        "1",
    );
    leaf(
        d,
        "rsa1024",
        "rsa1024.example.com",
        "rsa:1024",
        "-sha256",
        "36500",
    );
    leaf(d, "sha1", "sha1.example.com", "rsa:2048", "-sha1", "36500");
    leaf(
        d,
        "wrongname",
        "other.example.org",
        "rsa:2048",
        "-sha256",
        "36500",
    );
    std::fs::write(d.join("certs/garbage.pem"), "not a certificate\n").unwrap();
    std::fs::write(d.join("certs/garbage.key"), "").unwrap();

    let mut conf = String::from("events {}\nhttp {\n");
    for (name, cert) in [
        ("good", "good"),
        ("selfsigned", "selfsigned"),
        ("expired", "expired"),
        ("rsa1024", "rsa1024"),
        ("sha1", "sha1"),
        ("wrongname", "wrongname"),
        ("garbage", "garbage"),
    ] {
        conf.push_str(&server(name, cert));
    }
    conf.push_str("  server {\n    listen 443 ssl;\n    server_name outside.example.com;\n    ssl_certificate /etc/ssl/outside.pem;\n    ssl_certificate_key /etc/ssl/outside.key;\n  }\n}\n");
    std::fs::write(d.join("nginx.conf"), &conf).unwrap();
    // Line of `ssl_certificate` in the n-th server block (0-based): 2 header lines, 7 per block.
    let line = |n: usize| format!("nginx.conf:{}", 2 + 7 * n + 4);

    let scan = scan_with(d, |o| o.at = Some(AT.into()));
    assert_eq!(scan.model.evaluated_at.as_deref(), Some(AT));

    let good = result(&scan.report, "NET03-CERT", "good.example.com");
    assert_status(good, Status::Manual);
    assert!(
        good.message
            .contains("chain to a trusted CA not validated yet (issue: trust store)"),
        "{}",
        good.message
    );
    assert_eq!(at(good), line(0));

    for (n, name, reason) in [
        (1, "selfsigned", "self-signed, not explicitly trusted"),
        (2, "expired", "expired on"),
        (3, "rsa1024", "RSA key of 1024 bits"),
        (
            4,
            "sha1",
            "weak signature algorithm (sha1WithRSAEncryption)",
        ),
        (
            5,
            "wrongname",
            "names other.example.org, none of the server names wrongname.example.com",
        ),
    ] {
        let r = result(&scan.report, "NET03-CERT", &format!("{name}.example.com"));
        assert_status(r, Status::Fail);
        assert!(r.message.contains(reason), "{name}: {}", r.message);
        assert_eq!(at(r), line(n), "{name}");
    }

    // A file that does not parse: no facts, a finding naming it, the requirement stays MANUAL.
    let garbage = result(&scan.report, "NET03-CERT", "garbage.example.com");
    assert_status(garbage, Status::Manual);
    assert!(
        scan.report
            .findings
            .iter()
            .any(|f| f.message.contains("certs/garbage.pem")),
        "{:?}",
        scan.report.findings
    );
    // Outside the scanned tree: no facts, MANUAL naming the file.
    let outside = result(&scan.report, "NET03-CERT", "outside.example.com");
    assert_status(outside, Status::Manual);
    assert!(
        outside.message.contains("/etc/ssl/outside.pem"),
        "{}",
        outside.message
    );

    // Facts: the good leaf, with its chain length, key and pin; nothing of any private key.
    let facts = scan
        .model
        .certificates
        .iter()
        .find(|c| c.path == "certs/good.pem")
        .unwrap();
    assert_eq!(facts.file, "certs/good.pem");
    assert_eq!(facts.sans, vec!["good.example.com".to_string()]);
    assert_eq!((facts.key.alg.as_str(), facts.key.bits), ("RSA", 2048));
    assert!(!facts.self_signed);
    assert!(facts.spki_sha256.starts_with("sha256/"));
    assert_eq!(facts.chain_len, 1);
    assert_eq!(scan.model.certificates.len(), 6);
    let model = scan.model_json.to_string();
    assert!(!model.contains("PRIVATE KEY"));
    let key = std::fs::read_to_string(d.join("certs/good.key")).unwrap();
    let key_body = key.lines().nth(1).unwrap();
    assert!(!model.contains(key_body));
}

#[test]
fn a_bundle_counts_its_chain() {
    if !have_openssl() {
        eprintln!("skipped: no openssl command on this machine");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("certs")).unwrap();
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "certs/ca.key",
            "-out",
            "certs/ca.pem",
            "-subj",
            "/CN=Test CA",
            "-days",
            "36500",
        ],
    );
    leaf(d, "site", "mcp.example.com", "rsa:2048", "-sha256", "36500");
    let bundle = std::fs::read_to_string(d.join("certs/site.pem")).unwrap()
        + &std::fs::read_to_string(d.join("certs/ca.pem")).unwrap();
    std::fs::write(d.join("certs/site.pem"), bundle).unwrap();
    std::fs::write(
        d.join("nginx.conf"),
        format!("events {{}}\nhttp {{\n{}}}\n", server("mcp", "site")),
    )
    .unwrap();
    let scan = scan_with(d, |o| o.at = Some("2030-01-01T00:00:00Z".into()));
    let facts = &scan.model.certificates[0];
    assert_eq!(facts.chain_len, 2);
    assert_eq!(facts.signature_alg, "ecdsa-with-SHA256");
    assert_eq!(facts.issuer, "CN=Test CA");
    assert_status(
        result(&scan.report, "NET03-CERT", "mcp.example.com"),
        Status::Manual,
    );
}
