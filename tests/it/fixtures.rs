//! Every fixture tree under `tests/fixtures/<format>/<case>/`, scanned as `tlsproof scan` would
//! scan it, with one snapshot per case: the results with their file:line, the findings and the
//! verdict. A new fixture folder is picked up without a line of Rust.

use crate::common::{compact, scan_with};
use std::path::{Path, PathBuf};

/// Fixture folders that are not scanned as they are, and why.
const NOT_SNAPSHOTTED: &[(&str, &str)] = &[(
    "registry",
    "its cases need --policies (tests/it/requirements_registry.rs scans them)",
)];

/// The evaluation time of every case, so that claims and certificates do not age.
const AT: &str = "2026-11-26T00:00:00Z";

fn cases() -> Vec<(String, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for format in sorted_dirs(&root) {
        let name = format.file_name().unwrap().to_string_lossy().into_owned();
        if NOT_SNAPSHOTTED.iter().any(|(n, _)| *n == name) {
            continue;
        }
        for case in sorted_dirs(&format) {
            let case_name = case.file_name().unwrap().to_string_lossy().into_owned();
            out.push((format!("{name}__{case_name}"), case));
        }
    }
    out
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

#[test]
fn every_fixture_tree_scans_to_its_snapshot() {
    let cases = cases();
    assert!(
        cases.len() >= 60,
        "only {} fixture trees found",
        cases.len()
    );
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots/fixtures");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(snapshots);
    settings.set_prepend_module_to_snapshot(false);
    let mut repeated = Vec::new();
    settings.bind(|| {
        for (name, dir) in &cases {
            let scan = scan_with(dir, |o| {
                o.at = Some(tlsproof::settings::parse_time(AT).unwrap());
            });
            insta::assert_snapshot!(name.as_str(), compact(&scan.report));
            repeated.extend(crate::messages::repeated_in(name, &scan.report));
        }
    });
    assert!(
        repeated.is_empty(),
        "messages that say a thing twice:\n{}",
        repeated.join("\n")
    );
}
