//! Renderers: each turns findings and their sources into one output format.

mod compact;
mod github;
mod json;
mod markdown;
mod pretty;
pub mod readiness;
mod sarif;
mod text;

use std::borrow::Cow;
use std::io::{self, Write};
use std::sync::Arc;

use crate::finding::{Finding, RuleMeta, Severity, Skipped};
use crate::source::{LineCol, Sources, Span};

/// Text from the files (a value in a message, a path, a reason), made safe
/// to print: control characters become their pictures (`␛`, `␊`), as
/// annotate-snippets shows them in source lines, and C1 controls and
/// bidirectional overrides `�`. A name in a manifest then cannot recolour
/// or clear the terminal, start a line of its own (a forged finding in
/// `compact` output, a workflow command in `github`'s), or reorder what is
/// shown.
pub(crate) fn printable(text: &str) -> Cow<'_, str> {
    fn picture(c: char) -> char {
        match c {
            '\0'..='\u{1f}' => char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'),
            '\u{7f}' => '\u{2421}',
            '\u{80}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => '\u{fffd}',
            c => c,
        }
    }
    if text.chars().all(|c| picture(c) == c) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(picture).collect())
}

/// [`printable`] for an owned string, which is kept when already printable.
pub(crate) fn printable_owned(text: String) -> String {
    match printable(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(shown) => shown,
    }
}

/// [`printable`] text without HTML, for Markdown that GitHub renders (a job
/// summary, a comment).
pub(crate) fn markdown_safe(text: &str) -> String {
    printable(text).replace('<', "&lt;").replace('>', "&gt;")
}

/// Everything a renderer may look at.
pub struct Report<'a> {
    pub sources: &'a Sources,
    /// Every finding, suppressed ones included.
    pub findings: &'a [Finding],
    pub rules: &'a [Arc<RuleMeta>],
    pub objects: usize,
    /// List suppressed findings too (`--show-suppressed`); SARIF always
    /// does, with their `suppressions`.
    pub show_suppressed: bool,
    /// Checks that unknown values left undecided.
    pub skipped: &'a [Skipped],
    /// The exit code the run ends with (SARIF records the invocation).
    pub exit_code: i32,
    /// Tells this run apart from others uploaded with it (SARIF
    /// `automationDetails.id`, GitHub's category).
    pub category: &'a str,
    /// Where links to files point (`https://github.com/o/r/blob/SHA`), for
    /// Markdown; none: paths are shown, not linked.
    pub link_base: Option<&'a str>,
    /// Every checklist item's status, for the `checklist` format.
    pub readiness: Option<&'a readiness::Readiness>,
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
    /// GitHub Actions annotations (`::error file=…,line=…::message`)
    Github,
    /// a Markdown summary for pull requests and CI job summaries
    Markdown,
    /// the readiness checklists in Markdown, their boxes ticked from the findings
    Checklist,
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
        OutputFormat::Github => github::render(report, out),
        OutputFormat::Markdown => markdown::render(report, out),
        OutputFormat::Checklist => match report.readiness {
            Some(statuses) => readiness::render(
                readiness::ReadinessFormat::Markdown,
                statuses,
                &readiness::Links::default(),
                out,
            ),
            None => Err(io::Error::other("the checklist needs the items' statuses")),
        },
    }
}

/// Text diagnostics without a summary: for problems that stop a run before
/// any file is checked (a broken rule or configuration file).
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

    /// The findings to list.
    fn shown(&self) -> impl Iterator<Item = &Finding> {
        self.findings
            .iter()
            .filter(|f| self.show_suppressed || f.suppression.is_none())
    }

    /// Findings of this severity that are not suppressed.
    fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity && f.suppression.is_none())
            .count()
    }

    fn suppressed(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppression.is_some())
            .count()
    }

    /// `2 errors, 1 warning, no notes (3 suppressed)`.
    fn tally(&self) -> String {
        let mut tally = Severity::ALL
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
            .join(", ");
        match self.suppressed() {
            0 => {}
            n => tally.push_str(&format!(" ({n} suppressed)")),
        }
        match self.skipped.len() {
            0 => {}
            1 => tally.push_str("; 1 check skipped on an unknown value"),
            n => tally.push_str(&format!("; {n} checks skipped on unknown values")),
        }
        tally
    }
}
