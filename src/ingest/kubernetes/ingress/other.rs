//! Ingresses of a controller tlsproof does not know: TLS exists where `spec.tls` says so, and
//! everything the controller decides is the worst case, with a note naming what decides it.

use super::{backends, hosts, key_node, mcp_path, rule_anchor, words};
use crate::ingest::kubernetes::{no_tls, service_hop, Cx, Obj};
use crate::model::Component;
use crate::model::EndpointDraft;
use crate::model::{
    Certificate, CipherList, Endpoint, Fact, Heuristic, HeuristicKey, Hop, Listen, ModelSpan,
    Origin, Scope, Tls,
};
use crate::yaml::Node;

/// An Ingress whose controller tlsproof does not know: TLS exists where `spec.tls` says so,
/// everything the controller decides is the worst case with a note naming what decides it.
pub(super) fn endpoint(cx: &Cx, ing: &Obj, what: &str) -> Endpoint {
    let spec = ing.spec();
    let span = cx.ms(ing.file, ing.start());
    let tls_key = spec.and_then(|s| key_node(s, "tls")).filter(|_| {
        spec.and_then(|s| s.get("tls"))
            .is_some_and(|t| !t.items().is_empty())
    });
    let decide = format!("the Ingress controller is not known ({what}): the controller's own TLS settings decide this; give the Ingress an IngressClass whose spec.controller is k8s.io/ingress-nginx or traefik.io/ingress-controller, or judge the controller's configuration by hand");
    let mut listens = vec![plaintext_listener(cx, ing, &decide)];
    let mut tls = no_tls(&span, &decide);
    if let Some(k) = tls_key {
        let a = cx.ms(ing.file, k.start);
        listens.push(tls_listener(a.clone()));
        worst_case_tls(cx, ing, a, &decide, &mut tls);
    }
    let id = format!("kubernetes:ingress:{}", ing.id());
    let redirects = Fact::derived(false, span.clone(), format!("worst case: {decide}"));
    let blocked = Fact::derived(false, span.clone(), format!("worst case: {decide}"));
    EndpointDraft {
        context: Some("ingress".into()),
        server_names: hosts(spec),
        listens,
        hops: hops(cx, ing, &decide),
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

/// The controller's :80, located at the Ingress's plaintext routing.
fn plaintext_listener(cx: &Cx, ing: &Obj, decide: &str) -> Listen {
    Listen {
        note: Some(format!(
            "an Ingress is served on :80 by its controller; {decide}"
        )),
        ..Listen::new(
            "*",
            Some(80),
            Scope::Public,
            false,
            cx.ms(ing.file, rule_anchor(ing)),
            Origin::Derived,
        )
    }
}

/// The controller's :443 for the hosts of `spec.tls`, at the `tls:` key.
fn tls_listener(a: ModelSpan) -> Listen {
    Listen {
        tls_source: Some(a.clone()),
        note: Some("spec.tls: the controller terminates TLS for these hosts".into()),
        ..Listen::new("*", Some(443), Scope::Public, true, a, Origin::Explicit)
    }
}

/// The TLS `spec.tls` asks for: every protocol (the worst case), ciphers left to the
/// controller, and the certificates it names (else the controller's default certificate).
fn worst_case_tls(cx: &Cx, ing: &Obj, a: ModelSpan, decide: &str, tls: &mut Tls) {
    tls.protocols =
        Fact::derived(words("TLSv1 TLSv1.1 TLSv1.2 TLSv1.3"), a.clone(), decide).as_worst_case();
    tls.ciphers = Fact::derived(
        CipherList::undecided("the Ingress controller"),
        a,
        decide.to_string(),
    );
    for t in ing
        .spec()
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
            span: cx.ms(ing.file, at),
            managed: None,
            note: None,
        });
    }
}

/// The hops to the backends, whose scheme the controller decides: none is determinate.
fn hops(cx: &Cx, ing: &Obj, decide: &str) -> Vec<Hop> {
    ing.spec()
        .map(backends)
        .unwrap_or_default()
        .iter()
        .map(|b| {
            let s = cx.ms(ing.file, b.at.start);
            let mut h = service_hop(
                cx,
                "Ingress backend",
                &ing.ns,
                &b.service,
                b.port.as_deref(),
                false,
                s.clone(),
                Fact::derived(false, s.clone(), decide.to_string()),
                Fact::derived(None, s, decide.to_string()),
            );
            // The controller decides the scheme: the hop is not determinate.
            h.determinate = false;
            h.scheme = "unknown".into();
            h
        })
        .collect()
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
