//! Enrich stage — exception claims: `tlsproof-exceptions.yaml`, read, validated against
//! `schemas/exceptions.schema.json`, and checked against the model (never believed).
//!
//! Input: the claims file (found at the scan root, or given with `--exceptions`), the model and
//! the policy results. Output: one [`ClaimRecord`] per claim with its outcome and the facts that
//! proved or contradicted it, the results it turned into EXCEPTED or NOT_APPLICABLE, and
//! findings for every claim that is not honored.
//!
//! - [`load`] parses the file with spans and validates it; a claim that breaks the schema or
//!   the rules (duplicate id, impossible dates, a lifetime over `max_exception_days`) is INVALID,
//!   named by its line, and the other claims go on. A file that is not YAML or not a list of
//!   claims is one INVALID finding at the line of the problem.
//! - [`verify`] matches each claim's scope to endpoints and checks the claim against their
//!   facts, failing closed (see the module).
//! - [`apply`] changes the covered results and makes the findings.

pub mod apply;
pub mod lint;
pub mod verify;

pub use crate::model::claims::{
    Check, ClaimFact, ClaimKind, ClaimRecord, ClaimScope, Control, Outcome, SubjectCheck,
};

use crate::requirements::Registry;
use crate::source::{FileId, Location, SourceMap};
use crate::yaml::{self, Node, Value};
use serde::Serialize;
use std::collections::BTreeMap;

/// The claims file looked for at the scan root.
pub const FILE_NAME: &str = "tlsproof-exceptions.yaml";

/// The largest claims file read: an organization with 100,000 claims writes about 25 MB.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Longest claim lifetime (expires − created) accepted when `tlsproof.toml` says nothing.
pub const DEFAULT_MAX_DAYS: u32 = 365;

/// Days before expiry from which a claim is reported as expiring.
pub const DEFAULT_WARN_DAYS: u32 = 30;

/// One claim as written, with where it is written. Fields the schema requires may be empty
/// when the claim is INVALID (`problems` says why).
#[derive(Debug, Clone)]
pub struct Claim {
    pub id: String,
    pub kind: Option<ClaimKind>,
    pub control: Option<Control>,
    /// As listed; empty when the claim lists none.
    pub requirements: Vec<String>,
    pub scope: ClaimScope,
    pub justification: String,
    pub owner: String,
    pub approver: String,
    pub created: Option<time::Date>,
    pub expires: Option<time::Date>,
    pub evidence: Vec<String>,
    /// The claim's first line (`- id: …`).
    pub location: Location,
    /// The `expires:` line (the claim's line when absent).
    pub expires_location: Location,
    /// Why the claim cannot be honored as written: schema violations and rule breaks.
    pub problems: Vec<Problem>,
}

/// A schema violation or rule break, at its line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    pub message: String,
    pub location: Location,
}

/// What the claims file held.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    /// The file as displayed, when one was read.
    pub file: Option<String>,
    pub claims: Vec<Claim>,
    /// Problems of the file as a whole (not YAML; not a list of claims): no claim is honored.
    pub file_problems: Vec<Problem>,
}

/// Settings from `tlsproof.toml` `[exceptions]` and the command line.
#[derive(Debug, Clone)]
pub struct Policy {
    pub max_days: u32,
    pub warn_days: u32,
    /// Requirements no waiver may cover (`--strict`, `[exceptions] non_waivable`).
    pub non_waivable: Vec<String>,
    /// The requirements the policies define, with the claims that may cover each.
    pub requirements: Registry,
    /// The scanned folder relative to the claims file's folder, when the scan is of a part of
    /// the project: a claim's `scope.file` is relative to the claims file, so scanned paths
    /// are matched with this prefix.
    pub file_prefix: Option<String>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            max_days: DEFAULT_MAX_DAYS,
            warn_days: DEFAULT_WARN_DAYS,
            non_waivable: Vec::new(),
            requirements: crate::policy::PolicySet::builtin()
                .registry()
                .unwrap_or_default(),
            file_prefix: None,
        }
    }
}

