# A valid certificate chain to a trusted CA (or an explicitly trusted, pinned certificate).
#
# Certificate validity (chain, names, dates, key strength) is a property of the certificate
# files, not of the server configuration. When a named file lies inside the scanned tree (or a
# Kubernetes TLS Secret's tls.crt is in the scanned manifests), its facts are in
# `input.certificates` (src/certs.rs): the leaf's dates, key, signature and names, and `chain`,
# the leaf validated with rustls-webpki against the trust store recorded in `input.trust` (the
# system CA bundle, --ca-file / [trust] ca_files, [trust] pins) at `input.evaluated_at`.
#
# PASS: every certificate chains to a trusted CA with no defect (the message names issuer,
#       expiry and trust source); a self-signed or private-CA certificate explicitly trusted by a
#       CA file or pin the user gave passes too, saying so (the control allows explicit trust).
#       One expiring within 30 days says so (and a CERTIFICATE_EXPIRING warning finding).
# FAIL: the endpoint serves content without TLS, enables TLS with no certificate configured, or
#       falls back to a product's self-signed certificate (Traefik default cert, ingress-nginx
#       fake cert); or a certificate read is expired or not yet valid, has an RSA key under 2048
#       bits, a SHA-1/MD5 signature, is self-signed and not explicitly trusted, has an unknown
#       issuer, a bad signature, or names none of the endpoint's server names.
# MANUAL: certificates outside the scanned tree or issued at run time (ACME, internal CA): the
#         message says what would decide them (scan the file, pass it, or probe the endpoint);
#         a sound certificate whose chain could not be judged (no trust store at all, or a
#         signature by an issuer key larger than the validator checks: RSA over 8192 bits).
# NOT_APPLICABLE: loopback/unix/stdio endpoints; plaintext listeners that only redirect;
#         servers that refuse every TLS handshake (lib.rejected_result).
# MANUAL (all of this requirement): endpoints read from a generic app config by key name only
#         (lib.heuristic_result).
#
# Passing example: nginx `ssl_certificate certs/site.pem;` with leaf + intermediate, issued by a
# CA in the system store, valid at the evaluation time, SAN = the server_name.
# Failing example: `ssl_certificate certs/self.pem;` self-signed and neither pinned nor passed as
# --ca-file.
package tlsproof.requirements.net03_cert

import data.tlsproof.lib
import rego.v1

requirement := "NET03-CERT"

title := "Valid certificate chain to a trusted CA, or an explicitly trusted certificate"

profiles := ["msss", "strict"]

# The control's evidence item this requirement answers (the report section it appears in).
evidence := "Certificate validation"

# The exception claims that may cover it (`tlsproof-exceptions.yaml`).
# A tunnel stands in for the channel; a terminating load balancer presents its own certificate;
# mTLS (clients verified by certificate) is what the control accepts for an internal CA.
covered_by := {
	"stdio",
	"localhost",
	"air-gapped",
	"test-environment",
	"risk-acceptance",
	"compensating-control:vpn-tunnel",
	"compensating-control:ssh-tunnel",
	"compensating-control:lb-termination",
	"compensating-control:mtls",
}

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
		requirement, ep, "FAIL", "medium",
		sprintf("no TLS on %s, so no certificate authenticates the server", [lib.listen_list(listens)]),
		[l.span | some l in listens],
		[lib.ev_at("plaintext listen", l.span, lib.listen_text(l)) | some l in listens],
	)
}

results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	count(ep.tls.certificates) == 0
	r := lib.result(
		requirement, ep, "FAIL", "medium",
		sprintf("TLS is enabled but no certificate is configured for this endpoint (no %s): handshakes fail", [lib.certificate_text(ep)]),
		[lib.first_listen_span(ep)],
		[lib.ev_at("listen", l.span, lib.listen_text(l)) | some l in ep.listens],
	)
}

# A certificate another block names that answers for this endpoint (nginx: the default
# server's, kept for a name-based server without one): why, and this endpoint's listen.
adopted_text(c) := sprintf("; %s", [c.note]) if is_string(object.get(c, "note", null))

else := ""

