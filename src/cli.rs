//! Command line: parse arguments, call the library, print, and map outcomes to exit codes.
//! The only place (with `main.rs`) that prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use tlsproof::{bundle, policy, render, scan};

#[derive(Parser)]
#[command(
    name = "tlsproof",
    version,
    about = "Decides, with file:line evidence, whether an MCP deployment's configuration meets MCP-NET-03 (TLS Enforcement for Remote Connections)",
    after_help = "Exit codes: 0 no FAIL; 1 a FAIL or input that could not be judged; 2 usage or I/O error."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

#[derive(clap::Args, Clone)]
struct ScanArgs {
    /// Files or directories to scan; `-` reads a manifest stream from standard input (as
    /// `kubectl get -o yaml` or `helm template` print it), cited as `stdin.yaml`.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// msss (the control) or strict (adds PROFILE-HSTS).
    #[arg(long)]
    profile: Option<String>,
    /// production, development, test or unknown (overrides tlsproof.toml).
    #[arg(long)]
    environment: Option<String>,
    /// Extra or overriding Rego policies.
    #[arg(long, value_name = "DIR")]
    policies: Option<PathBuf>,
    /// The nginx version whose defaults apply, e.g. 1.27.3 (overrides tlsproof.toml).
    #[arg(long, value_name = "VERSION")]
    nginx_version: Option<String>,
    /// The Caddy version whose defaults apply, e.g. 2.8.4 (overrides tlsproof.toml).
    #[arg(long, value_name = "VERSION")]
    caddy_version: Option<String>,
    /// The Traefik version whose defaults apply, e.g. 3.1 (overrides tlsproof.toml and image tags).
    #[arg(long, value_name = "VERSION")]
    traefik_version: Option<String>,
    /// Judge certificate validity at this time (RFC 3339, e.g. 2027-01-01T00:00:00Z); default
    /// now, or SOURCE_DATE_EPOCH when set.
    #[arg(long, value_name = "TIME")]
    at: Option<String>,
    /// The exception claims file (default: tlsproof-exceptions.yaml in the scanned directory).
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,
    /// Requirements that no waiver (compensating control, risk acceptance, attestation) may
    /// cover, comma-separated, or `all` (adds to tlsproof.toml [exceptions] non_waivable).
    #[arg(long, value_name = "REQUIREMENTS", value_delimiter = ',')]
    strict: Vec<String>,
    /// Trust the CAs (or certificates) of this PEM file when validating certificate chains, in
    /// addition to the system store and tlsproof.toml [trust] ca_files; repeatable.
    #[arg(long = "ca-file", value_name = "FILE")]
    ca_files: Vec<PathBuf>,
}

