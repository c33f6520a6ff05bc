//! Golden results and models: the full judgement of the bundled examples and the normalized
//! model of a small deployment, with every file:line visible. Review changes with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test` and `git diff`).

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
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
    let dir = tree(&[
        (
            "nginx.conf",
            "events {}\nhttp {\n  ssl_protocols TLSv1.2 TLSv1.3;\n  ssl_ciphers ECDHE+AESGCM;\n  upstream app { server 127.0.0.1:8000; }\n  include sites/*.conf;\n}\n",
        ),
        (
            "sites/mcp.conf",
            "server {\n  listen 80;\n  return 301 https://$host$request_uri;\n}\nserver {\n  listen 443 ssl;\n  server_name mcp.example.com;\n  ssl_certificate certs/mcp.pem;\n  ssl_certificate_key certs/mcp.key;\n  add_header Strict-Transport-Security \"max-age=63072000\" always;\n  location /mcp { proxy_pass http://app; }\n  location /tools { proxy_pass https://tools.internal:9443; proxy_ssl_verify on; }\n}\n",
        ),
    ]);
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
    let dir = tree(&[(
        "nginx.conf",
        "events {}\nstream {\n  server {\n    listen 443;\n    ssl_preread on;\n    proxy_pass 10.0.0.5:443;\n  }\n}\n",
    )]);
    let scan = scan_path(dir.path());
    insta::assert_snapshot!(compact(&scan.report));
}
