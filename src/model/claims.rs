//! Exception claims as the model holds them: what a claim says and what became of it.
//!
//! The exceptions stage fills these records; they are part of the policies' input
//! (`input.exceptions`) and of the result record, so they live with the model, not the stage.

use crate::source::Location;
use serde::{Deserialize, Serialize};

/// What a claim says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClaimKind {
    Stdio,
    Localhost,
    AirGapped,
    TestEnvironment,
    CompensatingControl,
    RiskAcceptance,
}

impl ClaimKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimKind::Stdio => "stdio",
            ClaimKind::Localhost => "localhost",
            ClaimKind::AirGapped => "air-gapped",
            ClaimKind::TestEnvironment => "test-environment",
            ClaimKind::CompensatingControl => "compensating-control",
            ClaimKind::RiskAcceptance => "risk-acceptance",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        [
            ClaimKind::Stdio,
            ClaimKind::Localhost,
            ClaimKind::AirGapped,
            ClaimKind::TestEnvironment,
            ClaimKind::CompensatingControl,
            ClaimKind::RiskAcceptance,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }

    /// Claims that the control does not apply (the results become NOT_APPLICABLE); the others
    /// claim an exception (EXCEPTED).
    pub fn not_applicable(self) -> bool {
        matches!(
            self,
            ClaimKind::Stdio
                | ClaimKind::Localhost
                | ClaimKind::AirGapped
                | ClaimKind::TestEnvironment
        )
    }

    /// Claims that waive a requirement on someone's word or decision rather than on facts the
    /// configuration proves: `--strict` / `[exceptions] non_waivable` refuse them.
    pub fn waiver(self) -> bool {
        !matches!(self, ClaimKind::Stdio | ClaimKind::Localhost)
    }
}

/// The compensating control a `compensating-control` claim names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Control {
    VpnTunnel,
    SshTunnel,
    LbTermination,
    Mtls,
}

impl Control {
    pub fn as_str(self) -> &'static str {
        match self {
            Control::VpnTunnel => "vpn-tunnel",
            Control::SshTunnel => "ssh-tunnel",
            Control::LbTermination => "lb-termination",
            Control::Mtls => "mtls",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<Self> {
        [
            Control::VpnTunnel,
            Control::SshTunnel,
            Control::LbTermination,
            Control::Mtls,
        ]
        .into_iter()
        .find(|c| c.as_str() == s)
    }
}

/// The endpoints a claim is about; every selector given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimScope {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// What a compensating control protects: CIDRs (`10.0.3.0/24`) or host globs
    /// (`*.backend.internal`). A claim with hops covers only the results about hops, and only
    /// when every hop they judge goes there.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hops: Vec<String>,
}

/// What became of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Outcome {
    /// Proven by the configuration, or a valid risk acceptance: honored.
    Honored,
    /// Honored on the approver's word: the configuration cannot prove it.
    Attested,
    /// The configuration contradicts it: not honored.
    Rejected,
    /// Past its expiry date: not honored.
    Expired,
    /// Before its created date: not honored.
    NotYetValid,
    /// Breaks the schema or the rules: not honored.
    Invalid,
    /// Selects no endpoint, client or red flag in the scan.
    Orphaned,
    /// Every requirement it would cover is non-waivable (`--strict`).
    NonWaivable,
    /// Written on a result only: the claim is honored, but this result is about a hop outside
    /// its `scope.hops`, so it was not applied here.
    OutOfScope,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Honored => "HONORED",
            Outcome::Attested => "ATTESTED",
            Outcome::Rejected => "REJECTED",
            Outcome::Expired => "EXPIRED",
            Outcome::NotYetValid => "NOT_YET_VALID",
            Outcome::Invalid => "INVALID",
            Outcome::Orphaned => "ORPHANED",
            Outcome::NonWaivable => "NON_WAIVABLE",
            Outcome::OutOfScope => "OUT_OF_SCOPE",
        }
    }

    pub fn honored(self) -> bool {
        matches!(self, Outcome::Honored | Outcome::Attested)
    }
}

/// How one selected subject stood up to the claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Check {
    /// The configuration proves the claim for this subject.
    Proven,
    /// The configuration contradicts it.
    Contradicted,
    /// Nothing in the configuration can prove or contradict it.
    Attested,
    /// A risk acceptance: not a statement of fact.
    Accepted,
}

/// A configuration fact that proved or contradicted a claim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimFact {
    /// What the fact shows, in words.
    pub text: String,
    /// Whether it contradicts the claim.
    pub contradicts: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// The source line at `location`, trimmed (filled in by `apply`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
}

/// One subject a claim selected, and the facts checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubjectCheck {
    pub endpoint: String,
    pub component: String,
    pub check: Check,
    pub facts: Vec<ClaimFact>,
}

impl ClaimFact {
    /// The fact with the line it was read from: `listens on 0.0.0.0:8080 (nginx.conf:4)`.
    pub fn cited(&self) -> String {
        match &self.location {
            Some(l) => format!("{} ({}:{})", self.text, l.file, l.line),
            None => self.text.clone(),
        }
    }
}

/// A claim with its outcome: what the report's Exceptions section and `exceptions lint` show.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClaimRecord {
    pub id: String,
    /// What the claim says; written `""` when the claim names no known kind (it is INVALID).
    #[serde(with = "kind_or_empty")]
    pub kind: Option<ClaimKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<Control>,
    pub outcome: Outcome,
    /// Why the outcome (the problems of an INVALID claim, the date of an EXPIRED one, the
    /// contradicting facts of a REJECTED one).
    pub reasons: Vec<String>,
    /// The requirements the claim covers (as listed, or its kind's default); for a HONORED or
    /// ATTESTED claim, those honored (without the non-waivable ones).
    pub requirements: Vec<String>,
    /// Requirements the claim would cover that are non-waivable.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_waived: Vec<String>,
    pub scope: ClaimScope,
    pub justification: String,
    pub owner: String,
    pub approver: String,
    pub created: String,
    pub expires: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// The claim in the claims file.
    pub location: Location,
    pub subjects: Vec<SubjectCheck>,
    /// Results whose status the claim changed (filled in by `apply`).
    pub results_changed: usize,
    /// The hops the claim selected that lie outside its `scope.hops`: the results about them
    /// stand (filled in by `apply`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_covered: Vec<Location>,
    /// Days until expiry at the evaluation time (negative once expired).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub days_left: Option<i64>,
    /// The repository whose claims file holds the claim, in an organization record
    /// (`tlsproof merge` of several repositories): claim ids are unique per file only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

impl ClaimRecord {
    /// The facts that contradict the claim (or, with `false`, those that support it), each
    /// prefixed by the endpoint it is about.
    pub fn cited_facts(&self, contradicting: bool) -> Vec<String> {
        self.subjects
            .iter()
            .flat_map(|s| {
                s.facts
                    .iter()
                    .filter(move |f| f.contradicts == contradicting)
                    .map(move |f| format!("{}: {}", s.endpoint, f.cited()))
            })
            .collect()
    }
}

/// A claim kind written as its name, or `""` for a claim whose kind is missing or unknown.
mod kind_or_empty {
    use super::ClaimKind;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(kind: &Option<ClaimKind>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(kind.map(ClaimKind::as_str).unwrap_or_default())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ClaimKind>, D::Error> {
        let text = String::deserialize(d)?;
        Ok(ClaimKind::parse(&text))
    }
}

macro_rules! display_as_str {
    ($($t:ty),*) => {$(
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.pad(self.as_str())
            }
        }
    )*};
}

display_as_str!(ClaimKind, Control, Outcome);
