//! GitHub Actions workflow commands: one `::error`, `::warning` or
//! `::notice` line per finding, which the runner turns into annotations on
//! the pull request's diff.

use std::io::{self, Write};

use super::{Report, printable};
use crate::finding::Severity;

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // Accepted findings are not annotated, even with --show-suppressed.
    for finding in report.findings.iter().filter(|f| f.suppression.is_none()) {
        let start = report.start(finding.span);
        let end = report.end(finding.span);
        let command = match finding.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let title = format!("{} {}", finding.rule.id, finding.rule.name);
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&printable(&report.path(finding.span))),
            start.line,
            start.column,
            end.line,
            end.column,
            property(&title),
            data(&printable(&finding.message)),
        )?;
    }
    Ok(())
}

/// A command's message: `%`, carriage returns and newlines are escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A command's property value: also `:` and `,`, which delimit properties.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_as_github_requires() {
        assert_eq!(data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(property("a,b:c"), "a%2Cb%3Ac");
    }
}
