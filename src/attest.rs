//! Signed evidence: an in-toto Statement v1 about the bundle's files, in a DSSE envelope signed
//! with Ed25519, and the keys that sign and check it.
//!
//! The statement's subjects are the bundle's files by name and sha256; its predicate
//! (`schemas/evidence-predicate.schema.json`) carries the verdict and what it rests on. The
//! envelope follows the DSSE protocol (the signature covers the pre-authentication encoding of
//! the payload type and the payload), so tools that know nothing of tlsproof can check it.
//! Keys are PEM: the private key PKCS#8, the public key SubjectPublicKeyInfo (RFC 8410).

use crate::source::{base64, hex};
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The attestation's file name in a bundle.
pub const FILE: &str = "attestation.dsse.json";
/// The DSSE payload type of an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate of a tlsproof evidence bundle (`schemas/evidence-predicate.schema.json`).
pub const PREDICATE_TYPE: &str = "https://tlsproof.dev/attestation/evidence/v1";

/// The DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): the algorithm identifier
/// 1.3.101.112 and a bit string of the 32-byte key follow.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The DER prefix of an Ed25519 private key in PKCS#8 v1 (RFC 8410 §7): the 32-byte seed
/// follows. ring writes v2 (with the public key), which OpenSSL 3 refuses to read; v1 is what
/// `openssl genpkey -algorithm ed25519` writes.
const PKCS8_PREFIX: [u8; 16] = [
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
];

/// A key file is a few hundred bytes; anything much larger is not one.
const MAX_KEY_BYTES: u64 = 64 * 1024;
/// The largest envelope `open` reads (its payload lists the bundle's few files).
const MAX_ENVELOPE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum AttestError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{path}: {why}")]
    Key { path: String, why: String },
    #[error("{0} exists: pass --force to replace it")]
    Exists(String),
    #[error("{0}")]
    Envelope(String),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> AttestError + '_ {
    move |source| AttestError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// An Ed25519 private key that signs bundles.
pub struct SigningKey {
    pair: Ed25519KeyPair,
}

impl SigningKey {
    /// Reads a PKCS#8 PEM private key (as `tlsproof keygen` or `openssl genpkey -algorithm
    /// ed25519` write it).
    pub fn read(path: &Path) -> Result<Self, AttestError> {
        let text = read_bounded(path)?;
        let key_error = |why: &str| AttestError::Key {
            path: path.display().to_string(),
            why: why.to_string(),
        };
        let der = pem_block(&text, "PRIVATE KEY")
            .ok_or_else(|| key_error("no PEM PRIVATE KEY block (PKCS#8)"))?;
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der)
            .map_err(|e| key_error(&format!("not an Ed25519 PKCS#8 private key ({e})")))?;
        Ok(SigningKey { pair })
    }

    pub fn public(&self) -> PublicKey {
        let mut raw = [0u8; 32];
        raw.copy_from_slice(self.pair.public_key().as_ref());
        PublicKey { raw }
    }

    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// An Ed25519 public key that checks signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    raw: [u8; 32],
}

impl PublicKey {
    /// Reads a SubjectPublicKeyInfo PEM public key (`PUBLIC KEY`).
    pub fn read(path: &Path) -> Result<Self, AttestError> {
        let text = read_bounded(path)?;
        let key_error = |why: &str| AttestError::Key {
            path: path.display().to_string(),
            why: why.to_string(),
        };
        let der = pem_block(&text, "PUBLIC KEY")
            .ok_or_else(|| key_error("no PEM PUBLIC KEY block (SubjectPublicKeyInfo)"))?;
        let raw = der
            .strip_prefix(&SPKI_PREFIX)
            .and_then(|k| <[u8; 32]>::try_from(k).ok())
            .ok_or_else(|| key_error("not an Ed25519 public key"))?;
        Ok(PublicKey { raw })
    }

