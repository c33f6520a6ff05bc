//! Claims checked against the model, failing closed.
//!
//! A claim's scope selects subjects: endpoints, client connections and red flags (whose
//! results carry the same ids). Each selected subject is checked against what the claim says:
//!
//! | claim | proven when | otherwise |
//! |---|---|---|
//! | `localhost` | every listener binds loopback or a unix socket, and no endpoint in the scan forwards plaintext from a non-loopback listener to it | REJECTED, citing the listen or hop line |
//! | `stdio` | the server's transport is stdio and it has no listener | REJECTED, citing the listener |
//! | `air-gapped`, `test-environment` | cannot be proven from config: ATTESTED | REJECTED when config contradicts it: an air-gapped endpoint with a certificate from a public ACME CA, a test environment in a scan that declares `production` |
//! | `compensating-control: mtls` | TLS with client certificates required and verified | REJECTED, citing the client-auth setting |
//! | `compensating-control: lb-termination` | the endpoint serves TLS (the hop from the load balancer is encrypted) and every hop to a non-loopback upstream is TLS with verification | REJECTED, citing the plaintext listener or hop |
//! | `compensating-control: vpn-tunnel / ssh-tunnel` | cannot be proven from config | ATTESTED |
//! | `risk-acceptance` | a decision, not a fact: honored while valid | — |
//!
//! One contradicted subject rejects the whole claim: a claim is a statement about everything
//! it names. Expired, not yet valid and invalid claims are not honored; a claim that selects
//! nothing is ORPHANED. Requirements made non-waivable (`--strict`) are removed from waivers.

use super::{
    Check, Claim, ClaimFact, ClaimKind, ClaimRecord, ClaimScope, Control, Loaded, Outcome, Policy,
    Problem, SubjectCheck,
};
use crate::model::{Endpoint, Model, ModelSpan, Scope, Transport};
use std::collections::{BTreeSet, HashMap};

/// The model with what claims look up in it, indexed once for every claim: the subjects by the
/// files they come from, and the proxy hops by the port they forward to. Checking a claim
/// costs what it selects, not the size of the scan.
struct Scanned<'a> {
    model: &'a Model,
    subjects: Vec<Subject<'a>>,
    /// Subjects by each file they come from, in subject order.
    by_file: HashMap<&'a str, Vec<usize>>,
    /// (endpoint, hop) positions by the port a hop target names, in model order.
    forwarders: HashMap<u16, Vec<(usize, usize)>>,
}

impl<'a> Scanned<'a> {
    fn new(model: &'a Model) -> Self {
        let subjects = subjects(model);
        let mut by_file: HashMap<&'a str, Vec<usize>> = HashMap::new();
        for (i, s) in subjects.iter().enumerate() {
            for f in &s.files {
                by_file.entry(f).or_default().push(i);
            }
        }
        let mut forwarders: HashMap<u16, Vec<(usize, usize)>> = HashMap::new();
        for (e, ep) in model.endpoints.iter().enumerate() {
            for (h, hop) in ep.hops.iter().enumerate() {
                let ports: BTreeSet<u16> = hop
                    .targets
                    .iter()
                    .filter_map(|t| t.address.rsplit_once(':')?.1.parse().ok())
                    .collect();
                for port in ports {
                    forwarders.entry(port).or_default().push((e, h));
                }
            }
        }
        Scanned {
            model,
            subjects,
            by_file,
            forwarders,
        }
    }

