//! A Markdown summary for pull requests and CI job summaries: the tally,
//! the readiness checklists' status, findings by rule, and the findings
//! themselves (linked to their lines when a link base is given).

use std::collections::BTreeMap;
use std::io::{self, Write};

use super::readiness::{Readiness, Status};
use super::{Report, markdown_safe};
use crate::finding::{Finding, Severity};

/// More findings than this are counted, not listed: a job summary is read
/// by people.
const MAX_LISTED: usize = 200;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "## airworthy: {}\n", report.tally())?;
    let files = report.sources.reported();
    writeln!(
        out,
        "{files} file{} and {} object{} checked.\n",
        if files == 1 { "" } else { "s" },
        report.objects,
        if report.objects == 1 { "" } else { "s" },
    )?;
    if let Some(readiness) = report.readiness {
        checklists(readiness, out)?;
    }
    let open: Vec<&Finding> = report
        .findings
        .iter()
        .filter(|f| f.suppression.is_none())
        .collect();
    if open.is_empty() {
        return writeln!(out, "No findings.");
    }
    let mut by_rule: BTreeMap<(std::cmp::Reverse<Severity>, &str), (&str, usize)> = BTreeMap::new();
    for finding in &open {
        let key = (
            std::cmp::Reverse(finding.severity),
            finding.rule.id.as_str(),
        );
        by_rule.entry(key).or_insert((&finding.rule.title, 0)).1 += 1;
    }
    writeln!(
        out,
        "| severity | rule | checks | findings |\n|---|---|---|---:|"
    )?;
    for ((severity, id), (title, count)) in &by_rule {
        writeln!(
            out,
            "| {} | `{id}` | {} | {count} |",
            severity.0,
            cell(title)
        )?;
    }
    writeln!(out, "\n<details><summary>Findings</summary>\n")?;
    for finding in open.iter().take(MAX_LISTED) {
        let at = report.start(finding.span);
        let path = markdown_safe(&report.path(finding.span));
        let place = format!("{path}:{}:{}", at.line, at.column);
        let place = match report.link_base {
            Some(base) => format!(
                "[{place}]({}/{}#L{})",
                base.trim_end_matches('/'),
                path,
                at.line
            ),
            None => format!("`{place}`"),
        };
        writeln!(
            out,
            "- **{}** `{}` {place}: {}",
            finding.severity,
            finding.rule.id,
            cell(&finding.message)
        )?;
    }
    if open.len() > MAX_LISTED {
        writeln!(out, "- … and {} more", open.len() - MAX_LISTED)?;
    }
    writeln!(out, "\n</details>")
}

/// The checklists' scores and status counts (`airworthy report` has the
/// items themselves).
fn checklists(readiness: &Readiness, out: &mut dyn Write) -> io::Result<()> {
    write!(out, "| checklist | score |")?;
    for status in Status::ALL {
        write!(out, " {} |", status.label())?;
    }
    write!(out, "\n|---|---:|")?;
    for _ in Status::ALL {
        write!(out, "---:|")?;
    }
    writeln!(out)?;
    for checklist in &readiness.checklists {
        let score = checklist
            .counts
            .percent()
            .map_or("—".to_string(), |p| format!("{p} %"));
        write!(out, "| {} | {score} |", checklist.title)?;
        for status in Status::ALL {
            write!(out, " {} |", checklist.counts.get(status))?;
        }
        writeln!(out)?;
    }
    writeln!(
        out,
        "\nThe items and their evidence: `airworthy report --format html`.\n"
    )
}

/// Text safe inside a Markdown table cell or list item.
fn cell(text: &str) -> String {
    markdown_safe(text).replace('|', "\\|")
}