    /// The SubjectPublicKeyInfo PEM.
    pub fn to_pem(&self) -> String {
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(&self.raw);
        pem("PUBLIC KEY", &der)
    }

    /// The key id: the sha256 of the key's canonical JSON as securesystemslib computes it
    /// (`compute_default_keyid`), so that in-toto tooling matches signatures to this key.
    pub fn keyid(&self) -> String {
        let canonical = format!(
            r#"{{"keytype":"ed25519","keyval":{{"public":"{}"}},"scheme":"ed25519"}}"#,
            hex(&self.raw)
        );
        hex(&Sha256::digest(canonical.as_bytes()))
    }

    fn verifies(&self, message: &[u8], signature: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, self.raw)
            .verify(message, signature)
            .is_ok()
    }
}

/// The files `keygen` wrote.
pub struct KeyFiles {
    pub private: PathBuf,
    pub public: PathBuf,
    pub keyid: String,
}

/// Writes a new key pair: `PREFIX.key` (PKCS#8 PEM, created with mode 0600, so that it is never
/// readable by others, not even for a moment) and `PREFIX.pub` (SubjectPublicKeyInfo PEM).
/// An existing file is replaced only with `force`.
pub fn keygen(prefix: &Path, force: bool) -> Result<KeyFiles, AttestError> {
    let private = with_suffix(prefix, "key");
    let public = with_suffix(prefix, "pub");
    if !force {
        for path in [&private, &public] {
            if path.symlink_metadata().is_ok() {
                return Err(AttestError::Exists(path.display().to_string()));
            }
        }
    }
    let failed = |e: ring::error::Unspecified| AttestError::Key {
        path: private.display().to_string(),
        why: format!("generating the key: {e}"),
    };
    let mut seed = [0u8; 32];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut seed).map_err(failed)?;
    let mut pkcs8 = PKCS8_PREFIX.to_vec();
    pkcs8.extend_from_slice(&seed);
    let key = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&pkcs8)
        .map_err(|_| failed(ring::error::Unspecified))?;
    let mut raw = [0u8; 32];
    raw.copy_from_slice(key.public_key().as_ref());
    let public_key = PublicKey { raw };
    write_private(&private, pem("PRIVATE KEY", &pkcs8).as_bytes(), force)?;
    std::fs::write(&public, public_key.to_pem()).map_err(io(&public))?;
    Ok(KeyFiles {
        private,
        public,
        keyid: public_key.keyid(),
    })
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut name = prefix.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates `path` with mode 0600 and writes `bytes`. Without `force` the file must not exist
/// (`create_new`: no race with another writer); with it, the key is written to a new private
/// file beside it and renamed over the old one.
fn write_private(path: &Path, bytes: &[u8], force: bool) -> Result<(), AttestError> {
    use std::io::Write;
    let target = if force {
        with_suffix(path, &format!("tmp-{}", std::process::id()))
    } else {
        path.to_path_buf()
    };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&target).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    if let Err(e) = written {
        if e.kind() == std::io::ErrorKind::AlreadyExists && !force {
            return Err(AttestError::Exists(path.display().to_string()));
        }
        let _ = std::fs::remove_file(&target);
        return Err(io(&target)(e));
    }
    if force {
        if let Err(e) = std::fs::rename(&target, path) {
            let _ = std::fs::remove_file(&target);
            return Err(io(path)(e));
        }
    }
    Ok(())
}

fn read_bounded(path: &Path) -> Result<Vec<u8>, AttestError> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(io(path))?;
    let mut bytes = Vec::new();
    file.take(MAX_KEY_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io(path))?;
    if bytes.len() as u64 > MAX_KEY_BYTES {
        return Err(AttestError::Key {
            path: path.display().to_string(),
            why: format!("larger than {MAX_KEY_BYTES} bytes: not a key file"),
        });
    }
    Ok(bytes)
}

