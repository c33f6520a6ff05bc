//! nginx `include` with nginx's semantics, bounded.
//!
//! - Relative patterns resolve against the conf prefix: the main config's directory, also for
//!   a fragment judged on its own (see `scan::conf_prefix`).
//! - Globs expand like glob(3) as nginx calls it: sorted by name, `*` does not match a leading
//!   dot, no match is not an error. A missing explicit file is an [`FindingKind::IncludeMissing`].
//! - An absolute pattern is read inside the scanned tree only: `/etc/nginx/conf.d/*.conf` is
//!   rebased onto the conf prefix when the prefix holds `conf.d/`; otherwise a notice says it
//!   was not read. Nothing outside the scan root is ever read (symlinks included).
//! - Each include site is expanded on its own (a snippet included in two servers is two
//!   copies), every copied directive remembering the chain of include sites in `via`.
//! - Cycles are found on the active include chain; depth, file count and bytes are capped.

use super::parse::{self, Directive};
use crate::diag::{Finding, FindingKind};
use crate::ingest::shared::loader::{self, Budget, Refused, Spent};
use crate::source::{FileId, SourceMap, Span};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// Caps on what one main config may pull in.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_depth: usize,
    pub max_files: usize,
    pub max_bytes: u64,
    pub max_file_bytes: u64,
}

/// A main config with every include expanded.
#[derive(Debug)]
pub struct Loaded {
    pub main: FileId,
    pub directives: Vec<Directive>,
    /// Every file read, the main config first, in first-read order.
    pub files: Vec<FileId>,
    pub findings: Vec<Finding>,
}

struct Loader<'a> {
    map: &'a mut SourceMap,
    display_of: &'a dyn Fn(&Path) -> String,
    scan_root: PathBuf,
    prefix: PathBuf,
    limits: &'a Limits,
    /// Every file read so far: its id, or `None` when it was refused (its finding given once).
    read: HashMap<PathBuf, Option<FileId>>,
    /// The trees of files read more than once, kept from their second read on: a file read once
    /// (nearly every file) is held once, as the tree being expanded.
    trees: HashMap<FileId, Vec<Directive>>,
    spent: Spent,
    findings: Vec<Finding>,
    expansions: usize,
    limit_reported: bool,
}

/// Loads `main` and expands its includes, relative patterns resolved against `prefix` (nginx's
/// conf prefix). Never fails: problems are findings.
pub fn load(
    map: &mut SourceMap,
    main: &Path,
    prefix: &Path,
    display_of: &dyn Fn(&Path) -> String,
    scan_root: &Path,
    limits: &Limits,
) -> Loaded {
    let prefix = prefix
        .canonicalize()
        .unwrap_or_else(|_| prefix.to_path_buf());
    let mut loader = Loader {
        map,
        display_of,
        scan_root: scan_root.to_path_buf(),
        prefix,
        limits,
        read: HashMap::new(),
        trees: HashMap::new(),
        spent: Spent::default(),
        findings: Vec::new(),
        expansions: 0,
        limit_reported: false,
    };
    let canonical = main.canonicalize().unwrap_or_else(|_| main.to_path_buf());
    let (main_id, directives) = match loader.read(&canonical, main, None) {
        Some((id, ds)) => {
            let chain = vec![(canonical.clone(), None)];
            let ds = loader.expand(ds, &chain, &[]);
            (Some(id), ds)
        }
        None => (None, Vec::new()),
    };
    let main_id = main_id
        .or_else(|| loader.map.find(main))
        .unwrap_or(FileId(0));
    Loaded {
        main: main_id,
        directives,
        files: loader.spent.files,
        findings: loader.findings,
    }
}

