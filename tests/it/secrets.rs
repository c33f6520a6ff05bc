//! No credential reaches an output: a fixture full of them (a client config with a URL key,
//! credential headers, `mcp-remote` userinfo and `--header`, `env` tokens; a one-line client
//! config whose cited line also holds `--api-key` arguments and an `env` token; a registry
//! remote with `token` and `sig`; a Traefik server URL with userinfo and a key; an
//! ingress-nginx snippet with a token and an `auth-url` with userinfo) is scanned into every
//! view and bundled, and every byte written is searched for every secret. A bundle with its
//! inputs copies configuration verbatim, so there the proof is that no private key's material
//! reaches it.

use std::path::Path;
use std::process::Command;

const FIXTURE: &str = "tests/fixtures/client/credentials_are_redacted_in_every_output";

/// The credential values written in the fixture, each of them unique.
const SECRETS: &[&str] = &[
    "SECRET-apikey-1111",
    "SECRET-bearer-2222",
    "SECRET-xapikey-3333",
    "SECRET-envtoken-4444",
    "SECRET-userinfo-5555",
    "SECRET-access-6666",
    "SECRET-header-7777",
    "SECRET-github-8888",
    "SECRET-registry-9999",
    "SECRET-sig-1010",
    "SECRET-traefik-1111",
    "SECRET-traefik-1212",
    "SECRET-snippet-1313",
    "SECRET-arg-1414",
    "SECRET-arg-1515",
    "SECRET-oneline-1616",
    "SECRET-authurl-1717",
];

fn run(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(args)
        .args(["--at", "2026-11-26T00:00:00Z"])
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .output()
        .expect("run tlsproof");
    assert!(
        out.status.code().is_some_and(|c| c < 2),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn leaked(what: &str, text: &str, found: &mut Vec<String>) {
    for s in SECRETS {
        if text.contains(s) {
            found.push(format!("{s} in {what}"));
        }
    }
}

#[test]
fn the_fixture_holds_every_secret_the_test_looks_for() {
    let mut all = String::new();
    for f in walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)) {
        all.push_str(&std::fs::read_to_string(f).unwrap());
    }
    for s in SECRETS {
        assert_eq!(all.matches(s).count(), 1, "{s}");
    }
}

#[test]
fn no_secret_in_any_view_of_scan_or_any_file_of_the_evidence_bundle() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE);
    let fixture = fixture.to_str().unwrap();
    let mut found = Vec::new();
    for format in ["human", "json", "sarif", "junit", "github", "oscal"] {
        let out = run(&["scan", fixture, "--format", format, "--verbose"]);
        assert!(
            out.contains("REDACTED"),
            "scan --format {format} redacts:\n{out}"
        );
        leaked(&format!("scan --format {format}"), &out, &mut found);
    }
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle");
    run(&["evidence", fixture, "--out", bundle.to_str().unwrap()]);
    let files = walk(&bundle);
    assert!(files.len() >= 8, "{files:?}");
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        leaked(&f.display().to_string(), &text, &mut found);
    }
    assert!(
        found.is_empty(),
        "credentials in the outputs:\n{}",
        found.join("\n")
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A file that does not parse is quoted at the line of its error, which no ingester read: the
/// credentials on that line are redacted all the same (an authorization header's token, a
/// value given to a token or password), in every view and every file of the bundle.
#[test]
fn a_broken_file_quoted_at_its_error_shows_no_credential() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join(".vscode")).unwrap();
    std::fs::write(
        dir.path().join(".vscode/mcp.json"),
        "{\n  \"servers\": {\n    \"x\": { \"url\": \"https://mcp.example.com/mcp\",\n      \"headers\": { \"Authorization\": \"Bearer BROKEN-secret-1\" ,, }\n    }\n  }\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("nginx.conf"),
        "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    proxy_set_header Authorization \"Bearer BROKEN-secret-2\"\n  }\n}\n",
    )
    .unwrap();
    let root = dir.path().to_str().unwrap();
    let mut outputs = Vec::new();
    for format in ["human", "json", "sarif", "github"] {
        outputs.push(run(&["scan", root, "--format", format, "--verbose"]));
    }
    let bundle = tempfile::tempdir().unwrap();
    let out = bundle.path().join("b");
    run(&["evidence", root, "--out", out.to_str().unwrap()]);
    for f in walk(&out) {
        outputs.push(String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned());
    }
    assert!(outputs[0].contains("PARSE_ERROR"), "{}", outputs[0]);
    assert!(outputs[0].contains("Bearer REDACTED"), "{}", outputs[0]);
    for text in &outputs {
        assert!(!text.contains("BROKEN-secret"), "{text}");
    }
}

