//! Certificate facts through the real scan pipeline: certificates generated with the `openssl`
//! command line, named by nginx `ssl_certificate` lines, judged by NET03-CERT at a fixed time.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::common::*;
use std::path::Path;
use std::process::Command;
use tlsproof::results::Status;

/// Far after the one-day certificate and before the long-lived ones expire.
const AT: &str = "2099-01-01T00:00:00Z";

fn have_openssl() -> bool {
    have_tool("openssl")
}

/// A fresh directory for a fixture PKI; `None` (the test is skipped) where openssl does not run.
fn pki_dir() -> Option<tempfile::TempDir> {
    if !have_openssl() {
        eprintln!("skipped: no openssl command on this machine");
        return None;
    }
    Some(tempfile::tempdir().unwrap())
}

/// Scans `d` at [`AT`], trusting the fixture root CA `pki/root.pem` as `--ca-file`.
fn scan_trusting_root(d: &Path) -> tlsproof::pipeline::Scan {
    let root = d.join("pki/root.pem");
    scan_with(d, |o| {
        o.at = Some(tlsproof::settings::parse_time(AT).unwrap());
        o.ca_files = vec![root];
    })
}

/// A v3 leaf `certs/<name>.pem` (+ `.key`) for `san`, signed by `<ca>.pem`/`<ca>.key`.
fn leaf_by(dir: &Path, ca: &str, name: &str, san: &str, bits: &str, digest: &str, days: &str) {
    let key = format!("certs/{name}.key");
    let csr = format!("certs/{name}.csr");
    let pem = format!("certs/{name}.pem");
    let ext = format!("certs/{name}.ext");
    std::fs::write(
        dir.join(&ext),
        format!(
            "subjectAltName=DNS:{san}\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n"
        ),
    )
    .unwrap();
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
            &format!("{ca}.pem"),
            "-CAkey",
            &format!("{ca}.key"),
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

/// A leaf signed by `certs/ca.pem` (the single-level CA of the older tests).
fn leaf(dir: &Path, name: &str, san: &str, bits: &str, digest: &str, days: &str) {
    leaf_by(dir, "certs/ca", name, san, bits, digest, days);
}

/// A self-signed root CA `<name>.pem`/`.key`.
fn root_ca(dir: &Path, name: &str, cn: &str) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.pem"),
            "-subj",
            &format!("/CN={cn}"),
            "-days",
            "36500",
        ],
    );
}

/// The fixture PKI: `pki/root` → `pki/intermediate`; `pki/other` is a CA nobody trusts.
fn pki(d: &Path) {
    std::fs::create_dir_all(d.join("pki")).unwrap();
    std::fs::create_dir_all(d.join("certs")).unwrap();
    root_ca(d, "pki/root", "Test Root CA");
    root_ca(d, "pki/other", "Untrusted CA");
    std::fs::write(
        d.join("pki/intermediate.ext"),
        "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n",
    )
    .unwrap();
    openssl(
        d,
        &[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "pki/intermediate.key",
            "-subj",
            "/CN=Test Intermediate CA",
            "-out",
            "pki/intermediate.csr",
        ],
    );
    openssl(
        d,
        &[
            "x509",
            "-req",
            "-in",
            "pki/intermediate.csr",
            "-CA",
            "pki/root.pem",
            "-CAkey",
            "pki/root.key",
            "-set_serial",
            "7",
            "-sha256",
            "-days",
            "36500",
            "-extfile",
            "pki/intermediate.ext",
            "-out",
            "pki/intermediate.pem",
        ],
    );
}

/// Appends the intermediate to a leaf file: the bundle nginx serves.
fn with_intermediate(d: &Path, name: &str) {
    let path = d.join(format!("certs/{name}.pem"));
    let bundle = std::fs::read_to_string(&path).unwrap()
        + &std::fs::read_to_string(d.join("pki/intermediate.pem")).unwrap();
    std::fs::write(path, bundle).unwrap();
}

