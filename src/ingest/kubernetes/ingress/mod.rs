//! Ingress objects: which controller serves each one (IngressClass, class annotation, default
//! class), and the ingress-nginx semantics: `spec.tls`, its annotations, the controller
//! ConfigMap and the controller's defaults by version. Ingresses served by Traefik are left to
//! [`super::traefik_crd`]; any other controller gets worst-case facts that name what decides.

mod nginx;

use super::{no_tls, service_hop, Cx, Obj};
use crate::ingest::Ingested;
use crate::model::Component;
use crate::model::EndpointDraft;
use crate::model::{
    Certificate, CipherList, Endpoint, Fact, Heuristic, HeuristicKey, Listen, Origin, Scope,
};
use crate::yaml::Node;
use nginx::NGINX;

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

/// Ingests every Ingress not served by Traefik.
pub(crate) fn ingest(cx: &Cx, out: &mut Ingested) {
    let ings: Vec<&Obj> = cx.of_kind("Ingress").collect();
    if ings.is_empty() {
        return;
    }
    let ctl = nginx::find_controller(cx, out);
    for ing in ings {
        let r = controller_of(cx, ing);
        match &r.controller {
            Controller::Traefik => {}
            Controller::Nginx => {
                let ep = nginx::endpoint(cx, &ctl, ing, &r, out);
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

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
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
        ..EndpointDraft::new(id, Component::Kubernetes, span, tls, redirects, blocked)
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
