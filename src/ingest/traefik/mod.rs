//! Traefik ingestion (placeholder until the Traefik ingester lands).
use crate::discover::Candidate;
use crate::ingest::{Declared, Ingested, Kind};
use crate::source::SourceMap;
use std::path::Path;

pub fn detect(_path: &Path) -> Option<Kind> {
    None
}

pub fn ingest(
    _map: &mut SourceMap,
    _traefik: &[&Candidate],
    _compose: &[&Candidate],
    _d: &Declared,
    _out: &mut Ingested,
) {
}
