# Plaintext HTTP rejected or redirected to HTTPS.
#
# A listener without TLS on a non-loopback address must redirect every request to https:// or
# refuse it. A plaintext listener that serves content fails at its `listen` line (NeighborJack:
# an MCP server reachable over plain HTTP on the network).
#
# PASS: no plaintext listener reachable from the network, or every such request is redirected
#       (`return 301 https://…`, a catch-all `rewrite`, the `if ($scheme = http)` idiom) or refused.
# FAIL: a plaintext listener on a non-loopback address that serves content (or, for a TCP
#       proxy such as an nginx `stream` server, forwards plaintext connections).
# NOT_APPLICABLE: loopback/unix/stdio endpoints.
#
# Clients (MCP client configs): an `http://` (or `ws://`) URL to a host that is not loopback
# FAILs at the URL's line — high when the entry's headers carry credentials (they travel
# readable), medium otherwise; `https://` PASSes; loopback is NOT_APPLICABLE; a URL whose scheme
# or host is a variable (`${VAR}`, `${input:…}`) is MANUAL.
# MANUAL (all of this requirement): endpoints read from a generic app config by key name only
#         (lib.heuristic_result).
package tlsproof.requirements.net03_http

import data.tlsproof.lib
import rego.v1

requirement := "NET03-HTTP"

title := "Plaintext HTTP rejected or redirected to HTTPS"

profiles := ["msss", "strict"]

# The control's evidence item this requirement answers (the report section it appears in).
evidence := "HTTP redirect or blocking"

# The exception claims that may cover it (`tlsproof-exceptions.yaml`).
# A tunnel carries the plaintext listener; a terminating load balancer redirects for it.
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

results contains lib.passthrough_result(requirement, ep, "MANUAL") if {
	some ep in lib.passing_through
}

results contains lib.heuristic_result(requirement, ep) if {
	some ep in lib.heuristics
}

results contains lib.out_of_scope_result(requirement, ep) if {
	some ep in lib.local_only
}

# The plaintext listeners of each in-scope endpoint that has some reachable from the network,
# once per piece for the rules that ask.
exposed := {ep.id: listens |
	some ep in lib.in_scope
	listens := lib.exposed_plaintext(ep)
	count(listens) > 0
}

results contains r if {
	some ep in lib.in_scope
	not exposed[ep.id]
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("no plaintext listener reachable from the network: listens on %s", [lib.listen_list(ep.listens)]),
		[lib.first_listen_span(ep)],
		[lib.ev_at("listen", l.span, lib.listen_text(l)) | some l in ep.listens],
	)
}

results contains r if {
	some ep in lib.in_scope
	listens := exposed[ep.id]
	ep.plaintext.redirects_to_https.value
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("plaintext requests on %s are redirected to https%s", [lib.listen_list(listens), lib.also_at(ep.plaintext.redirects_to_https.span, listens)]),
		[ep.plaintext.redirects_to_https.span],
		[lib.ev("redirect to https", ep.plaintext.redirects_to_https)],
	)
}

results contains r if {
	some ep in lib.in_scope
	listens := exposed[ep.id]
	not ep.plaintext.redirects_to_https.value
	ep.plaintext.blocked.value
	r := lib.result(
		requirement, ep, "PASS", "info",
		blocked_text(ep, listens),
		[ep.plaintext.blocked.span],
		[lib.ev("plaintext refused", ep.plaintext.blocked)],
	)
}

results contains r if {
	some ep in lib.in_scope
	listens := exposed[ep.id]
	not ep.plaintext.redirects_to_https.value
	not ep.plaintext.blocked.value
	r := lib.result(
		requirement, ep, "FAIL", "high",
		plaintext_text(ep, listens),
		[l.span | some l in listens],
		array.concat(
			[lib.ev_at("plaintext listen", l.span, lib.listen_text(l)) | some l in listens],
			[lib.ev("redirect to https", ep.plaintext.redirects_to_https)],
		),
	)
}

