//! nginx parser: text → directive tree with a byte span on every directive and argument.
//!
//! Tokens come from the pest grammar in `nginx.pest` (one token per call); the tree is built
//! here with an explicit stack, so a file nested ten thousand levels deep is a finding, not a
//! stack overflow. `*_by_lua_block { … }` bodies are Lua, not nginx: they are skimmed with a
//! small Lua-aware brace matcher and kept opaque.

use crate::diag::{Finding, FindingKind};
use crate::source::{FileId, Span};
use pest::Parser;
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "ingest/nginx/nginx.pest"]
struct Lexer;

/// Deepest block nesting accepted (nginx configs rarely exceed 6).
pub const MAX_DEPTH: usize = 64;

/// Directive names nginx knows (sorted). An unquoted argument on a new line that is one of
/// these means the previous directive lacks its `;`: nginx itself would reject the argument
/// ("invalid parameter", "invalid number of arguments").
const DIRECTIVES: &[&str] = &[
    "access_log",
    "add_header",
    "alias",
    "allow",
    "auth_basic",
    "auth_basic_user_file",
    "auth_request",
    "client_body_timeout",
    "client_max_body_size",
    "default_type",
    "deny",
    "error_log",
    "error_page",
    "events",
    "expires",
    "fastcgi_param",
    "fastcgi_pass",
    "geo",
    "grpc_pass",
    "gzip",
    "http",
    "if",
    "include",
    "index",
    "keepalive_timeout",
    "limit_req",
    "listen",
    "location",
    "log_format",
    "map",
    "proxy_buffering",
    "proxy_connect_timeout",
    "proxy_http_version",
    "proxy_pass",
    "proxy_read_timeout",
    "proxy_redirect",
    "proxy_send_timeout",
    "proxy_set_header",
    "proxy_ssl_certificate",
    "proxy_ssl_protocols",
    "proxy_ssl_server_name",
    "proxy_ssl_trusted_certificate",
    "proxy_ssl_verify",
    "resolver",
    "return",
    "rewrite",
    "root",
    "send_timeout",
    "sendfile",
    "server",
    "server_name",
    "server_tokens",
    "set",
    "ssl_certificate",
    "ssl_certificate_key",
    "ssl_ciphers",
    "ssl_client_certificate",
    "ssl_dhparam",
    "ssl_prefer_server_ciphers",
    "ssl_protocols",
    "ssl_session_cache",
    "ssl_session_tickets",
    "ssl_session_timeout",
    "ssl_stapling",
    "ssl_verify_client",
    "stream",
    "try_files",
    "types",
    "upstream",
    "uwsgi_pass",
    "worker_connections",
    "worker_processes",
];

/// One argument of a directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Arg {
    /// The value after nginx's unescaping (`\"`, `\'`, `\\`, `\t`, `\r`, `\n`).
    pub value: String,
    /// The text as written, quotes included.
    pub raw: String,
    pub quoted: bool,
    pub span: Span,
}

/// One directive: `name args… ;` or `name args… { block }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    pub name: String,
    pub name_span: Span,
    pub args: Vec<Arg>,
    /// The block's directives, when the directive has one.
    pub block: Option<Vec<Directive>>,
    /// The body of a `*_by_lua_block`, braces excluded, kept as text (boxed: a file holds
    /// hundreds of thousands of directives, and almost none has one).
    pub opaque: Option<Box<Arg>>,
    /// From the name to the closing `;` or `}`.
    pub span: Span,
    /// The include sites this directive was reached through, outermost first.
    pub via: Vec<Span>,
}

enum Tok {
    Semicolon,
    Open,
    Close,
    Word(Arg),
}

/// A directive whose name and arguments have been read, waiting for `;` or `{`.
struct Pending {
    name: Arg,
    args: Vec<Arg>,
}

/// An open block: the directive that opened it and the directives read inside so far.
struct Frame {
    head: Pending,
    body: Vec<Directive>,
}