fn server(name: &str, cert: &str) -> String {
    format!(
        "  server {{\n    listen 443 ssl;\n    server_name {name}.example.com;\n    ssl_certificate certs/{cert}.pem;\n    ssl_certificate_key certs/{cert}.key;\n    location / {{ proxy_pass http://127.0.0.1:3000; }}\n  }}\n"
    )
}

/// The servers of the chain fixture, in nginx.conf order.
const SERVERS: &[&str] = &[
    "good",
    "selfsigned",
    "expired",
    "rsa1024",
    "sha1",
    "wrongname",
    "unknown",
    "garbage",
];

/// Writes the chain fixture: the PKI, one leaf per defect, and an nginx.conf naming each.
fn chain_fixture(d: &Path) {
    pki(d);
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
    let inter = "pki/intermediate";
    let long = "36500";
    leaf_by(
        d,
        inter,
        "good",
        "good.example.com",
        "rsa:2048",
        "-sha256",
        long,
    );
    leaf_by(
        d,
        inter,
        "expired",
        "expired.example.com",
        "rsa:2048",
        "-sha256",
        "1",
    );
    leaf_by(
        d,
        inter,
        "rsa1024",
        "rsa1024.example.com",
        "rsa:1024",
        "-sha256",
        long,
    );
    leaf_by(
        d,
        inter,
        "sha1",
        "sha1.example.com",
        "rsa:2048",
        "-sha1",
        long,
    );
    leaf_by(
        d,
        inter,
        "wrongname",
        "other.example.org",
        "rsa:2048",
        "-sha256",
        long,
    );
    leaf_by(
        d,
        "pki/other",
        "unknown",
        "unknown.example.com",
        "rsa:2048",
        "-sha256",
        long,
    );
    for name in ["good", "expired", "rsa1024", "sha1", "wrongname"] {
        with_intermediate(d, name);
    }
    std::fs::write(d.join("certs/garbage.pem"), "not a certificate\n").unwrap();
    std::fs::write(d.join("certs/garbage.key"), "").unwrap();

    let mut conf = String::from("events {}\nhttp {\n");
    for name in SERVERS {
        conf.push_str(&server(name, name));
    }
    conf.push_str("  server {\n    listen 443 ssl;\n    server_name outside.example.com;\n    ssl_certificate /etc/letsencrypt/live/outside.example.com/fullchain.pem;\n    ssl_certificate_key /etc/letsencrypt/live/outside.example.com/privkey.pem;\n  }\n}\n");
    std::fs::write(d.join("nginx.conf"), &conf).unwrap();
}

/// `nginx.conf:<line>` of `ssl_certificate` in the n-th server block (0-based): 2 header lines,
/// 7 lines per block.
fn line(n: usize) -> String {
    format!("nginx.conf:{}", 2 + 7 * n + 4)
}

/// The defects of the chain fixture: each FAILs with its reason at its `ssl_certificate` line.
fn assert_defects_fail(scan: &tlsproof::pipeline::Scan) {
    for (name, reason) in [
        ("selfsigned", "self-signed, not explicitly trusted"),
        ("expired", "expired on"),
        ("rsa1024", "RSA key of 1024 bits"),
        ("sha1", "weak signature algorithm (sha1WithRSAEncryption)"),
        (
            "wrongname",
            "names other.example.org, none of the server names wrongname.example.com",
        ),
        ("unknown", "unknown issuer (not in the trust store"),
    ] {
        let n = SERVERS.iter().position(|s| *s == name).unwrap();
        let r = result(&scan.report, "NET03-CERT", &format!("{name}.example.com"));
        assert_status(r, Status::Fail);
        assert!(r.message.contains(reason), "{name}: {}", r.message);
        assert_eq!(at(r), line(n), "{name}");
    }
}

fn chain_of<'a>(scan: &'a tlsproof::pipeline::Scan, path: &str) -> &'a tlsproof::model::ChainFacts {
    &scan
        .model
        .certificates
        .iter()
        .find(|c| c.path == path)
        .unwrap_or_else(|| panic!("no facts for {path}"))
        .chain
}