impl Loader<'_> {
    /// Reads and parses a file. A file read before is not read again: its tree is parsed again
    /// from the text already read, on its second read, and kept for the reads after.
    fn read(
        &mut self,
        canonical: &Path,
        shown: &Path,
        site: Option<Span>,
    ) -> Option<(FileId, Vec<Directive>)> {
        if let Some(known) = self.read.get(canonical) {
            let id = (*known)?;
            if let Some(tree) = self.trees.get(&id) {
                return Some((id, tree.clone()));
            }
            // It parsed the first time; the same text parses the same way.
            let tree = parse::parse(id, &self.map.get(id)?.text).ok()?;
            self.trees.insert(id, tree.clone());
            return Some((id, tree));
        }
        let result = self.read_uncached(canonical, shown, site);
        self.read
            .insert(canonical.to_path_buf(), result.as_ref().map(|(id, _)| *id));
        result
    }

    fn read_uncached(
        &mut self,
        canonical: &Path,
        shown: &Path,
        site: Option<Span>,
    ) -> Option<(FileId, Vec<Directive>)> {
        let budget = Budget {
            max_files: self.limits.max_files,
            max_file_bytes: self.limits.max_file_bytes,
            max_total_bytes: Some(self.limits.max_bytes),
        };
        let display = (self.display_of)(shown);
        let id = match loader::read(
            self.map,
            &budget,
            &mut self.spent,
            canonical,
            shown,
            display,
        ) {
            Ok(id) => id,
            Err(refused) => {
                self.refused(refused, shown, site);
                return None;
            }
        };
        let text = self.map.get(id).map_or("", |f| f.text.as_str());
        if text.starts_with('\u{feff}') {
            // nginx -t: unknown directive "\u{feff}events"; the file is refused.
            self.findings.push(Finding::new(
                FindingKind::ParseError,
                "the file starts with a byte order mark, which nginx reads as part of the first directive's name (unknown directive) and refuses the file",
                Some(Span::new(id, 0, 0)),
            ));
            return None;
        }
        if let Some(at) = too_long_parameter(text) {
            self.findings.push(Finding::new(
                FindingKind::ParseError,
                format!(
                    "too long parameter: nginx refuses a word, quoted string or comment of {NGX_CONF_BUFFER} bytes or more; the file was not read"
                ),
                Some(Span::new(id, at, at)),
            ));
            return None;
        }
        match parse::parse(id, text) {
            Ok(ds) => Some((id, ds)),
            Err(f) => {
                self.findings.push(f);
                None
            }
        }
    }

    /// A file the budget refused, as a finding (a limit once per configuration).
    fn refused(&mut self, refused: Refused, shown: &Path, site: Option<Span>) {
        match refused {
            Refused::TooManyFiles => self.limit(
                format!(
                    "more than {} files included; the rest were not read",
                    self.limits.max_files
                ),
                site,
            ),
            Refused::FileTooLarge(size) => self.findings.push(Finding::new(
                FindingKind::LimitExceeded,
                format!(
                    "{} is {size} bytes, over the {} byte limit per file; it was not read",
                    (self.display_of)(shown),
                    self.limits.max_file_bytes
                ),
                site,
            )),
            Refused::TotalTooLarge => self.limit(
                format!(
                    "included files exceed {} bytes in total; the rest were not read",
                    self.limits.max_bytes
                ),
                site,
            ),
            Refused::ScanBudget(bytes) => self.findings.push(Finding::new(
                FindingKind::LimitExceeded,
                crate::source::scan_budget_message(&(self.display_of)(shown), bytes),
                site,
            )),
            Refused::NotRegular(what) => self.findings.push(Finding::new(
                FindingKind::ReadError,
                format!(
                    "{} is {what}, not a regular file; it was not read",
                    (self.display_of)(shown)
                ),
                site,
            )),
            Refused::Unreadable(e) => self.findings.push(Finding::new(
                FindingKind::ReadError,
                format!("cannot read {}: {e}", (self.display_of)(shown)),
                site,
            )),
        }
    }

    fn limit(&mut self, message: String, site: Option<Span>) {
        if !self.limit_reported {
            self.limit_reported = true;
            self.findings
                .push(Finding::new(FindingKind::LimitExceeded, message, site));
        }
    }

    /// Replaces every `include` in `ds` (recursively, blocks too) by what it includes.
    /// `chain` is the active include chain: (file, the include site that entered it).
    fn expand(
        &mut self,
        ds: Vec<Directive>,
        chain: &[(PathBuf, Option<Span>)],
        via: &[Span],
    ) -> Vec<Directive> {
        let mut out = Vec::with_capacity(ds.len());
        for mut d in ds {
            if !via.is_empty() {
                let mut v = via.to_vec();
                v.extend(d.via.iter().copied());
                d.via = v;
            }
            if d.name == "include" && d.block.is_none() {
                out.extend(self.include(&d, chain, via));
                continue;
            }
            if let Some(block) = d.block.take() {
                d.block = Some(self.expand(block, chain, via));
            }
            out.push(d);
        }
        out
    }

    fn include(
        &mut self,
        d: &Directive,
        chain: &[(PathBuf, Option<Span>)],
        via: &[Span],
    ) -> Vec<Directive> {
        let Some(pattern) = d.args.first().map(|a| a.value.clone()) else {
            self.findings.push(Finding::new(
                FindingKind::ParseError,
                "\"include\" needs a file name",
                Some(d.span),
            ));
            return Vec::new();
        };
        if self.expansions > self.max_expansions() {
            // Reported once, at the include where the budget ran out.
            return Vec::new();
        }
        if chain.len() > self.limits.max_depth {
            self.limit(
                format!(
                    "includes nested deeper than {} levels; the rest were not read",
                    self.limits.max_depth
                ),
                Some(d.span),
            );
            return Vec::new();
        }
        let Some(resolved) = self.resolve_pattern(&pattern, d.span) else {
            return Vec::new();
        };
        let is_glob = pattern.contains(['*', '?', '[']);
        let paths = if is_glob {
            crate::ingest::shared::glob::expand(&resolved, true)
        } else {
            vec![resolved.clone()]
        };
        if !is_glob && !resolved.exists() {
            self.findings.push(Finding::new(
                missing_kind(&pattern),
                format!(
                    "included file {pattern:?} does not exist (resolved to {})",
                    (self.display_of)(&resolved)
                ),
                Some(d.span),
            ));
            return Vec::new();
        }
        let mut out = Vec::new();
        for path in paths {
            if path.is_dir() {
                continue;
            }
            let canonical = path.canonicalize().unwrap_or_else(|_| path.clone());
            if !canonical.starts_with(&self.scan_root) {
                self.findings.push(Finding::new(
                    FindingKind::Notice,
                    format!(
                        "{} leads outside the scanned tree (to {}); it was not read",
                        pattern,
                        canonical.display()
                    ),
                    Some(d.span),
                ));
                continue;
            }
            if let Some(pos) = chain.iter().position(|(p, _)| *p == canonical) {
                let mut spans: Vec<Span> =
                    chain[pos + 1..].iter().filter_map(|(_, s)| *s).collect();
                spans.insert(0, d.span);
                let names: Vec<String> = chain[pos..]
                    .iter()
                    .map(|(p, _)| (self.display_of)(p))
                    .chain(std::iter::once((self.display_of)(&canonical)))
                    .collect();
                self.findings.push(Finding::new(
                    FindingKind::IncludeCycle,
                    format!("include cycle: {}", names.join(" → ")),
                    None,
                ));
                if let Some(last) = self.findings.last_mut() {
                    last.spans = spans;
                }
                continue;
            }
            self.expansions += 1;
            if self.expansions > self.max_expansions() {
                self.limit(
                    format!(
                        "more than {} include expansions; the rest were not read",
                        self.max_expansions()
                    ),
                    Some(d.span),
                );
                return out;
            }
            let Some((_, ds)) = self.read(&canonical, &path, Some(d.span)) else {
                continue;
            };
            let mut next_chain = chain.to_vec();
            next_chain.push((canonical, Some(d.span)));
            let mut next_via = via.to_vec();
            next_via.push(d.span);
            out.extend(self.expand(ds, &next_chain, &next_via));
        }
        out
    }

    /// How many times included files may be copied in all (a file included in many places
    /// is copied at each).
    fn max_expansions(&self) -> usize {
        self.limits.max_files * 4
    }

    /// The on-disk pattern for an include argument.
    fn resolve_pattern(&mut self, pattern: &str, site: Span) -> Option<PathBuf> {
        let p = Path::new(pattern);
        if !p.is_absolute() {
            return Some(self.prefix.join(p));
        }
        let canonical_parent = existing_ancestor(p);
        if canonical_parent.starts_with(&self.scan_root) {
            return Some(p.to_path_buf());
        }
        // Rebase `/etc/nginx/conf.d/x.conf` onto the prefix: the longest tail whose first
        // directory exists under the prefix.
        let comps: Vec<Component> = p
            .components()
            .filter(|c| matches!(c, Component::Normal(_)))
            .collect();
        for skip in 0..comps.len().saturating_sub(1) {
            let tail: PathBuf = comps[skip..].iter().collect();
            let first = comps[skip];
            if self.prefix.join(first).exists() {
                let rebased = self.prefix.join(&tail);
                self.findings.push(Finding::new(
                    FindingKind::Notice,
                    format!(
                        "absolute include {pattern} read as {} in the scanned tree",
                        (self.display_of)(&rebased)
                    ),
                    Some(site),
                ));
                return Some(rebased);
            }
        }
        let is_glob = pattern.contains(['*', '?', '[']);
        self.findings.push(Finding::new(
            if is_glob {
                FindingKind::Notice
            } else {
                missing_kind(pattern)
            },
            format!("included file {pattern} is outside the scanned tree; it was not read"),
            Some(site),
        ));
        None
    }
}

