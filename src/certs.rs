//! Stage 5 — enrich: certificate facts and chain validation for the model's `certificates` list.
//!
//! For every certificate an endpoint names — a file inside the scanned tree, or the `tls.crt` of
//! a Kubernetes TLS Secret in the scanned manifests — the leaf is read with x509-parser (subject,
//! issuer, SANs, validity, key, signature algorithm, SPKI pin, self-signature) and validated with
//! rustls-webpki against the trust store ([`TrustStore`]: the system CA bundle, `--ca-file` /
//! `[trust] ca_files`, `[trust] pins`) at the evaluation time, with the file's other certificates
//! as intermediates and the endpoint's concrete server names. Private keys are never read: a PEM
//! block other than `CERTIFICATE` is skipped unparsed, and of a Secret only `tls.crt` is taken.
//! Files outside the scan and run-time-issued (`managed`) certificates get no facts, so the
//! policy stays MANUAL for them. A certificate that does not parse is a finding, never a panic.
//!
//! Relative paths resolve as the product resolves them: nginx against its configuration prefix
//! (the main nginx.conf's directory, also for a line in an included file); the others against
//! the directory of the file holding the naming line (their working directory is not config).

use crate::diag::{Finding, FindingKind};
use crate::ingest::TlsSecret;
use crate::model::{
    Certificate, CertificateFacts, ChainFacts, KeyFacts, Model, ModelSpan, TrustInfo, TrustSource,
};
use crate::source::{base64_decode, SourceMap};
use rustls_pki_types::{CertificateDer, ServerName, TrustAnchor, UnixTime};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use x509_parser::prelude::*;

/// Largest certificate file read.
const MAX_BYTES: u64 = 1 << 20;

/// Largest CA bundle read.
const MAX_BUNDLE_BYTES: u64 = 16 << 20;

/// A certificate expiring this close to the evaluation time is a warning finding.
const EXPIRING_SECS: i64 = 30 * 86_400;

/// The system CA bundles looked for, first existing wins (Debian/Ubuntu/Alpine, RHEL/Fedora,
/// macOS/BSD).
pub const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
];

/// What the user asked chains to be validated against.
#[derive(Debug, Clone, Default)]
pub struct TrustConfig {
    /// Use the first existing of [`SYSTEM_BUNDLES`].
    pub system: bool,
    /// CA files: the path to read and the path as the user wrote it (recorded as the label).
    pub ca_files: Vec<(PathBuf, String)>,
    /// `sha256/<base64>` SPKI pins.
    pub pins: Vec<String>,
}

/// A trust store problem stops the scan (exit 2): a verdict against a store other than the one
/// the user named would be wrong evidence.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("CA file {path}: cannot read it: {reason} (given by --ca-file or [trust] ca_files)")]
    CaFile { path: String, reason: String },
    #[error("CA file {path}: no usable CA certificate in it (expected PEM `CERTIFICATE` blocks or one DER certificate)")]
    NoAnchor { path: String },
    #[error("[trust] pins: {pin:?} is not an SPKI pin: expected sha256/ followed by the base64 of the SHA-256 of the SubjectPublicKeyInfo (44 characters, e.g. as `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64` prints it)")]
    Pin { pin: String },
}

/// The trust anchors chains are validated against, with the source of each.
#[derive(Debug, Default)]
pub struct TrustStore {
    anchors: Vec<TrustAnchor<'static>>,
    /// `anchors[i]` came from `info.sources[source_of[i]]`.
    source_of: Vec<usize>,
    /// The DER of every anchor certificate, for a leaf that is itself in a CA file.
    ders: Vec<Vec<u8>>,
    pins: BTreeSet<String>,
    info: TrustInfo,
}

impl TrustStore {
    /// Reads the system bundle (when wanted and present) and every CA file (which must exist
    /// and hold a certificate), and checks the pins' form.
    pub fn load(cfg: &TrustConfig) -> Result<TrustStore, TrustError> {
        let mut store = TrustStore::default();
        for pin in &cfg.pins {
            // The exact form the model writes (padded), so that a pin can match.
            let ok = pin.len() == 51
                && pin.ends_with('=')
                && pin
                    .strip_prefix("sha256/")
                    .and_then(base64_decode)
                    .is_some_and(|b| b.len() == 32);
            if !ok {
                return Err(TrustError::Pin { pin: pin.clone() });
            }
            store.pins.insert(pin.clone());
        }
        store.info.pins = store.pins.iter().cloned().collect();
        if cfg.system {
            if let Some(path) = SYSTEM_BUNDLES.iter().find(|p| Path::new(p).is_file()) {
                // An unreadable system bundle is no trust source at all; MANUAL results say so.
                if let Ok(bytes) = read_bounded(Path::new(path), MAX_BUNDLE_BYTES) {
                    store.add("system", path, &format!("system:{path}"), &bytes);
                }
            }
        }
        for (disk, given) in &cfg.ca_files {
            let bytes =
                read_bounded(disk, MAX_BUNDLE_BYTES).map_err(|reason| TrustError::CaFile {
                    path: given.clone(),
                    reason,
                })?;
            if store.add("ca-file", given, &format!("ca-file:{given}"), &bytes) == 0 {
                return Err(TrustError::NoAnchor {
                    path: given.clone(),
                });
            }
        }
        Ok(store)
    }