/// Reads the claims file registered in `map` as `file`, validating it against the schema and
/// the rules of `policy`.
pub fn load(map: &SourceMap, file: FileId, policy: &Policy) -> Loaded {
    let Some(src) = map.get(file) else {
        return Loaded::default();
    };
    let at = |offset: usize| map.location(crate::source::Span::new(file, offset, offset));
    let mut loaded = Loaded {
        file: Some(src.display.clone()),
        ..Loaded::default()
    };
    let docs = match yaml::parse_yaml(&src.text) {
        Ok(d) => d,
        Err(e) => {
            loaded.file_problems.push(Problem {
                message: format!("not valid YAML: {}", e.message),
                location: at(e.offset.unwrap_or(0)),
            });
            return loaded;
        }
    };
    let root = match docs.as_slice() {
        [one] => one,
        [] => {
            loaded.file_problems.push(Problem {
                message: "the file is empty: expected `exceptions:` with a list of claims".into(),
                location: at(0),
            });
            return loaded;
        }
        [_, second, ..] => {
            loaded.file_problems.push(Problem {
                message: "more than one YAML document: expected one `exceptions:` list".into(),
                location: at(second.start),
            });
            return loaded;
        }
    };
    let violations = match violations(root) {
        Ok(v) => v,
        Err(e) => {
            loaded.file_problems.push(Problem {
                message: format!("internal error: the exceptions schema does not compile: {e}"),
                location: at(0),
            });
            return loaded;
        }
    };
    // Violations inside `/exceptions/<i>` belong to claim i; the others to the file.
    let mut per_claim: BTreeMap<usize, Vec<Problem>> = BTreeMap::new();
    for (pointer, message) in violations {
        let node = locate(root, &pointer);
        let problem = Problem {
            message: describe(&pointer, &message),
            location: at(node.start),
        };
        match claim_index(&pointer) {
            Some(i) => per_claim.entry(i).or_default().push(problem),
            None => loaded.file_problems.push(problem),
        }
    }
    if !loaded.file_problems.is_empty() {
        return loaded;
    }
    let items = root.get("exceptions").map(Node::items).unwrap_or(&[]);
    let mut first_of: BTreeMap<String, Location> = BTreeMap::new();
    for (i, item) in items.iter().enumerate() {
        let mut claim = read_claim(item, &at);
        claim
            .problems
            .extend(per_claim.remove(&i).unwrap_or_default());
        rules(&mut claim, policy);
        if !claim.id.is_empty() {
            match first_of.get(&claim.id) {
                Some(first) => claim.problems.push(Problem {
                    message: format!(
                        "duplicate id {:?}: first used at {}:{}",
                        claim.id, first.file, first.line
                    ),
                    location: claim.location.clone(),
                }),
                None => {
                    first_of.insert(claim.id.clone(), claim.location.clone());
                }
            }
        }
        loaded.claims.push(claim);
    }
    loaded
}

/// A claim's fields, read leniently: the schema has already said what is wrong.
fn read_claim(item: &Node, at: &impl Fn(usize) -> Location) -> Claim {
    let text = |key: &str| item.get(key).and_then(Node::scalar).unwrap_or_default();
    let list = |key: &str| -> Vec<String> {
        item.get(key)
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(Node::scalar)
            .collect()
    };
    let scope = item.get("scope");
    let scope_text = |key: &str| scope.and_then(|s| s.get(key)).and_then(Node::scalar);
    let location = at(item.start);
    let mut problems = Vec::new();
    let mut date = |key: &str| -> Option<time::Date> {
        let node = item.get(key)?;
        let s = node.scalar()?;
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        match time::Date::parse(s.trim(), &fmt) {
            Ok(d) => Some(d),
            Err(_) => {
                problems.push(Problem {
                    message: format!("{key}: {s:?} is not a calendar date (YYYY-MM-DD)"),
                    location: at(node.start),
                });
                None
            }
        }
    };
    let created = date("created");
    let expires = date("expires");
    Claim {
        id: text("id").trim().to_string(),
        kind: ClaimKind::parse(&text("kind")),
        control: Control::parse(&text("control")),
        requirements: list("requirements"),
        scope: ClaimScope {
            file: scope_text("file"),
            endpoint: scope_text("endpoint"),
            component: scope_text("component"),
            hops: scope
                .and_then(|s| s.get("hops"))
                .map(Node::items)
                .unwrap_or(&[])
                .iter()
                .filter_map(Node::scalar)
                .collect(),
        },
        justification: text("justification").trim().to_string(),
        owner: text("owner").trim().to_string(),
        approver: text("approver").trim().to_string(),
        created,
        expires,
        evidence: list("evidence"),
        expires_location: item
            .get("expires")
            .map(|n| at(n.start))
            .unwrap_or_else(|| location.clone()),
        location,
        problems,
    }
}

