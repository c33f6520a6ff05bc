//! Results of other TLS scanners read as probes (`--observations FILE`): testssl.sh's JSON
//! (`--jsonfile`, a flat array of findings, or `--jsonfile-pretty`, an object with
//! `scanResult`) and sslyze's (`--json_out`, `server_scan_results`), told apart by their
//! content. Each scanned (host, port) becomes one [`ImportedProbe`] whose tests carry tlsproof's
//! ids and cite the tool's own id and finding; stage 6 (`observe.rs`) joins them to the
//! endpoints. Input is bounded ([`MAX_BYTES`]) and anything unexpected is an error or an
//! INCONCLUSIVE test, never a panic.

use super::checks::{self, TestResult, TestStatus};
use super::hello::Version;
use crate::certs::TrustStore;
use crate::model::{HttpsAnswer, ObservedSuite, SuiteFacts};
use serde_json::Value;

/// The largest results file read (about 60 hosts of sslyze's output).
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

/// The tool that wrote a results file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Testssl,
    Sslyze,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Testssl => "testssl.sh",
            Tool::Sslyze => "sslyze",
        }
    }
}

/// What one results file holds.
#[derive(Debug, Clone)]
pub struct Imported {
    pub tool: Tool,
    /// The tool's version when the file says it.
    pub version: Option<String>,
    pub probes: Vec<ImportedProbe>,
}

impl Imported {
    /// `testssl.sh 3.0.8 (results/site.json)`: who observed, for `Observation.source`.
    pub fn source(&self, path: &str) -> String {
        match &self.version {
            Some(v) => format!("{} {v} ({path})", self.tool.name()),
            None => format!("{} ({path})", self.tool.name()),
        }
    }
}

/// What the tool saw at one host and port.
#[derive(Debug, Clone)]
pub struct ImportedProbe {
    /// The name the tool scanned (sent as SNI), or the address when it scanned an address.
    pub host: String,
    pub port: u16,
    /// The address the tool connected to, when the file says it.
    pub ip: Option<String>,
    /// When the scan started (RFC 3339 UTC), when the file says it.
    pub scanned_at: Option<String>,
    pub tests: Vec<TestResult>,
    /// Every protocol version accepted; `None` when not every version was tested.
    pub protocols: Option<Vec<Version>>,
    pub accepted_suites: Vec<ObservedSuite>,
    /// Why `accepted_suites` may be incomplete.
    pub suite_gaps: Vec<String>,
    pub https_answer: Option<HttpsAnswer>,
    /// The certificates served (DER, leaf first), when the tool recorded them.
    pub chain: Vec<Vec<u8>>,
}

impl ImportedProbe {
    /// A probe of `host:port` with nothing observed yet.
    fn new(host: String, port: u16, ip: Option<String>, scanned_at: Option<String>) -> Self {
        ImportedProbe {
            host,
            port,
            ip,
            scanned_at,
            tests: Vec::new(),
            protocols: None,
            accepted_suites: Vec::new(),
            suite_gaps: Vec::new(),
            https_answer: None,
            chain: Vec::new(),
        }
    }
}

impl ImportedProbe {
    /// `ip:port`, or empty when the address is not known.
    pub fn address(&self) -> String {
        match &self.ip {
            Some(ip) if ip.contains(':') => format!("[{ip}]:{}", self.port),
            Some(ip) => format!("{ip}:{}", self.port),
            None => String::new(),
        }
    }

    /// The probe as the live probe reports one: the served chain judged with tlsproof's trust
    /// store at the scan's time (else `time`), and a grade when every protocol and suite
    /// accepted is known.
    pub fn probe(&self, target: &str, trust: &TrustStore, time: i64) -> checks::Probe {
        let at = self
            .scanned_at
            .as_deref()
            .and_then(|t| crate::settings::parse_time(t).ok())
            .map(|t| t.unix_timestamp())
            .unwrap_or(time);
        let served = (!self.chain.is_empty())
            .then(|| crate::certs::judge_served(trust, self.chain.clone(), &self.host, at).ok())
            .flatten();
        let mut tests = self.tests.clone();
        let grade = match &self.protocols {
            Some(protocols) if self.suite_gaps.is_empty() && !self.accepted_suites.is_empty() => {
                let g = super::grade::grade(&super::grade::Seen {
                    protocols,
                    suites: &self.accepted_suites,
                    certificate: served.as_ref(),
                    hsts: self.https_answer.as_ref().and_then(|a| a.hsts.as_deref()),
                });
                tests.push(checks::grade_test(&g));
                g
            }
            _ => {
                let why = if self.suite_gaps.is_empty() {
                    "not every protocol version was tested".to_string()
                } else {
                    self.suite_gaps.join("; ")
                };
                tests.push(result(
                    "grade-a-or-better",
                    TestStatus::Inconclusive,
                    format!("the accepted protocols and suites are not all known: {why}"),
                ));
                None
            }
        };
        let certificate = served.map(|c| crate::model::ServedCertificate {
            subject: c.subject,
            issuer: c.issuer,
            not_after: c.not_after,
            self_signed: c.self_signed,
            spki_sha256: c.pins.first().cloned().unwrap_or_default(),
            pins: c.pins,
            key: c.key,
            chain: c.chain,
        });
        checks::Probe {
            target: target.to_string(),
            address: self.address(),
            observed_at: self
                .scanned_at
                .clone()
                .unwrap_or_else(|| "unknown".to_string()),
            tests,
            negotiated: None,
            certificate,
            https_answer: self.https_answer.clone(),
            accepted_suites: self.accepted_suites.clone(),
            grade,
        }
    }
}

