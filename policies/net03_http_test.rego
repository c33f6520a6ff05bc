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
