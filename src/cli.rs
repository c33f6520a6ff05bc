//! Command line: parse arguments, call the library, print, and map outcomes to exit codes.
//! The only place (with `main.rs`) that prints.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use time::OffsetDateTime;
use tlsproof::settings::{parse_time, Environment, Options, Profile};
use tlsproof::{attest, bundle, pipeline, policy, render};

/// The largest `--baseline` record read.
const MAX_BASELINE_BYTES: u64 = 1 << 30;

#[derive(Parser)]
#[command(
    name = "tlsproof",
    version,
    long_version = long_version(),
    about = "Decides, with file:line evidence, whether an MCP deployment's configuration meets MCP-NET-03 (TLS Enforcement for Remote Connections)",
    after_help = "Exit codes: 0 no FAIL; 1 a FAIL or input that could not be judged; 2 usage, configuration or I/O error, or no configuration recognised (unless --allow-empty)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// `--version`: the tool, the digest of its built-in policies (as results name it) and the
/// policy engine.
fn long_version() -> &'static str {
    static TEXT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    TEXT.get_or_init(|| {
        format!(
            "{}\npolicies sha256:{}\nregorus {}",
            env!("CARGO_PKG_VERSION"),
            policy::PolicySet::builtin().digest(),
            env!("TLSPROOF_REGORUS_VERSION")
        )
    })
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Human,
    Json,
}

/// The views of a scan's record.
#[derive(Clone, Copy, ValueEnum)]
enum ScanFormat {
    /// Text for a terminal.
    Human,
    /// The record (`schemas/results.schema.json`).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML, for a CI's test tab.
    Junit,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// NIST OSCAL 1.1.2 assessment-results (JSON); `evidence` also writes the assessment plan
    /// it imports.
    Oscal,
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
    /// Accept a scan that recognises no configuration (exit 0 with an INCOMPLETE verdict)
    /// instead of exit code 2.
    #[arg(long)]
    allow_empty: bool,
    /// Leave out paths matching GLOB (relative to the scanned directory, as tlsproof.toml's
    /// exclude); repeatable. The record names every exclusion.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// What fails the run (exit 1): FAILs of at least this severity; `manual` also MANUAL
    /// results and an INCOMPLETE verdict. Input that cannot be judged always fails.
    #[arg(long, value_enum, value_name = "LEVEL", default_value = "low")]
    fail_on: FailOnArg,
    /// A results.json of an earlier run (scan --format json, or a bundle's): FAILs whose
    /// fingerprint it holds do not fail this run.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// With --probe: the timeout of each connection (connect, handshake, read), in seconds.
    #[arg(
        long = "timeout",
        value_name = "SECONDS",
        default_value_t = 5.0,
        requires = "probe"
    )]
    timeout: f64,
    /// Results of testssl.sh (--jsonfile or --jsonfile-pretty) or sslyze (--json_out), judged as
    /// observations of the endpoints whose server name and TLS port they scanned (no network);
    /// repeatable.
    #[arg(long = "observations", value_name = "FILE")]
    observations: Vec<PathBuf>,
    /// Judge only part K of N of the work (1 ≤ K ≤ N), for N jobs that `tlsproof merge`
    /// unites: each endpoint with the files its facts tie together (an nginx include tree, a
    /// Kubernetes chain) goes to one shard, by a hash of its files' names.
    #[arg(long, value_name = "K/N")]
    shard: Option<tlsproof::shard::Shard>,
    /// The name the record gives the scanned repository (default: the URL of the git remote
    /// `origin`, when there is one); `merge` keeps the records of different repositories apart
    /// by it.
    #[arg(long, value_name = "NAME")]
    repository: Option<String>,
}