/// Parses one file. The first syntax error ends the parse (as it ends nginx's) and is
/// returned as a finding located at the directive it concerns.
pub fn parse(file: FileId, text: &str) -> Result<Vec<Directive>, Finding> {
    let span = |start: usize, end: usize| Span::new(file, start, end);
    let err = |msg: String, start: usize, end: usize| {
        Finding::new(FindingKind::ParseError, msg, Some(span(start, end)))
    };
    let mut top: Vec<Directive> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut pending: Option<Pending> = None;
    let mut pos = 0usize;

    loop {
        pos = skip_ws(text, pos);
        if pos >= text.len() {
            break;
        }
        let (tok, end) = lex(file, text, pos)?;
        match tok {
            None => {}
            Some(Tok::Word(arg)) => match &mut pending {
                Some(p) => {
                    let prev_end = p.args.last().map_or(p.name.span.end, |a| a.span.end);
                    let new_line = text
                        .get(prev_end..arg.span.start)
                        .is_some_and(|gap| gap.contains('\n'));
                    if new_line
                        && !arg.quoted
                        && DIRECTIVES.binary_search(&arg.value.as_str()).is_ok()
                    {
                        return Err(err(
                            format!(
                                "directive \"{}\" is not terminated by \";\" (the next line starts with the directive \"{}\")",
                                p.name.value, arg.value
                            ),
                            p.name.span.start,
                            p.name.span.end,
                        ));
                    }
                    p.args.push(arg)
                }
                None => {
                    pending = Some(Pending {
                        name: arg,
                        args: Vec::new(),
                    })
                }
            },
            Some(Tok::Semicolon) => {
                let Some(p) = pending.take() else {
                    return Err(err("unexpected \";\"".into(), pos, end));
                };
                let d = finish(p, None, None, span_end(file, end));
                push(&mut stack, &mut top, d);
            }
            Some(Tok::Open) => {
                let Some(p) = pending.take() else {
                    return Err(err("unexpected \"{\"".into(), pos, end));
                };
                if p.name.value.ends_with("_by_lua_block") {
                    let Some(close) = skim_lua(text, end) else {
                        return Err(err(
                            format!("unterminated Lua block of \"{}\"", p.name.value),
                            p.name.span.start,
                            p.name.span.end,
                        ));
                    };
                    let body = text.get(end..close).unwrap_or("").to_string();
                    let opaque = Arg {
                        value: body.clone(),
                        raw: body,
                        quoted: false,
                        span: span(end, close),
                    };
                    let d = finish(p, None, Some(opaque), span_end(file, close + 1));
                    push(&mut stack, &mut top, d);
                    pos = close + 1;
                    continue;
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(Finding::new(
                        FindingKind::LimitExceeded,
                        format!(
                            "blocks nested deeper than {MAX_DEPTH} levels; the file was not read"
                        ),
                        Some(p.name.span),
                    ));
                }
                stack.push(Frame {
                    head: p,
                    body: Vec::new(),
                });
            }
            Some(Tok::Close) => {
                if let Some(p) = pending.take() {
                    let (line_hint, _) = (p.name.span, ());
                    return Err(err(
                        format!("directive \"{}\" is not terminated by \";\"", p.name.value),
                        line_hint.start,
                        line_hint.end,
                    ));
                }
                let Some(frame) = stack.pop() else {
                    return Err(err("unexpected \"}\"".into(), pos, end));
                };
                let d = finish(frame.head, Some(frame.body), None, span_end(file, end));
                push(&mut stack, &mut top, d);
            }
        }
        pos = end;
    }
    if let Some(p) = pending {
        return Err(err(
            format!(
                "directive \"{}\" is not terminated by \";\" (unexpected end of file)",
                p.name.value
            ),
            p.name.span.start,
            p.name.span.end,
        ));
    }
    if let Some(frame) = stack.pop() {
        return Err(err(
            format!(
                "block \"{}\" is not closed by \"}}\" (unexpected end of file)",
                frame.head.name.value
            ),
            frame.head.name.span.start,
            frame.head.name.span.end,
        ));
    }
    Ok(top)
}

fn span_end(file: FileId, end: usize) -> Span {
    Span::new(file, end, end)
}

fn finish(p: Pending, block: Option<Vec<Directive>>, opaque: Option<Arg>, end: Span) -> Directive {
    Directive {
        name: p.name.value,
        name_span: p.name.span,
        args: p.args,
        block,
        opaque: opaque.map(Box::new),
        span: Span::new(end.file, p.name.span.start, end.end),
        via: Vec::new(),
    }
}

