//! Dotted key/value pairs (Docker labels, CLI flags) → the same [`Node`] tree a YAML file gives.
//!
//! `traefik.http.routers.r.tls=true` and `--entryPoints.web.address=:80` become nested maps
//! whose nodes all carry the offset of the label or flag they came from, so the rest of the
//! Traefik ingester reads labels, flags and files with one code path.

use crate::yaml::{Node, Value};

/// One `key=value` pair and the byte offset of the text it came from.
#[derive(Debug, Clone)]
pub struct Pair {
    pub key: String,
    pub value: String,
    pub start: usize,
}

/// Splits a dotted key into path segments; `domains[0]` becomes `domains`, `0`.
fn segments(key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in key.split('.') {
        let mut rest = part;
        while let Some(open) = rest.find('[') {
            let (head, tail) = rest.split_at(open);
            if !head.is_empty() {
                out.push(head.to_string());
            }
            match tail.find(']') {
                Some(close) => {
                    out.push(tail[1..close].to_string());
                    rest = &tail[close + 1..];
                }
                None => {
                    rest = tail;
                    break;
                }
            }
        }
        if !rest.is_empty() {
            out.push(rest.to_string());
        }
    }
    out
}

/// Builds a tree of maps from pairs; keys are matched ignoring ASCII case, the first spelling
/// wins. A pair whose path runs through an existing scalar replaces it by a map (labels such as
/// `tls=true` next to `tls.options=x`).
pub fn tree(pairs: &[Pair], start: usize) -> Node {
    let mut root = Node::new(Value::Map(Vec::new()), start);
    for p in pairs {
        let segs = segments(&p.key);
        if segs.is_empty() {
            continue;
        }
        insert(&mut root, &segs, p);
    }
    root
}

fn insert(root: &mut Node, segs: &[String], p: &Pair) {
    let mut node = root;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        if !node.is_map() {
            node.value = Value::Map(Vec::new());
        }
        let Value::Map(entries) = &mut node.value else {
            return;
        };
        let idx = entries.iter().position(|(k, _)| {
            k.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(seg.as_str()))
        });
        let idx = match idx {
            Some(i) => i,
            None => {
                let child = if last {
                    Node::new(Value::Str(p.value.clone()), p.start)
                } else {
                    Node::new(Value::Map(Vec::new()), p.start)
                };
                entries.push((Node::new(Value::Str(seg.clone()), p.start), child));
                entries.len() - 1
            }
        };
        let Some((_, child)) = entries.get_mut(idx) else {
            return;
        };
        if last {
            // `tls=true` after `tls.options=x`: keep the map, the flag adds nothing.
            if !child.is_map() {
                *child = Node::new(Value::Str(p.value.clone()), p.start);
            }
            return;
        }
        node = child;
    }
}

/// Splits a `command:` string into arguments (whitespace, honouring single and double quotes),
/// each with its byte offset inside the string.
pub fn split_command(s: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start = None;
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                start.get_or_insert(i);
            }
            None if c.is_whitespace() => {
                if let Some(st) = start.take() {
                    out.push((std::mem::take(&mut cur), st));
                }
            }
            None => {
                start.get_or_insert(i);
                cur.push(c);
            }
        }
    }
    if let Some(st) = start {
        out.push((cur, st));
    }
    out
}

/// A static-configuration CLI flag as a pair: `--entryPoints.web.address=:80`; a flag without a
/// value is `true`. `None` for arguments that are not `--key` flags.
pub fn flag(arg: &str, start: usize) -> Option<Pair> {
    let body = arg.trim().strip_prefix("--")?;
    let (key, value) = match body.split_once('=') {
        Some((k, v)) => (k, v),
        None => (body, "true"),
    };
    if key.is_empty() {
        return None;
    }
    Some(Pair {
        key: key.to_string(),
        value: value.to_string(),
        start,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_become_a_tree() {
        let pairs = vec![
            Pair {
                key: "http.routers.r.tls".into(),
                value: "true".into(),
                start: 1,
            },
            Pair {
                key: "http.routers.R.tls.options".into(),
                value: "modern@file".into(),
                start: 2,
            },
            Pair {
                key: "entrypoints.web.http.tls.domains[0].main".into(),
                value: "x".into(),
                start: 3,
            },
        ];
        let t = tree(&pairs, 0);
        let o = t
            .path_ci(&["http", "routers", "r", "tls", "options"])
            .unwrap();
        assert_eq!(o.as_str(), Some("modern@file"));
        assert_eq!(o.start, 2);
        let m = t
            .path_ci(&["entryPoints", "web", "http", "tls", "domains", "0", "main"])
            .unwrap();
        assert_eq!(m.start, 3);
    }

    #[test]
    fn commands_split_with_offsets() {
        let v = split_command("traefik --a=1  --b='x y'");
        assert_eq!(v[1], ("--a=1".to_string(), 8));
        assert_eq!(v[2].0, "--b=x y");
        let f = flag("--api.insecure", 0).unwrap();
        assert_eq!(f.value, "true");
        assert!(flag("traefik", 0).is_none());
    }
}
