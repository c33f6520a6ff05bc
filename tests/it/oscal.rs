//! The OSCAL view: the assessment results and the plan they import are valid against NIST's
//! published OSCAL 1.1.2 JSON schemas (`tests/schemas/oscal/`), say for every result what the
//! record says (a FAIL is not-satisfied with an open risk, an EXCEPTED result a risk whose
//! deviation is approved, a NOT_APPLICABLE satisfied with its justification), are the same for
//! the same scan but for their timestamps, and load in an independent OSCAL library
//! (compliance-trestle, installed by `.ci/run`).

use crate::common::{fixture, scan_with};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use tlsproof::pipeline::Scan;
use tlsproof::render::oscal;

/// The evaluation time of every scan here: the example claims are valid then.
const AT: &str = "2026-12-01T00:00:00Z";
const CREATED_AT: &str = "2026-12-01T10:00:00Z";

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas/oscal")
}

/// The vendored schemas: file name and the SHA-256 of NIST's v1.1.2 release asset.
const SCHEMAS: &[(&str, &str)] = &[
    (
        "oscal_assessment-results_schema.json",
        "d033da70154cf6625ae46a746199e88e58f2928b1387dfac051d381b92f41b0d",
    ),
    (
        "oscal_assessment-plan_schema.json",
        "43464ad048b711c735934b66015bcf8239782c6263d377a742c6b205ea796ecb",
    ),
];

fn validator(name: &str) -> &'static jsonschema::Validator {
    static AR: OnceLock<jsonschema::Validator> = OnceLock::new();
    static AP: OnceLock<jsonschema::Validator> = OnceLock::new();
    let cell = if name.contains("results") { &AR } else { &AP };
    cell.get_or_init(|| {
        let text = std::fs::read_to_string(schemas().join(name)).unwrap();
        let schema: Value = serde_json::from_str(&text).unwrap();
        jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap_or_else(|e| panic!("{name} does not compile: {e}"))
    })
}

/// Every violation of `doc` against the schema of its model, as `pointer: message`.
fn violations(doc: &Value) -> Vec<String> {
    let name = if doc.get("assessment-results").is_some() {
        SCHEMAS[0].0
    } else {
        SCHEMAS[1].0
    };
    validator(name)
        .iter_errors(doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

fn assert_valid(doc: &Value) {
    let errors = violations(doc);
    assert!(
        errors.is_empty(),
        "not valid OSCAL 1.1.2:\n  {}",
        errors.join("\n  ")
    );
}

fn at_time(o: &mut tlsproof::pipeline::Options) {
    o.at = Some(tlsproof::settings::parse_time(AT).unwrap());
}

fn examples() -> Scan {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    scan_with(&path, at_time)
}

/// The fixture whose claims file excepts a requirement that its policy folder adds.
fn excepted() -> Scan {
    let root = fixture("registry/tls13-profile");
    let policies = root.path().join("policies");
    scan_with(&root.path().join("site"), |o| {
        at_time(o);
        o.policies_dir = Some(policies);
    })
}

/// The two documents as the bundle holds them.
fn render(scan: &Scan, created_at: &str) -> (Value, Value) {
    let rows = oscal::inputs(scan);
    (
        oscal::assessment_results(scan, &rows, created_at),
        oscal::assessment_plan(scan, created_at),
    )
}

fn result(ar: &Value) -> &Value {
    &ar["assessment-results"]["results"][0]
}

fn items<'a>(v: &'a Value, key: &str) -> Vec<&'a Value> {
    v[key]
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

/// The value of the property `name` of `v`.
fn prop<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    items(v, "props")
        .into_iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["value"].as_str())
}

/// The one finding for `requirement` on the endpoint whose id contains `endpoint`.
fn finding<'a>(ar: &'a Value, requirement: &str, endpoint: &str) -> &'a Value {
    let found: Vec<&Value> = items(result(ar), "findings")
        .into_iter()
        .filter(|f| {
            f["target"]["target-id"] == requirement
                && prop(f, "endpoint").is_some_and(|e| e.contains(endpoint))
        })
        .collect();
    assert_eq!(found.len(), 1, "{requirement} on {endpoint}: {found:#?}");
    found[0]
}

