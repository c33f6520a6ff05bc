//! Hostile input, generated at test time: FIFOs where files are expected, references out of the
//! scanned tree, expansion bombs, deep nesting, cycles, junk bytes and control characters.
//!
//! Each case runs the built binary as a child process and asserts what the kernel measured of
//! it (`wait4`: CPU time and peak resident memory), and that a finding names the problem. The
//! budget is the one a merge gate can live with, 2 s and 200 MB; CPU time is asserted rather
//! than wall time so that a loaded machine does not fail the suite, with a margin for the
//! unoptimised test build. A hang is killed after a minute and fails the case.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use wait4::Wait4;

/// CPU time (user + system) a case may take: 2 s, twice over for the unoptimised build.
const MAX_CPU: Duration = Duration::from_secs(4);
/// Peak resident memory a case may take.
const MAX_RSS: u64 = 200 * 1024 * 1024;

/// What one run of the binary did.
struct Run {
    stdout: String,
    stderr: String,
    code: Option<i32>,
    cpu: Duration,
    rss: u64,
}

impl Run {
    fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }

    /// The findings of a `--format json` run: (kind, message, file:line of the first location).
    fn findings(&self) -> Vec<(String, String, String)> {
        let record: serde_json::Value = serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.output()));
        record["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let at = f["locations"]
                    .get(0)
                    .map(|l| format!("{}:{}", l["file"].as_str().unwrap_or(""), l["line"]))
                    .unwrap_or_default();
                (
                    f["kind"].as_str().unwrap_or("").to_string(),
                    f["message"].as_str().unwrap_or("").to_string(),
                    at,
                )
            })
            .collect()
    }

    /// The finding of `kind` whose message holds `words`; fails the test without one.
    fn finding(&self, kind: &str, words: &str) -> (String, String, String) {
        let all = self.findings();
        all.iter()
            .find(|(k, m, _)| k == kind && m.contains(words))
            .cloned()
            .unwrap_or_else(|| panic!("no {kind} finding with {words:?} in {all:#?}"))
    }
}

/// Runs `tlsproof args` with `env` added, killed after a minute, and checks the budget.
fn tlsproof(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> Run {
    let io = tempfile::tempdir().unwrap();
    let (out, err) = (io.path().join("stdout"), io.path().join("stderr"));
    let mut child = Command::new("timeout")
        .args(["-s", "KILL", "60"])
        .arg(env!("CARGO_BIN_EXE_tlsproof"))
        .args(args)
        .envs(env.iter().copied())
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    // `timeout` waits for tlsproof, so its usage includes tlsproof's (RUSAGE_BOTH).
    let used = child.wait4().unwrap();
    let run = Run {
        stdout: String::from_utf8_lossy(&std::fs::read(out).unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&std::fs::read(err).unwrap()).into_owned(),
        code: used.status.code(),
        cpu: used.rusage.utime + used.rusage.stime,
        rss: used.rusage.maxrss,
    };
    eprintln!(
        "tlsproof {:?}: exit {:?}, {:.2} s CPU, {} MB",
        args.last().unwrap_or(&std::ffi::OsStr::new("")),
        run.code,
        run.cpu.as_secs_f64(),
        run.rss / (1024 * 1024)
    );
    assert_ne!(run.code, Some(124), "killed after a minute: it hangs");
    assert!(
        run.cpu <= MAX_CPU,
        "{:.2} s of CPU, over {MAX_CPU:?}",
        run.cpu.as_secs_f64()
    );
    assert!(
        run.rss <= MAX_RSS,
        "{} bytes resident, over {MAX_RSS}",
        run.rss
    );
    run
}

/// `tlsproof scan DIR --format json` with `extra` arguments.
fn scan_json(dir: &Path, extra: &[&str]) -> Run {
    scan_as(dir, "json", extra, &[])
}

fn scan_as(dir: &Path, format: &str, extra: &[&str], env: &[(&str, &str)]) -> Run {
    let mut args: Vec<&std::ffi::OsStr> = vec!["scan".as_ref(), "--format".as_ref()];
    args.push(format.as_ref());
    args.extend(extra.iter().map(|a| std::ffi::OsStr::new(*a)));
    args.push(dir.as_os_str());
    tlsproof(&args, env)
}

/// Writes `files` under `dir`.
fn write(dir: &Path, files: &[(&str, &[u8])]) {
    for (rel, bytes) in files {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let ok = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(ok.success(), "mkfifo {}", path.display());
}

const TRAEFIK_STATIC: &str = "entryPoints:\n  web:\n    address: \":80\"\nproviders:\n  file:\n";

// --- Only regular files are read -------------------------------------------------------------

#[test]
fn a_fifo_included_by_nginx_directly_or_through_a_glob_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[(
            "nginx.conf",
            b"http {\n  include conf.d/*.conf;\n  server { listen 80; }\n}\n",
        )],
    );
    mkfifo(&dir.path().join("conf.d/pipe.conf"));
    let run = scan_json(dir.path(), &[]);
    let (_, _, at) = run.finding(
        "READ_ERROR",
        "conf.d/pipe.conf is a FIFO, not a regular file",
    );
    assert_eq!(at, "nginx.conf:2");

    std::fs::write(
        dir.path().join("nginx.conf"),
        "http {\n  server { listen 80; }\n  include conf.d/pipe.conf;\n}\n",
    )
    .unwrap();
    let run = scan_json(dir.path(), &[]);
    let (_, _, at) = run.finding("READ_ERROR", "is a FIFO");
    assert_eq!(at, "nginx.conf:3");
}