#[test]
fn chains_are_validated_against_a_ca_file_at_the_evaluation_time() {
    let Some(dir) = pki_dir() else { return };
    let d = dir.path();
    chain_fixture(d);
    let scan = scan_trusting_root(d);
    assert_eq!(scan.model.evaluated_at.as_deref(), Some(AT));

    let good = result(&scan.report, "NET03-CERT", "good.example.com");
    assert_status(good, Status::Pass);
    let label = format!("ca-file:{}", d.join("pki/root.pem").display());
    assert!(
        good.message
            .contains(&format!("explicitly trusted by {label}")),
        "{}",
        good.message
    );
    assert!(
        good.message.contains("issued by CN=Test Intermediate CA"),
        "{}",
        good.message
    );
    assert_eq!(at(good), line(0));
    let chain = chain_of(&scan, "certs/good.pem");
    assert_eq!(chain.status, "valid");
    assert_eq!(chain.trusted_by.as_deref(), Some(label.as_str()));
    assert!(chain.explicit);
    assert_eq!(chain.names_valid, vec!["good.example.com".to_string()]);

    assert_defects_fail(&scan);
    for (path, status) in [
        ("certs/selfsigned.pem", "self-signed"),
        ("certs/expired.pem", "expired"),
        ("certs/wrongname.pem", "wrong-name"),
        ("certs/unknown.pem", "unknown-issuer"),
        ("certs/rsa1024.pem", "valid"),
        ("certs/sha1.pem", "invalid"),
    ] {
        assert_eq!(chain_of(&scan, path).status, status, "{path}");
    }
    let self_signed = scan
        .model
        .certificates
        .iter()
        .find(|c| c.path == "certs/selfsigned.pem")
        .unwrap();
    assert!(self_signed.self_signed);

    // The trust sources used, with their digests, are in the model.
    let trust = scan.model.trust.as_ref().unwrap();
    let ca = trust.sources.iter().find(|s| s.kind == "ca-file").unwrap();
    assert_eq!(ca.anchors, 1);
    assert_eq!(ca.sha256.len(), 64);

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
    // Outside the scanned tree: MANUAL naming the file and what would decide it.
    let outside = result(&scan.report, "NET03-CERT", "outside.example.com");
    assert_status(outside, Status::Manual);
    assert!(
        outside
            .message
            .contains("/etc/letsencrypt/live/outside.example.com/fullchain.pem"),
        "{}",
        outside.message
    );
    let why = outside.justification.as_deref().unwrap_or_default();
    assert!(
        why.contains("outside the scanned tree") && why.contains("live probe of the endpoint"),
        "{why}"
    );

    // Nothing of any private key in the model.
    let model = scan.model_json().to_string();
    assert!(!model.contains("PRIVATE KEY"));
    let key = std::fs::read_to_string(d.join("certs/good.key")).unwrap();
    assert!(!model.contains(key.lines().nth(1).unwrap()));
}

#[test]
fn tlsproof_toml_trusts_ca_files_and_pins() {
    let Some(dir) = pki_dir() else { return };
    let d = dir.path();
    chain_fixture(d);
    // The self-signed leaf's pin, as the model records it.
    let first = scan_with(d, |o| {
        o.at = Some(tlsproof::settings::parse_time(AT).unwrap())
    });
    let pin = first
        .model
        .certificates
        .iter()
        .find(|c| c.path == "certs/selfsigned.pem")
        .unwrap()
        .spki_sha256
        .clone();
    // Without any trust for the fixture root, the good leaf has an unknown issuer.
    assert_status(
        result(&first.report, "NET03-CERT", "good.example.com"),
        Status::Fail,
    );

    std::fs::write(
        d.join("tlsproof.toml"),
        format!("[trust]\nsystem = false\nca_files = [\"pki/root.pem\"]\npins = [\"{pin}\"]\n"),
    )
    .unwrap();
    let scan = scan_with(d, |o| {
        o.at = Some(tlsproof::settings::parse_time(AT).unwrap())
    });
    let good = result(&scan.report, "NET03-CERT", "good.example.com");
    assert_status(good, Status::Pass);
    assert!(
        good.message
            .contains("explicitly trusted by ca-file:pki/root.pem"),
        "{}",
        good.message
    );
    let pinned = result(&scan.report, "NET03-CERT", "selfsigned.example.com");
    assert_status(pinned, Status::Pass);
    assert!(
        pinned
            .message
            .contains(&format!("explicitly trusted by pin:{pin}")),
        "{}",
        pinned.message
    );
    let trust = scan.model.trust.as_ref().unwrap();
    assert!(trust.sources.iter().all(|s| s.kind == "ca-file"));
    assert_eq!(trust.pins, vec![pin]);

    // The other defects still fail (the self-signed one is now trusted).
    for name in ["expired", "rsa1024", "sha1", "wrongname", "unknown"] {
        assert_status(
            result(&scan.report, "NET03-CERT", &format!("{name}.example.com")),
            Status::Fail,
        );
    }
}

