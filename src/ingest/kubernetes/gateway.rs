//! Gateway API: a Gateway's listeners (HTTP / HTTPS / TLS, Terminate or Passthrough), the
//! routes attached to them (HTTPRoute redirects to https on plaintext listeners, backends),
//! frontend client-certificate validation and BackendTLSPolicy for the hop to each Service.
//! Protocol and cipher settings are implementation-specific: they are never guessed as passing.

use super::{no_tls, service_hop, Cx, Obj};
use crate::ingest::Ingested;
use crate::model::Component;
use crate::model::EndpointDraft;
use crate::model::{
    Certificate, CipherList, Fact, Hop, Listen, ModelSpan, Origin, Scope, Transport,
};
use crate::model::{Endpoint, Tls};
use crate::source::FileId;
use crate::yaml::Node;

const GROUP: &str = "gateway.networking.k8s.io";

/// Whether a route attaches to a listener of a Gateway.
fn attaches(route: &Obj, gw: &Obj, listener: &Node) -> bool {
    let lname = listener.get("name").and_then(Node::scalar);
    let lport = listener.get("port").and_then(Node::scalar);
    let parent_ok = route
        .spec()
        .and_then(|s| s.get("parentRefs"))
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .any(|p| {
            let kind = p
                .get("kind")
                .and_then(Node::scalar)
                .unwrap_or_else(|| "Gateway".into());
            let ns = p
                .get("namespace")
                .and_then(Node::scalar)
                .unwrap_or_else(|| route.ns.clone());
            kind == "Gateway"
                && p.get("name").and_then(Node::scalar).as_deref() == Some(gw.name.as_str())
                && ns == gw.ns
                && p.get("sectionName")
                    .and_then(Node::scalar)
                    .is_none_or(|s| Some(s) == lname)
                && p.get("port")
                    .and_then(Node::scalar)
                    .is_none_or(|s| Some(s) == lport)
        });
    let from = listener
        .get("allowedRoutes")
        .and_then(|a| a.get("namespaces"))
        .and_then(|n| n.get("from"))
        .and_then(Node::scalar)
        .unwrap_or_else(|| "Same".into());
    parent_ok && (from != "Same" || route.ns == gw.ns)
}

/// Whether a route rule answers every request with a redirect to https, and where.
fn redirect_of(rule: &Node) -> Option<&Node> {
    rule.get("filters")
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .filter(|f| f.get("type").and_then(Node::scalar).as_deref() == Some("RequestRedirect"))
        .filter_map(|f| f.get("requestRedirect")?.get("scheme"))
        .find(|s| s.scalar().is_some_and(|v| v.eq_ignore_ascii_case("https")))
}

pub(crate) fn ingest(cx: &Cx, out: &mut Ingested) {
    let routes: Vec<&Obj> = cx
        .objs
        .iter()
        .filter(|o| {
            o.group == GROUP && matches!(o.kind.as_str(), "HTTPRoute" | "GRPCRoute" | "TLSRoute")
        })
        .collect();
    let policies: Vec<&Obj> = cx
        .objs
        .iter()
        .filter(|o| o.kind == "BackendTLSPolicy")
        .collect();
    for gw in cx.of_kind("Gateway").filter(|g| g.group == GROUP) {
        gateway(cx, gw, &routes, &policies, out);
    }
}

fn implementation(cx: &Cx, gw: &Obj) -> String {
    let class = gw
        .spec()
        .and_then(|s| s.get("gatewayClassName"))
        .and_then(Node::scalar)
        .unwrap_or_default();
    let ctrl = cx
        .of_kind("GatewayClass")
        .find(|c| c.name == class)
        .and_then(|c| c.spec()?.get("controllerName")?.scalar());
    match ctrl {
        Some(c) => format!("GatewayClass {class}, controller {c}"),
        None => format!("GatewayClass {class}, not in the scan"),
    }
}

fn gateway(cx: &Cx, gw: &Obj, routes: &[&Obj], policies: &[&Obj], out: &mut Ingested) {
    let Some(spec) = gw.spec() else { return };
    let mut acc = Listeners::default();
    for l in spec.get("listeners").map(Node::items).unwrap_or(&[]) {
        acc.add(cx, gw, l, routes);
    }
    // Passthrough listeners: one endpoint each, TLS reaches the backends.
    for (l, mine) in &acc.passthrough {
        out.endpoints
            .push(passthrough_endpoint(cx, gw, l, mine, policies));
    }
    if acc.listens.is_empty() {
        return;
    }
    let span = cx.ms(gw.file, gw.start());
    let (redirect, blocked) = acc.plaintext(cx, &span);
    acc.cite_forwarding_rule(cx);
    let tls = acc.tls(cx, gw);
    let hops: Vec<Hop> = acc
        .attached
        .iter()
        .flat_map(|r| backend_hops(cx, r, policies, false))
        .collect();
    let id = format!("kubernetes:gateway:{}", gw.id());
    let ep = endpoint(id, span, acc.listens, tls, redirect, blocked, hops);
    out.endpoints.push(ep.finish());
}