    /// The sources, for the model.
    pub fn info(&self) -> &TrustInfo {
        &self.info
    }

    /// Adds the certificates of one file as anchors; returns how many.
    fn add(&mut self, kind: &str, path: &str, label: &str, bytes: &[u8]) -> u32 {
        let index = self.info.sources.len();
        let mut n = 0u32;
        for der in certificate_ders(bytes) {
            let cert = CertificateDer::from(der.as_slice());
            if let Ok(anchor) = webpki::anchor_from_trusted_cert(&cert) {
                self.anchors.push(anchor.to_owned());
                self.source_of.push(index);
                self.ders.push(der.clone());
                n += 1;
            }
        }
        self.info.sources.push(TrustSource {
            kind: kind.into(),
            path: path.into(),
            label: label.into(),
            sha256: crate::source::hex(&Sha256::digest(bytes)),
            anchors: n,
        });
        n
    }

    fn label(&self, source: usize) -> (String, bool) {
        match self.info.sources.get(source) {
            Some(s) => (s.label.clone(), s.kind != "system"),
            None => (String::new(), false),
        }
    }
}

/// Fills `model.certificates` from the certificates the endpoints name. `roots` are the scanned
/// paths, `secrets` the TLS Secrets of the scanned manifests. Chains are validated at
/// `model.evaluated_at_unix`, else at the scan's own time.
pub fn enrich(
    map: &SourceMap,
    roots: &[PathBuf],
    trust: &TrustStore,
    secrets: &[TlsSecret],
    model: &mut Model,
) -> Vec<Finding> {
    let mut reader = Reader {
        map,
        roots: scanned_folders(roots),
        secrets: secrets.iter().map(|s| (s.id.as_str(), s)).collect(),
        parsed: BTreeMap::new(),
    };
    let time = model.evaluated_at_unix.unwrap_or_else(now);
    let names_of = names_by_naming_line(model);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    let mut unread = Vec::new();
    let mut findings = Vec::new();
    for ep in &model.endpoints {
        for c in &ep.tls.certificates {
            if !readable(c) || !seen.insert(naming_line(c)) {
                continue;
            }
            let Some(located) = reader.locate(c) else {
                unread.push(unread_certificate(c, not_in_scan(c)));
                continue;
            };
            let Some(p) = reader.parse(c, &located, &mut findings) else {
                let reason = match &located.bytes {
                    Err(e) => e.clone(),
                    Ok(_) => format!(
                        "{} holds no certificate tlsproof can parse",
                        located.display
                    ),
                };
                unread.push(unread_certificate(c, reason));
                continue;
            };
            let names = names_of.get(&naming_line(c)).cloned().unwrap_or_default();
            let chain = validate(trust, p, &names, time);
            if let Some(at) = model.evaluated_at_unix {
                findings.extend(expiring(map, c, &located.display, p, at));
            }
            out.push(facts(c, located, p, chain));
        }
    }
    out.sort_by(|a, b| {
        (&a.span.file, a.span.line, a.span.column, &a.path).cmp(&(
            &b.span.file,
            b.span.line,
            b.span.column,
            &b.path,
        ))
    });
    // The trust store is evidence only when a chain was judged against it: without certificate
    // facts the model does not depend on the machine's CA bundle.
    if !out.is_empty() {
        model.trust = Some(trust.info().clone());
    }
    model.certificates = out;
    model.unread_certificates = unread;
    findings
}

fn unread_certificate(c: &Certificate, reason: String) -> crate::model::UnreadCertificate {
    crate::model::UnreadCertificate {
        path: c.path.clone(),
        span: c.span.clone(),
        reason,
    }
}

/// Why a certificate the scan could not locate was not read.
fn not_in_scan(c: &Certificate) -> String {
    match c.path.strip_prefix("secret:") {
        Some(id) => format!("no Secret {id} is in the scanned manifests"),
        None => format!("{} is outside the scanned tree", c.path),
    }
}