/// Reads a results file of testssl.sh or sslyze, recognised by its content.
pub fn parse(bytes: &[u8]) -> Result<Imported, String> {
    if bytes.len() > MAX_BYTES {
        return Err(format!(
            "{} bytes, more than the {MAX_BYTES} bytes a results file may have",
            bytes.len()
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 text: {e}"))?;
    let value: Value =
        serde_json::from_str(&quote_long_numbers(text)).map_err(|e| format!("not JSON: {e}"))?;
    match &value {
        Value::Array(items) if !items.is_empty() && items.iter().all(is_finding) => {
            testssl_flat(items)
        }
        Value::Object(o) if o.get("scanResult").is_some_and(Value::is_array) => {
            testssl_pretty(&value)
        }
        Value::Object(o) if o.get("server_scan_results").is_some_and(Value::is_array) => {
            sslyze(&value)
        }
        _ => Err("not the results of testssl.sh (--jsonfile or --jsonfile-pretty) or of sslyze (--json_out)".into()),
    }
}

/// The most digits of a number kept as a number: longer ones (sslyze writes an RSA modulus as
/// an integer of 600 digits) become strings, as no float holds them and none is read here.
const LONGEST_NUMBER: usize = 300;

/// `text` with every number literal longer than [`LONGEST_NUMBER`] in quotes; strings are
/// copied untouched.
fn quote_long_numbers(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let (mut i, mut copied) = (0, 0);
    let mut in_string = false;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            let start = i;
            while i < bytes.len()
                && matches!(bytes[i], b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
            {
                i += 1;
            }
            if i - start > LONGEST_NUMBER {
                let o = out.get_or_insert_with(|| String::with_capacity(text.len() + 64));
                o.push_str(&text[copied..start]);
                o.push('"');
                o.push_str(&text[start..i]);
                o.push('"');
                copied = i;
            }
            continue;
        }
        i += 1;
    }
    match out {
        Some(mut o) => {
            o.push_str(&text[copied..]);
            std::borrow::Cow::Owned(o)
        }
        None => std::borrow::Cow::Borrowed(text),
    }
}

fn result(test: &'static str, status: TestStatus, detail: impl Into<String>) -> TestResult {
    TestResult {
        test,
        status,
        detail: detail.into(),
    }
}

/// The tests of an `https://` probe, in the live probe's order (the grade is added by
/// [`ImportedProbe::probe`]).
const TESTS: [&str; 6] = [
    "https-valid-certificate",
    "tls1.0-rejected",
    "tls1.1-rejected",
    "self-signed-rejected",
    "ssl3-rejected",
    "strong-ciphers",
];

/// Every test INCONCLUSIVE for the same reason (the tool could not scan the target).
fn all_inconclusive(why: &str) -> Vec<TestResult> {
    TESTS
        .iter()
        .map(|id| result(id, TestStatus::Inconclusive, why))
        .collect()
}

fn str_of<'v>(v: &'v Value, key: &str) -> &'v str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn port_of(v: Option<&Value>) -> Option<u16> {
    match v? {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        _ => None,
    }
}

/// The DER of every `-----BEGIN CERTIFICATE-----` block of `text`, whatever the line breaks
/// (testssl.sh joins a PEM's lines with spaces).
fn pem_ders(text: &str) -> Vec<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(BEGIN) {
        let body = &rest[start + BEGIN.len()..];
        let Some(end) = body.find(END) else { break };
        if let Some(der) = crate::source::base64_decode(&body[..end]) {
            out.push(der);
        }
        rest = &body[end + END.len()..];
    }
    out
}

/// The suites judged by `strong-ciphers`, or INCONCLUSIVE with the gaps when none is known.
fn strong(suites: &[ObservedSuite], gaps: &[String]) -> TestResult {
    checks::strong_ciphers(suites, gaps)
}

