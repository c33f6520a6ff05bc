//! The record's views for other tools: SARIF (validated by Microsoft's SARIF multitool with its
//! SARIF and GitHub ingestion rules), JUnit XML (validated against the Apache Ant JUnit XSD,
//! vendored in tests/schemas/junit) and GitHub workflow annotations, each checked against the
//! record it came from, entry by entry.

use crate::common::{fixture, have_tool, scan_with};
use std::path::{Path, PathBuf};
use std::process::Command;
use tlsproof::pipeline::Scan;
use tlsproof::results::Status;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

const EXCEPTED: &str = "exceptions/a_risk_acceptance_and_a_vpn_tunnel_turn_fails_into_excepted";

fn scan_at(path: &Path) -> Scan {
    scan_with(path, |o| {
        o.at = Some(tlsproof::settings::parse_time("2026-11-26T00:00:00Z").unwrap());
    })
}

/// Every tree the views are checked on: the examples, every fixture tree, and the tree with
/// EXCEPTED results.
fn all_trees() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = vec![examples()];
    for format in std::fs::read_dir(&root).unwrap().flatten() {
        if format.file_name() == "registry" {
            continue;
        }
        for case in std::fs::read_dir(format.path()).unwrap().flatten() {
            if case.path().is_dir() {
                out.push(case.path());
            }
        }
    }
    out.sort();
    assert!(out.len() > 60, "{} trees", out.len());
    out
}

/// Runs `sarif-multitool validate` on `files` with the rule kind given and returns the
/// problems it reports at level error, as "file: rule message".
fn multitool_errors(dir: &Path, files: &[PathBuf], rule_kind: &str) -> Vec<String> {
    let out = dir.join(format!("validation-{rule_kind}.sarif"));
    let status = Command::new("sarif-multitool")
        .arg("validate")
        .args(files)
        .args(["--rule-kind", rule_kind, "-o"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        status.status.success(),
        "sarif-multitool failed: {}{}",
        String::from_utf8_lossy(&status.stdout),
        String::from_utf8_lossy(&status.stderr)
    );
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
    let mut errors = Vec::new();
    for run in log["runs"].as_array().unwrap() {
        for r in run["results"].as_array().into_iter().flatten() {
            if r["level"] == "error" {
                errors.push(format!(
                    "{}: {} {}",
                    r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
                    r["ruleId"],
                    r["message"]
                ));
            }
        }
    }
    errors
}

#[test]
fn sarif_of_every_tree_passes_the_sarif_multitool_with_github_rules() {
    if !have_tool("sarif-multitool") {
        return;
    }
    // Logs of up to 20 runs (GitHub's limit), a run per tree: the multitool starts per file.
    let runs: Vec<serde_json::Value> = all_trees()
        .iter()
        .map(|tree| tlsproof::render::sarif::sarif(&scan_at(tree))["runs"][0].clone())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, chunk) in runs.chunks(20).enumerate() {
        let mut log = tlsproof::render::sarif::sarif(&scan_at(&examples()));
        log["runs"] = serde_json::Value::Array(chunk.to_vec());
        let path = dir.path().join(format!("{i}.sarif"));
        std::fs::write(&path, serde_json::to_vec_pretty(&log).unwrap()).unwrap();
        files.push(path);
    }
    for kind in ["Sarif", "Gh"] {
        let errors = multitool_errors(dir.path(), &files, kind);
        assert!(errors.is_empty(), "{kind}: {errors:#?}");
    }
}

