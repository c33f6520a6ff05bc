# A valid certificate chain to a trusted CA (or an explicitly trusted, pinned certificate).
#
# Certificate validity (chain, names, dates, key strength) is a property of the certificate
# files, not of the server configuration. Until the certificate facts are in the model, each TLS
# endpoint's result is MANUAL and names the certificate files that would decide it.
#
# FAIL: the endpoint serves content without TLS, enables TLS with no certificate configured, or
#       (Traefik) falls back to the self-signed TRAEFIK DEFAULT CERT.
# MANUAL: certificates are configured; their validity is decided by the files or a live probe.
# NOT_APPLICABLE: loopback/unix/stdio endpoints; plaintext listeners that only redirect.
# MANUAL (all of this requirement): endpoints read from a generic app config by key name only
#         (lib.heuristic_result).
package tlsproof.requirements.net03_cert

import data.tlsproof.lib
import rego.v1

requirement := "NET03-CERT"

title := "Valid certificate chain to a trusted CA, or an explicitly trusted certificate"

profiles := ["msss", "strict"]

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

results contains lib.redirect_only_result(requirement, ep) if {
	some ep in lib.in_scope
	lib.redirect_only(ep)
}

results contains r if {
	some ep in lib.judged
	not ep.tls.enabled
	listens := lib.exposed_plaintext(ep)
	count(listens) > 0
	r := lib.result(
		requirement, ep, "FAIL", "medium",
		sprintf("no TLS on %s, so no certificate authenticates the server", [lib.listen_list(listens)]),
		[l.span | some l in listens],
		[lib.ev_at("plaintext listen", l.span, lib.listen_text(l)) | some l in listens],
	)
}

results contains r if {
	some ep in lib.judged
	ep.tls.enabled
	count(ep.tls.certificates) == 0
	r := lib.result(
		requirement, ep, "FAIL", "medium",
		sprintf("TLS is enabled but no certificate is configured for this endpoint (no %s): handshakes fail", [lib.certificate_text(ep)]),
		[lib.first_listen_span(ep)],
		[lib.ev_at("listen", l.span, lib.listen_text(l)) | some l in ep.listens],
	)
}

# Self-signed fallbacks a product serves when no certificate applies: Traefik's "TRAEFIK
# DEFAULT CERT", ingress-nginx's "Kubernetes Ingress Controller Fake Certificate".
fallback(c) if object.get(c, "managed", null) in {"traefik-default-cert", "ingress-nginx-fake-cert"}

results contains r if {
	some ep in lib.judged
	ep.tls.enabled
	some c in ep.tls.certificates
	fallback(c)
	r := lib.result(
		requirement, ep, "FAIL", "medium",
		sprintf("%s (%s): a self-signed certificate that no client trusts", [fallback_text[c.managed], lib.at(c.span)]),
		[c.span],
		[lib.ev_at("certificate", c.span, cert_text(c))],
	)
}

results contains r if {
	some ep in lib.judged
	ep.tls.enabled
	certs := ep.tls.certificates
	count(certs) > 0
	not any_fallback(ep)
	r := lib.justified(
		requirement, ep, "MANUAL", "medium",
		sprintf("certificate validity is not decided from configuration: %s", [concat(", ", [sprintf("%s (%s)", [cert_text(c), lib.at(c.span)]) | some c in certs])]),
		[c.span | some c in certs],
		array.concat(
			[lib.ev_at("certificate", c.span, cert_text(c)) | some c in certs],
			[lib.ev("client certificate verification", ep.tls.client_auth)],
		),
		decide_text(certs),
	)
}

any_fallback(ep) if {
	some c in ep.tls.certificates
	fallback(c)
}

fallback_text := {
	"traefik-default-cert": "no certificate, certificate store default or certResolver applies to this router in the scanned configuration: Traefik answers with its TRAEFIK DEFAULT CERT",
	"ingress-nginx-fake-cert": "this TLS entry names no secretName and the controller has no --default-ssl-certificate: ingress-nginx answers with its Kubernetes Ingress Controller Fake Certificate",
}

managed_text := {
	"acme": "a certificate obtained automatically from an ACME CA",
	"caddy-internal-ca": "a certificate from Caddy's internal CA (a private CA that clients must be configured to trust)",
	"traefik-default-cert": "Traefik's self-signed TRAEFIK DEFAULT CERT",
	"ingress-nginx-fake-cert": "ingress-nginx's self-signed fake certificate",
	"ingress-nginx-default-cert": "the controller's default certificate, set by its --default-ssl-certificate flag, else its self-signed fake certificate",
}

cert_text(c) := sprintf("%s: %s", [c.path, managed_text[c.managed]]) if {
	c.path != ""
	managed_text[c.managed]
} else := managed_text[c.managed] if {
	managed_text[c.managed]
} else := c.path

decide_text(certs) := "the certificate is chosen by the ingress-nginx controller: decide by scanning the controller Deployment (its --default-ssl-certificate flag) with the Secret it names, or by a live probe" if {
	some c in certs
	object.get(c, "managed", null) == "ingress-nginx-default-cert"
} else := "the certificate is issued at run time (automatic HTTPS / ACME, or an internal CA), so no file in the configuration holds it: decide by a live probe of the endpoint, or for an internal CA by the clients' explicit trust of that CA" if {
	every c in certs {
		object.get(c, "managed", null) != null
	}
} else := "the chain, names, validity dates and key strength are properties of the certificate files; decide by including the named certificate files in the scan, or by a live probe of the endpoint"
