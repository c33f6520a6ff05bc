# TLS terminated at a proxy is protected end to end.
#
# When a proxy terminates TLS, every hop to an upstream that is not on the same host must be
# TLS with certificate verification (the control's "load-balancer termination validated end to
# end"). A hop to a loopback address or a unix socket stays on the host and passes. A hostname
# other than `localhost` counts as reachable over the network.
#
# FAIL: a plaintext hop to a non-loopback upstream (naming the upstream address), or a TLS hop
#       that does not verify the upstream certificate.
# MANUAL: the upstream is a variable or otherwise undecidable from configuration.
# NOT_APPLICABLE: loopback/unix/stdio endpoints; plaintext listeners that only redirect;
#       endpoints that proxy to nothing.
# MANUAL (all of this requirement): endpoints read from a generic app config by key name only
#         (lib.heuristic_result).
package tlsproof.requirements.net03_e2e

import data.tlsproof.lib
import rego.v1

requirement := "NET03-E2E"

title := "TLS terminated at a proxy is validated end to end to the MCP server"

profiles := ["msss", "strict"]

# The control's evidence item this requirement answers (the report section it appears in).
evidence := "Certificate validation"

# The exception claims that may cover it (`tlsproof-exceptions.yaml`).
# A VPN or SSH tunnel encrypts the unencrypted hop.
covered_by := {
	"stdio",
	"localhost",
	"air-gapped",
	"test-environment",
	"risk-acceptance",
	"compensating-control:vpn-tunnel",
	"compensating-control:ssh-tunnel",
}

local_hop(h) if {
	h.determinate
	h.scope in lib.local_scopes
}

failing(h) if {
	h.determinate
	not h.scope in lib.local_scopes
	not h.tls
}

failing(h) if {
	h.determinate
	not h.scope in lib.local_scopes
	h.tls
	not h.verify.value
}

bad_hops(ep) := [h | some h in ep.hops; failing(h)]

open_hops(ep) := [h | some h in ep.hops; not h.determinate]

# The judged endpoints with a failing hop, and those with a hop not decided, once per piece for
# the rules that ask.
failing_ids := {ep.id | some ep in lib.judged; some h in ep.hops; failing(h)}

open_ids := {ep.id | some ep in lib.judged; some h in ep.hops; not h.determinate}

results contains lib.passthrough_result(requirement, ep, "PASS") if {
	some ep in lib.passing_through
}

results contains lib.heuristic_result(requirement, ep) if {
	some ep in lib.heuristics
}

results contains lib.out_of_scope_result(requirement, ep) if {
	some ep in lib.local_only
}

results contains lib.redirect_only_result(requirement, ep) if {
	some ep in lib.redirecting
}

results contains r if {
	some ep in lib.judged
	count(ep.hops) == 0
	r := lib.justified(
		requirement, ep, "NOT_APPLICABLE", "info",
		"the endpoint serves its content itself: there is no hop behind it",
		[ep.span], [],
		sprintf("%s has no %s: TLS ends where the content is served", [lib.block_text(ep), lib.proxy_text(ep)]),
	)
}

results contains r if {
	some ep in lib.judged
	ep.id in failing_ids
	bad := bad_hops(ep)
	r := lib.result(
		requirement, ep, "FAIL", "high",
		sprintf("traffic leaves the host unprotected%s: %s", [after_termination(ep), concat("; ", lib.first_seen([group_text(bad, h.directive, h.tls) | some h in bad]))]),
		lib.first_seen([h.span | some h in bad]),
		lib.first_seen([lib.ev_at(sprintf("%s hop", [h.directive]), h.span, h.upstream) | some h in bad]),
	)
}

results contains r if {
	some ep in lib.judged
	not ep.id in failing_ids
	ep.id in open_ids
	open := open_hops(ep)
	r := lib.justified(
		requirement, ep, "MANUAL", "medium",
		sprintf("the upstream of %s cannot be decided from configuration", [concat(", ", [sprintf("%s at %s", [h.upstream, lib.at(h.span)]) | some h in open])]),
		[h.span | some h in open],
		[lib.ev_at(sprintf("%s hop", [h.directive]), h.span, h.upstream) | some h in open],
		"the upstream address comes from a variable or is otherwise not written in the configuration; decide it from where the variable is set, or from the deployed routing",
	)
}

results contains r if {
	some ep in lib.judged
	count(ep.hops) > 0
	not ep.id in failing_ids
	not ep.id in open_ids
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("every hop stays on the host or is TLS with verification: %s", [concat("; ", [hop_ok_text(h) | some h in ep.hops])]),
		[h.span | some h in ep.hops],
		[lib.ev_at(sprintf("%s hop", [h.directive]), h.span, h.upstream) | some h in ep.hops],
	)
}

# Only an endpoint that terminates TLS has a "termination" for its traffic to leave after.
after_termination(ep) := " after TLS termination" if ep.tls.enabled

else := ""

targets(h) := concat(", ", [sprintf("%s (%s)", [t.address, t.scope]) | some t in h.targets]) if count(h.targets) > 0

else := h.upstream

# The upstream and where it resolves to, the upstream once when it names its only target.
destination(h) := sprintf("%s (%s)", [h.upstream, h.targets[0].scope]) if {
	count(h.targets) == 1
	contains(h.upstream, h.targets[0].address)
} else := sprintf("%s, to %s", [h.upstream, targets(h)])

# The failing hops of one directive, each destination named once.
group_text(bad, directive, false) := sprintf("%s sends plaintext to %s", [directive, destinations(bad, directive, false)])

group_text(bad, directive, true) := sprintf("%s to %s does not verify the upstream certificate (see NET03-VERIFY)", [directive, destinations(bad, directive, true)])

destinations(bad, directive, tls) := concat(", ", lib.first_seen([destination(h) | some h in bad; h.directive == directive; h.tls == tls]))

hop_ok_text(h) := sprintf("%s to %s stays on the host", [h.upstream, targets(h)]) if local_hop(h)

else := sprintf("%s is TLS with verification", [h.upstream])
