//! Traefik in Kubernetes: the CRDs (`IngressRoute`, `IngressRouteTCP`, `TLSOption`, `TLSStore`,
//! `ServersTransport`, `Middleware`; groups `traefik.io` and `traefik.containo.us`), Ingresses
//! whose controller is Traefik (its `traefik.ingress.kubernetes.io/*` annotations) and the
//! Traefik container's flags and image tag. Each is rewritten into the Traefik module's dynamic
//! and static trees — every node keeps its manifest offset — and judged with Traefik's semantics.

use super::ingress::{self, Controller};
use super::{workload, Cx, Obj};
use crate::ingest::traefik::lowering::{self as traefik, Doc, Image, Sources};
use crate::ingest::Ingested;
use crate::yaml::{Node, Value};
use std::path::PathBuf;

const GROUPS: &[&str] = &["traefik.io", "traefik.containo.us"];
const CRD: &str = "kubernetescrd";
const ANN: &str = "traefik.ingress.kubernetes.io/";

fn s(text: impl Into<String>, start: usize) -> Node {
    Node::new(Value::Str(text.into()), start)
}

fn m(entries: Vec<(&str, Node)>, start: usize) -> Node {
    Node::new(
        Value::Map(entries.into_iter().map(|(k, v)| (s(k, start), v)).collect()),
        start,
    )
}

fn doc(file: crate::source::FileId, root: Node) -> Doc {
    Doc {
        file,
        root,
        dir: PathBuf::new(),
    }
}

/// `<namespace>-<name>`, the name Traefik's Kubernetes providers give an object.
fn crd_name(ns: &str, name: &str) -> String {
    format!("{ns}-{name}")
}

/// A `{name, namespace}` reference as `<ns>-<name>@kubernetescrd`.
fn crd_ref(r: &Node, default_ns: &str) -> Option<Node> {
    let name = r.get("name")?;
    let ns = r
        .get("namespace")
        .and_then(Node::scalar)
        .unwrap_or_else(|| default_ns.to_string());
    Some(s(
        format!("{}@{CRD}", crd_name(&ns, &name.scalar()?)),
        name.start,
    ))
}

/// The URL Traefik uses for a Kubernetes Service backend.
fn service_url(name: &str, ns: &str, port: Option<&str>, scheme: Option<&str>) -> String {
    let scheme = scheme.map(str::to_string).unwrap_or_else(|| {
        if port == Some("443") || port.is_some_and(|p| p.starts_with("https")) {
            "https".into()
        } else {
            "http".into()
        }
    });
    let host = super::service_host(name, ns);
    match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    }
}

pub(crate) fn ingest(cx: &Cx, out: &mut Ingested) {
    let mut src = Sources::default();
    statics(cx, &mut src);
    for o in cx
        .objs
        .iter()
        .filter(|o| GROUPS.contains(&o.group.as_str()))
    {
        let Some(spec) = o.spec() else { continue };
        let at = o.start();
        let name = crd_name(&o.ns, &o.name);
        let root = match o.kind.as_str() {
            "TLSOption" => {
                // A TLSOption named `default` replaces Traefik's default option.
                if o.name == "default" {
                    src.kube.push((
                        doc(
                            o.file,
                            m(
                                vec![(
                                    "tls",
                                    m(
                                        vec![("options", m(vec![("default", spec.clone())], at))],
                                        at,
                                    ),
                                )],
                                at,
                            ),
                        ),
                        "file",
                    ));
                }
                m(
                    vec![(
                        "tls",
                        m(
                            vec![("options", m(vec![(name.as_str(), spec.clone())], at))],
                            at,
                        ),
                    )],
                    at,
                )
            }
            "Middleware" => m(
                vec![(
                    "http",
                    m(
                        vec![("middlewares", m(vec![(name.as_str(), spec.clone())], at))],
                        at,
                    ),
                )],
                at,
            ),
            "ServersTransport" => m(
                vec![(
                    "http",
                    m(
                        vec![(
                            "serversTransports",
                            m(vec![(name.as_str(), spec.clone())], at),
                        )],
                        at,
                    ),
                )],
                at,
            ),
            "TLSStore" => {
                let Some(sn) = spec
                    .get("defaultCertificate")
                    .and_then(|d| d.get("secretName"))
                else {
                    continue;
                };
                let cert = s(
                    format!("secret:{}/{}", o.ns, sn.scalar().unwrap_or_default()),
                    sn.start,
                );
                m(
                    vec![(
                        "tls",
                        m(
                            vec![(
                                "stores",
                                m(
                                    vec![(
                                        "default",
                                        m(
                                            vec![(
                                                "defaultCertificate",
                                                m(vec![("certFile", cert)], sn.start),
                                            )],
                                            at,
                                        ),
                                    )],
                                    at,
                                ),
                            )],
                            at,
                        ),
                    )],
                    at,
                )
            }
            "IngressRoute" => ingress_route(o, spec, false),
            "IngressRouteTCP" => ingress_route(o, spec, true),
            _ => continue,
        };
        src.kube.push((doc(o.file, root), CRD));
    }
    for ing in cx.of_kind("Ingress") {
        if ingress::controller_of(cx, ing).controller == Controller::Traefik {
            src.kube
                .push((doc(ing.file, traefik_ingress(ing)), "kubernetes"));
        }
    }
    traefik::build(cx.map, &src, cx.declared, out);
}