/// The DER of the first PEM block labelled `label`.
fn pem_block(text: &[u8], label: &str) -> Option<Vec<u8>> {
    x509_parser::pem::Pem::iter_from_buffer(text)
        .map_while(Result::ok)
        .find(|p| p.label == label)
        .map(|p| p.contents)
}

/// PEM with 64-character lines (RFC 7468).
fn pem(label: &str, der: &[u8]) -> String {
    let body = base64(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// One file the statement is about.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Subject {
    pub name: String,
    pub digest: std::collections::BTreeMap<String, String>,
}

impl Subject {
    pub fn new(name: &str, sha256: &str) -> Self {
        Subject {
            name: name.to_string(),
            digest: [("sha256".to_string(), sha256.to_string())].into(),
        }
    }

    pub fn sha256(&self) -> Option<&str> {
        self.digest.get("sha256").map(String::as_str)
    }
}

/// What a bundle attests: the verdict and what it rests on (`schemas/evidence-predicate.schema.json`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Predicate {
    pub control: String,
    pub verdict: String,
    /// Results by status, endpoints and files, as in results.json's summary.
    pub counts: crate::results::Summary,
    pub policy_digest: String,
    pub tool: crate::bundle::ToolEntry,
    pub scan_roots: Vec<String>,
    pub git_commit: Option<String>,
    pub profile: String,
    pub environment: String,
    /// The time the configuration was judged at, when the verdict depends on it (certificate
    /// dates, claim expiry).
    pub evaluated_at: Option<String>,
    pub created_at: String,
}

/// An in-toto Statement v1.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Statement {
    #[serde(rename = "_type")]
    pub statement_type: String,
    pub subject: Vec<Subject>,
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    pub predicate: serde_json::Value,
}

impl Statement {
    /// A statement of tlsproof's predicate type; `predicate` is a [`Predicate`] as JSON.
    pub fn new(subject: Vec<Subject>, predicate: serde_json::Value) -> Self {
        Statement {
            statement_type: STATEMENT_TYPE.into(),
            subject,
            predicate_type: PREDICATE_TYPE.into(),
            predicate,
        }
    }
}

/// A DSSE envelope.
#[derive(Debug, Serialize, Deserialize)]
struct Envelope {
    payload: String,
    #[serde(rename = "payloadType")]
    payload_type: String,
    signatures: Vec<EnvelopeSignature>,
}

#[derive(Debug, Serialize, Deserialize)]
struct EnvelopeSignature {
    #[serde(default)]
    keyid: String,
    sig: String,
}

/// The DSSE pre-authentication encoding: what is signed.
/// `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, lengths in ASCII decimal.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The envelope (JSON bytes) of `statement`, signed with `key`.
pub fn seal(statement: &Statement, key: &SigningKey) -> Result<Vec<u8>, AttestError> {
    let payload =
        serde_json::to_vec(statement).map_err(|e| AttestError::Envelope(e.to_string()))?;
    let signature = key.sign(&pae(PAYLOAD_TYPE, &payload));
    let envelope = Envelope {
        payload: base64(&payload),
        payload_type: PAYLOAD_TYPE.into(),
        signatures: vec![EnvelopeSignature {
            keyid: key.public().keyid(),
            sig: base64(&signature),
        }],
    };
    let mut out =
        serde_json::to_vec_pretty(&envelope).map_err(|e| AttestError::Envelope(e.to_string()))?;
    out.push(b'\n');
    Ok(out)
}

/// An envelope read back: its statement, and what is needed to check its signatures.
pub struct Opened {
    pub statement: Statement,
    signed: Vec<u8>,
    signatures: Vec<(String, Vec<u8>)>,
}

