# TLS enabled, minimum version 1.2.
#
# MCP-NET-03 requires TLS 1.2 or newer for remote connections: SSLv2, SSLv3, TLS 1.0 and
# TLS 1.1 must not be offered. The protocols are judged as configured, or as the product's
# default for its declared version when nothing is configured. When the version is not declared
# and the default differs between versions, the worst case is judged and the result says so.
#
# FAIL: an old protocol is offered (at the line that enables it, or the default assumed), or
#       the endpoint serves content without TLS.
# PASS (observed): the version is not declared, the worst-case default would offer an old
#       protocol, and every live probe of the endpoint (`scan --probe`, `--observations`) saw
#       SSL 3, TLS 1.0 and TLS 1.1 refused: the observation decides what the declaration would.
# NOT_APPLICABLE: loopback/unix/stdio endpoints; plaintext listeners that only redirect;
#         servers that refuse every TLS handshake (lib.rejected_result).
# MANUAL: TLS listeners with no protocol enabled (no handshake completes).
# MANUAL (all of this requirement): endpoints read from a generic app config by key name only
#         (lib.heuristic_result).
package tlsproof.requirements.net03_tls

import data.tlsproof.lib
import rego.v1

requirement := "NET03-TLS"

title := "TLS enabled, minimum version TLS 1.2"

profiles := ["msss", "strict"]

# The control's evidence item this requirement answers (the report section it appears in).
evidence := "TLS Configuration"

# The exception claims that may cover it (`tlsproof-exceptions.yaml`).
# A VPN or SSH tunnel encrypts the channel the endpoint's plaintext travels in.
covered_by := {
	"stdio",
	"localhost",
	"air-gapped",
	"test-environment",
	"risk-acceptance",
	"compensating-control:vpn-tunnel",
	"compensating-control:ssh-tunnel",
}

old_protocols := {"SSLv2", "SSLv3", "TLSv1", "TLSv1.1"}

results contains lib.passthrough_result(requirement, ep, "MANUAL") if {
	some ep in lib.passing_through
}

results contains lib.rejected_result(requirement, ep) if {
	some ep in lib.rejecting
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
	some ep in lib.tls_judged
	not ep.tls.enabled
	listens := lib.exposed_plaintext(ep)
	count(listens) > 0
	r := lib.result(
		requirement, ep, "FAIL", "high",
		sprintf("serves content without TLS on %s", [lib.listen_list(listens)]),
		[l.span | some l in listens],
		[lib.ev_at("plaintext listen", l.span, lib.listen_text(l)) | some l in listens],
	)
}

offered_old(ep) := [p | some p in ep.tls.protocols.value; p in old_protocols]

# The https observations of an endpoint.
https_observed(ep) := [o |
	some o in object.get(input, "observations", [])
	o.endpoint == ep.id
	startswith(o.target, "https://")
]

version_tests := {"ssl3-rejected", "tls1.0-rejected", "tls1.1-rejected"}

# Every https probe of the endpoint saw every old version refused.
refused_live(ep) if {
	obs := https_observed(ep)
	count(obs) > 0
	every o in obs {
		passed := {t.test | some t in o.tests; t.test in version_tests; t.status == "PASS"}
		count(passed) == count(version_tests)
	}
}

decided_live(ep) if {
	ep.tls.protocols.version_dependent
	refused_live(ep)
}

results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	count(offered_old(ep)) > 0
	decided_live(ep)
	obs := https_observed(ep)
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("the live server refuses SSL 3, TLS 1.0 and TLS 1.1 (%s); the configuration leaves the protocols to a default that depends on the product version (%s)", [concat("; ", [sprintf("%s at %s, %s", [o.target, o.address, o.observed_at]) | some o in obs]), protocols_origin(ep)]),
		[ep.tls.protocols.span],
		array.concat(
			[lib.ev("protocols", ep.tls.protocols)],
			[lib.ev_at("observation", o.span, concat(", ", [sprintf("%s %s", [t.test, t.status]) | some t in o.tests; t.test in version_tests])) | some o in obs],
		),
	)
}

results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	old := offered_old(ep)
	count(old) > 0
	not decided_live(ep)
	r := lib.result(
		requirement, ep, "FAIL", "high",
		offers_old_text(ep, old),
		[ep.tls.protocols.span],
		[lib.ev("protocols", ep.tls.protocols)],
	)
}

# What the configuration does not decide is said to be the worst case, not a fact.
offers_old_text(ep, old) := sprintf("may offer %s, the worst case: %s", [concat(", ", old), ep.tls.protocols.note]) if {
	ep.tls.protocols.worst_case
} else := sprintf("offers %s (%s)%s", [concat(", ", old), protocols_origin(ep), version_note(ep)])


# No protocol enabled (a QUIC listener whose ssl_protocols leaves out TLS 1.3): no handshake
# completes, so nothing is offered, nor shown to be safe.
results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	count(ep.tls.protocols.value) == 0
	r := lib.justified(
		requirement, ep, "MANUAL", "medium",
		sprintf("no TLS protocol is enabled: %s", [object.get(ep.tls.protocols, "note", lib.at(ep.tls.protocols.span))]),
		[ep.tls.protocols.span],
		[lib.ev("protocols", ep.tls.protocols)],
		"a TLS listener with no protocol completes no handshake: enable TLSv1.3 (and TLSv1.2 where TCP listeners need it), or remove the listener",
	)
}

results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	count(ep.tls.protocols.value) > 0
	count(offered_old(ep)) == 0
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("offers only %s (%s)", [concat(", ", ep.tls.protocols.value), protocols_origin(ep)]),
		[ep.tls.protocols.span],
		[lib.ev("protocols", ep.tls.protocols)],
	)
}

protocols_origin(ep) := sprintf("set at %s", [lib.at(ep.tls.protocols.span)]) if ep.tls.protocols.origin == "explicit"

else := object.get(ep.tls.protocols, "note", "the default")

# The advice to declare the version, unless the default's own note already gives it.
version_note(ep) := sprintf("; %s", [lib.version_advice(ep)]) if {
	ep.tls.protocols.version_dependent
	not lib.gives_version_advice(ep.tls.protocols)
} else := ""