#[test]
fn a_fifo_imported_by_a_caddyfile_is_a_finding() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[("Caddyfile", b"example.com {\n\timport snippets/*\n}\n")],
    );
    mkfifo(&dir.path().join("snippets/pipe"));
    let run = scan_json(dir.path(), &[]);
    let (_, _, at) = run.finding("READ_ERROR", "snippets/pipe is a FIFO");
    assert_eq!(at, "Caddyfile:2");
}

#[test]
fn a_fifo_named_by_a_traefik_file_provider_is_a_finding() {
    for (key, fifo) in [
        ("filename: dynamic.yml", "dynamic.yml"),
        ("directory: dyn", "dyn/a.yml"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("{TRAEFIK_STATIC}    {key}\n");
        write(dir.path(), &[("traefik.yml", text.as_bytes())]);
        mkfifo(&dir.path().join(fifo));
        let run = scan_json(dir.path(), &[]);
        let (_, _, at) = run.finding("READ_ERROR", "a FIFO, not a regular file");
        assert_eq!(at, "traefik.yml:6", "{key}");
    }
}

#[test]
fn a_fifo_as_ca_file_claims_file_or_settings_is_refused_without_blocking() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[("nginx.conf", b"http { server { listen 80; } }\n")],
    );
    mkfifo(&dir.path().join("tlsproof-exceptions.yaml"));
    mkfifo(&dir.path().join("tlsproof.toml"));
    let run = scan_json(dir.path(), &[]);
    run.finding(
        "READ_ERROR",
        "tlsproof-exceptions.yaml: a FIFO, not a regular file",
    );
    run.finding("READ_ERROR", "tlsproof.toml: a FIFO, not a regular file");

    let ca = dir.path().join("ca.pem");
    mkfifo(&ca);
    let run = scan_json(dir.path(), &["--ca-file", ca.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{}", run.output());
    assert!(
        run.stderr.contains("a FIFO, not a regular file"),
        "{}",
        run.stderr
    );
    let run = scan_json(dir.path(), &["--exceptions", ca.to_str().unwrap()]);
    assert_eq!(run.code, Some(2), "{}", run.output());
    assert!(
        run.stderr.contains("a FIFO, not a regular file"),
        "{}",
        run.stderr
    );
}

// --- Nothing outside the scanned tree is read ------------------------------------------------

/// A file outside the scanned tree whose every line is a marker no output may show.
fn outside_secret() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("shadow");
    std::fs::write(
        &secret,
        "root:SECRET-MARKER-1:19000:0:99999:7:::\nhttp:\n  routers: [SECRET-MARKER-2\n",
    )
    .unwrap();
    (dir, secret)
}

fn assert_no_secret(run: &Run) {
    let all = run.output();
    assert!(
        !all.contains("SECRET-MARKER"),
        "a byte of the outside file: {all}"
    );
}

