//! The pipeline, stage by stage: resolve options → discover → ingest → assemble the model →
//! enrich (certificates, exception claims) → evaluate the policies → the result record.
//!
//! Input: [`Options`]. Output: a [`Scan`] holding the source map, the model the policies saw
//! and the canonical [`Report`]. Nothing here prints; the clock is not read here either.

use crate::diag::{Finding, FindingKind};
use crate::discover;
use crate::exceptions::{self, ClaimRecord, Loaded};
use crate::ingest::{self, Candidate, Ingested};
use crate::link;
use crate::model::{Model, SourceInfo};
use crate::policy::{self, PolicySet};
use crate::requirements::Registry;
use crate::results::{self, Report, ToolRecord};
use crate::schema::{self, Contract};
use crate::settings::{Judging, Settings};
use crate::source::{FileId, SourceMap};
use std::path::Path;

pub use crate::settings::Options;

/// A finished scan.
#[derive(Debug)]
pub struct Scan {
    pub map: SourceMap,
    /// The claims file read, as displayed, when there was one.
    pub exceptions_file: Option<String>,
    /// The warning window for expiring claims, in days.
    pub warn_days: u32,
    pub model: Model,
    pub report: Report,
    pub policies: PolicySet,
    /// The requirements the policies define.
    pub registry: Registry,
    /// The scanned roots as given.
    pub roots: Vec<String>,
}

impl Scan {
    /// The model as a JSON document (the policies' input, as `model.json` shows it), made on
    /// demand: the scan itself never holds it.
    pub fn model_json(&self) -> serde_json::Value {
        serde_json::to_value(&self.model).unwrap_or(serde_json::Value::Null)
    }
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
    #[error("internal error: {0}")]
    Internal(String),
    #[error("internal error: the {what} does not match its schema:\n  {}", errors.join("\n  "))]
    Contract {
        what: &'static str,
        errors: Vec<String>,
    },
}

/// Runs a scan: one call per stage, in order. The policies compile on another core while the
/// configuration is discovered and parsed: only the claims and the judging need them.
pub fn run(opts: &Options) -> Result<Scan, ScanError> {
    if let Some(p) = &opts.progress {
        p.enter("discovering", None, None);
    }
    let settings = Settings::resolve(opts)?;
    std::thread::scope(|scope| {
        let compiling = scope.spawn(|| settings.judging());
        scan(opts, &settings, || {
            compiling.join().unwrap_or_else(|_| {
                Err(ScanError::Internal(
                    "compiling the policies stopped unexpectedly".into(),
                ))
            })
        })
    })
}

