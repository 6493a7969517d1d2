//! rustc-style diagnostics: severity, id, message, `path:line:col`, the source
//! lines with the span underlined, related locations, and the fix.

use std::io::{self, Write};

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use rayon::prelude::*;

use super::Report;
use crate::finding::{Finding, Severity};
use crate::source::{Source, Span};

/// Longer spans are shown by their first lines only.
const MAX_SNIPPET_LINES: usize = 6;

/// Findings are rendered in parallel, this many at a time, and written in order.
const CHUNK: usize = 1024;

pub fn render(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    render_findings(report, out, color)?;
    let files = report.sources.reported();
    writeln!(
        out,
        "airworthy: {} in {} file{}, {} object{} checked",
        report.tally(),
        files,
        if files == 1 { "" } else { "s" },
        report.objects,
        if report.objects == 1 { "" } else { "s" },
    )
}

/// The findings alone, without the summary line.
pub fn render_findings(report: &Report, out: &mut dyn Write, color: bool) -> io::Result<()> {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    let shown: Vec<&Finding> = report.shown().collect();
    for chunk in shown.chunks(CHUNK) {
        let rendered: Vec<String> = chunk
            .par_iter()
            .map(|finding| renderer.render(&diagnostic(report, finding)))
            .collect();
        for text in rendered {
            writeln!(out, "{text}\n")?;
        }
    }
    Ok(())
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    }
}

fn diagnostic<'a>(report: &'a Report, finding: &'a Finding) -> Vec<Group<'a>> {
    let source = report.sources.get(finding.span.source);
    let mut title = level(finding.severity)
        .primary_title(finding.message.as_str())
        .id(finding.rule.id.as_str())
        .element(located(
            source,
            finding.span,
            finding.rule.name.as_str(),
            true,
        ));
    for related in &finding.related {
        let other = report.sources.get(related.span.source);
        title = title.element(located(
            other,
            related.span,
            related.message.as_str(),
            false,
        ));
    }
    if let Some(object) = &finding.object {
        let note = match &finding.template {
            Some(template) => format!("in {object}, rendered from the chart template {template}"),
            None => format!("in {object}"),
        };
        title = title.element(Level::NOTE.message(note));
    }
    if let Some(suppression) = &finding.suppression {
        let note = format!("suppressed: {}", suppression.justification);
        title = title.element(Level::NOTE.message(note));
    }
    title = title.element(Level::HELP.message(finding.rule.help.as_str()));
    vec![title]
}

/// A snippet of the lines the span covers, or just the path when the source
/// has no text (an unreadable file).
fn located<'a>(
    source: &'a Source,
    span: Span,
    label: &'a str,
    primary: bool,
) -> annotate_snippets::Element<'a> {
    let path = source.display_path();
    if source.text.is_empty() {
        return Origin::path(path).line(1).char_column(1).into();
    }
    let start = source.line_col(span.start);
    let end = source.line_col(span.end.max(span.start));
    let last = end.line.min(start.line + MAX_SNIPPET_LINES - 1);
    let window = source.line_range(start.line).start..source.line_range(last).end;
    let text = &source.text[window.clone()];
    // A span may end past the lines shown (after a lone `\r`, or beyond
    // the lines a long span is cut to): both ends are kept inside them.
    let start_at = (span.start as usize).clamp(window.start, window.end);
    let end_at = (span.end as usize).clamp(start_at, window.end);
    let (from, to) = (start_at - window.start, end_at - window.start);
    let kind = if primary {
        AnnotationKind::Primary
    } else {
        AnnotationKind::Context
    };
    Snippet::source(text)
        .line_start(start.line)
        .path(path)
        .fold(false)
        .annotation(kind.span(from..to).label(label))
        .into()
}
