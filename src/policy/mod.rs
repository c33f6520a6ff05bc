//! Stage 7 — Rego policies over the model, evaluated with the embedded regorus engine.
//!
//! Each requirement is one package `tlsproof.requirements.<name>` with the rules
//! `requirement` (id), `title`, `profiles` (the profiles it belongs to), `evidence` (the
//! control's evidence item it answers), `covered_by` (the claims that may cover it) and
//! `results` (a set of result objects, see `schemas/results.schema.json`). The metadata is the
//! requirement registry ([`PolicySet::registry`]). The file's leading comment block is the
//! requirement's documentation (`tlsproof explain`). Helpers live under `lib/`.
//!
//! regorus has no `opa test`: [`run_tests`] finds the `test_*` rules of every `*_test.rego`
//! file and evaluates each (true = pass, undefined/false = fail, error = error). Fixtures for
//! the tests live under `test/` and are loaded for tests only.

use crate::requirements::{Registry, Requirement};
use sha2::Digest;
use std::collections::BTreeMap;
use std::path::Path;

pub mod input;
pub mod pieces;

/// The built-in policies, embedded at build time from `policies/`.
const BUILTIN: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/policies.rs"));

/// The package prefix every requirement package has.
const REQUIREMENTS_PACKAGE: &str = "tlsproof.requirements.";

#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("policy {path}: {message}")]
    Compile { path: String, message: String },
    #[error("evaluating {rule}: {message}")]
    Eval { rule: String, message: String },
    #[error("cannot read policy directory {path}: {message}")]
    Read { path: String, message: String },
    #[error("policy {path}: {message}")]
    Contract { path: String, message: String },
}

/// One Rego file, by its path relative to the policy root.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    pub path: String,
    pub source: String,
    /// Where it was read from when it came from `--policies DIR` (added, or replacing the
    /// built-in file of the same path); `None` for a built-in file.
    pub overridden_from: Option<String>,
}

impl PolicyFile {
    fn is_test(&self) -> bool {
        self.path.ends_with("_test.rego")
    }

    /// Fixtures under `test/`: loaded for policy tests only.
    fn is_test_support(&self) -> bool {
        self.path.starts_with("test/")
    }

    fn is_policy(&self) -> bool {
        !self.is_test() && !self.is_test_support()
    }

    /// The package the file declares (first `package` line).
    fn package(&self) -> Option<String> {
        self.source.lines().find_map(|l| {
            let rest = l.trim_start().strip_prefix("package ")?;
            Some(rest.split_whitespace().next()?.to_string())
        })
    }

    /// The comment block before `package`, without the `# ` markers.
    fn doc(&self) -> String {
        let mut out = Vec::new();
        for line in self.source.lines() {
            let t = line.trim_start();
            if t.starts_with("package ") {
                break;
            }
            if let Some(c) = t.strip_prefix('#') {
                out.push(c.strip_prefix(' ').unwrap_or(c).to_string());
            } else if !out.is_empty() && t.is_empty() {
                out.push(String::new());
            }
        }
        out.join("\n").trim().to_string()
    }
}

/// A set of policy files: the built-ins, possibly overridden from a directory.
#[derive(Debug, Clone)]
pub struct PolicySet {
    pub files: Vec<PolicyFile>,
    compiled: Compiled,
}

/// Engines compiled ahead of the evaluation workers, each with the digest of the files it
/// compiled: the one [`PolicySet::registry`] compiled and prepared, and the spare
/// [`PolicySet::compile_spare`] compiles on another core while the scan reads the
/// configuration. A worker takes one rather than compile the policies when it starts judging.
/// Taken, not cloned: engines that share their compiled policies across threads contend for
/// the reference counts of every value they share and run a third slower.
#[derive(Clone, Default)]
struct Compiled(std::sync::Arc<std::sync::Mutex<Vec<Ahead>>>);

/// An engine compiled ahead: ready, or still compiling on a thread of its own.
enum Ahead {
    Ready(String, Box<regorus::Engine>),
    Compiling(
        String,
        std::thread::JoinHandle<Result<regorus::Engine, PolicyError>>,
    ),
}

impl Ahead {
    fn digest(&self) -> &str {
        match self {
            Ahead::Ready(d, _) | Ahead::Compiling(d, _) => d,
        }
    }
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0.lock().map(|c| c.len()).unwrap_or(0) {
            0 => f.write_str("not compiled"),
            1 => f.write_str("compiled"),
            n => write!(f, "{n} compiled"),
        }
    }
}

