//! Signed evidence and what `verify` proves: every claim of the manifest checked against the
//! bundle, the DSSE envelope checked by an independent implementation (securesystemslib), and
//! each kind of tampering refused by the command line with a message naming it.

use crate::common::tlsproof;
use std::path::Path;
use std::process::Command;
use tlsproof::bundle::{self, Manifest};

const CREATED: &str = "2026-11-20T08:00:00Z";
const COMMIT: &str = "4f2a9c0d1e3b5a7c9e0f2d4b6a8c0e1f3a5b7c9d";

/// A repository with a commit, a declared nginx version and an excluded file, so that every
/// field of the manifest holds a value (none empty or null).
fn repository() -> tempfile::TempDir {
    crate::common::tree(&[
        (".git/HEAD", &format!("{COMMIT}\n")),
        (
            "nginx.conf",
            "events {}\nhttp {\n  server {\n    listen 443 ssl;\n    server_name mcp.example.org;\n    ssl_certificate /etc/ssl/mcp.pem;\n    ssl_protocols TLSv1 TLSv1.2;\n    location /mcp { proxy_pass http://127.0.0.1:8000; }\n  }\n}\n",
        ),
        ("old/nginx.conf", "events {}\nhttp {}\n"),
    ])
}

/// The bundle of [`repository`], written by the library as `tlsproof evidence` writes it.
fn written_bundle() -> (tempfile::TempDir, tempfile::TempDir) {
    let repo = repository();
    let scan = crate::common::scan_with(repo.path(), |o| {
        o.nginx_version = Some("1.26.2".into());
        o.exclude = vec!["old/**".into()];
    });
    let out = tempfile::tempdir().unwrap();
    bundle::write(&scan, out.path(), CREATED).unwrap();
    (repo, out)
}

fn manifest(dir: &Path) -> Manifest {
    serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap()
}

/// The manifest in the form tlsproof writes it, so that only the claim differs.
fn write_manifest(dir: &Path, m: &Manifest) {
    let mut text = serde_json::to_string_pretty(m).unwrap();
    text.push('\n');
    std::fs::write(dir.join("manifest.json"), text).unwrap();
}

