//! Caddy itself as the oracle: every file of the `caddy-adapt` corpus is a Caddyfile and the
//! JSON that `caddy adapt` makes of it (or Caddy's error). The TLS facts the ingester derives
//! must equal those in Caddy's JSON, per server: `listen`, `automatic_https.disable` /
//! `disable_redirects`, the non-empty TLS connection policies (`protocol_min`, `protocol_max`,
//! `cipher_suites`, `client_authentication.mode`) and each TLS reverse-proxy transport's
//! `insecure_skip_verify`. Servers are compared as sets, not by name. A Caddyfile that Caddy
//! refuses must yield an error finding. Imports of `testdata/…` resolve against the copies in
//! `tests/corpora/caddy-testdata/testdata`, as Caddy's test runs beside its own `testdata/`.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use serde_json::Value;
use std::collections::BTreeSet;
use tlsproof::ingest::caddy::{self, adapt::Policy, adapt::Server, Adapted};
use tlsproof::model::version::ProductVersion;
use tlsproof::source::SourceMap;

fn expected_servers(json: &Value) -> BTreeSet<Server> {
    let mut out = BTreeSet::new();
    let Some(servers) = json["apps"]["http"]["servers"].as_object() else {
        return out;
    };
    for s in servers.values() {
        // Caddy may emit a server with no listener (only automatic_https): it serves nothing.
        let Some(listen) = s["listen"].as_array() else {
            continue;
        };
        let mut policies = BTreeSet::new();
        for p in s["tls_connection_policies"]
            .as_array()
            .into_iter()
            .flatten()
        {
            let text = |v: &Value| v.as_str().map(str::to_string);
            let policy = Policy {
                protocol_min: text(&p["protocol_min"]),
                protocol_max: text(&p["protocol_max"]),
                cipher_suites: p["cipher_suites"].as_array().map(|a| {
                    a.iter()
                        .map(|v| v.as_str().unwrap_or_default().to_string())
                        .collect()
                }),
                client_auth_mode: text(&p["client_authentication"]["mode"]),
            };
            if !policy.is_empty() {
                policies.insert(policy);
            }
        }
        let mut insecure = Vec::new();
        collect_proxies(&s["routes"], &mut insecure);
        insecure.sort();
        out.insert(Server {
            listen: listen
                .iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect(),
            disable: s["automatic_https"]["disable"].as_bool().unwrap_or(false),
            disable_redirects: s["automatic_https"]["disable_redirects"]
                .as_bool()
                .unwrap_or(false),
            policies,
            proxy_insecure: insecure,
        });
    }
    out
}

