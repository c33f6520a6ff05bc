//! End-to-end judgement of nginx configurations: the acceptance cases of the foundation, each
//! checked for its status and the file:line it cites.

#![allow(clippy::unwrap_used)]

use crate::common::*;
use tlsproof::results::{Status, Verdict};

#[test]
fn legacy_protocols_in_http_block_fail_at_the_main_file_line() {
    let dir = fixture("nginx/legacy_protocols_in_http_block_fail_at_the_main_file_line");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", "mcp.example.com");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "nginx.conf:3");
    assert!(r.message.contains("TLSv1.1"), "{}", r.message);
    // The endpoint itself is located in the included file.
    assert!(
        r.endpoint.starts_with("nginx:sites/mcp.conf:1"),
        "{}",
        r.endpoint
    );
    assert_eq!(scan.report.verdict, Verdict::NotSatisfied);
}

fn cipher_site(ciphers: &str) -> tempfile::TempDir {
    let conf = format!(
        "events {{}}\nhttp {{\n  server {{\n    listen 443 ssl;\n    server_name mcp.example.com;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_ciphers {ciphers};\n    ssl_certificate /etc/tls/mcp.pem;\n    location / {{ proxy_pass http://127.0.0.1:3000; }}\n  }}\n}}\n"
    );
    tree(&[("nginx.conf", &conf)])
}

#[test]
fn default_like_cipher_string_fails_naming_cbc_and_static_rsa_suites() {
    let dir = cipher_site("'HIGH:!aNULL:!MD5'");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-CIPHER", "mcp.example.com");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "nginx.conf:7");
    // A CBC suite with forward secrecy and a static-RSA suite, by OpenSSL name.
    assert!(
        r.message.contains("ECDHE-RSA-AES256-SHA384"),
        "{}",
        r.message
    );
    assert!(r.message.contains("AES256-GCM-SHA384"), "{}", r.message);
}

#[test]
fn mozilla_intermediate_and_ecdhe_aead_strings_pass() {
    let guideline: serde_json::Value = {
        let dir = crate::common::corpus("mozilla-guidelines");
        serde_json::from_str(&std::fs::read_to_string(dir.join("5.7.json")).unwrap()).unwrap()
    };
    let list: Vec<&str> = guideline["configurations"]["intermediate"]["ciphers"]["openssl"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for spec in [list.join(":"), "ECDHE+AESGCM:ECDHE+CHACHA20".to_string()] {
        let dir = cipher_site(&spec);
        let scan = scan_path(dir.path());
        let r = result(&scan.report, "NET03-CIPHER", "mcp.example.com");
        assert_status(r, Status::Pass);
        assert_eq!(at(r), "nginx.conf:7", "{spec}");
    }
}

fn plaintext_site(listen: &str, extra: &str) -> tempfile::TempDir {
    let conf = format!(
        "events {{}}\nhttp {{\n  server {{\n    listen {listen};\n    server_name mcp.example.com;\n{extra}    location /mcp {{ proxy_pass http://127.0.0.1:3000; }}\n  }}\n}}\n"
    );
    tree(&[("nginx.conf", &conf)])
}

#[test]
fn plaintext_listener_serving_content_fails_at_its_listen_line() {
    let dir = plaintext_site("*:8080", "");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "mcp.example.com");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "nginx.conf:4");
    assert_status(
        result(&scan.report, "NET03-TLS", "mcp.example.com"),
        Status::Fail,
    );
}

#[test]
fn plaintext_listener_that_redirects_to_https_passes() {
    let dir = plaintext_site("*:8080", "    return 301 https://$host$request_uri;\n");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "mcp.example.com");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "nginx.conf:6");
    // A redirect-only server serves no content: its TLS requirement does not apply.
    assert_status(
        result(&scan.report, "NET03-TLS", "mcp.example.com"),
        Status::NotApplicable,
    );
}

#[test]
fn loopback_only_listener_is_not_applicable_citing_the_listen_line() {
    let dir = plaintext_site("127.0.0.1:8080", "");
    let scan = scan_path(dir.path());
    for req in ["NET03-HTTP", "NET03-TLS", "NET03-CIPHER", "NET03-E2E"] {
        let r = result(&scan.report, req, "mcp.example.com");
        assert_status(r, Status::NotApplicable);
        let j = r.justification.as_deref().unwrap_or("");
        assert!(j.contains("nginx.conf:4"), "{req}: {j}");
    }
    assert_eq!(scan.report.verdict, Verdict::NotApplicable);
}

