//! `report.html`: what the page holds (the verdict, every FAIL with its lines, the chains, the
//! exception claims, the live tests), that it names no resource to fetch and escapes the text of
//! configuration files; then a real browser (headless Chromium) opens the written page offline,
//! with and without scripts, and must log no console message and make no network request.

use crate::common::{fixture, have_tool, scan_with, tree};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tlsproof::pipeline::Scan;
use tlsproof::render::html::report_html;
use tlsproof::render::template::InputRow;
use tlsproof::results::Status;

const CREATED: &str = "2026-12-01T00:00:00Z";

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

/// A scan judged at `CREATED` (claims and certificates have dates), as `tlsproof evidence` runs.
fn scan_at(path: &Path) -> Scan {
    scan_with(path, |o| {
        o.at = Some(tlsproof::settings::parse_time(CREATED).unwrap());
    })
}

fn rows(scan: &Scan) -> Vec<InputRow> {
    scan.model
        .sources
        .iter()
        .map(|s| InputRow {
            path: s.path.clone(),
            sha256: s.sha256.clone(),
            bytes: s.bytes,
            in_bundle: None,
            repository: None,
        })
        .collect()
}

fn page(scan: &Scan) -> String {
    report_html(scan, &rows(scan), CREATED).unwrap()
}

/// Text as the page writes it (element content and quoted attributes).
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// Text as a browser serializes it in a DOM dump (element content).
fn dom_text(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The `<article class="result …">` elements of a page (or of a DOM dump).
fn articles(html: &str) -> Vec<&str> {
    html.split("<article class=\"result ")
        .skip(1)
        .map(|a| a.split("</article>").next().unwrap())
        .collect()
}

/// Every FAIL of the record must be an article that names its requirement, its endpoint and
/// each of its locations as file:line.
fn assert_every_fail(scan: &Scan, html: &str, text: fn(&str) -> String) {
    let articles = articles(html);
    let fails: Vec<_> = scan
        .report
        .results
        .iter()
        .filter(|r| r.status == Status::Fail)
        .collect();
    for r in &fails {
        let endpoint = format!("<code>{}</code>", text(&r.endpoint));
        let found = articles.iter().any(|a| {
            a.starts_with("st-FAIL")
                && a.contains(&format!(">{}<", r.requirement))
                && a.contains(&endpoint)
                && r.locations
                    .iter()
                    .all(|l| a.contains(&text(&format!("{}:{}", l.file, l.line))))
        });
        assert!(
            found,
            "FAIL {} on {} at {:?} is not on the page",
            r.requirement, r.endpoint, r.locations
        );
    }
    assert_eq!(
        articles.iter().filter(|a| a.starts_with("st-FAIL")).count(),
        fails.len()
    );
}

/// The attributes of every start tag, as (tag, name, value); values are double-quoted on the
/// page (a `"` inside is escaped), so a `>` never ends a tag early.
fn attributes(html: &str) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for tag in html.split('<').skip(1) {
        let Some(tag) = tag.split('>').next() else {
            continue;
        };
        if tag.starts_with('/') || tag.starts_with('!') {
            continue;
        }
        let name = tag.split_whitespace().next().unwrap_or("").to_lowercase();
        let mut rest = &tag[name.len()..];
        while let Some(eq) = rest.find("=\"") {
            let attr = rest[..eq]
                .rsplit(|c: char| c.is_whitespace())
                .next()
                .unwrap()
                .to_lowercase();
            let value_start = eq + 2;
            let value_end = rest[value_start..].find('"').unwrap() + value_start;
            out.push((name.clone(), attr, rest[value_start..value_end].to_string()));
            rest = &rest[value_end + 1..];
        }
    }
    out
}

