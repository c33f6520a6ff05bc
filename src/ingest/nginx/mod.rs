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
