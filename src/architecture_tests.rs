//! The layering rules of ARCHITECTURE.md, checked on the source tree: a format imports the
//! shared layers and never another format (but through the two named lowerings), the shared
//! layer imports no format, nothing below ingestion imports `discover`, the stages after
//! ingestion import no format, and every format folder has its row in `FORMATS`.

use std::path::{Path, PathBuf};

/// The doors between formats: a Kubernetes manifest may lower ingress-nginx snippets through
/// nginx's parser and Traefik CRDs through Traefik's rules, and nothing else.
const ALLOWED: &[(&str, &str)] = &[
    ("kubernetes", "nginx::lowering"),
    ("kubernetes", "traefik::lowering"),
];

/// Stages that run after ingestion: they read the model, never a format.
const LATER_STAGES: &[&str] = &[
    "link.rs",
    "certs.rs",
    "exceptions",
    "policy",
    "results.rs",
    "render",
    "bundle.rs",
    "bundle",
    "attest.rs",
    "replay.rs",
    "requirements.rs",
    "pipeline.rs",
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The format folders under `src/ingest` (every folder but `shared`).
fn formats() -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(src().join("ingest"))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n != "shared")
        .collect();
    out.sort();
    out
}

/// The forbidden references in `text`, a file of `owner` (a format, `shared`, or `None` for a
/// module outside `src/ingest`), as "line: reference".
fn violations(
    owner: Option<&str>,
    later_stage: bool,
    text: &str,
    formats: &[String],
) -> Vec<String> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut refs: Vec<String> = Vec::new();
        for f in formats {
            for pat in [
                format!("ingest::{f}::"),
                format!("ingest::{f}}}"),
                format!("ingest::{f};"),
                format!("super::super::{f}"),
            ] {
                if code.contains(&pat) {
                    refs.push(format!("ingest::{f}"));
                }
            }
            if owner.is_some_and(|o| o != "shared" && o != f)
                && code.contains(&format!("super::{f}::"))
            {
                refs.push(format!("super::{f}"));
            }
        }
        let below_ingest = owner.is_some();
        if below_ingest && code.contains("crate::discover") {
            refs.push("crate::discover".into());
        }
        for r in refs {
            let foreign = r
                .trim_start_matches("ingest::")
                .trim_start_matches("super::");
            let ok = match owner {
                Some("shared") => false,
                Some(o) => {
                    o == foreign
                        || ALLOWED.iter().any(|(from, door)| {
                            *from == o && door.starts_with(foreign) && code.contains(door)
                        })
                }
                None => !later_stage,
            };
            if !ok {
                out.push(format!("{}: {}", n + 1, line.trim()));
                break;
            }
        }
    }
    out
}

#[test]
fn formats_import_only_shared_layers_and_later_stages_import_no_format() {
    let root = src();
    let formats = formats();
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let mut bad = Vec::new();
    for file in files {
        let rel = file
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        if rel == "architecture_tests.rs" {
            continue;
        }
        let parts: Vec<&str> = rel.split('/').collect();
        let owner = match parts.as_slice() {
            ["ingest", dir, _, ..] => Some(*dir),
            ["ingest", _] => None,
            _ => None,
        };
        let later = LATER_STAGES
            .iter()
            .any(|s| rel == *s || rel.starts_with(&format!("{s}/")));
        let text = std::fs::read_to_string(&file).unwrap();
        for v in violations(owner, later, &text, &formats) {
            bad.push(format!("src/{rel}:{v}"));
        }
    }
    assert!(
        bad.is_empty(),
        "imports that break the layering (ARCHITECTURE.md):\n{}",
        bad.join("\n")
    );
}