fn by_uuid<'a>(list: Vec<&'a Value>, uuid: &Value) -> &'a Value {
    list.into_iter()
        .find(|x| x["uuid"] == *uuid)
        .unwrap_or_else(|| panic!("nothing has the UUID {uuid}"))
}

fn risk_of<'a>(ar: &'a Value, finding: &Value) -> &'a Value {
    let uuid = &finding["related-risks"][0]["risk-uuid"];
    by_uuid(items(result(ar), "risks"), uuid)
}

fn observations_of<'a>(ar: &'a Value, finding: &Value) -> Vec<&'a Value> {
    items(finding, "related-observations")
        .into_iter()
        .map(|r| by_uuid(items(result(ar), "observations"), &r["observation-uuid"]))
        .collect()
}

#[test]
fn the_vendored_schemas_are_nists_release_1_1_2() {
    for (name, sha256) in SCHEMAS {
        let bytes = std::fs::read(schemas().join(name)).unwrap();
        assert_eq!(
            tlsproof::source::hex(&Sha256::digest(&bytes)),
            *sha256,
            "{name} differs from the release asset"
        );
        let schema: Value = serde_json::from_slice(&bytes).unwrap();
        assert!(
            schema["$id"].as_str().unwrap().contains("/1.1.2/"),
            "{}",
            schema["$id"]
        );
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    }
}

/// The validator enforces what the schemas say: their `$id` anchors resolve, and the UUID,
/// token (`\p{L}`), string, date-time and URI-reference patterns and formats all bite.
#[test]
fn the_validator_enforces_oscal_constraints() {
    let (ar, ap) = render(&examples(), CREATED_AT);
    assert_valid(&ar);
    assert_valid(&ap);
    let broken = |pointer: &str, value: Value| {
        let mut doc = ar.clone();
        *doc.pointer_mut(pointer).unwrap() = value;
        let errors = violations(&doc);
        assert!(!errors.is_empty(), "{pointer} = accepted");
        errors.join("; ")
    };
    let f = "/assessment-results/results/0/findings/0";
    broken("/assessment-results/uuid", json!("not-a-uuid"));
    // Version 1 UUIDs are not OSCAL's.
    broken(
        "/assessment-results/uuid",
        json!("6ba7b811-9dad-11d1-80b4-00c04fd430c8"),
    );
    broken(
        &format!("{f}/target/target-id"),
        json!("1-starts-with-a-digit"),
    );
    broken(&format!("{f}/target/status/state"), json!("not-applicable"));
    broken(&format!("{f}/props/0/value"), json!("trailing space "));
    broken(&format!("{f}/props/0/value"), json!("two\nlines"));
    broken(
        "/assessment-results/metadata/last-modified",
        json!("2026-12-01"),
    );
    broken(
        "/assessment-results/metadata/last-modified",
        json!("2026-02-30T10:00:00Z"),
    );
    broken("/assessment-results/import-ap/href", json!("a b"));
    let mut doc = ar.clone();
    doc.pointer_mut(f)
        .unwrap()
        .as_object_mut()
        .unwrap()
        .insert("unknown".into(), json!(1));
    assert!(!violations(&doc).is_empty(), "an unknown field is accepted");
    // A letter of any script starts a token.
    let mut doc = ar.clone();
    *doc.pointer_mut(&format!("{f}/target/target-id")).unwrap() = json!("Ünïcode-1");
    assert_valid(&doc);
}

