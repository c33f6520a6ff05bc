//! Real nginx configurations from the crossplane parsers' test suites: every folder must scan
//! without a crash or a hang; the configs crossplane accepts must parse; the broken ones must
//! yield a finding at the right line.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::common::*;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;
use tlsproof::results::{Report, Status};

/// Folders crossplane itself rejects, with the parse errors expected (file:line).
const BROKEN: &[(&str, &[&str])] = &[
    ("braces", &["extra-brace.conf:11", "missing-brace.conf:12"]),
    (
        "missing-semicolon",
        &["broken-above.conf:4", "broken-below.conf:7"],
    ),
    ("missing-semicolon-above", &["nginx.conf:4"]),
    ("missing-semicolon-below", &["nginx.conf:7"]),
    ("premature-eof", &["nginx.conf:3"]),
];

fn folders(corpus: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(corpus)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

/// Scans on a worker thread; a scan that takes longer than a minute is a hang.
fn scan_bounded(path: &Path) -> Report {
    let (tx, rx) = mpsc::channel();
    let p = path.to_path_buf();
    std::thread::spawn(move || {
        let scan = scan_path(&p);
        let _ = tx.send(scan.report);
    });
    rx.recv_timeout(Duration::from_secs(60))
        .unwrap_or_else(|_| {
            panic!(
                "scan of {} crashed or did not finish within 60 s",
                path.display()
            )
        })
}

fn parse_errors(report: &Report) -> Vec<String> {
    report
        .findings
        .iter()
        .filter(|f| f.kind.as_str() == "PARSE_ERROR")
        .map(|f| format!("{}:{}", f.locations[0].file, f.locations[0].line))
        .collect()
}

fn check_corpus(name: &str) -> usize {
    let corpus = corpus(name);
    let mut scanned = 0;
    for dir in folders(&corpus) {
        let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
        let report = scan_bounded(&dir);
        scanned += 1;
        let errors = parse_errors(&report);
        if folder == "testdata" {
            // A copy of several folders, broken ones included: only no crash is asked of it.
            continue;
        }
        match BROKEN.iter().find(|(f, _)| *f == folder) {
            Some((_, expected)) => {
                let mut expected: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
                expected.sort();
                let mut errors = errors;
                errors.sort();
                assert_eq!(errors, expected, "{name}/{folder}:\n{}", compact(&report));
            }
            None => assert!(
                errors.is_empty(),
                "{name}/{folder} is accepted by crossplane:\n{}",
                compact(&report)
            ),
        }
        for r in &report.results {
            assert!(
                !r.locations.is_empty(),
                "{name}/{folder}: result without a location"
            );
        }
    }
    eprintln!("{name}: {scanned} folders scanned");
    scanned
}

#[test]
fn crossplane_configs_scan_without_crash_and_parse_as_crossplane_does() {
    let n = check_corpus("nginx-crossplane");
    assert!(n >= 15, "{n}");
}

#[test]
fn go_crossplane_configs_scan_without_crash_and_parse_as_crossplane_does() {
    let n = check_corpus("nginx-go-crossplane");
    assert!(n >= 40, "{n}");
}

#[test]
fn include_cycles_are_findings() {
    let dir = corpus("nginx-go-crossplane");
    let report = scan_bounded(&dir.join("includes-cycle"));
    let cycle = report
        .findings
        .iter()
        .find(|f| f.kind.as_str() == "INCLUDE_CYCLE")
        .unwrap_or_else(|| panic!("no cycle finding:\n{}", compact(&report)));
    assert!(
        cycle.message.contains("location1.conf"),
        "{}",
        cycle.message
    );
    assert_eq!(cycle.severity.as_str(), "error");
}

#[test]
fn ubuntu_default_fails_http_at_its_plaintext_listen() {
    let dir = corpus("nginx-go-crossplane");
    let report = scan_bounded(&dir.join("ubuntu-default"));
    let r = result(&report, "NET03-HTTP", "sites-enabled/default");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "sites-enabled/default:22");
    assert!(
        report
            .findings
            .iter()
            .all(|f| f.severity.as_str() != "error"),
        "{}",
        compact(&report)
    );
}

#[test]
fn crossplane_lua_blocks_stay_opaque() {
    let dir = corpus("nginx-crossplane");
    for folder in ["lua-block-simple", "lua-block-larger", "lua-block-tricky"] {
        let report = scan_bounded(&dir.join(folder));
        assert!(
            parse_errors(&report).is_empty(),
            "{folder}:\n{}",
            compact(&report)
        );
    }
}

#[test]
fn a_plaintext_stream_server_forwards_tcp_not_http() {
    // go-crossplane's geoip2 config: `stream { server { listen 12345; proxy_pass $backend; } }`.
    let dir = corpus("nginx-go-crossplane");
    let report = scan_bounded(&dir.join("geoip2"));
    let r = result(&report, "NET03-HTTP", "stream:");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "nginx.conf:29");
    assert!(
        r.message.starts_with("accepts plaintext TCP connections"),
        "{}",
        r.message
    );
}