/// With `--include-inputs` the configuration is copied verbatim (the user asked for the files,
/// credentials included: `evidence --help` says so), but no private key enters the bundle:
/// not a certificate file that also holds its key (nginx names the same file twice), not a
/// Kubernetes TLS Secret whose `tls.key` holds one in base64. Both are listed as excluded,
/// with the key file only named, and no byte of either key is in any file of the bundle.
#[test]
fn a_bundle_with_its_inputs_holds_no_private_key_material() {
    if !crate::common::have_tool("openssl") {
        eprintln!("skipped: no openssl command on this machine");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("certs")).unwrap();
    std::fs::create_dir_all(root.join("k8s")).unwrap();
    for name in ["combined", "ingress"] {
        crate::common::openssl(
            root,
            &[
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "30",
                "-subj",
                "/CN=mcp.example.com",
                "-keyout",
                &format!("certs/{name}.key"),
                "-out",
                &format!("certs/{name}.crt"),
            ],
        );
    }
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let (combined_key, ingress_key) = (read("certs/combined.key"), read("certs/ingress.key"));
    std::fs::write(
        root.join("certs/combined.pem"),
        format!("{}{combined_key}", read("certs/combined.crt")),
    )
    .unwrap();
    let b64 = |text: &str| {
        use std::io::Write;
        let mut child = Command::new("openssl")
            .args(["base64", "-A"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        String::from_utf8(child.wait_with_output().unwrap().stdout).unwrap()
    };
    let secret_key = b64(&ingress_key);
    std::fs::write(
        root.join("k8s/tls.yaml"),
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: mcp-tls\n  namespace: mcp\ntype: kubernetes.io/tls\ndata:\n  tls.crt: {}\n  tls.key: {secret_key}\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: mcp\n  namespace: mcp\nspec:\n  ingressClassName: nginx\n  tls:\n    - hosts: [mcp.example.com]\n      secretName: mcp-tls\n  rules:\n    - host: mcp.example.com\n      http:\n        paths:\n          - path: /mcp\n            pathType: Prefix\n            backend:\n              service:\n                name: mcp\n                port:\n                  number: 80\n",
            b64(&read("certs/ingress.crt"))
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("nginx.conf"),
        "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name mcp.example.com;\n    ssl_certificate certs/combined.pem;\n    ssl_certificate_key certs/combined.pem;\n  }\n}\n",
    )
    .unwrap();
    // The key files themselves are not configuration: the scan never reads them.
    for f in [
        "certs/combined.key",
        "certs/ingress.key",
        "certs/combined.crt",
        "certs/ingress.crt",
    ] {
        std::fs::remove_file(root.join(f)).unwrap();
    }

    let out = dir.path().join("bundle");
    run(&[
        "evidence",
        root.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--include-inputs",
    ]);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
    let excluded: Vec<(&str, &str)> = manifest["replay"]["excluded"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["path"].as_str().unwrap(), x["reason"].as_str().unwrap()))
        .collect();
    let holds = "holds a PEM private key: private keys never enter a bundle";
    assert!(
        excluded.contains(&("certs/combined.pem", holds)),
        "{excluded:#?}"
    );
    assert!(excluded.contains(&("k8s/tls.yaml", holds)), "{excluded:#?}");
    assert!(
        excluded.contains(&(
            "certs/combined.pem",
            "private key named at nginx.conf:6: never read by the scan, never copied"
        )),
        "{excluded:#?}"
    );
    // The nginx configuration itself is copied.
    assert!(out.join("inputs/nginx.conf").is_file());

    // Every line of both keys' bodies, in the clear, and the Secret's base64 of the key.
    let mut material: Vec<String> = [&combined_key, &ingress_key]
        .iter()
        .flat_map(|k| {
            k.lines()
                .filter(|l| !l.starts_with("-----"))
                .map(str::to_string)
        })
        .collect();
    material.push(secret_key[..64].to_string());
    material.push(secret_key[secret_key.len() - 64..].to_string());
    let files = walk(&out);
    assert!(files.len() >= 20, "{files:?}");
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        assert!(
            !text.contains("PRIVATE KEY"),
            "{} names a private key",
            f.display()
        );
        for m in &material {
            assert!(
                !text.contains(m.as_str()),
                "key material in {}",
                f.display()
            );
        }
    }
}
