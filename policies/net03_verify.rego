# Certificate validation is never disabled.
#
# Every outbound TLS connection must verify the peer's certificate: a proxy's `https://` hop
# to its upstream (nginx `proxy_ssl_verify`, default off), and any setting that turns
# validation off (red flags from app and client configs).
#
# FAIL: a TLS hop without verification (at the line that turns it off, or the proxy_pass line
#       when off is the default), or a red flag that disables validation.
# PASS: every TLS hop verifies the upstream certificate.
# NOT_APPLICABLE: loopback/unix/stdio endpoints; endpoints without an outbound TLS connection.
# MANUAL (all of this requirement): endpoints read from a generic app config by key name only
#         (lib.heuristic_result).
package tlsproof.requirements.net03_verify

import data.tlsproof.lib
import rego.v1

requirement := "NET03-VERIFY"

title := "Certificate validation is not disabled on outbound TLS connections"

profiles := ["msss", "strict"]

# The control's evidence item this requirement answers (the report section it appears in).
evidence := "Certificate validation"

# The exception claims that may cover it (`tlsproof-exceptions.yaml`).
# Not a tunnel: a tunnel does not repair disabled certificate verification.
covered_by := {
	"stdio",
	"localhost",
	"air-gapped",
	"test-environment",
	"risk-acceptance",
}

tls_hops(ep) := [h | some h in ep.hops; h.tls]

unverified(ep) := [h | some h in tls_hops(ep); not h.verify.value]

results contains lib.passthrough_result(requirement, ep, "NOT_APPLICABLE") if {
	some ep in lib.passing_through
}

results contains lib.heuristic_result(requirement, ep) if {
	some ep in lib.heuristics
}

results contains lib.out_of_scope_result(requirement, ep) if {
	some ep in lib.local_only
}

results contains r if {
	some ep in lib.in_scope
	count(tls_hops(ep)) == 0
	r := lib.justified(
		requirement, ep, "NOT_APPLICABLE", "info",
		"no outbound TLS connection from this endpoint",
		[ep.span],
		[lib.ev_at("hop", h.span, h.upstream) | some h in ep.hops],
		no_tls_hop_reason(ep),
	)
}

no_tls_hop_reason(ep) := sprintf("its hops are plaintext (%s) and are judged by NET03-E2E; there is no certificate to validate", [concat(", ", [sprintf("%s at %s", [h.upstream, lib.at(h.span)]) | some h in ep.hops])]) if count(ep.hops) > 0

else := sprintf("%s proxies to no upstream (no %s), so it makes no outbound connection", [lib.block_text(ep), lib.proxy_text(ep)])

results contains r if {
	some ep in lib.in_scope
	bad := unverified(ep)
	count(bad) > 0
	r := lib.result(
		requirement, ep, "FAIL", "high",
		sprintf("the upstream certificate is not verified: %s", [concat("; ", [hop_text(h) | some h in bad])]),
		[h.verify.span | some h in bad],
		[lib.ev(sprintf("verification of %s", [h.upstream]), h.verify) | some h in bad],
	)
}

hop_text(h) := sprintf("%s %s (%s)", [h.directive, h.upstream, why(h)])

why(h) := sprintf("turned off at %s", [lib.at(h.verify.span)]) if h.verify.origin == "explicit"

else := object.get(h.verify, "note", "verification is off")

results contains r if {
	some ep in lib.in_scope
	hops := tls_hops(ep)
	count(hops) > 0
	count(unverified(ep)) == 0
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("every TLS hop verifies its upstream certificate: %s", [concat(", ", [h.upstream | some h in hops])]),
		[h.verify.span | some h in hops],
		[lib.ev(sprintf("verification of %s", [h.upstream]), h.verify) | some h in hops],
	)
}

# Settings that disable validation anywhere in the scanned configuration.
results contains r if {
	some f in input.red_flags
	f.kind == "verify_disabled"
	r := {
		"requirement": requirement,
		"status": status(f),
		"endpoint": object.get(f, "endpoint", sprintf("%s:%s:%d", [object.get(f, "component", "app"), f.span.file, f.span.line])),
		"component": object.get(f, "component", "app"),
		"severity": flag_severity(f),
		"message": flag_message(f),
		"locations": [lib.loc(f.span)],
		"evidence": [lib.ev_at("setting", f.span, f.text)],
	}
}

status(f) := "PASS" if f.in_test_code

else := "FAIL"

flag_severity(f) := "info" if f.in_test_code

else := "high"

flag_message(f) := sprintf("certificate validation disabled in test code, not in the deployment: %s", [f.text]) if f.in_test_code

else := sprintf("certificate validation disabled: %s", [f.text])