/// A connection timeout as given on the command line: more than 0 and at most 120 seconds.
fn timeout_of(seconds: f64) -> anyhow::Result<std::time::Duration> {
    if !(seconds > 0.0 && seconds <= 120.0) {
        anyhow::bail!("--timeout {seconds}: between 0 and 120 seconds");
    }
    Ok(std::time::Duration::from_secs_f64(seconds))
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
                timeout: timeout_of(self.timeout)?,
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
            exclude: self.exclude.clone(),
            observations: self.observations.clone(),
            progress: None,
            replaying: None,
            shard: self.shard,
            repository: self.repository.clone(),
        }
    }

    /// The options a bundle with its inputs records for `tlsproof replay`.
    fn given(&self) -> bundle::inputs::Given {
        let versions = [
            ("nginx", &self.nginx_version),
            ("caddy", &self.caddy_version),
            ("traefik", &self.traefik_version),
        ];
        bundle::inputs::Given {
            profile: self.profile,
            environment: self.environment,
            versions: versions
                .into_iter()
                .filter_map(|(product, v)| Some((product.to_string(), v.clone()?)))
                .collect(),
            exclude: self.exclude.clone(),
            strict: self.strict.clone(),
            exceptions: self.exceptions.clone(),
            observations: self.observations.clone(),
            ca_files: self.ca_files.clone(),
            probe: self.probe,
        }
    }

    /// The gate of the run's exit code: `--fail-on` and the fingerprints of `--baseline`.
    fn gate(&self) -> anyhow::Result<tlsproof::results::Gate> {
        use tlsproof::results::FailOn;
        let fail_on = match self.fail_on {
            FailOnArg::High => FailOn::High,
            FailOnArg::Medium => FailOn::Medium,
            FailOnArg::Low => FailOn::Low,
            FailOnArg::Manual => FailOn::Manual,
        };
        let mut baseline = std::collections::BTreeSet::new();
        if let Some(path) = &self.baseline {
            let what = || format!("--baseline {}", path.display());
            let bytes = tlsproof::source::read_regular(path, MAX_BASELINE_BYTES)
                .map_err(|e| anyhow::anyhow!("{}: {e}", what()))?;
            let record: serde_json::Value =
                serde_json::from_slice(&bytes).with_context(|| format!("{}: not JSON", what()))?;
            let Some(results) = record["results"].as_array() else {
                anyhow::bail!("{}: not a tlsproof results.json (no results)", what());
            };
            for r in results.iter().filter(|r| r["status"] == "FAIL") {
                let Some(f) = r["fingerprint"].as_str() else {
                    anyhow::bail!("{}: results without fingerprints (written by an older tlsproof): write it again with this version", what());
                };
                baseline.insert(f.to_string());
            }
        }
        Ok(tlsproof::results::Gate { fail_on, baseline })
    }
}

/// Runs a scan; when stderr is a terminal and the scan takes more than a second, a line on
/// stderr says where it is (stage, files, endpoints, seconds) and is cleared at the end.
/// With `TLSPROOF_TIMINGS` set, stderr gets how long each stage took and the resident memory
/// when it began, then the peak, for profiling.
fn run_scan(mut opts: Options, quiet: bool) -> anyhow::Result<pipeline::Scan> {
    use std::io::IsTerminal;
    if std::env::var_os("TLSPROOF_TIMINGS").is_some() {
        let progress = std::sync::Arc::new(tlsproof::progress::Progress::default());
        opts.progress = Some(progress.clone());
        let scan = pipeline::run(&opts);
        let mb = |kb: Option<u64>| kb.map_or("?".to_string(), |kb| (kb / 1024).to_string());
        for t in progress.timings(std::time::Instant::now()) {
            let (took, rss) = (t.took.as_secs_f64(), mb(t.resident_kb));
            eprintln!("{took:>8.3} s  {rss:>6} MB at start  {}", t.stage);
        }
        let peak = mb(tlsproof::progress::memory_kb("VmHWM:"));
        eprintln!("{:>8} peak {peak} MB before the output is written", "");
        return Ok(scan?);
    }
    if quiet || !std::io::stderr().is_terminal() {
        return Ok(pipeline::run(&opts)?);
    }
    let progress = std::sync::Arc::new(tlsproof::progress::Progress::default());
    opts.progress = Some(progress.clone());
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // How long a scan runs before the line appears: a second, or TLSPROOF_PROGRESS_AFTER_MS
    // (the tests set 0 to see the line on a scan that takes less).
    let after = std::env::var("TLSPROOF_PROGRESS_AFTER_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(
            std::time::Duration::from_secs(1),
            std::time::Duration::from_millis,
        );
    let watcher = {
        let (progress, done) = (progress.clone(), done.clone());
        std::thread::spawn(move || {
            use std::io::Write;
            use std::sync::atomic::Ordering;
            let started = std::time::Instant::now();
            let mut drawn = false;
            while !done.load(Ordering::Relaxed) {
                if started.elapsed() < after {
                    std::thread::sleep(std::time::Duration::from_millis(200));
                    continue;
                }
                let line = progress.get().line();
                let mut err = std::io::stderr().lock();
                let _ = write!(
                    err,
                    "\r\x1b[Ktlsproof: {line} ({} s)",
                    started.elapsed().as_secs()
                );
                let _ = err.flush();
                drawn = true;
                drop(err);
                std::thread::sleep(std::time::Duration::from_millis(200));
            }
            if drawn {
                let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
            }
        })
    };
    let scan = pipeline::run(&opts);
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let _ = watcher.join();
    Ok(scan?)
}

