//! Product versions and defaults by version.
//!
//! A product's defaults change between releases (nginx's `ssl_protocols`, Traefik's default TLS
//! option, ingress-nginx's `ssl-ciphers`). Each such default is a table of [`Since`] rows, newest
//! first, plus the value assumed when the version is unknown — the worst case among the
//! versions still in use — which [`versioned`] marks as version-dependent so that the result
//! says how to decide it.

use super::{Fact, ModelSpan};

/// A product version as declared (`tlsproof.toml`, a flag) or read (an image tag).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductVersion {
    /// The product as named in notes: `nginx`, `Traefik`, `ingress-nginx`.
    product: &'static str,
    parts: Option<Vec<u32>>,
    /// How the version is shown: `1.27.3`, `3.1 (image tag)`.
    text: Option<String>,
}

impl ProductVersion {
    /// A version nothing declares.
    pub fn unknown(product: &'static str) -> Self {
        ProductVersion {
            product,
            parts: None,
            text: None,
        }
    }

    /// `parts` shown as `text`; unknown when `parts` is `None`.
    pub fn new(product: &'static str, parts: Option<Vec<u32>>, text: impl Into<String>) -> Self {
        let text = parts.as_ref().map(|_| text.into());
        ProductVersion {
            product,
            parts,
            text,
        }
    }

    /// A declared version string (`1.27.3`, `v3.1`, `2.10.4-alpine`), shown as written.
    pub fn parse(product: &'static str, declared: &str) -> Self {
        Self::new(product, parts(declared), declared.trim())
    }

    /// The numeric parts, when known.
    pub fn parts(&self) -> Option<&[u32]> {
        self.parts.as_deref()
    }

    /// `Some(true)` when the version is at least `min`, `None` when unknown.
    pub fn at_least(&self, min: &[u32]) -> Option<bool> {
        self.parts.as_ref().map(|p| p.as_slice() >= min)
    }

    /// `nginx 1.27.3`, or `nginx (version unknown)`.
    pub fn label(&self) -> String {
        match &self.text {
            Some(t) => format!("{} {t}", self.product),
            None => format!("{} (version unknown)", self.product),
        }
    }
}

/// The numeric parts of a version as tags and declarations write it: an optional leading `v`,
/// up to four dot-separated numbers, then an optional `-suffix`, `+build` or `@digest`.
pub fn parts(text: &str) -> Option<Vec<u32>> {
    let v = text.trim().trim_start_matches('v');
    let v = v.split(['-', '+', '@']).next().unwrap_or(v);
    let parts: Option<Vec<u32>> = v.split('.').map(|p| p.parse().ok()).collect();
    parts.filter(|p| !p.is_empty() && p.len() <= 4)
}

/// One row of a defaults-by-version table: `value` from version `since` on.
#[derive(Debug)]
pub struct Since<T: 'static> {
    pub since: &'static [u32],
    pub value: T,
    /// Where the default comes from, after the version label: `default ssl_protocols
    /// (nginx >= 1.27.3): TLSv1.2 TLSv1.3`.
    pub note: &'static str,
}

/// A default that depends on the product version.
#[derive(Debug)]
pub struct Defaults<T: 'static> {
    /// Newest first; the last row's `since` is usually `&[]` (every older version).
    pub rows: &'static [Since<T>],
    /// Assumed when the version is unknown (the worst case), with a note that says so and how
    /// to declare the version; `since` is not used.
    pub unknown: Since<T>,
}

/// The row of `defaults` that applies to `v`, and whether it was chosen without knowing the
/// version.
pub fn choose<'a, T>(v: &ProductVersion, defaults: &'a Defaults<T>) -> (&'a Since<T>, bool) {
    let known = v
        .parts()
        .and_then(|p| defaults.rows.iter().find(|r| p >= r.since));
    match known {
        Some(row) => (row, false),
        None => (&defaults.unknown, true),
    }
}

/// The default for `v` as a fact at `span`: the row's value with the note
/// `"<label> <note>"`, or the unknown row marked version-dependent.
pub fn versioned<T: Clone>(v: &ProductVersion, defaults: &Defaults<T>, span: ModelSpan) -> Fact<T> {
    let (row, unknown) = choose(v, defaults);
    let note = if unknown {
        row.note.to_string()
    } else {
        format!("{} {}", v.label(), row.note)
    };
    let mut fact = Fact::default(row.value.clone(), span, note);
    fact.version_dependent = unknown;
    fact
}

#[cfg(test)]
mod tests {
    use super::*;

    const TABLE: Defaults<u8> = Defaults {
        rows: &[
            Since {
                since: &[2, 0],
                value: 2,
                note: "two",
            },
            Since {
                since: &[],
                value: 1,
                note: "one",
            },
        ],
        unknown: Since {
            since: &[],
            value: 0,
            note: "unknown: worst case",
        },
    };

    #[test]
    fn parses_tags_and_declarations() {
        assert_eq!(parts("1.27.3"), Some(vec![1, 27, 3]));
        assert_eq!(parts("v3.1"), Some(vec![3, 1]));
        assert_eq!(parts("v2.10.4-alpine"), Some(vec![2, 10, 4]));
        assert_eq!(parts("1.11.2@sha256:abc"), Some(vec![1, 11, 2]));
        assert_eq!(parts("latest"), None);
        assert_eq!(parts("1.2.3.4.5"), None);
    }

    #[test]
    fn picks_the_newest_row_that_applies() {
        let span = ModelSpan {
            file: "f".into(),
            line: 1,
            column: 1,
            via: vec![],
        };
        let at = |v: &str| versioned(&ProductVersion::parse("p", v), &TABLE, span.clone());
        assert_eq!(
            (at("2.1").value, at("2.1").note.as_deref()),
            (2, Some("p 2.1 two"))
        );
        assert_eq!(at("1.9").value, 1);
        let unknown = versioned(&ProductVersion::unknown("p"), &TABLE, span.clone());
        assert_eq!(unknown.value, 0);
        assert!(unknown.version_dependent);
        assert_eq!(unknown.note.as_deref(), Some("unknown: worst case"));
    }
}
