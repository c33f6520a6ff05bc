//! Exception claims through the real pipeline: `tlsproof-exceptions.yaml` beside nginx configs,
//! each claim verified against the configuration at a fixed evaluation time.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::common::*;
use std::path::Path;
use std::process::Command;
use tlsproof::exceptions::Outcome;
use tlsproof::results::{Report, Status};

const AT: &str = "2026-11-26T00:00:00Z";

fn claim(id: &str, kind: &str, extra: &str, created: &str, expires: &str) -> String {
    format!(
        "  - id: {id}
    kind: {kind}
{extra}    scope: {{ file: nginx.conf }}
    justification: reviewed by the platform team
    owner: platform
    approver: ciso@example.com
    created: {created}
    expires: {expires}
"
    )
}

fn claims(items: &[String]) -> String {
    format!("exceptions:\n{}", items.concat())
}

/// `nginx.conf` and a claims file of `items` in a fresh directory.
fn with_claims(nginx: &str, items: &[String]) -> tempfile::TempDir {
    tree(&[
        ("nginx.conf", nginx),
        ("tlsproof-exceptions.yaml", &claims(items)),
    ])
}

/// nginx serving plaintext on `listen`.
fn plain_nginx(listen: &str) -> String {
    format!(
        "events {{}}
http {{
    server {{
        listen {listen};
        server_name mcp.internal;
        location /mcp {{ proxy_pass http://127.0.0.1:9000; }}
    }}
}}
"
    )
}

/// nginx terminating TLS and proxying in plaintext to another host.
const TLS_NGINX: &str = "events {}
http {
    server {
        listen 443 ssl;
        server_name mcp.example.org;
        ssl_certificate /etc/ssl/mcp.pem;
        ssl_certificate_key /etc/ssl/mcp.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location /mcp { proxy_pass http://10.0.3.7:8000; }
    }
}
";

fn scan_at(dir: &Path, strict: &[&str]) -> Report {
    scan_with(dir, |o| {
        o.at = Some(tlsproof::settings::parse_time(AT).unwrap());
        o.non_waivable = strict.iter().map(|s| s.to_string()).collect();
    })
    .report
}

fn record<'a>(report: &'a Report, id: &str) -> &'a tlsproof::exceptions::ClaimRecord {
    report
        .exceptions
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("no claim {id}:\n{}", compact(report)))
}

fn finding<'a>(report: &'a Report, kind: &str) -> &'a tlsproof::results::FindingRecord {
    report
        .findings
        .iter()
        .find(|f| f.kind.as_str() == kind)
        .unwrap_or_else(|| panic!("no {kind} finding:\n{}", compact(report)))
}

#[test]
fn a_localhost_claim_for_a_server_on_every_interface_is_rejected_with_the_listen_line() {
    let dir = with_claims(
        &plain_nginx("0.0.0.0:8080"),
        &[claim("EXC-1", "localhost", "", "2026-11-01", "2027-04-01")],
    );
    let report = scan_at(dir.path(), &[]);
    let c = record(&report, "EXC-1");
    assert_eq!(c.outcome, Outcome::Rejected, "{c:?}");
    let fact = &c.subjects[0].facts[0];
    assert!(fact.contradicts);
    assert_eq!(fact.location.as_ref().unwrap().line, 4);
    assert_eq!(fact.excerpt.as_deref(), Some("listen 0.0.0.0:8080;"));
    // The FAIL stands and carries the rejected claim.
    let http = result(&report, "NET03-HTTP", "mcp.internal");
    assert_status(http, Status::Fail);
    let e = http.exception.as_ref().unwrap();
    assert_eq!((e.id.as_str(), e.outcome.as_str()), ("EXC-1", "REJECTED"));
    assert_eq!(e.location.file, "tlsproof-exceptions.yaml");
    assert_eq!(e.location.line, 2);
    // The finding cites the claim and the contradicting listen line.
    let f = finding(&report, "EXCEPTION_REJECTED");
    let lines: Vec<String> = f
        .locations
        .iter()
        .map(|l| format!("{}:{}", l.file, l.line))
        .collect();
    assert_eq!(lines, ["tlsproof-exceptions.yaml:2", "nginx.conf:4"]);
    assert_eq!(report.verdict.as_str(), "NOT_SATISFIED");
}

