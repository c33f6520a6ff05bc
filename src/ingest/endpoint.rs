//! What every ingester does last to an endpoint: derive the facts that follow from its listeners.
//!
//! An ingester fills `listens` (TLS and plaintext alike) and the redirect/refusal facts;
//! [`finish`] then sets `tls.enabled`, the widest `scope`, the plaintext listeners, the
//! transport and whether the endpoint serves content, the same way for every product.

use crate::model::{Endpoint, Fact, HopTarget, Scope, Transport};

/// Derives `tls.enabled`, `scope`, `plaintext.listens`, `transport` and `serves_content`.
pub fn finish(ep: &mut Endpoint) {
    ep.tls.enabled = ep.listens.iter().any(|l| l.tls);
    ep.scope = ep
        .listens
        .iter()
        .map(|l| l.scope)
        .max()
        .unwrap_or(Scope::Unknown);
    // A passthrough proxy never sees plaintext of its own: the client's TLS goes on unterminated.
    if ep.transport == Transport::TlsPassthrough || ep.transport == Transport::Stdio {
        return;
    }
    ep.plaintext.listens = ep.listens.iter().filter(|l| !l.tls).cloned().collect();
    ep.transport = match (ep.tls.enabled, ep.plaintext.listens.is_empty()) {
        (true, true) => Transport::Https,
        (true, false) => Transport::Mixed,
        _ => Transport::Http,
    };
    let refuses = ep.plaintext.redirects_to_https.value || ep.plaintext.blocked.value;
    ep.serves_content = if !ep.tls.enabled && refuses {
        let why = if ep.plaintext.redirects_to_https.value {
            &ep.plaintext.redirects_to_https
        } else {
            &ep.plaintext.blocked
        };
        Fact::derived(
            false,
            why.span.clone(),
            "every plaintext request is redirected to https or refused",
        )
    } else {
        Fact::derived(
            true,
            ep.span.clone(),
            "the endpoint answers requests with content (no catch-all redirect or refusal)",
        )
    };
}

/// The reach of a hop: the widest of its targets, or `Unknown` when the upstream is not
/// determinate (a variable, an unresolved name) or has no target.
pub fn hop_scope(targets: &[HopTarget], determinate: bool) -> Scope {
    if !determinate {
        return Scope::Unknown;
    }
    targets
        .iter()
        .map(|t| t.scope)
        .max()
        .unwrap_or(Scope::Unknown)
}
