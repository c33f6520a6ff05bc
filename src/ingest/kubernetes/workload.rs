//! Workloads and Services: what a pod's containers bind and whether they speak TLS, how a
//! Service exposes them (LoadBalancer, NodePort, externalIPs), `hostPort` and `hostNetwork`,
//! and the container settings that switch certificate validation off (red flags).

use super::{labels_of, no_tls, Cx, Obj};
use crate::ingest::Ingested;
use crate::model::Component;
use crate::model::EndpointDraft;
use crate::model::{Endpoint, Fact, Listen, ModelSpan, Origin, RedFlag, Scope};
use crate::yaml::Node;

/// Kinds whose pods are described by `spec.template`.
const TEMPLATED: &[&str] = &[
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
];

/// Environment variables that switch certificate validation off, with the values that do.
const VERIFY_OFF_ENV: &[(&str, &[&str], &str)] = &[
    (
        "NODE_TLS_REJECT_UNAUTHORIZED",
        &["0"],
        "Node.js accepts any server certificate",
    ),
    (
        "PYTHONHTTPSVERIFY",
        &["0"],
        "Python's urllib/http.client skip certificate validation",
    ),
    (
        "GIT_SSL_NO_VERIFY",
        &["1", "true", "yes"],
        "git skips certificate validation",
    ),
    (
        "CURL_CA_BUNDLE",
        &[""],
        "python-requests before 2.32 skips certificate validation when CURL_CA_BUNDLE is empty",
    ),
    (
        "REQUESTS_CA_BUNDLE",
        &[""],
        "an empty CA bundle: python-requests may skip certificate validation",
    ),
    (
        "NODE_EXTRA_CA_CERTS_INSECURE",
        &["1", "true"],
        "certificate validation disabled",
    ),
];

/// Flags of common servers that set the bind address.
const BIND_FLAGS: &[&str] = &["--host", "--bind", "-b", "--listen", "--address", "--addr"];
/// Environment variables that set the bind address.
const BIND_ENV: &[&str] = &[
    "HOST",
    "FASTMCP_HOST",
    "MCP_HOST",
    "UVICORN_HOST",
    "BIND",
    "BIND_ADDRESS",
    "LISTEN_ADDRESS",
    "SERVER_HOST",
];
/// Flags and variables that make a server terminate TLS itself.
const TLS_FLAGS: &[&str] = &[
    "--ssl-keyfile",
    "--ssl-certfile",
    "--certfile",
    "--keyfile",
    "--tls-cert",
    "--tls-cert-file",
    "--tls-key",
    "--tls-private-key-file",
    "--tls-cert-path",
];
const TLS_ENV: &[&str] = &[
    "SSL_CERTFILE",
    "UVICORN_SSL_CERTFILE",
    "TLS_CERT_FILE",
    "TLS_CERT",
    "SSL_CERT_PATH",
];
/// Images of proxies and ingress controllers: their listeners are judged from their own
/// configuration, not as plaintext application containers.
const PROXY_IMAGES: &[&str] = &[
    "ingress-nginx",
    "nginx-ingress",
    "traefik",
    "envoy",
    "haproxy",
    "istio",
    "contour",
    "kong",
    "caddy",
    "nginx",
    "oauth2-proxy",
];

/// A pod template: its labels and spec, and the object it belongs to.
pub(crate) struct Pod<'a, 'o> {
    pub obj: &'o Obj<'a>,
    pub labels: Vec<(String, String)>,
    pub spec: &'a Node,
}

/// Every pod template in the scan.
pub(crate) fn pods<'a, 'o>(cx: &'o Cx<'a>) -> Vec<Pod<'a, 'o>> {
    let mut out = Vec::new();
    for o in &cx.objs {
        let template = if TEMPLATED.contains(&o.kind.as_str()) {
            o.spec().and_then(|s| s.get("template"))
        } else if o.is("CronJob") {
            o.spec()
                .and_then(|s| s.get("jobTemplate"))
                .and_then(|j| j.get("spec"))
                .and_then(|s| s.get("template"))
        } else if o.is("Pod") {
            Some(o.node)
        } else {
            None
        };
        let Some(t) = template else { continue };
        let Some(spec) = t.get("spec") else { continue };
        out.push(Pod {
            obj: o,
            labels: labels_of(t.get("metadata").and_then(|m| m.get("labels"))),
            spec,
        });
    }
    out
}

/// A container's listening facts.
pub(crate) struct Container<'a> {
    pub node: &'a Node,
    pub name: String,
    pub image: String,
    /// The bind address and the node that sets it.
    pub bind: Option<(String, &'a Node)>,
    /// The node that makes the container terminate TLS itself.
    pub tls: Option<&'a Node>,
}

