//! The normalized TLS model: what the policies see as `input`.
//!
//! Every ingester produces these types; `schemas/tls-model.schema.json` is the contract they
//! serialize to. Every value a policy judges is a [`Fact`]: the value, its origin (explicit line,
//! product default, or derived), the span it came from, and a note naming a default's source.

pub mod claims;
pub mod draft;
pub mod version;

pub use draft::EndpointDraft;

use crate::source::{Location, SourceMap, Span};
use serde::Serialize;
use std::collections::BTreeMap;

/// A location in the model: file:line:column plus the include sites that pulled the file in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelSpan {
    pub file: String,
    pub line: u32,
    pub column: u32,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub via: Vec<Location>,
}

impl ModelSpan {
    /// Resolves a byte span (and its include chain) against the source map.
    pub fn resolve(map: &SourceMap, span: Span, via: &[Span]) -> Self {
        let loc = map.location(span);
        ModelSpan {
            file: loc.file,
            line: loc.line,
            column: loc.column,
            via: via.iter().map(|s| map.location(*s)).collect(),
        }
    }

    pub fn location(&self) -> Location {
        Location {
            file: self.file.clone(),
            line: self.line,
            column: self.column,
        }
    }
}

/// Where a fact's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// Written in the configuration at `span`.
    Explicit,
    /// The product's documented default; `note` names product and version.
    Default,
    /// Computed from other facts (e.g. a redirect inferred from `return 301 https://…`).
    Derived,
}

/// A judged value with provenance.
#[derive(Debug, Clone, Serialize)]
pub struct Fact<T> {
    pub value: T,
    pub origin: Origin,
    pub span: ModelSpan,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// The product version is unknown and this default differs across versions: `value` is the
    /// worst case.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub version_dependent: bool,
    /// The configuration does not decide this value (an implementation tlsproof does not know
    /// decides it): `value` is the worst case.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub worst_case: bool,
}

impl<T> Fact<T> {
    /// The same fact (origin, span, note) with its value converted.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Fact<U> {
        Fact {
            value: f(self.value),
            origin: self.origin,
            span: self.span,
            note: self.note,
            version_dependent: self.version_dependent,
            worst_case: self.worst_case,
        }
    }

    pub fn explicit(value: T, span: ModelSpan) -> Self {
        Fact {
            value,
            origin: Origin::Explicit,
            span,
            note: None,
            version_dependent: false,
            worst_case: false,
        }
    }

    pub fn default(value: T, span: ModelSpan, note: impl Into<String>) -> Self {
        Fact {
            value,
            origin: Origin::Default,
            span,
            note: Some(note.into()),
            version_dependent: false,
            worst_case: false,
        }
    }

    pub fn derived(value: T, span: ModelSpan, note: impl Into<String>) -> Self {
        Fact {
            value,
            origin: Origin::Derived,
            span,
            note: Some(note.into()),
            version_dependent: false,
            worst_case: false,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// The same fact marked as the worst case of what the configuration leaves undecided.
    pub fn as_worst_case(mut self) -> Self {
        self.worst_case = true;
        self
    }
}

/// Who can reach an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    // Ordered narrowest first so that `max` gives the widest exposure.
    /// An MCP server that speaks over its standard input/output only: no network listener.
    Stdio,
    Unix,
    Loopback,
    Private,
    Unknown,
    Public,
}

impl Scope {
    /// Classifies a host or address as written in a config (`*`, `0.0.0.0`, `[::1]`, `10.0.0.5`,
    /// `localhost`, `unix:/run/x.sock`, `backend.internal`). Variables are `Unknown`; hostnames
    /// other than `localhost` are `Public`, because name resolution is not config.
    pub fn of_host(host: &str) -> Scope {
        let h = host.trim();
        if h.starts_with("unix:") {
            return Scope::Unix;
        }
        if h.contains('$') || h.contains('{') {
            return Scope::Unknown;
        }
        let h = h.trim_start_matches('[').trim_end_matches(']');
        if h.is_empty() || h == "*" {
            return Scope::Public;
        }
        if h.eq_ignore_ascii_case("localhost") || h.to_ascii_lowercase().ends_with(".localhost") {
            return Scope::Loopback;
        }
        match h.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(v4)) => {
                if v4.is_loopback() {
                    Scope::Loopback
                } else if v4.is_private() || v4.is_link_local() {
                    Scope::Private
                } else {
                    Scope::Public
                }
            }
            Ok(std::net::IpAddr::V6(v6)) => {
                if v6.is_loopback() {
                    Scope::Loopback
                } else if let Some(v4) = v6.to_ipv4_mapped() {
                    Scope::of_host(&v4.to_string())
                } else {
                    let first = v6.segments()[0];
                    // fc00::/7 unique local, fe80::/10 link local.
                    if (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80 {
                        Scope::Private
                    } else {
                        Scope::Public
                    }
                }
            }
            Err(_) => Scope::Public,
        }
    }

    /// True for scopes the control excludes (localhost-only, unix sockets).
    pub fn is_local(self) -> bool {
        matches!(self, Scope::Loopback | Scope::Unix | Scope::Stdio)
    }
}