/// Traefik containers: the image tag (version) and `--` flags (static configuration).
fn statics(cx: &Cx, src: &mut Sources) {
    for pod in workload::pods(cx) {
        for c in workload::containers(pod.spec) {
            let (repo, tag) = super::image_parts(&c.image);
            let last = repo.rsplit('/').next().unwrap_or(&repo);
            if last != "traefik" {
                continue;
            }
            let img_at = c.node.get("image").map(|n| n.start).unwrap_or(c.node.start);
            src.images.push(Image {
                file: pod.obj.file,
                tag,
                start: img_at,
            });
            let mut pairs = Vec::new();
            for key in ["command", "args"] {
                for item in c.node.get(key).map(Node::items).unwrap_or(&[]) {
                    if let Some(a) = item.scalar() {
                        pairs.extend(traefik::flag(&a, item.start));
                    }
                }
            }
            if !pairs.is_empty() {
                src.statics
                    .push(doc(pod.obj.file, traefik::tree(&pairs, img_at)));
            }
        }
    }
}

/// An IngressRoute(TCP) → one router (and its service) per route.
fn ingress_route(o: &Obj, spec: &Node, tcp: bool) -> Node {
    let at = o.start();
    let mut routers = Vec::new();
    let mut services = Vec::new();
    let mut certs = Vec::new();
    let tls = spec.get("tls").map(|t| {
        let mut e: Vec<(&str, Node)> = Vec::new();
        if let Some(r) = t.get("options").and_then(|r| crd_ref(r, &o.ns)) {
            e.push(("options", r));
        }
        if let Some(r) = t.get("certResolver") {
            e.push(("certResolver", r.clone()));
        }
        if let Some(p) = t.get("passthrough") {
            e.push(("passthrough", p.clone()));
        }
        if let Some(sn) = t.get("secretName") {
            certs.push(m(
                vec![(
                    "certFile",
                    s(
                        format!("secret:{}/{}", o.ns, sn.scalar().unwrap_or_default()),
                        sn.start,
                    ),
                )],
                sn.start,
            ));
        }
        m(e, t.start)
    });
    for (i, route) in spec
        .get("routes")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .enumerate()
    {
        let rname = format!("{}-{i}", crd_name(&o.ns, &o.name));
        let svc_name = format!("{rname}-service");
        let mut r: Vec<(&str, Node)> = Vec::new();
        if let Some(mt) = route.get("match") {
            r.push(("rule", mt.clone()));
        }
        if let Some(eps) = spec.get("entryPoints") {
            r.push(("entryPoints", eps.clone()));
        }
        let mws: Vec<Node> = route
            .get("middlewares")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .filter_map(|mw| crd_ref(mw, &o.ns))
            .collect();
        if !mws.is_empty() {
            r.push(("middlewares", Node::new(Value::Seq(mws), route.start)));
        }
        if let Some(t) = &tls {
            r.push(("tls", t.clone()));
        }
        r.push(("service", s(svc_name.clone(), route.start)));
        routers.push((rname, m(r, route.start)));
        // Service: the Kubernetes Services of the route.
        let mut servers = Vec::new();
        let mut transport = None;
        let mut lb = true;
        for b in route.get("services").map(Node::items).unwrap_or(&[]) {
            let kind = b
                .get("kind")
                .and_then(Node::scalar)
                .unwrap_or_else(|| "Service".into());
            if kind != "Service" {
                lb = false;
                continue;
            }
            let Some(n) = b.get("name") else { continue };
            let ns = b
                .get("namespace")
                .and_then(Node::scalar)
                .unwrap_or_else(|| o.ns.clone());
            let port = b.get("port").and_then(Node::scalar);
            let name = n.scalar().unwrap_or_default();
            if tcp {
                let mut e = vec![(
                    "address",
                    s(
                        format!(
                            "{}:{}",
                            super::service_host(&name, &ns),
                            port.unwrap_or_default()
                        ),
                        n.start,
                    ),
                )];
                if b.get("tls").and_then(Node::as_bool) == Some(true) {
                    e.push(("tls", s("true", n.start)));
                }
                servers.push(m(e, n.start));
            } else {
                let scheme = b.get("scheme").and_then(Node::scalar);
                servers.push(m(
                    vec![(
                        "url",
                        s(
                            service_url(&name, &ns, port.as_deref(), scheme.as_deref()),
                            n.start,
                        ),
                    )],
                    n.start,
                ));
            }
            if let Some(st) = b.get("serversTransport") {
                if transport.is_none() {
                    let v = st.scalar().unwrap_or_default();
                    let v = if v.contains('@') {
                        v
                    } else {
                        format!("{}@{CRD}", crd_name(&ns, &v))
                    };
                    transport = Some(s(v, st.start));
                }
            }
        }
        let svc = if lb || !servers.is_empty() {
            let mut l = vec![("servers", Node::new(Value::Seq(servers), route.start))];
            if let Some(t) = transport {
                l.push(("serversTransport", t));
            }
            m(vec![("loadBalancer", m(l, route.start))], route.start)
        } else {
            // TraefikService (weighted, mirroring): not followed.
            m(vec![("weighted", m(Vec::new(), route.start))], route.start)
        };
        services.push((svc_name, svc));
    }
    let named = |v: Vec<(String, Node)>| {
        Node::new(
            Value::Map(v.into_iter().map(|(k, n)| (s(k, n.start), n)).collect()),
            at,
        )
    };
    let mut top = vec![(
        if tcp { "tcp" } else { "http" },
        m(
            vec![("routers", named(routers)), ("services", named(services))],
            at,
        ),
    )];
    if !certs.is_empty() {
        top.push((
            "tls",
            m(vec![("certificates", Node::new(Value::Seq(certs), at))], at),
        ));
    }
    m(top, at)
}

