//! Stage 1 — option resolution: what the user asked for (command line over `tlsproof.toml` over the
//! defaults), checked and typed once before any stage runs.
//!
//! Input: [`Options`]. Output: [`Settings`] — the profile, environment and evaluation time as
//! types, the declared product versions, the trust store, the policy set and the rules for
//! exception claims; then [`Settings::judging`], the requirement registry the compiled policies
//! define and the claims' rules checked against it (the pipeline makes it while it reads the
//! configuration, and waits for it before any claim is read or endpoint judged). A bad value is
//! a usage error here (exit 2), never a surprise in a later stage.

use crate::certs::{TrustConfig, TrustStore};
use crate::config::Config;
use crate::exceptions;
use crate::ingest::Declared;
use crate::pipeline::ScanError;
use crate::policy::PolicySet;
use crate::requirements::Registry;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The requirement set judged.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The control as written.
    #[default]
    Msss,
    /// The control plus the profile add-ons (PROFILE-HSTS).
    Strict,
}

/// What the scanned deployment is, as declared (claims and some verdicts depend on it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Production,
    Development,
    Test,
    /// Not declared.
    #[default]
    Unknown,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Msss => "msss",
            Profile::Strict => "strict",
        }
    }
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Production => "production",
            Environment::Development => "development",
            Environment::Test => "test",
            Environment::Unknown => "unknown",
        }
    }
}

/// Parses an RFC 3339 time (`2027-01-01T00:00:00Z`) to UTC, whole seconds.
pub fn parse_time(text: &str) -> Result<OffsetDateTime, String> {
    let t = OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| format!("not an RFC 3339 time (e.g. 2027-01-01T00:00:00Z): {e}"))?
        .to_offset(time::UtcOffset::UTC);
    Ok(t.replace_nanosecond(0).unwrap_or(t))
}

/// What the user asked for. Command-line values override `tlsproof.toml`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub profile: Option<Profile>,
    pub environment: Option<Environment>,
    pub nginx_version: Option<String>,
    pub caddy_version: Option<String>,
    pub traefik_version: Option<String>,
    pub policies_dir: Option<PathBuf>,
    /// The time certificates and claims are judged at (`--at`; the command line passes the
    /// clock or `SOURCE_DATE_EPOCH` otherwise). None: validity dates are not judged.
    pub at: Option<OffsetDateTime>,
    /// The claims file (`--exceptions`); default: `tlsproof-exceptions.yaml` at the scan root.
    pub exceptions_file: Option<PathBuf>,
    /// Requirements no waiver may cover (`--strict`), added to `[exceptions] non_waivable`.
    pub non_waivable: Vec<String>,
    /// Days before a claim's expiry from which it is reported (overrides `[exceptions] warn_days`).
    pub warn_days: Option<u32>,
    /// Extra trusted CA files (`--ca-file`), added to `tlsproof.toml [trust] ca_files`.
    pub ca_files: Vec<PathBuf>,
    /// Probe the in-scope endpoints live (`--probe`): None keeps the scan offline.
    pub probe: Option<crate::probe::checks::Options>,
    /// Globs of paths left out (`--exclude`), added to `tlsproof.toml`'s `exclude`.
    pub exclude: Vec<String>,
    /// Where the scan is, for a progress line (none: nobody is watching).
    pub progress: Option<std::sync::Arc<crate::progress::Progress>>,
    /// Results files of testssl.sh or sslyze to judge as observations (`--observations`).
    pub observations: Vec<PathBuf>,
    /// A recorded run replayed from its bundle (`tlsproof replay`): none for a new scan.
    pub replaying: Option<Replaying>,
    /// Judge only this part of the work (`--shard K/N`); None judges all of it.
    pub shard: Option<crate::shard::Shard>,
    /// The name the record gives the scanned repository (`--repository`); None: the `origin`
    /// remote of the git repository holding the first root, when there is one.
    pub repository: Option<String>,
}

/// What a replayed scan takes from the recorded run instead of from this machine: the files
/// are read from a copy, but shown, dated and judged as the recorded run showed, dated and
/// judged them.
#[derive(Debug, Clone)]
pub struct Replaying {
    /// The scanned roots as the recorded run named them, one per path of `Options::paths`.
    pub roots: Vec<String>,
    /// The commit the recorded run scanned.
    pub git_commit: Option<String>,
    /// How the recorded run named each `--ca-file`, one per path of `Options::ca_files`.
    pub ca_files: Vec<String>,
    /// How the recorded run named each `--observations` file, one per path of
    /// `Options::observations`.
    pub observations: Vec<String>,
    /// The recorded policy files, overrides included.
    pub policies: PolicySet,
    /// How many files the recorded scan found and did not recognise: the bundle does not hold
    /// them, so the record's count stands.
    pub files_unknown: usize,
}