/// The folders certificate files may be read from: each scanned directory, or the folder of a
/// scanned file.
fn scanned_folders(roots: &[PathBuf]) -> Vec<PathBuf> {
    roots
        .iter()
        .filter_map(|r| {
            let c = r.canonicalize().ok()?;
            if c.is_dir() {
                Some(c)
            } else {
                c.parent().map(Path::to_path_buf)
            }
        })
        .collect()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// A line naming a certificate: the path as written, and where.
type NamingLine = (String, String, u32, u32);

fn naming_line(c: &Certificate) -> NamingLine {
    (
        c.path.clone(),
        c.span.file.clone(),
        c.span.line,
        c.span.column,
    )
}

/// Whether a certificate reference names something the scan may read: a file or a Secret, not
/// a certificate issued at run time (a cert-manager Secret is read when its manifest is in the
/// scan, a cluster dump) nor a path with a variable.
fn readable(c: &Certificate) -> bool {
    let run_time = c.managed.as_deref().is_some_and(|m| m != "cert-manager");
    !(run_time || c.path.is_empty() || c.path.contains('$') || c.path.contains('{'))
}

/// The concrete names of every endpoint naming a certificate at a line (an http-level
/// ssl_certificate is named once for many servers).
fn names_by_naming_line(model: &Model) -> BTreeMap<NamingLine, BTreeSet<String>> {
    let mut names_of: BTreeMap<NamingLine, BTreeSet<String>> = BTreeMap::new();
    for ep in &model.endpoints {
        // Once per endpoint and line: a site with many names has as many managed certificates,
        // all named by one line.
        let lines: BTreeSet<NamingLine> = ep
            .tls
            .certificates
            .iter()
            .filter(|c| readable(c))
            .map(naming_line)
            .collect();
        let names: Vec<String> = ep
            .server_names
            .iter()
            .filter_map(|n| concrete_name(n))
            .collect();
        for line in lines {
            names_of
                .entry(line)
                .or_default()
                .extend(names.iter().cloned());
        }
    }
    names_of
}

/// Where a certificate is read: a file in the scan, or a Secret's `tls.crt`.
struct Located {
    /// One parse per file or Secret.
    cache_key: String,
    display: String,
    /// The `tls.crt` key of a Secret.
    read_at: Option<ModelSpan>,
    bytes: Result<Vec<u8>, String>,
}

/// Reads and parses the certificates named, each file or Secret once.
struct Reader<'a> {
    map: &'a SourceMap,
    roots: Vec<PathBuf>,
    secrets: BTreeMap<&'a str, &'a TlsSecret>,
    parsed: BTreeMap<String, Option<Parsed>>,
}

impl Reader<'_> {
    /// The bytes a certificate reference names; `None` when they are not in the scan (a file
    /// outside the scanned folders, a Secret not in the manifests).
    fn locate(&self, c: &Certificate) -> Option<Located> {
        if let Some(id) = c.path.strip_prefix("secret:") {
            let secret = self.secrets.get(id)?;
            let bytes = if let Some(problem) = &secret.problem {
                Err(problem.clone())
            } else if secret.base64 {
                base64_decode(&secret.value)
                    .ok_or_else(|| "tls.crt is not valid base64".to_string())
            } else {
                Ok(secret.value.clone().into_bytes())
            };
            return Some(Located {
                cache_key: c.path.clone(),
                display: secret.span.file.clone(),
                read_at: secret.problem.is_none().then(|| secret.span.clone()),
                bytes,
            });
        }
        let base = c.relative_to.as_deref().unwrap_or(&c.span.file);
        let file = resolve(self.map, base, &c.path, &self.roots)?;
        // `resolve` keeps only files inside a root.
        let display = self
            .roots
            .iter()
            .find(|r| file.starts_with(r))
            .map(|r| crate::ingest::display_path(r, r, &file, ""))
            .unwrap_or_else(|| file.display().to_string());
        Some(Located {
            cache_key: file.display().to_string(),
            display,
            read_at: None,
            bytes: read_bounded(&file, MAX_BYTES),
        })
    }

    /// The parsed certificate, once per file or Secret; a finding at the naming line when it
    /// cannot be read or parsed.
    fn parse(
        &mut self,
        c: &Certificate,
        located: &Located,
        findings: &mut Vec<Finding>,
    ) -> Option<&Parsed> {
        if !self.parsed.contains_key(&located.cache_key) {
            let result = match located.bytes.clone().and_then(|b| parse(&b)) {
                Ok(p) => Some(p),
                Err(e) => {
                    let what = match &located.read_at {
                        Some(at) => format!("{} ({}:{}, tls.crt)", c.path, at.file, at.line),
                        None => located.display.clone(),
                    };
                    findings.push(Finding::new(
                        FindingKind::ParseError,
                        format!(
                            "{what}: certificate named at {}:{} not read: {e}",
                            c.span.file, c.span.line
                        ),
                        self.map.span_at(&c.span.location()),
                    ));
                    None
                }
            };
            self.parsed.insert(located.cache_key.clone(), result);
        }
        self.parsed.get(&located.cache_key)?.as_ref()
    }
}