#[test]
fn a_localhost_claim_for_a_loopback_server_is_honored() {
    let dir = with_claims(
        &plain_nginx("127.0.0.1:8080"),
        &[claim("EXC-1", "localhost", "", "2026-11-01", "2027-04-01")],
    );
    let report = scan_at(dir.path(), &[]);
    let c = record(&report, "EXC-1");
    assert_eq!(c.outcome, Outcome::Honored, "{c:?}");
    assert!(c.reasons[0].contains("127.0.0.1:8080"), "{:?}", c.reasons);
    assert!(c.reasons[0].contains("nginx.conf:4"), "{:?}", c.reasons);
    let tls = result(&report, "NET03-TLS", "mcp.internal");
    assert_status(tls, Status::NotApplicable);
    assert_eq!(tls.exception.as_ref().unwrap().outcome.as_str(), "HONORED");
    assert!(!report
        .findings
        .iter()
        .any(|f| f.kind.as_str().starts_with("EXCEPTION")));
}

#[test]
fn a_localhost_claim_is_rejected_when_a_plaintext_proxy_exposes_the_server() {
    let dir = fixture(
        "exceptions/a_localhost_claim_is_rejected_when_a_plaintext_proxy_exposes_the_server",
    );
    let report = scan_at(dir.path(), &[]);
    let c = record(&report, "EXC-1");
    assert_eq!(c.outcome, Outcome::Rejected, "{c:?}");
    assert!(
        c.reasons.iter().any(|r| r.contains("edge/nginx.conf:5")),
        "{:?}",
        c.reasons
    );
}

#[test]
fn an_expired_risk_acceptance_is_not_honored_and_says_when_it_expired() {
    let extra = "    requirements: [NET03-HTTP]\n";
    let dir = with_claims(
        &plain_nginx("0.0.0.0:8080"),
        &[claim(
            "RA-7",
            "risk-acceptance",
            extra,
            "2025-11-01",
            "2026-01-31",
        )],
    );
    let report = scan_at(dir.path(), &[]);
    let c = record(&report, "RA-7");
    assert_eq!(c.outcome, Outcome::Expired);
    let http = result(&report, "NET03-HTTP", "mcp.internal");
    assert_status(http, Status::Fail);
    assert_eq!(http.exception.as_ref().unwrap().outcome.as_str(), "EXPIRED");
    let f = finding(&report, "EXCEPTION_EXPIRED");
    assert!(f.message.contains("expired on 2026-01-31"), "{}", f.message);
    assert_eq!(f.locations[0].line, 10, "the expires: line");
    // The same claim while valid turns the FAIL into EXCEPTED, and only NET03-HTTP.
    let dir = with_claims(
        &plain_nginx("0.0.0.0:8080"),
        &[claim(
            "RA-7",
            "risk-acceptance",
            extra,
            "2026-11-01",
            "2027-01-31",
        )],
    );
    let report = scan_at(dir.path(), &[]);
    assert_eq!(record(&report, "RA-7").outcome, Outcome::Honored);
    let http = result(&report, "NET03-HTTP", "mcp.internal");
    assert_status(http, Status::Excepted);
    let j = http.justification.as_deref().unwrap();
    assert!(j.contains("RA-7") && j.contains("ciso@example.com") && j.contains("2027-01-31"));
    assert_status(result(&report, "NET03-TLS", "mcp.internal"), Status::Fail);
}

#[test]
fn a_vpn_tunnel_claim_is_attested_unless_the_requirement_is_non_waivable() {
    let extra = "    control: vpn-tunnel\n    requirements: [NET03-E2E]\n";
    let dir = with_claims(
        TLS_NGINX,
        &[claim(
            "VPN-1",
            "compensating-control",
            extra,
            "2026-11-01",
            "2027-05-01",
        )],
    );
    let plain = scan_with(dir.path(), |o| {
        o.at = Some(tlsproof::settings::parse_time(AT).unwrap())
    })
    .report;
    let before = plain
        .results
        .iter()
        .find(|r| r.requirement == "NET03-E2E")
        .unwrap();
    assert_eq!(record(&plain, "VPN-1").outcome, Outcome::Attested);
    assert_status(before, Status::Excepted);
    let e = before.exception.as_ref().unwrap();
    assert_eq!(
        (e.outcome.as_str(), e.control.map(|c| c.as_str())),
        ("ATTESTED", Some("vpn-tunnel"))
    );
    assert!(before
        .justification
        .as_deref()
        .unwrap()
        .contains("ATTESTED"));
    assert_eq!(
        finding(&plain, "EXCEPTION_ATTESTED").severity.as_str(),
        "info"
    );

    let strict = scan_at(dir.path(), &["NET03-E2E"]);
    let e2e = result(&strict, "NET03-E2E", "mcp.example.org");
    assert_status(e2e, Status::Fail);
    assert_eq!(record(&strict, "VPN-1").outcome, Outcome::NonWaivable);
    assert_eq!(
        e2e.exception.as_ref().unwrap().outcome.as_str(),
        "NON_WAIVABLE"
    );

    // tlsproof.toml says the same as --strict.
    std::fs::write(
        dir.path().join("tlsproof.toml"),
        "[exceptions]\nnon_waivable = [\"NET03-E2E\"]\n",
    )
    .unwrap();
    let toml = scan_at(dir.path(), &[]);
    assert_status(result(&toml, "NET03-E2E", "mcp.example.org"), Status::Fail);
}