#[test]
fn a_traefik_file_provider_leading_out_of_the_tree_is_named_and_not_read() {
    let (outside, secret) = outside_secret();
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let up = "../".repeat(tree.components().count() - 1);
    let relative = format!("{up}{}", secret.strip_prefix("/").unwrap().display());
    let absolute = secret.display().to_string();
    let folder = outside.path().display().to_string();
    for (key, named) in [
        ("filename", absolute.as_str()),
        ("filename", relative.as_str()),
        ("directory", folder.as_str()),
        ("directory", "dynamic"),
    ] {
        std::fs::remove_dir_all(&tree).ok();
        let text = format!("{TRAEFIK_STATIC}    {key}: {named}\n");
        write(&tree, &[("traefik.yml", text.as_bytes())]);
        if key == "directory" {
            std::fs::copy(&secret, outside.path().join("dynamic.yml")).unwrap();
            // A folder inside the tree holding a symlink out of it.
            std::fs::create_dir_all(tree.join("dynamic")).unwrap();
            std::os::unix::fs::symlink(&secret, tree.join("dynamic/routers.yml")).unwrap();
        }
        for format in ["json", "human"] {
            let run = scan_as(&tree, format, &[], &[]);
            assert_no_secret(&run);
            assert!(
                run.stdout
                    .contains("lies outside the scanned tree; it was not read"),
                "{key}: {named}: {}",
                run.stdout
            );
        }
    }
}

#[test]
fn claims_and_settings_symlinked_out_of_the_tree_are_named_and_not_read() {
    let (_outside, secret) = outside_secret();
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        &[("nginx.conf", b"http { server { listen 80; } }\n")],
    );
    std::os::unix::fs::symlink(&secret, dir.path().join("tlsproof-exceptions.yaml")).unwrap();
    std::os::unix::fs::symlink(&secret, dir.path().join("tlsproof.toml")).unwrap();
    let run = scan_json(dir.path(), &[]);
    assert_no_secret(&run);
    run.finding(
        "READ_ERROR",
        "tlsproof-exceptions.yaml: a symlink leading outside",
    );
    run.finding("READ_ERROR", "tlsproof.toml: a symlink leading outside");
    assert_no_secret(&scan_as(dir.path(), "human", &[], &[]));

    // Nor does its hash enter the evidence bundle.
    let bundle = tempfile::tempdir().unwrap();
    let out = bundle.path().join("evidence");
    let run = tlsproof(
        &[
            "evidence".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
            dir.path().as_os_str(),
        ],
        &[],
    );
    assert_no_secret(&run);
    use sha2::Digest;
    let hash = tlsproof::source::hex(&sha2::Sha256::digest(std::fs::read(&secret).unwrap()));
    let mut files = 0;
    for path in files_under(&out) {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        assert!(
            !text.contains(&hash),
            "the outside file's hash is in the bundle"
        );
        assert!(!text.contains("SECRET-MARKER"));
        files += 1;
    }
    assert!(files > 3, "{}", run.output());
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn a_ca_file_named_by_tlsproof_toml_outside_the_tree_is_refused() {
    let (_outside, secret) = outside_secret();
    let dir = tempfile::tempdir().unwrap();
    let toml = format!("[trust]\nca_files = [{:?}]\n", secret.display().to_string());
    write(
        dir.path(),
        &[
            ("nginx.conf", b"http { server { listen 80; } }\n"),
            ("tlsproof.toml", toml.as_bytes()),
        ],
    );
    let run = scan_json(dir.path(), &[]);
    assert_no_secret(&run);
    assert_eq!(run.code, Some(2), "{}", run.output());
    assert!(
        run.stderr.contains("lies outside the scanned tree"),
        "{}",
        run.stderr
    );
}

// --- Control characters are escaped in every human-readable view -----------------------------

#[test]
fn control_characters_in_file_names_and_configuration_are_escaped_in_human_views() {
    let dir = tempfile::tempdir().unwrap();
    let evil_name = "conf.d/x\n::error file=forged::FORGED\u{1b}[2J\u{9b}31m.conf";
    write(
        dir.path(),
        &[
            ("nginx.conf", b"http {\n  include conf.d/*.conf;\n}\n"),
            (
                evil_name,
                "server {\n  listen 80;\n  server_name \"a\u{1b}]0;title\u{7}\nb\";\n  ssl_protocols TLSv1;\n}\n"
                    .as_bytes(),
            ),
        ],
    );
    let forged = |text: &str, view: &str| {
        assert!(!text.contains('\u{1b}'), "{view} holds an ESC: {text}");
        assert!(!text.contains('\u{9b}'), "{view} holds a C1 CSI: {text}");
        assert!(!text.contains('\u{7}'), "{view} holds a BEL: {text}");
        assert!(
            !text.lines().any(|l| l.starts_with("::error file=forged")),
            "{view} has a forged line: {text}"
        );
        assert!(
            text.contains("\\u{1b}"),
            "{view} does not show the escape: {text}"
        );
    };
    for format in ["human", "github"] {
        let run = scan_as(dir.path(), format, &["--verbose"], &[]);
        forged(&run.stdout, format);
    }
    let bundle = tempfile::tempdir().unwrap();
    let out = bundle.path().join("evidence");
    tlsproof(
        &[
            "evidence".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
            dir.path().as_os_str(),
        ],
        &[],
    );
    for view in ["report.md", "report.html"] {
        forged(&std::fs::read_to_string(out.join(view)).unwrap(), view);
    }
}

