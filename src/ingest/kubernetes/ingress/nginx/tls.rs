//! The TLS an Ingress served by ingress-nginx gets: protocols, ciphers, certificates, client
//! certificates, HSTS and session tickets, each from its annotation, a snippet annotation, the
//! controller ConfigMap or the controller's default by version.

use super::controller::DEFAULT_CIPHERS;
use super::Site;
use crate::ciphers;
use crate::ingest::kubernetes::ingress::words;
use crate::model::version::versioned;
use crate::model::{Certificate, CipherList, Fact, Hsts, ModelSpan, SuiteFacts, Tls};
use crate::yaml::Node;

fn suites(list: &[&'static crate::ciphers::Suite]) -> Vec<SuiteFacts> {
    list.iter().map(|s| SuiteFacts::from(*s)).collect()
}

impl Site<'_> {
    /// The TLS facts of the Ingress (HSTS only when `spec.tls` lists something).
    pub(super) fn tls(&self) -> Tls {
        let ciphers = self.ciphers();
        Tls {
            enabled: false,
            protocols: self.protocols(),
            tls13_suites: Fact::default(
                suites(&ciphers::tls13_default()),
                ciphers.span.clone(),
                "OpenSSL default TLS 1.3 cipher suites (ssl-ciphers does not apply to TLS 1.3)",
            ),
            ciphers,
            certificates: self.certificates(),
            client_auth: self.client_auth(),
            hsts: if self.tls_node.is_some() {
                self.hsts()
            } else {
                Fact::derived(None, self.span.clone(), "HSTS is sent only on TLS servers")
            },
            session_tickets: Some(self.session_tickets()),
            reject_handshake: None,
        }
    }

    /// `ssl_protocols` in a snippet (weakening snippet settings are judged as written, whether
    /// or not snippets are allowed), else the ConfigMap, else the default by version.
    fn protocols(&self) -> Fact<Vec<String>> {
        let label = &self.label;
        match (
            self.snippet_dir("ssl_protocols"),
            self.ctl_where("ssl-protocols"),
        ) {
            (Some(d), _) => Fact::explicit(d.args.clone(), self.ms(d.start)).with_note(format!(
                "ssl_protocols in a snippet annotation; {}",
                self.allow_why
            )),
            (None, Some((n, fi))) => Fact::explicit(
                words(&n.scalar().unwrap_or_default()),
                self.cx.ms(fi, n.start),
            )
            .with_note("controller ConfigMap ssl-protocols"),
            (None, None) => {
                let (v, note) = match self.ctl.at_least(&[0, 33, 0]) {
                    Some(false) => (vec!["TLSv1.2".to_string()], format!("{label} default ssl-protocols TLSv1.2 (before 0.33.0)")),
                    Some(true) => (words("TLSv1.2 TLSv1.3"), format!("{label} default ssl-protocols TLSv1.2 TLSv1.3")),
                    None => (words("TLSv1.2 TLSv1.3"), format!("{label} default ssl-protocols TLSv1.2 TLSv1.3 (TLSv1.2 only before 0.33.0: either passes)")),
                };
                Fact::default(v, self.ms(self.tls_at()), note)
            }
        }
    }

    /// The `ssl-ciphers` annotation, else `ssl_ciphers` in a snippet, else the ConfigMap, else
    /// the default by version.
    fn ciphers(&self) -> Fact<CipherList> {
        match (
            self.ann("ssl-ciphers"),
            self.snippet_dir("ssl_ciphers"),
            self.ctl_where("ssl-ciphers"),
        ) {
            (Some(n), _, _) => Fact::explicit(
                CipherList::openssl(&n.scalar().unwrap_or_default()),
                self.ms(n.start),
            )
            .with_note("ssl-ciphers annotation, expanded with OpenSSL 3 semantics"),
            (None, Some(d), _) => {
                Fact::explicit(CipherList::openssl(&d.args.join(" ")), self.ms(d.start)).with_note(
                    format!("ssl_ciphers in a snippet annotation; {}", self.allow_why),
                )
            }
            (None, None, Some((n, fi))) => Fact::explicit(
                CipherList::openssl(&n.scalar().unwrap_or_default()),
                self.cx.ms(fi, n.start),
            )
            .with_note("controller ConfigMap ssl-ciphers, expanded with OpenSSL 3 semantics"),
            (None, None, None) => {
                let a = self.ms(self.tls_at());
                versioned(&self.ctl.version, &DEFAULT_CIPHERS, a).map(CipherList::openssl)
            }
        }
    }

    /// `spec.tls[].secretName`, else the controller's default certificate.
    fn certificates(&self) -> Vec<Certificate> {
        // cert-manager's ingress-shim issues the named Secret at run time.
        let cert_manager = ["cert-manager.io/cluster-issuer", "cert-manager.io/issuer"]
            .iter()
            .any(|a| self.ing.annotation(a).is_some());
        let certificate = |path: String, span: ModelSpan, managed: Option<&str>| Certificate {
            relative_to: None,
            path,
            key: None,
            span,
            managed: managed.map(str::to_string),
            note: None,
        };
        let mut certificates = Vec::new();
        for t in self.tls_node.map(Node::items).unwrap_or(&[]) {
            let c = match (t.get("secretName"), &self.ctl.default_cert) {
                (Some(s), _) => certificate(
                    format!("secret:{}/{}", self.ing.ns, s.scalar().unwrap_or_default()),
                    self.ms(s.start),
                    cert_manager.then_some("cert-manager"),
                ),
                (None, Some((c, fi, st))) => {
                    certificate(format!("secret:{c}"), self.cx.ms(*fi, *st), None)
                }
                // With the controller's args in the scan and no --default-ssl-certificate, the
                // self-signed fake certificate is what clients get; without them it is unknown.
                (None, None) if self.ctl.deployment_seen => certificate(
                    "ingress-nginx \"Kubernetes Ingress Controller Fake Certificate\" (no secretName here, no --default-ssl-certificate on the controller)".into(),
                    self.ms(t.start),
                    Some("ingress-nginx-fake-cert"),
                ),
                (None, None) => certificate(
                    "the ingress-nginx controller's default certificate (no secretName here; the controller Deployment is not in the scan: its --default-ssl-certificate decides, else the self-signed fake certificate)".into(),
                    self.ms(t.start),
                    Some("ingress-nginx-default-cert"),
                ),
            };
            certificates.push(c);
        }
        certificates
    }

    /// Client certificates: the `auth-tls-*` annotations.
    fn client_auth(&self) -> Fact<String> {
        match (
            self.ann("auth-tls-secret"),
            self.ann("auth-tls-verify-client"),
        ) {
            (Some(s), v) => {
                let mode = v.and_then(Node::scalar).unwrap_or_else(|| "on".into());
                let m = match mode.as_str() {
                    "on" => "required",
                    "optional" => "optional",
                    "optional_no_ca" => "optional_no_ca",
                    _ => "off",
                };
                Fact::explicit(m.to_string(), self.ms(v.unwrap_or(s).start))
                    .with_note("auth-tls-secret / auth-tls-verify-client annotations")
            }
            _ => Fact::default(
                "off".into(),
                self.span.clone(),
                "ingress-nginx: no client certificate unless auth-tls-secret is set",
            ),
        }
    }

    /// HSTS: the ConfigMap's `hsts*` keys, sent on TLS servers only.
    fn hsts(&self) -> Fact<Option<Hsts>> {
        let on = self.ctl_where("hsts");
        if on.as_ref().and_then(|(n, _)| n.as_bool()) == Some(false) {
            let (n, fi) = on.unwrap_or((Node::new(crate::yaml::Value::Null, 0), self.ing.file));
            return Fact::explicit(None, self.cx.ms(fi, n.start))
                .with_note("controller ConfigMap hsts false");
        }
        let max_age = self
            .ctl_where("hsts-max-age")
            .and_then(|(n, _)| n.scalar())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(31_536_000u64);
        let sub = self
            .ctl_where("hsts-include-subdomains")
            .and_then(|(n, _)| n.as_bool())
            .unwrap_or(true);
        let preload = self
            .ctl_where("hsts-preload")
            .and_then(|(n, _)| n.as_bool())
            .unwrap_or(false);
        let raw = format!(
            "max-age={max_age}{}{}",
            if sub { "; includeSubDomains" } else { "" },
            if preload { "; preload" } else { "" }
        );
        let h = Hsts {
            max_age: Some(max_age),
            include_subdomains: sub,
            preload,
            always: true,
            raw,
        };
        match self.ctl_where("hsts-max-age").or(on) {
            Some((n, fi)) => Fact::explicit(Some(h), self.cx.ms(fi, n.start))
                .with_note("controller ConfigMap hsts settings"),
            None => Fact::default(
                Some(h),
                self.ms(self.tls_at()),
                format!(
                    "{} default: hsts true, hsts-max-age 31536000, hsts-include-subdomains true",
                    self.label
                ),
            ),
        }
    }

    fn session_tickets(&self) -> Fact<bool> {
        match self.ctl_where("ssl-session-tickets") {
            Some((n, fi)) => Fact::explicit(n.as_bool().unwrap_or(false), self.cx.ms(fi, n.start)),
            None => Fact::default(
                false,
                self.span.clone(),
                format!("{} default ssl-session-tickets false", self.label),
            ),
        }
    }
}
