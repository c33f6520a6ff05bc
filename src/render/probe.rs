//! Human output of `tlsproof probe`: per target, each test with its status and what was seen.

use crate::probe::checks::Probe;
use std::fmt::Write;

pub fn human(probes: &[Probe]) -> String {
    let mut out = String::new();
    for p in probes {
        let address = if p.address.is_empty() {
            "no address".to_string()
        } else {
            p.address.clone()
        };
        let _ = writeln!(out, "{} ({address}, {})", p.target, p.observed_at);
        for t in &p.tests {
            let _ = writeln!(
                out,
                "  {:<13} {:<28} {}",
                t.status.as_str(),
                t.test,
                t.detail
            );
        }
    }
    out
}
