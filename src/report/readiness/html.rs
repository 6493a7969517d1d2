//! The readiness report as one self-contained page: inline CSS and SVG, a
//! small script for the status filters, nothing fetched. Readable without the
//! script and on paper; the same input gives the same bytes.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Counts, Item, Links, Located, Readiness, Status};

const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

pub fn render(readiness: &Readiness, links: &Links, out: &mut dyn Write) -> io::Result<()> {
    let mut html = String::with_capacity(256 * 1024);
    let version = env!("CARGO_PKG_VERSION");
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"airworthy {version}\">\n\
         <title>Readiness report · airworthy</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n"
    );
    header(&mut html, readiness);
    filters(&mut html, &readiness.counts);
    html.push_str("<main>\n");
    if !readiness.problems.is_empty() {
        html.push_str(
            "<section class=\"problems\" aria-labelledby=\"problems\">\n\
             <h2 id=\"problems\">Problems with the input</h2>\n\
             <p>These are evidence for no item; a file that does not parse was not checked.</p>\n\
             <ul class=\"findings\">\n",
        );
        for problem in &readiness.problems {
            finding(&mut html, problem, links);
        }
        html.push_str("</ul>\n</section>\n");
    }
    charts(&mut html, readiness);
    for checklist in &readiness.checklists {
        let _ = writeln!(
            html,
            "<section class=\"checklist\" aria-labelledby=\"{name}\">\n<h2 id=\"{name}\">{}</h2>",
            escape(&checklist.title),
            name = checklist.name,
        );
        for (index, section) in checklist.sections.iter().enumerate() {
            let _ = writeln!(
                html,
                "<section class=\"section\" aria-labelledby=\"{id}\">\n\
                 <h3 id=\"{id}\">{} <span class=\"score\">{}</span></h3>\n<ul class=\"items\">",
                escape(&section.title),
                score(&section.counts),
                id = section_id(&checklist.name, index),
            );
            for item in &section.items {
                entry(&mut html, item, links);
            }
            html.push_str("</ul>\n</section>\n");
        }
        html.push_str("</section>\n");
    }
    let _ = write!(
        html,
        "</main>\n<footer><p>Made by airworthy {version} from the checklists in its \
         <code>checklists/</code>. Beside each item are its key and its class: K, T, N \
         (checkable in Kubernetes, Terraform, nginx configuration), P[…] (partially), M \
         (manual).</p></footer>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n"
    );
    out.write_all(html.as_bytes())
}

const DEFINITION: &str = "The score is (passed + partially checked) ÷ (passed + partially \
    checked + failing): the share of the items the configuration could judge that are in \
    order. Manual, not applicable and not checked items are counted apart; a bold item \
    counts through its sub-items.";

fn header(html: &mut String, readiness: &Readiness) {
    let counts = &readiness.counts;
    let _ = write!(
        html,
        "<header>\n<h1>Readiness report</h1>\n<p class=\"input\">{}",
        inline(&readiness.input())
    );
    html.push_str("</p>\n<div class=\"overview\">\n");
    let percent = counts.percent();
    let _ = write!(
        html,
        "<figure class=\"ring\">{}<figcaption><span class=\"value\" data-score=\"overall\">{}</span> \
         readiness score<small>of the {} items it could judge</small></figcaption></figure>\n\
         <dl class=\"counts\">\n",
        ring(percent),
        score(counts),
        counts.judged(),
    );
    for status in Status::ALL {
        let _ = writeln!(
            html,
            "<div class=\"s-{name}\"><dt>{}</dt><dd data-count=\"{name}\">{}</dd></div>",
            badge(status),
            counts.get(status),
            name = status.name(),
        );
    }
    let _ = write!(
        html,
        "</dl>\n</div>\n<p class=\"definition\">{DEFINITION}</p>\n</header>\n"
    );
}

