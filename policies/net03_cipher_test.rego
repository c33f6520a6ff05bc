package tlsproof.requirements.net03_cipher_test

import data.tlsproof.requirements.net03_cipher as cipher
import data.tlsproof.test.fixtures as f
import rego.v1

with_suites(suites) := object.union(f.tls_endpoint, {"tls": {"ciphers": {"value": {"spec": "X", "suites": suites, "unknown": []}}}})

test_forward_secret_aead_passes if {
	rs := cipher.results with input as f.input_of([f.tls_endpoint])
	f.statuses(rs) == {"PASS"}
}

test_cbc_and_static_rsa_fail_medium_naming_suites if {
	rs := cipher.results with input as f.input_of([with_suites([f.ecdhe_gcm, f.ecdhe_cbc, f.rsa_gcm])])
	some r in rs
	r.status == "FAIL"
	r.severity == "medium"
	contains(r.message, "ECDHE-RSA-AES128-SHA")
	contains(r.message, "AES128-GCM-SHA256")
	not contains(r.message, "ECDHE-RSA-AES128-GCM-SHA256")
	r.locations[0].line == 11
}

test_3des_and_anonymous_are_high if {
	rs := cipher.results with input as f.input_of([with_suites([f.ecdhe_gcm, f.des3])])
	some r in rs
	r.severity == "high"
	rs2 := cipher.results with input as f.input_of([with_suites([f.anon_gcm])])
	some r2 in rs2
	r2.status == "FAIL"
	r2.severity == "high"
}

test_tls13_only_ignores_the_tls12_list if {
	ep := object.union(with_suites([f.des3]), {"tls": {"protocols": {"value": ["TLSv1.3"]}}})
	rs := cipher.results with input as f.input_of([ep])
	f.statuses(rs) == {"PASS"}
}

test_empty_expansion_is_manual if {
	rs := cipher.results with input as f.input_of([with_suites([])])
	some r in rs
	r.status == "MANUAL"
	r.justification != ""
}

test_heuristic_app_endpoint_is_one_manual_result if {
	rs := cipher.results with input as f.input_of([f.heuristic_endpoint, f.heuristic_loopback_endpoint])
	mine := f.results_for(rs, "app:mcp-server.yaml:1:server")
	count(mine) == 1
	mine[0].status == "MANUAL"
	contains(mine[0].justification, "documentation")
	local := f.results_for(rs, "app:mcp-server.yaml:1:loopback")
	count(local) == 1
	local[0].status == "MANUAL"
}

observed(ep, accepted) := {
	"endpoint": ep.id,
	"target": "https://mcp.example.com/",
	"address": "192.0.2.10:443",
	"observed_at": "2026-12-01T00:00:00Z",
	"span": f.span("site.conf", 2),
	"tests": [],
	"source": "tlsproof probe",
	"accepted_suites": [{"protocol": "TLSv1.2", "suite": s} | some s in accepted],
}

with_observed(ep, accepted) := object.union(f.input_of([ep]), {"observations": [observed(ep, accepted)]})

test_weak_suites_accepted_live_fail_a_strong_configuration if {
	rs := cipher.results with input as with_observed(f.tls_endpoint, [f.ecdhe_gcm, f.ecdhe_cbc])
	f.statuses(rs) == {"FAIL"}
	some r in rs
	contains(r.message, "accepted live though the configuration offers only strong ones")
	contains(r.message, "TLSv1.2 ECDHE-RSA-AES128-SHA at https://mcp.example.com/ (CBC mode, no AEAD)")
	r.locations[0].line == 2
}

test_strong_suites_accepted_live_keep_the_configuration_pass if {
	rs := cipher.results with input as with_observed(f.tls_endpoint, [f.ecdhe_gcm])
	f.statuses(rs) == {"PASS"}
}

test_an_undecided_list_is_decided_by_the_suites_observed if {
	undecided := with_suites([])
	rs := cipher.results with input as with_observed(undecided, [f.ecdhe_gcm])
	f.statuses(rs) == {"PASS"}
	some r in rs
	contains(r.message, "every suite the live server accepted is strong")
	rs2 := cipher.results with input as with_observed(undecided, [f.rsa_gcm])
	f.statuses(rs2) == {"FAIL"}
	rs3 := cipher.results with input as f.input_of([undecided])
	f.statuses(rs3) == {"MANUAL"}
}

# A suite the model's table does not describe is never taken for strong.
test_a_suite_missing_from_the_table_is_weak if {
	rs := cipher.results with input as f.input_of([with_suites(["NOT-IN-THE-TABLE"])])
	some r in rs
	r.status == "FAIL"
	contains(r.message, "NOT-IN-THE-TABLE")
}

test_a_list_left_to_an_unknown_implementation_is_manual_and_says_who_decides if {
	ep := object.union(f.tls_endpoint, {"tls": {
		"protocols": f.fact(["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"], "derived", f.span("gw.yaml", 13)),
		"ciphers": {"value": {"spec": "", "suites": [], "unknown": [], "decided_by": "the Gateway implementation (GatewayClass example)"}, "origin": "derived", "span": f.span("gw.yaml", 13), "note": "it decides the ciphers"},
	}})
	rs := cipher.results with input as f.input_of([ep])
	some r in rs
	r.status == "MANUAL"
	r.message == "the cipher suites are not in the configuration: the Gateway implementation (GatewayClass example) decides them"
	not contains(r.message, "matches no suite")
}

test_no_protocol_enabled_is_one_manual_result if {
	ep := object.union(f.tls_endpoint, {"tls": {"protocols": {"value": [], "origin": "derived", "note": "QUIC without TLSv1.3"}}})
	rs := cipher.results with input as f.input_of([ep])
	count(rs) == 1
	some r in rs
	r.status == "MANUAL"
	contains(r.message, "no TLS protocol is enabled")
}
