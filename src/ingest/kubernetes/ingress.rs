//! Ingress objects: which controller serves each one (IngressClass, class annotation, default
//! class), and the ingress-nginx semantics: `spec.tls`, its annotations, the controller
//! ConfigMap and the controller's defaults by version. Ingresses served by Traefik are left to
//! [`super::traefik_crd`]; any other controller gets worst-case facts that name what decides.

use super::{no_tls, service_hop, snippet, workload, Cx, Obj};
use crate::ciphers;
use crate::diag::{Finding, FindingKind};
use crate::ingest::Ingested;
use crate::model::version::{self, versioned, Defaults, ProductVersion, Since};
use crate::model::EndpointDraft;
use crate::model::{
    Certificate, CipherList, Endpoint, Fact, Heuristic, HeuristicKey, Hop, Hsts, Listen, Origin,
    Scope, SuiteFacts, Tls, Transport,
};
use crate::source::FileId;
use crate::yaml::Node;

const NGINX: &str = "nginx.ingress.kubernetes.io/";
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

/// The controller that serves an Ingress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Controller {
    Nginx,
    Traefik,
    /// Another or an undetermined controller, with what is known about it.
    Other(String),
}

/// A controller and how it was decided.
pub(crate) struct Resolved {
    pub controller: Controller,
    pub how: String,
}

/// Decides the controller of an Ingress from its class (field, annotation, default class).
pub(crate) fn controller_of(cx: &Cx, ing: &Obj) -> Resolved {
    let spec = ing.spec();
    let class = spec
        .and_then(|s| s.get("ingressClassName"))
        .and_then(Node::scalar)
        .map(|c| (c, "spec.ingressClassName"))
        .or_else(|| {
            ing.annotation("kubernetes.io/ingress.class")
                .and_then(Node::scalar)
                .map(|c| (c, "the kubernetes.io/ingress.class annotation"))
        });
    let class = class.map(|(c, w)| (c, w.to_string())).or_else(|| {
        cx.of_kind("IngressClass")
            .find(|c| {
                c.annotation("ingressclass.kubernetes.io/is-default-class")
                    .and_then(Node::as_bool)
                    == Some(true)
            })
            .map(|c| {
                (
                    c.name.clone(),
                    format!(
                        "the default IngressClass ({})",
                        cx.where_(c.file, c.start())
                    ),
                )
            })
    });
    let Some((class, how)) = class else {
        let prefixes: Vec<String> = ing
            .annotations()
            .iter()
            .filter_map(|(k, _)| k.scalar())
            .collect();
        if prefixes.iter().any(|k| k.starts_with(NGINX)) {
            return Resolved {
                controller: Controller::Nginx,
                how: "no class is set; its nginx.ingress.kubernetes.io annotations suggest ingress-nginx".into(),
            };
        }
        if prefixes
            .iter()
            .any(|k| k.starts_with("traefik.ingress.kubernetes.io/"))
        {
            return Resolved {
                controller: Controller::Traefik,
                how:
                    "no class is set; its traefik.ingress.kubernetes.io annotations suggest Traefik"
                        .into(),
            };
        }
        return Resolved {
            controller: Controller::Other("no ingressClassName, no kubernetes.io/ingress.class annotation and no default IngressClass in the scan".into()),
            how: String::new(),
        };
    };
    match cx.of_kind("IngressClass").find(|c| c.name == class) {
        Some(ic) => {
            let ctrl = ic
                .spec()
                .and_then(|s| s.get("controller"))
                .and_then(Node::scalar)
                .unwrap_or_default();
            let how = format!(
                "class {class} ({how}) → IngressClass at {} with controller {ctrl}",
                cx.where_(ic.file, ic.start())
            );
            let controller = match ctrl.as_str() {
                "k8s.io/ingress-nginx" => Controller::Nginx,
                "traefik.io/ingress-controller" => Controller::Traefik,
                other => {
                    Controller::Other(format!("IngressClass {class} names controller {other:?}"))
                }
            };
            Resolved { controller, how }
        }
        None => {
            let lower = class.to_ascii_lowercase();
            let controller = if lower.contains("nginx") {
                Controller::Nginx
            } else if lower.contains("traefik") {
                Controller::Traefik
            } else {
                Controller::Other(format!(
                    "class {class} ({how}), whose IngressClass is not in the scan"
                ))
            };
            Resolved {
                controller,
                how: format!("class {class} ({how}); no IngressClass {class} in the scan, so the controller is taken from the class name"),
            }
        }
    }
}