    /// The subjects a scope selects, in subject order.
    fn selected(&self, scope: &ClaimScope, file_prefix: Option<&str>) -> Vec<&Subject<'a>> {
        if scope.file.is_none() && scope.endpoint.is_none() && scope.component.is_none() {
            return Vec::new();
        }
        let candidates: Vec<usize> = match scope.file.as_deref() {
            // A file pattern narrows the subjects to those of the files it matches: a literal
            // name is one lookup, a glob is compiled once and tried on each file.
            Some(pattern) => {
                let pattern = FilePattern::new(pattern, file_prefix);
                let mut hits: Vec<usize> = match pattern.literal() {
                    Some(file) => self.by_file.get(file).cloned().unwrap_or_default(),
                    None => self
                        .by_file
                        .iter()
                        .filter(|(f, _)| pattern.matches(f))
                        .flat_map(|(_, subjects)| subjects.iter().copied())
                        .collect(),
                };
                hits.sort_unstable();
                hits.dedup();
                hits
            }
            None => (0..self.subjects.len()).collect(),
        };
        let needle = scope.endpoint.as_deref().map(str::to_ascii_lowercase);
        candidates
            .into_iter()
            .filter_map(|i| self.subjects.get(i))
            .filter(|s| selects(scope, needle.as_deref(), s))
            .collect()
    }
}

/// A claim's `scope.file`: a glob relative to the project root, matched against the displayed
/// files (relative to the scanned folder, `file_prefix` below the project root).
enum FilePattern {
    /// No glob character: the displayed file it names, if it is under the scanned folder.
    Literal(Option<String>),
    Glob {
        matcher: Option<globset::GlobMatcher>,
        pattern: String,
        prefix: Option<String>,
    },
}

impl FilePattern {
    fn new(pattern: &str, file_prefix: Option<&str>) -> Self {
        let pattern = pattern.trim_start_matches("./");
        if !pattern.contains(['*', '?', '[', '{', '\\']) {
            let displayed = match file_prefix {
                Some(prefix) => pattern
                    .strip_prefix(prefix)
                    .and_then(|rest| rest.strip_prefix('/'))
                    .map(str::to_string),
                None => Some(pattern.to_string()),
            };
            return FilePattern::Literal(displayed);
        }
        FilePattern::Glob {
            matcher: globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .ok()
                .map(|g| g.compile_matcher()),
            pattern: pattern.to_string(),
            prefix: file_prefix.map(str::to_string),
        }
    }

    /// The one displayed file a literal pattern names (`Some("")` matches nothing).
    fn literal(&self) -> Option<&str> {
        match self {
            FilePattern::Literal(file) => Some(file.as_deref().unwrap_or("")),
            FilePattern::Glob { .. } => None,
        }
    }

    /// Whether the pattern names the displayed file `f`.
    fn matches(&self, f: &str) -> bool {
        match self {
            FilePattern::Literal(file) => file.as_deref() == Some(f),
            FilePattern::Glob {
                matcher,
                pattern,
                prefix,
            } => {
                let path = match prefix {
                    Some(prefix) => std::borrow::Cow::Owned(format!("{prefix}/{f}")),
                    None => std::borrow::Cow::Borrowed(f),
                };
                match matcher {
                    Some(m) => m.is_match(path.as_ref()),
                    None => path == pattern.as_str(),
                }
            }
        }
    }
}

/// Something a claim can select.
struct Subject<'a> {
    id: String,
    component: String,
    files: BTreeSet<&'a str>,
    names: Vec<&'a str>,
    what: What<'a>,
}

