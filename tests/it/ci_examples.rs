//! The CI examples (`examples/ci/`) and the `Dockerfile`: every `tlsproof` command line they run
//! is accepted by this binary's argument parser (`TLSPROOF_PARSE_ONLY`: parsed, nothing run),
//! and their structure is what the engines need to fan out and merge.
//!
//! Both workflow files are also valid for their engines' published schemas (SchemaStore's
//! `github-workflow.json`, Argo Workflows' `api/jsonschema/schema.json`); the structure checked
//! here follows the engines' documentation, cited at each test.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use tlsproof::yaml::{parse_yaml, Node};

const GITHUB: &str = "examples/ci/github-actions.yml";
const ARGO: &str = "examples/ci/argo-workflow.yaml";
const DOCKERFILE: &str = "Dockerfile";

fn read(rel: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn yaml(rel: &str) -> (String, Node) {
    let text = read(rel);
    let mut docs = parse_yaml(&text).unwrap_or_else(|e| panic!("{rel}: not YAML: {e}"));
    assert_eq!(docs.len(), 1, "{rel}: one YAML document");
    (text.clone(), docs.remove(0))
}

fn str_at<'a>(node: &'a Node, path: &[&str]) -> Option<&'a str> {
    path.iter()
        .try_fold(node, |n, k| n.get(k))
        .and_then(Node::as_str)
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// The line a scalar's content starts on: the line after a block scalar's `|` or `>`.
fn content_line(text: &str, node: &Node) -> usize {
    let line = line_of(text, node.start);
    match text[node.start.min(text.len())..].chars().next() {
        Some('|' | '>') => line + 1,
        _ => line,
    }
}

/// A `tlsproof` command line found in a CI definition: where, and its arguments after the
/// engine's placeholders and the shell's variables are replaced by sample values.
#[derive(Debug, Clone)]
struct CommandLine {
    at: String,
    args: Vec<String>,
}

impl CommandLine {
    fn shown(&self) -> String {
        format!("tlsproof {}", self.args.join(" "))
    }
}

