//! The messages an auditor reads say each thing once: no sentence, no cited location and no
//! advice to declare the version appears twice in one message. Checked on every fixture tree
//! (in `fixtures.rs`, on the scans it snapshots), on the example deployment and on the corpora
//! of configurations written by others.

use crate::common::{corpus, scan_path};
use std::path::Path;
use tlsproof::results::Report;

/// What one message repeats: sentences and clauses (split at `; `, `. ` and `: `), parenthesised locations
/// (`(file:line)`), and the advice to declare a version.
pub fn repetitions(message: &str) -> Vec<String> {
    let mut out = Vec::new();
    let sentences: Vec<&str> = message
        .split("; ")
        .flat_map(|s| s.split(". "))
        .flat_map(|s| s.split(": "))
        .map(str::trim)
        .filter(|s| s.len() > 15)
        .collect();
    for (i, s) in sentences.iter().enumerate() {
        if sentences[..i].contains(s) && !out.contains(&format!("sentence {s:?}")) {
            out.push(format!("sentence {s:?}"));
        }
    }
    let locations = locations(message);
    for (i, l) in locations.iter().enumerate() {
        if locations[..i].contains(l) && !out.contains(&format!("location {l}")) {
            out.push(format!("location {l}"));
        }
    }
    let advice = message
        .to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| *w == "declare")
        .count();
    if advice > 1 {
        out.push(format!("the advice to declare the version, {advice} times"));
    }
    out
}

/// The `(file:line)` groups of a message.
fn locations(message: &str) -> Vec<&str> {
    message
        .split('(')
        .skip(1)
        .filter_map(|rest| rest.split_once(')').map(|(inside, _)| inside))
        .filter(|inside| {
            !inside.contains([' ', ',', '('])
                && inside
                    .rsplit_once(':')
                    .is_some_and(|(file, line)| !file.is_empty() && line.parse::<u32>().is_ok())
        })
        .collect()
}

/// Every repetition in a record's messages, as "case requirement endpoint: what".
pub fn repeated_in(case: &str, report: &Report) -> Vec<String> {
    report
        .results
        .iter()
        .flat_map(|r| {
            repetitions(&r.message)
                .into_iter()
                .map(move |what| format!("{case} {} {}: {what}", r.requirement, r.endpoint))
        })
        .collect()
}

#[test]
fn the_checker_finds_each_kind_of_repetition() {
    assert_eq!(
        repetitions(
            "plaintext requests on *:80 (Caddyfile:14) are redirected to https (Caddyfile:14)"
        ),
        ["location Caddyfile:14"]
    );
    assert_eq!(
        repetitions(
            "offers TLSv1 (worst case; declare the version); declare the version in tlsproof.toml"
        ),
        ["the advice to declare the version, 2 times"]
    );
    assert_eq!(
        repetitions("a: proxy_pass sends plaintext to b; proxy_pass sends plaintext to b"),
        ["sentence \"proxy_pass sends plaintext to b\""]
    );
    assert!(repetitions(
        "listens on *:443, *:80 (Caddyfile:14); (bind, a.json:1); (cert, a.json:1)"
    )
    .is_empty());
}

#[test]
fn messages_of_the_examples_and_the_corpora_say_each_thing_once() {
    let mut found = Vec::new();
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    found.extend(repeated_in("examples", &scan_path(&examples).report));
    for name in ["gateway-api-examples", "traefik-reference"] {
        found.extend(repeated_in(name, &scan_path(&corpus(name)).report));
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}
