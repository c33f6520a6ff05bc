//! ingress-nginx: the controller (its ConfigMap, version, flags) and what an Ingress it serves
//! gets — listeners, redirect, protocols, ciphers, certificates, client certificates, HSTS and
//! hops — from the Ingress's `spec.tls` and annotations, snippet annotations parsed as nginx,
//! the ConfigMap, and the controller's defaults by version.

mod controller;
mod hops;
mod tls;

pub(super) use controller::{find_controller, NginxController};

use super::{hosts, key_node, mcp_path, rule_anchor, Resolved};
use crate::diag::{Finding, FindingKind};
use crate::ingest::kubernetes::{snippet, Cx, Obj};
use crate::ingest::Ingested;
use crate::model::Component;
use crate::model::{Endpoint, EndpointDraft, Fact, Listen, ModelSpan, Origin, Scope, Transport};
use crate::source::FileId;
use crate::yaml::Node;
use controller::snippets_allowed;

/// The prefix of ingress-nginx annotations.
pub(super) const NGINX: &str = "nginx.ingress.kubernetes.io/";

/// The endpoint of an Ingress served by ingress-nginx.
pub(super) fn endpoint(
    cx: &Cx,
    ctl: &NginxController,
    ing: &Obj,
    r: &Resolved,
    out: &mut Ingested,
) -> Endpoint {
    let mut site = Site::new(cx, ctl, ing);
    site.snip = site.snippets(out);
    let (redirect, plain_at) = site.redirect();
    let listens = site.listeners(r, &redirect, plain_at);
    let tls = site.tls();
    let id = format!("kubernetes:ingress:{}", ing.id());
    let blocked = Fact::default(
        false,
        site.span.clone(),
        "ingress-nginx proxies plaintext requests it does not redirect",
    );
    EndpointDraft {
        context: Some("ingress-nginx".into()),
        server_names: hosts(site.spec),
        listens,
        transport: if site.passthrough.is_some() {
            Transport::TlsPassthrough
        } else {
            Transport::Http
        },
        hops: site.hops(),
        mcp_path: mcp_path(site.spec),
        ..EndpointDraft::new(
            id,
            Component::Kubernetes,
            site.span.clone(),
            tls,
            redirect,
            blocked,
        )
    }
    .finish()
}

/// One Ingress served by ingress-nginx, with what the whole Ingress says.
struct Site<'a> {
    cx: &'a Cx<'a>,
    ctl: &'a NginxController<'a>,
    ing: &'a Obj<'a>,
    spec: Option<&'a Node>,
    /// `spec.tls`, when it lists something.
    tls_node: Option<&'a Node>,
    /// The `tls:` key, when `spec.tls` lists something.
    tls_key: Option<&'a Node>,
    /// Where the Ingress is named.
    span: ModelSpan,
    /// The controller and its version, for notes.
    label: String,
    /// The directives of its snippet annotations.
    snip: Vec<snippet::Directive>,
    /// Whether snippet annotations take effect, and why.
    allowed: Option<bool>,
    allow_why: String,
    /// `ssl-passthrough: "true"`.
    passthrough: Option<&'a Node>,
}

