//! MCP servers and application code judged end to end: transport and bind scope (stdio and
//! loopback out of scope, every interface without TLS fails), TLS settings, and statements
//! that disable certificate validation — each checked for status and file:line.

#![allow(clippy::unwrap_used)]

use crate::common::*;
use tlsproof::results::{Severity, Status};

/// Every requirement of the control but NET03-TEST, from the registry.
fn reqs() -> Vec<String> {
    let mut all = crate::common::msss_requirements();
    all.retain(|r| r != "NET03-TEST");
    all
}

#[test]
fn a_fastmcp_server_run_without_transport_is_stdio_and_out_of_scope() {
    let dir = fixture("app/a_fastmcp_server_run_without_transport_is_stdio_and_out_of_scope");
    let scan = scan_path(dir.path());
    for req in &reqs() {
        let r = result(&scan.report, req, "app:server.py:10:notes");
        assert_status(r, Status::NotApplicable);
        assert_eq!(at(r), "server.py:10", "{req}");
        let why = r.justification.as_deref().unwrap_or("");
        assert!(
            why.contains("stdio") && why.contains("server.py:10"),
            "{why}"
        );
    }
    assert_eq!(scan.report.verdict.as_str(), "NOT_APPLICABLE");
}

#[test]
fn an_explicit_stdio_transport_cites_its_argument() {
    let dir = fixture("app/an_explicit_stdio_transport_cites_its_argument");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "notes");
    assert_status(r, Status::NotApplicable);
    assert_eq!(at(r), "server.py:3");
}

#[test]
fn fastmcp_on_every_interface_over_streamable_http_fails_at_the_host() {
    let dir = fixture("app/fastmcp_on_every_interface_over_streamable_http_fails_at_the_host");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "app:server.py:9:x");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "server.py:5");
    assert_eq!(r.component, "app");
    let r = result(&scan.report, "NET03-TLS", "x");
    assert_status(r, Status::Fail);
}

#[test]
fn fastmcp_default_host_depends_on_the_pinned_sdk_version() {
    let src = "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP(\"x\")\nmcp.run(transport=\"sse\")\n";
    // Unknown version: worst case, every interface, with the note.
    let dir = tree(&[("server.py", src)]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "x");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "server.py:3");
    assert!(r.message.contains("1.9.1"), "{}", r.message);
    // Pinned at 1.9.0: 0.0.0.0.
    let dir = tree(&[("server.py", src), ("requirements.txt", "mcp==1.9.0\n")]);
    assert_status(
        result(&scan_path(dir.path()).report, "NET03-HTTP", "x"),
        Status::Fail,
    );
    // From 1.9.1: loopback.
    let dir = tree(&[
        ("server.py", src),
        (
            "pyproject.toml",
            "[project]\nname = \"x\"\ndependencies = [\"mcp[cli]>=1.10.0\"]\n",
        ),
    ]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "x");
    assert_status(r, Status::NotApplicable);
    assert!(r
        .justification
        .as_deref()
        .unwrap_or("")
        .contains("pyproject.toml:3"));
}

#[test]
fn standalone_fastmcp_http_on_all_interfaces_fails_and_loopback_is_out_of_scope() {
    let dir =
        fixture("app/standalone_fastmcp_http_on_all_interfaces_fails_and_loopback_is_out_of_scope");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "pub");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "public.py:3");
    let r = result(&scan.report, "NET03-HTTP", "loc");
    assert_status(r, Status::NotApplicable);
    assert_eq!(at(r), "local.py:3");
}

#[test]
fn uvicorn_with_tls_keeps_its_weak_default_ciphers() {
    let dir = fixture("app/uvicorn_with_tls_keeps_its_weak_default_ciphers");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "uvicorn");
    assert_status(r, Status::Pass);
    let r = result(&scan.report, "NET03-CIPHER", "uvicorn");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "main.py:4");
}