#[test]
fn the_checker_catches_each_kind_of_violation() {
    let formats: Vec<String> = ["app", "caddy", "kubernetes", "nginx"]
        .map(String::from)
        .to_vec();
    let one = |owner, later, text: &str| violations(owner, later, text, &formats).len();
    assert_eq!(
        one(
            Some("caddy"),
            false,
            "use crate::ingest::nginx::scan::looks_like;"
        ),
        1
    );
    assert_eq!(one(Some("app"), false, "super::super::nginx::x()"), 1);
    assert_eq!(
        one(Some("nginx"), false, "let h = crate::discover::head(p, 1);"),
        1
    );
    assert_eq!(
        one(Some("shared"), false, "use crate::ingest::app::env;"),
        1
    );
    assert_eq!(one(None, true, "crate::ingest::app::reaches(t)"), 1);
    assert_eq!(
        one(
            Some("kubernetes"),
            false,
            "use crate::ingest::nginx::parse;"
        ),
        1
    );
    // Allowed: the named lowerings, a format's own modules, the registry, comments.
    assert_eq!(
        one(
            Some("kubernetes"),
            false,
            "use crate::ingest::nginx::lowering as parse;"
        ),
        0
    );
    assert_eq!(
        one(Some("caddy"), false, "use crate::ingest::caddy::parse;"),
        0
    );
    assert_eq!(one(None, false, "nginx::ingest(map)"), 0);
    assert_eq!(
        one(Some("app"), false, "// see crate::ingest::nginx::scan"),
        0
    );
}

#[test]
fn every_format_folder_has_its_row_in_the_formats_table() {
    let registry = std::fs::read_to_string(src().join("ingest/mod.rs")).unwrap();
    let table = registry
        .split("pub const FORMATS: &[Format] = &[")
        .nth(1)
        .and_then(|t| t.split("];").next())
        .expect("FORMATS table in src/ingest/mod.rs");
    for f in formats() {
        assert!(
            table.contains(&format!("detect: {f}::detect"))
                && table.contains(&format!("ingest: {f}::ingest")),
            "src/ingest/{f}/ has no row in FORMATS"
        );
    }
    assert_eq!(
        table.matches("Format {").count(),
        formats().len(),
        "one row per format folder"
    );
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for f in formats() {
        assert!(
            fixtures.join(&f).is_dir(),
            "src/ingest/{f}/ has no fixture folder tests/fixtures/{f}/"
        );
    }
}

#[test]
fn the_policy_test_fixtures_use_the_words_the_formats_declare() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/test/fixtures.rego");
    let fixtures = std::fs::read_to_string(&path).unwrap();
    for format in crate::ingest::FORMATS {
        let Some(words) = format.words else { continue };
        let json = serde_json::to_value(words).unwrap();
        for (key, value) in json.as_object().unwrap() {
            let line = format!("\"{key}\": {value},");
            assert!(
                fixtures.contains(&line),
                "policies/test/fixtures.rego: products.{} lacks {line}",
                format.component
            );
        }
    }
}

#[test]
fn the_schemas_list_exactly_the_components_of_the_formats_table() {
    let mut components: Vec<&str> = crate::ingest::FORMATS
        .iter()
        .map(|f| f.component.as_str())
        .collect();
    components.sort();
    let mut all: Vec<&str> = crate::model::Component::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    all.sort();
    assert_eq!(components, all, "one FORMATS row per Component variant");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    let mut checked = 0;
    for name in [
        "results.schema.json",
        "tls-model.schema.json",
        "exceptions.schema.json",
    ] {
        let text = std::fs::read_to_string(root.join(name)).unwrap();
        let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut stack = vec![&schema];
        while let Some(v) = stack.pop() {
            if let Some(enum_) = v.get("component").and_then(|c| c.get("enum")) {
                let mut listed: Vec<&str> = enum_
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter_map(|x| x.as_str())
                    .collect();
                listed.sort();
                assert_eq!(listed, components, "schemas/{name}: component enum");
                checked += 1;
            }
            match v {
                serde_json::Value::Object(m) => stack.extend(m.values()),
                serde_json::Value::Array(a) => stack.extend(a.iter()),
                _ => {}
            }
        }
    }
    assert_eq!(
        checked, 3,
        "one component enum in each of the three schemas"
    );
}
