//! `--observations`: the results files of testssl.sh and sslyze in
//! `tests/fixtures/observations/`, written by the tools against a real nginx serving
//! `site/nginx.conf` (the README there says how), read as probes with tlsproof's test ids and
//! joined to the scanned endpoints by server name and port.

use crate::common::{assert_status, result};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use tlsproof::probe::checks::TestStatus;
use tlsproof::probe::hello::Version;
use tlsproof::probe::import::{self, Imported, ImportedProbe, Tool};
use tlsproof::results::Status;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/observations")
}

fn read(name: &str) -> Imported {
    let bytes = std::fs::read(dir().join(name)).unwrap();
    import::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn probe<'a>(i: &'a Imported, host: &str) -> &'a ImportedProbe {
    i.probes
        .iter()
        .find(|p| p.host == host)
        .unwrap_or_else(|| panic!("no probe of {host}"))
}

fn statuses(p: &ImportedProbe) -> Vec<(&'static str, TestStatus)> {
    p.tests.iter().map(|t| (t.test, t.status)).collect()
}

fn detail<'a>(p: &'a ImportedProbe, test: &str) -> &'a str {
    &p.tests.iter().find(|t| t.test == test).unwrap().detail
}

fn suites(p: &ImportedProbe) -> BTreeSet<(String, String)> {
    p.accepted_suites
        .iter()
        .map(|s| (s.protocol.clone(), s.suite.name.to_string()))
        .collect()
}

use TestStatus::{Fail, Inconclusive, Pass};

/// The server with a trusted chain, TLS 1.2 and 1.3 only, AEAD with ECDHE and HSTS.
const GOOD: [(&str, TestStatus); 6] = [
    ("https-valid-certificate", Pass),
    ("tls1.0-rejected", Pass),
    ("tls1.1-rejected", Pass),
    ("self-signed-rejected", Pass),
    ("ssl3-rejected", Pass),
    ("strong-ciphers", Pass),
];

/// The self-signed server accepting TLS 1.0 and 1.1 and `ALL:@SECLEVEL=0`.
const LEGACY: [(&str, TestStatus); 6] = [
    ("https-valid-certificate", Fail),
    ("tls1.0-rejected", Fail),
    ("tls1.1-rejected", Fail),
    ("self-signed-rejected", Fail),
    ("ssl3-rejected", Pass),
    ("strong-ciphers", Fail),
];

#[test]
fn testssl_flat_results_map_onto_the_control_tests() {
    let good = read("testssl-mcp.json");
    assert_eq!(good.tool, Tool::Testssl);
    assert_eq!(good.version, None, "the flat form names no version");
    assert_eq!(good.probes.len(), 1);
    let p = &good.probes[0];
    assert_eq!((p.host.as_str(), p.port), ("mcp.example.test", 8443));
    assert_eq!(p.address(), "127.0.0.1:8443");
    assert_eq!(p.scanned_at, None, "the flat form has no start time");
    assert_eq!(statuses(p), GOOD);
    assert!(detail(p, "tls1.0-rejected").contains("testssl.sh TLS1: not offered"));
    let valid = detail(p, "https-valid-certificate");
    assert!(valid.contains("cert_chain_of_trust: passed."), "{valid}");
    assert!(valid.contains("cert_trust: Ok via SAN"), "{valid}");
    assert!(valid.contains("HTTP_status_code: 200 OK"), "{valid}");
    assert_eq!(p.protocols, Some(vec![Version::Tls12, Version::Tls13]));
    assert_eq!(p.accepted_suites.len(), 6);
    assert!(p.suite_gaps.is_empty(), "{:?}", p.suite_gaps);
    let answer = p.https_answer.as_ref().unwrap();
    assert_eq!(answer.status, Some(200));
    assert_eq!(answer.hsts.as_deref(), Some("max-age=63072000"));
    assert_eq!(p.chain.len(), 1, "the leaf, from the `cert` finding");

    let legacy = read("testssl-legacy.json");
    let p = probe(&legacy, "legacy.example.test");
    assert_eq!(statuses(p), LEGACY);
    assert!(detail(p, "self-signed-rejected").contains("failed (self signed)."));
    assert!(detail(p, "tls1.1-rejected").contains("TLS1_1: offered (deprecated)"));
    assert!(detail(p, "strong-ciphers").contains("anonymous"));
    assert_eq!(
        p.protocols,
        Some(vec![Version::Tls10, Version::Tls11, Version::Tls12])
    );
    assert_eq!(p.accepted_suites.len(), 45);
    assert_eq!(
        p.https_answer.as_ref().unwrap().hsts,
        None,
        "HSTS not offered"
    );
}