fn suite(v: Version, s: &'static crate::ciphers::Suite) -> ObservedSuite {
    ObservedSuite {
        protocol: v.name().to_string(),
        suite: SuiteFacts::from(s),
    }
}

// ---------------------------------------------------------------------------------------------
// testssl.sh

/// One finding of testssl.sh: `{"id", "severity", "finding", …}`.
fn is_finding(v: &Value) -> bool {
    v.get("id").is_some_and(Value::is_string) && v.get("finding").is_some()
}

/// A finding, borrowed.
struct Finding<'v> {
    id: &'v str,
    severity: &'v str,
    finding: &'v str,
}

fn finding(v: &Value) -> Finding<'_> {
    Finding {
        id: str_of(v, "id"),
        severity: str_of(v, "severity"),
        finding: str_of(v, "finding"),
    }
}

/// `--jsonfile`: every finding names its target as `"ip": "host/address"` and `"port"`; a
/// mass scan (`--file`) holds several targets. The flat form has no start time or version.
fn testssl_flat(items: &[Value]) -> Result<Imported, String> {
    let mut groups: Vec<((String, u16), Vec<Finding>)> = Vec::new();
    for item in items {
        let Some(port) = port_of(item.get("port")) else {
            continue;
        };
        let key = (str_of(item, "ip").to_string(), port);
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(finding(item)),
            None => groups.push((key, vec![finding(item)])),
        }
    }
    if groups.is_empty() {
        return Err("testssl.sh findings without a port: no target to join".into());
    }
    let probes = groups
        .into_iter()
        .map(|((ip_field, port), findings)| {
            let (host, ip) = match ip_field.split_once('/') {
                Some((h, ip)) => (h.to_string(), ip.to_string()),
                None => (ip_field.clone(), ip_field.clone()),
            };
            testssl_probe(host, non_empty(ip), port, None, &findings)
        })
        .collect();
    Ok(Imported {
        tool: Tool::Testssl,
        version: None,
        probes,
    })
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

/// `--jsonfile-pretty`: `{"version", "startTime" (Unix seconds), "scanResult": [{"targetHost",
/// "ip", "port", "protocols": [findings], …}]}`.
fn testssl_pretty(v: &Value) -> Result<Imported, String> {
    let version = str_of(v, "version")
        .split_whitespace()
        .next()
        .map(str::to_string);
    let scanned_at = match v.get("startTime") {
        Some(Value::String(s)) => s.trim().parse::<i64>().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        _ => None,
    }
    .map(crate::certs::rfc3339_of);
    let mut probes = Vec::new();
    for target in v
        .get("scanResult")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(port) = port_of(target.get("port")) else {
            continue;
        };
        let findings: Vec<Finding> = target
            .as_object()
            .into_iter()
            .flat_map(|o| o.values())
            .filter_map(Value::as_array)
            .flatten()
            .filter(|f| is_finding(f))
            .map(finding)
            .collect();
        let ip = str_of(target, "ip").to_string();
        let host = match str_of(target, "targetHost") {
            "" => ip.clone(),
            h => h.to_string(),
        };
        probes.push(testssl_probe(
            host,
            non_empty(ip),
            port,
            scanned_at.clone(),
            &findings,
        ));
    }
    if probes.is_empty() {
        return Err("testssl.sh scanResult holds no target with a port".into());
    }
    Ok(Imported {
        tool: Tool::Testssl,
        version,
        probes,
    })
}

