package tlsproof.requirements.net03_tls_test

import data.tlsproof.requirements.net03_tls as tls
import data.tlsproof.test.fixtures as f
import rego.v1

test_tls12_and_13_pass if {
	rs := tls.results with input as f.input_of([f.tls_endpoint])
	f.statuses(rs) == {"PASS"}
}

test_old_protocols_fail_at_the_protocols_line if {
	ep := object.union(f.tls_endpoint, {"tls": {"protocols": {"value": ["TLSv1", "TLSv1.1", "TLSv1.2"]}}})
	rs := tls.results with input as f.input_of([ep])
	some r in rs
	r.status == "FAIL"
	r.locations == [{"file": "nginx.conf", "line": 10, "column": 5}]
	contains(r.message, "TLSv1, TLSv1.1")
}

test_tls13_alone_passes if {
	ep := object.union(f.tls_endpoint, {"tls": {"protocols": {"value": ["TLSv1.3"], "origin": "derived", "note": "QUIC"}}})
	rs := tls.results with input as f.input_of([ep])
	f.statuses(rs) == {"PASS"}
}

test_no_protocol_enabled_is_manual_not_pass if {
	ep := object.union(f.tls_endpoint, {"tls": {"protocols": {"value": [], "origin": "derived", "note": "QUIC without TLSv1.3"}}})
	rs := tls.results with input as f.input_of([ep])
	f.statuses(rs) == {"MANUAL"}
	some r in rs
	contains(r.message, "QUIC without TLSv1.3")
}

test_unknown_version_default_says_how_to_declare if {
	ep := object.union(f.tls_endpoint, {"tls": {"protocols": {"value": ["SSLv3", "TLSv1", "TLSv1.2"], "origin": "default", "note": "worst case", "version_dependent": true}}})
	rs := tls.results with input as f.input_of([ep])
	some r in rs
	r.status == "FAIL"
	contains(r.message, "tlsproof.toml")
	contains(r.message, "[nginx] version")
}

test_unknown_traefik_version_names_traefiks_setting if {
	base := object.union(f.tls_endpoint, {"component": "traefik", "id": "traefik:dyn.yml:3:mcp"})
	ep := object.union(base, {"tls": {"protocols": {"value": ["TLSv1", "TLSv1.2"], "origin": "default", "note": "Go default", "version_dependent": true}}})
	rs := tls.results with input as f.input_of([ep])
	some r in rs
	r.status == "FAIL"
	contains(r.message, "[traefik] version")
	contains(r.message, "--traefik-version")
}

test_plaintext_content_fails if {
	rs := tls.results with input as f.input_of([f.plain_endpoint])
	some r in rs
	r.status == "FAIL"
	r.locations[0].line == 21
}

test_loopback_and_redirect_only_not_applicable if {
	rs := tls.results with input as f.input_of([f.loopback_endpoint, f.redirect_endpoint])
	count(rs) == 2
	every r in rs {
		r.status == "NOT_APPLICABLE"
		r.justification != ""
	}
	some r in rs
	contains(r.justification, "site.conf:41")
}

test_heuristic_app_endpoint_is_one_manual_result if {
	rs := tls.results with input as f.input_of([f.heuristic_endpoint, f.heuristic_loopback_endpoint])
	mine := f.results_for(rs, "app:mcp-server.yaml:1:server")
	count(mine) == 1
	mine[0].status == "MANUAL"
	contains(mine[0].justification, "documentation")
	local := f.results_for(rs, "app:mcp-server.yaml:1:loopback")
	count(local) == 1
	local[0].status == "MANUAL"
}

observed_versions(ep, status) := {
	"endpoint": ep.id,
	"target": "https://mcp.example.com/",
	"address": "192.0.2.10:443",
	"observed_at": "2026-12-01T00:00:00Z",
	"span": f.span("site.conf", 2),
	"source": "tlsproof probe",
	"tests": [{"test": t, "status": status, "detail": "seen"} | some t in ["ssl3-rejected", "tls1.0-rejected", "tls1.1-rejected"]],
}

test_a_worst_case_default_is_decided_by_what_the_live_server_refuses if {
	ep := object.union(f.tls_endpoint, {"tls": {"protocols": {"value": ["TLSv1", "TLSv1.1", "TLSv1.2"], "origin": "default", "version_dependent": true}}})
	refused := object.union(f.input_of([ep]), {"observations": [observed_versions(ep, "PASS")]})
	rs := tls.results with input as refused
	f.statuses(rs) == {"PASS"}
	some r in rs
	contains(r.message, "the live server refuses SSL 3, TLS 1.0 and TLS 1.1")
	accepted := object.union(f.input_of([ep]), {"observations": [observed_versions(ep, "FAIL")]})
	f.statuses(tls.results) == {"FAIL"} with input as accepted
	f.statuses(tls.results) == {"FAIL"} with input as f.input_of([ep])
}

test_an_explicit_old_protocol_fails_whatever_the_live_server_does if {
	ep := object.union(f.tls_endpoint, {"tls": {"protocols": {"value": ["TLSv1", "TLSv1.2"], "origin": "explicit"}}})
	refused := object.union(f.input_of([ep]), {"observations": [observed_versions(ep, "PASS")]})
	f.statuses(tls.results) == {"FAIL"} with input as refused
}

test_a_worst_case_is_said_to_be_one if {
	ep := object.union(f.tls_endpoint, {"tls": {"protocols": {"value": ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"], "origin": "derived", "span": f.span("gw.yaml", 13), "note": "the Gateway implementation decides the TLS protocols", "worst_case": true}}})
	rs := tls.results with input as f.input_of([ep])
	some r in rs
	r.status == "FAIL"
	r.message == "may offer TLSv1, TLSv1.1, the worst case: the Gateway implementation decides the TLS protocols"
}

test_the_version_advice_is_given_once if {
	note := "Traefik version unknown: worst case assumed, declare [traefik] version in tlsproof.toml"
	ep := object.union(f.tls_endpoint, {"tls": {"protocols": {"value": ["TLSv1", "TLSv1.2"], "origin": "default", "span": f.span("site.conf", 1), "note": note, "version_dependent": true}}})
	rs := tls.results with input as f.input_of([ep])
	some r in rs
	r.status == "FAIL"
	count(regex.find_n(`declare`, r.message, -1)) == 1
}

test_a_server_refusing_every_handshake_is_not_applicable_by_that_line if {
	ep := object.union(f.tls_endpoint, {"tls": {
		"protocols": {"value": ["TLSv1", "TLSv1.2"]},
		"reject_handshake": f.fact(true, "explicit", f.span("nginx.conf", 20)),
	}})
	rs := tls.results with input as f.input_of([ep])
	f.statuses(rs) == {"NOT_APPLICABLE"}
	some r in rs
	r.locations == [{"file": "nginx.conf", "line": 20, "column": 5}]
	contains(r.justification, "nginx.conf:20")
}
