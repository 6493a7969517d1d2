//! rustc-style diagnostics: severity, id, message, `path:line:col`, the source
//! lines with the span underlined, related locations, and the fix.

use std::borrow::Cow;
use std::io::{self, Write};
use std::ops::Range;

use annotate_snippets::{AnnotationKind, Group, Level, Origin, Renderer, Snippet};
use rayon::prelude::*;

use super::{Report, printable, printable_owned};
use crate::finding::{Finding, Severity};
use crate::source::{Source, Span};

/// Longer spans are shown by their first lines only.
const MAX_SNIPPET_LINES: usize = 6;

/// Lines longer than this together (minified JSON, one-line files) are cut
/// to the span's first line, `CUT_CONTEXT` bytes either side of it: the
/// renderer reads every character it is given, so whole long lines made
/// text output quadratic (a 240 KB line with 3,750 findings took 15 s).
const MAX_SNIPPET_BYTES: usize = 4096;
/// More than a terminal shows either side; the renderer trims the rest.
const CUT_CONTEXT: usize = 512;
/// Stands for the path of a cut snippet, whose location the renderer would
/// count from the cut's start: the true `path:line:col` replaces it after.
/// The renderer keeps C1 controls in paths, and every text from the files
/// that is shown before a snippet (the message) is [`printable`], which has
/// none, so only the headers hold this.
const CUT_ORIGIN: &str = "\u{80}cut\u{80}";

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
            .map(|finding| {
                let mut cut_origins = Vec::new();
                let text = renderer.render(&diagnostic(report, finding, &mut cut_origins));
                restore_cut_origins(text, &cut_origins)
            })
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

/// The finding as the renderer takes it; the true locations of cut snippets
/// go to `cut_origins`, in the order they are shown.
fn diagnostic<'a>(
    report: &'a Report,
    finding: &'a Finding,
    cut_origins: &mut Vec<String>,
) -> Vec<Group<'a>> {
    let source = report.sources.get(finding.span.source);
    let mut title = level(finding.severity)
        .primary_title(printable(&finding.message))
        .id(finding.rule.id.as_str())
        .element(located(
            source,
            finding.span,
            finding.rule.name.as_str().into(),
            true,
            cut_origins,
        ));
    for related in &finding.related {
        let other = report.sources.get(related.span.source);
        title = title.element(located(
            other,
            related.span,
            printable(&related.message),
            false,
            cut_origins,
        ));
    }
    if let Some(object) = &finding.object {
        let note = match &finding.template {
            Some(template) => format!("in {object}, rendered from the chart template {template}"),
            None => format!("in {object}"),
        };
        title = title.element(Level::NOTE.message(printable_owned(note)));
    }
    if let Some(suppression) = &finding.suppression {
        let note = format!("suppressed: {}", suppression.justification);
        title = title.element(Level::NOTE.message(printable_owned(note)));
    }
    title = title.element(Level::HELP.message(finding.rule.help.as_str()));
    vec![title]
}

/// A snippet of the lines the span covers, or just the path when the source
/// has no text (an unreadable file).
fn located<'a>(
    source: &'a Source,
    span: Span,
    label: Cow<'a, str>,
    primary: bool,
    cut_origins: &mut Vec<String>,
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
    if text.len() <= MAX_SNIPPET_BYTES {
        let (text, range) = without_c1(text, from..to);
        let snippet = Snippet::source(text)
            .line_start(start.line)
            .path(path)
            .fold(false)
            .annotation(kind.span(range).label(label));
        return snippet.into();
    }
    let line = source.line_range(start.line);
    let cut_start = source
        .text
        .floor_char_boundary(start_at.saturating_sub(CUT_CONTEXT).max(line.start));
    let shown_end = end_at.min(start_at + CUT_CONTEXT);
    let cut_end = source
        .text
        .ceil_char_boundary((shown_end + CUT_CONTEXT).min(line.end))
        .max(start_at);
    let (from, to) = (start_at - cut_start, end_at.min(cut_end) - cut_start);
    cut_origins.push(format!("{path}:{}:{}", start.line, start.column));
    let (text, range) = without_c1(&source.text[cut_start..cut_end], from..to);
    Snippet::source(text)
        .line_start(start.line)
        .path(CUT_ORIGIN)
        .fold(false)
        .annotation(kind.span(range).label(label))
        .into()
}

