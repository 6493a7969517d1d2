//! The checklists themselves, their boxes ticked from the findings, to paste
//! into a release ticket: every line of both checklists in their order, each
//! item with its status and the findings beneath it, and the scores first.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Counts, Item, Links, Located, Readiness, Status, plural};
use crate::report::markdown_safe as safe;

pub fn render(readiness: &Readiness, links: &Links, out: &mut dyn Write) -> io::Result<()> {
    let mut text = String::from("# Readiness report\n\n");
    summary(&mut text, readiness);
    scores(&mut text, readiness);
    if !readiness.problems.is_empty() {
        let n = readiness.problems.len();
        let _ = writeln!(
            text,
            "**{n} {}** (evidence for no item; a file that does not parse was not checked):\n",
            plural(n, "problem with the input", "problems with the input")
        );
        for problem in &readiness.problems {
            finding(&mut text, "", problem, links);
        }
        text.push('\n');
    }
    for checklist in &readiness.checklists {
        let items: HashMap<usize, &Item> = checklist
            .sections
            .iter()
            .flat_map(|s| &s.items)
            .flat_map(Item::walk)
            .map(|item| (item.line, item))
            .collect();
        for (index, line) in checklist.markdown.lines().enumerate() {
            let line = line.trim_end();
            let indent = &line[..line.len() - line.trim_start().len()];
            match items.get(&(index + 1)) {
                Some(item) if line[indent.len()..].starts_with("- [ ] ") => {
                    entry(&mut text, indent, item, links)
                }
                // One title for the whole report: the checklists' headings
                // go one level down.
                _ if line.starts_with('#') => {
                    let _ = writeln!(text, "#{line}");
                }
                _ => {
                    let _ = writeln!(text, "{line}");
                }
            }
        }
        text.push('\n');
    }
    out.write_all(text.as_bytes())
}

fn summary(text: &mut String, readiness: &Readiness) {
    let counts = &readiness.counts;
    let _ = write!(text, "{} ", readiness.input());
    match counts.percent() {
        Some(percent) => {
            let _ = write!(
                text,
                "**Readiness score: {percent} %** of the {} items it could judge",
                counts.judged()
            );
        }
        None => text.push_str("**Readiness score: none**: no item could be judged"),
    }
    let _ = writeln!(
        text,
        " ({} passed, {} partially checked, {} failing); {} not applicable, {} not checked, {} manual.\n",
        counts.get(Status::Passed),
        counts.get(Status::Partial),
        counts.get(Status::Failing),
        counts.get(Status::NotApplicable),
        counts.get(Status::NotChecked),
        counts.get(Status::Manual),
    );
    text.push_str(
        "`[x]` passed · ❌ failing, with its findings · 🟡 partially checked: what the \
         configuration shows passed, the rest is for people · ➖ not applicable: nothing in \
         the input it is about · ❔ not checked: no rule checks it yet · ✋ manual: for people. \
         The score is (passed + partially checked) ÷ (passed + partially checked + failing); \
         a bold item counts through its sub-items.\n\n",
    );
}

fn scores(text: &mut String, readiness: &Readiness) {
    text.push_str(
        "| section | score | passed | failing | partially checked | not applicable | not checked | manual |\n\
         |---|--:|--:|--:|--:|--:|--:|--:|\n",
    );
    let row = |text: &mut String, title: &str, counts: &Counts| {
        let score = counts
            .percent()
            .map_or("—".to_string(), |p| format!("{p} %"));
        let _ = write!(text, "| {title} | {score} |");
        for status in Status::ALL {
            let _ = write!(text, " {} |", counts.get(status));
        }
        text.push('\n');
    };
    for checklist in &readiness.checklists {
        row(text, &format!("**{}**", checklist.title), &checklist.counts);
        for section in &checklist.sections {
            row(text, &section.title, &section.counts);
        }
    }
    row(text, "**Overall**", &readiness.counts);
    text.push('\n');
}

/// The item's line with its box and status, then its findings beneath.
fn entry(text: &mut String, indent: &str, item: &Item, links: &Links) {
    let tick = if item.status == Status::Passed {
        'x'
    } else {
        ' '
    };
    let _ = write!(text, "{indent}- [{tick}] {} — {}", item.text, marker(item));
    if !item.reason.is_empty() {
        let _ = write!(text, ": {}", item.reason);
    }
    let rules: Vec<&str> = item
        .rules
        .iter()
        .filter(|e| match item.status {
            Status::Passed | Status::Partial => e.examined > 0,
            Status::NotApplicable => e.enabled,
            _ => false,
        })
        .map(|e| e.rule.id.as_str())
        .collect();
    if !rules.is_empty() {
        let _ = write!(text, " ({})", rules.join(", "));
    }
    text.push('\n');
    let beneath = format!("{indent}  ");
    for found in item.findings.iter().chain(&item.accepted) {
        finding(text, &beneath, found, links);
    }
}

fn marker(item: &Item) -> &'static str {
    match item.status {
        Status::Passed => "✅ passed",
        Status::Failing => "❌ **failing**",
        Status::Partial => "🟡 partially checked",
        Status::NotApplicable => "➖ not applicable",
        Status::NotChecked => "❔ not checked",
        Status::Manual => "✋ manual",
    }
}

/// `- path:line:col severity[ID] message`, linked when links have a base.
fn finding(text: &mut String, indent: &str, finding: &Located, links: &Links) {
    let at = format!(
        "{}:{}:{}",
        safe(&finding.path),
        finding.line,
        finding.column
    );
    let at = match links.base {
        Some(_) => format!("[`{at}`]({})", links.href(finding)),
        None => format!("`{at}`"),
    };
    let _ = write!(
        text,
        "{indent}- {at} {}[{}] {}",
        finding.severity,
        finding.rule,
        safe(&finding.message)
    );
    if let Some(reason) = &finding.accepted {
        let _ = write!(text, " — accepted: {}", safe(reason));
    }
    text.push('\n');
}
