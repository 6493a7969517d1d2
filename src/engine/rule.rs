//! A rule file, compiled: metadata, what it applies to, its conditions and its
//! message template.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use regex::Regex;

use super::condition::{Condition, Truth, Vocabulary, compile_path};
use super::path::{Focus, Lookup, Path};
use super::schema::{Fields, Result, error, string, strings};
use crate::finding::{RuleMeta, Severity};
use crate::model::{Format, FormatVocabulary, Node, Object};
use crate::relate::Relations;
use crate::source::{Sources, Span};

/// Tools whose equivalent check ids a rule may list.
pub const PEER_TOOLS: &[&str] = &[
    "checkov",
    "trivy",
    "kics",
    "kube-linter",
    "polaris",
    "kube-score",
    "gixy",
    "tflint",
    "cis-nginx",
];

const RULE_KEYS: &[&str] = &[
    "id",
    "name",
    "title",
    "severity",
    "tags",
    "checklist",
    "equivalents",
    "applies-to",
    "when",
    "require",
    "message",
    "help",
    "example",
    "fix",
];

#[derive(Debug)]
pub struct Rule {
    pub meta: Arc<RuleMeta>,
    pub format: Format,
    kinds: Vec<Box<str>>,
    classes: Vec<Box<str>>,
    api_version: Option<Regex>,
    /// Only objects whose name matches.
    name: Option<Regex>,
    each: Option<&'static str>,
    when: Option<Condition>,
    require: Condition,
    message: Template,
}

/// One focus the rule found wanting.
pub struct Violation {
    pub span: Span,
    pub message: String,
    /// Another object the violation involves, and where in it.
    pub related: Option<(u32, Span)>,
    /// The rule could not decide: a value it needs is unknown. Never a
    /// finding; counted, and listed with `-v`.
    pub unknown: bool,
    /// The span is the offending value, not where a missing one would go.
    pub on_value: bool,
}

impl Rule {
    pub fn compile(
        root: &Node,
        formats: &[FormatVocabulary],
        checklist_keys: &HashSet<String>,
    ) -> Result<Rule> {
        let fields = Fields::new(root, RULE_KEYS, "a rule")?;
        let id_node = fields.required("id", "a rule")?;
        let id = string(id_node)?;
        if !is_rule_id(id) {
            return error(
                id_node.span,
                format!(
                    "rule id `{id}` must be capital letters then three or more digits, like K8S101"
                ),
            );
        }
        let name_node = fields.required("name", "a rule")?;
        let name = string(name_node)?;
        if !is_kebab(name) {
            return error(
                name_node.span,
                format!("rule name `{name}` must be kebab-case"),
            );
        }
        let severity_node = fields.required("severity", "a rule")?;
        let severity = Severity::from_name(string(severity_node)?).ok_or_else(|| {
            super::schema::SchemaError {
                span: severity_node.span,
                message: "severity is one of error, warning, note".into(),
            }
        })?;
        let checklist = fields.strings("checklist")?;
        if checklist.is_empty() {
            return error(
                fields.span,
                "a rule names the checklist item(s) it gives evidence for in `checklist`",
            );
        }
        for (key, span) in &checklist {
            if !checklist_keys.contains(*key) {
                return error(
                    *span,
                    format!(
                        "`{key}` is not a checklist item key (see checklists/checklist-map.yaml)"
                    ),
                );
            }
        }
        let mut equivalents = BTreeMap::new();
        if let Some(node) = fields.get("equivalents") {
            let tools = Fields::new(node, PEER_TOOLS, "`equivalents`")?;
            for entry in &tools.map.entries {
                let ids = strings(&entry.value)?;
                equivalents.insert(
                    entry.key.to_string(),
                    ids.into_iter().map(|(s, _)| s.to_string()).collect(),
                );
            }
        }
        let applies = Fields::new(
            fields.required("applies-to", "a rule")?,
            &["format", "kind", "api-version", "name", "each"],
            "`applies-to`",
        )?;
        let format_node = applies.required("format", "`applies-to`")?;
        let format_name = string(format_node)?;
        let Some(vocabulary) = formats.iter().find(|f| f.format.name() == format_name) else {
            let known: Vec<_> = formats.iter().map(|f| f.format.name()).collect();
            return error(
                format_node.span,
                format!(
                    "unknown format `{format_name}`; expected one of {}",
                    known.join(", ")
                ),
            );
        };
        let mut kinds = Vec::new();
        let mut classes = Vec::new();
        for (kind, span) in applies.strings("kind")? {
            if vocabulary.classes.contains(&kind) {
                classes.push(kind.into());
            } else if kind.starts_with(|c: char| c.is_ascii_lowercase())
                && !vocabulary.kinds_are_lowercase
            {
                return error(
                    span,
                    format!(
                        "unknown class `{kind}`; the {format_name} classes are: {}",
                        vocabulary.classes.join(", ")
                    ),
                );
            } else {
                kinds.push(kind.into());
            }
        }
        let regex =
            |key: &str| -> Result<Option<Regex>> {
                match applies.get(key) {
                    None => Ok(None),
                    Some(node) => Regex::new(string(node)?).map(Some).map_err(|e| {
                        super::schema::SchemaError {
                            span: node.span,
                            message: format!("invalid regex: {e}"),
                        }
                    }),
                }
            };
        let api_version = regex("api-version")?;
        let name_pattern = regex("name")?;
        let each = match applies.get("each") {
            None => None,
            Some(node) => {
                let view = string(node)?;
                match vocabulary.views.iter().find(|v| **v == view) {
                    Some(v) => Some(*v),
                    None => {
                        return error(
                            node.span,
                            format!(
                                "unknown view `{view}`; the {format_name} views are: {}",
                                vocabulary.views.join(", ")
                            ),
                        );
                    }
                }
            }
        };
        let paths = Vocabulary::new(vocabulary);
        let when = fields
            .get("when")
            .map(|node| Condition::compile(node, &paths))
            .transpose()?;
        let require = Condition::compile(fields.required("require", "a rule")?, &paths)?;
        let message_node = fields.required("message", "a rule")?;
        let message = Template::compile(string(message_node)?, message_node.span, &paths)?;
        let meta = RuleMeta {
            id: id.to_string(),
            name: name.to_string(),
            title: fields.required_string("title", "a rule")?.to_string(),
            severity,
            tags: fields
                .strings("tags")?
                .into_iter()
                .map(|(s, _)| s.to_string())
                .collect(),
            format: Some(vocabulary.format),
            checklist: checklist.into_iter().map(|(s, _)| s.to_string()).collect(),
            equivalents,
            help: fields
                .required_string("help", "a rule")?
                .trim_end()
                .to_string(),
            example: fields.string("example")?.map(|s| s.trim_end().to_string()),
            fix: fields.get("fix").map(fix).transpose()?,
            file: None,
        };
        Ok(Rule {
            meta: Arc::new(meta),
            format: vocabulary.format,
            kinds,
            classes,
            api_version,
            name: name_pattern,
            each,
            when,
            require,
            message,
        })
    }

