//! `tlsproof replay`: what may make the replay differ, every difference from the recorded
//! results.json, then the outcome.

use crate::replay::{Difference, Outcome};
use std::fmt::Write;
use std::path::Path;

/// The human report.
pub fn human(o: &Outcome, dir: &Path) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "replayed {} at {} with its recorded options and policies (sha256:{})",
        dir.display(),
        o.at,
        o.policy_digest
    );
    for note in &o.notes {
        let _ = writeln!(out, "NOTE     {note}");
    }
    for d in &o.differences {
        let _ = match d {
            Difference::Added { result, status } => {
                writeln!(out, "ADDED    {result}: {status}")
            }
            Difference::Removed { result, status } => {
                writeln!(out, "REMOVED  {result}: was {status}")
            }
            Difference::Changed {
                result,
                field,
                recorded,
                replayed,
            } => writeln!(
                out,
                "CHANGED  {result}: {field} {recorded:?} → {replayed:?}"
            ),
            Difference::Also { result, fields } => {
                writeln!(out, "CHANGED  {result}: also {}", fields.join(", "))
            }
            Difference::Record {
                field,
                recorded,
                replayed,
            } => writeln!(out, "CHANGED  {field}: {recorded} → {replayed}"),
        };
    }
    if o.identical {
        let _ = writeln!(
            out,
            "IDENTICAL: results.json reproduced byte for byte ({} results)",
            o.results
        );
    } else {
        let _ = writeln!(
            out,
            "DIFFERENT: the replayed record differs from the recorded results.json ({} difference(s))",
            o.differences.len()
        );
    }
    out
}
