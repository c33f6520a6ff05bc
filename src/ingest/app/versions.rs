//! Package versions that change defaults: `mcp` (FastMCP's default host) and `fastmcp`, from
//! `requirements*.txt`, `pyproject.toml`, `uv.lock`, `poetry.lock` and `Pipfile.lock`.

use crate::source::{FileId, SourceMap};

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
}

impl Versions {
    /// The `mcp` version range the scan proves: `Some((lowest, where))` when every pin or lower
    /// bound found is at least `lowest`; `None` when no manifest names `mcp`.
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn versions_compare_numerically() {
        assert!(parse_version("1.10.0").unwrap() > parse_version("1.9.1").unwrap());
        assert_eq!(parse_version("1.9.0rc1").unwrap(), vec![1, 9, 0]);
    }
}
