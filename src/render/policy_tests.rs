//! `tlsproof policy test`: one line per Rego test case, then the counts.

use crate::policy::{TestOutcome, TestReport};
use std::fmt::Write;

/// The human report.
pub fn human(report: &TestReport) -> String {
    let mut out = String::new();
    for case in &report.cases {
        let _ = match &case.outcome {
            TestOutcome::Pass => writeln!(out, "PASS  {}: {}", case.file, case.name),
            TestOutcome::Fail => writeln!(out, "FAIL  {}: {}", case.file, case.name),
            TestOutcome::Error(e) => writeln!(out, "ERROR {}: {}: {e}", case.file, case.name),
        };
    }
    let failed = failed(report);
    let _ = writeln!(
        out,
        "{} passed, {failed} failed",
        report.cases.len() - failed
    );
    out
}

fn failed(report: &TestReport) -> usize {
    report
        .cases
        .iter()
        .filter(|c| c.outcome != TestOutcome::Pass)
        .count()
}

/// 0 when every test passed; 1 when one failed or there was none to run.
pub fn exit_code(report: &TestReport) -> u8 {
    u8::from(failed(report) > 0 || report.cases.is_empty())
}