#[test]
fn the_page_holds_the_verdict_and_every_fail_with_its_lines() {
    let scan = scan_at(&examples());
    let html = page(&scan);
    assert_eq!(scan.report.verdict.as_str(), "NOT_SATISFIED");
    assert!(html.contains("<span class=\"verdict\">NOT_SATISFIED</span>"));
    assert!(scan.report.summary.fail > 0);
    assert_every_fail(&scan, &html, esc);
    // Every result is on the page, once.
    assert_eq!(articles(&html).len(), scan.report.results.len());
    // The banner: counts, profile, environment, tool, policy digest, created time.
    for word in [
        format!("<span class=\"n\">{}</span> FAIL", scan.report.summary.fail),
        format!(
            "<span class=\"n\">{}</span> EXCEPTED",
            scan.report.summary.excepted
        ),
        format!("<dd>{}</dd>", scan.report.profile),
        format!("<dd>{}</dd>", scan.report.environment),
        format!("<code>{}</code>", scan.report.tool.policy_digest),
        format!("<dd>{CREATED}</dd>"),
        format!("tlsproof {}", env!("CARGO_PKG_VERSION")),
    ] {
        assert!(html.contains(&word), "{word}");
    }
    // The control's five evidence items, in its order.
    let mut at = 0;
    for item in tlsproof::requirements::EVIDENCE_ITEMS {
        let heading = format!(". {}", item.title);
        let found = html[at..]
            .find(&heading)
            .unwrap_or_else(|| panic!("{heading}"));
        at += found;
    }
    // Every claim with its outcome, and every input with its digest.
    for c in &scan.report.exceptions {
        assert!(
            html.contains(&format!("<code>{}</code> · ", esc(&c.id))),
            "{}",
            c.id
        );
        assert!(html.contains(&format!("badge o-{0}\">{0}</span>", c.outcome.as_str())));
    }
    for s in &scan.model.sources {
        assert!(html.contains(&format!("<td class=\"sha\">{}</td>", s.sha256)));
    }
}

#[test]
fn the_page_names_no_resource_to_fetch() {
    let scan = scan_at(&examples());
    let html = page(&scan);
    for banned in [
        "<script src",
        "<link",
        "@import",
        "url(",
        "<img",
        "<iframe",
        "<object",
        "<embed",
    ] {
        assert!(!html.contains(banned), "{banned}");
    }
    let attrs = attributes(&html);
    assert!(attrs.len() > 500, "{} attributes read", attrs.len());
    for (tag, name, value) in &attrs {
        if matches!(
            name.as_str(),
            "src" | "href" | "xlink:href" | "action" | "formaction" | "srcset" | "poster" | "data"
        ) {
            assert!(value.starts_with('#'), "<{tag} {name}=\"{value}\">");
        }
        assert!(
            !value.contains("http://") && !value.contains("https://"),
            "<{tag} {name}=\"{value}\">"
        );
    }
    // The policy forbids every fetch; the one style sheet and the one script are admitted by
    // their hashes.
    let csp = attrs
        .iter()
        .find(|(tag, name, v)| tag == "meta" && name == "content" && v.contains("-src"))
        .map(|(_, _, v)| v.clone())
        .expect("a Content-Security-Policy");
    assert!(
        csp.starts_with("default-src 'none'; style-src 'sha256-"),
        "{csp}"
    );
    assert_eq!(html.matches("<script").count(), 1);
    assert_eq!(html.matches("<style").count(), 1);
}

#[test]
fn text_from_a_config_file_is_escaped() {
    let dir = tree(&[(
        "nginx.conf",
        "events {}\nhttp {\n  server {\n    listen 8080; # <script>alert(\"listen\")</script>\n    server_name <script>alert(1)</script>;\n    location / { proxy_pass http://10.0.0.5:8000; }\n  }\n}\n",
    )]);
    let scan = scan_at(dir.path());
    let html = page(&scan);
    assert!(!html.contains("<script>alert"), "unescaped config text");
    assert_eq!(html.matches("<script").count(), 1);
    // The excerpt of the listen line (with its comment), the endpoint id and the chain's box.
    assert!(html.contains(
        "<code>listen 8080; # &lt;script&gt;alert(&quot;listen&quot;)&lt;/script&gt;</code>"
    ));
    assert!(html.contains("<code>nginx:nginx.conf:3:&lt;script&gt;alert(1)&lt;/script&gt;</code>"));
    assert!(html.contains(">nginx · &lt;script&gt;alert(1)&lt;/script&gt;</text>"));
    assert_every_fail(&scan, &html, esc);
}

