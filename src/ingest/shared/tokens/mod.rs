//! Language-aware token streams for the source files the app ingester reads (Python,
//! JavaScript/TypeScript, Go) and a spanned JSON(C) reader for client configs.
//!
//! Why small hand-written tokenizers rather than regular expressions over lines, or full
//! parsers: a finding must never come from a comment or a string's contents
//! (`# rejectUnauthorized: false` is not code), which a line regex cannot tell; full grammars
//! (tree-sitter, swc, rustpython) are heavy dependencies for the handful of call shapes we
//! match. A tokenizer that knows each language's comments, string and template literals and
//! (for JavaScript) regex literals is ~300 lines, never fails (unknown bytes become punctuation)
//! and keeps the byte span of every token for file:line evidence.

pub mod json;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    /// A name or keyword (`verify`, `False`, `const`).
    Ident,
    /// A string literal; `text` is its contents without quotes or prefix (escapes kept).
    Str,
    /// A numeric literal.
    Num,
    /// An operator or bracket (`=`, `==`, `=>`, `(`, `.`).
    Punct,
}

/// One token with the byte span it covers in the source text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tok {
    pub kind: TokKind,
    pub text: String,
    pub start: usize,
    pub end: usize,
}

impl Tok {
    pub fn is(&self, kind: TokKind, text: &str) -> bool {
        self.kind == kind && self.text == text
    }
    pub fn punct(&self, text: &str) -> bool {
        self.is(TokKind::Punct, text)
    }
    pub fn ident(&self, text: &str) -> bool {
        self.is(TokKind::Ident, text)
    }
}

/// The source language of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Python,
    /// JavaScript and TypeScript.
    Js,
    Go,
}

impl Lang {
    /// The language of a file name, by extension.
    pub fn of(name: &str) -> Option<Lang> {
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase())?;
        match ext.as_str() {
            "py" | "pyw" => Some(Lang::Python),
            "js" | "mjs" | "cjs" | "jsx" | "ts" | "mts" | "cts" | "tsx" => Some(Lang::Js),
            "go" => Some(Lang::Go),
            _ => None,
        }
    }
}

const OPS3: &[&str] = &[
    "===", "!==", "...", "**=", "//=", ">>=", "<<=", "??=", ">>>",
];
const OPS2: &[&str] = &[
    "==", "!=", "<=", ">=", "=>", "->", ":=", "**", "//", "?.", "??", "&&", "||", "+=", "-=", "*=",
    "/=", "%=", "|=", "&=", "^=", "<<", ">>", "++", "--", "::",
];

/// Words after which a `/` starts a regular expression literal in JavaScript.
const JS_REGEX_AFTER: &[&str] = &[
    "return",
    "typeof",
    "instanceof",
    "in",
    "of",
    "new",
    "delete",
    "void",
    "throw",
    "case",
    "do",
    "else",
    "yield",
    "await",
];

/// Tokenizes `text` as `lang`. Never fails: an unterminated literal runs to the end.
pub fn tokenize(text: &str, lang: Lang) -> Vec<Tok> {
    let mut lx = Lexer {
        b: text.as_bytes(),
        text,
        i: 0,
        out: Vec::new(),
        lang,
    };
    lx.run(false);
    lx.out
}

