//! End-to-end judgement of Traefik configurations (static + file provider + Docker labels),
//! each case checked for its status and the file:line it cites.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
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
    let dir = tree(&[
        ("traefik.yml", STATIC),
        ("dynamic.yml", &dynamic("      tls: {}\n", "")),
    ]);
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
    let dir = tree(&[("traefik.yml", STATIC), ("dynamic.yml", &dynamic("", ""))]);
    let scan = scan_with(dir.path(), with_version("3.1"));
    let r = result(&scan.report, "NET03-HTTP", ":mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "dynamic.yml:5");
}

#[test]
fn insecure_servers_transport_fails_verify_at_its_line() {
    let dyn_ = "http:
  routers:
    mcp:
      rule: \"Host(`mcp.example.com`)\"
      tls: {}
      service: mcp
  services:
    mcp:
      loadBalancer:
        serversTransport: skip
        servers:
          - url: \"https://10.0.0.5:8443\"
  serversTransports:
    skip:
      insecureSkipVerify: true
";
    let dir = tree(&[("traefik.yml", STATIC), ("dynamic.yml", dyn_)]);
    let scan = scan_with(dir.path(), with_version("3.1"));
    let r = result(&scan.report, "NET03-VERIFY", ":mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "dynamic.yml:15");
}

const COMPOSE: &str = "services:
  traefik:
    image: traefik:v3.1
    command:
      - --entrypoints.web.address=:80
      - --entryPoints.websecure.address=:443
      - --providers.docker.exposedByDefault=false
      - --providers.file.directory=/etc/traefik/dynamic
    ports:
      - \"80:80\"
      - \"443:443\"
  mcp:
    image: ghcr.io/example/mcp-server:1.0
    labels:
      - \"traefik.enable=true\"
      - \"traefik.http.routers.mcp.rule=Host(`mcp.example.com`)\"
      - \"traefik.http.routers.mcp.entrypoints=websecure\"
      - \"traefik.http.routers.mcp.tls=true\"
      - \"traefik.http.routers.mcp.tls.options=modern@file\"
      - \"traefik.http.services.mcp.loadbalancer.server.port=8080\"
  legacy:
    image: ghcr.io/example/old:1.0
    labels:
      traefik.enable: \"true\"
      traefik.http.routers.old.rule: Host(`old.example.com`)
      traefik.http.routers.old.entrypoints: web
";

const MODERN: &str = "tls:
  options:
    modern:
      minVersion: VersionTLS12
      cipherSuites:
        - TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
        - TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
";

#[test]
fn compose_labels_are_judged_at_their_lines() {
    let dir = tree(&[("docker-compose.yml", COMPOSE), ("dynamic/tls.yml", MODERN)]);
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
    let dir = tree(&[
        ("traefik.yml", STATIC),
        ("dynamic.yml", &dynamic("      tls: {}\n", "")),
    ]);
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
    let deep = format!(
        "entryPoints: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let dir = tree(&[
        ("a/traefik.yml", &bomb),
        ("b/traefik.yml", &deep),
        ("traefik.yml", STATIC),
        ("dynamic.yml", &dynamic("      tls: {}\n", "")),
    ]);
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
    let dyn_ = "tcp:
  routers:
    pt:
      rule: \"HostSNI(`mcp.example.com`)\"
      entryPoints: [websecure]
      service: backend
      tls:
        passthrough: true
  services:
    backend:
      loadBalancer:
        servers:
          - address: \"10.0.0.5:443\"
";
    let dir = tree(&[("traefik.yml", STATIC), ("dynamic.yml", dyn_)]);
    let scan = scan_with(dir.path(), with_version("3.1"));
    assert_status(result(&scan.report, "NET03-TLS", ":pt"), Status::Manual);
}

#[test]
fn toml_static_and_dynamic_files_are_read() {
    let st = "[entryPoints.websecure]\n  address = \":443\"\n[providers.file]\n  filename = \"dyn.toml\"\n";
    let dy = "[http.routers.mcp]\n  rule = \"Host(`mcp.example.com`)\"\n  service = \"mcp\"\n  [http.routers.mcp.tls]\n    options = \"old\"\n[http.services.mcp.loadBalancer]\n  [[http.services.mcp.loadBalancer.servers]]\n    url = \"http://127.0.0.1:3000\"\n[tls.options.old]\n  minVersion = \"VersionTLS11\"\n";
    let dir = tree(&[("traefik.toml", st), ("dyn.toml", dy)]);
    let scan = scan_with(dir.path(), with_version("3.1"));
    let r = result(&scan.report, "NET03-TLS", ":mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "dyn.toml:10");
}