/// The figure of a chain: its caption names the endpoint (or client) it starts from.
fn figure<'a>(html: &'a str, title: &str) -> &'a str {
    let caption = format!("<code>{}</code></figcaption>", esc(title));
    let at = html
        .find(&caption)
        .unwrap_or_else(|| panic!("no chain for {title}"));
    html[at..].split("</figure>").next().unwrap()
}

#[test]
fn each_chain_is_drawn_from_the_endpoints_hops_and_the_apps_they_reach() {
    let scan = scan_at(&examples());
    let html = page(&scan);
    // nginx terminates TLS and proxies in plaintext to the Python app on loopback (an
    // upstream block), which the link stage matched: the app is a box of the chain.
    let f = figure(
        &html,
        "nginx:nginx/conf.d/mcp.example.com.conf:16:mcp.example.com",
    );
    assert!(f.contains(">https :443</text>"), "{f}");
    assert!(f.contains("class=\"arrow PASS plain\""), "{f}");
    assert!(f.contains(">http (plaintext)</text>"), "{f}");
    assert!(f.contains(">app · tickets</text>"), "{f}");
    assert!(f.contains("class=\"box NOT_APPLICABLE\""), "{f}");
    // A FAIL endpoint is a FAIL box, its unverified https hop a FAIL arrow.
    let f = figure(
        &html,
        "nginx:nginx/conf.d/legacy-tools.conf:13:tools.example.com",
    );
    assert!(f.contains("class=\"box FAIL\""), "{f}");
    assert!(f.contains("<g class=\"arrow FAIL\">"), "{f}");
    assert!(f.contains(">https (no verification)</text>"), "{f}");
    assert!(f.contains(">tools-backend.internal:9443</text>"), "{f}");
    assert!(f.contains(">not in the scan</text>"), "{f}");
    // The plaintext hop of the other server is covered by the VPN claim: EXCEPTED.
    let f = figure(
        &html,
        "nginx:nginx/conf.d/legacy-tools.conf:2:tools.example.com",
    );
    assert!(f.contains("class=\"arrow EXCEPTED plain\""), "{f}");
    assert!(f.contains(">http :8080 (plaintext)</text>"), "{f}");
    // A configured client whose URL names an endpoint of the scan starts that endpoint's chain.
    let f = figure(&html, "kubernetes:ingress:mcp/mcp");
    assert!(f.contains(">client · tickets</text>"), "{f}");
    // A client of the app on loopback gets a chain of its own, ending at the app.
    let f = figure(&html, "client:mcp/client/.mcp.json:10:tickets-dev");
    assert!(f.contains(">app · tickets</text>"), "{f}");
    assert!(f.contains(">http (plaintext)</text>"), "{f}");
    // Every endpoint of the model is in some chain.
    for e in &scan.model.endpoints {
        let at = format!("{}:{}", e.span.file, e.span.line);
        assert!(
            html.contains(&format!("({})", esc(&at))),
            "{} in no chain",
            e.id
        );
    }
}

#[test]
fn live_test_results_show_each_test_and_the_grade() {
    use tlsproof::model::{Grade, ModelSpan, Observation, ObservedTest};
    let mut scan = scan_at(&examples());
    assert!(!page(&scan).contains("Live test results"));
    scan.model.observations.push(Observation {
        endpoint: "nginx:nginx/conf.d/mcp.example.com.conf:16:mcp.example.com".into(),
        target: "https://mcp.example.com/".into(),
        address: "127.0.0.1:8443".into(),
        observed_at: "2026-12-01T00:00:00Z".into(),
        span: ModelSpan {
            file: "nginx/conf.d/mcp.example.com.conf".into(),
            line: 17,
            column: 5,
            via: vec![],
        },
        tests: vec![
            ObservedTest {
                test: "tls1.0-rejected".into(),
                status: "PASS".into(),
                detail: "handshake refused <alert>".into(),
            },
            ObservedTest {
                test: "https-valid-certificate".into(),
                status: "FAIL".into(),
                detail: "unknown issuer".into(),
            },
        ],
        certificate: None,
        https_answer: None,
        negotiated: None,
        accepted_suites: vec![],
        grade: Some(Grade {
            grade: "T".into(),
            ignoring_trust: "A".into(),
            score: 92,
            protocol_score: 100,
            key_exchange_score: 90,
            cipher_score: 90,
            caps: vec!["T: certificate not trusted".into()],
            not_measured: vec!["OCSP stapling".into()],
        }),
        source: "tlsproof probe".into(),
    });
    let html = page(&scan);
    let live = html
        .split("id=\"live-tests\"")
        .nth(1)
        .expect("a live test results part");
    assert!(live.contains("<code>https://mcp.example.com/</code>"));
    assert!(live.contains("grade <span class=\"grade\">T</span> (score 92)"));
    assert!(live.contains("<td><code>tls1.0-rejected</code></td><td><span class=\"badge t-PASS\">PASS</span></td><td>handshake refused &lt;alert&gt;</td>"));
    assert!(live.contains(
        "<code>https-valid-certificate</code></td><td><span class=\"badge t-FAIL\">FAIL</span>"
    ));
    assert!(live.contains("listener <code>nginx/conf.d/mcp.example.com.conf:17</code>"));
    assert!(live.contains("Grade: T: certificate not trusted. Not measured: OCSP stapling."));
}