#[test]
fn a_missing_ca_file_or_a_malformed_pin_is_a_setup_error() {
    let dir = tree(&[("nginx.conf", "events {}\nhttp { server { listen 80; } }\n")]);
    let err = tlsproof::pipeline::run(&tlsproof::pipeline::Options {
        paths: vec![dir.path().to_path_buf()],
        ca_files: vec![dir.path().join("nope.pem")],
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("nope.pem"), "{err}");
    std::fs::write(
        dir.path().join("tlsproof.toml"),
        "[trust]\npins = [\"sha1/xyz\"]\n",
    )
    .unwrap();
    let err = tlsproof::pipeline::run(&tlsproof::pipeline::Options {
        paths: vec![dir.path().to_path_buf()],
        ..Default::default()
    })
    .unwrap_err();
    assert!(err.to_string().contains("not an SPKI pin"), "{err}");
}

#[test]
fn a_certificate_expiring_within_30_days_passes_with_a_warning() {
    let Some(dir) = pki_dir() else { return };
    let d = dir.path();
    pki(d);
    let inter = "pki/intermediate";
    leaf_by(
        d,
        inter,
        "soon",
        "soon.example.com",
        "rsa:2048",
        "-sha256",
        "400",
    );
    with_intermediate(d, "soon");
    std::fs::write(
        d.join("nginx.conf"),
        format!("events {{}}\nhttp {{\n{}}}\n", server("soon", "soon")),
    )
    .unwrap();
    let root = d.join("pki/root.pem");
    let first = scan_with(d, |o| o.ca_files = vec![root.clone()]);
    let not_after = first.model.certificates[0].not_after_unix;
    // Ten days before it expires.
    let at = time::OffsetDateTime::from_unix_timestamp(not_after - 10 * 86_400)
        .unwrap()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap();
    let scan = scan_with(d, |o| {
        o.at = Some(tlsproof::settings::parse_time(&at).unwrap());
        o.ca_files = vec![root.clone()];
    });
    let r = result(&scan.report, "NET03-CERT", "soon.example.com");
    assert_status(r, Status::Pass);
    let date = &scan.model.certificates[0].not_after;
    assert!(
        r.message
            .contains(&format!("expires on {date}, within 30 days")),
        "{}",
        r.message
    );
    let warning = scan
        .report
        .findings
        .iter()
        .find(|f| f.kind.as_str() == "CERTIFICATE_EXPIRING")
        .unwrap_or_else(|| panic!("{:?}", scan.report.findings));
    assert_eq!(warning.severity.as_str(), "warning");
    assert!(
        warning.message.contains(date.as_str()),
        "{}",
        warning.message
    );
    let l = &warning.locations[0];
    assert_eq!(format!("{}:{}", l.file, l.line), line(0));
}

#[test]
fn a_bundle_counts_its_chain() {
    let Some(dir) = pki_dir() else { return };
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
    let scan = scan_with(d, |o| {
        o.at = Some(tlsproof::settings::parse_time("2030-01-01T00:00:00Z").unwrap())
    });
    let facts = &scan.model.certificates[0];
    assert_eq!(facts.chain_len, 2);
    assert_eq!(facts.signature_alg, "ecdsa-with-SHA256");
    assert_eq!(facts.issuer, "CN=Test CA");
    // A CA in the file is an intermediate, not an anchor: nothing trusts it.
    let r = result(&scan.report, "NET03-CERT", "mcp.example.com");
    assert_status(r, Status::Fail);
    assert!(r.message.contains("unknown issuer"), "{}", r.message);

    // Pinning the CA's key (a chain certificate of the file) trusts the chain explicitly.
    let out = Command::new("sh")
        .arg("-c")
        .arg("openssl x509 -in certs/ca.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64")
        .current_dir(d)
        .output()
        .unwrap();
    let pin = format!("sha256/{}", String::from_utf8_lossy(&out.stdout).trim());
    std::fs::write(
        d.join("tlsproof.toml"),
        format!("[trust]\npins = [\"{pin}\"]\n"),
    )
    .unwrap();
    let scan = scan_with(d, |o| {
        o.at = Some(tlsproof::settings::parse_time("2030-01-01T00:00:00Z").unwrap())
    });
    let r = result(&scan.report, "NET03-CERT", "mcp.example.com");
    assert_status(r, Status::Pass);
    assert!(
        r.message
            .contains(&format!("explicitly trusted by pin:{pin}")),
        "{}",
        r.message
    );
}

/// Base64 of bytes (standard alphabet, padded), as Kubernetes `data:` holds them.
fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

/// An ingress-nginx Ingress naming `mcp/mcp-tls`, and that TLS Secret with `tls.crt` (line 28)
/// and `tls.key`, both base64 under `data`.
fn kubernetes_fixture(d: &Path) {
    pki(d);
    let inter = "pki/intermediate";
    leaf_by(
        d,
        inter,
        "k8s",
        "mcp.example.com",
        "rsa:2048",
        "-sha256",
        "36500",
    );
    with_intermediate(d, "k8s");
    let crt = std::fs::read(d.join("certs/k8s.pem")).unwrap();
    let key = std::fs::read(d.join("certs/k8s.key")).unwrap();
    let manifest = format!(
        "apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: mcp
  namespace: mcp
spec:
  ingressClassName: nginx
  tls:
    - hosts: [mcp.example.com]
      secretName: mcp-tls
  rules:
    - host: mcp.example.com
      http:
        paths:
          - path: /mcp
            pathType: Prefix
            backend:
              service:
                name: mcp
                port:
                  number: 80
---
apiVersion: v1
kind: Secret
metadata: {{name: mcp-tls, namespace: mcp}}
type: kubernetes.io/tls
data:
  tls.crt: {}
  tls.key: {}
",
        b64(&crt),
        b64(&key)
    );
    std::fs::create_dir_all(d.join("k8s")).unwrap();
    std::fs::write(d.join("k8s/ingress.yaml"), manifest).unwrap();
    std::fs::write(
        d.join("tlsproof.toml"),
        "[kubernetes]\ningress_nginx_version = \"1.11.2\"\n",
    )
    .unwrap();
}

#[test]
fn a_kubernetes_tls_secret_gives_the_certificate_facts() {
    let Some(dir) = pki_dir() else { return };
    let d = dir.path();
    kubernetes_fixture(d);
    let scan = scan_trusting_root(d);
    let facts = scan
        .model
        .certificates
        .iter()
        .find(|c| c.path == "secret:mcp/mcp-tls")
        .unwrap_or_else(|| panic!("{}", compact(&scan.report)));
    assert_eq!(facts.file, "k8s/ingress.yaml");
    assert_eq!(facts.sans, vec!["mcp.example.com".to_string()]);
    assert_eq!(facts.chain_len, 2);
    assert_eq!(facts.chain.status, "valid");
    let read_at = facts.read_at.as_ref().unwrap();
    assert_eq!(
        (read_at.file.as_str(), read_at.line),
        ("k8s/ingress.yaml", 28)
    );
    // Cited at the secretName line, then at the Secret's tls.crt.
    let r = result(&scan.report, "NET03-CERT", "ingress:mcp/mcp");
    assert_status(r, Status::Pass);
    assert!(
        r.message
            .contains("secret:mcp/mcp-tls (tls.crt at k8s/ingress.yaml:28)"),
        "{}",
        r.message
    );
    let locs: Vec<String> = r
        .locations
        .iter()
        .map(|l| format!("{}:{}", l.file, l.line))
        .collect();
    assert_eq!(locs, vec!["k8s/ingress.yaml:10", "k8s/ingress.yaml:28"]);
}

/// The base64 lines of a PEM file's body (the key material itself).
fn body_lines(pem: &str) -> Vec<String> {
    pem.lines()
        .filter(|l| !l.starts_with("-----") && l.len() >= 16)
        .map(str::to_string)
        .collect()
}

#[test]
fn an_evidence_bundle_holds_nothing_of_any_private_key() {
    let Some(dir) = pki_dir() else { return };
    let d = dir.path();
    chain_fixture(d);
    kubernetes_fixture(d);
    // A combined file (certificate + key) named by nginx too.
    let combined = std::fs::read_to_string(d.join("certs/good.pem")).unwrap()
        + &std::fs::read_to_string(d.join("certs/good.key")).unwrap();
    std::fs::write(d.join("certs/combined.pem"), combined).unwrap();
    let conf = std::fs::read_to_string(d.join("nginx.conf")).unwrap();
    let conf = conf.replacen(
        "http {\n",
        "http {\n  server {\n    listen 443 ssl;\n    server_name combined.example.com;\n    ssl_certificate certs/combined.pem;\n    ssl_certificate_key certs/combined.pem;\n  }\n",
        1,
    );
    std::fs::write(d.join("nginx.conf"), conf).unwrap();

    let out = tempfile::tempdir().unwrap();
    let bundle = out.path().join("bundle");
    let run = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(["evidence", &d.display().to_string(), "--out"])
        .arg(&bundle)
        .args(["--at", AT, "--ca-file"])
        .arg(d.join("pki/root.pem"))
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .output()
        .unwrap();
    assert!(
        matches!(run.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    // Every private key of the fixture: the nginx key files, the CA keys, the Secret's tls.key.
    let mut needles = vec!["PRIVATE KEY".to_string()];
    let mut keys = 0;
    for folder in ["certs", "pki"] {
        for entry in std::fs::read_dir(d.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "key") {
                let text = std::fs::read_to_string(&path).unwrap();
                needles.extend(body_lines(&text));
                keys += 1;
            }
        }
    }
    assert!(keys >= 10, "{keys} keys");
    let secret_key = b64(&std::fs::read(d.join("certs/k8s.key")).unwrap());
    needles.extend(
        secret_key
            .as_bytes()
            .chunks(64)
            .map(|c| String::from_utf8_lossy(c).into_owned()),
    );

    let mut files = 0;
    for entry in std::fs::read_dir(&bundle).unwrap() {
        let path = entry.unwrap().path();
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        files += 1;
        for needle in &needles {
            assert!(
                !text.contains(needle.as_str()),
                "{} contains key material {needle:?}",
                path.display()
            );
        }
    }
    assert!(files >= 4, "{files} bundle files");
    // The bundle did judge the certificates (so the check is not vacuous).
    let results = std::fs::read_to_string(bundle.join("results.json")).unwrap();
    assert!(results.contains("combined.example.com"), "{results}");
    assert!(results.contains("secret:mcp/mcp-tls"), "{results}");
}

#[test]
fn nginx_resolves_a_relative_certificate_of_an_unincluded_fragment_against_the_conf_prefix() {
    let Some(dir) = pki_dir() else { return };
    let d = dir.path();
    pki(d);
    leaf_by(
        d,
        "pki/intermediate",
        "good",
        "good.example.com",
        "rsa:2048",
        "-sha256",
        "36500",
    );
    with_intermediate(d, "good");
    std::fs::create_dir_all(d.join("conf.d/certs")).unwrap();
    // A decoy beside the fragment: nginx resolves against the folder of nginx.conf.
    std::fs::write(d.join("conf.d/certs/good.pem"), "not a certificate\n").unwrap();
    std::fs::write(
        d.join("nginx.conf"),
        "events {}\nhttp {\n  include conf.d/*.conf;\n}\n",
    )
    .unwrap();
    // glob(3) `*` does not match the leading dot: nothing includes this file.
    std::fs::write(
        d.join("conf.d/.default.conf"),
        server("good", "good").replace("  server", "server"),
    )
    .unwrap();
    let scan = scan_trusting_root(d);
    let facts = &scan.model.certificates;
    assert_eq!(facts.len(), 1, "{facts:?}");
    assert_eq!(facts[0].file, "certs/good.pem", "read from the conf prefix");
    assert_eq!(facts[0].span.file, "conf.d/.default.conf");
    assert_status(
        result(&scan.report, "NET03-CERT", "good.example.com"),
        Status::Pass,
    );
}

#[test]
fn a_name_based_nginx_server_without_a_certificate_is_judged_by_the_default_servers() {
    // nginx keeps the default server's SSL context for a server that has no certificate (see
    // tests/fixtures/nginx/reject_handshake_and_the_default_servers_certificate/README.md):
    // clients asking for b.example.com get default.example.com's certificate.
    let Some(dir) = pki_dir() else { return };
    let d = dir.path();
    pki(d);
    leaf_by(
        d,
        "pki/intermediate",
        "default",
        "default.example.com",
        "rsa:2048",
        "-sha256",
        "36500",
    );
    with_intermediate(d, "default");
    let b = "  server {\n    listen 443 ssl;\n    server_name b.example.com;\n    location / { proxy_pass http://127.0.0.1:3001; }\n  }\n";
    std::fs::write(
        d.join("nginx.conf"),
        format!(
            "events {{}}\nhttp {{\n{}{b}}}\n",
            server("default", "default")
        ),
    )
    .unwrap();
    let scan = scan_trusting_root(d);
    assert_status(
        result(&scan.report, "NET03-CERT", "default.example.com"),
        Status::Pass,
    );
    let r = result(&scan.report, "NET03-CERT", "b.example.com");
    assert_status(r, Status::Fail);
    assert!(
        r.message.contains("none of the server names b.example.com"),
        "{}",
        r.message
    );
    assert!(
        r.message.contains("default server at nginx.conf:3"),
        "{}",
        r.message
    );
    let cited: Vec<u32> = r.locations.iter().map(|l| l.line).collect();
    assert_eq!(cited, [6, 11], "the default's certificate and b's listen");
}

#[test]
fn nginx_resolves_a_relative_certificate_in_an_included_file_against_its_prefix() {
    let Some(dir) = pki_dir() else { return };
    let d = dir.path();
    pki(d);
    leaf_by(
        d,
        "pki/intermediate",
        "good",
        "good.example.com",
        "rsa:2048",
        "-sha256",
        "36500",
    );
    with_intermediate(d, "good");
    std::fs::create_dir_all(d.join("conf.d/certs")).unwrap();
    // A decoy beside the included file: nginx would not read it, nor may tlsproof.
    std::fs::write(d.join("conf.d/certs/good.pem"), "not a certificate\n").unwrap();
    std::fs::write(
        d.join("nginx.conf"),
        "events {}\nhttp {\n  include conf.d/*.conf;\n}\n",
    )
    .unwrap();
    std::fs::write(
        d.join("conf.d/good.conf"),
        server("good", "good").replace("  server", "server"),
    )
    .unwrap();
    let scan = scan_trusting_root(d);
    let facts = &scan.model.certificates;
    assert_eq!(facts.len(), 1, "{facts:?}");
    assert_eq!(
        facts[0].file, "certs/good.pem",
        "read from the prefix, not conf.d/"
    );
    assert_eq!(facts[0].span.file, "conf.d/good.conf");
    let cert = result(&scan.report, "NET03-CERT", "good.example.com");
    assert_status(cert, Status::Pass);
    assert!(scan
        .report
        .findings
        .iter()
        .all(|f| f.kind.as_str() != "PARSE_ERROR"));
}
