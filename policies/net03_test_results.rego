# Test results of the deployed endpoint.
#
# The control asks for test results: HTTPS with a valid certificate succeeds, plain HTTP fails
# or redirects, TLS 1.0/1.1 are rejected and a self-signed certificate is rejected. These are
# observations of a running server; configuration cannot supply them, so every in-scope
# endpoint's result is MANUAL until live test results are attached.
#
# MANUAL: an endpoint reachable from the network.
# NOT_APPLICABLE: loopback/unix/stdio endpoints.
# MANUAL (all of this requirement): endpoints read from a generic app config by key name only
#         (lib.heuristic_result).
package tlsproof.requirements.net03_test_results

import data.tlsproof.lib
import rego.v1

requirement := "NET03-TEST"

title := "Test results: HTTPS succeeds, HTTP fails or redirects, TLS 1.0/1.1 and self-signed rejected"

profiles := ["msss", "strict"]

# The control's evidence item this requirement answers (the report section it appears in).
evidence := "Test results"

# The exception claims that may cover it (`tlsproof-exceptions.yaml`).
covered_by := {
	"stdio",
	"localhost",
	"air-gapped",
	"test-environment",
	"risk-acceptance",
}

results contains lib.passthrough_result(requirement, ep, "MANUAL") if {
	some ep in lib.passing_through
}

results contains lib.heuristic_result(requirement, ep) if {
	some ep in lib.heuristics
}

results contains lib.out_of_scope_result(requirement, ep) if {
	some ep in input.endpoints
	lib.out_of_scope(ep)
}

results contains r if {
	some ep in lib.in_scope
	r := lib.justified(
		requirement, ep, "MANUAL", "low",
		sprintf("no live test results for %s", [lib.listen_list(ep.listens)]),
		[lib.first_listen_span(ep)],
		[lib.ev_at("listen", l.span, lib.listen_text(l)) | some l in ep.listens],
		"test results are observations of the running endpoint (an HTTPS request succeeds, plain HTTP fails or redirects, TLS 1.0/1.1 and a self-signed certificate are rejected); configuration cannot provide them: attach the results of a live TLS probe of this endpoint",
	)
}
