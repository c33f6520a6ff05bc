//! ingress-nginx: the controller (its ConfigMap, version, flags) and what an Ingress it serves
//! gets — listeners, redirect, protocols, ciphers, certificates, client certificates, HSTS and
//! hops — from the Ingress's `spec.tls` and annotations, snippet annotations parsed as nginx,
//! the ConfigMap, and the controller's defaults by version.

use super::{backends, hosts, key_node, mcp_path, rule_anchor, words, Resolved};
use crate::ciphers;
use crate::diag::{Finding, FindingKind};
use crate::ingest::kubernetes::{service_hop, snippet, workload, Cx, Obj};
use crate::ingest::Ingested;
use crate::model::version::{self, versioned, Defaults, ProductVersion, Since};
use crate::model::Component;
use crate::model::{
    Certificate, CipherList, Endpoint, EndpointDraft, Fact, Hop, Hsts, Listen, ModelSpan, Origin,
    Scope, SuiteFacts, Tls, Transport,
};
use crate::source::FileId;
use crate::yaml::Node;

/// The prefix of ingress-nginx annotations.
pub(super) const NGINX: &str = "nginx.ingress.kubernetes.io/";
/// ingress-nginx `ssl-ciphers` default since 0.27.0 (ECDHE/DHE AEAD only).
const CIPHERS_0_27: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
/// ingress-nginx `ssl-ciphers` default before 0.27.0 (also CBC-SHA2 suites).
const CIPHERS_OLD: &str = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256";

/// The controller's `ssl-ciphers` default by version.
const DEFAULT_CIPHERS: Defaults<&str> = Defaults {
    rows: &[
        Since {
            since: &[0, 27, 0],
            value: CIPHERS_0_27,
            note: "default ssl-ciphers (ECDHE/DHE with AES-GCM or CHACHA20, since 0.27.0)",
        },
        Since {
            since: &[],
            value: CIPHERS_OLD,
            note: "default ssl-ciphers before 0.27.0 (includes CBC-SHA2 suites)",
        },
    ],
    unknown: Since {
        since: &[],
        value: CIPHERS_OLD,
        note: "ingress-nginx version unknown: worst case, the ssl-ciphers default before 0.27.0 (CBC-SHA2 suites; 0.27.0 and later offer only AEAD suites); declare it in tlsproof.toml ([kubernetes] ingress_nginx_version = \"1.11.2\") or scan the controller Deployment",
    },
};

/// The product name in notes.
const PRODUCT: &str = "ingress-nginx";

/// The ingress-nginx controller: its ConfigMap, version and flags.
pub(super) struct NginxController<'a> {
    cm: Option<&'a Obj<'a>>,
    version: ProductVersion,
    /// `--default-ssl-certificate` and where it is written.
    default_cert: Option<(String, FileId, usize)>,
    /// Whether the controller's own Deployment (its container args) is in the scan, so that the
    /// absence of `--default-ssl-certificate` is a fact rather than an unknown.
    deployment_seen: bool,
}

impl<'a> NginxController<'a> {
    fn key(&self, k: &str) -> Option<(&'a Node, FileId)> {
        let cm = self.cm?;
        cm.node.get("data")?.get(k).map(|n| (n, cm.file))
    }

    fn label(&self) -> String {
        self.version.label()
    }

    fn at_least(&self, min: &[u32]) -> Option<bool> {
        self.version.at_least(min)
    }
}