/// What a Gateway's listeners add up to.
#[derive(Default)]
struct Listeners<'a> {
    listens: Vec<Listen>,
    /// Listeners with `tls.mode: Passthrough`, with the routes attached to each.
    passthrough: Vec<(&'a Node, Vec<&'a Obj<'a>>)>,
    certificates: Vec<Certificate>,
    /// The first TLS-terminating listener.
    tls_anchor: Option<usize>,
    /// The routes attached to the HTTP and TLS-terminating listeners.
    attached: Vec<&'a Obj<'a>>,
    /// The first route rule on an HTTP listener that does not redirect.
    non_redirecting: Option<(FileId, usize)>,
    /// The first redirect to https on an HTTP listener.
    redirect_at: Option<(FileId, usize)>,
    http_listeners: usize,
}

impl<'a> Listeners<'a> {
    fn add(&mut self, cx: &Cx, gw: &Obj, l: &'a Node, routes: &[&'a Obj<'a>]) {
        let proto = l
            .get("protocol")
            .and_then(Node::scalar)
            .unwrap_or_default()
            .to_ascii_uppercase();
        let at = l.get("protocol").map(|n| n.start).unwrap_or(l.start);
        let mode = l
            .get("tls")
            .and_then(|t| t.get("mode"))
            .and_then(Node::scalar)
            .unwrap_or_else(|| "Terminate".into());
        let mine: Vec<&'a Obj<'a>> = routes
            .iter()
            .copied()
            .filter(|r| attaches(r, gw, l))
            .collect();
        let name = l.get("name").and_then(Node::scalar).unwrap_or_default();
        match proto.as_str() {
            "HTTP" => {
                self.http_listeners += 1;
                let http_routes: Vec<&'a Obj<'a>> =
                    mine.into_iter().filter(|r| r.kind != "TLSRoute").collect();
                for r in &http_routes {
                    self.note_redirects(r);
                }
                self.attached.extend(http_routes);
                let note = format!("Gateway {} listener {name} (HTTP)", gw.id());
                self.listens.push(listener(cx, gw, l, at, false, note));
            }
            "HTTPS" | "TLS" if mode == "Passthrough" => {
                self.passthrough.push((l, mine));
            }
            "HTTPS" | "TLS" => {
                self.tls_anchor.get_or_insert(at);
                self.certificates.extend(certificate_refs(cx, gw, l));
                self.attached.extend(mine);
                let note = format!(
                    "Gateway {} listener {name} ({proto}, TLS terminated)",
                    gw.id()
                );
                self.listens.push(listener(cx, gw, l, at, true, note));
            }
            _ => {}
        }
    }

    /// The first redirecting and the first forwarding rule of a route on an HTTP listener.
    fn note_redirects(&mut self, r: &Obj) {
        let rules = r
            .spec()
            .and_then(|s| s.get("rules"))
            .map(Node::items)
            .unwrap_or(&[]);
        for rule in rules {
            match redirect_of(rule) {
                Some(s) => {
                    self.redirect_at.get_or_insert((r.file, s.start));
                }
                None => {
                    self.non_redirecting.get_or_insert((r.file, rule.start));
                }
            }
        }
        if rules.is_empty() {
            self.non_redirecting.get_or_insert((r.file, r.start()));
        }
    }

    /// Whether plaintext requests are redirected to https, and whether they are refused.
    fn plaintext(&self, cx: &Cx, span: &ModelSpan) -> (Fact<bool>, Fact<bool>) {
        if self.http_listeners == 0 {
            return (
                Fact::derived(false, span.clone(), "no plaintext listener"),
                Fact::derived(false, span.clone(), "no plaintext listener"),
            );
        }
        if let Some(nr) = self.non_redirecting {
            return (
                Fact::explicit(false, cx.ms(nr.0, nr.1)).with_note("a route attached to a plaintext HTTP listener forwards requests instead of redirecting to https"),
                Fact::derived(false, span.clone(), "the HTTP listener routes requests"),
            );
        }
        if let Some(ra) = self.redirect_at {
            return (
                Fact::derived(true, cx.ms(ra.0, ra.1), "every rule of every route on the HTTP listeners answers with a RequestRedirect to scheme https"),
                Fact::derived(false, span.clone(), "redirected"),
            );
        }
        // Cite the plaintext listener no route attaches to, not the Gateway's name.
        let listener = self
            .listens
            .iter()
            .find(|l| !l.tls)
            .map(|l| l.span.clone())
            .unwrap_or_else(|| span.clone());
        (
            Fact::derived(false, listener.clone(), "no route attaches to the HTTP listener"),
            Fact::derived(true, listener, "no route attaches to the HTTP listener, so every plaintext request is answered 404 Not Found"),
        )
    }

