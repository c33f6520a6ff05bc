//! The pipeline, end to end: discover → ingest → normalize → evaluate → results.
//!
//! Input: paths and options. Output: a [`Scan`] holding the source map, the model the policies
//! saw and the canonical [`Report`]. Nothing here prints; the clock is not read here either.

use crate::config::Config;
use crate::diag::{Finding, FindingKind};
use crate::discover;
use crate::exceptions;
use crate::ingest::{self, Declared};
use crate::model::{Model, SourceInfo};
use crate::policy::{self, PolicySet};
use crate::requirements::Registry;
use crate::results::{self, Report, ToolRecord};
use crate::schema::{self, Contract};
use crate::source::SourceMap;
use std::path::{Path, PathBuf};

/// What the user asked for. Command-line values override `tlsproof.toml`.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    pub profile: Option<String>,
    pub environment: Option<String>,
    pub nginx_version: Option<String>,
    pub caddy_version: Option<String>,
    pub traefik_version: Option<String>,
    pub policies_dir: Option<PathBuf>,
    /// The time certificates are judged at, RFC 3339 (`--at`; the CLI passes the clock or
    /// `SOURCE_DATE_EPOCH` otherwise). None: validity dates are not judged.
    pub at: Option<String>,
    /// The claims file (`--exceptions`); default: `tlsproof-exceptions.yaml` at the scan root.
    pub exceptions_file: Option<PathBuf>,
    /// Requirements no waiver may cover (`--strict`), added to `[exceptions] non_waivable`.
    pub non_waivable: Vec<String>,
    /// Days before a claim's expiry from which it is reported (overrides `[exceptions] warn_days`).
    pub warn_days: Option<u32>,
    /// Extra trusted CA files (`--ca-file`), added to `tlsproof.toml [trust] ca_files`.
    pub ca_files: Vec<PathBuf>,
}

/// A finished scan.
#[derive(Debug)]
pub struct Scan {
    pub map: SourceMap,
    /// The claims file read, as displayed, when there was one.
    pub exceptions_file: Option<String>,
    /// The warning window for expiring claims, in days.
    pub warn_days: u32,
    pub model: Model,
    pub model_json: serde_json::Value,
    pub report: Report,
    pub policies: PolicySet,
    /// The requirements the policies define.
    pub registry: Registry,
    /// The scanned roots as given.
    pub roots: Vec<String>,
}