impl PolicySet {
    pub fn builtin() -> Self {
        PolicySet::of(
            BUILTIN
                .iter()
                .map(|(p, s)| PolicyFile {
                    path: (*p).to_string(),
                    source: (*s).to_string(),
                    overridden_from: None,
                })
                .collect(),
        )
    }

    /// The set of `files`.
    pub fn of(files: Vec<PolicyFile>) -> Self {
        PolicySet {
            files,
            compiled: Compiled::default(),
        }
    }

    /// An engine with the policies compiled: one compiled ahead for the same files (the one
    /// [`PolicySet::registry`] prepared first, then the spare, waited for), else a new one.
    fn compiled(&self) -> Result<regorus::Engine, PolicyError> {
        let digest = self.digest();
        let ahead = self.compiled.0.lock().ok().and_then(|mut ahead| {
            ahead.retain(|a| a.digest() == digest);
            (!ahead.is_empty()).then(|| ahead.remove(0))
        });
        match ahead {
            Some(Ahead::Ready(_, engine)) => Ok(*engine),
            Some(Ahead::Compiling(_, compiling)) => {
                compiling.join().unwrap_or_else(|_| self.engine(None))
            }
            None => self.engine(None),
        }
    }

    /// Starts compiling, on a thread of its own, the engine of the second evaluation worker,
    /// which would otherwise compile it when it starts judging: called once the registry is
    /// made, it compiles while the scan discovers and parses the configuration, on a core
    /// those leave idle. Nothing on a single core.
    pub fn compile_spare(&self) {
        if crate::workers_for(2) < 2 {
            return;
        }
        let set = PolicySet::of(self.files.clone());
        let spawned = std::thread::Builder::new()
            .name("policy-compile".into())
            .spawn(move || set.engine(None));
        if let (Ok(compiling), Ok(mut ahead)) = (spawned, self.compiled.0.lock()) {
            ahead.push(Ahead::Compiling(self.digest(), compiling));
        }
    }

