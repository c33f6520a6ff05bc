//! The real binary: the README's commands, exit codes, the evidence bundle and its verification.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

fn tlsproof(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .output()
        .expect("run tlsproof");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn examples() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .display()
        .to_string()
}

#[test]
fn scan_of_examples_shows_failures_with_file_line_and_source() {
    let (code, out, err) = tlsproof(&["scan", &examples()]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("nginx/conf.d/legacy-tools.conf:"), "{out}");
    assert!(out.contains("FAIL"), "{out}");
    assert!(
        out.contains("ssl_protocols TLSv1 TLSv1.1 TLSv1.2;"),
        "source line shown:\n{out}"
    );
    assert!(out.contains("Verdict: NOT_SATISFIED"), "{out}");
}

#[test]
fn json_output_follows_the_contract() {
    let (code, out, _) = tlsproof(&["scan", "--format", "json", &examples()]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    tlsproof::schema::validate(tlsproof::schema::Contract::Results, &v).unwrap();
    assert_eq!(v["control"], "MCP-NET-03");
    assert_eq!(v["verdict"], "NOT_SATISFIED");
}

#[test]
fn exit_code_is_two_for_usage_errors() {
    let (code, _, err) = tlsproof(&["scan", "/definitely/not/here"]);
    assert_eq!(code, 2, "{err}");
    let (code, _, _) = tlsproof(&["scan", "--profile", "lenient", &examples()]);
    assert_eq!(code, 2);
}

#[test]
fn missing_semicolon_exits_non_zero_with_the_line() {
    let dir = crate::common::tree(&[(
        "nginx.conf",
        "events {}\nhttp {\n  server {\n    listen 127.0.0.1:8080\n  }\n}\n",
    )]);
    let (code, out, _) = tlsproof(&["scan", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("PARSE_ERROR"), "{out}");
    assert!(out.contains("nginx.conf:4"), "{out}");
}

#[test]
fn evidence_bundle_verifies_and_any_appended_byte_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = tmp.path().join("bundle");
    let b = bundle.to_str().unwrap();
    let (code, out, err) = tlsproof(&["evidence", &examples(), "--out", b]);
    assert_eq!(
        code, 1,
        "verdict of the examples is NOT_SATISFIED: {out}{err}"
    );
    let (code, out, _) = tlsproof(&["verify", b]);
    assert_eq!(code, 0, "{out}");

    let mut names: Vec<String> = std::fs::read_dir(&bundle)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "junit.xml",
            "manifest.json",
            "model.json",
            "report.html",
            "report.md",
            "results.json",
            "results.sarif"
        ]
    );
    for name in &names {
        let path = bundle.join(name);
        let original = std::fs::read(&path).unwrap();
        let mut edited = original.clone();
        edited.push(b'\n');
        std::fs::write(&path, &edited).unwrap();
        let (code, out, _) = tlsproof(&["verify", b]);
        assert_eq!(code, 1, "appending to {name} must fail verify: {out}");
        assert!(
            out.contains(&format!("CHANGED  {name}")),
            "{name} named:\n{out}"
        );
        std::fs::write(&path, &original).unwrap();
    }
    let (code, _, _) = tlsproof(&["verify", b]);
    assert_eq!(code, 0);
}

#[test]
fn two_bundles_of_the_same_input_differ_only_in_created_at() {
    // The evaluation time is an input (certificate dates, exception claim expiry): the same
    // input judged at the same time gives the same bundle, whenever it is made.
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    let at = "2026-12-01T00:00:00Z";
    tlsproof(&[
        "evidence",
        &examples(),
        "--at",
        at,
        "--out",
        a.to_str().unwrap(),
    ]);
    let out = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args([
            "evidence",
            &examples(),
            "--at",
            at,
            "--out",
            b.to_str().unwrap(),
        ])
        .env("SOURCE_DATE_EPOCH", "1790000999")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    for name in ["results.json", "model.json"] {
        assert_eq!(
            std::fs::read(a.join(name)).unwrap(),
            std::fs::read(b.join(name)).unwrap(),
            "{name}"
        );
    }
    let strip = |p: &Path| -> String {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .filter(|l| {
                !l.contains("created_at")
                    && !l.starts_with("| Created")
                    && !l.contains("\"sha256\"")
                    && !l.contains("\"bytes\"")
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&a.join("report.md")), strip(&b.join("report.md")));
    assert_eq!(
        strip(&a.join("manifest.json")),
        strip(&b.join("manifest.json"))
    );
}

#[test]
fn bundle_never_contains_private_key_material() {
    let dir = crate::common::tree(&[
        ("nginx.conf", "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    ssl_certificate tls/cert.pem;\n    ssl_certificate_key tls/key.pem;\n  }\n}\n"),
        ("tls/key.pem", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n"),
    ]);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("b");
    tlsproof(&[
        "evidence",
        dir.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    for e in std::fs::read_dir(&out).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        assert!(
            !text.contains("PRIVATE KEY") && !text.contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC")
        );
    }
}

#[test]
fn explain_prints_the_requirement_doc() {
    let (code, out, _) = tlsproof(&["explain", "NET03-CIPHER"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.starts_with("NET03-CIPHER"), "{out}");
    let (code, _, err) = tlsproof(&["explain", "NET03-NOPE"]);
    assert_eq!(code, 2);
    assert!(err.contains("NET03-TLS"), "{err}");
}

#[test]
fn policy_test_runs_the_builtin_rego_tests() {
    let (code, out, _) = tlsproof(&["policy", "test"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(" passed, 0 failed"), "{out}");
}

#[test]
fn a_manifest_stream_on_standard_input_is_scanned_and_cited_as_stdin() {
    use std::io::Write;
    let stream = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mcp\nspec:\n  selector:\n    matchLabels: {app: mcp}\n  template:\n    metadata:\n      labels: {app: mcp}\n    spec:\n      containers:\n        - name: server\n          image: example/mcp:1\n          env:\n            - name: NODE_TLS_REJECT_UNAUTHORIZED\n              value: \"0\"\n";
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(["scan", "-", "--format", "json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stream.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fail = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["requirement"] == "NET03-VERIFY" && r["status"] == "FAIL")
        .unwrap_or_else(|| panic!("{json:#}"));
    assert_eq!(fail["locations"][0]["file"], "stdin.yaml");
    assert_eq!(fail["locations"][0]["line"], 22);
}