#[test]
fn the_documents_of_the_examples_are_valid_and_hold_every_result() {
    let scan = examples();
    let (ar, ap) = render(&scan, CREATED_AT);
    assert_valid(&ar);
    assert_valid(&ap);

    let doc = &ar["assessment-results"];
    assert_eq!(doc["metadata"]["oscal-version"], "1.1.2");
    assert_eq!(doc["metadata"]["last-modified"], CREATED_AT);
    assert_eq!(doc["metadata"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(doc["import-ap"]["href"], oscal::PLAN_FILE);
    assert_eq!(items(doc, "results").len(), 1);
    let result = result(&ar);
    assert_eq!(prop(result, "verdict"), Some("NOT_SATISFIED"));
    let selections = &result["reviewed-controls"];
    assert_eq!(
        selections["control-selections"][0]["include-controls"][0]["control-id"],
        "MCP-NET-03"
    );
    let objectives: BTreeSet<&str> = items(
        &selections["control-objective-selections"][0],
        "include-objectives",
    )
    .into_iter()
    .map(|o| o["objective-id"].as_str().unwrap())
    .collect();
    let judged: BTreeSet<&str> = scan
        .report
        .results
        .iter()
        .map(|r| r.requirement.as_str())
        .collect();
    assert!(judged.is_subset(&objectives), "{objectives:?}");

    // One finding per result, one risk per FAIL or EXCEPTED.
    let findings = items(result, "findings");
    assert_eq!(findings.len(), scan.report.results.len());
    let s = &scan.report.summary;
    assert_eq!(items(result, "risks").len(), s.fail + s.excepted);
    assert!(s.fail > 0 && s.pass > 0 && s.not_applicable > 0 && s.manual > 0 && s.excepted > 0);
    for f in &findings {
        let state = f["target"]["status"]["state"].as_str().unwrap();
        let expected = match prop(f, "status").unwrap() {
            "PASS" | "NOT_APPLICABLE" => "satisfied",
            _ => "not-satisfied",
        };
        assert_eq!(state, expected, "{f:#}");
        assert_eq!(f["target"]["type"], "objective-id");
        assert!(!observations_of(&ar, f).is_empty(), "{f:#}");
    }

    // The plan defines each objective the results select, and each endpoint as a subject.
    let plan = &ap["assessment-plan"];
    assert_eq!(plan["metadata"]["oscal-version"], "1.1.2");
    let parts = items(
        &plan["local-definitions"]["objectives-and-methods"][0],
        "parts",
    );
    for id in &objectives {
        let part = parts
            .iter()
            .find(|p| p["id"] == *id)
            .unwrap_or_else(|| panic!("objective {id} is not defined in the plan"));
        assert_eq!(part["name"], "assessment-objective");
    }
    let tls = parts.iter().find(|p| p["id"] == "NET03-TLS").unwrap();
    assert!(
        tls["prose"].as_str().unwrap().contains("TLS Configuration"),
        "{tls:#}"
    );
    let endpoints: BTreeSet<&str> = scan
        .report
        .results
        .iter()
        .map(|r| r.endpoint.as_str())
        .collect();
    let components = items(&plan["local-definitions"], "components");
    assert_eq!(components.len(), endpoints.len());
    assert_eq!(
        items(&plan["assessment-subjects"][0], "include-subjects").len(),
        endpoints.len()
    );
    // The stand-in for a system security plan lists every input file with its hash.
    let ssp = plan["import-ssp"]["href"].as_str().unwrap();
    let config = by_uuid(
        items(&plan["back-matter"], "resources"),
        &json!(ssp.trim_start_matches('#')),
    );
    assert_eq!(
        items(config, "rlinks").len(),
        scan.model.sources.len(),
        "{config:#}"
    );
}

#[test]
fn a_fail_is_not_satisfied_with_an_open_risk_and_its_evidence_hashed() {
    let scan = examples();
    let (ar, _) = render(&scan, CREATED_AT);
    let record = crate::common::result(&scan.report, "NET03-TLS", "legacy-tools.conf:13");
    assert_eq!(record.status, tlsproof::results::Status::Fail);
    let f = finding(&ar, "NET03-TLS", "legacy-tools.conf:13");
    assert_eq!(f["target"]["status"]["state"], "not-satisfied");
    assert_eq!(f["target"]["status"]["reason"], "fail");
    assert_eq!(f["description"], record.message.as_str());
    assert_eq!(
        f["target"]["title"],
        scan.registry.get("NET03-TLS").unwrap().title.as_str()
    );

    let risk = risk_of(&ar, f);
    assert_eq!(risk["status"], "open");
    assert_eq!(risk["description"], record.message.as_str());
    assert!(risk["statement"]
        .as_str()
        .unwrap()
        .contains("nginx/conf.d/legacy-tools.conf:20"));
    assert_eq!(risk["related-observations"], f["related-observations"]);

    // The configuration line is an EXAMINE observation naming the file, its line and, through
    // the back-matter, its SHA-256.
    let observations = observations_of(&ar, f);
    let line = observations
        .iter()
        .find(|o| {
            items(o, "relevant-evidence")
                .iter()
                .any(|e| prop(e, "line") == Some("20"))
        })
        .unwrap_or_else(|| panic!("no observation of line 20: {observations:#?}"));
    assert_eq!(line["methods"], json!(["EXAMINE"]));
    assert_eq!(line["collected"], CREATED_AT);
    assert!(
        line["description"]
            .as_str()
            .unwrap()
            .contains("ssl_protocols"),
        "{line:#}"
    );
    let evidence = &line["relevant-evidence"][0];
    assert_eq!(
        prop(evidence, "file"),
        Some("nginx/conf.d/legacy-tools.conf")
    );
    let source = scan
        .model
        .sources
        .iter()
        .find(|s| s.path == "nginx/conf.d/legacy-tools.conf")
        .unwrap();
    assert_eq!(prop(evidence, "sha256"), Some(source.sha256.as_str()));
    let href = evidence["href"].as_str().unwrap();
    let resource = by_uuid(
        items(&ar["assessment-results"]["back-matter"], "resources"),
        &json!(href.trim_start_matches('#')),
    );
    assert_eq!(resource["title"], "nginx/conf.d/legacy-tools.conf");
    assert_eq!(
        resource["rlinks"][0]["hashes"][0],
        json!({ "algorithm": "SHA-256", "value": source.sha256 })
    );
    // The observation is about the endpoint.
    assert!(line["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|s| s["title"] == record.endpoint.as_str()));
}

#[test]
fn a_pass_not_applicable_and_manual_take_their_states_and_reasons() {
    let scan = examples();
    let (ar, _) = render(&scan, CREATED_AT);

    let pass = finding(&ar, "NET03-TLS", "traefik/dynamic/mcp.yml");
    assert_eq!(prop(pass, "status"), Some("PASS"));
    assert_eq!(pass["target"]["status"]["state"], "satisfied");
    assert_eq!(pass["target"]["status"]["reason"], "pass");
    assert!(pass.get("related-risks").is_none());

    let record = crate::common::result(&scan.report, "NET03-TLS", "mcp/server/server.py");
    let na = finding(&ar, "NET03-TLS", "mcp/server/server.py");
    assert_eq!(prop(na, "status"), Some("NOT_APPLICABLE"));
    assert_eq!(na["target"]["status"]["state"], "satisfied");
    let remarks = na["target"]["status"]["remarks"].as_str().unwrap();
    assert!(
        remarks.contains(record.justification.as_deref().unwrap()),
        "{remarks}"
    );

    let record = crate::common::result(&scan.report, "NET03-CERT", "caddy/Caddyfile:14");
    let manual = finding(&ar, "NET03-CERT", "caddy/Caddyfile:14");
    assert_eq!(prop(manual, "status"), Some("MANUAL"));
    assert_eq!(manual["target"]["status"]["state"], "not-satisfied");
    let remarks = manual["target"]["status"]["remarks"].as_str().unwrap();
    assert!(
        remarks.contains(record.justification.as_deref().unwrap()),
        "{remarks}"
    );
    assert!(manual.get("related-risks").is_none());

    // A NOT_APPLICABLE that a honored claim proved cites the claim.
    let claimed = finding(&ar, "NET03-TLS", "debug-local.conf");
    assert_eq!(prop(claimed, "claim-id"), Some("EXC-1"));
    assert_eq!(prop(claimed, "claim-outcome"), Some("HONORED"));
}

#[test]
fn an_excepted_result_is_a_risk_whose_deviation_is_approved() {
    let scan = excepted();
    let (ar, ap) = render(&scan, CREATED_AT);
    assert_valid(&ar);
    assert_valid(&ap);

    let f = finding(&ar, "PROFILE-TLS13", "a.example.com");
    assert_eq!(prop(f, "status"), Some("EXCEPTED"));
    assert_eq!(f["target"]["status"]["state"], "not-satisfied");
    assert!(f["target"]["status"]["remarks"]
        .as_str()
        .unwrap()
        .contains("approved deviation"));

    let risk = risk_of(&ar, f);
    assert_eq!(risk["status"], "deviation-approved");
    assert_eq!(prop(risk, "claim-id"), Some("EXC-13"));
    assert_eq!(prop(risk, "claim-kind"), Some("risk-acceptance"));
    assert_eq!(prop(risk, "approver"), Some("ciso@example.com"));
    assert_eq!(prop(risk, "expires"), Some("2027-04-30"));
    assert_eq!(prop(risk, "owner"), Some("platform-team"));
    let justification = "older clients still need TLS 1.2 until the 2027 migration";
    assert_eq!(prop(risk, "justification"), Some(justification));
    assert_eq!(risk["deadline"], "2027-04-30T23:59:59Z");
    let entry = &risk["risk-log"]["entries"][0];
    assert_eq!(entry["status-change"], "deviation-approved");
    assert_eq!(entry["description"], justification);
    assert_eq!(entry["start"], "2026-06-01T00:00:00Z");
    let approver = by_uuid(
        items(&ar["assessment-results"]["metadata"], "parties"),
        &entry["logged-by"][0]["party-uuid"],
    );
    assert_eq!(approver["name"], "ciso@example.com");
    assert_eq!(approver["email-addresses"], json!(["ciso@example.com"]));

    // The claim itself is evidence: an observation of its line in the claims file.
    let claim = observations_of(&ar, f)
        .into_iter()
        .find(|o| prop(o, "claim-id") == Some("EXC-13"))
        .expect("an observation of the claim");
    assert_eq!(
        prop(&claim["relevant-evidence"][0], "file"),
        Some("tlsproof-exceptions.yaml")
    );

    // The FAIL beside it stays an open risk; the requirement the policy folder adds is an
    // objective of the plan.
    let fail = finding(&ar, "PROFILE-TLS13", "b.example.com");
    assert_eq!(risk_of(&ar, fail)["status"], "open");
    let parts = items(
        &ap["assessment-plan"]["local-definitions"]["objectives-and-methods"][0],
        "parts",
    );
    assert!(parts.iter().any(|p| p["id"] == "PROFILE-TLS13"));
}

#[test]
fn a_compensating_control_is_the_mitigating_factor_of_its_deviation() {
    let (ar, _) = render(&examples(), CREATED_AT);
    let f = finding(&ar, "NET03-E2E", "legacy-tools.conf:2");
    let risk = risk_of(&ar, f);
    assert_eq!(risk["status"], "deviation-approved");
    assert_eq!(prop(risk, "claim-outcome"), Some("ATTESTED"));
    assert_eq!(prop(risk, "claim-control"), Some("vpn-tunnel"));
    let mitigation = risk["mitigating-factors"][0]["description"]
        .as_str()
        .unwrap();
    assert!(mitigation.contains("vpn-tunnel"), "{mitigation}");
    assert!(mitigation.contains("site-to-site VPN"), "{mitigation}");
    // The claim's scope.hops is the tools subnet: the hop of the other server, to a host outside
    // it, stays an open risk.
    let outside = finding(&ar, "NET03-E2E", "legacy-tools.conf:13");
    assert_eq!(risk_of(&ar, outside)["status"], "open");
}

#[test]
fn a_live_probe_test_is_a_test_observation_of_its_endpoint() {
    let mut scan = examples();
    let endpoint = "nginx:nginx/conf.d/mcp.example.com.conf:16:mcp.example.com";
    let listener = crate::common::result(&scan.report, "NET03-TEST", endpoint).locations[0].clone();
    scan.model.observations.push(tlsproof::model::Observation {
        endpoint: endpoint.into(),
        target: "https://mcp.example.com/".into(),
        address: "127.0.0.1:8443".into(),
        observed_at: "2026-12-01T09:30:00Z".into(),
        span: tlsproof::model::ModelSpan {
            file: listener.file.clone(),
            line: listener.line,
            column: listener.column,
            via: vec![],
        },
        tests: vec![tlsproof::model::ObservedTest {
            test: "tls1.0-rejected".into(),
            status: "PASS".into(),
            detail: "the server answered a TLS 1.0 ClientHello with protocol_version".into(),
        }],
        certificate: None,
        https_answer: None,
        negotiated: None,
        accepted_suites: vec![],
        grade: None,
        source: "tlsproof probe".into(),
    });
    let (ar, _) = render(&scan, CREATED_AT);
    assert_valid(&ar);
    let tests: Vec<&Value> = items(result(&ar), "observations")
        .into_iter()
        .filter(|o| o["methods"] == json!(["TEST"]))
        .collect();
    assert_eq!(tests.len(), 1, "{tests:#?}");
    let test = tests[0];
    assert_eq!(test["collected"], "2026-12-01T09:30:00Z");
    assert_eq!(prop(test, "test"), Some("tls1.0-rejected"));
    assert_eq!(prop(test, "test-status"), Some("PASS"));
    assert_eq!(prop(test, "target"), Some("https://mcp.example.com/"));
    assert_eq!(prop(test, "address"), Some("127.0.0.1:8443"));
    assert_eq!(test["subjects"][0]["title"], endpoint);
    let f = finding(&ar, "NET03-TEST", "mcp.example.com.conf:16");
    assert!(observations_of(&ar, f)
        .iter()
        .any(|o| o["uuid"] == test["uuid"]));
    // Requirements of other endpoints do not cite it.
    let other = finding(&ar, "NET03-TEST", "legacy-tools.conf:13");
    assert!(!observations_of(&ar, other)
        .iter()
        .any(|o| o["uuid"] == test["uuid"]));
}

/// A scan that judged nothing still gives valid documents: the problems with the input are
/// observations, and a path with a space is a percent-encoded link.
#[test]
fn a_scan_of_broken_files_gives_valid_documents() {
    let dir = crate::common::tree(&[
        ("traefik.yml", "entryPoints:\n  web: [\n"),
        ("my site/.mcp.json", "{\"mcpServers\": {\"a\": }\n"),
    ]);
    let scan = scan_with(dir.path(), at_time);
    assert!(scan.report.results.is_empty());
    let (ar, ap) = render(&scan, CREATED_AT);
    assert_valid(&ar);
    assert_valid(&ap);
    let result = result(&ar);
    assert!(result.get("findings").is_none());
    let problems: Vec<&Value> = items(result, "observations")
        .into_iter()
        .filter(|o| o["types"] == json!(["input-problem"]))
        .collect();
    assert!(
        problems
            .iter()
            .any(|o| prop(o, "kind") == Some("PARSE_ERROR")),
        "{problems:#?}"
    );
    let resources = items(&ar["assessment-results"]["back-matter"], "resources");
    let site = resources
        .iter()
        .find(|r| r["title"] == "my site/.mcp.json")
        .unwrap();
    assert_eq!(site["rlinks"][0]["href"], "my%20site/.mcp.json");
}

/// Every UUID names one element, and every reference names an element that is there.
#[test]
fn uuids_are_unique_and_every_reference_resolves() {
    for scan in [examples(), excepted()] {
        let (ar, ap) = render(&scan, CREATED_AT);
        let mut defined: BTreeMap<String, String> = BTreeMap::new();
        let mut refs: Vec<(String, String)> = Vec::new();
        for doc in [&ar, &ap] {
            walk(doc, "", &mut |path, key, value| {
                let Some(v) = value.as_str() else { return };
                if key == "uuid" {
                    if let Some(before) = defined.insert(v.to_string(), path.to_string()) {
                        panic!("{v} names both {before} and {path}");
                    }
                } else if key.ends_with("-uuid") {
                    refs.push((path.to_string(), v.to_string()));
                } else if key == "href" && v.starts_with('#') {
                    refs.push((path.to_string(), v[1..].to_string()));
                }
            });
        }
        for (path, uuid) in &refs {
            assert!(
                defined.contains_key(uuid),
                "{path} names {uuid}, which is nowhere"
            );
        }
        assert!(refs.len() > 100, "{}", refs.len());
    }
}

fn walk(v: &Value, path: &str, f: &mut impl FnMut(&str, &str, &Value)) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = format!("{path}/{k}");
                f(&p, k, x);
                walk(x, &p, f);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                walk(x, &format!("{path}/{i}"), f);
            }
        }
        _ => {}
    }
}