/// The overall score as a ring: the judged items, the share in order green.
fn ring(percent: Option<usize>) -> String {
    let filled = percent.unwrap_or(0);
    format!(
        "<svg viewBox=\"0 0 36 36\" width=\"96\" height=\"96\" aria-hidden=\"true\">\
         <circle cx=\"18\" cy=\"18\" r=\"15.9155\" class=\"track\"/>\
         <circle cx=\"18\" cy=\"18\" r=\"15.9155\" class=\"fill\" \
         stroke-dasharray=\"{filled} {}\" transform=\"rotate(-90 18 18)\"/></svg>",
        100 - filled
    )
}

fn filters(html: &mut String, counts: &Counts) {
    html.push_str(
        "<nav class=\"filters\" aria-label=\"Filters\">\n<fieldset>\n\
         <legend>Show</legend>\n",
    );
    for status in Status::ALL {
        let _ = writeln!(
            html,
            "<label><input type=\"checkbox\" name=\"status\" value=\"{name}\" checked> {} \
             <span class=\"n\">{}</span></label>",
            badge(status),
            counts.get(status),
            name = status.name(),
        );
    }
    let _ = write!(
        html,
        "</fieldset>\n<p id=\"shown\" aria-live=\"polite\">Showing all {} items.</p>\n</nav>\n",
        counts.total()
    );
}

