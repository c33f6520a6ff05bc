//! Generic MCP server configs (YAML, TOML, JSON) read with the heuristics table: uncertain
//! readings are MANUAL citing the keys, `transport: stdio` and an unambiguous loopback bind
//! are NOT_APPLICABLE, and files other ingesters own (or no MCP server's) are not claimed.

#![allow(clippy::unwrap_used)]

use crate::common::*;
use tlsproof::results::Status;

/// Every requirement of the control, from the registry.
fn reqs() -> Vec<String> {
    crate::common::msss_requirements()
}

#[test]
fn a_server_section_on_every_interface_is_manual_citing_the_host_line() {
    let dir = fixture("app/a_server_section_on_every_interface_is_manual_citing_the_host_line");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "app:mcp-server.yaml:2:server");
    assert_status(r, Status::Manual);
    assert_eq!(at(r), "mcp-server.yaml:3");
    assert!(r.message.contains("server.host = 0.0.0.0"), "{}", r.message);
    let why = r.justification.as_deref().unwrap_or("");
    assert!(
        why.contains("server.host, server.port") && why.contains("documentation"),
        "{why}"
    );
    for req in &reqs() {
        assert_status(
            result(&scan.report, req, "app:mcp-server.yaml:2:server"),
            Status::Manual,
        );
    }
    assert_eq!(scan.report.verdict.as_str(), "INCOMPLETE");
    let ep = &scan.model.endpoints[0];
    assert!(ep.heuristic.is_some());
}

#[test]
fn transport_stdio_is_not_applicable_citing_its_line() {
    let dir = fixture("app/transport_stdio_is_not_applicable_citing_its_line");
    let scan = scan_path(dir.path());
    for req in &reqs() {
        let r = result(&scan.report, req, "app:mcp.yaml");
        assert_status(r, Status::NotApplicable);
        assert_eq!(at(r), "mcp.yaml:3", "{req}");
        assert!(r.justification.as_deref().unwrap_or("").contains("stdio"));
    }
    assert!(scan.model.endpoints[0].heuristic.is_none());
}

#[test]
fn an_unambiguous_loopback_host_is_not_applicable() {
    let dir = fixture("app/an_unambiguous_loopback_host_is_not_applicable");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "server");
    assert_status(r, Status::NotApplicable);
    assert_eq!(at(r), "mcp-server.yaml:2");
    assert!(r
        .justification
        .as_deref()
        .unwrap_or("")
        .contains("127.0.0.1"));
}

#[test]
fn an_ambiguous_loopback_address_stays_manual() {
    // `address` may be an advertised address; two bind keys disagree.
    let dir = fixture("app/an_ambiguous_loopback_address_stays_manual");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "app:a/mcp.yaml");
    assert_status(r, Status::Manual);
    assert_eq!(at(r), "a/mcp.yaml:2");
    let r = result(&scan.report, "NET03-HTTP", "app:b/mcp.yaml");
    assert_status(r, Status::Manual);
}

#[test]
fn toml_and_json_variants_with_tls_keys() {
    let dir = fixture("app/toml_and_json_variants_with_tls_keys");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-CERT", "app:mcp.toml:1:server");
    assert_status(r, Status::Manual);
    assert_eq!(at(r), "mcp.toml:7");
    let r = result(&scan.report, "NET03-TLS", "app:mcp.toml:1:server");
    assert_status(r, Status::Manual);
    assert!(
        r.message.contains("server.tls.min_version = 1.2"),
        "{}",
        r.message
    );
    let r = result(&scan.report, "NET03-HTTP", "app:mcp-config.json:2:mcp");
    assert_status(r, Status::NotApplicable);
    assert_eq!(at(r), "mcp-config.json:3");
    let r = result(&scan.report, "NET03-HTTP", "app:settings/mcp.json5.json");
    assert_status(r, Status::Manual);
    assert!(
        r.justification
            .as_deref()
            .unwrap_or("")
            .contains("variable"),
        "{:?}",
        r.justification
    );
    let ep = scan
        .model
        .endpoints
        .iter()
        .find(|e| e.id.starts_with("app:mcp.toml"))
        .unwrap();
    assert!(ep.tls.enabled);
    assert_eq!(ep.tls.protocols.value, ["TLSv1.2", "TLSv1.3"]);
}

#[test]
fn a_server_section_counts_only_beside_mcp_server_source() {
    let server = "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP(\"x\")\nmcp.run()\n";
    let config = "server:\n  host: 0.0.0.0\n  port: 9000\n";
    let dir = tree(&[
        ("app/server.py", server),
        ("app/config.yaml", config),
        ("web/config.yaml", config),
    ]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "app:app/config.yaml:1:server");
    assert_status(r, Status::Manual);
    assert!(r
        .justification
        .as_deref()
        .unwrap_or("")
        .contains("beside MCP server source (server.py)"));
    assert!(
        !scan
            .model
            .sources
            .iter()
            .any(|s| s.path == "web/config.yaml"),
        "{:?}",
        scan.model.sources
    );
}

#[test]
fn files_of_other_formats_are_not_claimed() {
    let dir = fixture("app/files_of_other_formats_are_not_claimed");
    let scan = scan_path(dir.path());
    // None is read as an app config; the manifest belongs to the Kubernetes ingester.
    assert!(
        scan.model.sources.iter().all(|s| s.kind != "app"),
        "{:?}",
        scan.model.sources
    );
    let kinds: Vec<(&str, &str)> = scan
        .model
        .sources
        .iter()
        .map(|s| (s.path.as_str(), s.kind.as_str()))
        .collect();
    assert_eq!(kinds, vec![("mcp-deployment.yaml", "kubernetes")]);
    assert!(scan
        .model
        .endpoints
        .iter()
        .all(|e| e.component != tlsproof::model::Component::App));
}

#[test]
fn a_dot_env_beside_a_fastmcp_server_is_still_read_by_the_env_code() {
    let dir = fixture("app/a_dot_env_beside_a_fastmcp_server_is_still_read_by_the_env_code");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "x");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), ".env:1");
    assert!(scan.model.endpoints.iter().all(|e| e.heuristic.is_none()));
}

#[test]
fn test_code_is_decided_below_the_scanned_root() {
    let flag = "import requests\nrequests.get(\"https://x\", verify=False)\n";
    let base = tree(&[
        ("tests-a/client.py", flag),
        ("tests-a/test/helper.py", flag),
        ("tests/client.py", flag),
    ]);
    let scan = scan_with(&base.path().join("tests-a"), |o| {
        o.paths.push(base.path().join("tests"));
    });
    let mut flags: Vec<(String, bool)> = scan
        .model
        .red_flags
        .iter()
        .map(|f| {
            let file = f.span.file.clone();
            let short = file.rsplit_once("/tests").map(|(_, r)| r.to_string());
            (short.unwrap_or(file), f.in_test_code)
        })
        .collect();
    flags.sort();
    assert_eq!(
        flags,
        [
            ("-a/client.py".to_string(), false),
            ("-a/test/helper.py".to_string(), true),
            ("/client.py".to_string(), false),
        ]
    );
}