/// Where a byte of the manifest is, for a failure message: its line and the flipped text.
fn describe(raw: &[u8], at: usize, bit: u32) -> String {
    let line_start = raw[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |p| p + 1);
    let line_end = raw[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(raw.len(), |p| at + p);
    let line_no = raw[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    format!(
        "line {line_no} byte {} bit {bit} ({:?} -> {:?}): {}",
        at - line_start,
        char::from(raw[at]),
        char::from(raw[at] ^ (1 << bit)),
        String::from_utf8_lossy(&raw[line_start..line_end]).trim()
    )
}

#[test]
fn every_single_bit_flip_of_the_manifest_is_detected() {
    let (_repo, out) = written_bundle();
    let m = manifest(out.path());
    // Every field the flips must reach holds a value.
    assert_eq!(m.git_commit.as_deref(), Some(COMMIT));
    assert_eq!(m.scope.exclude, ["old/**"]);
    assert_eq!(m.scope.versions["nginx"], "1.26.2");
    assert!(!m.policies.is_empty() && !m.inputs.is_empty());

    let contents = bundle::Contents::read(out.path()).unwrap();
    let raw = std::fs::read(out.path().join("manifest.json")).unwrap();
    let intact = bundle::judge(&contents, &raw, None);
    assert!(intact.ok(), "{:?}", intact.problems);

    let mut flips = 0;
    let mut undetected = Vec::new();
    for at in 0..raw.len() {
        for bit in 0..8 {
            let mut flipped = raw.clone();
            flipped[at] ^= 1 << bit;
            flips += 1;
            // No flip is harmless: the manifest is written in one canonical form, so even a
            // flip that JSON would read as the same value is an edit.
            if bundle::judge(&contents, &flipped, None).ok() {
                undetected.push(describe(&raw, at, bit));
            }
        }
    }
    assert_eq!(flips, raw.len() * 8);
    assert!(
        undetected.is_empty(),
        "{} of {flips} single-bit flips of manifest.json go unnoticed:\n{}",
        undetected.len(),
        undetected.join("\n")
    );
}

/// A change to a manifest.
type Edit = Box<dyn Fn(&mut Manifest)>;

#[test]
fn a_manifest_claim_that_the_records_contradict_is_named_with_both_values() {
    let (_repo, out) = written_bundle();
    let original = manifest(out.path());
    assert_eq!(original.verdict, "NOT_SATISFIED");
    let no_commit = format!(r#"git_commit is null, but results.json records "{COMMIT}""#);
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "verdict",
            Box::new(|m| m.verdict = "SATISFIED".into()),
            r#"verdict is "SATISFIED", but results.json records "NOT_SATISFIED""#,
        ),
        ("git_commit", Box::new(|m| m.git_commit = None), &no_commit),
        (
            "created_at",
            Box::new(|m| m.created_at = "2027-01-01T00:00:00Z".into()),
            r#"created_at is "2027-01-01T00:00:00Z", but oscal-assessment-results.json records "2026-11-20T08:00:00Z""#,
        ),
        (
            "tool.version",
            Box::new(|m| m.tool.version = "9.9.9".into()),
            r#"tool.version is "9.9.9", but results.json records"#,
        ),
        (
            "policies",
            Box::new(|m| m.policies[0].role = Some("override from /tmp/x.rego".into())),
            "policies is a list of",
        ),
        (
            "inputs",
            Box::new(|m| m.inputs[0].sha256 = "0".repeat(64)),
            "inputs is ",
        ),
    ];
    for (field, edit, message) in cases {
        let mut m = original.clone();
        edit(&mut m);
        write_manifest(out.path(), &m);
        let v = bundle::verify(out.path(), None).unwrap();
        assert!(!v.ok(), "{field} rewritten verifies");
        let said: Vec<String> = v
            .problems
            .iter()
            .map(|(f, w)| format!("{f}: {w}"))
            .collect();
        assert!(
            said.iter()
                .any(|p| p.starts_with("manifest.json: ") && p.contains(message)),
            "{field}: {said:#?}"
        );
    }
    write_manifest(out.path(), &original);
    assert!(bundle::verify(out.path(), None).unwrap().ok());
}

#[test]
fn a_result_record_whose_verdict_was_rewritten_with_its_hash_is_refused() {
    // results.json and the manifest both say SATISFIED, the manifest's digest of results.json is
    // rewritten: the record's own results still make it NOT_SATISFIED.
    let (_repo, out) = written_bundle();
    let path = out.path().join("results.json");
    let forged = std::fs::read_to_string(&path).unwrap().replacen(
        "\"verdict\": \"NOT_SATISFIED\"",
        "\"verdict\": \"SATISFIED\"",
        1,
    );
    std::fs::write(&path, &forged).unwrap();
    let mut m = manifest(out.path());
    m.verdict = "SATISFIED".into();
    let entry = m
        .bundle_files
        .iter_mut()
        .find(|e| e.path == "results.json")
        .unwrap();
    entry.sha256 = sha256_hex(forged.as_bytes());
    entry.bytes = forged.len() as u64;
    write_manifest(out.path(), &m);
    let v = bundle::verify(out.path(), None).unwrap();
    assert_eq!(
        v.problems,
        [(
            "results.json".to_string(),
            "the verdict is SATISFIED, but its results make it NOT_SATISFIED".to_string()
        )]
    );
}

#[test]
fn a_manifest_that_stops_listing_the_results_is_refused() {
    // Dropping results.json from the list (and the file) would leave the claims unchecked.
    let (_repo, out) = written_bundle();
    let mut m = manifest(out.path());
    m.bundle_files.retain(|e| e.path != "results.json");
    write_manifest(out.path(), &m);
    std::fs::remove_file(out.path().join("results.json")).unwrap();
    let v = bundle::verify(out.path(), None).unwrap();
    assert!(
        v.problems
            .iter()
            .any(|(f, w)| f == "results.json" && w.starts_with("not listed in the manifest")),
        "{:?}",
        v.problems
    );
}

fn examples() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .display()
        .to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Keys `ci` and `other`, and a bundle of the examples signed with `ci`.
struct Signed {
    tmp: tempfile::TempDir,
}

impl Signed {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        for name in ["ci", "other"] {
            let (code, out, err) = tlsproof(&["keygen", s(&tmp.path().join(name))]);
            assert_eq!(code, 0, "{out}{err}");
        }
        let signed = Signed { tmp };
        signed.evidence("bundle", "ci.key");
        signed
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.tmp.path().join(name)
    }

    fn evidence(&self, out: &str, key: &str) {
        let (code, text, err) = tlsproof(&[
            "evidence",
            &examples(),
            "--out",
            s(&self.path(out)),
            "--sign-key",
            s(&self.path(key)),
        ]);
        assert_eq!(code, 1, "the examples are NOT_SATISFIED: {text}{err}");
        assert!(text.contains(", signed by key "), "{text}");
    }

    fn verify(&self, key: &str) -> (i32, String) {
        let (code, out, err) = tlsproof(&[
            "verify",
            s(&self.path("bundle")),
            "--key",
            s(&self.path(key)),
        ]);
        (code, format!("{out}{err}"))
    }
}

