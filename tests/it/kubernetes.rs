//! End-to-end judgement of Kubernetes manifests (ingress-nginx Ingresses and ConfigMap, the
//! Gateway API, Traefik CRDs, Services and workloads), each case checked for its status and
//! the file:line it cites.

#![allow(clippy::unwrap_used)]

use crate::common::*;
use tlsproof::results::Status;

#[test]
fn ingress_without_tls_is_plaintext_on_80() {
    let dir = fixture("kubernetes/ingress_without_tls_is_plaintext_on_80");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "ingress:mcp/mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "ingress.yaml:11");
    let r = result(&scan.report, "NET03-TLS", "ingress:mcp/mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "ingress.yaml:11");
    // The hop from the controller to the Service is plaintext.
    let r = result(&scan.report, "NET03-E2E", "ingress:mcp/mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "ingress.yaml:18");
}

#[test]
fn ingress_with_tls_passes_on_controller_defaults() {
    let dir = fixture("kubernetes/ingress_with_tls_passes_on_controller_defaults");
    let scan = scan_path(dir.path());
    for req in ["NET03-TLS", "NET03-CIPHER", "NET03-HTTP"] {
        let r = result(&scan.report, req, "ingress:mcp/mcp");
        assert_status(r, Status::Pass);
        assert_eq!(at(r), "ingress.yaml:10", "{req}");
    }
    let r = result(&scan.report, "NET03-TLS", "ingress:mcp/mcp");
    assert!(
        r.message.contains("ingress-nginx 1.11.2 default"),
        "{}",
        r.message
    );
    let r = result(&scan.report, "NET03-CIPHER", "ingress:mcp/mcp");
    assert!(
        r.message.contains("ingress-nginx 1.11.2 default"),
        "{}",
        r.message
    );
}

#[test]
fn unknown_controller_version_takes_the_worst_cipher_default() {
    let dir = fixture("kubernetes/unknown_controller_version_takes_the_worst_cipher_default");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-CIPHER", "ingress:mcp/mcp");
    assert_status(r, Status::Fail);
    assert!(r.message.contains("ingress_nginx_version"), "{}", r.message);
}

#[test]
fn controller_image_tag_declares_the_version() {
    let dir = fixture("kubernetes/controller_image_tag_declares_the_version");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-CIPHER", "ingress:mcp/mcp");
    assert_status(r, Status::Pass);
    assert!(
        r.message
            .contains("1.10.1 (image tag at controller.yaml:15)"),
        "{}",
        r.message
    );
}

#[test]
fn tls_without_secret_name_gets_the_fake_certificate_only_when_the_controller_is_known() {
    // The controller's args are in the scan and set no --default-ssl-certificate: the fake
    // certificate is served.
    let dir = fixture("kubernetes/tls_without_secret_name_gets_the_fake_certificate_only_when_the_controller_is_known");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-CERT", "ingress:mcp/mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "ingress.yaml:11");
    assert!(r.message.contains("Fake Certificate"), "{}", r.message);
    // Without the controller in the scan, its flag decides: MANUAL, naming it.
    let dir = fixture("kubernetes/tls_without_secret_name_gets_the_fake_certificate_only_when_the_controller_is_known_2");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-CERT", "ingress:mcp/mcp");
    assert_status(r, Status::Manual);
    let why = r.justification.as_deref().unwrap_or("");
    assert!(why.contains("--default-ssl-certificate"), "{why}");
}

#[test]
fn configmap_protocols_fail_every_nginx_ingress_and_annotation_disables_redirect() {
    let dir = fixture(
        "kubernetes/configmap_protocols_fail_every_nginx_ingress_and_annotation_disables_redirect",
    );
    let scan = scan_path(dir.path());
    let r1: Vec<_> = scan
        .report
        .results
        .iter()
        .filter(|r| r.requirement == "NET03-TLS" && r.endpoint.contains("ingress:mcp/"))
        .collect();
    assert_eq!(r1.len(), 2, "{}", compact(&scan.report));
    for r in r1 {
        assert_status(r, Status::Fail);
        assert_eq!(at(r), "controller/configmap.yaml:7");
    }
    let r = result(&scan.report, "NET03-HTTP", "ingress:mcp/mcp2");
    assert_status(r, Status::Fail);
    // The second document starts at line 28 (26 lines + `---`); its annotation is line 32.
    assert_eq!(at(r), "ingress.yaml:32");
}

#[test]
fn gateway_http_listener_redirecting_passes_routing_fails() {
    let dir = fixture("kubernetes/gateway_http_listener_redirecting_passes_routing_fails");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "gateway:mcp/gw");
    assert_status(r, Status::Pass);
    assert_eq!(at(r), "routes.yaml:14");

    let dir = fixture("kubernetes/gateway_http_listener_redirecting_passes_routing_fails_2");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "gateway:mcp/gw");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "gw.yaml:10");
}