    /// Where routes fail the redirect, the plaintext listeners cite the route rule.
    fn cite_forwarding_rule(&mut self, cx: &Cx) {
        let Some(nr) = self.non_redirecting else {
            return;
        };
        for l in self.listens.iter_mut().filter(|l| !l.tls) {
            l.note = Some(format!(
                "{}; a route rule at {} forwards plaintext requests",
                l.note.clone().unwrap_or_default(),
                cx.where_(nr.0, nr.1)
            ));
        }
    }

    /// The TLS of the terminating listeners: certificates and client authentication from the
    /// Gateway; protocols and ciphers are the implementation's (worst case, MANUAL).
    fn tls(&mut self, cx: &Cx, gw: &Obj) -> Tls {
        let implementation = format!("the Gateway implementation ({})", implementation(cx, gw));
        let decide = format!(
            "{implementation} decides the TLS protocols and ciphers (listener tls.options or its own policy resources), and tlsproof does not know its defaults"
        );
        let a = cx.ms(gw.file, self.tls_anchor.unwrap_or(gw.start()));
        let mut tls = no_tls(&a, &decide);
        if self.tls_anchor.is_some() {
            tls.protocols = Fact::derived(
                ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                a.clone(),
                decide.clone(),
            )
            .as_worst_case();
            tls.ciphers = Fact::derived(
                CipherList::undecided(&implementation),
                a.clone(),
                decide.clone(),
            );
            tls.certificates = std::mem::take(&mut self.certificates);
            tls.client_auth = client_auth(cx, gw, &a);
        }
        tls
    }
}

/// A listener of the Gateway, at its `protocol` key.
fn listener(cx: &Cx, gw: &Obj, l: &Node, at: usize, tls: bool, note: String) -> Listen {
    let port = l
        .get("port")
        .and_then(Node::scalar)
        .and_then(|p| p.parse().ok());
    Listen {
        tls_source: if tls { Some(cx.ms(gw.file, at)) } else { None },
        note: Some(note),
        ..Listen::new(
            l.get("hostname")
                .and_then(Node::scalar)
                .map(|_| "*".to_string())
                .unwrap_or_else(|| "*".into()),
            port,
            Scope::Public,
            tls,
            cx.ms(gw.file, at),
            Origin::Explicit,
        )
    }
}

/// The Secrets a TLS listener names in `tls.certificateRefs`.
fn certificate_refs(cx: &Cx, gw: &Obj, l: &Node) -> Vec<Certificate> {
    l.get("tls")
        .and_then(|t| t.get("certificateRefs"))
        .map(Node::items)
        .unwrap_or(&[])
        .iter()
        .map(|c| {
            let ns = c
                .get("namespace")
                .and_then(Node::scalar)
                .unwrap_or_else(|| gw.ns.clone());
            let name = c.get("name");
            Certificate {
                relative_to: None,
                path: format!(
                    "secret:{ns}/{}",
                    name.and_then(Node::scalar).unwrap_or_default()
                ),
                key: None,
                span: cx.ms(gw.file, name.map(|n| n.start).unwrap_or(c.start)),
                managed: None,
                note: None,
            }
        })
        .collect()
}

/// A passthrough listener's endpoint: TLS reaches the backends of its routes.
fn passthrough_endpoint(cx: &Cx, gw: &Obj, l: &Node, mine: &[&Obj], policies: &[&Obj]) -> Endpoint {
    let at = l.get("protocol").map(|n| n.start).unwrap_or(l.start);
    let name = l.get("name").and_then(Node::scalar).unwrap_or_default();
    let s = cx.ms(gw.file, at);
    let hops = mine
        .iter()
        .flat_map(|r| backend_hops(cx, r, policies, true))
        .collect();
    let port = l
        .get("port")
        .and_then(Node::scalar)
        .and_then(|p| p.parse().ok());
    let listen = Listen {
        tls_source: Some(s.clone()),
        note: Some(format!(
            "Gateway {} listener {name}: tls.mode Passthrough",
            gw.id()
        )),
        ..Listen::new("*", port, Scope::Public, true, s.clone(), Origin::Explicit)
    };
    let mut ep = endpoint(
        format!("kubernetes:gateway:{}:{name}", gw.id()),
        s.clone(),
        vec![listen],
        no_tls(&s, "TLS passes through the Gateway"),
        Fact::derived(false, s.clone(), "no plaintext listener"),
        Fact::derived(false, s, "no plaintext listener"),
        hops,
    );
    ep.transport = Transport::TlsPassthrough;
    ep.finish()
}

