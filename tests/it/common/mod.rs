//! Helpers shared by the integration tests.
#![allow(clippy::unwrap_used, clippy::print_stderr)]
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use tlsproof::pipeline::{self, Options, Scan};
use tlsproof::results::{Report, RequirementResult, Status};

/// Writes `files` (relative path, content) into a fresh temporary directory.
pub fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (rel, text) in files {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    if let Some(rec) = std::env::var_os("RECORD_TREES") {
        let test = std::thread::current()
            .name()
            .unwrap_or("main")
            .replace("::", "__");
        thread_local!(static N: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });
        let n = N.with(|c| {
            c.set(c.get() + 1);
            c.get()
        });
        let base = PathBuf::from(rec).join(format!("{test}__{n}"));
        for (rel, text) in files {
            let p = base.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
    }
    dir
}

/// A fixture tree on disk, `tests/fixtures/<format>/<case>`.
pub struct Fixture(PathBuf);

impl Fixture {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

/// The fixture tree `tests/fixtures/<case>` (`<format>/<name>`); it must exist.
pub fn fixture(case: &str) -> Fixture {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(case);
    assert!(p.is_dir(), "fixture {case} is missing at {}", p.display());
    Fixture(p)
}

pub fn scan_path(path: &Path) -> Scan {
    scan_with(path, |_| {})
}

pub fn scan_with(path: &Path, f: impl FnOnce(&mut Options)) -> Scan {
    let mut opts = Options {
        paths: vec![path.to_path_buf()],
        ..Options::default()
    };
    f(&mut opts);
    let scan =
        pipeline::run(&opts).unwrap_or_else(|e| panic!("scan of {} failed: {e}", path.display()));
    freeze(path, &scan);
    assert_ids_unique(&scan);
    scan
}

/// The JSON contract: an endpoint id names one endpoint of a scan.
pub fn assert_ids_unique(scan: &Scan) {
    let mut seen = std::collections::BTreeSet::new();
    for e in &scan.model.endpoints {
        assert!(
            seen.insert(e.id.as_str()),
            "endpoint id {} is not unique",
            e.id
        );
    }
}

/// With `TLSPROOF_FREEZE_DIR` set, writes the model and the full result record of every scan a
/// test makes into that folder (one file per scan, named after the test), so that a refactoring
/// can prove it changed no behaviour: dump before, dump after, `diff -r`.
fn freeze(path: &Path, scan: &Scan) {
    let Some(dir) = std::env::var_os("TLSPROOF_FREEZE_DIR") else {
        return;
    };
    thread_local!(static COUNT: std::cell::Cell<usize> = const { std::cell::Cell::new(0) });
    let n = COUNT.with(|c| {
        c.set(c.get() + 1);
        c.get()
    });
    let test = std::thread::current()
        .name()
        .unwrap_or("main")
        .replace("::", "__");
    let exe = std::env::current_exe()
        .ok()
        .and_then(|e| e.file_stem().map(|s| s.to_string_lossy().to_string()))
        .unwrap_or_default();
    let exe = exe.split('-').next().unwrap_or_default().to_string();
    let mut text = serde_json::to_string_pretty(&scan.model_json()).unwrap();
    text.push('\n');
    text.push_str(&serde_json::to_string_pretty(&scan.report).unwrap());
    let text = text.replace(&path.display().to_string(), "<SCANNED>");
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(format!("{exe}__{test}__{n}.json")), text).unwrap();
}

/// The one result for a requirement on the endpoint whose id contains `endpoint`.
pub fn result<'a>(report: &'a Report, requirement: &str, endpoint: &str) -> &'a RequirementResult {
    let found: Vec<&RequirementResult> = report
        .results
        .iter()
        .filter(|r| r.requirement == requirement && r.endpoint.contains(endpoint))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {requirement} result for an endpoint matching {endpoint:?}, got {}:\n{}",
        found.len(),
        compact(report)
    );
    found[0]
}

pub fn assert_status(r: &RequirementResult, status: Status) {
    assert_eq!(
        r.status, status,
        "{} on {}: {}",
        r.requirement, r.endpoint, r.message
    );
}

/// `file:line` of a result's primary location.
pub fn at(r: &RequirementResult) -> String {
    let l = &r.locations[0];
    format!("{}:{}", l.file, l.line)
}

/// One line per result: the form snapshots use, with file:line visible.
pub fn compact(report: &Report) -> String {
    let mut out = String::new();
    for r in &report.results {
        let l = &r.locations[0];
        out.push_str(&format!(
            "{:<14} {:<13} {}:{}:{}  {}  — {}\n",
            r.status.as_str(),
            r.requirement,
            l.file,
            l.line,
            l.column,
            r.endpoint,
            r.message
        ));
    }
    for f in &report.findings {
        let loc = f
            .locations
            .first()
            .map(|l| format!("{}:{}", l.file, l.line))
            .unwrap_or_default();
        out.push_str(&format!(
            "FINDING {} {} {} — {}\n",
            f.kind, f.severity, loc, f.message
        ));
    }
    out.push_str(&format!("VERDICT {}", report.verdict.as_str()));
    if let Some(why) = &report.verdict_reason {
        out.push_str(&format!(" — {why}"));
    }
    out.push('\n');
    out
}

/// A corpus of configurations written by others, copied into `tests/corpora/` with its license.
/// A missing corpus fails the test: no test passes because its input is absent.
pub fn corpus(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpora")
        .join(name);
    assert!(p.is_dir(), "corpus {name} is missing at {}", p.display());
    p
}

/// Whether a reference command (`openssl`, `caddy`) runs here. Tests that need one are skipped
/// without it, except where `TLSPROOF_REQUIRE_TOOLS` is set (as `.ci/run` does): there a
/// missing tool fails the test instead of skipping it silently.
pub fn have_tool(name: &str) -> bool {
    // `openssl version`, `caddy version`, `sslscan --version`, `nginx -v`.
    let ok = ["version", "--version", "-v"].iter().any(|arg| {
        std::process::Command::new(name)
            .arg(arg)
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if !ok && std::env::var_os("TLSPROOF_REQUIRE_TOOLS").is_some() {
        panic!("{name} is required (TLSPROOF_REQUIRE_TOOLS is set) but does not run");
    }
    ok
}

/// The ids of every requirement of the `msss` profile, from the requirement registry.
#[allow(dead_code)]
pub fn msss_requirements() -> Vec<String> {
    let registry = tlsproof::policy::PolicySet::builtin().registry().unwrap();
    registry
        .iter()
        .filter(|r| r.profiles.iter().any(|p| p == "msss"))
        .map(|r| r.id.clone())
        .collect()
}

/// Runs `openssl args` in `dir` and fails the test with its stderr if it fails.
pub fn openssl(dir: &Path, args: &[&str]) {
    let out = std::process::Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs the built binary with `args` (SOURCE_DATE_EPOCH fixed): exit code, stdout, stderr.
pub fn tlsproof(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .output()
        .expect("run tlsproof");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