/// A warning when the certificate expires within 30 days of the evaluation time `at`.
fn expiring(
    map: &SourceMap,
    c: &Certificate,
    display: &str,
    p: &Parsed,
    at: i64,
) -> Option<Finding> {
    if p.not_after < at || p.not_after - at > EXPIRING_SECS {
        return None;
    }
    Some(Finding::new(
        FindingKind::CertificateExpiring,
        format!(
            "certificate {display} named at {}:{} expires on {}, within 30 days of the evaluation time {}: renew it",
            c.span.file,
            c.span.line,
            rfc3339(p.not_after),
            rfc3339(at)
        ),
        map.span_at(&c.span.location()),
    ))
}

/// What the model records of one named certificate.
fn facts(c: &Certificate, located: Located, p: &Parsed, chain: ChainFacts) -> CertificateFacts {
    CertificateFacts {
        path: c.path.clone(),
        file: located.display,
        subject: p.subject.clone(),
        issuer: p.issuer.clone(),
        sans: p.sans.clone(),
        not_before: rfc3339(p.not_before),
        not_after: rfc3339(p.not_after),
        not_before_unix: p.not_before,
        not_after_unix: p.not_after,
        self_signed: p.self_signed,
        key: p.key.clone(),
        signature_alg: p.signature_alg.clone(),
        spki_sha256: p.spki_sha256.clone(),
        chain_len: u32::try_from(p.ders.len()).unwrap_or(u32::MAX),
        chain,
        span: c.span.clone(),
        read_at: located.read_at,
    }
}

/// A server name the certificate can be checked against: not a catch-all, wildcard, regex,
/// variable or anything that is not a DNS name or IP address. Lowercase, without a final dot.
fn concrete_name(n: &str) -> Option<String> {
    let n = n.trim().trim_end_matches('.').to_ascii_lowercase();
    if n.is_empty()
        || n == "_"
        || n.starts_with('~')
        || n.starts_with('.')
        || n.contains(['*', '$', '{', '}', '/', ' '])
    {
        return None;
    }
    ServerName::try_from(n.as_str()).ok()?;
    Some(n)
}

/// Validates a leaf (with the intermediates of its file) against the trust store.
fn validate(trust: &TrustStore, p: &Parsed, names: &BTreeSet<String>, time: i64) -> ChainFacts {
    let mut chain = ChainFacts {
        status: String::new(),
        trusted_by: None,
        explicit: false,
        detail: String::new(),
        validated_at: rfc3339(time),
        names_checked: names.iter().cloned().collect(),
        names_valid: Vec::new(),
    };
    let Some(leaf_der) = p.ders.first() else {
        chain.status = "invalid".into();
        chain.detail = "no certificate".into();
        return chain;
    };
    let leaf_cert = CertificateDer::from(leaf_der.as_slice());
    let ee = match webpki::EndEntityCert::try_from(&leaf_cert) {
        Ok(ee) => ee,
        Err(e) => {
            chain.status = "invalid".into();
            chain.detail = format!("not accepted as a server certificate: {}", error_text(&e));
            return chain;
        }
    };
    chain.names_valid = names
        .iter()
        .filter(|n| {
            ServerName::try_from(n.as_str())
                .is_ok_and(|sn| ee.verify_is_valid_for_subject_name(&sn).is_ok())
        })
        .cloned()
        .collect();
    let names = NameCheck {
        problem: (!names.is_empty() && chain.names_valid.is_empty()).then(|| {
            format!(
                "valid for none of the server names {}",
                chain.names_checked.join(", ")
            )
        }),
        unchecked: if names.is_empty() {
            "; no concrete server name, so the name was not checked"
        } else {
            ""
        },
    };
    match trusted_as_it_is(trust, p, leaf_der) {
        Some(trusted) => judge_trusted_leaf(&mut chain, p, trusted, &names, time),
        None => judge_path(&mut chain, trust, p, &ee, &names, time),
    }
    chain
}

