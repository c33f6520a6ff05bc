//! Golden results and models: the full judgement of the bundled examples and the normalized
//! model of a small deployment, with every file:line visible. Review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test` and `git diff`).

#![allow(clippy::unwrap_used)]

use crate::common::*;
use std::path::Path;

#[test]
fn examples_results() {
    // A fixed evaluation time: the examples' exception claims are judged at it.
    let scan = scan_with(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
        |o| o.at = Some(tlsproof::settings::parse_time("2026-12-01T00:00:00Z").unwrap()),
    );
    insta::assert_snapshot!(compact(&scan.report));
}

#[test]
fn small_deployment_model() {
    let dir = fixture("nginx/small_deployment_model");
    let scan = scan_path(dir.path());
    let mut model = scan.model_json.clone();
    // Suite lists are long and checked elsewhere: keep their names.
    for ep in model["endpoints"].as_array_mut().unwrap() {
        to_names(&mut ep["tls"]["ciphers"]["value"]["suites"]);
        to_names(&mut ep["tls"]["tls13_suites"]["value"]);
    }
    model["tool"] = serde_json::json!("(redacted)");
    insta::assert_json_snapshot!(model);
    insta::assert_snapshot!("small_deployment_results", compact(&scan.report));
}

fn to_names(suites: &mut serde_json::Value) {
    let names: Vec<String> = suites
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect();
    *suites = serde_json::json!(names);
}

#[test]
fn tls_passthrough_stream_results() {
    let dir = fixture("nginx/tls_passthrough_stream_results");
    let scan = scan_path(dir.path());
    insta::assert_snapshot!(compact(&scan.report));
}
