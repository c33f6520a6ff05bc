//! `tlsproof verify`: every changed file of a bundle, then the outcome, then what it proves
//! about who wrote the bundle.

use crate::bundle::{Authorship, Verification};
use std::fmt::Write;
use std::path::Path;

/// The human report.
pub fn human(v: &Verification, dir: &Path) -> String {
    let mut out = String::new();
    for (file, why) in &v.problems {
        let _ = writeln!(out, "CHANGED  {file}: {why}");
    }
    if let Authorship::Refused { why } = &v.authorship {
        let _ = writeln!(out, "SIGNATURE {}: {why}", crate::attest::FILE);
    }
    if v.ok() {
        let _ = writeln!(
            out,
            "OK: {} files verified in {}",
            v.intact.len(),
            dir.display()
        );
    } else {
        let _ = writeln!(
            out,
            "FAILED: {} problem(s), {} files intact in {}",
            v.problems.len() + usize::from(matches!(v.authorship, Authorship::Refused { .. })),
            v.intact.len(),
            dir.display()
        );
    }
    out.push_str(&authorship(v));
    out
}

/// What the check proves about the bundle's integrity and author.
fn authorship(v: &Verification) -> String {
    const INTEGRITY: &str = "This proves the files match the bundle's manifest.json and that the \
         manifest's claims match its records (and, with --inputs, that the inputs match their \
         recorded hashes): integrity was checked.";
    const NOT_AUTHORSHIP: &str = "it does not prove who wrote the bundle; anyone who can edit \
         the files can also rewrite the manifest.";
    match (&v.authorship, v.problems.is_empty()) {
        (Authorship::NotChecked, true) => format!(
            "{INTEGRITY} Authorship was not: the bundle is not signed, so {NOT_AUTHORSHIP}\n"
        ),
        (Authorship::Unverified { keyid }, true) => format!(
            "{INTEGRITY} Authorship was not: the bundle's attestation names key {keyid}, but \
             without --key PUB.pem its signature was not checked, so {NOT_AUTHORSHIP}\n"
        ),
        (Authorship::NotChecked | Authorship::Unverified { .. }, false) => {
            "Authorship was not checked either: without a signature checked with --key \
             PUB.pem, this does not prove who wrote the bundle.\n"
                .to_string()
        }
        (Authorship::Verified { keyid }, true) => format!(
            "{INTEGRITY} Authorship too: the attestation's signature verifies with key {keyid} \
             and its subjects are exactly the bundle's files, so the holder of that key wrote \
             this bundle as it is.\n"
        ),
        (Authorship::Verified { keyid }, false) => format!(
            "The attestation's signature verifies with key {keyid} over exactly these files, \
             but the holder of that key signed a bundle that fails the checks above.\n"
        ),
        (Authorship::Refused { .. }, _) => "Authorship is not proven: the signature does not \
             vouch for this bundle with the key given.\n"
            .to_string(),
    }
}
