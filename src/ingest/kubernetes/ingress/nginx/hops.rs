//! The hops from ingress-nginx to the Services an Ingress sends to: the scheme from
//! `backend-protocol`, verification from `proxy-ssl-verify` (or a snippet), the CA from
//! `proxy-ssl-secret`.

use super::Site;
use crate::ingest::kubernetes::ingress::backends;
use crate::ingest::kubernetes::service_hop;
use crate::model::{Fact, Hop, ModelSpan};
use crate::yaml::Node;

impl Site<'_> {
    /// The hops to the backends: their scheme from `backend-protocol`, verification from
    /// `proxy-ssl-verify` (or a snippet), the CA from `proxy-ssl-secret`.
    pub(super) fn hops(&self) -> Vec<Hop> {
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