/// An Ingress served by Traefik → one router per rule path, with the router annotations.
fn traefik_ingress(ing: &Obj) -> Node {
    let at = ing.start();
    let ann = |k: &str| ing.annotation(&format!("{ANN}{k}"));
    let mut routers = Vec::new();
    let mut services = Vec::new();
    let spec = ing.spec();
    let scheme = ann("service.serversscheme").and_then(Node::scalar);
    for (i, b) in spec
        .map(ingress::backends)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let rname = format!("{}-{i}", crd_name(&ing.ns, &ing.name));
        let svc_name = format!("{rname}-service");
        let mut rule = String::new();
        if let Some(h) = &b.host {
            rule.push_str(&format!("Host(`{h}`)"));
        }
        if let Some(p) = &b.path {
            if !rule.is_empty() {
                rule.push_str(" && ");
            }
            rule.push_str(&format!("PathPrefix(`{p}`)"));
        }
        if rule.is_empty() {
            rule = "PathPrefix(`/`)".into();
        }
        let mut r: Vec<(&str, Node)> = vec![("rule", s(rule, b.at.start))];
        if let Some(e) = ann("router.entrypoints") {
            r.push(("entryPoints", e.clone()));
        }
        if let Some(mw) = ann("router.middlewares") {
            r.push(("middlewares", mw.clone()));
        }
        if let Some(t) = ann("router.tls").filter(|t| t.as_bool() == Some(true)) {
            let mut e: Vec<(&str, Node)> = Vec::new();
            if let Some(o) = ann("router.tls.options") {
                e.push(("options", o.clone()));
            }
            if let Some(c) = ann("router.tls.certresolver") {
                e.push(("certResolver", c.clone()));
            }
            r.push(("tls", m(e, t.start)));
        }
        r.push(("service", s(svc_name.clone(), b.at.start)));
        routers.push((rname, m(r, b.at.start)));
        let mut l = vec![(
            "servers",
            Node::new(
                Value::Seq(vec![m(
                    vec![(
                        "url",
                        s(
                            service_url(&b.service, &ing.ns, b.port.as_deref(), scheme.as_deref()),
                            b.at.start,
                        ),
                    )],
                    b.at.start,
                )]),
                b.at.start,
            ),
        )];
        if let Some(t) = ann("service.serverstransport") {
            l.push(("serversTransport", t.clone()));
        }
        services.push((
            svc_name,
            m(vec![("loadBalancer", m(l, b.at.start))], b.at.start),
        ));
    }
    let named = |v: Vec<(String, Node)>| {
        Node::new(
            Value::Map(v.into_iter().map(|(k, n)| (s(k, n.start), n)).collect()),
            at,
        )
    };
    let mut top = vec![(
        "http",
        m(
            vec![("routers", named(routers)), ("services", named(services))],
            at,
        ),
    )];
    // Traefik's Ingress provider loads spec.tls secrets as certificates only.
    let certs: Vec<Node> = spec
        .and_then(|sp| sp.get("tls"))
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter_map(|t| t.get("secretName"))
        .map(|sn| {
            m(
                vec![(
                    "certFile",
                    s(
                        format!("secret:{}/{}", ing.ns, sn.scalar().unwrap_or_default()),
                        sn.start,
                    ),
                )],
                sn.start,
            )
        })
        .collect();
    if !certs.is_empty() {
        top.push((
            "tls",
            m(vec![("certificates", Node::new(Value::Seq(certs), at))], at),
        ));
    }
    m(top, at)
}
