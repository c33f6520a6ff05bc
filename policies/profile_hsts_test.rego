package tlsproof.requirements.profile_hsts_test

import data.tlsproof.requirements.profile_hsts as hsts
import data.tlsproof.test.fixtures as f
import rego.v1

test_two_years_passes if {
	rs := hsts.results with input as f.strict_input_of([f.tls_endpoint])
	f.statuses(rs) == {"PASS"}
}

test_missing_header_fails_at_the_fact if {
	ep := object.union(f.tls_endpoint, {"tls": {"hsts": f.fact(null, "derived", f.span("site.conf", 14))}})
	rs := hsts.results with input as f.strict_input_of([ep])
	some r in rs
	r.status == "FAIL"
	r.locations[0].line == 14
}

test_short_max_age_fails if {
	ep := object.union(f.tls_endpoint, {"tls": {"hsts": {"value": {"max_age": 300, "raw": "max-age=300"}}}})
	rs := hsts.results with input as f.strict_input_of([ep])
	f.statuses(rs) == {"FAIL"}
}

test_plaintext_not_applicable if {
	rs := hsts.results with input as f.strict_input_of([f.plain_endpoint])
	f.statuses(rs) == {"NOT_APPLICABLE"}
}

test_heuristic_app_endpoint_is_one_manual_result if {
	rs := hsts.results with input as f.input_of([f.heuristic_endpoint, f.heuristic_loopback_endpoint])
	mine := f.results_for(rs, "app:mcp-server.yaml:1:server")
	count(mine) == 1
	mine[0].status == "MANUAL"
	contains(mine[0].justification, "documentation")
	local := f.results_for(rs, "app:mcp-server.yaml:1:loopback")
	count(local) == 1
	local[0].status == "MANUAL"
}

test_a_tls_terminating_tcp_proxy_leaves_hsts_to_its_upstream if {
	ep := object.union(f.tls_endpoint, {"context": "stream", "tls": {"hsts": f.fact(null, "default", f.span("nginx.conf", 3))}})
	rs := hsts.results with input as f.strict_input_of([ep])
	f.statuses(rs) == {"MANUAL"}
}