#[test]
fn a_uvicorn_app_behind_nginx_is_linked_to_the_proxy() {
    let dir = fixture("app/a_uvicorn_app_behind_nginx_is_linked_to_the_proxy");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "app:main.py:2:uvicorn");
    assert_status(r, Status::NotApplicable);
    let why = r.justification.as_deref().unwrap_or("");
    assert!(
        why.contains("behind nginx:") && why.contains("nginx.conf:8"),
        "{why}"
    );
    // The same port on another host is another server: not linked.
    assert!(!why.contains("10.0.3.7"), "{why}");
}

#[test]
fn typescript_servers_stdio_and_listen_without_host() {
    let dir = fixture("app/typescript_servers_stdio_and_listen_without_host");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "stdio.ts");
    assert_status(r, Status::NotApplicable);
    assert_eq!(at(r), "stdio.ts:2");
    let r = result(&scan.report, "NET03-HTTP", "http.ts");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "http.ts:5");
    assert!(r.message.contains("every interface"), "{}", r.message);
    assert_status(
        result(&scan.report, "NET03-HTTP", "local.ts"),
        Status::NotApplicable,
    );
}

#[test]
fn node_https_server_takes_its_options() {
    let dir = fixture("app/node_https_server_takes_its_options");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", "server.js");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "server.js:6");
    let r = result(&scan.report, "NET03-CIPHER", "server.js");
    assert_status(r, Status::Pass);
    assert_status(
        result(&scan.report, "NET03-HTTP", "server.js"),
        Status::Pass,
    );
}

fn verify_results(scan: &tlsproof::pipeline::Scan) -> Vec<&tlsproof::results::RequirementResult> {
    scan.report
        .results
        .iter()
        .filter(|r| r.requirement == "NET03-VERIFY")
        .collect()
}

#[test]
fn reject_unauthorized_false_fails_in_code_not_in_comments_info_in_tests() {
    let dir = fixture("app/reject_unauthorized_false_fails_in_code_not_in_comments_info_in_tests");
    let scan = scan_path(dir.path());
    let rs = verify_results(&scan);
    assert_eq!(rs.len(), 2, "{}", compact(&scan.report));
    let fail = rs.iter().find(|r| r.status == Status::Fail).unwrap();
    assert_eq!(at(fail), "src/client.ts:5");
    assert_eq!(fail.severity, Severity::High);
    let test = rs
        .iter()
        .find(|r| at(r) == "test/client.spec.ts:2")
        .unwrap();
    assert_eq!(test.severity, Severity::Info);
    assert_ne!(test.status, Status::Fail);
    assert!(test.message.contains("test code"), "{}", test.message);
}

#[test]
fn node_tls_reject_unauthorized_in_code_env_compose_and_dockerfile() {
    let dir = fixture("app/node_tls_reject_unauthorized_in_code_env_compose_and_dockerfile");
    let scan = scan_path(dir.path());
    let mut fails: Vec<String> = verify_results(&scan)
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| at(r))
        .collect();
    fails.sort();
    assert_eq!(
        fails,
        [
            ".env:2",
            "Dockerfile:2",
            "docker-compose.yml:5",
            "index.js:2",
            "index.js:3"
        ],
        "{}",
        compact(&scan.report)
    );
    assert!(
        scan.report
            .findings
            .iter()
            .any(|f| f.kind.as_str() == "NOTICE" && f.message.contains("NODE_EXTRA_CA_CERTS")),
        "{}",
        compact(&scan.report)
    );
}

#[test]
fn python_and_go_validation_switches() {
    let dir = fixture("app/python_and_go_validation_switches");
    let scan = scan_path(dir.path());
    let mut fails: Vec<String> = verify_results(&scan)
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| at(r))
        .collect();
    fails.sort();
    assert_eq!(
        fails,
        [
            "client.py:3",
            "client.py:4",
            "client.py:6",
            "client.py:7",
            "main.go:3"
        ],
        "{}",
        compact(&scan.report)
    );
    assert!(verify_results(&scan)
        .iter()
        .any(|r| at(r) == "conftest.py:2" && r.severity == Severity::Info));
}

#[test]
fn unrelated_files_are_not_claimed() {
    let dir = fixture("app/unrelated_files_are_not_claimed");
    let scan = scan_path(dir.path());
    assert!(scan.model.sources.is_empty(), "{:?}", scan.model.sources);
}