/// What the server names say: why none matches, or that none could be checked.
struct NameCheck {
    problem: Option<String>,
    unchecked: &'static str,
}

/// The trust source of a leaf trusted as it is: its key is pinned, or the leaf itself is in a
/// CA file. (label, explicit)
fn trusted_as_it_is(trust: &TrustStore, p: &Parsed, leaf_der: &[u8]) -> Option<(String, bool)> {
    if trust.pins.contains(&p.spki_sha256) {
        return Some((format!("pin:{}", p.spki_sha256), true));
    }
    trust
        .ders
        .iter()
        .position(|d| d == leaf_der)
        .and_then(|i| trust.source_of.get(i))
        .map(|&s| trust.label(s))
}

/// A leaf trusted as it is: only its validity period and names are left to judge.
fn judge_trusted_leaf(
    chain: &mut ChainFacts,
    p: &Parsed,
    (label, explicit): (String, bool),
    names: &NameCheck,
    time: i64,
) {
    let (status, detail) = if time > p.not_after {
        ("expired", format!("expired on {}", rfc3339(p.not_after)))
    } else if time < p.not_before {
        (
            "not-yet-valid",
            format!("not valid before {}", rfc3339(p.not_before)),
        )
    } else if let Some(problem) = &names.problem {
        ("wrong-name", problem.clone())
    } else {
        (
            "valid",
            format!(
                "the certificate itself is trusted ({label}){}",
                names.unchecked
            ),
        )
    };
    chain.status = status.into();
    chain.detail = detail;
    if status == "valid" || status == "wrong-name" {
        chain.trusted_by = Some(label);
        chain.explicit = explicit;
    }
}

/// The chain certificates of the file whose keys are pinned: anchors too, with their label.
fn pinned_chain_anchors(trust: &TrustStore, p: &Parsed) -> Vec<(TrustAnchor<'static>, String)> {
    let mut extra = Vec::new();
    for (der, pin) in p.ders.iter().zip(&p.pins).skip(1) {
        if trust.pins.contains(pin) {
            if let Ok(a) = webpki::anchor_from_trusted_cert(&CertificateDer::from(der.as_slice())) {
                extra.push((a.to_owned(), format!("pin:{pin}")));
            }
        }
    }
    extra
}

/// A leaf validated through its file's intermediates to a trust anchor at `time`.
fn judge_path(
    chain: &mut ChainFacts,
    trust: &TrustStore,
    p: &Parsed,
    ee: &webpki::EndEntityCert<'_>,
    names: &NameCheck,
    time: i64,
) {
    let extra = pinned_chain_anchors(trust, p);
    let anchors: std::borrow::Cow<[TrustAnchor<'static>]> = if extra.is_empty() {
        std::borrow::Cow::Borrowed(&trust.anchors)
    } else {
        let all = trust.anchors.iter().cloned();
        all.chain(extra.iter().map(|(a, _)| a.clone())).collect()
    };
    let intermediates: Vec<CertificateDer<'_>> = p
        .ders
        .iter()
        .skip(1)
        .map(|d| CertificateDer::from(d.as_slice()))
        .collect();
    let at = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
        u64::try_from(time).unwrap_or(0),
    ));
    let verified = ee.verify_for_usage(
        webpki::ALL_VERIFICATION_ALGS,
        &anchors,
        &intermediates,
        at,
        webpki::KeyUsage::server_auth(),
        None,
        None,
    );
    let path = match verified {
        Ok(path) => path,
        Err(e) => {
            let (status, detail) = match (&e, oversized_issuer_key(trust, p)) {
                (webpki::Error::InvalidSignatureForPublicKey, Some(issuer)) => (
                    "unverifiable",
                    format!(
                        "the signature by {issuer} was not checked: the validator verifies RSA signatures of keys up to {MAX_VERIFIED_RSA_BITS} bits only, so neither a good nor a bad signature is shown"
                    ),
                ),
                _ => classify(&e, p),
            };
            chain.status = status.into();
            chain.detail = detail;
            return;
        }
    };
    let used = path.anchor();
    let i = anchors.iter().position(|a| {
        a.subject == used.subject && a.subject_public_key_info == used.subject_public_key_info
    });
    let (label, explicit) = match i {
        Some(i) if i < trust.anchors.len() => trust
            .source_of
            .get(i)
            .map(|&s| trust.label(s))
            .unwrap_or_default(),
        Some(i) => extra
            .get(i - trust.anchors.len())
            .map(|(_, l)| (l.clone(), true))
            .unwrap_or_default(),
        None => (String::new(), false),
    };
    let links = path.intermediate_certificates().count();
    chain.trusted_by = Some(label.clone());
    chain.explicit = explicit;
    match &names.problem {
        Some(problem) => {
            chain.status = "wrong-name".into();
            chain.detail = problem.clone();
        }
        None => {
            chain.status = "valid".into();
            chain.detail = format!(
                "chains through {links} intermediate(s) to a trust anchor of {label}{}",
                names.unchecked
            );
        }
    }
}

