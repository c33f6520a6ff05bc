//! Kubernetes ingestion: manifest streams (many documents, `kind: List`, Helm-rendered output)
//! → endpoints, hops and red flags.
//!
//! Every file is read into spanned [`Node`] trees under the shared YAML budget; the objects are
//! indexed by kind, namespace and name, then each family is normalized by its own module:
//! ingress-nginx Ingresses ([`ingress`]), the Gateway API ([`gateway`]), Traefik's CRDs and
//! Traefik-served Ingresses ([`traefik_crd`], through the Traefik module's semantics) and
//! Services + workloads ([`workload`]: exposure, the Service → pod chain, container red flags).

mod gateway;
mod ingress;
mod snippet;
mod traefik_crd;
mod workload;

use crate::ingest::{Candidate, Declared, Ingested, Kind, Sniff};
use crate::model::{Fact, Hop, HopTarget, ModelSpan, Scope, Tls};
use crate::source::{FileId, SourceMap, Span};
use crate::yaml::{self, Node};

/// Whether a file is a Kubernetes manifest (stream): a YAML file with top-level `apiVersion:`
/// and `kind:` lines, and not an unrendered Helm template.
pub fn detect(f: &Sniff) -> Option<Kind> {
    if !(f.name.ends_with(".yml") || f.name.ends_with(".yaml")) || f.name.starts_with("tlsproof") {
        return None;
    }
    looks_like_kubernetes(&f.text(64 * 1024)?).then_some(Kind::Kubernetes)
}

/// Content sniffing: `apiVersion:` and `kind:` at the start of a line (a document's top level),
/// and no line that begins with a Helm template action (`{{`), which is not YAML yet.
pub fn looks_like_kubernetes(text: &str) -> bool {
    let mut api = false;
    let mut kind = false;
    for line in text.lines() {
        if line.starts_with("apiVersion:") {
            api = true;
        } else if line.starts_with("kind:") {
            kind = true;
        } else if line.trim_start().starts_with("{{") {
            return false;
        }
    }
    api && kind
}

/// One Kubernetes object of a manifest.
pub(crate) struct Obj<'a> {
    pub file: FileId,
    pub kind: String,
    /// The API group (`networking.k8s.io`, `traefik.io`; empty for the core group).
    pub group: String,
    pub ns: String,
    pub name: String,
    pub node: &'a Node,
}

impl<'a> Obj<'a> {
    pub fn spec(&self) -> Option<&'a Node> {
        self.node.get("spec")
    }

    /// The value of one annotation, with its node.
    pub fn annotation(&self, key: &str) -> Option<&'a Node> {
        self.node.get("metadata")?.get("annotations")?.get(key)
    }

    /// The annotations as (key node, value node).
    pub fn annotations(&self) -> Vec<(&'a Node, &'a Node)> {
        match self.node.get("metadata").and_then(|m| m.get("annotations")) {
            Some(a) => a.entries().collect(),
            None => Vec::new(),
        }
    }

    /// Where the object is named (`metadata.name`), else where it starts.
    pub fn start(&self) -> usize {
        self.node
            .get("metadata")
            .and_then(|m| m.get("name"))
            .map(|n| n.start)
            .unwrap_or(self.node.start)
    }

    pub fn is(&self, kind: &str) -> bool {
        self.kind == kind
    }

    /// `namespace/name`.
    pub fn id(&self) -> String {
        format!("{}/{}", self.ns, self.name)
    }
}

/// A label map as pairs (values as text).
pub(crate) fn labels_of(n: Option<&Node>) -> Vec<(String, String)> {
    n.map(|l| {
        l.entries()
            .filter_map(|(k, v)| Some((k.scalar()?, v.scalar().unwrap_or_default())))
            .collect()
    })
    .unwrap_or_default()
}

/// Everything the family modules share: the source map, declarations and the object index.
pub(crate) struct Cx<'a> {
    pub map: &'a SourceMap,
    pub declared: &'a Declared,
    pub objs: Vec<Obj<'a>>,
    /// Indices into `objs` by kind: lookups per Ingress or route stay cheap in streams of tens
    /// of thousands of objects.
    by_kind: std::collections::HashMap<String, Vec<usize>>,
}

impl<'a> Cx<'a> {
    pub fn ms(&self, file: FileId, start: usize) -> ModelSpan {
        ModelSpan::resolve(self.map, Span::new(file, start, start), &[])
    }

    pub fn span(&self, file: FileId, start: usize) -> Span {
        Span::new(file, start, start)
    }

    pub fn of_kind<'s>(&'s self, kind: &'s str) -> impl Iterator<Item = &'s Obj<'a>> + 's {
        self.by_kind
            .get(kind)
            .map(Vec::as_slice)
            .unwrap_or(&[])
            .iter()
            .filter_map(move |&i| self.objs.get(i))
    }

