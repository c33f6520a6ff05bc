//! `tlsproof exceptions lint`: every claim's standing, for CI.
//!
//! A claim is in order when it is HONORED or ATTESTED and does not expire within the warning
//! window. Anything else — a broken file, an INVALID, EXPIRED, NOT_YET_VALID, ORPHANED,
//! REJECTED or NON_WAIVABLE claim, or one expiring soon — is a problem, and any problem makes
//! the exit code 1.

use super::{ClaimKind, ClaimRecord};
use crate::diag::FindingKind;
use crate::results::Report;
use crate::source::Location;
use serde::Serialize;

/// One line of the lint report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LintLine {
    /// OK, EXPIRING, or the outcome of a claim that is not honored; INVALID for the file.
    pub status: String,
    /// The claim id (empty for a problem of the whole file).
    pub id: String,
    pub message: String,
    pub location: Location,
}

impl LintLine {
    pub fn is_problem(&self) -> bool {
        self.status != "OK"
    }
}

/// The lint report of a scan that read a claims file.
pub fn lint(report: &Report, warn_days: u32) -> Vec<LintLine> {
    let mut out: Vec<LintLine> = report
        .findings
        .iter()
        .filter(|f| f.kind == FindingKind::ExceptionsInvalid)
        .map(|f| LintLine {
            status: "INVALID".into(),
            id: String::new(),
            message: f.message.clone(),
            location: f.locations.first().cloned().unwrap_or_else(|| Location {
                file: super::FILE_NAME.into(),
                line: 1,
                column: 1,
            }),
        })
        .collect();
    out.extend(report.exceptions.iter().map(|c| line(c, warn_days)));
    out
}

fn line(c: &ClaimRecord, warn_days: u32) -> LintLine {
    let kind = c.kind.map(ClaimKind::as_str).unwrap_or_default();
    let what = match c.control {
        Some(k) => format!("{kind} ({k})"),
        None => kind.to_string(),
    };
    let expiring = c.outcome.honored() && c.days_left.is_some_and(|d| d <= i64::from(warn_days));
    let (status, message) = if expiring {
        (
            "EXPIRING".to_string(),
            format!(
                "{what}: {} on the evaluation date, expires on {} in {} day(s) (warning window {warn_days} days)",
                c.outcome.as_str(),
                c.expires,
                c.days_left.unwrap_or_default()
            ),
        )
    } else if c.outcome.honored() {
        (
            "OK".to_string(),
            format!(
                "{what}: {}, expires on {}; {}",
                c.outcome.as_str(),
                c.expires,
                c.reasons.join("; ")
            ),
        )
    } else {
        (
            c.outcome.as_str().to_string(),
            format!("{what}: {}", c.reasons.join("; ")),
        )
    };
    LintLine {
        status,
        id: c.id.clone(),
        message,
        location: c.location.clone(),
    }
}
