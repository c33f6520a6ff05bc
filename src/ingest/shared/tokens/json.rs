//! JSON with comments (JSONC: `//`, `/* */`, trailing commas — VS Code's `mcp.json` allows
//! them) read into the spanned [`Node`] tree the YAML/TOML ingesters use, so every value a
//! client finding cites has its byte offset. serde_json drops positions, hence this reader.

use crate::yaml::{Node, ParseError, Value, MAX_DEPTH};

/// Parses one JSON(C) document.
pub fn parse(text: &str) -> Result<Node, ParseError> {
    let mut p = Parser {
        b: text.as_bytes(),
        text,
        i: 0,
    };
    let v = p.value(0)?;
    p.ws()?;
    if p.i < p.b.len() {
        return Err(p.err("unexpected text after the JSON value"));
    }
    Ok(v)
}

struct Parser<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn err(&self, message: &str) -> ParseError {
        ParseError::syntax(message, Some(self.i.min(self.b.len())))
    }

    fn peek(&self) -> u8 {
        self.b.get(self.i).copied().unwrap_or(0)
    }

    /// Skips whitespace and comments.
    fn ws(&mut self) -> Result<(), ParseError> {
        loop {
            match self.peek() {
                b' ' | b'\t' | b'\n' | b'\r' => self.i += 1,
                0xEF if self.i == 0 && self.b.starts_with(&[0xEF, 0xBB, 0xBF]) => self.i += 3,
                b'/' if self.b.get(self.i + 1) == Some(&b'/') => {
                    while self.i < self.b.len() && self.peek() != b'\n' {
                        self.i += 1;
                    }
                }
                b'/' if self.b.get(self.i + 1) == Some(&b'*') => {
                    let Some(end) = self.text.get(self.i + 2..).and_then(|r| r.find("*/")) else {
                        return Err(self.err("unterminated comment"));
                    };
                    self.i += end + 4;
                }
                _ => return Ok(()),
            }
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, ParseError> {
        if depth > MAX_DEPTH {
            return Err(ParseError::limit(
                "nested too deeply",
                Some(self.i.min(self.b.len())),
            ));
        }
        self.ws()?;
        let start = self.i;
        match self.peek() {
            b'{' => {
                self.i += 1;
                let mut entries = Vec::new();
                loop {
                    self.ws()?;
                    if self.peek() == b'}' {
                        self.i += 1;
                        break;
                    }
                    if self.peek() != b'"' {
                        return Err(self.err("expected a quoted key"));
                    }
                    let kstart = self.i;
                    let k = self.string()?;
                    self.ws()?;
                    if self.peek() != b':' {
                        return Err(self.err("expected ':' after the key"));
                    }
                    self.i += 1;
                    let v = self.value(depth + 1)?;
                    entries.push((Node::new(Value::Str(k), kstart), v));
                    self.ws()?;
                    match self.peek() {
                        b',' => self.i += 1,
                        b'}' => {}
                        _ => return Err(self.err("expected ',' or '}'")),
                    }
                }
                Ok(Node::new(Value::Map(entries), start))
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.ws()?;
                    if self.peek() == b']' {
                        self.i += 1;
                        break;
                    }
                    items.push(self.value(depth + 1)?);
                    self.ws()?;
                    match self.peek() {
                        b',' => self.i += 1,
                        b']' => {}
                        _ => return Err(self.err("expected ',' or ']'")),
                    }
                }
                Ok(Node::new(Value::Seq(items), start))
            }
            b'"' => Ok(Node::new(Value::Str(self.string()?), start)),
            b't' | b'f' | b'n' => {
                for (word, v) in [
                    ("true", Value::Bool(true)),
                    ("false", Value::Bool(false)),
                    ("null", Value::Null),
                ] {
                    if self.text.get(self.i..).is_some_and(|r| r.starts_with(word)) {
                        self.i += word.len();
                        return Ok(Node::new(v, start));
                    }
                }
                Err(self.err("unexpected word"))
            }
            b'-' | b'0'..=b'9' => {
                while self.i < self.b.len()
                    && matches!(self.peek(), b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
                {
                    self.i += 1;
                }
                let t = self.text.get(start..self.i).unwrap_or("");
                if let Ok(n) = t.parse::<i64>() {
                    Ok(Node::new(Value::Int(n), start))
                } else if let Ok(f) = t.parse::<f64>() {
                    Ok(Node::new(Value::Float(f), start))
                } else {
                    Err(self.err("invalid number"))
                }
            }
            0 => Err(self.err("unexpected end of file")),
            _ => Err(self.err("unexpected character")),
        }
    }

    /// A string at the current `"`, unescaped.
    fn string(&mut self) -> Result<String, ParseError> {
        self.i += 1;
        let mut out = String::new();
        let mut seg = self.i;
        loop {
            match self.peek() {
                0 if self.i >= self.b.len() => return Err(self.err("unterminated string")),
                b'"' => {
                    out.push_str(self.text.get(seg..self.i).unwrap_or(""));
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(self.text.get(seg..self.i).unwrap_or(""));
                    let e = self.b.get(self.i + 1).copied().unwrap_or(0);
                    self.i += 2;
                    match e {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'u' => {
                            let hex = self.text.get(self.i..self.i + 4).unwrap_or("");
                            let c = u32::from_str_radix(hex, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .unwrap_or('\u{fffd}');
                            out.push(c);
                            self.i += 4;
                        }
                        0 => return Err(self.err("unterminated string")),
                        other => out.push(other as char),
                    }
                    seg = self.i;
                }
                b'\n' => return Err(self.err("newline in a string")),
                _ => self.i += 1,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keeps_offsets_and_accepts_comments_and_trailing_commas() {
        let text = "{\n  // servers\n  \"servers\": { \"a\": { \"url\": \"http://x\", }, },\n}";
        let n = parse(text).unwrap();
        let url = n.path_ci(&["servers", "a", "url"]).unwrap();
        assert_eq!(url.as_str(), Some("http://x"));
        assert_eq!(&text[url.start..url.start + 3], "\"ht");
        assert!(parse("{\"a\": [1, 2").is_err());
        assert!(parse(&"[".repeat(1000)).is_err());
    }
}
