//! Key coverage: every TLS-relevant key of Traefik's reference configuration files is either
//! read by the ingester or listed, with a reason, in `src/ingest/traefik/keys.rs`.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use std::collections::BTreeSet;
use tlsproof::ingest::traefik::{flat, keys};
use tlsproof::yaml::{self, Node};

/// The trees of one reference file: static/dynamic YAML or TOML, or a Docker labels list.
fn trees(name: &str, text: &str) -> Vec<Node> {
    if name.ends_with(".toml") {
        return vec![yaml::parse_toml(text).unwrap()];
    }
    let docs = yaml::parse_yaml(text).unwrap();
    if name.contains("docker-labels") {
        let pairs: Vec<flat::Pair> = docs
            .iter()
            .flat_map(|d| d.items().iter())
            .filter_map(|i| {
                let s = i.scalar()?;
                let (k, v) = s.split_once('=')?;
                Some(flat::Pair {
                    key: k.strip_prefix("traefik.")?.to_string(),
                    value: v.to_string(),
                    start: i.start,
                })
            })
            .collect();
        return vec![flat::tree(&pairs, 0)];
    }
    docs
}

#[test]
fn every_tls_relevant_reference_key_is_understood_or_ignored() {
    let dir = crate::common::corpus("traefik-reference");
    let mut understood = BTreeSet::new();
    let mut ignored = BTreeSet::new();
    let mut unlisted = BTreeSet::new();
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        // Kubernetes CRD and Gateway resources belong to the Kubernetes ingester.
        if name.contains("kubernetes")
            || !(name.ends_with(".yml") || name.ends_with(".yaml") || name.ends_with(".toml"))
        {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(&path).unwrap();
        for t in trees(&name, &text) {
            for (key, _) in keys::key_paths(&t) {
                if !keys::relevant(&key) {
                    continue;
                }
                match keys::coverage(&key) {
                    keys::Coverage::Understood => understood.insert(key),
                    keys::Coverage::Ignored => ignored.insert(key),
                    keys::Coverage::Unlisted => unlisted.insert(format!("{name}: {key}")),
                };
            }
        }
    }
    assert_eq!(
        files, 5,
        "expected the five static/dynamic/labels reference files"
    );
    eprintln!(
        "traefik key coverage: {} TLS-relevant key paths understood, {} ignored with a reason",
        understood.len(),
        ignored.len()
    );
    assert!(
        unlisted.is_empty(),
        "TLS-relevant keys neither understood nor ignored:\n{}",
        unlisted.into_iter().collect::<Vec<_>>().join("\n")
    );
    assert!(understood.len() > 30, "{understood:?}");
}

#[test]
fn every_reference_file_scans_without_crash() {
    let dir = crate::common::corpus("traefik-reference");
    let scan = crate::common::scan_path(&dir);
    // The placeholder values (`foobar`) make routers, not crashes.
    assert!(!scan.model.sources.is_empty());
}
