//! Command line: parse arguments, call the library, print, and map outcomes to exit codes.
//! The only place (with `main.rs`) that prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use time::OffsetDateTime;
use tlsproof::settings::{parse_time, Environment, Options, Profile};
use tlsproof::{bundle, pipeline, policy, render};

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
    /// The requirement set: the control, or the control plus PROFILE-HSTS (overrides
    /// tlsproof.toml).
    #[arg(long, value_enum)]
    profile: Option<Profile>,
    /// What the deployment is (overrides tlsproof.toml).
    #[arg(long, value_enum)]
    environment: Option<Environment>,
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
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    at: Option<OffsetDateTime>,
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
    /// Also probe every in-scope endpoint live (its server names on its TLS and plaintext
    /// ports) and judge the observations with the configuration; without it the scan stays
    /// offline.
    #[arg(long)]
    probe: bool,
    /// With --probe: connect to ADDR:PORT for HOST:PORT, keeping HOST as the name (as curl's).
    #[arg(
        long = "connect-to",
        value_name = "HOST:PORT:ADDR:PORT",
        requires = "probe"
    )]
    connect_to: Vec<String>,
    /// Results of testssl.sh (--jsonfile or --jsonfile-pretty) or sslyze (--json_out), judged as
    /// observations of the endpoints whose server name and TLS port they scanned (no network);
    /// repeatable.
    #[arg(long = "observations", value_name = "FILE")]
    observations: Vec<PathBuf>,
}

impl ScanArgs {
    fn options(&self) -> anyhow::Result<Options> {
        let probe = if self.probe {
            let connect_to = self
                .connect_to
                .iter()
                .map(|c| tlsproof::probe::checks::ConnectTo::parse(c))
                .collect::<Result<Vec<_>, _>>()
                .map_err(anyhow::Error::msg)?;
            Some(tlsproof::probe::checks::Options {
                timeout: std::time::Duration::from_secs(5),
                connect_to,
            })
        } else {
            None
        };
        Ok(self.options_with(probe))
    }

    fn options_with(&self, probe: Option<tlsproof::probe::checks::Options>) -> Options {
        Options {
            paths: self.paths.clone(),
            profile: self.profile,
            environment: self.environment,
            nginx_version: self.nginx_version.clone(),
            caddy_version: self.caddy_version.clone(),
            traefik_version: self.traefik_version.clone(),
            policies_dir: self.policies.clone(),
            at: Some(self.at.unwrap_or_else(now)),
            exceptions_file: self.exceptions.clone(),
            non_waivable: self.strict.clone(),
            warn_days: None,
            ca_files: self.ca_files.clone(),
            probe,
            observations: self.observations.clone(),
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
    /// Probe live endpoints: the control's test results (HTTPS with a valid certificate, HTTP
    /// refused or redirected, TLS 1.0/1.1 refused, self-signed refused), observed on the wire.
    Probe(ProbeArgs),
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
    Lint(LintArgs),
}

#[derive(clap::Args)]
struct LintArgs {
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
    #[arg(long, value_name = "TIME", value_parser = parse_time)]
    at: Option<OffsetDateTime>,
    /// Requirements no waiver may cover, comma-separated, or `all`.
    #[arg(long, value_name = "REQUIREMENTS", value_delimiter = ',')]
    strict: Vec<String>,
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
}

#[derive(clap::Args)]
struct ProbeArgs {
    /// https://host[:port][/path] (the TLS tests) or http://host[:port][/path] (the plaintext
    /// test).
    #[arg(required = true, value_name = "TARGET")]
    targets: Vec<String>,
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// Trust the CAs (or certificates) of this PEM file when validating the served chain, in
    /// addition to the system store and tlsproof.toml [trust] of the current folder.
    #[arg(long = "ca-file", value_name = "FILE")]
    ca_files: Vec<PathBuf>,
    /// Connect to ADDR:PORT for HOST:PORT, keeping HOST as the name (SNI, Host header,
    /// certificate name), as curl's --connect-to.
    #[arg(long = "connect-to", value_name = "HOST:PORT:ADDR:PORT")]
    connect_to: Vec<String>,
    /// The timeout of each connection (connect, handshake, read), in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    timeout: f64,
}

#[derive(Subcommand)]
enum PolicyCommand {
    /// Run the `test_` rules of the policies (the built-in ones, or DIR's over them).
    Test {
        /// A policy directory whose files add to or override the built-in policies.
        dir: Option<PathBuf>,
    },
}

/// The current time; `SOURCE_DATE_EPOCH` fixes it for reproducible bundles.
fn now() -> OffsetDateTime {
    let t = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
        .unwrap_or_else(OffsetDateTime::now_utc);
    t.replace_nanosecond(0).unwrap_or(t)
}

/// `t` as RFC 3339 (the bundle's `created_at`).
fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
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
        let limit = tlsproof::source::MAX_FILE_BYTES;
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

/// Parses the command line, runs the command, prints its view; returns the exit code.
pub fn run() -> anyhow::Result<u8> {
    match Cli::parse().command {
        Command::Scan {
            args,
            format,
            verbose,
        } => scan(args, format, verbose),
        Command::Evidence { args, out } => evidence(args, &out),
        Command::Verify { dir, inputs } => {
            let v = bundle::verify(&dir, inputs.as_deref())?;
            emit(&render::verify::human(&v, &dir));
            Ok(u8::from(!v.ok()))
        }
        Command::Policy {
            command: PolicyCommand::Test { dir },
        } => {
            let mut set = policy::PolicySet::builtin();
            if let Some(d) = &dir {
                set = set.with_overrides(d)?;
            }
            let report = policy::run_tests(&set)?;
            emit(&render::policy_tests::human(&report));
            Ok(render::policy_tests::exit_code(&report))
        }
        Command::Exceptions {
            command: ExceptionsCommand::Lint(args),
        } => lint(args),
        Command::Probe(args) => probe(args),
        Command::Explain { requirement } => {
            let registry = policy::PolicySet::builtin().registry()?;
            match registry.get(&requirement.to_ascii_uppercase()) {
                Some(r) => {
                    emit(&render::explain::human(r));
                    Ok(0)
                }
                None => {
                    eprintln!(
                        "tlsproof: {}",
                        render::explain::unknown(&requirement, &registry)
                    );
                    Ok(2)
                }
            }
        }
    }
}

/// Writes a command's output to standard output. A reader that went away (`| head`) ends the
/// output quietly, as it ends any Unix filter, instead of a panic.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("tlsproof: cannot write the output: {e}");
        }
    }
}