/// The documents with their timestamps taken out.
fn without_timestamps(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !matches!(k.as_str(), "last-modified" | "start" | "collected"))
                .map(|(k, x)| (k.clone(), without_timestamps(x)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_timestamps).collect()),
        x => x.clone(),
    }
}

#[test]
fn two_renderings_of_a_scan_differ_only_in_their_timestamps() {
    let scan = examples();
    let (ar1, ap1) = render(&scan, CREATED_AT);
    let (ar2, ap2) = render(&scan, "2027-01-15T08:00:00+01:00");
    assert_valid(&ar2);
    assert_ne!(ar1, ar2);
    assert_eq!(without_timestamps(&ar1), without_timestamps(&ar2));
    assert_eq!(without_timestamps(&ap1), without_timestamps(&ap2));
    // A second scan of the same files gives the same documents.
    let (ar3, ap3) = render(&examples(), CREATED_AT);
    assert_eq!(ar1, ar3);
    assert_eq!(ap1, ap3);
}

/// The Python interpreter that has compliance-trestle: `TLSPROOF_TRESTLE_PYTHON` (set by
/// `.ci/run`), else `python3`. Without it the test is skipped, except where
/// `TLSPROOF_REQUIRE_TOOLS` is set: there it fails.
fn trestle_python() -> Option<String> {
    let python = std::env::var("TLSPROOF_TRESTLE_PYTHON").unwrap_or_else(|_| "python3".into());
    let ok = std::process::Command::new(&python)
        .args(["-c", "import trestle.oscal.assessment_results"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok && std::env::var_os("TLSPROOF_REQUIRE_TOOLS").is_some() {
        panic!(
            "compliance-trestle is required (TLSPROOF_REQUIRE_TOOLS is set) but {python} cannot import it"
        );
    }
    ok.then_some(python)
}

/// Reads both documents with compliance-trestle's models, writes them back and compares, and
/// recomputes a finding's UUID with Python's own `uuid.uuid5`.
const TRESTLE_SCRIPT: &str = r#"
import json, pathlib, sys, uuid
import trestle
from trestle.oscal.assessment_plan import AssessmentPlan
from trestle.oscal.assessment_results import AssessmentResults

folder = pathlib.Path(sys.argv[1])
policy_digest, requirement, endpoint, location = sys.argv[2:6]
ar = AssessmentResults.oscal_read(folder / "oscal-assessment-results.json")
ap = AssessmentPlan.oscal_read(folder / "oscal-assessment-plan.json")
result = ar.results[0]

def text(v):
    # A constrained string, an enumeration, or a union of both, as its text.
    while hasattr(v, "__root__"):
        v = v.__root__
    return getattr(v, "value", v)

states = {}
for f in result.findings:
    state = text(f.target.status.state)
    states[state] = states.get(state, 0) + 1
risk_states = sorted({text(r.status) for r in result.risks})
objectives = [p.id for p in ap.local_definitions.objectives_and_methods[0].parts if p.name == "assessment-objective"]

def same(model, path):
    # Written back by trestle, the document says what it said (date-times compared as instants).
    def norm(v):
        if isinstance(v, dict):
            return {k: norm(x) for k, x in v.items()}
        if isinstance(v, list):
            return [norm(x) for x in v]
        if isinstance(v, str) and len(v) > 19 and v[10:11] == "T" and v[4:5] == "-":
            from datetime import datetime
            try:
                return datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return v
        return v
    return norm(json.loads(model.oscal_serialize_json())) == norm(json.loads(path.read_text()))

ns = uuid.uuid5(uuid.NAMESPACE_URL, "urn:tlsproof:policies:" + policy_digest)
expected = str(uuid.uuid5(ns, "\0".join(["finding", requirement, endpoint, location, ""])))
print(json.dumps({
    "trestle": trestle.__version__,
    "oscal_version": text(ar.metadata.oscal_version),
    "import_ap": ar.import_ap.href,
    "findings": len(result.findings),
    "observations": len(result.observations),
    "risks": len(result.risks),
    "states": states,
    "risk_states": risk_states,
    "objectives": objectives,
    "finding_uuid_found": any(str(f.uuid) == expected for f in result.findings),
    "round_trip": [same(ar, folder / "oscal-assessment-results.json"), same(ap, folder / "oscal-assessment-plan.json")],
}))
"#;

#[test]
fn compliance_trestle_loads_both_documents() {
    let Some(python) = trestle_python() else {
        eprintln!("compliance-trestle not found: skipping");
        return;
    };
    let scan = examples();
    let (ar, ap) = render(&scan, CREATED_AT);
    let dir = tempfile::tempdir().unwrap();
    for (name, doc) in [(oscal::RESULTS_FILE, &ar), (oscal::PLAN_FILE, &ap)] {
        std::fs::write(
            dir.path().join(name),
            serde_json::to_string_pretty(doc).unwrap(),
        )
        .unwrap();
    }
    let record = crate::common::result(&scan.report, "NET03-TLS", "legacy-tools.conf:13");
    let l = &record.locations[0];
    let location = format!("{}:{}:{}", l.file, l.line, l.column);
    let out = std::process::Command::new(&python)
        .arg("-c")
        .arg(TRESTLE_SCRIPT)
        .arg(dir.path())
        .args([
            scan.report.tool.policy_digest.as_str(),
            &record.requirement,
            &record.endpoint,
            &location,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "trestle refused the documents:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &scan.report.summary;
    let result = result(&ar);
    assert_eq!(got["oscal_version"], "1.1.2");
    assert_eq!(got["import_ap"], oscal::PLAN_FILE);
    assert_eq!(got["findings"], scan.report.results.len());
    assert_eq!(got["observations"], items(result, "observations").len());
    assert_eq!(got["risks"], s.fail + s.excepted);
    assert_eq!(
        got["states"],
        json!({
            "satisfied": s.pass + s.not_applicable,
            "not-satisfied": s.fail + s.manual + s.excepted,
        })
    );
    assert_eq!(got["risk_states"], json!(["deviation-approved", "open"]));
    assert!(got["objectives"]
        .as_array()
        .unwrap()
        .contains(&json!("NET03-TLS")));
    assert_eq!(got["finding_uuid_found"], true, "{got}");
    assert_eq!(got["round_trip"], json!([true, true]), "{got}");
}