adopted_spans(ep, c) := [lib.first_listen_span(ep)] if is_string(object.get(c, "note", null))

else := []

# Self-signed fallbacks a product serves when no certificate applies: Traefik's "TRAEFIK
# DEFAULT CERT", ingress-nginx's "Kubernetes Ingress Controller Fake Certificate".
fallback(c) if object.get(c, "managed", null) in {"traefik-default-cert", "ingress-nginx-fake-cert"}

results contains r if {
	some ep in lib.tls_judged
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
	some ep in lib.tls_judged
	ep.tls.enabled
	standing[ep.id] == "unread"
	not served[ep.id]
	certs := ep.tls.certificates
	texts := [cert_text(c) | some c in certs]
	r := lib.justified(
		requirement, ep, "MANUAL", "medium",
		sprintf("certificate validity is not decided from configuration: %s", [concat(", ", [sprintf("%s (%s%s)", [texts[i], lib.at(c.span), adopted_text(c)]) | some i, c in certs])]),
		[s | some c in certs; some s in array.concat([c.span], adopted_spans(ep, c))],
		array.concat(
			[lib.ev_at("certificate", c.span, texts[i]) | some i, c in certs],
			[lib.ev("client certificate verification", ep.tls.client_auth)],
		),
		why_unread(certs),
	)
}

# Why the certificates were not read (`unread_certificates`: not in the scan, or not a
# certificate), then what would decide; the general text when the scan did not look for them.
why_unread(certs) := sprintf("%s; %s", [concat("; ", reasons), decide_text(certs)]) if {
	reasons := lib.first_seen([unread_at[naming(c)] | some c in certs])
	count(reasons) > 0
} else := decide_text(certs)

# The probes that captured a served certificate (`scan --probe`), by endpoint id in input
# order, indexed once per piece.
served := {id: [o | some o in serving; o.endpoint == id] | some id in {o.endpoint | some o in serving}}

serving := [o | some o in object.get(input, "observations", []); is_object(object.get(o, "certificate", null))]

served_text(o) := sprintf("%s at %s (%s, %s): %s issued by %s, valid until %s, %s", [
	o.certificate.chain.status, o.target, o.address, o.observed_at, o.certificate.subject,
	o.certificate.issuer, o.certificate.not_after, trusted_text(o.certificate.chain),
]) if o.certificate.chain.status == "valid"

else := sprintf("%s at %s (%s, %s): %s (%s issued by %s)", [
	o.certificate.chain.status, o.target, o.address, o.observed_at, o.certificate.chain.detail,
	o.certificate.subject, o.certificate.issuer,
])

# A certificate no file holds (issued at run time, or outside the scanned tree), decided by
# the chain the live endpoint served, validated like a file: FAIL when a served chain is not
# valid, PASS when every one is.
results contains r if {
	some ep in lib.tls_judged
	ep.tls.enabled
	standing[ep.id] == "unread"
	certs := ep.tls.certificates
	seen := served[ep.id]
	bad := [o | some o in seen; o.certificate.chain.status != "valid"]
	status := served_status(bad)
	r := lib.result(
		requirement, ep, status, served_severity[status],
		sprintf("served certificate %s", [concat("; ", [served_text(o) | some o in seen])]),
		[c.span | some c in certs],
		[lib.ev_at("served certificate", o.span, served_text(o)) | some o in seen],
	)
}

served_status(bad) := "FAIL" if count(bad) > 0

else := "PASS"

served_severity := {"FAIL": "high", "PASS": "info"}

# Where the certificates of each TLS endpoint with some stand, decided once per piece for the
# rules that ask: "fallback" (a product's self-signed certificate), else "defective" (a
# certificate read has a defect), else "unread" (some certificate has no facts), else "sound".
standing := {ep.id: standing_of(ep) |
	some ep in lib.tls_judged
	ep.tls.enabled
	count(ep.tls.certificates) > 0
}

standing_of(ep) := "fallback" if any_fallback(ep)

else := "defective" if any_defective(ep)

else := "unread" if any_unread(ep.tls.certificates)

else := "sound"