/// The ingress-nginx controller: its ConfigMap, version and flags.
struct NginxController<'a> {
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

fn find_controller<'a>(cx: &'a Cx<'a>, out: &mut Ingested) -> NginxController<'a> {
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
            let (repo, tag) = super::image_parts(&c.image);
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

/// Ingests every Ingress not served by Traefik.
pub(crate) fn ingest(cx: &Cx, out: &mut Ingested) {
    let ings: Vec<&Obj> = cx.of_kind("Ingress").collect();
    if ings.is_empty() {
        return;
    }
    let ctl = find_controller(cx, out);
    for ing in ings {
        let r = controller_of(cx, ing);
        match &r.controller {
            Controller::Traefik => {}
            Controller::Nginx => {
                let ep = nginx_endpoint(cx, &ctl, ing, &r, out);
                out.endpoints.push(ep);
            }
            Controller::Other(what) => out.endpoints.push(other_endpoint(cx, ing, what)),
        }
    }
}

/// A backend of an Ingress: Service name, port and where the name is written.
pub(crate) struct Backend<'a> {
    pub service: String,
    pub port: Option<String>,
    pub at: &'a Node,
    pub path: Option<String>,
    pub host: Option<String>,
}

/// Every Service backend of an Ingress (v1 and v1beta1 shapes; `resource` backends skipped).
pub(crate) fn backends<'a>(spec: &'a Node) -> Vec<Backend<'a>> {
    let mut out = Vec::new();
    let mut push = |b: &'a Node, path: Option<String>, host: Option<String>| {
        if let Some(svc) = b.get("service") {
            if let Some(n) = svc.get("name") {
                out.push(Backend {
                    service: n.scalar().unwrap_or_default(),
                    port: super::port_ref(svc.get("port")),
                    at: n,
                    path,
                    host,
                });
            }
        } else if let Some(n) = b.get("serviceName") {
            out.push(Backend {
                service: n.scalar().unwrap_or_default(),
                port: b.get("servicePort").and_then(Node::scalar),
                at: n,
                path,
                host,
            });
        }
    };
    for key in ["defaultBackend", "backend"] {
        if let Some(b) = spec.get(key) {
            push(b, None, None);
        }
    }
    for rule in spec.get("rules").map(Node::items).unwrap_or(&[]) {
        let host = rule.get("host").and_then(Node::scalar);
        for p in rule
            .get("http")
            .and_then(|h| h.get("paths"))
            .map(Node::items)
            .unwrap_or(&[])
        {
            if let Some(b) = p.get("backend") {
                push(b, p.get("path").and_then(Node::scalar), host.clone());
            }
        }
    }
    out
}

/// Host names of an Ingress (rules, then tls hosts), without duplicates.
pub(crate) fn hosts(spec: Option<&Node>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let Some(spec) = spec else { return out };
    let rule_hosts = spec
        .get("rules")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|r| r.get("host").and_then(Node::scalar));
    let tls_hosts = spec
        .get("tls")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .flat_map(|t| t.get("hosts").map(Node::items).unwrap_or(&[]).iter())
        .filter_map(Node::scalar);
    for h in rule_hosts.chain(tls_hosts) {
        if !out.contains(&h) {
            out.push(h);
        }
    }
    out
}

/// The key node of `key` in a map.
pub(crate) fn key_node<'a>(n: &'a Node, key: &str) -> Option<&'a Node> {
    n.entries()
        .find(|(k, _)| k.scalar().as_deref() == Some(key))
        .map(|(k, _)| k)
}

/// Where an Ingress's plaintext routing is written: its first rule host, else `rules`/`spec`.
fn rule_anchor(ing: &Obj) -> usize {
    let spec = ing.spec();
    spec.and_then(|s| s.get("rules"))
        .and_then(|r| r.items().first())
        .map(|r| r.get("host").map(|h| h.start).unwrap_or(r.start))
        .or_else(|| {
            spec.and_then(|s| key_node(s, "defaultBackend").or_else(|| key_node(s, "backend")))
                .map(|n| n.start)
        })
        .unwrap_or_else(|| ing.start())
}

