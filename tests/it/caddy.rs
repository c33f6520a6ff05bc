//! End-to-end judgement of Caddyfiles: each case checked for its status and the file:line it
//! cites, through the real scan pipeline and the unchanged policies.

#![allow(clippy::unwrap_used)]

use crate::common::*;
use tlsproof::results::Status;

#[test]
fn a_plain_https_site_passes_on_caddy_defaults() {
    let dir = tree(&[(
        "Caddyfile",
        "mcp.example.org {\n\treverse_proxy 127.0.0.1:3000\n}\n",
    )]);
    let scan = scan_path(dir.path());
    for req in ["NET03-TLS", "NET03-CIPHER", "NET03-HTTP"] {
        let r = result(&scan.report, req, "mcp.example.org");
        assert_status(r, Status::Pass);
        assert_eq!(at(r), "Caddyfile:1", "{req}");
    }
    let text =
        serde_json::to_string(&result(&scan.report, "NET03-TLS", "mcp.example.org").evidence)
            .unwrap();
    assert!(text.contains("Caddy v2 default"), "{text}");
    let text =
        serde_json::to_string(&result(&scan.report, "NET03-CIPHER", "mcp.example.org").evidence)
            .unwrap();
    assert!(text.contains("Caddy v2 default"), "{text}");
    let r = result(&scan.report, "NET03-HTTP", "mcp.example.org");
    assert!(r.message.contains("redirected"), "{}", r.message);
    let r = result(&scan.report, "NET03-E2E", "mcp.example.org");
    assert_status(r, Status::Pass);
    assert!(scan.report.findings.is_empty(), "{}", compact(&scan.report));
}

#[test]
fn an_http_site_fails_the_plaintext_rule_at_its_address() {
    let dir = fixture("caddy/an_http_site_fails_the_plaintext_rule_at_its_address");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "mcp.example.org");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "Caddyfile:1");
}

#[test]
fn auto_https_off_with_a_port_only_site_fails_the_plaintext_rule() {
    let dir = fixture("caddy/auto_https_off_with_a_port_only_site_fails_the_plaintext_rule");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", ":8080");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "Caddyfile:5");
}

#[test]
fn a_catch_all_redirect_site_passes_the_plaintext_rule() {
    let dir = fixture("caddy/a_catch_all_redirect_site_passes_the_plaintext_rule");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "mcp.example.org");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "Caddyfile:2");
}

#[test]
fn a_cbc_cipher_in_an_imported_snippet_fails_at_the_snippet_line() {
    let dir = fixture("caddy/a_cbc_cipher_in_an_imported_snippet_fails_at_the_snippet_line");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-CIPHER", "mcp.example.org");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "Caddyfile:3");
    assert!(
        r.message.contains("CBC") || r.message.contains("SHA"),
        "{}",
        r.message
    );
}

#[test]
fn insecure_skip_verify_fails_verification_at_its_line() {
    let dir = fixture("caddy/insecure_skip_verify_fails_verification_at_its_line");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-VERIFY", "mcp.example.org");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "Caddyfile:4");
}

#[test]
fn a_site_bound_to_loopback_is_out_of_scope() {
    let dir = fixture("caddy/a_site_bound_to_loopback_is_out_of_scope");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", "localhost");
    assert_status(r, Status::NotApplicable);
    assert_eq!(at(r), "Caddyfile:2");
}

#[test]
fn imports_resolve_against_the_importing_file_and_skip_dotfiles() {
    let dir = fixture("caddy/imports_resolve_against_the_importing_file_and_skip_dotfiles");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-TLS", "mcp.example.org");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "snippets/tls.caddy:2");
    assert!(
        !scan
            .report
            .results
            .iter()
            .any(|r| r.endpoint.contains("leak")),
        "{}",
        compact(&scan.report)
    );
    // A glob that matches nothing is fine; a missing file is a finding.
    let dir = fixture("caddy/imports_resolve_against_the_importing_file_and_skip_dotfiles_2");
    let scan = scan_path(dir.path());
    let kinds: Vec<&str> = scan
        .report
        .findings
        .iter()
        .map(|f| f.kind.as_str())
        .collect();
    assert_eq!(kinds, vec!["INCLUDE_MISSING"], "{}", compact(&scan.report));
    assert_eq!(scan.report.findings[0].locations[0].line, 2);
}

