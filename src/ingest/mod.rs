//! Stage 2 — ingestion: the one registry from file kind to ingester.
//!
//! [`detect`] decides a file's kind (name first, then content); [`ingest`] hands each group of
//! candidates to its format's module, which parses with spans and normalizes into the model.
//! A new format is one variant here, one module beside this file, and one fixture folder.

pub mod nginx;

use crate::diag::Finding;
use crate::discover::Candidate;
use crate::model::{Endpoint, RedFlag};
use crate::source::{FileId, SourceMap};
use std::collections::BTreeMap;
use std::path::Path;

/// Every input format tlsproof reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    Nginx,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Nginx => "nginx",
        }
    }
}

/// Product versions and other declarations the ingesters need.
#[derive(Debug, Clone, Default)]
pub struct Declared {
    pub nginx_version: Option<String>,
}

/// What the ingesters produced.
#[derive(Debug, Default)]
pub struct Ingested {
    pub endpoints: Vec<Endpoint>,
    pub red_flags: Vec<RedFlag>,
    pub findings: Vec<Finding>,
    /// Every file read, with its kind and role (main, included, standalone).
    pub files: BTreeMap<FileId, (Kind, String)>,
}

/// Decides a file's kind from its name, then its content. `None` = not a file tlsproof reads.
pub fn detect(path: &Path) -> Option<Kind> {
    if nginx::detect(path) {
        return Some(Kind::Nginx);
    }
    None
}

/// Runs every ingester over its candidates.
pub fn ingest(map: &mut SourceMap, candidates: &[Candidate], declared: &Declared) -> Ingested {
    let mut out = Ingested::default();
    let nginx: Vec<&Candidate> = candidates
        .iter()
        .filter(|c| c.kind == Kind::Nginx)
        .collect();
    if !nginx.is_empty() {
        nginx::ingest(map, &nginx, declared, &mut out);
    }
    out
}