    /// Adds every `.rego` under `dir`; a file with a built-in's relative path replaces it.
    pub fn with_overrides(mut self, dir: &Path) -> Result<Self, PolicyError> {
        let read_err = |e: &dyn std::fmt::Display| PolicyError::Read {
            path: dir.display().to_string(),
            message: e.to_string(),
        };
        if !dir.is_dir() {
            return Err(read_err(&"not a directory"));
        }
        let mut by_path: BTreeMap<String, PolicyFile> =
            self.files.drain(..).map(|f| (f.path.clone(), f)).collect();
        for entry in walkdir(dir).map_err(|e| read_err(&e))? {
            let rel = entry
                .strip_prefix(dir)
                .map(|r| {
                    r.components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_default();
            let source = std::fs::read_to_string(&entry).map_err(|e| read_err(&e))?;
            let file = PolicyFile {
                path: rel.clone(),
                source,
                overridden_from: Some(entry.display().to_string()),
            };
            by_path.insert(rel, file);
        }
        self.files = by_path.into_values().collect();
        self.compiled = Compiled::default();
        Ok(self)
    }

    /// SHA-256 over every file's path and text, in path order: names the exact policy set a
    /// result came from.
    pub fn digest(&self) -> String {
        let mut files: Vec<&PolicyFile> = self.files.iter().collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let mut h = sha2::Sha256::new();
        for f in files {
            h.update(f.path.as_bytes());
            h.update([0]);
            h.update(f.source.as_bytes());
            h.update([0]);
        }
        crate::source::hex(&h.finalize())
    }

    fn engine(&self, with_test: Option<&PolicyFile>) -> Result<regorus::Engine, PolicyError> {
        let mut engine = regorus::Engine::new();
        engine.set_strict_builtin_errors(false);
        let support = self
            .files
            .iter()
            .filter(|f| with_test.is_some() && f.is_test_support());
        for f in self
            .files
            .iter()
            .filter(|f| f.is_policy())
            .chain(support)
            .chain(with_test)
        {
            engine
                .add_policy(f.path.clone(), f.source.clone())
                .map_err(|e| PolicyError::Compile {
                    path: f.path.clone(),
                    message: e.to_string(),
                })?;
        }
        Ok(engine)
    }

    /// The requirement packages, in file order.
    fn requirement_files(&self) -> Vec<(&PolicyFile, String)> {
        self.files
            .iter()
            .filter(|f| f.is_policy())
            .filter_map(|f| {
                let pkg = f.package()?;
                pkg.starts_with(REQUIREMENTS_PACKAGE).then_some((f, pkg))
            })
            .collect()
    }

    /// The requirement registry: each requirement package's metadata, in file order.
    pub fn registry(&self) -> Result<Registry, PolicyError> {
        let mut engine = self.engine(None)?;
        let mut out: Vec<Requirement> = Vec::new();
        for (f, pkg) in self.requirement_files() {
            let r = metadata(&mut engine, f, &pkg)?;
            if let Some(first) = out.iter().find(|o| o.id == r.id) {
                return Err(PolicyError::Contract {
                    path: f.path.clone(),
                    message: format!("requirement {} is already defined by {}", r.id, first.path),
                });
            }
            out.push(r);
        }
        // Kept, compiled and prepared, for the first evaluation worker to take.
        if let Ok(mut ahead) = self.compiled.0.lock() {
            ahead.insert(0, Ahead::Ready(self.digest(), Box::new(engine)));
        }
        Ok(Registry::new(out))
    }
}

fn walkdir(dir: &Path) -> std::io::Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d)? {
            let e = e?;
            let ft = e.file_type()?;
            let p = e.path();
            if ft.is_dir() {
                stack.push(p);
            } else if ft.is_file() && p.extension().is_some_and(|x| x == "rego") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn eval(engine: &mut regorus::Engine, rule: &str) -> Result<serde_json::Value, PolicyError> {
    let err = |e: &dyn std::fmt::Display| PolicyError::Eval {
        rule: rule.to_string(),
        message: e.to_string(),
    };
    let v = engine.eval_rule(rule.to_string()).map_err(|e| err(&e))?;
    if v == regorus::Value::Undefined {
        return Ok(serde_json::Value::Null);
    }
    serde_json::to_value(&v).map_err(|e| err(&e))
}

fn metadata(
    engine: &mut regorus::Engine,
    f: &PolicyFile,
    pkg: &str,
) -> Result<Requirement, PolicyError> {
    let contract = |what: &str| PolicyError::Contract {
        path: f.path.clone(),
        message: format!("package {pkg} must define {what}"),
    };
    // A metadata rule the package does not define is an evaluation error in regorus: say what
    // to define rather than pass the engine's words on.
    let mut rule = |name: &str, what: &str| -> Result<serde_json::Value, PolicyError> {
        let value = eval(engine, &format!("data.{pkg}.{name}")).map_err(|_| contract(what))?;
        value
            .is_null()
            .then(|| contract(what))
            .map_or(Ok(value), Err)
    };
    let text = |v: serde_json::Value| v.as_str().map(str::to_string).unwrap_or_default();
    let strings = |v: serde_json::Value| -> Vec<String> {
        let items = v.as_array().map(Vec::as_slice).unwrap_or_default();
        items
            .iter()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect()
    };
    let requirement = Requirement {
        id: text(rule("requirement", "`requirement` (a string)")?),
        title: text(rule("title", "`title` (a string)")?),
        profiles: strings(rule("profiles", "`profiles` (an array of profile names)")?),
        evidence: text(rule(
            "evidence",
            "`evidence` (the control's evidence item it answers)",
        )?),
        covered_by: strings(rule(
            "covered_by",
            "`covered_by` (the claims that may cover it)",
        )?),
        doc: f.doc(),
        path: f.path.clone(),
        package: pkg.to_string(),
    };
    requirement.check().map_err(|what| contract(&what))?;
    Ok(requirement)
}

/// Evaluates every requirement whose `profiles` include the model's profile and returns each
/// result as `decode` makes it, in package order, each package's results piece by piece.
///
/// The endpoints are cut into pieces ([`pieces`]); every piece is an independent job, taken in
/// turn by one worker per core, each with its own engine (taken from those compiled ahead: the
/// registry's, then the spare; a worker beyond them compiles its own). A worker makes its
/// piece's input from the model when it takes the piece, judges it with every package in one
/// query ([`Together`], so that the `lib` rules they share are computed once per piece) and
/// decodes the results at once: only the pieces being judged are held as engine values, never
/// the whole model a second time or the results of the whole scan.
/// The results do not depend on how many workers ran; how the input was cut changes only their
/// order, which the caller sorts.
pub fn evaluate<T, E, D>(
    set: &PolicySet,
    registry: &Registry,
    model: &crate::model::Model,
    decode: D,
) -> Result<Vec<T>, E>
where
    T: Send,
    E: Send + From<PolicyError>,
    D: Fn(&regorus::Value) -> Result<T, E> + Sync,
{
    let input_error = |e: input::Error| PolicyError::Eval {
        rule: "input".into(),
        message: e.to_string(),
    };
    // The model without its endpoints (each piece makes its own), and with no claim records:
    // the policies do not read the claims (they are applied to the results afterwards), so a
    // large claims file costs nothing here.
    let mut whole =
        input::to_input_without(model, &["endpoints", "exceptions"]).map_err(input_error)?;
    if let Ok(object) = whole.as_object_mut() {
        object.insert(
            regorus::Value::from("exceptions"),
            regorus::Value::from(Vec::new()),
        );
    }
    let plan = pieces::Plan::new(&whole);
    let chunks: Vec<&[crate::model::Endpoint]> = model.endpoints.chunks(pieces::size()).collect();
    let profile = model.profile.as_str();
    let packages: Vec<(&PolicyFile, &str)> = registry
        .iter()
        .filter(|r| r.profiles.iter().any(|p| p == profile))
        .filter_map(|r| {
            let f = set.files.iter().find(|f| f.path == r.path)?;
            Some((f, r.id.as_str()))
        })
        .collect();
    // Job 0 is the piece without endpoints, job k the k-th piece of endpoints.
    let jobs = 1 + chunks.len();
    let workers = crate::workers_for(jobs);
    let together = Together::new(&packages, registry);
    let next = std::sync::atomic::AtomicUsize::new(0);
    type Judged<T> = ((usize, usize), Vec<T>);
    let outcomes: Vec<Result<Vec<Judged<T>>, E>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                let (packages, chunks, plan, next, decode, together) =
                    (&packages, &chunks, &plan, &next, &decode, &together);
                scope.spawn(move || {
                    // Made when the worker takes its first job: a worker left without one
                    // compiles nothing.
                    let mut engine = None;
                    let mut done = Vec::new();
                    loop {
                        let job = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if job >= jobs {
                            return Ok(done);
                        }
                        let engine = match &mut engine {
                            Some(engine) => engine,
                            slot @ None => slot.insert(set.compiled()?),
                        };
                        let piece = match job.checked_sub(1).and_then(|k| chunks.get(k)) {
                            None => plan.apart(),
                            Some(chunk) => {
                                let endpoints = input::to_input(*chunk).map_err(input_error)?;
                                plan.piece(
                                    endpoints.as_array().map(|a| a.to_vec()).unwrap_or_default(),
                                )
                            }
                        };
                        // One input for every package of the piece.
                        engine.set_input(piece);
                        let judged = together.evaluate(engine, packages, registry)?;
                        for (package, values) in judged.into_iter().enumerate() {
                            let decoded =
                                values.iter().map(decode).collect::<Result<Vec<T>, E>>()?;
                            done.push(((package, job), decoded));
                        }
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(E::from(PolicyError::Eval {
                        rule: "results".into(),
                        message: "a policy worker stopped unexpectedly".into(),
                    }))
                })
            })
            .collect()
    });
    let mut judged: Vec<Judged<T>> = Vec::new();
    for outcome in outcomes {
        judged.extend(outcome?);
    }
    // Package by package, piece by piece.
    judged.sort_by_key(|(key, _)| *key);
    let mut results = Vec::with_capacity(judged.iter().map(|(_, r)| r.len()).sum());
    for (_, piece) in judged {
        results.extend(piece);
    }
    Ok(results)
}

