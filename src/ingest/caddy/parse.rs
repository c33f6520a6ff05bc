//! Caddyfile parsing, as Caddy does it (`caddyconfig/caddyfile/parse.go`): tokens → server
//! blocks (keys + segments), with snippets, `import` of snippets and files, `{args[…]}`,
//! `{block}` / `{blocks.name}`, and named routes. Imports splice tokens into the stream, so an
//! imported token keeps its own span and records the import sites that brought it in (`via`).
//!
//! Syntax errors end the parse of the file (Caddy refuses the whole Caddyfile); a missing
//! import, an import cycle or a limit is a finding and the parse goes on without it.

use super::lex::{self, RawToken};
use crate::diag::{Finding, FindingKind};
use crate::ingest::shared::loader::{self, Budget, Refused, Spent};
use crate::source::{FileId, SourceMap, Span};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};

/// A token in the spliced stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub quoted: Option<char>,
    pub line: usize,
    breaks: usize,
    pub span: Span,
    /// Import sites that brought this token in, outermost first.
    pub via: Vec<Span>,
    /// The snippet the token was defined in, if any.
    snippet: Option<String>,
}

impl Token {
    /// An unquoted token equal to `s` (quoted braces are text, not structure).
    pub fn is(&self, s: &str) -> bool {
        self.quoted.is_none() && self.text == s
    }
}

/// Whether `b` starts a new line after `a` (Caddy's `isNextOnNewLine`).
pub fn new_line(a: &Token, b: &Token) -> bool {
    a.span.file != b.span.file || a.via != b.via || a.line + a.breaks < b.line
}

/// A server block: its keys (site addresses) and segments (one per directive line).
#[derive(Debug, Clone)]
pub struct ServerBlock {
    pub keys: Vec<Token>,
    pub segments: Vec<Vec<Token>>,
    pub has_braces: bool,
    pub named_route: bool,
}

/// Caps on what one Caddyfile may pull in.
#[derive(Debug, Clone)]
pub struct Limits {
    pub max_imports: usize,
    pub max_tokens: usize,
    /// The deepest nesting of blocks in a directive.
    pub max_nesting: usize,
    /// The most bytes of token text imports and snippets may copy in all.
    pub max_import_bytes: usize,
    pub max_files: usize,
    pub max_file_bytes: u64,
    /// The most bytes read for one Caddyfile, its imports included.
    pub max_total_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_imports: 10_000,
            max_tokens: 2_000_000,
            max_import_bytes: 16 * 1024 * 1024,
            max_nesting: 64,
            max_files: 4096,
            max_file_bytes: crate::source::MAX_FILE_BYTES,
            max_total_bytes: 64 * 1024 * 1024,
        }
    }
}

/// What loading one Caddyfile produced.
#[derive(Debug, Default)]
pub struct Parsed {
    pub blocks: Vec<ServerBlock>,
    /// Every file read, the main file first.
    pub files: Vec<FileId>,
    /// Bytes read, the main file and every import (a file imported twice counts twice).
    pub bytes_read: u64,
    pub findings: Vec<Finding>,
    /// The parse stopped at a syntax error (reported in `findings`).
    pub failed: bool,
}

/// Environment lookup for `{$VAR}`.
pub type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Files are read through this context.
pub struct Loader<'a> {
    pub map: &'a mut SourceMap,
    pub display_of: &'a dyn Fn(&Path) -> String,
    /// Canonical scan root: nothing outside it is read.
    pub scan_root: PathBuf,
    pub env: Env<'a>,
    pub limits: Limits,
    /// A glob ending in `*` skips files whose name starts with a dot (Caddy v2.6.3 on,
    /// caddyserver/caddy d6d7511, #5320).
    pub skip_dotfiles: bool,
}

