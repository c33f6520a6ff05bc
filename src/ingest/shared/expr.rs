//! Constant expressions in server code, as far as the source says: literals, module-level
//! constants, `int(...)`-style conversions and environment lookups with their defaults
//! (`os.getenv`, `os.environ[...]`, `process.env.X ?? d`). Shared by the Python and
//! JavaScript readers.

use crate::ingest::shared::tokens::{self as st, Tok, TokKind};
use std::collections::HashMap;

/// A value as far as the source says.
#[derive(Debug, Clone)]
pub enum Val {
    Str(String),
    Num(i64),
    Bool(bool),
    /// An environment variable, with its default when the code gives one.
    Env(String, Option<Box<Val>>),
    /// Anything else (an expression), as text.
    Unknown(String),
}

impl Val {
    /// The literal text, following an environment default.
    pub fn text(&self) -> Option<String> {
        match self {
            Val::Str(s) => Some(s.clone()),
            Val::Num(n) => Some(n.to_string()),
            Val::Bool(b) => Some(b.to_string()),
            Val::Env(_, Some(d)) => d.text(),
            _ => None,
        }
    }

    pub fn note(&self) -> Option<String> {
        match self {
            Val::Env(name, Some(_)) => Some(format!(
                "from the environment variable {name}; its default in the code is judged"
            )),
            Val::Env(name, None) => Some(format!(
                "from the environment variable {name}, which the scan cannot see: the worst case (every interface) is judged"
            )),
            Val::Unknown(t) => Some(format!(
                "`{t}` is not a literal: the worst case (every interface) is judged"
            )),
            _ => None,
        }
    }
}

/// The tokens' text, joined without spaces.
pub fn joined(ts: &[Tok]) -> String {
    ts.iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join("")
}

/// Module-level `NAME = literal` assignments (one token on the right, the statement alone on
/// its line).
pub fn constants<'t>(text: &str, toks: &'t [Tok]) -> HashMap<String, &'t [Tok]> {
    let mut out = HashMap::new();
    let newline_between = |a: usize, b: usize| text.get(a..b).is_some_and(|s| s.contains('\n'));
    for k in 0..toks.len().saturating_sub(2) {
        let (n, eq) = (&toks[k], &toks[k + 1]);
        if n.kind != TokKind::Ident || !(eq.punct("=") || eq.punct(":=")) {
            continue;
        }
        let first = k == 0
            || newline_between(toks[k - 1].end, n.start)
            || toks[k - 1].ident("const")
            || toks[k - 1].ident("let")
            || toks[k - 1].ident("var");
        if !first {
            continue;
        }
        // The right side runs to the end of the line (or `;`).
        let mut e = k + 2;
        while e < toks.len()
            && !newline_between(toks[e - 1].end, toks[e].start)
            && !toks[e].punct(";")
        {
            e += 1;
        }
        if e > k + 2 {
            out.insert(n.text.clone(), &toks[k + 2..e]);
        }
    }
    out
}

/// Evaluates a Python expression's tokens.
pub fn eval(ts: &[Tok], consts: &HashMap<String, &[Tok]>, depth: u8) -> Val {
    if depth > 8 {
        return Val::Unknown(joined(ts));
    }
    match ts {
        [t] if t.kind == TokKind::Str => Val::Str(t.text.clone()),
        [t] if t.kind == TokKind::Num => t
            .text
            .replace('_', "")
            .parse()
            .map(Val::Num)
            .unwrap_or_else(|_| Val::Unknown(t.text.clone())),
        [t] if t.ident("True") || t.ident("true") => Val::Bool(true),
        [t] if t.ident("False") || t.ident("false") => Val::Bool(false),
        [t] if t.kind == TokKind::Ident => match consts.get(&t.text) {
            Some(v) => eval(v, consts, depth + 1),
            None => Val::Unknown(t.text.clone()),
        },
        // int(x), str(x), Number(x)
        [f, open, inner @ .., close]
            if f.kind == TokKind::Ident
                && matches!(
                    f.text.as_str(),
                    "int" | "str" | "Number" | "parseInt" | "String"
                )
                && open.punct("(")
                && close.punct(")") =>
        {
            let inner: &[Tok] = match inner.iter().position(|t| t.punct(",")) {
                Some(c) if f.text == "parseInt" => &inner[..c],
                _ => inner,
            };
            eval(inner, consts, depth + 1)
        }
        _ => env_lookup(ts, consts, depth).unwrap_or_else(|| Val::Unknown(joined(ts))),
    }
}

/// `os.getenv("X", "d")`, `os.environ.get("X", "d")`, `os.environ["X"]`,
/// `process.env.X ?? "d"`, `process.env.X || "d"`.
fn env_lookup(ts: &[Tok], consts: &HashMap<String, &[Tok]>, depth: u8) -> Option<Val> {
    let first = ts.first()?;
    if first.ident("os") {
        let name = ts.iter().find(|t| t.kind == TokKind::Str)?.text.clone();
        let call = ts.iter().position(|t| t.punct("("));
        let default = call.and_then(|c| {
            let a = st::args(ts, c, "=");
            a.get(1).map(|d| Box::new(eval(d.value, consts, depth + 1)))
        });
        return Some(Val::Env(name, default));
    }
    if first.ident("process") && ts.get(1)?.punct(".") && ts.get(2)?.ident("env") {
        let name_tok = ts.get(4)?;
        let name = name_tok.text.clone();
        let alt = ts.iter().position(|t| t.punct("??") || t.punct("||"));
        let default = alt.map(|k| Box::new(eval(&ts[k + 1..], consts, depth + 1)));
        return Some(Val::Env(name, default));
    }
    None
}
