//! The ingress-nginx controller an Ingress is served by: its ConfigMap, its version (declared,
//! else the image tag of its Deployment), its `--default-ssl-certificate` flag, its defaults by
//! version and whether snippet annotations take effect.

use crate::diag::{Finding, FindingKind};
use crate::ingest::kubernetes::{workload, Cx, Obj};
use crate::ingest::Ingested;
use crate::model::version::{self, Defaults, ProductVersion, Since};
use crate::source::FileId;
use crate::yaml::Node;

/// ingress-nginx `ssl-ciphers` default since 0.27.0 (ECDHE/DHE AEAD only).
const CIPHERS_0_27: &str = "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";
/// ingress-nginx `ssl-ciphers` default before 0.27.0 (also CBC-SHA2 suites).
const CIPHERS_OLD: &str = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256";

/// The controller's `ssl-ciphers` default by version.
pub(super) const DEFAULT_CIPHERS: Defaults<&str> = Defaults {
    rows: &[
        Since {
            since: &[0, 27, 0],
            value: CIPHERS_0_27,
            note: "default ssl-ciphers (ECDHE/DHE with AES-GCM or CHACHA20, since 0.27.0)",
        },
        Since {
            since: &[],
            value: CIPHERS_OLD,
            note: "default ssl-ciphers before 0.27.0 (includes CBC-SHA2 suites)",
        },
    ],
    unknown: Since {
        since: &[],
        value: CIPHERS_OLD,
        note: "ingress-nginx version unknown: worst case, the ssl-ciphers default before 0.27.0 (CBC-SHA2 suites; 0.27.0 and later offer only AEAD suites); declare it in tlsproof.toml ([kubernetes] ingress_nginx_version = \"1.11.2\") or scan the controller Deployment",
    },
};

/// The product name in notes.
const PRODUCT: &str = "ingress-nginx";

/// The ingress-nginx controller: its ConfigMap, version and flags.
pub(crate) struct NginxController<'a> {
    pub(super) cm: Option<&'a Obj<'a>>,
    pub(super) version: ProductVersion,
    /// `--default-ssl-certificate` and where it is written.
    pub(super) default_cert: Option<(String, FileId, usize)>,
    /// Whether the controller's own Deployment (its container args) is in the scan, so that the
    /// absence of `--default-ssl-certificate` is a fact rather than an unknown.
    pub(super) deployment_seen: bool,
}

impl<'a> NginxController<'a> {
    pub(super) fn key(&self, k: &str) -> Option<(&'a Node, FileId)> {
        let cm = self.cm?;
        cm.node.get("data")?.get(k).map(|n| (n, cm.file))
    }

    pub(super) fn label(&self) -> String {
        self.version.label()
    }

    pub(super) fn at_least(&self, min: &[u32]) -> Option<bool> {
        self.version.at_least(min)
    }
}

/// The ingress-nginx controller of the scan: its ConfigMap, its version and the flags of its
/// Deployment.
pub(crate) fn find_controller<'a>(cx: &'a Cx<'a>, out: &mut Ingested) -> NginxController<'a> {
    let cm = configmap(cx, out);
    let mut version = declared_version(cx, out);
    let (default_cert, deployment_seen) = controller_deployment(cx, &mut version);
    NginxController {
        cm,
        version,
        default_cert,
        deployment_seen,
    }
}

/// The controller ConfigMap: the one tlsproof.toml names, else the first with a controller's
/// usual name; a notice when several match or the named one is missing.
fn configmap<'a>(cx: &'a Cx<'a>, out: &mut Ingested) -> Option<&'a Obj<'a>> {
    let wanted = cx.declared.kubernetes.controller_configmap.clone();
    let cms: Vec<&Obj> = cx
        .of_kind("ConfigMap")
        .filter(|c| match &wanted {
            Some(w) => c.id() == *w || c.name == *w,
            None => {
                c.name.ends_with("ingress-nginx-controller")
                    || c.name == "nginx-configuration"
                    || c.name.ends_with("nginx-ingress-controller")
            }
        })
        .collect();
    if cms.len() > 1 {
        let first = cms[0];
        out.findings.push(Finding::new(
            FindingKind::Notice,
            format!(
                "{} ingress-nginx controller ConfigMaps found; {} is used for every ingress-nginx Ingress: name the right one in tlsproof.toml ([kubernetes] controller_configmap = \"namespace/name\")",
                cms.len(),
                first.id()
            ),
            Some(cx.span(first.file, first.start())),
        ));
    }
    if let (Some(w), true) = (&wanted, cms.is_empty()) {
        out.findings.push(Finding::new(
            FindingKind::Notice,
            format!("tlsproof.toml names the ingress-nginx ConfigMap {w}, which is not in the scan: the controller defaults are used"),
            None,
        ));
    }
    cms.first().copied()
}

