//! Shards and merge through the binary: the N shards of a scan (`evidence --shard K/N`), merged
//! with `tlsproof merge`, give the results of the unsharded scan as a set, on the examples and
//! on a generated tree of thousands of endpoints; a missing or doubled shard is refused; the
//! bundles of two repositories make an organization record with a verdict per repository and
//! one over both, in every view; shard signatures are checked with `--key`.

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn tlsproof(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(args)
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .output()
        .expect("run tlsproof")
}

fn text(o: &Output) -> String {
    format!(
        "exit {:?}\n{}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn examples(sub: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(sub)
        .display()
        .to_string()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// Starts `tlsproof evidence ROOT --out OUT` with `extra` arguments, judged at one time unless
/// they give another.
fn start_evidence(root: &str, out: &Path, extra: &[&str]) -> std::process::Child {
    let at: &[&str] = match extra.contains(&"--at") {
        true => &[],
        false => &["--at", "2026-12-01T00:00:00Z"],
    };
    Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .args(["evidence", root, "--out", s(out)])
        .args(at)
        .args(extra)
        .env("SOURCE_DATE_EPOCH", "1790000000")
        .stdout(std::process::Stdio::null())
        .spawn()
        .expect("run tlsproof evidence")
}

/// Waits for evidence runs: each wrote its bundle (exit 0, or 1 for a FAIL).
fn finished(children: Vec<std::process::Child>) {
    for mut c in children {
        let status = c.wait().unwrap();
        assert!(matches!(status.code(), Some(0 | 1)), "{status}");
    }
}

/// The bundle directories of the shards of `count` under `dir`.
fn shard_dirs(dir: &Path, count: u32) -> Vec<PathBuf> {
    (1..=count)
        .map(|k| dir.join(format!("{k}-of-{count}")))
        .collect()
}

/// Starts the evidence runs of every shard of `count` of `root` (side by side, as the jobs of
/// a CI matrix run), into [`shard_dirs`].
fn start_shards(root: &str, count: u32, dir: &Path, extra: &[&str]) -> Vec<std::process::Child> {
    shard_dirs(dir, count)
        .iter()
        .enumerate()
        .map(|(i, out)| {
            let shard = format!("{}/{count}", i + 1);
            let mut args = vec!["--shard", shard.as_str()];
            args.extend(extra);
            start_evidence(root, out, &args)
        })
        .collect()
}

/// Writes the bundles of every shard of `count` of `root` under `dir`.
fn shards(root: &str, count: u32, dir: &Path, extra: &[&str]) -> Vec<PathBuf> {
    finished(start_shards(root, count, dir, extra));
    shard_dirs(dir, count)
}

fn merge(bundles: &[PathBuf], out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["merge"];
    args.extend(bundles.iter().map(|b| s(b)));
    args.extend(["--out", s(out)]);
    args.extend(extra);
    tlsproof(&args)
}

fn verified(bundle: &Path, extra: &[&str]) {
    let mut args = vec!["verify", s(bundle)];
    args.extend(extra);
    let v = tlsproof(&args);
    assert_eq!(v.status.code(), Some(0), "{}", text(&v));
}

/// What a record judged, as sets: each result, finding and claim as its JSON text.
#[derive(Debug, PartialEq)]
struct Judged {
    verdict: Value,
    summary: Value,
    results: BTreeSet<String>,
    findings: BTreeSet<String>,
    claims: BTreeSet<String>,
    endpoints: BTreeSet<String>,
}

fn judged(bundle: &Path) -> Judged {
    let record = json(&bundle.join("results.json"));
    let model = json(&bundle.join("model.json"));
    let set = |v: &Value| -> BTreeSet<String> {
        v.as_array()
            .map(|a| a.iter().map(Value::to_string).collect())
            .unwrap_or_default()
    };
    Judged {
        verdict: record["verdict"].clone(),
        summary: record["summary"].clone(),
        results: set(&record["results"]),
        findings: set(&record["findings"]),
        claims: set(&record["exceptions"]),
        endpoints: set(&model["endpoints"]),
    }
}

/// For each count, the merged shards of `root` judge what the unsharded scan judges. Every
/// evidence run starts at once, so that the machine's cores share them.
fn merged_shards_judge_as_the_whole(root: &str, counts: &[u32]) {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    let mut runs = vec![start_evidence(root, &whole, &[])];
    for &count in counts {
        runs.extend(start_shards(
            root,
            count,
            &tmp.path().join(format!("n{count}")),
            &[],
        ));
    }
    finished(runs);
    let expected = judged(&whole);
    assert!(!expected.results.is_empty());
    for &count in counts {
        let dir = tmp.path().join(format!("n{count}"));
        let merged = dir.join("merged");
        let o = merge(&shard_dirs(&dir, count), &merged, &[]);
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", text(&o));
        verified(&merged, &[]);
        assert_eq!(judged(&merged), expected, "{count} shards of {root}");
        // The results are in a scan's order, not only the same set.
        let order = |b: &Path| json(&b.join("results.json"))["results"].clone();
        assert_eq!(order(&merged), order(&whole), "{count} shards of {root}");
        let record = json(&merged.join("results.json"));
        assert_eq!(
            record["scope"]["merged"].as_array().unwrap().len(),
            count as usize
        );
    }
}

#[test]
fn the_merged_shards_of_the_examples_judge_as_the_unsharded_scan() {
    merged_shards_judge_as_the_whole(&examples(""), &[1, 2, 7]);
}

/// TREES nginx include trees (`siteT/nginx.conf` including `conf.d/*.conf`), each with ten
/// servers: eight plaintext redirects and two TLS sites proxying to an upstream.
fn estate(trees: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    for t in 0..trees {
        let dir = tmp.path().join(format!("site{t}"));
        std::fs::create_dir_all(dir.join("conf.d")).unwrap();
        std::fs::write(
            dir.join("nginx.conf"),
            "events {}\nhttp {\n    ssl_protocols TLSv1.2 TLSv1.3;\n    include conf.d/*.conf;\n}\n",
        )
        .unwrap();
        let mut sites = String::new();
        for i in 0..8 {
            sites.push_str(&format!(
                "server {{\n    listen 80;\n    server_name s{t}-{i}.example.com;\n    return 301 https://$host$request_uri;\n}}\n"
            ));
        }
        for i in 0..2 {
            sites.push_str(&format!(
                "server {{\n    listen 443 ssl;\n    server_name s{t}-{i}.example.com;\n    ssl_certificate /etc/tls/s.pem;\n    location /mcp {{ proxy_pass https://mcp{i}.internal:9443; proxy_ssl_verify on; }}\n}}\n"
            ));
        }
        std::fs::write(dir.join("conf.d/sites.conf"), sites).unwrap();
    }
    tmp
}

#[test]
fn the_merged_shards_of_thousands_of_endpoints_judge_as_the_unsharded_scan() {
    // 2,000 endpoints in 200 include trees.
    let tree = estate(200);
    merged_shards_judge_as_the_whole(s(tree.path()), &[1, 2, 7]);
}

#[test]
fn an_include_tree_is_judged_by_one_shard_and_every_shard_judges_some() {
    let tree = estate(60);
    let tmp = tempfile::tempdir().unwrap();
    let bundles = shards(s(tree.path()), 7, tmp.path(), &[]);
    let mut owner: std::collections::BTreeMap<String, usize> = Default::default();
    for (k, b) in bundles.iter().enumerate() {
        let model = json(&b.join("model.json"));
        let endpoints = model["endpoints"].as_array().unwrap();
        assert!(!endpoints.is_empty(), "shard {} judged nothing", k + 1);
        for e in endpoints {
            // `siteT/conf.d/sites.conf`, reached from `siteT/nginx.conf`.
            let file = e["span"]["file"].as_str().unwrap();
            let tree = file.split('/').next().unwrap().to_string();
            assert_eq!(e["span"]["via"][0]["file"], format!("{tree}/nginx.conf"));
            let first = *owner.entry(tree.clone()).or_insert(k);
            assert_eq!(
                first,
                k,
                "{tree} is split between shards {} and {}",
                first + 1,
                k + 1
            );
        }
    }
    assert_eq!(owner.len(), 60);
}

#[test]
fn a_missing_or_doubled_shard_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let root = examples("");
    let b = shards(&root, 3, tmp.path(), &[]);
    let out = tmp.path().join("merged");

    let o = merge(&b[..2], &out, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("shard 3/3 missing"), "{}", text(&o));

    let o = merge(
        &[b[0].clone(), b[1].clone(), b[1].clone(), b[2].clone()],
        &out,
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("shard 2/3 is given twice"),
        "{}",
        text(&o)
    );

    let other = shards(&root, 2, &tmp.path().join("two"), &[]);
    let o = merge(
        &[b[0].clone(), b[1].clone(), b[2].clone(), other[0].clone()],
        &out,
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("not cut the same way"), "{}", text(&o));

    // The examples' claims are judged at the evaluation time: a shard judged later is refused.
    let later = tmp.path().join("later");
    finished(vec![start_evidence(
        &root,
        &later,
        &["--shard", "3/3", "--at", "2026-12-02T00:00:00Z"],
    )]);
    let o = merge(&[b[0].clone(), b[1].clone(), later], &out, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("give every shard the same --at"),
        "{}",
        text(&o)
    );
    assert!(
        !out.exists(),
        "nothing is written when the merge is refused"
    );
}

#[test]
fn a_bundle_that_does_not_verify_is_refused_by_name() {
    let tmp = tempfile::tempdir().unwrap();
    let b = shards(&examples(""), 2, tmp.path(), &[]);
    let report = b[1].join("report.md");
    let mut bytes = std::fs::read(&report).unwrap();
    bytes.push(b'\n');
    std::fs::write(&report, bytes).unwrap();
    let o = merge(&b, &tmp.path().join("merged"), &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let said = text(&o);
    assert!(
        said.contains(&format!("{}: does not verify", b[1].display()))
            && said.contains("report.md"),
        "{said}"
    );
}

#[test]
fn an_organization_record_has_a_verdict_per_repository_and_one_over_all() {
    let tmp = tempfile::tempdir().unwrap();
    let edge_whole = tmp.path().join("edge-whole");
    let o = tlsproof(&[
        "evidence",
        &examples("nginx"),
        "--repository",
        "acme/edge",
        "--out",
        s(&edge_whole),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let tools = shards(
        &examples("caddy"),
        2,
        &tmp.path().join("tools"),
        &["--repository", "acme/tools"],
    );
    let out = tmp.path().join("org");
    let mut bundles = vec![edge_whole.clone()];
    bundles.extend(tools.iter().cloned());
    let o = merge(&bundles, &out, &[]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a FAIL of acme/edge: {}",
        text(&o)
    );
    verified(&out, &[]);

    let record = json(&out.join("results.json"));
    let edge = json(&edge_whole.join("results.json"));
    // The nginx example fails; the Caddy one has MANUAL results and no FAIL.
    assert_eq!(edge["verdict"], "NOT_SATISFIED");
    let repositories = record["repositories"].as_array().unwrap();
    let verdicts: Vec<(&str, &str)> = repositories
        .iter()
        .map(|r| {
            (
                r["repository"].as_str().unwrap(),
                r["verdict"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        verdicts,
        [("acme/edge", "NOT_SATISFIED"), ("acme/tools", "INCOMPLETE")]
    );
    assert_eq!(record["verdict"], "NOT_SATISFIED");
    assert_eq!(repositories[0]["summary"], edge["summary"]);
    // Both repositories' claims (from claims files with the same ids), each naming its
    // repository.
    let claims = record["exceptions"].as_array().unwrap();
    let edge_claims = edge["exceptions"].as_array().unwrap().len();
    assert!(
        edge_claims > 0 && claims.len() > edge_claims,
        "{}",
        claims.len()
    );
    for c in claims {
        assert!(c["repository"].is_string(), "{c}");
    }
    let ids = |repository: &str| -> Vec<&str> {
        let mine = claims.iter().filter(|c| c["repository"] == repository);
        mine.map(|c| c["id"].as_str().unwrap()).collect()
    };
    let (edge_ids, tools_ids) = (ids("acme/edge"), ids("acme/tools"));
    assert!(
        edge_ids.iter().any(|id| tools_ids.contains(id)),
        "{edge_ids:?} {tools_ids:?}"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("` (acme/tools: `"),
        "the claims table names the repository"
    );
    // Every result names its repository, and the record holds each repository's results.
    let results = record["results"].as_array().unwrap();
    let of = |name: &str| results.iter().filter(|r| r["repository"] == name).count();
    assert_eq!(of("acme/edge"), edge["results"].as_array().unwrap().len());
    assert_eq!(of("acme/edge") + of("acme/tools"), results.len());
    assert!(of("acme/tools") > 0);

    // Every view of the record shows each repository's verdict.
    let read = |f: &str| std::fs::read_to_string(out.join(f)).unwrap();
    let md = read("report.md");
    assert!(md.contains("## Repositories"), "{md}");
    assert!(md.contains("| `acme/edge` | **NOT_SATISFIED** |"), "{md}");
    assert!(md.contains("| `acme/tools` | **INCOMPLETE**"), "{md}");
    let html = read("report.html");
    assert!(
        html.contains("<td><code>acme/tools</code></td><td><span class=\"badge v-INCOMPLETE\">"),
        "{html}"
    );
    let sarif = json(&out.join("results.sarif"));
    assert_eq!(
        sarif["runs"][0]["properties"]["repositories"],
        serde_json::json!([
            {"repository": "acme/edge", "verdict": "NOT_SATISFIED"},
            {"repository": "acme/tools", "verdict": "INCOMPLETE"}
        ])
    );
    let junit = read("junit.xml");
    assert!(
        junit.contains("<property name=\"verdict:acme/tools\" value=\"INCOMPLETE\"/>"),
        "{junit}"
    );
    let oscal = read("oscal-assessment-results.json");
    assert!(oscal.contains("\"value\": \"acme/edge: NOT_SATISFIED\""));
    // The three merged bundles' manifests are kept, each with the shard it was.
    let merged = record["scope"]["merged"].as_array().unwrap();
    let kept: Vec<String> = merged
        .iter()
        .map(|m| format!("{} {} {}", m["manifest"], m["repository"], m["shard"]))
        .collect();
    assert_eq!(
        kept,
        [
            r#""part-001.manifest.json" "acme/edge" null"#,
            r#""part-002.manifest.json" "acme/tools" {"index":1,"count":2}"#,
            r#""part-003.manifest.json" "acme/tools" {"index":2,"count":2}"#,
        ]
    );
}

#[test]
fn a_rewritten_repository_verdict_fails_verify() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp.path().join("b");
    tlsproof(&[
        "evidence",
        &examples("nginx"),
        "--repository",
        "a",
        "--out",
        s(&a),
    ]);
    tlsproof(&[
        "evidence",
        &examples("caddy"),
        "--repository",
        "b",
        "--out",
        s(&b),
    ]);
    let out = tmp.path().join("org");
    merge(&[a, b], &out, &[]);
    verified(&out, &[]);
    // Rewrite one repository's verdict and re-hash the record in the manifest.
    let path = out.join("results.json");
    let mut record = json(&path);
    record["repositories"][1]["verdict"] = "SATISFIED".into();
    let bytes = format!("{}\n", serde_json::to_string_pretty(&record).unwrap());
    std::fs::write(&path, &bytes).unwrap();
    let mut manifest = json(&out.join("manifest.json"));
    for e in manifest["bundle_files"].as_array_mut().unwrap() {
        if e["path"] == "results.json" {
            use sha2::Digest;
            e["sha256"] = tlsproof::source::hex(&sha2::Sha256::digest(bytes.as_bytes())).into();
            e["bytes"] = bytes.len().into();
        }
    }
    let m = format!("{}\n", serde_json::to_string_pretty(&manifest).unwrap());
    std::fs::write(out.join("manifest.json"), m).unwrap();
    let v = tlsproof(&["verify", s(&out)]);
    assert_eq!(v.status.code(), Some(1), "{}", text(&v));
    assert!(
        text(&v)
            .contains("repository b: the verdict is SATISFIED, but its results make it INCOMPLETE"),
        "{}",
        text(&v)
    );
}

#[test]
fn with_a_key_every_shard_signature_is_checked_and_the_merge_signed() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    std::fs::create_dir(&keys).unwrap();
    for name in ["ci", "other"] {
        let o = tlsproof(&["keygen", s(&keys.join(name))]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    }
    let key = keys.join("ci.key");
    let b = shards(&examples(""), 2, tmp.path(), &["--sign-key", s(&key)]);
    let out = tmp.path().join("merged");
    let ci_pub = keys.join("ci.pub");
    let o = merge(&b, &out, &["--key", s(&ci_pub), "--sign-key", s(&key)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    verified(&out, &["--key", s(&ci_pub)]);
    // Each shard's attestation is kept beside its manifest.
    assert!(out.join("part-002.attestation.dsse.json").is_file());

    let o = merge(
        &b,
        &tmp.path().join("m2"),
        &["--key", s(&keys.join("other.pub"))],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("{}: its signature is refused", b[0].display())),
        "{}",
        text(&o)
    );

    let unsigned = shards(&examples(""), 1, &tmp.path().join("unsigned"), &[]);
    let o = merge(&unsigned, &tmp.path().join("m3"), &["--key", s(&ci_pub)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o).contains("the bundle is not signed"),
        "{}",
        text(&o)
    );
}

/// Claim ids are unique per claims file only: in an organization record of two repositories
/// holding the same claims, report.html links each result's claim to its own repository's
/// claim, and every link has its anchor.
#[test]
fn claims_of_equal_ids_link_to_their_own_repositorys_claim() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bundles = Vec::new();
    for name in ["acme/east", "acme/west"] {
        let out = tmp.path().join(name.replace('/', "-"));
        let o = tlsproof(&[
            "evidence",
            &examples("nginx"),
            "--repository",
            name,
            "--out",
            s(&out),
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        bundles.push(out);
    }
    let out = tmp.path().join("org");
    let o = merge(&bundles, &out, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let record = json(&out.join("results.json"));
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    let carried: std::collections::BTreeSet<String> = record["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["exception"]["id"].as_str().map(str::to_string))
        .collect();
    assert!(
        !carried.is_empty(),
        "the example's claims apply to its results"
    );
    for id in &carried {
        let marker = format!("data-to=\"Exceptions, claim {id}\"");
        let anchors: std::collections::BTreeSet<&str> = html
            .match_indices(&marker)
            .filter_map(|(at, _)| html[..at].rsplit("href=\"#claim-").next())
            .filter_map(|rest| rest.split('"').next())
            .collect();
        for a in &anchors {
            assert!(
                html.contains(&format!("id=\"claim-{a}\"")),
                "no anchor claim-{a}"
            );
        }
        assert_eq!(
            anchors.len(),
            2,
            "{id}: one claim per repository, {anchors:?}"
        );
    }
}