#[test]
fn a_signed_bundle_verifies_with_its_key_and_says_so() {
    let signed = Signed::new();
    let (code, out) = signed.verify("ci.pub");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("Authorship too: the attestation's signature verifies with key"),
        "{out}"
    );
    // Without a key, integrity only, said plainly.
    let (code, out, _) = tlsproof(&["verify", s(&signed.path("bundle"))]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("integrity was checked. Authorship was not"),
        "{out}"
    );
    assert!(out.contains("does not prove who wrote the bundle"), "{out}");
}

#[test]
fn the_cli_refuses_each_tampering_of_a_signed_bundle_and_names_it() {
    let signed = Signed::new();
    let bundle = signed.path("bundle");
    let restore = |name: &str, bytes: &[u8]| std::fs::write(bundle.join(name), bytes).unwrap();

    // A wrong key.
    let (code, out) = signed.verify("other.pub");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("SIGNATURE attestation.dsse.json: signed by key "),
        "{out}"
    );
    assert!(out.contains("not by the key given"), "{out}");

    // One edited byte of a file.
    let report = std::fs::read(bundle.join("report.md")).unwrap();
    let mut edited = report.clone();
    edited[10] ^= 0x01;
    restore("report.md", &edited);
    let (code, out) = signed.verify("ci.pub");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("CHANGED  report.md: changed: sha256"), "{out}");
    assert!(
        out.contains("CHANGED  report.md: changed since it was signed"),
        "{out}"
    );
    assert!(
        out.contains("verifies, but the bundle is no longer what it signed: 1 file(s)"),
        "{out}"
    );
    assert!(!out.contains("Authorship too"), "{out}");
    restore("report.md", &report);

    // A re-hashed manifest: results.json edited and its digest rewritten in the manifest, which
    // the unsigned check cannot tell from the original; the signature can.
    let results = std::fs::read(bundle.join("results.json")).unwrap();
    let manifest_bytes = std::fs::read(bundle.join("manifest.json")).unwrap();
    let forged =
        String::from_utf8(results.clone())
            .unwrap()
            .replacen("offers only", "offers just", 1);
    restore("results.json", forged.as_bytes());
    let mut m = manifest(&bundle);
    let entry = m
        .bundle_files
        .iter_mut()
        .find(|e| e.path == "results.json")
        .unwrap();
    entry.sha256 = sha256_hex(forged.as_bytes());
    entry.bytes = forged.len() as u64;
    write_manifest(&bundle, &m);
    // Without a key, whoever re-hashed the manifest can drop the attestation too.
    let attestation = std::fs::read(bundle.join("attestation.dsse.json")).unwrap();
    std::fs::remove_file(bundle.join("attestation.dsse.json")).unwrap();
    let (code, out, _) = tlsproof(&["verify", s(&bundle)]);
    assert_eq!(
        code, 0,
        "without a key the re-hashed manifest passes: {out}"
    );
    restore("attestation.dsse.json", &attestation);
    let (code, out) = signed.verify("ci.pub");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("CHANGED  manifest.json: changed since it was signed"),
        "{out}"
    );
    assert!(
        out.contains("CHANGED  results.json: changed since it was signed"),
        "{out}"
    );
    restore("results.json", &results);
    restore("manifest.json", &manifest_bytes);

    // A swapped attestation: one the same key signed over another bundle.
    let later = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(["evidence", &examples(), "--out", s(&signed.path("later"))])
        .args(["--sign-key", s(&signed.path("ci.key"))])
        .env("SOURCE_DATE_EPOCH", "1790086400")
        .output()
        .unwrap();
    assert_eq!(later.status.code(), Some(1));
    let swapped = std::fs::read(signed.path("later/attestation.dsse.json")).unwrap();
    assert_ne!(attestation, swapped);
    restore("attestation.dsse.json", &swapped);
    let (code, out) = signed.verify("ci.pub");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("CHANGED  manifest.json: changed since it was signed"),
        "{out}"
    );
    restore("attestation.dsse.json", &attestation);

    // An added file.
    restore("extra.txt", b"added\n");
    let (code, out) = signed.verify("ci.pub");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("CHANGED  extra.txt: added after the bundle was signed"),
        "{out}"
    );
    std::fs::remove_file(bundle.join("extra.txt")).unwrap();

    // A removed file, and the manifest rewritten not to list it.
    let junit = std::fs::read(bundle.join("junit.xml")).unwrap();
    std::fs::remove_file(bundle.join("junit.xml")).unwrap();
    let mut m = manifest(&bundle);
    m.bundle_files.retain(|e| e.path != "junit.xml");
    write_manifest(&bundle, &m);
    let (code, out) = signed.verify("ci.pub");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("CHANGED  junit.xml: removed after the bundle was signed"),
        "{out}"
    );
    restore("junit.xml", &junit);
    restore("manifest.json", &manifest_bytes);

    // An edited attestation: its statement changed, its signature kept.
    let mut envelope: serde_json::Value = serde_json::from_slice(&attestation).unwrap();
    let payload = decode(envelope["payload"].as_str().unwrap());
    let mut statement: serde_json::Value = serde_json::from_slice(&payload).unwrap();
    statement["predicate"]["verdict"] = "SATISFIED".into();
    envelope["payload"] = tlsproof::source::base64(&serde_json::to_vec(&statement).unwrap()).into();
    restore(
        "attestation.dsse.json",
        &serde_json::to_vec(&envelope).unwrap(),
    );
    let (code, out) = signed.verify("ci.pub");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("does not match the statement: the attestation was edited"),
        "{out}"
    );
    restore("attestation.dsse.json", &attestation);

    // No attestation at all.
    std::fs::remove_file(bundle.join("attestation.dsse.json")).unwrap();
    let (code, out) = signed.verify("ci.pub");
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("attestation.dsse.json is missing: the bundle is not signed"),
        "{out}"
    );
    restore("attestation.dsse.json", &attestation);

    let (code, out) = signed.verify("ci.pub");
    assert_eq!(code, 0, "restored: {out}");
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    tlsproof::source::hex(&sha2::Sha256::digest(bytes))
}