struct Lexer<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    out: Vec<Tok>,
    lang: Lang,
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> u8 {
        self.b.get(self.i + k).copied().unwrap_or(0)
    }

    fn push(&mut self, kind: TokKind, start: usize, end: usize, text: String) {
        self.out.push(Tok {
            kind,
            text,
            start,
            end,
        });
    }

    fn slice(&self, a: usize, b: usize) -> String {
        self.text.get(a..b).unwrap_or("").to_string()
    }

    /// Lexes code; with `in_template`, returns at the `}` closing a `${` substitution.
    fn run(&mut self, in_template: bool) {
        let mut depth = 0usize;
        while self.i < self.b.len() {
            let c = self.peek(0);
            let start = self.i;
            if c.is_ascii_whitespace() {
                self.i += 1;
                continue;
            }
            match (self.lang, c) {
                (Lang::Python, b'#') => {
                    self.skip_line();
                    continue;
                }
                (Lang::Js | Lang::Go, b'/') if self.peek(1) == b'/' => {
                    self.skip_line();
                    continue;
                }
                (Lang::Js | Lang::Go, b'/') if self.peek(1) == b'*' => {
                    self.i += 2;
                    while self.i < self.b.len() && !(self.peek(0) == b'*' && self.peek(1) == b'/') {
                        self.i += 1;
                    }
                    self.i = (self.i + 2).min(self.b.len());
                    continue;
                }
                _ => {}
            }
            if c == b'"' || c == b'\'' {
                self.string(start, start, c, false);
                continue;
            }
            if c == b'`' {
                match self.lang {
                    Lang::Js => self.template(start),
                    Lang::Go => self.raw_go(start),
                    Lang::Python => {
                        self.i += 1;
                        self.push(TokKind::Punct, start, self.i, "`".into());
                    }
                }
                continue;
            }
            if c == b'_'
                || c.is_ascii_alphabetic()
                || c >= 0x80
                || (c == b'$' && self.lang == Lang::Js)
            {
                while self.i < self.b.len() {
                    let d = self.peek(0);
                    if d == b'_' || d.is_ascii_alphanumeric() || d >= 0x80 || d == b'$' {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                let word = self.slice(start, self.i);
                // Python string prefixes: r"", b'', f"", rb"" …
                let q = self.peek(0);
                if self.lang == Lang::Python
                    && (q == b'"' || q == b'\'')
                    && word.len() <= 2
                    && word.chars().all(|ch| "rRbBuUfF".contains(ch))
                {
                    let raw = word.contains(['r', 'R']);
                    let at = self.i;
                    self.string(start, at, q, raw);
                    continue;
                }
                self.push(TokKind::Ident, start, self.i, word);
                continue;
            }
            if c.is_ascii_digit() || (c == b'.' && self.peek(1).is_ascii_digit()) {
                while self.i < self.b.len() {
                    let d = self.peek(0);
                    if d.is_ascii_alphanumeric() || d == b'.' || d == b'_' {
                        self.i += 1;
                    } else {
                        break;
                    }
                }
                let t = self.slice(start, self.i);
                self.push(TokKind::Num, start, self.i, t);
                continue;
            }
            if c == b'/' && self.lang == Lang::Js && self.regex_allowed() {
                self.regex();
                continue;
            }
            if in_template {
                if c == b'{' {
                    depth += 1;
                } else if c == b'}' {
                    if depth == 0 {
                        self.i += 1;
                        return;
                    }
                    depth -= 1;
                }
            }
            let rest = self.text.get(start..).unwrap_or("");
            let op = OPS3
                .iter()
                .chain(OPS2.iter())
                .find(|o| rest.starts_with(**o))
                .filter(|o| !(self.lang == Lang::Js && **o == "//"))
                .map(|o| o.len());
            let len = op.unwrap_or_else(|| {
                // One character (keep multi-byte characters whole).
                rest.chars().next().map(char::len_utf8).unwrap_or(1)
            });
            self.i += len;
            let t = self.slice(start, self.i);
            self.push(TokKind::Punct, start, self.i, t);
        }
    }

    fn skip_line(&mut self) {
        while self.i < self.b.len() && self.peek(0) != b'\n' {
            self.i += 1;
        }
    }

    /// A quoted string starting at `quote_at` (the token starts at `start`, before a prefix).
    fn string(&mut self, start: usize, quote_at: usize, q: u8, raw: bool) {
        self.i = quote_at;
        let triple = self.lang == Lang::Python && self.peek(1) == q && self.peek(2) == q;
        let open = if triple { 3 } else { 1 };
        self.i += open;
        let body = self.i;
        let mut body_end = self.b.len();
        while self.i < self.b.len() {
            let d = self.peek(0);
            if d == b'\\' && !(raw && self.lang == Lang::Python && self.peek(1) != q) {
                self.i += 2;
                continue;
            }
            if !triple && d == b'\n' && self.lang != Lang::Python {
                // Unterminated single-line string: stop at the line end.
                body_end = self.i;
                break;
            }
            if d == q && (!triple || (self.peek(1) == q && self.peek(2) == q)) {
                body_end = self.i;
                self.i += open;
                break;
            }
            self.i += 1;
        }
        self.i = self.i.min(self.b.len());
        let body_end = body_end.min(self.b.len()).max(body);
        let t = self.slice(body, body_end);
        self.push(TokKind::Str, start, self.i, t);
    }

    /// A JavaScript template literal: the text is a string, `${…}` substitutions are code.
    fn template(&mut self, start: usize) {
        self.i += 1;
        let mut seg = self.i;
        let mut text = String::new();
        while self.i < self.b.len() {
            let d = self.peek(0);
            if d == b'\\' {
                self.i += 2;
                continue;
            }
            if d == b'`' {
                text.push_str(&self.slice(seg, self.i));
                self.i += 1;
                break;
            }
            if d == b'$' && self.peek(1) == b'{' {
                text.push_str(&self.slice(seg, self.i));
                text.push_str("${…}");
                self.i += 2;
                // The substitution is code: its tokens join the stream.
                self.run(true);
                seg = self.i;
                continue;
            }
            self.i += 1;
        }
        self.i = self.i.min(self.b.len());
        self.push(TokKind::Str, start, self.i, text);
    }

    fn raw_go(&mut self, start: usize) {
        self.i += 1;
        let body = self.i;
        while self.i < self.b.len() && self.peek(0) != b'`' {
            self.i += 1;
        }
        let t = self.slice(body, self.i);
        self.i = (self.i + 1).min(self.b.len());
        self.push(TokKind::Str, start, self.i, t);
    }

    /// Whether a `/` here starts a regex literal (JavaScript): after an operator, an opening
    /// bracket, a comma, a keyword like `return`, or at the start.
    fn regex_allowed(&self) -> bool {
        match self.out.last() {
            None => true,
            Some(t) => match t.kind {
                TokKind::Punct => !matches!(t.text.as_str(), ")" | "]" | "}" | "++" | "--"),
                TokKind::Ident => JS_REGEX_AFTER.contains(&t.text.as_str()),
                _ => false,
            },
        }
    }

    fn regex(&mut self) {
        let start = self.i;
        self.i += 1;
        let mut class = false;
        while self.i < self.b.len() {
            let d = self.peek(0);
            if d == b'\\' {
                self.i += 2;
                continue;
            }
            if d == b'\n' {
                break;
            }
            if d == b'[' {
                class = true;
            } else if d == b']' {
                class = false;
            } else if d == b'/' && !class {
                self.i += 1;
                break;
            }
            self.i += 1;
        }
        while self.i < self.b.len() && self.peek(0).is_ascii_alphabetic() {
            self.i += 1;
        }
        self.i = self.i.min(self.b.len());
        let t = self.slice(start, self.i);
        self.push(TokKind::Str, start, self.i, t);
    }
}

/// One argument of a call: its keyword (Python `name=`, or a JS object key `name:` when the
/// argument list is an object literal), and its tokens.
#[derive(Debug, Clone)]
pub struct Arg<'t> {
    pub name: Option<&'t Tok>,
    pub value: &'t [Tok],
}