fn hop_site(pass: &str, extra: &str) -> tempfile::TempDir {
    let conf = format!(
        "events {{}}\nhttp {{\n  server {{\n    listen 443 ssl;\n    server_name mcp.example.com;\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_certificate /etc/tls/mcp.pem;\n    location /mcp {{\n{extra}      proxy_pass {pass};\n    }}\n  }}\n}}\n"
    );
    tree(&[("nginx.conf", &conf)])
}

#[test]
fn https_upstream_without_verification_fails_verify() {
    let dir = hop_site("https://tools.internal:9443", "");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-VERIFY", "mcp.example.com");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "nginx.conf:9");
    let dir = hop_site(
        "https://tools.internal:9443",
        "      proxy_ssl_verify on;\n      proxy_ssl_trusted_certificate /etc/tls/ca.pem;\n",
    );
    let scan = scan_path(dir.path());
    assert_status(
        result(&scan.report, "NET03-VERIFY", "mcp.example.com"),
        Status::Pass,
    );
    assert_status(
        result(&scan.report, "NET03-E2E", "mcp.example.com"),
        Status::Pass,
    );
}

#[test]
fn plaintext_hop_to_a_private_address_fails_e2e_and_loopback_passes() {
    let dir = hop_site("http://10.1.2.3:8080", "");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-E2E", "mcp.example.com");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "nginx.conf:9");
    assert!(r.message.contains("10.1.2.3:8080"), "{}", r.message);

    let dir = hop_site("http://127.0.0.1:3000", "");
    let scan = scan_path(dir.path());
    assert_status(
        result(&scan.report, "NET03-E2E", "mcp.example.com"),
        Status::Pass,
    );
}

#[test]
fn upstream_blocks_are_resolved_for_hops() {
    let dir = fixture("nginx/upstream_blocks_are_resolved_for_hops");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-E2E", "mcp.example.com");
    assert_status(r, Status::Fail);
    assert!(r.message.contains("10.0.0.9"), "{}", r.message);
}

#[test]
fn ssl_flag_is_shared_by_every_server_on_the_same_socket() {
    let dir = fixture("nginx/ssl_flag_is_shared_by_every_server_on_the_same_socket");
    let scan = scan_path(dir.path());
    assert_status(
        result(&scan.report, "NET03-TLS", "b.example.com"),
        Status::Pass,
    );
    assert_status(
        result(&scan.report, "NET03-HTTP", "b.example.com"),
        Status::Pass,
    );
}

#[test]
fn unknown_version_takes_the_worst_case_default_and_says_how_to_declare_it() {
    let conf = "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name mcp.example.com;\n    ssl_ciphers ECDHE+AESGCM;\n  }\n}\n";
    let dir = tree(&[("nginx.conf", conf)]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", "mcp.example.com");
    assert_status(r, Status::Fail);
    assert!(
        r.message.contains("tlsproof.toml")
            || r.evidence
                .iter()
                .any(|e| e.note.as_deref().unwrap_or("").contains("tlsproof.toml")),
        "{}",
        r.message
    );

    let scan = scan_with(dir.path(), |o| o.nginx_version = Some("1.27.3".into()));
    let r = result(&scan.report, "NET03-TLS", "mcp.example.com");
    assert_status(r, Status::Pass);
    // The default is cited at the server block, naming the version it belongs to.
    assert_eq!(at(r), "nginx.conf:3");
}

#[test]
fn hsts_is_lost_when_a_location_defines_its_own_add_header() {
    let dir = fixture("nginx/hsts_is_lost_when_a_location_defines_its_own_add_header");
    let scan = scan_with(dir.path(), |o| {
        o.profile = Some(tlsproof::settings::Profile::Strict)
    });
    let r = result(&scan.report, "PROFILE-HSTS", "mcp.example.com");
    // `location /` answers every request, and its own add_header drops the inherited HSTS.
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "nginx.conf:9");
    // msss profile: no HSTS results at all.
    let scan = scan_path(dir.path());
    assert!(scan
        .report
        .results
        .iter()
        .all(|r| r.requirement != "PROFILE-HSTS"));
}