    /// `file:line` of a position, for notes.
    pub fn where_(&self, file: FileId, start: usize) -> String {
        let l = self.map.location(self.span(file, start));
        format!("{}:{}", l.file, l.line)
    }
}

/// Ingests every Kubernetes candidate.
pub fn ingest(
    map: &mut SourceMap,
    candidates: &[&Candidate],
    declared: &Declared,
    out: &mut Ingested,
) {
    let mut sorted: Vec<&Candidate> = candidates.to_vec();
    sorted.sort_by(|a, b| a.display.cmp(&b.display));
    let mut files: Vec<FileId> = Vec::new();
    for c in sorted {
        let Some(file) =
            crate::ingest::read_file(map, &c.path, c.display.clone(), &mut out.findings, None)
        else {
            continue;
        };
        out.files
            .entry(file)
            .or_insert((Kind::Kubernetes, "manifest".into()));
        files.push(file);
    }
    let map: &SourceMap = map;
    // Every file parsed on every core; the results taken in file order.
    let texts: Vec<&str> = files
        .iter()
        .map(|f| map.get(*f).map_or("", |sf| sf.text.as_str()))
        .collect();
    let mut parsed: Vec<(FileId, Vec<Node>)> = Vec::new();
    for (file, docs) in files.iter().zip(yaml::parse_yaml_all(&texts)) {
        match docs {
            Ok(docs) => parsed.push((*file, docs)),
            Err(e) => {
                let display = map.get(*file).map_or("", |sf| sf.display.as_str());
                let what = "not read as Kubernetes manifests";
                out.findings.push(e.finding(*file, display, what));
            }
        }
    }
    let mut objs = Vec::new();
    for (file, docs) in &parsed {
        for d in docs {
            collect(*file, d, &mut objs, 0);
        }
    }
    let mut by_kind: std::collections::HashMap<String, Vec<usize>> =
        std::collections::HashMap::new();
    for (i, o) in objs.iter().enumerate() {
        by_kind.entry(o.kind.to_string()).or_default().push(i);
    }
    let cx = Cx {
        map,
        declared,
        objs,
        by_kind,
    };
    workload::red_flags(&cx, out);
    ingress::ingest(&cx, out);
    gateway::ingest(&cx, out);
    traefik_crd::ingest(&cx, out);
    workload::exposure(&cx, out);
    tls_secrets(&cx, out);
}

/// Records the `tls.crt` of every TLS Secret (`stringData` over `data`, as the API server merges
/// them). The entry is found by its key name; no other entry's value (`tls.key`) is read.
/// Every Secret of the scanned manifests: its `tls.crt` when it is of type `kubernetes.io/tls`
/// (what a Gateway listener's certificateRefs must name: "Support: Core - A single reference to
/// a Kubernetes Secret of type kubernetes.io/tls", Gateway API `GatewayTLSConfig`), else why it
/// holds no certificate, so that a reference to it is not taken for one outside the scan.
fn tls_secrets(cx: &Cx, out: &mut Ingested) {
    for o in cx.of_kind("Secret") {
        let kind = o
            .node
            .get("type")
            .and_then(Node::scalar)
            .unwrap_or_default();
        let crt = |section: &str| {
            o.node.get(section).and_then(|d| {
                d.entries()
                    .find(|(k, _)| k.scalar().as_deref() == Some("tls.crt"))
            })
        };
        let found = match crt("stringData") {
            Some(e) => Some((e, false)),
            None => crt("data").map(|e| (e, true)),
        };
        let entry = found.and_then(|((k, v), base64)| Some((k.start, v.scalar()?, base64)));
        let problem = if kind != "kubernetes.io/tls" {
            let kind = if kind.is_empty() {
                "Opaque, the default"
            } else {
                &kind
            };
            Some(format!(
                "the Secret {} is of type {kind}, not kubernetes.io/tls",
                o.id()
            ))
        } else if entry.is_none() {
            Some(format!("the Secret {} has no tls.crt", o.id()))
        } else {
            None
        };
        let (at, value, base64) = match (problem.is_none(), entry) {
            (true, Some(e)) => e,
            _ => (o.start(), String::new(), false),
        };
        out.tls_secrets.push(crate::ingest::TlsSecret {
            id: o.id(),
            span: cx.ms(o.file, at),
            value,
            base64,
            problem,
        });
    }
}

