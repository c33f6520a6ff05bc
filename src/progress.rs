//! Where a scan is, for a progress line on a terminal: the stage and its counts, updated by
//! the pipeline and read by whoever shows them (the command line draws a line on stderr when a
//! scan takes more than a moment).

use std::sync::Mutex;

/// The stage a scan is in and what it has counted so far.
#[derive(Debug, Default)]
pub struct Progress {
    state: Mutex<State>,
    /// When each stage was entered, in order, and the resident memory then.
    entered: Mutex<Vec<Entered>>,
}

/// A snapshot of a scan's progress.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct State {
    /// `discovering`, `parsing`, `validating certificates`, `probing`, `judging`, `done`.
    pub stage: &'static str,
    /// Files discovered (candidates of a known kind).
    pub files: usize,
    /// Endpoints found.
    pub endpoints: usize,
}

/// A stage, when it was entered and the process's resident memory at that moment.
#[derive(Debug, Clone, Copy)]
struct Entered {
    stage: &'static str,
    at: std::time::Instant,
    resident_kb: Option<u64>,
}

/// One stage's share of a scan (`TLSPROOF_TIMINGS=1` prints them).
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub stage: &'static str,
    pub took: std::time::Duration,
    /// Resident memory when the stage began (Linux), in KB.
    pub resident_kb: Option<u64>,
}

/// A field of `/proc/self/status` in KB (`VmRSS`, `VmHWM`), where the system has one.
pub fn memory_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

impl Progress {
    /// Enters `stage`; counts that are `Some` are updated.
    pub fn enter(&self, stage: &'static str, files: Option<usize>, endpoints: Option<usize>) {
        if let Ok(mut e) = self.entered.lock() {
            e.push(Entered {
                stage,
                at: std::time::Instant::now(),
                resident_kb: memory_kb("VmRSS:"),
            });
        }
        if let Ok(mut s) = self.state.lock() {
            s.stage = stage;
            if let Some(f) = files {
                s.files = f;
            }
            if let Some(e) = endpoints {
                s.endpoints = e;
            }
        }
    }

    pub fn get(&self) -> State {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// How long each stage took, up to `end` (`TLSPROOF_TIMINGS=1` prints them).
    pub fn timings(&self, end: std::time::Instant) -> Vec<Timing> {
        let entered = self.entered.lock().map(|e| e.clone()).unwrap_or_default();
        let ends = entered.iter().skip(1).map(|e| e.at).chain([end]);
        entered
            .iter()
            .zip(ends)
            .map(|(e, end)| Timing {
                stage: e.stage,
                took: end.saturating_duration_since(e.at),
                resident_kb: e.resident_kb,
            })
            .collect()
    }
}

impl State {
    /// `parsing: 1204 files, 0 endpoints`.
    pub fn line(&self) -> String {
        format!(
            "{}: {} files, {} endpoints",
            self.stage, self.files, self.endpoints
        )
    }
}
