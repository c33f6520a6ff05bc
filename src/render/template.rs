//! The Markdown report, rendered with minijinja from `evidence-templates/`.
//!
//! One section per "Required Evidence" item of the control, each holding the results of the
//! requirements that declare it as their `evidence` (the registry) with their config excerpts
//! (file:line) or the NOT_APPLICABLE / MANUAL reasoning; requirements the policy set adds
//! beyond the control's items get an "Other requirements" section, so no result is dropped.

use crate::requirements::{EvidenceItem, Registry, EVIDENCE_ITEMS, OTHER_EVIDENCE};
use crate::results::{Report, RequirementResult};
use crate::source::SourceMap;
use serde::Serialize;

/// The template, compiled into the binary.
pub const REPORT_MD: &str = include_str!("../../evidence-templates/report.md.j2");

/// A source line a result cites, with what the policy said of it.
#[derive(Serialize)]
pub(super) struct Excerpt {
    file: String,
    line: u32,
    column: u32,
    text: String,
    label: Option<String>,
    note: Option<String>,
    origin: Option<String>,
}

/// A result with its excerpts.
#[derive(Serialize)]
pub(super) struct ResultView<'a> {
    #[serde(flatten)]
    pub result: &'a RequirementResult,
    excerpts: Vec<Excerpt>,
}

/// One Required Evidence item of the control (or "Other requirements") and its results.
#[derive(Serialize)]
pub(super) struct Section<'a> {
    title: &'static str,
    /// The control's words for the item; empty for the requirements the policy set adds.
    control_text: &'static str,
    pub requirements: Vec<&'a str>,
    pub results: Vec<ResultView<'a>>,
}

/// An input file as listed in the report.
#[derive(Serialize, Clone)]
pub struct InputRow {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    /// With `--include-inputs`: the copy in the bundle, or why there is none.
    pub in_bundle: Option<String>,
    /// The repository of the file, in an organization record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
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

/// The report's sections: one per Required Evidence item of the control, in its order, then
/// "Other requirements" when the policy set adds requirements that answer none of them.
pub(super) fn sections<'a>(
    report: &'a Report,
    map: &SourceMap,
    registry: &'a Registry,
) -> Vec<Section<'a>> {
    let other = EvidenceItem {
        title: OTHER_EVIDENCE,
        control_text: "",
    };
    EVIDENCE_ITEMS
        .iter()
        .chain(std::iter::once(&other))
        .filter_map(|item| {
            let requirements = registry.answering(item.title);
            if item.title == OTHER_EVIDENCE && requirements.is_empty() {
                return None;
            }
            let results = report
                .results
                .iter()
                .filter(|r| requirements.contains(&r.requirement.as_str()))
                .map(|r| ResultView {
                    result: r,
                    excerpts: excerpts(map, r),
                })
                .collect();
            Some(Section {
                title: if item.title == OTHER_EVIDENCE {
                    "Other requirements"
                } else {
                    item.title
                },
                control_text: item.control_text,
                requirements,
                results,
            })
        })
        .collect()
}

/// Renders `report.md`.
pub fn report_markdown(
    scan: &crate::pipeline::Scan,
    inputs: &[InputRow],
    created_at: &str,
) -> Result<String, minijinja::Error> {
    let report = &scan.report;
    let sections = sections(report, &scan.map, &scan.registry);
    let mut env = minijinja::Environment::new();
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    // Every value of the record is printed with its control characters escaped.
    env.set_formatter(|out, state, value| {
        if value.is_undefined() || value.is_none() {
            return minijinja::escape_formatter(out, state, value);
        }
        out.write_str(&super::printable(&value.to_string()))
            .map_err(|_| minijinja::Error::from(minijinja::ErrorKind::WriteFailure))
    });
    env.add_template("report.md", REPORT_MD)?;
    let tmpl = env.get_template("report.md")?;
    tmpl.render(minijinja::context! {
        report => report,
        sections => sections,
        observations => scan.model.observations,
        inputs => inputs,
        created_at => created_at,
    })
}