/// Replaces the engine's placeholders (`${{ expr }}` on GitHub, `{{expr}}` on Argo), as the
/// engine does before the shell sees the text. A placeholder without a sample value fails the
/// test: it would reach the command line unreplaced.
fn substitute(text: &str, open: &str, samples: &BTreeMap<String, String>, at: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find(open) {
        out.push_str(&rest[..i]);
        let after = &rest[i + open.len()..];
        let end = after
            .find("}}")
            .unwrap_or_else(|| panic!("{at}: unclosed {open}"));
        let expr = after[..end].trim();
        let value = samples
            .get(expr)
            .unwrap_or_else(|| panic!("{at}: no sample value for the placeholder {expr:?}"));
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The simple commands of a shell script whose program is `tlsproof`: lines joined at `\`
/// continuations, lists split at `|`, `&`, `;`, `||`, `&&`, words split and unquoted as sh
/// does, `$NAME` and `${NAME}` replaced from `vars` (an unknown variable is kept as
/// `<unset $NAME>`, which no expected argument contains). `$(…)` is kept as it is written.
fn tlsproof_commands(
    script: &str,
    first_line: usize,
    vars: &BTreeMap<String, String>,
    at: &str,
) -> Vec<CommandLine> {
    let mut found = Vec::new();
    let mut logical = String::new();
    let mut starts_at = first_line;
    for (i, line) in script.lines().enumerate() {
        if logical.is_empty() {
            starts_at = first_line + i;
        }
        match line.strip_suffix('\\') {
            Some(head) => logical.push_str(head),
            None => {
                logical.push_str(line);
                for words in simple_commands(&logical, vars) {
                    if words.first().map(String::as_str) == Some("tlsproof") {
                        found.push(CommandLine {
                            at: format!("{at}:{starts_at}"),
                            args: words[1..].to_vec(),
                        });
                    }
                }
                logical.clear();
            }
        }
    }
    found
}

/// One logical shell line as its simple commands' words.
fn simple_commands(line: &str, vars: &BTreeMap<String, String>) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut word: Option<String> = None;
    let mut chars = line.chars().peekable();
    let end_word = |word: &mut Option<String>, commands: &mut Vec<Vec<String>>| {
        if let (Some(w), Some(cmd)) = (word.take(), commands.last_mut()) {
            cmd.push(w);
        }
    };
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => end_word(&mut word, &mut commands),
            '#' if word.is_none() => break,
            '|' | '&' | ';' | '>' | '<' => {
                end_word(&mut word, &mut commands);
                if commands.last().is_some_and(|c| !c.is_empty()) {
                    commands.push(Vec::new());
                }
            }
            '\'' => {
                let w = word.get_or_insert_with(String::new);
                for q in chars.by_ref() {
                    if q == '\'' {
                        break;
                    }
                    w.push(q);
                }
            }
            '"' => {
                let w = word.get_or_insert_with(String::new);
                while let Some(q) = chars.next() {
                    match q {
                        '"' => break,
                        '\\' => w.extend(chars.next()),
                        '$' => w.push_str(&expand(&mut chars, vars)),
                        _ => w.push(q),
                    }
                }
            }
            '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
            '$' => {
                let value = expand(&mut chars, vars);
                word.get_or_insert_with(String::new).push_str(&value);
            }
            _ => word.get_or_insert_with(String::new).push(c),
        }
    }
    end_word(&mut word, &mut commands);
    commands.retain(|c| !c.is_empty());
    commands
}

/// The value of the parameter after a `$`: `?`, `NAME`, `{NAME}`, or `(…)` kept as written.
fn expand(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    vars: &BTreeMap<String, String>,
) -> String {
    let mut name = String::new();
    match chars.peek() {
        Some('?') => {
            chars.next();
            return "$?".into();
        }
        Some('(') => {
            let mut depth = 0;
            let mut kept = String::from("$");
            for c in chars.by_ref() {
                kept.push(c);
                depth += match c {
                    '(' => 1,
                    ')' => -1,
                    _ => 0,
                };
                if depth == 0 {
                    break;
                }
            }
            return kept;
        }
        Some('{') => {
            chars.next();
            name.extend(chars.by_ref().take_while(|&c| c != '}'));
        }
        _ => {
            while let Some(&c) = chars.peek() {
                if !(c.is_ascii_alphanumeric() || c == '_') {
                    break;
                }
                name.push(c);
                chars.next();
            }
        }
    }
    vars.get(&name)
        .cloned()
        .unwrap_or_else(|| format!("<unset ${name}>"))
}

/// Whether this binary's argument parser accepts `args`; the refusal's message otherwise.
fn accepts(args: &[String]) -> Result<(), String> {
    let out = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(args)
        .env("TLSPROOF_PARSE_ONLY", "1")
        .output()
        .unwrap();
    if out.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    // clap's message: the `error:` line and the lines under it, up to the usage.
    let why: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.starts_with("error"))
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    Err(format!("exit {:?}: {}", out.status.code(), why.join(" ")))
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions

/// The sample value of every placeholder and shell variable the GitHub workflow uses: the
/// workflow's `env`, the first value of each matrix, and what the runner sets.
fn github_samples(
    text: &str,
    workflow: &Node,
) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
    let mut vars: BTreeMap<String, String> = [
        ("RUNNER_TEMP", "/home/runner/work/_temp"),
        (
            "GITHUB_OUTPUT",
            "/home/runner/work/_temp/_runner_file_commands/set_output",
        ),
        (
            "GITHUB_PATH",
            "/home/runner/work/_temp/_runner_file_commands/add_path",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut expressions = BTreeMap::new();
    expressions.insert("runner.temp".to_string(), vars["RUNNER_TEMP"].clone());
    // A step's output, e.g. an exit status kept for a later step.
    for (id, _) in text.match_indices("${{ steps.") {
        let expr = text[id + 4..].split("}}").next().unwrap().trim();
        expressions.insert(expr.to_string(), "0".to_string());
    }
    // Another job's output: the evaluation time every shard shares.
    for (id, _) in text.match_indices("${{ needs.") {
        let expr = text[id + 4..].split("}}").next().unwrap().trim();
        expressions.insert(expr.to_string(), "2026-12-01T00:00:00Z".to_string());
    }
    for (k, v) in workflow.get("env").into_iter().flat_map(Node::entries) {
        let (k, v) = (k.scalar().unwrap(), v.scalar().unwrap());
        expressions.insert(format!("env.{k}"), v.clone());
        vars.insert(k, v);
    }
    for (_, job) in workflow.get("jobs").unwrap().entries() {
        let matrix = job.get("strategy").and_then(|s| s.get("matrix"));
        for (k, values) in matrix.into_iter().flat_map(Node::entries) {
            let first = values.items().first().and_then(Node::scalar).unwrap();
            expressions.insert(format!("matrix.{}", k.scalar().unwrap()), first);
        }
    }
    (expressions, vars)
}

/// Every `tlsproof` command line of the GitHub workflow's `run` steps.
fn github_commands() -> Vec<CommandLine> {
    let (text, workflow) = yaml(GITHUB);
    let (expressions, vars) = github_samples(&text, &workflow);
    let mut found = Vec::new();
    for (job_name, job) in workflow.get("jobs").unwrap().entries() {
        for step in job.get("steps").unwrap().items() {
            let Some(run) = step.get("run") else { continue };
            let line = content_line(&text, run);
            let at = format!("{GITHUB}:{line}");
            let script = substitute(run.as_str().unwrap(), "${{", &expressions, &at);
            let step_name = step.get("name").and_then(Node::as_str).unwrap_or("");
            let job_name = job_name.scalar().unwrap();
            found.extend(
                tlsproof_commands(&script, line, &vars, GITHUB)
                    .into_iter()
                    .map(|mut c| {
                        c.at = format!("{} (job {job_name}, step {step_name:?})", c.at);
                        c
                    }),
            );
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Argo Workflows

/// The sample value of every placeholder the Argo template uses: its workflow parameters, and
/// the inputs of the fan-out as the first repository of the list gives them.
fn argo_samples(template: &Node) -> BTreeMap<String, String> {
    let mut samples = BTreeMap::new();
    samples.insert(
        "workflow.name".to_string(),
        "tlsproof-organization-x7k2p".to_string(),
    );
    let parameters = template
        .get("spec")
        .and_then(|s| s.get("arguments"))
        .and_then(|a| a.get("parameters"))
        .unwrap();
    for p in parameters.items() {
        let name = str_at(p, &["name"]).unwrap();
        let value = str_at(p, &["value"]).unwrap();
        samples.insert(format!("workflow.parameters.{name}"), value.to_string());
    }
    let repositories: serde_json::Value =
        serde_json::from_str(&samples["workflow.parameters.repositories"]).unwrap();
    for (k, v) in repositories[0].as_object().unwrap() {
        samples.insert(format!("inputs.parameters.{k}"), v.as_str().unwrap().into());
    }
    samples
}

/// Every `tlsproof` command line of the Argo template's containers and scripts, each a shell
/// script (`command: [sh, -c]` with the script as the first of `args`, or a `script` template's
/// `source`); any other command fails the test rather than go unchecked.
fn argo_commands() -> Vec<CommandLine> {
    let (text, template) = yaml(ARGO);
    let samples = argo_samples(&template);
    let vars = BTreeMap::new();
    let mut found = Vec::new();
    let templates = template.get("spec").unwrap().get("templates").unwrap();
    for t in templates.items() {
        let name = str_at(t, &["name"]).unwrap();
        let Some(body) = t.get("container").or_else(|| t.get("script")) else {
            continue;
        };
        let command: Vec<&str> = body
            .get("command")
            .map(|c| c.items().iter().filter_map(Node::as_str).collect())
            .unwrap_or_default();
        let script = match command.as_slice() {
            ["sh" | "bash", "-c"] => body.get("args").and_then(|a| a.items().first()),
            ["sh" | "bash"] => body.get("source"),
            _ => None,
        };
        let script = script.unwrap_or_else(|| {
            panic!("{ARGO}: template {name}: not a shell script (command {command:?})")
        });
        let line = content_line(&text, script);
        let at = format!("{ARGO}:{line} (template {name})");
        let script = substitute(script.as_str().unwrap(), "{{", &samples, &at);
        found.extend(
            tlsproof_commands(&script, line, &vars, ARGO)
                .into_iter()
                .map(|mut c| {
                    c.at = format!("{} (template {name})", c.at);
                    c
                }),
        );
    }
    found
}

fn subcommands(lines: &[CommandLine]) -> Vec<&str> {
    lines.iter().map(|c| c.args[0].as_str()).collect()
}

// ---------------------------------------------------------------------------------------------
// The tests

#[test]
fn every_tlsproof_command_line_of_the_ci_examples_is_accepted_by_the_binary() {
    let github = github_commands();
    let argo = argo_commands();
    // What the examples run, in file order: a sign-and-upload scan, the shards and their merge
    // with its verification; one bundle per repository and their merge with its verification.
    assert_eq!(
        subcommands(&github),
        ["evidence", "evidence", "merge", "verify"],
        "{github:#?}"
    );
    assert_eq!(
        subcommands(&argo),
        ["evidence", "merge", "verify"],
        "{argo:#?}"
    );
    let refused: Vec<String> = github
        .iter()
        .chain(&argo)
        .filter_map(|c| {
            accepts(&c.args)
                .err()
                .map(|why| format!("{}: `{}`\n    refused, {why}", c.at, c.shown()))
        })
        .collect();
    assert!(
        refused.is_empty(),
        "{} of {} command lines refused by this binary:\n{}",
        refused.len(),
        github.len() + argo.len(),
        refused.join("\n")
    );
}

#[test]
fn a_misspelt_flag_is_refused() {
    let scan = github_commands()
        .into_iter()
        .find(|c| c.args[0] == "evidence" && !c.args.iter().any(|a| a == "--shard"))
        .unwrap();
    assert_eq!(accepts(&scan.args), Ok(()), "{}", scan.shown());
    let misspelt: Vec<String> = scan
        .args
        .iter()
        .map(|a| {
            if a == "--sign-key" {
                "--signing-key".into()
            } else {
                a.clone()
            }
        })
        .collect();
    let why = accepts(&misspelt).unwrap_err();
    assert!(
        why.contains("exit Some(2)") && why.contains("--signing-key"),
        "{why}"
    );
    let without_out: Vec<String> = ["evidence", "."].map(String::from).to_vec();
    let why = accepts(&without_out).unwrap_err();
    assert!(
        why.contains("--out"),
        "a missing required flag is refused: {why}"
    );
}

#[test]
fn parse_only_runs_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let args: Vec<String> = ["evidence", "missing-tree", "--out", out.to_str().unwrap()]
        .map(String::from)
        .to_vec();
    assert_eq!(accepts(&args), Ok(()));
    assert!(!out.exists(), "no bundle is written when only parsing");
    let run = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(&args)
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(2),
        "the same line, run, fails on the missing tree"
    );
}

#[test]
fn the_shell_reader_joins_continuations_splits_lists_and_expands_variables() {
    let vars = BTreeMap::from([("OUT".to_string(), "/tmp/o u".to_string())]);
    let script = "set -e\n\
                  tlsproof merge a b \\\n  --out \"$OUT\" --key 'k ey' || [ $? -eq 1 ]\n\
                  x=$(docker create img); tlsproof verify ${OUT} # tlsproof comment\n\
                  echo tlsproof && tlsproof explain NET03-TLS > /dev/null\n";
    let found = tlsproof_commands(script, 10, &vars, "f");
    let shown: Vec<(String, String)> = found.iter().map(|c| (c.at.clone(), c.shown())).collect();
    assert_eq!(
        shown,
        [
            (
                "f:11".into(),
                "tlsproof merge a b --out /tmp/o u --key k ey".into()
            ),
            ("f:13".into(), "tlsproof verify /tmp/o u".into()),
            ("f:14".into(), "tlsproof explain NET03-TLS".into()),
        ]
    );
    assert_eq!(
        found[0].args[4], "/tmp/o u",
        "a quoted expansion stays one word"
    );
    let samples = BTreeMap::from([("matrix.shard".to_string(), "3".to_string())]);
    assert_eq!(
        substitute("--shard ${{ matrix.shard }}/4", "${{", &samples, "f"),
        "--shard 3/4"
    );
}

/// GitHub Actions workflow syntax: `jobs.<id>.needs` makes a job wait for the success of the
/// jobs it names; `strategy.matrix` runs one job per value; `actions/download-artifact` with
/// `pattern` and no `merge-multiple` extracts each artifact into a folder named after it
/// (docs.github.com/actions/writing-workflows/workflow-syntax-for-github-actions,
/// github.com/actions/download-artifact README).
#[test]
fn the_github_workflow_merges_the_bundles_of_every_shard() {
    let (text, workflow) = yaml(GITHUB);
    // The key as written: a YAML 1.1 reader (this one) reads a plain `on` as a boolean, GitHub
    // as the string.
    let on = workflow
        .entries()
        .find(|(k, _)| text[k.start..].starts_with("on:"))
        .map(|(_, v)| v);
    assert!(on.is_some_and(|o| o.get("push").is_some()), "a trigger");
    let jobs = workflow.get("jobs").unwrap();
    let shard = jobs.get("shard").unwrap();
    let values = shard
        .get("strategy")
        .unwrap()
        .get("matrix")
        .unwrap()
        .get("shard")
        .unwrap();
    let shards = workflow
        .get("env")
        .unwrap()
        .get("SHARDS")
        .unwrap()
        .scalar()
        .unwrap();
    let expected: Vec<String> = (1..=shards.parse::<usize>().unwrap())
        .map(|k| k.to_string())
        .collect();
    let listed: Vec<String> = values.items().iter().map(|v| v.scalar().unwrap()).collect();
    assert_eq!(listed, expected, "the matrix lists shards 1..SHARDS");
    let merge = jobs.get("merge").unwrap();
    let needs: Vec<String> = match merge.get("needs").unwrap().scalar() {
        Some(one) => vec![one],
        None => merge
            .get("needs")
            .unwrap()
            .items()
            .iter()
            .map(|n| n.scalar().unwrap())
            .collect(),
    };
    assert_eq!(needs, ["shard"], "the merge waits for every shard");
    // Every shard is judged at one evaluation time, made once: merge refuses shards judged at
    // different times.
    let shard = jobs.get("shard").unwrap();
    assert_eq!(
        shard.get("needs").and_then(Node::scalar).as_deref(),
        Some("clock")
    );
    let judged_at_clock = shard.get("steps").unwrap().items().iter().any(|step| {
        str_at(step, &["run"]).is_some_and(|run| {
            run.contains("--shard") && run.contains("--at \"${{ needs.clock.outputs.at }}\"")
        })
    });
    assert!(
        judged_at_clock,
        "the shard's evidence line takes --at from the clock job"
    );
    let uses = |job: &Node, action: &str| -> Vec<Node> {
        job.get("steps")
            .unwrap()
            .items()
            .iter()
            .filter(|s| str_at(s, &["uses"]).is_some_and(|u| u.starts_with(action)))
            .cloned()
            .collect()
    };
    let upload = uses(shard, "actions/upload-artifact@");
    assert_eq!(
        str_at(&upload[0], &["with", "name"]),
        Some("tlsproof-shard-${{ matrix.shard }}")
    );
    let download = uses(merge, "actions/download-artifact@");
    assert_eq!(
        str_at(&download[0], &["with", "pattern"]),
        Some("tlsproof-shard-*")
    );
    assert!(
        download[0]
            .get("with")
            .unwrap()
            .get("merge-multiple")
            .is_none(),
        "one folder per shard"
    );
    let merged = github_commands()
        .into_iter()
        .find(|c| c.args[0] == "merge")
        .unwrap();
    assert!(
        merged.args.iter().any(|a| a == "--key"),
        "the shards' signatures are checked"
    );
    assert!(
        merged.args[1].ends_with("/shards/tlsproof-shard-*"),
        "{}",
        merged.shown()
    );
    // The single-job scan uploads the SARIF of its bundle to code scanning, which needs
    // `security-events: write` (docs.github.com/code-security/code-scanning/integrating-with-code-scanning/uploading-a-sarif-file-to-github).
    let scan = jobs.get("scan").unwrap();
    assert_eq!(
        str_at(scan, &["permissions", "security-events"]),
        Some("write")
    );
    let sarif = uses(scan, "github/codeql-action/upload-sarif@");
    assert_eq!(
        str_at(&sarif[0], &["with", "sarif_file"]),
        Some("${{ runner.temp }}/bundle/results.sarif")
    );
}

/// The signing key reaches a step only through `env` (GitHub masks secrets in logs, and a
/// secret interpolated into `run` would be written into the step's script file), is written by
/// a shell builtin under `umask 077`, and is removed at the end of every job that wrote it.
#[test]
fn the_signing_key_is_written_private_and_never_echoed() {
    let (_, workflow) = yaml(GITHUB);
    let mut writers = 0;
    for (job_name, job) in workflow.get("jobs").unwrap().entries() {
        let steps = job.get("steps").unwrap().items();
        let mut wrote = false;
        for step in steps {
            let run = str_at(step, &["run"]).unwrap_or("");
            assert!(
                !run.contains("secrets."),
                "{job_name:?}: a secret in a run script"
            );
            assert!(
                !run.contains("echo \"$TLSPROOF_SIGNING_KEY"),
                "{job_name:?}: the key echoed"
            );
            if run.contains("$TLSPROOF_SIGNING_KEY") {
                let umask = run
                    .find("umask 077")
                    .expect("umask 077 before the key is written");
                assert!(umask < run.find("$TLSPROOF_SIGNING_KEY").unwrap());
                assert!(
                    run.contains("printf '%s\\n' \"$TLSPROOF_SIGNING_KEY\" > "),
                    "{run}"
                );
                wrote = true;
                writers += 1;
            }
        }
        if wrote {
            let last = steps.last().unwrap();
            assert_eq!(str_at(last, &["if"]), Some("${{ always() }}"));
            assert!(str_at(last, &["run"])
                .unwrap()
                .starts_with("rm -f \"$RUNNER_TEMP/tlsproof.key\""));
        }
    }
    assert_eq!(writers, 3, "scan, shard and merge sign");
}

/// Argo Workflows: a DAG task with `withParam` runs once per item of a JSON list, and a task
/// that `depends` on it starts when every one of them succeeded; a key-only artifact names a
/// key in the default artifact repository, and an input artifact whose key is a prefix
/// receives every object under it (argo-workflows docs: loops, enhanced-depends-logic,
/// key-only-artifacts; examples/map-reduce.yaml).
#[test]
fn the_argo_template_fans_out_over_the_repositories_and_merges_their_bundles() {
    let (_, doc) = yaml(ARGO);
    assert_eq!(str_at(&doc, &["apiVersion"]), Some("argoproj.io/v1alpha1"));
    assert_eq!(str_at(&doc, &["kind"]), Some("WorkflowTemplate"));
    let spec = doc.get("spec").unwrap();
    let templates: BTreeMap<&str, &Node> = spec
        .get("templates")
        .unwrap()
        .items()
        .iter()
        .map(|t| (str_at(t, &["name"]).unwrap(), t))
        .collect();
    let entry = templates[str_at(spec, &["entrypoint"]).unwrap()];
    let tasks = entry.get("dag").unwrap().get("tasks").unwrap().items();
    let fan_out = tasks.iter().find(|t| t.get("withParam").is_some()).unwrap();
    assert_eq!(
        str_at(fan_out, &["withParam"]),
        Some("{{workflow.parameters.repositories}}")
    );
    let samples = argo_samples(&doc);
    let list: serde_json::Value =
        serde_json::from_str(&samples["workflow.parameters.repositories"]).unwrap();
    assert!(
        list.as_array().is_some_and(|l| l.len() >= 2),
        "a JSON list of repositories"
    );
    let fan_out_name = str_at(fan_out, &["name"]).unwrap();
    let merge = tasks.iter().find(|t| t.get("withParam").is_none()).unwrap();
    assert_eq!(
        str_at(merge, &["depends"]),
        Some(fan_out_name),
        "the merge waits for every scan"
    );

    let scan = templates[str_at(fan_out, &["template"]).unwrap()];
    let source = &scan
        .get("inputs")
        .unwrap()
        .get("artifacts")
        .unwrap()
        .items()[0];
    assert_eq!(
        str_at(source, &["git", "repo"]),
        Some("{{inputs.parameters.url}}")
    );
    let bundle = &scan
        .get("outputs")
        .unwrap()
        .get("artifacts")
        .unwrap()
        .items()[0];
    let bundle_key = str_at(bundle, &["s3", "key"]).unwrap();
    let merger = templates[str_at(merge, &["template"]).unwrap()];
    let bundles = &merger
        .get("inputs")
        .unwrap()
        .get("artifacts")
        .unwrap()
        .items()[0];
    let prefix = str_at(bundles, &["s3", "key"]).unwrap();
    assert_eq!(
        bundle_key,
        format!("{prefix}/{{{{inputs.parameters.name}}}}"),
        "each scan's bundle is saved under the key the merge reads"
    );
    let path = str_at(bundles, &["path"]).unwrap();
    let merged = argo_commands()
        .into_iter()
        .find(|c| c.args[0] == "merge")
        .unwrap();
    assert_eq!(
        merged.args[1],
        format!("{path}/*"),
        "every bundle of the folder is merged"
    );
    assert!(str_at(
        &merger
            .get("outputs")
            .unwrap()
            .get("artifacts")
            .unwrap()
            .items()[0],
        &["path"]
    )
    .is_some());
    for t in [scan, merger] {
        assert_eq!(
            str_at(t, &["container", "image"]),
            Some("{{workflow.parameters.image}}"),
            "the tlsproof image runs every step"
        );
    }
    assert_eq!(
        spec.get("securityContext")
            .unwrap()
            .get("runAsUser")
            .unwrap()
            .scalar()
            .as_deref(),
        Some("65532"),
        "the image's user"
    );
}

/// The Dockerfile's stages and instructions (docs.docker.com/reference/dockerfile).
#[test]
fn the_dockerfile_builds_in_one_stage_and_ships_the_binary_and_ca_certificates_alone() {
    let text = read(DOCKERFILE);
    // Instructions: continuation lines joined, comments dropped.
    let mut instructions: Vec<(String, String)> = Vec::new();
    let mut joined = String::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('#') || (line.is_empty() && joined.is_empty()) {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(head) => joined.push_str(head),
            None => {
                joined.push_str(line);
                let (word, rest) = joined.split_once(' ').unwrap_or((&joined, ""));
                instructions.push((word.to_ascii_uppercase(), rest.trim().to_string()));
                joined.clear();
            }
        }
    }
    let stages: Vec<&[(String, String)]> = {
        let starts: Vec<usize> = instructions
            .iter()
            .enumerate()
            .filter(|(_, (w, _))| w == "FROM")
            .map(|(i, _)| i)
            .collect();
        starts
            .iter()
            .enumerate()
            .map(|(n, &s)| {
                &instructions[s..starts.get(n + 1).copied().unwrap_or(instructions.len())]
            })
            .collect()
    };
    assert_eq!(stages.len(), 2, "a build stage and a runtime stage");
    let (build_from, runtime_from) = (&stages[0][0].1, &stages[1][0].1);
    assert!(
        build_from.starts_with("rust:") && build_from.ends_with(" AS build"),
        "{build_from}"
    );
    assert!(stages[0]
        .iter()
        .any(|(w, a)| w == "RUN" && a.contains("cargo build --release --locked")));
    assert!(
        runtime_from.ends_with("-slim") || runtime_from.contains("distroless"),
        "{runtime_from}"
    );
    let runtime = &stages[1][1..];
    let kinds: Vec<&str> = runtime.iter().map(|(w, _)| w.as_str()).collect();
    assert!(
        !kinds.contains(&"RUN") && !kinds.contains(&"ADD"),
        "nothing but copies from the build: {kinds:?}"
    );
    let copies: Vec<(&str, &str)> = runtime
        .iter()
        .filter(|(w, _)| w == "COPY")
        .map(|(_, a)| {
            let a = a
                .strip_prefix("--from=build ")
                .expect("copied from the build stage");
            a.split_once(' ').unwrap()
        })
        .collect();
    assert_eq!(copies.len(), 2, "{copies:?}");
    let (_, ca) = copies
        .iter()
        .find(|(from, _)| from.ends_with("ca-certificates.crt"))
        .unwrap();
    assert!(
        tlsproof::certs::SYSTEM_BUNDLES.contains(ca),
        "the CA certificates go where tlsproof reads the system store: {ca}"
    );
    let (_, binary) = copies
        .iter()
        .find(|(from, _)| *from == "/build/target/release/tlsproof")
        .unwrap();
    let user = runtime
        .iter()
        .find(|(w, _)| w == "USER")
        .map(|(_, a)| a.as_str())
        .unwrap();
    let uid = user.split(':').next().unwrap();
    assert!(
        uid.parse::<u32>().is_ok_and(|u| u != 0),
        "a numeric non-root user: {user}"
    );
    let (last, entrypoint) = runtime.last().unwrap();
    assert_eq!(last, "ENTRYPOINT");
    let exec: Vec<String> = serde_json::from_str(entrypoint).expect("the exec form");
    assert_eq!(
        exec,
        [binary.to_string()],
        "the entrypoint is the installed binary"
    );
    let ignored = read(".dockerignore");
    assert!(
        ignored.lines().any(|l| l.trim() == "target/"),
        "build output stays out of the context"
    );
}
