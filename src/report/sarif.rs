//! SARIF 2.1.0: one run, the rules with their help and checklist keys,
//! repository-relative URIs, 1-based regions counted in Unicode code points,
//! and fingerprints that survive lines moving. Results are streamed, so a
//! run with many findings never holds the whole document in memory.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

use serde::Serialize;

use super::{Report, Sequence};
use crate::finding::{Finding, RuleMeta, Severity};
use crate::source::Span;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/airworthy-dev/airworthy";

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
    column_kind: &'static str,
    results: R,
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
    name: &'a str,
    short_description: Text<'a>,
    full_description: Text<'a>,
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
    tags: &'a [String],
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
    properties: Option<ResultProperties<'a>>,
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
    let results = report
        .findings
        .iter()
        .map(|finding| result(report, finding, index[finding.rule.id.as_str()]));
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
            column_kind: "unicodeCodePoints",
            results: Sequence::new(results),
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn result<'a>(report: &Report, finding: &'a Finding, rule_index: usize) -> SarifResult<'a> {
    SarifResult {
        rule_id: &finding.rule.id,
        rule_index,
        level: level(finding.severity),
        message: Text {
            text: &finding.message,
        },
        locations: [Location {
            logical_locations: finding.object.as_deref().map(|name| {
                [LogicalLocation {
                    fully_qualified_name: name,
                    kind: "object",
                }]
            }),
            ..location(report, finding.span)
        }],
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
                ..location(report, related.span)
            })
            .collect(),
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
    if !meta.checklist.is_empty() {
        let keys: Vec<String> = meta.checklist.iter().map(|k| format!("`{k}`")).collect();
        markdown.push_str("\n\nChecklist items: ");
        markdown.push_str(&keys.join(", "));
    }
    Rule {
        id: &meta.id,
        name: &meta.name,
        short_description: Text { text: &meta.title },
        full_description: Text { text: &meta.help },
        help: Help {
            text: &meta.help,
            markdown,
        },
        default_configuration: Configuration {
            level: level(meta.severity),
        },
        properties: RuleProperties {
            tags: &meta.tags,
            checklist: &meta.checklist,
            equivalents: &meta.equivalents,
        },
    }
}

fn location<'a>(report: &Report, span: Span) -> Location<'a> {
    let (start, end) = (report.start(span), report.end(span));
    let has_text = !report.sources.get(span.source).text.is_empty();
    Location {
        id: None,
        physical_location: PhysicalLocation {
            artifact_location: artifact(&report.path(span)),
            region: Region {
                start_line: start.line,
                start_column: has_text.then_some(start.column),
                end_line: has_text.then_some(end.line),
                end_column: has_text.then_some(end.column),
            },
        },
        logical_locations: None,
        message: None,
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
    use super::encode_uri_path;

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(encode_uri_path("a b/ü.yaml"), "a%20b/%C3%BC.yaml");
    }
}
