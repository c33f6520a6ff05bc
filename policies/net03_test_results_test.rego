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
