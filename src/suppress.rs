//! Suppressions: inline comments, object annotations (through the objects'
//! `ignores`), configuration ignores and a baseline remove findings from the
//! report, and every one is accounted for: a suppressed finding keeps its
//! justification (SARIF `suppressions`, `--show-suppressed`), and a
//! suppression that matches nothing, names no rule, lacks a reason or has
//! expired is a finding of its own.
//!
//! One grammar in every format, since all of them have `#` comments (HCL
//! also `//`):
//!
//! ```text
//! # airworthy:ignore K8S101,run-as-non-root until=2027-01-31 -- reason
//! # airworthy:ignore-file CKV_K8S_8 -- reason
//! ```

use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use globset::GlobMatcher;

use crate::finding::{Finding, RuleMeta, Suppression, SuppressionKind};
use crate::model::{Diagnostic, Object, Problem};
use crate::source::{Role, Source, Sources, Span};

/// A civil date, for expiry (`until=2027-01-31`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.splitn(3, '-');
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return None;
        }
        let date = Date {
            year: y.parse().ok()?,
            month: m.parse().ok()?,
            day: d.parse().ok()?,
        };
        let days_in_month = match date.month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if date.year % 4 == 0 && (date.year % 100 != 0 || date.year % 400 == 0) => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month).contains(&date.day).then_some(date)
    }

    /// Today in UTC, from the system clock.
    pub fn today() -> Date {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_days((seconds / 86_400) as i64)
    }

    /// The date `days` days after 1970-01-01 (Howard Hinnant's algorithm).
    fn from_days(days: i64) -> Date {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }
}

impl std::fmt::Display for Date {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// A suppression that is not written in a source: one from the
/// configuration file, matched by rule, path and object.
#[derive(Clone, Debug)]
pub struct ConfigIgnore {
    /// Rule ids, names or peer ids; empty: every rule.
    pub rules: Vec<String>,
    pub paths: Vec<GlobMatcher>,
    /// Object identities (`Deployment/shop/api`), glob patterns.
    pub objects: Vec<GlobMatcher>,
    pub reason: String,
    pub until: Option<Date>,
    /// Where it is written in the configuration file.
    pub span: Span,
}

/// Everything that can silence a finding, besides what the sources say.
#[derive(Debug, Default)]
pub struct Silencers {
    pub config: Option<ConfigIgnores>,
    pub baseline: Option<Baseline>,
    /// The date expiry is judged against (`--today`); the clock's if unset.
    pub today: Option<Date>,
}

/// The `ignore` entries of a configuration file, with the file, so that
/// problems with them can point into it.
#[derive(Debug)]
pub struct ConfigIgnores {
    pub path: std::path::PathBuf,
    pub text: String,
    /// Spans are byte ranges of `text`.
    pub ignores: Vec<ConfigIgnore>,
}

/// The fingerprints `--write-baseline` recorded, with how often each was
/// seen, and the file they came from.
#[derive(Debug)]
pub struct Baseline {
    pub path: String,
    pub fingerprints: HashMap<String, usize>,
}

/// One written suppression and whether it matched something.
struct Written {
    rules: Vec<(String, Span)>,
    reason: Option<String>,
    until: Option<Date>,
    span: Span,
    scope: Scope,
    kind: SuppressionKind,
    used: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum Scope {
    /// The findings whose span starts on this line.
    Line(usize),
    File,
    /// The findings on one object (by index), from its annotations.
    Object(u32),
}

/// Rule lookup for suppressions: every loaded rule (to tell an unknown name
/// from a disabled rule) and which of them ran.
pub struct RuleIndex<'a> {
    pub known: &'a [Arc<RuleMeta>],
    pub enabled: &'a BTreeSet<String>,
}

impl RuleIndex<'_> {
    /// The id of the rule `selector` names: an id, a name or a peer id.
    fn resolve(&self, selector: &str) -> Option<&str> {
        self.known
            .iter()
            .find(|m| {
                m.id.eq_ignore_ascii_case(selector)
                    || m.name == selector
                    || m.equivalents
                        .values()
                        .flatten()
                        .any(|id| id.eq_ignore_ascii_case(selector))
            })
            .map(|m| m.id.as_str())
    }
}