/// The stages after the settings; `judging` gives the compiled policies' registry and the
/// claims' rules, waiting for them if need be.
fn scan(
    opts: &Options,
    settings: &Settings,
    judging: impl FnOnce() -> Result<Judging, ScanError>,
) -> Result<Scan, ScanError> {
    let progress = |stage, files, endpoints| {
        if let Some(p) = &opts.progress {
            p.enter(stage, files, endpoints);
        }
    };
    let mut map = SourceMap::new();
    // The configuration found under the roots shares one budget of bytes; the files named on
    // the command line or beside it (claims, observations, CA files) have their own limits.
    map.set_budget(Some(settings.config.limits.max_scan_bytes()));
    let mut findings: Vec<Finding> = Vec::new();
    let found = discover_all(opts, settings, &mut map, &mut findings)?;
    progress("parsing", Some(found.candidates.len()), None);
    let mut ingested = ingest::ingest(&mut map, &found.candidates, &settings.declared);
    map.set_budget(None);
    progress(
        "validating certificates",
        None,
        Some(ingested.endpoints.len()),
    );
    link::link(&mut ingested.endpoints);
    findings.append(&mut ingested.findings);
    let claims_file = claims_file(opts, settings, &mut map, &mut findings)?;
    let imports = observation_files(opts, &settings.config_root, &mut map, &mut findings)?;
    let settings_file = settings_file(opts, settings, &mut map, &mut findings);
    findings.extend(project_files_notice(
        settings,
        &map,
        &[settings_file, claims_file],
    ));
    if ingested.endpoints.is_empty() && ingested.clients.is_empty() && ingested.red_flags.is_empty()
    {
        let beside = usize::from(claims_file.is_some())
            + usize::from(settings_file.is_some())
            + imports.len();
        findings.push(nothing_judged(
            map.len().saturating_sub(beside),
            found.unknown,
        ));
    }
    findings.extend(not_utf8(&map));
    let imported_ids: Vec<FileId> = imports.iter().map(|i| i.0).collect();
    let read = ReadBeside {
        claims: claims_file,
        settings: settings_file,
        observations: imported_ids,
    };
    let mut model = assemble(settings, &map, &mut ingested, &read);
    findings.extend(crate::certs::enrich(
        &map,
        &opts.paths,
        &settings.trust,
        &ingested.tls_secrets,
        &mut model,
    ));
    if opts.probe.is_some() || !imports.is_empty() {
        let time = model.evaluated_at_unix.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
                .unwrap_or(0)
        });
        if let Some(probe) = &opts.probe {
            progress("probing", None, None);
            findings.extend(crate::observe::observe(
                &mut model,
                &settings.trust,
                probe,
                time,
            ));
        }
        let imports: Vec<_> = imports.into_iter().map(|(_, path, i)| (path, i)).collect();
        findings.extend(crate::observe::import(
            &mut model,
            &imports,
            &settings.trust,
            time,
        ));
        findings.extend(crate::observe::drift(&map, &model));
    }
    model.index_suites();
    forget_unused_clock(&mut model, claims_file.is_some());
    let Judging {
        registry,
        claims: claims_policy,
    } = judging()?;
    let read_claims = || {
        claims_file
            .map(|id| exceptions::load(&map, id, &claims_policy))
            .unwrap_or_default()
    };
    let judge = |model: &Model| {
        let values = results::SharedValues::default();
        policy::evaluate(&settings.policies, &registry, model, |value| {
            results::decode(&map, &values, value).map_err(ScanError::from)
        })
    };
    let (claims, records, judged, units) = match opts.shard {
        // A shard judges its units only. The units are found in the whole model and its checked
        // claims, so that every shard cuts the same way: the claims first, then the judging.
        Some(shard) => {
            progress("reading claims", None, None);
            let claims = read_claims();
            progress("checking claims", None, None);
            let mut records = check_claims(settings, &claims_policy, &model, &claims);
            let units = crate::shard::Units::of(&model, &records);
            crate::shard::keep(shard, &units, &mut model, &mut records);
            progress("judging", None, None);
            let judged = judge(&model)?;
            (claims, records, judged, Some((shard, units)))
        }
        None if claims_file.is_none() => {
            progress("judging", None, None);
            let judged = judge(&model)?;
            (Loaded::default(), Vec::new(), judged, None)
        }
        // The claims are read and checked while the policies judge: the policies do not read
        // them (they are applied to the results afterwards), and the claims' work, on one
        // core, shares both cores with the judging instead of following it.
        None => {
            progress("judging and checking claims", None, None);
            let (checked, judged) = std::thread::scope(|scope| {
                let checking = scope.spawn(|| {
                    let claims = read_claims();
                    let records = check_claims(settings, &claims_policy, &model, &claims);
                    (claims, records)
                });
                let judged = judge(&model);
                (checking.join(), judged)
            });
            let (claims, records) = checked.map_err(|_| {
                ScanError::Internal("checking the exception claims stopped unexpectedly".into())
            })?;
            (claims, records, judged?, None)
        }
    };
    model.exceptions = records.clone();
    if cfg!(debug_assertions) {
        // The model's schema is the policies' contract: every model the tests make is checked
        // against it, and a release build, which cannot break it, skips the cost.
        progress("checking the model", None, None);
        checked(Contract::TlsModel, "model", &model)?;
    }
    progress("recording", None, None);
    let mut report = record(
        settings,
        &map,
        &model,
        judged,
        &findings,
        (&claims, records),
        (found.unknown, &found.roots, &found.git_commit),
    )?;
    if let Some((shard, units)) = &units {
        // The findings of the units other shards judge are theirs to report.
        report.scope.shard = Some(*shard);
        report.findings.retain(|f| units.finding_in(*shard, f));
        report.rejudge(&model.endpoints.iter().map(|e| e.id.as_str()).collect());
        check_record(&mut report)?;
    }
    progress("done", None, None);
    Ok(Scan {
        exceptions_file: claims.file.clone(),
        warn_days: settings.warn_days(),
        map,
        model,
        report,
        policies: settings.policies.clone(),
        registry,
        roots: found.roots,
    })
}

