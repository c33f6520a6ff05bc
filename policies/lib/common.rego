# Helpers shared by the requirement packages: scope, locations, evidence, result objects.
package tlsproof.lib

import rego.v1

# Scopes outside MCP-NET-03: not reachable from the network.
local_scopes := {"loopback", "unix", "stdio"}

# A location as the result contract wants it (the include chain dropped).
loc(span) := {"file": span.file, "line": span.line, "column": span.column}

# "file:line" for messages.
at(span) := sprintf("%s:%d", [span.file, span.line])

listen_text(l) := sprintf("%v:%v", [l.address, l.port]) if is_number(l.port)

else := l.address

out_of_scope(ep) if {
	ep.scope in local_scopes
	not heuristic(ep)
}

# An endpoint read from a generic application config by its key names only (the heuristics
# table in src/ingest/app/config.rs): its bind address, transport and TLS settings rest on
# what those keys are assumed to mean, so no requirement is decided for it — each yields one
# MANUAL result (`heuristic_result`). Certain readings (an explicit `transport: stdio`, an
# unambiguous loopback bind) carry no marker and are judged as usual.
heuristic(ep) if is_object(ep.heuristic)

# Every plaintext request is redirected to https (or refused) and nothing is served.
redirect_only(ep) if {
	not ep.tls.enabled
	ep.serves_content.value == false
}

# TLS passes through to the upstream unterminated (nginx `stream` with `ssl_preread on`,
# Traefik TCP routers with `tls.passthrough`).
passthrough(ep) if ep.transport == "tls-passthrough"

# Endpoints whose TLS settings are judged.
judged := [ep | some ep in in_scope; not redirect_only(ep)]

# Endpoints that forward TCP connections, not HTTP requests (nginx `stream {}` servers,
# Traefik TCP routers): they can neither redirect nor refuse an HTTP request.
tcp_proxy(ep) if object.get(ep, "context", "") in {"stream", "tcp"}

# A TLS endpoint that refuses every handshake (nginx `ssl_reject_handshake on`): no TLS session
# is ever established, so no protocol, suite or certificate is offered.
rejects_handshakes(ep) if {
	ep.tls.enabled
	ep.tls.reject_handshake.value == true
}

# Judged endpoints whose TLS settings are in force.
tls_judged := [ep | some ep in judged; not rejects_handshakes(ep)]

# Judged endpoints that refuse every TLS handshake.
rejecting := [ep | some ep in judged; rejects_handshakes(ep)]

# NOT_APPLICABLE for a TLS requirement of an endpoint that refuses every handshake, citing the
# line that refuses them.
rejected_result(req, ep) := justified(
	req, ep, "NOT_APPLICABLE", "info",
	sprintf("refuses every TLS handshake (%s): nothing is served over TLS", [at(ep.tls.reject_handshake.span)]),
	[ep.tls.reject_handshake.span],
	[ev("handshakes refused", ep.tls.reject_handshake)],
	sprintf("%s refuses every TLS handshake it is chosen for (%s), so it offers no protocol, cipher suite or certificate", [block_text(ep), at(ep.tls.reject_handshake.span)]),
)

# Endpoints in the control's scope, read from a known configuration (not from key names only).
in_reach := [ep | some ep in input.endpoints; not heuristic(ep); not out_of_scope(ep)]

# Endpoints that are in scope and terminate TLS or plaintext themselves.
in_scope := [ep | some ep in in_reach; not passthrough(ep)]

# Endpoints outside the control's scope (`out_of_scope`), listed once per piece for every
# package.
local_only := [ep | some ep in input.endpoints; out_of_scope(ep)]

# In-scope endpoints that serve nothing in plaintext and redirect or refuse every request
# (`redirect_only`), listed once per piece for every package.
redirecting := [ep | some ep in in_scope; redirect_only(ep)]

# In-scope endpoints that pass TLS through.
passing_through := [ep | some ep in in_reach; passthrough(ep)]

upstreams_text(ep) := concat(", ", [sprintf("%s (%s)", [h.upstream, at(h.span)]) | some h in ep.hops]) if count(ep.hops) > 0