// --- Expansion, nesting and size budgets -----------------------------------------------------

/// A second, ordinary deployment beside the hostile file: it must still be judged.
const BESIDE: (&str, &[u8]) = (
    "other/nginx.conf",
    b"http {\n  server {\n    listen 443 ssl;\n    server_name other.example.com;\n  }\n}\n",
);

fn judged_beside(run: &Run) {
    assert!(
        run.stdout
            .contains("nginx:other/nginx.conf:2:other.example.com"),
        "the rest of the scan was not judged: {}",
        run.output()
    );
}

#[test]
fn a_large_environment_value_expanded_in_many_places_ends_at_its_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut caddyfile = String::from("example.com {\n");
    for i in 0..2000 {
        caddyfile.push_str(&format!("\theader X-{i} {{$BIG}}\n"));
    }
    caddyfile.push_str("}\n");
    write(dir.path(), &[("Caddyfile", caddyfile.as_bytes()), BESIDE]);
    // 128 KB: about the most one environment variable can hold (Linux's MAX_ARG_STRLEN).
    let big = "a".repeat(128_000);
    let run = scan_as(dir.path(), "json", &[], &[("BIG", &big)]);
    // 1 MiB of values is passed by the ninth {$BIG}, on line 10.
    let (_, _, at) = run.finding(
        "LIMIT_EXCEEDED",
        "environment variables ({$…}) expand to more than",
    );
    assert_eq!(at, "Caddyfile:10");
    judged_beside(&run);
}

#[test]
fn a_caddy_snippet_fanning_out_a_large_token_ends_at_its_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut caddyfile = format!(
        "(big) {{\n\theader X-Big {}\n}}\nexample.com {{\n",
        "a".repeat(200_000)
    );
    caddyfile.push_str(&"\timport big\n".repeat(2000));
    caddyfile.push_str("}\n");
    write(dir.path(), &[("Caddyfile", caddyfile.as_bytes()), BESIDE]);
    let run = scan_json(dir.path(), &[]);
    // 16 MiB of copied tokens is passed by the 84th import, on line 5 + 83.
    let (_, _, at) = run.finding("LIMIT_EXCEEDED", "imports copy more than 16777216 bytes");
    assert_eq!(at, "Caddyfile:88");
    judged_beside(&run);
}

#[test]
fn a_file_included_many_times_ends_at_the_expansion_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut conf = String::from("http {\n");
    conf.push_str(&"  include x.conf;\n".repeat(20_000));
    conf.push_str("}\n");
    write(
        dir.path(),
        &[
            ("nginx.conf", conf.as_bytes()),
            ("x.conf", b"# nothing\n"),
            BESIDE,
        ],
    );
    let run = scan_json(dir.path(), &[]);
    let (_, _, at) = run.finding("LIMIT_EXCEEDED", "more than 16384 include expansions");
    assert_eq!(at, "nginx.conf:16386");
    judged_beside(&run);
}

#[test]
fn deep_nesting_is_a_finding_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let n = 100_000;
    let caddy = format!(
        "example.com {{\n{}{}}}\n",
        "tls {\n".repeat(n),
        "}\n".repeat(n)
    );
    let nginx = format!("http {{\n{}{}}}\n", "server {\n".repeat(n), "}\n".repeat(n));
    let yaml = format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: x\nspec: {}\n",
        "[".repeat(1_000_000)
    );
    write(
        dir.path(),
        &[
            ("caddy/Caddyfile", caddy.as_bytes()),
            ("nginx/nginx.conf", nginx.as_bytes()),
            ("k8s/service.yaml", yaml.as_bytes()),
            BESIDE,
        ],
    );
    let run = scan_json(dir.path(), &[]);
    let (_, _, at) = run.finding(
        "LIMIT_EXCEEDED",
        "blocks nested deeper than 64 levels; the Caddyfile",
    );
    assert_eq!(at, "caddy/Caddyfile:66");
    let (_, _, at) = run.finding(
        "LIMIT_EXCEEDED",
        "blocks nested deeper than 64 levels; the file",
    );
    assert_eq!(at, "nginx/nginx.conf:65");
    run.finding("LIMIT_EXCEEDED", "recursion limit exceeded");
    judged_beside(&run);
}

