//! One parse-error path for every format: the same broken or hostile input gives the same
//! finding kind whichever format reads it — PARSE_ERROR for invalid text, LIMIT_EXCEEDED when
//! a budget (alias expansion, nesting) stopped the parser — citing the file, and the scan
//! goes on.

#![allow(clippy::unwrap_used)]

use crate::common::{scan_path, tree};

/// A billion-laughs document: nine levels of nine aliases each.
fn alias_bomb(head: &str) -> String {
    let mut text = format!("{head}a0: &a0 [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n");
    for i in 1..9 {
        let p = i - 1;
        let refs = vec![format!("*a{p}"); 9].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text
}

fn kinds(files: &[(&str, &str)]) -> Vec<String> {
    let dir = tree(files);
    let scan = scan_path(dir.path());
    scan.report
        .findings
        .iter()
        .filter(|f| f.kind.as_str() != "NOTICE")
        .map(|f| {
            let at = f.locations.first().map(|l| l.file.as_str()).unwrap_or("-");
            format!("{} {}", f.kind, at)
        })
        .collect()
}

#[test]
fn an_alias_bomb_is_a_limit_in_every_yaml_format() {
    let traefik = alias_bomb("entryPoints:\n  web:\n    address: \":80\"\n");
    let manifest = alias_bomb("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n");
    assert_eq!(
        kinds(&[("traefik.yml", &traefik), ("k8s/cm.yaml", &manifest)]),
        ["LIMIT_EXCEEDED k8s/cm.yaml", "LIMIT_EXCEEDED traefik.yml"]
    );
}

#[test]
fn invalid_text_is_a_parse_error_in_every_format() {
    assert_eq!(
        kinds(&[
            ("traefik.yml", "entryPoints:\n  web: [\n"),
            (
                "k8s/ing.yaml",
                "apiVersion: networking.k8s.io/v1\nkind: Ingress\nspec: {\n"
            ),
            (".mcp.json", "{\"mcpServers\": {\"a\": }\n"),
        ]),
        [
            "PARSE_ERROR .mcp.json",
            "PARSE_ERROR k8s/ing.yaml",
            "PARSE_ERROR traefik.yml"
        ]
    );
}

#[test]
fn json_nested_too_deeply_is_a_limit() {
    let deep = format!(
        "{{\"mcpServers\": {}{}}}\n",
        "[".repeat(300),
        "]".repeat(300)
    );
    assert_eq!(kinds(&[(".mcp.json", &deep)]), ["LIMIT_EXCEEDED .mcp.json"]);
}