impl Container<'_> {
    pub fn is_proxy(&self) -> bool {
        let (repo, _) = super::image_parts(&self.image);
        let last = repo
            .rsplit('/')
            .next()
            .unwrap_or(&repo)
            .to_ascii_lowercase();
        let repo = repo.to_ascii_lowercase();
        PROXY_IMAGES
            .iter()
            .any(|p| last.contains(p) || repo.contains(&format!("{p}/")))
    }

    /// Whether a port reference (number or name) is one of this container's ports.
    pub fn has_port(&self, port: &str) -> bool {
        self.node
            .get("ports")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .any(|p| {
                p.get("containerPort").and_then(Node::scalar).as_deref() == Some(port)
                    || p.get("name").and_then(Node::scalar).as_deref() == Some(port)
            })
    }

    pub fn declares_ports(&self) -> bool {
        !self
            .node
            .get("ports")
            .map(Node::items)
            .unwrap_or(&[])
            .is_empty()
    }
}

/// Every container of a pod spec (init containers excluded: they do not serve).
pub(crate) fn containers<'a>(spec: &'a Node) -> Vec<Container<'a>> {
    let mut out = Vec::new();
    for c in spec.get("containers").map(Node::items).unwrap_or(&[]) {
        let mut container = Container {
            node: c,
            name: c.get("name").and_then(Node::scalar).unwrap_or_default(),
            image: c.get("image").and_then(Node::scalar).unwrap_or_default(),
            bind: None,
            tls: None,
        };
        container.read_flags();
        container.read_env();
        out.push(container);
    }
    out
}

impl<'a> Container<'a> {
    /// The bind address and TLS flags of `command` and `args` (`--flag value` or
    /// `--flag=value`; the last one wins).
    fn read_flags(&mut self) {
        let mut words: Vec<(String, &Node)> = Vec::new();
        for key in ["command", "args"] {
            for item in self.node.get(key).map(Node::items).unwrap_or(&[]) {
                if let Some(s) = item.scalar() {
                    for w in s.split_whitespace() {
                        words.push((w.trim_matches(['"', '\'']).to_string(), item));
                    }
                }
            }
        }
        let mut i = 0;
        while i < words.len() {
            let (w, n) = (&words[i].0, words[i].1);
            let (flag, inline) = match w.split_once('=') {
                Some((f, v)) => (f, Some(v.to_string())),
                None => (w.as_str(), None),
            };
            if BIND_FLAGS.contains(&flag) {
                let value = inline.or_else(|| words.get(i + 1).map(|(v, _)| v.clone()));
                if let Some(v) = value {
                    self.bind = Some((host_part(&v), n));
                }
            }
            if TLS_FLAGS.contains(&flag) {
                self.tls = Some(n);
            }
            i += 1;
        }
    }

    /// The bind address and TLS settings of the environment, which win over the flags.
    fn read_env(&mut self) {
        for e in self.node.get("env").map(Node::items).unwrap_or(&[]) {
            let Some(k) = e.get("name").and_then(Node::scalar) else {
                continue;
            };
            let v = e.get("value");
            if BIND_ENV.contains(&k.as_str()) {
                if let Some(val) = v.and_then(Node::scalar) {
                    self.bind = Some((host_part(&val), v.unwrap_or(e)));
                }
            }
            if TLS_ENV.contains(&k.as_str())
                && v.and_then(Node::scalar).is_some_and(|s| !s.is_empty())
            {
                self.tls = Some(v.unwrap_or(e));
            }
        }
    }
}

/// The host of `host[:port]` (brackets kept off IPv6 literals).
fn host_part(v: &str) -> String {
    if let Some(rest) = v.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest).to_string();
    }
    if v.matches(':').count() == 1 {
        return v.split(':').next().unwrap_or(v).to_string();
    }
    v.to_string()
}