/// The packages of an evaluation judged in one query, `[data.<package>.results, …]` in package
/// order, so that what they share (the `lib` rules: which endpoints are judged, in scope,
/// redirect only) is computed once per piece, not once per package. A query, not a rule added
/// to the engine: the engine stays as compiled and prepared once for the whole scan.
struct Together {
    query: String,
}

type Package<'a> = (&'a PolicyFile, &'a str);

impl Together {
    fn new(packages: &[Package<'_>], registry: &Registry) -> Self {
        let each: Vec<String> = packages
            .iter()
            .map(|(_, id)| results_rule(registry, id))
            .collect();
        Together {
            query: format!("[{}]", each.join(", ")),
        }
    }

    /// Each package's results on the engine's input, in package order. When the query does not
    /// give one set per package (a package whose `results` is undefined or not a set, or an
    /// evaluation error), every package is evaluated on its own, which names the package at
    /// fault.
    fn evaluate(
        &self,
        engine: &mut regorus::Engine,
        packages: &[Package<'_>],
        registry: &Registry,
    ) -> Result<Vec<Vec<regorus::Value>>, PolicyError> {
        if let Ok(answer) = engine.eval_query(self.query.clone(), false) {
            let value = answer
                .result
                .first()
                .and_then(|r| r.expressions.first())
                .map(|e| &e.value);
            if let Some(regorus::Value::Array(all)) = value {
                if all.len() == packages.len() && all.iter().all(|v| v.as_set().is_ok()) {
                    return packages
                        .iter()
                        .zip(all.iter())
                        .map(|((f, id), value)| package_results(f, registry, id, value))
                        .collect();
                }
            }
        }
        packages
            .iter()
            .map(|(f, id)| evaluate_package(engine, f, registry, id))
            .collect()
    }
}

/// The Rego package of requirement `id`.
fn package_of<'a>(registry: &'a Registry, id: &str) -> &'a str {
    registry
        .get(id)
        .map(|r| r.package.as_str())
        .unwrap_or_default()
}