pub(super) fn find_controller<'a>(cx: &'a Cx<'a>, out: &mut Ingested) -> NginxController<'a> {
    let wanted = cx.declared.kubernetes.controller_configmap.clone();
    let cms: Vec<&Obj> = cx
        .of_kind("ConfigMap")
        .filter(|c| match &wanted {
            Some(w) => c.id() == *w || c.name == *w,
            None => {
                c.name.ends_with("ingress-nginx-controller")
                    || c.name == "nginx-configuration"
                    || c.name.ends_with("nginx-ingress-controller")
            }
        })
        .collect();
    if cms.len() > 1 {
        let first = cms[0];
        out.findings.push(Finding::new(
            FindingKind::Notice,
            format!(
                "{} ingress-nginx controller ConfigMaps found; {} is used for every ingress-nginx Ingress: name the right one in tlsproof.toml ([kubernetes] controller_configmap = \"namespace/name\")",
                cms.len(),
                first.id()
            ),
            Some(cx.span(first.file, first.start())),
        ));
    }
    if let (Some(w), true) = (&wanted, cms.is_empty()) {
        out.findings.push(Finding::new(
            FindingKind::Notice,
            format!("tlsproof.toml names the ingress-nginx ConfigMap {w}, which is not in the scan: the controller defaults are used"),
            None,
        ));
    }
    let mut version = ProductVersion::unknown(PRODUCT);
    if let Some(v) = &cx.declared.kubernetes.ingress_nginx_version {
        version = ProductVersion::new(PRODUCT, version::parts(v), v.trim().trim_start_matches('v'));
        if version.parts().is_none() {
            out.findings.push(Finding::new(
                FindingKind::Notice,
                format!("the declared ingress-nginx version {v:?} is not a version number; defaults are taken as for an unknown version"),
                None,
            ));
        }
    }
    let mut default_cert = None;
    let mut deployment_seen = false;
    for pod in workload::pods(cx) {
        for c in workload::containers(pod.spec) {
            let (repo, tag) = crate::ingest::kubernetes::image_parts(&c.image);
            if !(repo.ends_with("ingress-nginx/controller")
                || repo.ends_with("nginx-ingress-controller")
                || repo.ends_with("ingress-nginx/controller-chroot"))
            {
                continue;
            }
            deployment_seen = true;
            if version.parts().is_none() {
                if let Some(parts) = version::parts(&tag) {
                    let image_at = c.node.get("image").map(|n| n.start).unwrap_or(c.node.start);
                    let text = format!(
                        "{} (image tag at {})",
                        tag.trim_start_matches('v'),
                        cx.where_(pod.obj.file, image_at)
                    );
                    version = ProductVersion::new(PRODUCT, Some(parts), text);
                }
            }
            for item in c.node.get("args").map(Node::items).unwrap_or(&[]) {
                if let Some(s) = item.scalar() {
                    if let Some(v) = s.strip_prefix("--default-ssl-certificate=") {
                        default_cert = Some((v.trim().to_string(), pod.obj.file, item.start));
                    }
                }
            }
        }
    }
    NginxController {
        cm: cms.first().copied(),
        version,
        default_cert,
        deployment_seen,
    }
}

/// Whether snippet annotations take effect: `Some(true/false)` when known.
fn snippets_allowed(cx: &Cx, ctl: &NginxController) -> (Option<bool>, String) {
    let allow = ctl.key("allow-snippet-annotations");
    let risk = ctl.key("annotations-risk-level");
    let allow_v = allow.and_then(|(n, _)| n.as_bool());
    let allowed_by_flag = match (allow_v, ctl.at_least(&[1, 9, 0])) {
        (Some(v), _) => Some(v),
        (None, Some(newer)) => Some(!newer),
        (None, None) => None,
    };
    let risk_ok = match (
        risk.and_then(|(n, _)| n.scalar()),
        ctl.at_least(&[1, 12, 0]),
    ) {
        (Some(r), _) => Some(r.eq_ignore_ascii_case("critical")),
        (None, Some(newer)) => Some(!newer),
        (None, None) => None,
    };
    let why = format!(
        "snippet annotations need allow-snippet-annotations=true (default false since 1.9.0){} and annotations-risk-level=Critical (default High since 1.12.0){}; {}",
        allow.map(|(n, f)| format!(", set at {}", cx.where_(f, n.start))).unwrap_or_default(),
        risk.map(|(n, f)| format!(", set at {}", cx.where_(f, n.start))).unwrap_or_default(),
        ctl.label()
    );
    let v = match (allowed_by_flag, risk_ok) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    };
    (v, why)
}

