//! tlsproof decides control MCP-NET-03 "TLS Enforcement for Remote Connections" from the
//! configuration of an MCP deployment, with file:line evidence for every verdict.
//!
//! The pipeline: [`settings`] resolve the options → [`discover`] files → [`ingest`] each format
//! into raw trees with spans and normalize them into the [`model`] → [`link`] apps to the
//! proxies that reach them → enrich it (certificates
//! in [`certs`], claims in [`exceptions`]) → with `--probe`, [`observe`] the live endpoints
//! ([`probe`]) → evaluate the Rego [`policy`] set over it → the
//! canonical [`results`] record → views in [`render`] and the evidence [`bundle`], signed
//! with [`attest`]; a bundle holding its inputs is scanned again by [`replay`].
//! [`pipeline::run`] calls the stages in order; ARCHITECTURE.md describes them.

pub mod attest;
pub mod bundle;
pub mod certs;
pub mod ciphers;
pub mod config;
pub mod diag;
pub mod discover;
pub mod exceptions;
pub mod fuzzing;
pub mod ingest;
pub mod link;
pub mod merge;
pub mod model;
pub mod observe;
pub mod pipeline;
pub mod policy;
pub mod probe;
pub mod progress;
pub mod render;
pub mod replay;
pub mod requirements;
pub mod results;
pub mod schema;
pub mod settings;
pub mod shard;
pub mod source;
pub mod yaml;

#[cfg(test)]
mod architecture_tests;

/// The workers for `jobs` independent jobs: one per core, at least one, never more than jobs.
pub(crate) fn workers_for(jobs: usize) -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, jobs.max(1))
}