#[test]
fn uvicorn_command_line_in_a_dockerfile() {
    let dir = fixture("app/uvicorn_command_line_in_a_dockerfile");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "app:Dockerfile:3:uvicorn");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "Dockerfile:3");
}

#[test]
fn fastmcp_host_from_dot_env_applies_where_the_sdk_honors_it() {
    let src = "from mcp.server.fastmcp import FastMCP\nmcp = FastMCP(\"x\")\nmcp.run(transport=\"sse\")\n";
    let dir = tree(&[
        ("server.py", src),
        (".env", "FASTMCP_HOST=127.0.0.1\n"),
        ("requirements.txt", "mcp==1.10.0\n"),
    ]);
    let r = result(&scan_path(dir.path()).report, "NET03-HTTP", "x").clone();
    assert_status(&r, Status::NotApplicable);
    assert_eq!(at(&r), ".env:1");
    // From mcp 1.12.3 the variable is ignored: the default (127.0.0.1) applies at run().
    let dir = tree(&[
        ("server.py", src),
        (".env", "FASTMCP_HOST=0.0.0.0\n"),
        ("requirements.txt", "mcp==1.13.0\n"),
    ]);
    let r = result(&scan_path(dir.path()).report, "NET03-HTTP", "x").clone();
    assert_status(&r, Status::NotApplicable);
    assert_eq!(at(&r), "server.py:3");
}

/// The control's own compliant Node.js example, copied verbatim from its text: `secureOptions`
/// turns TLS 1.0 and 1.1 off (Node.js docs, `tls.createSecureContext`: `secureOptions` is a
/// bitmask of OpenSSL's `SSL_OP_*` options), so that line sets the minimum, whatever Node's
/// default is.
#[test]
fn the_controls_node_example_passes_citing_secure_options() {
    let dir = fixture("app/the_controls_node_example_passes_citing_secure_options");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", "app:server.js:13:https");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "server.js:8");
    assert!(!r.message.contains("default"), "{}", r.message);
    let r = result(&scan.report, "NET03-CIPHER", "app:server.js:13:https");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "server.js:10");
}

/// The control's own compliant Python example, copied verbatim from its text: an aiohttp server
/// whose context sets `minimum_version` and `set_ciphers`. aiohttp's `run_app` binds 0.0.0.0
/// when no host is given (aiohttp/web.py `_run_app`: `hosts = ("0.0.0.0",)`).
#[test]
fn the_controls_python_example_passes_citing_its_context() {
    let dir = fixture("app/the_controls_python_example_passes_citing_its_context");
    let scan = scan_path(dir.path());
    let id = "app:server.py:8:aiohttp";
    let r = result(&scan.report, "NET03-TLS", id);
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "server.py:6");
    let r = result(&scan.report, "NET03-CIPHER", id);
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "server.py:7");
    let r = result(&scan.report, "NET03-CERT", id);
    assert_eq!(at(r), "server.py:5");
    let r = result(&scan.report, "NET03-HTTP", id);
    assert_status(r, Status::Pass);
    assert!(r.message.contains("0.0.0.0:443"), "{}", r.message);
    // Purpose.CLIENT_AUTH makes a server-side context: nothing in it disables validation.
    assert!(
        scan.model.red_flags.is_empty(),
        "{:?}",
        scan.model.red_flags
    );
}