# Some certificate has no facts (issued at run time, or its file outside the scan). One test,
# not one result per such certificate: each result names them all, so a site with many names
# (one certificate each) would otherwise cost the square of their number.
any_unread(certs) if {
	some c in certs
	not facts_of(c)
}

# Facts read from the certificate file named at `c.span` (src/certs.rs).
facts_of(c) := facts_at[naming(c)]

# The certificate facts and the reasons certificates were not read, by the line that names
# them (path, file, line, column: src/certs.rs makes one entry per naming line), indexed once
# per input so that an endpoint looks its certificates up rather than walking both lists.
facts_at := {naming(f): f | some f in input.certificates}

unread_at := {naming(u): u.reason | some u in object.get(input, "unread_certificates", [])}

naming(x) := [x.path, x.span.file, x.span.line, x.span.column]

day := 86400

# The defects of a certificate read from its file.
defects(ep, f) := union({
	{sprintf("expired on %s (evaluated at %s)", [f.not_after, input.evaluated_at]) |
		leaf_expired(f)
	},
	{sprintf("not valid before %s (evaluated at %s)", [f.not_before, input.evaluated_at]) |
		leaf_not_yet_valid(f)
	},
	{sprintf("an RSA key of %d bits (at least 2048 required)", [f.key.bits]) |
		f.key.alg == "RSA"
		f.key.bits < 2048
	},
	{sprintf("a weak signature algorithm (%s)", [f.signature_alg]) |
		some weak in ["sha1", "md5", "md2"]
		contains(lower(f.signature_alg), weak)
	},
	{sprintf("self-signed, not explicitly trusted (subject %s): pass it with --ca-file or pin its key in [trust] pins to trust it", [f.subject]) |
		f.self_signed
		not explicitly_trusted(f)
	},
	{sprintf("names %s, none of the server names %s", [sans_text(f), concat(", ", sort_set(names(ep)))]) |
		wrong_name(ep, f)
	},
	{sprintf("names %s, not the server name(s) %s, which clients reaching those names reject", [sans_text(f), concat(", ", sort_set(uncovered_names(ep, f)))]) |
		not wrong_name(ep, f)
		count(uncovered_names(ep, f)) > 0
	},
	chain_defects(f),
})

leaf_expired(f) if input.evaluated_at_unix > f.not_after_unix

leaf_not_yet_valid(f) if input.evaluated_at_unix < f.not_before_unix

chain_of(f) := f.chain if is_object(object.get(f, "chain", null))

explicitly_trusted(f) if {
	chain_of(f).explicit == true
	is_string(chain_of(f).trusted_by)
}

# Some trust source holds an anchor: an unknown issuer is then a verdict, not a missing store.
trust_available if {
	some s in object.get(input, ["trust", "sources"], [])
	s.anchors > 0
}

# What the chain validation found beyond the leaf's own facts.
chain_defects(f) := {sprintf("unknown issuer (not in the trust store %s): issued by %s", [trust_text, f.issuer]) |
	chain_of(f).status == "unknown-issuer"
	trust_available
} | {sprintf("bad signature: %s", [chain_of(f).detail]) |
	chain_of(f).status == "bad-signature"
} | {sprintf("rejected by chain validation: %s", [chain_of(f).detail]) |
	chain_of(f).status == "invalid"
} | {sprintf("%s (chain validated at %s)", [chain_of(f).detail, chain_of(f).validated_at]) |
	chain_of(f).status == "expired"
	not leaf_expired(f)
} | {sprintf("%s (chain validated at %s)", [chain_of(f).detail, chain_of(f).validated_at]) |
	chain_of(f).status == "not-yet-valid"
	not leaf_not_yet_valid(f)
}

trust_text := concat(", ", [s.label | some s in input.trust.sources; s.anchors > 0])

# With a chain validation: the validator's name check, for the endpoint's concrete names.
wrong_name(ep, f) if {
	chain := chain_of(f)
	checked := {n | some n in names(ep); n in chain.names_checked}
	count(checked) > 0
	every n in checked {
		not n in chain.names_valid
	}
}