impl ScanArgs {
    fn options(&self) -> scan::Options {
        scan::Options {
            paths: self.paths.clone(),
            profile: self.profile.clone(),
            environment: self.environment.clone(),
            nginx_version: self.nginx_version.clone(),
            caddy_version: self.caddy_version.clone(),
            traefik_version: self.traefik_version.clone(),
            policies_dir: self.policies.clone(),
            at: Some(self.at.clone().unwrap_or_else(now)),
            exceptions_file: self.exceptions.clone(),
            non_waivable: self.strict.clone(),
            warn_days: None,
            ca_files: self.ca_files.clone(),
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Scan configuration and print the results.
    Scan {
        #[command(flatten)]
        args: ScanArgs,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Also show the locations of PASS and NOT_APPLICABLE results.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Scan and write an audit evidence bundle.
    Evidence {
        #[command(flatten)]
        args: ScanArgs,
        /// The bundle directory to write.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Recompute every hash of an evidence bundle and name any file that changed.
    Verify {
        /// The bundle directory.
        dir: PathBuf,
        /// Also re-hash the input files, found relative to this directory.
        #[arg(long, value_name = "DIR")]
        inputs: Option<PathBuf>,
    },
    /// Policy tools.
    Policy {
        #[command(subcommand)]
        command: PolicyCommand,
    },
    /// Exception claims (tlsproof-exceptions.yaml).
    Exceptions {
        #[command(subcommand)]
        command: ExceptionsCommand,
    },
    /// Explain a requirement: what it checks, why, and examples.
    Explain {
        /// A requirement id, e.g. NET03-TLS.
        requirement: String,
    },
}

#[derive(Subcommand)]
enum ExceptionsCommand {
    /// Check every claim against the configuration: invalid, expired, soon-to-expire, orphaned
    /// and rejected claims are problems (exit 1); exit 0 when every claim is in order.
    Lint {
        /// The directory (or file) whose configuration the claims are checked against.
        #[arg(default_value = ".")]
        path: PathBuf,
        /// The claims file (default: tlsproof-exceptions.yaml in PATH).
        #[arg(long, value_name = "FILE")]
        exceptions: Option<PathBuf>,
        /// Report claims expiring within this many days (default: tlsproof.toml [exceptions]
        /// warn_days, else 30).
        #[arg(long, value_name = "DAYS")]
        warn_days: Option<u32>,
        /// Judge at this time (RFC 3339); default now, or SOURCE_DATE_EPOCH when set.
        #[arg(long, value_name = "TIME")]
        at: Option<String>,
        /// Requirements no waiver may cover, comma-separated, or `all`.
        #[arg(long, value_name = "REQUIREMENTS", value_delimiter = ',')]
        strict: Vec<String>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Run the `test_` rules of the policies (the built-in ones, or DIR's over them).
    Test {
        /// A policy directory whose files add to or override the built-in policies.
        dir: Option<PathBuf>,
    },
}

/// Current time as RFC 3339 UTC; `SOURCE_DATE_EPOCH` fixes it for reproducible bundles.
fn now() -> String {
    let t = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(time::OffsetDateTime::now_utc);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// `-` among the scanned paths: standard input, written to `stdin.yaml` in a private temporary
/// folder so that discovery, detection and spans treat it like any file. The folder is removed
/// when this guard drops.
struct StdinFile {
    dir: Option<PathBuf>,
}

impl StdinFile {
    fn take(paths: &mut [PathBuf]) -> anyhow::Result<Self> {
        let Some(slot) = paths.iter_mut().find(|p| p.as_os_str() == "-") else {
            return Ok(StdinFile { dir: None });
        };
        use std::io::Read;
        let limit = tlsproof::discover::MAX_FILE_BYTES;
        let mut bytes = Vec::new();
        std::io::stdin()
            .take(limit + 1)
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        if bytes.len() as u64 > limit {
            anyhow::bail!("standard input is larger than {limit} bytes: scan it as a file");
        }
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("tlsproof-stdin-{}-{stamp}", std::process::id()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder
            .create(&dir)
            .with_context(|| format!("creating {}", dir.display()))?;
        let guard = StdinFile {
            dir: Some(dir.clone()),
        };
        let file = dir.join("stdin.yaml");
        std::fs::write(&file, &bytes).with_context(|| format!("writing {}", file.display()))?;
        *slot = file;
        Ok(guard)
    }
}

impl Drop for StdinFile {
    fn drop(&mut self) {
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

pub fn run() -> anyhow::Result<u8> {
    let cli = Cli::parse();
    match cli.command {
        Command::Scan {
            mut args,
            format,
            verbose,
        } => {
            let _stdin = StdinFile::take(&mut args.paths)?;
            let scan = scan::run(&args.options())?;
            match format {
                Format::Human => print!(
                    "{}",
                    render::human::render(&scan.report, &scan.map, verbose)
                ),
                Format::Json => print!("{}", render::json(&scan.report)),
            }
            Ok(scan.report.exit_code())
        }
        Command::Evidence { mut args, out } => {
            let _stdin = StdinFile::take(&mut args.paths)?;
            let scan = scan::run(&args.options())?;
            let manifest = bundle::write(&scan, &out, &now())
                .with_context(|| format!("writing the bundle to {}", out.display()))?;
            println!(
                "wrote {} ({} files, {} inputs): verdict {}",
                out.display(),
                manifest.bundle_files.len() + 1,
                manifest.inputs.len(),
                manifest.verdict
            );
            Ok(scan.report.exit_code())
        }
        Command::Verify { dir, inputs } => {
            let v = bundle::verify(&dir, inputs.as_deref())?;
            for (file, why) in &v.problems {
                println!("CHANGED  {file}: {why}");
            }
            if v.ok() {
                println!("OK: {} files verified in {}", v.intact.len(), dir.display());
                Ok(0)
            } else {
                println!(
                    "FAILED: {} problem(s), {} files intact in {}",
                    v.problems.len(),
                    v.intact.len(),
                    dir.display()
                );
                Ok(1)
            }
        }
        Command::Policy {
            command: PolicyCommand::Test { dir },
        } => {
            let mut set = policy::PolicySet::builtin();
            if let Some(d) = &dir {
                set = set.with_overrides(d)?;
            }
            let report = policy::run_tests(&set)?;
            let mut failed = 0;
            for case in &report.cases {
                match &case.outcome {
                    policy::TestOutcome::Pass => println!("PASS  {}: {}", case.file, case.name),
                    policy::TestOutcome::Fail => {
                        failed += 1;
                        println!("FAIL  {}: {}", case.file, case.name)
                    }
                    policy::TestOutcome::Error(e) => {
                        failed += 1;
                        println!("ERROR {}: {}: {e}", case.file, case.name)
                    }
                }
            }
            println!("{} passed, {} failed", report.cases.len() - failed, failed);
            Ok(u8::from(failed > 0 || report.cases.is_empty()))
        }
        Command::Exceptions {
            command:
                ExceptionsCommand::Lint {
                    path,
                    exceptions,
                    warn_days,
                    at,
                    strict,
                    format,
                },
        } => {
            let opts = scan::Options {
                paths: vec![path.clone()],
                at: Some(at.unwrap_or_else(now)),
                exceptions_file: exceptions,
                non_waivable: strict,
                warn_days,
                ..scan::Options::default()
            };
            let scan = scan::run(&opts)?;
            if scan.exceptions_file.is_none() {
                eprintln!(
                    "tlsproof: no {} in {}: pass --exceptions FILE",
                    tlsproof::exceptions::FILE_NAME,
                    path.display()
                );
                return Ok(2);
            }
            let lines = tlsproof::exceptions::lint::lint(&scan.report, scan.warn_days);
            let problems = lines.iter().filter(|l| l.is_problem()).count();
            match format {
                Format::Json => println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "file": scan.exceptions_file,
                        "problems": problems,
                        "claims": lines,
                    }))?
                ),
                Format::Human => {
                    for l in &lines {
                        println!(
                            "{:<13} {:<10} {}:{}  {}",
                            l.status, l.id, l.location.file, l.location.line, l.message
                        );
                    }
                    println!(
                        "{} claim(s), {problems} problem(s) in {}",
                        scan.report.exceptions.len(),
                        scan.exceptions_file.as_deref().unwrap_or_default()
                    );
                }
            }
            Ok(u8::from(problems > 0))
        }
        Command::Explain { requirement } => {
            let set = policy::PolicySet::builtin();
            let registry = set.registry()?;
            let wanted = requirement.to_ascii_uppercase();
            match registry.get(&wanted) {
                Some(info) => {
                    println!("{} — {}\n", info.id, info.title);
                    println!("{}", info.doc.trim_end());
                    println!("\nProfiles: {}", info.profiles.join(", "));
                    println!("Evidence item: {}", info.evidence);
                    println!("Claims that may cover it: {}", info.covered_by.join(", "));
                    println!("Policy: policies/{}", info.path);
                    Ok(0)
                }
                None => {
                    let ids = registry.ids();
                    eprintln!(
                        "tlsproof: unknown requirement {requirement:?}; known: {}",
                        ids.join(", ")
                    );
                    Ok(2)
                }
            }
        }
    }
}