#[test]
fn import_cycles_are_findings_not_hangs() {
    let dir = fixture("caddy/import_cycles_are_findings_not_hangs");
    let scan = scan_path(dir.path());
    assert!(
        scan.report
            .findings
            .iter()
            .any(|f| f.kind.as_str() == "INCLUDE_CYCLE"),
        "{}",
        compact(&scan.report)
    );
    // A snippet importing itself.
    let dir = fixture("caddy/import_cycles_are_findings_not_hangs_2");
    let scan = scan_path(dir.path());
    assert!(
        scan.report
            .findings
            .iter()
            .any(|f| f.kind.as_str() == "INCLUDE_CYCLE"),
        "{}",
        compact(&scan.report)
    );
}

#[test]
fn env_placeholders_are_substituted_before_parsing() {
    // No process variable is set for this name: the default applies.
    let dir = fixture("caddy/env_placeholders_are_substituted_before_parsing");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-E2E", "mcp.example.org");
    assert_status(r, Status::Pass);
}

#[test]
fn broken_input_is_a_parse_error_with_its_line() {
    let dir = fixture("caddy/broken_input_is_a_parse_error_with_its_line");
    let scan = scan_path(dir.path());
    let f = scan
        .report
        .findings
        .iter()
        .find(|f| f.kind.as_str() == "PARSE_ERROR")
        .unwrap_or_else(|| panic!("{}", compact(&scan.report)));
    assert_eq!(f.locations[0].line, 2);
}

#[test]
fn insecure_secrets_log_is_a_notice() {
    let dir = fixture("caddy/insecure_secrets_log_is_a_notice");
    let scan = scan_path(dir.path());
    let f = scan
        .report
        .findings
        .iter()
        .find(|f| f.kind.as_str() == "NOTICE")
        .expect("a notice");
    assert_eq!(f.locations[0].line, 3);
}

#[test]
fn hsts_header_is_read() {
    let dir = fixture("caddy/hsts_header_is_read");
    let scan = scan_path_with_strict(dir.path());
    let r = result(&scan.report, "PROFILE-HSTS", "mcp.example.org");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "Caddyfile:2");
}

fn scan_path_with_strict(p: &std::path::Path) -> tlsproof::pipeline::Scan {
    scan_with(p, |o| o.profile = Some(tlsproof::settings::Profile::Strict))
}

#[test]
fn a_plugin_directive_is_indeterminate_and_the_site_is_still_judged() {
    let dir = fixture("caddy/a_plugin_directive_is_indeterminate_and_the_site_is_still_judged");
    let scan = scan_path(dir.path());
    let f = scan
        .report
        .findings
        .iter()
        .find(|f| f.message.contains("rate_limit"))
        .unwrap_or_else(|| {
            panic!(
                "no finding for the plugin directive:\n{}",
                compact(&scan.report)
            )
        });
    assert_eq!(f.kind.as_str(), "INDETERMINATE");
    assert_eq!(f.locations[0].line, 2);
    assert!(f.message.contains("plugin"), "{}", f.message);
    // Not a parse error: the site is judged as usual and the verdict is not INCOMPLETE on it.
    assert!(f.severity.as_str() != "error", "{f:?}");
    assert_status(
        result(&scan.report, "NET03-TLS", "mcp.example.org"),
        Status::Pass,
    );
}

