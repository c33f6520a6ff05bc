//! Findings: problems with the input that are data, not errors.
//!
//! A broken file, an include cycle, a missing include or a claim the configuration contradicts
//! is a [`Finding`]; the scan goes on. `Err` is reserved for I/O and setup problems of the tool
//! itself. [`FindingKind`] is the one vocabulary of every finding the record can hold, each kind
//! with its severity and description.

use crate::source::Span;
use serde::{Deserialize, Serialize};

/// How much a finding weighs in the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingSeverity {
    /// Part of the input was not judged: the verdict cannot be SATISFIED.
    Error,
    /// Worth acting on; does not change the verdict.
    Warning,
    /// Worth reading.
    Info,
}

impl FindingSeverity {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingSeverity::Error => "error",
            FindingSeverity::Warning => "warning",
            FindingSeverity::Info => "info",
        }
    }
}

macro_rules! finding_kinds {
    ($($(#[doc = $doc:literal])* $kind:ident = $name:literal, $severity:ident;)*) => {
        /// What kind of problem a finding reports. Serialized as `SCREAMING_SNAKE_CASE`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum FindingKind {
            $($(#[doc = $doc])* $kind,)*
        }

        impl FindingKind {
            /// Every kind, in declaration order.
            pub const ALL: &'static [FindingKind] = &[$(FindingKind::$kind),*];

            /// The name written in the record.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(FindingKind::$kind => $name,)*
                }
            }

            /// The weight of every finding of this kind.
            pub fn severity(self) -> FindingSeverity {
                match self {
                    $(FindingKind::$kind => FindingSeverity::$severity,)*
                }
            }

            /// What a finding of this kind means, in one sentence.
            pub fn description(self) -> &'static str {
                match self {
                    $(FindingKind::$kind => concat!($($doc),*).trim_ascii(),)*
                }
            }
        }
    };
}

finding_kinds! {
    /// The file could not be parsed; nothing in it was judged.
    ParseError = "PARSE_ERROR", Error;
    /// An include/import chain leads back to a file already on the chain.
    IncludeCycle = "INCLUDE_CYCLE", Error;
    /// An explicit include names a file that does not exist.
    IncludeMissing = "INCLUDE_MISSING", Error;
    /// A limit (include depth, file count, bytes, nesting) stopped processing.
    LimitExceeded = "LIMIT_EXCEEDED", Error;
    /// A file could not be read.
    ReadError = "READ_ERROR", Error;
    /// A setting the tool recognised but could not evaluate (a variable, an unknown token).
    Indeterminate = "INDETERMINATE", Warning;
    /// Worth a human's attention, does not affect the verdict.
    Notice = "NOTICE", Info;
    /// A certificate expires within 30 days of the evaluation time.
    CertificateExpiring = "CERTIFICATE_EXPIRING", Warning;
    /// The live endpoint does not do what its configuration says (`--probe`): another
    /// configuration, product default or TLS library decides what is served.
    Drift = "DRIFT", Warning;
    /// The claims file is not a valid list of claims: no claim in it is honored.
    ExceptionsInvalid = "EXCEPTIONS_INVALID", Error;
    /// A claim breaks the schema or the rules and is not honored.
    ExceptionInvalid = "EXCEPTION_INVALID", Error;
    /// A claim is past its expiry date; the results it covered stand.
    ExceptionExpired = "EXCEPTION_EXPIRED", Warning;
    /// A claim's created date is after the evaluation date.
    ExceptionNotYetValid = "EXCEPTION_NOT_YET_VALID", Warning;
    /// A claim selects nothing in the scan.
    ExceptionOrphaned = "EXCEPTION_ORPHANED", Warning;
    /// The configuration contradicts a claim, which is not honored.
    ExceptionRejected = "EXCEPTION_REJECTED", Warning;
    /// Every requirement a claim would cover is non-waivable.
    ExceptionNotWaivable = "EXCEPTION_NOT_WAIVABLE", Warning;
    /// A claim is honored on the approver's word: the configuration cannot prove it.
    ExceptionAttested = "EXCEPTION_ATTESTED", Info;
    /// An honored claim does not cover everything it selects: a hop outside its `scope.hops`
    /// stays judged.
    ExceptionPartial = "EXCEPTION_PARTIAL", Warning;
    /// An honored claim expires soon.
    ExceptionExpiring = "EXCEPTION_EXPIRING", Warning;
}

impl std::fmt::Display for FindingKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl std::fmt::Display for FindingSeverity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.as_str())
    }
}

impl FindingKind {
    /// Whether this finding means part of the configuration was not judged.
    pub fn is_error(self) -> bool {
        self.severity() == FindingSeverity::Error
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The catalogue of finding kinds: names are unique, match their serde name, and each has
    /// a description. A change here is a change of the record's contract.
    #[test]
    fn catalogue() {
        let mut seen = std::collections::BTreeSet::new();
        for k in FindingKind::ALL {
            assert!(seen.insert(k.as_str()), "duplicate {}", k.as_str());
            let serde = serde_json::to_value(k).expect("serializes");
            assert_eq!(serde.as_str(), Some(k.as_str()));
            assert!(!k.description().is_empty(), "{k:?} has no description");
        }
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../schemas/results.schema.json")).expect("schema");
        let listed = &schema["properties"]["findings"]["items"]["properties"]["kind"]["enum"];
        let names: Vec<&str> = FindingKind::ALL.iter().map(|k| k.as_str()).collect();
        assert_eq!(
            listed,
            &serde_json::json!(names),
            "the schema lists every kind"
        );
        let table: Vec<String> = FindingKind::ALL
            .iter()
            .map(|k| format!("{} {}", k.as_str(), k.severity().as_str()))
            .collect();
        assert_eq!(
            table.join("\n"),
            "PARSE_ERROR error\nINCLUDE_CYCLE error\nINCLUDE_MISSING error\nLIMIT_EXCEEDED error\n\
             READ_ERROR error\nINDETERMINATE warning\nNOTICE info\nCERTIFICATE_EXPIRING warning\nDRIFT warning\n\
             EXCEPTIONS_INVALID error\nEXCEPTION_INVALID error\nEXCEPTION_EXPIRED warning\n\
             EXCEPTION_NOT_YET_VALID warning\nEXCEPTION_ORPHANED warning\n\
             EXCEPTION_REJECTED warning\nEXCEPTION_NOT_WAIVABLE warning\n\
             EXCEPTION_ATTESTED info\nEXCEPTION_PARTIAL warning\nEXCEPTION_EXPIRING warning"
        );
    }
}