#[test]
fn testssl_pretty_results_say_the_same_with_version_and_start_time() {
    let pretty = read("testssl-legacy-pretty.json");
    assert_eq!(pretty.tool, Tool::Testssl);
    assert_eq!(pretty.version.as_deref(), Some("3.0.8"));
    let p = probe(&pretty, "legacy.example.test");
    assert_eq!(p.port, 9443);
    assert_eq!(p.scanned_at.as_deref(), Some("2026-12-04T04:41:18Z"));
    assert_eq!(statuses(p), LEGACY);
    let flat = read("testssl-legacy.json");
    assert_eq!(suites(p), suites(probe(&flat, "legacy.example.test")));
}

#[test]
fn sslyze_results_map_onto_the_control_tests() {
    let s = read("sslyze.json");
    assert_eq!(s.tool, Tool::Sslyze);
    assert_eq!(s.version.as_deref(), Some("6.3.1"));
    assert_eq!(s.probes.len(), 3);
    let good = probe(&s, "mcp.example.test");
    assert_eq!(good.scanned_at.as_deref(), Some("2026-12-04T04:41:55Z"));
    assert_eq!(good.address(), "127.0.0.1:8443");
    assert_eq!(statuses(good), GOOD);
    let valid = detail(good, "https-valid-certificate");
    assert!(valid.contains("trusted by Supplied CA file"), "{valid}");
    assert_eq!(
        good.https_answer.as_ref().unwrap().hsts.as_deref(),
        Some("max-age=63072000")
    );
    assert_eq!(good.https_answer.as_ref().unwrap().status, None);

    let legacy = probe(&s, "legacy.example.test");
    assert_eq!(statuses(legacy), LEGACY);
    assert!(detail(legacy, "self-signed-rejected").contains("issued by itself"));
    assert!(detail(legacy, "tls1.0-rejected").contains("tls_1_0_cipher_suites"));

    let down = probe(&s, "down.example.test");
    assert_eq!(down.port, 9444);
    assert!(down.tests.iter().all(|t| t.status == Inconclusive));
    assert!(
        detail(down, "tls1.0-rejected").contains("sslyze could not connect"),
        "{}",
        detail(down, "tls1.0-rejected")
    );
}

/// Two tools, one server: the suites sslyze and testssl.sh list are the same.
#[test]
fn sslyze_and_testssl_agree_on_the_suites_accepted() {
    let s = read("sslyze.json");
    for (host, file) in [
        ("mcp.example.test", "testssl-mcp.json"),
        ("legacy.example.test", "testssl-legacy.json"),
    ] {
        let t = read(file);
        assert_eq!(suites(probe(&s, host)), suites(&t.probes[0]), "{host}");
    }
}

/// A scan command sslyze could not complete decides nothing: the test is INCONCLUSIVE and
/// cites sslyze's error.
#[test]
fn an_sslyze_command_that_errored_is_inconclusive() {
    // sslyze writes RSA moduli as integers of 600 digits, which no f64 holds: quote them.
    let text = std::fs::read_to_string(dir().join("sslyze.json")).unwrap();
    let mut parts = text.split("\"rsa_n\": ");
    let mut quoted = parts.next().unwrap().to_string();
    for part in parts {
        let digits = part.bytes().take_while(u8::is_ascii_digit).count();
        quoted.push_str(&format!(
            "\"rsa_n\": \"{}\"{}",
            &part[..digits],
            &part[digits..]
        ));
    }
    let mut v: serde_json::Value = serde_json::from_str(&quoted).unwrap();
    for server in v["server_scan_results"].as_array_mut().unwrap() {
        if server["server_location"]["hostname"] == "mcp.example.test" {
            server["scan_result"]["tls_1_0_cipher_suites"] = serde_json::json!({
                "status": "ERROR",
                "error_reason": "BUG_IN_SSLYZE",
                "error_trace": "Traceback (most recent call last):\n  ...\nConnectionResetError: [Errno 104] Connection reset by peer\n",
                "result": null
            });
        }
    }
    let i = import::parse(serde_json::to_string(&v).unwrap().as_bytes()).unwrap();
    let p = probe(&i, "mcp.example.test");
    let t = p
        .tests
        .iter()
        .find(|t| t.test == "tls1.0-rejected")
        .unwrap();
    assert_eq!(t.status, Inconclusive);
    assert!(t.detail.contains("BUG_IN_SSLYZE"), "{}", t.detail);
    assert!(
        t.detail.contains("Connection reset by peer"),
        "{}",
        t.detail
    );
    assert_eq!(p.protocols, None, "TLS 1.0 is not known");
}

fn site() -> PathBuf {
    dir().join("site")
}

fn scan(files: &[&str], ca: bool) -> tlsproof::pipeline::Scan {
    crate::common::scan_with(&site(), |o| {
        o.at = Some(tlsproof::settings::parse_time("2026-12-05T00:00:00Z").unwrap());
        o.observations = files.iter().map(|f| dir().join(f)).collect();
        if ca {
            o.ca_files = vec![dir().join("ca.pem")];
        }
    })
}