/// The lines shown with C1 controls as `�`, which the renderer prints
/// raw (it replaces only C0 controls and bidirectional overrides), and the
/// annotation's byte range moved with them.
fn without_c1(text: &str, range: Range<usize>) -> (Cow<'_, str>, Range<usize>) {
    let is_c1 = |c: char| ('\u{80}'..='\u{9f}').contains(&c);
    if !text.contains(is_c1) {
        return (Cow::Borrowed(text), range);
    }
    // A C1 control is two bytes, `�` three: each before an offset moves it
    // by one. Counted in bytes, so no offset needs to be a char boundary.
    let c1_before = |at: usize| {
        let bytes = &text.as_bytes()[..(at + 1).min(text.len())];
        bytes
            .windows(2)
            .filter(|w| w[0] == 0xC2 && (0x80..=0x9F).contains(&w[1]))
            .count()
    };
    let grown = |at: usize| at + c1_before(at);
    let range = grown(range.start)..grown(range.end);
    let shown = text
        .chars()
        .map(|c| if is_c1(c) { '\u{fffd}' } else { c })
        .collect();
    (Cow::Owned(shown), range)
}

/// Puts each cut snippet's true location where the renderer wrote
/// `CUT_ORIGIN:line:col`.
fn restore_cut_origins(mut text: String, cut_origins: &[String]) -> String {
    let mut from = 0;
    for origin in cut_origins {
        let Some(at) = text[from..].find(CUT_ORIGIN).map(|at| from + at) else {
            break;
        };
        let rest = &text[at + CUT_ORIGIN.len()..];
        let written = rest
            .find(|c: char| c != ':' && !c.is_ascii_digit())
            .unwrap_or(rest.len());
        text.replace_range(at..at + CUT_ORIGIN.len() + written, origin);
        from = at + origin.len();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceId;

    /// A C1 control before the span is shown as `�` and the span is still
    /// underlined where it is: as if the file held `�` there.
    #[test]
    fn c1_controls_in_shown_lines_are_replaced_and_the_span_kept() {
        let render = |text: &str| {
            let source = Source::new(SourceId(0), "c1.yaml".into(), text.into());
            let at = text.find("target").unwrap();
            let span = Span::new(SourceId(0), at, at + 6);
            let element = located(&source, span, "here".into(), true, &mut Vec::new());
            Renderer::plain().render(&[Level::WARNING.primary_title("m").element(element)])
        };
        let shown = render("a: \u{9b}x\u{85} target \u{9b}\n");
        assert_eq!(shown, render("a: \u{fffd}x\u{fffd} target \u{fffd}\n"));
        assert!(!shown.contains(|c: char| ('\u{80}'..='\u{9f}').contains(&c)));
    }

    /// A long line is cut around the span, and shows as the whole line does:
    /// the same window, the same `path:line:col`, for the finding and for a
    /// related location, plain and styled.
    #[test]
    fn long_lines_are_cut_around_the_span_and_show_as_whole_lines_do() {
        let line = format!("{}target{}", "é".repeat(9_000), "y".repeat(20_000));
        let text = format!("first line\n{line}\nlast line\n");
        let source = Source::new(SourceId(0), "one-line.json".into(), text.clone());
        let at = text.find("target").unwrap();
        let span = Span::new(SourceId(0), at, at + 6);
        let other = Span::new(SourceId(0), at + 20_000, at + 20_003);
        let whole = |start: usize, end: usize, kind: AnnotationKind, label: &'static str| {
            let line_start = text.find(&line).unwrap();
            Snippet::source(line.as_str())
                .line_start(2)
                .path("one-line.json")
                .fold(false)
                .annotation(kind.span(start - line_start..end - line_start).label(label))
        };
        for renderer in [Renderer::plain(), Renderer::styled()] {
            let mut cut_origins = Vec::new();
            let title = Level::WARNING
                .primary_title("a finding")
                .element(located(
                    &source,
                    span,
                    "here".into(),
                    true,
                    &mut cut_origins,
                ))
                .element(located(
                    &source,
                    other,
                    "and there".into(),
                    false,
                    &mut cut_origins,
                ));
            let cut = restore_cut_origins(renderer.render(&[title]), &cut_origins);
            assert_eq!(
                cut_origins,
                ["one-line.json:2:9001", "one-line.json:2:29001"]
            );
            let title = Level::WARNING
                .primary_title("a finding")
                .element(whole(at, at + 6, AnnotationKind::Primary, "here"))
                .element(whole(
                    at + 20_000,
                    at + 20_003,
                    AnnotationKind::Context,
                    "and there",
                ));
            assert_eq!(cut, renderer.render(&[title]));
        }
    }
}