/// `http.server` wrapped by an `SSLContext(PROTOCOL_TLS_SERVER)` whose `options` turn TLS 1.0 and
/// 1.1 off (Python's ssl docs, `SSLContext.options`: `OP_NO_TLSv1`, `OP_NO_TLSv1_1`), and an
/// aiohttp `TCPSite` whose context comes from a function and sets no `minimum_version`.
#[test]
fn python_ssl_contexts_judged_by_their_statements() {
    let dir = fixture("app/python_ssl_contexts_judged_by_their_statements");
    let scan = scan_path(dir.path());
    let server = "app:https_server.py:11:http.server";
    let r = result(&scan.report, "NET03-TLS", server);
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "https_server.py:5");
    // No set_ciphers: Python's default string, whose CBC and static-RSA suites are weak.
    let r = result(&scan.report, "NET03-CIPHER", server);
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "https_server.py:4");
    assert!(r.message.contains("Python"), "{}", r.message);
    // `HTTPServer(("", 4443), …)`: the empty host binds every interface.
    let r = result(&scan.report, "NET03-HTTP", server);
    assert!(r.message.contains("0.0.0.0:4443"), "{}", r.message);
    assert_eq!(
        at(result(&scan.report, "NET03-CERT", server)),
        "https_server.py:8"
    );
    // `verify_mode = CERT_NONE` on a server context requests no client certificate (ssl docs,
    // CERT_NONE: "In server mode, no certificate will be requested from the client").
    assert!(
        scan.model.red_flags.is_empty(),
        "{:?}",
        scan.model.red_flags
    );

    let site = "app:site.py:13:aiohttp";
    let r = result(&scan.report, "NET03-TLS", site);
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "site.py:6");
    assert!(
        r.message.contains("3.10") && r.message.contains("Dockerfile"),
        "{}",
        r.message
    );
    let r = result(&scan.report, "NET03-CIPHER", site);
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "site.py:8");
}

/// The Python version the image pins decides the ssl module's default minimum: TLS 1.2 from
/// Python 3.10 ("What's New In Python 3.10", ssl).
#[test]
fn the_python_image_decides_the_ssl_modules_default() {
    let dir = fixture("app/the_python_image_decides_the_ssl_modules_default");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", "app:server.py:8:aiohttp");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "server.py:5");
    assert!(
        r.message.contains("Python 3.12 (Dockerfile:1)"),
        "{}",
        r.message
    );
    // The same server with an older image offers TLS 1.0 and 1.1.
    let src = std::fs::read_to_string(dir.path().join("server.py")).unwrap();
    let old = tree(&[
        ("Dockerfile", "FROM python:3.9-slim\n"),
        ("server.py", &src),
    ]);
    let r = result(&scan_path(old.path()).report, "NET03-TLS", "aiohttp").clone();
    assert_status(&r, Status::Fail);
    assert!(
        r.message.contains("Python 3.9 (Dockerfile:1)"),
        "{}",
        r.message
    );
}

/// A Go `tls.Config{MinVersion, CipherSuites}` given to `http.Server{TLSConfig}` is judged at its
/// fields; `http.ListenAndServeTLS` without a config takes crypto/tls's defaults for the `go`
/// line of go.mod: servers accept TLS 1.0 before Go 1.22 and TLS 1.2 from Go 1.22 (Go 1.22 release
/// notes, crypto/tls; GODEBUG tls10server, go.dev/doc/godebug).
#[test]
fn go_tls_config_given_to_http_server() {
    let dir = fixture("app/go_tls_config_given_to_http_server");
    let scan = scan_path(dir.path());
    let srv = "app:main.go:17:ListenAndServeTLS";
    let r = result(&scan.report, "NET03-TLS", srv);
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "main.go:10");
    let r = result(&scan.report, "NET03-CIPHER", srv);
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "main.go:11");
    assert_eq!(at(result(&scan.report, "NET03-CERT", srv)), "main.go:17");
    let r = result(&scan.report, "NET03-HTTP", srv);
    assert!(r.message.contains("0.0.0.0:8443"), "{}", r.message);

    let defaults = "app:defaults.go:6:ListenAndServeTLS";
    let r = result(&scan.report, "NET03-TLS", defaults);
    assert_status(r, Status::Fail);
    assert!(r.message.contains("Go 1.21 (go.mod:3)"), "{}", r.message);
    // Every Go version's default list holds ECDHE CBC-SHA suites.
    assert_status(result(&scan.report, "NET03-CIPHER", defaults), Status::Fail);

    // From a go 1.22 line on, the default minimum is TLS 1.2.
    let src = std::fs::read_to_string(dir.path().join("defaults.go")).unwrap();
    let newer = tree(&[("go.mod", "module x\n\ngo 1.22\n"), ("defaults.go", &src)]);
    let r = result(&scan_path(newer.path()).report, "NET03-TLS", "defaults.go").clone();
    assert_status(&r, Status::Pass);
    assert!(r.message.contains("Go 1.22 (go.mod:3)"), "{}", r.message);
}