/// Reads an envelope and its statement, checking their types; the signature is checked by
/// [`Opened::signed_by`].
pub fn open(bytes: &[u8]) -> Result<Opened, AttestError> {
    let bad = |why: String| AttestError::Envelope(why);
    if bytes.len() > MAX_ENVELOPE_BYTES {
        return Err(bad(format!(
            "larger than {MAX_ENVELOPE_BYTES} bytes: not an attestation"
        )));
    }
    let envelope: Envelope =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("not a DSSE envelope: {e}")))?;
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(bad(format!(
            "payloadType is {:?}, not {PAYLOAD_TYPE:?}",
            envelope.payload_type
        )));
    }
    let payload = canonical_base64(&envelope.payload)
        .ok_or_else(|| bad("the payload is not canonical base64".into()))?;
    let statement: Statement = serde_json::from_slice(&payload)
        .map_err(|e| bad(format!("the payload is not an in-toto statement: {e}")))?;
    if statement.statement_type != STATEMENT_TYPE {
        return Err(bad(format!(
            "the statement's _type is {:?}, not {STATEMENT_TYPE:?}",
            statement.statement_type
        )));
    }
    if statement.predicate_type != PREDICATE_TYPE {
        return Err(bad(format!(
            "the predicateType is {:?}, not {PREDICATE_TYPE:?}",
            statement.predicate_type
        )));
    }
    let signatures = envelope
        .signatures
        .into_iter()
        .map(|s| {
            canonical_base64(&s.sig)
                .map(|sig| (s.keyid, sig))
                .ok_or_else(|| bad("a signature is not canonical base64".into()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Opened {
        statement,
        signed: pae(PAYLOAD_TYPE, &payload),
        signatures,
    })
}

/// Standard base64 with padding, as DSSE implementations write it, in its one canonical form:
/// the unused low bits of the last character zero and no whitespace (RFC 4648 §3.5). Another
/// spelling of the same bytes is refused, so that an envelope has one encoding only.
fn canonical_base64(text: &str) -> Option<Vec<u8>> {
    let bytes = crate::source::base64_decode(text)?;
    (base64(&bytes) == text).then_some(bytes)
}

impl Opened {
    /// The key ids the signatures name (unchecked).
    pub fn keyids(&self) -> Vec<String> {
        self.signatures.iter().map(|(id, _)| id.clone()).collect()
    }

    /// Whether a signature of the envelope verifies with `key`; the error says why not: no
    /// signature, signed by another key, or a signature that does not match the payload.
    pub fn signed_by(&self, key: &PublicKey) -> Result<(), AttestError> {
        if self
            .signatures
            .iter()
            .any(|(_, sig)| key.verifies(&self.signed, sig))
        {
            return Ok(());
        }
        let keyid = key.keyid();
        let why = if self.signatures.is_empty() {
            "the envelope holds no signature".to_string()
        } else if self.signatures.iter().any(|(id, _)| *id == keyid) {
            format!(
                "the signature of key {keyid} does not match the statement: the attestation was edited after signing"
            )
        } else {
            format!(
                "signed by key {}, not by the key given ({keyid})",
                self.keyids().join(", ")
            )
        };
        Err(AttestError::Envelope(why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_follows_the_dsse_spec_example() {
        // The DSSE protocol's worked example (secure-systems-lab/dsse, protocol.md).
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn a_sealed_statement_opens_with_its_key_and_not_with_another() {
        let dir = tempfile::tempdir().unwrap();
        let a = keygen(&dir.path().join("a"), false).unwrap();
        let b = keygen(&dir.path().join("b"), false).unwrap();
        let key = SigningKey::read(&a.private).unwrap();
        let statement = Statement::new(
            vec![Subject::new("results.json", &"0".repeat(64))],
            serde_json::json!({}),
        );
        let sealed = seal(&statement, &key).unwrap();
        let opened = open(&sealed).unwrap();
        opened
            .signed_by(&PublicKey::read(&a.public).unwrap())
            .unwrap();
        let other = opened
            .signed_by(&PublicKey::read(&b.public).unwrap())
            .unwrap_err()
            .to_string();
        assert!(
            other.contains(&format!("signed by key {}", a.keyid)),
            "{other}"
        );
    }
}
