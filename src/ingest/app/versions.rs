//! Package versions that change defaults: `mcp` (FastMCP's default host) and `fastmcp`, from
//! `requirements*.txt`, `pyproject.toml`, `uv.lock`, `poetry.lock` and `Pipfile.lock`.

use crate::model::version::ProductVersion;
use crate::source::{FileId, SourceMap};

pub fn dotted(v: &[u32]) -> String {
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}

/// Whether a file name is a Python manifest or lock file.
pub fn is_manifest(lower: &str) -> bool {
    (lower.starts_with("requirements") && lower.ends_with(".txt"))
        || matches!(
            lower,
            "pyproject.toml" | "uv.lock" | "poetry.lock" | "pipfile" | "pipfile.lock"
        )
}

/// What the manifests say about the `mcp` package.
#[derive(Debug, Clone, Default)]
pub struct Versions {
    /// Exact `mcp` versions found (pins and lock entries), with the file:line of each.
    pub mcp: Vec<(Vec<u32>, String)>,
    /// Lower bounds (`mcp>=1.9.1`) when nothing is pinned.
    pub mcp_min: Vec<(Vec<u32>, String)>,
    /// The lowest Python version the files prove, with where.
    pub python: Option<(Vec<u32>, String)>,
    /// The `go` line of `go.mod`, with where.
    pub go: Option<(Vec<u32>, String)>,
}

impl Versions {
    /// The `mcp` version range the scan proves: `Some((lowest, where))` when every pin or lower
    /// bound found is at least `lowest`; `None` when no manifest names `mcp`.
    /// The Python runtime, as far as the files say.
    pub fn python(&self) -> ProductVersion {
        match &self.python {
            Some((parts, at)) => ProductVersion::new(
                "Python",
                Some(parts.clone()),
                format!("{} ({at})", dotted(parts)),
            ),
            None => ProductVersion::unknown("Python"),
        }
    }

    /// The Go version whose crypto/tls defaults apply, as far as `go.mod` says.
    pub fn go(&self) -> ProductVersion {
        match &self.go {
            Some((parts, at)) => ProductVersion::new(
                "Go",
                Some(parts.clone()),
                format!("{} ({at})", dotted(parts)),
            ),
            None => ProductVersion::unknown("Go"),
        }
    }

    pub fn mcp_lowest(&self) -> Option<(Vec<u32>, String)> {
        let src = if self.mcp.is_empty() {
            &self.mcp_min
        } else {
            &self.mcp
        };
        src.iter().min_by(|a, b| a.0.cmp(&b.0)).cloned()
    }
}