/// The evaluation time, as the model and the claims see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvaluatedAt {
    /// RFC 3339, UTC, whole seconds.
    pub text: String,
    pub unix: i64,
    pub date: time::Date,
}

/// Everything a scan needs besides the files, resolved and checked.
#[derive(Debug)]
pub struct Settings {
    /// Where `tlsproof.toml` and the default claims file are looked for: the scanned folder,
    /// or the nearest folder above it, up to the repository root, that holds either.
    pub config_root: PathBuf,
    /// The scanned folder relative to `config_root` (`deploy/nginx`), when the project's
    /// settings were found above it: `tlsproof.toml`'s globs and the claims' `scope.file` are
    /// written relative to the project, so scanned paths are matched with this prefix.
    pub scan_offset: Option<String>,
    /// `--exclude` globs, relative to the scanned folder (`config.exclude` holds the project's).
    pub exclude_given: Vec<String>,
    pub config: Config,
    pub profile: Profile,
    pub environment: Environment,
    pub evaluated_at: Option<EvaluatedAt>,
    pub declared: Declared,
    pub trust: TrustStore,
    pub policies: PolicySet,
    /// The rules for exception claims, but for the requirements ([`Settings::judging`]).
    claim_rules: ClaimRules,
    /// The repository name given (`--repository`).
    pub repository: Option<String>,
}

/// The rules for exception claims as resolved before the policies compile: the requirements
/// named non-waivable are checked against the registry by [`Settings::judging`].
#[derive(Debug)]
struct ClaimRules {
    max_days: u32,
    warn_days: u32,
    non_waivable: Vec<String>,
    file_prefix: Option<String>,
}

/// What judging needs of the compiled policies: the requirement registry, and the rules for
/// exception claims with the requirements they may cover.
#[derive(Debug)]
pub struct Judging {
    pub registry: Registry,
    pub claims: exceptions::Policy,
}

impl Settings {
    /// Resolves `opts` over `tlsproof.toml` (read from the first scanned directory).
    pub fn resolve(opts: &Options) -> Result<Settings, ScanError> {
        if opts.paths.is_empty() {
            return Err(ScanError::Usage("no path to scan".into()));
        }
        let scanned = scanned_folder(&opts.paths);
        let (config_root, scan_offset) = match project_root(&scanned) {
            Some((root, offset)) => (root, Some(offset)),
            None => (scanned, None),
        };
        let config = Config::load(&config_root)?.unwrap_or_default();
        let evaluated_at = opts.at.map(evaluated_at).transpose()?;
        let trust = trust_store(opts, &config, &config_root)?;
        let policies = match &opts.replaying {
            Some(r) => r.policies.clone(),
            None => {
                let builtin = PolicySet::builtin();
                match &opts.policies_dir {
                    Some(dir) => builtin.with_overrides(dir)?,
                    None => builtin,
                }
            }
        };
        let claim_rules = ClaimRules {
            max_days: config
                .exceptions
                .max_exception_days
                .unwrap_or(exceptions::DEFAULT_MAX_DAYS),
            warn_days: opts
                .warn_days
                .or(config.exceptions.warn_days)
                .unwrap_or(exceptions::DEFAULT_WARN_DAYS),
            non_waivable: config
                .exceptions
                .non_waivable
                .iter()
                .chain(&opts.non_waivable)
                .cloned()
                .collect(),
            file_prefix: scan_offset.clone(),
        };
        Ok(Settings {
            profile: opts.profile.or(config.profile).unwrap_or_default(),
            environment: opts.environment.or(config.environment).unwrap_or_default(),
            declared: declared(opts, &config),
            config_root,
            scan_offset,
            exclude_given: opts.exclude.clone(),
            repository: opts.repository.clone(),
            config,
            evaluated_at,
            trust,
            policies,
            claim_rules,
        })
    }

    /// The requirement registry and the rules for exception claims. This compiles the
    /// policies, which takes a while: the pipeline makes it on another core while it reads
    /// the configuration. Once the registry is made, the engine of a second evaluation worker
    /// starts compiling too ([`PolicySet::compile_spare`]).
    pub fn judging(&self) -> Result<Judging, ScanError> {
        let registry = self.policies.registry()?;
        self.policies.compile_spare();
        let rules = &self.claim_rules;
        let claims = exceptions::Policy {
            max_days: rules.max_days,
            warn_days: rules.warn_days,
            non_waivable: non_waivable(&rules.non_waivable, &registry)?,
            requirements: registry.clone(),
            file_prefix: rules.file_prefix.clone(),
        };
        Ok(Judging { registry, claims })
    }

    /// How many days before a claim expires it is warned about.
    pub fn warn_days(&self) -> u32 {
        self.claim_rules.warn_days
    }
}

/// The names that mark a folder as the project's: its settings or its claims.
const PROJECT_FILES: [&str; 2] = [crate::config::FILE_NAME, exceptions::FILE_NAME];