/// On-demand TLS (`tls [internal] { on_demand }`) obtains the certificate during the handshake
/// for the server name the client sends, host-less sites included: MANUAL, decided by a probe,
/// citing the `on_demand` line. `caddy adapt` (2.6.2) turns each into an automation policy with
/// `"on_demand": true` (`httpcaddyfile/tlsapp.go`, `sblock.pile["tls.on_demand"]`).
#[test]
fn on_demand_tls_certificates_are_manual_not_missing() {
    let dir = fixture("caddy/on_demand_tls_certificates_are_manual_not_missing");
    let scan = scan_path(dir.path());
    for (endpoint, line, ca) in [
        ("https://", 3, "ACME CA"),
        ("mcp.example.org", 10, "internal CA"),
    ] {
        let r = result(&scan.report, "NET03-CERT", endpoint);
        assert_status(r, Status::Manual);
        assert_eq!(at(r), format!("Caddyfile:{line}"));
        assert!(
            r.message.contains("during the TLS handshake"),
            "{}",
            r.message
        );
        assert!(r.message.contains(ca), "{}", r.message);
        assert!(!r.message.contains("handshakes fail"), "{}", r.message);
    }
}

/// The `on_demand_tls` global option configures on-demand TLS (`ask`, `permission`) but does not
/// enable it (`caddytls.AutomationConfig.OnDemand`: "This field only configures on-demand TLS,
/// it does not enable it"; `caddy adapt` emits no policy with `"on_demand": true`): a host-less
/// site without `tls { on_demand }` has no certificate to serve.
#[test]
fn on_demand_tls_global_option_alone_enables_nothing() {
    let dir = fixture("caddy/on_demand_tls_global_option_alone_enables_nothing");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-CERT", "https://");
    assert_status(r, Status::Fail);
    assert!(r.message.contains("no certificate"), "{}", r.message);
}

/// A plaintext site whose every request ends in a 4xx or an aborted connection refuses
/// plaintext HTTP: NET03-HTTP passes citing the refusing line and, as for a redirect-only site,
/// the site serves no content. `caddy adapt` (2.6.2) shows each as the site's only reachable
/// handler: `static_response` with `status_code` 403/404 or `abort`, and `error` 403 ahead of
/// `reverse_proxy` (handlers run in Caddy's directive order, `httpcaddyfile/directives.go`;
/// `StaticResponse` and `StaticError` end the request, `modules/caddyhttp/staticresp.go`,
/// `staticerror.go`).
#[test]
fn a_plaintext_site_refusing_every_request_blocks_plaintext_http() {
    let dir = fixture("caddy/a_plaintext_site_refusing_every_request_blocks_plaintext_http");
    let scan = scan_path(dir.path());
    for (endpoint, line, how) in [
        ("mcp.example.org", 2, "answered 403 by respond"),
        (":8080", 6, "aborted"),
        ("api.example.org", 11, "answered 403 by error"),
        ("docs.example.org", 17, "answered 404 by respond"),
    ] {
        let r = result(&scan.report, "NET03-HTTP", endpoint);
        assert_status(r, Status::Pass);
        assert_eq!(at(r), format!("Caddyfile:{line}"), "{endpoint}");
        assert!(r.message.contains("serve no content"), "{}", r.message);
        let evidence = serde_json::to_string(&r.evidence).unwrap();
        assert!(evidence.contains(how), "{endpoint}: {evidence}");
        for req in ["NET03-CERT", "NET03-TLS", "NET03-E2E"] {
            let r = result(&scan.report, req, endpoint);
            assert_status(r, Status::NotApplicable);
            assert!(r.message.contains("serves no content"), "{}", r.message);
        }
    }
    let model = serde_json::to_value(&scan.model).unwrap();
    for ep in model["endpoints"].as_array().unwrap() {
        assert_eq!(ep["plaintext"]["blocked"]["value"], true, "{ep}");
        assert_eq!(ep["serves_content"]["value"], false, "{ep}");
    }
}

/// A refusal that not every request reaches leaves the site serving plaintext content: a
/// matched `respond` before a proxy, a matched `handle` with a proxy sorted before the refusal,
/// `error` answered by `handle_errors` with a page, `respond` with a body and no status (200).
#[test]
fn a_plaintext_site_refusing_only_some_requests_serves_plaintext() {
    let dir = fixture("caddy/a_plaintext_site_refusing_only_some_requests_serves_plaintext");
    let scan = scan_path(dir.path());
    for endpoint in [
        "mcp.example.org",
        "api.example.org",
        "errors.example.org",
        "ok.example.org",
    ] {
        let r = result(&scan.report, "NET03-HTTP", endpoint);
        assert_status(r, Status::Fail);
    }
}

