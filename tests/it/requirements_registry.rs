//! The requirement registry: a requirement added with `--policies` (its Rego package declares
//! `requirement`, `title`, `profiles`, `evidence` and `covered_by`) appears in the record, in
//! the report under "Other requirements", and can be covered by a claim; a package that omits
//! its metadata is refused with a message naming what to add.

#![allow(clippy::unwrap_used)]

use crate::common::tlsproof;
use std::path::{Path, PathBuf};

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/registry")
        .join(rel)
}

fn site() -> String {
    fixture("tls13-profile/site").display().to_string()
}

fn policies() -> String {
    fixture("tls13-profile/policies").display().to_string()
}

#[test]
fn an_added_requirement_is_judged_and_covered_by_a_claim() {
    let (code, out, err) = tlsproof(&[
        "scan",
        "--format",
        "json",
        "--policies",
        &policies(),
        &site(),
    ]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let added: Vec<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["requirement"] == "PROFILE-TLS13")
        .map(|r| {
            format!(
                "{} {} {}:{} {}",
                r["endpoint"].as_str().unwrap(),
                r["status"].as_str().unwrap(),
                r["locations"][0]["file"].as_str().unwrap(),
                r["locations"][0]["line"],
                r["exception"]["id"].as_str().unwrap_or("-"),
            )
        })
        .collect();
    assert_eq!(
        added,
        [
            "nginx:nginx.conf:10:b.example.com FAIL nginx.conf:7 -",
            "nginx:nginx.conf:3:a.example.com EXCEPTED nginx.conf:7 EXC-13",
        ]
    );
    let claim = &v["exceptions"][0];
    assert_eq!(claim["outcome"], "HONORED");
    assert_eq!(claim["requirements"], serde_json::json!(["PROFILE-TLS13"]));
}

#[test]
fn the_report_has_a_section_for_an_added_requirement() {
    let out = tempfile::tempdir().unwrap();
    let bundle = out.path().join("bundle");
    let bundle_arg = bundle.display().to_string();
    let args = [
        "evidence",
        "--policies",
        &policies(),
        "--out",
        &bundle_arg,
        &site(),
    ];
    let (code, _, err) = tlsproof(&args);
    assert_eq!(code, 1, "{err}");
    let report = std::fs::read_to_string(bundle.join("report.md")).unwrap();
    let other = report
        .split("\n## ")
        .find(|s| s.contains("Other requirements"))
        .unwrap_or_else(|| panic!("no Other requirements section:\n{report}"));
    assert!(other.contains("> Requirements: PROFILE-TLS13"), "{other}");
    assert!(other.contains("### FAIL · PROFILE-TLS13 · `nginx:nginx.conf:10:b.example.com`"));
    assert!(other.contains("### EXCEPTED · PROFILE-TLS13"), "{other}");
    let (code, _, err) = tlsproof(&["verify", &bundle_arg]);
    assert_eq!(code, 0, "{err}");
    // The manifest tells the added policy from the built-ins, and says where it was read.
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bundle.join("manifest.json")).unwrap())
            .unwrap();
    let roles: Vec<(String, String)> = manifest["policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap().to_string(),
                p["role"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let overrides: Vec<&(String, String)> = roles
        .iter()
        .filter(|(_, r)| r.starts_with("override from "))
        .collect();
    assert!(!overrides.is_empty(), "{roles:?}");
    assert!(
        overrides.iter().all(|(_, r)| r.contains(&policies())),
        "{overrides:?}"
    );
    assert!(roles
        .iter()
        .any(|(p, r)| p == "net03_tls.rego" && r == "built-in"));
}

#[test]
fn a_claim_kind_the_requirement_does_not_accept_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        fixture("tls13-profile/site/nginx.conf"),
        dir.path().join("nginx.conf"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tlsproof-exceptions.yaml"),
        "exceptions:\n  - id: EXC-1\n    kind: compensating-control\n    control: mtls\n    \
         requirements: [PROFILE-TLS13]\n    scope: { endpoint: a.example.com }\n    \
         justification: clients use certificates\n    owner: a\n    approver: b\n    \
         created: 2026-06-01\n    expires: 2027-04-30\n",
    )
    .unwrap();
    let root = dir.path().display().to_string();
    let (_, out, _) = tlsproof(&["scan", "--format", "json", "--policies", &policies(), &root]);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["exceptions"][0]["outcome"], "INVALID");
    let reasons = v["exceptions"][0]["reasons"].to_string();
    assert!(
        reasons.contains("a mtls compensating-control claim cannot cover PROFILE-TLS13"),
        "{reasons}"
    );
}

#[test]
fn a_package_without_its_metadata_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(fixture("tls13-profile/policies/profile_tls13.rego"))
        .unwrap()
        .replace("evidence := \"Other\"\n", "");
    std::fs::write(dir.path().join("profile_tls13.rego"), text).unwrap();
    let policies = dir.path().display().to_string();
    let (code, _, err) = tlsproof(&["scan", "--policies", &policies, &site()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("package tlsproof.requirements.profile_tls13 must define `evidence`"),
        "{err}"
    );
}

/// An added package whose `results` break the contract is named with what is wrong; one whose
/// `results` is undefined judges nothing, and every other package's results are still there
/// (the packages are judged in one query, and one at a time when that query fails).
#[test]
fn a_package_whose_results_break_the_contract_is_named() {
    let package = |results: &str| {
        format!(
            "package tlsproof.requirements.profile_x\n\nimport rego.v1\n\n\
             requirement := \"PROFILE-X\"\ntitle := \"x\"\nprofiles := [\"msss\"]\n\
             evidence := \"Other\"\ncovered_by := {{\"stdio\"}}\n\n{results}\n"
        )
    };
    let scan = |results: &str| {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("profile_x.rego"), package(results)).unwrap();
        let policies = dir.path().display().to_string();
        tlsproof(&["scan", "--format", "json", "--policies", &policies, &site()])
    };

    let (code, _, err) = scan("results := \"not a set\"");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("profile_x.rego: `results` must be a set of objects"),
        "{err}"
    );

    let (code, _, err) = scan("results contains {\"requirement\": \"NET03-TLS\"} if true");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("package tlsproof.requirements.profile_x (requirement PROFILE-X) returned a result for \"NET03-TLS\""),
        "{err}"
    );

    let (code, out, err) = scan("results := {\"never\"} if false");
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let requirements: std::collections::BTreeSet<&str> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["requirement"].as_str())
        .collect();
    assert!(requirements.contains("NET03-TLS"), "{requirements:?}");
    assert!(!requirements.contains("PROFILE-X"), "{requirements:?}");
}
