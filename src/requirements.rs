//! The requirement registry: every requirement the policy set defines, read from the metadata
//! its Rego package declares beside `results`.
//!
//! The registry is the only list of requirements. Exception claims read which claim kinds may
//! cover a requirement (`covered_by`), the report groups results by the control's evidence item
//! (`evidence`), and the result record is checked against it, so a requirement added with
//! `--policies` appears everywhere without a line of Rust.

use crate::model::claims::{ClaimKind, Control};

/// One of the "Required Evidence" items of MCP-NET-03, in the control's words.
pub struct EvidenceItem {
    pub title: &'static str,
    pub control_text: &'static str,
}

/// The control's five Required Evidence items, in its order. A requirement names one of these
/// titles as its `evidence`, or [`OTHER_EVIDENCE`].
pub const EVIDENCE_ITEMS: &[EvidenceItem] = &[
    EvidenceItem {
        title: "TLS Configuration",
        control_text: "Server config showing TLS enabled with minimum version 1.2",
    },
    EvidenceItem {
        title: "Certificate validation",
        control_text: "Valid certificate chain from trusted CA (or pinned cert for internal)",
    },
    EvidenceItem {
        title: "Cipher suite configuration",
        control_text: "Strong ciphers only (no NULL, export, or weak ciphers)",
    },
    EvidenceItem {
        title: "HTTP redirect or blocking",
        control_text: "Plaintext HTTP requests rejected or redirected to HTTPS",
    },
    EvidenceItem {
        title: "Test results",
        control_text: "HTTPS connection succeeds with valid certificate; HTTP connection fails or redirects; TLS 1.0/1.1 connections rejected; self-signed certificate rejected (unless explicitly trusted)",
    },
];

/// The `evidence` of a requirement that answers none of the control's items.
pub const OTHER_EVIDENCE: &str = "Other";

/// Every claim a requirement's `covered_by` may name: the claim kinds, and for
/// `compensating-control` the control, as `compensating-control:<control>`.
pub const CLAIM_KEYS: &[&str] = &[
    "stdio",
    "localhost",
    "air-gapped",
    "test-environment",
    "risk-acceptance",
    "compensating-control:vpn-tunnel",
    "compensating-control:ssh-tunnel",
    "compensating-control:lb-termination",
    "compensating-control:mtls",
];

/// The `covered_by` name of a claim of `kind` (and `control`).
pub fn claim_key(kind: ClaimKind, control: Option<Control>) -> String {
    match (kind, control) {
        (ClaimKind::CompensatingControl, Some(c)) => format!("{}:{}", kind.as_str(), c.as_str()),
        _ => kind.as_str().to_string(),
    }
}

/// One requirement, as its package declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub id: String,
    pub title: String,
    /// The profiles it belongs to (`msss`, `strict`).
    pub profiles: Vec<String>,
    /// The control's evidence item it answers (a title of [`EVIDENCE_ITEMS`]) or "Other".
    pub evidence: String,
    /// The claims that may cover it ([`CLAIM_KEYS`]).
    pub covered_by: Vec<String>,
    /// The package's leading comment block (`tlsproof explain`).
    pub doc: String,
    /// The policy file, relative to the policy root.
    pub path: String,
    /// The Rego package (`tlsproof.requirements.<name>`).
    pub package: String,
}

impl Requirement {
    /// Checks the declared metadata; the error says what the package must define instead.
    pub fn check(&self) -> Result<(), String> {
        if !is_requirement_id(&self.id) {
            return Err(format!(
                "`requirement` as upper-case words joined by hyphens (e.g. NET03-TLS), not {:?}",
                self.id
            ));
        }
        if self.title.is_empty() {
            return Err("`title` (a string)".into());
        }
        if self.profiles.is_empty() {
            return Err("`profiles` (an array of profile names)".into());
        }
        if !is_evidence_item(&self.evidence) {
            let items: Vec<&str> = EVIDENCE_ITEMS.iter().map(|i| i.title).collect();
            return Err(format!(
                "`evidence` as one of \"{}\" or \"{OTHER_EVIDENCE}\", not {:?}",
                items.join("\", \""),
                self.evidence
            ));
        }
        match self
            .covered_by
            .iter()
            .find(|k| !CLAIM_KEYS.contains(&k.as_str()))
        {
            Some(bad) => Err(format!(
                "`covered_by` naming only {}, not {bad:?}",
                CLAIM_KEYS.join(", ")
            )),
            None => Ok(()),
        }
    }
}

/// Every requirement of a policy set, in package file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registry {
    requirements: Vec<Requirement>,
}

impl Registry {
    pub fn new(requirements: Vec<Requirement>) -> Self {
        Registry { requirements }
    }

    pub fn iter(&self) -> impl Iterator<Item = &Requirement> {
        self.requirements.iter()
    }

    pub fn get(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    pub fn ids(&self) -> Vec<&str> {
        self.requirements.iter().map(|r| r.id.as_str()).collect()
    }

    /// The requirements a claim of this kind may cover; also the default when it lists none.
    pub fn covered_by(&self, kind: ClaimKind, control: Option<Control>) -> Vec<&str> {
        let key = claim_key(kind, control);
        self.requirements
            .iter()
            .filter(|r| r.covered_by.contains(&key))
            .map(|r| r.id.as_str())
            .collect()
    }

    /// The requirements whose evidence item is `title` (checked when the registry is read).
    pub fn answering(&self, title: &str) -> Vec<&str> {
        self.requirements
            .iter()
            .filter(|r| r.evidence == title)
            .map(|r| r.id.as_str())
            .collect()
    }
}

/// Whether `evidence` is a title of [`EVIDENCE_ITEMS`] or [`OTHER_EVIDENCE`].
pub fn is_evidence_item(evidence: &str) -> bool {
    evidence == OTHER_EVIDENCE || EVIDENCE_ITEMS.iter().any(|i| i.title == evidence)
}

/// Whether `id` has the shape of a requirement id: upper-case words and digits joined by
/// hyphens (`NET03-TLS`), as the result and claims schemas require.
pub fn is_requirement_id(id: &str) -> bool {
    let mut parts = id.split('-');
    let good = |p: &str| {
        !p.is_empty()
            && p.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    };
    parts.next().is_some_and(good) && {
        let rest: Vec<&str> = parts.collect();
        !rest.is_empty() && rest.iter().all(|p| good(p))
    }
}