#[test]
fn a_huge_single_line_is_refused_as_nginx_refuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let conf = format!(
        "http {{\n  server {{ listen 80; server_name {}; }}\n}}\n",
        "a".repeat(8 << 20)
    );
    write(dir.path(), &[("nginx.conf", conf.as_bytes()), BESIDE]);
    let run = scan_json(dir.path(), &[]);
    let (_, _, at) = run.finding("PARSE_ERROR", "too long parameter");
    assert_eq!(at, "nginx.conf:2");
    judged_beside(&run);
}

#[test]
fn a_file_over_the_size_limit_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let conf = format!("# {}\nhttp {{}}\n", "a".repeat(20 << 20));
    write(dir.path(), &[("nginx.conf", conf.as_bytes()), BESIDE]);
    let run = scan_json(dir.path(), &[]);
    run.finding("LIMIT_EXCEEDED", "over the 16777216 byte limit");
    judged_beside(&run);
}

#[test]
fn the_scan_stops_reading_at_its_budget_of_bytes_and_judges_what_it_read() {
    let dir = tempfile::tempdir().unwrap();
    // Each file alone is within every per-file and per-tree limit; together they are over the
    // scan's budget. What fits (`other/`, 90 bytes) is read and judged.
    let big = format!("# {}\nhttp {{}}\n", "a".repeat(3000));
    let include = b"http {\n  include sites.conf;\n}\n";
    write(
        dir.path(),
        &[
            ("tlsproof.toml", b"[limits]\nmax_scan_bytes = 2000\n"),
            ("inc/nginx.conf", include),
            ("inc/sites.conf", big.as_bytes()),
            ("zz/nginx.conf", big.as_bytes()),
            BESIDE,
        ],
    );
    let run = scan_json(dir.path(), &[]);
    let budget = "was not read: the scan has read its budget of 2000 bytes of configuration";
    let (_, _, at) = run.finding("LIMIT_EXCEEDED", &format!("inc/sites.conf {budget}"));
    assert_eq!(at, "inc/nginx.conf:2", "the include that ran out of budget");
    run.finding("LIMIT_EXCEEDED", &format!("zz/nginx.conf {budget}"));
    judged_beside(&run);
    // Without the limit, the same tree is read whole.
    std::fs::write(dir.path().join("tlsproof.toml"), "").unwrap();
    let run = scan_json(dir.path(), &[]);
    assert!(!run.output().contains("budget of"), "{}", run.output());
}

// --- Growth stays linear ---------------------------------------------------------------------

/// The CPU time of scanning `make(n)` and `make(4 * n)`: four times the input may take about
/// four times as long (the fixed start-up cost makes it less), never the square (sixteen).
fn grows_linearly(make: impl Fn(usize) -> Vec<(String, String)>, n: usize) {
    let cpu = |size: usize| {
        let dir = tempfile::tempdir().unwrap();
        for (rel, text) in make(size) {
            write(dir.path(), &[(&rel, text.as_bytes())]);
        }
        let run = scan_json(dir.path(), &[]);
        assert!(
            !run.findings().iter().any(|(k, _, _)| k == "LIMIT_EXCEEDED"),
            "{}",
            run.output()
        );
        run.cpu.as_secs_f64()
    };
    let (small, large) = (cpu(n), cpu(4 * n));
    assert!(
        large < 8.0 * small,
        "{n} → {small:.2} s, {} → {large:.2} s: more than linear",
        4 * n
    );
}

#[test]
fn a_caddy_site_with_thousands_of_addresses_is_linear() {
    grows_linearly(
        |n| {
            let addresses: Vec<String> = (0..n).map(|i| format!("h{i}.example.com")).collect();
            vec![(
                "Caddyfile".into(),
                format!("{} {{\n\trespond ok\n}}\n", addresses.join(", ")),
            )]
        },
        750,
    );
}