/// A SARIF result per record entry, with its kind, level, location and suppression as the
/// record says, so that no view drops what another keeps.
#[test]
fn sarif_keeps_every_result_of_the_record() {
    for tree in [examples(), fixture(EXCEPTED).path().to_path_buf()] {
        let scan = scan_at(&tree);
        let log = tlsproof::render::sarif::sarif(&scan);
        let run = &log["runs"][0];
        let results = run["results"].as_array().unwrap();
        assert_eq!(
            results.len(),
            scan.report.results.len() + scan.report.findings.len()
        );
        for (r, s) in scan.report.results.iter().zip(results) {
            assert_eq!(s["ruleId"], r.requirement.as_str());
            let kind = match r.status {
                Status::Fail | Status::Excepted => "fail",
                Status::Pass => "pass",
                Status::NotApplicable => "notApplicable",
                Status::Manual => "review",
            };
            assert_eq!(s["kind"], kind, "{s}");
            if kind != "fail" {
                assert_eq!(s["level"], "none");
            }
            let loc = &r.locations[0];
            let region = &s["locations"][0]["physicalLocation"]["region"];
            assert_eq!(region["startLine"], loc.line, "{s}");
            let uri = s["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert!(uri.ends_with(&loc.file), "{uri} {}", loc.file);
            assert_eq!(
                s["suppressions"].is_array(),
                r.status == Status::Excepted,
                "{s}"
            );
            let rule = &run["tool"]["driver"]["rules"][s["ruleIndex"].as_u64().unwrap() as usize];
            assert_eq!(rule["id"], r.requirement.as_str());
        }
    }
    let scan = scan_at(fixture(EXCEPTED).path());
    let log = tlsproof::render::sarif::sarif(&scan);
    let suppressed: Vec<&serde_json::Value> = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["suppressions"].is_array())
        .collect();
    assert_eq!(suppressed.len(), 2);
    let s = &suppressed[0]["suppressions"][0];
    assert_eq!(s["kind"], "external");
    assert_eq!(s["status"], "accepted");
    assert!(
        s["justification"]
            .as_str()
            .unwrap()
            .contains("approved by ciso@example.com, until 2027-04-01"),
        "{s}"
    );
    assert_eq!(
        s["location"]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next(),
        Some("tlsproof-exceptions.yaml")
    );
}

/// Lines inserted above a judged line move its location but not its fingerprint, so code
/// scanning keeps one alert across the two runs.
#[test]
fn sarif_fingerprints_survive_lines_inserted_above() {
    let conf = "events {}\nhttp {\n  server {\n    listen 80;\n    server_name mcp.example.com;\n    location / { proxy_pass http://10.0.0.5:8000; }\n  }\n}\n";
    let shifted = format!("# a comment\n\n{conf}");
    let prints = |text: &str| {
        let dir = crate::common::tree(&[("nginx.conf", text)]);
        let scan = scan_at(dir.path());
        let log = tlsproof::render::sarif::sarif(&scan);
        let mut v: Vec<(String, String, u64)> = log["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["tlsproof/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap_or(0),
                )
            })
            .collect();
        v.sort();
        v
    };
    let (before, after) = (prints(conf), prints(&shifted));
    assert_eq!(before.len(), after.len());
    for (b, a) in before.iter().zip(&after) {
        assert_eq!((&b.0, &b.1), (&a.0, &a.1));
        if b.2 > 0 {
            assert_eq!(a.2, b.2 + 2, "{} moved two lines down", b.0);
        }
    }
}

#[test]
fn junit_of_every_tree_validates_against_the_xsd_and_counts_as_the_record() {
    if !have_tool("xmllint") {
        return;
    }
    let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/junit/JUnit.xsd");
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, tree) in all_trees().iter().enumerate() {
        let scan = scan_at(tree);
        let xml = tlsproof::render::junit::junit(&scan.report, "2026-11-26T00:00:00Z");
        let failures = scan
            .report
            .results
            .iter()
            .filter(|r| r.status == Status::Fail)
            .count();
        assert_eq!(
            xml.matches("<failure ").count(),
            failures,
            "{}",
            tree.display()
        );
        assert_eq!(
            xml.matches("<testcase ").count(),
            scan.report.results.len()
                + scan
                    .report
                    .findings
                    .iter()
                    .filter(|f| f.severity == tlsproof::diag::FindingSeverity::Error)
                    .count(),
            "{}",
            tree.display()
        );
        let path = dir.path().join(format!("{i}.xml"));
        std::fs::write(&path, xml).unwrap();
        files.push(path);
    }
    let out = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn junit_skips_what_is_not_a_pass_or_fail_with_the_reason() {
    let scan = scan_at(fixture(EXCEPTED).path());
    let xml = tlsproof::render::junit::junit(&scan.report, "2026-11-26T00:00:00Z");
    assert!(
        xml.contains("<skipped message=\"EXCEPTED at nginx.conf:7: offers TLSv1.1 (set at nginx.conf:7); claim EXC-7 (HONORED) approved by ciso@example.com until 2027-04-01\"/>"),
        "{xml}"
    );
    assert!(xml.contains("<failure message=\"nginx.conf:3: "), "{xml}");
}

