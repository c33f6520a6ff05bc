# Model fragments for the policy tests (loaded by `tlsproof policy test` only).
package tlsproof.test.fixtures

import rego.v1

span(file, line) := {"file": file, "line": line, "column": 5, "via": []}

fact(value, origin, s) := {"value": value, "origin": origin, "span": s}

listen(address, port, scope, tls, line) := {
	"address": address, "port": port, "scope": scope, "tls": tls, "quic": false,
	"default_server": false, "span": span("site.conf", line), "origin": "explicit",
}

suite(name, version, kx, au, enc, mac, aead) := {
	"name": name, "iana": name, "id": "0x00,0x00", "version": version, "kx": kx, "au": au,
	"enc": enc, "mac": mac, "bits": 128, "aead": aead, "export": false,
}

# The model names suites; their properties are in its `cipher_suites` table.
ecdhe_gcm := "ECDHE-RSA-AES128-GCM-SHA256"

ecdhe_cbc := "ECDHE-RSA-AES128-SHA"

rsa_gcm := "AES128-GCM-SHA256"

des3 := "DES-CBC3-SHA"

anon_gcm := "ADH-AES128-GCM-SHA256"

tls13 := "TLS_AES_128_GCM_SHA256"

cipher_suites := {s.name: s | some s in [
	suite(ecdhe_gcm, "TLSv1.2", "ECDHE", "RSA", "AESGCM(128)", "AEAD", true),
	suite(ecdhe_cbc, "TLSv1", "ECDHE", "RSA", "AES(128)", "SHA1", false),
	suite(rsa_gcm, "TLSv1.2", "RSA", "RSA", "AESGCM(128)", "AEAD", true),
	suite(des3, "SSLv3", "RSA", "RSA", "3DES(168)", "SHA1", false),
	suite(anon_gcm, "TLSv1.2", "DH", "None", "AESGCM(128)", "AEAD", true),
	suite(tls13, "TLSv1.3", "any", "any", "AESGCM(128)", "AEAD", true),
]}

# A compliant TLS endpoint on *:443 proxying to loopback; the http-level settings sit in
# nginx.conf (lines 10-12), the server in site.conf.
tls_endpoint := {
	"id": "nginx:site.conf:1:mcp.example.com",
	"component": "nginx",
	"context": "http",
	"span": span("site.conf", 1),
	"server_names": ["mcp.example.com"],
	"listens": [listen("*", 443, "public", true, 2)],
	"scope": "public",
	"transport": "http",
	"serves_content": fact(true, "derived", span("site.conf", 1)),
	"tls": {
		"enabled": true,
		"protocols": fact(["TLSv1.2", "TLSv1.3"], "explicit", span("nginx.conf", 10)),
		"ciphers": fact({"spec": "ECDHE+AESGCM", "suites": [ecdhe_gcm], "unknown": []}, "explicit", span("nginx.conf", 11)),
		"tls13_suites": fact([tls13], "default", span("site.conf", 1)),
		"certificates": [{"path": "/etc/ssl/site.crt", "key": "/etc/ssl/site.key", "span": span("site.conf", 4)}],
		"client_auth": fact("off", "default", span("site.conf", 1)),
		"hsts": fact({"max_age": 63072000, "include_subdomains": true, "preload": false, "always": true, "raw": "max-age=63072000"}, "explicit", span("site.conf", 6)),
		"session_tickets": fact(false, "explicit", span("nginx.conf", 12)),
	},
	"plaintext": null,
	"hops": [hop("http://127.0.0.1:8000", "127.0.0.1:8000", "loopback", false, 8)],
}

hop(upstream, address, scope, tls, line) := {
	"directive": "proxy_pass", "location": "/mcp", "upstream": upstream,
	"scheme": split(upstream, ":")[0], "tls": tls, "determinate": true,
	"targets": [{"address": address, "scope": scope, "span": span("site.conf", line)}],
	"scope": scope,
	"verify": fact(false, "default", span("site.conf", line)),
	"trusted_ca": fact(null, "default", span("site.conf", line)),
	"span": span("site.conf", line),
}

# The same server without TLS, serving content on *:8080.
plain_endpoint := object.union(tls_endpoint, {
	"id": "nginx:site.conf:20:plain",
	"listens": [listen("*", 8080, "public", false, 21)],
	"tls": {"enabled": false, "certificates": []},
	"plaintext": {
		"listens": [listen("*", 8080, "public", false, 21)],
		"redirects_to_https": fact(false, "default", span("site.conf", 20)),
		"blocked": fact(false, "default", span("site.conf", 20)),
	},
})

# A port-80 server that only redirects to https.
redirect_endpoint := object.union(plain_endpoint, {
	"id": "nginx:site.conf:30:redirect",
	"serves_content": fact(false, "derived", span("site.conf", 30)),
	"plaintext": {"redirects_to_https": fact(true, "derived", span("site.conf", 32))},
	"hops": [],
})