impl<'a> Site<'a> {
    /// The Ingress with what the whole of it says; its snippet directives are read by
    /// [`Site::snippets`].
    fn new(cx: &'a Cx<'a>, ctl: &'a NginxController<'a>, ing: &'a Obj<'a>) -> Site<'a> {
        let spec = ing.spec();
        let tls_node = spec
            .and_then(|s| s.get("tls"))
            .filter(|t| !t.items().is_empty());
        let (allowed, allow_why) = snippets_allowed(cx, ctl);
        Site {
            cx,
            ctl,
            ing,
            spec,
            tls_node,
            tls_key: spec
                .and_then(|s| key_node(s, "tls"))
                .filter(|_| tls_node.is_some()),
            span: cx.ms(ing.file, ing.start()),
            label: ctl.label(),
            snip: Vec::new(),
            allowed,
            allow_why,
            passthrough: ing
                .annotation(&format!("{NGINX}ssl-passthrough"))
                .filter(|n| n.as_bool() == Some(true)),
        }
    }

    fn ann(&self, k: &str) -> Option<&'a Node> {
        self.ing.annotation(&format!("{NGINX}{k}"))
    }

    fn ms(&self, start: usize) -> ModelSpan {
        self.cx.ms(self.ing.file, start)
    }

    /// A key of the controller ConfigMap, with its file.
    fn ctl_where(&self, k: &str) -> Option<(Node, FileId)> {
        self.ctl.key(k).map(|(n, fi)| (n.clone(), fi))
    }

    /// The last snippet directive of that name.
    fn snippet_dir(&self, name: &str) -> Option<&snippet::Directive> {
        self.snip.iter().rev().find(|d| d.name == name)
    }

    /// Where the TLS defaults are located: the `tls:` key, else the Ingress.
    fn tls_at(&self) -> usize {
        self.tls_key.map(|k| k.start).unwrap_or(self.ing.start())
    }

    /// The directives of the snippet annotations, parsed as nginx; a notice when the controller
    /// may ignore them.
    fn snippets(&self, out: &mut Ingested) -> Vec<snippet::Directive> {
        let (cx, ing, f) = (self.cx, self.ing, self.ing.file);
        let mut snip = Vec::new();
        let file_text = cx.map.get(f).map(|s| s.text.as_str()).unwrap_or("");
        for key in ["server-snippet", "configuration-snippet"] {
            let Some(v) = self.ann(key) else { continue };
            match snippet::directives(f, file_text, v) {
                Ok(ds) => snip.extend(ds),
                Err(e) => out.findings.push(Finding::new(
                    FindingKind::ParseError,
                    format!(
                        "the {key} annotation of Ingress {} is not valid nginx: {e}",
                        ing.id()
                    ),
                    Some(cx.span(f, v.start)),
                )),
            }
            if self.allowed != Some(true) {
                out.findings.push(Finding::new(
                    FindingKind::Notice,
                    format!(
                        "the {key} annotation of Ingress {} {}: {}",
                        ing.id(),
                        if self.allowed == Some(false) {
                            "is ignored by the controller (weakening settings in it are still judged as written, strengthening ones are not counted)"
                        } else {
                            "may be ignored by the controller (weakening settings are judged as applied, strengthening ones are not counted)"
                        },
                        self.allow_why
                    ),
                    Some(cx.span(f, v.start)),
                ));
            }
        }
        snip
    }

    /// Whether plaintext requests are redirected to https, and where the plaintext listener
    /// is decided.
    fn redirect(&self) -> (Fact<bool>, usize) {
        let force = self
            .ann("force-ssl-redirect")
            .filter(|n| n.as_bool() == Some(true));
        let cm_force = self
            .ctl_where("force-ssl-redirect")
            .filter(|(n, _)| n.as_bool() == Some(true));
        let snippet_redirect = self.snip.iter().find(|d| {
            (d.name == "return" || d.name == "rewrite")
                && d.args.iter().any(|a| a.starts_with("https://"))
        });
        if let Some(n) = force {
            let fact = Fact::explicit(true, self.ms(n.start))
                .with_note("force-ssl-redirect: every plaintext request gets a 308 to https");
            return (fact, n.start);
        }
        if let (Some(d), Some(true)) = (snippet_redirect, self.allowed) {
            let fact = Fact::explicit(true, self.ms(d.start))
                .with_note("a snippet answers plaintext requests with a redirect to https");
            return (fact, d.start);
        }
        if self.tls_node.is_some() {
            return self.tls_redirect(&cm_force);
        }
        if let Some((n, fi)) = &cm_force {
            let fact = Fact::explicit(true, self.cx.ms(*fi, n.start))
                .with_note("controller ConfigMap force-ssl-redirect");
            return (fact, rule_anchor(self.ing));
        }
        let a = rule_anchor(self.ing);
        let note = match self.ann("ssl-redirect") {
            Some(_) => "ssl-redirect only applies to Ingresses with tls:; this one has none, so it is served in plaintext on :80".to_string(),
            None => format!("{}: only Ingresses with tls: are redirected to https (ssl-redirect); this one has none, so it is served in plaintext on :80 (and on :443 only with the controller's default certificate)", self.label),
        };
        (Fact::default(false, self.ms(a), note), a)
    }

    /// The redirect of an Ingress with `tls:`: its `ssl-redirect` annotation, else the
    /// ConfigMap's `force-ssl-redirect` or `ssl-redirect`, else the default (on).
    fn tls_redirect(&self, cm_force: &Option<(Node, FileId)>) -> (Fact<bool>, usize) {
        let k = self.tls_at();
        match (
            self.ann("ssl-redirect"),
            &self.ctl_where("ssl-redirect"),
            cm_force,
        ) {
            (Some(n), _, _) => {
                let v = n.as_bool().unwrap_or(true);
                let note = format!("ssl-redirect annotation {}", n.scalar().unwrap_or_default());
                (Fact::explicit(v, self.ms(n.start)).with_note(note), n.start)
            }
            (None, _, Some((n, fi))) => (
                Fact::explicit(true, self.cx.ms(*fi, n.start))
                    .with_note("controller ConfigMap force-ssl-redirect"),
                k,
            ),
            (None, Some((n, fi)), None) => {
                let v = n.as_bool().unwrap_or(true);
                let fact = Fact::explicit(v, self.cx.ms(*fi, n.start))
                    .with_note("controller ConfigMap ssl-redirect");
                (fact, k)
            }
            (None, None, None) => {
                let note = format!("{} default ssl-redirect true: an Ingress with tls: answers plaintext requests with a 308 to https", self.label);
                (Fact::default(true, self.ms(k), note), k)
            }
        }
    }

    /// The controller's :80 (where a redirect switched off by an annotation or the ConfigMap
    /// is located there), and its :443 for the hosts of `spec.tls`.
    fn listeners(&self, r: &Resolved, redirect: &Fact<bool>, plain_at: usize) -> Vec<Listen> {
        let has_tls = self.tls_node.is_some();
        let plain_span = if !redirect.value {
            match (self.ann("ssl-redirect"), self.ctl_where("ssl-redirect")) {
                (Some(n), _) if has_tls => self.ms(n.start),
                (None, Some(_)) if has_tls => redirect.span.clone(),
                _ => self.ms(plain_at),
            }
        } else {
            self.ms(plain_at)
        };
        let mut listens = vec![Listen {
            note: Some(format!(
                "the ingress-nginx controller's :80 ({}): {}",
                r.how,
                if redirect.value {
                    "plaintext requests are redirected"
                } else {
                    "plaintext requests are proxied"
                }
            )),
            ..Listen::new(
                "*",
                Some(80),
                Scope::Public,
                false,
                plain_span,
                Origin::Derived,
            )
        }];
        if has_tls || self.passthrough.is_some() {
            let a = self
                .tls_key
                .or(self.passthrough)
                .map(|n| n.start)
                .unwrap_or(self.ing.start());
            listens.push(Listen {
                tls_source: Some(self.ms(a)),
                note: Some("the ingress-nginx controller's :443 for the hosts of spec.tls".into()),
                ..Listen::new(
                    "*",
                    Some(443),
                    Scope::Public,
                    true,
                    self.ms(a),
                    Origin::Explicit,
                )
            });
        }
        listens
    }
}