#[test]
fn github_annotations_are_one_workflow_command_per_fail() {
    let scan = scan_at(&examples());
    let text = tlsproof::render::github::annotations(&scan.report, &scan.roots);
    let fails: Vec<_> = scan
        .report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .collect();
    let commands: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(",title=NET03-") || l.contains(",title=PROFILE-"))
        .collect();
    assert_eq!(commands.len(), fails.len(), "{text}");
    for (l, r) in commands.iter().zip(&fails) {
        let loc = &r.locations[0];
        assert!(
            l.contains(&format!("{},line={},", loc.file, loc.line)),
            "{l} {}:{}",
            loc.file,
            loc.line
        );
        assert!(!l[2..].contains("::\n"));
    }
    assert!(text
        .lines()
        .last()
        .unwrap()
        .starts_with("MCP-NET-03: NOT_SATISFIED"));
}

/// `scan --format F --output FILE` writes the view to the file, and nothing to standard output.
#[test]
fn scan_writes_each_format_to_the_output_file() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["sarif", "junit", "github", "json", "oscal"] {
        let path = dir.path().join(format!("out.{format}"));
        let out = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
            .args(["scan", "--format", format, "--output"])
            .arg(&path)
            .arg(examples())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}");
        assert!(out.stdout.is_empty(), "{format}");
        assert!(std::fs::metadata(&path).unwrap().len() > 1000, "{format}");
    }
}

/// Every FAIL of every tree says how to fix it, in its product's terms.
#[test]
fn every_fail_says_how_to_fix_it() {
    let mut seen = 0;
    for tree in all_trees() {
        let scan = scan_at(&tree);
        for r in scan
            .report
            .results
            .iter()
            .filter(|r| r.status == Status::Fail)
        {
            let fix = r.fix.as_deref().unwrap_or_else(|| {
                panic!(
                    "{} {} at {:?} has no fix",
                    r.requirement, r.endpoint, r.locations[0]
                )
            });
            assert!(!fix.is_empty());
            seen += 1;
        }
    }
    assert!(seen > 50, "{seen} FAILs");
    let scan = scan_at(&examples());
    let tls = scan
        .report
        .results
        .iter()
        .find(|r| r.status == Status::Fail && r.message.starts_with("offers TLSv1, TLSv1.1"))
        .unwrap();
    assert_eq!(tls.fix.as_deref(), Some("ssl_protocols TLSv1.2 TLSv1.3;"));
}

/// The record is checked against its schema without being held whole as JSON: the record
/// without its lists, then each result, finding and claim on its own. A bad item is named by
/// its pointer in the record, and the record is left as it was.
#[test]
fn the_record_is_checked_item_by_item_and_a_bad_item_is_named() {
    let mut report = scan_at(fixture(EXCEPTED).path()).report;
    assert!(!report.exceptions.is_empty() && report.results.len() > 2);
    report.check_schema().unwrap();
    let n = report.results.len();
    report.results[n - 2].requirement = "not an id".into();
    let errors = report.check_schema().unwrap_err();
    let pointer = format!("/results/{}/requirement", n - 2);
    assert!(
        errors.iter().any(|e| e.starts_with(&pointer)),
        "{pointer} not named: {errors:?}"
    );
    assert_eq!(report.results.len(), n, "the results were put back");
    assert!(!report.exceptions.is_empty(), "the claims were put back");
    report.results[n - 2].requirement = "NET03-TLS".into();
    report.check_schema().unwrap();
}

/// A long list is checked on every core, one run of items each: the item named is still the
/// first bad one in the list's order, in whichever run it lies.
#[test]
fn a_long_list_is_checked_in_runs_and_names_its_first_bad_item() {
    let mut report = scan_at(fixture(EXCEPTED).path()).report;
    let one = report.results[0].clone();
    report.results = vec![one; 3000];
    report.check_schema().unwrap();
    report.results[2900].requirement = "not an id".into();
    let last_run = report.check_schema().unwrap_err();
    assert!(
        last_run
            .iter()
            .any(|e| e.starts_with("/results/2900/requirement")),
        "{last_run:?}"
    );
    report.results[100].requirement = "not an id".into();
    let first_run = report.check_schema().unwrap_err();
    assert!(
        first_run.iter().all(|e| e.starts_with("/results/100/")),
        "{first_run:?}"
    );
}