/// The rules the schema cannot state.
fn rules(claim: &mut Claim, policy: &Policy) {
    if let (Some(created), Some(expires)) = (claim.created, claim.expires) {
        let days = (expires - created).whole_days();
        if days < 0 {
            claim.problems.push(Problem {
                message: format!("expires ({expires}) is before created ({created})"),
                location: claim.expires_location.clone(),
            });
        } else if days > i64::from(policy.max_days) {
            claim.problems.push(Problem {
                message: format!(
                    "lifetime of {days} days ({created} to {expires}) is over max_exception_days = {} (tlsproof.toml [exceptions])",
                    policy.max_days
                ),
                location: claim.expires_location.clone(),
            });
        }
    }
    let Some(kind) = claim.kind else { return };
    let coverable = policy.requirements.covered_by(kind, claim.control);
    for r in &claim.requirements {
        if policy.requirements.get(r).is_none() {
            claim.problems.push(Problem {
                message: format!(
                    "unknown requirement {r:?} (known: {})",
                    policy.requirements.ids().join(", ")
                ),
                location: claim.location.clone(),
            });
        } else if !coverable.contains(&r.as_str()) {
            let what = match claim.control {
                Some(c) => format!("a {} {} claim", c.as_str(), kind.as_str()),
                None => format!("a {} claim", kind.as_str()),
            };
            claim.problems.push(Problem {
                message: format!(
                    "{what} cannot cover {r} (it covers {})",
                    coverable.join(", ")
                ),
                location: claim.location.clone(),
            });
        }
    }
}

/// The claim index of a JSON pointer `/exceptions/<i>/…`.
fn claim_index(pointer: &str) -> Option<usize> {
    let rest = pointer.strip_prefix("/exceptions/")?;
    rest.split('/').next()?.parse().ok()
}

/// A schema message with the field it is about.
fn describe(pointer: &str, message: &str) -> String {
    let field = pointer
        .split('/')
        .skip(3)
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".");
    if field.is_empty() {
        message.to_string()
    } else {
        format!("{field}: {message}")
    }
}

/// The node a JSON pointer names (the deepest one that exists).
fn locate<'a>(root: &'a Node, pointer: &str) -> &'a Node {
    let mut node = root;
    for token in pointer.split('/').skip(1) {
        let token = token.replace("~1", "/").replace("~0", "~");
        let next = match &node.value {
            Value::Map(_) => node.get(&token),
            Value::Seq(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
            _ => None,
        };
        match next {
            Some(n) => node = n,
            None => break,
        }
    }
    node
}

/// Every schema violation of the file as (JSON pointer, message): the file without its claims,
/// then each claim on its own, so that a file of 100,000 claims is never held whole as JSON.
fn violations(root: &Node) -> Result<Vec<(String, String)>, String> {
    use crate::schema::{violations, Contract};
    let Value::Map(entries) = &root.value else {
        return violations(Contract::Exceptions, &to_json(root));
    };
    let claims = entries.iter().find_map(|(k, v)| match &v.value {
        Value::Seq(items) if k.scalar().as_deref() == Some("exceptions") => Some(items),
        _ => None,
    });
    let Some(claims) = claims else {
        return violations(Contract::Exceptions, &to_json(root));
    };
    let envelope = serde_json::Value::Object(
        entries
            .iter()
            .map(|(k, v)| {
                let key = k.scalar().unwrap_or_default();
                let value = if key == "exceptions" {
                    serde_json::Value::Array(Vec::new())
                } else {
                    to_json(v)
                };
                (key, value)
            })
            .collect(),
    );
    let mut all = violations(Contract::Exceptions, &envelope)?;
    for (i, claim) in claims.iter().enumerate() {
        all.extend(
            violations(Contract::ExceptionClaim, &to_json(claim))?
                .into_iter()
                .map(|(pointer, message)| (format!("/exceptions/{i}{pointer}"), message)),
        );
    }
    Ok(all)
}