enum What<'a> {
    Endpoint(&'a Endpoint),
    Client(&'a crate::model::Client),
    RedFlag(&'a crate::model::RedFlag),
}

fn subjects(model: &Model) -> Vec<Subject<'_>> {
    let mut out = Vec::new();
    let mut ids = BTreeSet::new();
    for ep in &model.endpoints {
        let mut files: BTreeSet<&str> = BTreeSet::new();
        files.insert(&ep.span.file);
        for l in ep.listens.iter().chain(&ep.plaintext.listens) {
            files.insert(&l.span.file);
        }
        ids.insert(ep.id.clone());
        out.push(Subject {
            id: ep.id.clone(),
            component: ep.component.as_str().into(),
            files,
            names: ep.server_names.iter().map(String::as_str).collect(),
            what: What::Endpoint(ep),
        });
    }
    for c in &model.clients {
        ids.insert(c.id.clone());
        out.push(Subject {
            id: c.id.clone(),
            component: c.component.clone(),
            files: BTreeSet::from([c.span.file.as_str()]),
            names: vec![c.name.as_str(), c.host.as_str()],
            what: What::Client(c),
        });
    }
    for f in &model.red_flags {
        let component = f.component.clone().unwrap_or_else(|| "app".into());
        // The id the NET03-VERIFY result carries (policies/net03_verify.rego).
        let id = f
            .endpoint
            .clone()
            .unwrap_or_else(|| format!("{component}:{}:{}", f.span.file, f.span.line));
        if !ids.insert(id.clone()) {
            continue;
        }
        out.push(Subject {
            id,
            component,
            files: BTreeSet::from([f.span.file.as_str()]),
            names: Vec::new(),
            what: What::RedFlag(f),
        });
    }
    out
}

/// Whether the scope's component and endpoint select `s` (`needle`: the scope's endpoint, lower
/// case). Its file was checked when the candidates were chosen ([`Scanned::selected`]).
fn selects(scope: &ClaimScope, needle: Option<&str>, s: &Subject<'_>) -> bool {
    if let Some(c) = &scope.component {
        if !c.eq_ignore_ascii_case(&s.component) {
            return false;
        }
    }
    if let (Some(e), Some(needle)) = (&scope.endpoint, needle) {
        let named = s
            .names
            .iter()
            .any(|n| !n.is_empty() && contains_ignoring_ascii_case(n, needle));
        if s.id != *e && !named {
            return false;
        }
    }
    true
}

/// Whether `haystack` contains `needle` (lower case), ignoring ASCII case, without allocating.
fn contains_ignoring_ascii_case(haystack: &str, needle: &str) -> bool {
    let (h, n) = (haystack.as_bytes(), needle.as_bytes());
    n.is_empty()
        || h.windows(n.len())
            .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

fn fact(text: String, contradicts: bool, span: &ModelSpan) -> ClaimFact {
    ClaimFact {
        text,
        contradicts,
        location: (span.line > 0).then(|| span.location()),
        excerpt: None,
    }
}

fn listen_text(l: &crate::model::Listen) -> String {
    match l.port {
        Some(p) if !l.address.starts_with("unix:") => format!("{}:{p}", l.address),
        _ => l.address.clone(),
    }
}

fn scope_word(s: Scope) -> &'static str {
    match s {
        Scope::Stdio => "stdio",
        Scope::Unix => "a unix socket",
        Scope::Loopback => "loopback",
        Scope::Private => "a private network address",
        Scope::Unknown => "an address the configuration does not fix",
        Scope::Public => "a public or every interface",
    }
}

/// A `localhost` claim against one endpoint.
fn check_localhost(ep: &Endpoint, scanned: &Scanned<'_>) -> Vec<ClaimFact> {
    let mut facts = Vec::new();
    if ep.scope == Scope::Stdio {
        facts.push(fact(
            "speaks over stdio: no network listener".into(),
            false,
            &ep.span,
        ));
        return facts;
    }
    let mut seen = BTreeSet::new();
    let listens: Vec<&crate::model::Listen> = ep
        .listens
        .iter()
        .chain(&ep.plaintext.listens)
        .filter(|l| {
            seen.insert((
                l.span.file.clone(),
                l.span.line,
                l.span.column,
                listen_text(l),
            ))
        })
        .collect();
    if listens.is_empty() {
        facts.push(fact(
            "no listen address in the configuration: loopback cannot be shown".into(),
            true,
            &ep.span,
        ));
    }
    for l in &listens {
        let local = matches!(l.scope, Scope::Loopback | Scope::Unix);
        let origin = match l.origin {
            crate::model::Origin::Default => " (default)",
            _ => "",
        };
        facts.push(fact(
            format!(
                "listens on {}{origin}: {}",
                listen_text(l),
                scope_word(l.scope)
            ),
            !local,
            &l.span,
        ));
    }
    // Reached from elsewhere: a plaintext forwarder on a non-loopback listener exposes it.
    let mut forwarders: Vec<(usize, usize)> = listens
        .iter()
        .filter_map(|l| scanned.forwarders.get(&l.port?))
        .flatten()
        .copied()
        .collect();
    forwarders.sort_unstable();
    forwarders.dedup();
    let endpoints = &scanned.model.endpoints;
    for (other, h) in forwarders {
        let Some(other) = endpoints.get(other) else {
            continue;
        };
        if other.id == ep.id || other.scope.is_local() {
            continue;
        }
        if let Some(h) = other.hops.get(h) {
            let reached = listens.iter().any(|l| {
                l.port.is_some_and(|port| {
                    h.targets
                        .iter()
                        .any(|t| crate::link::reaches(t, &l.address, l.scope, port))
                })
            });
            if !reached {
                continue;
            }
            let plaintext_in = !other.tls.enabled
                || (!other.plaintext.listens.is_empty()
                    && !other.plaintext.redirects_to_https.value
                    && !other.plaintext.blocked.value);
            if plaintext_in {
                facts.push(fact(
                    format!(
                        "{} accepts plaintext on {} and forwards it here ({} {})",
                        other.id,
                        scope_word(other.scope),
                        h.directive,
                        h.upstream
                    ),
                    true,
                    &h.span,
                ));
            } else {
                facts.push(fact(
                    format!(
                        "reached through {}, which terminates TLS and is judged on its own ({} {})",
                        other.id, h.directive, h.upstream
                    ),
                    false,
                    &h.span,
                ));
            }
        }
    }
    facts
}

/// A `stdio` claim against one endpoint.
fn check_stdio(ep: &Endpoint) -> Vec<ClaimFact> {
    let mut facts = Vec::new();
    if ep.transport == Transport::Stdio && ep.scope == Scope::Stdio {
        facts.push(fact(
            "transport stdio: no network listener".into(),
            false,
            &ep.span,
        ));
    } else {
        facts.push(fact(
            format!(
                "not a stdio server: transport {}",
                serde_json::to_value(ep.transport)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default()
            ),
            true,
            &ep.span,
        ));
    }
    for l in ep
        .listens
        .iter()
        .chain(&ep.plaintext.listens)
        .filter(|l| l.scope != Scope::Stdio)
    {
        let f = fact(format!("listens on {}", listen_text(l)), true, &l.span);
        if !facts.contains(&f) {
            facts.push(f);
        }
    }
    facts
}

/// Client-auth values (as the ingesters normalize them) that mean "a client certificate is
/// required and verified": nginx `ssl_verify_client on`, Traefik `RequireAndVerifyClientCert`,
/// ingress-nginx `auth-tls-verify-client: on`, Caddy `require_and_verify`.
const MTLS_REQUIRED: &[&str] = &["required", "require_and_verify"];

fn check_mtls(ep: &Endpoint) -> Vec<ClaimFact> {
    let ca = &ep.tls.client_auth;
    let required = MTLS_REQUIRED
        .iter()
        .any(|v| v.eq_ignore_ascii_case(ca.value.trim()));
    let mut facts = Vec::new();
    if !ep.tls.enabled {
        facts.push(fact(
            "terminates no TLS: there is no handshake to ask for a client certificate".into(),
            true,
            &ep.span,
        ));
    }
    let note = ca
        .note
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    facts.push(fact(
        format!(
            "client certificates: {}{note}{}",
            ca.value,
            if required {
                ", required and verified"
            } else {
                ", not required and verified"
            }
        ),
        !required,
        &ca.span,
    ));
    facts
}

fn check_lb_termination(ep: &Endpoint) -> Vec<ClaimFact> {
    let mut facts = Vec::new();
    if ep.tls.enabled {
        for l in ep.listens.iter().filter(|l| l.tls).take(1) {
            facts.push(fact(
                format!(
                    "serves TLS on {}: the hop from the load balancer is encrypted",
                    listen_text(l)
                ),
                false,
                &l.span,
            ));
        }
    } else {
        facts.push(fact(
            "terminates no TLS: the hop from the load balancer arrives in plaintext".into(),
            true,
            &ep.span,
        ));
    }
    let serves_plaintext = !ep.plaintext.listens.is_empty()
        && !ep.plaintext.redirects_to_https.value
        && !ep.plaintext.blocked.value;
    if ep.tls.enabled && serves_plaintext {
        for l in &ep.plaintext.listens {
            facts.push(fact(
                format!(
                    "also serves plaintext on {}: the load balancer may forward unencrypted",
                    listen_text(l)
                ),
                true,
                &l.span,
            ));
        }
    }
    for h in &ep.hops {
        if h.scope.is_local() {
            continue;
        }
        let ok = h.tls && h.verify.value;
        let why = if !h.tls {
            "plaintext"
        } else if !h.verify.value {
            "TLS without certificate verification"
        } else {
            "TLS with certificate verification"
        };
        facts.push(fact(
            format!("{} {}: {why}", h.directive, h.upstream),
            !ok,
            &h.span,
        ));
    }
    facts
}

/// Checks `claim` against one subject.
fn check(claim: &Claim, kind: ClaimKind, s: &Subject<'_>, scanned: &Scanned<'_>) -> SubjectCheck {
    let model = scanned.model;
    let not_a_listener = |what: &str, span: &ModelSpan| {
        vec![fact(
            format!(
                "{what}: a {} claim is about a server's listeners",
                kind.as_str()
            ),
            true,
            span,
        )]
    };
    let (check, facts) = match (kind, claim.control, &s.what) {
        (ClaimKind::RiskAcceptance, _, _) => (Check::Accepted, Vec::new()),
        (ClaimKind::AirGapped, _, What::Endpoint(ep)) => attested_unless(check_air_gapped(ep)),
        (ClaimKind::AirGapped, _, _)
        | (ClaimKind::CompensatingControl, Some(Control::VpnTunnel | Control::SshTunnel), _) => {
            (Check::Attested, Vec::new())
        }
        (ClaimKind::TestEnvironment, _, _) => {
            let production = model.environment == "production";
            let text = if production {
                "the scan declares environment production (tlsproof.toml or --environment)".into()
            } else {
                format!(
                    "the scan declares environment {} (tlsproof.toml or --environment), which does not contradict it",
                    model.environment
                )
            };
            attested_unless(vec![ClaimFact {
                text,
                contradicts: production,
                location: None,
                excerpt: None,
            }])
        }
        (ClaimKind::Localhost, _, What::Endpoint(ep)) => verdict(check_localhost(ep, scanned)),
        (ClaimKind::Localhost, _, What::Client(c)) => verdict(vec![fact(
            format!("connects to {} ({})", c.url.value, scope_word(c.scope)),
            !c.scope.is_local(),
            &c.url.span,
        )]),
        (ClaimKind::Stdio, _, What::Endpoint(ep)) => verdict(check_stdio(ep)),
        (ClaimKind::CompensatingControl, Some(Control::Mtls), What::Endpoint(ep)) => {
            verdict(check_mtls(ep))
        }
        (ClaimKind::CompensatingControl, Some(Control::LbTermination), What::Endpoint(ep)) => {
            verdict(check_lb_termination(ep))
        }
        (_, _, What::Client(c)) => verdict(not_a_listener(
            &format!("an outbound connection to {}", c.url.value),
            &c.span,
        )),
        (_, _, What::RedFlag(f)) => verdict(not_a_listener(
            &format!("an outbound connection setting ({})", f.text),
            &f.span,
        )),
        (ClaimKind::CompensatingControl, None, What::Endpoint(ep)) => {
            verdict(vec![fact("no control named".into(), true, &ep.span)])
        }
    };
    SubjectCheck {
        endpoint: s.id.clone(),
        component: s.component.clone(),
        check,
        facts,
    }
}

/// ATTESTED, unless a fact contradicts the claim.
fn attested_unless(facts: Vec<ClaimFact>) -> (Check, Vec<ClaimFact>) {
    let check = if facts.iter().any(|f| f.contradicts) {
        Check::Contradicted
    } else {
        Check::Attested
    };
    (check, facts)
}

/// What contradicts an air-gapped network: a certificate obtained from a public ACME CA, which
/// answers challenges over the internet (HTTP-01, TLS-ALPN-01) or publishes DNS records (DNS-01).
fn check_air_gapped(ep: &Endpoint) -> Vec<ClaimFact> {
    ep.tls
        .certificates
        .iter()
        .filter(|c| c.managed.as_deref() == Some("acme"))
        .map(|c| {
            fact(
                "obtains its certificate from a public ACME CA at run time, which needs the internet"
                    .into(),
                true,
                &c.span,
            )
        })
        .collect()
}

fn verdict(facts: Vec<ClaimFact>) -> (Check, Vec<ClaimFact>) {
    let check = if facts.iter().any(|f| f.contradicts) {
        Check::Contradicted
    } else {
        Check::Proven
    };
    (check, facts)
}

/// Verifies every claim against the model at the evaluation date `today` (None: no date can be
/// judged, so no claim is honored).
pub fn verify(
    loaded: &Loaded,
    model: &Model,
    today: Option<time::Date>,
    policy: &Policy,
) -> Vec<ClaimRecord> {
    let scanned = Scanned::new(model);
    let mut out = Vec::new();
    for claim in &loaded.claims {
        out.push(verify_one(claim, &scanned, today, policy));
    }
    out
}

fn verify_one(
    claim: &Claim,
    scanned: &Scanned<'_>,
    today: Option<time::Date>,
    policy: &Policy,
) -> ClaimRecord {
    let mut record = new_record(claim, today);
    let kind = match (claim.kind, claim.problems.is_empty()) {
        (Some(kind), true) => kind,
        _ => {
            record.outcome = Outcome::Invalid;
            record.reasons = claim.problems.iter().map(problem_text).collect();
            if record.reasons.is_empty() {
                record.reasons.push("no kind".into());
            }
            return record;
        }
    };
    record.subjects = scanned
        .selected(&claim.scope, policy.file_prefix.as_deref())
        .into_iter()
        .map(|s| check(claim, kind, s, scanned))
        .collect();
    let covered: Vec<String> = if claim.requirements.is_empty() {
        policy
            .requirements
            .covered_by(kind, claim.control)
            .into_iter()
            .map(str::to_string)
            .collect()
    } else {
        claim.requirements.clone()
    };
    record.requirements = covered.clone();
    if let Some((outcome, reason)) = not_in_force(claim, today) {
        record.outcome = outcome;
        record.reasons.push(reason);
        return record;
    }
    if record.subjects.is_empty() {
        record.outcome = Outcome::Orphaned;
        record.reasons.push(format!(
            "its scope ({}) selects no endpoint, client or red flag in the scan",
            scope_text(&claim.scope)
        ));
        return record;
    }
    let contradicted = record.cited_facts(true);
    if !contradicted.is_empty() {
        record.outcome = Outcome::Rejected;
        record.reasons = contradicted;
        return record;
    }
    if kind.waiver() && !keep_waivable(&mut record, covered, policy) {
        return record;
    }
    conclude(&mut record, claim, kind);
    record
}

/// The record of a claim before it is judged: what the claim says.
fn new_record(claim: &Claim, today: Option<time::Date>) -> ClaimRecord {
    ClaimRecord {
        id: claim.id.clone(),
        kind: claim.kind,
        control: claim.control,
        outcome: Outcome::Honored,
        reasons: Vec::new(),
        requirements: Vec::new(),
        not_waived: Vec::new(),
        scope: claim.scope.clone(),
        justification: claim.justification.clone(),
        owner: claim.owner.clone(),
        approver: claim.approver.clone(),
        created: claim.created.map(|d| d.to_string()).unwrap_or_default(),
        expires: claim.expires.map(|d| d.to_string()).unwrap_or_default(),
        evidence: claim.evidence.clone(),
        location: claim.location.clone(),
        subjects: Vec::new(),
        results_changed: 0,
        not_covered: Vec::new(),
        days_left: match (today, claim.expires) {
            (Some(t), Some(e)) => Some((e - t).whole_days()),
            _ => None,
        },
        repository: None,
    }
}

/// Why a claim is not in force at `today`: no dates, no evaluation time, expired or not yet
/// valid.
fn not_in_force(claim: &Claim, today: Option<time::Date>) -> Option<(Outcome, String)> {
    let (Some(created), Some(expires)) = (claim.created, claim.expires) else {
        return Some((Outcome::Invalid, "no valid created/expires dates".into()));
    };
    let Some(today) = today else {
        let why = "no evaluation time: the claim's dates cannot be checked";
        return Some((Outcome::Invalid, why.into()));
    };
    if today > expires {
        let why = format!("expired on {expires} (evaluated on {today}): not honored");
        return Some((Outcome::Expired, why));
    }
    if today < created {
        let why = format!("not valid before {created} (evaluated on {today}): not honored");
        return Some((Outcome::NotYetValid, why));
    }
    None
}

/// Drops the non-waivable requirements from a waiver's; `false` (the record concluded as
/// non-waivable) when none is left.
fn keep_waivable(record: &mut ClaimRecord, covered: Vec<String>, policy: &Policy) -> bool {
    let (refused, kept): (Vec<String>, Vec<String>) = covered
        .into_iter()
        .partition(|r| policy.non_waivable.iter().any(|n| n == r));
    record.not_waived = refused;
    record.requirements = kept;
    if record.requirements.is_empty() {
        record.requirements = record.not_waived.clone();
        record.outcome = Outcome::NonWaivable;
        record.reasons.push(format!(
            "{} non-waivable (--strict or tlsproof.toml [exceptions] non_waivable): not honored",
            record.not_waived.join(", ")
        ));
        return false;
    }
    if !record.not_waived.is_empty() {
        record.reasons.push(format!(
            "not honored for {}: non-waivable",
            record.not_waived.join(", ")
        ));
    }
    true
}

/// A claim in force that nothing contradicts: attested on the approver's word, or honored
/// (proven by the configuration, or a risk accepted).
fn conclude(record: &mut ClaimRecord, claim: &Claim, kind: ClaimKind) {
    if record.subjects.iter().any(|s| s.check == Check::Attested) {
        record.outcome = Outcome::Attested;
        record.reasons.push(format!(
            "cannot be proven from the configuration: rests on the word of {}",
            claim.approver
        ));
        return;
    }
    record.outcome = Outcome::Honored;
    if kind == ClaimKind::RiskAcceptance {
        record.reasons.push(format!(
            "risk accepted by {} until {}",
            claim.approver, record.expires
        ));
    } else {
        let proof = record.cited_facts(false);
        record
            .reasons
            .push(format!("proven by the configuration: {}", proof.join("; ")));
    }
}

fn problem_text(p: &Problem) -> String {
    format!("{} ({}:{})", p.message, p.location.file, p.location.line)
}

pub(crate) fn scope_text(scope: &ClaimScope) -> String {
    let mut parts = Vec::new();
    if let Some(f) = &scope.file {
        parts.push(format!("file {f}"));
    }
    if let Some(e) = &scope.endpoint {
        parts.push(format!("endpoint {e}"));
    }
    if let Some(c) = &scope.component {
        parts.push(format!("component {c}"));
    }
    if !scope.hops.is_empty() {
        parts.push(format!("hops {}", scope.hops.join(", ")));
    }
    parts.join(", ")
}