/// Every reverse_proxy handler whose transport has TLS: its `insecure_skip_verify`.
fn collect_proxies(v: &Value, out: &mut Vec<bool>) {
    match v {
        Value::Object(o) => {
            if o.get("handler").and_then(Value::as_str) == Some("reverse_proxy") {
                if let Some(tls) = o.get("transport").and_then(|t| t.get("tls")) {
                    out.push(tls["insecure_skip_verify"].as_bool().unwrap_or(false));
                }
            }
            for x in o.values() {
                collect_proxies(x, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_proxies(x, out)),
        _ => {}
    }
}

#[derive(Default)]
struct Tally {
    files: usize,
    agree: usize,
    errors_expected: usize,
    errors_found: usize,
    kinds: [(usize, usize); 5],
}

const KINDS: [&str; 5] = [
    "listen",
    "automatic_https",
    "tls_connection_policies",
    "proxy insecure_skip_verify",
    "servers",
];

fn project(s: &BTreeSet<Server>, k: usize) -> Vec<String> {
    let mut v: Vec<String> = s
        .iter()
        .map(|x| match k {
            0 => format!("{:?}", x.listen),
            1 => format!("{:?} {} {}", x.listen, x.disable, x.disable_redirects),
            2 => format!("{:?} {:?}", x.listen, x.policies),
            3 => format!("{:?} {:?}", x.listen, x.proxy_insecure),
            _ => format!("{x:?}"),
        })
        .collect();
    v.sort();
    v
}

#[test]
fn caddy_adapt_corpus_agrees() {
    let dir = crate::common::corpus("caddy-adapt");
    let fixtures = crate::common::corpus("caddy-testdata").join("testdata");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "LICENSE"))
        .collect();
    names.sort();
    // The corpus is Caddy's own tests at one commit of its main branch: the newest Caddy.
    let newest = ProductVersion::unknown("Caddy");
    let mut t = Tally::default();
    let mut failures = Vec::new();
    for path in &names {
        let text = std::fs::read_to_string(path).unwrap();
        let Some((caddyfile, expected)) = text.split_once("\n----------") else {
            continue;
        };
        let expected = expected.trim_start_matches('-').trim();
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("testdata")).unwrap();
        for f in std::fs::read_dir(&fixtures).unwrap() {
            let f = f.unwrap().path();
            std::fs::copy(&f, tmp.path().join("testdata").join(f.file_name().unwrap())).unwrap();
        }
        let cf = tmp.path().join("Caddyfile");
        std::fs::write(&cf, format!("{caddyfile}\n")).unwrap();
        let mut map = SourceMap::new();
        let adapted = caddy::adapt_file(&mut map, &cf, &newest);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        t.files += 1;
        if !expected.starts_with('{') {
            t.errors_expected += 1;
            if adapted.refused_by_standard_build() {
                if std::env::var("ORACLE_DEBUG").is_ok() {
                    eprintln!(
                        "{name}: {:?}",
                        adapted
                            .findings
                            .iter()
                            .map(|f| &f.message)
                            .collect::<Vec<_>>()
                    );
                }
                t.errors_found += 1;
                t.agree += 1;
            } else {
                failures.push(format!(
                    "{name}: Caddy refuses it ({expected}) but no error or unknown-directive finding"
                ));
            }
            continue;
        }
        if adapted.is_error() {
            failures.push(format!(
                "{name}: Caddy accepts it, but: {:?}",
                adapted
                    .findings
                    .iter()
                    .map(|f| &f.message)
                    .collect::<Vec<_>>()
            ));
            continue;
        }
        let json: Value = serde_json::from_str(expected).unwrap();
        let want = expected_servers(&json);
        let got: BTreeSet<Server> = adapted
            .servers
            .into_iter()
            .filter(|s| !s.listen.is_empty())
            .collect();
        let mut all = true;
        for (k, slot) in t.kinds.iter_mut().enumerate() {
            slot.1 += 1;
            if project(&want, k) == project(&got, k) {
                slot.0 += 1;
            } else {
                all = false;
                failures.push(format!(
                    "{name}: {} differ\n  caddy:    {:?}\n  tlsproof: {:?}",
                    KINDS[k],
                    project(&want, k),
                    project(&got, k)
                ));
            }
        }
        if all {
            t.agree += 1;
        }
    }
    let per_kind: Vec<String> = KINDS
        .iter()
        .zip(t.kinds.iter())
        .map(|(k, (a, n))| format!("{k} {a}/{n}"))
        .collect();
    eprintln!(
        "caddy oracle: {}/{} files agree on listen, automatic_https.disable/disable_redirects, \
         protocol_min, protocol_max, cipher_suites, client_authentication.mode, \
         reverse_proxy tls.insecure_skip_verify; refused by Caddy and by tlsproof {}/{}; per fact: {}",
        t.agree,
        t.files,
        t.errors_found,
        t.errors_expected,
        per_kind.join(", ")
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(t.agree, t.files);
}

