//! The Rego unit tests under `policies/` (`*_test.rego`), run through the project's own test
//! runner, and the runner itself: it must notice a failing and a broken test.

#![allow(clippy::unwrap_used)]

use tlsproof::policy::{run_tests, PolicySet, TestOutcome};

#[test]
fn every_builtin_policy_test_passes() {
    let report = run_tests(&PolicySet::builtin()).unwrap();
    let failed: Vec<String> = report
        .cases
        .iter()
        .filter(|c| c.outcome != TestOutcome::Pass)
        .map(|c| format!("{}: {} → {:?}", c.file, c.name, c.outcome))
        .collect();
    assert!(failed.is_empty(), "{failed:#?}");
    // At least three tests for each requirement package.
    let registry = PolicySet::builtin().registry().unwrap();
    for req in registry.iter() {
        let test_file = req.path.replace(".rego", "_test.rego");
        let n = report.cases.iter().filter(|c| c.file == test_file).count();
        assert!(n >= 3, "{} has {n} tests in {test_file}", req.id);
    }
}

#[test]
fn the_runner_reports_failing_and_broken_tests() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("extra_test.rego"),
        "package extra_test\n\nimport rego.v1\nimport data.tlsproof.requirements.net03_tls as tls\n\n\
         test_holds if { tls.requirement == \"NET03-TLS\" }\n\n\
         test_deliberately_wrong if { tls.requirement == \"NET03-NOPE\" }\n\n\
         conflict := 1\n\nconflict := 2 if { true }\n\ntest_broken if { conflict == 1 }\n",
    )
    .unwrap();
    let set = PolicySet::builtin().with_overrides(dir.path()).unwrap();
    let report = run_tests(&set).unwrap();
    let outcome = |name: &str| {
        report
            .cases
            .iter()
            .find(|c| c.file == "extra_test.rego" && c.name == name)
            .map(|c| c.outcome.clone())
            .unwrap_or_else(|| panic!("{name} was not run"))
    };
    assert_eq!(outcome("test_holds"), TestOutcome::Pass);
    assert_eq!(outcome("test_deliberately_wrong"), TestOutcome::Fail);
    assert!(
        matches!(outcome("test_broken"), TestOutcome::Error(_)),
        "{:?}",
        outcome("test_broken")
    );
}

#[test]
fn overrides_replace_a_builtin_requirement() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("net03_test_results.rego"),
        "# Replaced.\npackage tlsproof.requirements.net03_test_results\n\nimport rego.v1\n\n\
         requirement := \"NET03-TEST\"\ntitle := \"replaced\"\nprofiles := [\"msss\"]\n\
         evidence := \"Test results\"\ncovered_by := {\"stdio\"}\nresults := set()\n",
    )
    .unwrap();
    let builtin = PolicySet::builtin();
    let set = builtin.clone().with_overrides(dir.path()).unwrap();
    assert_ne!(set.digest(), builtin.digest());
    let reqs = set.registry().unwrap();
    let test = reqs.get("NET03-TEST").unwrap();
    assert_eq!(test.title, "replaced");
    assert_eq!(test.doc, "Replaced.");
    assert_eq!(test.covered_by, ["stdio"]);
}

/// The catalogue of built-in requirements as their packages declare it: a change here changes
/// what the report, the claims and the record accept.
#[test]
fn the_builtin_catalogue() {
    let registry = PolicySet::builtin().registry().unwrap();
    let rows: Vec<String> = registry
        .iter()
        .map(|r| {
            format!(
                "{} [{}] {} | {} | {}",
                r.id,
                r.profiles.join(","),
                r.title,
                r.evidence,
                r.covered_by.join(" ")
            )
        })
        .collect();
    insta::assert_snapshot!(rows.join("\n"));
}

/// The policies' input is built straight from the model; it is exactly the model's JSON as the
/// engine would parse it, on a scan of every example format.
#[test]
fn the_policy_input_is_the_model_json() {
    let scan = tlsproof::pipeline::run(&tlsproof::settings::Options {
        paths: vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")],
        ..Default::default()
    })
    .unwrap();
    let built = tlsproof::policy::input::to_input(&scan.model).unwrap();
    let parsed =
        regorus::Value::from_json_str(&serde_json::to_string(&scan.model).unwrap()).unwrap();
    assert!(built == parsed, "the input differs from the model's JSON");
    assert!(!scan.model.cipher_suites.is_empty());
}

/// The policies judge endpoints in pieces (src/policy/pieces.rs): a piece of one endpoint must
/// give the same record as the default pieces, over the examples, every fixture, and imported
/// observations (joined to endpoints by id) with certificates (joined by path).
#[test]
fn judging_in_pieces_of_one_endpoint_changes_no_result() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let obs = root.join("tests/fixtures/observations");
    let scans: [Vec<std::ffi::OsString>; 3] = [
        vec!["examples".into()],
        vec!["tests/fixtures".into()],
        vec![
            obs.join("site").into(),
            "--observations".into(),
            obs.join("testssl-mcp.json").into(),
            "--observations".into(),
            obs.join("sslyze.json").into(),
            "--ca-file".into(),
            obs.join("ca.pem").into(),
        ],
    ];
    for args in scans {
        let run = |piece: &str| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_tlsproof"))
                .current_dir(root)
                .env("TLSPROOF_POLICY_PIECE", piece)
                .args(["scan", "--format", "json", "--at", "2026-12-05T00:00:00Z"])
                .args(&args)
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap()
        };
        let (whole, pieces) = (run("1000000"), run("1"));
        let report: serde_json::Value = serde_json::from_str(&whole).unwrap();
        let endpoints = report["summary"]["endpoints"].as_u64().unwrap();
        assert!(endpoints >= 2, "{args:?}: {endpoints} endpoints");
        assert!(whole == pieces, "{args:?}: the records differ");
    }
}
