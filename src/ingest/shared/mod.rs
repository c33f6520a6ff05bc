//! What the formats share: every ingester may import these, and nothing from another format.
//!
//! - [`env`]: environment variables wherever they are set (env files, Dockerfiles, compose,
//!   client configs), judged one way;
//! - [`expr`]: evaluation of the constant expressions server code passes to its TLS calls;
//! - [`tokens`]: source code and JSON as token streams with spans;
//! - [`gotls`]: Go `crypto/tls` names and defaults (Caddy, Traefik, Go servers);
//! - [`glob`]: include and import globbing;
//! - [`findings`]: a parse error as a finding, for every format;
//! - [`loader`]: the one bounded reader behind includes and imports;
//! - [`redact`]: credentials in URLs, headers and client `env` values, redacted where they
//!   are read;
//! - [`redflag`]: a red flag that turns certificate validation off, and whether its file is
//!   test code;
//! - [`sniff`]: content tests that more than one format's detection needs.

pub mod env;
pub mod expr;
pub mod findings;
pub mod glob;
pub mod gotls;
pub mod loader;
pub mod redact;
pub mod redflag;
pub mod sniff;
pub mod tokens;
