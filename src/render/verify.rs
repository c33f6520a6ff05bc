//! `tlsproof verify`: every changed file of a bundle, then the outcome.

use crate::bundle::Verification;
use std::fmt::Write;
use std::path::Path;

/// The human report.
pub fn human(v: &Verification, dir: &Path) -> String {
    let mut out = String::new();
    for (file, why) in &v.problems {
        let _ = writeln!(out, "CHANGED  {file}: {why}");
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
            v.problems.len(),
            v.intact.len(),
            dir.display()
        );
    }
    out.push_str(
        "This proves the files match the bundle's manifest.json (and, with --inputs, that the \
         inputs match their recorded hashes). It does not prove who wrote the bundle: anyone \
         who can edit the files can also rewrite the manifest.\n",
    );
    out
}
