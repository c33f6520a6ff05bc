//! `evidence --include-inputs` and `tlsproof replay`, through the binary: a bundle replayed
//! with the same tool at the same time reproduces its results.json byte for byte; a later
//! `--at` or an edited input is named result by result; private keys are listed, never copied;
//! a bundle without inputs cannot be replayed.

use crate::common::tlsproof;
use std::path::{Path, PathBuf};
use tlsproof::bundle::Manifest;

/// The evaluation time of every bundle written here.
const AT: &str = "2026-12-01T00:00:00Z";

fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Writes the bundle of `root` with its inputs into a new folder `<tmp>/bundle`.
fn bundle_of(root: &Path, extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bundle");
    let mut args = vec![
        "evidence",
        s(root),
        "--out",
        s(&out),
        "--include-inputs",
        "--at",
        AT,
    ];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = tlsproof(&args);
    assert!(code < 2, "{stdout}{stderr}");
    (tmp, out)
}

fn manifest(dir: &Path) -> Manifest {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

#[test]
fn the_examples_bundle_replays_to_its_results_json_byte_for_byte() {
    let examples = repo_path("examples");
    let (_tmp, bundle) = bundle_of(&examples, &["--nginx-version", "1.26.2"]);

    // Every input is copied verbatim at the path the manifest lists, or listed as excluded.
    let m = manifest(&bundle);
    let record = m.replay.as_ref().expect("a replay record");
    assert!(!m.inputs.is_empty());
    for i in &m.inputs {
        let copy = bundle.join("inputs").join(&i.path);
        assert_eq!(
            std::fs::read(&copy).unwrap(),
            std::fs::read(examples.join(&i.path)).unwrap(),
            "{}",
            i.path
        );
    }
    assert_eq!(record.versions["nginx"], "1.26.2");
    let (code, out, err) = tlsproof(&["verify", s(&bundle)]);
    assert_eq!(code, 0, "{out}{err}");

    let (code, out, err) = tlsproof(&["replay", s(&bundle)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains(&format!("replayed {} at {AT} ", bundle.display())),
        "{out}"
    );
    assert!(
        out.ends_with("IDENTICAL: results.json reproduced byte for byte (73 results)\n"),
        "{out}"
    );
    // The library says the same: no difference, and the bytes are equal.
    let outcome = tlsproof::replay::replay(&bundle, None).unwrap();
    assert!(outcome.identical && outcome.differences.is_empty());
}

const CERT_FIXTURE: &str = "tests/fixtures/nginx/certificate_expires_in_2028";

#[test]
fn a_bundle_with_certificates_replays_identically_and_a_later_at_fails_the_expired_certificate() {
    let (_tmp, bundle) = bundle_of(&repo_path(CERT_FIXTURE), &[]);
    let m = manifest(&bundle);
    let kind = |path: &str| {
        m.bundle_files
            .iter()
            .find(|e| e.path == path)
            .and_then(|e| e.kind.clone())
    };
    // The certificate and the CA file tlsproof.toml trusts are copied beside the inputs.
    assert_eq!(kind("inputs/certs/mcp.pem").as_deref(), Some("certificate"));
    assert_eq!(kind("inputs/ca.pem").as_deref(), Some("ca-file"));
    assert_eq!(m.replay.as_ref().unwrap().at.as_deref(), Some(AT));

    let (code, out, err) = tlsproof(&["replay", s(&bundle)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("IDENTICAL"), "{out}");

    // certs/mcp.pem is valid until 2028-01-01: judged after it, NET03-CERT fails.
    let (code, out, err) = tlsproof(&["replay", s(&bundle), "--at", "2028-06-01T00:00:00Z"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("CHANGED  NET03-CERT nginx:nginx.conf:3:mcp.example.com at nginx.conf:6: status \"PASS\" → \"FAIL\"\n"),
        "{out}"
    );
    assert!(
        out.contains("expired on 2028-01-01T00:00:00Z (evaluated at 2028-06-01T00:00:00Z)"),
        "{out}"
    );
    assert!(out.contains("CHANGED  verdict: "), "{out}");
    assert!(out.ends_with("difference(s))\n"), "{out}");
    // Only the certificate's result changed.
    let changed: Vec<&str> = out
        .lines()
        .filter(|l| {
            l.starts_with("CHANGED  NET03") || l.starts_with("ADDED") || l.starts_with("REMOVED")
        })
        .collect();
    assert!(
        changed
            .iter()
            .all(|l| l.starts_with("CHANGED  NET03-CERT ")),
        "{changed:#?}"
    );
}

/// Copies a bundle folder (every file) to `to`.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn an_edited_input_fails_verify_and_replay_names_the_result_it_changes() {
    let (tmp, bundle) = bundle_of(&repo_path("examples"), &[]);
    let edited = tmp.path().join("edited");
    copy_tree(&bundle, &edited);
    // Line 21 of the endpoint's server block is blank: TLS 1.0 is allowed there instead.
    let file = edited.join("inputs/nginx/conf.d/mcp.example.com.conf");
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[20], "");
    lines[20] = "    ssl_protocols TLSv1 TLSv1.2;";
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();

    let (code, out, err) = tlsproof(&["verify", s(&edited)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("CHANGED  inputs/nginx/conf.d/mcp.example.com.conf: changed: sha256 "),
        "{out}"
    );

    let (code, out, err) = tlsproof(&["replay", s(&edited)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("NOTE     inputs/nginx/conf.d/mcp.example.com.conf differs from the manifest's digest (verify fails): replayed as the bundle holds it\n"),
        "{out}"
    );
    assert!(
        out.contains("CHANGED  NET03-TLS nginx:nginx/conf.d/mcp.example.com.conf:16:mcp.example.com at nginx/nginx.conf:19: status \"PASS\" → \"FAIL\"\n"),
        "{out}"
    );
    let tls = "CHANGED  NET03-TLS nginx:nginx/conf.d/mcp.example.com.conf:16:mcp.example.com at nginx/nginx.conf:19: ";
    assert!(
        out.contains(&format!("{tls}message \"offers only TLSv1.2, TLSv1.3 (set at nginx/nginx.conf:19)\" → \"offers TLSv1 (set at nginx/conf.d/mcp.example.com.conf:21)\"\n")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{tls}also severity, locations, evidence, fingerprint, fix\n"
        )),
        "{out}"
    );
    // That result alone changed (and with it the counts).
    let results: Vec<&str> = out
        .lines()
        .filter(|l| l.contains(" NET03-") || l.contains(" PROFILE-"))
        .collect();
    assert!(results.iter().all(|l| l.starts_with(tls)), "{results:#?}");
    assert!(out.contains("CHANGED  summary: "), "{out}");
    // The original bundle still replays identically.
    let (code, out, _) = tlsproof(&["replay", s(&bundle)]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn a_key_file_the_configuration_names_is_listed_as_excluded_in_the_manifest_and_the_report() {
    let (_tmp, bundle) = bundle_of(&repo_path(CERT_FIXTURE), &[]);
    let m = manifest(&bundle);
    let excluded = &m.replay.as_ref().unwrap().excluded;
    assert_eq!(excluded.len(), 1, "{excluded:#?}");
    assert_eq!(excluded[0].path, "certs/mcp.key");
    assert_eq!(
        excluded[0].reason,
        "private key named at nginx.conf:6: never read by the scan, never copied"
    );
    assert!(!excluded[0].read);
    assert!(!m.bundle_files.iter().any(|e| e.path.ends_with(".key")));
    let report = std::fs::read_to_string(bundle.join("report.md")).unwrap();
    assert!(
        report.contains("| `certs/mcp.key` | 0 | not read | not copied: private key named at nginx.conf:6: never read by the scan, never copied |"),
        "{report}"
    );
    assert!(report.contains("| `nginx.conf` | 297 | `"), "{report}");
    assert!(report.contains("| inputs/nginx.conf |"), "{report}");
    let html = std::fs::read_to_string(bundle.join("report.html")).unwrap();
    assert!(
        html.contains("<tr><td><code>certs/mcp.key</code></td><td class=\"num\">0</td><td class=\"sha\">not read</td><td>not copied: private key named at nginx.conf:6: never read by the scan, never copied</td></tr>"),
        "{html}"
    );
    // The certificate and the trusted CA file the scan read are listed with their copies.
    for (file, copy) in [
        ("certs/mcp.pem", "inputs/certs/mcp.pem"),
        ("ca.pem", "inputs/ca.pem"),
    ] {
        let row = report
            .lines()
            .find(|l| l.starts_with(&format!("| `{file}` |")))
            .unwrap_or_else(|| panic!("{file} in {report}"));
        assert!(row.ends_with(&format!("| {copy} |")), "{row}");
    }
}

#[test]
fn a_bundle_without_its_inputs_cannot_be_replayed_and_says_why() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("bundle");
    let (code, _, err) = tlsproof(&[
        "evidence",
        s(&repo_path(CERT_FIXTURE)),
        "--out",
        s(&out),
        "--at",
        AT,
    ]);
    assert!(code < 2, "{err}");
    let (code, stdout, err) = tlsproof(&["replay", s(&out)]);
    assert_eq!(code, 2, "{stdout}{err}");
    assert_eq!(
        err,
        format!(
            "tlsproof: {}: cannot be replayed: the bundle holds no inputs: it was written without --include-inputs, so there is nothing to scan again (write it with tlsproof evidence … --include-inputs)\n",
            out.display()
        )
    );
    let (code, _, err) = tlsproof(&["replay", s(tmp.path())]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no manifest.json: not an evidence bundle"),
        "{err}"
    );
}

#[test]
fn a_signed_bundle_with_inputs_covers_every_copy_in_its_attestation() {
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("ci");
    let (code, _, err) = tlsproof(&["keygen", s(&key)]);
    assert_eq!(code, 0, "{err}");
    let (_b, bundle) = bundle_of(
        &repo_path(CERT_FIXTURE),
        &["--sign-key", s(&tmp.path().join("ci.key"))],
    );
    let envelope: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("attestation.dsse.json")).unwrap())
            .unwrap();
    let payload = tlsproof::source::base64_decode(envelope["payload"].as_str().unwrap()).unwrap();
    let statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    let subjects: Vec<&str> = statement["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    for copy in [
        "inputs/nginx.conf",
        "inputs/certs/mcp.pem",
        "inputs/ca.pem",
        "policies/lib/common.rego",
    ] {
        assert!(subjects.contains(&copy), "{copy} in {subjects:?}");
    }
    let public = tmp.path().join("ci.pub");
    let (code, out, err) = tlsproof(&["verify", s(&bundle), "--key", s(&public)]);
    assert_eq!(code, 0, "{out}{err}");
    // A copy edited after signing is named by the signature check too.
    std::fs::write(bundle.join("inputs/nginx.conf"), "events {}\n").unwrap();
    let (code, out, _) = tlsproof(&["verify", s(&bundle), "--key", s(&public)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("CHANGED  inputs/nginx.conf: changed since it was signed"),
        "{out}"
    );
}

/// A tree whose bundle fills every field of the replay record: the certificate fixture with a
/// claims file and testssl.sh results given on the command line.
fn every_option_tree() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&repo_path(CERT_FIXTURE), dir.path());
    std::fs::write(dir.path().join("claims.yaml"), "exceptions: []\n").unwrap();
    std::fs::create_dir(dir.path().join("obs")).unwrap();
    std::fs::copy(
        repo_path("tests/fixtures/observations/testssl-mcp.json"),
        dir.path().join("obs/testssl.json"),
    )
    .unwrap();
    dir
}

/// The options that fill every field of the replay record of [`every_option_tree`].
fn every_option(root: &Path) -> Vec<String> {
    let p = |rel: &str| s(&root.join(rel)).to_string();
    [
        "--profile",
        "strict",
        "--environment",
        "production",
        "--nginx-version",
        "1.26.2",
        "--exclude",
        "old/**",
        "--strict",
        "net03-tls",
        "--ca-file",
        &p("ca.pem"),
        "--exceptions",
        &p("claims.yaml"),
        "--observations",
        &p("obs/testssl.json"),
    ]
    .map(str::to_string)
    .to_vec()
}

#[test]
fn a_bundle_made_with_every_option_replays_identically() {
    let tree = every_option_tree();
    let options = every_option(tree.path());
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let (_tmp, bundle) = bundle_of(tree.path(), &options);
    let record = manifest(&bundle).replay.unwrap();
    assert_eq!(record.strict, ["NET03-TLS"]);
    assert_eq!(record.exceptions.as_deref(), Some("inputs/claims.yaml"));
    assert_eq!(record.observations[0].copy, "inputs/obs/testssl.json");
    assert_eq!(record.ca_files[0].copy, "trust/1/ca.pem");
    let (code, out, err) = tlsproof(&["replay", s(&bundle)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("IDENTICAL"), "{out}");
}

#[test]
fn every_single_bit_flip_of_a_manifest_with_inputs_is_detected() {
    let tree = every_option_tree();
    let options = every_option(tree.path());
    let options: Vec<&str> = options.iter().map(String::as_str).collect();
    let (_tmp, bundle) = bundle_of(tree.path(), &options);
    let m = manifest(&bundle);
    let record = m.replay.as_ref().unwrap();
    // Every field of the record holds a value the flips reach.
    assert!(record.profile.is_some() && record.environment.is_some() && record.at.is_some());
    assert!(!record.versions.is_empty() && !record.exclude.is_empty());
    assert!(!record.strict.is_empty() && record.exceptions.is_some());
    assert!(!record.observations.is_empty() && !record.ca_files.is_empty());
    assert!(!record.excluded.is_empty());

    let contents = tlsproof::bundle::Contents::read(&bundle).unwrap();
    let raw = std::fs::read(bundle.join("manifest.json")).unwrap();
    let intact = tlsproof::bundle::judge(&contents, &raw, None);
    assert!(intact.ok(), "{:?}", intact.problems);
    let mut undetected = Vec::new();
    for at in 0..raw.len() {
        for bit in 0..8 {
            let mut flipped = raw.clone();
            flipped[at] ^= 1 << bit;
            if tlsproof::bundle::judge(&contents, &flipped, None).ok() {
                let line = raw[..at].iter().filter(|&&b| b == b'\n').count() + 1;
                undetected.push(format!("line {line} byte {at} bit {bit}"));
            }
        }
    }
    assert!(
        undetected.is_empty(),
        "{} single-bit flips of manifest.json go unnoticed:\n{}",
        undetected.len(),
        undetected.join("\n")
    );
}

#[test]
fn a_folder_of_a_project_replays_with_the_settings_found_above_it() {
    // tlsproof.toml and the claims file are at the repository's top; the scan is of one folder.
    let repo = crate::common::tree(&[
        (".git/HEAD", "4f2a9c0d1e3b5a7c9e0f2d4b6a8c0e1f3a5b7c9d\n"),
        ("tlsproof.toml", "environment = \"production\"\n[nginx]\nversion = \"1.26.2\"\n"),
        (
            "tlsproof-exceptions.yaml",
            "exceptions:\n  - id: EXC-1\n    kind: localhost\n    scope: { file: deploy/nginx/nginx.conf }\n    justification: operators only\n    owner: platform-team\n    approver: ciso@example.com\n    created: 2026-11-01\n    expires: 2027-10-31\n",
        ),
        (
            "deploy/nginx/nginx.conf",
            "events {}\nhttp {\n  server {\n    listen 127.0.0.1:8080;\n    location / { proxy_pass http://127.0.0.1:8000; }\n  }\n}\n",
        ),
    ]);
    let (_tmp, bundle) = bundle_of(&repo.path().join("deploy/nginx"), &[]);
    let m = manifest(&bundle);
    let record = m.replay.as_ref().unwrap();
    assert_eq!(record.project.as_deref(), Some("deploy/nginx"));
    assert_eq!(record.roots, ["inputs/deploy/nginx"]);
    let copies: Vec<&str> = m
        .bundle_files
        .iter()
        .map(|e| e.path.as_str())
        .filter(|p| p.starts_with("inputs/"))
        .collect();
    assert_eq!(
        copies,
        [
            "inputs/deploy/nginx/nginx.conf",
            "inputs/tlsproof-exceptions.yaml",
            "inputs/tlsproof.toml"
        ]
    );
    let (code, out, err) = tlsproof(&["replay", s(&bundle)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("IDENTICAL"), "{out}");

    // A manifest that names another project folder is refused by verify.
    let mut edited = m.clone();
    edited.replay.as_mut().unwrap().project = Some("deploy/caddy".into());
    let mut text = serde_json::to_string_pretty(&edited).unwrap();
    text.push('\n');
    std::fs::write(bundle.join("manifest.json"), text).unwrap();
    let (code, out, _) = tlsproof(&["verify", s(&bundle)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("CHANGED  manifest.json: replay.project \"deploy/caddy\" is not the folder results.json says the scan walked up from"),
        "{out}"
    );
}

#[test]
fn replay_judges_with_the_bundles_policies_not_the_built_in_ones() {
    let (tmp, bundle) = bundle_of(&repo_path(CERT_FIXTURE), &[]);
    let edited = tmp.path().join("edited");
    copy_tree(&bundle, &edited);
    let policy = edited.join("policies/net03_tls.rego");
    let text = std::fs::read_to_string(&policy).unwrap();
    assert_eq!(text.matches("\"offers only %s (%s)\"").count(), 1);
    std::fs::write(
        &policy,
        text.replace("\"offers only %s (%s)\"", "\"offers just %s (%s)\""),
    )
    .unwrap();

    let (code, out, _) = tlsproof(&["verify", s(&edited)]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("CHANGED  policies/net03_tls.rego: changed: sha256 "),
        "{out}"
    );
    let (code, out, err) = tlsproof(&["replay", s(&edited)]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("NOTE     this tlsproof's built-in policies (sha256:"),
        "{out}"
    );
    assert!(
        out.contains("CHANGED  NET03-TLS nginx:nginx.conf:3:mcp.example.com at nginx.conf:8: message \"offers only TLSv1.2, TLSv1.3 (set at nginx.conf:8)\" → \"offers just TLSv1.2, TLSv1.3 (set at nginx.conf:8)\"\n"),
        "{out}"
    );
    assert!(
        out.contains("NOTE     the bundle's policies/ (sha256:"),
        "{out}"
    );
    assert!(out.contains("CHANGED  tool: "), "{out}");
}

#[test]
fn replay_says_when_the_system_ca_bundle_is_not_the_one_the_chains_were_judged_against() {
    let (_tmp, bundle) = bundle_of(&repo_path(CERT_FIXTURE), &[]);
    let (_, out, _) = tlsproof(&["replay", s(&bundle)]);
    assert!(!out.contains("system CA bundle"), "{out}");
    // The model records the system bundle's digest; another machine's bundle has another one.
    let model = bundle.join("model.json");
    let text = std::fs::read_to_string(&model).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let sources = v["trust"]["sources"].as_array().unwrap();
    let Some(system) = sources.iter().find(|s| s["kind"] == "system") else {
        eprintln!("skipped: no system CA bundle on this machine");
        return;
    };
    let (path, digest) = (
        system["path"].as_str().unwrap(),
        system["sha256"].as_str().unwrap(),
    );
    std::fs::write(&model, text.replace(digest, &"0".repeat(64))).unwrap();
    let (_, out, _) = tlsproof(&["replay", s(&bundle)]);
    assert!(
        out.contains(&format!("NOTE     the recorded chains were validated against the system CA bundle {path} with sha256 {}; this machine's differs or is missing, so certificate results may differ by that alone\n", "0".repeat(64))),
        "{out}"
    );
}

/// A shard's bundle (`--shard K/N`) replays as the same shard, under the recorded repository
/// name: the copies are in no git repository.
#[test]
fn a_shard_bundle_replays_as_the_same_shard() {
    let examples = repo_path("examples");
    let (_tmp, bundle) = bundle_of(&examples, &["--shard", "2/3", "--repository", "mcp-demo"]);
    let (code, out, err) = tlsproof(&["replay", s(&bundle)]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("IDENTICAL: results.json reproduced byte for byte"),
        "{out}"
    );
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("results.json")).unwrap()).unwrap();
    assert_eq!(
        results["scope"]["shard"]["index"], 2,
        "{}",
        results["scope"]
    );
    assert_eq!(results["scope"]["repository"], "mcp-demo");
    let all = results["results"].as_array().unwrap().len();
    assert!(all > 0 && all < 73, "a part of the 73 results: {all}");
}