/// One cipher suite of the static table (`crate::ciphers`): a pointer, so that a list of 125
/// suites costs 1 KB however many endpoints repeat it. In the model JSON a suite is its name;
/// its properties are written once per scan, in the model's `cipher_suites` table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuiteFacts(pub &'static crate::ciphers::Suite);

impl From<&'static crate::ciphers::Suite> for SuiteFacts {
    fn from(s: &'static crate::ciphers::Suite) -> Self {
        SuiteFacts(s)
    }
}

impl std::ops::Deref for SuiteFacts {
    type Target = crate::ciphers::Suite;
    fn deref(&self) -> &Self::Target {
        self.0
    }
}

impl Serialize for SuiteFacts {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.name)
    }
}

/// The properties the cipher rule judges, of one suite of the model's `cipher_suites` table.
#[derive(Debug, Clone, Serialize)]
pub struct SuiteRecord {
    pub name: &'static str,
    pub iana: &'static str,
    pub id: String,
    pub version: &'static str,
    pub kx: &'static str,
    pub au: &'static str,
    pub enc: &'static str,
    pub mac: &'static str,
    pub bits: u16,
    pub aead: bool,
    pub export: bool,
}

impl From<&crate::ciphers::Suite> for SuiteRecord {
    fn from(s: &crate::ciphers::Suite) -> Self {
        SuiteRecord {
            name: s.name,
            iana: s.iana,
            id: format!("0x{:02X},0x{:02X}", s.id >> 8, s.id & 0xff),
            version: s.version,
            kx: s.kx,
            au: s.au,
            enc: s.enc,
            mac: s.mac,
            bits: s.bits,
            aead: s.aead,
            export: s.export,
        }
    }
}

/// A cipher configuration: the string as written and what it expands to.
#[derive(Debug, Clone, Serialize)]
pub struct CipherList {
    pub spec: String,
    pub suites: Vec<SuiteFacts>,
    pub unknown: Vec<String>,
    /// Who decides the list when the configuration does not (an implementation tlsproof does
    /// not know): `spec` and `suites` are then empty.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
}

impl CipherList {
    /// An OpenSSL cipher string, expanded with OpenSSL 3 semantics.
    pub fn openssl(spec: &str) -> CipherList {
        let e = crate::ciphers::expand_remembered(spec);
        CipherList {
            spec: spec.to_string(),
            suites: e.suites.into_iter().map(SuiteFacts::from).collect(),
            unknown: e.unknown,
            decided_by: None,
        }
    }

    /// No cipher list (no TLS).
    pub fn none() -> CipherList {
        CipherList {
            spec: String::new(),
            suites: Vec::new(),
            unknown: Vec::new(),
            decided_by: None,
        }
    }

