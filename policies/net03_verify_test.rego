package tlsproof.requirements.net03_verify_test

import data.tlsproof.requirements.net03_verify as verify
import data.tlsproof.test.fixtures as f
import rego.v1

tls_hop(verified) := object.union(f.hop("https://backend.internal:9443", "backend.internal:9443", "public", true, 9), {"verify": {"value": verified}})

test_unverified_tls_hop_fails_at_the_hop if {
	ep := object.union(f.tls_endpoint, {"hops": [tls_hop(false)]})
	rs := verify.results with input as f.input_of([ep])
	some r in rs
	r.status == "FAIL"
	r.locations[0].line == 9
	contains(r.message, "backend.internal")
}

test_verified_tls_hop_passes if {
	ep := object.union(f.tls_endpoint, {"hops": [tls_hop(true)]})
	rs := verify.results with input as f.input_of([ep])
	f.statuses(rs) == {"PASS"}
}

test_no_tls_hop_not_applicable_with_reason if {
	rs := verify.results with input as f.input_of([f.tls_endpoint])
	some r in rs
	r.status == "NOT_APPLICABLE"
	contains(r.justification, "NET03-E2E")
}

test_red_flag_fails_unless_in_test_code if {
	flag := {"kind": "verify_disabled", "text": "rejectUnauthorized: false", "component": "app", "span": f.span("app.js", 3), "in_test_code": false}
	inp := object.union(f.input_of([]), {"red_flags": [flag, object.union(flag, {"in_test_code": true, "span": f.span("test/app.test.js", 5)})]})
	rs := verify.results with input as inp
	{[r.status, r.severity] | some r in rs} == {["FAIL", "high"], ["PASS", "info"]}
}

test_heuristic_app_endpoint_is_one_manual_result if {
	rs := verify.results with input as f.input_of([f.heuristic_endpoint, f.heuristic_loopback_endpoint])
	mine := f.results_for(rs, "app:mcp-server.yaml:1:server")
	count(mine) == 1
	mine[0].status == "MANUAL"
	contains(mine[0].justification, "documentation")
	local := f.results_for(rs, "app:mcp-server.yaml:1:loopback")
	count(local) == 1
	local[0].status == "MANUAL"
}