loopback_endpoint := object.union(plain_endpoint, {
	"id": "nginx:site.conf:40:local",
	"scope": "loopback",
	"listens": [listen("127.0.0.1", 8081, "loopback", false, 41)],
})

input_of(endpoints) := {"profile": "msss", "environment": "production", "endpoints": endpoints, "red_flags": [], "products": products, "cipher_suites": cipher_suites}

# The products' words as their formats declare them (`WORDS` in src/ingest/<format>/mod.rs;
# a cargo test keeps the two the same).
products := {
	"nginx": {
		"block": "the server block",
		"proxy": "proxy_pass, grpc_pass or uwsgi_pass",
		"certificate": "ssl_certificate",
		"ciphers": "ssl_ciphers",
		"passthrough": "the stream server at %s reads the TLS ClientHello (ssl_preread)",
		"version_advice": "the default depends on the nginx version, which is not declared: set it in tlsproof.toml ([nginx] version = \"1.26.2\") or pass --nginx-version",
	},
	"caddy": {
		"block": "the site block",
		"proxy": "reverse_proxy",
		"certificate": "tls <cert> <key> or automatic HTTPS",
		"ciphers": "tls ciphers",
		"version_advice": "the default depends on the caddy version, which is not declared: set it in tlsproof.toml ([caddy] version = \"2.8.4\") or pass --caddy-version",
	},
	"traefik": {
		"block": "the router",
		"proxy": "service with servers",
		"certificate": "tls.certificates or certResolver",
		"ciphers": "cipherSuites",
		"passthrough": "the TCP router at %s routes on SNI with tls.passthrough",
		"version_advice": "the default depends on the traefik version, which is not declared: set it in tlsproof.toml ([traefik] version = \"3.1\") or pass --traefik-version",
	},
	"kubernetes": {
		"block": "the resource",
		"proxy": "backend Service",
		"certificate": "tls secretName or certificateRefs",
		"ciphers": "ssl-ciphers",
		"version_advice": "the default depends on the ingress controller's version, which is not declared: set it in tlsproof.toml ([kubernetes] ingress_nginx_version = \"1.11.2\"), or scan the controller Deployment (its image tag)",
	},
	"app": {
		"block": "the endpoint",
		"proxy": "proxy setting",
		"certificate": "certificate setting",
		"ciphers": "ciphers",
		"version_advice": "the default depends on the language runtime's version, which the scanned files do not show: set the version in the code (minimum_version, minVersion, MinVersion), or scan the file that pins the runtime (a Dockerfile FROM python:3.12, pyproject.toml requires-python, go.mod's go line)",
	},
}

strict_input_of(endpoints) := object.union(input_of(endpoints), {"profile": "strict"})

# The results of a requirement for one endpoint, by status.
statuses(results) := {r.status | some r in results}

# A key read by the generic app-config heuristics.
app_key(key, value, meaning, line) := {"key": key, "value": value, "meaning": meaning, "span": span("mcp-server.yaml", line)}

# An application endpoint read from `mcp-server.yaml` by key names only: `server.host`
# 0.0.0.0 (line 2), `server.port` 8080 (line 3), `server.tls.cert_file` (line 5).
heuristic_endpoint := {
	"id": "app:mcp-server.yaml:1:server",
	"component": "app",
	"span": span("mcp-server.yaml", 1),
	"server_names": [],
	"listens": [object.union(listen("0.0.0.0", 8080, "public", false, 2), {"span": span("mcp-server.yaml", 2)})],
	"scope": "public",
	"transport": "http",
	"serves_content": fact(true, "derived", span("mcp-server.yaml", 1)),
	"tls": {"enabled": false, "certificates": []},
	"plaintext": {
		"listens": [object.union(listen("0.0.0.0", 8080, "public", false, 2), {"span": span("mcp-server.yaml", 2)})],
		"redirects_to_https": fact(false, "default", span("mcp-server.yaml", 1)),
		"blocked": fact(false, "default", span("mcp-server.yaml", 1)),
	},
	"hops": [],
	"heuristic": {
		"rule": "the file name contains \"mcp\"",
		"reason": "server.host 0.0.0.0 is read as the bind address by its name",
		"keys": [
			app_key("server.host", "0.0.0.0", "bind", 2),
			app_key("server.port", "8080", "port", 3),
			app_key("server.tls.cert_file", "/etc/mcp/cert.pem", "certificate", 5),
		],
	},
}

# The same keys with a loopback host: still heuristic, so not judged out of scope.
heuristic_loopback_endpoint := object.union(heuristic_endpoint, {
	"id": "app:mcp-server.yaml:1:loopback",
	"scope": "loopback",
	"listens": [object.union(listen("127.0.0.1", 8080, "loopback", false, 2), {"span": span("mcp-server.yaml", 2)})],
})

# The one result a requirement gives an endpoint, by id.
results_for(results, id) := [r | some r in results; r.endpoint == id]