#[test]
fn many_caddy_sites_are_linear() {
    grows_linearly(
        |n| {
            let sites: String = (0..n)
                .map(|i| format!("h{i}.example.com {{\n\trespond ok\n}}\n"))
                .collect();
            vec![("Caddyfile".into(), sites)]
        },
        60,
    );
}

#[test]
fn a_traefik_toml_with_many_tables_is_linear() {
    grows_linearly(
        |n| {
            let tables: String = (0..n).map(|i| format!("[x{i}]\na = 1\n")).collect();
            let text = format!("[entryPoints.web]\naddress = \":80\"\n{tables}");
            vec![("traefik.toml".into(), text)]
        },
        5000,
    );
}

// --- The classic bombs -----------------------------------------------------------------------

#[test]
fn classic_hostile_files_are_findings_and_the_rest_is_judged() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from(
        "entryPoints:\n  web:\n    address: \":80\"\na0: &a0 [x, x, x, x, x, x, x, x, x]\n",
    );
    for i in 1..12 {
        let refs = vec![format!("*a{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    let junk: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    write(
        dir.path(),
        &[
            ("bomb/traefik.yml", bomb.as_bytes()),
            ("cycle/nginx.conf", b"http {\n  include a.conf;\n}\n"),
            ("cycle/a.conf", b"include b.conf;\n"),
            ("cycle/b.conf", b"include a.conf;\n"),
            ("junk/nginx.conf", &junk),
            (
                "utf8/nginx.conf",
                b"http {\n  server {\n    listen 80;\n    server_name a\xff\xfe\x00b.example.com;\n  }\n}\n",
            ),
            BESIDE,
        ],
    );
    let links = dir.path().join("loop");
    std::fs::create_dir_all(&links).unwrap();
    std::os::unix::fs::symlink(links.join("b.conf"), links.join("a.conf")).unwrap();
    std::os::unix::fs::symlink(links.join("a.conf"), links.join("b.conf")).unwrap();
    std::os::unix::fs::symlink(&links, links.join("self")).unwrap();

    let run = scan_json(dir.path(), &[]);
    run.finding("LIMIT_EXCEEDED", "bomb/traefik.yml: not valid YAML");
    let (_, _, at) = run.finding("INCLUDE_CYCLE", "include cycle");
    assert!(at.starts_with("cycle/"), "{at}");
    // Random bytes: a parse error or a nesting limit, wherever the bytes happen to lead.
    assert!(
        run.findings()
            .iter()
            .any(|(k, _, at)| at.starts_with("junk/nginx.conf:")
                && (k == "PARSE_ERROR" || k == "LIMIT_EXCEEDED")),
        "{:#?}",
        run.findings()
    );
    run.finding("NOTICE", "loop/a.conf: not read");
    judged_beside(&run);
    // Invalid UTF-8 and a NUL byte are read (replaced) and judged, and shown escaped; a notice
    // cites the line of the first byte that is not UTF-8.
    assert!(run.stdout.contains("utf8/nginx.conf"), "{}", run.stdout);
    let (_, _, at) = run.finding("NOTICE", "utf8/nginx.conf: not valid UTF-8");
    assert_eq!(
        at, "utf8/nginx.conf:4",
        "the line of the first invalid byte"
    );
    let human = scan_as(dir.path(), "human", &["--verbose"], &[]);
    assert!(
        !human.stdout.contains('\0'),
        "a NUL byte reached the terminal"
    );
}

#[test]
fn a_private_key_where_a_certificate_is_expected_is_never_echoed() {
    let dir = tempfile::tempdir().unwrap();
    // Not a real key: PEM armour around bytes that must not appear in any output.
    let body = tlsproof::source::base64(&[0x5a; 600]);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    let key = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        lines.join("\n")
    );
    write(
        dir.path(),
        &[
            (
                "nginx.conf",
                b"http {\n  server {\n    listen 443 ssl;\n    server_name a.example.com;\n    ssl_certificate certs/site.pem;\n  }\n}\n",
            ),
            ("certs/site.pem", key.as_bytes()),
        ],
    );
    for format in ["json", "human", "github", "sarif"] {
        let run = scan_as(dir.path(), format, &["--verbose"], &[]);
        for line in &lines {
            assert!(
                !run.output().contains(line),
                "{format} shows the key: {}",
                run.output()
            );
        }
        if format == "json" {
            run.finding("PARSE_ERROR", "certs/site.pem");
        }
    }
}