// ---------------------------------------------------------------------------------------------
// A real browser.

/// What one headless Chromium run left.
struct Run {
    stdout: String,
    stderr: String,
    /// URLs the page asked the network stack for (from the net log; `file:` loads do not go
    /// through it).
    page_requests: Vec<String>,
}

/// The bundle of `path`, written by the library as `tlsproof evidence` writes it.
fn bundle(scan: &Scan) -> tempfile::TempDir {
    let out = tempfile::tempdir().unwrap();
    tlsproof::bundle::write(scan, out.path(), CREATED).unwrap();
    out
}

/// Runs headless Chromium on `page` with `args`, with a net log, and waits at most a minute.
/// Without `scripts`, the profile forbids JavaScript as the browser's site setting does
/// (`--blink-settings=scriptEnabled=false` stops this Chromium's `--dump-dom`, `--screenshot` and
/// `--print-to-pdf` from writing anything, as they read the page with a script).
fn chromium(page: &Path, scripts: bool, args: &[&str]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("profile");
    if !scripts {
        std::fs::create_dir_all(profile.join("Default")).unwrap();
        std::fs::write(
            profile.join("Default/Preferences"),
            r#"{"profile":{"default_content_setting_values":{"javascript":2}}}"#,
        )
        .unwrap();
    }
    let net_log = tmp.path().join("net.json");
    let out_path = tmp.path().join("stdout");
    let err_path = tmp.path().join("stderr");
    let url = format!("file://{}", page.canonicalize().unwrap().display());
    let mut child = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            // Nothing of this run reaches the network, whatever asks: names do not resolve.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--log-net-log={}", net_log.display()),
        ])
        .args(args)
        .arg(&url)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .expect("chromium starts");
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("chromium did not finish within a minute on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap();
    let stderr = std::fs::read_to_string(&err_path).unwrap();
    assert!(status.success(), "chromium failed on {url}: {stderr}");
    let log: serde_json::Value = serde_json::from_slice(&std::fs::read(&net_log).unwrap())
        .unwrap_or_else(|e| panic!("the net log is not JSON ({e}): {stderr}"));
    Run {
        stdout,
        stderr,
        page_requests: page_requests(&log),
    }
}

/// The URLs of the requests the page made, from a Chromium net log: every `URL_REQUEST_START_JOB`
/// whose initiator is an origin (the browser's own background requests have "not an origin"),
/// or whose network isolation key is the page's `file://` site.
fn page_requests(log: &serde_json::Value) -> Vec<String> {
    let types = log["constants"]["logEventTypes"].as_object().unwrap();
    let start_job = types["URL_REQUEST_START_JOB"].as_u64().unwrap();
    let mut out = Vec::new();
    for e in log["events"].as_array().unwrap() {
        if e["type"].as_u64() != Some(start_job) {
            continue;
        }
        let p = &e["params"];
        let Some(url) = p["url"].as_str() else {
            continue;
        };
        let initiator = p["initiator"].as_str().unwrap_or_default();
        let nik = p["network_isolation_key"].as_str().unwrap_or_default();
        let local = ["file:", "data:", "about:", "chrome:", "blob:"]
            .iter()
            .any(|s| url.starts_with(s));
        if !local
            && (initiator != "not an origin" || nik.contains("file://"))
            && !out.iter().any(|u| u == url)
        {
            out.push(url.to_string());
        }
    }
    out
}

