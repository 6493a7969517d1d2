//! Renderers: each turns findings and their sources into one output format.

mod compact;
mod json;
mod sarif;
mod text;

use std::cell::RefCell;
use std::io::{self, Write};
use std::sync::Arc;

use serde::{Serialize, Serializer};

use crate::finding::{Finding, RuleMeta, Severity};
use crate::source::{LineCol, Sources, Span};

/// Everything a renderer may look at.
pub struct Report<'a> {
    pub sources: &'a Sources,
    pub findings: &'a [Finding],
    pub rules: &'a [Arc<RuleMeta>],
    pub objects: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// rustc-style diagnostics with the source line and the span underlined
    Text,
    /// one line per finding: `path:line:col: severity[ID] message`
    Compact,
    /// a stable JSON document (see README)
    Json,
    /// SARIF 2.1.0 for code scanning and IDE viewers
    Sarif,
}

pub fn render(
    format: OutputFormat,
    report: &Report,
    out: &mut dyn Write,
    color: bool,
) -> io::Result<()> {
    match format {
        OutputFormat::Text => text::render(report, out, color),
        OutputFormat::Compact => compact::render(report, out),
        OutputFormat::Json => json::render(report, out),
        OutputFormat::Sarif => sarif::render(report, out),
    }
}

/// Text diagnostics without a summary, for problems that stop a run before
/// anything is checked (rule files that do not compile).
pub fn render_diagnostics(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    text::render_findings(report, out, color)
}

impl Report<'_> {
    fn start(&self, span: Span) -> LineCol {
        self.sources.get(span.source).line_col(span.start)
    }

    fn end(&self, span: Span) -> LineCol {
        self.sources.get(span.source).line_col(span.end)
    }

    fn path(&self, span: Span) -> String {
        self.sources.get(span.source).display_path()
    }

    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }

    /// `2 errors, 1 warning, no notes`.
    fn tally(&self) -> String {
        Severity::ALL
            .iter()
            .map(|&s| {
                let n = self.count(s);
                let plural = if n == 1 { "" } else { "s" };
                match n {
                    0 => format!("no {}s", s.name()),
                    _ => format!("{n} {}{plural}", s.name()),
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Serializes the items of an iterator as a JSON array as they come, so a
/// report never holds a serializable copy of every finding at once.
struct Sequence<I>(RefCell<Option<I>>);

impl<I> Sequence<I> {
    fn new(items: I) -> Self {
        Sequence(RefCell::new(Some(items)))
    }
}

impl<I> Serialize for Sequence<I>
where
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let items = self.0.borrow_mut().take();
        serializer.collect_seq(items.into_iter().flatten())
    }
}
