//! The HTML report (`report.html`): the auditor's view of the record, one self-contained file.
//!
//! Rendered with minijinja from `evidence-templates/report.html.j2`, every value HTML-escaped
//! (the record holds text from configuration files). It holds what report.md holds — the
//! verdict, a section per Required Evidence item with its results and excerpts, the live test
//! results, the exception claims, the findings and the inputs — plus a picture of each traffic
//! chain ([`chains`]), filters (CSS rules, so they work with scripts off; a small script counts
//! what they leave) and a print stylesheet. Its Content-Security-Policy admits the page's one
//! style sheet and one script by their hashes and nothing else, so viewing it requests nothing.

mod chains;

use super::template::{sections, InputRow};
use crate::model::Component;
use crate::results::Status;
use minijinja::{AutoEscape, Value};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The template, compiled into the binary.
pub const REPORT_HTML: &str = include_str!("../../evidence-templates/report.html.j2");
/// The style sheet, inlined into the page (the filter rules are appended per report).
const STYLE: &str = include_str!("../../evidence-templates/report.css");
/// The script, inlined into the page.
const SCRIPT: &str = include_str!("../../evidence-templates/report.js");

/// The statuses, worst first: the order of the tallies and of the status filter.
const STATUSES: [Status; 5] = [
    Status::Fail,
    Status::Manual,
    Status::Excepted,
    Status::NotApplicable,
    Status::Pass,
];

#[derive(Serialize)]
struct Tally {
    word: &'static str,
    count: usize,
}

/// A value of the requirement or component filter. Pages refer to it by `index` only, so that
/// no text of the record reaches the style sheet.
#[derive(Serialize)]
struct Choice {
    index: usize,
    id: String,
    count: usize,
}

/// Escapes text for HTML element content and quoted attribute values (control characters as
/// [`super::printable`] writes them).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in super::printable(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `sha256-<base64>`, a Content-Security-Policy source for an inline element's text.
fn csp_hash(text: &str) -> String {
    format!(
        "sha256-{}",
        crate::source::base64(&Sha256::digest(text.as_bytes()))
    )
}

/// The filter rules: a status box unticked, or a requirement or component chosen, hides the
/// results that do not match (`:has()`; a browser without it shows every result).
fn filter_rules(requirements: usize, components: usize) -> String {
    let mut css = String::from("\n/* Filters. */\n");
    for s in STATUSES {
        let s = s.as_str();
        css.push_str(&format!(
            "body:has(#f-{s}:not(:checked)) .result.st-{s} {{ display: none; }}\n"
        ));
    }
    for (select, prefix, n) in [("f-rq", "rq", requirements), ("f-cp", "cp", components)] {
        for i in 0..n {
            css.push_str(&format!(
                "body:has(#{select} option[value=\"{prefix}{i}\"]:checked) .result:not(.{prefix}{i}) {{ display: none; }}\n"
            ));
        }
    }
    css
}

/// Renders `report.html`.
pub fn report_html(
    scan: &crate::pipeline::Scan,
    inputs: &[InputRow],
    created_at: &str,
) -> Result<String, minijinja::Error> {
    let report = &scan.report;
    let count = |f: &dyn Fn(&crate::results::RequirementResult) -> bool| {
        report.results.iter().filter(|r| f(r)).count()
    };

    // Requirements in registry order, then any other the record holds; components likewise.
    let mut requirement_ids: Vec<String> = scan
        .registry
        .ids()
        .into_iter()
        .filter(|id| report.results.iter().any(|r| r.requirement == *id))
        .map(str::to_string)
        .collect();
    let mut component_names: Vec<String> = Component::ALL
        .iter()
        .map(|c| c.as_str().to_string())
        .filter(|c| report.results.iter().any(|r| r.component == *c))
        .collect();
    for r in &report.results {
        if !requirement_ids.contains(&r.requirement) {
            requirement_ids.push(r.requirement.clone());
        }
        if !component_names.contains(&r.component) {
            component_names.push(r.component.clone());
        }
    }
    let choices = |values: &[String], field: fn(&crate::results::RequirementResult) -> &str| {
        values
            .iter()
            .enumerate()
            .map(|(index, v)| Choice {
                index,
                id: v.clone(),
                count: count(&|r| field(r) == v),
            })
            .collect::<Vec<_>>()
    };
    let requirements = choices(&requirement_ids, |r| &r.requirement);
    let components = choices(&component_names, |r| &r.component);
    let rq: BTreeMap<&str, usize> = requirements
        .iter()
        .map(|c| (c.id.as_str(), c.index))
        .collect();
    let cp: BTreeMap<&str, usize> = components
        .iter()
        .map(|c| (c.id.as_str(), c.index))
        .collect();
    // Claim anchors by position, keyed by repository and id: ids are the claims file's text,
    // unique in one file only (an organization record holds several).
    let mut claims: BTreeMap<String, usize> = BTreeMap::new();
    for (i, c) in report.exceptions.iter().enumerate() {
        let key = format!("{} :: {}", c.repository.as_deref().unwrap_or(""), c.id);
        claims.entry(key).or_insert(i + 1);
    }
    let statuses: Vec<Tally> = STATUSES
        .iter()
        .map(|s| Tally {
            word: s.as_str(),
            count: count(&|r| r.status == *s),
        })
        .collect();

    let css = format!(
        "{STYLE}{}",
        filter_rules(requirements.len(), components.len())
    );
    let csp = format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; base-uri 'none'; form-action 'none'",
        csp_hash(&css),
        csp_hash(SCRIPT)
    );

    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_auto_escape_callback(|_| AutoEscape::Html);
    // minijinja's HTML escaping also writes `/` as `&#x2f;`; paths read better as they are.
    env.set_formatter(|out, state, value| {
        if state.auto_escape() != AutoEscape::Html
            || value.is_safe()
            || value.is_undefined()
            || value.is_none()
        {
            return minijinja::escape_formatter(out, state, value);
        }
        out.write_str(&escape(&value.to_string()))
            .map_err(|_| minijinja::Error::from(minijinja::ErrorKind::WriteFailure))
    });
    env.add_template("report.html", REPORT_HTML)?;
    let tmpl = env.get_template("report.html")?;
    tmpl.render(minijinja::context! {
        report => report,
        exceptions => report.exceptions,
        sections => sections(report, &scan.map, &scan.registry),
        observations => scan.model.observations,
        figures => chains::figures(&scan.model, report),
        inputs => inputs,
        created_at => created_at,
        roots => scan.roots,
        exceptions_file => scan.exceptions_file,
        evaluated_at => scan.model.evaluated_at,
        statuses => statuses,
        requirements => requirements,
        components => components,
        rq => rq,
        cp => cp,
        claims => claims,
        css => Value::from_safe_string(css.clone()),
        script => Value::from_safe_string(SCRIPT.to_string()),
        // Hashes only: nothing of the record.
        csp => Value::from_safe_string(csp),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_hash_is_the_base64_sha256() {
        // printf '' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            csp_hash(""),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        // printf 'abc' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            csp_hash("abc"),
            "sha256-ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0="
        );
    }

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert('x')</script> & "q""#),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
    }
}