fn decode(text: &str) -> Vec<u8> {
    tlsproof::source::base64_decode(text).unwrap()
}

#[test]
fn the_statement_is_in_toto_v1_over_every_file_with_a_predicate_its_schema_accepts() {
    let signed = Signed::new();
    let bundle = signed.path("bundle");
    let envelope: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("attestation.dsse.json")).unwrap())
            .unwrap();
    assert_eq!(envelope["payloadType"], "application/vnd.in-toto+json");
    let statement: serde_json::Value =
        serde_json::from_slice(&decode(envelope["payload"].as_str().unwrap())).unwrap();
    assert_eq!(statement["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        statement["predicateType"],
        "https://tlsproof.dev/attestation/evidence/v1"
    );
    let mut subjects: Vec<(String, String)> = statement["subject"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_string(),
                s["digest"]["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    subjects.sort();
    let mut files: Vec<(String, String)> = std::fs::read_dir(&bundle)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| !p.ends_with("attestation.dsse.json"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, sha256_hex(&std::fs::read(&p).unwrap()))
        })
        .collect();
    files.sort();
    assert_eq!(subjects, files);

    let predicate = &statement["predicate"];
    tlsproof::schema::validate(tlsproof::schema::Contract::EvidencePredicate, predicate).unwrap();
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("results.json")).unwrap()).unwrap();
    assert_eq!(predicate["verdict"], results["verdict"]);
    assert_eq!(predicate["counts"], results["summary"]);
    assert_eq!(predicate["policy_digest"], results["tool"]["policy_digest"]);
    assert_eq!(predicate["tool"]["version"], results["tool"]["version"]);
    assert_eq!(predicate["scan_roots"], results["scope"]["roots"]);
    assert_eq!(predicate["created_at"], "2026-09-21T14:13:20Z");
}