fn suites(list: &[&'static crate::ciphers::Suite]) -> Vec<SuiteFacts> {
    list.iter().map(|s| SuiteFacts::from(*s)).collect()
}

/// The endpoint of an Ingress served by ingress-nginx.
pub(super) fn endpoint(
    cx: &Cx,
    ctl: &NginxController,
    ing: &Obj,
    r: &Resolved,
    out: &mut Ingested,
) -> Endpoint {
    let spec = ing.spec();
    let tls_node = spec
        .and_then(|s| s.get("tls"))
        .filter(|t| !t.items().is_empty());
    let (allowed, allow_why) = snippets_allowed(cx, ctl);
    let mut site = Site {
        cx,
        ctl,
        ing,
        spec,
        tls_node,
        tls_key: spec
            .and_then(|s| key_node(s, "tls"))
            .filter(|_| tls_node.is_some()),
        span: cx.ms(ing.file, ing.start()),
        label: ctl.label(),
        snip: Vec::new(),
        allowed,
        allow_why,
        passthrough: ing
            .annotation(&format!("{NGINX}ssl-passthrough"))
            .filter(|n| n.as_bool() == Some(true)),
    };
    site.snip = site.snippets(out);
    let (redirect, plain_at) = site.redirect();
    let listens = site.listeners(r, &redirect, plain_at);
    let ciphers = site.ciphers();
    let tls = Tls {
        enabled: false,
        protocols: site.protocols(),
        tls13_suites: Fact::default(
            suites(&ciphers::tls13_default()),
            ciphers.span.clone(),
            "OpenSSL default TLS 1.3 cipher suites (ssl-ciphers does not apply to TLS 1.3)",
        ),
        ciphers,
        certificates: site.certificates(),
        client_auth: site.client_auth(),
        hsts: if tls_node.is_some() {
            site.hsts()
        } else {
            Fact::derived(None, site.span.clone(), "HSTS is sent only on TLS servers")
        },
        session_tickets: Some(site.session_tickets()),
        reject_handshake: None,
    };
    let id = format!("kubernetes:ingress:{}", ing.id());
    let blocked = Fact::default(
        false,
        site.span.clone(),
        "ingress-nginx proxies plaintext requests it does not redirect",
    );
    EndpointDraft {
        context: Some("ingress-nginx".into()),
        server_names: hosts(spec),
        listens,
        transport: if site.passthrough.is_some() {
            Transport::TlsPassthrough
        } else {
            Transport::Http
        },
        hops: site.hops(),
        mcp_path: mcp_path(spec),
        ..EndpointDraft::new(
            id,
            Component::Kubernetes,
            site.span.clone(),
            tls,
            redirect,
            blocked,
        )
    }
    .finish()
}

/// One Ingress served by ingress-nginx, with what the whole Ingress says.
struct Site<'a> {
    cx: &'a Cx<'a>,
    ctl: &'a NginxController<'a>,
    ing: &'a Obj<'a>,
    spec: Option<&'a Node>,
    /// `spec.tls`, when it lists something.
    tls_node: Option<&'a Node>,
    /// The `tls:` key, when `spec.tls` lists something.
    tls_key: Option<&'a Node>,
    /// Where the Ingress is named.
    span: ModelSpan,
    /// The controller and its version, for notes.
    label: String,
    /// The directives of its snippet annotations.
    snip: Vec<snippet::Directive>,
    /// Whether snippet annotations take effect, and why.
    allowed: Option<bool>,
    allow_why: String,
    /// `ssl-passthrough: "true"`.
    passthrough: Option<&'a Node>,
}