/// Console messages (Chromium logs every one as `CONSOLE`, whatever its level: the page writes
/// none, so each is an error) and uncaught exceptions.
fn console(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("Uncaught"))
        .collect()
}

fn assert_clean(run: &Run, what: &str) {
    assert!(
        console(&run.stderr).is_empty(),
        "{what}: console messages: {:#?}",
        console(&run.stderr)
    );
    assert!(
        run.page_requests.is_empty(),
        "{what}: network requests: {:?}",
        run.page_requests
    );
}

/// The folder cargo builds into (the test binary is in `<target>/debug/deps`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors().nth(3).unwrap().to_path_buf()
}

#[test]
fn the_checks_catch_a_network_request_and_a_script_error() {
    if !have_tool("chromium") {
        return;
    }
    let dir = tree(&[(
        "bad.html",
        "<!DOCTYPE html><html><head><title>bad</title></head><body><p>x</p>\
         <img src=\"http://127.0.0.1:9/x.png\" alt=\"\">\
         <script>undefined_function();</script></body></html>",
    )]);
    let run = chromium(&dir.path().join("bad.html"), true, &["--dump-dom"]);
    assert_eq!(run.page_requests, ["http://127.0.0.1:9/x.png"]);
    assert!(
        console(&run.stderr)
            .iter()
            .any(|l| l.contains("Uncaught ReferenceError: undefined_function")),
        "{}",
        run.stderr
    );
    // The report's own policy blocks such a request before it is made, and says so on the
    // console: an image slipped into the page is caught either way.
    let scan = scan_at(&examples());
    let dir = bundle(&scan);
    let path = dir.path().join("report.html");
    let html = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        html.replacen(
            "<main>",
            "<main><img src=\"http://127.0.0.1:9/y.png\" alt=\"\">",
            1,
        ),
    )
    .unwrap();
    let run = chromium(&path, true, &["--dump-dom"]);
    assert!(
        console(&run.stderr)
            .iter()
            .any(|l| l.contains("Content Security Policy")),
        "{}",
        run.stderr
    );
}

#[test]
fn chromium_opens_the_examples_report_offline() {
    if !have_tool("chromium") {
        return;
    }
    let scan = scan_at(&examples());
    let dir = bundle(&scan);
    let page = dir.path().join("report.html");
    let run = chromium(&page, true, &["--dump-dom"]);
    assert_clean(&run, "examples");
    let dom = &run.stdout;
    assert!(dom.contains("<span class=\"verdict\">NOT_SATISFIED</span>"));
    assert_every_fail(&scan, dom, dom_text);
    // The script ran: it counted the results the filters leave (all of them).
    let n = scan.report.results.len();
    assert!(
        dom.contains(&format!(">{n} of {n} results shown</output>")),
        "the filter count"
    );
    // The chains are drawn.
    let figures = std::fs::read_to_string(&page)
        .unwrap()
        .matches("<figure class=\"chain\"")
        .count();
    assert!(figures > 5);
    assert_eq!(dom.matches("<svg role=\"img\"").count(), figures);

    // A screenshot for people to look at, and a print to PDF.
    let shot = target_dir().join("report-screenshot.png");
    let run = chromium(
        &page,
        true,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,2400",
            "--hide-scrollbars",
        ],
    );
    assert_clean(&run, "screenshot");
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 50_000,
        "{}",
        png.len()
    );
    eprintln!("screenshot of report.html: {}", shot.display());
    let pdf = target_dir().join("report.pdf");
    let run = chromium(
        &page,
        true,
        &[
            &format!("--print-to-pdf={}", pdf.display()),
            "--no-pdf-header-footer",
        ],
    );
    assert_clean(&run, "print");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(
        bytes.starts_with(b"%PDF-") && bytes.len() > 50_000,
        "{}",
        bytes.len()
    );
    eprintln!("report.html printed: {}", pdf.display());
}