fn push(stack: &mut [Frame], top: &mut Vec<Directive>, d: Directive) {
    match stack.last_mut() {
        Some(f) => f.body.push(d),
        None => top.push(d),
    }
}

fn skip_ws(text: &str, mut pos: usize) -> usize {
    let bytes = text.as_bytes();
    while let Some(b) = bytes.get(pos) {
        if matches!(b, b' ' | b'\t' | b'\r' | b'\n') {
            pos += 1;
        } else {
            break;
        }
    }
    pos
}

/// Lexes the token at `pos`; `None` for a comment. Returns the token and its end offset.
fn lex(file: FileId, text: &str, pos: usize) -> Result<(Option<Tok>, usize), Finding> {
    let rest = text.get(pos..).unwrap_or("");
    let pairs = Lexer::parse(Rule::token, rest).map_err(|_| {
        let what = match rest.chars().next() {
            Some('"') | Some('\'') => "unterminated quoted string",
            _ => "unexpected character",
        };
        Finding::new(
            FindingKind::ParseError,
            what,
            Some(Span::new(
                file,
                pos,
                pos + rest.chars().next().map_or(0, char::len_utf8),
            )),
        )
    })?;
    let Some(pair) = pairs.into_iter().next() else {
        return Ok((None, text.len()));
    };
    let (s, e) = (pos + pair.as_span().start(), pos + pair.as_span().end());
    let raw = pair.as_str().to_string();
    let tok = match pair.as_rule() {
        Rule::comment => None,
        Rule::semicolon => Some(Tok::Semicolon),
        Rule::open => Some(Tok::Open),
        Rule::close => Some(Tok::Close),
        Rule::dquoted | Rule::squoted => {
            let inner = raw.get(1..raw.len().saturating_sub(1)).unwrap_or("");
            let mut value = unescape(inner);
            let mut raw = raw.clone();
            let mut e = e;
            // Text glued to the closing quote continues the argument (crossplane's reading;
            // nginx itself would stop with `unexpected "…"`).
            if let Some(rest) = text.get(e..) {
                if let Ok(mut t) = Lexer::parse(Rule::tail, rest) {
                    if let Some(glued) = t.next().map(|p| p.as_str()) {
                        value.push_str(&unescape(glued));
                        raw.push_str(glued);
                        e += glued.len();
                    }
                }
            }
            return Ok((
                Some(Tok::Word(Arg {
                    value,
                    raw,
                    quoted: true,
                    span: Span::new(file, s, e),
                })),
                e,
            ));
        }
        _ => Some(Tok::Word(Arg {
            value: unescape(&raw),
            raw,
            quoted: false,
            span: Span::new(file, s, e),
        })),
    };
    Ok((tok, e))
}

/// nginx's unescaping: `\"`, `\'`, `\\`, `\t`, `\r`, `\n`; any other backslash stays.
fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('"') | Some('\'') | Some('\\') => {
                out.extend(chars.next());
            }
            Some('t') => {
                chars.next();
                out.push('\t');
            }
            Some('r') => {
                chars.next();
                out.push('\r');
            }
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            _ => out.push('\\'),
        }
    }
    out
}