impl<'a> Site<'a> {
    fn ann(&self, k: &str) -> Option<&'a Node> {
        self.ing.annotation(&format!("{NGINX}{k}"))
    }

    fn ms(&self, start: usize) -> ModelSpan {
        self.cx.ms(self.ing.file, start)
    }

    /// A key of the controller ConfigMap, with its file.
    fn ctl_where(&self, k: &str) -> Option<(Node, FileId)> {
        self.ctl.key(k).map(|(n, fi)| (n.clone(), fi))
    }

    /// The last snippet directive of that name.
    fn snippet_dir(&self, name: &str) -> Option<&snippet::Directive> {
        self.snip.iter().rev().find(|d| d.name == name)
    }

    /// Where the TLS defaults are located: the `tls:` key, else the Ingress.
    fn tls_at(&self) -> usize {
        self.tls_key.map(|k| k.start).unwrap_or(self.ing.start())
    }

    /// The directives of the snippet annotations, parsed as nginx; a notice when the controller
    /// may ignore them.
    fn snippets(&self, out: &mut Ingested) -> Vec<snippet::Directive> {
        let (cx, ing, f) = (self.cx, self.ing, self.ing.file);
        let mut snip = Vec::new();
        let file_text = cx.map.get(f).map(|s| s.text.as_str()).unwrap_or("");
        for key in ["server-snippet", "configuration-snippet"] {
            let Some(v) = self.ann(key) else { continue };
            match snippet::directives(f, file_text, v) {
                Ok(ds) => snip.extend(ds),
                Err(e) => out.findings.push(Finding::new(
                    FindingKind::ParseError,
                    format!(
                        "the {key} annotation of Ingress {} is not valid nginx: {e}",
                        ing.id()
                    ),
                    Some(cx.span(f, v.start)),
                )),
            }
            if self.allowed != Some(true) {
                out.findings.push(Finding::new(
                    FindingKind::Notice,
                    format!(
                        "the {key} annotation of Ingress {} {}: {}",
                        ing.id(),
                        if self.allowed == Some(false) {
                            "is ignored by the controller (weakening settings in it are still judged as written, strengthening ones are not counted)"
                        } else {
                            "may be ignored by the controller (weakening settings are judged as applied, strengthening ones are not counted)"
                        },
                        self.allow_why
                    ),
                    Some(cx.span(f, v.start)),
                ));
            }
        }
        snip
    }

    /// Whether plaintext requests are redirected to https, and where the plaintext listener
    /// is decided.
    fn redirect(&self) -> (Fact<bool>, usize) {
        let force = self
            .ann("force-ssl-redirect")
            .filter(|n| n.as_bool() == Some(true));
        let cm_force = self
            .ctl_where("force-ssl-redirect")
            .filter(|(n, _)| n.as_bool() == Some(true));
        let snippet_redirect = self.snip.iter().find(|d| {
            (d.name == "return" || d.name == "rewrite")
                && d.args.iter().any(|a| a.starts_with("https://"))
        });
        if let Some(n) = force {
            let fact = Fact::explicit(true, self.ms(n.start))
                .with_note("force-ssl-redirect: every plaintext request gets a 308 to https");
            return (fact, n.start);
        }
        if let (Some(d), Some(true)) = (snippet_redirect, self.allowed) {
            let fact = Fact::explicit(true, self.ms(d.start))
                .with_note("a snippet answers plaintext requests with a redirect to https");
            return (fact, d.start);
        }
        if self.tls_node.is_some() {
            return self.tls_redirect(&cm_force);
        }
        if let Some((n, fi)) = &cm_force {
            let fact = Fact::explicit(true, self.cx.ms(*fi, n.start))
                .with_note("controller ConfigMap force-ssl-redirect");
            return (fact, rule_anchor(self.ing));
        }
        let a = rule_anchor(self.ing);
        let note = match self.ann("ssl-redirect") {
            Some(_) => "ssl-redirect only applies to Ingresses with tls:; this one has none, so it is served in plaintext on :80".to_string(),
            None => format!("{}: only Ingresses with tls: are redirected to https (ssl-redirect); this one has none, so it is served in plaintext on :80 (and on :443 only with the controller's default certificate)", self.label),
        };
        (Fact::default(false, self.ms(a), note), a)
    }

    /// The redirect of an Ingress with `tls:`: its `ssl-redirect` annotation, else the
    /// ConfigMap's `force-ssl-redirect` or `ssl-redirect`, else the default (on).
    fn tls_redirect(&self, cm_force: &Option<(Node, FileId)>) -> (Fact<bool>, usize) {
        let k = self.tls_at();
        match (
            self.ann("ssl-redirect"),
            &self.ctl_where("ssl-redirect"),
            cm_force,
        ) {
            (Some(n), _, _) => {
                let v = n.as_bool().unwrap_or(true);
                let note = format!("ssl-redirect annotation {}", n.scalar().unwrap_or_default());
                (Fact::explicit(v, self.ms(n.start)).with_note(note), n.start)
            }
            (None, _, Some((n, fi))) => (
                Fact::explicit(true, self.cx.ms(*fi, n.start))
                    .with_note("controller ConfigMap force-ssl-redirect"),
                k,
            ),
            (None, Some((n, fi)), None) => {
                let v = n.as_bool().unwrap_or(true);
                let fact = Fact::explicit(v, self.cx.ms(*fi, n.start))
                    .with_note("controller ConfigMap ssl-redirect");
                (fact, k)
            }
            (None, None, None) => {
                let note = format!("{} default ssl-redirect true: an Ingress with tls: answers plaintext requests with a 308 to https", self.label);
                (Fact::default(true, self.ms(k), note), k)
            }
        }
    }

    /// The controller's :80 (where a redirect switched off by an annotation or the ConfigMap
    /// is located there), and its :443 for the hosts of `spec.tls`.
    fn listeners(&self, r: &Resolved, redirect: &Fact<bool>, plain_at: usize) -> Vec<Listen> {
        let has_tls = self.tls_node.is_some();
        let plain_span = if !redirect.value {
            match (self.ann("ssl-redirect"), self.ctl_where("ssl-redirect")) {
                (Some(n), _) if has_tls => self.ms(n.start),
                (None, Some(_)) if has_tls => redirect.span.clone(),
                _ => self.ms(plain_at),
            }
        } else {
            self.ms(plain_at)
        };
        let mut listens = vec![Listen {
            note: Some(format!(
                "the ingress-nginx controller's :80 ({}): {}",
                r.how,
                if redirect.value {
                    "plaintext requests are redirected"
                } else {
                    "plaintext requests are proxied"
                }
            )),
            ..Listen::new(
                "*",
                Some(80),
                Scope::Public,
                false,
                plain_span,
                Origin::Derived,
            )
        }];
        if has_tls || self.passthrough.is_some() {
            let a = self
                .tls_key
                .or(self.passthrough)
                .map(|n| n.start)
                .unwrap_or(self.ing.start());
            listens.push(Listen {
                tls_source: Some(self.ms(a)),
                note: Some("the ingress-nginx controller's :443 for the hosts of spec.tls".into()),
                ..Listen::new(
                    "*",
                    Some(443),
                    Scope::Public,
                    true,
                    self.ms(a),
                    Origin::Explicit,
                )
            });
        }
        listens
    }

    /// `ssl_protocols` in a snippet (weakening snippet settings are judged as written, whether
    /// or not snippets are allowed), else the ConfigMap, else the default by version.
    fn protocols(&self) -> Fact<Vec<String>> {
        let label = &self.label;
        match (
            self.snippet_dir("ssl_protocols"),
            self.ctl_where("ssl-protocols"),
        ) {
            (Some(d), _) => Fact::explicit(d.args.clone(), self.ms(d.start)).with_note(format!(
                "ssl_protocols in a snippet annotation; {}",
                self.allow_why
            )),
            (None, Some((n, fi))) => Fact::explicit(
                words(&n.scalar().unwrap_or_default()),
                self.cx.ms(fi, n.start),
            )
            .with_note("controller ConfigMap ssl-protocols"),
            (None, None) => {
                let (v, note) = match self.ctl.at_least(&[0, 33, 0]) {
                    Some(false) => (vec!["TLSv1.2".to_string()], format!("{label} default ssl-protocols TLSv1.2 (before 0.33.0)")),
                    Some(true) => (words("TLSv1.2 TLSv1.3"), format!("{label} default ssl-protocols TLSv1.2 TLSv1.3")),
                    None => (words("TLSv1.2 TLSv1.3"), format!("{label} default ssl-protocols TLSv1.2 TLSv1.3 (TLSv1.2 only before 0.33.0: either passes)")),
                };
                Fact::default(v, self.ms(self.tls_at()), note)
            }
        }
    }

    /// The `ssl-ciphers` annotation, else `ssl_ciphers` in a snippet, else the ConfigMap, else
    /// the default by version.
    fn ciphers(&self) -> Fact<CipherList> {
        match (
            self.ann("ssl-ciphers"),
            self.snippet_dir("ssl_ciphers"),
            self.ctl_where("ssl-ciphers"),
        ) {
            (Some(n), _, _) => Fact::explicit(
                CipherList::openssl(&n.scalar().unwrap_or_default()),
                self.ms(n.start),
            )
            .with_note("ssl-ciphers annotation, expanded with OpenSSL 3 semantics"),
            (None, Some(d), _) => {
                Fact::explicit(CipherList::openssl(&d.args.join(" ")), self.ms(d.start)).with_note(
                    format!("ssl_ciphers in a snippet annotation; {}", self.allow_why),
                )
            }
            (None, None, Some((n, fi))) => Fact::explicit(
                CipherList::openssl(&n.scalar().unwrap_or_default()),
                self.cx.ms(fi, n.start),
            )
            .with_note("controller ConfigMap ssl-ciphers, expanded with OpenSSL 3 semantics"),
            (None, None, None) => {
                let a = self.ms(self.tls_at());
                versioned(&self.ctl.version, &DEFAULT_CIPHERS, a).map(CipherList::openssl)
            }
        }
    }

    /// `spec.tls[].secretName`, else the controller's default certificate.
    fn certificates(&self) -> Vec<Certificate> {
        // cert-manager's ingress-shim issues the named Secret at run time.
        let cert_manager = ["cert-manager.io/cluster-issuer", "cert-manager.io/issuer"]
            .iter()
            .any(|a| self.ing.annotation(a).is_some());
        let certificate = |path: String, span: ModelSpan, managed: Option<&str>| Certificate {
            relative_to: None,
            path,
            key: None,
            span,
            managed: managed.map(str::to_string),
        };
        let mut certificates = Vec::new();
        for t in self.tls_node.map(Node::items).unwrap_or(&[]) {
            let c = match (t.get("secretName"), &self.ctl.default_cert) {
                (Some(s), _) => certificate(
                    format!("secret:{}/{}", self.ing.ns, s.scalar().unwrap_or_default()),
                    self.ms(s.start),
                    cert_manager.then_some("cert-manager"),
                ),
                (None, Some((c, fi, st))) => {
                    certificate(format!("secret:{c}"), self.cx.ms(*fi, *st), None)
                }
                // With the controller's args in the scan and no --default-ssl-certificate, the
                // self-signed fake certificate is what clients get; without them it is unknown.
                (None, None) if self.ctl.deployment_seen => certificate(
                    "ingress-nginx \"Kubernetes Ingress Controller Fake Certificate\" (no secretName here, no --default-ssl-certificate on the controller)".into(),
                    self.ms(t.start),
                    Some("ingress-nginx-fake-cert"),
                ),
                (None, None) => certificate(
                    "the ingress-nginx controller's default certificate (no secretName here; the controller Deployment is not in the scan: its --default-ssl-certificate decides, else the self-signed fake certificate)".into(),
                    self.ms(t.start),
                    Some("ingress-nginx-default-cert"),
                ),
            };
            certificates.push(c);
        }
        certificates
    }

    /// Client certificates: the `auth-tls-*` annotations.
    fn client_auth(&self) -> Fact<String> {
        match (
            self.ann("auth-tls-secret"),
            self.ann("auth-tls-verify-client"),
        ) {
            (Some(s), v) => {
                let mode = v.and_then(Node::scalar).unwrap_or_else(|| "on".into());
                let m = match mode.as_str() {
                    "on" => "required",
                    "optional" => "optional",
                    "optional_no_ca" => "optional_no_ca",
                    _ => "off",
                };
                Fact::explicit(m.to_string(), self.ms(v.unwrap_or(s).start))
                    .with_note("auth-tls-secret / auth-tls-verify-client annotations")
            }
            _ => Fact::default(
                "off".into(),
                self.span.clone(),
                "ingress-nginx: no client certificate unless auth-tls-secret is set",
            ),
        }
    }

    /// HSTS: the ConfigMap's `hsts*` keys, sent on TLS servers only.
    fn hsts(&self) -> Fact<Option<Hsts>> {
        let on = self.ctl_where("hsts");
        if on.as_ref().and_then(|(n, _)| n.as_bool()) == Some(false) {
            let (n, fi) = on.unwrap_or((Node::new(crate::yaml::Value::Null, 0), self.ing.file));
            return Fact::explicit(None, self.cx.ms(fi, n.start))
                .with_note("controller ConfigMap hsts false");
        }
        let max_age = self
            .ctl_where("hsts-max-age")
            .and_then(|(n, _)| n.scalar())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(31_536_000u64);
        let sub = self
            .ctl_where("hsts-include-subdomains")
            .and_then(|(n, _)| n.as_bool())
            .unwrap_or(true);
        let preload = self
            .ctl_where("hsts-preload")
            .and_then(|(n, _)| n.as_bool())
            .unwrap_or(false);
        let raw = format!(
            "max-age={max_age}{}{}",
            if sub { "; includeSubDomains" } else { "" },
            if preload { "; preload" } else { "" }
        );
        let h = Hsts {
            max_age: Some(max_age),
            include_subdomains: sub,
            preload,
            always: true,
            raw,
        };
        match self.ctl_where("hsts-max-age").or(on) {
            Some((n, fi)) => Fact::explicit(Some(h), self.cx.ms(fi, n.start))
                .with_note("controller ConfigMap hsts settings"),
            None => Fact::default(
                Some(h),
                self.ms(self.tls_at()),
                format!(
                    "{} default: hsts true, hsts-max-age 31536000, hsts-include-subdomains true",
                    self.label
                ),
            ),
        }
    }

    fn session_tickets(&self) -> Fact<bool> {
        match self.ctl_where("ssl-session-tickets") {
            Some((n, fi)) => Fact::explicit(n.as_bool().unwrap_or(false), self.cx.ms(fi, n.start)),
            None => Fact::default(
                false,
                self.span.clone(),
                format!("{} default ssl-session-tickets false", self.label),
            ),
        }
    }

    /// The hops to the backends: their scheme from `backend-protocol`, verification from
    /// `proxy-ssl-verify` (or a snippet), the CA from `proxy-ssl-secret`.
    fn hops(&self) -> Vec<Hop> {
        let proto = self.ann("backend-protocol");
        let proto_s = proto
            .and_then(Node::scalar)
            .unwrap_or_else(|| "HTTP".into())
            .to_ascii_uppercase();
        let backend_tls =
            matches!(proto_s.as_str(), "HTTPS" | "GRPCS") || self.passthrough.is_some();
        let directive = format!(
            "Ingress backend (backend-protocol {proto_s}{})",
            if proto.is_none() { ", the default" } else { "" }
        );
        self.spec
            .map(backends)
            .unwrap_or_default()
            .iter()
            .map(|b| {
                let s = self.ms(b.at.start);
                let verify = self.verify(backend_tls, proto, &s);
                let ca = match self.ann("proxy-ssl-secret") {
                    Some(n) => Fact::explicit(n.scalar(), self.ms(n.start)),
                    None => Fact::default(
                        None,
                        s.clone(),
                        "no proxy-ssl-secret: no CA is configured for the backend",
                    ),
                };
                let (ns, port) = (&self.ing.ns, b.port.as_deref());
                service_hop(
                    self.cx,
                    &directive,
                    ns,
                    &b.service,
                    port,
                    backend_tls,
                    s,
                    verify,
                    ca,
                )
            })
            .collect()
    }

    /// Whether the backend's certificate is verified.
    fn verify(&self, backend_tls: bool, proto: Option<&Node>, s: &ModelSpan) -> Fact<bool> {
        if self.passthrough.is_some() {
            Fact::derived(true, s.clone(), "ssl-passthrough: the client's TLS session reaches the backend, which the client verifies")
        } else if !backend_tls {
            Fact::derived(false, s.clone(), "plaintext hop: nothing to verify")
        } else if let Some(d) = self.snippet_dir("proxy_ssl_verify") {
            Fact::explicit(d.args.first().is_some_and(|a| a == "on"), self.ms(d.start))
                .with_note("proxy_ssl_verify in a snippet annotation")
        } else if let Some(n) = self.ann("proxy-ssl-verify") {
            Fact::explicit(
                n.scalar()
                    .is_some_and(|v| v.eq_ignore_ascii_case("on") || v == "true"),
                self.ms(n.start),
            )
            .with_note("proxy-ssl-verify annotation")
        } else {
            Fact::default(
                false,
                proto.map(|p| self.ms(p.start)).unwrap_or(s.clone()),
                "ingress-nginx default proxy-ssl-verify off: the backend's certificate is not checked",
            )
        }
    }
}
