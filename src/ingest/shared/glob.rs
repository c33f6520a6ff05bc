//! Shell-style globbing of include and import paths, shared by the ingesters.
//!
//! nginx expands `include` masks with glob(3) and Caddy expands `import` globs with Go's
//! `filepath.Glob`: both sort matches by name and never let a wildcard cross a `/`.

use std::path::{Component, Path, PathBuf};

/// Expands `pattern`: each path component may hold wildcards (`*`, `?`, `[…]`, never crossing a
/// `/`); matches are sorted by name, component by component. With `hide_dotfiles`, a wildcard
/// component matches a name starting with `.` only if the pattern component does too, as
/// glob(3) does for nginx. A pattern that matches nothing, or cannot be compiled, expands to
/// nothing.
pub fn expand(pattern: &Path, hide_dotfiles: bool) -> Vec<PathBuf> {
    let mut current: Vec<PathBuf> = vec![PathBuf::new()];
    for comp in pattern.components() {
        let part = comp.as_os_str().to_string_lossy().into_owned();
        let wild = matches!(comp, Component::Normal(_)) && part.contains(['*', '?', '[']);
        if !wild {
            for c in &mut current {
                c.push(comp.as_os_str());
            }
            continue;
        }
        let Ok(matcher) = globset::GlobBuilder::new(&part)
            .literal_separator(true)
            .build()
            .map(|g| g.compile_matcher())
        else {
            return Vec::new();
        };
        let mut next = Vec::new();
        for dir in &current {
            let Ok(entries) = std::fs::read_dir(if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            }) else {
                continue;
            };
            let mut names: Vec<String> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| !hide_dotfiles || !n.starts_with('.') || part.starts_with('.'))
                .filter(|n| matcher.is_match(n))
                .collect();
            names.sort();
            next.extend(names.into_iter().map(|n| dir.join(n)));
        }
        current = next;
        if current.is_empty() {
            break;
        }
    }
    current
}
