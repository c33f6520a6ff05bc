//! Red flags: settings that turn certificate validation off, wherever a format finds them.

use crate::model::{ModelSpan, RedFlag};
use crate::source::{FileId, SourceMap, Span};

/// A red flag that disables certificate validation; credentials in a URL its text quotes are
/// redacted.
pub fn verify_flag(
    map: &SourceMap,
    file: FileId,
    offset: usize,
    text: impl Into<String>,
    component: &str,
    endpoint: Option<String>,
) -> RedFlag {
    let span = ModelSpan::resolve(map, Span::new(file, offset, offset), &[]);
    let in_test_code = in_test_code(map.relative_display(file));
    RedFlag {
        kind: "verify_disabled".into(),
        text: super::redact::urls_in(&text.into()),
        component: Some(component.into()),
        endpoint,
        span,
        in_test_code,
    }
}

/// Whether a file is test code: under a test or fixture folder, or named like a test. Red flags
/// there are information only. `rel` is the path relative to the scanned root (without the
/// prefix a multi-path scan puts in front), so a scanned root named `tests` does not make
/// everything in it test code.
pub fn in_test_code(rel: &str) -> bool {
    let mut parts: Vec<&str> = rel.split('/').collect();
    let name = parts.pop().unwrap_or("").to_ascii_lowercase();
    let dir_hit = parts.iter().any(|p| {
        matches!(
            p.to_ascii_lowercase().as_str(),
            "test"
                | "tests"
                | "__tests__"
                | "__mocks__"
                | "spec"
                | "specs"
                | "fixtures"
                | "fixture"
                | "testdata"
                | "e2e"
        )
    });
    dir_hit
        || name.contains(".test.")
        || name.contains(".spec.")
        || name.ends_with("_test.go")
        || name.ends_with("_test.py")
        || name == "conftest.py"
        || (name.starts_with("test_") && name.ends_with(".py"))
}