/// The largest RSA key whose signatures the validator verifies: rustls-webpki's RSA algorithms
/// are ring's `RSA_PKCS1_2048_8192_*` and `RSA_PSS_2048_8192_*`.
const MAX_VERIFIED_RSA_BITS: usize = 8192;

/// An issuer of the chain (an intermediate of the file or a trust anchor) whose RSA key is too
/// large for the validator: its signatures fail as if they were bad. Its subject and key size.
fn oversized_issuer_key(trust: &TrustStore, p: &Parsed) -> Option<String> {
    let issuers: BTreeSet<String> = p
        .ders
        .iter()
        .filter_map(|d| parse_x509_certificate(d).ok())
        .map(|(_, c)| c.issuer().to_string())
        .collect();
    p.ders.iter().skip(1).chain(&trust.ders).find_map(|der| {
        let (_, c) = parse_x509_certificate(der).ok()?;
        let subject = c.subject().to_string();
        match c.public_key().parsed() {
            Ok(x509_parser::public_key::PublicKey::RSA(rsa))
                if rsa.key_size() > MAX_VERIFIED_RSA_BITS && issuers.contains(&subject) =>
            {
                Some(format!("{subject} (an RSA key of {} bits)", rsa.key_size()))
            }
            _ => None,
        }
    })
}

/// The chain status and words for a validation error.
fn classify(e: &webpki::Error, p: &Parsed) -> (&'static str, String) {
    use webpki::Error as E;
    match e {
        E::UnknownIssuer | E::CaUsedAsEndEntity if p.self_signed => (
            "self-signed",
            "self-signed (its signature verifies with its own key) and neither in a trust store nor pinned".into(),
        ),
        E::UnknownIssuer => (
            "unknown-issuer",
            format!("unknown issuer (not in the trust store): no chain from {} to a trust anchor", p.issuer),
        ),
        E::CaUsedAsEndEntity => (
            "invalid",
            "a CA certificate (basicConstraints CA:TRUE) is used as the server certificate".into(),
        ),
        E::CertExpired { not_after, .. } => {
            let when = rfc3339(i64::try_from(not_after.as_secs()).unwrap_or(i64::MAX));
            if p.not_after < i64::try_from(not_after.as_secs()).unwrap_or(i64::MAX) {
                ("expired", format!("a certificate of its chain expired on {when}"))
            } else {
                ("expired", format!("expired on {when}"))
            }
        }
        E::CertNotValidYet { not_before, .. } => (
            "not-yet-valid",
            format!(
                "not valid before {}",
                rfc3339(i64::try_from(not_before.as_secs()).unwrap_or(i64::MAX))
            ),
        ),
        E::CertNotValidForName(_) => ("wrong-name", "not valid for the server name".into()),
        E::InvalidSignatureForPublicKey => (
            "bad-signature",
            "a signature of the chain does not verify with its issuer's key".into(),
        ),
        other => ("invalid", error_text(other)),
    }
}

/// A validator error in words.
fn error_text(e: &webpki::Error) -> String {
    use webpki::Error as E;
    match e {
        E::UnsupportedSignatureAlgorithmContext(_)
        | E::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "a signature algorithm the validator does not accept (SHA-1, MD5, or an RSA key under 2048 bits)".into()
        }
        E::UnsupportedCertVersion => "not an X.509 v3 certificate".into(),
        E::BadDer | E::BadDerTime => "malformed DER encoding".into(),
        E::RequiredEkuNotFoundContext(_) => {
            "its extended key usage does not allow TLS server authentication".into()
        }
        E::MalformedExtensions => "malformed extensions".into(),
        E::UnsupportedCriticalExtension => "an unsupported critical extension".into(),
        E::PathLenConstraintViolated => "a CA's path length constraint is violated".into(),
        E::NameConstraintViolation => "a CA's name constraints are violated".into(),
        E::EndEntityUsedAsCa => "a server certificate is used as a CA in the chain".into(),
        other => format!("rejected by the chain validator: {other:?}"),
    }
}

