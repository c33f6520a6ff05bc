//! Stage 2 — discovery: walk the given paths and decide each file's kind.
//!
//! Input: the paths on the command line. Output: candidate files with their display path
//! (relative to the scanned directory, `/`-separated) and [`crate::ingest::Kind`], decided by
//! [`crate::ingest::detect`]. `.gitignore` and the
//! `exclude` globs of `tlsproof.toml` are respected; directory symlinks are never followed and
//! file symlinks only when they stay inside the scanned tree. Unknown files are counted.

use crate::ingest::Candidate;
use std::path::Path;

/// A file discovery declined to read, with the reason.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub display: String,
    pub reason: String,
}

/// What discovery found.
#[derive(Debug, Default)]
pub struct Discovered {
    pub candidates: Vec<Candidate>,
    /// Files of no known kind (counted, never an error).
    pub unknown: usize,
    /// Files that were not read, e.g. too large or a symlink leaving the tree.
    pub skipped: Vec<Skipped>,
}

/// Errors that stop discovery: a path that does not exist or cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{path}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("invalid exclude glob {glob:?}: {message}")]
    Glob { glob: String, message: String },
}

/// The paths left out of a scan.
#[derive(Debug, Clone, Copy, Default)]
pub struct Exclusions<'a> {
    /// `tlsproof.toml`'s globs, relative to the project root.
    pub project: &'a [String],
    /// The scanned folder relative to the project root, when the project's settings were found
    /// above it.
    pub offset: Option<&'a str>,
    /// `--exclude` globs, relative to the scanned folder.
    pub given: &'a [String],
}

/// Walks `root` (a directory or a single file).
pub fn discover(
    root: &Path,
    display_prefix: &str,
    exclude: Exclusions<'_>,
) -> Result<Discovered, DiscoverError> {
    let meta = std::fs::metadata(root).map_err(|source| DiscoverError::Io {
        path: root.display().to_string(),
        source,
    })?;
    let mut out = Discovered::default();
    if meta.is_file() {
        let name = root
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| root.display().to_string());
        // A file given among several paths is shown as given (its prefix); alone, by its name.
        let display = if display_prefix.is_empty() {
            name
        } else {
            display_prefix.replace('\\', "/")
        };
        let base = root.parent().unwrap_or(Path::new(".")).to_path_buf();
        match crate::ingest::detect(root) {
            Some(kind) => out.candidates.push(Candidate {
                path: root.to_path_buf(),
                display,
                kind,
                root: base,
            }),
            None => out.unknown += 1,
        }
        return Ok(out);
    }

    let project = exclude_globs(exclude.project)?;
    let given = exclude_globs(exclude.given)?;
    let excluded = |rel: &Path| {
        let in_project = |p: &Path| match exclude.offset {
            Some(offset) => project.is_match(Path::new(offset).join(p)),
            None => project.is_match(p),
        };
        rel.ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| in_project(a) || given.is_match(a))
    };
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());

    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .parents(false)
        .require_git(false)
        .git_global(false)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_path(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let Ok(entry) = entry else { continue };
        let Some(ft) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        let rel = path.strip_prefix(root).unwrap_or(path);
        let rel_display = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        if rel_display.is_empty() {
            continue;
        }
        if excluded(rel) {
            continue;
        }
        // Read (or refused with a finding) by the pipeline, not as configuration.
        if rel_display == crate::config::FILE_NAME {
            continue;
        }
        if rel_display == crate::exceptions::FILE_NAME {
            out.unknown += 1;
            continue;
        }
        let display = join_display(display_prefix, &rel_display);
        if ft.is_symlink() {
            if let Err(skipped) = symlink_inside(path, &canonical_root, &display) {
                out.skipped.extend(skipped);
                continue;
            }
        } else if !ft.is_file() {
            continue;
        }
        match crate::ingest::detect(path) {
            Some(kind) => out.candidates.push(Candidate {
                path: path.to_path_buf(),
                display,
                kind,
                root: root.to_path_buf(),
            }),
            None => out.unknown += 1,
        }
    }
    Ok(out)
}

/// Exclusion globs, compiled.
fn exclude_globs(exclude: &[String]) -> Result<globset::GlobSet, DiscoverError> {
    let mut globs = globset::GlobSetBuilder::new();
    for g in exclude {
        let glob = globset::GlobBuilder::new(g)
            .literal_separator(false)
            .build()
            .map_err(|e| DiscoverError::Glob {
                glob: g.clone(),
                message: e.to_string(),
            })?;
        globs.add(glob);
    }
    globs.build().map_err(|e| DiscoverError::Glob {
        glob: exclude.join(", "),
        message: e.to_string(),
    })
}

/// File symlinks are read only when their target stays inside the scanned tree; directory
/// symlinks are never followed (loops, and escaping the tree). `Err(Some(_))`: skipped with a
/// reason; `Err(None)`: a directory, left silently.
fn symlink_inside(
    path: &Path,
    canonical_root: &Path,
    display: &str,
) -> Result<(), Option<Skipped>> {
    match path.canonicalize() {
        Ok(target) if target.starts_with(canonical_root) && target.is_file() => Ok(()),
        Ok(target) if target.is_dir() => Err(None),
        _ => Err(Some(Skipped {
            display: display.to_string(),
            reason: "symlink pointing outside the scanned tree (or dangling)".into(),
        })),
    }
}

fn join_display(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_string()
    } else {
        format!("{}/{}", prefix.trim_end_matches('/'), rel)
    }
}
