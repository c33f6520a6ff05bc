//! MCP client configs judged end to end: each entry's NET03-HTTP status and the file:line of
//! its URL, through the real scan pipeline and the unchanged policies.

#![allow(clippy::unwrap_used)]

use crate::common::*;
use tlsproof::results::{Severity, Status};

const MCP_JSON: &str = r#"{
  "mcpServers": {
    "billing": {
      "type": "http",
      "url": "http://billing.corp.example.com/mcp",
      "headers": { "Authorization": "Bearer ${BILLING_TOKEN}" }
    },
    "local": { "type": "http", "url": "http://localhost:8787/mcp" },
    "docs": { "type": "sse", "url": "https://docs.example.com/sse" },
    "files": { "command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "."] },
    "dynamic": { "type": "http", "url": "${MCP_URL}" }
  }
}
"#;

#[test]
fn claude_code_mcp_json_entries_are_judged_at_their_url_lines() {
    let dir = tree(&[(".mcp.json", MCP_JSON)]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "billing");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), ".mcp.json:5");
    assert_eq!(r.component, "client");
    assert_eq!(r.severity, Severity::High, "{}", r.message);
    assert!(r.message.contains("credentials"), "{}", r.message);
    let r = result(&scan.report, "NET03-HTTP", "local");
    assert_status(r, Status::NotApplicable);
    assert_eq!(at(r), ".mcp.json:8");
    let r = result(&scan.report, "NET03-HTTP", "docs");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), ".mcp.json:9");
    let r = result(&scan.report, "NET03-HTTP", "dynamic");
    assert_status(r, Status::Manual);
    assert!(
        !scan
            .report
            .results
            .iter()
            .any(|r| r.endpoint.contains("files")),
        "{}",
        compact(&scan.report)
    );
    assert_eq!(scan.report.verdict.as_str(), "NOT_SATISFIED");
}

#[test]
fn vscode_servers_key_and_comments_are_read() {
    let dir = fixture("client/vscode_servers_key_and_comments_are_read");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "billing");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), ".vscode/mcp.json:5");
    assert_eq!(r.severity, Severity::Medium, "{}", r.message);
    assert_status(
        result(&scan.report, "NET03-HTTP", "local"),
        Status::NotApplicable,
    );
    let r = result(&scan.report, "NET03-HTTP", "docs");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), ".vscode/mcp.json:7");
}

#[test]
fn claude_desktop_mcp_remote_with_allow_http_fails_at_the_url_argument() {
    let dir = fixture("client/claude_desktop_mcp_remote_with_allow_http_fails_at_the_url_argument");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "crm");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "claude_desktop_config.json:7");
    assert_eq!(r.severity, Severity::High);
    assert!(r.message.contains("--allow-http"), "{}", r.message);
    let r = result(&scan.report, "NET03-HTTP", "safe");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "claude_desktop_config.json:13");
    assert_status(
        result(&scan.report, "NET03-HTTP", "dev"),
        Status::NotApplicable,
    );
}

#[test]
fn cursor_windsurf_and_registry_shapes_are_read() {
    let dir = fixture("client/cursor_windsurf_and_registry_shapes_are_read");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", ":a");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), ".cursor/mcp.json:1");
    assert_status(result(&scan.report, "NET03-HTTP", ":b"), Status::Pass);
    assert_status(
        result(&scan.report, "NET03-HTTP", "remotes[0]"),
        Status::NotApplicable,
    );
    let r = result(&scan.report, "NET03-HTTP", "remotes[1]");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "registry/server.json:5");
}

#[test]
fn a_client_entry_env_that_disables_validation_fails_verify() {
    let dir = fixture("client/a_client_entry_env_that_disables_validation_fails_verify");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-VERIFY", "svc");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), ".mcp.json:6");
    assert_eq!(r.component, "client");
}

#[test]
fn broken_client_json_is_a_parse_finding_not_an_abort() {
    let dir = fixture("client/broken_client_json_is_a_parse_finding_not_an_abort");
    let scan = scan_path(dir.path());
    assert!(
        scan.report
            .findings
            .iter()
            .any(|f| f.kind.as_str() == "PARSE_ERROR"),
        "{}",
        compact(&scan.report)
    );
}
