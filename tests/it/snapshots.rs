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
    let mut model = scan.model_json();
    // The suites' properties are checked elsewhere: keep the names of the table.
    let table: Vec<String> = model["cipher_suites"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    model["cipher_suites"] = serde_json::json!(table);
    model["tool"] = serde_json::json!("(redacted)");
    insta::assert_json_snapshot!(model);
    insta::assert_snapshot!("small_deployment_results", compact(&scan.report));
}

#[test]
fn tls_passthrough_stream_results() {
    let dir = fixture("nginx/tls_passthrough_stream_results");
    let scan = scan_path(dir.path());
    insta::assert_snapshot!(compact(&scan.report));
}
