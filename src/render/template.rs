//! The Markdown report, rendered with minijinja from `evidence-templates/`.
//!
//! One section per "Required Evidence" item of the control, each holding the results that
//! answer it with their config excerpts (file:line) or the NOT_APPLICABLE / MANUAL reasoning.

use crate::results::{Report, RequirementResult};
use crate::source::SourceMap;
use serde::Serialize;

/// The template, compiled into the binary.
pub const REPORT_MD: &str = include_str!("../../evidence-templates/report.md.j2");

/// A "Required Evidence" item of MCP-NET-03 and the requirements that answer it.
pub struct EvidenceItem {
    pub title: &'static str,
    pub control_text: &'static str,
    pub requirements: &'static [&'static str],
}

/// The five Required Evidence items of the control, then the requirements that come from its
/// text elsewhere (certificate validation in outbound connections, end-to-end validation) and
/// the profile add-ons.
pub const EVIDENCE_ITEMS: &[EvidenceItem] = &[
    EvidenceItem {
        title: "TLS Configuration",
        control_text: "Server config showing TLS enabled with minimum version 1.2",
        requirements: &["NET03-TLS"],
    },
    EvidenceItem {
        title: "Certificate validation",
        control_text: "Valid certificate chain from trusted CA (or pinned cert for internal)",
        requirements: &["NET03-CERT", "NET03-VERIFY", "NET03-E2E"],
    },
    EvidenceItem {
        title: "Cipher suite configuration",
        control_text: "Strong ciphers only (no NULL, export, or weak ciphers)",
        requirements: &["NET03-CIPHER"],
    },
    EvidenceItem {
        title: "HTTP redirect or blocking",
        control_text: "Plaintext HTTP requests rejected or redirected to HTTPS",
        requirements: &["NET03-HTTP", "PROFILE-HSTS"],
    },
    EvidenceItem {
        title: "Test results",
        control_text: "HTTPS connection succeeds with valid certificate; HTTP connection fails or redirects; TLS 1.0/1.1 connections rejected; self-signed certificate rejected (unless explicitly trusted)",
        requirements: &["NET03-TEST"],
    },
];

#[derive(Serialize)]
struct Excerpt {
    file: String,
    line: u32,
    column: u32,
    text: String,
    label: Option<String>,
    note: Option<String>,
    origin: Option<String>,
}

#[derive(Serialize)]
struct ResultView<'a> {
    #[serde(flatten)]
    result: &'a RequirementResult,
    excerpts: Vec<Excerpt>,
}

#[derive(Serialize)]
struct Section<'a> {
    title: &'static str,
    control_text: &'static str,
    requirements: &'static [&'static str],
    results: Vec<ResultView<'a>>,
}

/// An input file as listed in the report.
#[derive(Serialize, Clone)]
pub struct InputRow {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

fn excerpts(map: &SourceMap, r: &RequirementResult) -> Vec<Excerpt> {
    let mut out: Vec<Excerpt> = Vec::new();
    let mut push = |loc: &crate::source::Location,
                    label: Option<String>,
                    note: Option<String>,
                    origin: Option<String>| {
        if out.iter().any(|e| {
            e.file == loc.file && e.line == loc.line && (label.is_none() || e.label == label)
        }) {
            return;
        }
        let text = crate::results::excerpt(map, loc).unwrap_or_default();
        out.push(Excerpt {
            file: loc.file.clone(),
            line: loc.line,
            column: loc.column,
            text,
            label,
            note,
            origin,
        });
    };
    for e in &r.evidence {
        if let Some(loc) = &e.location {
            push(loc, e.label.clone(), e.note.clone(), e.origin.clone());
        }
    }
    for loc in &r.locations {
        push(loc, None, None, None);
    }
    out
}

/// Renders `report.md`.
pub fn report_markdown(
    report: &Report,
    map: &SourceMap,
    inputs: &[InputRow],
    created_at: &str,
) -> Result<String, minijinja::Error> {
    let sections: Vec<Section> = EVIDENCE_ITEMS
        .iter()
        .map(|item| Section {
            title: item.title,
            control_text: item.control_text,
            requirements: item.requirements,
            results: report
                .results
                .iter()
                .filter(|r| item.requirements.contains(&r.requirement.as_str()))
                .map(|r| ResultView {
                    result: r,
                    excerpts: excerpts(map, r),
                })
                .collect(),
        })
        .collect();
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_template("report.md", REPORT_MD)?;
    let tmpl = env.get_template("report.md")?;
    tmpl.render(minijinja::context! {
        report => report,
        sections => sections,
        inputs => inputs,
        created_at => created_at,
    })
}
