//! The probe against real servers on loopback high ports, each test asserting every probe
//! test's verdict: nginx serving a private-CA chain (trusted through its root or not, graded A
//! and A+), nginx serving an expired leaf, nginx plaintext listeners that redirect or serve
//! content, nginx's default-server certificate and `ssl_reject_handshake`, and Caddy with its
//! internal CA (`tls internal`). `scan --probe` runs on the
//! configurations these servers run; a scanned listener keeps the port alone (a loopback
//! listener is out of the probe's scope) while the live copy binds it to 127.0.0.1.

use super::probe::{drift_of, free_port, run, statuses, trust, TIMEOUT};
use super::servers::{nginx_conf, pin_of, Caddy, Leaf, Nginx, Pki, Validity};
use crate::common::{have_tool, result};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tlsproof::probe::checks::{self, Options, TestStatus};

const HOST: &str = "mcp.example.com";
const REDIRECT: &str = "return 301 https://$host$request_uri;";
const CONTENT: &str = "return 200 \"ok\\n\";";
const HSTS: &str = "    add_header Strict-Transport-Security \"max-age=31536000\" always;\n";

use TestStatus::{Fail, Pass};

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// A TLS 1.2–1.3 server block for mcp.example.com with ECDHE AEAD suites only, serving `leaf`
/// with its intermediate; `bind` is `""` or `"127.0.0.1:"`.
fn tls_server(bind: &str, port: u16, leaf: &Leaf, extra: &str) -> String {
    format!(
        "  server {{\n    listen {bind}{port} ssl;\n    server_name {HOST};\n    ssl_certificate {};\n    ssl_certificate_key {};\n    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_ciphers ECDHE+AESGCM:ECDHE+CHACHA20;\n{extra}    location / {{ return 200 \"ok\\n\"; }}\n  }}\n",
        leaf.chain.display(),
        leaf.key.display()
    )
}

/// A plaintext server block for mcp.example.com whose only directive is `action`.
fn plaintext_server(bind: &str, port: u16, action: &str) -> String {
    format!("  server {{\n    listen {bind}{port};\n    server_name {HOST};\n    {action}\n  }}\n")
}

/// Starts nginx on `servers` (bound to 127.0.0.1), waiting for `ports`.
fn live_nginx(dir: &Path, servers: &str, ports: &[u16]) -> Nginx {
    let conf = dir.join("live.conf");
    std::fs::write(&conf, nginx_conf(dir, servers)).unwrap();
    Nginx::start(dir, &conf, ports)
}

/// Writes `text` as `site/<name>` and returns `site`, the tree a scan reads.
fn site(dir: &Path, name: &str, text: &str) -> PathBuf {
    let site = dir.join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join(name), text).unwrap();
    site
}

/// `scan --probe` of `site` with every target of mcp.example.com on `ports` sent to 127.0.0.1
/// (nothing resolves a name), trusting `ca` besides the system store.
fn probed_scan(site: &Path, ports: &[u16], ca: Option<&Path>) -> tlsproof::pipeline::Scan {
    let connect_to = ports
        .iter()
        .map(|p| checks::ConnectTo::parse(&format!("{HOST}:{p}:127.0.0.1:{p}")).unwrap())
        .collect();
    tlsproof::pipeline::run(&tlsproof::pipeline::Options {
        paths: vec![site.to_path_buf()],
        at: Some(time::OffsetDateTime::now_utc()),
        ca_files: ca.map(Path::to_path_buf).into_iter().collect(),
        probe: Some(Options {
            timeout: TIMEOUT,
            connect_to,
        }),
        ..Default::default()
    })
    .unwrap()
}

/// The 1-based line of the first line of `text` containing `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    text.lines()
        .position(|l| l.contains(needle))
        .map(|i| u32::try_from(i + 1).unwrap())
        .unwrap_or_else(|| panic!("{needle:?} not in {text}"))
}

fn detail<'p>(p: &'p checks::Probe, test: &str) -> &'p str {
    &p.tests.iter().find(|t| t.test == test).unwrap().detail
}