/// A notice for every file read that is not UTF-8, at its first such byte: the text is judged
/// and shown with U+FFFD in place of those bytes, which a reader should know when a name or a
/// value holds one.
fn not_utf8(map: &SourceMap) -> Vec<Finding> {
    map.files()
        .filter_map(|(id, f)| {
            let at = f.invalid_utf8?;
            let message = format!(
                "{}: not valid UTF-8 from this line on: the bytes that are not are judged and shown as U+FFFD",
                f.display
            );
            let span = crate::source::Span {
                file: id,
                start: at,
                end: at,
            };
            Some(Finding::new(FindingKind::Notice, message, Some(span)))
        })
        .collect()
}

/// What discovery found under every scanned path.
struct Found {
    candidates: Vec<Candidate>,
    unknown: usize,
    /// The scanned roots as given.
    roots: Vec<String>,
    /// The commit of the repository holding the first root.
    git_commit: Option<String>,
}

/// Discovers the files under every path; with several paths, each file is displayed with its
/// root as a prefix. A claims file given with `--exceptions` inside the tree is not
/// configuration.
fn discover_all(
    opts: &Options,
    settings: &Settings,
    map: &mut SourceMap,
    findings: &mut Vec<Finding>,
) -> Result<Found, ScanError> {
    let mut found = Found {
        candidates: Vec::new(),
        unknown: 0,
        roots: Vec::new(),
        git_commit: None,
    };
    let multi = opts.paths.len() > 1;
    for (i, path) in opts.paths.iter().enumerate() {
        let shown = opts
            .replaying
            .as_ref()
            .and_then(|r| r.roots.get(i).cloned())
            .unwrap_or_else(|| path.display().to_string());
        let prefix = if multi {
            shown.trim_end_matches('/').to_string()
        } else {
            String::new()
        };
        found.roots.push(shown);
        map.add_display_prefix(&prefix);
        let exclude = discover::Exclusions {
            project: &settings.config.exclude,
            offset: settings.scan_offset.as_deref(),
            given: &settings.exclude_given,
        };
        let d = discover::discover(path, &prefix, exclude)?;
        found.candidates.extend(d.candidates);
        found.unknown += d.unknown;
        findings.extend(d.skipped.into_iter().map(|s| {
            let message = format!("{}: not read: {}", s.display, s.reason);
            Finding::new(FindingKind::Notice, message, None)
        }));
    }
    found.git_commit = match &opts.replaying {
        Some(r) => r.git_commit.clone(),
        None => found
            .roots
            .first()
            .and_then(|r| crate::bundle::git_commit(Path::new(r))),
    };
    if let Some(r) = &opts.replaying {
        found.unknown = r.files_unknown;
    }
    if let Some(claims) = opts
        .exceptions_file
        .as_ref()
        .and_then(|p| p.canonicalize().ok())
    {
        found
            .candidates
            .retain(|c| c.path.canonicalize().ok().as_ref() != Some(&claims));
    }
    // Results files given with --observations inside the tree are not configuration either.
    let results: Vec<_> = opts
        .observations
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect();
    if !results.is_empty() {
        found.candidates.retain(|c| {
            c.path
                .canonicalize()
                .map_or(true, |p| !results.contains(&p))
        });
    }
    Ok(found)
}