/// The node tree as JSON, for the schema.
fn to_json(node: &Node) -> serde_json::Value {
    match &node.value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Int(i) => serde_json::Value::from(*i),
        Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(serde_json::Value::Number)
            .unwrap_or(serde_json::Value::Null),
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::Seq(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => serde_json::Value::Object(
            entries
                .iter()
                .map(|(k, v)| (k.scalar().unwrap_or_default(), to_json(v)))
                .collect(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn load_text(text: &str) -> Loaded {
        let mut map = SourceMap::new();
        let id = map.add(FILE_NAME.into(), PathBuf::from(FILE_NAME), text.as_bytes());
        load(&map, id, &Policy::default())
    }

    const GOOD: &str = "exceptions:
  - id: EXC-1
    kind: localhost
    scope: { file: nginx.conf }
    justification: dev only
    owner: platform
    approver: ciso@example.com
    created: 2026-11-01
    expires: 2027-05-01
";

    #[test]
    fn a_valid_claim_has_no_problem() {
        let l = load_text(GOOD);
        assert!(l.file_problems.is_empty(), "{:?}", l.file_problems);
        assert_eq!(l.claims.len(), 1);
        let c = &l.claims[0];
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.kind, Some(ClaimKind::Localhost));
        assert_eq!(c.location.line, 2);
        assert_eq!(c.expires_location.line, 9);
    }

    #[test]
    fn a_missing_approver_is_named_at_the_claim_line() {
        let l = load_text(&GOOD.replace("    approver: ciso@example.com\n", ""));
        let c = &l.claims[0];
        assert_eq!(c.problems.len(), 1, "{:?}", c.problems);
        assert!(
            c.problems[0].message.contains("approver"),
            "{:?}",
            c.problems
        );
        assert_eq!(c.problems[0].location.line, 2);
    }

    #[test]
    fn a_typo_in_a_key_is_named_at_its_line() {
        let l = load_text(&GOOD.replace("expires:", "expiry:"));
        let c = &l.claims[0];
        assert!(c.problems.iter().any(|p| p.message.contains("expiry")));
        assert!(c.problems.iter().any(|p| p.message.contains("expires")));
    }

    #[test]
    fn impossible_dates_and_long_lifetimes_are_problems() {
        let l = load_text(&GOOD.replace("2027-05-01", "2026-02-30"));
        assert!(l.claims[0].problems[0]
            .message
            .contains("not a calendar date"));
        let l = load_text(&GOOD.replace("2027-05-01", "2028-05-01"));
        assert!(l.claims[0].problems[0]
            .message
            .contains("max_exception_days"));
        assert_eq!(l.claims[0].problems[0].location.line, 9);
        let l = load_text(&GOOD.replace("2027-05-01", "2026-10-01"));
        assert!(l.claims[0].problems[0].message.contains("before created"));
    }

    #[test]
    fn duplicate_ids_and_uncoverable_requirements_are_problems() {
        let twice = format!("{GOOD}{}", &GOOD["exceptions:\n".len()..]);
        let l = load_text(&twice);
        assert!(l.claims[0].problems.is_empty());
        assert!(l.claims[1].problems[0].message.contains("duplicate id"));
        let mtls = GOOD.replace(
            "kind: localhost",
            "kind: compensating-control\n    control: mtls\n    requirements: [NET03-VERIFY]",
        );
        let l = load_text(&mtls);
        assert!(
            l.claims[0].problems[0]
                .message
                .contains("cannot cover NET03-VERIFY"),
            "{:?}",
            l.claims[0].problems
        );
    }

    #[test]
    fn a_broken_file_is_one_problem_at_its_line() {
        let l = load_text("exceptions:\n  - id: [unclosed\n");
        assert_eq!(l.file_problems.len(), 1);
        assert!(l.file_problems[0].message.starts_with("not valid YAML"));
        let l = load_text("claims: []\n");
        assert!(!l.file_problems.is_empty());
        assert_eq!(l.file_problems[0].location.line, 1);
        let l = load_text("");
        assert!(l.file_problems[0].message.contains("empty"));
    }
}