/// The tests of one testssl.sh target.
fn testssl_probe(
    host: String,
    ip: Option<String>,
    port: u16,
    scanned_at: Option<String>,
    findings: &[Finding],
) -> ImportedProbe {
    // The first finding of an id; with several server certificates testssl.sh appends
    // ` <cert#1>`, ` <cert#2>`… and the first certificate is read.
    let get = |id: &str| {
        findings.iter().find(|f| {
            f.id == id
                || f.id
                    .strip_prefix(id)
                    .is_some_and(|rest| rest.starts_with(" <"))
        })
    };
    let mut probe = ImportedProbe::new(host, port, ip, scanned_at);
    if let Some(fatal) = findings
        .iter()
        .find(|f| f.id == "scanProblem" && f.severity == "FATAL")
    {
        probe.tests = all_inconclusive(&format!(
            "testssl.sh could not scan the target: scanProblem: {}",
            fatal.finding
        ));
        return probe;
    }

    // Protocol versions: "not offered" / "offered (deprecated)", … (`--protocols`).
    let offered = |id: &str| -> Option<Option<bool>> {
        let f = get(id)?;
        let text = f.finding.trim_start().to_ascii_lowercase();
        Some(if text.starts_with("not offered") {
            Some(false)
        } else if text.starts_with("offered") {
            Some(true)
        } else {
            None
        })
    };
    let version_test = |test: &'static str, id: &str, name: &str| match (get(id), offered(id)) {
        (Some(f), Some(Some(false))) => result(
            test,
            TestStatus::Pass,
            format!("{name} refused: testssl.sh {id}: {}", f.finding),
        ),
        (Some(f), Some(Some(true))) => result(
            test,
            TestStatus::Fail,
            format!("{name} accepted: testssl.sh {id}: {}", f.finding),
        ),
        (Some(f), _) => result(
            test,
            TestStatus::Inconclusive,
            format!("testssl.sh {id}: {}", f.finding),
        ),
        (None, _) => result(
            test,
            TestStatus::Inconclusive,
            format!("testssl.sh's results have no {id} finding: run it with --protocols (-p)"),
        ),
    };
    const VERSIONS: [(&str, Version); 5] = [
        ("SSLv3", Version::Ssl3),
        ("TLS1", Version::Tls10),
        ("TLS1_1", Version::Tls11),
        ("TLS1_2", Version::Tls12),
        ("TLS1_3", Version::Tls13),
    ];
    probe.protocols = VERSIONS
        .iter()
        .map(|(id, v)| offered(id).flatten().map(|o| (*v, o)))
        .collect::<Option<Vec<_>>>()
        .map(|all| {
            all.into_iter()
                .filter(|(_, o)| *o)
                .map(|(v, _)| v)
                .collect()
        });

    // Suites per version: `cipher-tls1_2_xc02f` (`--cipher-per-proto`, -E).
    for f in findings {
        let Some(rest) = f.id.strip_prefix("cipher-") else {
            continue;
        };
        let parsed = rest.rsplit_once("_x").and_then(|(proto, hex)| {
            let v = match proto {
                "ssl3" => Version::Ssl3,
                "tls1" => Version::Tls10,
                "tls1_1" => Version::Tls11,
                "tls1_2" => Version::Tls12,
                "tls1_3" => Version::Tls13,
                _ => return None,
            };
            Some((v, u16::from_str_radix(hex, 16).ok()?))
        });
        match parsed.and_then(|(v, id)| Some((v, crate::ciphers::all().find(|s| s.id == id)?))) {
            Some((v, s)) => probe.accepted_suites.push(suite(v, s)),
            None => probe.suite_gaps.push(format!(
                "testssl.sh {}: not a suite of tlsproof's table ({})",
                f.id,
                f.finding.split_whitespace().collect::<Vec<_>>().join(" ")
            )),
        }
    }
    let per_proto = findings.iter().any(|f| f.id.starts_with("cipher-"));
    if !per_proto {
        probe.suite_gaps.push(
            "testssl.sh ran without --cipher-per-proto (-E): the suites accepted are not listed"
                .into(),
        );
    }
    let strong_ciphers = if per_proto {
        strong(&probe.accepted_suites, &probe.suite_gaps)
    } else {
        // The cipher categories (`--std`) name weak suites offered, never that all are strong.
        let weak: Vec<String> = [
            "cipherlist_NULL",
            "cipherlist_aNULL",
            "cipherlist_EXPORT",
            "cipherlist_LOW",
            "cipherlist_3DES_IDEA",
            "cipherlist_AVERAGE",
            "cipherlist_OBSOLETED",
        ]
        .iter()
        .filter_map(|id| {
            let f = get(id)?;
            f.finding
                .trim_start()
                .starts_with("offered")
                .then(|| format!("testssl.sh {id}: {}", f.finding))
        })
        .collect();
        if weak.is_empty() {
            strong(&[], &probe.suite_gaps)
        } else {
            result(
                "strong-ciphers",
                TestStatus::Fail,
                format!("weak suites are accepted: {}", weak.join("; ")),
            )
        }
    };

    // The served certificate (`--server-defaults`, -S).
    for f in findings {
        if f.id == "cert" || f.id.starts_with("cert <") || f.id.starts_with("intermediate_cert") {
            probe.chain.extend(pem_ders(f.finding));
        }
    }
    let http = get("HTTP_status_code");
    let http_note = match http {
        Some(f) => format!("HTTP_status_code: {}", f.finding),
        None => "testssl.sh made no HTTP request (it makes one with --headers, -h)".to_string(),
    };
    let (valid, self_signed) = match get("cert_chain_of_trust") {
        None => {
            let why = "testssl.sh's results have no cert_chain_of_trust finding: run it with --server-defaults (-S)";
            (
                result("https-valid-certificate", TestStatus::Inconclusive, why),
                result("self-signed-rejected", TestStatus::Inconclusive, why),
            )
        }
        Some(chain) => {
            let trusted = chain.finding.trim_start().starts_with("passed");
            let self_signed = chain.finding.contains("(self signed)");
            let name = get("cert_trust");
            let expiry = get("cert_expirationStatus");
            let mut problems = Vec::new();
            if !trusted {
                problems.push("the chain is not trusted");
            }
            match name {
                Some(n) if n.finding.trim_start().starts_with("Ok") => {}
                Some(_) => problems.push("the certificate does not name the host"),
                None => problems.push("the host name was not checked (no cert_trust finding)"),
            }
            let expired = expiry.is_some_and(|e| e.finding.contains("expired"));
            if expired {
                problems.push("the certificate has expired");
            }
            let cited = format!(
                "testssl.sh cert_chain_of_trust: {}; cert_trust: {}; cert_expirationStatus: {}; {http_note}",
                chain.finding.trim(),
                name.map(|n| n.finding).unwrap_or("absent"),
                expiry.map(|e| e.finding).unwrap_or("absent"),
            );
            let valid = if problems.is_empty() {
                result("https-valid-certificate", TestStatus::Pass, cited)
            } else if name.is_none() && trusted && !expired {
                result("https-valid-certificate", TestStatus::Inconclusive, cited)
            } else {
                result(
                    "https-valid-certificate",
                    TestStatus::Fail,
                    format!("{}: {cited}", problems.join(", ")),
                )
            };
            let ss = if trusted {
                result(
                    "self-signed-rejected",
                    TestStatus::Pass,
                    format!(
                        "the served chain is trusted: testssl.sh cert_chain_of_trust: {}",
                        chain.finding.trim()
                    ),
                )
            } else if self_signed {
                result(
                    "self-signed-rejected",
                    TestStatus::Fail,
                    format!(
                        "the served certificate is self-signed and not trusted: testssl.sh cert_chain_of_trust: {}",
                        chain.finding.trim()
                    ),
                )
            } else {
                result(
                    "self-signed-rejected",
                    TestStatus::Pass,
                    format!(
                        "the served certificate is not self-signed (testssl.sh cert_chain_of_trust: {}); its chain is judged by https-valid-certificate",
                        chain.finding.trim()
                    ),
                )
            };
            (valid, ss)
        }
    };

    // The HTTP answer and its Strict-Transport-Security header (`--headers`, -h).
    let hsts = match (get("HSTS_time"), get("HSTS")) {
        (Some(t), _) => Some(testssl_hsts(
            t.finding,
            get("HSTS_subdomains"),
            get("HSTS_preload"),
        )),
        (None, Some(_)) | (None, None) => None,
    };
    if http.is_some() || hsts.is_some() {
        probe.https_answer = Some(HttpsAnswer {
            status: http.and_then(|f| f.finding.split_whitespace().next()?.parse().ok()),
            hsts,
        });
    }

    probe.tests = vec![
        valid,
        version_test("tls1.0-rejected", "TLS1", "TLS 1.0"),
        version_test("tls1.1-rejected", "TLS1_1", "TLS 1.1"),
        self_signed,
        version_test("ssl3-rejected", "SSLv3", "SSL 3"),
        strong_ciphers,
    ];
    probe
}

