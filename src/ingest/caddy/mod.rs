//! Caddyfile (Caddy v2) ingestion: detect, load with imports, analyze, normalize.
//!
//! `lex` and `parse` follow Caddy's own tokenizer and parser (quotes, backticks, heredocs,
//! continuations, `{$VAR}`, snippets, imports); `site` applies the HTTP adapter's checks;
//! `normalize` builds one endpoint per site block with Caddy's defaults; `adapt` reproduces
//! the TLS facts of `caddy adapt` so that tests can hold the ingester to Caddy's own output.

pub mod adapt;
pub mod lex;
pub mod normalize;
pub mod parse;
pub mod routes;
pub mod site;

use crate::diag::{Finding, FindingKind};
use crate::ingest::shared::sniff::looks_like_nginx;
use crate::ingest::{Candidate, Declared, Ingested, Kind, Sniff};
use crate::model::version::ProductVersion;
use crate::source::SourceMap;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Whether a file is a Caddyfile: `Caddyfile`, `Caddyfile.*`, `*.caddyfile`, `*.Caddyfile`,
/// `*.caddy`; the extension forms must not look like nginx or JSON.
pub fn detect(f: &Sniff) -> Option<Kind> {
    let lower = f.name.as_str();
    if lower == "caddyfile" {
        return Some(Kind::Caddy);
    }
    let by_name = lower.starts_with("caddyfile.")
        || lower.ends_with(".caddyfile")
        || lower.ends_with(".caddy");
    if !by_name {
        return None;
    }
    if [
        ".json", ".yaml", ".yml", ".toml", ".md", ".txt", ".bak", ".orig",
    ]
    .iter()
    .any(|e| lower.starts_with("caddyfile.") && lower.ends_with(e))
    {
        return None;
    }
    let text = f.text(64 * 1024)?;
    (!text.trim_start().starts_with("{\"") && !looks_like_nginx(&text)).then_some(Kind::Caddy)
}

/// Everything one Caddyfile yields.
pub struct Loaded {
    pub parsed: parse::Parsed,
    pub config: site::Config,
}

/// Loads and analyzes one Caddyfile with its imports.
pub fn load(
    map: &mut SourceMap,
    path: &Path,
    display_of: &dyn Fn(&Path) -> String,
    scan_root: &Path,
    env: parse::Env,
    version: &ProductVersion,
) -> Loaded {
    let mut loader = parse::Loader {
        map,
        display_of,
        scan_root: scan_root
            .canonicalize()
            .unwrap_or_else(|_| scan_root.to_path_buf()),
        env,
        limits: parse::Limits::default(),
        skip_dotfiles: version.at_least(&[2, 6, 3]) != Some(false),
    };
    let parsed = parse::load(&mut loader, path);
    let config = if parsed.failed {
        site::Config::default()
    } else {
        site::analyze(&parsed.blocks, version)
    };
    Loaded { parsed, config }
}

/// What `caddy adapt` would say about a Caddyfile's TLS: its servers, or the findings that
/// make Caddy refuse it.
pub struct Adapted {
    pub servers: Vec<adapt::Server>,
    pub findings: Vec<Finding>,
}

impl Adapted {
    /// Whether Caddy would refuse this Caddyfile.
    pub fn is_error(&self) -> bool {
        self.findings.iter().any(|f| f.kind.is_error())
    }

    /// Whether Caddy's standard build (no plugins) would refuse it: an error, or a directive
    /// only a plugin could provide.
    pub fn refused_by_standard_build(&self) -> bool {
        self.is_error()
            || self.findings.iter().any(|f| {
                f.kind == crate::diag::FindingKind::Indeterminate
                    && f.message.starts_with(site::UNKNOWN_DIRECTIVE)
            })
    }
}

/// A finding that makes Caddy refuse the Caddyfile as written: a syntax or adapter error, or an
/// import cycle. A missing import is not: the deployed tree may hold the file.
fn refused_by_caddy(f: &Finding) -> bool {
    matches!(f.kind, FindingKind::ParseError | FindingKind::IncludeCycle)
}

/// Adapts a Caddyfile on disk (read with the process environment for `{$VAR}`) as the given
/// Caddy version would.
pub fn adapt_file(map: &mut SourceMap, path: &Path, version: &ProductVersion) -> Adapted {
    let root = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let display = |p: &Path| p.display().to_string();
    let env = |k: &str| std::env::var(k).ok();
    let loaded = load(map, path, &display, &root, &env, version);
    let (_, norm_findings) = normalize::endpoints(map, &loaded.config);
    let mut findings = loaded.parsed.findings;
    findings.extend(loaded.config.findings.iter().cloned());
    findings.extend(norm_findings);
    Adapted {
        servers: adapt::servers(&loaded.config),
        findings,
    }
}