/// Marks the suppressed findings and returns the problems with the
/// suppressions themselves. Only reported sources are read for comments.
pub fn apply(
    findings: &mut [Finding],
    sources: &Sources,
    objects: &[Object],
    silencers: &Silencers,
    rules: &RuleIndex,
) -> Vec<Diagnostic> {
    let today = silencers.today.unwrap_or_else(Date::today);
    let mut problems = Vec::new();
    let mut written: HashMap<u32, Vec<Written>> = HashMap::new();
    for source in sources.iter().filter(|s| s.role == Role::Reported) {
        let found = comments(source, &mut problems);
        if !found.is_empty() {
            written.insert(source.id.0, found);
        }
    }
    for (index, object) in objects.iter().enumerate() {
        if sources.get(object.span().source).role != Role::Reported {
            continue;
        }
        for ignore in &object.ignores {
            written
                .entry(ignore.span.source.0)
                .or_default()
                .push(Written {
                    rules: ignore
                        .rules
                        .iter()
                        .map(|(r, s)| (r.to_string(), *s))
                        .collect(),
                    reason: ignore.reason.as_deref().map(String::from),
                    until: None,
                    span: ignore.span,
                    scope: Scope::Object(index as u32),
                    kind: SuppressionKind::InSource,
                    used: false,
                });
        }
    }
    // Resolve each named rule once; unknown names are problems.
    for list in written.values_mut() {
        for suppression in list.iter_mut() {
            let mut ids = Vec::new();
            for (name, span) in &suppression.rules {
                match rules.resolve(name) {
                    Some(id) => ids.push((id.to_string(), *span)),
                    None => problems.push(Diagnostic::new(
                        Problem::InvalidSuppression,
                        *span,
                        format!("`{name}` names no rule (see `airworthy rules`)"),
                    )),
                }
            }
            suppression.rules = ids;
            if suppression.reason.is_none() {
                problems.push(Diagnostic::new(
                    Problem::InvalidSuppression,
                    suppression.span,
                    "a suppression needs a reason: `-- why this is accepted`",
                ));
            }
        }
    }
    // Configuration ignores point into the configuration file, which joins
    // the run's sources so that their problems can be shown there.
    let (ignores, config_source) = match &silencers.config {
        Some(config) if !config.ignores.is_empty() => {
            let id = sources.push(config.path.clone(), config.text.clone());
            (config.ignores.as_slice(), Some(id))
        }
        _ => (&[][..], None),
    };
    let in_config = |span: Span| Span {
        source: config_source.unwrap_or(span.source),
        ..span
    };
    // Each finding looks up the suppressions of its line, file and object
    // instead of reading every suppression of its file.
    let mut by_scope: HashMap<(u32, Scope), Vec<usize>> = HashMap::new();
    for (&source, list) in &written {
        for (index, suppression) in list.iter().enumerate() {
            by_scope
                .entry((source, suppression.scope))
                .or_default()
                .push(index);
        }
    }
    let ignored_ids: Vec<Vec<&str>> = ignores
        .iter()
        .map(|ignore| {
            let mut ids: Vec<&str> = ignore
                .rules
                .iter()
                .filter_map(|r| rules.resolve(r))
                .collect();
            ids.sort_unstable();
            ids.dedup();
            ids
        })
        .collect();
    let mut config_used = vec![false; ignores.len()];
    let mut baseline_left = silencers.baseline.as_ref().map(|b| b.fingerprints.clone());
    for finding in findings.iter_mut() {
        let source = sources.get(finding.span.source);
        if source.role != Role::Reported {
            continue;
        }
        let line = source.line_col(finding.span.start).line;
        if let Some(list) = written.get_mut(&finding.span.source.0) {
            let scopes = [
                Some(Scope::Line(line)),
                Some(Scope::File),
                finding.object_index.map(Scope::Object),
            ];
            let mut in_scope: Vec<usize> = scopes
                .into_iter()
                .flatten()
                .filter_map(|scope| by_scope.get(&(finding.span.source.0, scope)))
                .flatten()
                .copied()
                .collect();
            // In the order they are written: the first one to match is shown.
            in_scope.sort_unstable();
            for index in in_scope {
                let suppression = &mut list[index];
                if suppression
                    .rules
                    .iter()
                    .any(|(id, _)| *id == finding.rule.id)
                {
                    suppression.used = true;
                    if suppression.until.is_none_or(|until| until >= today) {
                        let reason = suppression.reason.as_deref().unwrap_or_default();
                        suppress(finding, suppression.kind, reason, Some(suppression.span));
                    }
                }
            }
        }
        // Configuration globs are absolute (they mean the same from any
        // working directory).
        let path = match ignores {
            [] => Default::default(),
            _ => crate::discover::absolute(&source.path),
        };
        let ignored = ignores.iter().zip(&ignored_ids).zip(config_used.iter_mut());
        for ((ignore, ids), used) in ignored {
            let matches = (ignore.rules.is_empty()
                || ids.binary_search(&finding.rule.id.as_str()).is_ok())
                && (ignore.paths.is_empty() || ignore.paths.iter().any(|g| g.is_match(&path)))
                && (ignore.objects.is_empty()
                    || finding
                        .object
                        .as_deref()
                        .is_some_and(|o| ignore.objects.iter().any(|g| g.is_match(o))));
            if matches {
                *used = true;
                if ignore.until.is_none_or(|until| until >= today) {
                    let span = Some(in_config(ignore.span));
                    suppress(finding, SuppressionKind::External, &ignore.reason, span);
                }
            }
        }
        if let (Some(left), Some(baseline)) = (&mut baseline_left, &silencers.baseline)
            && finding.suppression.is_none()
            && let Some(count) = left.get_mut(&finding.fingerprint)
            && *count > 0
        {
            *count -= 1;
            let justification = format!("in the baseline {}", baseline.path);
            suppress(finding, SuppressionKind::External, &justification, None);
        }
    }
    // What each suppression names, as rule ids, and whether any of them ran.
    let mut account = |used: bool, until: Option<Date>, ids: Vec<&str>, span: Span| {
        if let Some(until) = until.filter(|until| *until < today) {
            problems.push(Diagnostic::new(
                Problem::ExpiredSuppression,
                span,
                format!("this suppression expired on {until}: fix the finding, or renew it"),
            ));
        } else if !used && ids.iter().any(|id| rules.enabled.contains(*id)) {
            problems.push(Diagnostic::new(
                Problem::UnusedSuppression,
                span,
                format!("this suppression of {} matches no finding", ids.join(", ")),
            ));
        }
    };
    for list in written.values() {
        for s in list {
            let ids = s.rules.iter().map(|(id, _)| id.as_str()).collect();
            account(s.used, s.until, ids, s.span);
        }
    }
    for ((ignore, ids), used) in ignores.iter().zip(ignored_ids).zip(config_used) {
        let ids = if ignore.rules.is_empty() {
            rules.enabled.iter().map(String::as_str).collect()
        } else {
            ids
        };
        account(used, ignore.until, ids, in_config(ignore.span));
    }
    problems
}

