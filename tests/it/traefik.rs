//! End-to-end judgement of Traefik configurations (static + file provider + Docker labels),
//! each case checked for its status and the file:line it cites.

#![allow(clippy::unwrap_used)]

use crate::common::*;
use tlsproof::results::Status;

const STATIC: &str = "entryPoints:
  web:
    address: \":80\"
    http:
      redirections:
        entryPoint:
          to: websecure
          scheme: https
  websecure:
    address: \":443\"
providers:
  file:
    filename: dynamic.yml
";

fn dynamic(router_extra: &str, extra: &str) -> String {
    format!(
        "http:
  routers:
    mcp:
      rule: \"Host(`mcp.example.com`)\"
      entryPoints: [websecure]
      service: mcp
{router_extra}  services:
    mcp:
      loadBalancer:
        servers:
          - url: \"http://127.0.0.1:3000\"
{extra}"
    )
}

fn with_version(v: &str) -> impl FnOnce(&mut tlsproof::pipeline::Options) + '_ {
    move |o| o.traefik_version = Some(v.to_string())
}

#[test]
fn default_tls_option_passes_protocols_fails_ciphers_and_redirects() {
    let dir = fixture("traefik/default_tls_option_passes_protocols_fails_ciphers_and_redirects");
    let scan = scan_with(dir.path(), with_version("3.1"));
    let r = result(&scan.report, "NET03-TLS", ":mcp");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "dynamic.yml:7");
    assert!(r.message.contains("Traefik 3.1 default"), "{}", r.message);
    let r = result(&scan.report, "NET03-CIPHER", ":mcp");
    assert_status(r, Status::Fail);
    assert!(r.message.contains("CBC"), "{}", r.message);
    assert!(r.message.contains("ECDHE-RSA-AES128-SHA"), "{}", r.message);
    let r = result(&scan.report, "NET03-HTTP", ":mcp");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "traefik.yml:7");
}

fn legacy(version: &str, min: &str) -> tlsproof::pipeline::Scan {
    let dir = tree(&[
        ("traefik.yml", STATIC),
        (
            "dynamic.yml",
            &dynamic(
                "      tls:\n        options: legacy\n",
                &format!("tls:\n  options:\n    legacy:\n{min}      sniStrict: true\n"),
            ),
        ),
    ]);
    scan_with(dir.path(), with_version(version))
}

#[test]
fn tls_option_min_version_is_judged_at_its_line() {
    let scan = legacy("3.1", "      minVersion: VersionTLS10\n");
    let r = result(&scan.report, "NET03-TLS", ":mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "dynamic.yml:17");
}

#[test]
fn option_without_min_version_follows_go_default_by_version() {
    let scan = legacy("2.10", "");
    let r = result(&scan.report, "NET03-TLS", ":mcp");
    assert_status(r, Status::Fail);
    assert!(r.message.contains("sets no minVersion"), "{}", r.message);
    assert_eq!(at(r), "dynamic.yml:16");
    let scan = legacy("3.1", "");
    assert_status(result(&scan.report, "NET03-TLS", ":mcp"), Status::Pass);
}

#[test]
fn router_without_tls_on_443_serves_plaintext() {
    let dir = fixture("traefik/router_without_tls_on_443_serves_plaintext");
    let scan = scan_with(dir.path(), with_version("3.1"));
    let r = result(&scan.report, "NET03-HTTP", ":mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "dynamic.yml:5");
}

#[test]
fn insecure_servers_transport_fails_verify_at_its_line() {
    let dir = fixture("traefik/insecure_servers_transport_fails_verify_at_its_line");
    let scan = scan_with(dir.path(), with_version("3.1"));
    let r = result(&scan.report, "NET03-VERIFY", ":mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "dynamic.yml:15");
}

#[test]
fn compose_labels_are_judged_at_their_lines() {
    let dir = fixture("traefik/compose_labels_are_judged_at_their_lines");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", ":mcp");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "dynamic/tls.yml:4");
    assert!(
        r.endpoint.starts_with("traefik:docker-compose.yml:16:mcp"),
        "{}",
        r.endpoint
    );
    assert_status(result(&scan.report, "NET03-CIPHER", ":mcp"), Status::Pass);
    let r = result(&scan.report, "NET03-HTTP", ":old");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "docker-compose.yml:26");
}

#[test]
fn unknown_version_is_the_worst_case_with_advice() {
    let dir = fixture("traefik/unknown_version_is_the_worst_case_with_advice");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", ":mcp");
    assert_status(r, Status::Fail);
    assert!(
        r.message.contains("declare [traefik] version"),
        "{}",
        r.message
    );
    let ep = &scan.model.endpoints[0];
    assert!(ep.tls.protocols.version_dependent);
}

#[test]
fn hostile_yaml_is_a_finding_and_the_scan_goes_on() {
    let mut bomb = String::from("a0: &a0 [x,x,x,x,x,x,x,x,x]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
        ));
    }
    let dir = fixture("traefik/hostile_yaml_is_a_finding_and_the_scan_goes_on");
    let start = std::time::Instant::now();
    let scan = scan_with(dir.path(), with_version("3.1"));
    // The alias bomb and the deep nesting both stop the parser on a budget.
    let kinds: Vec<&str> = scan
        .report
        .findings
        .iter()
        .map(|f| f.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["LIMIT_EXCEEDED", "LIMIT_EXCEEDED"],
        "{}",
        compact(&scan.report)
    );
    assert_status(result(&scan.report, "NET03-TLS", ":mcp"), Status::Pass);
    let _ = start.elapsed();
}

#[test]
fn tcp_passthrough_router_is_passthrough() {
    let dir = fixture("traefik/tcp_passthrough_router_is_passthrough");
    let scan = scan_with(dir.path(), with_version("3.1"));
    assert_status(result(&scan.report, "NET03-TLS", ":pt"), Status::Manual);
}

#[test]
fn toml_static_and_dynamic_files_are_read() {
    let dir = fixture("traefik/toml_static_and_dynamic_files_are_read");
    let scan = scan_with(dir.path(), with_version("3.1"));
    let r = result(&scan.report, "NET03-TLS", ":mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "dyn.toml:10");
}

/// A router on a plaintext entrypoint whose service is `noop@internal` answers every request
/// 418 (Traefik's internal handler, `pkg/server/service/internalhandler.go`: `noop@internal`
/// writes `http.StatusTeapot`, since v2.2): it refuses plaintext HTTP and serves no content, as
/// a redirect-only router does. An `errors` middleware in front answers with a page from a
/// service instead, so that router still serves plaintext content. Nothing else in Traefik's
/// static or dynamic configuration refuses every request without a plugin.
#[test]
fn a_router_answered_by_noop_internal_refuses_plaintext() {
    let dir = fixture("traefik/a_router_answered_by_noop_internal_refuses_plaintext");
    let scan = scan_with(dir.path(), with_version("3.1"));
    let r = result(&scan.report, "NET03-HTTP", ":plain-refused");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "dynamic.yml:7");
    assert!(r.message.contains("serve no content"), "{}", r.message);
    let evidence = serde_json::to_string(&r.evidence).unwrap();
    assert!(evidence.contains("418"), "{evidence}");
    let r = result(&scan.report, "NET03-CERT", ":plain-refused");
    assert_status(r, Status::NotApplicable);
    assert!(r.message.contains("serves no content"), "{}", r.message);
    let r = result(&scan.report, "NET03-HTTP", ":plain-error-page");
    assert_status(r, Status::Fail);
}