/// The canonical path of a certificate file, when it exists inside a scanned root.
fn resolve(map: &SourceMap, naming_file: &str, path: &str, roots: &[PathBuf]) -> Option<PathBuf> {
    let p = Path::new(path);
    let candidate = if p.is_absolute() {
        p.to_path_buf()
    } else {
        let (_, src) = map.by_display(naming_file)?;
        src.path.parent()?.join(p)
    };
    let canonical = candidate.canonicalize().ok()?;
    if !canonical.is_file() || !roots.iter().any(|r| canonical.starts_with(r)) {
        return None;
    }
    Some(canonical)
}

fn read_bounded(file: &Path, max: u64) -> Result<Vec<u8>, String> {
    crate::source::read_regular(file, max).map_err(|e| match e {
        crate::source::Unread::TooLarge(_) => format!("larger than {max} bytes"),
        other => other.to_string(),
    })
}

/// A Unix time as RFC 3339 UTC (whole seconds).
pub fn rfc3339_of(unix: i64) -> String {
    rfc3339(unix)
}

fn rfc3339(unix: i64) -> String {
    ::time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&::time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| unix.to_string())
}

/// Facts of a file's leaf certificate, and the DER of every certificate in the file.
#[derive(Debug, Clone)]
struct Parsed {
    subject: String,
    issuer: String,
    sans: Vec<String>,
    not_before: i64,
    not_after: i64,
    key: KeyFacts,
    signature_alg: String,
    spki_sha256: String,
    self_signed: bool,
    /// Leaf first.
    ders: Vec<Vec<u8>>,
    /// The SPKI pin of each of `ders`.
    pins: Vec<String>,
}

/// The DER of each certificate of a PEM bundle or a single DER certificate. Blocks other than
/// certificates (private keys) are skipped unread; a broken PEM block ends the list.
pub(crate) fn certificate_ders(bytes: &[u8]) -> Vec<Vec<u8>> {
    if bytes.first() == Some(&0x30) {
        return vec![bytes.to_vec()];
    }
    let mut ders = Vec::new();
    for pem in Pem::iter_from_buffer(bytes) {
        let Ok(pem) = pem else { break };
        // Only certificates: a key block in a combined file is skipped unread.
        if pem.label == "CERTIFICATE" || pem.label == "TRUSTED CERTIFICATE" {
            ders.push(pem.contents);
        }
    }
    ders
}

/// Parses a PEM bundle (leaf first) or one DER certificate.
fn parse(bytes: &[u8]) -> Result<Parsed, String> {
    let mut ders: Vec<Vec<u8>> = Vec::new();
    if bytes.first() == Some(&0x30) {
        ders.push(bytes.to_vec());
    } else {
        for pem in Pem::iter_from_buffer(bytes) {
            let pem = pem.map_err(|e| format!("not PEM: {e}"))?;
            // Only certificates: a key block in a combined file is skipped unread.
            if pem.label == "CERTIFICATE" || pem.label == "TRUSTED CERTIFICATE" {
                ders.push(pem.contents);
            }
        }
    }
    parse_ders(ders)
}

/// The facts of a chain given as DER certificates, leaf first.
fn parse_ders(ders: Vec<Vec<u8>>) -> Result<Parsed, String> {
    let leaf = ders
        .first()
        .ok_or_else(|| "no CERTIFICATE block".to_string())?;
    let mut pins = Vec::with_capacity(ders.len());
    for (i, der) in ders.iter().enumerate() {
        let (_, c) = parse_x509_certificate(der).map_err(|e| {
            if i == 0 {
                e.to_string()
            } else {
                format!("certificate {} of the chain: {e}", i + 1)
            }
        })?;
        pins.push(pin_of(c.public_key().raw));
    }
    let (_, cert) = parse_x509_certificate(leaf).map_err(|e| e.to_string())?;
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = cert.subject_alternative_name() {
        for name in &ext.value.general_names {
            match name {
                GeneralName::DNSName(d) => sans.push(d.to_string()),
                GeneralName::IPAddress(ip) => {
                    if let Ok(a) = <[u8; 4]>::try_from(*ip) {
                        sans.push(std::net::Ipv4Addr::from(a).to_string());
                    } else if let Ok(a) = <[u8; 16]>::try_from(*ip) {
                        sans.push(std::net::Ipv6Addr::from(a).to_string());
                    }
                }
                _ => {}
            }
        }
    }
    let spki = cert.public_key();
    let key = match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => KeyFacts {
            alg: "RSA".into(),
            bits: rsa.key_size() as u32,
        },
        Ok(x509_parser::public_key::PublicKey::EC(ec)) => KeyFacts {
            alg: "EC".into(),
            bits: ec.key_size() as u32,
        },
        Ok(x509_parser::public_key::PublicKey::DSA(_)) => KeyFacts {
            alg: "DSA".into(),
            bits: 0,
        },
        _ => KeyFacts {
            alg: oid_name(&spki.algorithm.algorithm),
            bits: 0,
        },
    };
    // An empty subject (ACME and internal-CA leaves often have one) is named by its SANs, so
    // that no message reads "certificate  issued by".
    let subject = match cert.subject().to_string() {
        s if s.is_empty() && !sans.is_empty() => {
            format!("(empty subject; SAN {})", sans.join(", "))
        }
        s if s.is_empty() => "(empty subject)".to_string(),
        s => s,
    };
    let issuer = cert.issuer().to_string();
    // Self-signed: issued by its own name and signed by its own key. A signature algorithm
    // the verifier does not implement (MD5, DSA) leaves the name comparison to decide.
    let self_signed = cert.subject().as_raw() == cert.issuer().as_raw()
        && match cert.verify_signature(None) {
            Ok(()) => true,
            Err(X509Error::SignatureUnsupportedAlgorithm) => true,
            Err(_) => false,
        };
    Ok(Parsed {
        subject,
        issuer,
        sans,
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        key,
        signature_alg: oid_name(&cert.signature_algorithm.algorithm),
        spki_sha256: pin_of(spki.raw),
        self_signed,
        ders: ders.clone(),
        pins,
    })
}

