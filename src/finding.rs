//! Findings: what the engine produces and the reports render.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

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
    /// Checklist item keys (`R-…`, `D-…`) the rule gives evidence for.
    pub checklist: Vec<String>,
    /// Ids of equivalent checks in other tools, by tool.
    pub equivalents: BTreeMap<String, Vec<String>>,
    pub help: String,
    /// A snippet that triggers the rule, for `airworthy explain`.
    pub example: Option<String>,
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
    /// For Helm output, the chart template the object was rendered from.
    pub template: Option<String>,
    /// Identifies the finding independently of line numbers.
    pub fingerprint: String,
}