/// Reads, tokenizes and parses `main` with its imports. Never fails: problems are findings.
pub fn load(loader: &mut Loader, main: &Path) -> Parsed {
    let mut out = Parsed::default();
    let canonical = main.canonicalize().unwrap_or_else(|_| main.to_path_buf());
    let tokens = match read_tokens(loader, &canonical, main, None, &mut out) {
        Some(t) => t,
        None => {
            out.failed = true;
            return out;
        }
    };
    let mut p = Parser {
        tokens,
        cursor: -1,
        nesting: 0,
        block: None,
        eof: false,
        snippets: BTreeMap::new(),
        edges: BTreeMap::new(),
        imports: 0,
        imported_bytes: 0,
        loader,
        out: &mut out,
    };
    match p.parse_all() {
        Ok(blocks) => {
            out.blocks = blocks;
        }
        Err(f) => {
            out.findings.push(f);
            out.failed = true;
        }
    }
    out
}

/// Reads one file into tokens. `None` (with a finding) when it cannot be read or lexed.
fn read_tokens(
    loader: &mut Loader,
    canonical: &Path,
    shown: &Path,
    site: Option<Span>,
    out: &mut Parsed,
) -> Option<Vec<Token>> {
    let display = (loader.display_of)(shown);
    let budget = Budget {
        max_files: loader.limits.max_files,
        max_file_bytes: loader.limits.max_file_bytes,
        max_total_bytes: Some(loader.limits.max_total_bytes),
    };
    let mut spent = Spent {
        files: std::mem::take(&mut out.files),
        bytes: out.bytes_read,
    };
    let read = loader::read(
        loader.map,
        &budget,
        &mut spent,
        canonical,
        shown,
        display.clone(),
    );
    out.files = spent.files;
    out.bytes_read = spent.bytes;
    let id = match read {
        Ok(id) => id,
        Err(refused) => {
            let (kind, message) = match refused {
                Refused::TooManyFiles => (
                    FindingKind::LimitExceeded,
                    format!(
                        "more than {} files imported; {display} was not read",
                        budget.max_files
                    ),
                ),
                Refused::FileTooLarge(size) => (
                    FindingKind::LimitExceeded,
                    format!(
                        "{display} is {size} bytes, over the {} byte limit per file; it was not read",
                        budget.max_file_bytes
                    ),
                ),
                Refused::TotalTooLarge => (
                    FindingKind::LimitExceeded,
                    format!(
                        "imported files exceed {} bytes in total; {display} was not read",
                        budget.max_total_bytes.unwrap_or_default()
                    ),
                ),
                Refused::ScanBudget(bytes) => (
                    FindingKind::LimitExceeded,
                    crate::source::scan_budget_message(&display, bytes),
                ),
                Refused::NotRegular(what) => (
                    FindingKind::ReadError,
                    format!("{display} is {what}, not a regular file; it was not read"),
                ),
                Refused::Unreadable(e) => (
                    FindingKind::ReadError,
                    format!("cannot read {display}: {e}"),
                ),
            };
            out.findings.push(Finding::new(kind, message, site));
            return None;
        }
    };
    let text = loader
        .map
        .get(id)
        .map(|f| f.text.clone())
        .unwrap_or_default();
    let sub = lex::substitute_env(&text, loader.env);
    if let Some(at) = sub.exceeded {
        out.findings.push(Finding::new(
            FindingKind::LimitExceeded,
            expansion_limit_message(),
            Some(Span::new(id, at, at)),
        ));
        return None;
    }
    match lex::tokenize(&sub) {
        Ok(raw) => Some(raw.into_iter().map(|t| token(id, t)).collect()),
        Err(e) => {
            out.findings.push(Finding::new(
                FindingKind::ParseError,
                e.message,
                Some(Span::new(id, e.offset, e.offset)),
            ));
            None
        }
    }
}

fn expansion_limit_message() -> String {
    format!(
        "environment variables ({{$…}}) expand to more than {} bytes in this file; it was not judged",
        lex::MAX_ENV_EXPANSION
    )
}

fn token(file: FileId, t: RawToken) -> Token {
    let breaks = t.breaks();
    Token {
        text: t.text,
        quoted: t.quoted,
        line: t.line,
        breaks,
        span: Span::new(file, t.start, t.end),
        via: Vec::new(),
        snippet: None,
    }
}

