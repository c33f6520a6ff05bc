//! No credential reaches an output: a fixture full of them (a client config with a URL key,
//! credential headers, `mcp-remote` userinfo and `--header`, `env` tokens; a one-line client
//! config whose cited line also holds `--api-key` arguments and an `env` token; a registry
//! remote with `token` and `sig`; a Traefik server URL with userinfo and a key; an
//! ingress-nginx snippet with a token and an `auth-url` with userinfo) is scanned into every
//! view and bundled, and every byte written is searched for every secret.

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
