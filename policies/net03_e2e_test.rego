package tlsproof.requirements.net03_e2e_test

import data.tlsproof.requirements.net03_e2e as e2e
import data.tlsproof.test.fixtures as f
import rego.v1

test_loopback_hop_passes if {
	rs := e2e.results with input as f.input_of([f.tls_endpoint])
	f.statuses(rs) == {"PASS"}
}

test_plaintext_private_hop_fails_naming_upstream if {
	ep := object.union(f.tls_endpoint, {"hops": [f.hop("http://10.1.2.3:8080", "10.1.2.3:8080", "private", false, 9)]})
	rs := e2e.results with input as f.input_of([ep])
	some r in rs
	r.status == "FAIL"
	contains(r.message, "10.1.2.3:8080")
	r.locations[0].line == 9
}

test_hostname_is_not_loopback if {
	ep := object.union(f.tls_endpoint, {"hops": [f.hop("http://backend:8000", "backend:8000", "public", false, 9)]})
	rs := e2e.results with input as f.input_of([ep])
	f.statuses(rs) == {"FAIL"}
}

test_variable_upstream_is_manual if {
	ep := object.union(f.tls_endpoint, {"hops": [object.union(f.hop("http://$backend", "$backend", "unknown", false, 9), {"determinate": false})]})
	rs := e2e.results with input as f.input_of([ep])
	some r in rs
	r.status == "MANUAL"
	r.justification != ""
}

test_no_hop_not_applicable if {
	ep := object.union(f.tls_endpoint, {"hops": []})
	rs := e2e.results with input as f.input_of([ep])
	f.statuses(rs) == {"NOT_APPLICABLE"}
}

test_tls_passthrough_passes_and_is_manual_elsewhere if {
	ep := object.union(f.plain_endpoint, {"transport": "tls-passthrough", "context": "stream", "plaintext": {"listens": []}, "hops": [f.hop("10.0.0.5:443", "10.0.0.5:443", "private", false, 9)]})
	rs := e2e.results with input as f.input_of([ep])
	f.statuses(rs) == {"PASS"}
	tls_rs := data.tlsproof.requirements.net03_tls.results with input as f.input_of([ep])
	some r in tls_rs
	r.status == "MANUAL"
	contains(r.justification, "ssl_preread")
}

test_no_hop_justification_speaks_the_products_language if {
	nginx := object.union(f.tls_endpoint, {"hops": []})
	caddy := object.union(nginx, {"id": "caddy:Caddyfile:1:mcp.example.com", "component": "caddy"})
	rs := e2e.results with input as f.input_of([nginx, caddy])
	some a in rs
	a.endpoint == nginx.id
	contains(a.justification, "the server block at site.conf:1 has no proxy_pass")
	some b in rs
	b.endpoint == caddy.id
	contains(b.justification, "the site block at site.conf:1 has no reverse_proxy")
}

test_heuristic_app_endpoint_is_one_manual_result if {
	rs := e2e.results with input as f.input_of([f.heuristic_endpoint, f.heuristic_loopback_endpoint])
	mine := f.results_for(rs, "app:mcp-server.yaml:1:server")
	count(mine) == 1
	mine[0].status == "MANUAL"
	contains(mine[0].justification, "documentation")
	local := f.results_for(rs, "app:mcp-server.yaml:1:loopback")
	count(local) == 1
	local[0].status == "MANUAL"
}

test_a_plaintext_endpoint_never_speaks_of_tls_termination if {
	ep := object.union(f.plain_endpoint, {"hops": [f.hop("http://10.1.2.3:8080", "10.1.2.3:8080", "private", false, 9)]})
	rs := e2e.results with input as f.input_of([ep])
	some r in rs
	r.status == "FAIL"
	not contains(r.message, "termination")
	r.message == "traffic leaves the host unprotected: proxy_pass sends plaintext to http://10.1.2.3:8080 (private)"
}

test_a_hop_written_by_several_routes_is_named_once if {
	h := f.hop("http://backend.default.svc:80", "backend.default.svc:80", "private", false, 9)
	ep := object.union(f.tls_endpoint, {"hops": [h, h, h, h, h, h]})
	rs := e2e.results with input as f.input_of([ep])
	some r in rs
	r.status == "FAIL"
	r.message == "traffic leaves the host unprotected after TLS termination: proxy_pass sends plaintext to http://backend.default.svc:80 (private)"
	count(r.locations) == 1
}
