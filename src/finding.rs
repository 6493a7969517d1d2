//! Findings: what the engine produces and the reports render.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use crate::model::Format;
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub const ALL: &[Severity] = &[Severity::Error, Severity::Warning, Severity::Note];

    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }

    pub fn from_name(name: &str) -> Option<Severity> {
        Severity::ALL.iter().copied().find(|s| s.name() == name)
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // `pad` honours width and alignment, which `airworthy rules` uses.
        f.pad(self.name())
    }
}

/// What a report needs to know about a rule.
#[derive(Clone, Debug, PartialEq)]
pub struct RuleMeta {
    pub id: String,
    pub name: String,
    pub title: String,
    pub severity: Severity,
    pub tags: Vec<String>,
    /// The format the rule checks; `None` for the checks of every input.
    pub format: Option<Format>,
    /// Checklist item keys (`R-…`, `D-…`) the rule gives evidence for.
    pub checklist: Vec<String>,
    /// Ids of equivalent checks in other tools, by tool.
    pub equivalents: BTreeMap<String, Vec<String>>,
    pub help: String,
    /// A snippet that triggers the rule, for `airworthy explain`.
    pub example: Option<String>,
    /// The edit that fixes a finding on a value, when the rule knows it.
    pub fix: Option<Fix>,
    /// The rule's file in this repository, for rules shipped in the binary.
    pub file: Option<String>,
}

/// What replaces the offending value, and what that does.
#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    pub replacement: String,
    pub description: String,
}

/// A secondary location, such as the first definition of a duplicate key.
#[derive(Clone, Debug, PartialEq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: Arc<RuleMeta>,
    pub severity: Severity,
    pub span: Span,
    pub message: String,
    pub related: Vec<Related>,
    /// `Kind/namespace/name` of the object, when the finding is about one.
    pub object: Option<String>,
    /// The object's index in the run.
    pub object_index: Option<u32>,
    /// For Helm output, the chart template the object was rendered from.
    pub template: Option<String>,
    /// Identifies the finding independently of line numbers.
    pub fingerprint: String,
    /// Set when a suppression or the baseline accepts the finding.
    pub suppression: Option<Suppression>,
    /// The span is the offending value, so the rule's fix applies to it.
    pub on_value: bool,
}

/// Why a finding is not held against the input, as SARIF records it.
#[derive(Clone, Debug, PartialEq)]
pub struct Suppression {
    pub kind: SuppressionKind,
    pub justification: String,
    /// Where the suppression is written, if it is.
    pub span: Option<Span>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SuppressionKind {
    /// A comment or annotation in the file.
    InSource,
    /// The configuration file or the baseline.
    External,
}

impl SuppressionKind {
    /// The name SARIF gives it.
    pub fn sarif_name(self) -> &'static str {
        match self {
            SuppressionKind::InSource => "inSource",
            SuppressionKind::External => "external",
        }
    }
}

/// A check that could not be decided because a value it needs is unknown (a
/// Terraform expression, a templated value): never a finding, but counted in
/// the summary and listed with `-v`, so silence is never mistaken for a pass.
#[derive(Clone, Debug)]
pub struct Skipped {
    pub rule: Arc<RuleMeta>,
    /// The unknown value.
    pub span: Span,
    pub object: String,
}