# Server names the validator found the certificate not valid for, when it is valid for others
# (`server_name mcp.example.com www.mcp.example.com` with a certificate for the first only).
# Names that only local clients use (localhost, loopback addresses) are not required.
uncovered_names(ep, f) := {n |
	chain := chain_of(f)
	some n in names(ep)
	not local_name(n)
	n in chain.names_checked
	not n in chain.names_valid
}

local_name(n) if n in {"localhost", "localhost.localdomain", "::1"}

local_name(n) if startswith(n, "127.")

# Without one (facts from another producer): the SANs compared with the server names.
wrong_name(ep, f) if {
	not chain_of(f)
	count(names(ep)) > 0
	not name_covered(ep, f)
}

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
	some ep in lib.tls_judged
	ep.tls.enabled
	standing[ep.id] == "defective"
	some c in ep.tls.certificates
	f := facts_of(c)
	ds := defects(ep, f)
	count(ds) > 0
	r := lib.result(
		requirement, ep, "FAIL", "medium",
		sprintf("certificate %s (%s%s): %s", [cert_name(f), lib.at(c.span), adopted_text(c), concat("; ", sort_set(ds))]),
		array.concat(cert_spans(c, f), adopted_spans(ep, c)),
		[lib.ev_at("certificate", c.span, facts_value(f))],
	)
}

sort_set(s) := sort([x | some x in s])

expiry_text(f) := sprintf("; expires on %s, within 30 days", [f.not_after]) if {
	f.not_after_unix - input.evaluated_at_unix <= 30 * day
} else := ""

# The file a certificate was read from, or the Secret and its tls.crt line.
cert_name(f) := sprintf("%s (tls.crt at %s)", [f.path, lib.at(f.read_at)]) if is_object(object.get(f, "read_at", null))

else := f.file

# The naming line, then (for a Kubernetes Secret) the tls.crt the certificate was read from.
cert_spans(c, f) := [c.span, f.read_at] if is_object(object.get(f, "read_at", null))

else := [c.span]

sound(ep) if standing[ep.id] == "sound"

trusted_text(ch) := sprintf("explicitly trusted by %s (a certificate the user trusts through a CA file or pin, which the control allows for a self-signed or private-CA certificate)", [ch.trusted_by]) if ch.explicit == true

else := sprintf("chains to a trusted CA (%s)", [ch.trusted_by])

valid_text(c) := sprintf("%s (%s%s): %s; issued by %s, valid until %s, %s %d bits, %s%s", [
	cert_name(f), lib.at(c.span), adopted_text(c), trusted_text(f.chain), f.issuer, f.not_after, f.key.alg,
	f.key.bits, f.signature_alg, expiry_text(f),
]) if {
	f := facts_of(c)
}

# Every certificate has facts, no defect, and a chain validated to a trust anchor.
results contains r if {
	some ep in lib.tls_judged
	sound(ep)
	certs := ep.tls.certificates
	every c in certs {
		chain_of(facts_of(c)).status in {"valid", "wrong-name"}
	}
	r := lib.result(
		requirement, ep, "PASS", "info",
		sprintf("certificate %s", [concat("; ", [valid_text(c) | some c in certs])]),
		[s | some c in certs; some s in array.concat(cert_spans(c, facts_of(c)), adopted_spans(ep, c))],
		array.concat(
			[lib.ev_at("certificate", c.span, facts_value(facts_of(c))) | some c in certs],
			[lib.ev("client certificate verification", ep.tls.client_auth)],
		),
	)
}

# Every certificate has facts and no defect, but some chain could not be judged: no chain
# validation in the input, or no trust store at all.
results contains r if {
	some ep in lib.tls_judged
	sound(ep)
	certs := ep.tls.certificates
	some c0 in certs
	not chain_of(facts_of(c0)).status in {"valid", "wrong-name"}
	r := lib.justified(
		requirement, ep, "MANUAL", "medium",
		sprintf("chain to a trusted CA not validated (%s): %s", [unjudged_text(certs), concat(", ", [sprintf("%s (%s, valid until %s, %s %d bits, %s%s)", [
			cert_name(facts_of(c)), lib.at(c.span), facts_of(c).not_after, facts_of(c).key.alg,
			facts_of(c).key.bits, facts_of(c).signature_alg, expiry_text(facts_of(c)),
		]) | some c in certs])]),
		[s | some c in certs; some s in cert_spans(c, facts_of(c))],
		array.concat(
			[lib.ev_at("certificate", c.span, facts_value(facts_of(c))) | some c in certs],
			[lib.ev("client certificate verification", ep.tls.client_auth)],
		),
		unjudged_decider(certs),
	)
}

