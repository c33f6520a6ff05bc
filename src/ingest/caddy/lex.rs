//! Caddyfile lexing, as Caddy does it (`caddyconfig/caddyfile/lexer.go`).
//!
//! Input: one file's text. `{$VAR}` / `{$VAR:default}` are substituted first, on the text, so a
//! value may expand to several tokens; every byte of the substituted text maps back to the
//! source byte it came from. Output: tokens with Caddy's logical line (a `\` line continuation
//! keeps the line), the number of line breaks inside the token, and a byte span in the source.

/// One lexed token, positions in the source file's bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawToken {
    pub text: String,
    /// `"`, `` ` `` or `<` (heredoc) when the token was quoted.
    pub quoted: Option<char>,
    /// Caddy's line number: continuation lines (`\` + newline) do not advance it.
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

impl RawToken {
    /// Line breaks inside the token (Caddy's `NumLineBreaks`).
    pub fn breaks(&self) -> usize {
        let n = self.text.matches('\n').count();
        if self.quoted == Some('<') {
            n + 1
        } else {
            n
        }
    }
}

/// A lexing error located at a source byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError {
    pub message: String,
    pub offset: usize,
}

/// Text after `{$…}` substitution, with where each piece of it came from in the source.
pub struct Substituted {
    pub text: String,
    /// In text order: source text copied as it is, and substituted values.
    pieces: Vec<Piece>,
    /// The source offset of the `{$…}` whose value would have taken the substituted text over
    /// [`MAX_ENV_EXPANSION`] bytes more than the source: substitution stopped there.
    pub exceeded: Option<usize>,
}

/// The most bytes environment values may add to one file: a value substituted in many places
/// must not multiply the text (and the source offset kept for each of its bytes).
pub const MAX_ENV_EXPANSION: usize = 1 << 20;