/// When `scanned` is inside a git repository and holds neither `tlsproof.toml` nor the claims
/// file, the nearest folder above it (up to the repository root) that holds one, with the path
/// of `scanned` relative to it. Like `.gitignore`-aware tools, the walk never leaves the
/// repository: outside one, or when no folder up to its root holds either file, only the
/// scanned folder counts.
fn project_root(scanned: &Path) -> Option<(PathBuf, String)> {
    let holds_project_file = |dir: &Path| PROJECT_FILES.iter().any(|f| dir.join(f).is_file());
    if holds_project_file(scanned) {
        return None;
    }
    let start = scanned.canonicalize().ok()?;
    let repository = start.ancestors().find(|d| d.join(".git").exists())?;
    let mut offset: Vec<String> = Vec::new();
    for (dir, below) in start.ancestors().skip(1).zip(start.ancestors()) {
        offset.push(below.file_name()?.to_string_lossy().into_owned());
        if holds_project_file(dir) {
            offset.reverse();
            return Some((relative_to(scanned, offset.len()), offset.join("/")));
        }
        if dir == repository {
            break;
        }
    }
    None
}

/// `scanned` followed by `levels` times `..`, kept relative when `scanned` is, so that
/// displayed paths stay short.
fn relative_to(scanned: &Path, levels: usize) -> PathBuf {
    let mut p = scanned.to_path_buf();
    for _ in 0..levels {
        p.push("..");
    }
    p
}

/// The first scanned directory, else the folder of the first scanned file.
fn scanned_folder(paths: &[PathBuf]) -> PathBuf {
    paths
        .iter()
        .find(|p| p.is_dir())
        .cloned()
        .or_else(|| {
            paths
                .first()
                .and_then(|p| p.parent())
                .filter(|p| !p.as_os_str().is_empty())
                .map(Path::to_path_buf)
        })
        .unwrap_or_else(|| PathBuf::from("."))
}

fn evaluated_at(t: OffsetDateTime) -> Result<EvaluatedAt, ScanError> {
    let t = t.to_offset(time::UtcOffset::UTC);
    let t = t.replace_nanosecond(0).unwrap_or(t);
    let text = t
        .format(&Rfc3339)
        .map_err(|e| ScanError::Usage(format!("--at: {e}")))?;
    Ok(EvaluatedAt {
        text,
        unix: t.unix_timestamp(),
        date: t.date(),
    })
}

/// The trust store is read before anything is judged: a missing CA file is a setup error.
fn trust_store(opts: &Options, config: &Config, root: &Path) -> Result<TrustStore, ScanError> {
    // The command line may name any file; a scanned tree only its own.
    let canonical_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    for f in &config.trust.ca_files {
        let path = root.join(f);
        if path.exists()
            && !crate::source::resolves_inside(&path, std::slice::from_ref(&canonical_root))
        {
            return Err(crate::certs::TrustError::CaFile {
                path: f.clone(),
                reason: "it lies outside the scanned tree, and tlsproof.toml names files inside it only (name it with --ca-file)".into(),
            }
            .into());
        }
    }
    let from_config = config
        .trust
        .ca_files
        .iter()
        .map(|f| (root.join(f), f.clone()));
    let recorded = opts.replaying.as_ref().map(|r| r.ca_files.as_slice());
    let from_flags = opts.ca_files.iter().enumerate().map(|(i, f)| {
        let named = recorded.and_then(|names| names.get(i)).cloned();
        (f.clone(), named.unwrap_or_else(|| f.display().to_string()))
    });
    Ok(TrustStore::load(&TrustConfig {
        system: config.trust.system,
        ca_files: from_config.chain(from_flags).collect(),
        pins: config.trust.pins.clone(),
    })?)
}

fn declared(opts: &Options, config: &Config) -> Declared {
    Declared {
        nginx_version: opts.nginx_version.clone().or(config.nginx.version.clone()),
        caddy_version: opts.caddy_version.clone().or(config.caddy.version.clone()),
        traefik_version: opts
            .traefik_version
            .clone()
            .or(config.traefik.version.clone()),
        kubernetes: config.kubernetes.clone(),
    }
}

/// `--strict` and `[exceptions] non_waivable`, checked against the requirement ids.
fn non_waivable(asked: &[String], registry: &Registry) -> Result<Vec<String>, ScanError> {
    let known = registry.ids();
    let mut out = Vec::new();
    for r in asked {
        let id = r.trim().to_ascii_uppercase();
        if id == "ALL" {
            out.extend(known.iter().map(|k| k.to_string()));
        } else if known.contains(&id.as_str()) {
            out.push(id);
        } else {
            return Err(ScanError::Usage(format!(
                "non-waivable requirement {r:?} is not one of {}",
                known.join(", ")
            )));
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}