/// The version tlsproof.toml declares, else unknown; a notice when it is not a version number.
fn declared_version(cx: &Cx, out: &mut Ingested) -> ProductVersion {
    let mut version = ProductVersion::unknown(PRODUCT);
    if let Some(v) = &cx.declared.kubernetes.ingress_nginx_version {
        version = ProductVersion::new(PRODUCT, version::parts(v), v.trim().trim_start_matches('v'));
        if version.parts().is_none() {
            out.findings.push(Finding::new(
                FindingKind::Notice,
                format!("the declared ingress-nginx version {v:?} is not a version number; defaults are taken as for an unknown version"),
                None,
            ));
        }
    }
    version
}

/// The controller's own containers, when their Deployment is in the scan: the version from the
/// image tag (when none is declared) and the `--default-ssl-certificate` flag with where it is
/// written. Also whether such a container was seen at all.
fn controller_deployment(
    cx: &Cx,
    version: &mut ProductVersion,
) -> (Option<(String, FileId, usize)>, bool) {
    let mut default_cert = None;
    let mut deployment_seen = false;
    for pod in workload::pods(cx) {
        for c in workload::containers(pod.spec) {
            let (repo, tag) = crate::ingest::kubernetes::image_parts(&c.image);
            if !(repo.ends_with("ingress-nginx/controller")
                || repo.ends_with("nginx-ingress-controller")
                || repo.ends_with("ingress-nginx/controller-chroot"))
            {
                continue;
            }
            deployment_seen = true;
            if version.parts().is_none() {
                if let Some(parts) = version::parts(&tag) {
                    let image_at = c.node.get("image").map(|n| n.start).unwrap_or(c.node.start);
                    let text = format!(
                        "{} (image tag at {})",
                        tag.trim_start_matches('v'),
                        cx.where_(pod.obj.file, image_at)
                    );
                    *version = ProductVersion::new(PRODUCT, Some(parts), text);
                }
            }
            for item in c.node.get("args").map(Node::items).unwrap_or(&[]) {
                if let Some(s) = item.scalar() {
                    if let Some(v) = s.strip_prefix("--default-ssl-certificate=") {
                        default_cert = Some((v.trim().to_string(), pod.obj.file, item.start));
                    }
                }
            }
        }
    }
    (default_cert, deployment_seen)
}

/// Whether snippet annotations take effect: `Some(true/false)` when known.
pub(super) fn snippets_allowed(cx: &Cx, ctl: &NginxController) -> (Option<bool>, String) {
    let allow = ctl.key("allow-snippet-annotations");
    let risk = ctl.key("annotations-risk-level");
    let allow_v = allow.and_then(|(n, _)| n.as_bool());
    let allowed_by_flag = match (allow_v, ctl.at_least(&[1, 9, 0])) {
        (Some(v), _) => Some(v),
        (None, Some(newer)) => Some(!newer),
        (None, None) => None,
    };
    let risk_ok = match (
        risk.and_then(|(n, _)| n.scalar()),
        ctl.at_least(&[1, 12, 0]),
    ) {
        (Some(r), _) => Some(r.eq_ignore_ascii_case("critical")),
        (None, Some(newer)) => Some(!newer),
        (None, None) => None,
    };
    let why = format!(
        "snippet annotations need allow-snippet-annotations=true (default false since 1.9.0){} and annotations-risk-level=Critical (default High since 1.12.0){}; {}",
        allow.map(|(n, f)| format!(", set at {}", cx.where_(f, n.start))).unwrap_or_default(),
        risk.map(|(n, f)| format!(", set at {}", cx.where_(f, n.start))).unwrap_or_default(),
        ctl.label()
    );
    let v = match (allowed_by_flag, risk_ok) {
        (Some(false), _) | (_, Some(false)) => Some(false),
        (Some(true), Some(true)) => Some(true),
        _ => None,
    };
    (v, why)
}
