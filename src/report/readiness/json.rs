//! The readiness report as a stable JSON document, described by
//! `schema/readiness.schema.json`; it only grows within a `version`.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::{Counts, Item, Located, Readiness, Status};
use crate::report::json::{TOOL, Tool};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    input: Input,
    summary: Summary,
    problems: Vec<JsonFinding<'a>>,
    checklists: Vec<JsonChecklist<'a>>,
}

#[derive(Serialize)]
struct Input {
    files: usize,
    objects: usize,
    formats: Vec<&'static str>,
    undecided: usize,
}

/// The count of each status, by its name, and the score.
#[derive(Serialize)]
struct Summary {
    #[serde(flatten)]
    counts: BTreeMap<&'static str, usize>,
    score: Option<f64>,
}

impl Summary {
    fn new(counts: &Counts) -> Self {
        Summary {
            counts: Status::ALL
                .iter()
                .map(|&s| (s.name(), counts.get(s)))
                .collect(),
            score: counts.score(),
        }
    }
}

#[derive(Serialize)]
struct JsonChecklist<'a> {
    name: &'a str,
    title: &'a str,
    summary: Summary,
    sections: Vec<JsonSection<'a>>,
}

#[derive(Serialize)]
struct JsonSection<'a> {
    title: &'a str,
    summary: Summary,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    key: &'a str,
    text: &'a str,
    class: &'a str,
    line: usize,
    status: &'static str,
    reason: &'a str,
    findings: Vec<JsonFinding<'a>>,
    accepted: Vec<JsonFinding<'a>>,
    rules: Vec<JsonRule<'a>>,
    unchecked: Vec<&'static str>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonRule<'a> {
    id: &'a str,
    name: &'a str,
    format: Option<&'static str>,
    enabled: bool,
    examined: usize,
    undecided: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: &'static str,
    message: &'a str,
    path: &'a str,
    line: usize,
    column: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'a str>,
}

fn finding(f: &Located) -> JsonFinding<'_> {
    JsonFinding {
        rule: &f.rule,
        name: &f.name,
        severity: f.severity.name(),
        message: &f.message,
        path: &f.path,
        line: f.line,
        column: f.column,
        justification: f.accepted.as_deref(),
    }
}

fn item(item: &Item) -> JsonItem<'_> {
    JsonItem {
        key: &item.key,
        text: &item.text,
        class: &item.class,
        line: item.line,
        status: item.status.name(),
        reason: &item.reason,
        findings: item.findings.iter().map(finding).collect(),
        accepted: item.accepted.iter().map(finding).collect(),
        rules: item
            .rules
            .iter()
            .map(|e| JsonRule {
                id: &e.rule.id,
                name: &e.rule.name,
                format: e.rule.format.map(|f| f.name()),
                enabled: e.enabled,
                examined: e.examined,
                undecided: e.undecided,
            })
            .collect(),
        unchecked: item.unchecked.iter().map(|f| f.name()).collect(),
        items: item.children.iter().map(self::item).collect(),
    }
}

pub fn render(readiness: &Readiness, out: &mut dyn Write) -> io::Result<()> {
    let document = Document {
        version: 1,
        tool: TOOL,
        input: Input {
            files: readiness.files,
            objects: readiness.objects,
            formats: readiness.formats.iter().map(|f| f.name()).collect(),
            undecided: readiness.undecided,
        },
        summary: Summary::new(&readiness.counts),
        problems: readiness.problems.iter().map(finding).collect(),
        checklists: readiness
            .checklists
            .iter()
            .map(|c| JsonChecklist {
                name: &c.name,
                title: &c.title,
                summary: Summary::new(&c.counts),
                sections: c
                    .sections
                    .iter()
                    .map(|s| JsonSection {
                        title: &s.title,
                        summary: Summary::new(&s.counts),
                        items: s.items.iter().map(item).collect(),
                    })
                    .collect(),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