/// Container environment that disables certificate validation → red flags (NET03-VERIFY).
pub(crate) fn red_flags(cx: &Cx, out: &mut Ingested) {
    for pod in pods(cx) {
        for c in pod
            .spec
            .get("containers")
            .map(Node::items)
            .unwrap_or(&[])
            .iter()
            .chain(
                pod.spec
                    .get("initContainers")
                    .map(Node::items)
                    .unwrap_or(&[])
                    .iter(),
            )
        {
            let cname = c.get("name").and_then(Node::scalar).unwrap_or_default();
            for e in c.get("env").map(Node::items).unwrap_or(&[]) {
                let Some(k) = e.get("name").and_then(Node::scalar) else {
                    continue;
                };
                let Some(v) = e.get("value") else { continue };
                let val = v.scalar().unwrap_or_default();
                for (var, bad, why) in VERIFY_OFF_ENV {
                    if k == *var && bad.iter().any(|b| b.eq_ignore_ascii_case(val.trim())) {
                        out.red_flags.push(RedFlag {
                            kind: "verify_disabled".into(),
                            text: format!(
                                "{k}={val:?} in container {cname} of {} {}: {why}",
                                pod.obj.kind,
                                pod.obj.id()
                            ),
                            component: Some("kubernetes".into()),
                            endpoint: None,
                            span: cx.ms(pod.obj.file, v.start),
                            in_test_code: false,
                        });
                    }
                }
            }
        }
    }
}

/// A plaintext application container a Service, `hostPort` or `hostNetwork` exposes outside
/// the cluster → an endpoint with a public plaintext listener (NET03-HTTP, NET03-TLS).
pub(crate) fn exposure(cx: &Cx, out: &mut Ingested) {
    let pods = pods(cx);
    for svc in cx.of_kind("Service") {
        if let Some(ep) = service_endpoint(cx, svc, &pods) {
            out.endpoints.push(ep);
        }
    }
    for pod in &pods {
        host_endpoints(cx, pod, out);
    }
}

/// Whether a container serves plaintext beyond its own pod: not a proxy (judged from its own
/// configuration), no TLS of its own, not bound to loopback.
fn serves_plaintext(c: &Container) -> bool {
    !c.is_proxy()
        && c.tls.is_none()
        && !c
            .bind
            .as_ref()
            .is_some_and(|(b, _)| Scope::of_host(b).is_local())
}

/// A Service that exposes pods outside the cluster (LoadBalancer, NodePort, externalIPs).
struct Exposing<'a> {
    svc: &'a Obj<'a>,
    /// `spec.type`, `ClusterIP` when absent.
    ty: String,
    /// `spec.externalIPs`, when it lists something.
    external: Option<&'a Node>,
    /// Where the exposure is written: the type, else `externalIPs`.
    span: ModelSpan,
}

/// The endpoint of a Service that exposes plaintext application containers outside the
/// cluster: one listener per Service port and container it reaches.
fn service_endpoint(cx: &Cx, svc: &Obj, pods: &[Pod]) -> Option<Endpoint> {
    let spec = svc.spec()?;
    let ty = spec.get("type");
    let ty_s = ty
        .and_then(Node::scalar)
        .unwrap_or_else(|| "ClusterIP".into());
    let external = spec.get("externalIPs").filter(|n| !n.items().is_empty());
    let anchor = match (ty_s.as_str(), external) {
        ("LoadBalancer" | "NodePort", _) => ty,
        (_, Some(e)) => Some(e),
        _ => None,
    }?;
    let selector = labels_of(spec.get("selector"));
    if selector.is_empty() {
        return None;
    }
    let selected: Vec<&Pod> = pods
        .iter()
        .filter(|p| p.obj.ns == svc.ns && selector.iter().all(|s| p.labels.contains(s)))
        .collect();
    let x = Exposing {
        svc,
        ty: ty_s,
        external,
        span: cx.ms(svc.file, anchor.start),
    };
    let mut listens = Vec::new();
    for port in spec.get("ports").map(Node::items).unwrap_or(&[]) {
        listens.extend(x.port_listeners(cx, port, &selected));
    }
    if listens.is_empty() {
        return None;
    }
    Some(endpoint(
        format!("kubernetes:service:{}", svc.id()),
        "service",
        x.span,
        listens,
    ))
}

