//! Generic MCP server configs (YAML, TOML, JSON) read with the heuristics table: uncertain
//! readings are MANUAL citing the keys, `transport: stdio` and an unambiguous loopback bind
//! are NOT_APPLICABLE, and files other ingesters own (or no MCP server's) are not claimed.

#![allow(clippy::unwrap_used)]

mod common;

use common::*;
use tlsproof::results::Status;

/// Every requirement of the control, from the registry.
fn reqs() -> Vec<String> {
    common::msss_requirements()
}

#[test]
fn a_server_section_on_every_interface_is_manual_citing_the_host_line() {
    let dir = tree(&[(
        "mcp-server.yaml",
        "name: notes\nserver:\n  host: 0.0.0.0\n  port: 8080\n",
    )]);
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
    let dir = tree(&[(
        "mcp.yaml",
        "# my MCP server\nname: notes\ntransport: stdio\nport: 8080\n",
    )]);
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
    let dir = tree(&[(
        "mcp-server.yaml",
        "server:\n  host: 127.0.0.1\n  port: 8080\n  transport: streamable-http\n",
    )]);
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
    let dir = tree(&[
        (
            "a/mcp.yaml",
            "server:\n  address: 127.0.0.1\n  port: 8080\n",
        ),
        (
            "b/mcp.yaml",
            "server:\n  host: 127.0.0.1\n  listen: 0.0.0.0:8080\n",
        ),
    ]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "app:a/mcp.yaml");
    assert_status(r, Status::Manual);
    assert_eq!(at(r), "a/mcp.yaml:2");
    let r = result(&scan.report, "NET03-HTTP", "app:b/mcp.yaml");
    assert_status(r, Status::Manual);
}

#[test]
fn toml_and_json_variants_with_tls_keys() {
    let dir = tree(&[
        (
            "mcp.toml",
            "[server]\nhost = \"0.0.0.0\"\nport = 8443\n\n[server.tls]\nenabled = true\ncert_file = \"/etc/mcp/cert.pem\"\nkey_file = \"/etc/mcp/key.pem\"\nmin_version = \"1.2\"\n",
        ),
        (
            "mcp-config.json",
            "{\n  \"mcp\": {\n    \"host\": \"localhost\",\n    \"port\": 3000\n  }\n}\n",
        ),
        (
            "settings/mcp.json5.json",
            "{\"server\": {\"listen\": \"${MCP_LISTEN}\", \"ssl_certfile\": \"c.pem\"}}\n",
        ),
    ]);
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
    let dir = tree(&[
        (
            ".github/workflows/mcp.yml",
            "name: ci\non: push\njobs:\n  test:\n    runs-on: ubuntu-latest\n    services:\n      mcp:\n        image: x\n        ports: [\"8080:8080\"]\n",
        ),
        (
            "openapi-mcp.yaml",
            "openapi: 3.0.0\nservers:\n  - url: http://0.0.0.0:8080\ninfo:\n  title: mcp\n  version: 1\n",
        ),
        (
            "mcp-deployment.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mcp\nspec:\n  template:\n    spec:\n      containers:\n        - name: mcp\n          ports:\n            - containerPort: 8080\n",
        ),
        (
            "mcp-compose.yaml",
            "services:\n  mcp:\n    image: x\n    ports: [\"8080:8080\"]\n",
        ),
        (
            "agent.yaml",
            "mcp:\n  url: http://mcp.example.com/mcp\n  transport: sse\n",
        ),
        ("settings.yaml", "server:\n  host: 0.0.0.0\n  port: 8080\n"),
        ("package.json", "{\"name\": \"mcp\", \"port\": 3000}\n"),
    ]);
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
    assert!(scan.model.endpoints.iter().all(|e| e.component != "app"));
}

#[test]
fn a_dot_env_beside_a_fastmcp_server_is_still_read_by_the_env_code() {
    let dir = tree(&[
        (
            "server.py",
            "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP(\"x\")\nmcp.run(transport=\"sse\")\n",
        ),
        (".env", "FASTMCP_HOST=0.0.0.0\n"),
        ("requirements.txt", "mcp==1.10.0\n"),
    ]);
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