fn mcp_path(spec: Option<&Node>) -> Option<String> {
    let spec = spec?;
    backends(spec).into_iter().filter_map(|b| b.path).find(|p| {
        let l = p.to_ascii_lowercase();
        l.contains("mcp") || l.contains("sse")
    })
}

fn suites(list: &[&'static crate::ciphers::Suite]) -> Vec<SuiteFacts> {
    list.iter().map(|s| SuiteFacts::from(*s)).collect()
}

fn cipher_fact(spec: &str) -> CipherList {
    CipherList::openssl(spec)
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
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

fn nginx_endpoint(
    cx: &Cx,
    ctl: &NginxController,
    ing: &Obj,
    r: &Resolved,
    out: &mut Ingested,
) -> Endpoint {
    let f = ing.file;
    let spec = ing.spec();
    let ann = |k: &str| ing.annotation(&format!("{NGINX}{k}"));
    let ms = |start: usize| cx.ms(f, start);
    let span = ms(ing.start());
    let tls_node = spec
        .and_then(|s| s.get("tls"))
        .filter(|t| !t.items().is_empty());
    let tls_key = spec
        .and_then(|s| key_node(s, "tls"))
        .filter(|_| tls_node.is_some());
    let has_tls = tls_node.is_some();
    let label = ctl.label();
    let ctl_where =
        |k: &str| -> Option<(Node, FileId)> { ctl.key(k).map(|(n, fi)| (n.clone(), fi)) };

    // Snippets.
    let (allowed, allow_why) = snippets_allowed(cx, ctl);
    let mut snip: Vec<snippet::Directive> = Vec::new();
    let file_text = cx.map.get(f).map(|s| s.text.as_str()).unwrap_or("");
    for key in ["server-snippet", "configuration-snippet"] {
        if let Some(v) = ann(key) {
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
            if allowed != Some(true) {
                out.findings.push(Finding::new(
                    FindingKind::Notice,
                    format!(
                        "the {key} annotation of Ingress {} {}: {allow_why}",
                        ing.id(),
                        if allowed == Some(false) {
                            "is ignored by the controller (weakening settings in it are still judged as written, strengthening ones are not counted)"
                        } else {
                            "may be ignored by the controller (weakening settings are judged as applied, strengthening ones are not counted)"
                        }
                    ),
                    Some(cx.span(f, v.start)),
                ));
            }
        }
    }
    let snippet_dir = |name: &str| snip.iter().rev().find(|d| d.name == name);

    // Redirect of plaintext requests.
    let force = ann("force-ssl-redirect").filter(|n| n.as_bool() == Some(true));
    let ssl_redirect = ann("ssl-redirect");
    let cm_redirect = ctl_where("ssl-redirect");
    let cm_force = ctl_where("force-ssl-redirect").filter(|(n, _)| n.as_bool() == Some(true));
    let snippet_redirect = snip.iter().find(|d| {
        (d.name == "return" && d.args.iter().any(|a| a.starts_with("https://")))
            || (d.name == "rewrite" && d.args.iter().any(|a| a.starts_with("https://")))
    });
    let (redirect, plain_at): (Fact<bool>, usize) = if let Some(n) = force {
        (
            Fact::explicit(true, ms(n.start))
                .with_note("force-ssl-redirect: every plaintext request gets a 308 to https"),
            n.start,
        )
    } else if let (Some(d), Some(true)) = (snippet_redirect, allowed) {
        (
            Fact::explicit(true, ms(d.start))
                .with_note("a snippet answers plaintext requests with a redirect to https"),
            d.start,
        )
    } else if has_tls {
        match (ssl_redirect, &cm_redirect, &cm_force) {
            (Some(n), _, _) => {
                let v = n.as_bool().unwrap_or(true);
                (
                    Fact::explicit(v, ms(n.start)).with_note(format!(
                        "ssl-redirect annotation {}",
                        n.scalar().unwrap_or_default()
                    )),
                    n.start,
                )
            }
            (None, _, Some((n, fi))) => (
                Fact::explicit(true, cx.ms(*fi, n.start))
                    .with_note("controller ConfigMap force-ssl-redirect"),
                tls_key.map(|k| k.start).unwrap_or(ing.start()),
            ),
            (None, Some((n, fi)), None) => {
                let v = n.as_bool().unwrap_or(true);
                let k = tls_key.map(|k| k.start).unwrap_or(ing.start());
                (
                    Fact::explicit(v, cx.ms(*fi, n.start))
                        .with_note("controller ConfigMap ssl-redirect"),
                    k,
                )
            }
            (None, None, None) => {
                let k = tls_key.map(|k| k.start).unwrap_or(ing.start());
                (
                    Fact::default(
                        true,
                        ms(k),
                        format!("{label} default ssl-redirect true: an Ingress with tls: answers plaintext requests with a 308 to https"),
                    ),
                    k,
                )
            }
        }
    } else if let Some((n, fi)) = &cm_force {
        (
            Fact::explicit(true, cx.ms(*fi, n.start))
                .with_note("controller ConfigMap force-ssl-redirect"),
            rule_anchor(ing),
        )
    } else {
        let a = rule_anchor(ing);
        let note = match ssl_redirect {
            Some(_) => "ssl-redirect only applies to Ingresses with tls:; this one has none, so it is served in plaintext on :80".to_string(),
            None => format!("{label}: only Ingresses with tls: are redirected to https (ssl-redirect); this one has none, so it is served in plaintext on :80 (and on :443 only with the controller's default certificate)"),
        };
        (Fact::default(false, ms(a), note), a)
    };
    // Where the plaintext listener is decided: a redirect switched off by an annotation or the
    // ConfigMap is located there.
    let plain_span = if !redirect.value {
        match (&ssl_redirect, &cm_redirect) {
            (Some(n), _) if has_tls => ms(n.start),
            (None, Some(_)) if has_tls => redirect.span.clone(),
            _ => ms(plain_at),
        }
    } else {
        ms(plain_at)
    };

    let passthrough = ann("ssl-passthrough").filter(|n| n.as_bool() == Some(true));
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
    if has_tls || passthrough.is_some() {
        let a = tls_key
            .or(passthrough)
            .map(|n| n.start)
            .unwrap_or(ing.start());
        listens.push(Listen {
            tls_source: Some(ms(a)),
            note: Some("the ingress-nginx controller's :443 for the hosts of spec.tls".into()),
            ..Listen::new("*", Some(443), Scope::Public, true, ms(a), Origin::Explicit)
        });
    }

    // Protocols.
    // Weakening snippet settings are judged as written, whether or not snippets are allowed.
    let protocols = match (snippet_dir("ssl_protocols"), ctl_where("ssl-protocols")) {
        (Some(d), _) => Fact::explicit(d.args.clone(), ms(d.start)).with_note(format!(
            "ssl_protocols in a snippet annotation; {allow_why}"
        )),
        (None, Some((n, fi))) => {
            Fact::explicit(words(&n.scalar().unwrap_or_default()), cx.ms(fi, n.start))
                .with_note("controller ConfigMap ssl-protocols")
        }
        (None, None) => {
            let (v, note) = match ctl.at_least(&[0, 33, 0]) {
                Some(false) => (vec!["TLSv1.2".to_string()], format!("{label} default ssl-protocols TLSv1.2 (before 0.33.0)")),
                Some(true) => (words("TLSv1.2 TLSv1.3"), format!("{label} default ssl-protocols TLSv1.2 TLSv1.3")),
                None => (words("TLSv1.2 TLSv1.3"), format!("{label} default ssl-protocols TLSv1.2 TLSv1.3 (TLSv1.2 only before 0.33.0: either passes)")),
            };
            Fact::default(v, ms(tls_key.map(|k| k.start).unwrap_or(ing.start())), note)
        }
    };

    // Ciphers.
    let ciphers = match (
        ann("ssl-ciphers"),
        snippet_dir("ssl_ciphers"),
        ctl_where("ssl-ciphers"),
    ) {
        (Some(n), _, _) => {
            Fact::explicit(cipher_fact(&n.scalar().unwrap_or_default()), ms(n.start))
                .with_note("ssl-ciphers annotation, expanded with OpenSSL 3 semantics")
        }
        (None, Some(d), _) => Fact::explicit(cipher_fact(&d.args.join(" ")), ms(d.start))
            .with_note(format!("ssl_ciphers in a snippet annotation; {allow_why}")),
        (None, None, Some((n, fi))) => Fact::explicit(
            cipher_fact(&n.scalar().unwrap_or_default()),
            cx.ms(fi, n.start),
        )
        .with_note("controller ConfigMap ssl-ciphers, expanded with OpenSSL 3 semantics"),
        (None, None, None) => {
            let a = ms(tls_key.map(|k| k.start).unwrap_or(ing.start()));
            versioned(&ctl.version, &DEFAULT_CIPHERS, a).map(cipher_fact)
        }
    };
    let tls13 = Fact::default(
        suites(&ciphers::tls13_default()),
        ciphers.span.clone(),
        "OpenSSL default TLS 1.3 cipher suites (ssl-ciphers does not apply to TLS 1.3)",
    );

    // Certificates: spec.tls[].secretName, else the controller's default certificate.
    let mut certificates = Vec::new();
    // cert-manager's ingress-shim issues the named Secret at run time.
    let cert_manager = ["cert-manager.io/cluster-issuer", "cert-manager.io/issuer"]
        .iter()
        .any(|a| ing.annotation(a).is_some());
    for t in tls_node.map(Node::items).unwrap_or(&[]) {
        match t.get("secretName") {
            Some(s) => certificates.push(Certificate {
                relative_to: None,
                path: format!("secret:{}/{}", ing.ns, s.scalar().unwrap_or_default()),
                key: None,
                span: ms(s.start),
                managed: cert_manager.then(|| "cert-manager".to_string()),
            }),
            None => match &ctl.default_cert {
                Some((c, fi, st)) => certificates.push(Certificate {
                    relative_to: None,
                    path: format!("secret:{c}"),
                    key: None,
                    span: cx.ms(*fi, *st),
                    managed: None,
                }),
                // With the controller's args in the scan and no --default-ssl-certificate, the
                // self-signed fake certificate is what clients get; without them it is unknown.
                None if ctl.deployment_seen => certificates.push(Certificate {
                    relative_to: None,
                    path: "ingress-nginx \"Kubernetes Ingress Controller Fake Certificate\" (no secretName here, no --default-ssl-certificate on the controller)".into(),
                    key: None,
                    span: ms(t.start),
                    managed: Some("ingress-nginx-fake-cert".into()),
                }),
                None => certificates.push(Certificate {
                    relative_to: None,
                    path: "the ingress-nginx controller's default certificate (no secretName here; the controller Deployment is not in the scan: its --default-ssl-certificate decides, else the self-signed fake certificate)".into(),
                    key: None,
                    span: ms(t.start),
                    managed: Some("ingress-nginx-default-cert".into()),
                }),
            },
        }
    }

    // Client certificates.
    let client_auth = match (ann("auth-tls-secret"), ann("auth-tls-verify-client")) {
        (Some(s), v) => {
            let mode = v.and_then(Node::scalar).unwrap_or_else(|| "on".into());
            let m = match mode.as_str() {
                "on" => "required",
                "optional" => "optional",
                "optional_no_ca" => "optional_no_ca",
                _ => "off",
            };
            Fact::explicit(m.to_string(), ms(v.unwrap_or(s).start))
                .with_note("auth-tls-secret / auth-tls-verify-client annotations")
        }
        _ => Fact::default(
            "off".into(),
            span.clone(),
            "ingress-nginx: no client certificate unless auth-tls-secret is set",
        ),
    };

    // HSTS (ConfigMap, sent on TLS servers only).
    let hsts = {
        let on = ctl_where("hsts");
        let a = ms(tls_key.map(|k| k.start).unwrap_or(ing.start()));
        if on.as_ref().and_then(|(n, _)| n.as_bool()) == Some(false) {
            let (n, fi) = on.unwrap_or((Node::new(crate::yaml::Value::Null, 0), f));
            Fact::explicit(None, cx.ms(fi, n.start)).with_note("controller ConfigMap hsts false")
        } else {
            let max_age = ctl_where("hsts-max-age")
                .and_then(|(n, _)| n.scalar())
                .and_then(|s| s.trim().parse().ok())
                .unwrap_or(31_536_000u64);
            let sub = ctl_where("hsts-include-subdomains")
                .and_then(|(n, _)| n.as_bool())
                .unwrap_or(true);
            let preload = ctl_where("hsts-preload")
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
            match ctl_where("hsts-max-age").or(on) {
                Some((n, fi)) => Fact::explicit(Some(h), cx.ms(fi, n.start)).with_note("controller ConfigMap hsts settings"),
                None => Fact::default(Some(h), a, format!("{label} default: hsts true, hsts-max-age 31536000, hsts-include-subdomains true")),
            }
        }
    };
    let session_tickets = Some(match ctl_where("ssl-session-tickets") {
        Some((n, fi)) => Fact::explicit(n.as_bool().unwrap_or(false), cx.ms(fi, n.start)),
        None => Fact::default(
            false,
            span.clone(),
            format!("{label} default ssl-session-tickets false"),
        ),
    });

    // Hops to the backends.
    let proto = ann("backend-protocol");
    let proto_s = proto
        .and_then(Node::scalar)
        .unwrap_or_else(|| "HTTP".into())
        .to_ascii_uppercase();
    let backend_tls = matches!(proto_s.as_str(), "HTTPS" | "GRPCS") || passthrough.is_some();
    let verify_ann = ann("proxy-ssl-verify");
    let snippet_verify = snippet_dir("proxy_ssl_verify");
    let hops: Vec<Hop> = spec
        .map(backends)
        .unwrap_or_default()
        .iter()
        .map(|b| {
            let s = ms(b.at.start);
            let verify = if passthrough.is_some() {
                Fact::derived(true, s.clone(), "ssl-passthrough: the client's TLS session reaches the backend, which the client verifies")
            } else if !backend_tls {
                Fact::derived(false, s.clone(), "plaintext hop: nothing to verify")
            } else if let Some(d) = snippet_verify {
                Fact::explicit(d.args.first().is_some_and(|a| a == "on"), ms(d.start)).with_note("proxy_ssl_verify in a snippet annotation")
            } else if let Some(n) = verify_ann {
                Fact::explicit(n.scalar().is_some_and(|v| v.eq_ignore_ascii_case("on") || v == "true"), ms(n.start)).with_note("proxy-ssl-verify annotation")
            } else {
                Fact::default(false, proto.map(|p| ms(p.start)).unwrap_or(s.clone()), "ingress-nginx default proxy-ssl-verify off: the backend's certificate is not checked")
            };
            let ca = match ann("proxy-ssl-secret") {
                Some(n) => Fact::explicit(n.scalar(), ms(n.start)),
                None => Fact::default(None, s.clone(), "no proxy-ssl-secret: no CA is configured for the backend"),
            };
            let directive = format!(
                "Ingress backend (backend-protocol {proto_s}{})",
                if proto.is_none() { ", the default" } else { "" }
            );
            service_hop(cx, &directive, &ing.ns, &b.service, b.port.as_deref(), backend_tls, s, verify, ca)
        })
        .collect();

    let tls = Tls {
        enabled: false,
        protocols,
        ciphers,
        tls13_suites: tls13,
        certificates,
        client_auth,
        hsts: if has_tls {
            hsts
        } else {
            Fact::derived(None, span.clone(), "HSTS is sent only on TLS servers")
        },
        session_tickets,
        reject_handshake: None,
    };
    let id = format!("kubernetes:ingress:{}", ing.id());
    let blocked = Fact::default(
        false,
        span.clone(),
        "ingress-nginx proxies plaintext requests it does not redirect",
    );
    EndpointDraft {
        context: Some("ingress-nginx".into()),
        server_names: hosts(spec),
        listens,
        transport: if passthrough.is_some() {
            Transport::TlsPassthrough
        } else {
            Transport::Http
        },
        hops,
        mcp_path: mcp_path(spec),
        ..EndpointDraft::new(id, "kubernetes", span, tls, redirect, blocked)
    }
    .finish()
}

/// An Ingress whose controller tlsproof does not know: TLS exists where `spec.tls` says so,
/// everything the controller decides is the worst case with a note naming what decides it.
fn other_endpoint(cx: &Cx, ing: &Obj, what: &str) -> Endpoint {
    let f = ing.file;
    let spec = ing.spec();
    let span = cx.ms(f, ing.start());
    let tls_key = spec.and_then(|s| key_node(s, "tls")).filter(|_| {
        spec.and_then(|s| s.get("tls"))
            .is_some_and(|t| !t.items().is_empty())
    });
    let decide = format!("the Ingress controller is not known ({what}): the controller's own TLS settings decide this; give the Ingress an IngressClass whose spec.controller is k8s.io/ingress-nginx or traefik.io/ingress-controller, or judge the controller's configuration by hand");
    let mut listens = vec![Listen {
        note: Some(format!(
            "an Ingress is served on :80 by its controller; {decide}"
        )),
        ..Listen::new(
            "*",
            Some(80),
            Scope::Public,
            false,
            cx.ms(f, rule_anchor(ing)),
            Origin::Derived,
        )
    }];
    let mut tls = no_tls(&span, &decide);
    if let Some(k) = tls_key {
        let a = cx.ms(f, k.start);
        listens.push(Listen {
            tls_source: Some(a.clone()),
            note: Some("spec.tls: the controller terminates TLS for these hosts".into()),
            ..Listen::new(
                "*",
                Some(443),
                Scope::Public,
                true,
                a.clone(),
                Origin::Explicit,
            )
        });
        tls.protocols = Fact::derived(
            words("TLSv1 TLSv1.1 TLSv1.2 TLSv1.3"),
            a.clone(),
            format!("worst case: {decide}"),
        );
        tls.ciphers = Fact::derived(
            CipherList::undecided(
                "(decided by the Ingress controller)",
                "(unknown controller)",
            ),
            a.clone(),
            decide.clone(),
        );
        for t in spec
            .and_then(|s| s.get("tls"))
            .map(Node::items)
            .unwrap_or(&[])
        {
            let (path, at) = match t.get("secretName") {
                Some(s) => (
                    format!("secret:{}/{}", ing.ns, s.scalar().unwrap_or_default()),
                    s.start,
                ),
                None => ("the controller's default certificate".to_string(), t.start),
            };
            tls.certificates.push(Certificate {
                relative_to: None,
                path,
                key: None,
                span: cx.ms(f, at),
                managed: None,
            });
        }
    }
    let hops = spec
        .map(backends)
        .unwrap_or_default()
        .iter()
        .map(|b| {
            let s = cx.ms(f, b.at.start);
            let mut h = service_hop(
                cx,
                "Ingress backend",
                &ing.ns,
                &b.service,
                b.port.as_deref(),
                false,
                s.clone(),
                Fact::derived(false, s.clone(), decide.clone()),
                Fact::derived(None, s, decide.clone()),
            );
            // The controller decides the scheme: the hop is not determinate.
            h.determinate = false;
            h.scheme = "unknown".into();
            h
        })
        .collect();
    let id = format!("kubernetes:ingress:{}", ing.id());
    let redirects = Fact::derived(false, span.clone(), format!("worst case: {decide}"));
    let blocked = Fact::derived(false, span.clone(), format!("worst case: {decide}"));
    EndpointDraft {
        context: Some("ingress".into()),
        server_names: hosts(spec),
        listens,
        hops,
        mcp_path: mcp_path(spec),
        heuristic: Some(Heuristic {
            rule: "an Ingress whose controller is not identified".into(),
            reason: decide.clone(),
            keys: controller_keys(cx, ing),
        }),
        ..EndpointDraft::new(id, "kubernetes", span, tls, redirects, blocked)
    }
    .finish()
}

/// The settings that name an Ingress's controller (class field or annotation), or the Ingress
/// itself when none is set: what a reader must look at to decide the controller.
fn controller_keys(cx: &Cx, ing: &Obj) -> Vec<HeuristicKey> {
    let f = ing.file;
    let mut keys = Vec::new();
    if let Some(n) = ing.spec().and_then(|s| s.get("ingressClassName")) {
        keys.push(HeuristicKey {
            key: "spec.ingressClassName".into(),
            value: n.scalar().unwrap_or_default(),
            meaning: "controller".into(),
            span: cx.ms(f, n.start),
        });
    }
    if let Some(n) = ing.annotation("kubernetes.io/ingress.class") {
        keys.push(HeuristicKey {
            key: "metadata.annotations.kubernetes.io/ingress.class".into(),
            value: n.scalar().unwrap_or_default(),
            meaning: "controller".into(),
            span: cx.ms(f, n.start),
        });
    }
    if keys.is_empty() {
        keys.push(HeuristicKey {
            key: "kind: Ingress".into(),
            value: ing.id(),
            meaning: "controller".into(),
            span: cx.ms(f, ing.start()),
        });
    }
    keys
}