impl Exposing<'_> {
    /// The listeners of one Service port: one per plaintext container of the selected pods
    /// that the port targets (every such container when the pod declares no ports).
    fn port_listeners(&self, cx: &Cx, port: &Node, selected: &[&Pod]) -> Vec<Listen> {
        let sport = port.get("port").and_then(Node::scalar).unwrap_or_default();
        let target = port
            .get("targetPort")
            .and_then(Node::scalar)
            .unwrap_or_else(|| sport.clone());
        let (address, port_no) = self.address(port, &sport);
        let mut listens = Vec::new();
        for pod in selected {
            let cs = containers(pod.spec);
            let any_declared = cs.iter().any(Container::declares_ports);
            for c in cs
                .iter()
                .filter(|c| (c.has_port(&target) || !any_declared) && serves_plaintext(c))
            {
                let bind_text = match &c.bind {
                    Some((b, n)) => format!("binds {b} ({})", cx.where_(pod.obj.file, n.start)),
                    None => "sets no bind address in the manifest (a Service can only reach it on the pod's address)".into(),
                };
                listens.push(Listen {
                    note: Some(format!(
                        "Service {} type {} port {sport} → container {} (target port {target}) of {} {}, which {bind_text} and terminates no TLS",
                        self.svc.id(),
                        self.ty,
                        c.name,
                        pod.obj.kind,
                        pod.obj.id()
                    )),
                    ..Listen::new(
                        address.clone(),
                        port_no.as_deref().and_then(|p| p.parse().ok()),
                        Scope::of_host(&address),
                        false,
                        self.span.clone(),
                        Origin::Explicit,
                    )
                });
            }
        }
        listens
    }

    /// Where a Service port is reached from outside: every address of the nodes at the
    /// `nodePort` (NodePort), the port on the load balancer, or the port on the first external
    /// IP.
    fn address(&self, port: &Node, sport: &str) -> (String, Option<String>) {
        match (self.ty.as_str(), self.external) {
            ("NodePort", _) => ("*".to_string(), port.get("nodePort").and_then(Node::scalar)),
            ("LoadBalancer", _) => ("*".to_string(), Some(sport.to_string())),
            (_, Some(e)) => (
                e.items()
                    .first()
                    .and_then(Node::scalar)
                    .unwrap_or_else(|| "*".into()),
                Some(sport.to_string()),
            ),
            _ => ("*".to_string(), Some(sport.to_string())),
        }
    }
}

/// The endpoints of a pod's plaintext containers on the node's network: one per port with a
/// `hostPort`, or every port with `hostNetwork`.
fn host_endpoints(cx: &Cx, pod: &Pod, out: &mut Ingested) {
    let host_network = pod
        .spec
        .get("hostNetwork")
        .filter(|n| n.as_bool() == Some(true));
    for c in containers(pod.spec) {
        if !serves_plaintext(&c) {
            continue;
        }
        for p in c.node.get("ports").map(Node::items).unwrap_or(&[]) {
            if let Some(ep) = host_port_endpoint(cx, pod, &c, p, host_network) {
                out.endpoints.push(ep);
            }
        }
    }
}

/// A container port on the node's network (`hostPort`, else `hostNetwork`), at its host IP,
/// else the container's bind address.
fn host_port_endpoint(
    cx: &Cx,
    pod: &Pod,
    c: &Container,
    p: &Node,
    host_network: Option<&Node>,
) -> Option<Endpoint> {
    let cport = p.get("containerPort").and_then(Node::scalar);
    let (anchor, port_no, what) = match (p.get("hostPort"), host_network) {
        (Some(hp), _) => (hp, hp.scalar(), "hostPort"),
        (None, Some(hn)) => (hn, cport.clone(), "hostNetwork"),
        _ => return None,
    };
    let address = p
        .get("hostIP")
        .and_then(Node::scalar)
        .or_else(|| c.bind.as_ref().map(|(b, _)| b.clone()))
        .unwrap_or_else(|| "*".into());
    let span = cx.ms(pod.obj.file, anchor.start);
    let listen = Listen {
        note: Some(format!(
            "{what}: container {} (port {}) of {} {} listens on the node's network and terminates no TLS",
            c.name,
            cport.clone().unwrap_or_default(),
            pod.obj.kind,
            pod.obj.id()
        )),
        ..Listen::new(
            address.clone(),
            port_no.as_deref().and_then(|x| x.parse().ok()),
            Scope::of_host(&address),
            false,
            span.clone(),
            Origin::Explicit,
        )
    };
    Some(endpoint(
        format!(
            "kubernetes:{}:{}/{}:{}",
            what.to_ascii_lowercase(),
            pod.obj.id(),
            c.name,
            port_no.unwrap_or_default()
        ),
        what,
        span,
        vec![listen],
    ))
}

fn endpoint(id: String, context: &str, span: ModelSpan, listens: Vec<Listen>) -> Endpoint {
    let why = "the container serves plaintext itself: no TLS is configured in the manifest";
    let redirects = Fact::derived(
        false,
        span.clone(),
        "nothing in front of the container redirects: the Service forwards connections as they come",
    );
    let blocked = Fact::derived(false, span.clone(), "a Service does not refuse plaintext");
    let tls = no_tls(&span, why);
    EndpointDraft {
        context: Some(context.into()),
        listens,
        ..EndpointDraft::new(id, Component::Kubernetes, span, tls, redirects, blocked)
    }
    .finish()
}