else := "its upstream"

# How the product names its parts (`input.products`, declared by each format), or nothing.
words(ep) := object.get(object.get(input, "products", {}), ep.component, {})

# How the proxy passes TLS through, in the product's words.
passthrough_text(ep) := sprintf(words(ep).passthrough, [at(ep.span)]) if words(ep).passthrough

else := sprintf("the endpoint at %s passes TLS through", [at(ep.span)])

# The result of a requirement decided by the upstream that terminates the passed-through TLS.
passthrough_result(req, ep, "MANUAL") := justified(
	req, ep, "MANUAL", "medium",
	sprintf("TLS passes through this proxy to %s unterminated: decided by the upstream", [upstreams_text(ep)]),
	[first_listen_span(ep)],
	[ev_at("listen", l.span, listen_text(l)) | some l in ep.listens],
	sprintf(
		"%s and forwards the connection; the protocols, ciphers, certificate and plaintext handling are those of %s: decide by scanning the upstream's configuration",
		[passthrough_text(ep), upstreams_text(ep)],
	),
)

passthrough_result(req, ep, "PASS") := result(
	req, ep, "PASS", "info",
	sprintf("the client's TLS session reaches %s unterminated: the proxy never sees plaintext", [upstreams_text(ep)]),
	[ep.span],
	[ev_at("listen", l.span, listen_text(l)) | some l in ep.listens],
)

passthrough_result(req, ep, "NOT_APPLICABLE") := justified(
	req, ep, "NOT_APPLICABLE", "info",
	"the proxy opens no TLS connection of its own",
	[ep.span], [],
	sprintf("the stream server at %s forwards the client's TLS connection to %s without terminating it", [at(ep.span), upstreams_text(ep)]),
)

first_listen_span(ep) := ep.listens[0].span if count(ep.listens) > 0

else := ep.span

# Plaintext listeners reachable from the network.
exposed_plaintext(ep) := [l |
	some l in object.get(ep, ["plaintext", "listens"], [])
	not l.scope in local_scopes
]

# The result objects below are written out in full rather than composed (no `object.union`, no
# helper per location): they are built for every endpoint and requirement, and every call costs.

# Evidence for a cipher list: the string and the names of the suites it expands to.
cipher_ev(label, fact) := {
	"label": label,
	"span": {"file": fact.span.file, "line": fact.span.line, "column": fact.span.column},
	"origin": fact.origin,
	"value": {"spec": fact.value.spec, "suites": fact.value.suites, "unknown": fact.value.unknown},
	"note": fact.note,
} if is_string(fact.note)

else := {
	"label": label,
	"span": {"file": fact.span.file, "line": fact.span.line, "column": fact.span.column},
	"origin": fact.origin,
	"value": {"spec": fact.value.spec, "suites": fact.value.suites, "unknown": fact.value.unknown},
}

suites_ev(label, fact) := ev(label, fact)

# One piece of evidence from a model fact.
ev(label, fact) := {
	"label": label,
	"span": {"file": fact.span.file, "line": fact.span.line, "column": fact.span.column},
	"value": fact.value,
	"origin": fact.origin,
	"note": fact.note,
} if is_string(fact.note)

else := {
	"label": label,
	"span": {"file": fact.span.file, "line": fact.span.line, "column": fact.span.column},
	"value": fact.value,
	"origin": fact.origin,
}

# Evidence for a value that is not a fact (a listen, a hop).
ev_at(label, span, value) := {
	"label": label,
	"span": {"file": span.file, "line": span.line, "column": span.column},
	"value": value,
}

result(req, ep, status, severity, message, spans, evidence) := {
	"requirement": req,
	"status": status,
	"endpoint": ep.id,
	"component": ep.component,
	"severity": severity,
	"message": message,
	"locations": [{"file": s.file, "line": s.line, "column": s.column} | some s in spans],
	"evidence": evidence,
}