/// The verdicts of the `https://` tests, in the probe's order.
fn https_verdicts(
    valid: TestStatus,
    self_signed: TestStatus,
    grade: TestStatus,
) -> Vec<(&'static str, TestStatus)> {
    vec![
        ("https-valid-certificate", valid),
        ("tls1.0-rejected", Pass),
        ("tls1.1-rejected", Pass),
        ("self-signed-rejected", self_signed),
        ("ssl3-rejected", Pass),
        ("strong-ciphers", Pass),
        ("grade-a-or-better", grade),
    ]
}

/// The protocol versions of the suites a probe saw accepted.
fn protocols(p: &checks::Probe) -> BTreeSet<&str> {
    p.accepted_suites
        .iter()
        .map(|s| s.protocol.as_str())
        .collect()
}

/// The suites of a TLS 1.2–1.3 server with ECDHE AEAD suites only and an ECDSA certificate
/// (nginx with `ECDHE+AESGCM:ECDHE+CHACHA20`, Caddy by default): the three TLS 1.3 suites, and
/// three ECDHE-ECDSA suites with AES-GCM or ChaCha20 at TLS 1.2.
fn assert_modern_ecdsa_suites(p: &checks::Probe) {
    assert_eq!(
        protocols(p),
        BTreeSet::from(["TLSv1.2", "TLSv1.3"]),
        "{:?}",
        p.accepted_suites
    );
    let tls13 = p.accepted_suites.iter().filter(|s| s.protocol == "TLSv1.3");
    assert_eq!(tls13.count(), 3, "{:?}", p.accepted_suites);
    let tls12: Vec<&str> = p
        .accepted_suites
        .iter()
        .filter(|s| s.protocol == "TLSv1.2")
        .map(|s| s.suite.name)
        .collect();
    assert_eq!(tls12.len(), 3, "{tls12:?}");
    for s in tls12 {
        assert!(s.starts_with("ECDHE-ECDSA-"), "{s}");
        assert!(s.contains("GCM") || s.contains("CHACHA20"), "{s}");
    }
}

