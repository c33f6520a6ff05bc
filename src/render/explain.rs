//! `tlsproof explain`: a requirement as its policy package documents and declares it.

use crate::requirements::{Registry, Requirement};

/// The requirement's title, documentation and metadata.
pub fn human(r: &Requirement) -> String {
    format!(
        "{} — {}\n\n{}\n\nProfiles: {}\nEvidence item: {}\nClaims that may cover it: {}\nPolicy: policies/{}\n",
        r.id,
        r.title,
        r.doc.trim_end(),
        r.profiles.join(", "),
        r.evidence,
        r.covered_by.join(", "),
        r.path
    )
}

/// The message for an id the registry does not hold.
pub fn unknown(requirement: &str, registry: &Registry) -> String {
    format!(
        "unknown requirement {requirement:?}; known: {}",
        registry.ids().join(", ")
    )
}