#[test]
fn mtls_and_lb_termination_are_checked_against_the_endpoint() {
    let mtls = "    control: mtls\n";
    let lb = "    control: lb-termination\n";
    let dir = with_claims(
        TLS_NGINX,
        &[
            claim(
                "M-1",
                "compensating-control",
                mtls,
                "2026-11-01",
                "2027-05-01",
            ),
            claim(
                "LB-1",
                "compensating-control",
                lb,
                "2026-11-01",
                "2027-05-01",
            ),
        ],
    );
    let report = scan_at(dir.path(), &[]);
    let m = record(&report, "M-1");
    assert_eq!(m.outcome, Outcome::Rejected, "{m:?}");
    assert!(
        m.reasons[0].contains("client certificates: off"),
        "{:?}",
        m.reasons
    );
    let lb = record(&report, "LB-1");
    assert_eq!(lb.outcome, Outcome::Rejected, "{lb:?}");
    assert!(
        lb.reasons
            .iter()
            .any(|r| r.contains("plaintext") && r.contains("nginx.conf:9")),
        "{:?}",
        lb.reasons
    );

    let verified = TLS_NGINX
        .replace(
            "ssl_protocols TLSv1.2 TLSv1.3;",
            "ssl_protocols TLSv1.2 TLSv1.3;\n        ssl_client_certificate /etc/ssl/clients.pem;\n        ssl_verify_client on;",
        )
        .replace(
            "proxy_pass http://10.0.3.7:8000;",
            "proxy_pass https://10.0.3.7:8443; proxy_ssl_verify on; proxy_ssl_trusted_certificate /etc/ssl/ca.pem;",
        );
    std::fs::write(dir.path().join("nginx.conf"), verified).unwrap();
    let report = scan_at(dir.path(), &[]);
    assert_eq!(
        record(&report, "M-1").outcome,
        Outcome::Honored,
        "{:?}",
        record(&report, "M-1")
    );
    assert_eq!(
        record(&report, "LB-1").outcome,
        Outcome::Honored,
        "{:?}",
        record(&report, "LB-1")
    );
    // The certificate is outside the scan (MANUAL): the honored claims except it.
    let cert = result(&report, "NET03-CERT", "mcp.example.org");
    assert_status(cert, Status::Excepted);
    assert_eq!(cert.exception.as_ref().unwrap().id, "M-1");
}

#[test]
fn invalid_claims_are_named_by_line_and_never_honored() {
    let broken = claims(&[
        claim("A", "localhost", "", "2026-11-01", "2027-04-01")
            .replace("    approver: ciso@example.com\n", ""),
        claim("B", "localhost", "", "2026-11-01", "2028-04-01"),
        claim(
            "C",
            "stdio",
            "    control: mtls\n",
            "2026-11-01",
            "2027-04-01",
        ),
    ]);
    let dir = tree(&[
        ("nginx.conf", &plain_nginx("127.0.0.1:8080")),
        ("tlsproof-exceptions.yaml", &broken),
    ]);
    let report = scan_at(dir.path(), &[]);
    for (id, needle) in [
        ("A", "approver"),
        ("B", "max_exception_days"),
        ("C", "control"),
    ] {
        let c = record(&report, id);
        assert_eq!(c.outcome, Outcome::Invalid, "{c:?}");
        assert!(
            c.reasons.iter().any(|r| r.contains(needle)),
            "{id}: {:?}",
            c.reasons
        );
    }
    let invalid: Vec<u32> = report
        .findings
        .iter()
        .filter(|f| f.kind.as_str() == "EXCEPTION_INVALID")
        .map(|f| f.locations[0].line)
        .collect();
    assert_eq!(invalid, [2, 9, 17]);
    assert!(report
        .findings
        .iter()
        .all(|f| f.kind.as_str() != "EXCEPTION_INVALID" || f.severity.as_str() == "error"));
    assert_eq!(report.verdict.as_str(), "INCOMPLETE");

    // A file that is not YAML: one error naming the line, the scan goes on.
    std::fs::write(
        dir.path().join("tlsproof-exceptions.yaml"),
        "exceptions:\n  - id: X\n    kind: [localhost\n",
    )
    .unwrap();
    let report = scan_at(dir.path(), &[]);
    let f = finding(&report, "EXCEPTIONS_INVALID");
    assert_eq!(f.severity.as_str(), "error");
    assert!(f.locations[0].line >= 3, "{f:?}");
    assert!(!report.results.is_empty());
}

