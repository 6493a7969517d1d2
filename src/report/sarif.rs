//! SARIF 2.1.0: one run, the rules with their help (plain and Markdown, with
//! the fix and an example), checklist keys and GitHub's `security-severity`;
//! repository-relative URIs under `%SRCROOT%`; 1-based regions counted in
//! Unicode code points, with snippets; related locations; fixes where a rule
//! knows the edit; suppressions; fingerprints that survive lines moving; the
//! invocation's exit code; an `automationDetails.id` so that several runs can
//! be uploaded side by side. Results are rendered in parallel a chunk at a
//! time, so a run with many findings never holds the whole document in memory.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;

use super::{Report, pretty};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::source::Span;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/airworthy-dev/airworthy";
/// Snippets longer than this are cut (a finding on a whole mapping).
const MAX_SNIPPET: usize = 512;

#[derive(Serialize)]
struct Log<'a, R: Serialize> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a, R>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a, R: Serialize> {
    tool: Tool<'a>,
    automation_details: AutomationDetails,
    invocations: [Invocation; 1],
    original_uri_base_ids: BaseIds,
    column_kind: &'static str,
    results: R,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    exit_code: i32,
}

#[derive(Serialize)]
struct BaseIds {
    #[serde(rename = "%SRCROOT%")]
    src_root: BaseId,
}

/// The base id is described, not located: an absolute path here would make
/// the output depend on where the run happened.
#[derive(Serialize)]
struct BaseId {
    description: Text<'static>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: String,
    short_description: Text<'a>,
    full_description: Text<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    help: Help<'a>,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Text<'a> {
    text: &'a str,
}

#[derive(Serialize)]
struct Help<'a> {
    text: &'a str,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    /// The kebab-case name users select the rule by.
    #[serde(rename = "airworthyName")]
    name: &'a str,
    tags: &'a [String],
    /// GitHub code scanning ranks security alerts by this (0.0 to 10.0).
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<&'static str>,
    checklist: &'a [String],
    equivalents: &'a BTreeMap<String, Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text<'a>,
    locations: [Location<'a>; 1],
    partial_fingerprints: Fingerprints<'a>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    related_locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fixes: Option<[SarifFix<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressions: Option<[SarifSuppression<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
}

#[derive(Serialize)]
struct SarifSuppression<'a> {
    kind: &'static str,
    justification: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix<'a> {
    description: Text<'a>,
    artifact_changes: [ArtifactChange<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange<'a> {
    artifact_location: ArtifactLocation,
    replacements: [Replacement<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement<'a> {
    deleted_region: Region,
    inserted_content: Text<'a>,
}

#[derive(Serialize)]
struct Fingerprints<'a> {
    #[serde(rename = "airworthyFingerprint/v1")]
    airworthy: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    helm_template: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    logical_locations: Option<[LogicalLocation<'a>; 1]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Text<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
    #[serde(skip_serializing_if = "Option::is_none")]
    context_region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

/// Columns and the end line are left out for a file that has no text: the
/// region is then its whole first line, by SARIF's defaults.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    snippet: Option<Snippet>,
}

#[derive(Serialize)]
struct Snippet {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation<'a> {
    fully_qualified_name: &'a str,
    kind: &'static str,
}

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let index: HashMap<&str, usize> = report
        .rules
        .iter()
        .enumerate()
        .map(|(i, rule)| (rule.id.as_str(), i))
        .collect();
    // Suppressed findings stay, with their suppressions: viewers show them
    // as accepted.
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "airworthy",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: report.rules.iter().map(|r| rule(r)).collect(),
                },
            },
            automation_details: AutomationDetails {
                id: format!("{}/", report.category.trim_end_matches('/')),
            },
            invocations: [Invocation {
                execution_successful: true,
                exit_code: report.exit_code,
            }],
            original_uri_base_ids: BaseIds {
                src_root: BaseId {
                    description: Text {
                        text: "The directory airworthy was run in; every path is relative to it.",
                    },
                },
            },
            column_kind: "unicodeCodePoints",
            results: pretty::List,
        }],
    };
    pretty::write(out, &log, report.findings, |finding| {
        result(report, finding, index[finding.rule.id.as_str()])
    })
}