/// Truncated files never panic the ingester (every 97th byte of every corpus file).
#[test]
fn truncated_corpus_files_do_not_panic() {
    let dir = crate::common::corpus("caddy-adapt");
    let tmp = tempfile::tempdir().unwrap();
    let cf = tmp.path().join("Caddyfile");
    let newest = ProductVersion::unknown("Caddy");
    for e in std::fs::read_dir(&dir).unwrap() {
        let bytes = std::fs::read(e.unwrap().path()).unwrap();
        let mut cut = 0;
        while cut < bytes.len() {
            std::fs::write(&cf, &bytes[..cut]).unwrap();
            let mut map = SourceMap::new();
            let _ = caddy::adapt_file(&mut map, &cf, &newest);
            cut += 97;
        }
    }
}

/// Caddyfiles exercising what the corpus does not: protocol ranges, cipher lists, client
/// authentication modes, ports and binds, and upstream TLS settings.
const LIVE_CASES: &[&str] = &[
    "mcp.example.org {\n\ttls {\n\t\tprotocols tls1.3\n\t}\n\treverse_proxy 127.0.0.1:3000\n}\n",
    "mcp.example.org {\n\ttls {\n\t\tprotocols tls1.2 tls1.2\n\t\tciphers TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256\n\t}\n\treverse_proxy 127.0.0.1:3000\n}\n",
    // 3DES and static-RSA names are accepted or refused depending on the Go toolchain Caddy was
    // built with; tlsproof judges them (NET03-CIPHER FAIL) instead of guessing the build.
    "(weak) {\n\ttls {\n\t\tciphers TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA\n\t}\n}\na.example.org {\n\timport weak\n\trespond hi\n}\nb.example.org {\n\trespond hi\n}\n",
    "mcp.example.org {\n\ttls {\n\t\tclient_auth {\n\t\t\tmode require\n\t\t}\n\t}\n\trespond hi\n}\n",
    "mcp.example.org {\n\ttls {\n\t\tclient_auth {\n\t\t\tmode verify_if_given\n\t\t}\n\t}\n\trespond hi\n}\n",
    "mcp.example.org {\n\ttls {\n\t\tprotocols tls1.0\n\t}\n}\n",
    "{\n\thttp_port 8080\n\thttps_port 8443\n}\nmcp.example.org {\n\trespond hi\n}\nhttp://plain.example.org {\n\trespond hi\n}\n",
    "{\n\tauto_https disable_redirects\n}\nmcp.example.org {\n\trespond hi\n}\n",
    "{\n\tauto_https off\n}\n:8080 {\n\treverse_proxy 127.0.0.1:3000\n}\n",
    "mcp.example.org:9443 {\n\tbind 127.0.0.1\n\treverse_proxy https://10.0.0.5:8443 {\n\t\ttransport http {\n\t\t\ttls_insecure_skip_verify\n\t\t}\n\t}\n}\n",
    "localhost, 10.1.2.3 {\n\ttls internal\n\treverse_proxy https://backend.internal {\n\t\ttransport http {\n\t\t\ttls\n\t\t}\n\t}\n}\n",
    "mcp.example.org { reverse_proxy 127.0.0.1:3000 }\n",
    "http://mcp.example.org, https://mcp.example.org {\n\tredir https://{host}{uri} permanent\n}\n",
];