    pub fn applies_to(&self, object: &Object) -> bool {
        object.format == self.format
            && (self.kinds.is_empty() && self.classes.is_empty()
                || self.kinds.iter().any(|k| **k == *object.kind)
                || self.classes.iter().any(|c| object.classes.contains(&&**c)))
            && self.api_version.as_ref().is_none_or(|re| {
                object
                    .api_version
                    .as_deref()
                    .is_some_and(|v| re.is_match(v))
            })
            && self
                .name
                .as_ref()
                .is_none_or(|re| object.name.as_deref().is_some_and(|name| re.is_match(name)))
    }

    /// Every focus of the object at `index` that fails the rule, and how
    /// many foci the rule examined (those its `when` did not rule out).
    /// `sources` gives the text of the offending value, which may be in
    /// another file than the object (an inherited nginx directive).
    pub fn check(
        &self,
        relations: &Relations,
        index: u32,
        sources: &Sources,
    ) -> (Vec<Violation>, usize) {
        let object = relations.object(index);
        let whole = Focus::object(relations, index);
        let mut violations = Vec::new();
        let mut examined = 0;
        let mut visit = |node: &Node, anchor: Span| {
            let focus = whole.at(node, anchor);
            // The other object a precondition involves (the Service that
            // makes a container serve traffic) is evidence too.
            let mut precondition = None;
            let outcomes = match self.when.as_ref().map(|when| when.eval(&focus)) {
                Some(when) if when.truth == Truth::False => return,
                // Whether the rule applies is itself unknown.
                Some(when) if when.truth == Truth::Unknown => vec![when],
                when => {
                    precondition = when.and_then(|w| w.related);
                    self.require.failures(&focus)
                }
            };
            examined += 1;
            for outcome in outcomes {
                let unknown = outcome.truth == Truth::Unknown;
                if unknown && !outcome.unknowable {
                    continue;
                }
                violations.push(Violation {
                    span: outcome.span,
                    message: if unknown {
                        String::new()
                    } else {
                        self.message.render(&focus, sources.slice(outcome.span))
                    },
                    related: outcome.related.or(precondition),
                    unknown,
                    on_value: outcome.on_value,
                });
            }
        };
        match self.each.and_then(|name| object.view(name)) {
            None if self.each.is_some() => {}
            None => visit(&object.body, object.anchor),
            Some(view) => {
                for path in &view.paths {
                    let Some(node) = object.body.at(path) else {
                        continue;
                    };
                    match (view.each, node.as_list()) {
                        (true, Some(items)) => {
                            for item in items {
                                visit(item, super::condition::item_anchor(item));
                            }
                        }
                        (true, None) => {}
                        (false, _) => visit(node, node.span),
                    }
                }
            }
        }
        (violations, examined)
    }
}