/// `cfg.MinVersion = …` after the literal, `tls.Listen` with that config, and a plaintext
/// `http.ListenAndServe` beside it.
#[test]
fn go_config_statements_and_plaintext_listeners() {
    let src = "package main\n\nimport (\n\t\"crypto/tls\"\n\t\"net/http\"\n)\n\nfunc run() {\n\tcfg := &tls.Config{}\n\tcfg.MinVersion = tls.VersionTLS13\n\tln, _ := tls.Listen(\"tcp\", \":7443\", cfg)\n\thttp.Serve(ln, nil)\n\thttp.ListenAndServe(\":8080\", nil)\n}\n";
    let dir = tree(&[("server.go", src)]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", "app:server.go:11:Listen");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "server.go:10");
    let r = result(
        &scan.report,
        "NET03-HTTP",
        "app:server.go:13:ListenAndServe",
    );
    assert_status(r, Status::Fail);
    assert!(r.message.contains("0.0.0.0:8080"), "{}", r.message);
}

/// hypercorn serves TLS when `certfile` and `keyfile` are set, with its own TLS 1.2 minimum and
/// `ECDHE+AESGCM` ciphers (hypercorn/config.py, `Config.create_ssl_context`), and plaintext on
/// `insecure_bind` beside it.
#[test]
fn hypercorn_serves_tls_with_its_own_minimum() {
    let dir = fixture("app/hypercorn_serves_tls_with_its_own_minimum");
    let scan = scan_path(dir.path());
    let id = "app:main.py:14:hypercorn";
    let r = result(&scan.report, "NET03-TLS", id);
    assert_status(r, Status::Pass);
    assert!(r.message.contains("hypercorn"), "{}", r.message);
    assert_status(result(&scan.report, "NET03-CIPHER", id), Status::Pass);
    assert_eq!(at(result(&scan.report, "NET03-CERT", id)), "main.py:11");
    let r = result(&scan.report, "NET03-HTTP", id);
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "main.py:10");
}

/// Node.js option flags however they are spelled: destructured `SSL_OP_NO_*` constants, a flag
/// that leaves TLS 1.1 on above an explicit `minVersion`, and a legacy `secureProtocol` method
/// (Node.js docs, `tls.createSecureContext`: `secureOptions`, `secureProtocol`).
#[test]
fn node_secure_options_and_secure_protocol() {
    let src = "const tls = require('tls');\nconst { SSL_OP_NO_TLSv1, SSL_OP_NO_TLSv1_1 } = require('crypto').constants;\nconst NO_OLD = SSL_OP_NO_TLSv1 | SSL_OP_NO_TLSv1_1;\ntls.createServer({ secureOptions: NO_OLD, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' }, h).listen(8443);\ntls.createServer({\n  minVersion: 'TLSv1',\n  secureOptions: SSL_OP_NO_TLSv1,\n}, h).listen(8444);\ntls.createServer({ secureProtocol: 'TLSv1_method' }, h).listen(8445);\n";
    let dir = tree(&[("servers.js", src)]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", "app:servers.js:4:");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "servers.js:4");
    let r = result(&scan.report, "NET03-TLS", "app:servers.js:8:");
    assert_status(r, Status::Fail);
    assert!(
        r.message.contains("TLSv1.1") && !r.message.contains("TLSv1,"),
        "{}",
        r.message
    );
    assert_eq!(at(r), "servers.js:7");
    let r = result(&scan.report, "NET03-TLS", "app:servers.js:9:");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "servers.js:9");
}