/// Replaces `{$VAR}` and `{$VAR:default}` like Caddy's `replaceEnvVars`: the variable's value,
/// else the default, else nothing; the replacement is not scanned again.
pub fn substitute_env(input: &str, lookup: &dyn Fn(&str) -> Option<String>) -> Substituted {
    let mut text = String::with_capacity(input.len());
    let mut pieces = Vec::new();
    let mut offset = 0;
    let mut added = 0usize;
    let mut exceeded = None;
    while let Some(rel) = input.get(offset..).and_then(|s| s.find("{$")) {
        let begin = offset + rel;
        let Some(close_rel) = input.get(begin + 2..).and_then(|s| s.find('}')) else {
            break;
        };
        let end = begin + 2 + close_rel;
        push_source(&mut text, &mut pieces, input, offset, begin);
        let inner = input.get(begin + 2..end).unwrap_or("");
        if inner.is_empty() {
            push_source(&mut text, &mut pieces, input, begin, end + 1);
        } else {
            let (name, default) = match inner.split_once(':') {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            let value = lookup(name)
                .or_else(|| default.map(str::to_string))
                .unwrap_or_default();
            added += value.len();
            if added > MAX_ENV_EXPANSION {
                exceeded = Some(begin);
                offset = begin;
                break;
            }
            pieces.push(Piece {
                at: text.len(),
                from: begin,
                copied: false,
            });
            text.push_str(&value);
        }
        offset = end + 1;
    }
    // Always a last piece, so that the offset one past the end maps to the source's end.
    pieces.push(Piece {
        at: text.len(),
        from: offset.min(input.len()),
        copied: true,
    });
    text.push_str(input.get(offset..).unwrap_or(""));
    Substituted {
        text,
        pieces,
        exceeded,
    }
}

/// A stretch of the substituted text: from `at`, source text copied from `from` on, or (not
/// `copied`) a value substituted for the `{$…}` at `from`.
struct Piece {
    at: usize,
    from: usize,
    copied: bool,
}

impl Substituted {
    /// The source offset of a byte of the text (one past the end: the source's end). A byte
    /// of a substituted value maps to its `{$…}`.
    pub fn source_offset(&self, pos: usize) -> usize {
        let i = self
            .pieces
            .partition_point(|p| p.at <= pos)
            .saturating_sub(1);
        match self.pieces.get(i) {
            Some(p) if p.copied => p.from + (pos - p.at),
            Some(p) => p.from,
            None => 0,
        }
    }
}

fn push_source(text: &mut String, pieces: &mut Vec<Piece>, input: &str, from: usize, to: usize) {
    if let Some(s) = input.get(from..to) {
        pieces.push(Piece {
            at: text.len(),
            from,
            copied: true,
        });
        text.push_str(s);
    }
}

fn heredoc_marker_ok(m: &str) -> bool {
    !m.is_empty()
        && m.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Tokenizes substituted text; spans are mapped back to the source through its pieces.
pub fn tokenize(sub: &Substituted) -> Result<Vec<RawToken>, LexError> {
    let map = |pos: usize| sub.source_offset(pos);
    let mut tokens = Vec::new();
    let mut lx = Lexer {
        text: &sub.text,
        i: 0,
        line: 1,
        skipped: 0,
        len: sub.text.len(),
    };
    if sub.text.starts_with('\u{FEFF}') {
        lx.i = '\u{FEFF}'.len_utf8();
    }
    while let Some(t) = lx.next().map_err(|(message, pos)| LexError {
        message,
        offset: map(pos),
    })? {
        tokens.push(RawToken {
            start: map(t.start),
            end: map(t.end).max(map(t.start)),
            ..t
        });
    }
    Ok(tokens)
}

struct Lexer<'t> {
    text: &'t str,
    /// The byte offset of the next character.
    i: usize,
    line: usize,
    skipped: usize,
    len: usize,
}

impl Lexer<'_> {
    fn pos(&self) -> usize {
        self.i.min(self.len)
    }

    /// Caddy's `lexer.next`: the next token, `None` at the end.
    fn next(&mut self) -> Result<Option<RawToken>, (String, usize)> {
        let mut val = String::new();
        let (mut comment, mut quoted, mut bt_quoted) = (false, false, false);
        let (mut in_heredoc, mut heredoc_escaped, mut escaped) = (false, false, false);
        let mut marker = String::new();
        let mut start = self.pos();
        let mut line = self.line;
        let make = |val: String, q: Option<char>, start: usize, end: usize, line: usize| {
            Ok(Some(RawToken {
                text: val,
                quoted: q,
                line,
                start,
                end,
            }))
        };
        loop {
            let pos = self.i;
            let Some(ch) = self.text.get(pos..).and_then(|s| s.chars().next()) else {
                if in_heredoc {
                    return Err((
                        format!(
                            "incomplete heredoc <<{marker} on line #{}, expected ending marker {marker}",
                            self.line + self.skipped
                        ),
                        start,
                    ));
                }
                if !val.is_empty() {
                    return make(val, None, start, self.len, line);
                }
                return Ok(None);
            };
            self.i += ch.len_utf8();
            let after = self.i;

            if !(quoted || bt_quoted || in_heredoc || heredoc_escaped) && val.starts_with("<<") {
                if ch == ' ' {
                    return make(val, None, start, pos, line);
                }
                if ch == '\r' {
                    continue;
                }
                if ch == '\n' {
                    if val.len() == 2 {
                        return Err((format!("missing opening heredoc marker on line #{}; must contain only alpha-numeric characters, dashes and underscores; got empty string", self.line), start));
                    }
                    if val.starts_with("<<<") {
                        return Err((
                            format!(
                                "too many '<' for heredoc on line #{}; only use two, for example <<END",
                                self.line
                            ),
                            start,
                        ));
                    }
                    marker = val[2..].to_string();
                    if !heredoc_marker_ok(&marker) {
                        return Err((format!("heredoc marker on line #{} must contain only alpha-numeric characters, dashes and underscores; got '{marker}'", self.line), start));
                    }
                    in_heredoc = true;
                    self.skipped += 1;
                    val.clear();
                    continue;
                }
                val.push(ch);
                continue;
            }

            if in_heredoc {
                val.push(ch);
                if ch == '\n' {
                    self.skipped += 1;
                }
                if val.len() >= marker.len() && val.ends_with(&marker) {
                    let body = self
                        .finalize_heredoc(&val, &marker)
                        .map_err(|m| (m, start))?;
                    self.line += self.skipped;
                    self.skipped = 0;
                    return make(body, Some('<'), start, after, line);
                }
                continue;
            }

            if !escaped && !bt_quoted && ch == '\\' {
                escaped = true;
                continue;
            }

            if quoted || bt_quoted {
                if quoted && escaped {
                    if ch != '"' {
                        val.push('\\');
                    }
                    escaped = false;
                } else if (quoted && ch == '"') || (bt_quoted && ch == '`') {
                    return make(val, Some(ch), start, after, line);
                }
                if ch == '\n' {
                    self.line += 1 + self.skipped;
                    self.skipped = 0;
                }
                val.push(ch);
                continue;
            }

            if ch.is_whitespace() {
                if ch == '\r' {
                    continue;
                }
                if ch == '\n' {
                    if escaped {
                        self.skipped += 1;
                        escaped = false;
                    } else {
                        self.line += 1 + self.skipped;
                        self.skipped = 0;
                    }
                    comment = false;
                }
                if !val.is_empty() {
                    return make(val, None, start, pos, line);
                }
                continue;
            }

            if ch == '#' && val.is_empty() {
                comment = true;
            }
            if comment {
                continue;
            }

            if val.is_empty() {
                start = pos;
                line = self.line;
                if ch == '"' {
                    quoted = true;
                    continue;
                }
                if ch == '`' {
                    bt_quoted = true;
                    continue;
                }
            }

            if escaped {
                if ch == '<' {
                    heredoc_escaped = true;
                } else {
                    val.push('\\');
                }
                escaped = false;
            }
            val.push(ch);
        }
    }

    /// Strips the closing marker's indentation from every line (Caddy's `finalizeHeredoc`).
    fn finalize_heredoc(&self, val: &str, marker: &str) -> Result<String, String> {
        let last_nl = val.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let padding = val.get(last_nl..val.len() - marker.len()).unwrap_or("");
        let body = val.get(..last_nl).unwrap_or("");
        let mut out = String::new();
        let lines: Vec<&str> = body.split('\n').collect();
        for (n, l) in lines.iter().take(lines.len().saturating_sub(1)).enumerate() {
            if l.is_empty() || *l == "\r" {
                out.push('\n');
                continue;
            }
            let Some(rest) = l.strip_prefix(padding) else {
                return Err(format!(
                    "mismatched leading whitespace in heredoc <<{marker} on line #{} [{l}], expected whitespace [{padding}] to match the closing marker",
                    self.line + n + 1
                ));
            };
            out.push_str(&rest.replace('\r', ""));
            out.push('\n');
        }
        if out.ends_with('\n') {
            out.pop();
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn lex_env(s: &str, env: &[(&str, &str)]) -> Result<Vec<RawToken>, LexError> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let lookup = move |k: &str| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        tokenize(&substitute_env(s, &lookup))
    }

    fn texts(s: &str) -> Vec<(String, usize)> {
        lex_env(s, &[])
            .unwrap()
            .into_iter()
            .map(|t| (t.text, t.line))
            .collect()
    }

    #[test]
    fn words_comments_and_lines() {
        let t = texts("a b # c d\n  e\n#x\nf");
        assert_eq!(
            t,
            vec![
                ("a".into(), 1),
                ("b".into(), 1),
                ("e".into(), 2),
                ("f".into(), 4)
            ]
        );
        // '#' inside a word is not a comment.
        assert_eq!(texts("a#b")[0].0, "a#b");
    }

    #[test]
    fn quotes_with_escapes_and_backticks() {
        let t = lex_env(r#"respond "say \"hi\" \n" `raw "x" \y`"#, &[]).unwrap();
        assert_eq!(t[1].text, r#"say "hi" \n"#);
        assert_eq!(t[1].quoted, Some('"'));
        assert_eq!(t[2].text, r#"raw "x" \y"#);
        assert_eq!(t[2].quoted, Some('`'));
        // The span covers the quotes.
        assert_eq!(t[1].start, 8);
        // A quoted string may span lines; the next token is on a later line.
        let t = lex_env("a \"x\ny\" b\nc", &[]).unwrap();
        assert_eq!(t[1].text, "x\ny");
        assert_eq!(t[1].breaks(), 1);
        assert_eq!(t[3].line, 3);
    }

    #[test]
    fn continuation_keeps_the_line() {
        let t = texts("reverse_proxy a \\\n   b\nnext");
        assert_eq!(
            t,
            vec![
                ("reverse_proxy".into(), 1),
                ("a".into(), 1),
                ("b".into(), 1),
                ("next".into(), 3)
            ]
        );
    }

    #[test]
    fn heredoc_strips_the_closing_indentation() {
        let t = lex_env("respond <<END\n        line1\n        line2\n  END\nx", &[]).unwrap();
        assert_eq!(t[1].text, "      line1\n      line2");
        assert_eq!(t[1].quoted, Some('<'));
        assert_eq!(t[2].text, "x");
        assert_eq!(t[2].line, 5);
        let e = lex_env("respond <<END!\n Hello\n END!\n", &[]).unwrap_err();
        assert!(e.message.contains("heredoc marker on line #1"), "{e:?}");
        let e = lex_env("respond <<END\nHello\n", &[]).unwrap_err();
        assert!(e.message.contains("incomplete heredoc"), "{e:?}");
        let e = lex_env("respond <<\nx\n", &[]).unwrap_err();
        assert!(
            e.message.contains("missing opening heredoc marker"),
            "{e:?}"
        );
        let e = lex_env("respond <<END\n  a\n x\n  END\n", &[]).unwrap_err();
        assert!(e.message.contains("mismatched leading whitespace"), "{e:?}");
        // `<< ` is a plain token; an escaped `\<<` is not a heredoc.
        assert_eq!(texts("a << b")[1].0, "<<");
        assert_eq!(texts("a \\<<X\nb")[1].0, "<<X");
    }

    #[test]
    fn env_substitution_with_default_and_several_tokens() {
        let t = lex_env(
            "{$HOST:localhost} {\n  reverse_proxy {$UPS}\n  x {$MISSING} {$}\n}",
            &[("UPS", "a:1 b:2")],
        )
        .unwrap();
        let words: Vec<&str> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(
            words,
            vec![
                "localhost",
                "{",
                "reverse_proxy",
                "a:1",
                "b:2",
                "x",
                "{$}",
                "}"
            ]
        );
        // Substituted tokens point at the placeholder in the source.
        let src = "{$HOST:localhost} {\n  reverse_proxy {$UPS}\n";
        let ups = src.find("{$UPS}").unwrap();
        assert_eq!(t[3].start, ups);
        assert_eq!(t[4].start, ups);
    }
}
