# Only strong cipher suites.
#
# A suite is strong when it is a TLS 1.3 suite, or a TLS 1.2 suite with forward secrecy
# (ECDHE or DHE key exchange, PSK variants included) and authenticated encryption (AES-GCM,
# ChaCha20-Poly1305, AES-CCM), and it is authenticated (no aNULL). Cipher strings are judged by
# the suites they expand to with OpenSSL semantics, never by their tokens: `HIGH:!aNULL:!MD5`
# expands to CBC and static-RSA suites and fails.
#
# Severity: high when a NULL, anonymous, EXPORT, RC4, DES, 3DES or MD5 suite is offered;
# medium when the weak suites are CBC or static-RSA only.
# FAIL: weak suites offered (named in the message), or content served without TLS.
# MANUAL: no protocol is enabled (no handshake completes); the cipher string expands to no
#         suite (the server would refuse to start), or the
#         configuration does not decide the list (a product's run-time default) and no probe
#         observed it.
# Observed (`scan --probe`, `--observations`): the suites the live server accepted are judged
# with the same rule. Weak suites accepted live FAIL the endpoint even where the configuration
# offers only strong ones (another configuration is live; a DRIFT finding says where); a list
# the configuration does not decide is decided by the suites observed.
# NOT_APPLICABLE: loopback/unix/stdio endpoints; plaintext listeners that only redirect;
#         servers that refuse every TLS handshake (lib.rejected_result).
# MANUAL (all of this requirement): endpoints read from a generic app config by key name only
#         (lib.heuristic_result).
package tlsproof.requirements.net03_cipher

import data.tlsproof.lib
import rego.v1

requirement := "NET03-CIPHER"

title := "Only strong cipher suites (forward secrecy and AEAD, or TLS 1.3)"

profiles := ["msss", "strict"]

# The control's evidence item this requirement answers (the report section it appears in).
evidence := "Cipher suite configuration"

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

forward_secret := {"ECDHE", "DHE", "ECDHEPSK", "DHEPSK"}

strong(s) if s.version == "TLSv1.3"

strong(s) if {
	s.kx in forward_secret
	s.aead
	s.au != "None"
}

# The endpoints that enable a protocol older than TLS 1.3, so that the TLS 1.2 cipher list
# applies, decided once per piece for the rules that ask (`ep.id in before_tls13`).
before_tls13 := {ep.id |
	some ep in lib.tls_judged
	some p in ep.tls.protocols.value
	p != "TLSv1.3"
}

# The properties of suites named in the model, from its `cipher_suites` table. A name the table
# lacks has no properties, so it is never strong (fail closed).
facts(names) := [object.get(suite_table, n, {"name": n}) | some n in names]

suite_table := object.get(input, "cipher_suites", {})

# The names of the suites an endpoint offers.
offered(ep) := array.concat(legacy, ep.tls.tls13_suites.value) if {
	ep.id in before_tls13
	legacy := ep.tls.ciphers.value.suites
} else := ep.tls.tls13_suites.value if "TLSv1.3" in ep.tls.protocols.value

else := []

# The TLS 1.2 cipher string matches no suite: OpenSSL rejects it and the server cannot start.
no_match(ep) if {
	ep.id in before_tls13
	count(ep.tls.ciphers.value.suites) == 0
}

# The configuration leaves the list to an implementation tlsproof does not know.
undecided(ep) if ep.tls.ciphers.value.decided_by

nothing_offered(ep) if no_match(ep)

nothing_offered(ep) if count(offered(ep)) == 0

# The TLS endpoints that offer no suite, decided once per piece for the rules that ask.
offering_nothing := {ep.id |
	some ep in lib.tls_judged
	ep.tls.enabled
	nothing_offered(ep)
}

# Why a suite is weak: the first reason that applies, worst first.
reason(s) := "NULL encryption" if s.enc == "None"

else := "anonymous, no authentication" if s.au == "None"

else := "EXPORT grade" if s.export

else := "RC4, DES or 3DES" if regex.match(`^(RC4|DES|3DES)`, s.enc)

else := "MD5" if s.mac == "MD5"

else := "no forward secrecy (static key exchange)" if not s.kx in forward_secret

else := "CBC mode, no AEAD" if not s.aead

else := "not strong"