/// Indexes one document: an object, or the items of a `kind: List` (`*List`).
fn collect<'a>(file: FileId, d: &'a Node, objs: &mut Vec<Obj<'a>>, depth: usize) {
    let Some(kind) = d.get("kind").and_then(Node::scalar) else {
        return;
    };
    let api = d
        .get("apiVersion")
        .and_then(Node::scalar)
        .unwrap_or_default();
    if kind == "List" || (kind.ends_with("List") && d.get("items").is_some()) {
        if depth < 2 {
            for item in d.get("items").map(Node::items).unwrap_or(&[]) {
                collect(file, item, objs, depth + 1);
            }
        }
        return;
    }
    let group = match api.rsplit_once('/') {
        Some((g, _)) => g.to_string(),
        None => String::new(),
    };
    let meta = d.get("metadata");
    let name = meta
        .and_then(|m| m.get("name"))
        .and_then(Node::scalar)
        .unwrap_or_default();
    let ns = meta
        .and_then(|m| m.get("namespace"))
        .and_then(Node::scalar)
        .unwrap_or_else(|| "default".into());
    objs.push(Obj {
        file,
        kind,
        group,
        ns,
        name,
        node: d,
    });
}

/// The cluster DNS name of a Service.
pub(crate) fn service_host(name: &str, ns: &str) -> String {
    format!("{name}.{ns}.svc")
}

/// A port reference as written (`number` or `name`).
pub(crate) fn port_ref(n: Option<&Node>) -> Option<String> {
    let n = n?;
    if let Some(s) = n.scalar() {
        return Some(s);
    }
    n.get("number")
        .and_then(Node::scalar)
        .or_else(|| n.get("name").and_then(Node::scalar))
}

/// The hop from a proxy (Ingress controller, Gateway) to a Service.
#[allow(clippy::too_many_arguments)]
pub(crate) fn service_hop(
    cx: &Cx,
    directive: &str,
    ns: &str,
    name: &str,
    port: Option<&str>,
    tls: bool,
    span: ModelSpan,
    verify: Fact<bool>,
    trusted_ca: Fact<Option<String>>,
) -> Hop {
    let host = service_host(name, ns);
    let authority = match port {
        Some(p) => format!("{host}:{p}"),
        None => host,
    };
    let scheme = if tls { "https" } else { "http" };
    let _ = cx;
    Hop {
        directive: directive.to_string(),
        location: None,
        upstream: format!("{scheme}://{authority}"),
        scheme: scheme.to_string(),
        tls,
        determinate: true,
        targets: vec![HopTarget {
            address: authority,
            // A Service name resolves to a cluster IP: reachable from every pod, not loopback.
            scope: Scope::Private,
            span: span.clone(),
        }],
        scope: Scope::Private,
        verify,
        trusted_ca,
        span,
    }
}

/// TLS facts of an endpoint that terminates no TLS (plaintext exposure).
pub(crate) fn no_tls(span: &ModelSpan, why: &str) -> Tls {
    Tls::none(span, |_| why.to_string())
}

/// Splits an image reference into repository and tag (`latest` when absent).
pub(crate) fn image_parts(image: &str) -> (String, String) {
    let base = image.split('@').next().unwrap_or(image);
    match base.rsplit_once(':') {
        Some((r, t)) if !t.contains('/') => (r.to_string(), t.to_string()),
        _ => (base.to_string(), "latest".to_string()),
    }
}

/// How a Kubernetes manifest names its parts, for the policies' messages.
pub const WORDS: crate::model::ProductWords = crate::model::ProductWords {
    block: "the resource",
    proxy: "backend Service",
    certificate: "tls secretName or certificateRefs",
    ciphers: "ssl-ciphers",
    passthrough: None,
    version_advice: "the default depends on the ingress controller's version, which is not declared: set it in tlsproof.toml ([kubernetes] ingress_nginx_version = \"1.11.2\"), or scan the controller Deployment (its image tag)",
};

/// How to fix a FAIL in this format's terms.
pub const FIXES: super::Fixes = super::Fixes {
    tls: "spec.tls with hosts and a secretName on the Ingress (Gateway: a listener with protocol HTTPS and certificateRefs)",
    protocols: "ssl-protocols: \"TLSv1.2 TLSv1.3\" in the ingress-nginx ConfigMap (Traefik: a TLSOption with minVersion: VersionTLS12)",
    ciphers: "ssl-ciphers: \"ECDHE+AESGCM:ECDHE+CHACHA20\" in the ingress-nginx ConfigMap (Traefik: cipherSuites in the TLSOption)",
    redirect: "nginx.ingress.kubernetes.io/ssl-redirect: \"true\" (or force-ssl-redirect), or an HTTPRoute RequestRedirect filter to https",
    verify: "nginx.ingress.kubernetes.io/proxy-ssl-verify: \"on\" with proxy-ssl-secret naming the upstream's CA (Traefik: a ServersTransport with rootCAs)",
    hop: "nginx.ingress.kubernetes.io/backend-protocol: \"HTTPS\" with proxy-ssl-verify \"on\" (Gateway: a BackendTLSPolicy)",
    hsts: "hsts: \"true\" and hsts-max-age: \"31536000\" in the ingress-nginx ConfigMap",
};