/// The Python interpreter that has securesystemslib: `TLSPROOF_SSLIB_PYTHON` (set by
/// `.ci/run`), else `python3`. Without it the test is skipped, except where
/// `TLSPROOF_REQUIRE_TOOLS` is set: there it fails.
fn sslib_python() -> Option<String> {
    let python = std::env::var("TLSPROOF_SSLIB_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = Command::new(&python)
        .args(["-c", "import securesystemslib.dsse, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("TLSPROOF_REQUIRE_TOOLS").is_some() {
        panic!(
            "securesystemslib is required (TLSPROOF_REQUIRE_TOOLS is set) but {python} cannot import it"
        );
    }
    ok.then_some(python)
}

/// securesystemslib reads the envelope (`Envelope.from_dict`), matches the signature to the
/// public key by its default key id and verifies it over DSSE's PAE (`Envelope.verify`), and
/// recomputes every subject's digest. It then signs the same payload with tlsproof's private
/// key (`CryptoSigner`, through pyca/cryptography's PKCS#8 reader), writing the envelope back.
const SSLIB_SCRIPT: &str = r#"
import hashlib, json, pathlib, sys
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

bundle, public, private = (pathlib.Path(a) for a in sys.argv[1:4])
key = SSlibKey.from_crypto(load_pem_public_key(public.read_bytes()))
path = bundle / "attestation.dsse.json"
envelope = Envelope.from_dict(json.loads(path.read_text()))
accepted = envelope.verify([key], 1)
statement = json.loads(envelope.payload)
digests = {
    s["name"]: s["digest"]["sha256"] == hashlib.sha256((bundle / s["name"]).read_bytes()).hexdigest()
    for s in statement["subject"]
}
resigned = Envelope(envelope.payload, envelope.payload_type, {})
resigned.sign(CryptoSigner(load_pem_private_key(private.read_bytes(), None), key))
path.write_text(json.dumps(resigned.to_dict()))
print(json.dumps({
    "keyid": key.keyid,
    "accepted": sorted(accepted),
    "type": statement["_type"],
    "predicate_type": statement["predicateType"],
    "digests": digests,
}))
"#;

#[test]
fn securesystemslib_verifies_the_envelope_and_tlsproof_verifies_its_signature() {
    let Some(python) = sslib_python() else {
        eprintln!("skipped: securesystemslib is not installed");
        return;
    };
    let signed = Signed::new();
    let bundle = signed.path("bundle");
    let original = std::fs::read(bundle.join("attestation.dsse.json")).unwrap();
    let run = Command::new(&python)
        .args(["-c", SSLIB_SCRIPT])
        .args([&bundle, &signed.path("ci.pub"), &signed.path("ci.key")])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "securesystemslib refused the envelope:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let got: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let keyid = std::str::from_utf8(&original)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
        .unwrap()["signatures"][0]["keyid"]
        .clone();
    assert_eq!(got["keyid"], keyid, "the same default key id");
    assert_eq!(got["accepted"], serde_json::json!([keyid]));
    assert_eq!(got["type"], "https://in-toto.io/Statement/v1");
    assert_eq!(
        got["predicate_type"],
        "https://tlsproof.dev/attestation/evidence/v1"
    );
    let digests = got["digests"].as_object().unwrap();
    assert_eq!(digests.len(), 9, "{digests:?}");
    assert!(digests.values().all(|ok| ok == true), "{digests:?}");

    // The envelope securesystemslib signed (Ed25519 is deterministic: the same signature).
    let resigned: serde_json::Value =
        serde_json::from_slice(&std::fs::read(bundle.join("attestation.dsse.json")).unwrap())
            .unwrap();
    let ours: serde_json::Value = serde_json::from_slice(&original).unwrap();
    assert_eq!(resigned["signatures"], ours["signatures"]);
    let (code, out) = signed.verify("ci.pub");
    assert_eq!(code, 0, "{out}");
}

#[test]
fn keygen_writes_a_private_key_only_its_owner_reads_and_replaces_it_only_with_force() {
    let tmp = tempfile::tempdir().unwrap();
    let prefix = tmp.path().join("ci");
    let (code, out, err) = tlsproof(&["keygen", s(&prefix)]);
    assert_eq!(code, 0, "{out}{err}");
    let key = tmp.path().join("ci.key");
    let public = tmp.path().join("ci.pub");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }
    let key_text = std::fs::read_to_string(&key).unwrap();
    assert!(
        key_text.starts_with("-----BEGIN PRIVATE KEY-----\n"),
        "{key_text}"
    );
    let pub_text = std::fs::read_to_string(&public).unwrap();
    assert!(
        pub_text.starts_with("-----BEGIN PUBLIC KEY-----\n"),
        "{pub_text}"
    );

    let (code, _, err) = tlsproof(&["keygen", s(&prefix)]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("ci.key exists: pass --force to replace it"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&key).unwrap(), key_text);

    let (code, _, err) = tlsproof(&["keygen", s(&prefix), "--force"]);
    assert_eq!(code, 0, "{err}");
    assert_ne!(std::fs::read_to_string(&key).unwrap(), key_text);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "replaced: {mode:o}");
    }
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 2, "only ci.key and ci.pub: {leftovers:?}");

    // OpenSSL reads both files and derives the same public key (RFC 8410 encodings).
    if crate::common::have_tool("openssl") {
        let derived = Command::new("openssl")
            .args(["pkey", "-in", s(&key), "-pubout"])
            .output()
            .unwrap();
        assert!(
            derived.status.success(),
            "{}",
            String::from_utf8_lossy(&derived.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&derived.stdout),
            std::fs::read_to_string(&public).unwrap()
        );
    }
}