/// Frontend client-certificate validation (`spec.tls.frontend.default.validation`).
fn client_auth(cx: &Cx, gw: &Obj, a: &ModelSpan) -> Fact<String> {
    let v = gw
        .spec()
        .and_then(|s| s.get("tls"))
        .and_then(|t| t.get("frontend"))
        .and_then(|fr| fr.get("default"))
        .and_then(|d| d.get("validation"));
    match v {
        Some(v) => match v.get("mode") {
            Some(m) if m.scalar().as_deref() == Some("AllowInsecureFallback") => Fact::explicit("optional".to_string(), cx.ms(gw.file, m.start))
                .with_note("AllowInsecureFallback: connections without a valid client certificate are accepted"),
            _ => Fact::explicit("required".to_string(), cx.ms(gw.file, v.start)).with_note("frontend validation AllowValidOnly (the default mode)"),
        },
        None => Fact::default("off".into(), a.clone(), "Gateway API: no frontend client-certificate validation unless spec.tls.frontend sets it"),
    }
}

/// The hops from the Gateway to the Services a route sends to, with BackendTLSPolicy.
fn backend_hops(cx: &Cx, route: &Obj, policies: &[&Obj], passthrough: bool) -> Vec<Hop> {
    let mut out = Vec::new();
    for rule in route
        .spec()
        .and_then(|s| s.get("rules"))
        .map(Node::items)
        .unwrap_or(&[])
    {
        if redirect_of(rule).is_some() {
            continue;
        }
        for b in rule.get("backendRefs").map(Node::items).unwrap_or(&[]) {
            let kind = b
                .get("kind")
                .and_then(Node::scalar)
                .unwrap_or_else(|| "Service".into());
            if kind != "Service" {
                continue;
            }
            let Some(n) = b.get("name") else { continue };
            let name = n.scalar().unwrap_or_default();
            let ns = b
                .get("namespace")
                .and_then(Node::scalar)
                .unwrap_or_else(|| route.ns.clone());
            let port = b.get("port").and_then(Node::scalar);
            let s = cx.ms(route.file, n.start);
            if passthrough {
                out.push(service_hop(
                    cx,
                    "TLSRoute backend (passthrough)",
                    &ns,
                    &name,
                    port.as_deref(),
                    true,
                    s.clone(),
                    Fact::derived(
                        true,
                        s.clone(),
                        "passthrough: the client verifies the backend's certificate itself",
                    ),
                    Fact::derived(None, s, "passthrough"),
                ));
                continue;
            }
            let policy = policies.iter().find(|p| {
                p.ns == ns
                    && p.spec()
                        .map(|sp| {
                            sp.get("targetRefs")
                                .map(Node::items)
                                .unwrap_or(&[])
                                .iter()
                                .chain(sp.get("targetRef"))
                                .any(|t| {
                                    t.get("name").and_then(Node::scalar).as_deref()
                                        == Some(name.as_str())
                                        && t.get("kind")
                                            .and_then(Node::scalar)
                                            .is_none_or(|k| k == "Service")
                                })
                        })
                        .unwrap_or(false)
            });
            let hop = match policy.and_then(|p| p.spec()?.get("validation").map(|v| (p, v))) {
                Some((p, v)) => {
                    let vs = cx.ms(p.file, v.start);
                    let ca = v
                        .get("caCertificateRefs")
                        .and_then(|c| c.items().first())
                        .and_then(|c| c.get("name"))
                        .and_then(Node::scalar)
                        .or_else(|| v.get("wellKnownCACertificates").and_then(Node::scalar));
                    service_hop(
                        cx,
                        &format!("{} backend with BackendTLSPolicy {}", route.kind, p.id()),
                        &ns,
                        &name,
                        port.as_deref(),
                        true,
                        s,
                        Fact::explicit(true, vs.clone()).with_note(
                            "BackendTLSPolicy validation (the API has no way to skip verification)",
                        ),
                        Fact::explicit(ca, vs),
                    )
                }
                None => service_hop(
                    cx,
                    &format!("{} backend (no BackendTLSPolicy: plaintext)", route.kind),
                    &ns,
                    &name,
                    port.as_deref(),
                    false,
                    s.clone(),
                    Fact::derived(false, s.clone(), "plaintext hop: nothing to verify"),
                    Fact::derived(None, s, "no BackendTLSPolicy targets this Service"),
                ),
            };
            out.push(hop);
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn endpoint(
    id: String,
    span: ModelSpan,
    listens: Vec<Listen>,
    tls: crate::model::Tls,
    redirect: Fact<bool>,
    blocked: Fact<bool>,
    hops: Vec<Hop>,
) -> EndpointDraft {
    EndpointDraft {
        context: Some("gateway".into()),
        listens,
        hops,
        ..EndpointDraft::new(id, Component::Kubernetes, span, tls, redirect, blocked)
    }
}