# How plaintext requests are turned away: as the fact's note says (a 404 of a listener no route
# attaches to is no refusal), else refused at the line that refuses them.
blocked_text(ep, listens) := sprintf("plaintext requests on %s serve no content%s: %s", [lib.listen_list(listens), lib.also_at(ep.plaintext.blocked.span, listens), ep.plaintext.blocked.note]) if {
	is_string(ep.plaintext.blocked.note)
} else := sprintf("plaintext requests on %s are refused%s", [lib.listen_list(listens), lib.also_at(ep.plaintext.blocked.span, listens)])

plaintext_text(ep, listens) := sprintf("accepts plaintext TCP connections on %s and forwards them to %s: a TCP proxy cannot redirect to https", [lib.listen_list(listens), lib.upstreams_text(ep)]) if lib.tcp_proxy(ep)

else := sprintf("serves plaintext HTTP on %s without redirecting to https%s", [lib.listen_list(listens), lib.app_notes(ep, listens)])

# --- Clients -----------------------------------------------------------------------------

plain_schemes := {"http", "ws"}

tls_schemes := {"https", "wss"}

client_evidence(c) := array.concat(
	[lib.ev("url", c.url)],
	array.concat(
		[lib.ev_at("credential header", c.credentials_span, "sent with every request") | c.headers_carry_credentials; c.credentials_span],
		[lib.ev_at("mcp-remote --allow-http", c.allow_http, "plaintext explicitly allowed") | c.allow_http],
	),
)

client_severity(c) := "high" if c.headers_carry_credentials

else := "medium"

allow_http_text(c) := sprintf("; --allow-http at %s lets mcp-remote use it", [lib.at(c.allow_http)]) if c.allow_http

else := ""

client_risk(c) := sprintf("its headers carry credentials (%s), which anyone on the network path can read and replay, hence high severity", [lib.at(c.credentials_span)]) if {
	c.headers_carry_credentials
	c.credentials_span
}

else := "the MCP session (tool calls and their results) travels readable and alterable; no credential header in the entry, hence medium severity (high when headers carry credentials)"

results contains r if {
	some c in input.clients
	c.determinate
	c.scheme in plain_schemes
	not c.scope in lib.local_scopes
	r := lib.result(
		requirement, c, "FAIL", client_severity(c),
		sprintf("client %q connects to %s over plaintext %s (%s is not loopback): %s%s", [c.name, c.url.value, c.scheme, c.host, client_risk(c), allow_http_text(c)]),
		[c.url.span],
		client_evidence(c),
	)
}

results contains r if {
	some c in input.clients
	c.determinate
	c.scheme in tls_schemes
	r := lib.result(
		requirement, c, "PASS", "info",
		sprintf("client %q connects to %s over %s", [c.name, c.url.value, c.scheme]),
		[c.url.span],
		client_evidence(c),
	)
}

results contains r if {
	some c in input.clients
	c.determinate
	c.scope in lib.local_scopes
	not c.scheme in tls_schemes
	r := lib.justified(
		requirement, c, "NOT_APPLICABLE", "info",
		sprintf("client %q connects to %s on this machine only", [c.name, c.url.value]),
		[c.url.span],
		client_evidence(c),
		sprintf("the URL at %s targets %s, a loopback host: the connection never leaves the machine, which is outside MCP-NET-03 (remote connections)", [lib.at(c.url.span), c.host]),
	)
}

results contains r if {
	some c in input.clients
	not c.determinate
	r := lib.justified(
		requirement, c, "MANUAL", "medium",
		sprintf("client %q: the URL %s is decided at run time", [c.name, c.url.value]),
		[c.url.span],
		client_evidence(c),
		sprintf("the scheme or host of the URL at %s is a variable (${VAR} or ${input:…}): check that the value used in deployment is https:// or a loopback address", [lib.at(c.url.span)]),
	)
}

results contains r if {
	some c in input.clients
	c.determinate
	not c.scheme in plain_schemes
	not c.scheme in tls_schemes
	r := lib.justified(
		requirement, c, "MANUAL", "medium",
		sprintf("client %q: unknown URL scheme %q", [c.name, c.scheme]),
		[c.url.span],
		client_evidence(c),
		sprintf("tlsproof judges http(s) and ws(s) URLs; the URL at %s uses %q: decide by hand whether it is encrypted", [lib.at(c.url.span), c.scheme]),
	)
}