pub fn parse_version(v: &str) -> Option<Vec<u32>> {
    let parts: Vec<u32> = v
        .trim()
        .split('.')
        .map_while(|p| {
            let digits: String = p.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .collect();
    (!parts.is_empty()).then_some(parts)
}

/// Reads every manifest among `files`.
pub fn collect(map: &SourceMap, files: &[(FileId, String)]) -> Versions {
    let mut v = Versions::default();
    for (id, lower) in files {
        if super::is_dockerfile(lower) {
            if let Some(sf) = map.get(*id) {
                python_image(&sf.text, &sf.display, &mut v);
            }
            continue;
        }
        if lower == "go.mod" {
            if let Some(sf) = map.get(*id) {
                v.go = go_line(&sf.text, &sf.display);
            }
            continue;
        }
        if !is_manifest(lower) {
            continue;
        }
        let Some(sf) = map.get(*id) else { continue };
        let lock = lower.ends_with(".lock");
        let mut in_mcp_package = false;
        for (n, line) in sf.text.lines().enumerate() {
            let at = format!("{}:{}", sf.display, n + 1);
            let t = line.trim();
            if lock {
                // uv.lock / poetry.lock: `name = "mcp"` then `version = "1.9.4"`.
                if t.starts_with("[[package]]") {
                    in_mcp_package = false;
                } else if t.replace(' ', "") == "name=\"mcp\"" {
                    in_mcp_package = true;
                } else if in_mcp_package && t.starts_with("version") {
                    let val = t.split('"').nth(1).unwrap_or("");
                    if let Some(p) = parse_version(val) {
                        v.mcp.push((p, at));
                    }
                    in_mcp_package = false;
                }
                continue;
            }
            if let Some(bound) = requires_python(t) {
                prove_python(&mut v, bound, at.clone());
            }
            // requirements.txt and pyproject dependency strings: mcp==1.9.0, "mcp[cli]>=1.2.0".
            for spec in t.split(['"', '\'', ',']) {
                let s = spec.trim();
                let s = s.split('#').next().unwrap_or("").trim();
                let Some(rest) = s.strip_prefix("mcp") else {
                    continue;
                };
                let rest = match rest.strip_prefix('[') {
                    Some(r) => r.split_once(']').map(|(_, r)| r).unwrap_or(""),
                    None => rest,
                };
                let rest = rest.trim_start();
                if let Some(ver) = rest.strip_prefix("==") {
                    if let Some(p) = parse_version(ver) {
                        v.mcp.push((p, at.clone()));
                    }
                } else if let Some(ver) =
                    rest.strip_prefix(">=").or_else(|| rest.strip_prefix("~="))
                {
                    if let Some(p) = parse_version(ver) {
                        v.mcp_min.push((p, at.clone()));
                    }
                }
            }
        }
    }
    v
}

/// `requires-python = ">=3.10"` (pyproject.toml): the lowest Python the project runs on.
fn requires_python(line: &str) -> Option<Vec<u32>> {
    let (key, value) = line.split_once('=')?;
    if key.trim() != "requires-python" {
        return None;
    }
    let spec = value
        .trim()
        .trim_matches(['"', '\''])
        .split(',')
        .find_map(|c| {
            let c = c.trim();
            c.strip_prefix(">=")
                .or_else(|| c.strip_prefix("~="))
                .or_else(|| c.strip_prefix("=="))
        })?;
    parse_version(spec).filter(|p| p.len() >= 2)
}

/// `FROM python:3.12-slim` (any registry prefix, `--platform` flag) in a Dockerfile.
fn python_image(text: &str, display: &str, v: &mut Versions) {
    for (n, line) in text.lines().enumerate() {
        let mut words = line.split_whitespace();
        if !words.next().is_some_and(|w| w.eq_ignore_ascii_case("FROM")) {
            continue;
        }
        let Some(image) = words.find(|w| !w.starts_with("--")) else {
            continue;
        };
        let Some((name, tag)) = image.rsplit_once(':') else {
            continue;
        };
        if name.rsplit('/').next() != Some("python") {
            continue;
        }
        if let Some(p) = parse_version(tag).filter(|p| p.len() >= 2) {
            prove_python(v, p, format!("{display}:{}", n + 1));
        }
    }
}

/// The `go 1.22` line of a `go.mod`. From Go 1.21 it picks the GODEBUG defaults the program is
/// built with (go.dev/doc/godebug: "the go line in the main module's go.mod"), so an older line
/// keeps the older TLS defaults even with a newer toolchain; a `godebug` line that names a TLS
/// setting overrides them, and then the version decides nothing.
fn go_line(text: &str, display: &str) -> Option<(Vec<u32>, String)> {
    let overridden = text.lines().any(|l| {
        l.trim_start().starts_with("godebug")
            || l.contains("tls10server")
            || l.contains("tlsrsakex")
            || l.contains("tls3des")
    });
    if overridden {
        return None;
    }
    text.lines().enumerate().find_map(|(n, line)| {
        let version = line.trim().strip_prefix("go ")?;
        parse_version(version)
            .filter(|p| p.len() >= 2)
            .map(|p| (p, format!("{display}:{}", n + 1)))
    })
}

/// Keeps the lowest Python version the files prove (the worst case among them).
fn prove_python(v: &mut Versions, parts: Vec<u32>, at: String) {
    if v.python.as_ref().is_none_or(|(p, _)| parts < *p) {
        v.python = Some((parts, at));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_version("1.10.0").unwrap() > parse_version("1.9.1").unwrap());
        assert_eq!(parse_version("1.9.0rc1").unwrap(), vec![1, 9, 0]);
    }

    #[test]
    fn python_versions_from_pyproject_and_images() {
        assert_eq!(
            requires_python("requires-python = \">=3.10\""),
            Some(vec![3, 10])
        );
        assert_eq!(
            requires_python("requires-python = \"<4,>=3.11\""),
            Some(vec![3, 11])
        );
        assert_eq!(requires_python("python = \">=3.10\""), None);
        let mut v = Versions::default();
        python_image("FROM --platform=linux/amd64 docker.io/library/python:3.12-slim AS b\nFROM python:3.9\nFROM pythonx:2.7\n", "Dockerfile", &mut v);
        assert_eq!(v.python, Some((vec![3, 9], "Dockerfile:2".to_string())));
        assert_eq!(v.python().label(), "Python 3.9 (Dockerfile:2)");
    }

    #[test]
    fn the_go_line_of_go_mod() {
        let m = "module example.com/x\n\ngo 1.22.3\n\ntoolchain go1.23.1\n";
        assert_eq!(
            go_line(m, "go.mod"),
            Some((vec![1, 22, 3], "go.mod:3".into()))
        );
        assert_eq!(
            go_line("module x\ngo 1.23\ngodebug tls10server=1\n", "go.mod"),
            None
        );
    }
}
