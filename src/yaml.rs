//! Spanned configuration trees: YAML (serde-saphyr) and TOML (toml's span-preserving parser)
//! read into one [`Node`] tree whose every node knows the byte offset it came from.
//!
//! Ingesters of YAML/TOML formats (Traefik, Kubernetes) are written once over [`Node`]. Parsing
//! runs under an explicit budget: alias bombs, deep nesting and oversized streams are rejected
//! fast as a [`ParseError`] with a position, which the caller turns into a finding.

use crate::diag::{Finding, FindingKind};
use crate::source::{FileId, Span};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

/// Deepest nesting of collections accepted (YAML and TOML).
pub const MAX_DEPTH: usize = 256;
/// Most documents in one YAML stream (Kubernetes manifest streams can be long).
pub const MAX_DOCUMENTS: usize = 100_000;
/// Most nodes (scalars and collections) in one YAML stream.
pub const MAX_NODES: usize = 5_000_000;
/// Most alias (`*ref`) uses in one YAML stream.
pub const MAX_ALIASES: usize = 10_000;

/// Most events replayed from aliases in one YAML stream.
pub const MAX_REPLAYED_EVENTS: usize = 25_000;

/// A value with the byte offset (into the parsed text) of where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    /// Byte offset of the node's first character in the parsed text.
    pub start: usize,
}

/// The value of a [`Node`].
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    /// Entries in source order (YAML) or key order (TOML); keys are nodes with their own span.
    Map(Vec<(Node, Node)>),
}

/// Why a document could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseErrorKind {
    /// The text is not valid in its language.
    Syntax,
    /// A budget stopped the parser (aliases, nesting, node or document count): the input may be
    /// valid but is too expensive to read.
    Limit,
}

/// A document that could not be read, with the byte offset of the problem when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub message: String,
    pub offset: Option<usize>,
}

impl ParseError {
    /// Invalid text at `offset`.
    pub fn syntax(message: impl Into<String>, offset: Option<usize>) -> Self {
        ParseError {
            kind: ParseErrorKind::Syntax,
            message: message.into(),
            offset,
        }
    }

    /// A budget exceeded at `offset`.
    pub fn limit(message: impl Into<String>, offset: Option<usize>) -> Self {
        ParseError {
            kind: ParseErrorKind::Limit,
            message: message.into(),
            offset,
        }
    }