#[test]
fn nginx_with_a_private_ca_chain_passes_once_its_root_is_trusted() {
    if !have_tool("openssl") || !have_tool("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let leaf = pki.leaf("leaf", HOST, Validity::Days(30));
    let (bare, hsts) = (free_port(), free_port());
    let _n = live_nginx(
        dir.path(),
        &format!(
            "{}{}",
            tls_server("127.0.0.1:", bare, &leaf, ""),
            tls_server("127.0.0.1:", hsts, &leaf, HSTS)
        ),
        &[bare, hsts],
    );
    let url = format!("https://{HOST}:{bare}/");
    let root = pki.root();
    let p = run(&url, loopback(bare), &trust(Some(&root)));
    assert_eq!(statuses(&p), https_verdicts(Pass, Pass, Pass), "{p:#?}");
    let valid = detail(&p, "https-valid-certificate");
    assert!(valid.contains("HTTP 200"), "{valid}");
    assert!(
        valid.contains("CN=tlsproof test intermediate CA"),
        "{valid}"
    );
    let trusted = detail(&p, "self-signed-rejected");
    assert!(trusted.contains("trusted (ca-file:"), "{trusted}");
    assert!(
        detail(&p, "tls1.0-rejected").contains("TLSv1 refused"),
        "{p:#?}"
    );
    // nginx sends the leaf and the intermediate, the root stays with the client.
    let c = p.certificate.as_ref().expect("a served certificate");
    assert_eq!(
        c.pins,
        vec![pin_of(&leaf.cert), pin_of(&pki.intermediate())],
        "{c:#?}"
    );
    assert_eq!(c.spki_sha256, c.pins[0]);
    assert_eq!(c.chain.status, "valid");
    assert_eq!((c.key.alg.as_str(), c.key.bits), ("EC", 256));
    assert_modern_ecdsa_suites(&p);
    let g = p.grade.as_ref().expect("graded");
    assert_eq!(g.grade, "A", "{g:#?}");
    assert_eq!(g.caps, ["A (not A+): no Strict-Transport-Security header"]);
    assert_eq!(
        (g.protocol_score, g.key_exchange_score, g.cipher_score),
        (100, 90, 90),
        "{g:#?}"
    );
    // The same server with a year of Strict-Transport-Security.
    let p = run(
        &format!("https://{HOST}:{hsts}/"),
        loopback(hsts),
        &trust(Some(&root)),
    );
    assert_eq!(statuses(&p), https_verdicts(Pass, Pass, Pass), "{p:#?}");
    let g = p.grade.as_ref().expect("graded");
    assert_eq!(g.grade, "A+", "{g:#?}");
    assert!(
        g.caps.contains(
            &"A+: Strict-Transport-Security max-age=31536000 (at least six months)".into()
        ),
        "{g:#?}"
    );
    let answer = p.https_answer.as_ref().expect("an HTTPS answer");
    assert_eq!(
        (answer.status, answer.hsts.as_deref()),
        (Some(200), Some("max-age=31536000"))
    );
    // Without the root, nothing chains to a trust anchor: the issuer is unknown, and the leaf
    // is still not self-signed.
    let p = run(&url, loopback(bare), &trust(None));
    assert_eq!(statuses(&p), https_verdicts(Fail, Pass, Fail), "{p:#?}");
    let valid = detail(&p, "https-valid-certificate");
    assert!(valid.contains("unknown issuer"), "{valid}");
    let not_self = detail(&p, "self-signed-rejected");
    assert!(not_self.contains("not self-signed"), "{not_self}");
    let g = p.grade.as_ref().expect("graded");
    assert_eq!((g.grade.as_str(), g.ignoring_trust.as_str()), ("T", "A"));
    assert!(
        g.caps
            .contains(&"T: certificate not trusted (unknown-issuer)".into()),
        "{g:#?}"
    );
    assert_eq!(p.certificate.as_ref().unwrap().pins.len(), 2);
}

#[test]
fn nginx_serving_an_expired_leaf_fails_https_valid_certificate() {
    if !have_tool("openssl") || !have_tool("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let leaf = pki.leaf(
        "expired",
        HOST,
        Validity::Between("20240101000000Z", "20240201000000Z"),
    );
    let port = free_port();
    let _n = live_nginx(
        dir.path(),
        &tls_server("127.0.0.1:", port, &leaf, ""),
        &[port],
    );
    let p = run(
        &format!("https://{HOST}:{port}/"),
        loopback(port),
        &trust(Some(&pki.root())),
    );
    assert_eq!(statuses(&p), https_verdicts(Fail, Pass, Fail), "{p:#?}");
    let valid = detail(&p, "https-valid-certificate");
    assert!(valid.contains("expired on 2024-02-01"), "{valid}");
    let c = p.certificate.as_ref().expect("a served certificate");
    assert_eq!(c.chain.status, "expired");
    assert_eq!(c.not_after, "2024-02-01T00:00:00Z");
    let g = p.grade.as_ref().expect("graded");
    assert_eq!((g.grade.as_str(), g.ignoring_trust.as_str()), ("T", "A"));
    assert!(
        g.caps
            .contains(&"T: certificate not trusted (expired)".into()),
        "{g:#?}"
    );
    assert_modern_ecdsa_suites(&p);
}

#[test]
fn nginx_plaintext_passes_when_it_redirects_and_fails_when_it_serves_content() {
    if !have_tool("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (redirect, content) = (free_port(), free_port());
    let _n = live_nginx(
        dir.path(),
        &format!(
            "{}{}",
            plaintext_server("127.0.0.1:", redirect, REDIRECT),
            plaintext_server("127.0.0.1:", content, CONTENT)
        ),
        &[redirect, content],
    );
    let url = format!("http://{HOST}:{redirect}/mcp");
    let p = run(&url, loopback(redirect), &trust(None));
    assert_eq!(
        statuses(&p),
        [("http-rejected-or-redirected", Pass)],
        "{p:#?}"
    );
    assert_eq!(
        p.tests[0].detail,
        format!("HTTP 301 to https://{HOST}/mcp"),
        "nginx's $host drops the port"
    );
    assert!(p.certificate.is_none() && p.grade.is_none() && p.accepted_suites.is_empty());
    let p = run(
        &format!("http://{HOST}:{content}/"),
        loopback(content),
        &trust(None),
    );
    assert_eq!(
        statuses(&p),
        [("http-rejected-or-redirected", Fail)],
        "{p:#?}"
    );
    assert_eq!(
        p.tests[0].detail,
        "HTTP 200: content is served over plaintext"
    );
}

/// The servers of the scans below: TLS on `tls`, and a plaintext server on `plain` that does
/// `action`.
fn tls_and_plaintext(bind: &str, tls: u16, plain: u16, leaf: &Leaf, action: &str) -> String {
    format!(
        "{}{}",
        tls_server(bind, tls, leaf, ""),
        plaintext_server(bind, plain, action)
    )
}

#[test]
fn scan_probe_of_nginx_with_a_tls_server_and_a_plaintext_redirect() {
    if !have_tool("openssl") || !have_tool("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let leaf = pki.leaf("leaf", HOST, Validity::Days(30));
    let (tls, plain) = (free_port(), free_port());
    let text = nginx_conf(
        dir.path(),
        &tls_and_plaintext("", tls, plain, &leaf, REDIRECT),
    );
    let site = site(dir.path(), "nginx.conf", &text);
    let _n = live_nginx(
        dir.path(),
        &tls_and_plaintext("127.0.0.1:", tls, plain, &leaf, REDIRECT),
        &[tls, plain],
    );
    let scan = probed_scan(&site, &[tls, plain], Some(&pki.root()));
    let targets: Vec<&str> = scan
        .model
        .observations
        .iter()
        .map(|o| o.target.as_str())
        .collect();
    assert_eq!(
        targets,
        [
            format!("https://{HOST}:{tls}/"),
            format!("http://{HOST}:{plain}/")
        ],
        "one target per listener"
    );
    let http = &scan.model.observations[1];
    assert_eq!(http.address, format!("127.0.0.1:{plain}"));
    assert_eq!(http.tests.len(), 1);
    assert_eq!(
        (http.tests[0].test.as_str(), http.tests[0].status.as_str()),
        ("http-rejected-or-redirected", "PASS"),
        "{:?}",
        http.tests
    );
    // The endpoints are named after their server blocks: TLS at line 6, plaintext after it.
    let tls_block = "nginx.conf:6:";
    let plain_block = format!(
        "nginx.conf:{}:",
        line_of(&text, &format!("listen {plain};")) - 1
    );
    let r = result(&scan.report, "NET03-TEST", tls_block);
    assert_eq!(r.status.as_str(), "PASS", "{}", r.message);
    assert!(r.message.contains("grade A at"), "{}", r.message);
    let r = result(&scan.report, "NET03-TEST", &plain_block);
    assert_eq!(r.status.as_str(), "PASS", "{}", r.message);
    assert!(
        r.message.contains(&format!(
            "http-rejected-or-redirected at http://{HOST}:{plain}/"
        )),
        "{}",
        r.message
    );
    // The certificate file lies outside the scanned tree: the served chain decides.
    let c = result(&scan.report, "NET03-CERT", tls_block);
    assert_eq!(c.status.as_str(), "PASS", "{}", c.message);
    assert!(
        c.message.contains("served certificate valid"),
        "{}",
        c.message
    );
    assert!(drift_of(&scan).is_empty(), "{:#?}", drift_of(&scan));
    // Without the private root the same servers fail the live test, at the TLS listener.
    let scan = probed_scan(&site, &[tls, plain], None);
    let r = result(&scan.report, "NET03-TEST", tls_block);
    assert_eq!(r.status.as_str(), "FAIL", "{}", r.message);
    assert!(
        r.message.contains("https-valid-certificate FAIL"),
        "{}",
        r.message
    );
    assert_eq!(
        crate::common::at(r),
        format!(
            "nginx.conf:{}",
            line_of(&text, &format!("listen {tls} ssl;"))
        )
    );
    let c = result(&scan.report, "NET03-CERT", tls_block);
    assert_eq!(c.status.as_str(), "FAIL", "{}", c.message);
    assert!(c.message.contains("unknown-issuer"), "{}", c.message);
}

#[test]
fn scan_probe_reports_drift_when_a_configured_redirect_serves_content_live() {
    if !have_tool("openssl") || !have_tool("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let leaf = pki.leaf("leaf", HOST, Validity::Days(30));
    let (tls, plain) = (free_port(), free_port());
    let text = nginx_conf(
        dir.path(),
        &tls_and_plaintext("", tls, plain, &leaf, REDIRECT),
    );
    let site = site(dir.path(), "nginx.conf", &text);
    // Another configuration is live on the plaintext port: it serves content.
    let _n = live_nginx(
        dir.path(),
        &tls_and_plaintext("127.0.0.1:", tls, plain, &leaf, CONTENT),
        &[tls, plain],
    );
    let scan = probed_scan(&site, &[tls, plain], Some(&pki.root()));
    let redirect_line = line_of(&text, REDIRECT);
    let drift: Vec<_> = scan
        .report
        .findings
        .iter()
        .filter(|f| f.kind.as_str() == "DRIFT")
        .collect();
    assert_eq!(drift.len(), 1, "{:#?}", scan.report.findings);
    let m = &drift[0].message;
    assert!(
        m.contains(&format!(
            "the configuration redirects plaintext requests to https (nginx.conf:{redirect_line})"
        )),
        "{m}"
    );
    assert!(
        m.contains(&format!("http://{HOST}:{plain}/ at 127.0.0.1:{plain}")),
        "{m}"
    );
    assert!(
        m.ends_with("answered: HTTP 200: content is served over plaintext"),
        "{m}"
    );
    let at = &drift[0].locations[0];
    assert_eq!((at.file.as_str(), at.line), ("nginx.conf", redirect_line));
    // The configuration's verdict stands; the live test fails at the plaintext listener.
    let plain_block = format!(
        "nginx.conf:{}:",
        line_of(&text, &format!("listen {plain};")) - 1
    );
    let h = result(&scan.report, "NET03-HTTP", &plain_block);
    assert_eq!(h.status.as_str(), "PASS", "{}", h.message);
    let r = result(&scan.report, "NET03-TEST", &plain_block);
    assert_eq!(r.status.as_str(), "FAIL", "{}", r.message);
    assert!(
        r.message.contains("http-rejected-or-redirected FAIL"),
        "{}",
        r.message
    );
    let r = result(&scan.report, "NET03-TEST", "nginx.conf:6:");
    assert_eq!(r.status.as_str(), "PASS", "{}", r.message);
}

/// A Caddyfile serving mcp.example.com on `https` with Caddy's internal CA, its HTTP→HTTPS
/// redirects on `http`; `bind` adds a global `default_bind`.
fn caddyfile(https: u16, http: u16, bind: &str) -> String {
    format!("{{\n\tadmin off\n{bind}\tskip_install_trust\n\thttp_port {http}\n\thttps_port {https}\n}}\n\n{HOST}:{https} {{\n\ttls internal\n\trespond \"ok\"\n}}\n")
}

/// Caddy on a Caddyfile bound to 127.0.0.1, with its home in `dir`; returns it, the folder of
/// the scanned copy (the same Caddyfile without the bind), and its HTTPS and HTTP ports.
fn live_caddy(dir: &Path) -> (Caddy, PathBuf, u16, u16) {
    let (https, http) = (free_port(), free_port());
    let live = dir.join("Caddyfile.live");
    std::fs::write(&live, caddyfile(https, http, "\tdefault_bind 127.0.0.1\n")).unwrap();
    let caddy = Caddy::start(dir, &live, HOST, https, http);
    let site = site(dir, "Caddyfile", &caddyfile(https, http, ""));
    (caddy, site, https, http)
}

#[test]
fn caddy_with_tls_internal_is_valid_only_with_its_root_trusted() {
    if !have_tool("caddy") || !have_tool("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (caddy, _, https, http) = live_caddy(dir.path());
    let url = format!("https://{HOST}:{https}/");
    let p = run(&url, loopback(https), &trust(None));
    assert_eq!(statuses(&p), https_verdicts(Fail, Pass, Fail), "{p:#?}");
    let valid = detail(&p, "https-valid-certificate");
    assert!(valid.contains("unknown issuer"), "{valid}");
    assert!(valid.contains("Caddy Local Authority"), "{valid}");
    // Caddy's leaf has an empty subject: it is named by its SANs.
    assert!(
        valid.contains(&format!("(empty subject; SAN {HOST})")),
        "{valid}"
    );
    // Caddy's leaf is issued by its internal intermediate, not signed by itself.
    let not_self = detail(&p, "self-signed-rejected");
    assert!(not_self.contains("not self-signed"), "{not_self}");
    let g = p.grade.as_ref().expect("graded");
    assert_eq!((g.grade.as_str(), g.ignoring_trust.as_str()), ("T", "A"));
    let root = caddy.root();
    let p = run(&url, loopback(https), &trust(Some(&root)));
    assert_eq!(statuses(&p), https_verdicts(Pass, Pass, Pass), "{p:#?}");
    let trusted = detail(&p, "self-signed-rejected");
    assert!(trusted.contains("trusted (ca-file:"), "{trusted}");
    assert!(
        detail(&p, "https-valid-certificate").contains("HTTP 200"),
        "{p:#?}"
    );
    let c = p.certificate.as_ref().expect("a served certificate");
    assert_eq!(
        c.pins,
        vec![
            pin_of(&caddy.certificate(HOST)),
            pin_of(&caddy.intermediate())
        ],
        "{c:#?}"
    );
    assert_eq!((c.key.alg.as_str(), c.key.bits), ("EC", 256));
    // Caddy's defaults: TLS 1.2 and 1.3, ECDHE with AES-GCM or ChaCha20 only.
    assert_modern_ecdsa_suites(&p);
    let g = p.grade.as_ref().expect("graded");
    assert_eq!(g.grade, "A", "{g:#?}");
    assert_eq!(g.caps, ["A (not A+): no Strict-Transport-Security header"]);
    // Its automatic HTTP→HTTPS redirect.
    let p = run(
        &format!("http://{HOST}:{http}/"),
        loopback(http),
        &trust(None),
    );
    assert_eq!(
        statuses(&p),
        [("http-rejected-or-redirected", Pass)],
        "{p:#?}"
    );
    assert!(
        p.tests[0].detail.starts_with("HTTP 308 to https://"),
        "{p:#?}"
    );
}

#[test]
fn scan_probe_of_caddy_decides_its_run_time_certificate_from_the_served_chain() {
    if !have_tool("caddy") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (caddy, site, https, http) = live_caddy(dir.path());
    let tls_line = line_of(&caddyfile(https, http, ""), "tls internal");
    // Offline, a certificate of the internal CA is issued at run time: nothing decides it.
    let offline = crate::common::scan_path(&site);
    let c = result(&offline.report, "NET03-CERT", HOST);
    assert_eq!(c.status.as_str(), "MANUAL", "{}", c.message);
    assert!(c.message.contains("Caddy's internal CA"), "{}", c.message);
    // Probed without the internal root: the served chain has an unknown issuer.
    let scan = probed_scan(&site, &[https, http], None);
    assert_eq!(scan.model.observations.len(), 2, "https and http targets");
    let c = result(&scan.report, "NET03-CERT", HOST);
    assert_eq!(c.status.as_str(), "FAIL", "{}", c.message);
    assert!(
        c.message.starts_with(&format!(
            "served certificate unknown-issuer at https://{HOST}:{https}/"
        )),
        "{}",
        c.message
    );
    assert_eq!(crate::common::at(c), format!("Caddyfile:{tls_line}"));
    let r = result(&scan.report, "NET03-TEST", HOST);
    assert_eq!(r.status.as_str(), "FAIL", "{}", r.message);
    assert!(
        r.message.contains("https-valid-certificate FAIL"),
        "{}",
        r.message
    );
    // With the internal root passed as --ca-file both pass.
    let scan = probed_scan(&site, &[https, http], Some(&caddy.root()));
    let c = result(&scan.report, "NET03-CERT", HOST);
    assert_eq!(c.status.as_str(), "PASS", "{}", c.message);
    assert!(
        c.message.contains("served certificate valid"),
        "{}",
        c.message
    );
    let r = result(&scan.report, "NET03-TEST", HOST);
    assert_eq!(r.status.as_str(), "PASS", "{}", r.message);
    assert!(
        r.message.contains(&format!(
            "http-rejected-or-redirected at http://{HOST}:{http}/"
        )),
        "{}",
        r.message
    );
    assert!(drift_of(&scan).is_empty(), "{:#?}", drift_of(&scan));
}

/// nginx itself decides what a name-based server without a certificate presents, and what a
/// server with `ssl_reject_handshake on` answers; the scan of the same servers must agree.
#[test]
fn live_nginx_serves_the_default_servers_certificate_and_rejects_handshakes() {
    if !have_tool("openssl") || !have_tool("nginx") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let default = pki.leaf("default", "default.example.com", Validity::Days(30));
    let (shared, rejecting) = (free_port(), free_port());
    let servers = |bind: &str| {
        format!(
            "  server {{\n    listen {bind}{shared} ssl default_server;\n    server_name default.example.com;\n    ssl_certificate {};\n    ssl_certificate_key {};\n    {CONTENT}\n  }}\n  server {{\n    listen {bind}{shared} ssl;\n    server_name {HOST};\n    {CONTENT}\n  }}\n  server {{\n    listen {bind}{rejecting} ssl default_server;\n    server_name {HOST};\n    ssl_reject_handshake on;\n  }}\n",
            default.chain.display(),
            default.key.display()
        )
    };
    let _n = live_nginx(dir.path(), &servers("127.0.0.1:"), &[shared, rejecting]);
    let root = pki.root();
    // SNI mcp.example.com on the shared port: the default server's certificate, and then
    // mcp.example.com's content.
    let p = run(
        &format!("https://{HOST}:{shared}/"),
        loopback(shared),
        &trust(Some(&root)),
    );
    let served = p.certificate.as_ref().expect("a completed handshake");
    assert_eq!(served.pins[0], pin_of(&default.cert), "{p:#?}");
    assert!(
        detail(&p, "https-valid-certificate").contains("default.example.com"),
        "{p:#?}"
    );
    // The rejecting server completes no handshake.
    let p = run(
        &format!("https://{HOST}:{rejecting}/"),
        loopback(rejecting),
        &trust(Some(&root)),
    );
    assert!(p.certificate.is_none(), "{p:#?}");
    // The scan judges the certificate nginx served, and refuses nothing it cannot see.
    let conf = format!("events {{}}\nhttp {{\n{}}}\n", servers(""));
    let site = site(dir.path(), "nginx.conf", &conf);
    let scan = crate::common::scan_path(&site);
    let ep = scan
        .model
        .endpoints
        .iter()
        .find(|e| e.server_names == [HOST] && e.listens[0].port == Some(shared))
        .unwrap();
    let certs: Vec<&str> = ep
        .tls
        .certificates
        .iter()
        .map(|c| c.path.as_str())
        .collect();
    assert_eq!(certs, [default.chain.display().to_string()]);
    let refused = scan
        .report
        .results
        .iter()
        .find(|r| r.requirement == "NET03-TLS" && r.endpoint.contains("nginx.conf:15:"))
        .unwrap();
    assert_eq!(
        refused.status,
        tlsproof::results::Status::NotApplicable,
        "{}",
        refused.message
    );
}
