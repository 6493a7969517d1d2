//! SARIF 2.1.0: one run, the rules with their help and checklist keys,
//! repository-relative URIs, 1-based regions counted in Unicode code points,
//! and fingerprints that survive lines moving.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::Report;
use crate::finding::{RuleMeta, Severity};
use crate::source::Span;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/airworthy-dev/airworthy";

pub fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let rules: Vec<Value> = report.rules.iter().map(|r| rule(r)).collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            let index = report
                .rules
                .iter()
                .position(|r| r.id == finding.rule.id)
                .unwrap_or(0);
            let mut result = json!({
                "ruleId": finding.rule.id,
                "ruleIndex": index,
                "level": level(finding.severity),
                "message": {"text": finding.message},
                "locations": [location(report, finding.span, finding.object.as_deref())],
                "partialFingerprints": {"airworthyFingerprint/v1": finding.fingerprint},
            });
            if let Some(template) = &finding.template {
                result["properties"] = json!({"helmTemplate": template});
            }
            if !finding.related.is_empty() {
                result["relatedLocations"] = finding
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let mut l = location(report, r.span, None);
                        l["id"] = json!(i + 1);
                        l["message"] = json!({"text": r.message});
                        l
                    })
                    .collect();
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "airworthy",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn rule(meta: &RuleMeta) -> Value {
    let mut markdown = format!("**{}**\n\n{}", meta.title, meta.help);
    if !meta.checklist.is_empty() {
        markdown.push_str("\n\nChecklist items: ");
        markdown.push_str(
            &meta
                .checklist
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", "),
        );
    }
    json!({
        "id": meta.id,
        "name": meta.name,
        "shortDescription": {"text": meta.title},
        "fullDescription": {"text": meta.help},
        "help": {"text": meta.help, "markdown": markdown},
        "defaultConfiguration": {"level": level(meta.severity)},
        "properties": {
            "tags": meta.tags,
            "checklist": meta.checklist,
            "equivalents": meta.equivalents,
        },
    })
}

fn location(report: &Report, span: Span, object: Option<&str>) -> Value {
    let start = report.start(span);
    let end = report.end(span);
    let mut location = json!({
        "physicalLocation": {
            "artifactLocation": artifact(&report.path(span)),
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            },
        },
    });
    if let Some(object) = object {
        location["logicalLocations"] = json!([{"fullyQualifiedName": object, "kind": "object"}]);
    }
    location
}

/// Relative paths stay relative to the repository root (`%SRCROOT%`);
/// absolute ones become `file://` URIs.
fn artifact(path: &str) -> Value {
    let encoded = encode_uri_path(path);
    if path.starts_with('/') {
        json!({"uri": format!("file://{encoded}")})
    } else {
        json!({"uri": encoded, "uriBaseId": "%SRCROOT%"})
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