#[test]
fn traefik_tls_option_min_version_fails_at_its_line() {
    let dir = fixture("kubernetes/traefik_tls_option_min_version_fails_at_its_line");
    let scan = scan_with(dir.path(), |o| o.traefik_version = Some("3.1".into()));
    let r = result(&scan.report, "NET03-TLS", "mcp-mcp-0");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "traefik.yaml:7");
}

#[test]
fn container_env_disabling_verification_is_a_red_flag() {
    let dir = fixture("kubernetes/container_env_disabling_verification_is_a_red_flag");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-VERIFY", "app.yaml:19");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "app.yaml:19");
}

#[test]
fn load_balancer_service_exposing_plaintext_container_fails() {
    let dir = fixture("kubernetes/load_balancer_service_exposing_plaintext_container_fails");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "service:mcp/mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "app.yaml:27");
    // Bound to loopback, the container is not reachable through the Service.
    let dir = fixture("kubernetes/load_balancer_service_exposing_plaintext_container_fails_2");
    let scan = scan_path(dir.path());
    assert!(!scan
        .report
        .results
        .iter()
        .any(|r| r.endpoint.contains("service:mcp/mcp")));
}

#[test]
fn host_port_exposes_a_plaintext_container() {
    let dir = fixture("kubernetes/host_port_exposes_a_plaintext_container");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "hostport:mcp/mcp");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "app.yaml:20");
}

#[test]
fn kind_list_items_are_read() {
    let dir = fixture("kubernetes/kind_list_items_are_read");
    let scan = scan_path(dir.path());
    let r = result(&scan.report, "NET03-HTTP", "ingress:mcp/listed");
    assert_status(r, Status::Fail);
    assert_eq!(at(r), "list.yaml:13");
    // backend-protocol HTTPS without proxy-ssl-verify: the hop is not verified.
    let r = result(&scan.report, "NET03-VERIFY", "ingress:mcp/listed");
    assert_status(r, Status::Fail);
}

#[test]
fn hostile_yaml_is_a_finding_and_other_files_are_judged() {
    let mut bomb = String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  a0: &a0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for i in 1..10 {
        let p = i - 1;
        bomb.push_str(&format!(
            "  a{i}: &a{i} [*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p},*a{p}]\n"
        ));
    }
    let dir = fixture("kubernetes/hostile_yaml_is_a_finding_and_other_files_are_judged");
    let start = std::time::Instant::now();
    let scan = scan_path(dir.path());
    assert!(start.elapsed().as_secs() < 20);
    for f in ["bomb.yaml", "deep.yaml"] {
        assert!(
            scan.report
                .findings
                .iter()
                .any(|x| x.locations.first().is_some_and(|l| l.file == f)),
            "no finding for {f}:\n{}",
            compact(&scan.report)
        );
    }
    let r = result(&scan.report, "NET03-HTTP", "ingress:mcp/mcp");
    assert_status(r, Status::Fail);
}

#[test]
fn shared_corpora_scan_without_crash() {
    {
        let p = corpus("gateway-api-examples");
        let scan = scan_path(&p);
        assert!(!scan.model.endpoints.is_empty());
    }
    {
        let p = corpus("traefik-reference");
        for f in [
            "dynamic-configuration_kubernetes-crd-resource.yml",
            "dynamic-configuration_kubernetes-gateway-resource.yml",
            "dynamic-configuration_kubernetes-gateway-simple-https.yml",
        ] {
            let path = p.join(f);
            if path.is_file() {
                let _ = scan_path(&path);
            }
        }
    }
}

#[test]
fn traefik_detection_leaves_manifests_alone() {
    assert!(!tlsproof::ingest::traefik::looks_like_traefik(
        "apiVersion: traefik.io/v1alpha1\nkind: Middleware\nspec:\n  redirectScheme:\n    scheme: https\n",
        true
    ));
    assert!(tlsproof::ingest::kubernetes::looks_like_kubernetes(
        "---\napiVersion: v1\nkind: Service\n"
    ));
    assert!(!tlsproof::ingest::kubernetes::looks_like_kubernetes(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {{ .Release.Name }}\n{{- if .Values.x }}\n"
    ));
}

#[test]
fn an_ingress_of_an_unknown_controller_is_manual_at_its_class() {
    let dir = fixture("kubernetes/an_ingress_of_an_unknown_controller_is_manual_at_its_class");
    let scan = scan_path(dir.path());
    for req in ["NET03-TLS", "NET03-CIPHER", "NET03-HTTP", "NET03-CERT"] {
        let r = result(&scan.report, req, "ingress:mcp/mcp");
        assert_status(r, Status::Manual);
        assert_eq!(at(r), "ingress.yaml:9", "{req}");
        let why = r.justification.as_deref().unwrap_or("");
        assert!(why.contains("controller"), "{why}");
    }
}