/// The `results` rule of requirement `id`.
fn results_rule(registry: &Registry, id: &str) -> String {
    format!("data.{}.results", package_of(registry, id))
}

/// One requirement package's results, evaluated on their own.
fn evaluate_package(
    engine: &mut regorus::Engine,
    f: &PolicyFile,
    registry: &Registry,
    id: &str,
) -> Result<Vec<regorus::Value>, PolicyError> {
    let rule = results_rule(registry, id);
    let value = engine
        .eval_rule(rule.clone())
        .map_err(|e| PolicyError::Eval {
            rule,
            message: e.to_string(),
        })?;
    package_results(f, registry, id, &value)
}

/// The items of a package's `results`; each must be a result of the package's own requirement.
fn package_results(
    f: &PolicyFile,
    registry: &Registry,
    id: &str,
    value: &regorus::Value,
) -> Result<Vec<regorus::Value>, PolicyError> {
    let contract = |message: String| PolicyError::Contract {
        path: f.path.clone(),
        message,
    };
    let pkg = package_of(registry, id);
    let items: Vec<regorus::Value> = match value {
        regorus::Value::Undefined => Vec::new(),
        regorus::Value::Set(items) => items.iter().cloned().collect(),
        regorus::Value::Array(items) => items.iter().cloned().collect(),
        other => {
            return Err(contract(format!(
                "`results` must be a set of objects, got {}",
                serde_json::to_string(other).unwrap_or_default()
            )))
        }
    };
    let requirement = regorus::Value::from("requirement");
    if let Some(stray) = items
        .iter()
        .map(
            |r| match r.as_object().ok().and_then(|o| o.get(&requirement)) {
                Some(regorus::Value::String(s)) => s.to_string(),
                _ => String::new(),
            },
        )
        .find(|r| r != id)
    {
        return Err(contract(format!(
            "package {pkg} (requirement {id}) returned a result for {stray:?}"
        )));
    }
    Ok(items)
}

/// Outcome of one Rego test rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TestOutcome {
    Pass,
    Fail,
    Error(String),
}

#[derive(Debug, Clone)]
pub struct TestCase {
    pub file: String,
    pub name: String,
    pub outcome: TestOutcome,
}

#[derive(Debug, Clone, Default)]
pub struct TestReport {
    pub cases: Vec<TestCase>,
}