/// What a live endpoint served, judged like a certificate file: the leaf's facts and the chain
/// validated against the same trust store for `name` at `time`.
#[derive(Debug, Clone)]
pub struct ServedChain {
    pub subject: String,
    pub issuer: String,
    pub not_after: String,
    pub self_signed: bool,
    /// The SPKI pin of each certificate served, leaf first.
    pub pins: Vec<String>,
    /// The leaf's public key.
    pub key: KeyFacts,
    pub chain: ChainFacts,
}

/// Judges the chain a server sent (DER, leaf first) for the host name `name` at `time` (Unix).
pub fn judge_served(
    trust: &TrustStore,
    ders: Vec<Vec<u8>>,
    name: &str,
    time: i64,
) -> Result<ServedChain, String> {
    let p = parse_ders(ders)?;
    let names: BTreeSet<String> = concrete_name(name).into_iter().collect();
    let chain = validate(trust, &p, &names, time);
    Ok(ServedChain {
        subject: p.subject.clone(),
        issuer: p.issuer.clone(),
        not_after: rfc3339(p.not_after),
        self_signed: p.self_signed,
        pins: p.pins.clone(),
        key: p.key.clone(),
        chain,
    })
}

/// `sha256/<base64>` of a SubjectPublicKeyInfo.
fn pin_of(spki: &[u8]) -> String {
    format!("sha256/{}", crate::source::base64(&Sha256::digest(spki)))
}

fn oid_name(oid: &x509_parser::der_parser::oid::Oid) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| oid.to_id_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(crate::source::base64(b""), "");
        assert_eq!(crate::source::base64(b"f"), "Zg==");
        assert_eq!(crate::source::base64(b"fo"), "Zm8=");
        assert_eq!(crate::source::base64(b"foo"), "Zm9v");
        assert_eq!(crate::source::base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn concrete_names_leave_out_patterns() {
        assert_eq!(
            concrete_name("MCP.example.com."),
            Some("mcp.example.com".into())
        );
        assert_eq!(concrete_name("10.0.0.1"), Some("10.0.0.1".into()));
        for n in [
            "",
            "_",
            "*.example.com",
            "~^www",
            ".example.com",
            "$host",
            "www.example.*",
        ] {
            assert_eq!(concrete_name(n), None, "{n}");
        }
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(certificate_ders(b"-----BEGIN CERTIFICATE-----\n!!!\n").is_empty());
        let none = TrustStore::default();
        let p = Parsed {
            subject: String::new(),
            issuer: String::new(),
            sans: Vec::new(),
            not_before: 0,
            not_after: 0,
            key: KeyFacts {
                alg: String::new(),
                bits: 0,
            },
            signature_alg: String::new(),
            spki_sha256: String::new(),
            self_signed: false,
            ders: vec![vec![0x30, 0x03, 0x02, 0x01, 0x00]],
            pins: vec![String::new()],
        };
        assert_eq!(validate(&none, &p, &BTreeSet::new(), 0).status, "invalid");
        assert!(parse(b"hello").is_err());
        assert!(parse(&[0x30, 0x82, 0xff]).is_err());
        assert!(parse(b"").is_err());
    }
}