/// The model from what the formats produced: endpoints, clients and red flags in file order,
/// the declared versions, and every source file with its kind and role.
/// The kinds of input that are not configuration: they do not count as files scanned.
const BESIDE_KINDS: [&str; 3] = ["exceptions", "settings", "observations"];

/// The files a scan reads beside the configuration: they are inputs too, each with its kind.
struct ReadBeside {
    /// The exceptions file.
    claims: Option<FileId>,
    /// `tlsproof.toml`.
    settings: Option<FileId>,
    /// `--observations` files.
    observations: Vec<FileId>,
}

fn assemble(
    settings: &Settings,
    map: &SourceMap,
    ingested: &mut Ingested,
    read: &ReadBeside,
) -> Model {
    let mut model = Model {
        profile: settings.profile.as_str().into(),
        environment: settings.environment.as_str().into(),
        endpoints: std::mem::take(&mut ingested.endpoints),
        red_flags: std::mem::take(&mut ingested.red_flags),
        clients: std::mem::take(&mut ingested.clients),
        evaluated_at: settings.evaluated_at.as_ref().map(|t| t.text.clone()),
        evaluated_at_unix: settings.evaluated_at.as_ref().map(|t| t.unix),
        ..Model::default()
    };
    let declared = &settings.declared;
    for (product, version) in [
        ("nginx", &declared.nginx_version),
        ("caddy", &declared.caddy_version),
        ("traefik", &declared.traefik_version),
    ] {
        if let Some(v) = version {
            model.versions.insert(product.into(), v.clone());
        }
    }
    for format in ingest::FORMATS {
        let present = model
            .endpoints
            .iter()
            .any(|e| e.component == format.component);
        if let (Some(words), true) = (format.words, present) {
            model
                .products
                .insert(format.component.as_str().into(), words.clone());
        }
    }
    model.sources = sources(map, ingested, read);
    model.clients.sort_by(|a, b| {
        (&a.span.file, a.span.line, &a.id).cmp(&(&b.span.file, b.span.line, &b.id))
    });
    model.endpoints.sort_by(|a, b| {
        (&a.span.file, a.span.line, &a.id).cmp(&(&b.span.file, b.span.line, &b.id))
    });
    // The list grew by doubling; the model is held to the end of the scan.
    model.endpoints.shrink_to_fit();
    model
}

fn nothing_judged(recognised: usize, unknown: usize) -> Finding {
    let message = format!(
        "no endpoint found in {recognised} recognised file(s) ({unknown} other file(s) not recognised): nothing was judged"
    );
    Finding::new(FindingKind::Notice, message, None)
}

