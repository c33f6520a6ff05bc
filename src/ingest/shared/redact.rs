//! Credentials never reach an output: where an ingester reads a URL, a credential header or a
//! client's `env` value, it keeps the redacted text in the model and marks the secret bytes in
//! the source map, so that no excerpt shows them ([`SourceMap::shown_line`]). Every view is made
//! from the model and those excerpts, so this is the only place where redaction happens.

use crate::source::{FileId, SourceMap, Span, REDACTED};
use std::ops::Range;

/// Words that make a query parameter, header or variable name a credential's.
const CREDENTIAL_WORDS: &[&str] = &[
    "key",
    "apikey",
    "token",
    "secret",
    "password",
    "passwd",
    "pwd",
    "pass",
    "auth",
    "authorization",
    "sig",
    "signature",
    "credential",
    "credentials",
    "session",
    "cookie",
    "jwt",
    "bearer",
];

/// Whether a query parameter, header or variable name names a credential (`key`, `api_key`,
/// `access_token`, `X-API-Key`, `Authorization`, `sig`, `GITHUB_TOKEN`, `apiKey`, …).
pub fn is_credential_name(name: &str) -> bool {
    let words = words(name);
    let joined = words.concat();
    words.iter().any(|w| CREDENTIAL_WORDS.contains(&w.as_str()))
        || ["token", "secret", "password", "apikey"]
            .iter()
            .any(|w| joined.contains(w))
}

/// The lowercase words of a name split at punctuation and camelCase boundaries.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut after_lower = false;
    for c in name.chars() {
        let boundary = !c.is_ascii_alphanumeric() || (c.is_ascii_uppercase() && after_lower);
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_ascii_alphanumeric() {
            word.push(c.to_ascii_lowercase());
        }
        after_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
    }
    words.push(word);
    words
}

/// The byte ranges of a URL that hold credentials: its userinfo (`user:pass` before `@`) and
/// the value of every query parameter whose name is a credential's.
pub fn url_secrets(url: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let authority_start = url.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = url.get(authority_start..).unwrap_or("");
    let authority_len = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    if let Some(at) = rest.get(..authority_len).and_then(|a| a.rfind('@')) {
        out.push(authority_start..authority_start + at);
    }
    let Some(q) = url.find('?') else {
        return out;
    };
    let query_end = url.find('#').filter(|h| *h > q).unwrap_or(url.len());
    let mut start = q + 1;
    for pair in url.get(q + 1..query_end).unwrap_or("").split('&') {
        if let Some((name, value)) = pair.split_once('=') {
            let from = start + name.len() + 1;
            if !value.is_empty() && is_credential_name(name) {
                out.push(from..from + value.len());
            }
        }
        start += pair.len() + 1;
    }
    out
}

/// `text` with the given byte ranges replaced by [`REDACTED`].
fn replace(text: &str, ranges: &[Range<usize>]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for r in ranges {
        out.push_str(text.get(at..r.start).unwrap_or(""));
        out.push_str(REDACTED);
        at = r.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    out
}

/// A URL with its credentials redacted (`https://REDACTED@host/mcp?key=REDACTED`).
pub fn url(raw: &str) -> String {
    replace(raw, &url_secrets(raw))
}

/// Every URL in a line of text with its credentials redacted: the last guard of the lines
/// shown as excerpts, for URLs no ingester read (a snippet the controller ignores, a comment).
pub fn urls_in(text: &str) -> String {
    let mut ranges = Vec::new();
    let mut from = 0;
    while let Some(i) = text.get(from..).and_then(|t| t.find("://")) {
        let sep = from + i;
        let start = text[..sep]
            .char_indices()
            .rev()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || "+.-".contains(*c)))
            .map(|(j, c)| j + c.len_utf8())
            .unwrap_or(0);
        let end = text[sep..]
            .find(|c: char| c.is_whitespace() || "\"'`;,<>()[]{}".contains(c))
            .map(|j| sep + j)
            .unwrap_or(text.len());
        let url = &text[start..end];
        ranges.extend(
            url_secrets(url)
                .into_iter()
                .map(|r| start + r.start..start + r.end),
        );
        from = end.max(sep + 3);
    }
    replace(text, &ranges)
}

/// A line shown as an excerpt with every credential the ingesters did not mark redacted: the
/// credentials of its URLs ([`urls_in`]), the token after an HTTP authorization scheme
/// (`Bearer …`, `Basic …`), and the value given to a token, secret, password or API key
/// (`"api_key": "…"`, `token: …`, `password = …`) — the guard for lines no ingester read, such
/// as the line a parse error points at.
pub fn line(text: &str) -> String {
    let text = urls_in(text);
    // Most lines hold none of the words: a few substring searches spare them the full pass
    // (a site line with thousands of addresses is cited by every result of its site).
    if !MAY_HOLD_SECRET.iter().any(|w| text.contains(w)) {
        return text;
    }
    let mut ranges = scheme_tokens(&text);
    ranges.extend(assigned_secrets(&text));
    ranges.sort_by_key(|r| r.start);
    ranges.dedup_by(|b, a| b.start < a.end);
    replace(&text, &ranges)
}