/// `--color`.
#[derive(Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

/// How `scan` shows its record.
struct View<'a> {
    format: ScanFormat,
    output: Option<&'a std::path::Path>,
    quiet: bool,
    color: ColorArg,
    verbose: bool,
}

impl View<'_> {
    /// Colour for the human output: asked for, or a terminal without NO_COLOR.
    fn style(&self) -> render::human::Style {
        use std::io::IsTerminal;
        let color = match self.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                self.output.is_none()
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        render::human::Style { color }
    }
}

/// `--fail-on`.
#[derive(Clone, Copy, ValueEnum)]
enum FailOnArg {
    High,
    Medium,
    Low,
    Manual,
}

/// The exit code of a scan whose output is written. The scan is not freed: the process ends
/// next, and freeing the model and results of an estate piece by piece takes a tenth of a
/// second at 10,000 servers for nothing.
fn finish(scan: tlsproof::pipeline::Scan, gate: &tlsproof::results::Gate, quiet: bool) -> u8 {
    let code = gated_exit(&scan.report, gate, quiet);
    std::mem::forget(scan);
    code
}

/// Says on stderr what the gate let pass, and gives the run's exit code.
fn gated_exit(
    report: &tlsproof::results::Report,
    gate: &tlsproof::results::Gate,
    quiet: bool,
) -> u8 {
    let g = report.gate(gate);
    if !quiet && (g.known > 0 || g.below > 0) {
        #[allow(clippy::print_stderr)]
        {
            eprintln!(
                "tlsproof: {} FAIL(s) fail this run; {} below --fail-on, {} already in --baseline",
                g.failing, g.below, g.known
            );
        }
    }
    g.exit_code()
}

