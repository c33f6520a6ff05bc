//! The real binary: the README's commands, exit codes, the evidence bundle and its verification.

#![allow(clippy::unwrap_used)]

use crate::common::tlsproof;
use std::path::Path;
use std::process::Command;

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
            "oscal-assessment-plan.json",
            "oscal-assessment-results.json",
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

/// A reader that goes away (`| head`) ends the output quietly with the scan's own exit code;
/// a full disk is an I/O error (exit 2) that says so. Neither is a panic.
#[test]
fn a_closed_pipe_ends_quietly_and_a_full_disk_is_an_io_error() {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(["scan", "--format", "json", &examples()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 1];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here: every later write meets a closed pipe.
    let out = child.wait_with_output().unwrap();
    assert_eq!(first[0], b'{');
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    if Path::new("/dev/full").exists() {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
            .args(["scan", &examples()])
            .stdout(full)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("writing the output: No space left on device"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
    }
}

/// `--version` names the policy set (the digest every result carries) and the engine.
#[test]
fn version_names_the_policy_digest_and_the_engine() {
    let (code, out, _) = tlsproof(&["--version"]);
    assert_eq!(code, 0);
    let (_, json, _) = tlsproof(&["scan", "--format", "json", &examples()]);
    let record: serde_json::Value = serde_json::from_str(&json).unwrap();
    let digest = record["tool"]["policy_digest"].as_str().unwrap();
    assert!(
        out.starts_with(&format!("tlsproof {}\n", env!("CARGO_PKG_VERSION"))),
        "{out}"
    );
    assert!(
        out.contains(&format!("policies sha256:{digest}\n")),
        "{out}"
    );
    assert!(out.contains("regorus 0."), "{out}");
}

/// Shell completions parse in their shell, and the manual pages name every subcommand.
#[test]
fn completions_and_manual_pages_are_generated_from_the_command_line() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, out, _) = tlsproof(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        assert!(
            out.contains("evidence") && out.contains("format"),
            "{shell}"
        );
    }
    let (_, bash, _) = tlsproof(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("tlsproof.bash");
    std::fs::write(&script, bash).unwrap();
    let parsed = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .status()
        .unwrap();
    assert!(parsed.success());
    let (code, page, _) = tlsproof(&["man"]);
    assert_eq!(code, 0);
    assert!(
        page.starts_with(".ie") && page.contains(".TH tlsproof 1"),
        "{page}"
    );
    assert!(page.contains("Exit codes"));
    let (code, _, err) = tlsproof(&["man", "--out-dir", &dir.path().display().to_string()]);
    assert_eq!(code, 0, "{err}");
    for sub in [
        "scan",
        "evidence",
        "verify",
        "probe",
        "explain",
        "exceptions-lint",
    ] {
        let page = std::fs::read_to_string(dir.path().join(format!("tlsproof-{sub}.1"))).unwrap();
        assert!(page.contains(&format!(".TH tlsproof-{sub} 1")), "{sub}");
    }
}

/// `evidence` writes to a new or empty directory; `--force` replaces the bundle there (the
/// files its manifest lists) and leaves anything else for `verify` to name.
#[test]
fn evidence_refuses_a_non_empty_out_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let o = out.display().to_string();
    assert_eq!(tlsproof(&["evidence", &examples(), "--out", &o]).0, 1);
    let (code, _, err) = tlsproof(&["evidence", &examples(), "--out", &o]);
    assert_eq!(code, 2);
    assert!(err.contains("the directory is not empty"), "{err}");
    std::fs::write(out.join("notes.txt"), "mine").unwrap();
    assert_eq!(
        tlsproof(&["evidence", &examples(), "--out", &o, "--force"]).0,
        1
    );
    assert_eq!(
        std::fs::read_to_string(out.join("notes.txt")).unwrap(),
        "mine"
    );
    let (code, text, _) = tlsproof(&["verify", &o]);
    assert_eq!(code, 1);
    assert!(
        text.contains("CHANGED  notes.txt: not listed in the manifest"),
        "{text}"
    );
    assert!(
        text.contains("does not prove who wrote the bundle"),
        "{text}"
    );
}