/// `fix: {replace: IfNotPresent, description: …}`: the offending value is
/// replaced by `replace`.
fn fix(node: &Node) -> Result<crate::finding::Fix> {
    let fields = Fields::new(node, &["replace", "description"], "`fix`")?;
    Ok(crate::finding::Fix {
        replacement: fields.required_string("replace", "`fix`")?.to_string(),
        description: fields.required_string("description", "`fix`")?.to_string(),
    })
}

fn is_rule_id(id: &str) -> bool {
    let letters = id
        .bytes()
        .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        .count();
    let digits = id.bytes().rev().take_while(u8::is_ascii_digit).count();
    letters == id.len() && digits >= 3 && id.starts_with(|c: char| c.is_ascii_uppercase())
}

fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// A message with `{path}` placeholders, quoted from the focus, and `{value}`,
/// the text of the offending span.
#[derive(Debug)]
struct Template {
    parts: Vec<Part>,
}

#[derive(Debug)]
enum Part {
    Text(String),
    Value,
    Path(Path),
}

impl Template {
    fn compile(text: &str, span: Span, vocabulary: &Vocabulary) -> Result<Template> {
        let mut parts = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            parts.push(Part::Text(rest[..open].to_string()));
            let Some(close) = rest[open..].find('}') else {
                return error(span, "unclosed `{` in message");
            };
            let inner = rest[open + 1..open + close].trim();
            parts.push(if inner == "value" {
                Part::Value
            } else {
                Part::Path(compile_path(inner, span, vocabulary)?)
            });
            rest = &rest[open + close + 1..];
        }
        parts.push(Part::Text(rest.to_string()));
        Ok(Template { parts })
    }

    fn render(&self, focus: &Focus, value: &str) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Value => out.push_str(value.trim()),
                Part::Path(path) => match path.lookup(focus) {
                    Lookup::Found { node, .. } => out.push_str(&quoted(node)),
                    Lookup::Missing { .. } | Lookup::Unknown { .. } => out.push('?'),
                },
            }
        }
        out
    }
}

/// A value as a message quotes it: a scalar's text, a list of scalars
/// joined by spaces (an nginx directive's arguments), else `…`.
fn quoted(node: &Node) -> String {
    if let Some(text) = node.scalar_text() {
        return text;
    }
    let words: Option<Vec<String>> = node
        .as_list()
        .map(|items| items.iter().map(Node::scalar_text).collect())
        .unwrap_or_default();
    words.map_or_else(|| "…".into(), |words| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_to_matches_names_by_regex() {
        use crate::source::{Source, SourceId};
        let text = "id: X101\nname: x\ntitle: x\nseverity: note\nchecklist: [D-performance-2]\napplies-to: {format: kubernetes, kind: Secret, name: '^db-'}\nrequire: {present: true}\nmessage: m\nhelp: h\n";
        let source = Source::new(SourceId(0), "r.yaml".into(), text.into());
        let root = crate::formats::yaml::parse(&source)
            .documents
            .remove(0)
            .root;
        let keys = crate::checklist_keys();
        let rule = Rule::compile(&root, crate::formats::VOCABULARIES, &keys).unwrap();
        let objects = |name: &str| {
            let text = format!("apiVersion: v1\nkind: Secret\nmetadata: {{name: {name}}}\n");
            let source = Source::new(SourceId(1), "s.yaml".into(), text);
            crate::formats::kubernetes::parse(&source).0.remove(0)
        };
        assert!(rule.applies_to(&objects("db-password")));
        assert!(!rule.applies_to(&objects("tls")));
    }

    #[test]
    fn ids_and_names_have_a_fixed_shape() {
        assert!(is_rule_id("K8S101"));
        assert!(is_rule_id("NGX001"));
        assert!(!is_rule_id("k8s101"));
        assert!(!is_rule_id("K8S1"));
        assert!(is_kebab("container-memory-limit"));
        assert!(!is_kebab("Container"));
        assert!(!is_kebab("a--b"));
    }
}
