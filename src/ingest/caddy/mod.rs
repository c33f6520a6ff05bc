//! Caddyfile ingestion (placeholder until the Caddy ingester lands).
use crate::discover::Candidate;
use crate::ingest::{Declared, Ingested};
use crate::source::SourceMap;
use std::path::Path;

pub fn detect(_path: &Path) -> bool {
    false
}

pub fn ingest(_map: &mut SourceMap, _c: &[&Candidate], _d: &Declared, _out: &mut Ingested) {}