# A result that must carry a justification (NOT_APPLICABLE, MANUAL, EXCEPTED).
justified(req, ep, status, severity, message, spans, evidence, why) := {
	"requirement": req,
	"status": status,
	"endpoint": ep.id,
	"component": ep.component,
	"severity": severity,
	"message": message,
	"locations": [{"file": s.file, "line": s.line, "column": s.column} | some s in spans],
	"evidence": evidence,
	"justification": why,
}

# Listens grouped by the line that declares them, in order: "*:443, *:80 (Caddyfile:14)" — a
# location is named once. Each listen's location and text are made once, not once per group.
listen_list(listens) := concat(", ", [sprintf("%s (%s)", [concat(", ", first_seen([p[1] | some p in placed; p[0] == a])), a]) |
	some a in first_seen([p[0] | some p in placed])
]) if {
	placed := [[at(l.span), listen_text(l)] | some l in listens]
}

# The distinct items of an array, in the order they first appear.
first_seen(items) := items if {
	count({x | some x in items}) == count(items)
} else := [x |
	some i, x in items
	not x in array.slice(items, 0, i)
]

# " (file:line)" for a decision, unless every listen it is about is on that very line (the
# message names it already).
also_at(span, listens) := "" if {
	every l in listens {
		l.span.file == span.file
		l.span.line == span.line
	}
} else := sprintf(" (%s)", [at(span)])

# NOT_APPLICABLE for an endpoint outside the control's scope, citing its listen lines (for a
# stdio server, the line or SDK default that makes its transport stdio).
out_of_scope_result(req, ep) := justified(
	req, ep, "NOT_APPLICABLE", "info",
	"not reachable from the network (stdio only)",
	[first_listen_span(ep)],
	[ev_at("transport", l.span, object.get(l, "note", "stdio")) | some l in ep.listens],
	sprintf(
		"speaks MCP over stdio only (%s at %s): there is no network listener, so MCP-NET-03 (remote connections) does not apply",
		[concat("; ", [object.get(l, "note", "stdio") | some l in ep.listens]), at(first_listen_span(ep))],
	),
) if {
	ep.scope == "stdio"
	count(ep.listens) > 0
}

else := justified(
	req, ep, "NOT_APPLICABLE", "info",
	sprintf("not reachable from the network (%s only)", [ep.scope]),
	[first_listen_span(ep)],
	[ev_at("listen", l.span, listen_text(l)) | some l in ep.listens],
	sprintf(
		"listens only on %s: a loopback or unix-socket endpoint is outside the scope of MCP-NET-03 (remote connections)%s",
		[listen_list(ep.listens), app_notes(ep, ep.listens)],
	),
) if count(ep.listens) > 0

else := justified(
	req, ep, "NOT_APPLICABLE", "info",
	sprintf("not reachable from the network (%s only)", [ep.scope]),
	[ep.span], [],
	sprintf("transport %s at %s: outside the scope of MCP-NET-03 (remote connections)", [ep.transport, at(ep.span)]),
)

# NOT_APPLICABLE for a listener that only redirects (or refuses) plaintext, one of
# `redirecting`. What it cites is the same for every requirement, so it is made once per piece.
redirect_only_result(req, ep) := justified(
	req, ep, "NOT_APPLICABLE", "info",
	"serves no content: every plaintext request is redirected to https or refused",
	cited.spans, cited.evidence, cited.why,
) if {
	cited := redirect_only_cited[ep.id]
}

redirect_only_cited := {ep.id: {
	"spans": [plain_decision_span(ep)],
	"evidence": [ev("redirect to https", ep.plaintext.redirects_to_https), ev("plaintext refused", ep.plaintext.blocked)],
	"why": sprintf(
		"the plaintext listener %s only redirects to https or refuses (%s); the content is served by the TLS endpoint, judged on its own",
		[listen_list(ep.plaintext.listens), at(plain_decision_span(ep))],
	),
} |
	some ep in redirecting
}

plain_decision_span(ep) := ep.plaintext.redirects_to_https.span if ep.plaintext.redirects_to_https.value

else := ep.plaintext.blocked.span

# Names of items, the first n, then a count of the rest.
some_of(names, n) := concat(", ", names) if count(names) <= n

