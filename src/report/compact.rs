//! One line per finding, for editors and grep: `path:line:col: severity[ID] message`.

use std::io::{self, Write};

use super::{Report, printable};

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    for finding in report.shown() {
        let at = report.start(finding.span);
        let suppressed = if finding.suppression.is_some() {
            " (suppressed)"
        } else {
            ""
        };
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}{suppressed}",
            printable(&report.path(finding.span)),
            at.line,
            at.column,
            finding.severity,
            finding.rule.id,
            printable(&finding.message)
        )?;
    }
    Ok(())
}