/// The Strict-Transport-Security header rebuilt from testssl.sh's findings, which give its
/// parts, not its text: `HSTS_time` "730 days (=63072000 seconds) > …", `HSTS_subdomains`
/// "includes subdomains", `HSTS_preload` "domain IS marked for preloading".
fn testssl_hsts(time: &str, subdomains: Option<&Finding>, preload: Option<&Finding>) -> String {
    let age = time
        .split_once("(=")
        .and_then(|(_, r)| r.split_whitespace().next())
        .and_then(|n| n.parse::<u64>().ok())
        .or_else(|| time.trim_start().starts_with("0.").then_some(0));
    let mut parts = Vec::new();
    if let Some(age) = age {
        parts.push(format!("max-age={age}"));
    }
    if subdomains.is_some_and(|f| f.finding.contains("includes subdomains")) {
        parts.push("includeSubDomains".to_string());
    }
    if preload.is_some_and(|f| f.finding.contains("IS marked")) {
        parts.push("preload".to_string());
    }
    parts.join("; ")
}

// ---------------------------------------------------------------------------------------------
// sslyze

/// `--json_out`: `{"sslyze_version", "date_scans_started", "server_scan_results": [{
/// "server_location": {"hostname", "port", "ip_address"}, "connectivity_status",
/// "scan_result": {"tls_1_0_cipher_suites": {"status", "result", "error_reason"}, …}}]}`.
fn sslyze(v: &Value) -> Result<Imported, String> {
    let version = non_empty(str_of(v, "sslyze_version").to_string());
    let scanned_at = v
        .get("date_scans_started")
        .and_then(Value::as_str)
        .and_then(|t| crate::settings::parse_time(t).ok())
        .map(|t| crate::certs::rfc3339_of(t.unix_timestamp()));
    let mut probes = Vec::new();
    for server in v
        .get("server_scan_results")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(location) = server.get("server_location") else {
            continue;
        };
        let Some(port) = port_of(location.get("port")) else {
            continue;
        };
        let host = str_of(location, "hostname").to_string();
        let ip = non_empty(str_of(location, "ip_address").to_string());
        probes.push(sslyze_probe(host, ip, port, scanned_at.clone(), server));
    }
    if probes.is_empty() {
        return Err("sslyze's server_scan_results hold no server with a port".into());
    }
    Ok(Imported {
        tool: Tool::Sslyze,
        version,
        probes,
    })
}

