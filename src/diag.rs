//! Findings: problems with the input that are data, not errors.
//!
//! A broken file, an include cycle or a missing include is a [`Finding`] with a span; the scan
//! goes on. `Err` is reserved for I/O and setup problems of the tool itself.

use crate::source::Span;
use serde::Serialize;

/// What kind of problem a finding reports. Serialized as `SCREAMING_SNAKE_CASE`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingKind {
    /// The file could not be parsed; nothing in it was judged.
    ParseError,
    /// An include/import chain leads back to a file already on the chain.
    IncludeCycle,
    /// An explicit include names a file that does not exist.
    IncludeMissing,
    /// A limit (include depth, file count, bytes, nesting) stopped processing.
    LimitExceeded,
    /// A file could not be read.
    ReadError,
    /// A setting the tool recognised but could not evaluate (a variable, an unknown token).
    Indeterminate,
    /// Worth a human's attention, does not affect the verdict.
    Notice,
    /// A certificate expires within 30 days of the evaluation time (a warning).
    CertificateExpiring,
}

impl FindingKind {
    /// Whether this finding means part of the configuration was not judged.
    pub fn is_error(self) -> bool {
        matches!(
            self,
            FindingKind::ParseError
                | FindingKind::IncludeCycle
                | FindingKind::IncludeMissing
                | FindingKind::LimitExceeded
                | FindingKind::ReadError
        )
    }
}

/// A problem with the input, located in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: FindingKind,
    pub message: String,
    /// Primary location first; for an include cycle, the include sites of the cycle.
    pub spans: Vec<Span>,
}

impl Finding {
    pub fn new(kind: FindingKind, message: impl Into<String>, span: Option<Span>) -> Self {
        Finding {
            kind,
            message: message.into(),
            spans: span.into_iter().collect(),
        }
    }
}
