//! A part of a project scanned alone: the project's `tlsproof.toml` and claims file are found by
//! walking up to the repository root, their globs and claim scopes keep meaning what they say
//! relative to that root, and the scan says which files it used.

use std::path::Path;
use std::process::Command;

fn scan(dir: &Path, args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tlsproof"))
        .current_dir(dir)
        .arg("scan")
        .args(args)
        .args(["--format", "json"])
        .env("SOURCE_DATE_EPOCH", "1796083200")
        .output()
        .expect("run tlsproof");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let json = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}\n{}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), json, stdout)
}

/// A copy of the examples as a git repository (a `.git` folder marks its root), with an old
/// plaintext server that the root's `tlsproof.toml` excludes.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    copy_tree(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples"),
        root,
    );
    std::fs::create_dir(root.join(".git")).unwrap();
    let toml = std::fs::read_to_string(root.join("tlsproof.toml")).unwrap();
    std::fs::write(
        root.join("tlsproof.toml"),
        format!("exclude = [\"nginx/old-*/**\"]\n{toml}"),
    )
    .unwrap();
    std::fs::create_dir(root.join("nginx/old-sites")).unwrap();
    std::fs::write(
        root.join("nginx/old-sites/plain.conf"),
        "server {\n    listen 80;\n    location / { proxy_pass http://10.0.0.1; }\n}\n",
    )
    .unwrap();
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn notices(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "NOTICE")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

fn files(v: &serde_json::Value) -> Vec<String> {
    let mut files: Vec<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["locations"][0]["file"].as_str().map(str::to_string))
        .collect();
    files.sort();
    files.dedup();
    files
}

fn excepted(v: &serde_json::Value) -> Vec<(String, String)> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "EXCEPTED")
        .map(|r| {
            (
                r["requirement"].as_str().unwrap().to_string(),
                r["locations"][0]["file"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn a_subfolder_uses_the_project_settings_and_claims_of_the_repository_root() {
    let repo = project();
    let (_, whole, _) = scan(repo.path(), &["."]);
    let (code, part, _) = scan(repo.path(), &["nginx"]);
    assert_eq!(code, 1);

    // The root's exclusion `nginx/old-*/**` still leaves that folder out.
    assert!(
        !files(&part).iter().any(|f| f.contains("old-sites")),
        "{:?}",
        files(&part)
    );
    assert!(!files(&whole).iter().any(|f| f.contains("old-sites")));
    // The root's declared nginx version decides the defaults, as for the whole project.
    assert_eq!(part["scope"]["versions"]["nginx"], "1.26.2");

    // The claims scoped `file: nginx/conf.d/legacy-tools.conf` cover the same results, now
    // displayed relative to the scanned folder.
    let whole_nginx: Vec<(String, String)> = excepted(&whole)
        .into_iter()
        .filter_map(|(r, f)| Some((r, f.strip_prefix("nginx/")?.to_string())))
        .collect();
    assert!(!whole_nginx.is_empty());
    assert_eq!(excepted(&part), whole_nginx);

    // The scan says which files it used, and they are inputs like any other.
    let said = notices(&part);
    assert!(
        said.iter().any(|n| n.contains("walking up")
            && n.contains("../tlsproof.toml")
            && n.contains("../tlsproof-exceptions.yaml")),
        "{said:?}"
    );
    assert!(notices(&whole).iter().all(|n| !n.contains("walking up")));
}

#[test]
fn a_single_file_finds_the_project_root_two_folders_up() {
    let repo = project();
    let (_, part, _) = scan(repo.path(), &["nginx/conf.d/legacy-tools.conf"]);
    assert_eq!(files(&part), ["legacy-tools.conf"]);
    assert!(
        excepted(&part)
            .iter()
            .all(|(_, f)| f == "legacy-tools.conf")
            && !excepted(&part).is_empty(),
        "{:?}",
        excepted(&part)
    );
    assert!(notices(&part)
        .iter()
        .any(|n| n.contains("../../tlsproof.toml")));
}

#[test]
fn the_walk_stops_at_the_repository_root_and_at_the_nearest_project_file() {
    // No repository: the folder above is not the scan's business.
    let repo = project();
    std::fs::remove_dir(repo.path().join(".git")).unwrap();
    let (_, part, _) = scan(repo.path(), &["nginx"]);
    assert!(excepted(&part).is_empty());
    assert!(notices(&part).iter().all(|n| !n.contains("walking up")));
    assert!(
        part["scope"]["versions"].get("nginx").is_none(),
        "{}",
        part["scope"]
    );
    assert!(files(&part).contains(&"old-sites/plain.conf".to_string()));

    // A repository root below the project files: the walk ends there.
    let repo = project();
    std::fs::create_dir(repo.path().join("nginx/.git")).unwrap();
    let (_, part, _) = scan(repo.path(), &["nginx/conf.d"]);
    assert!(excepted(&part).is_empty());

    // A folder with its own tlsproof.toml is a project of its own.
    let repo = project();
    std::fs::write(repo.path().join("nginx/tlsproof.toml"), "").unwrap();
    let (_, part, _) = scan(repo.path(), &["nginx"]);
    assert!(excepted(&part).is_empty());
    assert!(notices(&part).iter().all(|n| !n.contains("walking up")));
}
