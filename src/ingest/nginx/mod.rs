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