/// Tokenizes a text that is not a file on disk (tests, the oracle).
pub fn tokens_of(file: FileId, text: &str, env: Env) -> Result<Vec<Token>, lex::LexError> {
    let sub = lex::substitute_env(text, env);
    if let Some(offset) = sub.exceeded {
        return Err(lex::LexError {
            message: expansion_limit_message(),
            offset,
        });
    }
    Ok(lex::tokenize(&sub)?
        .into_iter()
        .map(|t| token(file, t))
        .collect())
}

struct Parser<'l, 'a, 'o> {
    tokens: Vec<Token>,
    cursor: isize,
    nesting: usize,
    block: Option<ServerBlock>,
    eof: bool,
    snippets: BTreeMap<String, Vec<Token>>,
    /// Import graph (Caddy's `importGraph`): node → nodes it imports.
    edges: BTreeMap<String, BTreeSet<String>>,
    imports: usize,
    /// Bytes of token text imports have copied so far.
    imported_bytes: usize,
    loader: &'l mut Loader<'a>,
    out: &'o mut Parsed,
}

type PResult<T> = Result<T, Finding>;

impl Parser<'_, '_, '_> {
    fn tok(&self) -> Option<&Token> {
        usize::try_from(self.cursor)
            .ok()
            .and_then(|i| self.tokens.get(i))
    }

    fn val(&self) -> &str {
        self.tok().map(|t| t.text.as_str()).unwrap_or("")
    }

    /// The current token is an unquoted `s`.
    fn at(&self, s: &str) -> bool {
        self.tok().is_some_and(|t| t.is(s))
    }

    fn next(&mut self) -> bool {
        if self.cursor < self.tokens.len() as isize - 1 {
            self.cursor += 1;
            true
        } else {
            false
        }
    }

    fn is_new_line(&self) -> bool {
        if self.cursor < 1 {
            return true;
        }
        let i = self.cursor as usize;
        match (self.tokens.get(i - 1), self.tokens.get(i)) {
            (Some(a), Some(b)) => new_line(a, b),
            _ => false,
        }
    }

    fn is_next_on_new_line(&self) -> bool {
        if self.cursor < 0 {
            return false;
        }
        let i = self.cursor as usize;
        match (self.tokens.get(i), self.tokens.get(i + 1)) {
            (Some(a), Some(b)) => new_line(a, b),
            _ => true,
        }
    }

    /// Advances to the next token if it is on the same line.
    fn next_arg(&mut self) -> bool {
        if self.cursor < 0 {
            return self.next();
        }
        if self.is_next_on_new_line() {
            return false;
        }
        self.cursor += 1;
        if self.at("{") {
            self.cursor -= 1;
            return false;
        }
        true
    }

    fn span(&self) -> Option<Span> {
        self.tok()
            .or_else(|| self.tokens.last())
            .map(|t| t.via.first().copied().map_or(t.span, |_| t.span))
    }

    fn err(&self, msg: impl Into<String>) -> Finding {
        let mut f = Finding::new(FindingKind::ParseError, msg, self.span());
        if let Some(t) = self.tok() {
            f.spans.extend(t.via.iter().rev().copied());
        }
        f
    }

    fn eof_err(&self) -> Finding {
        self.err("unexpected end of file (a block is not closed)")
    }

    fn parse_all(&mut self) -> PResult<Vec<ServerBlock>> {
        let mut blocks = Vec::new();
        while self.next() {
            self.block = Some(ServerBlock {
                keys: Vec::new(),
                segments: Vec::new(),
                has_braces: false,
                named_route: false,
            });
            self.begin()?;
            if let Some(b) = self.block.take() {
                if !b.keys.is_empty() || !b.segments.is_empty() || b.has_braces {
                    blocks.push(b);
                }
            }
            if self.nesting > 0 {
                return Err(self.eof_err());
            }
        }
        Ok(blocks)
    }

    fn block_mut(&mut self) -> &mut ServerBlock {
        self.block.get_or_insert_with(|| ServerBlock {
            keys: Vec::new(),
            segments: Vec::new(),
            has_braces: false,
            named_route: false,
        })
    }

    fn begin(&mut self) -> PResult<()> {
        if self.tokens.is_empty() {
            return Ok(());
        }
        self.addresses()?;
        if self.eof {
            return Ok(());
        }
        let keys = self.block_mut().keys.clone();
        if keys.len() == 1 {
            let k = &keys[0].text;
            if let Some(name) = k.strip_prefix('(').and_then(|s| s.strip_suffix(')')) {
                if self.snippets.contains_key(name) {
                    return Err(self.err(format!(
                        "redeclaration of previously declared snippet {name}"
                    )));
                }
                let mut tokens = self.snippet_tokens()?;
                for t in &mut tokens {
                    t.snippet = Some(name.to_string());
                }
                self.snippets.insert(name.to_string(), tokens);
                self.block = None;
                return Ok(());
            }
            if k.starts_with("&(") && k.ends_with(')') {
                let tokens = self.snippet_tokens()?;
                let b = self.block_mut();
                b.named_route = true;
                b.has_braces = true;
                b.segments = vec![tokens];
                return Ok(());
            }
        }
        self.block_contents()
    }

    fn addresses(&mut self) -> PResult<()> {
        let mut expecting_another = false;
        loop {
            let value = self.val().to_string();
            if value.starts_with('@') {
                return Err(self.err(format!("request matchers may not be defined globally, they must be in a site block; found {value}")));
            }
            if self.at("import") && self.is_new_line() {
                self.do_import(0)?;
                if self.tok().is_none() {
                    self.eof = true;
                    break;
                }
                continue;
            }
            if self.at("{") {
                if expecting_another {
                    return Err(self.err(format!(
                        "Expected another address but had '{value}' - check for extra comma"
                    )));
                }
                self.block_mut().has_braces = true;
                break;
            }
            if value.ends_with('{') && self.tok().is_some_and(|t| t.quoted.is_none()) {
                return Err(self.err(format!("Site addresses cannot end with a curly brace: '{value}' - put a space between the token and the brace")));
            }
            if !value.is_empty() {
                let mut v = value.clone();
                if v.ends_with(',') {
                    v.pop();
                    expecting_another = true;
                } else {
                    expecting_another = false;
                }
                if v.contains(',') {
                    return Err(self.err(format!("Site addresses cannot contain a comma ',': '{v}' - put a space after the comma to separate site addresses")));
                }
                if !v.is_empty() {
                    if let Some(mut t) = self.tok().cloned() {
                        t.text = v;
                        self.block_mut().keys.push(t);
                    }
                }
            }
            let has_next = self.next();
            if expecting_another && !has_next {
                return Err(self.eof_err());
            }
            if !has_next {
                self.eof = true;
                break;
            }
            if !expecting_another && self.is_new_line() {
                break;
            }
        }
        Ok(())
    }

    fn snippet_tokens(&mut self) -> PResult<Vec<Token>> {
        if !self.at("{") {
            return Err(self.err(format!(
                "syntax error: unexpected token '{}', expecting '{{'",
                self.val()
            )));
        }
        let mut nesting = 1;
        let mut tokens = Vec::new();
        while self.next() {
            if self.at("}") {
                nesting -= 1;
                if nesting == 0 {
                    break;
                }
            }
            if self.at("{") {
                nesting += 1;
            }
            if let Some(t) = self.tok() {
                tokens.push(t.clone());
            }
        }
        if nesting != 0 {
            return Err(self.err("syntax error: expecting '}'"));
        }
        Ok(tokens)
    }

    fn block_contents(&mut self) -> PResult<()> {
        let open = self.at("{");
        if !open {
            self.cursor -= 1;
        }
        self.directives()?;
        if open && !self.at("}") {
            return Err(self.eof_err());
        }
        Ok(())
    }

    fn directives(&mut self) -> PResult<()> {
        while self.next() {
            if self.at("}") {
                break;
            }
            if self.at("import") {
                self.do_import(1)?;
                self.cursor -= 1;
                continue;
            }
            self.directive()?;
        }
        Ok(())
    }

    fn directive(&mut self) -> PResult<()> {
        let mut segment: Vec<Token> = self.tok().cloned().into_iter().collect();
        while self.next() {
            if self.at("{") {
                self.nesting += 1;
                if self.nesting > self.loader.limits.max_nesting {
                    return Err(Finding::new(
                        FindingKind::LimitExceeded,
                        format!(
                            "blocks nested deeper than {} levels; the Caddyfile was not judged",
                            self.loader.limits.max_nesting
                        ),
                        self.span(),
                    ));
                }
                if !self.is_next_on_new_line() {
                    return Err(self.err("Unexpected next token after '{' on same line"));
                }
                if self.is_new_line() {
                    return Err(self.err(
                        "Unexpected '{' on a new line; did you mean to place the '{' on the previous line?",
                    ));
                }
            } else if self.at("{}") {
                if self.is_next_on_new_line() {
                    return Err(self.err("Unexpected '{}' at end of line"));
                }
            } else if self.is_new_line() && self.nesting == 0 {
                self.cursor -= 1;
                break;
            } else if self.at("}") && self.nesting > 0 {
                self.nesting -= 1;
            } else if self.at("}") && self.nesting == 0 {
                return Err(self.err("Unexpected '}' because no matching opening brace"));
            } else if self.at("import") && self.is_new_line() {
                self.do_import(1)?;
                self.cursor -= 1;
                continue;
            }
            if let Some(t) = self.tok() {
                segment.push(t.clone());
            }
        }
        self.block_mut().segments.push(segment);
        if self.nesting > 0 {
            return Err(self.eof_err());
        }
        Ok(())
    }

    /// Replaces `import pattern args… [{ block }]` (the cursor is on `import`) by the
    /// imported tokens and leaves the cursor on the first of them.
    fn do_import(&mut self, nesting: usize) -> PResult<()> {
        let start = self.cursor.max(0) as usize;
        let Some(site) = self.tok().cloned() else {
            return Ok(());
        };
        if !self.next_arg() {
            return Err(self.err("Wrong argument count or unexpected line ending after 'import'"));
        }
        let pattern = self.val().to_string();
        if pattern.is_empty() {
            return Err(self.err("Import requires a non-empty filepath"));
        }
        let mut args = Vec::new();
        while self.next_arg() {
            args.push(self.val().to_string());
        }
        let mut block_tokens: Vec<Token> = Vec::new();
        if !self.is_next_on_new_line() {
            let i = self.cursor as usize + 1;
            if self.tokens.get(i).is_some_and(|t| t.is("{")) {
                self.cursor += 1;
                let mut depth = 1;
                loop {
                    if !self.next() {
                        return Err(self.eof_err());
                    }
                    if self.at("{") {
                        depth += 1;
                    } else if self.at("}") {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    if let Some(t) = self.tok() {
                        block_tokens.push(t.clone());
                    }
                }
            }
        }
        let end = self.cursor as usize + 1;
        let mapping = block_mapping(&block_tokens).map_err(|m| self.err(m))?;

        self.imports += 1;
        if self.imports > self.loader.limits.max_imports {
            let f = Finding::new(
                FindingKind::LimitExceeded,
                format!(
                    "more than {} imports expanded; the rest were not",
                    self.loader.limits.max_imports
                ),
                Some(site.span),
            );
            return Err(f);
        }

        let from_node = node(&site);
        let (imported, nodes): (Vec<Token>, Vec<String>) =
            if let Some(toks) = self.snippets.get(&pattern) {
                let n = toks
                    .first()
                    .map(|t| vec![format!("{}:{pattern}", t.span.file.0)])
                    .unwrap_or_default();
                (toks.clone(), n)
            } else {
                self.import_files(&site, &pattern)?
            };
        for n in &nodes {
            if self.reaches(n, &from_node) {
                let f = Finding::new(
                    FindingKind::IncludeCycle,
                    format!(
                        "a cycle of imports exists between {} and {}",
                        describe(&from_node, self.loader.map),
                        describe(n, self.loader.map)
                    ),
                    Some(site.span),
                );
                self.out.findings.push(f);
                self.splice(start, end, Vec::new());
                return Ok(());
            }
        }
        for n in &nodes {
            self.edges
                .entry(from_node.clone())
                .or_default()
                .insert(n.clone());
        }

        let mut via = site.via.clone();
        via.push(site.span);
        let mut copy: Vec<Token> = Vec::with_capacity(imported.len());
        let (mut maybe_snippet, mut maybe_snippet_id, mut index) = (false, false, 0usize);
        let mut nest = nesting as isize;
        for (i, tok) in imported.iter().enumerate() {
            let mut t = tok.clone();
            if !maybe_snippet && nest == 0 {
                let first_of_line = i == 0 || copy.last().is_some_and(|p| new_line(p, tok));
                if first_of_line {
                    index = 0;
                } else {
                    index += 1;
                }
                if index == 0
                    && t.text.len() >= 3
                    && t.text.starts_with('(')
                    && t.text.ends_with(')')
                {
                    maybe_snippet_id = true;
                }
            }
            if t.is("{") {
                nest += 1;
                if index == 1 && maybe_snippet_id && nest == 1 {
                    maybe_snippet = true;
                    maybe_snippet_id = false;
                }
            } else if t.is("}") {
                nest -= 1;
                if nest == 0 && maybe_snippet {
                    maybe_snippet = false;
                }
            }
            t.via = {
                let mut v = via.clone();
                v.extend(tok.via.iter().copied());
                v
            };
            let replacement = if t.text == "{block}" {
                Some(block_tokens.clone())
            } else {
                t.text
                    .strip_prefix("{blocks.")
                    .and_then(|s| s.strip_suffix('}'))
                    .map(|key| mapping.get(key).cloned().unwrap_or_default())
            };
            if let Some(r) = replacement {
                if r.is_empty() {
                    copy.push(t);
                } else {
                    copy.extend(r);
                }
                continue;
            }
            if maybe_snippet {
                copy.push(t);
                continue;
            }
            if let Some((a, b)) = parse_variadic(&t.text, args.len()) {
                for arg in args.get(a..b).unwrap_or(&[]) {
                    let mut v = t.clone();
                    v.text = arg.clone();
                    copy.push(v);
                }
            } else {
                t.text = replace_args(&t.text, &args);
                copy.push(t);
            }
        }
        self.imported_bytes += copy.iter().map(|t| t.text.len()).sum::<usize>();
        if self.imported_bytes > self.loader.limits.max_import_bytes {
            return Err(Finding::new(
                FindingKind::LimitExceeded,
                format!(
                    "imports copy more than {} bytes of tokens; the Caddyfile was not judged",
                    self.loader.limits.max_import_bytes
                ),
                Some(site.span),
            ));
        }
        if self.tokens.len() + copy.len() > self.loader.limits.max_tokens {
            return Err(Finding::new(
                FindingKind::LimitExceeded,
                format!(
                    "imports expand to more than {} tokens; the Caddyfile was not judged",
                    self.loader.limits.max_tokens
                ),
                Some(site.span),
            ));
        }
        self.splice(start, end, copy);
        Ok(())
    }

    fn splice(&mut self, start: usize, end: usize, with: Vec<Token>) {
        let end = end.min(self.tokens.len());
        let start = start.min(end);
        self.tokens.splice(start..end, with);
        self.cursor = start as isize;
    }

    fn reaches(&self, from: &str, to: &str) -> bool {
        let mut stack = vec![from.to_string()];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if !seen.insert(n.clone()) {
                continue;
            }
            if let Some(next) = self.edges.get(&n) {
                stack.extend(next.iter().cloned());
            }
        }
        false
    }

    /// `import <file|glob>` relative to the importing token's file.
    fn import_files(&mut self, site: &Token, pattern: &str) -> PResult<(Vec<Token>, Vec<String>)> {
        let base = self
            .loader
            .map
            .get(site.span.file)
            .and_then(|f| f.path.parent().map(Path::to_path_buf))
            .unwrap_or_default();
        let full = lexical(&if Path::new(pattern).is_absolute() {
            PathBuf::from(pattern)
        } else {
            base.join(pattern)
        });
        let full_s = full.to_string_lossy().into_owned();
        if full_s.matches('*').count() > 1
            || full_s.matches('?').count() > 1
            || (full_s.contains('[') && full_s.contains(']'))
        {
            return Err(self.err(format!(
                "Glob pattern may only contain one wildcard (*), but has others: {full_s}"
            )));
        }
        let is_glob = full_s.contains(['*', '?', '[', ']']);
        let matches = if is_glob {
            let mut m = crate::ingest::shared::glob::expand(&full, false);
            let last_is_star = full
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('*'));
            if last_is_star && self.loader.skip_dotfiles {
                m.retain(|p| {
                    !p.file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
                });
            }
            m
        } else if full.exists() {
            vec![full.clone()]
        } else {
            self.out.findings.push(Finding::new(
                FindingKind::IncludeMissing,
                format!("File to import not found: {pattern}"),
                Some(site.span),
            ));
            return Ok((Vec::new(), Vec::new()));
        };
        let mut tokens = Vec::new();
        let mut nodes = Vec::new();
        for m in matches {
            let canonical = m.canonicalize().unwrap_or_else(|_| m.clone());
            if !canonical.starts_with(&self.loader.scan_root) {
                self.out.findings.push(Finding::new(
                    FindingKind::Notice,
                    format!(
                        "import {pattern}: {} lies outside the scanned tree and was not read",
                        m.display()
                    ),
                    Some(site.span),
                ));
                continue;
            }
            if canonical.is_dir() {
                continue;
            }
            let Some(mut toks) =
                read_tokens(self.loader, &canonical, &m, Some(site.span), self.out)
            else {
                continue;
            };
            if let Some(t) = toks.first() {
                nodes.push(format!("{}", t.span.file.0));
            } else if let Some(id) = self.loader.map.find(&m) {
                nodes.push(format!("{}", id.0));
            }
            for t in &mut toks {
                t.snippet = None;
            }
            tokens.extend(toks);
        }
        Ok((tokens, nodes))
    }
}