/// The `caddy` binary, when installed, as a second oracle on [`LIVE_CASES`].
#[test]
fn live_caddy_adapt_agrees_on_tls_settings_the_corpus_lacks() {
    if !crate::common::have_tool("caddy") {
        eprintln!("SKIPPED: no caddy binary on PATH");
        return;
    }
    let newest = installed_caddy();
    let mut agree = 0;
    let mut failures = Vec::new();
    for (i, case) in LIVE_CASES.iter().enumerate() {
        let tmp = tempfile::tempdir().unwrap();
        let cf = tmp.path().join("Caddyfile");
        std::fs::write(&cf, case).unwrap();
        let out = std::process::Command::new("caddy")
            .args(["adapt", "--adapter", "caddyfile", "--config"])
            .arg(&cf)
            .current_dir(tmp.path())
            .output()
            .unwrap();
        let mut map = SourceMap::new();
        let adapted = caddy::adapt_file(&mut map, &cf, &newest);
        if !out.status.success() {
            if adapted.refused_by_standard_build() {
                agree += 1;
            } else {
                failures.push(format!(
                    "case {i}: caddy refuses it ({}) but tlsproof does not",
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
            continue;
        }
        let json: Value = serde_json::from_slice(&out.stdout).unwrap();
        let want = expected_servers(&json);
        let got: BTreeSet<Server> = adapted
            .servers
            .into_iter()
            .filter(|s| !s.listen.is_empty())
            .collect();
        if adapted.findings.iter().any(|f| f.kind.is_error()) || want != got {
            failures.push(format!(
                "case {i}:\n  caddy:    {want:?}\n  tlsproof: {got:?}\n  findings: {:?}",
                adapted
                    .findings
                    .iter()
                    .map(|f| &f.message)
                    .collect::<Vec<_>>()
            ));
        } else {
            agree += 1;
        }
    }
    eprintln!(
        "caddy adapt (live binary): {agree}/{} generated Caddyfiles agree",
        LIVE_CASES.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The installed `caddy`'s version (`caddy version` prints `v2.6.2` or `2.6.2 h1:…`): the
/// version-dependent refusals are compared as that Caddy makes them.
fn installed_caddy() -> ProductVersion {
    let out = std::process::Command::new("caddy")
        .arg("version")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_string();
    let version = ProductVersion::parse("Caddy", &first);
    assert!(version.parts().is_some(), "caddy version printed {text:?}");
    version
}

/// What `caddy adapt` says of the Caddyfile in `dir`: its JSON, or its error.
fn caddy_adapt(dir: &std::path::Path) -> Result<Value, String> {
    let out = std::process::Command::new("caddy")
        .args(["adapt", "--adapter", "caddyfile", "--config", "Caddyfile"])
        .current_dir(dir)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).unwrap())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn messages(adapted: &Adapted) -> Vec<&str> {
    adapted
        .findings
        .iter()
        .map(|f| f.message.as_str())
        .collect()
}

/// Every Caddyfile fixture (`tests/fixtures/caddy/*/Caddyfile`) is refused by tlsproof exactly
/// when the installed `caddy adapt` refuses it, and where both accept it, the TLS facts agree.
/// The fixtures named `refused_*` are files Caddy refuses: a browser-only or unknown scheme
/// (since v2.7.5), a repeated `lb_policy`, `respond` body, `error` message, matcher or
/// `servers` listener, an unknown `tls` subdirective or `servers` option, a single `tls`
/// argument that is not `internal` or an email, a protocol Caddy does not offer, one site
/// address in two site blocks on one listener; `sites_sharing_a_port_on_different_binds_…`
/// is one Caddy accepts. A refusal that an older Caddy does not make is compared as the
/// installed Caddy makes it; the fixture snapshots judge the same files as the newest Caddy.
#[test]
fn every_caddy_fixture_is_refused_exactly_when_caddy_refuses_it() {
    if !crate::common::have_tool("caddy") {
        eprintln!("SKIPPED: no caddy binary on PATH");
        return;
    }
    let installed = installed_caddy();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/caddy");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Caddyfile").is_file())
        .collect();
    dirs.sort();
    let (mut refused, mut accepted) = (0, 0);
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let mut map = SourceMap::new();
        let adapted = caddy::adapt_file(&mut map, &dir.join("Caddyfile"), &installed);
        match caddy_adapt(dir) {
            Err(_) if adapted.refused_by_standard_build() => refused += 1,
            Err(why) => failures.push(format!(
                "{name}: caddy refuses it ({why}) but tlsproof does not: {:?}",
                messages(&adapted)
            )),
            Ok(_) if adapted.is_error() => failures.push(format!(
                "{name}: caddy accepts it, tlsproof refuses it: {:?}",
                messages(&adapted)
            )),
            Ok(json) => {
                let want = expected_servers(&json);
                let got: BTreeSet<Server> = adapted
                    .servers
                    .iter()
                    .filter(|s| !s.listen.is_empty())
                    .cloned()
                    .collect();
                if want == got {
                    accepted += 1;
                } else {
                    failures.push(format!(
                        "{name}:\n  caddy:    {want:?}\n  tlsproof: {got:?}"
                    ));
                }
            }
        }
        let mut map = SourceMap::new();
        let newest = caddy::adapt_file(
            &mut map,
            &dir.join("Caddyfile"),
            &ProductVersion::unknown("Caddy"),
        );
        if name.starts_with("refused_") && !newest.is_error() {
            failures.push(format!(
                "{name}: as the newest Caddy, tlsproof accepts it: {:?}",
                messages(&newest)
            ));
        }
    }
    eprintln!(
        "caddy adapt ({}) on {} Caddyfile fixtures: {refused} refused by both, {accepted} accepted by both with the same TLS facts",
        installed.label(),
        dirs.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        refused >= 10 && accepted >= 10,
        "{refused} refused, {accepted} accepted"
    );
}

/// The status line of Caddy's answer to `GET /` for `host` on 127.0.0.1:`port`, or `None` when
/// the connection closes without an answer (`abort`).
fn status_of(port: u16, host: &str) -> Option<String> {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer);
    text.lines()
        .next()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
}

