//! The JSON contracts in `schemas/`, compiled into the binary and checked at run time.
//!
//! The model is validated before the policies see it and the result record before it is
//! written, so a contract cannot drift from what the code produces.

use serde_json::Value;
use std::sync::OnceLock;

pub const TLS_MODEL: &str = include_str!("../schemas/tls-model.schema.json");
pub const RESULTS: &str = include_str!("../schemas/results.schema.json");
pub const MANIFEST: &str = include_str!("../schemas/manifest.schema.json");
pub const EXCEPTIONS: &str = include_str!("../schemas/exceptions.schema.json");
pub const EVIDENCE_PREDICATE: &str = include_str!("../schemas/evidence-predicate.schema.json");

/// Which contract to check.
#[derive(Debug, Clone, Copy)]
pub enum Contract {
    TlsModel,
    Results,
    /// One item of the result record's `results`, `findings` or `exceptions` (checked one at
    /// a time: a record of a large estate is never held whole as JSON).
    Result,
    Finding,
    Claim,
    Manifest,
    /// The exception claims file (user input, not an output of the tool).
    Exceptions,
    /// One claim of the claims file's `exceptions` list.
    ExceptionClaim,
    /// The predicate of a signed bundle's in-toto statement.
    EvidencePredicate,
}

fn compiled(contract: Contract) -> Result<&'static jsonschema::Validator, String> {
    static MODEL: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    static RES: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    static ONE: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    static FINDING: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    static CLAIM: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    static EXC_CLAIM: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    static MAN: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    static EXC: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    static PRED: OnceLock<Result<jsonschema::Validator, String>> = OnceLock::new();
    let (cell, text) = match contract {
        Contract::TlsModel => (&MODEL, TLS_MODEL),
        Contract::Results => (&RES, RESULTS),
        Contract::Result => (&ONE, RESULTS),
        Contract::Finding => (&FINDING, RESULTS),
        Contract::Claim => (&CLAIM, RESULTS),
        Contract::Manifest => (&MAN, MANIFEST),
        Contract::Exceptions => (&EXC, EXCEPTIONS),
        Contract::ExceptionClaim => (&EXC_CLAIM, EXCEPTIONS),
        Contract::EvidencePredicate => (&PRED, EVIDENCE_PREDICATE),
    };
    cell.get_or_init(|| {
        let mut schema: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        match contract {
            Contract::Result => schema = item_of(schema, "results")?,
            Contract::Finding => schema = item_of(schema, "findings")?,
            Contract::Claim | Contract::ExceptionClaim => schema = item_of(schema, "exceptions")?,
            _ => {}
        }
        jsonschema::draft202012::new(&schema).map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The schema of one item of the record's `list`, with the record schema's definitions.
fn item_of(record: Value, list: &str) -> Result<Value, String> {
    let mut item = record
        .pointer(&format!("/properties/{list}/items"))
        .cloned()
        .ok_or(format!("the schema has no properties.{list}.items"))?;
    if let (Value::Object(item), Some(defs)) = (&mut item, record.get("$defs")) {
        item.insert("$defs".into(), defs.clone());
        item.insert(
            "$schema".into(),
            Value::from("https://json-schema.org/draft/2020-12/schema"),
        );
    }
    Ok(item)
}

/// Every violation of `instance` as (JSON pointer into the instance, message); the error is a
/// schema that does not compile.
pub fn violations(contract: Contract, instance: &Value) -> Result<Vec<(String, String)>, String> {
    let validator = compiled(contract)?;
    if validator.is_valid(instance) {
        return Ok(Vec::new());
    }
    Ok(validator
        .iter_errors(instance)
        .map(|e| (e.instance_path().to_string(), e.to_string()))
        .collect())
}

/// Validates `instance`; the error lists every violation as `pointer: message`.
pub fn validate(contract: Contract, instance: &Value) -> Result<(), Vec<String>> {
    // The yes-or-no check stops at the first violation: listing them is for invalid documents.
    if compiled(contract).is_ok_and(|v| v.is_valid(instance)) {
        return Ok(());
    }
    let errors: Vec<String> = violations(contract, instance)
        .map_err(|e| vec![format!("schema does not compile: {e}")])?
        .into_iter()
        .map(|(pointer, message)| format!("{pointer}: {message}"))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}