/// The import-graph node of a token: its file, plus its snippet.
fn node(t: &Token) -> String {
    match &t.snippet {
        Some(s) => format!("{}:{s}", t.span.file.0),
        None => format!("{}", t.span.file.0),
    }
}

fn describe(node: &str, map: &SourceMap) -> String {
    let (file, snippet) = match node.split_once(':') {
        Some((f, s)) => (f, Some(s)),
        None => (node, None),
    };
    let name = file
        .parse::<u32>()
        .ok()
        .and_then(|i| map.get(FileId(i)))
        .map(|f| f.display.clone())
        .unwrap_or_else(|| file.to_string());
    match snippet {
        Some(s) => format!("{name} (snippet {s})"),
        None => name,
    }
}

/// `{blocks.name}` contents of an import's block: `name args…` or `name { tokens }`.
fn block_mapping(tokens: &[Token]) -> Result<BTreeMap<String, Vec<Token>>, String> {
    let mut out = BTreeMap::new();
    let mut i = 0;
    while let Some(key) = tokens.get(i) {
        if key.is("{") {
            return Err("anonymous blocks are not supported".into());
        }
        let mut vals = Vec::new();
        i += 1;
        let same_line = |j: usize| tokens.get(j).is_some_and(|t| !new_line(&tokens[j - 1], t));
        if same_line(i) && !tokens[i].is("{") {
            while same_line(i) {
                vals.push(tokens[i].clone());
                i += 1;
            }
        } else if same_line(i) && tokens[i].is("{") {
            let mut depth = 1;
            i += 1;
            while let Some(t) = tokens.get(i) {
                if t.is("{") {
                    depth += 1;
                } else if t.is("}") {
                    depth -= 1;
                    if depth == 0 {
                        i += 1;
                        break;
                    }
                }
                vals.push(t.clone());
                i += 1;
            }
        }
        out.insert(key.text.clone(), vals);
    }
    Ok(out)
}