/// Setup and I/O problems that stop a scan (exit code 2).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error(transparent)]
    Discover(#[from] discover::DiscoverError),
    #[error(transparent)]
    Policy(#[from] policy::PolicyError),
    #[error(transparent)]
    Decode(#[from] results::DecodeError),
    #[error(transparent)]
    Trust(#[from] crate::certs::TrustError),
    #[error("{0}")]
    Usage(String),
    #[error("internal error: the {what} does not match its schema:\n  {}", errors.join("\n  "))]
    Contract {
        what: &'static str,
        errors: Vec<String>,
    },
}

const PROFILES: &[&str] = &["msss", "strict"];
const ENVIRONMENTS: &[&str] = &["production", "development", "test", "unknown"];

/// Runs a scan.
pub fn run(opts: &Options) -> Result<Scan, ScanError> {
    if opts.paths.is_empty() {
        return Err(ScanError::Usage("no path to scan".into()));
    }
    // tlsproof.toml is read from the first scanned directory.
    let config_root = opts
        .paths
        .iter()
        .find(|p| p.is_dir())
        .cloned()
        .or_else(|| {
            opts.paths
                .first()
                .and_then(|p| p.parent().map(Path::to_path_buf))
        })
        .unwrap_or_else(|| PathBuf::from("."));
    let config = Config::load(&config_root)?.unwrap_or_default();

    let profile = opts
        .profile
        .clone()
        .or(config.profile.clone())
        .unwrap_or_else(|| "msss".into());
    if !PROFILES.contains(&profile.as_str()) {
        return Err(ScanError::Usage(format!(
            "unknown profile {profile:?}: expected one of {}",
            PROFILES.join(", ")
        )));
    }
    let environment = opts
        .environment
        .clone()
        .or(config.environment.clone())
        .unwrap_or_else(|| "unknown".into());
    if !ENVIRONMENTS.contains(&environment.as_str()) {
        return Err(ScanError::Usage(format!(
            "unknown environment {environment:?}: expected one of {}",
            ENVIRONMENTS.join(", ")
        )));
    }

    let evaluated_at = match &opts.at {
        Some(at) => {
            let t = time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339)
                .map_err(|e| ScanError::Usage(format!("--at {at:?}: not an RFC 3339 time: {e}")))?
                .to_offset(time::UtcOffset::UTC);
            let text = t
                .replace_nanosecond(0)
                .unwrap_or(t)
                .format(&time::format_description::well_known::Rfc3339)
                .map_err(|e| ScanError::Usage(format!("--at {at:?}: {e}")))?;
            Some((text, t.unix_timestamp()))
        }
        None => None,
    };

    // The trust store is read before anything is judged: a missing CA file is a setup error.
    let trust = crate::certs::TrustStore::load(&crate::certs::TrustConfig {
        system: config.trust.system,
        ca_files: config
            .trust
            .ca_files
            .iter()
            .map(|f| (config_root.join(f), f.clone()))
            .chain(
                opts.ca_files
                    .iter()
                    .map(|f| (f.clone(), f.display().to_string())),
            )
            .collect(),
        pins: config.trust.pins.clone(),
    })?;

    let mut policies = PolicySet::builtin();
    if let Some(dir) = &opts.policies_dir {
        policies = policies.with_overrides(dir)?;
    }

    let mut map = SourceMap::new();
    let mut findings: Vec<Finding> = Vec::new();
    let mut candidates = Vec::new();
    let mut unknown = 0;
    let multi = opts.paths.len() > 1;
    let mut roots = Vec::new();
    for path in &opts.paths {
        let prefix = if multi {
            path.to_string_lossy().trim_end_matches('/').to_string()
        } else {
            String::new()
        };
        roots.push(path.display().to_string());
        map.add_display_prefix(&prefix);
        let found = discover::discover(path, &prefix, &config.exclude)?;
        candidates.extend(found.candidates);
        unknown += found.unknown;
        for s in found.skipped {
            findings.push(Finding::new(
                FindingKind::Notice,
                format!("{}: not read: {}", s.display, s.reason),
                None,
            ));
        }
    }

    let declared = Declared {
        nginx_version: opts.nginx_version.clone().or(config.nginx.version.clone()),
        caddy_version: opts.caddy_version.clone().or(config.caddy.version.clone()),
        traefik_version: opts
            .traefik_version
            .clone()
            .or(config.traefik.version.clone()),
        kubernetes: config.kubernetes.clone(),
    };
    // A claims file given with --exceptions inside the scanned tree is not configuration.
    if let Some(claims) = opts
        .exceptions_file
        .as_ref()
        .and_then(|p| p.canonicalize().ok())
    {
        candidates.retain(|c| c.path.canonicalize().ok().as_ref() != Some(&claims));
    }
    let ingested = ingest::ingest(&mut map, &candidates, &declared);
    findings.extend(ingested.findings);
    let claims_file = claims_file(opts, &config_root, &mut map, &mut findings)?;
    if ingested.endpoints.is_empty() && ingested.clients.is_empty() && ingested.red_flags.is_empty()
    {
        findings.push(Finding::new(
            FindingKind::Notice,
            format!(
                "no endpoint found in {} recognised file(s) ({} other file(s) not recognised): nothing was judged",
                map.len(),
                unknown
            ),
            None,
        ));
    }

    let mut model = Model {
        profile,
        environment,
        endpoints: ingested.endpoints,
        red_flags: ingested.red_flags,
        clients: ingested.clients,
        evaluated_at: evaluated_at.as_ref().map(|(text, _)| text.clone()),
        evaluated_at_unix: evaluated_at.as_ref().map(|(_, unix)| *unix),
        ..Model::default()
    };
    for (product, version) in [
        ("nginx", &declared.nginx_version),
        ("caddy", &declared.caddy_version),
        ("traefik", &declared.traefik_version),
    ] {
        if let Some(v) = version {
            model.versions.insert(product.into(), v.clone());
        }
    }
    model.sources = map
        .files()
        .map(|(id, f)| SourceInfo {
            path: f.display.clone(),
            kind: if Some(id) == claims_file {
                "exceptions".into()
            } else {
                ingested
                    .files
                    .get(&id)
                    .map(|(k, _)| k.as_str().to_string())
                    .unwrap_or_else(|| "nginx".into())
            },
            sha256: f.sha256.clone(),
            bytes: f.bytes,
            role: ingested.files.get(&id).map(|(_, r)| r.clone()),
        })
        .collect();
    model.sources.sort_by(|a, b| a.path.cmp(&b.path));
    model.clients.sort_by(|a, b| {
        (&a.span.file, a.span.line, &a.id).cmp(&(&b.span.file, b.span.line, &b.id))
    });
    model.endpoints.sort_by(|a, b| {
        (&a.span.file, a.span.line, &a.id).cmp(&(&b.span.file, b.span.line, &b.id))
    });

    findings.extend(crate::certs::enrich(
        &map,
        &opts.paths,
        &trust,
        &ingested.tls_secrets,
        &mut model,
    ));
    // The evaluation time is an input only when a certificate's dates are judged: without
    // certificate facts, two scans of the same files at different times give the same model
    // (evidence bundles differ only in `created_at`).
    if model.certificates.is_empty() && claims_file.is_none() {
        model.evaluated_at = None;
        model.evaluated_at_unix = None;
        model.trust = None;
    }

    // Exception claims are checked against the model before the policies run, so that the
    // model the policies see (and the bundle keeps) holds every claim with its outcome.
    let registry = policies.registry()?;
    let claim_policy = exceptions::Policy {
        max_days: config
            .exceptions
            .max_exception_days
            .unwrap_or(exceptions::DEFAULT_MAX_DAYS),
        warn_days: opts
            .warn_days
            .or(config.exceptions.warn_days)
            .unwrap_or(exceptions::DEFAULT_WARN_DAYS),
        non_waivable: non_waivable(opts, &config, &registry)?,
        requirements: registry.clone(),
    };
    let (claims, mut claim_records) = match claims_file {
        Some(id) => {
            let loaded = exceptions::load(&map, id, &claim_policy);
            let today = evaluated_at.as_ref().and_then(|(_, unix)| {
                time::OffsetDateTime::from_unix_timestamp(*unix)
                    .ok()
                    .map(|t| t.date())
            });
            let records = exceptions::verify::verify(&loaded, &model, today, &claim_policy);
            (loaded, records)
        }
        None => (exceptions::Loaded::default(), Vec::new()),
    };
    model.exceptions = claim_records.clone();

    let model_json = serde_json::to_value(&model).map_err(|e| ScanError::Contract {
        what: "model",
        errors: vec![e.to_string()],
    })?;
    schema::validate(Contract::TlsModel, &model_json).map_err(|errors| ScanError::Contract {
        what: "model",
        errors,
    })?;

    let raw = policy::evaluate(&policies, &registry, &model_json)?;
    let mut results_list = raw
        .iter()
        .map(|r| results::decode(&map, r))
        .collect::<Result<Vec<_>, _>>()?;
    let mut finding_records = results::finding_records(&map, &findings);
    if claims_file.is_some() {
        finding_records.extend(exceptions::apply::apply(
            &map,
            &claims,
            &mut claim_records,
            &mut results_list,
            claim_policy.warn_days,
        ));
    }
    results::sort(&mut results_list);
    let verdict = results::verdict(&results_list, &finding_records);
    let summary = results::summarize(
        &results_list,
        model.endpoints.len(),
        model.sources.len(),
        unknown,
    );
    let report = Report {
        control: results::CONTROL.into(),
        title: results::CONTROL_TITLE.into(),
        verdict,
        profile: model.profile.clone(),
        environment: model.environment.clone(),
        tool: ToolRecord {
            name: "tlsproof".into(),
            version: env!("CARGO_PKG_VERSION").into(),
            policy_digest: policies.digest(),
        },
        summary,
        results: results_list,
        findings: finding_records,
        exceptions: claim_records,
    };
    let report_json = serde_json::to_value(&report).map_err(|e| ScanError::Contract {
        what: "result record",
        errors: vec![e.to_string()],
    })?;
    schema::validate(Contract::Results, &report_json).map_err(|errors| ScanError::Contract {
        what: "result record",
        errors,
    })?;

    Ok(Scan {
        exceptions_file: claims.file.clone(),
        warn_days: claim_policy.warn_days,
        map,
        model,
        model_json,
        report,
        policies,
        registry,
        roots,
    })
}

/// Registers the claims file: `--exceptions FILE` (which must exist), else
/// `tlsproof-exceptions.yaml` at the scan root when present.
fn claims_file(
    opts: &Options,
    config_root: &Path,
    map: &mut SourceMap,
    findings: &mut Vec<Finding>,
) -> Result<Option<crate::source::FileId>, ScanError> {
    let (path, display) = match &opts.exceptions_file {
        Some(p) => {
            if !p.is_file() {
                return Err(ScanError::Usage(format!(
                    "--exceptions {}: no such file",
                    p.display()
                )));
            }
            let display = p
                .strip_prefix(config_root)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_else(|_| p.display().to_string());
            (p.clone(), display)
        }
        None => {
            let p = config_root.join(exceptions::FILE_NAME);
            if !p.is_file() {
                return Ok(None);
            }
            let display = match opts.paths.len() {
                1 => exceptions::FILE_NAME.to_string(),
                _ => format!(
                    "{}/{}",
                    config_root.to_string_lossy().trim_end_matches('/'),
                    exceptions::FILE_NAME
                ),
            };
            (p, display)
        }
    };
    Ok(ingest::read_file(map, &path, display, findings, None))
}

/// `--strict` and `[exceptions] non_waivable`, checked against the requirement ids.
fn non_waivable(
    opts: &Options,
    config: &Config,
    registry: &Registry,
) -> Result<Vec<String>, ScanError> {
    let known = registry.ids();
    let mut out = Vec::new();
    for r in config
        .exceptions
        .non_waivable
        .iter()
        .chain(&opts.non_waivable)
    {
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
