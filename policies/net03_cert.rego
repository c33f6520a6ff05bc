# A valid certificate chain to a trusted CA (or an explicitly trusted, pinned certificate).
#
# Certificate validity (chain, names, dates, key strength) is a property of the certificate
# files, not of the server configuration. When a named file lies inside the scanned tree, its
# facts are in `input.certificates` (src/certs.rs) and are judged at `input.evaluated_at`; the
# chain to a trusted CA is not validated yet, so a certificate without a defect stays MANUAL with
# its facts as evidence. Other certificates are MANUAL naming the files that would decide them.
#
# FAIL: the endpoint serves content without TLS, enables TLS with no certificate configured, or
#       (Traefik) falls back to the self-signed TRAEFIK DEFAULT CERT; or a certificate file read
#       is expired or not yet valid, has an RSA key under 2048 bits, a SHA-1/MD5 signature, is
#       self-signed, or names none of the endpoint's server names.
# MANUAL: certificates are configured; their validity is decided by the files or a live probe;
#         with facts and no defect, the chain to a trusted CA (a certificate expiring within 30
#         days says so in the message).
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
	not any_defective(ep)
	some unread in certs
	not facts_of(unread)
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

# Facts read from the certificate file named at `c.span` (src/certs.rs).
facts_of(c) := f if {
	some f in input.certificates
	f.path == c.path
	f.span.file == c.span.file
	f.span.line == c.span.line
	f.span.column == c.span.column
}

day := 86400

# The defects of a certificate read from its file.
defects(ep, f) := union({
	{sprintf("expired on %s (evaluated at %s)", [f.not_after, input.evaluated_at]) |
		input.evaluated_at_unix > f.not_after_unix
	},
	{sprintf("not valid before %s (evaluated at %s)", [f.not_before, input.evaluated_at]) |
		input.evaluated_at_unix < f.not_before_unix
	},
	{sprintf("an RSA key of %d bits (at least 2048 required)", [f.key.bits]) |
		f.key.alg == "RSA"
		f.key.bits < 2048
	},
	{sprintf("a weak signature algorithm (%s)", [f.signature_alg]) |
		some weak in ["sha1", "md5", "md2"]
		contains(lower(f.signature_alg), weak)
	},
	{sprintf("self-signed, not explicitly trusted (subject %s)", [f.subject]) | f.self_signed},
	{sprintf("names %s, none of the server names %s", [sans_text(f), concat(", ", sort_set(names(ep)))]) |
		count(names(ep)) > 0
		not name_covered(ep, f)
	},
})

sans_text(f) := concat(", ", f.sans) if count(f.sans) > 0

else := sprintf("no subjectAltName (subject %s)", [f.subject])

# The host names an endpoint answers to, leaving out catch-alls, regexes and variables.
names(ep) := {lower(n) |
	some n in object.get(ep, "server_names", [])
	n != ""
	n != "_"
	not startswith(n, "~")
	not contains(n, "$")
	not contains(n, "{")
}

name_covered(ep, f) if {
	some n in names(ep)
	some san in f.sans
	name_matches(n, lower(san))
}

name_matches(n, san) if n == san

# A wildcard SAN covers exactly one leftmost label.
name_matches(n, san) if {
	startswith(san, "*.")
	suffix := substring(san, 1, -1)
	endswith(n, suffix)
	label := substring(n, 0, count(n) - count(suffix))
	label != ""
	not contains(label, ".")
	not contains(label, "*")
}

any_defective(ep) if {
	some c in ep.tls.certificates
	f := facts_of(c)
	count(defects(ep, f)) > 0
}

facts_value(f) := object.remove(f, ["span"])

results contains r if {
	some ep in lib.judged
	ep.tls.enabled
	not any_fallback(ep)
	some c in ep.tls.certificates
	f := facts_of(c)
	ds := defects(ep, f)
	count(ds) > 0
	r := lib.result(
		requirement, ep, "FAIL", "medium",
		sprintf("certificate %s (%s): %s", [f.file, lib.at(c.span), concat("; ", sort_set(ds))]),
		[c.span],
		[lib.ev_at("certificate", c.span, facts_value(f))],
	)
}

sort_set(s) := sort([x | some x in s])

expiry_text(f) := sprintf("; expires on %s, within 30 days", [f.not_after]) if {
	f.not_after_unix - input.evaluated_at_unix <= 30 * day
} else := ""

# Every certificate has facts and none has a defect: only the chain to a trusted CA is open.
results contains r if {
	some ep in lib.judged
	ep.tls.enabled
	certs := ep.tls.certificates
	count(certs) > 0
	not any_fallback(ep)
	not any_defective(ep)
	every c in certs {
		facts_of(c)
	}
	r := lib.justified(
		requirement, ep, "MANUAL", "medium",
		sprintf("chain to a trusted CA not validated yet (issue: trust store): %s", [concat(", ", [sprintf("%s (%s, valid until %s, %s %d bits, %s%s)", [
			facts_of(c).file, lib.at(c.span), facts_of(c).not_after, facts_of(c).key.alg,
			facts_of(c).key.bits, facts_of(c).signature_alg, expiry_text(facts_of(c)),
		]) | some c in certs])]),
		[c.span | some c in certs],
		array.concat(
			[lib.ev_at("certificate", c.span, facts_value(facts_of(c))) | some c in certs],
			[lib.ev("client certificate verification", ep.tls.client_auth)],
		),
		"the certificate's dates, key, signature algorithm and names were read from its file and have no defect; whether it chains to a CA the clients trust is not validated yet: decide by checking the chain against the clients' trust store, or by a live probe of the endpoint",
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
