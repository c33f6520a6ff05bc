# Strict-Transport-Security with max-age of at least one year (organization profile add-on).
#
# Not part of MCP-NET-03: evaluated in the `strict` profile only. In nginx, an `add_header` in
# a block replaces every `add_header` inherited from outer blocks, so a location with its own
# headers silently drops HSTS; the model carries the header in effect for the endpoint.
#
# FAIL: no HSTS header on a TLS endpoint, or max-age below 31536000.
# NOT_APPLICABLE: loopback/unix/stdio endpoints; plaintext-only endpoints (HSTS is ignored over HTTP);
#         servers that refuse every TLS handshake (lib.rejected_result).
# MANUAL: TCP proxies that terminate TLS (nginx `stream`): the header is the upstream's.
# MANUAL (all of this requirement): endpoints read from a generic app config by key name only
#         (lib.heuristic_result).
package tlsproof.requirements.profile_hsts

import data.tlsproof.lib
import rego.v1

requirement := "PROFILE-HSTS"

title := "Strict-Transport-Security max-age of at least 31536000 seconds"

profiles := ["strict"]

# The control's evidence item this requirement answers (the report section it appears in).
evidence := "HTTP redirect or blocking"

# The exception claims that may cover it (`tlsproof-exceptions.yaml`).
# A tunnel carries the plaintext listener; a terminating load balancer sends the header.
covered_by := {
	"stdio",
	"localhost",
	"air-gapped",
	"test-environment",
	"risk-acceptance",
	"compensating-control:vpn-tunnel",
	"compensating-control:ssh-tunnel",
	"compensating-control:lb-termination",
}

min_age := 31536000

results contains lib.passthrough_result(requirement, ep, "NOT_APPLICABLE") if {
	some ep in lib.passing_through
}

results contains lib.rejected_result(requirement, ep) if {
	some ep in lib.rejecting
}

# A TCP proxy that terminates TLS (an nginx `stream` server) relays bytes: the HTTP responses,
# and any Strict-Transport-Security header in them, are the server's behind it.
results contains r if {
	some ep in lib.in_scope
	ep.tls.enabled
	not lib.rejects_handshakes(ep)
	lib.tcp_proxy(ep)
	r := lib.justified(
		requirement, ep, "MANUAL", "low",
		sprintf("a TCP proxy sends no HTTP header of its own: decided by %s", [lib.upstreams_text(ep)]),
		[lib.first_listen_span(ep)],
		[lib.ev_at("listen", l.span, lib.listen_text(l)) | some l in ep.listens],
		sprintf("%s forwards the decrypted bytes to %s, whose HTTP responses carry (or lack) Strict-Transport-Security: decide by scanning that server's configuration or probing the endpoint", [lib.block_text(ep), lib.upstreams_text(ep)]),
	)
}

results contains lib.heuristic_result(requirement, ep) if {
	some ep in lib.heuristics
}

results contains lib.out_of_scope_result(requirement, ep) if {
	some ep in lib.local_only
}

results contains r if {
	some ep in lib.in_scope
	not ep.tls.enabled
	r := lib.justified(
		requirement, ep, "NOT_APPLICABLE", "info",
		"no TLS on this endpoint: browsers ignore Strict-Transport-Security over plain HTTP",
		[lib.first_listen_span(ep)], [],
		sprintf("%s has no TLS listener; HSTS is sent and honoured over HTTPS only", [lib.block_text(ep)]),
	)
}

results contains r if {
	some ep in lib.in_scope
	ep.tls.enabled
	not lib.rejects_handshakes(ep)
	not lib.tcp_proxy(ep)
	ep.tls.hsts.value == null
	r := lib.result(
		requirement, ep, "FAIL", "medium",
		sprintf("no Strict-Transport-Security header (%s)", [hsts_why(ep)]),
		[ep.tls.hsts.span],
		[lib.ev("Strict-Transport-Security", ep.tls.hsts)],
	)
}

results contains r if {
	some ep in lib.in_scope
	ep.tls.enabled
	not lib.rejects_handshakes(ep)
	not lib.tcp_proxy(ep)
	h := ep.tls.hsts.value
	h != null
	not h.max_age >= min_age
	r := lib.result(
		requirement, ep, "FAIL", "medium",
		sprintf("Strict-Transport-Security %q has max-age below %d", [h.raw, min_age]),
		[ep.tls.hsts.span],
		[lib.ev("Strict-Transport-Security", ep.tls.hsts)],
	)
}

results contains r if {
	some ep in lib.in_scope
	ep.tls.enabled
	not lib.rejects_handshakes(ep)
	not lib.tcp_proxy(ep)
	h := ep.tls.hsts.value
	h != null
	h.max_age >= min_age
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("Strict-Transport-Security %q", [h.raw]),
		[ep.tls.hsts.span],
		[lib.ev("Strict-Transport-Security", ep.tls.hsts)],
	)
}

hsts_why(ep) := ep.tls.hsts.note if is_string(ep.tls.hsts.note)

else := sprintf("at %s", [lib.at(ep.tls.hsts.span)])