/// Finds the `}` closing a Lua block whose `{` ends just before `start`, skipping Lua strings,
/// long brackets and comments. Returns the offset of that `}`.
fn skim_lua(text: &str, start: usize) -> Option<usize> {
    let b = text.as_bytes();
    let mut depth = 1usize;
    let mut i = start;
    while i < b.len() {
        match b[i] {
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i += 2;
                if let Some(end) = long_bracket_end(b, i) {
                    i = end;
                } else {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
            }
            b'[' => match long_bracket_end(b, i) {
                Some(end) => i = end,
                None => i += 1,
            },
            q @ (b'"' | b'\'') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'{' => {
                depth += 1;
                i += 1;
            }
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// If a Lua long bracket (`[[`, `[==[`) opens at `i`, the offset just past its closing bracket
/// (or the end of text when unclosed).
fn long_bracket_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let mut j = i + 1;
    while b.get(j) == Some(&b'=') {
        j += 1;
    }
    if b.get(j) != Some(&b'[') {
        return None;
    }
    let level = j - i - 1;
    let mut k = j + 1;
    while k < b.len() {
        if b[k] == b']' {
            let mut m = k + 1;
            while b.get(m) == Some(&b'=') {
                m += 1;
            }
            if m - k - 1 == level && b.get(m) == Some(&b']') {
                return Some(m + 1);
            }
        }
        k += 1;
    }
    Some(b.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Vec<Directive>, Finding> {
        parse(FileId(0), text)
    }

    fn names(ds: &[Directive]) -> Vec<String> {
        ds.iter().map(|d| d.name.clone()).collect()
    }

    #[test]
    fn blocks_args_and_spans() {
        let text = "http {\n  server { listen 443 ssl; }\n}\n";
        let ds = p(text).unwrap();
        assert_eq!(names(&ds), ["http"]);
        let server = &ds[0].block.as_ref().unwrap()[0];
        let listen = &server.block.as_ref().unwrap()[0];
        assert_eq!(listen.name, "listen");
        assert_eq!(
            listen
                .args
                .iter()
                .map(|a| a.value.as_str())
                .collect::<Vec<_>>(),
            ["443", "ssl"]
        );
        assert_eq!(&text[listen.span.start..listen.span.end], "listen 443 ssl;");
        assert_eq!(&text[ds[0].span.start..ds[0].span.end], text.trim_end());
    }

    #[test]
    fn quotes_escapes_comments_and_variables() {
        let ds = p("add_header X \"a \\\"b\\\" c\" always; # trailing\nset $x ${host}a#b;\nreturn 200 'it\\'s';").unwrap();
        assert_eq!(ds[0].args[1].value, "a \"b\" c");
        assert!(ds[0].args[1].quoted);
        assert_eq!(ds[1].args[1].value, "${host}a#b");
        assert_eq!(ds[2].args[1].value, "it's");
        assert_eq!(ds.len(), 3);
    }

    #[test]
    fn regex_location_and_if() {
        let ds = p("location ~* \\.(gif|jpg)$ { if ($scheme = http) { return 301 https://$host$request_uri; } }").unwrap();
        assert_eq!(ds[0].args[1].value, "\\.(gif|jpg)$");
        let iff = &ds[0].block.as_ref().unwrap()[0];
        assert_eq!(
            iff.args
                .iter()
                .map(|a| a.value.as_str())
                .collect::<Vec<_>>(),
            ["($scheme", "=", "http)"]
        );
    }

    #[test]
    fn lua_blocks_are_opaque() {
        let text =
            "content_by_lua_block {\n  local s = \"}\" -- }\n  ngx.say([[ } ]])\n}\nlisten 80;";
        let ds = p(text).unwrap();
        assert_eq!(names(&ds), ["content_by_lua_block", "listen"]);
        assert!(ds[0].opaque.as_ref().unwrap().value.contains("ngx.say"));
        assert!(ds[0].block.is_none());
    }

    #[test]
    fn missing_semicolon_is_reported_at_the_directive() {
        let text = "server {\n  listen 80\n}\n";
        let f = p(text).unwrap_err();
        assert_eq!(f.kind, FindingKind::ParseError);
        assert_eq!(f.spans[0].start, text.find("listen").unwrap());
        assert!(f.message.contains("listen"), "{}", f.message);
    }

    #[test]
    fn directive_list_is_sorted() {
        assert!(DIRECTIVES.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn missing_semicolon_before_the_next_directive() {
        let text = "server {\n  listen 80\n  server_name a.example;\n}\n";
        let f = p(text).unwrap_err();
        assert_eq!(f.spans[0].start, text.find("listen").unwrap());
        assert!(f.message.contains("server_name"), "{}", f.message);
        // Arguments continued on the next line are fine when they are not directive names.
        assert!(p("log_format main '$a'\n  '$b';\nssl_ciphers\n  HIGH;").is_ok());
    }

    #[test]
    fn syntax_errors() {
        assert!(p("}").unwrap_err().message.contains("unexpected"));
        assert!(p("a \"b").unwrap_err().message.contains("unterminated"));
        assert!(p("http {").unwrap_err().message.contains("not closed"));
        assert!(p(";").is_err());
        assert_eq!(p("a \"b\"-c;").unwrap()[0].args[0].value, "b-c");
        assert!(p("").unwrap().is_empty());
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = "a {".repeat(100_000);
        let f = p(&text).unwrap_err();
        assert_eq!(f.kind, FindingKind::LimitExceeded);
    }
}
