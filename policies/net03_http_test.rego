package tlsproof.requirements.net03_http_test

import data.tlsproof.requirements.net03_http as http
import data.tlsproof.test.fixtures as f
import rego.v1

test_plaintext_content_fails_at_listen if {
	rs := http.results with input as f.input_of([f.plain_endpoint])
	some r in rs
	r.status == "FAIL"
	r.locations == [{"file": "site.conf", "line": 21, "column": 5}]
}

test_plaintext_stream_server_is_not_described_as_http if {
	ep := object.union(f.plain_endpoint, {"context": "stream"})
	rs := http.results with input as f.input_of([ep])
	some r in rs
	r.status == "FAIL"
	startswith(r.message, "accepts plaintext TCP connections on")
	not contains(r.message, "HTTP")
}

test_redirect_passes_citing_the_redirect if {
	rs := http.results with input as f.input_of([f.redirect_endpoint])
	some r in rs
	r.status == "PASS"
	r.locations[0].line == 32
}

test_refusal_passes if {
	ep := object.union(f.plain_endpoint, {"plaintext": {"blocked": {"value": true}}})
	rs := http.results with input as f.input_of([ep])
	f.statuses(rs) == {"PASS"}
}

test_tls_only_passes_and_loopback_not_applicable if {
	rs := http.results with input as f.input_of([f.tls_endpoint, f.loopback_endpoint])
	f.statuses(rs) == {"PASS", "NOT_APPLICABLE"}
}

test_loopback_plaintext_listener_is_not_exposed if {
	ep := object.union(f.tls_endpoint, {"plaintext": {
		"listens": [f.listen("127.0.0.1", 80, "loopback", false, 3)],
		"redirects_to_https": f.fact(false, "default", f.span("site.conf", 1)),
		"blocked": f.fact(false, "default", f.span("site.conf", 1)),
	}})
	rs := http.results with input as f.input_of([ep])
	f.statuses(rs) == {"PASS"}
}

client(url, scheme, host, scope, creds) := {
	"id": sprintf("client:.mcp.json:4:%s", [host]), "component": "client", "name": host,
	"url": f.fact(url, "explicit", f.span(".mcp.json", 4)), "scheme": scheme, "host": host,
	"scope": scope, "determinate": true, "verify": f.fact(true, "default", f.span(".mcp.json", 4)),
	"headers_carry_credentials": creds, "span": f.span(".mcp.json", 4),
}

test_plaintext_client_to_a_remote_host_fails_at_the_url if {
	c := object.union(client("http://billing.corp.example.com/mcp", "http", "billing.corp.example.com", "public", true), {"credentials_span": f.span(".mcp.json", 6)})
	rs := http.results with input as object.union(f.input_of([]), {"clients": [c]})
	some r in rs
	r.status == "FAIL"
	r.severity == "high"
	r.component == "client"
	r.locations[0].line == 4
	contains(r.message, "credentials")
}

test_plaintext_client_without_credentials_is_medium if {
	c := client("http://billing.corp.example.com/mcp", "http", "billing.corp.example.com", "public", false)
	rs := http.results with input as object.union(f.input_of([]), {"clients": [c]})
	{[r.status, r.severity] | some r in rs} == {["FAIL", "medium"]}
}

test_loopback_https_and_variable_clients if {
	local := client("http://localhost:8787/mcp", "http", "localhost", "loopback", false)
	secure := client("https://mcp.example.com/mcp", "https", "mcp.example.com", "public", false)
	variable := object.union(client("${MCP_URL}", "", "", "unknown", false), {"determinate": false})
	rs := http.results with input as object.union(f.input_of([]), {"clients": [local, secure, variable]})
	{r.status | some r in rs} == {"NOT_APPLICABLE", "PASS", "MANUAL"}
}

test_stdio_server_is_not_applicable_citing_the_transport_line if {
	l := object.union(f.listen("stdio", null, "stdio", false, 7), {"note": "mcp.run() without transport=: the default transport is stdio"})
	ep := object.union(f.plain_endpoint, {"id": "app:server.py:7:x", "component": "app", "scope": "stdio", "transport": "stdio", "listens": [l]})
	rs := http.results with input as f.input_of([ep])
	some r in rs
	r.status == "NOT_APPLICABLE"
	r.locations[0].line == 7
	contains(r.justification, "stdio")
	contains(r.justification, "site.conf:7")
}

test_heuristic_app_endpoint_is_one_manual_result if {
	rs := http.results with input as f.input_of([f.heuristic_endpoint, f.heuristic_loopback_endpoint])
	mine := f.results_for(rs, "app:mcp-server.yaml:1:server")
	count(mine) == 1
	mine[0].status == "MANUAL"
	contains(mine[0].justification, "documentation")
	local := f.results_for(rs, "app:mcp-server.yaml:1:loopback")
	count(local) == 1
	local[0].status == "MANUAL"
}

test_heuristic_result_cites_the_keys_it_rests_on if {
	rs := http.results with input as f.input_of([f.heuristic_endpoint])
	some r in rs
	r.status == "MANUAL"
	r.locations == [
		{"file": "mcp-server.yaml", "line": 2, "column": 5},
		{"file": "mcp-server.yaml", "line": 3, "column": 5},
	]
	contains(r.message, "server.host = 0.0.0.0 (bind, mcp-server.yaml:2)")
	contains(r.justification, "server.host, server.port, server.tls.cert_file")
	contains(r.justification, "the file name contains \"mcp\"")
	contains(r.justification, "live probe")
}

test_heuristic_endpoint_without_keys_for_a_requirement_cites_every_key if {
	ep := object.union(f.heuristic_endpoint, {"heuristic": {"keys": [f.app_key("server.tls.ciphers", "HIGH", "ciphers", 6)]}})
	rs := http.results with input as f.input_of([ep])
	some r in rs
	r.status == "MANUAL"
	r.locations == [{"file": "mcp-server.yaml", "line": 6, "column": 5}]
}

test_a_redirect_on_the_listen_line_names_that_line_once if {
	ep := object.union(f.redirect_endpoint, {"plaintext": {"listens": [f.listen("*", 80, "public", false, 32)]}})
	rs := http.results with input as f.input_of([ep])
	some r in rs
	r.status == "PASS"
	r.message == "plaintext requests on *:80 (site.conf:32) are redirected to https"
}

test_a_request_turned_away_is_described_by_its_fact_not_as_refused if {
	ep := object.union(f.plain_endpoint, {"plaintext": {"blocked": {"value": true, "origin": "derived", "span": f.span("site.conf", 21), "note": "no route attaches to the HTTP listener, so every plaintext request is answered 404 Not Found"}}})
	rs := http.results with input as f.input_of([ep])
	some r in rs
	r.status == "PASS"
	not contains(r.message, "refused")
	r.message == "plaintext requests on *:8080 (site.conf:21) serve no content: no route attaches to the HTTP listener, so every plaintext request is answered 404 Not Found"
}