# The chains the validator could not check (an issuer's RSA key over its limit), in its words.
unverifiable(certs) := [chain_of(facts_of(c)).detail |
	some c in certs
	chain_of(facts_of(c)).status == "unverifiable"
]

unjudged_text(certs) := concat("; ", unverifiable(certs)) if {
	count(unverifiable(certs)) > 0
} else := unjudged_text_of_store

unjudged_decider(certs) := "the certificate's dates, key, signature algorithm and names were read from its file and have no defect; a signature of its chain was not checked: decide with a validator that verifies signatures of such keys (openssl verify -CAfile with the issuing CA), or by a live probe of the endpoint with a client that accepts them" if {
	count(unverifiable(certs)) > 0
} else := "the certificate's dates, key, signature algorithm and names were read from its file and have no defect; whether it chains to a CA the clients trust was not decided: decide by passing the issuing CA with --ca-file (or [trust] ca_files / pins in tlsproof.toml) on a machine with a system CA bundle, or by a live probe of the endpoint"

unjudged_text_of_store := "no trust store: no system CA bundle was found and no --ca-file, [trust] ca_files or pins were given" if {
	not trust_available
	is_object(object.get(input, "trust", null))
} else := "no chain validation in the input"

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
	"cert-manager": "a Secret that cert-manager issues at run time (cert-manager.io issuer annotation)",
	"caddy-internal-ca": "a certificate from Caddy's internal CA (a private CA that clients must be configured to trust)",
	"caddy-on-demand-acme": "a certificate Caddy obtains from an ACME CA during the TLS handshake, for the server name the client sends (on-demand TLS)",
	"caddy-on-demand-internal-ca": "a certificate Caddy issues from its internal CA (a private CA that clients must be configured to trust) during the TLS handshake, for the server name the client sends (on-demand TLS)",
	"traefik-default-cert": "Traefik's self-signed TRAEFIK DEFAULT CERT",
	"ingress-nginx-fake-cert": "ingress-nginx's self-signed fake certificate",
	"ingress-nginx-default-cert": "the controller's default certificate, set by its --default-ssl-certificate flag, else its self-signed fake certificate",
}

cert_text(c) := c.path if {
	not c.managed
} else := sprintf("%s: %s", [c.path, managed_text[c.managed]]) if {
	c.path != ""
	managed_text[c.managed]
} else := managed_text[c.managed] if {
	managed_text[c.managed]
} else := c.path

decide_text(certs) := "the certificate is chosen by the ingress-nginx controller: decide by scanning the controller Deployment (its --default-ssl-certificate flag) with the Secret it names, or by a live probe" if {
	some c in certs
	object.get(c, "managed", null) == "ingress-nginx-default-cert"
} else := "the certificate is issued during the TLS handshake (on-demand TLS), so no file in the configuration holds it: decide by a live probe of the endpoint with the server name its clients send" if {
	every c in certs {
		startswith(object.get(c, "managed", ""), "caddy-on-demand-")
	}
} else := "the certificate is issued at run time (automatic HTTPS / ACME, or an internal CA), so no file in the configuration holds it: decide by a live probe of the endpoint, or for an internal CA by the clients' explicit trust of that CA" if {
	every c in certs {
		object.get(c, "managed", null) != null
	}
} else := "the chain, names, validity dates and key strength are properties of the certificate: decide by scanning the Secret's manifest with its certificate, or by a live probe of the endpoint" if {
	every c in certs {
		startswith(c.path, "secret:")
	}
} else := "the chain, names, validity dates and key strength are properties of the certificate files: decide by scanning a folder that holds them (e.g. a copy of the deployed certificate beside the configuration), or by a live probe of the endpoint"