reason_order := [
	"NULL encryption", "anonymous, no authentication", "EXPORT grade", "RC4, DES or 3DES", "MD5",
	"no forward secrecy (static key exchange)", "CBC mode, no AEAD", "not strong",
]

high_reasons := {"NULL encryption", "anonymous, no authentication", "EXPORT grade", "RC4, DES or 3DES", "MD5"}

# The weak suites of a list, each with its reason (one pass over the list).
classify(suites) := [{"name": s.name, "why": reason(s)} | some s in suites; not strong(s)]

# "reason: N (first names…)" for each reason that has weak suites.
groups(bad) := [g |
	some why in reason_order
	names := [b.name | some b in bad; b.why == why]
	count(names) > 0
	g := sprintf("%s: %d (%s)", [why, count(names), lib.some_of(names, 4)])
]

# Identical cipher configurations (the same string, suites, protocols and TLS 1.3 suites) are
# classified once, however many endpoints share them: a large deployment repeats a handful of
# configurations across hundreds of servers. The key is the array itself (no text to make).
config_key(ep) := [
	ep.tls.ciphers.value.spec,
	ep.tls.protocols.value,
	ep.tls.ciphers.value.suites,
	ep.tls.tls13_suites.value,
]

# The key of each judged TLS endpoint's configuration, computed once per endpoint.
key_of := {ep.id: config_key(ep) |
	some ep in lib.tls_judged
	ep.tls.enabled
}

configs := {key_of[ep.id]: offered(ep) |
	some ep in lib.tls_judged
	ep.tls.enabled
	not ep.id in offering_nothing
}

classified := {key: judgement(facts(names)) | some key, names in configs}

# Everything the results say about one configuration, computed once for it.
judgement(suites) := {
	"count": count(suites),
	"bad": count(bad),
	"bad_names": [b.name | some b in bad],
	"groups": concat("; ", groups(bad)),
	"severity": severity(bad),
} if bad := classify(suites)

severity(bad) := "high" if {
	some b in bad
	b.why in high_reasons
} else := "medium"

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
		sprintf("no TLS on %s: the traffic is not encrypted at all", [lib.listen_list(listens)]),
		[l.span | some l in listens],
		[lib.ev_at("plaintext listen", l.span, lib.listen_text(l)) | some l in listens],
	)
}

results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	c := classified[key_of[ep.id]]
	c.bad > 0
	r := lib.result(
		requirement, ep, "FAIL", c.severity,
		sprintf("%d of %d suites offered are weak; %s; from %s%s", [c.bad, c.count, c.groups, spec_text(ep), unknown_note(ep)]),
		[ep.tls.ciphers.span],
		[
			lib.ev_at("weak suites", ep.tls.ciphers.span, c.bad_names),
			lib.cipher_ev("ciphers", ep.tls.ciphers),
			lib.ev("protocols", ep.tls.protocols),
		],
	)
}

# The observations of an endpoint that list accepted suites.
observed(ep) := [o |
	some o in object.get(input, "observations", [])
	o.endpoint == ep.id
	count(object.get(o, "accepted_suites", [])) > 0
]

# The endpoints with such probes, and those of them that accepted a weak suite, once per piece
# for the rules that ask.
observed_ids := {o.endpoint |
	some o in object.get(input, "observations", [])
	count(object.get(o, "accepted_suites", [])) > 0
}

weak_observed := {ep.id |
	some ep in lib.tls_judged
	ep.id in observed_ids
	count(observed_weak(ep)) > 0
}

# The weak suites the live server accepted, as "TLSv1.2 NAME at TARGET (why)".
observed_weak(ep) := [sprintf("%s %s at %s (%s)", [a.protocol, a.suite, o.target, reason(s)]) |
	some o in observed(ep)
	some a in o.accepted_suites
	s := object.get(suite_table, a.suite, {"name": a.suite})
	not strong(s)
]

observed_ev(ep) := [lib.ev_at("observed suites", o.span, sprintf("%s (%s, %s): %s", [o.target, o.address, o.observed_at, concat(", ", [sprintf("%s %s", [a.protocol, a.suite]) | some a in o.accepted_suites])])) | some o in observed(ep)]