/// The `test_*` rule names a file defines, in order, once each.
fn test_rules(source: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for line in source.lines() {
        if !line.starts_with("test_") {
            continue;
        }
        let name: String = line
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Runs every `test_*` rule of every `*_test.rego` file in the set.
pub fn run_tests(set: &PolicySet) -> Result<TestReport, PolicyError> {
    let mut report = TestReport::default();
    for f in set.files.iter().filter(|f| f.is_test()) {
        let Some(pkg) = f.package() else {
            report.cases.push(TestCase {
                file: f.path.clone(),
                name: "(package)".into(),
                outcome: TestOutcome::Error("the file declares no package".into()),
            });
            continue;
        };
        let mut engine = match set.engine(Some(f)) {
            Ok(e) => e,
            Err(e) => {
                report.cases.push(TestCase {
                    file: f.path.clone(),
                    name: "(compile)".into(),
                    outcome: TestOutcome::Error(e.to_string()),
                });
                continue;
            }
        };
        for name in test_rules(&f.source) {
            let outcome = match engine.eval_rule(format!("data.{pkg}.{name}")) {
                Ok(regorus::Value::Bool(true)) => TestOutcome::Pass,
                Ok(_) => TestOutcome::Fail,
                Err(e) => TestOutcome::Error(e.to_string()),
            };
            report.cases.push(TestCase {
                file: f.path.clone(),
                name,
                outcome,
            });
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The live probe judges accepted suites with `ciphers::weakness`; it must say what the
    /// policy's `reason` says, for every suite of the table.
    #[test]
    fn the_probe_cipher_rule_is_the_policy_rule() {
        let set = PolicySet::builtin();
        let mut engine = set.engine(None).unwrap();
        let names: Vec<&str> = crate::ciphers::all().map(|s| s.name).collect();
        let table: BTreeMap<&str, crate::model::SuiteRecord> = crate::ciphers::all()
            .map(|s| (s.name, crate::model::SuiteRecord::from(s)))
            .collect();
        let input = serde_json::json!({ "names": names, "cipher_suites": table });
        engine.set_input(regorus::Value::from_json_str(&input.to_string()).unwrap());
        let results = engine
            .eval_query(
                "x := data.tlsproof.requirements.net03_cipher.classify(\
                 data.tlsproof.requirements.net03_cipher.facts(input.names))"
                    .into(),
                false,
            )
            .unwrap();
        let out = serde_json::to_value(&results.result[0].bindings).unwrap();
        let rego: BTreeMap<String, String> = match &out["x"] {
            serde_json::Value::Array(items) => items
                .iter()
                .map(|i| {
                    (
                        i["name"].as_str().unwrap().to_string(),
                        i["why"].as_str().unwrap().to_string(),
                    )
                })
                .collect(),
            other => panic!("classify did not evaluate: {other:?}"),
        };
        assert!(rego.len() > 50, "the table has weak suites");
        for s in crate::ciphers::all() {
            assert_eq!(
                crate::ciphers::weakness(s),
                rego.get(s.name).map(String::as_str),
                "{}",
                s.name
            );
        }
    }

    #[test]
    fn finds_test_rules_once() {
        let src = "package x\ntest_a if { true }\ntest_a if { false }\n  test_b if true\ntest_c := true\n";
        assert_eq!(test_rules(src), ["test_a", "test_c"]);
    }

    #[test]
    fn doc_is_the_leading_comment() {
        let f = PolicyFile {
            overridden_from: None,
            path: "x.rego".into(),
            source: "# Title\n#\n# Body text.\npackage tlsproof.requirements.x\n# not doc\n".into(),
        };
        assert_eq!(f.doc(), "Title\n\nBody text.");
        assert_eq!(f.package().as_deref(), Some("tlsproof.requirements.x"));
    }

    /// The engine the registry compiled is taken by one evaluation worker, once, and only while
    /// the files are those it compiled: a changed set compiles its own.
    #[test]
    fn the_registry_engine_is_taken_once_and_only_for_the_same_files() {
        let mut set = PolicySet::builtin();
        set.registry().unwrap();
        assert_eq!(format!("{:?}", set.compiled), "compiled");
        set.files.push(PolicyFile {
            path: "extra.rego".into(),
            source: "package extra\n\nx := 1\n".into(),
            overridden_from: None,
        });
        let mut engine = set.compiled().unwrap();
        assert_eq!(format!("{:?}", set.compiled), "not compiled");
        assert_eq!(
            engine.eval_rule("data.extra.x".into()).unwrap(),
            regorus::Value::from(1u64)
        );
    }

    /// The spare compiled ahead is the second engine taken, after the registry's, and judges
    /// like it; on a single core there is none.
    #[test]
    fn a_spare_engine_compiles_ahead_for_the_second_worker() {
        let set = PolicySet::builtin();
        set.registry().unwrap();
        set.compile_spare();
        let ahead = if crate::workers_for(2) < 2 {
            "compiled"
        } else {
            "2 compiled"
        };
        assert_eq!(format!("{:?}", set.compiled), ahead);
        let engines = [set.compiled().unwrap(), set.compiled().unwrap()];
        assert_eq!(format!("{:?}", set.compiled), "not compiled");
        for mut engine in engines {
            assert_eq!(
                engine
                    .eval_rule("data.tlsproof.requirements.net03_tls.requirement".into())
                    .unwrap(),
                regorus::Value::from("NET03-TLS")
            );
        }
    }

    #[test]
    fn digest_is_hex_and_changes_with_content() {
        let a = PolicySet::builtin();
        let mut b = a.clone();
        if let Some(f) = b.files.first_mut() {
            f.source.push(' ');
        }
        assert_eq!(a.digest().len(), 64);
        assert_ne!(a.digest(), b.digest());
    }
}
