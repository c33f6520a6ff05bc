//! Enrich stage — certificate facts for the model's `certificates` list.
//!
//! For every certificate file an endpoint names, when the file lies inside the scanned tree, the
//! leaf certificate (and the length of the chain after it) is read with x509-parser: subject,
//! issuer, SANs, validity, key algorithm and size, signature algorithm, SPKI pin. Private keys are
//! never read: a PEM block other than `CERTIFICATE` is skipped unparsed. Files outside the scan,
//! run-time-issued (`managed`) certificates and Kubernetes `secret:` references get no facts, so
//! the policy stays MANUAL for them. A file that does not parse is a finding, never a panic.
//!
//! Relative paths resolve against the directory of the file holding the naming line. nginx
//! resolves them against its prefix (the main nginx.conf's directory): for a certificate named in
//! an included file elsewhere the two differ, and this stage then finds no file (no facts).

use crate::diag::{Finding, FindingKind};
use crate::model::{CertificateFacts, KeyFacts, Model};
use crate::source::SourceMap;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use x509_parser::prelude::*;

/// Largest certificate file read.
const MAX_BYTES: u64 = 1 << 20;

/// Fills `model.certificates` from the files the endpoints name. `roots` are the scanned paths.
pub fn enrich(map: &SourceMap, roots: &[PathBuf], model: &mut Model) -> Vec<Finding> {
    let roots: Vec<PathBuf> = roots
        .iter()
        .filter_map(|r| {
            let c = r.canonicalize().ok()?;
            if c.is_dir() {
                Some(c)
            } else {
                c.parent().map(Path::to_path_buf)
            }
        })
        .collect();
    let mut findings = Vec::new();
    let mut parsed: BTreeMap<PathBuf, Option<Parsed>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for ep in &model.endpoints {
        for c in &ep.tls.certificates {
            if c.managed.is_some()
                || c.path.is_empty()
                || c.path.starts_with("secret:")
                || c.path.contains('$')
                || c.path.contains('{')
            {
                continue;
            }
            let key = (
                c.path.clone(),
                c.span.file.clone(),
                c.span.line,
                c.span.column,
            );
            if !seen.insert(key) {
                continue;
            }
            let Some(file) = resolve(map, &c.span.file, &c.path, &roots) else {
                continue;
            };
            let display = display_of(&file, &roots);
            let facts = parsed.entry(file.clone()).or_insert_with(|| {
                match read_bounded(&file).and_then(|bytes| parse(&bytes)) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        findings.push(Finding::new(
                            FindingKind::ParseError,
                            format!(
                                "{display}: certificate named at {}:{} not read: {e}",
                                c.span.file, c.span.line
                            ),
                            None,
                        ));
                        None
                    }
                }
            });
            if let Some(p) = facts {
                out.push(CertificateFacts {
                    path: c.path.clone(),
                    file: display,
                    subject: p.subject.clone(),
                    issuer: p.issuer.clone(),
                    sans: p.sans.clone(),
                    not_before: rfc3339(p.not_before),
                    not_after: rfc3339(p.not_after),
                    not_before_unix: p.not_before,
                    not_after_unix: p.not_after,
                    self_signed: p.subject == p.issuer,
                    key: p.key.clone(),
                    signature_alg: p.signature_alg.clone(),
                    spki_sha256: p.spki_sha256.clone(),
                    chain_len: p.chain_len,
                    span: c.span.clone(),
                });
            }
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
    model.certificates = out;
    findings
}

/// The canonical path of a certificate file, when it exists inside a scanned root.
fn resolve(map: &SourceMap, naming_file: &str, path: &str, roots: &[PathBuf]) -> Option<PathBuf> {
    let p = Path::new(path);
    let candidate = if p.is_absolute() {
        p.to_path_buf()
    } else {
        let (_, src) = map.files().find(|(_, f)| f.display == naming_file)?;
        src.path.parent()?.join(p)
    };
    let canonical = candidate.canonicalize().ok()?;
    if !canonical.is_file() || !roots.iter().any(|r| canonical.starts_with(r)) {
        return None;
    }
    Some(canonical)
}

fn display_of(file: &Path, roots: &[PathBuf]) -> String {
    roots
        .iter()
        .find_map(|r| file.strip_prefix(r).ok())
        .map(|rel| {
            rel.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/")
        })
        .unwrap_or_else(|| file.display().to_string())
}

fn read_bounded(file: &Path) -> Result<Vec<u8>, String> {
    let f = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    f.take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!("larger than {MAX_BYTES} bytes"));
    }
    Ok(bytes)
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

/// Facts of a file's leaf certificate.
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
    chain_len: u32,
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
    let leaf = ders
        .first()
        .ok_or_else(|| "no CERTIFICATE block".to_string())?;
    for (i, der) in ders.iter().enumerate().skip(1) {
        parse_x509_certificate(der)
            .map_err(|e| format!("certificate {} of the chain: {e}", i + 1))?;
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
    let pin = Sha256::digest(spki.raw);
    Ok(Parsed {
        subject: cert.subject().to_string(),
        issuer: cert.issuer().to_string(),
        sans,
        not_before: cert.validity().not_before.timestamp(),
        not_after: cert.validity().not_after.timestamp(),
        key,
        signature_alg: oid_name(&cert.signature_algorithm.algorithm),
        spki_sha256: format!("sha256/{}", base64(&pin)),
        chain_len: u32::try_from(ders.len()).unwrap_or(u32::MAX),
    })
}

fn oid_name(oid: &x509_parser::der_parser::oid::Oid) -> String {
    x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| oid.to_id_string())
}

/// Standard base64 with padding.
fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                s.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse(b"hello").is_err());
        assert!(parse(&[0x30, 0x82, 0xff]).is_err());
        assert!(parse(b"").is_err());
    }
}