/// Marks a finding suppressed, unless something suppressed it already.
fn suppress(finding: &mut Finding, kind: SuppressionKind, justification: &str, span: Option<Span>) {
    finding.suppression.get_or_insert_with(|| Suppression {
        kind,
        justification: justification.to_string(),
        span,
    });
}

/// The suppression comments of a source. Problems with their syntax (a bad
/// date) are added to `problems`.
fn comments(source: &Source, problems: &mut Vec<Diagnostic>) -> Vec<Written> {
    const MARK: &str = "airworthy:ignore";
    let text = &source.text;
    let mut found = Vec::new();
    if !text.contains(MARK) {
        return found;
    }
    let mut code_lines = None;
    for line in 1..=source.line_count() {
        let range = source.line_range(line);
        let content = &text[range.clone()];
        let Some(at) = content.find(MARK) else {
            continue;
        };
        let Some(marker) = comment_start(&content[..at]) else {
            continue;
        };
        let mut rest_start = at + MARK.len();
        let whole_file = content[rest_start..].starts_with("-file");
        if whole_file {
            rest_start += "-file".len();
        }
        if !content[rest_start..].starts_with([' ', '\t']) {
            continue;
        }
        let absolute = |offset: usize| range.start + offset;
        // A further `#` on the line starts another comment.
        let body = &content[rest_start..];
        let body = &body[..body.find(" #").unwrap_or(body.len())];
        let (spec, reason) = match body.find("--") {
            Some(dash) => (&body[..dash], Some(body[dash + 2..].trim())),
            None => (body, None),
        };
        let mut rules = Vec::new();
        let mut until = None;
        for (offset, word) in words(spec) {
            let start = absolute(rest_start + offset);
            if let Some(date) = word.strip_prefix("until=") {
                match Date::parse(date) {
                    Some(date) => until = Some(date),
                    None => problems.push(Diagnostic::new(
                        Problem::InvalidSuppression,
                        Span::new(source.id, start, start + word.len()),
                        format!("`{date}` is not a date like 2027-01-31"),
                    )),
                }
                continue;
            }
            let mut position = start;
            for name in word.split(',') {
                if !name.is_empty() {
                    rules.push((
                        name.to_string(),
                        Span::new(source.id, position, position + name.len()),
                    ));
                }
                position += name.len() + 1;
            }
        }
        let standalone = content[..marker].trim().is_empty();
        let scope = if whole_file {
            Scope::File
        } else if standalone {
            // A comment on a line of its own speaks of the next line that
            // is not blank or another comment.
            let code = code_lines.get_or_insert_with(|| next_code_lines(source));
            Scope::Line(code.get(line).copied().flatten().unwrap_or(line + 1))
        } else {
            Scope::Line(line)
        };
        found.push(Written {
            rules,
            reason: reason.filter(|r| !r.is_empty()).map(String::from),
            until,
            span: Span::new(source.id, absolute(at), range.end),
            scope,
            kind: SuppressionKind::InSource,
            used: false,
        });
    }
    found
}

