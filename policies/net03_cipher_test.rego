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
