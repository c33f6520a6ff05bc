package tlsproof.requirements.net03_cert_test

import data.tlsproof.requirements.net03_cert as cert
import data.tlsproof.test.fixtures as f
import rego.v1

test_configured_certificate_is_manual_naming_the_file if {
	rs := cert.results with input as f.input_of([f.tls_endpoint])
	some r in rs
	r.status == "MANUAL"
	contains(r.message, "/etc/ssl/site.crt")
	r.locations[0].line == 4
}

test_tls_without_certificate_fails if {
	ep := object.union(f.tls_endpoint, {"tls": {"certificates": []}})
	rs := cert.results with input as f.input_of([ep])
	f.statuses(rs) == {"FAIL"}
}

test_plaintext_fails_medium if {
	rs := cert.results with input as f.input_of([f.plain_endpoint])
	some r in rs
	r.status == "FAIL"
	r.severity == "medium"
}

test_loopback_not_applicable if {
	rs := cert.results with input as f.input_of([f.loopback_endpoint])
	f.statuses(rs) == {"NOT_APPLICABLE"}
}

test_managed_certificate_is_manual_and_says_how_it_is_issued if {
	c := {"path": "", "span": f.span("Caddyfile", 1), "managed": "acme"}
	ep := object.union(f.tls_endpoint, {"tls": {"certificates": [c]}})
	rs := cert.results with input as f.input_of([ep])
	some r in rs
	r.status == "MANUAL"
	contains(r.message, "ACME")
	contains(r.justification, "live probe")
	not contains(r.message, ":  (")
}

test_traefik_default_certificate_fails if {
	c := {"path": "TRAEFIK DEFAULT CERT", "span": f.span("dynamic.yml", 7), "managed": "traefik-default-cert"}
	ep := object.union(f.tls_endpoint, {"component": "traefik", "tls": {"certificates": [c]}})
	rs := cert.results with input as f.input_of([ep])
	some r in rs
	r.status == "FAIL"
	r.locations[0].line == 7
	contains(r.message, "self-signed")
	f.statuses(rs) == {"FAIL"}
}

test_ingress_nginx_fake_certificate_fails if {
	c := {"path": "fake", "span": f.span("ingress.yaml", 12), "managed": "ingress-nginx-fake-cert"}
	ep := object.union(f.tls_endpoint, {"component": "kubernetes", "tls": {"certificates": [c]}})
	rs := cert.results with input as f.input_of([ep])
	f.statuses(rs) == {"FAIL"}
	some r in rs
	contains(r.message, "Fake Certificate")
	r.locations[0].line == 12
}

test_unknown_ingress_nginx_default_certificate_is_manual_naming_the_flag if {
	c := {"path": "default", "span": f.span("ingress.yaml", 12), "managed": "ingress-nginx-default-cert"}
	ep := object.union(f.tls_endpoint, {"component": "kubernetes", "tls": {"certificates": [c]}})
	rs := cert.results with input as f.input_of([ep])
	f.statuses(rs) == {"MANUAL"}
	some r in rs
	contains(r.justification, "--default-ssl-certificate")
}

test_heuristic_app_endpoint_is_one_manual_result if {
	rs := cert.results with input as f.input_of([f.heuristic_endpoint, f.heuristic_loopback_endpoint])
	mine := f.results_for(rs, "app:mcp-server.yaml:1:server")
	count(mine) == 1
	mine[0].status == "MANUAL"
	contains(mine[0].justification, "documentation")
	local := f.results_for(rs, "app:mcp-server.yaml:1:loopback")
	count(local) == 1
	local[0].status == "MANUAL"
}

test_heuristic_cert_result_cites_the_certificate_key if {
	rs := cert.results with input as f.input_of([f.heuristic_endpoint])
	some r in rs
	r.status == "MANUAL"
	r.locations == [{"file": "mcp-server.yaml", "line": 5, "column": 5}]
}