#[derive(Subcommand)]
enum Command {
    /// Scan configuration and print the results.
    Scan {
        #[command(flatten)]
        args: ScanArgs,
        #[arg(long, value_enum, default_value = "human")]
        format: ScanFormat,
        /// Write the output to FILE instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Print nothing (the exit code says it; --output still writes its file).
        #[arg(long, short)]
        quiet: bool,
        /// Colour the status words of the human output: `auto` on a terminal unless NO_COLOR
        /// is set.
        #[arg(long, value_enum, value_name = "WHEN", default_value = "auto")]
        color: ColorArg,
        /// Also show the locations of PASS and NOT_APPLICABLE results.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Scan and write an audit evidence bundle.
    Evidence {
        #[command(flatten)]
        args: ScanArgs,
        /// The bundle directory to write: new or empty, unless --force.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Replace the bundle already in --out (the files its manifest lists).
        #[arg(long)]
        force: bool,
        /// Sign the bundle with this Ed25519 private key (PKCS#8 PEM, see `tlsproof keygen`):
        /// writes attestation.dsse.json, an in-toto statement over every file in a DSSE
        /// envelope.
        #[arg(long, value_name = "KEY")]
        sign_key: Option<PathBuf>,
        /// Also copy what the scan read into the bundle, so that `tlsproof replay` can judge it
        /// again: the scanned files and certificates (inputs/, paths as the manifest lists
        /// them), the policies (policies/) and the --ca-file files (trust/), each hashed in the
        /// manifest like every bundle file. Configuration is copied verbatim, credentials it
        /// holds included; private keys never: a file holding a PEM private key and every key
        /// file the configuration names are listed as excluded, with the reason, in the
        /// manifest and the report. Files the scan did not read are not copied.
        #[arg(long)]
        include_inputs: bool,
    },
    /// Recompute every hash of an evidence bundle and name any file or claim that changed; with
    /// --key, check who signed it.
    ///
    /// Every claim of manifest.json (verdict, tool, scope, policies, inputs, commit, time) is
    /// compared with the bundle file that records the same fact. Without --key, integrity is
    /// checked and authorship is not.
    Verify {
        /// The bundle directory.
        dir: PathBuf,
        /// Also re-hash the input files, found relative to this directory.
        #[arg(long, value_name = "DIR")]
        inputs: Option<PathBuf>,
        /// Check the bundle's signature (attestation.dsse.json) with this Ed25519 public key
        /// (SubjectPublicKeyInfo PEM); without it, authorship is not checked.
        #[arg(long, value_name = "PUB")]
        key: Option<PathBuf>,
    },
    /// Scan a bundle's copied inputs again and name every result that differs from its
    /// results.json.
    ///
    /// The bundle must be written with `evidence --include-inputs`. The scan runs on its
    /// copies with the recorded options (profile, environment, versions, exclusions, --strict,
    /// --exceptions, --observations, --ca-file) and the recorded policies (the bundle's
    /// policies/, not this tool's built-in ones), shown under the recorded roots and commit;
    /// the count of files the recorded scan did not recognise, which the bundle does not hold,
    /// is taken from its record. With the same tlsproof at the same --at, the replayed record
    /// is results.json byte for byte. A bundle of a --probe scan cannot be replayed (its live
    /// observations cannot be made again). Exit codes: 0 identical, 1 different, 2 a bundle
    /// that cannot be replayed.
    Replay {
        /// The bundle directory.
        dir: PathBuf,
        /// Judge certificate validity and claims at this time (RFC 3339); default the recorded
        /// evaluation time.
        #[arg(long, value_name = "TIME", value_parser = parse_time)]
        at: Option<OffsetDateTime>,
    },
    /// Merge evidence bundles into one: the shards of a scan (`--shard K/N`) into the record
    /// of the whole scan, bundles of different repositories into one organization record.
    ///
    /// Every bundle is verified first (with --key, its signature too) and refused, by name, if
    /// it does not verify; a shard missing or given twice is refused. The results are united,
    /// the verdict recomputed (one per repository and one over all), and each bundle's manifest
    /// kept and hashed in the merged bundle.
    Merge {
        /// The bundle directories.
        #[arg(required = true, value_name = "BUNDLE")]
        bundles: Vec<PathBuf>,
        /// The merged bundle's directory: new or empty, unless --force.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Replace the bundle already in --out (the files its manifest lists).
        #[arg(long)]
        force: bool,
        /// Merge only bundles signed by this Ed25519 public key (SubjectPublicKeyInfo PEM).
        #[arg(long, value_name = "PUB")]
        key: Option<PathBuf>,
        /// Sign the merged bundle with this Ed25519 private key (PKCS#8 PEM).
        #[arg(long, value_name = "KEY")]
        sign_key: Option<PathBuf>,
    },
    /// Write a new Ed25519 key pair for signing evidence bundles.
    ///
    /// PREFIX.key is the private key (PKCS#8 PEM, created with mode 0600; keep it out of every
    /// bundle and repository), PREFIX.pub the public key that `verify --key` takes
    /// (SubjectPublicKeyInfo PEM).
    Keygen {
        /// The path of both files without their suffix, e.g. `keys/ci`.
        prefix: PathBuf,
        /// Replace existing key files.
        #[arg(long)]
        force: bool,
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
    /// Print a shell completion script (e.g. `tlsproof completions bash > /etc/bash_completion.d/tlsproof`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `tlsproof man > tlsproof.1`; with --out-dir, write
    /// it and one page per subcommand (tlsproof-scan.1, …) there.
    Man {
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
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
///
/// With `TLSPROOF_PARSE_ONLY` set, nothing runs once the command line is parsed (exit 0; a
/// refused one exits 2 as always): a CI definition's command lines can be checked against this
/// binary without reading, writing or connecting (tests/it/ci_examples.rs).
pub fn run() -> anyhow::Result<u8> {
    let cli = Cli::parse();
    if std::env::var_os("TLSPROOF_PARSE_ONLY").is_some() {
        return Ok(0);
    }
    match cli.command {
        Command::Scan {
            args,
            format,
            output,
            quiet,
            color,
            verbose,
        } => {
            let view = View {
                format,
                output: output.as_deref(),
                quiet,
                color,
                verbose,
            };
            scan(args, &view)
        }
        Command::Evidence {
            args,
            out,
            force,
            sign_key,
            include_inputs,
        } => evidence(args, &out, force, sign_key.as_deref(), include_inputs),
        Command::Verify { dir, inputs, key } => {
            let key = key
                .as_deref()
                .map(attest::PublicKey::read)
                .transpose()
                .context("--key")?;
            let checks = bundle::Checks {
                inputs_root: inputs.as_deref(),
                key: key.as_ref(),
            };
            let v = bundle::verify_with(&dir, &checks)?;
            emit(&render::verify::human(&v, &dir))?;
            Ok(u8::from(!v.ok()))
        }
        Command::Replay { dir, at } => match tlsproof::replay::replay(&dir, at) {
            Ok(outcome) => {
                emit(&render::replay::human(&outcome, &dir))?;
                Ok(u8::from(!outcome.identical))
            }
            Err(tlsproof::replay::ReplayError::Unusable(why)) => {
                eprintln!("tlsproof: {}: cannot be replayed: {why}", dir.display());
                Ok(2)
            }
            Err(e) => Err(anyhow::Error::new(e).context(format!("replaying {}", dir.display()))),
        },
        Command::Merge {
            bundles,
            out,
            force,
            key,
            sign_key,
        } => merge(&bundles, &out, force, key.as_deref(), sign_key.as_deref()),
        Command::Keygen { prefix, force } => {
            let files = attest::keygen(&prefix, force)?;
            emit(&format!(
                "wrote {} (private, mode 0600) and {} (public): key id {}\n",
                files.private.display(),
                files.public.display(),
                files.keyid
            ))?;
            Ok(0)
        }
        Command::Policy {
            command: PolicyCommand::Test { dir },
        } => {
            let mut set = policy::PolicySet::builtin();
            if let Some(d) = &dir {
                set = set.with_overrides(d)?;
            }
            let report = policy::run_tests(&set)?;
            emit(&render::policy_tests::human(&report))?;
            Ok(render::policy_tests::exit_code(&report))
        }
        Command::Exceptions {
            command: ExceptionsCommand::Lint(args),
        } => lint(args),
        Command::Probe(args) => probe(args),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "tlsproof", &mut out);
            emit(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
        Command::Man { out_dir } => {
            use clap::CommandFactory;
            if let Some(dir) = out_dir {
                clap_mangen::generate_to(Cli::command(), &dir)
                    .with_context(|| format!("writing the manual pages to {}", dir.display()))?;
                return Ok(0);
            }
            let mut out = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut out)
                .context("rendering the manual page")?;
            emit(&String::from_utf8_lossy(&out))?;
            Ok(0)
        }
        Command::Explain { requirement } => {
            let registry = policy::PolicySet::builtin().registry()?;
            match registry.get(&requirement.to_ascii_uppercase()) {
                Some(r) => {
                    emit(&render::explain::human(r))?;
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
/// output quietly, as it ends any Unix filter, instead of a panic; any other write error (a
/// full disk) is an I/O error, exit code 2.
fn emit(text: &str) -> anyhow::Result<()> {
    write_stdout(|w| w.write_all(text.as_bytes()))
}

/// Runs `write` on standard output, buffered; a reader that went away (a closed pipe) is not an
/// error.
fn write_stdout(
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    match write(&mut out).and_then(|_| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(anyhow::Error::new(e).context("writing the output"))
        }
        _ => Ok(()),
    }
}

/// Writes a view's output to `--output`, else to standard output unless `--quiet`.
fn deliver(
    view: &View,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    use std::io::Write;
    match view.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("writing {}", path.display()))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
            write(&mut out)
                .and_then(|_| out.flush())
                .with_context(|| format!("writing {}", path.display()))
        }
        None if view.quiet => Ok(()),
        None => write_stdout(write),
    }
}

/// Whether the scan recognised nothing to judge; says so on stderr, naming what was looked for
/// (exit code 2 unless `--allow-empty`).
fn nothing_recognised(scan: &pipeline::Scan, args: &ScanArgs) -> bool {
    if scan.report.summary.files_scanned > 0 || args.allow_empty {
        return false;
    }
    #[allow(clippy::print_stderr)]
    {
        eprintln!(
            "tlsproof: no configuration was recognised in {} ({} other file(s) not recognised): looked for nginx configurations, Caddyfiles, Traefik static and dynamic configurations and compose labels, Kubernetes manifests, MCP server code and configurations (Python, Node/TypeScript, uvicorn, Dockerfiles) and MCP client configurations. Pass --allow-empty to accept an empty scan.",
            scan.roots.join(", "),
            scan.report.summary.files_unknown
        );
    }
    true
}

fn scan(mut args: ScanArgs, view: &View) -> anyhow::Result<u8> {
    let _stdin = StdinFile::take(&mut args.paths)?;
    let gate = args.gate()?;
    let scan = run_scan(args.options()?, view.quiet)?;
    if nothing_recognised(&scan, &args) {
        return Ok(2);
    }
    let at = rfc3339(args.at.unwrap_or_else(now));
    let text = match view.format {
        ScanFormat::Human => {
            render::human::render_styled(&scan.report, &scan.map, view.verbose, view.style())
        }
        // The record of a large estate is written as it is serialized, never held as text.
        ScanFormat::Json => {
            deliver(view, |w| {
                serde_json::to_writer_pretty(&mut *w, &scan.report)
                    .map_err(std::io::Error::from)?;
                w.write_all(b"\n")
            })?;
            return Ok(finish(scan, &gate, view.quiet));
        }
        ScanFormat::Sarif => render::pretty_json(&render::sarif::sarif(&scan)),
        ScanFormat::Junit => render::junit::junit(&scan.report, &at),
        ScanFormat::Github => render::github::annotations(&scan.report, &scan.roots),
        ScanFormat::Oscal => render::pretty_json(&render::oscal::assessment_results(
            &scan,
            &render::oscal::inputs(&scan),
            &at,
        )),
    };
    deliver(view, |w| w.write_all(text.as_bytes()))?;
    Ok(finish(scan, &gate, view.quiet))
}

fn evidence(
    mut args: ScanArgs,
    out: &std::path::Path,
    force: bool,
    sign_key: Option<&std::path::Path>,
    include_inputs: bool,
) -> anyhow::Result<u8> {
    let _stdin = StdinFile::take(&mut args.paths)?;
    let key = sign_key.map(|k| signing_key(k, out)).transpose()?;
    prepare_out(out, force)?;
    let gate = args.gate()?;
    let scan = run_scan(args.options()?, false)?;
    if nothing_recognised(&scan, &args) {
        return Ok(2);
    }
    let given = include_inputs.then(|| args.given());
    let manifest = bundle::write_with(&scan, out, &rfc3339(now()), given.as_ref())
        .with_context(|| format!("writing the bundle to {}", out.display()))?;
    let signed = match &key {
        Some(key) => {
            bundle::sign(&scan, out, &manifest, key)
                .with_context(|| format!("signing the bundle in {}", out.display()))?;
            format!(", signed by key {}", key.public().keyid())
        }
        None => String::new(),
    };
    emit(&format!(
        "wrote {} ({} files, {} inputs): verdict {}{signed}\n",
        out.display(),
        manifest.bundle_files.len() + 1 + usize::from(key.is_some()),
        manifest.inputs.len(),
        manifest.verdict
    ))?;
    Ok(finish(scan, &gate, false))
}

fn merge(
    bundles: &[PathBuf],
    out: &std::path::Path,
    force: bool,
    key: Option<&std::path::Path>,
    sign_key: Option<&std::path::Path>,
) -> anyhow::Result<u8> {
    let key = key
        .map(attest::PublicKey::read)
        .transpose()
        .context("--key")?;
    let signer = sign_key.map(|k| signing_key(k, out)).transpose()?;
    let merged = tlsproof::merge::merge(bundles, key.as_ref())?;
    prepare_out(out, force)?;
    let manifest = bundle::write_parts(&merged.scan, merged.parts, out, &rfc3339(now()), None)
        .with_context(|| format!("writing the bundle to {}", out.display()))?;
    let signed = match &signer {
        Some(signer) => {
            bundle::sign(&merged.scan, out, &manifest, signer)
                .with_context(|| format!("signing the bundle in {}", out.display()))?;
            format!(", signed by key {}", signer.public().keyid())
        }
        None => String::new(),
    };
    emit(&format!(
        "wrote {}: {} bundle(s) of {} repository(ies) merged, {} results: verdict {}{signed}\n",
        out.display(),
        merged.bundles,
        merged.repositories,
        merged.scan.report.results.len(),
        manifest.verdict
    ))?;
    Ok(gated_exit(
        &merged.scan.report,
        &tlsproof::results::Gate::default(),
        false,
    ))
}

/// The signing key, read before the scan so that a bad key fails fast. A key inside the bundle
/// directory is refused: the private key never enters a bundle.
fn signing_key(key: &std::path::Path, out: &std::path::Path) -> anyhow::Result<attest::SigningKey> {
    let inside = match (key.canonicalize(), out.canonicalize()) {
        (Ok(k), Ok(o)) => k.starts_with(o),
        _ => false,
    };
    if inside {
        anyhow::bail!(
            "--sign-key {}: the private key is inside --out {}; keep it out of the bundle",
            key.display(),
            out.display()
        );
    }
    attest::SigningKey::read(key).context("--sign-key")
}

/// A bundle goes to a new or empty directory. With `force`, the bundle already there (its
/// manifest, its attestation and the files the manifest lists) is removed first; any other
/// file stays, and `verify` will name it.
fn prepare_out(out: &std::path::Path, force: bool) -> anyhow::Result<()> {
    let entries = match std::fs::read_dir(out) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("--out {}", out.display()))),
    };
    if entries.count() == 0 {
        return Ok(());
    }
    if !force {
        anyhow::bail!(
            "--out {}: the directory is not empty; a bundle is written to a new or empty directory (--force replaces the bundle there)",
            out.display()
        );
    }
    let manifest = out.join("manifest.json");
    let listed: Vec<String> = std::fs::read(&manifest)
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|m| {
            m["bundle_files"].as_array().map(|files| {
                files
                    .iter()
                    .filter_map(|f| f["path"].as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default();
    for name in listed
        .iter()
        .map(String::as_str)
        .chain(["manifest.json", attest::FILE])
    {
        // Only bundle paths: a manifest cannot direct a removal outside the bundle.
        if !bundle::inputs::is_bundle_path(name) {
            continue;
        }
        match std::fs::remove_file(out.join(name)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(anyhow::Error::new(e)
                    .context(format!("removing {name} from {}", out.display())))
            }
            _ => {}
        }
    }
    Ok(())
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
        Format::Json => emit(&render::lint::json(&lines, file))?,
        Format::Human => emit(&render::lint::human(
            &lines,
            scan.report.exceptions.len(),
            file,
        ))?,
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
        timeout: timeout_of(args.timeout)?,
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
        ))?,
        Format::Human => emit(&render::probe::human(&probes))?,
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