else := sprintf("%s and %d more", [concat(", ", array.slice(names, 0, n)), count(names) - n])

# The advice for an undeclared product version, naming the product's own setting.
version_advice(ep) := object.get(words(ep), "version_advice", "the default depends on the product version, which is not declared: declare it in tlsproof.toml")

# Whether a fact's note already says how to declare the version (a product's own default
# note may), so that a message gives that advice once.
gives_version_advice(fact) if contains(lower(object.get(fact, "note", "")), "declare")

# The block an endpoint is read from, in the product's words.
block_text(ep) := sprintf("%s at %s", [words(ep).block, at(ep.span)]) if words(ep).block

else := sprintf("the endpoint at %s", [at(ep.span)])

# The settings that make a proxy hop.
proxy_text(ep) := object.get(words(ep), "proxy", "proxy setting")

# The setting that names a certificate.
certificate_text(ep) := object.get(words(ep), "certificate", "certificate setting")

# The setting that lists TLS 1.2 cipher suites.
cipher_text(ep) := object.get(words(ep), "ciphers", "ciphers")

# For application endpoints: what decided each listen (an SDK default, an environment
# variable) and the proxy hops in the same scan that reach it ("behind nginx:…"), as a
# message suffix. Empty for other components.
app_notes(ep, listens) := sprintf(" (%s)", [concat("; ", notes)]) if {
	ep.component == "app"
	notes := [l.note | some l in listens; is_string(l.note)]
	count(notes) > 0
} else := ""

# Endpoints read by the generic app-config heuristics (see `heuristic`).
heuristics := [ep | some ep in input.endpoints; heuristic(ep)]

# The settings each requirement rests on, by the meaning the heuristics table gives a key;
# a requirement with none of them in the config cites every key read.
heuristic_meanings := {
	"NET03-TLS": {"tls", "protocols", "certificate", "bind", "transport"},
	"NET03-CIPHER": {"ciphers", "protocols", "tls"},
	"NET03-CERT": {"certificate", "key"},
	"NET03-HTTP": {"bind", "port", "transport", "tls"},
	"NET03-E2E": {"bind", "port", "transport"},
	"NET03-TEST": {"bind", "port"},
	"PROFILE-HSTS": {"tls"},
}

heuristic_keys(req, ep) := keys if {
	keys := [k | some k in ep.heuristic.keys; k.meaning in object.get(heuristic_meanings, req, set())]
	count(keys) > 0
} else := ep.heuristic.keys

heuristic_spans(req, ep) := [k.span | some k in heuristic_keys(req, ep)] if count(heuristic_keys(req, ep)) > 0

else := [ep.span]

heuristic_key_text(k) := sprintf("%s = %s (%s, %s)", [k.key, k.value, k.meaning, at(k.span)])

# MANUAL for an endpoint whose facts come from the generic app-config heuristics: names the
# keys read, why the reading is uncertain, and what would decide it.
heuristic_result(req, ep) := justified(
	req, ep, "MANUAL", "medium",
	sprintf("%s: %s", [heuristic_subject(ep), concat("; ", [heuristic_key_text(k) | some k in heuristic_keys(req, ep)])]),
	heuristic_spans(req, ep),
	[ev_at(k.meaning, k.span, sprintf("%s = %s", [k.key, k.value])) | some k in heuristic_keys(req, ep)],
	heuristic_why(ep),
)

heuristic_subject(ep) := "read from generic app-config keys, not decided" if ep.component == "app"

else := "decided by a component the configuration does not identify"

heuristic_why(ep) := sprintf(
	"%s; tlsproof read %s by key name only (%s), so it cannot tell whether these keys are the MCP server's own listener and TLS settings or what the application does when one is absent: decide with the application's documentation for these keys, or a live probe of the endpoint",
	[ep.heuristic.reason, concat(", ", [k.key | some k in ep.heuristic.keys]), ep.heuristic.rule],
) if ep.component == "app"

else := sprintf("%s (%s)", [ep.heuristic.reason, ep.heuristic.rule])
