//! nginx ingestion: parse with spans, follow includes (bounded), normalize server blocks into
//! endpoints with nginx's defaults by version.

pub mod include;
pub mod normalize;
pub mod parse;
pub mod scan;

pub use scan::{detect, ingest};

/// What another format lowers into nginx's grammar through: ingress-nginx snippets
/// (`configuration-snippet`, `server-snippet`) are nginx directives, parsed by the same parser.
/// The one door into this format.
pub mod lowering {
    pub use super::parse::{parse, Directive};
}

/// How nginx names its parts, for the policies' messages.
pub const WORDS: crate::model::ProductWords = crate::model::ProductWords {
    block: "the server block",
    proxy: "proxy_pass, grpc_pass or uwsgi_pass",
    certificate: "ssl_certificate",
    ciphers: "ssl_ciphers",
    passthrough: Some("the stream server at %s reads the TLS ClientHello (ssl_preread)"),
    version_advice: "the default depends on the nginx version, which is not declared: set it in tlsproof.toml ([nginx] version = \"1.26.2\") or pass --nginx-version",
};

/// How to fix a FAIL in this format's terms.
pub const FIXES: super::Fixes = super::Fixes {
    tls: "listen 443 ssl; with ssl_certificate and ssl_certificate_key in this server block (and a port-80 server that only redirects)",
    protocols: "ssl_protocols TLSv1.2 TLSv1.3;",
    ciphers: "ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20; (TLS 1.3 suites are always strong)",
    redirect: "return 301 https://$host$request_uri; as the only content of the plaintext server",
    verify: "proxy_ssl_verify on; proxy_ssl_trusted_certificate /path/to/upstream-ca.pem; (and proxy_ssl_name when the upstream's name differs)",
    hop: "proxy_pass https://upstream:port; with proxy_ssl_verify on and proxy_ssl_trusted_certificate",
    hsts: "add_header Strict-Transport-Security \"max-age=31536000\" always; in every TLS server block (and in locations with their own add_header)",
};
