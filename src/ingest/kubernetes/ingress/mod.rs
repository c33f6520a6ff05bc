//! Ingress objects: which controller serves each one (IngressClass, class annotation, default
//! class), and the ingress-nginx semantics: `spec.tls`, its annotations, the controller
//! ConfigMap and the controller's defaults by version. Ingresses served by Traefik are left to
//! [`super::traefik_crd`]; any other controller gets worst-case facts that name what decides.

mod nginx;
mod other;

use super::{Cx, Obj};
use crate::ingest::Ingested;
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
    match class_of(cx, ing) {
        Some((class, how)) => controller_of_class(cx, &class, &how),
        None => controller_by_annotations(ing),
    }
}

/// The class of an Ingress and how it is set: `spec.ingressClassName`, else the
/// `kubernetes.io/ingress.class` annotation, else the default IngressClass of the scan.
fn class_of(cx: &Cx, ing: &Obj) -> Option<(String, String)> {
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
    class.map(|(c, w)| (c, w.to_string())).or_else(|| {
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
    })
}

/// An Ingress with no class: the prefixes of its annotations suggest the controller.
fn controller_by_annotations(ing: &Obj) -> Resolved {
    let prefixes: Vec<String> = ing
        .annotations()
        .iter()
        .filter_map(|(k, _)| k.scalar())
        .collect();
    if prefixes.iter().any(|k| k.starts_with(NGINX)) {
        return Resolved {
            controller: Controller::Nginx,
            how:
                "no class is set; its nginx.ingress.kubernetes.io annotations suggest ingress-nginx"
                    .into(),
        };
    }
    if prefixes
        .iter()
        .any(|k| k.starts_with("traefik.ingress.kubernetes.io/"))
    {
        return Resolved {
            controller: Controller::Traefik,
            how: "no class is set; its traefik.ingress.kubernetes.io annotations suggest Traefik"
                .into(),
        };
    }
    Resolved {
        controller: Controller::Other("no ingressClassName, no kubernetes.io/ingress.class annotation and no default IngressClass in the scan".into()),
        how: String::new(),
    }
}

/// The controller a class names: its IngressClass's `spec.controller` when the IngressClass
/// is in the scan, else what the class name itself says.
fn controller_of_class(cx: &Cx, class: &str, how: &str) -> Resolved {
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
            Controller::Other(what) => out.endpoints.push(other::endpoint(cx, ing, what)),
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