/// Files Caddy refuses are refused: one PARSE_ERROR at the refused line and nothing judged from
/// the file (Caddy serves none of it). Each was checked with `caddy adapt`
/// (`caddy_oracle::every_caddy_fixture_is_refused_exactly_when_caddy_refuses_it`); the messages
/// are Caddy's own.
#[test]
fn files_caddy_refuses_are_parse_errors_and_nothing_is_judged() {
    for (case, line, message) in [
        (
            "refused_wss_scheme_is_a_parse_error",
            1,
            "wss:// is only supported in browsers",
        ),
        (
            "refused_unsupported_scheme_is_a_parse_error",
            1,
            "unsupported URL scheme tcp://",
        ),
        (
            "refused_ambiguous_site_definition_is_a_parse_error",
            5,
            "ambiguous site definition: mcp.example.org",
        ),
        (
            "refused_duplicate_lb_policy_is_a_parse_error",
            4,
            "load balancing selection policy already specified",
        ),
        (
            "refused_duplicate_respond_body_is_a_parse_error",
            3,
            "body already specified",
        ),
        (
            "refused_duplicate_error_message_is_a_parse_error",
            3,
            "message already specified",
        ),
        (
            "refused_duplicate_matcher_is_a_parse_error",
            3,
            "matcher is defined more than once: @api",
        ),
        (
            "refused_duplicate_forward_auth_uri_is_a_parse_error",
            4,
            "cannot re-declare uri: /api/authz",
        ),
        (
            "refused_duplicate_servers_listener_is_a_parse_error",
            5,
            "duplicate listener addresses: :443",
        ),
        (
            "refused_unknown_servers_option_is_a_parse_error",
            3,
            "unrecognized servers option 'srv0'",
        ),
        (
            "refused_unknown_tls_subdirective_is_a_parse_error",
            3,
            "unknown subdirective: protocol",
        ),
        (
            "refused_tls_single_file_argument_is_a_parse_error",
            2,
            "single argument must either be 'internal'",
        ),
        (
            "refused_tls_1_0_is_a_parse_error",
            3,
            "protocol not supported: 'tls1.0'",
        ),
        (
            "refused_tls_three_arguments_is_a_parse_error",
            2,
            "Wrong argument count or unexpected line ending after 'certs/chain.pem'",
        ),
        (
            "refused_tls_protocols_without_a_version_is_a_parse_error",
            3,
            "protocols requires one or two arguments",
        ),
    ] {
        let dir = fixture(&format!("caddy/{case}"));
        let scan = scan_path(dir.path());
        let errors: Vec<_> = scan
            .report
            .findings
            .iter()
            .filter(|f| f.kind.as_str() == "PARSE_ERROR")
            .collect();
        assert_eq!(errors.len(), 1, "{case}:\n{}", compact(&scan.report));
        assert_eq!(errors[0].locations[0].line, line, "{case}");
        assert!(
            errors[0].message.contains(message),
            "{case}: {}",
            errors[0].message
        );
        assert!(
            scan.report.results.is_empty(),
            "{case}:\n{}",
            compact(&scan.report)
        );
    }
    // An import cycle makes Caddy refuse the file too.
    let dir = fixture("caddy/import_cycles_are_findings_not_hangs");
    let scan = scan_path(dir.path());
    assert!(scan.report.results.is_empty(), "{}", compact(&scan.report));
}