/// For each line (by index, from 1), the first line after it that is not
/// blank or a comment: made once, in one pass from the end, so that a file
/// of many comments is not read once per comment.
fn next_code_lines(source: &Source) -> Vec<Option<usize>> {
    let count = source.line_count();
    let mut next = vec![None; count + 1];
    for line in (1..count).rev() {
        let other = source.text[source.line_range(line + 1)].trim_start();
        let is_code = !other.is_empty() && !other.starts_with('#') && !other.starts_with("//");
        next[line] = if is_code {
            Some(line + 1)
        } else {
            next[line + 1]
        };
    }
    next
}

/// Where the comment that ends `before` begins (`#` or `//` and the blanks
/// after it), if `before` ends in a comment marker that is not inside a
/// quoted string.
fn comment_start(before: &str) -> Option<usize> {
    let trimmed = before.trim_end();
    let start = if let Some(prefix) = trimmed.strip_suffix('#') {
        prefix.len()
    } else {
        trimmed.strip_suffix("//")?.len()
    };
    let quotes = |q: char| before[..start].chars().filter(|c| *c == q).count();
    (quotes('"') % 2 == 0 && quotes('\'') % 2 == 0).then_some(start)
}

/// The blank-separated words of `text`, with their byte offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split([' ', '\t'])
        .scan(0, |offset, word| {
            let at = *offset;
            *offset += word.len() + 1;
            Some((at, word))
        })
        .filter(|(_, word)| !word.is_empty())
}

/// Reads a baseline that `--write-baseline` wrote.
pub fn read_baseline(path: &Path) -> Result<Baseline, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the baseline {}: {e}", path.display()))?;
    let document: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| format!("the baseline {} is not JSON: {e}", path.display()))?;
    let findings = document
        .get("findings")
        .and_then(|f| f.as_array())
        .filter(|_| document.get("version").and_then(|v| v.as_u64()) == Some(BASELINE_VERSION))
        .ok_or_else(|| {
            format!(
                "{} is not an airworthy baseline of version {BASELINE_VERSION} (write one with --write-baseline)",
                path.display()
            )
        })?;
    let mut fingerprints = HashMap::new();
    for finding in findings {
        let fingerprint = finding
            .get("fingerprint")
            .and_then(|f| f.as_str())
            .ok_or_else(|| format!("{}: a finding without a fingerprint", path.display()))?;
        *fingerprints.entry(fingerprint.to_string()).or_insert(0) += 1;
    }
    Ok(Baseline {
        path: crate::source::display_path(path),
        fingerprints,
    })
}