fn result<'a>(report: &Report, finding: &'a Finding, rule_index: usize) -> SarifResult<'a> {
    let mut primary = location(report, finding.span, true);
    primary.logical_locations = finding.object.as_deref().map(|name| {
        [LogicalLocation {
            fully_qualified_name: name,
            kind: "object",
        }]
    });
    SarifResult {
        rule_id: &finding.rule.id,
        rule_index,
        level: level(finding.severity),
        message: Text {
            text: &finding.message,
        },
        locations: [primary],
        partial_fingerprints: Fingerprints {
            airworthy: &finding.fingerprint,
        },
        related_locations: finding
            .related
            .iter()
            .enumerate()
            .map(|(i, related)| Location {
                id: Some(i + 1),
                message: Some(Text {
                    text: &related.message,
                }),
                ..location(report, related.span, false)
            })
            .collect(),
        fixes: finding
            .rule
            .fix
            .as_ref()
            .filter(|_| finding.on_value)
            .map(|fix| {
                [SarifFix {
                    description: Text {
                        text: &fix.description,
                    },
                    artifact_changes: [ArtifactChange {
                        artifact_location: artifact(&report.path(finding.span)),
                        replacements: [Replacement {
                            deleted_region: region(report, finding.span, false),
                            inserted_content: Text {
                                text: &fix.replacement,
                            },
                        }],
                    }],
                }]
            }),
        suppressions: finding.suppression.as_ref().map(|s| {
            [SarifSuppression {
                kind: s.kind.sarif_name(),
                justification: &s.justification,
                location: s.span.map(|span| location(report, span, false)),
            }]
        }),
        properties: finding
            .template
            .as_deref()
            .map(|helm_template| ResultProperties { helm_template }),
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn rule(meta: &RuleMeta) -> Rule<'_> {
    let mut markdown = format!("**{}**\n\n{}", meta.title, meta.help);
    if let Some(fix) = &meta.fix {
        markdown.push_str(&format!(
            "\n\n**Fix:** {} (`{}`).",
            fix.description, fix.replacement
        ));
    }
    if let Some(example) = &meta.example {
        markdown.push_str(&format!(
            "\n\nAn example that triggers it:\n\n```\n{example}\n```"
        ));
    }
    if !meta.checklist.is_empty() {
        let keys: Vec<String> = meta.checklist.iter().map(|k| format!("`{k}`")).collect();
        markdown.push_str("\n\nChecklist items: ");
        markdown.push_str(&keys.join(", "));
    }
    let security = meta.tags.iter().any(|t| t == "security");
    Rule {
        id: &meta.id,
        name: pascal_case(&meta.name),
        short_description: Text { text: &meta.title },
        full_description: Text { text: &meta.help },
        help_uri: meta
            .file
            .as_ref()
            .map(|file| format!("{INFORMATION_URI}/blob/main/{file}")),
        help: Help {
            text: &meta.help,
            markdown,
        },
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            name: &meta.name,
            tags: &meta.tags,
            security_severity: security.then_some(match meta.severity {
                Severity::Error => "8.0",
                Severity::Warning => "5.5",
                Severity::Note => "3.0",
            }),
            checklist: &meta.checklist,
            equivalents: &meta.equivalents,
        },
    }
}

/// `container-memory-limit` → `ContainerMemoryLimit`, the friendly-name
/// form SARIF asks for.
fn pascal_case(name: &str) -> String {
    name.split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or(String::new(), |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

fn location<'a>(report: &Report, span: Span, with_context: bool) -> Location<'a> {
    let has_text = !report.sources.get(span.source).text.is_empty();
    let context_region = (with_context && has_text).then(|| {
        let source = report.sources.get(span.source);
        let first = source.line_col(span.start).line.saturating_sub(1).max(1);
        let last = (source.line_col(span.end).line + 1).min(source.line_count());
        let range = source.line_range(first).start..source.line_range(last).end;
        let context = Span::new(span.source, range.start, range.end);
        region(report, context, true)
    });
    Location {
        id: None,
        physical_location: PhysicalLocation {
            artifact_location: artifact(&report.path(span)),
            region: region(report, span, true),
            context_region,
        },
        logical_locations: None,
        message: None,
    }
}

fn region(report: &Report, span: Span, with_snippet: bool) -> Region {
    let start = report.start(span);
    let end = report.end(span);
    let snippet = with_snippet
        .then(|| report.sources.slice(span))
        .filter(|text| !text.is_empty())
        .map(|text| Snippet {
            text: match text.char_indices().nth(MAX_SNIPPET) {
                Some((cut, _)) => format!("{}…", &text[..cut]),
                None => text.to_string(),
            },
        });
    let has_text = !report.sources.get(span.source).text.is_empty();
    Region {
        start_line: start.line,
        start_column: has_text.then_some(start.column),
        end_line: has_text.then_some(end.line),
        end_column: has_text.then_some(end.column),
        snippet,
    }
}

/// Relative paths stay relative to the repository root (`%SRCROOT%`);
/// absolute ones become `file://` URIs.
fn artifact(path: &str) -> ArtifactLocation {
    let encoded = encode_uri_path(path);
    if path.starts_with('/') {
        ArtifactLocation {
            uri: format!("file://{encoded}"),
            uri_base_id: None,
        }
    } else {
        ArtifactLocation {
            uri: encoded,
            uri_base_id: Some("%SRCROOT%"),
        }
    }
}

fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(encode_uri_path("a b/ü.yaml"), "a%20b/%C3%BC.yaml");
    }

    #[test]
    fn names_become_pascal_case() {
        assert_eq!(
            pascal_case("container-memory-limit"),
            "ContainerMemoryLimit"
        );
        assert_eq!(pascal_case("parse-error"), "ParseError");
    }
}