impl Arg<'_> {
    /// The start of the argument (its keyword, else its value).
    pub fn start(&self) -> Option<usize> {
        self.name
            .map(|n| n.start)
            .or_else(|| self.value.first().map(|t| t.start))
    }
}

/// The index of the bracket closing the one at `open` (or the end).
pub fn closing(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0i32;
    for (k, t) in toks.iter().enumerate().skip(open) {
        if t.kind == TokKind::Punct {
            match t.text.as_str() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => {
                    depth -= 1;
                    if depth <= 0 {
                        return k;
                    }
                }
                _ => {}
            }
        }
    }
    toks.len()
}

/// Splits the tokens between the bracket at `open` and its closing bracket into arguments at
/// top-level commas; `kw` is the keyword separator (`=` for Python calls, `:` for objects).
pub fn args<'t>(toks: &'t [Tok], open: usize, kw: &str) -> Vec<Arg<'t>> {
    let close = closing(toks, open);
    let inner = toks.get(open + 1..close).unwrap_or(&[]);
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut from = 0;
    for (k, t) in inner.iter().enumerate() {
        if t.kind == TokKind::Punct {
            match t.text.as_str() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth -= 1,
                "," if depth == 0 => {
                    out.push(arg(&inner[from..k], kw));
                    from = k + 1;
                }
                _ => {}
            }
        }
    }
    if from < inner.len() {
        out.push(arg(&inner[from..], kw));
    }
    out
}

fn arg<'t>(ts: &'t [Tok], kw: &str) -> Arg<'t> {
    if ts.len() >= 2 && matches!(ts[0].kind, TokKind::Ident | TokKind::Str) && ts[1].punct(kw) {
        Arg {
            name: Some(&ts[0]),
            value: &ts[2..],
        }
    } else {
        Arg {
            name: None,
            value: ts,
        }
    }
}

/// The keyword argument `name` of an argument list.
pub fn kwarg<'a, 't>(args: &'a [Arg<'t>], name: &str) -> Option<&'a Arg<'t>> {
    args.iter().find(|a| a.name.is_some_and(|n| n.text == name))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn idents(text: &str, lang: Lang) -> Vec<String> {
        tokenize(text, lang)
            .into_iter()
            .filter(|t| t.kind == TokKind::Ident)
            .map(|t| t.text)
            .collect()
    }

    #[test]
    fn comments_and_strings_are_not_code() {
        let js = "// rejectUnauthorized: false\n/* verify */ const s = 'rejectUnauthorized'; const r = /a\\/b/g; x = `a ${y + 1} b`;";
        assert_eq!(idents(js, Lang::Js), ["const", "s", "const", "r", "x", "y"]);
        let py = "# verify=False\nx = '''verify=False\n''' + f\"{a}\" + rb'\\x'\n";
        assert_eq!(idents(py, Lang::Python), ["x"]);
        let go = "// InsecureSkipVerify: true\ns := `InsecureSkipVerify: true`";
        assert_eq!(idents(go, Lang::Go), ["s"]);
    }

    #[test]
    fn call_arguments_split_at_top_level_commas() {
        let toks = tokenize("f(a, host=\"0.0.0.0\", port=g(1, 2))", Lang::Python);
        let a = args(&toks, 1, "=");
        assert_eq!(a.len(), 3);
        assert_eq!(kwarg(&a, "host").unwrap().value[0].text, "0.0.0.0");
        assert_eq!(kwarg(&a, "port").unwrap().value.len(), 6);
    }
}
