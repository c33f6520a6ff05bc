package tlsproof.requirements.net03_test_results_test

import data.tlsproof.requirements.net03_test_results as probe
import data.tlsproof.test.fixtures as f
import rego.v1

test_remote_endpoint_is_manual if {
	rs := probe.results with input as f.input_of([f.tls_endpoint])
	some r in rs
	r.status == "MANUAL"
	contains(r.justification, "live")
}

test_redirect_listener_is_manual_too if {
	rs := probe.results with input as f.input_of([f.redirect_endpoint])
	f.statuses(rs) == {"MANUAL"}
}

test_loopback_not_applicable if {
	rs := probe.results with input as f.input_of([f.loopback_endpoint])
	f.statuses(rs) == {"NOT_APPLICABLE"}
}

test_heuristic_app_endpoint_is_one_manual_result if {
	rs := probe.results with input as f.input_of([f.heuristic_endpoint, f.heuristic_loopback_endpoint])
	mine := f.results_for(rs, "app:mcp-server.yaml:1:server")
	count(mine) == 1
	mine[0].status == "MANUAL"
	contains(mine[0].justification, "documentation")
	local := f.results_for(rs, "app:mcp-server.yaml:1:loopback")
	count(local) == 1
	local[0].status == "MANUAL"
}

observation(ep, statuses) := {
	"endpoint": ep.id,
	"target": "https://mcp.example.com/",
	"address": "192.0.2.10:443",
	"observed_at": "2026-12-01T00:00:00Z",
	"span": f.span("site.conf", 2),
	"tests": [{"test": test, "status": status, "detail": "seen"} | some [test, status] in statuses],
}

test_observed_endpoint_passes_when_every_test_passes if {
	obs := observation(f.tls_endpoint, [["https-valid-certificate", "PASS"], ["tls1.0-rejected", "PASS"]])
	rs := probe.results with input as object.union(f.input_of([f.tls_endpoint]), {"observations": [obs]})
	f.statuses(rs) == {"PASS"}
	some r in rs
	contains(r.message, "192.0.2.10:443")
}

test_observed_endpoint_fails_citing_the_failed_test if {
	obs := observation(f.tls_endpoint, [["https-valid-certificate", "PASS"], ["tls1.0-rejected", "FAIL"]])
	rs := probe.results with input as object.union(f.input_of([f.tls_endpoint]), {"observations": [obs]})
	f.statuses(rs) == {"FAIL"}
	some r in rs
	contains(r.message, "tls1.0-rejected FAIL")
	r.locations[0].line == 2
}

test_inconclusive_observation_stays_manual if {
	obs := observation(f.tls_endpoint, [["https-valid-certificate", "INCONCLUSIVE"], ["tls1.0-rejected", "PASS"]])
	rs := probe.results with input as object.union(f.input_of([f.tls_endpoint]), {"observations": [obs]})
	f.statuses(rs) == {"MANUAL"}
}

test_only_the_control_tests_decide_and_the_grade_is_cited if {
	obs := object.union(
		observation(f.tls_endpoint, [["https-valid-certificate", "PASS"], ["tls1.0-rejected", "PASS"], ["strong-ciphers", "FAIL"], ["grade-a-or-better", "FAIL"]]),
		{"grade": {"grade": "B"}},
	)
	rs := probe.results with input as object.union(f.input_of([f.tls_endpoint]), {"observations": [obs]})
	f.statuses(rs) == {"PASS"}
	some r in rs
	contains(r.message, "grade B at https://mcp.example.com/")
	not contains(r.message, "strong-ciphers")
}

test_imported_observation_cites_its_source if {
	obs := object.union(
		observation(f.tls_endpoint, [["https-valid-certificate", "PASS"], ["tls1.0-rejected", "FAIL"]]),
		{"source": "testssl.sh 3.2 (results/site.json)"},
	)
	rs := probe.results with input as object.union(f.input_of([f.tls_endpoint]), {"observations": [obs]})
	f.statuses(rs) == {"FAIL"}
	some r in rs
	contains(r.message, "tls1.0-rejected FAIL at https://mcp.example.com/ (192.0.2.10:443, 2026-12-01T00:00:00Z, testssl.sh 3.2 (results/site.json))")
}

test_plaintext_listener_without_an_http_test_stays_manual if {
	ep := object.union(f.tls_endpoint, {"listens": array.concat(f.tls_endpoint.listens, [f.listen("*", 80, "public", false, 3)])})
	obs := observation(ep, [["https-valid-certificate", "PASS"], ["tls1.0-rejected", "PASS"]])
	rs := probe.results with input as object.union(f.input_of([ep]), {"observations": [obs]})
	f.statuses(rs) == {"MANUAL"}
	some r in rs
	contains(r.message, "plain HTTP was not tested on *:80")
	with_http := object.union(obs, {"tests": array.concat(obs.tests, [{"test": "http-rejected-or-redirected", "status": "PASS", "detail": "301"}])})
	passed := probe.results with input as object.union(f.input_of([ep]), {"observations": [with_http]})
	f.statuses(passed) == {"PASS"}
}
