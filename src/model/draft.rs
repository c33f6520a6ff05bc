//! Builders: the one way each model value with derived facts is made.
//!
//! An ingester fills an [`EndpointDraft`] with what the configuration says (listeners, TLS
//! settings, redirect and refusal facts, hops); [`EndpointDraft::finish`] derives the rest —
//! `tls.enabled`, the widest `scope`, the plaintext listeners, the transport and whether the
//! endpoint serves content — the same way for every product. It is the only way to make an
//! [`Endpoint`].

use super::{
    CipherList, Component, Endpoint, Fact, Finished, Heuristic, Hop, HopTarget, Listen, ModelSpan,
    Origin, Plaintext, Scope, Tls, Transport,
};

/// An endpoint as an ingester reads it, before the derived facts.
#[derive(Debug, Clone)]
pub struct EndpointDraft {
    pub id: String,
    pub component: Component,
    pub context: Option<String>,
    pub span: ModelSpan,
    pub server_names: Vec<String>,
    /// Every listener, TLS and plaintext alike.
    pub listens: Vec<Listen>,
    /// `Http`, or what the configuration decides outright (`TlsPassthrough`, `Stdio`);
    /// [`EndpointDraft::finish`] turns `Http` into `Https` or `Mixed` from the listeners.
    pub transport: Transport,
    pub tls: Tls,
    /// Whether every plaintext request is redirected to https.
    pub redirects_to_https: Fact<bool>,
    /// Whether every plaintext request is refused.
    pub blocked: Fact<bool>,
    pub hops: Vec<Hop>,
    pub mcp_path: Option<String>,
    pub heuristic: Option<Heuristic>,
}

impl EndpointDraft {
    /// A draft with no listener, no hop, plain HTTP transport, and the redirect and refusal
    /// facts given.
    pub fn new(
        id: String,
        component: Component,
        span: ModelSpan,
        tls: Tls,
        redirects_to_https: Fact<bool>,
        blocked: Fact<bool>,
    ) -> Self {
        EndpointDraft {
            id,
            component,
            context: None,
            span,
            server_names: Vec::new(),
            listens: Vec::new(),
            transport: Transport::Http,
            tls,
            redirects_to_https,
            blocked,
            hops: Vec::new(),
            mcp_path: None,
            heuristic: None,
        }
    }

    /// The endpoint, with `tls.enabled`, `scope`, `plaintext.listens`, `transport` and
    /// `serves_content` derived from the listeners and the redirect and refusal facts.
    pub fn finish(self) -> Endpoint {
        let mut tls = self.tls;
        tls.enabled = self.listens.iter().any(|l| l.tls);
        let scope = self
            .listens
            .iter()
            .map(|l| l.scope)
            .max()
            .unwrap_or(Scope::Unknown);
        // A passthrough proxy never sees plaintext of its own: the client's TLS goes on
        // unterminated; stdio has no network at all.
        let decided = matches!(self.transport, Transport::TlsPassthrough | Transport::Stdio);
        let plaintext_listens: Vec<Listen> = if decided {
            Vec::new()
        } else {
            self.listens.iter().filter(|l| !l.tls).cloned().collect()
        };
        let transport = if decided {
            self.transport
        } else {
            match (tls.enabled, plaintext_listens.is_empty()) {
                (true, true) => Transport::Https,
                (true, false) => Transport::Mixed,
                _ => Transport::Http,
            }
        };
        let refuses = self.redirects_to_https.value || self.blocked.value;
        let serves_content = if self.transport == Transport::Stdio {
            Fact::derived(true, self.span.clone(), "an MCP server answers requests")
        } else if decided {
            Fact::derived(
                true,
                self.span.clone(),
                "TLS passes through unterminated: the server behind answers the requests",
            )
        } else if !tls.enabled && refuses {
            let why = if self.redirects_to_https.value {
                &self.redirects_to_https
            } else {
                &self.blocked
            };
            Fact::derived(
                false,
                why.span.clone(),
                "every plaintext request is redirected to https or refused",
            )
        } else {
            Fact::derived(
                true,
                self.span.clone(),
                "the endpoint answers requests with content (no catch-all redirect or refusal)",
            )
        };
        Endpoint {
            id: self.id,
            component: self.component,
            context: self.context,
            span: self.span,
            server_names: self.server_names,
            listens: self.listens,
            scope,
            transport,
            serves_content,
            tls,
            plaintext: Plaintext {
                listens: plaintext_listens,
                redirects_to_https: self.redirects_to_https,
                blocked: self.blocked,
            },
            hops: self.hops,
            mcp_path: self.mcp_path,
            heuristic: self.heuristic,
            finished: Finished(()),
        }
    }
}

impl Listen {
    /// A listener as configured: no QUIC, not a default server, no note, no separate TLS
    /// source (chain the setters for those).
    pub fn new(
        address: impl Into<String>,
        port: Option<u16>,
        scope: Scope,
        tls: bool,
        span: ModelSpan,
        origin: Origin,
    ) -> Listen {
        Listen {
            address: address.into(),
            port,
            scope,
            tls,
            tls_source: None,
            quic: false,
            default_server: false,
            span,
            origin,
            note: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Listen {
        self.note = Some(note.into());
        self
    }
}

impl Tls {
    /// The TLS facts of an endpoint that terminates no TLS: every setting empty, each derived
    /// at `span` with the note `why(setting)`.
    pub fn none(span: &ModelSpan, why: impl Fn(&str) -> String) -> Tls {
        Tls {
            enabled: false,
            protocols: Fact::derived(Vec::new(), span.clone(), why("protocols")),
            ciphers: Fact::derived(CipherList::none(), span.clone(), why("ciphers")),
            tls13_suites: Fact::derived(Vec::new(), span.clone(), why("TLS 1.3 suites")),
            certificates: Vec::new(),
            client_auth: Fact::derived("off".into(), span.clone(), why("client certificates")),
            hsts: Fact::derived(None, span.clone(), why("HSTS")),
            session_tickets: None,
            reject_handshake: None,
        }
    }
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