fn scan(mut args: ScanArgs, format: Format, verbose: bool) -> anyhow::Result<u8> {
    let _stdin = StdinFile::take(&mut args.paths)?;
    let scan = pipeline::run(&args.options()?)?;
    match format {
        Format::Human => emit(&render::human::render(&scan.report, &scan.map, verbose)),
        Format::Json => emit(&render::json(&scan.report)),
    }
    Ok(scan.report.exit_code())
}

fn evidence(mut args: ScanArgs, out: &std::path::Path) -> anyhow::Result<u8> {
    let _stdin = StdinFile::take(&mut args.paths)?;
    let scan = pipeline::run(&args.options()?)?;
    let manifest = bundle::write(&scan, out, &rfc3339(now()))
        .with_context(|| format!("writing the bundle to {}", out.display()))?;
    emit(&format!(
        "wrote {} ({} files, {} inputs): verdict {}\n",
        out.display(),
        manifest.bundle_files.len() + 1,
        manifest.inputs.len(),
        manifest.verdict
    ));
    Ok(scan.report.exit_code())
}

fn lint(args: LintArgs) -> anyhow::Result<u8> {
    let opts = Options {
        paths: vec![args.path.clone()],
        at: Some(args.at.unwrap_or_else(now)),
        exceptions_file: args.exceptions,
        non_waivable: args.strict,
        warn_days: args.warn_days,
        ..Options::default()
    };
    let scan = pipeline::run(&opts)?;
    let Some(file) = scan.exceptions_file.as_deref() else {
        eprintln!(
            "tlsproof: no {} in {}: pass --exceptions FILE",
            tlsproof::exceptions::FILE_NAME,
            args.path.display()
        );
        return Ok(2);
    };
    let lines = tlsproof::exceptions::lint::lint(&scan.report, scan.warn_days);
    match args.format {
        Format::Json => emit(&render::lint::json(&lines, file)),
        Format::Human => emit(&render::lint::human(
            &lines,
            scan.report.exceptions.len(),
            file,
        )),
    }
    Ok(u8::from(render::lint::problems(&lines) > 0))
}

fn probe(args: ProbeArgs) -> anyhow::Result<u8> {
    use tlsproof::probe::checks::{self, ConnectTo, Target, TestStatus};
    let targets = args
        .targets
        .iter()
        .map(|t| Target::parse(t))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let connect_to = args
        .connect_to
        .iter()
        .map(|c| ConnectTo::parse(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    if !(args.timeout > 0.0 && args.timeout <= 120.0) {
        anyhow::bail!("--timeout: between 0 and 120 seconds");
    }
    let root = std::path::Path::new(".");
    let config = tlsproof::config::Config::load(root)?.unwrap_or_default();
    let from_config = config
        .trust
        .ca_files
        .iter()
        .map(|f| (root.join(f), f.clone()));
    let from_flags = args
        .ca_files
        .iter()
        .map(|f| (f.clone(), f.display().to_string()));
    let trust = tlsproof::certs::TrustStore::load(&tlsproof::certs::TrustConfig {
        system: config.trust.system,
        ca_files: from_config.chain(from_flags).collect(),
        pins: config.trust.pins.clone(),
    })?;
    let opts = checks::Options {
        timeout: std::time::Duration::from_secs_f64(args.timeout),
        connect_to,
    };
    let at = now();
    let observed_at = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let probes: Vec<_> = targets
        .iter()
        .map(|t| checks::probe(t, &trust, &opts, at.unix_timestamp(), &observed_at))
        .collect();
    match args.format {
        Format::Json => emit(&format!(
            "{}\n",
            serde_json::to_string_pretty(&serde_json::json!({ "probes": probes }))?
        )),
        Format::Human => emit(&render::probe::human(&probes)),
    }
    let failed = probes
        .iter()
        .flat_map(|p| &p.tests)
        .any(|t| t.status == TestStatus::Fail);
    Ok(u8::from(failed))
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }
}