/// `{args[a:b]}` as a whole token: the range of arguments it expands to.
fn parse_variadic(text: &str, count: usize) -> Option<(usize, usize)> {
    let range = text.strip_prefix("{args[")?.strip_suffix("]}")?;
    let (a, b) = range.split_once(':')?;
    let a = if a.is_empty() { 0 } else { a.parse().ok()? };
    let b = if b.is_empty() { count } else { b.parse().ok()? };
    (a <= b && b <= count).then_some((a, b))
}

/// Replaces `{args[n]}` and the deprecated `{args.n}` inside a token; unknown ones stay.
fn replace_args(text: &str, args: &[String]) -> String {
    if !text.contains("{args") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("{args") {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(close) = tail.find('}') else {
            out.push_str(tail);
            return out;
        };
        let key = &tail[1..close];
        let idx = key
            .strip_prefix("args[")
            .and_then(|s| s.strip_suffix(']'))
            .or_else(|| key.strip_prefix("args."))
            .and_then(|s| s.parse::<usize>().ok());
        match idx.and_then(|n| args.get(n)) {
            Some(v) => out.push_str(v),
            None => out.push_str(&tail[..=close]),
        }
        rest = &tail[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Removes `.` and `..` components without touching the file system (Go's `filepath.Join`
/// cleans the same way).
fn lexical(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(c.as_os_str());
                }
            }
            _ => out.push(c.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Imports read past the total byte budget stop at the import that ran over it.
    #[test]
    fn imports_end_at_the_total_byte_budget() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::create_dir_all(root.join("parts")).unwrap();
        for i in 0..5 {
            std::fs::write(root.join(format!("parts/p{i}")), "# x\n".repeat(1000)).unwrap();
        }
        std::fs::write(
            root.join("Caddyfile"),
            "example.com {\n\timport parts/*\n}\n",
        )
        .unwrap();
        let mut map = SourceMap::new();
        let r = root.clone();
        let display = move |p: &Path| {
            p.strip_prefix(&r)
                .map(|x| x.display().to_string())
                .unwrap_or_default()
        };
        let env = |_: &str| None;
        let mut loader = Loader {
            map: &mut map,
            display_of: &display,
            scan_root: root.clone(),
            env: &env,
            skip_dotfiles: true,
            limits: Limits {
                max_total_bytes: 10_000,
                ..Limits::default()
            },
        };
        let parsed = load(&mut loader, &root.join("Caddyfile"));
        let limits: Vec<&Finding> = parsed
            .findings
            .iter()
            .filter(|f| f.kind == FindingKind::LimitExceeded)
            .collect();
        assert_eq!(limits.len(), 3, "{:?}", parsed.findings);
        assert!(limits[0]
            .message
            .contains("exceed 10000 bytes in total; parts/p2 was not read"));
        assert_eq!(map.location(limits[0].spans[0]).line, 2);
    }

    #[test]
    fn args_replacement() {
        let a = vec!["x".to_string(), "y".to_string()];
        assert_eq!(
            replace_args("I am {args[0]} {args.1} {args[5]}", &a),
            "I am x y {args[5]}"
        );
        assert_eq!(parse_variadic("{args[:]}", 2), Some((0, 2)));
        assert_eq!(parse_variadic("{args[1:]}", 2), Some((1, 2)));
        assert_eq!(parse_variadic("{args[0]}", 2), None);
        assert_eq!(parse_variadic("{args[3:]}", 2), None);
    }
}
