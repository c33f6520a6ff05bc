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
        if let Some(c) = &p.certificate {
            let _ = writeln!(
                out,
                "  certificate   {} ({} {} bits), issued by {}, until {}; pins {}",
                c.subject,
                c.key.alg,
                c.key.bits,
                c.issuer,
                c.not_after,
                c.pins.join(" ")
            );
        }
        let mut by_protocol: Vec<(&str, usize)> = Vec::new();
        for s in &p.accepted_suites {
            match by_protocol.iter_mut().find(|(v, _)| *v == s.protocol) {
                Some((_, n)) => *n += 1,
                None => by_protocol.push((&s.protocol, 1)),
            }
        }
        if !by_protocol.is_empty() {
            let list: Vec<String> = by_protocol
                .iter()
                .map(|(v, n)| format!("{v} {n}"))
                .collect();
            let _ = writeln!(
                out,
                "  suites        {} (--format json lists them)",
                list.join(", ")
            );
        }
    }
    out
}
