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
    let f = gw.file;
    let Some(spec) = gw.spec() else { return };
    let span = cx.ms(f, gw.start());
    let imp = implementation(cx, gw);
    let decide = format!(
        "the Gateway implementation ({imp}) decides the TLS protocols and ciphers (listener tls.options or its own policy resources); tlsproof does not know its defaults: check them by hand or by a live probe"
    );
    let mut listens = Vec::new();
    let mut passthrough = Vec::new();
    let mut certificates = Vec::new();
    let mut tls_anchor: Option<usize> = None;
    let mut attached: Vec<&Obj> = Vec::new();
    // Plaintext handling over every HTTP listener.
    let mut non_redirecting: Option<(crate::source::FileId, usize)> = None;
    let mut redirect_at: Option<(crate::source::FileId, usize)> = None;
    let mut routeless_http = 0usize;
    let mut http_listeners = 0usize;
    for l in spec.get("listeners").map(Node::items).unwrap_or(&[]) {
        let proto = l
            .get("protocol")
            .and_then(Node::scalar)
            .unwrap_or_default()
            .to_ascii_uppercase();
        let port = l
            .get("port")
            .and_then(Node::scalar)
            .and_then(|p| p.parse().ok());
        let at = l.get("protocol").map(|n| n.start).unwrap_or(l.start);
        let mode = l
            .get("tls")
            .and_then(|t| t.get("mode"))
            .and_then(Node::scalar)
            .unwrap_or_else(|| "Terminate".into());
        let mine: Vec<&Obj> = routes
            .iter()
            .copied()
            .filter(|r| attaches(r, gw, l))
            .collect();
        let listen = |tls: bool, note: String| Listen {
            tls_source: if tls { Some(cx.ms(f, at)) } else { None },
            note: Some(note),
            ..Listen::new(
                l.get("hostname")
                    .and_then(Node::scalar)
                    .map(|_| "*".to_string())
                    .unwrap_or_else(|| "*".into()),
                port,
                Scope::Public,
                tls,
                cx.ms(f, at),
                Origin::Explicit,
            )
        };
        match proto.as_str() {
            "HTTP" => {
                http_listeners += 1;
                let http_routes: Vec<&&Obj> =
                    mine.iter().filter(|r| r.kind != "TLSRoute").collect();
                if http_routes.is_empty() {
                    routeless_http += 1;
                }
                for r in &http_routes {
                    for rule in r
                        .spec()
                        .and_then(|s| s.get("rules"))
                        .map(Node::items)
                        .unwrap_or(&[])
                    {
                        match redirect_of(rule) {
                            Some(s) => {
                                redirect_at.get_or_insert((r.file, s.start));
                            }
                            None => {
                                non_redirecting.get_or_insert((r.file, rule.start));
                            }
                        }
                    }
                    if r.spec()
                        .and_then(|s| s.get("rules"))
                        .map(Node::items)
                        .unwrap_or(&[])
                        .is_empty()
                    {
                        non_redirecting.get_or_insert((r.file, r.start()));
                    }
                }
                attached.extend(http_routes.iter().map(|r| **r));
                listens.push(listen(
                    false,
                    format!(
                        "Gateway {} listener {} (HTTP)",
                        gw.id(),
                        l.get("name").and_then(Node::scalar).unwrap_or_default()
                    ),
                ));
            }
            "HTTPS" | "TLS" if mode == "Passthrough" => {
                passthrough.push((l, mine));
            }
            "HTTPS" | "TLS" => {
                tls_anchor.get_or_insert(at);
                for c in l
                    .get("tls")
                    .and_then(|t| t.get("certificateRefs"))
                    .map(Node::items)
                    .unwrap_or(&[])
                {
                    let ns = c
                        .get("namespace")
                        .and_then(Node::scalar)
                        .unwrap_or_else(|| gw.ns.clone());
                    let name = c.get("name");
                    certificates.push(Certificate {
                        relative_to: None,
                        path: format!(
                            "secret:{ns}/{}",
                            name.and_then(Node::scalar).unwrap_or_default()
                        ),
                        key: None,
                        span: cx.ms(f, name.map(|n| n.start).unwrap_or(c.start)),
                        managed: None,
                    });
                }
                attached.extend(mine.iter().copied());
                listens.push(listen(
                    true,
                    format!(
                        "Gateway {} listener {} ({proto}, TLS terminated)",
                        gw.id(),
                        l.get("name").and_then(Node::scalar).unwrap_or_default()
                    ),
                ));
            }
            _ => {}
        }
    }
    // Passthrough listeners: one endpoint each, TLS reaches the backends.
    for (l, mine) in passthrough {
        let at = l.get("protocol").map(|n| n.start).unwrap_or(l.start);
        let name = l.get("name").and_then(Node::scalar).unwrap_or_default();
        let s = cx.ms(f, at);
        let hops = mine
            .iter()
            .flat_map(|r| backend_hops(cx, r, policies, true))
            .collect();
        let mut ep = endpoint(
            format!("kubernetes:gateway:{}:{name}", gw.id()),
            s.clone(),
            vec![Listen {
                tls_source: Some(s.clone()),
                note: Some(format!(
                    "Gateway {} listener {name}: tls.mode Passthrough",
                    gw.id()
                )),
                ..Listen::new(
                    "*",
                    l.get("port")
                        .and_then(Node::scalar)
                        .and_then(|p| p.parse().ok()),
                    Scope::Public,
                    true,
                    s.clone(),
                    Origin::Explicit,
                )
            }],
            no_tls(&s, "TLS passes through the Gateway"),
            Fact::derived(false, s.clone(), "no plaintext listener"),
            Fact::derived(false, s, "no plaintext listener"),
            hops,
        );
        ep.transport = Transport::TlsPassthrough;
        out.endpoints.push(ep.finish());
    }
    if listens.is_empty() {
        return;
    }
    let (redirect, blocked) = if http_listeners == 0 {
        (
            Fact::derived(false, span.clone(), "no plaintext listener"),
            Fact::derived(false, span.clone(), "no plaintext listener"),
        )
    } else if let Some(nr) = non_redirecting {
        (
            Fact::explicit(false, cx.ms(nr.0, nr.1)).with_note("a route attached to a plaintext HTTP listener forwards requests instead of redirecting to https"),
            Fact::derived(false, span.clone(), "the HTTP listener routes requests"),
        )
    } else if let Some(ra) = redirect_at {
        (
            Fact::derived(true, cx.ms(ra.0, ra.1), "every rule of every route on the HTTP listeners answers with a RequestRedirect to scheme https"),
            Fact::derived(false, span.clone(), "redirected"),
        )
    } else {
        let _ = routeless_http;
        (
            Fact::derived(false, span.clone(), "no route attaches to the HTTP listener"),
            Fact::derived(true, span.clone(), "no route attaches to the HTTP listeners: every plaintext request is answered 404, nothing is served"),
        )
    };
    // Where routes fail the redirect, the plaintext listeners cite the route rule.
    if let Some(nr) = non_redirecting {
        for l in listens.iter_mut().filter(|l| !l.tls) {
            l.note = Some(format!(
                "{}; a route rule at {} forwards plaintext requests",
                l.note.clone().unwrap_or_default(),
                cx.where_(nr.0, nr.1)
            ));
        }
    }
    let a = cx.ms(f, tls_anchor.unwrap_or(gw.start()));
    let mut tls = no_tls(&a, &decide);
    if tls_anchor.is_some() {
        tls.protocols = Fact::derived(
            ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
            a.clone(),
            format!("worst case: {decide}"),
        );
        tls.ciphers = Fact::derived(
            CipherList::undecided(
                "(implementation-specific)",
                "(decided by the Gateway implementation)",
            ),
            a.clone(),
            decide.clone(),
        );
        tls.certificates = certificates;
        tls.client_auth = client_auth(cx, gw, &a);
    }
    let hops: Vec<Hop> = attached
        .iter()
        .flat_map(|r| backend_hops(cx, r, policies, false))
        .collect();
    let ep = endpoint(
        format!("kubernetes:gateway:{}", gw.id()),
        span,
        listens,
        tls,
        redirect,
        blocked,
        hops,
    );
    out.endpoints.push(ep.finish());
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