/// A refusal that a Caddy release added applies from that release on: with an older declared
/// version the file is judged as that Caddy serves it (Caddy 2.6.2 serves `wss://` like any
/// scheme but `http` on the HTTPS port, as `caddy adapt` 2.6.2 shows); with no declared version
/// the refusal says since when, and how to judge an older Caddy.
#[test]
fn a_refusal_added_in_a_caddy_release_follows_the_declared_version() {
    let dir = fixture("caddy/refused_wss_scheme_is_a_parse_error");
    let scan = scan_with(dir.path(), |o| o.caddy_version = Some("2.6.2".into()));
    assert!(
        scan.report
            .findings
            .iter()
            .all(|f| f.kind.as_str() != "PARSE_ERROR"),
        "{}",
        compact(&scan.report)
    );
    let r = result(&scan.report, "NET03-TLS", "wss://mcp.example.org");
    assert_status(r, Status::Pass);
    let model = serde_json::to_value(&scan.model).unwrap();
    let listens = &model["endpoints"][0]["listens"];
    assert_eq!(listens[0]["port"], 443, "{listens}");
    assert_eq!(listens[0]["tls"], true, "{listens}");
    let scan = scan_path(dir.path());
    let f = &scan
        .report
        .findings
        .iter()
        .find(|f| f.kind.as_str() == "PARSE_ERROR")
        .unwrap();
    assert!(f.message.contains("since v2.7.5"), "{}", f.message);
    assert!(f.message.contains("declare its version"), "{}", f.message);
    let scan = scan_with(dir.path(), |o| o.caddy_version = Some("2.8.4".into()));
    let f = &scan
        .report
        .findings
        .iter()
        .find(|f| f.kind.as_str() == "PARSE_ERROR")
        .unwrap();
    assert!(!f.message.contains("since"), "{}", f.message);
}

/// Two site blocks with one address are ambiguous only on one listener: bound to different
/// addresses they listen apart, and Caddy accepts them (`caddy adapt` makes two servers,
/// `10.0.0.1:8443` and `10.0.0.2:8443`; `httptype.go` compares keys per server).
#[test]
fn sites_sharing_a_port_on_different_binds_are_not_ambiguous() {
    let dir = fixture("caddy/sites_sharing_a_port_on_different_binds_are_not_ambiguous");
    let scan = scan_path(dir.path());
    assert!(
        scan.report
            .findings
            .iter()
            .all(|f| f.kind.as_str() != "PARSE_ERROR"),
        "{}",
        compact(&scan.report)
    );
    let tls: Vec<_> = scan
        .report
        .results
        .iter()
        .filter(|r| r.requirement == "NET03-TLS")
        .map(|r| (at(r), r.status))
        .collect();
    assert_eq!(
        tls,
        vec![
            ("Caddyfile:1".to_string(), Status::Pass),
            ("Caddyfile:6".to_string(), Status::Pass)
        ]
    );
}

/// Caddy accepts a second `transport` in one `reverse_proxy` (its "transport already
/// specified" check never fires, `reverseproxy/caddyfile.go`) and the last one applies, as
/// `caddy adapt` shows (`insecure_skip_verify: true`): it is judged at its line.
#[test]
fn a_second_proxy_transport_replaces_the_first() {
    let dir = fixture("caddy/a_second_proxy_transport_replaces_the_first");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-VERIFY", "mcp.example.org");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "Caddyfile:7");
}

/// An HTTPS site that refuses every request still has Caddy's automatic HTTP→HTTPS redirect:
/// its plaintext requests are redirected (then refused over TLS), and it is judged as the TLS
/// endpoint it is.
#[test]
fn an_https_site_refusing_every_request_keeps_its_automatic_redirect() {
    let dir = fixture("caddy/an_https_site_refusing_every_request_keeps_its_automatic_redirect");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "mcp.example.org");
    assert_status(r, Status::Pass);
    assert!(r.message.contains("redirected"), "{}", r.message);
    assert_status(
        result(&scan.report, "NET03-TLS", "mcp.example.org"),
        Status::Pass,
    );
}

/// The `order` global option changes which handler answers first: with `reverse_proxy` ordered
/// before `respond`, the proxy answers every request and the `respond 403` is never reached
/// (`caddy adapt` puts the `reverse_proxy` handler ahead of the `static_response`), so the site
/// serves plaintext content.
#[test]
fn a_directive_order_that_runs_the_proxy_first_serves_plaintext() {
    let dir = fixture("caddy/a_directive_order_that_runs_the_proxy_first_serves_plaintext");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "mcp.example.org");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "Caddyfile:5");
}