#[test]
fn chromium_without_scripts_shows_every_result() {
    if !have_tool("chromium") {
        return;
    }
    let scan = scan_at(&examples());
    let dir = bundle(&scan);
    let run = chromium(&dir.path().join("report.html"), false, &["--dump-dom"]);
    assert_clean(&run, "scripts off");
    let dom = &run.stdout;
    // The count is the page's own text: no script ran.
    let n = scan.report.results.len();
    assert!(dom.contains(&format!(
        "<output id=\"f-count\" for=\"f-rq f-cp\">{n} results</output>"
    )));
    assert!(dom.contains("<span class=\"verdict\">NOT_SATISFIED</span>"));
    assert_every_fail(&scan, dom, dom_text);
    assert_eq!(articles(dom).len(), n);
}

#[test]
fn chromium_applies_the_filters() {
    if !have_tool("chromium") {
        return;
    }
    let scan = scan_at(&examples());
    let dir = bundle(&scan);
    let path = dir.path().join("report.html");
    let html = std::fs::read_to_string(&path).unwrap();
    // FAIL and MANUAL ticked, nginx chosen: the state a user's clicks leave.
    let mut filtered = html.clone();
    for s in ["EXCEPTED", "NOT_APPLICABLE", "PASS"] {
        let ticked = format!("<input type=\"checkbox\" id=\"f-{s}\" checked>");
        assert!(filtered.contains(&ticked));
        filtered = filtered.replace(&ticked, &format!("<input type=\"checkbox\" id=\"f-{s}\">"));
    }
    let nginx = filtered
        .split("<option value=\"cp")
        .skip(1)
        .find(|o| o.contains("\">nginx ("))
        .and_then(|o| o.split('"').next())
        .map(|i| format!("<option value=\"cp{i}\""))
        .unwrap();
    // The last option marked selected is the one a single select shows.
    filtered = filtered.replace(&nginx, &format!("{nginx} selected"));
    std::fs::write(&path, filtered).unwrap();
    let run = chromium(&path, true, &["--dump-dom"]);
    assert_clean(&run, "filtered");
    let expected = scan
        .report
        .results
        .iter()
        .filter(|r| matches!(r.status, Status::Fail | Status::Manual) && r.component == "nginx")
        .count();
    let n = scan.report.results.len();
    assert!(expected > 0 && expected < n);
    assert!(
        run.stdout
            .contains(&format!(">{expected} of {n} results shown</output>")),
        "{}",
        run.stdout
            .split("<output")
            .nth(1)
            .unwrap_or_default()
            .split("</output>")
            .next()
            .unwrap_or_default()
    );
}

#[test]
fn chromium_opens_a_report_with_excepted_results() {
    if !have_tool("chromium") {
        return;
    }
    let scan = scan_at(
        fixture("exceptions/a_risk_acceptance_and_a_vpn_tunnel_turn_fails_into_excepted").path(),
    );
    let excepted: Vec<_> = scan
        .report
        .results
        .iter()
        .filter(|r| r.status == Status::Excepted)
        .collect();
    assert_eq!(excepted.len(), 2);
    let dir = bundle(&scan);
    let run = chromium(&dir.path().join("report.html"), true, &["--dump-dom"]);
    assert_clean(&run, "excepted");
    let dom = &run.stdout;
    assert!(dom.contains(&format!(
        "<span class=\"verdict\">{}</span>",
        scan.report.verdict.as_str()
    )));
    assert_every_fail(&scan, dom, dom_text);
    let articles = articles(dom);
    for r in excepted {
        let claim = r.exception.as_ref().unwrap();
        assert!(
            articles.iter().any(|a| a.starts_with("st-EXCEPTED")
                && a.contains(&format!(">{}<", r.requirement))
                && a.contains(&format!(">{}</a>", claim.id))
                && a.contains(&format!(">{}</span>", claim.outcome.as_str()))),
            "EXCEPTED {} on {} with claim {}",
            r.requirement,
            r.endpoint,
            claim.id
        );
    }
    for c in &scan.report.exceptions {
        assert!(dom.contains(&format!(
            "<code>{}</code> · {}",
            c.id,
            c.kind.unwrap().as_str()
        )));
    }
    // The chain shows the excepted hop.
    assert!(dom.contains("<g class=\"arrow EXCEPTED plain\">"), "{dom}");
}