/// One stacked bar per section, with its score: where the work is.
fn charts(html: &mut String, readiness: &Readiness) {
    html.push_str(
        "<section class=\"charts\" aria-labelledby=\"by-section\">\n\
         <h2 id=\"by-section\">By section</h2>\n<p class=\"legend\">",
    );
    for status in Status::ALL {
        let _ = write!(
            html,
            "<span><svg viewBox=\"0 0 1 1\" aria-hidden=\"true\"><rect class=\"s-{}\" width=\"1\" \
             height=\"1\"/></svg> {}</span>",
            status.name(),
            status.label()
        );
    }
    html.push_str("</p>\n");
    for checklist in &readiness.checklists {
        let _ = writeln!(
            html,
            "<h3><a href=\"#{}\">{}</a></h3>\n<div class=\"total\">{}<span class=\"score\">{}</span></div>\n\
             <ul class=\"chart\">",
            checklist.name,
            escape(&checklist.title),
            bar(&checklist.title, &checklist.counts),
            score(&checklist.counts),
        );
        for (index, section) in checklist.sections.iter().enumerate() {
            let _ = writeln!(
                html,
                "<li><a href=\"#{}\">{}</a>{}<span class=\"score\">{}</span></li>",
                section_id(&checklist.name, index),
                escape(&section.title),
                bar(&section.title, &section.counts),
                score(&section.counts),
            );
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</section>\n");
}

/// A stacked bar of the items of each status, described for screen readers.
fn bar(title: &str, counts: &Counts) -> String {
    let total = counts.total().max(1);
    let described: Vec<String> = Status::ALL
        .iter()
        .filter(|&&s| counts.get(s) > 0)
        .map(|&s| format!("{} {}", counts.get(s), s.label()))
        .collect();
    let label = escape(&format!("{title}: {}", described.join(", ")));
    let mut svg = format!(
        "<svg class=\"bar\" viewBox=\"0 0 {total} 1\" preserveAspectRatio=\"none\" role=\"img\" \
         aria-label=\"{label}\"><title>{label}</title>"
    );
    let mut x = 0;
    for status in Status::ALL {
        let n = counts.get(status);
        if n > 0 {
            let _ = write!(
                svg,
                "<rect class=\"s-{}\" x=\"{x}\" width=\"{n}\" height=\"1\"/>",
                status.name()
            );
            x += n;
        }
    }
    svg.push_str("</svg>");
    svg
}

fn entry(html: &mut String, item: &Item, links: &Links) {
    let status = item.status;
    let leaf = if item.children.is_empty() {
        " data-leaf"
    } else {
        ""
    };
    let _ = write!(
        html,
        "<li class=\"item s-{name}\" id=\"{key}\" data-status=\"{name}\"{leaf}>\n\
         <p class=\"line\">{} <span class=\"text\">{}</span> <code class=\"key\">{key}</code> \
         <span class=\"class\">{}</span></p>\n",
        badge(status),
        inline(&item.text),
        escape(&item.class),
        name = status.name(),
        key = escape(&item.key),
    );
    if !item.reason.is_empty() {
        let _ = writeln!(html, "<p class=\"reason\">{}</p>", escape(&item.reason));
    }
    if !item.findings.is_empty() || !item.accepted.is_empty() {
        html.push_str("<ul class=\"findings\">\n");
        for found in item.findings.iter().chain(&item.accepted) {
            finding(html, found, links);
        }
        html.push_str("</ul>\n");
    }
    if !item.rules.is_empty() {
        html.push_str("<p class=\"rules\">Evidence:");
        for (i, evidence) in item.rules.iter().enumerate() {
            let what = match (evidence.enabled, evidence.examined) {
                (false, _) => "switched off".to_string(),
                (true, 0) => "nothing to examine".to_string(),
                (true, n) => format!("examined {n}"),
            };
            let _ = write!(
                html,
                "{} <span title=\"{}\"><code>{}</code> {}</span> ({what})",
                if i == 0 { "" } else { "," },
                escape(&evidence.rule.title),
                escape(&evidence.rule.id),
                escape(&evidence.rule.name),
            );
        }
        html.push_str("</p>\n");
    }
    if !item.children.is_empty() {
        html.push_str("<ul class=\"items\">\n");
        for child in &item.children {
            entry(html, child, links);
        }
        html.push_str("</ul>\n");
    }
    html.push_str("</li>\n");
}

fn finding(html: &mut String, finding: &Located, links: &Links) {
    let _ = write!(
        html,
        "<li class=\"finding\"><a href=\"{}\">{}:{}:{}</a> <span class=\"severity {severity}\">{severity}</span> \
         <code>{}</code> {}",
        escape(&links.href(finding)),
        escape(&finding.path),
        finding.line,
        finding.column,
        escape(&finding.rule),
        inline(&finding.message),
        severity = finding.severity,
    );
    if let Some(reason) = &finding.accepted {
        let _ = write!(
            html,
            " <span class=\"accepted\">accepted: {}</span>",
            inline(reason)
        );
    }
    html.push_str("</li>\n");
}

fn badge(status: Status) -> String {
    let icon = match status {
        Status::Passed => "✓",
        Status::Failing => "✗",
        Status::Partial => "◐",
        Status::NotApplicable => "–",
        Status::NotChecked => "?",
        Status::Manual => "✎",
    };
    format!(
        "<span class=\"badge s-{}\"><span aria-hidden=\"true\">{icon}</span> {}</span>",
        status.name(),
        status.label()
    )
}

fn score(counts: &Counts) -> String {
    counts
        .percent()
        .map_or("—".to_string(), |p| format!("{p}&nbsp;%"))
}

fn section_id(checklist: &str, index: usize) -> String {
    format!("{checklist}-{}", index + 1)
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
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

/// Escapes text and renders the Markdown the checklists and messages use:
/// `code` and **bold**.
fn inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, part) in text.split('`').enumerate() {
        match i % 2 {
            1 => {
                let _ = write!(out, "<code>{}</code>", escape(part));
            }
            _ => {
                for (j, plain) in part.split("**").enumerate() {
                    match j % 2 {
                        1 => {
                            let _ = write!(out, "<strong>{}</strong>", escape(plain));
                        }
                        _ => out.push_str(&escape(plain)),
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_markdown_is_escaped_then_formatted() {
        assert_eq!(
            inline("container `a<b>` is **bold** & <i>"),
            "container <code>a&lt;b&gt;</code> is <strong>bold</strong> &amp; &lt;i&gt;"
        );
        // An unmatched marker stays text, never an open tag.
        assert_eq!(inline("a ` b"), "a <code> b</code>");
    }
}