    /// A list the configuration does not decide: `who` does.
    pub fn undecided(who: &str) -> CipherList {
        CipherList {
            decided_by: Some(who.into()),
            ..CipherList::none()
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Listen {
    pub address: String,
    pub port: Option<u16>,
    pub scope: Scope,
    pub tls: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_source: Option<ModelSpan>,
    pub quic: bool,
    pub default_server: bool,
    pub span: ModelSpan,
    pub origin: Origin,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hsts {
    pub max_age: Option<u64>,
    pub include_subdomains: bool,
    pub preload: bool,
    pub always: bool,
    pub raw: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    pub path: String,
    /// The file whose folder a relative `path` is resolved against, when it is not the file
    /// at `span` (nginx resolves against its configuration prefix). Not part of the model's
    /// JSON: the ingester that knows the product sets it.
    #[serde(skip)]
    pub relative_to: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub span: ModelSpan,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub managed: Option<String>,
    /// Why this certificate answers for the endpoint when another block names it (nginx: the
    /// default server's certificate, kept for a name-based server that has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The public key of a certificate: algorithm (`RSA`, `EC`, `Ed25519`, …) and size in bits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyFacts {
    pub alg: String,
    pub bits: u32,
}

/// What the leaf certificate of a file named by an endpoint says. Never anything of a private key.
#[derive(Debug, Clone, Serialize)]
pub struct CertificateFacts {
    /// The path as written at `span` (matches `Certificate.path`).
    pub path: String,
    /// The file read, as displayed (relative to the scan root).
    pub file: String,
    pub subject: String,
    pub issuer: String,
    /// DNS names and IP addresses of the subjectAltName extension.
    pub sans: Vec<String>,
    /// RFC 3339 UTC.
    pub not_before: String,
    pub not_after: String,
    pub not_before_unix: i64,
    pub not_after_unix: i64,
    /// Issuer equals subject and the certificate's signature verifies with its own public key.
    pub self_signed: bool,
    pub key: KeyFacts,
    /// e.g. `sha256WithRSAEncryption`, `sha1WithRSAEncryption`, `ecdsa-with-SHA256`.
    pub signature_alg: String,
    /// `sha256/<base64>` of the SubjectPublicKeyInfo (HPKP-style pin).
    pub spki_sha256: String,
    /// Certificates in the file (leaf plus chain).
    pub chain_len: u32,
    /// The leaf validated against the trust store (`Model.trust`) with the file's intermediates.
    pub chain: ChainFacts,
    /// The line naming the certificate.
    pub span: ModelSpan,
    /// Where the certificate was read when that is not a file of its own: the `tls.crt` key of
    /// a Kubernetes TLS Secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_at: Option<ModelSpan>,
}

/// The outcome of validating a certificate's chain (rustls-webpki) at the evaluation time.
#[derive(Debug, Clone, Serialize)]
pub struct ChainFacts {
    /// `valid`, `unknown-issuer`, `expired`, `not-yet-valid`, `wrong-name`, `self-signed`,
    /// `bad-signature`, `unverifiable` (a signature the validator cannot check) or `invalid`.
    pub status: String,
    /// The trust source of the anchor the chain ends at (`system:<path>`, `ca-file:<path>`,
    /// `pin:sha256/<base64>`); None when the chain is not trusted.
    pub trusted_by: Option<String>,
    /// Trusted because of a CA file or pin the user gave, not the system store.
    pub explicit: bool,
    /// Why, in words (the validator's error, or what the chain ends at).
    pub detail: String,
    /// The time the chain was validated at (RFC 3339 UTC).
    pub validated_at: String,
    /// The concrete server names checked against the certificate (wildcards, regexes and
    /// catch-alls left out), sorted.
    pub names_checked: Vec<String>,
    /// Those of `names_checked` the certificate is valid for.
    pub names_valid: Vec<String>,
}

/// The trust store certificate chains were validated against, so that evidence can be
/// reproduced: every source with the digest of its file, and the pins.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TrustInfo {
    pub sources: Vec<TrustSource>,
    /// `sha256/<base64>` SPKI pins from `tlsproof.toml [trust] pins`.
    pub pins: Vec<String>,
}

/// One file of trust anchors.
#[derive(Debug, Clone, Serialize)]
pub struct TrustSource {
    /// `system` (the operating system's CA bundle) or `ca-file` (`--ca-file`, `[trust] ca_files`).
    pub kind: String,
    /// The path as given (absolute for the system bundle).
    pub path: String,
    /// What a chain anchored here records as `trusted_by`.
    pub label: String,
    /// SHA-256 of the file's bytes, lowercase hex.
    pub sha256: String,
    /// Trust anchors read from it.
    pub anchors: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tls {
    pub enabled: bool,
    pub protocols: Fact<Vec<String>>,
    pub ciphers: Fact<CipherList>,
    pub tls13_suites: Fact<Vec<SuiteFacts>>,
    pub certificates: Vec<Certificate>,
    pub client_auth: Fact<String>,
    pub hsts: Fact<Option<Hsts>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_tickets: Option<Fact<bool>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reject_handshake: Option<Fact<bool>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Plaintext {
    pub listens: Vec<Listen>,
    pub redirects_to_https: Fact<bool>,
    pub blocked: Fact<bool>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HopTarget {
    pub address: String,
    pub scope: Scope,
    pub span: ModelSpan,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub directive: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub upstream: String,
    pub scheme: String,
    pub tls: bool,
    pub determinate: bool,
    pub targets: Vec<HopTarget>,
    pub scope: Scope,
    pub verify: Fact<bool>,
    pub trusted_ca: Fact<Option<String>>,
    pub span: ModelSpan,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Transport {
    Http,
    Https,
    Mixed,
    Websocket,
    Stdio,
    TlsPassthrough,
}

/// The format an endpoint or client was read from: one per row of `ingest::FORMATS`, and the
/// `component` of every result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Component {
    Nginx,
    Caddy,
    Traefik,
    Kubernetes,
    App,
    Client,
}

impl Component {
    pub const ALL: [Component; 6] = [
        Component::Nginx,
        Component::Caddy,
        Component::Traefik,
        Component::Kubernetes,
        Component::App,
        Component::Client,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Component::Nginx => "nginx",
            Component::Caddy => "caddy",
            Component::Traefik => "traefik",
            Component::Kubernetes => "kubernetes",
            Component::App => "app",
            Component::Client => "client",
        }
    }
}

impl std::fmt::Display for Component {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a product's configuration names its parts, in the words its users know. A format
/// declares these beside its ingester; the policies read them from the model.
#[derive(Debug, Clone, Serialize)]
pub struct ProductWords {
    /// The block an endpoint is read from ("the server block").
    pub block: &'static str,
    /// The settings that make a proxy hop ("proxy_pass, grpc_pass or uwsgi_pass").
    pub proxy: &'static str,
    /// The setting that names a certificate ("ssl_certificate").
    pub certificate: &'static str,
    /// The setting that lists TLS 1.2 cipher suites ("ssl_ciphers").
    pub ciphers: &'static str,
    /// How the product passes TLS through, `%s` standing for the endpoint's location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub passthrough: Option<&'static str>,
    /// What to do when the default depends on a version that is not declared.
    pub version_advice: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Endpoint {
    pub id: String,
    pub component: Component,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub span: ModelSpan,
    pub server_names: Vec<String>,
    pub listens: Vec<Listen>,
    pub scope: Scope,
    pub transport: Transport,
    pub serves_content: Fact<bool>,
    pub tls: Tls,
    pub plaintext: Plaintext,
    pub hops: Vec<Hop>,
    pub mcp_path: Option<String>,
    /// Present only for an endpoint read from a generic application config by key names
    /// (`ingest::app::config`): its bind, transport and TLS facts rest on what those keys are
    /// assumed to mean, so the policies answer MANUAL for every requirement instead of a
    /// verdict. Certain readings (`transport: stdio`, an unambiguous loopback bind) leave it out.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heuristic: Option<Heuristic>,
    /// Proof that [`EndpointDraft::finish`] made this endpoint (the only way to make one).
    #[serde(skip)]
    #[allow(dead_code)] // never read: its existence is the proof
    finished: Finished,
}

/// Made only by [`EndpointDraft::finish`].
#[derive(Debug, Clone)]
struct Finished(());

/// Why an endpoint's facts are a heuristic reading, and the keys they were read from.
#[derive(Debug, Clone, Serialize)]
pub struct Heuristic {
    /// The detection rule that made tlsproof read the file (e.g. the file name contains `mcp`).
    pub rule: String,
    /// What was read and why it is uncertain.
    pub reason: String,
    /// Every key read, in file order.
    pub keys: Vec<HeuristicKey>,
}

/// One key a heuristic endpoint was read from.
#[derive(Debug, Clone, Serialize)]
pub struct HeuristicKey {
    /// The key path as written (`server.tls.cert_file`).
    pub key: String,
    /// The value as written (`${VAR}` left unexpanded).
    pub value: String,
    /// What the heuristics table takes it for: bind, port, transport, tls, certificate, key,
    /// protocols, ciphers; or `controller` for the setting that names an unidentified Ingress
    /// controller.
    pub meaning: String,
    pub span: ModelSpan,
}

/// An outbound MCP connection configured in a client (Claude Desktop, Claude Code, VS Code,
/// Cursor, Windsurf, an MCP registry `server.json`).
#[derive(Debug, Clone, Serialize)]
pub struct Client {
    /// `client:<file>:<line>:<server name>`.
    pub id: String,
    /// Always `client`.
    pub component: String,
    /// The server entry's name (`mcpServers.<name>`, `servers.<name>`, `remotes[i]`).
    pub name: String,
    /// The URL as written (`${VAR}` and `${input:…}` left unexpanded).
    pub url: Fact<String>,
    pub scheme: String,
    pub host: String,
    pub scope: Scope,
    /// False when the URL's scheme or host is a variable: the client cannot be judged.
    pub determinate: bool,
    /// Certificate validation of the connection (false when the entry disables it).
    pub verify: Fact<bool>,
    /// The entry sends credentials (an `Authorization`, token, cookie or API-key header).
    pub headers_carry_credentials: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials_span: Option<ModelSpan>,
    /// Where plaintext is explicitly allowed (`mcp-remote --allow-http`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_http: Option<ModelSpan>,
    pub span: ModelSpan,
}

#[derive(Debug, Clone, Serialize)]
pub struct RedFlag {
    pub kind: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    pub span: ModelSpan,
    pub in_test_code: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceInfo {
    pub path: String,
    pub kind: String,
    pub sha256: String,
    pub bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ToolInfo {
    pub name: &'static str,
    pub version: &'static str,
}

impl Default for ToolInfo {
    fn default() -> Self {
        ToolInfo {
            name: "tlsproof",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// The whole model: the Rego `input`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Model {
    pub tool: ToolInfo,
    pub profile: String,
    pub environment: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub versions: BTreeMap<String, String>,
    /// How each product present names its parts, by component, for the policies' messages
    /// (each format declares its own words; the policies hold no product's vocabulary).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub products: BTreeMap<String, ProductWords>,
    pub sources: Vec<SourceInfo>,
    pub endpoints: Vec<Endpoint>,
    pub clients: Vec<Client>,
    pub red_flags: Vec<RedFlag>,
    /// Facts read from the certificate files the endpoints name (`certs::enrich`), one entry per
    /// naming line whose file was inside the scanned tree and parsed.
    pub certificates: Vec<CertificateFacts>,
    /// The certificates the endpoints name that were looked for in the scan and not read, each
    /// with the reason (`certs::enrich`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread_certificates: Vec<UnreadCertificate>,
    /// The time certificate validity is judged at (RFC 3339 UTC), injected by the caller
    /// (`--at`, else the clock or `SOURCE_DATE_EPOCH`). Left out when `certificates` is empty (no
    /// date is judged then, so the model does not depend on the clock); absent, no date is judged.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluated_at: Option<String>,
    /// `evaluated_at` as Unix seconds, so that policies compare numbers (no `time.*` builtin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evaluated_at_unix: Option<i64>,
    /// The trust store certificate chains were validated against; left out when no certificate
    /// was read (so the model does not depend on the machine's CA bundle then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trust: Option<TrustInfo>,
    /// Every exception claim with its outcome, checked before the policies run.
    pub exceptions: Vec<claims::ClaimRecord>,
    /// What live probes of the endpoints showed (`scan --probe`), or the results of testssl.sh or
    /// sslyze joined to them (`--observations`); absent otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observation>,
    /// The properties of every suite named anywhere in the model, by name (`index_suites`).
    pub cipher_suites: BTreeMap<&'static str, SuiteRecord>,
}

impl Model {
    /// Fills `cipher_suites` with every suite the endpoints offer and the observations saw.
    pub fn index_suites(&mut self) {
        let mut table = BTreeMap::new();
        let mut add = |s: &SuiteFacts| {
            table
                .entry(s.0.name)
                .or_insert_with(|| SuiteRecord::from(s.0));
        };
        for ep in &self.endpoints {
            ep.tls.ciphers.value.suites.iter().for_each(&mut add);
            ep.tls.tls13_suites.value.iter().for_each(&mut add);
        }
        for o in &self.observations {
            o.accepted_suites.iter().for_each(|a| add(&a.suite));
        }
        self.cipher_suites = table;
    }
}

/// A certificate an endpoint names that was not read, and why (not in the scan, or not a
/// certificate).
#[derive(Debug, Clone, Serialize)]
pub struct UnreadCertificate {
    /// The path as written at `span` (matches `Certificate.path`).
    pub path: String,
    pub span: ModelSpan,
    pub reason: String,
}

/// What a live probe of one target showed, or what an imported tool's results say of it, for
/// the endpoint whose listener the target was made from.
#[derive(Debug, Clone, Serialize)]
pub struct Observation {
    pub endpoint: String,
    /// `https://name[:port]/` or `http://name[:port]/`.
    pub target: String,
    /// The address connected to, empty when the name did not resolve.
    pub address: String,
    /// RFC 3339 UTC; `unknown` for imported results that do not say when they were made.
    pub observed_at: String,
    /// The configured listener the target was made from.
    pub span: ModelSpan,
    pub tests: Vec<ObservedTest>,
    /// The certificate the server served (`https://` targets), judged like a certificate file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<ServedCertificate>,
    /// The answer to a GET over TLS (`https://` targets that answered).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub https_answer: Option<HttpsAnswer>,
    /// What a TLS 1.2+ handshake with the default preferences negotiated.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiated: Option<Negotiated>,
    /// The suites the server accepted, per protocol version, in the order it chose them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accepted_suites: Vec<ObservedSuite>,
    /// A grade after SSL Labs' server rating guide, from what was observed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grade: Option<Grade>,
    /// Who observed: `tlsproof probe`, or the tool and file the results were imported from.
    pub source: String,
}

/// The protocol version and suite a handshake negotiated.
#[derive(Debug, Clone, Serialize)]
pub struct Negotiated {
    pub protocol: String,
    pub suite: String,
}

/// A suite the server accepted at a protocol version.
#[derive(Debug, Clone, Serialize)]
pub struct ObservedSuite {
    /// `SSLv3`, `TLSv1`, `TLSv1.1`, `TLSv1.2` or `TLSv1.3`.
    pub protocol: String,
    pub suite: SuiteFacts,
}

/// A letter grade computed after SSL Labs' SSL Server Rating Guide from what a probe observed:
/// the three category scores, the overall score, and every cap that lowered the grade.
#[derive(Debug, Clone, Serialize)]
pub struct Grade {
    /// `A+`, `A`, `A-`, `B` … `F`; `T` (certificate not trusted) or `M` (name mismatch).
    pub grade: String,
    /// The grade the scores and caps give when certificate trust is set aside.
    pub ignoring_trust: String,
    pub score: u8,
    pub protocol_score: u8,
    pub key_exchange_score: u8,
    pub cipher_score: u8,
    /// `"B: TLS 1.0 accepted"`: each rule that capped or lowered the grade.
    pub caps: Vec<String>,
    /// What the guide considers that this probe does not measure.
    pub not_measured: Vec<String>,
}

/// What an HTTPS request was answered with.
#[derive(Debug, Clone, Serialize)]
pub struct HttpsAnswer {
    /// The status code; absent when the observer did not record it (sslyze).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The Strict-Transport-Security header as sent (for imported results, rebuilt from the
    /// tool's findings: `max-age=N; includeSubDomains; preload`); absent when none was sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hsts: Option<String>,
}

/// A served certificate: the leaf's facts, its SPKI pin, and its chain validated against the
/// scan's trust store for the target's name.
#[derive(Debug, Clone, Serialize)]
pub struct ServedCertificate {
    pub subject: String,
    pub issuer: String,
    pub not_after: String,
    pub self_signed: bool,
    pub spki_sha256: String,
    /// The SPKI pin of every certificate served, leaf first.
    pub pins: Vec<String>,
    /// The leaf's public key.
    pub key: KeyFacts,
    pub chain: ChainFacts,
}

/// One test of a probe: its id (`tls1.0-rejected`, …), `PASS`, `FAIL` or `INCONCLUSIVE`, and
/// what was seen.
#[derive(Debug, Clone, Serialize)]
pub struct ObservedTest {
    pub test: String,
    pub status: String,
    pub detail: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scope_classifies_addresses_as_written() {
        assert_eq!(Scope::of_host("127.0.0.1"), Scope::Loopback);
        assert_eq!(Scope::of_host("127.8.9.1"), Scope::Loopback);
        assert_eq!(Scope::of_host("[::1]"), Scope::Loopback);
        assert_eq!(Scope::of_host("localhost"), Scope::Loopback);
        assert_eq!(Scope::of_host("unix:/run/mcp.sock"), Scope::Unix);
        assert_eq!(Scope::of_host("10.1.2.3"), Scope::Private);
        assert_eq!(Scope::of_host("192.168.0.4"), Scope::Private);
        assert_eq!(Scope::of_host("[fd00::1]"), Scope::Private);
        assert_eq!(Scope::of_host("*"), Scope::Public);
        assert_eq!(Scope::of_host("0.0.0.0"), Scope::Public);
        assert_eq!(Scope::of_host("[::]"), Scope::Public);
        assert_eq!(Scope::of_host("backend.internal"), Scope::Public);
        assert_eq!(Scope::of_host("$upstream_host"), Scope::Unknown);
        assert_eq!(Scope::of_host("[::ffff:127.0.0.1]"), Scope::Loopback);
    }
}
