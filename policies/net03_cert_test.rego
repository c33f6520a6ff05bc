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

test_on_demand_certificate_is_manual_decided_by_a_probe_with_the_client_server_name if {
	c := {"path": "", "span": f.span("Caddyfile", 3), "managed": "caddy-on-demand-acme"}
	ep := object.union(f.tls_endpoint, {"tls": {"certificates": [c]}})
	rs := cert.results with input as f.input_of([ep])
	f.statuses(rs) == {"MANUAL"}
	some r in rs
	contains(r.message, "during the TLS handshake")
	contains(r.justification, "on-demand TLS")
	not contains(r.message, "handshakes fail")
}

test_on_demand_internal_certificate_names_the_private_ca if {
	c := {"path": "", "span": f.span("Caddyfile", 3), "managed": "caddy-on-demand-internal-ca"}
	ep := object.union(f.tls_endpoint, {"tls": {"certificates": [c]}})
	rs := cert.results with input as f.input_of([ep])
	some r in rs
	r.status == "MANUAL"
	contains(r.message, "internal CA")
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

# Certificate facts as src/certs.rs reads them from /etc/ssl/site.crt, named at site.conf:4.
good_facts := {
	"path": "/etc/ssl/site.crt", "file": "site.crt",
	"subject": "CN=mcp.example.com", "issuer": "CN=Example CA",
	"sans": ["mcp.example.com"],
	"not_before": "2026-01-01T00:00:00Z", "not_after": "2026-12-31T00:00:00Z",
	"not_before_unix": 1767225600, "not_after_unix": 1798675200,
	"self_signed": false, "key": {"alg": "RSA", "bits": 2048},
	"signature_alg": "sha256WithRSAEncryption", "spki_sha256": "sha256/AAAA",
	"chain_len": 2, "span": f.span("site.conf", 4),
}

# 2026-06-01T00:00:00Z
at_june := {"evaluated_at": "2026-06-01T00:00:00Z", "evaluated_at_unix": 1780272000}

input_with(facts) := object.union(object.union(f.input_of([f.tls_endpoint]), at_june), {"certificates": [facts]})

cert_result(facts) := r if {
	rs := cert.results with input as input_with(facts)
	count(rs) == 1
	some r in rs
}

test_sound_certificate_without_chain_validation_is_manual_with_facts_as_evidence if {
	r := cert_result(good_facts)
	r.status == "MANUAL"
	contains(r.message, "chain to a trusted CA not validated (no chain validation in the input)")
	not contains(r.message, "within 30 days")
	r.locations[0].line == 4
	r.evidence[0].value.spki_sha256 == "sha256/AAAA"
}

test_expired_certificate_fails if {
	r := cert_result(object.union(good_facts, {"not_after": "2026-02-01T00:00:00Z", "not_after_unix": 1769904000}))
	r.status == "FAIL"
	contains(r.message, "expired on 2026-02-01T00:00:00Z")
	r.locations[0].line == 4
}

test_not_yet_valid_certificate_fails if {
	r := cert_result(object.union(good_facts, {"not_before": "2026-07-01T00:00:00Z", "not_before_unix": 1782864000}))
	r.status == "FAIL"
	contains(r.message, "not valid before")
}

test_small_rsa_key_fails if {
	r := cert_result(object.union(good_facts, {"key": {"alg": "RSA", "bits": 1024}}))
	r.status == "FAIL"
	contains(r.message, "RSA key of 1024 bits")
}

test_small_ec_key_is_not_judged_as_rsa if {
	r := cert_result(object.union(good_facts, {"key": {"alg": "EC", "bits": 256}}))
	r.status == "MANUAL"
}

test_sha1_signature_fails if {
	r := cert_result(object.union(good_facts, {"signature_alg": "sha1WithRSAEncryption"}))
	r.status == "FAIL"
	contains(r.message, "weak signature algorithm (sha1WithRSAEncryption)")
}

test_md5_signature_fails if {
	r := cert_result(object.union(good_facts, {"signature_alg": "md5WithRSAEncryption"}))
	r.status == "FAIL"
}

test_self_signed_fails if {
	r := cert_result(object.union(good_facts, {"self_signed": true, "issuer": "CN=mcp.example.com"}))
	r.status == "FAIL"
	contains(r.message, "self-signed, not explicitly trusted")
}

test_wrong_name_fails if {
	r := cert_result(object.union(good_facts, {"sans": ["other.example.org"]}))
	r.status == "FAIL"
	contains(r.message, "names other.example.org, none of the server names mcp.example.com")
}

test_certificate_without_san_fails_on_the_name if {
	r := cert_result(object.union(good_facts, {"sans": []}))
	r.status == "FAIL"
	contains(r.message, "no subjectAltName")
}

test_wildcard_covers_one_label if {
	r := cert_result(object.union(good_facts, {"sans": ["*.example.com"]}))
	r.status == "MANUAL"
	deep := object.union(f.tls_endpoint, {"server_names": ["a.mcp.example.com"]})
	rs := cert.results with input as object.union(object.union(f.input_of([deep]), at_june), {"certificates": [object.union(good_facts, {"sans": ["*.example.com"]})]})
	f.statuses(rs) == {"FAIL"}
}

test_catch_all_server_name_is_not_judged_on_names if {
	ep := object.union(f.tls_endpoint, {"server_names": ["_"]})
	rs := cert.results with input as object.union(object.union(f.input_of([ep]), at_june), {"certificates": [object.union(good_facts, {"sans": ["other.example.org"]})]})
	f.statuses(rs) == {"MANUAL"}
}

test_expiring_within_30_days_says_so if {
	# 2026-06-20T00:00:00Z
	r := cert_result(object.union(good_facts, {"not_after": "2026-06-20T00:00:00Z", "not_after_unix": 1781913600}))
	r.status == "MANUAL"
	contains(r.message, "expires on 2026-06-20T00:00:00Z, within 30 days")
}

test_no_evaluation_time_judges_no_dates if {
	expired := object.union(good_facts, {"not_after_unix": 1769904000})
	rs := cert.results with input as object.union(f.input_of([f.tls_endpoint]), {"certificates": [expired]})
	f.statuses(rs) == {"MANUAL"}
}

test_facts_of_another_naming_line_are_not_used if {
	elsewhere := object.union(good_facts, {"self_signed": true, "span": f.span("other.conf", 4)})
	rs := cert.results with input as object.union(object.union(f.input_of([f.tls_endpoint]), at_june), {"certificates": [elsewhere]})
	some r in rs
	r.status == "MANUAL"
	contains(r.message, "not decided from configuration")
}

test_several_defects_are_one_result if {
	r := cert_result(object.union(good_facts, {"self_signed": true, "key": {"alg": "RSA", "bits": 1024}}))
	r.status == "FAIL"
	contains(r.message, "RSA key of 1024 bits")
	contains(r.message, "self-signed")
}

# Chain validation as src/certs.rs records it (rustls-webpki at the evaluation time).
system_trust := {"trust": {"pins": [], "sources": [{
	"kind": "system", "path": "/etc/ssl/certs/ca-certificates.crt",
	"label": "system:/etc/ssl/certs/ca-certificates.crt", "sha256": "00", "anchors": 140,
}]}}

private_trust := {"trust": {"pins": [], "sources": [{
	"kind": "ca-file", "path": "pki/ca.pem", "label": "ca-file:pki/ca.pem", "sha256": "00", "anchors": 1,
}]}}

chain(status, trusted_by, explicit, detail) := {
	"status": status, "trusted_by": trusted_by, "explicit": explicit, "detail": detail,
	"validated_at": "2026-06-01T00:00:00Z",
	"names_checked": ["mcp.example.com"],
	"names_valid": [n | status != "wrong-name"; n := "mcp.example.com"],
}

valid_system := chain("valid", "system:/etc/ssl/certs/ca-certificates.crt", false, "chains through 1 intermediate(s)")

with_chain(facts, ch) := object.union(facts, {"chain": ch})

chain_result(facts, trust) := r if {
	rs := cert.results with input as object.union(input_with(facts), trust)
	count(rs) == 1
	some r in rs
}

test_valid_chain_passes_naming_issuer_expiry_and_trust_source if {
	r := chain_result(with_chain(good_facts, valid_system), system_trust)
	r.status == "PASS"
	contains(r.message, "chains to a trusted CA (system:/etc/ssl/certs/ca-certificates.crt)")
	contains(r.message, "issued by CN=Example CA")
	contains(r.message, "valid until 2026-12-31T00:00:00Z")
	r.locations[0].line == 4
}

test_private_ca_passes_as_explicitly_trusted if {
	r := chain_result(with_chain(good_facts, chain("valid", "ca-file:pki/ca.pem", true, "")), private_trust)
	r.status == "PASS"
	contains(r.message, "explicitly trusted by ca-file:pki/ca.pem")
}

test_pinned_self_signed_passes_as_explicitly_trusted if {
	self := object.union(good_facts, {"self_signed": true, "issuer": "CN=mcp.example.com"})
	r := chain_result(with_chain(self, chain("valid", "pin:sha256/AAAA", true, "")), system_trust)
	r.status == "PASS"
	contains(r.message, "explicitly trusted by pin:sha256/AAAA")
}

test_self_signed_not_trusted_fails if {
	self := object.union(good_facts, {"self_signed": true, "issuer": "CN=mcp.example.com"})
	r := chain_result(with_chain(self, chain("self-signed", null, false, "self-signed")), system_trust)
	r.status == "FAIL"
	contains(r.message, "self-signed, not explicitly trusted")
}

test_unknown_issuer_fails_naming_the_store if {
	r := chain_result(with_chain(good_facts, chain("unknown-issuer", null, false, "")), system_trust)
	r.status == "FAIL"
	contains(r.message, "unknown issuer (not in the trust store system:/etc/ssl/certs/ca-certificates.crt): issued by CN=Example CA")
}

test_unknown_issuer_without_any_trust_store_is_manual if {
	r := chain_result(with_chain(good_facts, chain("unknown-issuer", null, false, "")), {"trust": {"pins": [], "sources": []}})
	r.status == "MANUAL"
	contains(r.message, "no trust store")
	contains(r.justification, "--ca-file")
}

# A signature by an issuer key larger than the validator checks is neither good nor bad.
test_unverifiable_signature_is_manual_not_a_bad_signature if {
	detail := "the signature by CN=Big CA (an RSA key of 16384 bits) was not checked: the validator verifies RSA signatures of keys up to 8192 bits only, so neither a good nor a bad signature is shown"
	r := chain_result(with_chain(good_facts, chain("unverifiable", null, false, detail)), system_trust)
	r.status == "MANUAL"
	contains(r.message, "CN=Big CA (an RSA key of 16384 bits) was not checked")
	not contains(r.message, "bad signature:")
	contains(r.justification, "openssl verify")
}

test_wrong_name_from_the_validator_fails if {
	r := chain_result(with_chain(good_facts, chain("wrong-name", "system:/etc/ssl/certs/ca-certificates.crt", false, "")), system_trust)
	r.status == "FAIL"
	contains(r.message, "none of the server names mcp.example.com")
}

test_no_concrete_name_is_not_judged_on_names if {
	ep := object.union(f.tls_endpoint, {"server_names": ["_"]})
	ch := object.union(valid_system, {"names_checked": [], "names_valid": []})
	rs := cert.results with input as object.union(object.union(object.union(f.input_of([ep]), at_june), system_trust), {"certificates": [with_chain(good_facts, ch)]})
	f.statuses(rs) == {"PASS"}
}

test_bad_signature_fails if {
	r := chain_result(with_chain(good_facts, chain("bad-signature", null, false, "a signature of the chain does not verify")), system_trust)
	r.status == "FAIL"
	contains(r.message, "bad signature: a signature of the chain does not verify")
}

test_invalid_chain_fails_with_the_validator_reason if {
	r := chain_result(with_chain(good_facts, chain("invalid", null, false, "not an X.509 v3 certificate")), system_trust)
	r.status == "FAIL"
	contains(r.message, "rejected by chain validation: not an X.509 v3 certificate")
}

test_expired_intermediate_fails if {
	ch := chain("expired", null, false, "a certificate of its chain expired on 2026-03-01T00:00:00Z")
	r := chain_result(with_chain(good_facts, ch), system_trust)
	r.status == "FAIL"
	contains(r.message, "a certificate of its chain expired on 2026-03-01T00:00:00Z")
}

test_expired_leaf_is_one_reason if {
	expired := object.union(good_facts, {"not_after": "2026-02-01T00:00:00Z", "not_after_unix": 1769904000})
	r := chain_result(with_chain(expired, chain("expired", null, false, "expired on 2026-02-01T00:00:00Z")), system_trust)
	r.status == "FAIL"
	contains(r.message, "expired on 2026-02-01T00:00:00Z (evaluated at")
	not contains(r.message, "chain validated at")
}

test_valid_chain_expiring_within_30_days_passes_and_says_so if {
	soon := object.union(good_facts, {"not_after": "2026-06-20T00:00:00Z", "not_after_unix": 1781913600})
	r := chain_result(with_chain(soon, valid_system), system_trust)
	r.status == "PASS"
	contains(r.message, "expires on 2026-06-20T00:00:00Z, within 30 days")
}

test_secret_certificate_cites_the_tls_crt_line_too if {
	secret := object.union(good_facts, {"read_at": f.span("secret.yaml", 9)})
	r := chain_result(with_chain(secret, valid_system), system_trust)
	r.status == "PASS"
	r.locations[1] == {"file": "secret.yaml", "line": 9, "column": 5}
}

test_small_key_fails_despite_a_valid_chain if {
	weak := object.union(good_facts, {"key": {"alg": "RSA", "bits": 1024}})
	r := chain_result(with_chain(weak, valid_system), system_trust)
	r.status == "FAIL"
	contains(r.message, "RSA key of 1024 bits")
}

test_cert_manager_secret_without_its_manifest_is_manual_issued_at_run_time if {
	c := {"path": "secret:mcp/mcp-tls", "span": f.span("ingress.yaml", 10), "managed": "cert-manager"}
	ep := object.union(f.tls_endpoint, {"component": "kubernetes", "tls": {"certificates": [c]}})
	rs := cert.results with input as f.input_of([ep])
	f.statuses(rs) == {"MANUAL"}
	some r in rs
	contains(r.message, "cert-manager")
	contains(r.justification, "issued at run time")
}

test_a_server_name_the_certificate_does_not_cover_fails if {
	ep := object.union(f.tls_endpoint, {"server_names": ["mcp.example.com", "www.mcp.example.com", "localhost"]})
	ch := object.union(valid_system, {
		"names_checked": ["localhost", "mcp.example.com", "www.mcp.example.com"],
		"names_valid": ["mcp.example.com"],
	})
	rs := cert.results with input as object.union(object.union(object.union(f.input_of([ep]), at_june), system_trust), {"certificates": [with_chain(good_facts, ch)]})
	some r in rs
	r.status == "FAIL"
	contains(r.message, "not the server name(s) www.mcp.example.com,")
	not contains(r.message, "localhost,")
}

served_observation(ep, status) := {
	"endpoint": ep.id,
	"target": "https://mcp.example.com/",
	"address": "192.0.2.10:443",
	"observed_at": "2026-12-01T00:00:00Z",
	"span": f.span("site.conf", 2),
	"tests": [],
	"certificate": {
		"subject": "CN=mcp.example.com", "issuer": "CN=Example CA", "not_after": "2027-01-01T00:00:00Z",
		"self_signed": false, "spki_sha256": "sha256/x",
		"chain": {"status": status, "trusted_by": "system:/etc/ssl/certs/ca-certificates.crt", "explicit": false, "detail": "seen", "validated_at": "2026-12-01T00:00:00Z", "names_checked": [], "names_valid": []},
	},
}

test_a_served_chain_decides_a_certificate_no_file_holds if {
	input_of := object.union(f.input_of([f.tls_endpoint]), {"observations": [served_observation(f.tls_endpoint, "valid")]})
	rs := cert.results with input as input_of
	f.statuses(rs) == {"PASS"}
	bad := object.union(f.input_of([f.tls_endpoint]), {"observations": [served_observation(f.tls_endpoint, "expired")]})
	rs2 := cert.results with input as bad
	f.statuses(rs2) == {"FAIL"}
}

served_observation(ep, status) := {
	"endpoint": ep.id,
	"target": "https://mcp.example.com/",
	"address": "192.0.2.10:443",
	"observed_at": "2026-12-01T00:00:00Z",
	"span": f.span("site.conf", 2),
	"tests": [],
	"certificate": {
		"subject": "CN=mcp.example.com", "issuer": "CN=Example CA", "not_after": "2027-01-01T00:00:00Z",
		"self_signed": false, "spki_sha256": "sha256/x",
		"chain": {"status": status, "trusted_by": "system:/etc/ssl/certs/ca-certificates.crt", "explicit": false, "detail": "seen", "validated_at": "2026-12-01T00:00:00Z", "names_checked": [], "names_valid": []},
	},
}

test_a_served_chain_decides_a_certificate_no_file_holds if {
	good := object.union(f.input_of([f.tls_endpoint]), {"observations": [served_observation(f.tls_endpoint, "valid")]})
	rs := cert.results with input as good
	f.statuses(rs) == {"PASS"}
	bad := object.union(f.input_of([f.tls_endpoint]), {"observations": [served_observation(f.tls_endpoint, "expired")]})
	rs2 := cert.results with input as bad
	f.statuses(rs2) == {"FAIL"}
}

test_an_unread_certificate_is_manual_saying_why_it_was_not_read if {
	ep := object.union(f.tls_endpoint, {"tls": {"certificates": [{"path": "secret:mcp/mcp-tls", "span": f.span("gw.yaml", 18)}]}})
	unread := {"path": "secret:mcp/mcp-tls", "span": f.span("gw.yaml", 18), "reason": "the Secret mcp/mcp-tls is of type Opaque, not kubernetes.io/tls"}
	rs := cert.results with input as object.union(f.input_of([ep]), {"certificates": [], "unread_certificates": [unread]})
	some r in rs
	r.status == "MANUAL"
	startswith(r.justification, "the Secret mcp/mcp-tls is of type Opaque, not kubernetes.io/tls; ")
	not contains(r.justification, "not in the scanned manifests")
}

test_a_refusing_server_without_a_certificate_is_not_applicable if {
	ep := object.union(f.tls_endpoint, {"tls": {
		"certificates": [],
		"reject_handshake": f.fact(true, "explicit", f.span("nginx.conf", 20)),
	}})
	rs := cert.results with input as f.input_of([ep])
	f.statuses(rs) == {"NOT_APPLICABLE"}
}

test_the_default_servers_certificate_is_judged_citing_both_servers if {
	adopted := {"path": "/etc/ssl/default.pem", "span": f.span("nginx.conf", 8), "note": "the certificate of the default server at nginx.conf:5"}
	ep := object.union(f.tls_endpoint, {"tls": {"certificates": [adopted]}})
	rs := cert.results with input as f.input_of([ep])
	some r in rs
	r.status == "MANUAL"
	contains(r.message, "default server at nginx.conf:5")
	{"file": "nginx.conf", "line": 8, "column": 5} in r.locations
	count(r.locations) == 2
}