#[test]
fn missing_semicolon_is_a_parse_error_and_other_files_are_still_judged() {
    let dir = fixture("nginx/missing_semicolon_is_a_parse_error_and_other_files_are_still_judged");
    let scan = scan_path(dir.path());
    let f = scan
        .report
        .findings
        .iter()
        .find(|f| f.kind.as_str() == "PARSE_ERROR")
        .expect("a parse error finding");
    assert_eq!(f.locations[0].file, "a/nginx.conf");
    assert_eq!(f.locations[0].line, 4, "{}", f.message);
    assert_status(
        result(&scan.report, "NET03-TLS", "ok.example.com"),
        Status::Pass,
    );
    assert!(matches!(
        scan.report.verdict,
        Verdict::Incomplete | Verdict::NotSatisfied
    ));
    assert_eq!(scan.report.exit_code(), 1);
}

#[test]
fn every_model_and_result_validates_against_the_schemas() {
    use tlsproof::schema::{validate, Contract};
    let dir = hop_site("https://tools.internal:9443", "");
    let scan = scan_path(dir.path());
    validate(Contract::TlsModel, &scan.model_json()).unwrap();
    validate(
        Contract::Results,
        &serde_json::to_value(&scan.report).unwrap(),
    )
    .unwrap();
}

/// The endpoint of the scan whose server names include `name`.
fn endpoint<'a>(scan: &'a tlsproof::pipeline::Scan, name: &str) -> &'a tlsproof::model::Endpoint {
    scan.model
        .endpoints
        .iter()
        .find(|e| e.server_names.iter().any(|n| n == name))
        .unwrap_or_else(|| panic!("no endpoint {name}"))
}

#[test]
fn plaintext_refused_in_every_location_is_blocked() {
    // The fixture's README cites the rewrite module's order of execution.
    let dir = fixture("nginx/plaintext_refused_in_every_location_is_blocked");
    let scan = scan_path(dir.path());
    for (name, line) in [("refused.example.com", 6), ("closed.example.com", 35)] {
        let ep = endpoint(&scan, name);
        assert!(ep.plaintext.blocked.value, "{name}");
        assert!(!ep.serves_content.value, "{name}");
        let r = result(&scan.report, "NET03-HTTP", name);
        assert_status(r, Status::Pass);
        assert_eq!(at(r), format!("nginx.conf:{line}"));
    }
    for name in [
        "partly.example.com",
        "nested.example.com",
        "first.example.com",
    ] {
        assert!(endpoint(&scan, name).serves_content.value, "{name}");
        assert_status(result(&scan.report, "NET03-HTTP", name), Status::Fail);
    }
}

#[test]
fn a_fragment_without_nginx_conf_resolves_includes_above_its_fragment_folder() {
    // Debian's layout: sites-enabled/ and snippets/ sit beside nginx.conf, the conf prefix
    // that nginx resolves `include snippets/…` against; the scan holds no nginx.conf.
    let dir = tree(&[
        (
            "sites-enabled/mcp",
            "server {\n  listen 443 ssl;\n  server_name mcp.example.com;\n  include snippets/tls.conf;\n}\n",
        ),
        ("snippets/tls.conf", "ssl_protocols TLSv1.2 TLSv1.3;\n"),
        ("sites-enabled/snippets/tls.conf", "ssl_protocols TLSv1;\n"),
    ]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", "mcp.example.com");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "snippets/tls.conf:1");
}

#[test]
fn stream_servers_terminate_pass_through_or_forward_plaintext() {
    // The fixture's README cites nginx's stream phases (SSL before preread) and the pass module.
    let dir = fixture("nginx/stream_servers_terminate_pass_through_or_forward_plaintext");
    let scan = scan_path(dir.path());
    // `listen 443 ssl` + `ssl_preread on`: terminates, judged by its own lines.
    let r = result(&scan.report, "NET03-TLS", "stream:nginx.conf:3:");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "nginx.conf:6");
    assert_status(
        result(&scan.report, "NET03-CIPHER", "stream:nginx.conf:3:"),
        Status::Pass,
    );
    let e2e = result(&scan.report, "NET03-E2E", "stream:nginx.conf:3:");
    assert_status(e2e, Status::Fail);
    assert_eq!(at(e2e), "nginx.conf:10");
    // `ssl_preread on` without `ssl`: passes through.
    assert_status(
        result(&scan.report, "NET03-TLS", "stream:nginx.conf:12:"),
        Status::Manual,
    );
    // `pass` is a hop that stays on the host.
    let ep = scan
        .model
        .endpoints
        .iter()
        .find(|e| e.id.contains("stream:nginx.conf:17:"))
        .unwrap();
    assert_eq!(ep.hops.len(), 1);
    assert_eq!(ep.hops[0].directive, "pass");
    let e2e = result(&scan.report, "NET03-E2E", "stream:nginx.conf:17:");
    assert_status(e2e, Status::Pass);
    assert_eq!(at(e2e), "nginx.conf:23");
    // A plaintext stream server forwards TCP, not HTTP.
    let http = result(&scan.report, "NET03-HTTP", "stream:nginx.conf:25:");
    assert_status(http, Status::Fail);
    assert!(!http.message.contains("HTTP"), "{}", http.message);
}

