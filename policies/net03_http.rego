# Plaintext HTTP rejected or redirected to HTTPS.
#
# A listener without TLS on a non-loopback address must redirect every request to https:// or
# refuse it. A plaintext listener that serves content fails at its `listen` line (NeighborJack:
# an MCP server reachable over plain HTTP on the network).
#
# PASS: no plaintext listener reachable from the network, or every such request is redirected
#       (`return 301 https://…`, a catch-all `rewrite`, the `if ($scheme = http)` idiom) or refused.
# FAIL: a plaintext listener on a non-loopback address that serves content.
# NOT_APPLICABLE: loopback/unix/stdio endpoints.
package tlsproof.requirements.net03_http

import data.tlsproof.lib
import rego.v1

requirement := "NET03-HTTP"

title := "Plaintext HTTP rejected or redirected to HTTPS"

profiles := ["msss", "strict"]

results contains lib.passthrough_result(requirement, ep, "MANUAL") if {
	some ep in lib.passing_through
}

results contains lib.out_of_scope_result(requirement, ep) if {
	some ep in input.endpoints
	lib.out_of_scope(ep)
}

results contains r if {
	some ep in lib.in_scope
	count(lib.exposed_plaintext(ep)) == 0
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("no plaintext listener reachable from the network: listens on %s", [lib.listen_list(ep.listens)]),
		[lib.first_listen_span(ep)],
		[lib.ev_at("listen", l.span, lib.listen_text(l)) | some l in ep.listens],
	)
}

results contains r if {
	some ep in lib.in_scope
	listens := lib.exposed_plaintext(ep)
	count(listens) > 0
	ep.plaintext.redirects_to_https.value
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("plaintext requests on %s are redirected to https (%s)", [lib.listen_list(listens), lib.at(ep.plaintext.redirects_to_https.span)]),
		[ep.plaintext.redirects_to_https.span],
		[lib.ev("redirect to https", ep.plaintext.redirects_to_https)],
	)
}

results contains r if {
	some ep in lib.in_scope
	listens := lib.exposed_plaintext(ep)
	count(listens) > 0
	not ep.plaintext.redirects_to_https.value
	ep.plaintext.blocked.value
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("plaintext requests on %s are refused (%s)", [lib.listen_list(listens), lib.at(ep.plaintext.blocked.span)]),
		[ep.plaintext.blocked.span],
		[lib.ev("plaintext refused", ep.plaintext.blocked)],
	)
}

results contains r if {
	some ep in lib.in_scope
	listens := lib.exposed_plaintext(ep)
	count(listens) > 0
	not ep.plaintext.redirects_to_https.value
	not ep.plaintext.blocked.value
	r := lib.result(
		requirement, ep, "FAIL", "high",
		sprintf("serves plaintext HTTP on %s without redirecting to https", [lib.listen_list(listens)]),
		[l.span | some l in listens],
		array.concat(
			[lib.ev_at("plaintext listen", l.span, lib.listen_text(l)) | some l in listens],
			[lib.ev("redirect to https", ep.plaintext.redirects_to_https)],
		),
	)
}