/// Every file read, with its kind and role, in path order.
fn sources(map: &SourceMap, ingested: &Ingested, read: &ReadBeside) -> Vec<SourceInfo> {
    let mut out: Vec<SourceInfo> = map
        .files()
        .map(|(id, f)| SourceInfo {
            path: f.display.clone(),
            kind: if Some(id) == read.claims {
                "exceptions".into()
            } else if Some(id) == read.settings {
                "settings".into()
            } else if read.observations.contains(&id) {
                "observations".into()
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
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The evaluation time is an input only when a certificate's dates or a claim are judged:
/// without them, two scans of the same files at different times give the same model
/// (evidence bundles differ only in `created_at`).
fn forget_unused_clock(model: &mut Model, has_claims: bool) {
    if model.certificates.is_empty() && !has_claims {
        model.evaluated_at = None;
        model.evaluated_at_unix = None;
        model.trust = None;
    }
}

/// Exception claims are checked against the model before the policies run, so that the model
/// the policies see (and the bundle keeps) holds every claim with its outcome.
fn check_claims(
    settings: &Settings,
    policy: &exceptions::Policy,
    model: &Model,
    claims: &Loaded,
) -> Vec<ClaimRecord> {
    if claims.file.is_none() {
        return Vec::new();
    }
    let today = settings.evaluated_at.as_ref().map(|t| t.date);
    exceptions::verify::verify(claims, model, today, policy)
}

/// `value` as JSON, checked against its schema: a mismatch is a bug of the tool (exit 2).
fn checked<T: serde::Serialize>(
    contract: Contract,
    what: &'static str,
    value: &T,
) -> Result<serde_json::Value, ScanError> {
    let json = serde_json::to_value(value).map_err(|e| ScanError::Contract {
        what,
        errors: vec![e.to_string()],
    })?;
    schema::validate(contract, &json).map_err(|errors| ScanError::Contract { what, errors })?;
    Ok(json)
}

/// The record checked against its schema ([`Report::check_schema`]): a mismatch is a bug of
/// the tool (exit 2).
fn check_record(report: &mut Report) -> Result<(), ScanError> {
    report.check_schema().map_err(|errors| ScanError::Contract {
        what: "result record",
        errors,
    })
}

/// The canonical record: the policies' results with the claims applied, the findings, the
/// verdict and the counts.
fn record(
    settings: &Settings,
    map: &SourceMap,
    model: &Model,
    mut results_list: Vec<results::RequirementResult>,
    findings: &[Finding],
    (claims, mut records): (&Loaded, Vec<ClaimRecord>),
    (unknown, found_roots, git_commit): (usize, &[String], &Option<String>),
) -> Result<Report, ScanError> {
    // Pieces of the input may give the same result (one not about an endpoint): once is
    // enough.
    results::sort(&mut results_list);
    results_list.dedup();
    for r in results_list.iter_mut() {
        if r.status == results::Status::Fail && r.fix.is_none() {
            r.fix = fix_for(r);
        }
    }
    let mut finding_records = results::finding_records(map, findings);
    if claims.file.is_some() {
        let warn_days = settings.warn_days();
        let applied = exceptions::apply::apply(
            map,
            model,
            claims,
            &mut records,
            &mut results_list,
            warn_days,
        );
        finding_records.extend(applied);
    }
    results::sort(&mut results_list);
    let servers = model.endpoints.iter().map(|e| e.id.as_str()).collect();
    let (verdict, verdict_reason) = results::verdict(&results_list, &finding_records, &servers);
    let mut report = Report {
        control: results::CONTROL.into(),
        title: results::CONTROL_TITLE.into(),
        verdict,
        verdict_reason,
        profile: model.profile.clone(),
        environment: model.environment.clone(),
        tool: tool_record(&settings.policies),
        scope: results::ScanScope {
            roots: found_roots.to_vec(),
            exclude: settings
                .config
                .exclude
                .iter()
                .chain(&settings.exclude_given)
                .cloned()
                .collect(),
            versions: model.versions.clone().into_iter().collect(),
            git_commit: git_commit.clone(),
            repository: settings.repository.clone().or_else(|| {
                found_roots
                    .first()
                    .and_then(|r| crate::bundle::git_remote(Path::new(r)))
            }),
            shard: None,
            merged: Vec::new(),
        },
        summary: results::summarize(
            &results_list,
            model.endpoints.len(),
            model
                .sources
                .iter()
                .filter(|s| !BESIDE_KINDS.contains(&s.kind.as_str()))
                .count(),
            unknown,
        ),
        results: results_list,
        findings: finding_records,
        exceptions: records,
        repositories: Vec::new(),
    };
    check_record(&mut report)?;
    Ok(report)
}

/// The fix of a FAIL in its product's terms ([`ingest::Fixes`]): TLS where content is served
/// in plaintext, else what the requirement asks for. Requirements a policy set adds give their
/// own `fix`, or none.
fn fix_for(r: &results::RequirementResult) -> Option<String> {
    let format = ingest::FORMATS
        .iter()
        .find(|f| f.component.as_str() == r.component)?;
    let f = format.fixes;
    let plaintext = r
        .evidence
        .iter()
        .any(|e| e.label.as_deref() == Some("plaintext listen"));
    let text = match r.requirement.as_str() {
        "NET03-TLS" | "NET03-CIPHER" | "NET03-CERT" if plaintext => f.tls,
        "NET03-TLS" => f.protocols,
        "NET03-CIPHER" => f.ciphers,
        "NET03-HTTP" => f.redirect,
        "NET03-VERIFY" => f.verify,
        "NET03-E2E" => f.hop,
        "PROFILE-HSTS" => f.hsts,
        "NET03-CERT" => "a certificate from a CA the clients trust, valid now, naming every server name (a private CA or self-signed certificate: trust it explicitly with --ca-file or [trust] pins)",
        "NET03-TEST" => "make the live endpoint pass the failed tests: each names what it saw, and the requirement that covers it says what to set",
        _ => return None,
    };
    Some(text.to_string())
}

fn tool_record(policies: &PolicySet) -> ToolRecord {
    ToolRecord {
        name: "tlsproof".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        policy_digest: policies.digest(),
        engine: format!("regorus {}", env!("TLSPROOF_REGORUS_VERSION")),
        policies: policy_records(policies),
    }
}

/// The policy files by path, each with its digest and where it came from.
fn policy_records(policies: &PolicySet) -> Vec<results::PolicyRecord> {
    use sha2::Digest;
    let mut records: Vec<results::PolicyRecord> = policies
        .files
        .iter()
        .map(|p| results::PolicyRecord {
            path: p.path.clone(),
            sha256: crate::source::hex(&sha2::Sha256::digest(p.source.as_bytes())),
            bytes: p.source.len() as u64,
            role: match &p.overridden_from {
                Some(from) => format!("override from {from}"),
                None => "built-in".into(),
            },
        })
        .collect();
    records.sort_by(|a, b| a.path.cmp(&b.path));
    records
}

/// Registers the claims file: `--exceptions FILE` (which must exist), else
/// `tlsproof-exceptions.yaml` at the scan root when present.
fn claims_file(
    opts: &Options,
    settings: &Settings,
    map: &mut SourceMap,
    findings: &mut Vec<Finding>,
) -> Result<Option<crate::source::FileId>, ScanError> {
    let (path, display) = match &opts.exceptions_file {
        Some(p) => {
            given_file("--exceptions", p)?;
            let display = p
                .strip_prefix(&settings.config_root)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_else(|_| p.display().to_string());
            (p.clone(), display)
        }
        None => {
            let p = settings.config_root.join(exceptions::FILE_NAME);
            if refused_beside(&p, &settings.config_root, findings) || !p.is_file() {
                return Ok(None);
            }
            (
                p,
                project_file_display(opts, settings, exceptions::FILE_NAME),
            )
        }
    };
    let limit = exceptions::MAX_FILE_BYTES;
    Ok(ingest::read_file_within(
        map,
        (&path, display),
        findings,
        None,
        limit,
    ))
}

/// A file named on the command line must be a regular file that exists.
fn given_file(flag: &str, path: &Path) -> Result<(), ScanError> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => Ok(()),
        Ok(m) => Err(ScanError::Usage(format!(
            "{flag} {}: {}, not a regular file",
            path.display(),
            crate::source::file_type_name(&m.file_type())
        ))),
        Err(_) => Err(ScanError::Usage(format!(
            "{flag} {}: no such file",
            path.display()
        ))),
    }
}

/// Whether a file looked for by name in the configuration root must not be read (not a
/// regular file, or a symlink out of the tree): the finding names it, and nothing of it is read.
fn refused_beside(path: &Path, config_root: &Path, findings: &mut Vec<Finding>) -> bool {
    let Some(reason) = crate::source::refused_at_root(path, config_root) else {
        return false;
    };
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
    findings.push(Finding::new(
        FindingKind::ReadError,
        format!(
            "{}: {reason}; it was not read",
            name.unwrap_or_else(|| path.display().to_string())
        ),
        None,
    ));
    true
}

/// `tlsproof.toml` at the configuration root, registered as an input (its hash goes into the
/// manifest and `verify --inputs` checks it), when there is one.
fn settings_file(
    opts: &Options,
    settings: &Settings,
    map: &mut SourceMap,
    findings: &mut Vec<Finding>,
) -> Option<FileId> {
    let p = settings.config_root.join(crate::config::FILE_NAME);
    if refused_beside(&p, &settings.config_root, findings) || !p.is_file() {
        return None;
    }
    let display = project_file_display(opts, settings, crate::config::FILE_NAME);
    if let Some((id, _)) = map.by_display(&display) {
        return Some(id);
    }
    ingest::read_file(map, &p, display, findings, None)
}

/// How a file of the project root (`tlsproof.toml`, the claims file) is displayed: by its name
/// when the project root is the scanned folder, by its path relative to the scanned folder
/// (`../../tlsproof.toml`) when it was found above it, and prefixed by the root with several
/// scanned paths.
fn project_file_display(opts: &Options, settings: &Settings, name: &str) -> String {
    if let Some(offset) = &settings.scan_offset {
        return format!("{}{name}", "../".repeat(offset.split('/').count()));
    }
    match opts.paths.len() {
        1 => name.to_string(),
        _ => format!(
            "{}/{name}",
            settings.config_root.to_string_lossy().trim_end_matches('/'),
        ),
    }
}

/// Says which project files a scan of a part of the project used, found by walking up.
fn project_files_notice(
    settings: &Settings,
    map: &SourceMap,
    used: &[Option<FileId>],
) -> Option<Finding> {
    let offset = settings.scan_offset.as_ref()?;
    let names: Vec<&str> = used
        .iter()
        .flatten()
        .filter_map(|id| map.get(*id))
        .map(|f| f.display.as_str())
        .collect();
    let first = used.iter().flatten().next().copied()?;
    Some(Finding::new(
        FindingKind::Notice,
        format!(
            "the scanned folder is {offset} of a project whose settings were found by walking \
             up to its root: {} (their globs and claim scopes are relative to that root)",
            names.join(" and ")
        ),
        Some(crate::source::Span::new(first, 0, 0)),
    ))
}

/// Reads and parses every `--observations` file (each must exist): the file joins the inputs
/// (the bundle's manifest hashes it); a file that is not results of testssl.sh or sslyze is a
/// parse error finding naming it, and its results are not judged. Returns each file read with
/// its path as given and what it holds.
fn observation_files(
    opts: &Options,
    config_root: &Path,
    map: &mut SourceMap,
    findings: &mut Vec<Finding>,
) -> Result<Vec<(FileId, String, crate::probe::import::Imported)>, ScanError> {
    let mut out = Vec::new();
    let recorded = opts.replaying.as_ref().map(|r| r.observations.as_slice());
    for (i, p) in opts.observations.iter().enumerate() {
        given_file("--observations", p)?;
        let given = recorded
            .and_then(|names| names.get(i).cloned())
            .unwrap_or_else(|| p.display().to_string());
        let display = p
            .strip_prefix(config_root)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| given.clone());
        let Some(id) = ingest::read_file(map, p, display, findings, None) else {
            continue;
        };
        let Some(file) = map.get(id) else { continue };
        match crate::probe::import::parse(file.text.as_bytes()) {
            Ok(imported) => out.push((id, given, imported)),
            Err(e) => findings.push(Finding::new(
                FindingKind::ParseError,
                format!("{}: not judged as observations: {e}", file.display),
                Some(crate::source::Span::new(id, 0, 0)),
            )),
        }
    }
    Ok(out)
}