observed_fail(ep, why) := lib.result(
	requirement, ep, "FAIL", "high",
	sprintf("%d weak suites accepted live%s: %s", [count(observed_weak(ep)), why, lib.some_of(observed_weak(ep), 8)]),
	{o.span | some o in observed(ep)},
	array.concat(observed_ev(ep), [lib.cipher_ev("ciphers", ep.tls.ciphers)]),
)

# The configuration offers only strong suites, but the live server accepts weak ones.
results contains observed_fail(ep, sprintf(" though the configuration offers only strong ones (%s)", [spec_text(ep)])) if {
	some ep in lib.tls_judged
	ep.tls.enabled
	c := classified[key_of[ep.id]]
	c.bad == 0
	ep.id in weak_observed
}

# The configuration does not decide the list; the live server's suites do.
results contains observed_fail(ep, sprintf(" (the configuration does not decide the list: %s)", [spec_text(ep)])) if {
	some ep in lib.tls_judged
	ep.tls.enabled
	ep.id in offering_nothing
	ep.id in weak_observed
}

results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	ep.id in offering_nothing
	ep.id in observed_ids
	not ep.id in weak_observed
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("every suite the live server accepted is strong (the configuration does not decide the list: %s)", [spec_text(ep)]),
		[o.span | some o in observed(ep)],
		observed_ev(ep),
	)
}

results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	c := classified[key_of[ep.id]]
	c.bad == 0
	not ep.id in weak_observed
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("all %d suites offered are strong (%s%s)", [c.count, spec_text(ep), unknown_note(ep)]),
		[cipher_span(ep)],
		[lib.cipher_ev("ciphers", ep.tls.ciphers), lib.suites_ev("TLS 1.3 suites", ep.tls.tls13_suites)],
	)
}

results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	count(ep.tls.protocols.value) > 0
	undecided(ep)
	not ep.id in observed_ids
	r := lib.justified(
		requirement, ep, "MANUAL", "medium",
		sprintf("the cipher suites are not in the configuration: %s decides them", [ep.tls.ciphers.value.decided_by]),
		[ep.tls.ciphers.span],
		[lib.cipher_ev("ciphers", ep.tls.ciphers)],
		sprintf("%s; decide from the suites it really offers: its documentation for the deployed version, or a live probe (scan --probe)", [ep.tls.ciphers.note]),
	)
}

results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	count(ep.tls.protocols.value) == 0
	not ep.id in observed_ids
	r := lib.justified(
		requirement, ep, "MANUAL", "medium",
		sprintf("no TLS protocol is enabled, so no suite is negotiated: %s", [object.get(ep.tls.protocols, "note", lib.at(ep.tls.protocols.span))]),
		[ep.tls.protocols.span],
		[lib.ev("protocols", ep.tls.protocols)],
		"a TLS listener with no protocol completes no handshake: decide once a protocol is enabled",
	)
}

results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	count(ep.tls.protocols.value) > 0
	ep.id in offering_nothing
	not undecided(ep)
	not ep.id in observed_ids
	r := lib.justified(
		requirement, ep, "MANUAL", "medium",
		sprintf("the cipher configuration %s matches no suite%s", [spec_text(ep), unknown_note(ep)]),
		[ep.tls.ciphers.span],
		[lib.cipher_ev("ciphers", ep.tls.ciphers)],
		"with no cipher suite the server cannot complete a handshake (nginx refuses such a string at start-up, Go products reject unknown names); decide from the cipher list the server really runs with",
	)
}

cipher_span(ep) := ep.tls.ciphers.span if ep.id in before_tls13

else := ep.tls.tls13_suites.span

spec_text(ep) := sprintf("left to %s", [ep.tls.ciphers.value.decided_by]) if {
	undecided(ep)
} else := sprintf("%s %q at %s", [lib.cipher_text(ep), ep.tls.ciphers.value.spec, lib.at(ep.tls.ciphers.span)]) if {
	ep.id in before_tls13
	ep.tls.ciphers.origin == "explicit"
} else := sprintf("the default %q, %s", [ep.tls.ciphers.value.spec, object.get(ep.tls.ciphers, "note", "")]) if {
	ep.id in before_tls13
} else := "TLS 1.3 only"

unknown_note(ep) := sprintf("; unknown cipher names ignored as OpenSSL ignores them: %s", [concat(", ", ep.tls.ciphers.value.unknown)]) if {
	ep.id in before_tls13
	count(ep.tls.ciphers.value.unknown) > 0
} else := ""