/// Fragments of the words [`scheme_tokens`] and [`assigned_secrets`] look for, in the cases
/// they are written in.
const MAY_HOLD_SECRET: &[&str] = &[
    "earer", "EARER", "asic", "ASIC", "oken", "OKEN", "ecret", "ECRET", "assw", "ASSW", "pikey",
    "PIKEY", "piKey", "pi_key", "PI_KEY", "pi-key", "PI-KEY", "pi-Key",
];

/// The tokens after `Bearer ` or `Basic ` (any case).
fn scheme_tokens(text: &str) -> Vec<Range<usize>> {
    let lower = text.to_ascii_lowercase();
    let mut out = Vec::new();
    for scheme in ["bearer ", "basic "] {
        let mut from = 0;
        while let Some(i) = lower.get(from..).and_then(|t| t.find(scheme)) {
            let start = from + i + scheme.len();
            let boundary = from + i == 0 || !lower.as_bytes()[from + i - 1].is_ascii_alphanumeric();
            let end = token_end(text, start);
            if boundary && end > start && !text[start..end].starts_with(REDACTED) {
                out.push(start..end);
            }
            from = end.max(start);
        }
    }
    out
}

/// The values assigned (`:` or `=`) to names that hold a token, secret, password or API key;
/// names of a place where a secret is kept (`secretName`, `tokenFile`, `passwordRef`) are not
/// secrets themselves.
fn assigned_secrets(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    for (i, c) in text.char_indices() {
        if c != ':' && c != '=' {
            continue;
        }
        let before = text[..i].trim_end().trim_end_matches(['"', '\'']);
        let name_start = before
            .rfind(|c: char| !(c.is_ascii_alphanumeric() || "_-.".contains(c)))
            .map_or(0, |j| j + 1);
        let name = &before[name_start..];
        if name.is_empty() || !holds_secret(name) {
            continue;
        }
        let after = &text[i + 1..];
        let skipped = after.len() - after.trim_start().len();
        let mut start = i + 1 + skipped;
        if text[start..].starts_with(['"', '\'']) {
            start += 1;
        }
        let end = token_end(text, start);
        if end > start && !text[start..end].starts_with(REDACTED) {
            out.push(start..end);
        }
    }
    out
}

/// Whether a name is that of a secret value (not of the place it is kept).
fn holds_secret(name: &str) -> bool {
    let words = words(name);
    let joined = words.concat();
    let place = ["name", "ref", "file", "path", "namespace", "env"]
        .contains(&words.last().map(String::as_str).unwrap_or(""));
    !place
        && ["token", "secret", "password", "passwd", "apikey"]
            .iter()
            .any(|w| joined.contains(w))
}

/// Where a token that starts at `start` ends: at white space, a quote or punctuation that ends
/// a value in the formats read.
fn token_end(text: &str, start: usize) -> usize {
    text[start..]
        .find(|c: char| c.is_whitespace() || "\"'`;,<>()[]{}".contains(c))
        .map_or(text.len(), |j| start + j)
}

/// A URL read at byte `at` of `file`: returned redacted for the model, its credentials marked
/// in the source map.
pub fn url_at(map: &SourceMap, file: FileId, at: usize, raw: &str) -> String {
    let secrets = url_secrets(raw);
    for r in &secrets {
        if let Some(part) = raw.get(r.clone()) {
            mark(map, file, at, part);
        }
    }
    replace(raw, &secrets)
}

/// A value that is a credential as a whole (a credential header, a client's `env` value), read
/// at byte `at` of `file`: returned as [`REDACTED`], marked in the source map.
pub fn secret_at(map: &SourceMap, file: FileId, at: usize, raw: &str) -> String {
    mark(map, file, at, raw);
    REDACTED.to_string()
}

/// How far after the place a value is read its text is looked for.
const WINDOW: usize = 4096;

/// Marks `secret` in the source text that follows byte `at`: where it is written verbatim,
/// else (an escaped or quoted form) the whole quoted token or word that starts there.
fn mark(map: &SourceMap, file: FileId, at: usize, secret: &str) {
    if secret.is_empty() {
        return;
    }
    let Some(text) = map.get(file).map(|f| f.text.as_str()) else {
        return;
    };
    let end = floor_boundary(text, at.saturating_add(WINDOW + secret.len()));
    let at = floor_boundary(text, at);
    let window = text.get(at..end).unwrap_or("");
    let range = match window.find(secret) {
        Some(i) => at + i..at + i + secret.len(),
        None => at..at + token_len(window),
    };
    map.mark_secret(Span::new(file, range.start, range.end));
}

