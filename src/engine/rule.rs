//! A rule file, compiled: metadata, what it applies to, its conditions and its
//! message template.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use super::condition::{Condition, Outcome, Test, Truth, Vocabulary, compile_path, lookup_first};
use super::path::{Focus, Lookup, Path, Root};
use super::pattern::Pattern;
use super::schema::{Fields, Result, error, string, strings};
use crate::finding::{RuleMeta, Severity};
use crate::model::{Format, FormatVocabulary, Node, Object, Value};
use crate::relate::Relations;
use crate::source::{RULE_FILE, Sources, Span};

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
    "default",
    "applies-to",
    "table",
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
    api_version: Option<Pattern>,
    /// Only objects whose name matches.
    name: Option<Pattern>,
    /// Only objects rendered from a template (`true`, Helm output) or only
    /// hand-written ones (`false`).
    rendered: Option<bool>,
    each: Option<&'static str>,
    /// Rows the rule is evaluated for, one at a time, as `$row`.
    table: Vec<Node>,
    rows: Option<RowIndex>,
    when: Option<Condition>,
    /// Each condition must hold; each reports its own failures.
    require: Vec<Condition>,
    message: Template,
    /// Runs only when `--select` names it.
    pub default_off: bool,
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
        eager_patterns: bool,
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
            &["format", "kind", "api-version", "name", "rendered", "each"],
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
        let regex = |key: &str| -> Result<Option<Pattern>> {
            match applies.get(key) {
                None => Ok(None),
                Some(node) => Pattern::new(string(node)?, eager_patterns)
                    .map(Some)
                    .map_err(|e| super::schema::SchemaError {
                        span: node.span,
                        message: format!("invalid regex: {e}"),
                    }),
            }
        };
        let api_version = regex("api-version")?;
        let name_pattern = regex("name")?;
        let rendered = match applies.get("rendered").map(|n| (n, &n.value)) {
            None => None,
            Some((_, Value::Bool(b))) => Some(*b),
            Some((node, _)) => return error(node.span, "`rendered` is true or false"),
        };
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
        let paths = Vocabulary::new(vocabulary, eager_patterns);
        let when = fields
            .get("when")
            .map(|node| Condition::compile(node, &paths))
            .transpose()?;
        let require_node = fields.required("require", "a rule")?;
        let require = match require_node.as_list() {
            Some([]) => return error(require_node.span, "`require` needs a condition"),
            Some(items) => items
                .iter()
                .map(|item| Condition::compile(item, &paths))
                .collect::<Result<Vec<_>>>()?,
            None => vec![Condition::compile(require_node, &paths)?],
        };
        let table = match fields.get("table") {
            None => Vec::new(),
            Some(node) => match node.as_list() {
                Some(rows) if !rows.is_empty() && rows.iter().all(|r| r.as_map().is_some()) => {
                    rows.iter().map(in_rule_file).collect()
                }
                _ => return error(node.span, "`table` is a non-empty list of mappings"),
            },
        };
        // `on` and `off` may arrive as YAML 1.1 booleans.
        let default_off = match fields.get("default").map(|n| (n, &n.value)) {
            None => false,
            Some((_, Value::Bool(on))) => !on,
            Some((_, Value::String(s))) if &**s == "on" => false,
            Some((_, Value::String(s))) if &**s == "off" => true,
            Some((node, _)) => return error(node.span, "`default` is `on` or `off`"),
        };
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
        let rows = RowIndex::new(&table, when.as_ref(), &require);
        Ok(Rule {
            meta: Arc::new(meta),
            format: vocabulary.format,
            kinds,
            classes,
            api_version,
            name: name_pattern,
            rendered,
            each,
            table,
            rows,
            when,
            require,
            message,
            default_off,
        })
    }

    /// Whether the rule is about some kinds or classes, not every object.
    pub fn names_kinds(&self) -> bool {
        !self.kinds.is_empty() || !self.classes.is_empty()
    }

    /// The kinds and the classes the rule applies to (none: every object of
    /// its format).
    pub fn targets(&self) -> (&[Box<str>], &[Box<str>]) {
        (&self.kinds, &self.classes)
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
                    .is_some_and(|v| re.regex().is_match(v))
            })
            && self.name.as_ref().is_none_or(|re| {
                object
                    .name
                    .as_deref()
                    .is_some_and(|name| re.regex().is_match(name))
            })
            && self
                .rendered
                .is_none_or(|rendered| object.template.is_some() == rendered)
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
        let mut violations: Vec<Violation> = Vec::new();
        let mut examined = 0;
        // Whether the focus was examined for the row (its `when` did not rule
        // it out).
        let mut visit_row = |node: &Node, anchor: Span, row: Option<&Node>| -> bool {
            let focus = whole.start(node, anchor, row);
            // The other object a precondition involves (the Service that
            // makes a container serve traffic) is evidence too.
            let mut precondition = None;
            let outcomes: Vec<Outcome> = match self.when.as_ref().map(|when| when.eval(&focus)) {
                Some(when) if when.truth == Truth::False => return false,
                // Whether the rule applies is itself unknown.
                Some(when) if when.truth == Truth::Unknown => vec![when],
                when => {
                    precondition = when.and_then(|w| w.related);
                    self.require
                        .iter()
                        .flat_map(|c| c.failures(&focus))
                        .collect()
                }
            };
            let first = violations.len();
            for outcome in outcomes {
                let unknown = outcome.truth == Truth::Unknown;
                if unknown && !outcome.unknowable {
                    continue;
                }
                // Evidence written in the rule file (a table row) is no
                // place in the input: the focus is.
                let span = if outcome.span.source == RULE_FILE {
                    anchor
                } else {
                    outcome.span
                };
                // Two conditions that fail at one place are one finding.
                if violations[first..]
                    .iter()
                    .any(|v| v.span == span && v.unknown == unknown)
                {
                    continue;
                }
                violations.push(Violation {
                    span,
                    message: if unknown {
                        String::new()
                    } else {
                        self.message.render(&focus, sources.slice(span))
                    },
                    related: outcome.related.or(precondition),
                    unknown,
                    on_value: outcome.on_value && span == outcome.span,
                });
            }
            true
        };
        // A focus is examined once, however many rows the table has.
        let mut visit = |node: &Node, anchor: Span| {
            let seen = if self.table.is_empty() {
                visit_row(node, anchor, None)
            } else {
                match self
                    .rows
                    .as_ref()
                    .and_then(|rows| rows.of(&whole.start(node, anchor, None)))
                {
                    // The other rows pass: none of their values is the focus's.
                    Some(rows) => {
                        for &row in rows {
                            visit_row(node, anchor, Some(&self.table[row]));
                        }
                        true
                    }
                    None => self
                        .table
                        .iter()
                        .fold(false, |seen, row| visit_row(node, anchor, Some(row)) | seen),
                }
            };
            examined += usize::from(seen);
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

/// A table's rows by the value a path of the focus must equal for a row to
/// fail: a rule `not: {all-of: [{path: P, equals: {path: $row.F}}, …]}`
/// (K8S123's `apiVersion` against thirty rows) can fail only for the rows
/// whose `F` is the focus's `P`, so only those are evaluated. Every other
/// row's `all-of` has a false condition, whatever the rest are.
#[derive(Debug)]
struct RowIndex {
    paths: Vec<Path>,
    rows: HashMap<Box<str>, Vec<usize>>,
}

impl RowIndex {
    fn new(table: &[Node], when: Option<&Condition>, require: &[Condition]) -> Option<RowIndex> {
        // A `when` could rule a focus out for some rows and not others.
        if table.is_empty() || when.is_some() {
            return None;
        }
        let [Condition::Not(inner)] = require else {
            return None;
        };
        let Condition::AllOf(conditions) = &**inner else {
            return None;
        };
        conditions.iter().find_map(|condition| {
            let Condition::Test {
                paths,
                capture: None,
                test: Test::EqualsPath(operand),
            } = condition
            else {
                return None;
            };
            let [
                Path {
                    root: Root::Row,
                    keys,
                },
            ] = &operand[..]
            else {
                return None;
            };
            // `$key` and `$row` are not values of the focus.
            if paths
                .iter()
                .any(|p| matches!(p.root, Root::Key | Root::Row))
            {
                return None;
            }
            let mut rows: HashMap<Box<str>, Vec<usize>> = HashMap::new();
            for (at, row) in table.iter().enumerate() {
                let keys: Vec<&str> = keys.iter().map(|k| &**k).collect();
                let value = row.at(&keys)?.as_str()?;
                rows.entry(value.into()).or_default().push(at);
            }
            Some(RowIndex {
                paths: paths.clone(),
                rows,
            })
        })
    }

    /// The rows that may fail for this focus, when its value is text (any
    /// other value, missing, unknown or not a string, has every row
    /// evaluated).
    fn of(&self, focus: &Focus) -> Option<&[usize]> {
        match lookup_first(&self.paths, focus) {
            Lookup::Found { node, .. } => {
                let text = node.as_str()?;
                Some(self.rows.get(text).map_or(&[][..], |rows| &rows[..]))
            }
            _ => None,
        }
    }
}

/// A copy of a node of the rule file whose spans say so, so that evidence
/// found in it is never taken for a place in the input.
fn in_rule_file(node: &Node) -> Node {
    let span = Span {
        source: RULE_FILE,
        ..node.span
    };
    let value = match &node.value {
        Value::List(items) => Value::List(items.iter().map(in_rule_file).collect()),
        Value::Map(map) => Value::Map(crate::model::Map {
            entries: map
                .entries
                .iter()
                .map(|e| crate::model::Entry {
                    key: e.key.clone(),
                    key_span: Span {
                        source: RULE_FILE,
                        ..e.key_span
                    },
                    value: in_rule_file(&e.value),
                })
                .collect(),
        }),
        other => other.clone(),
    };
    Node { value, span }
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
                let path = compile_path(inner, span, vocabulary)?;
                if path.root == super::path::Root::Key {
                    return error(
                        span,
                        "`$key` has a value only inside `all`, `any` or `none`",
                    );
                }
                Part::Path(path)
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
    use crate::formats::kubernetes;
    use crate::source::{Source, SourceId};

    fn rule(text: &str) -> Rule {
        let source = Source::new(SourceId(9), "r.yaml".into(), text.into());
        let root = crate::formats::yaml::parse(&source)
            .documents
            .remove(0)
            .root;
        Rule::compile(
            &root,
            crate::formats::VOCABULARIES,
            &crate::checklist_keys(),
            true,
        )
        .unwrap()
    }

    fn findings(rule: &Rule, manifest: &str) -> Vec<(String, String)> {
        let sources = crate::source::Sources::default();
        let id = sources.push("m.yaml".into(), manifest.into());
        let objects = kubernetes::parse(sources.get(id)).0;
        let relations = crate::relate::Relations::new(&objects);
        (0..objects.len() as u32)
            .flat_map(|index| rule.check(&relations, index, &sources).0)
            .map(|v| (sources.slice(v.span).to_string(), v.message))
            .collect()
    }

    const HEAD: &str = "id: T101\nname: t\ntitle: t\nseverity: note\nchecklist: [R-kubernetes-cluster-6]\nhelp: h\n";

    #[test]
    fn a_table_evaluates_the_rule_once_per_row() {
        let r = rule(&format!(
            "{HEAD}applies-to: {{format: kubernetes}}\ntable:\n- {{api: extensions/v1beta1, kinds: [Ingress], use: networking.k8s.io/v1}}\n- {{api: policy/v1beta1, kinds: [PodDisruptionBudget], use: policy/v1}}\nrequire:\n  not:\n    all-of:\n    - {{path: apiVersion, equals: {{path: $row.api}}}}\n    - {{path: kind, in: {{path: $row.kinds}}}}\nmessage: '{{kind}} uses {{value}}; use {{$row.use}}'\n"
        ));
        let found = findings(
            &r,
            "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\n---\napiVersion: extensions/v1beta1\nkind: Deployment\n",
        );
        assert_eq!(
            found,
            [(
                "policy/v1beta1".to_string(),
                "PodDisruptionBudget uses policy/v1beta1; use policy/v1".to_string()
            )]
        );
    }

    /// The same rule evaluated every row (a `when` keeps the index away)
    /// and only the rows under the focus's value: the same findings, the
    /// same count of foci examined (one an object, not one a row).
    #[test]
    fn a_table_indexed_by_value_finds_what_every_row_finds() {
        let body = "table:\n- {api: extensions/v1beta1, kinds: [Ingress], use: networking.k8s.io/v1}\n- {api: extensions/v1beta1, kinds: [Deployment], use: apps/v1}\n- {api: policy/v1beta1, kinds: [PodDisruptionBudget], use: policy/v1}\nrequire:\n  not:\n    all-of:\n    - {path: kind, in: {path: $row.kinds}}\n    - {path: apiVersion, equals: {path: $row.api}}\nmessage: '{kind} uses {value}; use {$row.use}'\n";
        let indexed = rule(&format!("{HEAD}applies-to: {{format: kubernetes}}\n{body}"));
        let every_row = rule(&format!(
            "{HEAD}applies-to: {{format: kubernetes}}\nwhen: {{path: kind, present: true}}\n{body}"
        ));
        assert!(indexed.rows.is_some() && every_row.rows.is_none());
        let manifest = "apiVersion: extensions/v1beta1\nkind: Deployment\n---\napiVersion: extensions/v1beta1\nkind: Ingress\n---\napiVersion: policy/v1beta1\nkind: Ingress\n---\napiVersion: apps/v1\nkind: Deployment\n---\napiVersion: 1\nkind: Ingress\n---\nkind: Ingress\n";
        let found = findings(&indexed, manifest);
        assert_eq!(found, findings(&every_row, manifest));
        assert_eq!(
            found,
            [
                (
                    "Deployment".to_string(),
                    "Deployment uses Deployment; use apps/v1".to_string()
                ),
                (
                    "Ingress".to_string(),
                    "Ingress uses Ingress; use networking.k8s.io/v1".to_string()
                ),
            ]
        );
        let examined = |rule: &Rule| {
            let sources = crate::source::Sources::default();
            let id = sources.push("m.yaml".into(), manifest.into());
            let objects = kubernetes::parse(sources.get(id)).0;
            let relations = crate::relate::Relations::new(&objects);
            let examined: usize = (0..objects.len() as u32)
                .map(|index| rule.check(&relations, index, &sources).1)
                .sum();
            (examined, objects.len())
        };
        assert_eq!(examined(&indexed), (5, 5));
        assert_eq!(examined(&every_row), (5, 5));
    }

    #[test]
    fn each_condition_of_a_require_list_reports_its_own_failures() {
        let r = rule(&format!(
            "{HEAD}applies-to: {{format: kubernetes, kind: workload}}\nrequire:\n- {{not: {{path: $pod.hostNetwork, equals: true}}}}\n- {{not: {{path: $pod.hostPID, equals: true}}}}\nmessage: m\n"
        ));
        let found = findings(
            &r,
            "apiVersion: v1\nkind: Pod\nspec: {hostNetwork: true, hostPID: true, hostIPC: true}\n",
        );
        assert_eq!(found.len(), 2);
        // Two conditions failing at one place are one finding.
        let missing = findings(&r, "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n");
        assert!(missing.is_empty());
        let r = rule(&format!(
            "{HEAD}applies-to: {{format: kubernetes}}\nrequire:\n- {{path: spec.a, present: true}}\n- {{path: spec.b, present: true}}\nmessage: m\n"
        ));
        assert_eq!(
            findings(&r, "apiVersion: v1\nkind: X\nspec: {c: 1}\n").len(),
            1
        );
    }

    #[test]
    fn rule_files_reject_malformed_tables_and_defaults() {
        for (extra, expected) in [
            ("table: [1]\n", "non-empty list of mappings"),
            ("default: maybe\n", "`on` or `off`"),
            ("require: []\n", "needs a condition"),
        ] {
            let text = format!(
                "{HEAD}applies-to: {{format: kubernetes}}\nmessage: m\n{extra}{}",
                if extra.starts_with("require") {
                    ""
                } else {
                    "require: {path: kind, present: true}\n"
                }
            );
            let source = Source::new(SourceId(9), "r.yaml".into(), text);
            let root = crate::formats::yaml::parse(&source)
                .documents
                .remove(0)
                .root;
            let err = Rule::compile(
                &root,
                crate::formats::VOCABULARIES,
                &crate::checklist_keys(),
                true,
            )
            .unwrap_err();
            assert!(err.message.contains(expected), "{extra}: {}", err.message);
        }
    }

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
        let rule = Rule::compile(&root, crate::formats::VOCABULARIES, &keys, true).unwrap();
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