#[test]
fn scan_judges_imported_testssl_results_with_the_configuration() {
    let s = scan(&["testssl-mcp.json", "testssl-legacy.json"], true);
    let good = result(&s.report, "NET03-TEST", "mcp.example.test");
    assert_status(good, Status::Pass);
    assert!(
        good.message.contains("testssl.sh (") && good.message.contains("testssl-mcp.json)"),
        "{}",
        good.message
    );
    assert!(good.message.contains("grade A+"), "{}", good.message);
    let legacy = result(&s.report, "NET03-TEST", "legacy.example.test");
    assert_status(legacy, Status::Fail);
    assert!(
        legacy.message.contains("tls1.0-rejected FAIL")
            && legacy.message.contains("testssl-legacy.json)"),
        "{}",
        legacy.message
    );
    assert_eq!(crate::common::at(legacy), "nginx.conf:15");
    // The served certificates are judged like files, with the scan's trust store.
    assert_status(
        result(&s.report, "NET03-CERT", "mcp.example.test"),
        Status::Pass,
    );
    assert_status(
        result(&s.report, "NET03-CERT", "legacy.example.test"),
        Status::Fail,
    );
    let o = &s.model.observations[0];
    assert_eq!(o.observed_at, "unknown");
    assert_eq!(o.address, "127.0.0.1:8443");
    assert_eq!(o.target, "https://mcp.example.test:8443/");
    let kinds: Vec<(&str, &str)> = s
        .model
        .sources
        .iter()
        .map(|f| (f.path.as_str(), f.kind.as_str()))
        .collect();
    assert!(
        kinds
            .iter()
            .any(|(p, k)| p.ends_with("testssl-mcp.json") && *k == "observations"),
        "{kinds:?}"
    );
}

#[test]
fn scan_judges_imported_sslyze_results_and_names_the_target_it_cannot_join() {
    let s = scan(&["sslyze.json"], false);
    let good = result(&s.report, "NET03-TEST", "mcp.example.test");
    assert_status(good, Status::Pass);
    assert!(good.message.contains("sslyze 6.3.1 ("), "{}", good.message);
    assert!(
        good.message.contains("2026-12-04T04:41:55Z"),
        "{}",
        good.message
    );
    assert_status(
        result(&s.report, "NET03-TEST", "legacy.example.test"),
        Status::Fail,
    );
    // Without the fixture CA, tlsproof's own chain validation does not trust the served chain.
    assert_status(
        result(&s.report, "NET03-CERT", "mcp.example.test"),
        Status::Fail,
    );
    let notice: Vec<&str> = s
        .report
        .findings
        .iter()
        .filter(|f| f.kind.as_str() == "NOTICE")
        .map(|f| f.message.as_str())
        .collect();
    assert!(
        notice
            .iter()
            .any(|m| m.contains("down.example.test:9444 matches no endpoint")),
        "{notice:?}"
    );
}

fn tlsproof(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1796428800")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_broken_results_file_is_a_parse_error_naming_it_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let broken = tmp.path().join("broken.json");
    let mut text = std::fs::read_to_string(dir().join("testssl-mcp.json")).unwrap();
    text.truncate(text.len() / 2);
    std::fs::write(&broken, text).unwrap();
    let site = site();
    let (code, out, err) = tlsproof(&[
        "scan",
        site.to_str().unwrap(),
        "--observations",
        broken.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.contains("PARSE_ERROR"), "{out}");
    assert!(
        out.contains("broken.json: not judged as observations: not JSON"),
        "{out}"
    );

    let missing = tmp.path().join("missing.json");
    let (code, out, err) = tlsproof(&[
        "scan",
        site.to_str().unwrap(),
        "--observations",
        missing.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("missing.json: no such file"), "{err}");
}

/// The results file is an input of the bundle: the manifest lists its digest and `verify`
/// names it when it changes.
#[test]
fn the_bundle_lists_the_results_file_among_its_inputs() {
    let tmp = tempfile::tempdir().unwrap();
    let results = tmp.path().join("testssl-mcp.json");
    std::fs::copy(dir().join("testssl-mcp.json"), &results).unwrap();
    let bundle = tmp.path().join("bundle");
    let site = site();
    let (code, out, err) = tlsproof(&[
        "evidence",
        site.to_str().unwrap(),
        "--observations",
        results.to_str().unwrap(),
        "--out",
        bundle.to_str().unwrap(),
    ]);
    assert!(code <= 1, "{out}{err}");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("manifest.json")).unwrap()).unwrap();
    let input = manifest["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["path"].as_str().unwrap().ends_with("testssl-mcp.json"))
        .unwrap_or_else(|| panic!("{manifest:#}"));
    assert_eq!(input["kind"], "observations");
    assert!(bundle.join("observations.json").is_file());
    let b = bundle.to_str().unwrap();
    let s = site.to_str().unwrap();
    let (code, out, _) = tlsproof(&["verify", b, "--inputs", s]);
    assert_eq!(code, 0, "{out}");
    std::fs::write(&results, "[]").unwrap();
    let (code, out, _) = tlsproof(&["verify", b, "--inputs", s]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("testssl-mcp.json"), "{out}");
}