/// Caddy itself answers every plaintext request of the sites tlsproof judges as refusing them
/// (`a_plaintext_site_refusing_every_request_blocks_plaintext_http`, run on a free port): 403,
/// 403, 404, and a closed connection for `abort`; tlsproof judges the same live Caddyfile so.
#[test]
fn live_caddy_refuses_every_request_of_the_sites_judged_to_refuse_them() {
    if !crate::common::have_tool("caddy") {
        eprintln!("SKIPPED: no caddy binary on PATH");
        return;
    }
    let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "tests/fixtures/caddy/a_plaintext_site_refusing_every_request_blocks_plaintext_http/Caddyfile",
    );
    let text = std::fs::read_to_string(fixture).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let port = crate::probe::free_port();
    let live = format!(
        "{{\n\tadmin off\n\tdefault_bind 127.0.0.1\n\thttp_port {port}\n}}\n\n{}",
        text.replace("http://:8080", &format!("http://:{port}"))
    );
    let site = tmp.path().join("site");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("Caddyfile"), &live).unwrap();
    let caddy = crate::servers::Caddy::start_plain(tmp.path(), &site.join("Caddyfile"), port);
    let answers: Vec<(&str, Option<String>)> = [
        "mcp.example.org",
        "api.example.org",
        "docs.example.org",
        "other.example.org",
    ]
    .into_iter()
    .map(|h| (h, status_of(port, h)))
    .collect();
    drop(caddy);
    let status = |h: &str| {
        answers
            .iter()
            .find(|(x, _)| *x == h)
            .and_then(|(_, s)| s.as_deref())
            .map(|s| s.split_whitespace().nth(1).unwrap_or_default().to_string())
    };
    assert_eq!(
        status("mcp.example.org").as_deref(),
        Some("403"),
        "{answers:?}"
    );
    assert_eq!(
        status("api.example.org").as_deref(),
        Some("403"),
        "{answers:?}"
    );
    assert_eq!(
        status("docs.example.org").as_deref(),
        Some("404"),
        "{answers:?}"
    );
    assert_eq!(status("other.example.org"), None, "{answers:?}");
    // The scanned copy listens on every interface, as the fixture does.
    std::fs::write(
        site.join("Caddyfile"),
        live.replace("\tdefault_bind 127.0.0.1\n", ""),
    )
    .unwrap();
    let scan = crate::common::scan_path(&site);
    for host in [
        "mcp.example.org",
        "api.example.org",
        "docs.example.org",
        &format!("http://:{port}"),
    ] {
        let r = crate::common::result(&scan.report, "NET03-HTTP", host);
        assert_eq!(r.status.as_str(), "PASS", "{host}: {}", r.message);
    }
}