/// The last line of a Python traceback: the exception and its message.
fn last_line(trace: &str) -> &str {
    trace
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("")
}

/// A scan command's result, or why there is none (`NOT_SCHEDULED`, `ERROR` with its reason).
fn command<'v>(server: &'v Value, name: &str) -> Result<&'v Value, String> {
    let Some(c) = server.get("scan_result").and_then(|r| r.get(name)) else {
        return Err(format!("sslyze's results have no {name}"));
    };
    match str_of(c, "status") {
        "COMPLETED" => c
            .get("result")
            .filter(|r| r.is_object())
            .ok_or_else(|| format!("sslyze {name}: COMPLETED without a result")),
        "NOT_SCHEDULED" => Err(format!("sslyze did not run {name} (NOT_SCHEDULED)")),
        status => {
            let trace = last_line(str_of(c, "error_trace"));
            let reason = str_of(c, "error_reason");
            Err(format!(
                "sslyze {name}: {status} ({reason}){}",
                if trace.is_empty() {
                    String::new()
                } else {
                    format!(": {trace}")
                }
            ))
        }
    }
}

fn sslyze_probe(
    host: String,
    ip: Option<String>,
    port: u16,
    scanned_at: Option<String>,
    server: &Value,
) -> ImportedProbe {
    let mut probe = ImportedProbe::new(host, port, ip, scanned_at);
    let connectivity = str_of(server, "connectivity_status");
    if connectivity != "COMPLETED" {
        let trace = last_line(str_of(server, "connectivity_error_trace"));
        probe.tests = all_inconclusive(&format!(
            "sslyze could not connect ({connectivity}): {trace}"
        ));
        return probe;
    }

    // Suites per version; a version is accepted when a suite is.
    const COMMANDS: [(&str, Version); 5] = [
        ("ssl_3_0_cipher_suites", Version::Ssl3),
        ("tls_1_0_cipher_suites", Version::Tls10),
        ("tls_1_1_cipher_suites", Version::Tls11),
        ("tls_1_2_cipher_suites", Version::Tls12),
        ("tls_1_3_cipher_suites", Version::Tls13),
    ];
    let mut accepted_at: Vec<(Version, Result<Vec<String>, String>)> = Vec::new();
    for (name, v) in COMMANDS {
        let names = command(server, name).map(|r| {
            r.get("accepted_cipher_suites")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|a| a.get("cipher_suite"))
                .map(|c| (str_of(c, "name"), str_of(c, "openssl_name")))
                .map(|(iana, openssl)| {
                    match crate::ciphers::by_iana(iana).or_else(|| crate::ciphers::by_name(openssl))
                    {
                        Some(s) => {
                            probe.accepted_suites.push(suite(v, s));
                            iana.to_string()
                        }
                        None => {
                            probe.suite_gaps.push(format!(
                                "sslyze {name}: {iana} is not a suite of tlsproof's table"
                            ));
                            iana.to_string()
                        }
                    }
                })
                .collect::<Vec<String>>()
        });
        if let Err(why) = &names {
            probe.suite_gaps.push(why.clone());
        }
        accepted_at.push((v, names));
    }
    probe.protocols = accepted_at
        .iter()
        .map(|(v, r)| r.as_ref().ok().map(|names| (*v, !names.is_empty())))
        .collect::<Option<Vec<_>>>()
        .map(|all| {
            all.into_iter()
                .filter(|(_, a)| *a)
                .map(|(v, _)| v)
                .collect()
        });
    let version_test = |test: &'static str, v: Version, name: &str| {
        let command = format!("{}_cipher_suites", name);
        match accepted_at.iter().find(|(w, _)| *w == v).map(|(_, r)| r) {
            Some(Ok(names)) if names.is_empty() => result(
                test,
                TestStatus::Pass,
                format!("{} refused: sslyze {command}: no suite accepted", v.name()),
            ),
            Some(Ok(names)) => result(
                test,
                TestStatus::Fail,
                format!(
                    "{} accepted: sslyze {command}: {} suite(s) accepted ({})",
                    v.name(),
                    names.len(),
                    names.join(", ")
                ),
            ),
            Some(Err(why)) => result(test, TestStatus::Inconclusive, why.clone()),
            None => result(test, TestStatus::Inconclusive, "not tested"),
        }
    };

    // The HTTP answer (`--http_headers`): sslyze records the headers, not the status code.
    let http = command(server, "http_headers");
    let http_note = match &http {
        Ok(h) => match h.get("http_error_trace").and_then(Value::as_str) {
            Some(trace) => format!(
                "http_headers: the HTTP request failed: {}",
                last_line(trace)
            ),
            None => {
                let hsts = h
                    .get("strict_transport_security_header")
                    .filter(|s| s.is_object())
                    .map(sslyze_hsts);
                probe.https_answer = Some(HttpsAnswer { status: None, hsts });
                format!(
                    "http_headers: an HTTP answer was read (redirected to {:?})",
                    str_of(h, "http_path_redirected_to")
                )
            }
        },
        Err(why) => why.clone(),
    };

    // The certificate (`--certinfo`): the first deployment (one per certificate type).
    let deployment = command(server, "certificate_info").and_then(|r| {
        r.get("certificate_deployments")
            .and_then(Value::as_array)
            .and_then(|d| d.first())
            .ok_or_else(|| "sslyze certificate_info: no certificate deployment".to_string())
    });
    let (valid, self_signed) = match deployment {
        Err(why) => (
            result(
                "https-valid-certificate",
                TestStatus::Inconclusive,
                why.clone(),
            ),
            result("self-signed-rejected", TestStatus::Inconclusive, why),
        ),
        Ok(d) => {
            let chain: Vec<&Value> = d
                .get("received_certificate_chain")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .collect();
            for c in &chain {
                probe.chain.extend(pem_ders(str_of(c, "as_pem")));
            }
            let leaf = chain.first().copied();
            let name_of = |key: &str| {
                leaf.and_then(|l| l.get(key))
                    .map(|n| str_of(n, "rfc4514_string").to_string())
                    .unwrap_or_default()
            };
            let (subject, issuer) = (name_of("subject"), name_of("issuer"));
            let not_after = leaf.map(|l| str_of(l, "not_valid_after")).unwrap_or("");
            let results: Vec<&Value> = d
                .get("path_validation_results")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .collect();
            let store = |r: &Value| {
                let s = r.get("trust_store");
                format!(
                    "{} {}",
                    s.map(|s| str_of(s, "name")).unwrap_or(""),
                    s.map(|s| str_of(s, "version")).unwrap_or("")
                )
                .trim()
                .to_string()
            };
            let trusted_by: Vec<String> = results
                .iter()
                .filter(|r| r.get("was_validation_successful") == Some(&Value::Bool(true)))
                .map(|r| store(r))
                .collect();
            let refused: Option<String> = results
                .iter()
                .find(|r| r.get("was_validation_successful") != Some(&Value::Bool(true)))
                .map(|r| {
                    let why = [
                        str_of(r, "validation_error"),
                        str_of(r, "openssl_error_string"),
                    ]
                    .into_iter()
                    .find(|s| !s.is_empty())
                    .unwrap_or("not validated");
                    format!("{}: {why}", store(r))
                });
            // sslyze 5 reports the name check apart; sslyze 6 validates it with the path.
            let name_matches = d
                .get("leaf_certificate_subject_matches_hostname")
                .and_then(Value::as_bool);
            let expired = match (
                crate::settings::parse_time(not_after).ok(),
                probe
                    .scanned_at
                    .as_deref()
                    .and_then(|t| crate::settings::parse_time(t).ok()),
            ) {
                (Some(end), Some(at)) => end < at,
                _ => false,
            };
            let trust_text = if trusted_by.is_empty() {
                format!(
                    "trusted by no trust store ({})",
                    refused
                        .clone()
                        .unwrap_or_else(|| "no path validation result".into())
                )
            } else {
                format!("trusted by {}", trusted_by.join(", "))
            };
            let cited = format!(
                "sslyze certificate_info: {subject} issued by {issuer}, valid until {not_after}, {trust_text}{}; {http_note}",
                match name_matches {
                    Some(m) => format!(", leaf_certificate_subject_matches_hostname {m}"),
                    None => String::new(),
                }
            );
            let mut problems = Vec::new();
            if trusted_by.is_empty() {
                problems.push("the chain is not trusted");
            }
            if name_matches == Some(false) {
                problems.push("the certificate does not name the host");
            }
            if expired {
                problems.push("the certificate had expired when the scan started");
            }
            let valid = if leaf.is_none() {
                result(
                    "https-valid-certificate",
                    TestStatus::Inconclusive,
                    format!("no certificate received: {cited}"),
                )
            } else if problems.is_empty() {
                result("https-valid-certificate", TestStatus::Pass, cited)
            } else {
                result(
                    "https-valid-certificate",
                    TestStatus::Fail,
                    format!("{}: {cited}", problems.join(", ")),
                )
            };
            let ss = if leaf.is_none() {
                result(
                    "self-signed-rejected",
                    TestStatus::Inconclusive,
                    "sslyze certificate_info: no certificate received",
                )
            } else if !trusted_by.is_empty() {
                result(
                    "self-signed-rejected",
                    TestStatus::Pass,
                    format!("the served chain is {trust_text} (sslyze certificate_info)"),
                )
            } else if !subject.is_empty() && subject == issuer {
                result(
                    "self-signed-rejected",
                    TestStatus::Fail,
                    format!(
                        "the served certificate {subject} is issued by itself and not trusted: sslyze certificate_info: {trust_text}"
                    ),
                )
            } else {
                result(
                    "self-signed-rejected",
                    TestStatus::Pass,
                    format!("the served certificate is not self-signed (issued by {issuer}); its chain is judged by https-valid-certificate"),
                )
            };
            (valid, ss)
        }
    };

    probe.tests = vec![
        valid,
        version_test("tls1.0-rejected", Version::Tls10, "tls_1_0"),
        version_test("tls1.1-rejected", Version::Tls11, "tls_1_1"),
        self_signed,
        version_test("ssl3-rejected", Version::Ssl3, "ssl_3_0"),
        strong(&probe.accepted_suites, &probe.suite_gaps),
    ];
    probe
}