#[test]
fn an_openssl_key_signs_and_a_key_inside_the_bundle_is_refused() {
    if !crate::common::have_tool("openssl") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("openssl.key");
    let public = tmp.path().join("openssl.pub");
    for args in [
        vec!["genpkey", "-algorithm", "ed25519", "-out", s(&key)],
        vec!["pkey", "-in", s(&key), "-pubout", "-out", s(&public)],
    ] {
        assert!(Command::new("openssl")
            .args(&args)
            .status()
            .unwrap()
            .success());
    }
    let bundle = tmp.path().join("bundle");
    let (code, out, err) = tlsproof(&[
        "evidence",
        &examples(),
        "--out",
        s(&bundle),
        "--sign-key",
        s(&key),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let (code, out, _) = tlsproof(&["verify", s(&bundle), "--key", s(&public)]);
    assert_eq!(code, 0, "{out}");

    // The private key never enters a bundle.
    let inside = bundle.join("ci");
    assert_eq!(tlsproof(&["keygen", s(&inside)]).0, 0);
    let (code, _, err) = tlsproof(&[
        "evidence",
        &examples(),
        "--out",
        s(&bundle),
        "--force",
        "--sign-key",
        s(&bundle.join("ci.key")),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the private key is inside --out"), "{err}");

    // A public key where a private key belongs, and the reverse, are named.
    let (code, _, err) = tlsproof(&[
        "evidence",
        &examples(),
        "--out",
        s(&tmp.path().join("b2")),
        "--sign-key",
        s(&public),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("no PEM PRIVATE KEY block"), "{err}");
    let (code, _, err) = tlsproof(&["verify", s(&bundle), "--key", s(&key)]);
    assert_eq!(code, 2);
    assert!(err.contains("no PEM PUBLIC KEY block"), "{err}");
}

#[test]
fn every_single_bit_flip_of_the_envelope_breaks_its_signature_but_in_the_key_id_hint() {
    let signed = Signed::new();
    let raw = std::fs::read(signed.path("bundle/attestation.dsse.json")).unwrap();
    let key = tlsproof::attest::PublicKey::read(&signed.path("ci.pub")).unwrap();
    let check = |bytes: &[u8]| {
        tlsproof::attest::open(bytes)
            .map_err(|e| e.to_string())
            .and_then(|o| o.signed_by(&key).map_err(|e| e.to_string()))
    };
    check(&raw).unwrap();
    // DSSE leaves the key id out of the signature: it is a hint for finding the key
    // (secure-systems-lab/dsse envelope.md, "keyid: optional, unauthenticated hint"), so a flip
    // there, in its name or its value, changes nothing that is signed.
    let text = String::from_utf8(raw.clone()).unwrap();
    let hint_start = text.find("\"keyid\"").unwrap();
    let hint_end = hint_start + text[hint_start..].find(',').unwrap();
    let mut flips = 0;
    let mut undetected = Vec::new();
    for at in 0..raw.len() {
        for bit in 0..8 {
            let mut flipped = raw.clone();
            flipped[at] ^= 1 << bit;
            flips += 1;
            if check(&flipped).is_ok() && !(hint_start..hint_end).contains(&at) {
                undetected.push(describe(&raw, at, bit));
            }
        }
    }
    assert!(
        undetected.is_empty(),
        "{} of {flips} single-bit flips of the envelope still verify:\n{}",
        undetected.len(),
        undetected.join("\n")
    );
}

#[test]
fn hostile_attestations_and_bundle_entries_are_named_never_a_panic() {
    let (_repo, out) = written_bundle();
    let dir = out.path();
    let key_dir = tempfile::tempdir().unwrap();
    let prefix = key_dir.path().join("k");
    tlsproof::attest::keygen(&prefix, false).unwrap();
    let key = tlsproof::attest::PublicKey::read(&key_dir.path().join("k.pub")).unwrap();
    let checks = bundle::Checks {
        inputs_root: None,
        key: Some(&key),
    };
    let envelopes: [(&str, &[u8]); 6] = [
        ("empty", b""),
        ("not JSON", b"\xff\xfe{"),
        ("no signatures", br#"{"payload":"e30=","payloadType":"application/vnd.in-toto+json","signatures":[]}"#),
        ("payload not base64", br#"{"payload":"%%%","payloadType":"application/vnd.in-toto+json","signatures":[]}"#),
        ("another payload type", br#"{"payload":"e30=","payloadType":"text/plain","signatures":[]}"#),
        ("a statement of another kind", br#"{"payload":"eyJfdHlwZSI6IngiLCJzdWJqZWN0IjpbXSwicHJlZGljYXRlVHlwZSI6InkiLCJwcmVkaWNhdGUiOnt9fQ==","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"AAAA"}]}"#),
    ];
    for (what, bytes) in envelopes {
        std::fs::write(dir.join("attestation.dsse.json"), bytes).unwrap();
        let v = bundle::verify_with(dir, &checks).unwrap();
        assert!(!v.ok(), "{what} verifies");
        assert!(
            matches!(v.authorship, bundle::Authorship::Refused { .. }),
            "{what}: {:?}",
            v.authorship
        );
        assert!(
            v.problems.iter().any(|(f, _)| f == "attestation.dsse.json"),
            "{what}: {:?}",
            v.problems
        );
    }
    std::fs::remove_file(dir.join("attestation.dsse.json")).unwrap();

    // A directory and a symbolic link where files belong are named, never followed.
    std::fs::create_dir(dir.join("sub")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/dev/zero", dir.join("zero")).unwrap();
    let v = bundle::verify(dir, None).unwrap();
    assert!(
        v.problems
            .iter()
            .any(|(f, w)| f == "sub" && w.starts_with("not a plain file")),
        "{:?}",
        v.problems
    );
    #[cfg(unix)]
    assert!(
        v.problems
            .iter()
            .any(|(f, w)| f == "zero" && w.starts_with("not a plain file")),
        "{:?}",
        v.problems
    );
}
