# Test results of the deployed endpoint.
#
# The control asks for test results: HTTPS with a valid certificate succeeds, plain HTTP fails
# or redirects, TLS 1.0/1.1 are rejected and a self-signed certificate is rejected. These are
# observations of a running server; configuration cannot supply them, so every in-scope
# endpoint's result is MANUAL until live test results are attached.
#
# With `scan --probe`, each in-scope endpoint's server names are probed on its ports, and with
# `--observations FILE` the results of testssl.sh or sslyze are joined to the endpoints by server
# name and TLS port; the observations (`input.observations`, each citing who observed) decide:
# PASS: every test of every probe of the endpoint passed (https-valid-certificate,
#       tls1.0-rejected, tls1.1-rejected, self-signed-rejected, and http-rejected-or-redirected
#       on plaintext ports), citing target, address and time.
# FAIL: a test failed, citing it with the listener it was probed from.
# MANUAL: a test could not tell (INCONCLUSIVE: no address, a timeout), plain HTTP was not tested
#         on a plaintext listener (imported results test TLS only), or no probe was made
#         (an offline scan, or no concrete server name to probe): an endpoint reachable from
#         the network.
# NOT_APPLICABLE: loopback/unix/stdio endpoints.
# MANUAL (all of this requirement): endpoints read from a generic app config by key name only
#         (lib.heuristic_result).
# The probe's other tests (strong-ciphers, grade-a-or-better) are cited, not judged here: the
# suites a server accepts are NET03-CIPHER's, and the grade is the control's expected result,
# shown beside the test results.
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
	some ep in lib.local_only
}

# The observations of an endpoint.
observed(ep) := [o | some o in object.get(input, "observations", []); o.endpoint == ep.id]

# The endpoints with observations, once per piece for the rules that ask.
observed_ids := {o.endpoint | some o in object.get(input, "observations", [])}

# The control's test results (and SSL 3, refused by the same rule as TLS 1.0/1.1).
control_tests := {
	"https-valid-certificate", "http-rejected-or-redirected", "tls1.0-rejected",
	"tls1.1-rejected", "self-signed-rejected", "ssl3-rejected",
}

# Who observed: the live probe, or the tool and file the results were imported from.
observer(o) := object.get(o, "source", "tlsproof probe")

# One line per control test of the observations with the given status.
tests_with(obs, status) := [sprintf("%s %s at %s (%s, %s, %s): %s", [t.test, t.status, o.target, o.address, o.observed_at, observer(o), t.detail]) |
	some o in obs
	some t in o.tests
	t.test in control_tests
	t.status == status
]

# "; grade A (SSL Labs rating guide) at <target>" for each graded observation.
grade_text(obs) := concat("", [sprintf("; grade %s at %s (SSL Labs rating guide)", [o.grade.grade, o.target]) | some o in obs; o.grade])

observation_evidence(obs) := [lib.ev_at("observation", o.span, sprintf("%s at %s (%s, %s): %s", [o.target, o.address, o.observed_at, observer(o), concat(", ", [sprintf("%s %s", [t.test, t.status]) | some t in o.tests])])) | some o in obs]

results contains r if {
	some ep in lib.in_scope
	ep.id in observed_ids
	obs := observed(ep)
	failed := tests_with(obs, "FAIL")
	count(failed) > 0
	r := lib.result(
		requirement, ep, "FAIL", "high",
		sprintf("live test failed: %s", [concat("; ", failed)]),
		{o.span | some o in obs; some t in o.tests; t.test in control_tests; t.status == "FAIL"},
		observation_evidence(obs),
	)
}

results contains r if {
	some ep in lib.in_scope
	ep.id in observed_ids
	obs := observed(ep)
	count(tests_with(obs, "FAIL")) == 0
	unsure := tests_with(obs, "INCONCLUSIVE")
	count(unsure) > 0
	r := lib.justified(
		requirement, ep, "MANUAL", "low",
		sprintf("live tests could not tell: %s", [concat("; ", unsure)]),
		[o.span | some o in obs],
		observation_evidence(obs),
		"a probe that cannot reach the endpoint or gets no answer decides nothing: probe it from a host that reaches it (--connect-to names the address), or import the results of testssl.sh or sslyze run from such a host (--observations FILE)",
	)
}

# The plaintext listeners reachable from the network when no observation tested plain HTTP
# (testssl.sh and sslyze test TLS only; a probe budget may leave a target unprobed).
unobserved_plaintext(ep, obs) := [l |
	some l in ep.listens
	not l.tls
	l.port != null
	not l.scope in {"loopback", "unix", "stdio"}
	count([t | some o in obs; some t in o.tests; t.test == "http-rejected-or-redirected"]) == 0
]

results contains r if {
	some ep in lib.in_scope
	ep.id in observed_ids
	obs := observed(ep)
	count(tests_with(obs, "FAIL")) == 0
	count(tests_with(obs, "INCONCLUSIVE")) == 0
	plain := unobserved_plaintext(ep, obs)
	count(plain) > 0
	r := lib.justified(
		requirement, ep, "MANUAL", "low",
		sprintf("live tests passed but plain HTTP was not tested on %s: %s", [lib.listen_list(plain), concat("; ", tests_with(obs, "PASS"))]),
		[l.span | some l in plain],
		array.concat(observation_evidence(obs), [lib.ev_at("listen", l.span, lib.listen_text(l)) | some l in plain]),
		"the observations test TLS only (testssl.sh and sslyze do not test plaintext HTTP): probe the plaintext port live (scan --probe) to decide http-rejected-or-redirected",
	)
}

results contains r if {
	some ep in lib.in_scope
	ep.id in observed_ids
	obs := observed(ep)
	count(tests_with(obs, "FAIL")) == 0
	count(tests_with(obs, "INCONCLUSIVE")) == 0
	count(unobserved_plaintext(ep, obs)) == 0
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("live tests passed: %s%s", [concat("; ", [sprintf("%s at %s (%s, %s, %s)", [concat(", ", [t.test | some t in o.tests; t.test in control_tests]), o.target, o.address, o.observed_at, observer(o)]) | some o in obs]), grade_text(obs)]),
		[o.span | some o in obs],
		observation_evidence(obs),
	)
}

results contains r if {
	some ep in lib.in_scope
	not ep.id in observed_ids
	r := lib.justified(
		requirement, ep, "MANUAL", "low",
		sprintf("no live test results for %s", [lib.listen_list(ep.listens)]),
		[lib.first_listen_span(ep)],
		[lib.ev_at("listen", l.span, lib.listen_text(l)) | some l in ep.listens],
		"test results are observations of the running endpoint (an HTTPS request succeeds, plain HTTP fails or redirects, TLS 1.0/1.1 and a self-signed certificate are rejected); configuration cannot provide them: probe the endpoint live (scan --probe), or import the results of testssl.sh or sslyze for its server name and port (--observations FILE)",
	)
}