/// The length of the token a window starts with: a quoted string with its quotes, else up to
/// the first space or line end.
fn token_len(window: &str) -> usize {
    let mut chars = window.char_indices();
    match chars.next() {
        Some((_, q @ ('"' | '\''))) => {
            let mut escaped = false;
            for (i, c) in chars {
                match c {
                    '\\' if !escaped => escaped = true,
                    c if c == q && !escaped => return i + 1,
                    '\n' => return i,
                    _ => escaped = false,
                }
            }
            window.len()
        }
        _ => window
            .find(|c: char| c.is_whitespace() || c == ',')
            .unwrap_or(window.len()),
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn lines_no_ingester_read_lose_their_credentials() {
        let cases = [
            (
                r#"      "headers": { "Authorization": "Bearer abc.DEF-123" ,, }"#,
                r#"      "headers": { "Authorization": "Bearer REDACTED" ,, }"#,
            ),
            (
                " proxy_set_header Authorization \"Basic dXNlcjpwdw==\"",
                " proxy_set_header Authorization \"Basic REDACTED\"",
            ),
            (
                r#"{"api_key": "k-123", "x": 1}"#,
                r#"{"api_key": "REDACTED", "x": 1}"#,
            ),
            ("  GITHUB_TOKEN=ghp_abc", "  GITHUB_TOKEN=REDACTED"),
            ("password: hunter2", "password: REDACTED"),
            ("clientSecret: s3cr3t", "clientSecret: REDACTED"),
            // Where a secret is kept is evidence, not a secret.
            ("    secretName: mcp-tls", "    secretName: mcp-tls"),
            ("ssl_session_tickets off;", "ssl_session_tickets off;"),
            (
                "tls: { secretName: a, tokenFile: /run/t }",
                "tls: { secretName: a, tokenFile: /run/t }",
            ),
        ];
        for (raw, shown) in cases {
            assert_eq!(line(raw), shown, "{raw}");
        }
    }

    #[test]
    fn credential_names_are_recognised_and_others_are_not() {
        for n in [
            "key",
            "api_key",
            "apiKey",
            "access_token",
            "X-API-Key",
            "Authorization",
            "sig",
            "password",
            "GITHUB_TOKEN",
            "client_secret",
            "X-Auth-Token",
        ] {
            assert!(is_credential_name(n), "{n}");
        }
        for n in [
            "monkey",
            "region",
            "Content-Type",
            "page",
            "keyword",
            "NODE_ENV",
            "sse",
        ] {
            assert!(!is_credential_name(n), "{n}");
        }
    }

    #[test]
    fn urls_lose_userinfo_and_credential_parameters_only() {
        assert_eq!(
            url("https://bob:hunter2@mcp.example.com:8443/mcp?key=abc&region=eu&sig=x1#frag"),
            "https://REDACTED@mcp.example.com:8443/mcp?key=REDACTED&region=eu&sig=REDACTED#frag"
        );
        assert_eq!(
            url("https://mcp.example.com/mcp"),
            "https://mcp.example.com/mcp"
        );
        assert_eq!(url("http://a/?token="), "http://a/?token=");
        assert_eq!(url("${input:url}"), "${input:url}");
        assert_eq!(
            url("https://h/p@q"),
            "https://h/p@q",
            "an @ in the path is no userinfo"
        );
    }

    #[test]
    fn urls_in_a_line_are_redacted_wherever_they_stand() {
        assert_eq!(
            urls_in("proxy_pass http://a:8080/c?token=t1; # see https://u:p@h/x?sig=s&b=1"),
            "proxy_pass http://a:8080/c?token=REDACTED; # see https://REDACTED@h/x?sig=REDACTED&b=1"
        );
        assert_eq!(
            urls_in("\"url\": \"https://h/?key=k\","),
            "\"url\": \"https://h/?key=REDACTED\","
        );
        assert_eq!(urls_in("no url here: a://"), "no url here: a://");
        // A non-ASCII neighbour neither panics nor survives inside the redacted value.
        assert_eq!(urls_in("«https://h/?key=k»"), "«https://h/?key=REDACTED");
    }

    #[test]
    fn marked_secrets_are_masked_in_every_shown_line() {
        let mut map = SourceMap::new();
        let text = "{\"url\": \"https://u:p@h/m?token=t0k\", \"h\": \"Bearer \\u0041bc\"}\n";
        let file = map.add("c.json".into(), PathBuf::from("c.json"), text.as_bytes());
        let at = text.find("https").unwrap();
        let shown = url_at(&map, file, at, "https://u:p@h/m?token=t0k");
        assert_eq!(shown, "https://REDACTED@h/m?token=REDACTED");
        // The decoded value differs from the escaped text: the quoted token is masked.
        let h = text.find("\"Bearer").unwrap();
        assert_eq!(secret_at(&map, file, h, "Bearer Abc"), REDACTED);
        assert_eq!(
            map.shown_line(file, 1),
            "{\"url\": \"https://REDACTED@h/m?token=REDACTED\", \"h\": REDACTED}"
        );
    }
}