#[test]
fn quic_only_servers_offer_tls13_alone() {
    // The fixture's README cites RFC 9001 §4.2 and nginx's QUIC documentation.
    let dir = fixture("nginx/quic_only_servers_offer_tls13_alone");
    let scan = scan_path(dir.path());
    let tls = result(&scan.report, "NET03-TLS", "h3.example.com");
    assert_status(tls, Status::Pass);
    assert_eq!(at(tls), "nginx.conf:8", "cited at the QUIC listen");
    assert_status(
        result(&scan.report, "NET03-CIPHER", "h3.example.com"),
        Status::Pass,
    );
    // A TCP listener beside the QUIC one offers what ssl_protocols lists.
    let both = result(&scan.report, "NET03-TLS", "both.example.com");
    assert_status(both, Status::Fail);
    assert_eq!(at(both), "nginx.conf:3");
    // QUIC without TLS 1.3 completes no handshake: nothing is shown to pass.
    for req in ["NET03-TLS", "NET03-CIPHER"] {
        assert_status(
            result(&scan.report, req, "broken.example.com"),
            Status::Manual,
        );
    }
}

#[test]
fn a_quic_listen_shares_no_ssl_flag_with_a_tcp_listen_on_its_port() {
    // `quic` opens a UDP socket; the `ssl` flag nginx shares is a TCP socket's.
    let conf = "events {}\nhttp {\n  server {\n    listen 443 quic;\n    server_name a.example.com;\n    ssl_certificate /etc/tls/a.pem;\n  }\n  server {\n    listen 443;\n    server_name b.example.com;\n    location / { proxy_pass http://127.0.0.1:3000; }\n  }\n}\n";
    let dir = tree(&[("nginx.conf", conf)]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "b.example.com");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "nginx.conf:9");
}

#[test]
fn reject_handshake_and_the_default_servers_certificate() {
    // The fixture's README cites nginx's source and documentation and the live check.
    let dir = fixture("nginx/reject_handshake_and_the_default_servers_certificate");
    let scan = scan_path(dir.path());
    for req in ["NET03-TLS", "NET03-CIPHER", "NET03-CERT"] {
        let r = result(&scan.report, req, "nginx.conf:17:_");
        assert_status(r, Status::NotApplicable);
        assert_eq!(at(r), "nginx.conf:20", "{req}");
    }
    let b = result(&scan.report, "NET03-CERT", "b.example.com");
    assert_status(b, Status::Manual);
    assert_eq!(at(b), "nginx.conf:8", "the default server's certificate");
    assert!(
        b.message.contains("default server at nginx.conf:5"),
        "{}",
        b.message
    );
}

#[test]
fn a_server_made_tls_by_a_shared_socket_presents_the_default_servers_certificate() {
    // b's `listen 443` is TLS because the default server sets `ssl` on *:443; b names no
    // certificate, so its handshakes complete with the default server's.
    let conf = "events {}\nhttp {\n  server {\n    listen 443 ssl default_server;\n    server_name a.example.com;\n    ssl_certificate /etc/tls/a.pem;\n  }\n  server {\n    listen 443;\n    server_name b.example.com;\n  }\n}\n";
    let dir = tree(&[("nginx.conf", conf)]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-CERT", "b.example.com");
    assert_status(r, Status::Manual);
    assert_eq!(at(r), "nginx.conf:6");
}