/// Nothing recognised is not "compliant": an empty directory, one without configuration and
/// empty standard input end with exit code 2 and say what was looked for, unless
/// `--allow-empty`.
#[test]
fn a_scan_that_recognises_nothing_is_exit_2_unless_allowed() {
    let empty = tempfile::tempdir().unwrap();
    let other = crate::common::tree(&[("notes/readme.txt", "hello"), ("data.yaml", "a: 1\n")]);
    for dir in [empty.path(), other.path()] {
        let d = dir.display().to_string();
        let (code, out, err) = tlsproof(&["scan", &d]);
        assert_eq!(code, 2, "{out}");
        assert!(err.contains("no configuration was recognised in"), "{err}");
        assert!(err.contains("nginx configurations, Caddyfiles"), "{err}");
        let (code, out, _) = tlsproof(&["scan", &d, "--allow-empty"]);
        assert_eq!(code, 0);
        assert!(out.contains("Verdict: INCOMPLETE"), "{out}");
        let bundle = dir.join("bundle").display().to_string();
        assert_eq!(tlsproof(&["evidence", &d, "--out", &bundle]).0, 2);
        assert!(!dir.join("bundle").exists(), "no bundle for an empty scan");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(["scan", "-"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// `--baseline`: FAILs already in an earlier record pass the gate, even after lines were
/// inserted above them; a new FAIL fails it. `--fail-on` sets the severity that fails;
/// `--quiet` prints nothing.
#[test]
fn the_gate_follows_fail_on_and_the_baseline() {
    let conf = "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name mcp.example.com;\n    ssl_certificate /etc/tls/mcp.pem;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_ciphers ECDHE+AESGCM:AES128-SHA;\n  }\n}\n";
    let dir = crate::common::tree(&[("nginx.conf", conf)]);
    let d = dir.path().display().to_string();
    let base = dir.path().join("base.json").display().to_string();
    let (code, _, _) = tlsproof(&["scan", &d, "--format", "json", "--output", &base]);
    assert_eq!(code, 1, "the weak suite fails");
    // Lines inserted above: the same FAIL, known to the baseline.
    let shifted = format!("# reviewed\n\n{conf}");
    std::fs::write(dir.path().join("nginx.conf"), &shifted).unwrap();
    let (code, out, err) = tlsproof(&["scan", &d, "--baseline", &base, "--quiet"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.is_empty(), "--quiet says nothing: {err}");
    let (code, _, err) = tlsproof(&["scan", &d, "--baseline", &base, "--format", "json"]);
    assert_eq!(code, 0);
    assert!(err.contains("already in --baseline"), "{err}");
    // A new FAIL is not in the baseline.
    let worse = shifted.replace("TLSv1.2 TLSv1.3", "TLSv1.1 TLSv1.2 TLSv1.3");
    std::fs::write(dir.path().join("nginx.conf"), worse).unwrap();
    assert_eq!(tlsproof(&["scan", &d, "--baseline", &base, "-q"]).0, 1);
    // The CBC suite is a medium FAIL, TLS 1.1 a high one.
    std::fs::write(dir.path().join("nginx.conf"), &shifted).unwrap();
    assert_eq!(tlsproof(&["scan", &d, "--fail-on", "high", "-q"]).0, 0);
    assert_eq!(tlsproof(&["scan", &d, "--fail-on", "medium", "-q"]).0, 1);
    // MANUAL results (the certificate is outside the tree) fail under --fail-on manual.
    let fixed = shifted.replace(":AES128-SHA", "");
    std::fs::write(dir.path().join("nginx.conf"), fixed).unwrap();
    assert_eq!(tlsproof(&["scan", &d, "-q"]).0, 0);
    assert_eq!(tlsproof(&["scan", &d, "--fail-on", "manual", "-q"]).0, 1);
    // A baseline that is not a record is a usage error.
    std::fs::write(dir.path().join("bad.json"), "[]").unwrap();
    let bad = dir.path().join("bad.json").display().to_string();
    let (code, _, err) = tlsproof(&["scan", &d, "--baseline", &bad]);
    assert_eq!(code, 2);
    assert!(err.contains("not a tlsproof results.json"), "{err}");
}

/// `--exclude GLOB` leaves matching files out, like tlsproof.toml's `exclude`.
#[test]
fn exclude_on_the_command_line_leaves_files_out() {
    let dir = crate::common::tree(&[
        (
            "good/nginx.conf",
            "events {}\nhttp { server { listen 127.0.0.1:8080; } }\n",
        ),
        (
            "legacy/nginx.conf",
            "events {}\nhttp { server { listen 80; location / { return 200; } } }\n",
        ),
    ]);
    let d = dir.path().display().to_string();
    assert_eq!(tlsproof(&["scan", &d, "-q"]).0, 1);
    assert_eq!(tlsproof(&["scan", &d, "-q", "--exclude", "legacy/**"]).0, 0);
    // The exclusion is part of the evidence: the record, the report and the manifest name it.
    let (_, json, _) = tlsproof(&["scan", &d, "--format", "json", "--exclude", "legacy/**"]);
    let record: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(record["scope"]["exclude"], serde_json::json!(["legacy/**"]));
    assert!(record["tool"]["engine"]
        .as_str()
        .unwrap()
        .starts_with("regorus "));
    let out = dir.path().join("bundle");
    let o = out.display().to_string();
    tlsproof(&["evidence", &d, "--out", &o, "--exclude", "legacy/**"]);
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("| Excluded | `legacy/**` |"), "{report}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["scope"]["exclude"],
        serde_json::json!(["legacy/**"])
    );
}

/// The human output leads with the verdict and every line to fix; alike results of one
/// endpoint share a line; colour only when asked for (or on a terminal without NO_COLOR).
#[test]
fn human_output_leads_with_what_to_fix() {
    let (_, out, _) = tlsproof(&["scan", &examples()]);
    let lines: Vec<&str> = out.lines().collect();
    assert!(lines[2].starts_with("Verdict: NOT_SATISFIED"), "{out}");
    assert!(
        lines[4].ends_with(" line(s) to fix):") && lines[4].contains(" FAIL ("),
        "{out}"
    );
    assert!(
        lines[5].starts_with("  nginx/conf.d/legacy-tools.conf:4 ")
            && lines[5].ends_with("NET03-CIPHER, NET03-HTTP, NET03-TLS, NET03-CERT"),
        "{}",
        lines[5]
    );
    assert!(
        out.contains("NOT_APPLICABLE NET03-CERT, NET03-CIPHER, NET03-E2E, NET03-HTTP, NET03-TEST, NET03-TLS, NET03-VERIFY"),
        "one line for the loopback app's seven alike results:\n{out}"
    );
    assert!(lines.last().unwrap().starts_with("Verdict: NOT_SATISFIED"));
    assert!(!out.contains('\x1b'), "no colour into a pipe");
    let (_, colored, _) = tlsproof(&["scan", &examples(), "--color", "always"]);
    assert!(colored.contains("\x1b[1;31mFAIL\x1b[0m"), "{colored}");
    let (_, verbose, _) = tlsproof(&["scan", &examples(), "--verbose"]);
    assert!(verbose.lines().count() > out.lines().count());
}

/// `tlsproof.toml` decides versions, exclusions and trust: it is an input of the bundle like
/// the configuration, and `verify --inputs` names it when it changes.
#[test]
fn tlsproof_toml_is_an_input_of_the_bundle() {
    let dir = crate::common::tree(&[
        (
            "nginx.conf",
            "events {}\nhttp { server { listen 80; location / { return 200; } } }\n",
        ),
        ("tlsproof.toml", "environment = \"production\"\n"),
    ]);
    let d = dir.path().display().to_string();
    let out = dir.path().join("bundle").display().to_string();
    assert_eq!(tlsproof(&["evidence", &d, "--out", &out]).0, 1);
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("bundle/manifest.json")).unwrap(),
    )
    .unwrap();
    let settings: Vec<&serde_json::Value> = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["kind"] == "settings")
        .collect();
    assert_eq!(settings.len(), 1, "{manifest}");
    assert_eq!(settings[0]["path"], "tlsproof.toml");
    assert_eq!(tlsproof(&["verify", &out, "--inputs", &d]).0, 0);
    std::fs::write(dir.path().join("tlsproof.toml"), "exclude = [\"**\"]\n").unwrap();
    let (code, text, _) = tlsproof(&["verify", &out, "--inputs", &d]);
    assert_eq!(code, 1);
    assert!(text.contains("tlsproof.toml"), "{text}");
}

/// The pipeline reports where it is, for the progress line the command line draws on a
/// terminal: the stages in order, the files discovered and the endpoints found.
#[test]
fn a_scan_reports_its_progress() {
    let progress = std::sync::Arc::new(tlsproof::progress::Progress::default());
    let opts = tlsproof::pipeline::Options {
        paths: vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")],
        progress: Some(progress.clone()),
        ..Default::default()
    };
    let scan = tlsproof::pipeline::run(&opts).unwrap();
    let state = progress.get();
    assert_eq!(state.stage, "done");
    assert_eq!(state.endpoints, scan.model.endpoints.len());
    assert!(state.files >= 10, "{state:?}");
    assert_eq!(
        state.line(),
        format!("done: {} files, {} endpoints", state.files, state.endpoints)
    );
}

/// The README's sample of `scan examples/` is what the command prints (at a date inside the
/// example claims' validity).
#[test]
fn the_readme_sample_output_is_real() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .current_dir(root)
        .args(["scan", "examples/", "--at", "2026-12-04T00:00:00Z"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    for line in text.lines().take(9) {
        assert!(
            readme.contains(line),
            "README lacks the output line {line:?}"
        );
    }
}

/// Runs `tlsproof ARGS` on a pseudo-terminal (util-linux `script`), with the progress line
/// shown from the first moment; returns what the terminal received.
fn on_a_terminal(args: &str) -> String {
    let cmd = format!("{} {args}", env!("CARGO_BIN_EXE_tlsproof"));
    let out = Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env("TLSPROOF_PROGRESS_AFTER_MS", "0")
        .output()
        .expect("util-linux script runs a command on a pseudo-terminal");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// On a terminal, a scan says on stderr which stage it is in with its counts, and clears the
/// line at the end; piped, or with --quiet, it says nothing of the kind.
#[test]
fn the_progress_line_shows_on_a_terminal_only() {
    let tty = on_a_terminal(&format!(
        "scan {} --format json --output /dev/null",
        examples()
    ));
    assert!(tty.starts_with("\r\x1b[Ktlsproof: "), "{tty:?}");
    assert!(
        tty.contains("files, ") && tty.contains(" endpoints ("),
        "{tty:?}"
    );
    assert!(tty.ends_with("\r\x1b[K"), "the line is cleared: {tty:?}");

    let quiet = on_a_terminal(&format!(
        "scan {} --quiet --format json --output /dev/null",
        examples()
    ));
    assert!(!quiet.contains("tlsproof: "), "{quiet:?}");

    let piped = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(["scan", &examples(), "--format", "json"])
        .env("TLSPROOF_PROGRESS_AFTER_MS", "0")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&piped.stderr);
    assert!(
        !err.contains('\r') && !err.contains("tlsproof: "),
        "{err:?}"
    );
}

/// The JSON contract with several FILE arguments: each `file` is that file's path as given, and
/// one namespace/name in two files makes two endpoints, each judged on and citing its own file.
#[test]
fn several_file_arguments_keep_their_paths_and_their_endpoints_apart() {
    let case =
        "tests/fixtures/kubernetes/one_ingress_name_in_alternative_overlays_is_judged_per_file";
    let staging = format!("{case}/overlays/staging/ingress.yaml");
    let production = format!("{case}/overlays/production/ingress.yaml");
    let out = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["scan", "--format", "json", &staging, &production])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut by_endpoint: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> =
        Default::default();
    for r in v["results"].as_array().unwrap() {
        for l in r["locations"].as_array().unwrap() {
            by_endpoint
                .entry(r["endpoint"].as_str().unwrap().to_string())
                .or_default()
                .insert(l["file"].as_str().unwrap().to_string());
        }
    }
    let expected: std::collections::BTreeMap<String, std::collections::BTreeSet<String>> = [
        (
            format!("kubernetes:ingress:mcp/mcp@{staging}"),
            [staging.clone()].into(),
        ),
        (
            format!("kubernetes:ingress:mcp/mcp@{production}"),
            [production.clone()].into(),
        ),
    ]
    .into();
    assert_eq!(by_endpoint, expected);
    let tls = |file: &str| {
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["requirement"] == "NET03-TLS" && r["locations"][0]["file"] == file)
            .map(|r| r["status"].as_str().unwrap().to_string())
    };
    // Staging has no spec.tls (plaintext), production terminates TLS on controller defaults.
    assert_eq!(tls(&staging).as_deref(), Some("FAIL"));
    assert_eq!(tls(&production).as_deref(), Some("PASS"));
}
