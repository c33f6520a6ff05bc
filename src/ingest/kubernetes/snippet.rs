//! ingress-nginx `server-snippet` / `configuration-snippet` annotations: the raw nginx text is
//! parsed with the nginx parser and every directive is located at its line in the manifest.

use crate::ingest::nginx::lowering as parse;
use crate::source::FileId;
use crate::yaml::Node;

/// One directive of a snippet, located in the manifest file.
pub(crate) struct Directive {
    pub name: String,
    pub args: Vec<String>,
    /// Byte offset in the manifest of the line that holds the directive.
    pub start: usize,
}

/// The directives of a snippet annotation (nested blocks flattened), or the parse problem.
pub(crate) fn directives(
    file: FileId,
    file_text: &str,
    value: &Node,
) -> Result<Vec<Directive>, String> {
    let Some(text) = value.as_str() else {
        return Ok(Vec::new());
    };
    let parsed = parse::parse(file, text).map_err(|f| f.message)?;
    let mut flat = Vec::new();
    let mut stack: Vec<&parse::Directive> = parsed.iter().rev().collect();
    let mut guard = 0;
    while let Some(d) = stack.pop() {
        guard += 1;
        if guard > 10_000 {
            break;
        }
        flat.push(d);
        if let Some(b) = &d.block {
            stack.extend(b.iter().rev());
        }
    }
    // Snippet offsets are offsets into the YAML string's value; the manifest holds the same
    // lines (indented, for block scalars): find each directive's line text in order.
    let mut cursor = value.start;
    let mut out = Vec::new();
    for d in flat {
        let line_no = text
            .get(..d.name_span.start)
            .map(|s| s.matches('\n').count())
            .unwrap_or(0);
        let line = text.lines().nth(line_no).unwrap_or("").trim();
        let start = if line.is_empty() {
            cursor
        } else {
            match file_text.get(cursor..).and_then(|rest| rest.find(line)) {
                Some(i) => {
                    cursor += i;
                    cursor
                }
                None => cursor,
            }
        };
        out.push(Directive {
            name: d.name.clone(),
            args: d.args.iter().map(|a| a.value.clone()).collect(),
            start,
        });
    }
    Ok(out)
}