const BASELINE_VERSION: u64 = 1;

#[derive(serde::Serialize)]
struct BaselineEntry<'a> {
    rule: &'a str,
    path: String,
    object: Option<&'a str>,
    fingerprint: &'a str,
    message: &'a str,
}

/// Writes the findings that nothing else suppresses as a baseline: one
/// finding a line, sorted by path, rule and fingerprint, so that it diffs
/// well; no line numbers, so that it survives edits above a finding.
pub fn write_baseline(
    findings: &[Finding],
    sources: &Sources,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let mut entries: Vec<BaselineEntry> = findings
        .iter()
        .filter(|f| {
            f.suppression
                .as_ref()
                .is_none_or(|s| s.kind == SuppressionKind::External && s.span.is_none())
        })
        .map(|f| BaselineEntry {
            rule: &f.rule.id,
            path: sources.get(f.span.source).display_path(),
            object: f.object.as_deref(),
            fingerprint: &f.fingerprint,
            message: &f.message,
        })
        .collect();
    entries.sort_by(|a, b| (&a.path, a.rule, a.fingerprint).cmp(&(&b.path, b.rule, b.fingerprint)));
    writeln!(
        out,
        "{{\n  \"version\": {BASELINE_VERSION},\n  \"findings\": ["
    )?;
    for (i, entry) in entries.iter().enumerate() {
        let comma = if i + 1 < entries.len() { "," } else { "" };
        writeln!(out, "    {}{comma}", serde_json::to_string(entry)?)?;
    }
    writeln!(out, "  ]\n}}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceId;

    fn written(text: &str) -> (Source, Vec<Written>, Vec<Diagnostic>) {
        let source = Source::new(SourceId(0), "f.yaml".into(), text.into());
        let mut problems = Vec::new();
        let found = comments(&source, &mut problems);
        (source, found, problems)
    }

    #[test]
    fn comments_name_rules_dates_and_reasons() {
        let (source, found, problems) = written(
            "a: 1 # airworthy:ignore K8S101,run-as-non-root until=2027-01-31 -- accepted\n\
             # airworthy:ignore CKV_K8S_8\n\
             \n\
             # another comment\n\
             b: 2\n\
             c: \"# airworthy:ignore K8S101 -- in a string\"\n\
             // airworthy:ignore-file TF101 -- generated\n",
        );
        assert!(problems.is_empty());
        assert_eq!(found.len(), 3);
        let names: Vec<&str> = found[0].rules.iter().map(|(r, _)| r.as_str()).collect();
        assert_eq!(names, ["K8S101", "run-as-non-root"]);
        assert_eq!(source.slice(found[0].rules[1].1), "run-as-non-root");
        assert_eq!(found[0].until, Date::parse("2027-01-31"));
        assert_eq!(found[0].reason.as_deref(), Some("accepted"));
        assert!(found[0].scope == Scope::Line(1));
        // Standalone: the next line that is not blank or a comment.
        assert!(found[1].scope == Scope::Line(5));
        assert_eq!(found[1].reason, None);
        assert!(found[2].scope == Scope::File);
    }

    #[test]
    fn a_bad_date_is_a_problem_at_its_span() {
        let (source, _, problems) = written("x: 1 # airworthy:ignore A101 until=2027-02-30 -- r\n");
        assert_eq!(problems.len(), 1);
        assert_eq!(source.slice(problems[0].span), "until=2027-02-30");
    }

    #[test]
    fn dates_follow_the_calendar() {
        assert_eq!(Date::from_days(0).to_string(), "1970-01-01");
        assert_eq!(Date::from_days(20_454).to_string(), "2026-01-01");
        assert_eq!(Date::from_days(19_782).to_string(), "2024-02-29");
        assert!(Date::parse("2024-02-29").is_some());
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2027-1-31").is_none());
    }
}