    /// The finding for this error in `file` (shown as `display`), which says what the file
    /// was read as (`not valid YAML`): a syntax error is PARSE_ERROR, a budget LIMIT_EXCEEDED,
    /// the same in every format. Nothing in the file was judged.
    pub fn finding(&self, file: FileId, display: &str, what: &str) -> Finding {
        let kind = match self.kind {
            ParseErrorKind::Syntax => FindingKind::ParseError,
            ParseErrorKind::Limit => FindingKind::LimitExceeded,
        };
        let at = self.offset.unwrap_or(0);
        let message = format!(
            "{display}: {what}: {}; nothing in it was judged",
            self.message
        );
        Finding::new(kind, message, Some(Span::new(file, at, at)))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Node {
    pub fn new(value: Value, start: usize) -> Self {
        Node { value, start }
    }

    /// The value of `key` in a map, compared exactly.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .find(|(k, _)| k.scalar().as_deref() == Some(key))
            .map(|(_, v)| v)
    }

    /// The value of `key` in a map, compared ignoring ASCII case (Traefik's key semantics).
    pub fn get_ci(&self, key: &str) -> Option<&Node> {
        self.entry_ci(key).map(|(_, v)| v)
    }

    /// The key node and value of `key`, ignoring ASCII case.
    pub fn entry_ci(&self, key: &str) -> Option<(&Node, &Node)> {
        self.entries()
            .find(|(k, _)| k.scalar().is_some_and(|s| s.eq_ignore_ascii_case(key)))
    }

    /// Follows a path of keys, ignoring ASCII case.
    pub fn path_ci(&self, path: &[&str]) -> Option<&Node> {
        let mut n = self;
        for k in path {
            n = n.get_ci(k)?;
        }
        Some(n)
    }

    /// A map's entries (empty for anything else).
    pub fn entries(&self) -> impl Iterator<Item = (&Node, &Node)> {
        let slice: &[(Node, Node)] = match &self.value {
            Value::Map(m) => m,
            _ => &[],
        };
        slice.iter().map(|(k, v)| (k, v))
    }

    /// A sequence's items (empty for anything else).
    pub fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    /// A scalar as text (`true`, `42`, the string itself); `None` for collections and null.
    pub fn scalar(&self) -> Option<String> {
        match &self.value {
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// A boolean written as YAML/TOML bool or as the strings `true`/`false` (labels, flags).
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Bool(b) => Some(*b),
            Value::Str(s) => match s.trim().to_ascii_lowercase().as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// YAML

/// Position of a node as serde-saphyr reports it, turned into a byte offset after parsing.
struct Raw(Value);

struct RawVisitor;

/// A node deserialized with its location, before the location becomes a byte offset.
struct Located {
    value: Value,
    line: u64,
    column: u64,
    byte: Option<u64>,
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor)
    }
}

impl<'de> Deserialize<'de> for Located {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s: serde_saphyr::Spanned<Raw> = serde_saphyr::Spanned::deserialize(d)?;
        let loc = s.referenced;
        Ok(Located {
            value: s.value.0,
            line: loc.line(),
            column: loc.column(),
            byte: loc.span().byte_offset(),
        })
    }
}

/// Located nodes are stored with a provisional position; [`fix_offsets`] makes it a byte offset.
fn provisional(l: Located) -> Node {
    // Pack line/column into the node temporarily when no byte offset is known.
    let start = match l.byte {
        Some(b) => b as usize,
        None => usize::MAX - ((l.line as usize) << 20 | (l.column as usize & 0xFFFFF)),
    };
    Node::new(l.value, start)
}

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw(Value::Int(v)))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        Ok(Raw(match i64::try_from(v) {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Str(v.to_string()),
        }))
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Raw, E> {
        Ok(Raw(Value::Str(v.to_string())))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Raw, E> {
        Ok(Raw(Value::Str(v.to_string())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw(Value::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw(Value::Str(v.to_string())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Raw, E> {
        Ok(Raw(Value::Str(v)))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw, E> {
        Ok(Raw(Value::Str(String::from_utf8_lossy(v).into_owned())))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw(Value::Null))
    }
    fn visit_none<E: de::Error>(self) -> Result<Raw, E> {
        Ok(Raw(Value::Null))
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Raw, D::Error> {
        Raw::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(l) = seq.next_element::<Located>()? {
            items.push(provisional(l));
        }
        Ok(Raw(Value::Seq(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Located>()? {
            let v = map.next_value::<Located>()?;
            entries.push((provisional(k), provisional(v)));
        }
        Ok(Raw(Value::Map(entries)))
    }
}

/// Byte offset of a 1-based line and column (columns count characters).
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    if line > 1 {
        match text.match_indices('\n').nth(line - 2) {
            Some((i, _)) => start = i + 1,
            None => return text.len(),
        }
    }
    let rest = text.get(start..).unwrap_or("");
    start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map(|(i, _)| i)
            .unwrap_or(rest.len())
}

/// Replaces provisional positions (packed line/column) with byte offsets. Iterative, so that
/// no recursion depth depends on the input beyond what the parser's budget already capped.
fn fix_offsets(text: &str, node: &mut Node) {
    let mut stack: Vec<&mut Node> = vec![node];
    while let Some(n) = stack.pop() {
        if n.start > text.len() {
            let packed = usize::MAX - n.start;
            n.start = offset_of(text, packed >> 20, packed & 0xFFFFF);
        }
        match &mut n.value {
            Value::Seq(items) => stack.extend(items.iter_mut()),
            Value::Map(entries) => {
                for (k, v) in entries.iter_mut() {
                    stack.push(k);
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
}

/// The budget every YAML parse runs under.
fn yaml_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_documents = MAX_DOCUMENTS;
    budget.max_depth = MAX_DEPTH;
    budget.max_nodes = MAX_NODES;
    budget.max_events = MAX_NODES * 2;
    budget.max_aliases = MAX_ALIASES;
    budget.max_recorded_anchor_events = MAX_REPLAYED_EVENTS;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.with_snippet = false;
    // Alias expansion is what a billion-laughs document multiplies: cap the replayed events.
    options.alias_limits.max_total_replayed_events = MAX_REPLAYED_EVENTS;
    options
}

/// Stack for the parsing thread: serde's recursive descent needs several kilobytes per nesting
/// level in debug builds, more than a default 2 MiB thread has at [`MAX_DEPTH`].
const PARSE_STACK: usize = 64 * 1024 * 1024;

/// Parses a YAML stream into one node per document.
pub fn parse_yaml(text: &str) -> Result<Vec<Node>, ParseError> {
    let run = || parse_yaml_here(text);
    std::thread::scope(|s| {
        match std::thread::Builder::new()
            .name("yaml-parse".into())
            .stack_size(PARSE_STACK)
            .spawn_scoped(s, run)
        {
            Ok(h) => h.join().unwrap_or_else(|_| {
                Err(ParseError::syntax(
                    "the YAML parser failed on this input",
                    None,
                ))
            }),
            Err(_) => parse_yaml_here(text),
        }
    })
}

/// Parses many YAML streams, each as [`parse_yaml`] does, on one big-stack thread per core
/// (not one thread per stream): the results in the order of `texts`. A parser panic is the
/// error of its own stream only.
pub fn parse_yaml_all(texts: &[&str]) -> Vec<Result<Vec<Node>, ParseError>> {
    let workers = crate::workers_for(texts.len());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let mut out: Vec<Option<Result<Vec<Node>, ParseError>>> =
        std::iter::repeat_with(|| None).take(texts.len()).collect();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..workers)
            .filter_map(|_| {
                let next = &next;
                std::thread::Builder::new()
                    .name("yaml-parse".into())
                    .stack_size(PARSE_STACK)
                    .spawn_scoped(s, move || {
                        let mut done = Vec::new();
                        loop {
                            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            let Some(text) = texts.get(i) else {
                                return done;
                            };
                            done.push((i, parse_guarded(text)));
                        }
                    })
                    .ok()
            })
            .collect();
        for h in handles {
            for (i, parsed) in h.join().unwrap_or_default() {
                if let Some(slot) = out.get_mut(i) {
                    *slot = Some(parsed);
                }
            }
        }
    });
    // A stream no worker parsed (no thread could be started) is parsed here.
    out.into_iter()
        .zip(texts)
        .map(|(parsed, text)| parsed.unwrap_or_else(|| parse_yaml(text)))
        .collect()
}

/// [`parse_yaml_here`], with a parser panic as the stream's error.
fn parse_guarded(text: &str) -> Result<Vec<Node>, ParseError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse_yaml_here(text))).unwrap_or_else(
        |_| {
            Err(ParseError::syntax(
                "the YAML parser failed on this input",
                None,
            ))
        },
    )
}

fn parse_yaml_here(text: &str) -> Result<Vec<Node>, ParseError> {
    let docs: Result<Vec<Located>, _> =
        serde_saphyr::from_str_multiple_with_options(text, yaml_options());
    match docs {
        Ok(docs) => Ok(docs
            .into_iter()
            .map(|l| {
                let mut n = provisional(l);
                fix_offsets(text, &mut n);
                n
            })
            .collect()),
        Err(e) => {
            let offset = e
                .location()
                .filter(|l| l.line() > 0)
                .map(|l| offset_of(text, l.line() as usize, l.column() as usize));
            let message = e.to_string();
            let message = message.lines().next().unwrap_or("invalid YAML").to_string();
            Err(if is_budget(&e) {
                ParseError::limit(message, offset)
            } else {
                ParseError::syntax(message, offset)
            })
        }
    }
}

/// Whether the parser stopped on one of its budgets rather than on invalid text (looking
/// through the snippet and alias-location wrappers to the original error).
fn is_budget(e: &serde_saphyr::Error) -> bool {
    use serde_saphyr::Error as E;
    match e.without_snippet() {
        E::AliasError { error, .. } => is_budget(error),
        // The scanner's own nesting cap (granit-parser's `RecursionLimitExceeded`) reaches us
        // only as its message.
        E::ExternalMessage { msg, .. } => msg == "recursion limit exceeded",
        inner => matches!(
            inner,
            E::Budget { .. }
                | E::AliasReplayLimitExceeded { .. }
                | E::AliasExpansionLimitExceeded { .. }
                | E::AliasReplayStackDepthExceeded { .. }
                | E::AliasReplayCounterOverflow { .. }
        ),
    }
}

// ---------------------------------------------------------------------------------------------
// TOML

/// A cheap pre-check that the TOML parser's own recursion cannot be driven deep: bracket nesting
/// outside strings and dotted-key length, both capped at [`MAX_DEPTH`].
fn toml_too_deep(text: &str) -> Option<usize> {
    let mut depth = 0usize;
    let mut in_str: Option<char> = None;
    let mut comment = false;
    let mut dots = 0usize;
    for (i, c) in text.char_indices() {
        if c == '\n' {
            comment = false;
            dots = 0;
            if in_str == Some('"') || in_str == Some('\'') {
                in_str = None;
            }
            continue;
        }
        if comment {
            continue;
        }
        match in_str {
            Some(q) => {
                if c == q {
                    in_str = None;
                }
            }
            None => match c {
                '"' | '\'' => in_str = Some(c),
                '#' => comment = true,
                '[' | '{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Some(i);
                    }
                }
                ']' | '}' => depth = depth.saturating_sub(1),
                '.' => {
                    dots += 1;
                    if dots > MAX_DEPTH {
                        return Some(i);
                    }
                }
                _ => {}
            },
        }
    }
    None
}

/// Parses a TOML document into one node (a map).
pub fn parse_toml(text: &str) -> Result<Node, ParseError> {
    if let Some(at) = toml_too_deep(text) {
        return Err(ParseError::limit(
            format!("nesting deeper than {MAX_DEPTH} levels"),
            Some(at),
        ));
    }
    let table = toml::de::DeTable::parse(text)
        .map_err(|e| ParseError::syntax(e.message(), e.span().map(|r| r.start)))?;
    let span = table.span();
    let value = toml::de::DeValue::Table(table.into_inner());
    Ok(from_toml(&value, span.start))
}

fn from_toml(v: &toml::de::DeValue, start: usize) -> Node {
    use toml::de::DeValue;
    let value = match v {
        DeValue::String(s) => Value::Str(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Int(n),
            Err(_) => Value::Str(i.as_str().to_string()),
        },
        DeValue::Float(f) => match f.as_str().parse::<f64>() {
            Ok(x) => Value::Float(x),
            Err(_) => Value::Str(f.as_str().to_string()),
        },
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Str(d.to_string()),
        DeValue::Array(a) => Value::Seq(
            a.iter()
                .map(|x| from_toml(x.get_ref(), x.span().start))
                .collect(),
        ),
        DeValue::Table(t) => {
            let mut entries: Vec<(Node, Node)> = t
                .iter()
                .map(|(k, x)| {
                    (
                        Node::new(Value::Str(k.get_ref().to_string()), k.span().start),
                        from_toml(x.get_ref(), x.span().start),
                    )
                })
                .collect();
            entries.sort_by_key(|(k, _)| k.start);
            Value::Map(entries)
        }
    };
    Node::new(value, start)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_streams_parse_in_their_order_each_with_its_own_error() {
        let texts: Vec<String> = (0..50)
            .map(|i| {
                if i == 17 {
                    "a: [unclosed\n".to_string()
                } else {
                    format!("num: {i}\n---\nmore: {i}\n")
                }
            })
            .collect();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let parsed = parse_yaml_all(&refs);
        assert_eq!(parsed.len(), 50);
        for (i, p) in parsed.iter().enumerate() {
            if i == 17 {
                assert!(p.is_err(), "stream 17 is not valid YAML");
                continue;
            }
            let docs = p.as_ref().unwrap();
            assert_eq!(docs.len(), 2);
            assert_eq!(
                docs[0].get("num").and_then(Node::scalar),
                Some(i.to_string())
            );
        }
        assert!(parse_yaml_all(&[]).is_empty());
    }

    fn line_of(text: &str, offset: usize) -> usize {
        text[..offset].matches('\n').count() + 1
    }

    #[test]
    fn yaml_nodes_carry_byte_offsets_of_keys_and_values() {
        let text = "# c\nhttp:\n  routers:\n    r1:\n      rule: \"Host(`a`)\"\n      tls: {}\n---\nx: [1, true]\n";
        let docs = parse_yaml(text).unwrap();
        assert_eq!(docs.len(), 2);
        let r1 = docs[0].path_ci(&["HTTP", "routers", "r1"]).unwrap();
        let (k, v) = r1.entry_ci("rule").unwrap();
        assert_eq!(line_of(text, k.start), 5);
        assert_eq!(&text[k.start..k.start + 4], "rule");
        assert_eq!(v.as_str(), Some("Host(`a`)"));
        assert_eq!(line_of(text, v.start), 5);
        assert!(r1.get("tls").unwrap().is_map());
        let x = docs[1].get("x").unwrap();
        assert_eq!(x.items()[1].as_bool(), Some(true));
        assert_eq!(line_of(text, x.items()[0].start), 8);
    }

    #[test]
    fn yaml_errors_have_positions() {
        let text = "a: 1\nb: [\n";
        let e = parse_yaml(text).unwrap_err();
        assert!(e.offset.is_some(), "{e:?}");
    }

    #[test]
    fn billion_laughs_is_rejected() {
        let mut text = String::from(
            "a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
        );
        for i in 1..10 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
            ));
        }
        assert!(parse_yaml(&text).is_err());
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let text = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_yaml(&text).is_err());
        let block: String = (0..100_000)
            .map(|i| format!("{}k:\n", " ".repeat(i % 2000)))
            .collect();
        let _ = parse_yaml(&block);
        let text = format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_toml(&text).is_err());
        let dotted = format!("[{}]\n", vec!["a"; 100_000].join("."));
        assert!(parse_toml(&dotted).is_err());
    }

    #[test]
    fn nesting_within_the_budget_is_read() {
        let text = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert!(parse_yaml(&text).is_ok());
    }

    #[test]
    fn toml_nodes_carry_offsets() {
        let text =
            "[entryPoints.web]\naddress = \":80\"\n\n[[tls.certificates]]\ncertFile = \"a.pem\"\n";
        let n = parse_toml(text).unwrap();
        let a = n.path_ci(&["entrypoints", "web", "address"]).unwrap();
        assert_eq!(a.as_str(), Some(":80"));
        assert_eq!(line_of(text, a.start), 2);
        let c = &n.path_ci(&["tls", "certificates"]).unwrap().items()[0];
        assert_eq!(line_of(text, c.get("certFile").unwrap().start), 5);
        assert!(parse_toml("a = \n").is_err());
    }
}