/// `{"max_age": 63072000, "include_subdomains": false, "preload": false}` as the header's
/// text.
fn sslyze_hsts(h: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(age) = h.get("max_age").and_then(Value::as_u64) {
        parts.push(format!("max-age={age}"));
    }
    if h.get("include_subdomains") == Some(&Value::Bool(true)) {
        parts.push("includeSubDomains".to_string());
    }
    if h.get("preload") == Some(&Value::Bool(true)) {
        parts.push("preload".to_string());
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_and_truncated_json_is_an_error_not_a_panic() {
        for bad in [
            &b""[..],
            b"{",
            b"[{\"id\": \"TLS1\", \"ip\": \"a/1.2.3.4\", \"port\": \"443\", \"finding\": \"not off",
            b"{\"server_scan_results\": [{\"server_location\": ",
            b"\xff\xfe\x00",
            b"[]",
            b"{}",
            b"[1, 2, 3]",
            b"{\"scanResult\": []}",
            b"{\"server_scan_results\": [{}]}",
            b"[{\"id\": \"TLS1\", \"finding\": \"offered\"}]",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        assert_eq!(
            quote_long_numbers(&format!(
                "{{\"n\": {}, \"s\": \"1\\\"{}\"}}",
                "9".repeat(400),
                "8".repeat(400)
            )),
            format!(
                "{{\"n\": \"{}\", \"s\": \"1\\\"{}\"}}",
                "9".repeat(400),
                "8".repeat(400)
            )
        );
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse(deep.as_bytes()).is_err());
        let big = vec![b' '; MAX_BYTES + 1];
        assert!(parse(&big).unwrap_err().contains("more than"));
    }

    #[test]
    fn unexpected_values_make_inconclusive_tests() {
        let json = br#"[
          {"id": "TLS1", "ip": "a.example/10.0.0.1", "port": "443", "severity": "WARN", "finding": "not tested"},
          {"id": "cert_chain_of_trust", "ip": "a.example/10.0.0.1", "port": "443", "severity": "OK", "finding": "passed."},
          {"id": "cert", "ip": "a.example/10.0.0.1", "port": "443", "severity": "INFO", "finding": "-----BEGIN CERTIFICATE----- !!! -----END CERTIFICATE-----"}
        ]"#;
        let i = parse(json).unwrap();
        assert_eq!(i.tool, Tool::Testssl);
        let p = &i.probes[0];
        assert_eq!((p.host.as_str(), p.port), ("a.example", 443));
        assert_eq!(p.address(), "10.0.0.1:443");
        assert!(p.chain.is_empty());
        let status = |id: &str| p.tests.iter().find(|t| t.test == id).unwrap().status;
        assert_eq!(status("tls1.0-rejected"), TestStatus::Inconclusive);
        assert_eq!(status("tls1.1-rejected"), TestStatus::Inconclusive);
        assert_eq!(status("https-valid-certificate"), TestStatus::Inconclusive);
        assert_eq!(status("self-signed-rejected"), TestStatus::Pass);
        assert_eq!(status("strong-ciphers"), TestStatus::Inconclusive);
        assert!(p.protocols.is_none());
    }
}