/// Ingests every Caddyfile candidate: files named `Caddyfile` first, then the others that no
/// Caddyfile imports.
pub fn ingest(
    map: &mut SourceMap,
    candidates: &[&Candidate],
    declared: &Declared,
    out: &mut Ingested,
) {
    let mut ordered: Vec<&Candidate> = candidates.to_vec();
    ordered.sort_by_key(|c| {
        let main = c
            .path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case("caddyfile"));
        (!main, c.display.clone())
    });
    let mut covered: BTreeSet<PathBuf> = BTreeSet::new();
    let mut seen_ids: BTreeSet<String> = BTreeSet::new();
    let env = |k: &str| std::env::var(k).ok();
    let version = match &declared.caddy_version {
        Some(v) => ProductVersion::parse("Caddy", v),
        None => ProductVersion::unknown("Caddy"),
    };
    for c in ordered {
        let canon = c.path.canonicalize().unwrap_or_else(|_| c.path.clone());
        if covered.contains(&canon) {
            continue;
        }
        let root = c.root.clone();
        let canonical_root = root.canonicalize().unwrap_or_else(|_| root.clone());
        let prefix = crate::ingest::display_prefix(c);
        let display_of = |p: &Path| crate::ingest::display_path(&root, &canonical_root, p, &prefix);
        let loaded = load(map, &c.path, &display_of, &canonical_root, &env, &version);
        for (i, f) in loaded.parsed.files.iter().enumerate() {
            let role = if i == 0 { "main" } else { "imported" };
            out.files
                .entry(*f)
                .or_insert((Kind::Caddy, role.to_string()));
            if let Some(sf) = map.get(*f) {
                covered.insert(sf.path.canonicalize().unwrap_or_else(|_| sf.path.clone()));
            }
        }
        covered.insert(canon);
        let (endpoints, norm_findings) = normalize::endpoints(map, &loaded.config);
        let mut findings = loaded.parsed.findings;
        findings.extend(loaded.config.findings.iter().cloned());
        findings.extend(norm_findings);
        // Caddy refuses the whole Caddyfile: it serves nothing, so nothing is judged from it.
        let endpoints = if findings.iter().any(refused_by_caddy) {
            Vec::new()
        } else {
            endpoints
        };
        out.findings.extend(findings);
        for ep in endpoints {
            if seen_ids.insert(ep.id.clone()) {
                out.endpoints.push(ep);
            }
        }
    }
    if let Some(v) = &declared.caddy_version {
        if v.trim().trim_start_matches('v').starts_with('1') {
            out.findings.push(Finding::new(
                FindingKind::Notice,
                format!("the declared Caddy version {v:?} is Caddy 1, whose Caddyfile differs: tlsproof reads Caddy v2 Caddyfiles"),
                None,
            ));
        }
    }
}

/// How Caddy names its parts, for the policies' messages.
pub const WORDS: crate::model::ProductWords = crate::model::ProductWords {
    block: "the site block",
    proxy: "reverse_proxy",
    certificate: "tls <cert> <key> or automatic HTTPS",
    ciphers: "tls ciphers",
    passthrough: None,
    version_advice: "the default depends on the caddy version, which is not declared: set it in tlsproof.toml ([caddy] version = \"2.8.4\") or pass --caddy-version",
};

/// How to fix a FAIL in this format's terms.
pub const FIXES: super::Fixes = super::Fixes {
    tls: "a site address with a host name (automatic HTTPS), or tls cert.pem key.pem; remove http:// from the address",
    protocols: "tls { protocols tls1.2 tls1.3 }",
    ciphers: "remove tls { ciphers … } to use Caddy's default (ECDHE with AES-GCM or ChaCha20), or list only such suites",
    redirect: "remove auto_https off / disable_redirects (Caddy redirects HTTP to HTTPS by itself)",
    verify: "remove tls_insecure_skip_verify from the reverse_proxy transport; trust the upstream's CA with tls_trust_pool",
    hop: "reverse_proxy https://upstream:port (transport http { tls }) with the upstream's CA trusted",
    hsts: "header Strict-Transport-Security \"max-age=31536000\"",
};