/// nginx reads its configuration through a buffer of this many bytes, and a parameter (word,
/// quoted string with its opening quote, or comment with its `#`) that fills it is an error:
/// "too long parameter … started in file:line" (`NGX_CONF_BUFFER`, `ngx_conf_read_token` in
/// src/core/ngx_conf_file.c; `nginx -t` refuses 4096 and accepts 4095 bytes).
const NGX_CONF_BUFFER: usize = 4096;

/// The offset of the first parameter nginx refuses as too long. A linear scan that splits
/// where nginx's tokenizer does (whitespace, `;`, `{`, `}`, quotes, comments); a `{` inside a
/// word ends it here, so a word is never taken for longer than nginx takes it.
fn too_long_parameter(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        // Scanning stops once the parameter is too long: a huge one is not read to its end.
        let open = |i: usize| i < bytes.len() && i - start < NGX_CONF_BUFFER;
        match bytes[i] {
            b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}' => {
                i += 1;
                continue;
            }
            b'#' => {
                while open(i) && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            quote @ (b'"' | b'\'') => {
                i += 1;
                while open(i) && bytes[i] != quote {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            _ => {
                // A quote inside a word is part of it, as for nginx.
                while open(i)
                    && !matches!(bytes[i], b' ' | b'\t' | b'\r' | b'\n' | b';' | b'{' | b'}')
                {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
        }
        if i.min(bytes.len()) - start >= NGX_CONF_BUFFER {
            return Some(start);
        }
        i = i.max(start + 1);
    }
    None
}

/// Data files every nginx package ships, which hold no TLS settings (MIME types, CGI
/// parameters, charset maps): not having them is a notice, not a gap in the evidence.
const STOCK_DATA_FILES: &[&str] = &[
    "fastcgi.conf",
    "fastcgi_params",
    "koi-utf",
    "koi-win",
    "mime.types",
    "scgi_params",
    "uwsgi_params",
    "win-utf",
];

fn missing_kind(pattern: &str) -> FindingKind {
    let name = pattern.rsplit('/').next().unwrap_or(pattern);
    if STOCK_DATA_FILES.contains(&name) {
        FindingKind::Notice
    } else {
        FindingKind::IncludeMissing
    }
}

/// The canonical form of the longest existing ancestor of `p`.
fn existing_ancestor(p: &Path) -> PathBuf {
    p.ancestors()
        .find_map(|a| a.canonicalize().ok())
        .unwrap_or_else(|| p.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            max_depth: 8,
            max_files: 100,
            max_bytes: 1 << 20,
            max_file_bytes: 1 << 20,
        }
    }

    fn load_tree(files: &[(&str, &str)]) -> (tempfile::TempDir, SourceMap, Loaded) {
        let dir = tempfile::tempdir().unwrap();
        for (p, t) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, t).unwrap();
        }
        let root = dir.path().canonicalize().unwrap();
        let mut map = SourceMap::new();
        let r = root.clone();
        let display = move |p: &Path| {
            p.strip_prefix(&r)
                .map(|x| x.display().to_string())
                .unwrap_or_default()
        };
        let loaded = load(
            &mut map,
            &root.join("nginx.conf"),
            &root,
            &display,
            &root,
            &limits(),
        );
        (dir, map, loaded)
    }

    #[test]
    fn a_file_included_three_times_gives_the_same_tree_each_time() {
        // The first read is the tree itself, the second parses the text again and keeps it,
        // the third clones the kept tree: all three must agree, each with its own include site.
        let (_d, map, l) = load_tree(&[
            (
                "nginx.conf",
                "http {\n include s.conf;\n include s.conf;\n include s.conf;\n}\n",
            ),
            ("s.conf", "server { listen 8443 ssl; server_name a; }\n"),
        ]);
        assert!(l.findings.is_empty(), "{:?}", l.findings);
        let http = l.directives[0].block.as_ref().unwrap();
        assert_eq!(http.len(), 3);
        fn strip(d: &Directive) -> Directive {
            Directive {
                via: Vec::new(),
                block: d.block.as_ref().map(|b| b.iter().map(strip).collect()),
                ..d.clone()
            }
        }
        assert_eq!(strip(&http[0]), strip(&http[1]));
        assert_eq!(strip(&http[1]), strip(&http[2]));
        let sites: Vec<u32> = http.iter().map(|d| map.location(d.via[0]).line).collect();
        assert_eq!(sites, [2, 3, 4]);
        assert_eq!(l.files.len(), 2, "s.conf is read once");
    }

    #[test]
    fn globs_sorted_and_via_recorded() {
        let (_d, map, l) = load_tree(&[
            ("nginx.conf", "http {\n include conf.d/*.conf;\n}\n"),
            ("conf.d/b.conf", "server { listen 2; }"),
            ("conf.d/a.conf", "server { listen 1; }"),
            ("conf.d/.hidden.conf", "server { listen 3; }"),
        ]);
        assert!(l.findings.is_empty(), "{:?}", l.findings);
        let http = l.directives[0].block.as_ref().unwrap();
        let ports: Vec<&str> = http
            .iter()
            .map(|s| s.block.as_ref().unwrap()[0].args[0].value.as_str())
            .collect();
        assert_eq!(ports, ["1", "2"]);
        assert_eq!(map.location(http[0].via[0]).line, 2);
    }

    #[test]
    fn missing_file_cycle_and_empty_glob() {
        let (_d, map, l) = load_tree(&[
            (
                "nginx.conf",
                "include none/*.conf;\ninclude missing.conf;\ninclude a.conf;\n",
            ),
            ("a.conf", "include b.conf;"),
            ("b.conf", "include a.conf;"),
        ]);
        let kinds: Vec<FindingKind> = l.findings.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [FindingKind::IncludeMissing, FindingKind::IncludeCycle],
            "{:?}",
            l.findings
        );
        assert_eq!(map.location(l.findings[0].spans[0]).line, 2);
        assert!(
            l.findings[1].message.contains("a.conf → b.conf → a.conf"),
            "{}",
            l.findings[1].message
        );
    }

    #[test]
    fn absolute_includes_are_rebased_into_the_tree() {
        let (_d, _map, l) = load_tree(&[
            ("nginx.conf", "include /etc/nginx/conf.d/*.conf;\n"),
            ("conf.d/x.conf", "listen 1;"),
        ]);
        assert_eq!(l.directives.len(), 1, "{:?}", l.findings);
        assert_eq!(l.findings[0].kind, FindingKind::Notice);
    }

    /// The boundaries `nginx -t` draws (1.22): a word of 4095 bytes is read and one of 4096 is
    /// "too long parameter"; a quoted string counts its opening quote, a comment its `#`.
    #[test]
    fn parameters_nginx_refuses_as_too_long() {
        let word = |n: usize| format!("server_name {};", "a".repeat(n));
        assert_eq!(too_long_parameter(&word(4095)), None);
        assert_eq!(too_long_parameter(&word(4096)), Some(12));
        let quoted = |n: usize| {
            format!(
                "server_name \"{}\";",
                "a ".repeat(n / 2) + &"a".repeat(n % 2)
            )
        };
        assert_eq!(too_long_parameter(&quoted(4094)), None);
        assert_eq!(too_long_parameter(&quoted(4095)), Some(12));
        let comment = |n: usize| format!("events {{}}\n#{}\n", "a".repeat(n - 1));
        assert_eq!(too_long_parameter(&comment(4095)), None);
        assert_eq!(too_long_parameter(&comment(4096)), Some(10));
        // A quote inside a word does not open a string.
        let text = format!("server_name a\"b;\n{}\"", "listen 80;\n".repeat(1000));
        assert_eq!(too_long_parameter(&text), None);
    }

    #[test]
    fn self_include_and_depth() {
        let (_d, _m, l) = load_tree(&[("nginx.conf", "include nginx.conf;\n")]);
        assert_eq!(l.findings[0].kind, FindingKind::IncludeCycle);
    }
}
