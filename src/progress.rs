//! Where a scan is, for a progress line on a terminal: the stage and its counts, updated by
//! the pipeline and read by whoever shows them (the command line draws a line on stderr when a
//! scan takes more than a moment).

use std::sync::Mutex;

/// The stage a scan is in and what it has counted so far.
#[derive(Debug, Default)]
pub struct Progress {
    state: Mutex<State>,
    /// When each stage was entered, in order.
    entered: Mutex<Vec<(&'static str, std::time::Instant)>>,
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

impl Progress {
    /// Enters `stage`; counts that are `Some` are updated.
    pub fn enter(&self, stage: &'static str, files: Option<usize>, endpoints: Option<usize>) {
        if let Ok(mut e) = self.entered.lock() {
            e.push((stage, std::time::Instant::now()));
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
    pub fn timings(&self, end: std::time::Instant) -> Vec<(&'static str, std::time::Duration)> {
        let entered = self.entered.lock().map(|e| e.clone()).unwrap_or_default();
        let ends = entered.iter().skip(1).map(|(_, t)| *t).chain([end]);
        entered
            .iter()
            .zip(ends)
            .map(|((stage, start), end)| (*stage, end.saturating_duration_since(*start)))
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
