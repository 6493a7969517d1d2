//! A stable JSON document; its shape is documented in the README and only
//! grows (new fields) within a `version`.

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, pretty};
use crate::finding::Finding;
use crate::finding::Severity;
use crate::source::{LineCol, Span};

#[derive(Serialize)]
struct Document<F: Serialize> {
    version: u32,
    tool: Tool,
    summary: Summary,
    findings: F,
}

/// This tool, as every JSON document names it.
#[derive(Serialize)]
pub(super) struct Tool {
    name: &'static str,
    version: &'static str,
}

pub(super) const TOOL: Tool = Tool {
    name: "airworthy",
    version: env!("CARGO_PKG_VERSION"),
};

#[derive(Serialize)]
struct Summary {
    files: usize,
    objects: usize,
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'static str,
    message: &'a str,
    #[serde(flatten)]
    location: Location,
    object: Option<&'a str>,
    template: Option<&'a str>,
    checklist: &'a [String],
    related: Vec<JsonRelated<'a>>,
    fingerprint: &'a str,
    suppression: Option<JsonSuppression<'a>>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    kind: &'static str,
    justification: &'a str,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    message: &'a str,
    #[serde(flatten)]
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    start: Position,
    end: Position,
}

#[derive(Serialize)]
struct Position {
    line: usize,
    column: usize,
    offset: u32,
}

impl Position {
    fn new(at: LineCol, offset: u32) -> Self {
        Position {
            line: at.line,
            column: at.column,
            offset,
        }
    }
}

fn location(report: &Report, span: Span) -> Location {
    Location {
        path: report.path(span),
        start: Position::new(report.start(span), span.start),
        end: Position::new(report.end(span), span.end),
    }
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let document = Document {
        version: 1,
        tool: TOOL,
        summary: Summary {
            files: report.sources.reported(),
            objects: report.objects,
            errors: report.count(Severity::Error),
            warnings: report.count(Severity::Warning),
            notes: report.count(Severity::Note),
            suppressed: report.suppressed(),
            skipped: report.skipped.len(),
        },
        findings: pretty::List,
    };
    let shown: Vec<&Finding> = report.shown().collect();
    pretty::write(out, &document, &shown, |f| JsonFinding {
        rule: &f.rule.id,
        name: &f.rule.name,
        severity: f.severity.name(),
        message: &f.message,
        location: location(report, f.span),
        object: f.object.as_deref(),
        template: f.template.as_deref(),
        checklist: &f.rule.checklist,
        related: f
            .related
            .iter()
            .map(|r| JsonRelated {
                message: &r.message,
                location: location(report, r.span),
            })
            .collect(),
        fingerprint: &f.fingerprint,
        suppression: f.suppression.as_ref().map(|s| JsonSuppression {
            kind: s.kind.sarif_name(),
            justification: &s.justification,
        }),
    })
}
