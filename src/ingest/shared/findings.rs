//! Findings every format makes the same way.

use crate::ingest::Ingested;
use crate::source::{FileId, SourceMap};
use crate::yaml::ParseError;

/// A file that does not parse, as a finding: `what` says what it is not ("not valid JSON"),
/// and the error's kind decides between a syntax error and a limit reached.
pub fn parse_error(map: &SourceMap, file: FileId, e: &ParseError, what: &str, out: &mut Ingested) {
    let display = map
        .get(file)
        .map(|f| f.display.as_str())
        .unwrap_or_default();
    out.findings.push(e.finding(file, display, what));
}