#[test]
fn test_environment_claims_are_rejected_when_the_scan_declares_production() {
    let dir = with_claims(
        &plain_nginx("0.0.0.0:8080"),
        &[claim(
            "T-1",
            "test-environment",
            "",
            "2026-11-01",
            "2027-04-01",
        )],
    );
    let report = scan_at(dir.path(), &[]);
    assert_eq!(record(&report, "T-1").outcome, Outcome::Attested);
    assert_status(
        result(&report, "NET03-TLS", "mcp.internal"),
        Status::NotApplicable,
    );
    std::fs::write(
        dir.path().join("tlsproof.toml"),
        "environment = \"production\"\n",
    )
    .unwrap();
    let report = scan_at(dir.path(), &[]);
    assert_eq!(record(&report, "T-1").outcome, Outcome::Rejected);
    assert_status(result(&report, "NET03-TLS", "mcp.internal"), Status::Fail);
}

fn tlsproof(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn lint_names_orphaned_and_expiring_claims_and_exits_non_zero() {
    let orphan = claim("ORPHAN-1", "air-gapped", "", "2026-11-01", "2027-04-01")
        .replace("file: nginx.conf", "file: caddy/Caddyfile");
    let soon = claim("SOON-1", "localhost", "", "2026-11-01", "2026-12-06");
    let dir = tree(&[
        ("nginx.conf", &plain_nginx("127.0.0.1:8080")),
        ("tlsproof-exceptions.yaml", &claims(&[orphan, soon])),
    ]);
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = tlsproof(&["exceptions", "lint", d, "--at", AT]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("ORPHANED") && out.contains("ORPHAN-1"),
        "{out}"
    );
    assert!(out.contains("EXPIRING") && out.contains("SOON-1"), "{out}");
    assert!(out.contains("in 10 day(s)"), "{out}");
    assert!(out.contains("2 problem(s)"), "{out}");
    // A shorter warning window leaves only the orphan.
    let (code, out, _) = tlsproof(&["exceptions", "lint", d, "--at", AT, "--warn-days", "5"]);
    assert_eq!(code, 1);
    assert!(out.contains("1 problem(s)"), "{out}");

    // A clean file exits 0.
    let clean = claims(&[claim("OK-1", "localhost", "", "2026-11-01", "2027-04-01")]);
    std::fs::write(dir.path().join("tlsproof-exceptions.yaml"), clean).unwrap();
    let (code, out, err) = tlsproof(&["exceptions", "lint", d, "--at", AT]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("OK") && out.contains("0 problem(s)"), "{out}");

    // No claims file: a usage error.
    std::fs::remove_file(dir.path().join("tlsproof-exceptions.yaml")).unwrap();
    let (code, _, err) = tlsproof(&["exceptions", "lint", d, "--at", AT]);
    assert_eq!(code, 2);
    assert!(err.contains("tlsproof-exceptions.yaml"), "{err}");
}

#[test]
fn the_evidence_bundle_has_an_exceptions_section_with_the_claim_and_the_listen_line() {
    let dir = tree(&[
        ("conf/nginx.conf", &plain_nginx("0.0.0.0:8080")),
        (
            "claims.yaml",
            &claims(
                &[claim("EXC-1", "localhost", "", "2026-11-01", "2027-04-01")
                    .replace("file: nginx.conf", "file: \"**/nginx.conf\"")],
            ),
        ),
    ]);
    let conf = dir.path().join("conf");
    let out = dir.path().join("bundle");
    let claims_file = dir.path().join("claims.yaml");
    let (code, stdout, err) = tlsproof(&[
        "evidence",
        conf.to_str().unwrap(),
        "--exceptions",
        claims_file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--at",
        AT,
    ]);
    assert_eq!(code, 1, "{stdout}{err}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    let section = md.split("## Exceptions").nth(1).unwrap();
    assert!(section.contains("**REJECTED**"), "{section}");
    assert!(section.contains("`listen 0.0.0.0:8080;`"), "{section}");
    assert!(section.contains("`nginx.conf:4`"), "{section}");
    assert!(section.contains("ciso@example.com"), "{section}");
    let results: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["exceptions"][0]["outcome"], "REJECTED");
    // The claims file is an input of the bundle, hashed like the configuration.
    let manifest = std::fs::read_to_string(out.join("manifest.json")).unwrap();
    assert!(manifest.contains("claims.yaml"), "{manifest}");
    let (code, stdout, _) = tlsproof(&["verify", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn a_missing_exceptions_file_given_on_the_command_line_is_a_usage_error() {
    let dir =
        fixture("exceptions/a_missing_exceptions_file_given_on_the_command_line_is_a_usage_error");
    let d = dir.path().to_str().unwrap();
    let (code, _, err) = tlsproof(&["scan", d, "--exceptions", "/nonexistent/claims.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("--exceptions"), "{err}");
    let (code, _, err) = tlsproof(&["scan", d, "--strict", "NET03-NOPE"]);
    assert_eq!(code, 2);
    assert!(err.contains("NET03-NOPE"), "{err}");
}

#[test]
fn a_stdio_claim_holds_for_a_stdio_server_and_is_rejected_for_one_that_listens() {
    let stdio = "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP(\"notes\")\n\nif __name__ == \"__main__\":\n    mcp.run()\n";
    let http = "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP(\"notes\", host=\"0.0.0.0\", port=8000)\nmcp.run(transport=\"streamable-http\")\n";
    let file = "exceptions:
  - id: STDIO-1
    kind: stdio
    scope: { file: \"*.py\" }
    justification: launched by the desktop client over stdio
    owner: tools
    approver: sec@example.com
    created: 2026-11-01
    expires: 2027-04-01
";
    let dir = tree(&[("server.py", stdio), ("tlsproof-exceptions.yaml", file)]);
    let report = scan_at(dir.path(), &[]);
    let c = record(&report, "STDIO-1");
    assert_eq!(c.outcome, Outcome::Honored, "{c:?}");
    assert!(c.reasons[0].contains("server.py:5"), "{:?}", c.reasons);

    std::fs::write(dir.path().join("http_server.py"), http).unwrap();
    let report = scan_at(dir.path(), &[]);
    let c = record(&report, "STDIO-1");
    assert_eq!(c.outcome, Outcome::Rejected, "{c:?}");
    assert!(
        c.reasons
            .iter()
            .any(|r| r.contains("listens on 0.0.0.0:8000 (http_server.py:2)")),
        "{:?}",
        c.reasons
    );
    assert_status(result(&report, "NET03-TLS", "http_server.py"), Status::Fail);
}

#[test]
fn a_claims_file_inside_the_scanned_tree_is_read_as_claims_not_as_configuration() {
    let dir = fixture(
        "exceptions/a_claims_file_inside_the_scanned_tree_is_read_as_claims_not_as_configuration",
    );
    let file = dir.path().join("mcp-server-exceptions.yaml");
    let scan = scan_with(dir.path(), |o| {
        o.at = Some(tlsproof::settings::parse_time(AT).unwrap());
        o.exceptions_file = Some(file.clone());
    });
    let kinds: Vec<(&str, &str)> = scan
        .model
        .sources
        .iter()
        .map(|s| (s.path.as_str(), s.kind.as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("mcp-server-exceptions.yaml", "exceptions"),
            ("nginx.conf", "nginx")
        ]
    );
    assert_eq!(scan.model.endpoints.len(), 1);
    assert_eq!(record(&scan.report, "EXC-1").outcome, Outcome::Honored);
}

#[test]
fn an_air_gapped_claim_is_rejected_for_a_site_that_needs_a_public_acme_ca() {
    let file = "exceptions:
  - id: AG-1
    kind: air-gapped
    scope: { component: caddy }
    justification: the lab network has no route to the internet
    owner: lab
    approver: ciso@example.com
    created: 2026-11-01
    expires: 2027-04-01
";
    let acme = "mcp.example.org {\n\treverse_proxy 127.0.0.1:9000\n}\n";
    let dir = tree(&[("Caddyfile", acme), ("tlsproof-exceptions.yaml", file)]);
    let report = scan_at(dir.path(), &[]);
    let c = record(&report, "AG-1");
    assert_eq!(c.outcome, Outcome::Rejected, "{c:?}");
    assert!(
        c.reasons[0].contains("public ACME CA") && c.reasons[0].contains("(Caddyfile:1)"),
        "{:?}",
        c.reasons
    );

    let internal = "mcp.example.org {\n\ttls internal\n\treverse_proxy 127.0.0.1:9000\n}\n";
    std::fs::write(dir.path().join("Caddyfile"), internal).unwrap();
    let report = scan_at(dir.path(), &[]);
    assert_eq!(record(&report, "AG-1").outcome, Outcome::Attested);
}

/// A compensating control scoped to the hops it protects (`scope.hops`) covers the hop into
/// that subnet and no other: the hop to a host outside stays FAIL, and the claim says it is
/// only partially applicable, naming that hop.
#[test]
fn a_claim_scoped_to_hops_covers_only_the_hops_it_names() {
    let nginx = "events {}
http {
    server {
        listen 443 ssl;
        server_name mcp.example.org;
        ssl_certificate /etc/ssl/mcp.pem;
        ssl_certificate_key /etc/ssl/mcp.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        location /mcp { proxy_pass http://10.0.3.7:8000; }
        location /tools { proxy_pass https://tools-backend.internal:9443; }
    }
}
";
    let vpn = |scope: &str| {
        claim(
            "EXC-VPN",
            "compensating-control",
            "    control: vpn-tunnel\n    requirements: [NET03-E2E]\n",
            "2026-11-01",
            "2027-04-01",
        )
        .replace("scope: { file: nginx.conf }", scope)
    };
    let dir = with_claims(
        nginx,
        &[vpn("scope: { file: nginx.conf, hops: [10.0.3.0/24] }")],
    );
    let report = scan_at(dir.path(), &[]);
    let e2e = result(&report, "NET03-E2E", "mcp.example.org");
    assert_eq!(e2e.status, Status::Fail, "{}", compact(&report));
    let c = record(&report, "EXC-VPN");
    assert!(
        c.reasons.iter().any(|r| r.contains(
            "partially applicable: it does not cover the hop proxy_pass https://tools-backend.internal:9443 (nginx.conf:10): tools-backend.internal is outside scope.hops [10.0.3.0/24]"
        )),
        "{:?}",
        c.reasons
    );
    // The result names the claim it lies outside of, the record the hop's line, and a warning
    // finding cites the claim and that hop.
    assert_eq!(
        e2e.exception.as_ref().map(|e| e.outcome),
        Some(Outcome::OutOfScope)
    );
    assert_eq!(
        c.not_covered
            .iter()
            .map(|l| format!("{}:{}", l.file, l.line))
            .collect::<Vec<_>>(),
        ["nginx.conf:10"]
    );
    let partial: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.kind == tlsproof::diag::FindingKind::ExceptionPartial)
        .collect();
    assert_eq!(partial.len(), 1, "{:?}", report.findings);
    assert!(
        partial[0].message.contains("EXC-VPN")
            && partial[0].message.contains("tools-backend.internal")
    );
    assert!(partial[0]
        .locations
        .iter()
        .any(|l| l.file == "nginx.conf" && l.line == 10));
    // Scoped to both, the claim covers the endpoint's hops.
    let dir = with_claims(
        nginx,
        &[vpn(
            "scope: { file: nginx.conf, hops: [10.0.3.0/24, \"*.internal\"] }",
        )],
    );
    let report = scan_at(dir.path(), &[]);
    let e2e = result(&report, "NET03-E2E", "mcp.example.org");
    assert_eq!(e2e.status, Status::Excepted, "{}", compact(&report));
    // Without hops, the claim covers the endpoint as before.
    let dir = with_claims(nginx, &[vpn("scope: { file: nginx.conf }")]);
    let report = scan_at(dir.path(), &[]);
    assert_eq!(
        result(&report, "NET03-E2E", "mcp.example.org").status,
        Status::Excepted
    );
}