#[test]
fn legacy_ssl_wrap_socket_on_http_server() {
    let src = "import ssl\nfrom http.server import HTTPServer, SimpleHTTPRequestHandler\nhttpd = HTTPServer((\"0.0.0.0\", 443), SimpleHTTPRequestHandler)\nhttpd.socket = ssl.wrap_socket(httpd.socket, certfile=\"server.pem\", server_side=True, ssl_version=ssl.PROTOCOL_TLSv1)\n";
    let dir = tree(&[("serve.py", src)]);
    let scan = scan_path(dir.path());
    let id = "app:serve.py:3:http.server";
    let r = result(&scan.report, "NET03-TLS", id);
    assert_status(r, Status::Fail);
    assert!(r.message.contains("TLSv1"), "{}", r.message);
    assert_eq!(at(r), "serve.py:4");
    assert_eq!(at(result(&scan.report, "NET03-CERT", id)), "serve.py:4");
}

/// A `tls.Config` built in another file is not Go's default: its settings are unknown, so the
/// worst case is judged and the message says why; the certificate files given still count.
#[test]
fn a_go_config_built_elsewhere_is_the_worst_case() {
    let src = "package main\n\nimport \"net/http\"\n\nfunc main() {\n\tsrv := &http.Server{Addr: \":8443\", TLSConfig: secureConfig()}\n\tsrv.ListenAndServeTLS(\"cert.pem\", \"key.pem\")\n}\n";
    let dir = tree(&[("main.go", src), ("go.mod", "module x\n\ngo 1.23\n")]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", "app:main.go:7:ListenAndServeTLS");
    assert_status(r, Status::Fail);
    assert!(r.message.contains("secureConfig()"), "{}", r.message);
    assert!(!r.message.contains("go.mod"), "{}", r.message);
    let r = result(
        &scan.report,
        "NET03-CERT",
        "app:main.go:7:ListenAndServeTLS",
    );
    assert_eq!(at(r), "main.go:7");
    assert_ne!(r.status, Status::Fail, "{}", r.message);
}

/// A module's own function named like aiohttp's (`def run_app(host, port, …)` wrapping
/// `web.run_app`) is not a server: only the aiohttp call inside it is.
#[test]
fn a_function_named_run_app_is_not_an_aiohttp_server() {
    let src = "import ssl\n\nfrom aiohttp import web\n\n\ndef run_app(host: str, port: int, certfile: str = None):\n    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)\n    ctx.load_cert_chain(certfile)\n    web.run_app(app, host=host, port=port, ssl_context=ctx)\n\n\nrun_app(\"0.0.0.0\", 8443, \"cert.pem\")\n";
    let dir = tree(&[("serve.py", src)]);
    let scan = scan_path(dir.path());
    let ids: Vec<&str> = scan.model.endpoints.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["app:serve.py:9:aiohttp"]);
}

/// aiohttp's `run_app(app, path=…)` without host or port listens on a Unix socket only
/// (aiohttp/web.py `_run_app`: `hosts = ()` when a path is given and no port).
#[test]
fn aiohttp_on_a_unix_socket_is_not_on_the_network() {
    let src = "from aiohttp import web\n\napp = web.Application()\nweb.run_app(app, path=\"/run/mcp.sock\")\n";
    let dir = tree(&[("serve.py", src)]);
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "app:serve.py:4:aiohttp");
    assert_status(r, Status::NotApplicable);
    assert_eq!(at(r), "serve.py:4");
}

/// `asyncio.start_server(…, ssl=ctx)` is a TLS server on its host and port; without `ssl` it is a
/// plain TCP server, no HTTP endpoint.
#[test]
fn asyncio_servers_with_an_ssl_context() {
    let src = "import asyncio\nimport ssl\n\nctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)\nctx.minimum_version = ssl.TLSVersion.TLSv1_3\nctx.load_cert_chain(\"cert.pem\", \"key.pem\")\n\n\nasync def main():\n    await asyncio.start_server(handle, \"0.0.0.0\", 8443, ssl=ctx)\n    await asyncio.start_server(handle, \"0.0.0.0\", 9000)\n";
    let dir = tree(&[("serve.py", src)]);
    let scan = scan_path(dir.path());
    let ids: Vec<&str> = scan.model.endpoints.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["app:serve.py:10:start_server"]);
    let r = result(&scan.report, "NET03-TLS", "start_server");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "serve.py:5");
    let r = result(&scan.report, "NET03-HTTP", "start_server");
    assert!(r.message.contains("0.0.0.0:8443"), "{}", r.message);
}
