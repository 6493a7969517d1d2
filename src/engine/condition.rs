//! Conditions: the predicate vocabulary of rules, compiled once and evaluated
//! in three-valued logic so that an unknown value never produces a finding.

use regex::Regex;

use super::path::{Focus, Lookup, Path, Root};
use super::quantity;
use super::schema::{Fields, Result, SchemaError, error, string};
use crate::model::{Node, Value};
use crate::source::Span;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Truth {
    True,
    False,
    Unknown,
}

/// The truth of a condition and where its evidence is: the offending value,
/// or for something missing, the nearest enclosing key.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    pub truth: Truth,
    pub span: Span,
    /// The span is a value that was examined, not the place where a missing
    /// value would go; such evidence is the more precise.
    pub on_value: bool,
}

impl Outcome {
    fn new(truth: bool, span: Span) -> Self {
        let truth = if truth { Truth::True } else { Truth::False };
        Outcome {
            truth,
            span,
            on_value: true,
        }
    }

    fn missing(truth: bool, span: Span) -> Self {
        Outcome {
            on_value: false,
            ..Outcome::new(truth, span)
        }
    }

    fn unknown(span: Span) -> Self {
        Outcome {
            truth: Truth::Unknown,
            span,
            on_value: true,
        }
    }
}

#[derive(Debug)]
pub enum Condition {
    /// A test of the value at the first of `paths` that is present.
    Test {
        paths: Vec<Path>,
        test: Test,
    },
    AllOf(Vec<Condition>),
    AnyOf(Vec<Condition>),
    Not(Box<Condition>),
}

#[derive(Debug)]
pub enum Test {
    Present(bool),
    Equals(Node),
    In(Vec<Node>),
    Matches(Regex),
    Compare(Vec<(Comparison, Operand)>),
    Length(Vec<(Comparison, f64)>),
    All(Box<Condition>),
    Any(Box<Condition>),
    None(Box<Condition>),
    Type(Vec<&'static str>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    Gt,
    Gte,
    Lt,
    Lte,
}

const COMPARISONS: &[(&str, Comparison)] = &[
    ("gt", Comparison::Gt),
    ("gte", Comparison::Gte),
    ("lt", Comparison::Lt),
    ("lte", Comparison::Lte),
];

impl Comparison {
    fn holds(self, left: f64, right: f64) -> bool {
        match self {
            Comparison::Gt => left > right,
            Comparison::Gte => left >= right,
            Comparison::Lt => left < right,
            Comparison::Lte => left <= right,
        }
    }
}

/// The right-hand side of a comparison: a number or quantity, or another
/// value of the object.
#[derive(Debug)]
pub enum Operand {
    Number(f64),
    Paths(Vec<Path>),
}

const TYPES: &[&str] = &["null", "bool", "number", "string", "list", "map"];

const TESTS: &[&str] = &[
    "present", "equals", "in", "matches", "gt", "gte", "lt", "lte", "length", "all", "any", "none",
    "type",
];

const CONDITION_KEYS: &[&str] = &[
    "path", "present", "equals", "in", "matches", "gt", "gte", "lt", "lte", "length", "all", "any",
    "none", "type", "all-of", "any-of", "not",
];

/// What a compiled path may refer to.
pub struct Vocabulary<'a> {
    pub views: &'a [&'a str],
}

impl Condition {
    pub fn compile(node: &Node, vocabulary: &Vocabulary) -> Result<Condition> {
        let fields = Fields::new(node, CONDITION_KEYS, "a condition")?;
        let composite = ["all-of", "any-of", "not"]
            .iter()
            .filter_map(|k| fields.entry(k))
            .collect::<Vec<_>>();
        if let Some(entry) = composite.first() {
            if fields.map.entries.len() > 1 {
                return error(
                    entry.key_span,
                    format!(
                        "`{}` stands alone in its condition; nest the other keys inside it",
                        entry.key
                    ),
                );
            }
            let value = &entry.value;
            return Ok(match &*entry.key {
                "not" => Condition::Not(Box::new(Condition::compile(value, vocabulary)?)),
                key => {
                    let Some(items) = value.as_list().filter(|items| !items.is_empty()) else {
                        return error(
                            value.span,
                            format!("`{key}` takes a non-empty list of conditions"),
                        );
                    };
                    let conditions = items
                        .iter()
                        .map(|item| Condition::compile(item, vocabulary))
                        .collect::<Result<Vec<_>>>()?;
                    if key == "all-of" {
                        Condition::AllOf(conditions)
                    } else {
                        Condition::AnyOf(conditions)
                    }
                }
            });
        }
        let paths = match fields.get("path") {
            None => vec![Path {
                root: Root::Focus,
                keys: Vec::new(),
            }],
            Some(node) => compile_paths(node, vocabulary)?,
        };
        let tests: Vec<_> = fields
            .map
            .entries
            .iter()
            .filter(|e| TESTS.contains(&&*e.key))
            .collect();
        let Some(first) = tests.first() else {
            return error(
                fields.span,
                format!("a condition needs a test: one of {}", TESTS.join(", ")),
            );
        };
        let comparisons = tests
            .iter()
            .filter(|e| COMPARISONS.iter().any(|(k, _)| *k == &*e.key))
            .count();
        if tests.len() > 1 && comparisons != tests.len() {
            return error(
                tests[1].key_span,
                format!(
                    "one test per condition (this one already has `{}`); combine tests with `all-of`",
                    first.key
                ),
            );
        }
        let value = &first.value;
        let test = match &*first.key {
            "present" => match value.value {
                Value::Bool(b) => Test::Present(b),
                _ => return error(value.span, "`present` takes true or false"),
            },
            "equals" => Test::Equals(scalar_or_structure(value)?),
            "in" => match value.as_list() {
                Some(items) => Test::In(items.to_vec()),
                None => return error(value.span, "`in` takes a list of values"),
            },
            "matches" => {
                let pattern = string(value)?;
                match Regex::new(pattern) {
                    Ok(regex) => Test::Matches(regex),
                    Err(e) => return error(value.span, format!("invalid regex: {e}")),
                }
            }
            "length" => {
                let length = Fields::new(value, &["gt", "gte", "lt", "lte"], "`length`")?;
                let mut bounds = Vec::new();
                for entry in &length.map.entries {
                    let cmp = comparison(entry)?;
                    match entry.value.value {
                        Value::Number(n) => bounds.push((cmp, n)),
                        _ => return error(entry.value.span, "a length bound is a number"),
                    }
                }
                Test::Length(bounds)
            }
            "all" | "any" | "none" => {
                let inner = Box::new(Condition::compile(value, vocabulary)?);
                match &*first.key {
                    "all" => Test::All(inner),
                    "any" => Test::Any(inner),
                    _ => Test::None(inner),
                }
            }
            "type" => {
                let mut types = Vec::new();
                for (name, span) in super::schema::strings(value)? {
                    match TYPES.iter().find(|t| **t == name) {
                        Some(t) => types.push(*t),
                        None => {
                            return error(
                                span,
                                format!(
                                    "unknown type `{name}`; expected one of {}",
                                    TYPES.join(", ")
                                ),
                            );
                        }
                    }
                }
                Test::Type(types)
            }
            _ => {
                let mut bounds = Vec::new();
                for entry in &tests {
                    bounds.push((comparison(entry)?, operand(&entry.value, vocabulary)?));
                }
                Test::Compare(bounds)
            }
        };
        Ok(Condition::Test { paths, test })
    }

    pub fn eval(&self, focus: &Focus) -> Outcome {
        match self {
            Condition::Not(inner) => {
                let outcome = inner.eval(focus);
                let truth = match outcome.truth {
                    Truth::True => Truth::False,
                    Truth::False => Truth::True,
                    Truth::Unknown => Truth::Unknown,
                };
                Outcome { truth, ..outcome }
            }
            Condition::AllOf(conditions) => combine(conditions, focus, Truth::False),
            Condition::AnyOf(conditions) => combine(conditions, focus, Truth::True),
            Condition::Test { paths, test } => {
                let lookup = lookup_first(paths, focus);
                test.eval(lookup, focus)
            }
        }
    }
}

impl Condition {
    /// Every piece of evidence that the condition fails: one per offending
    /// item when it is an `all` or `none` over a list, so that each bad item
    /// is its own finding, else at most one.
    pub fn failures(&self, focus: &Focus) -> Vec<Outcome> {
        if let Condition::Test {
            paths,
            test: test @ (Test::All(inner) | Test::None(inner)),
        } = self
            && let Lookup::Found { node, .. } = lookup_first(paths, focus)
            && !node.is_unknown()
        {
            let items: Vec<&Node> = match &node.value {
                Value::List(items) => items.iter().collect(),
                Value::Map(map) => map.entries.iter().map(|e| &e.value).collect(),
                _ => vec![node],
            };
            let failing = if matches!(test, Test::All(_)) {
                Truth::False
            } else {
                Truth::True
            };
            return items
                .into_iter()
                .map(|item| {
                    inner.eval(&Focus {
                        object: focus.object,
                        node: item,
                        anchor: item_anchor(item),
                    })
                })
                .filter(|outcome| outcome.truth == failing)
                .map(|outcome| Outcome::new(false, outcome.span))
                .collect();
        }
        let outcome = self.eval(focus);
        if outcome.truth == Truth::False {
            vec![outcome]
        } else {
            Vec::new()
        }
    }
}

/// `all-of` stops at the first false condition, `any-of` at the first true.
/// Otherwise the evidence is the first that points at a value, if any does.
fn combine(conditions: &[Condition], focus: &Focus, decisive: Truth) -> Outcome {
    let mut unknown = None;
    let mut first = None;
    let mut on_value = None;
    for condition in conditions {
        let outcome = condition.eval(focus);
        if outcome.truth == decisive {
            return outcome;
        }
        if outcome.truth == Truth::Unknown {
            unknown.get_or_insert(outcome);
        }
        if outcome.on_value {
            on_value.get_or_insert(outcome);
        }
        first.get_or_insert(outcome);
    }
    unknown
        .or(on_value)
        .or(first)
        .unwrap_or(Outcome::new(true, focus.anchor))
}

fn comparison(entry: &crate::model::Entry) -> Result<Comparison> {
    match COMPARISONS.iter().find(|(k, _)| *k == &*entry.key) {
        Some((_, cmp)) => Ok(*cmp),
        None => error(entry.key_span, "expected gt, gte, lt or lte"),
    }
}

fn compile_paths(node: &Node, vocabulary: &Vocabulary) -> Result<Vec<Path>> {
    let texts = super::schema::strings(node)?;
    if texts.is_empty() {
        return error(node.span, "`path` needs at least one path");
    }
    texts
        .into_iter()
        .map(|(text, span)| compile_path(text, span, vocabulary))
        .collect()
}

pub fn compile_path(text: &str, span: Span, vocabulary: &Vocabulary) -> Result<Path> {
    let path = Path::parse(text).map_err(|message| SchemaError {
        span,
        message: format!("invalid path `{text}`: {message}"),
    })?;
    if let Root::View(view) = &path.root
        && !vocabulary.views.contains(&view.as_str())
    {
        return error(
            span,
            format!(
                "unknown view `${view}`; the views are: {}",
                vocabulary.views.join(", ")
            ),
        );
    }
    Ok(path)
}

fn operand(node: &Node, vocabulary: &Vocabulary) -> Result<Operand> {
    match &node.value {
        Value::Number(n) => Ok(Operand::Number(*n)),
        Value::String(s) => match quantity::parse(s) {
            Some(n) => Ok(Operand::Number(n)),
            None => error(node.span, format!("`{s}` is not a number or quantity")),
        },
        Value::Map(_) => {
            let fields = Fields::new(node, &["path"], "a comparison operand")?;
            Ok(Operand::Paths(compile_paths(
                fields.required("path", "a comparison operand")?,
                vocabulary,
            )?))
        }
        _ => error(
            node.span,
            "compare with a number, a quantity or `{path: …}`",
        ),
    }
}

fn scalar_or_structure(node: &Node) -> Result<Node> {
    match node.value {
        Value::Unknown(_) => error(node.span, "expected a value"),
        _ => Ok(node.clone()),
    }
}

fn lookup_first<'a>(paths: &[Path], focus: &Focus<'a>) -> Lookup<'a> {
    let mut first_missing = None;
    for path in paths {
        match path.lookup(focus) {
            Lookup::Missing { nearest } => {
                first_missing.get_or_insert(nearest);
            }
            found_or_unknown => return found_or_unknown,
        }
    }
    Lookup::Missing {
        nearest: first_missing.unwrap_or(focus.anchor),
    }
}

impl Test {
    fn eval(&self, lookup: Lookup, focus: &Focus) -> Outcome {
        let (node, key) = match lookup {
            Lookup::Unknown { span } => return Outcome::unknown(span),
            Lookup::Missing { nearest } => {
                let truth = match self {
                    Test::Present(want) => !want,
                    Test::All(_) | Test::None(_) => true,
                    _ => false,
                };
                return Outcome::missing(truth, nearest);
            }
            Lookup::Found { node, key } => (node, key),
        };
        if let Test::Present(want) = self {
            return Outcome::new(*want, key.unwrap_or(node.span));
        }
        if node.is_unknown() {
            return Outcome::unknown(node.span);
        }
        match self {
            Test::Present(_) => unreachable!("handled above"),
            Test::Equals(expected) => Outcome::new(same_value(node, expected), node.span),
            Test::In(options) => {
                Outcome::new(options.iter().any(|o| same_value(node, o)), node.span)
            }
            Test::Matches(regex) => {
                let matched = node.scalar_text().is_some_and(|text| regex.is_match(&text));
                Outcome::new(matched, node.span)
            }
            Test::Type(types) => Outcome::new(types.contains(&type_name(node)), node.span),
            Test::Length(bounds) => {
                let length = match &node.value {
                    Value::List(items) => items.len(),
                    Value::Map(map) => map.entries.len(),
                    Value::String(s) => s.chars().count(),
                    _ => return Outcome::new(false, node.span),
                } as f64;
                let holds = bounds.iter().all(|(cmp, bound)| cmp.holds(length, *bound));
                Outcome::new(holds, key.unwrap_or(node.span))
            }
            Test::Compare(bounds) => {
                let Some(left) = number(node) else {
                    return Outcome::unknown(node.span);
                };
                for (cmp, operand) in bounds {
                    let right = match operand {
                        Operand::Number(n) => *n,
                        Operand::Paths(paths) => match lookup_first(paths, focus) {
                            Lookup::Found { node: other, .. } => match number(other) {
                                Some(n) => n,
                                None => return Outcome::unknown(other.span),
                            },
                            // Nothing to compare with: another rule speaks of that.
                            Lookup::Missing { .. } | Lookup::Unknown { .. } => {
                                return Outcome::unknown(node.span);
                            }
                        },
                    };
                    if !cmp.holds(left, right) {
                        return Outcome::new(false, node.span);
                    }
                }
                Outcome::new(true, node.span)
            }
            Test::All(inner) | Test::Any(inner) | Test::None(inner) => {
                let items: Vec<&Node> = match &node.value {
                    Value::List(items) => items.iter().collect(),
                    Value::Map(map) => map.entries.iter().map(|e| &e.value).collect(),
                    _ => vec![node],
                };
                let whole = key.unwrap_or(node.span);
                let mut unknown = None;
                for item in items {
                    let outcome = inner.eval(&Focus {
                        object: focus.object,
                        node: item,
                        anchor: item_anchor(item),
                    });
                    match (self, outcome.truth) {
                        (Test::All(_), Truth::False) => return outcome,
                        (Test::Any(_), Truth::True) => return outcome,
                        (Test::None(_), Truth::True) => return Outcome::new(false, outcome.span),
                        (_, Truth::Unknown) => {
                            unknown.get_or_insert(outcome.span);
                        }
                        _ => {}
                    }
                }
                if let Some(span) = unknown {
                    return Outcome::unknown(span);
                }
                Outcome::new(!matches!(self, Test::Any(_)), whole)
            }
        }
    }
}

/// Where a finding about a list item as a whole points: its `name` when it
/// has one, else its first key, else the item.
pub fn item_anchor(item: &Node) -> Span {
    match item.as_map() {
        Some(map) => map
            .get("name")
            .filter(|e| e.value.as_str().is_some())
            .map(|e| e.value.span)
            .or_else(|| map.entries.first().map(|e| e.key_span))
            .unwrap_or(item.span),
        None => item.span,
    }
}

fn type_name(node: &Node) -> &'static str {
    match node.value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) | Value::Unknown(_) => "string",
        Value::List(_) => "list",
        Value::Map(_) => "map",
    }
}

fn number(node: &Node) -> Option<f64> {
    match &node.value {
        Value::Number(n) => Some(*n),
        Value::String(s) => quantity::parse(s),
        _ => None,
    }
}

/// Structural equality that ignores spans.
pub fn same_value(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.entries.len() == y.entries.len()
                && x.entries.iter().all(|e| {
                    y.get(&e.key)
                        .is_some_and(|other| same_value(&e.value, &other.value))
                })
        }
        (x, y) => x == y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::kubernetes;
    use crate::model::Object;
    use crate::source::{Source, SourceId};

    fn object(text: &str) -> (Source, Object) {
        let source = Source::new(SourceId(0), "o.yaml".into(), text.into());
        let mut objects = kubernetes::parse(&source).0;
        (source, objects.remove(0))
    }

    fn condition(text: &str) -> Condition {
        let source = Source::new(SourceId(1), "c.yaml".into(), text.into());
        let root = crate::formats::yaml::parse(&source)
            .documents
            .remove(0)
            .root;
        Condition::compile(&root, &Vocabulary { views: &["pod"] }).unwrap()
    }

    fn eval(object: &Object, text: &str) -> Outcome {
        condition(text).eval(&Focus {
            object,
            node: &object.body,
            anchor: object.anchor,
        })
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n  containers:\n  - name: a\n    image: nginx:1.27\n    resources:\n      requests: {memory: 256Mi}\n      limits: {memory: 128Mi}\n";

    #[test]
    fn every_offending_list_item_is_its_own_failure() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {name: a, env: [{name: X, value: s1}, {name: Y, valueFrom: {}}, {name: Z, value: s2}]}\n";
        let (source, pod) = object(text);
        let containers = &pod
            .body
            .get("spec")
            .unwrap()
            .get("containers")
            .unwrap()
            .as_list()
            .unwrap()[0];
        let focus = Focus {
            object: &pod,
            node: containers,
            anchor: containers.span,
        };
        let failures =
            condition("{path: env, all: {path: value, present: false}}").failures(&focus);
        let spans: Vec<&str> = failures.iter().map(|f| source.slice(f.span)).collect();
        assert_eq!(spans, ["value", "value"]);
        assert!(failures[0].span.start < failures[1].span.start);
        let none = condition("{path: env, none: {path: value, matches: '^s'}}").failures(&focus);
        let spans: Vec<&str> = none.iter().map(|f| source.slice(f.span)).collect();
        assert_eq!(spans, ["s1", "s2"]);
        assert!(
            condition("{path: env, all: {path: name, present: true}}")
                .failures(&focus)
                .is_empty()
        );
    }

    #[test]
    fn a_missing_value_points_at_the_nearest_enclosing_key() {
        let (source, pod) = object(POD);
        let outcome = eval(
            &pod,
            "{path: spec.securityContext.runAsNonRoot, present: true}",
        );
        assert_eq!(outcome.truth, Truth::False);
        assert_eq!(source.slice(outcome.span), "spec");
    }

    #[test]
    fn an_offending_value_is_pointed_at() {
        let (source, pod) = object(POD);
        let outcome = eval(&pod, "{not: {path: $pod.hostNetwork, equals: true}}");
        assert_eq!(outcome.truth, Truth::False);
        assert_eq!(source.slice(outcome.span), "true");
    }

    #[test]
    fn quantities_compare_across_paths() {
        let (source, pod) = object(POD);
        let outcome = eval(
            &pod,
            "{path: spec.containers, all: {path: resources.requests.memory, lte: {path: resources.limits.memory}}}",
        );
        assert_eq!(outcome.truth, Truth::False);
        assert_eq!(source.slice(outcome.span), "256Mi");
    }

    #[test]
    fn fallback_paths_take_the_first_present_value() {
        let (_, pod) = object(POD);
        let outcome = eval(
            &pod,
            "{path: [spec.nothing, spec.hostNetwork], equals: true}",
        );
        assert_eq!(outcome.truth, Truth::True);
    }

    #[test]
    fn list_quantifiers() {
        let (source, pod) = object(POD);
        let any = eval(
            &pod,
            "{path: spec.containers, any: {path: image, matches: '^nginx:'}}",
        );
        assert_eq!(any.truth, Truth::True);
        let none = eval(
            &pod,
            "{path: spec.containers, none: {path: image, matches: ':1\\.27$'}}",
        );
        assert_eq!(none.truth, Truth::False);
        assert_eq!(source.slice(none.span), "nginx:1.27");
        let all = eval(
            &pod,
            "{path: spec.containers, all: {path: ports, present: true}}",
        );
        assert_eq!(source.slice(all.span), "a");
    }

    #[test]
    fn unknown_values_never_decide() {
        let (_, mut pod) = object(POD);
        let spec = match &mut pod.body.value {
            Value::Map(map) => map.entries.iter_mut().find(|e| &*e.key == "spec").unwrap(),
            _ => unreachable!(),
        };
        spec.value.value = Value::Unknown("var.spec".into());
        for text in [
            "{path: spec.hostNetwork, equals: true}",
            "{not: {path: spec.hostNetwork, equals: true}}",
            "{path: spec.replicas, gte: 2}",
        ] {
            assert_eq!(eval(&pod, text).truth, Truth::Unknown, "{text}");
        }
        let any = eval(
            &pod,
            "{any-of: [{path: spec.x, present: true}, {path: kind, equals: Pod}]}",
        );
        assert_eq!(any.truth, Truth::True);
    }

    #[test]
    fn compile_errors_point_at_the_offending_key() {
        let source = Source::new(
            SourceId(1),
            "c.yaml".into(),
            "{path: a, presnt: true}".into(),
        );
        let root = crate::formats::yaml::parse(&source)
            .documents
            .remove(0)
            .root;
        let err = Condition::compile(&root, &Vocabulary { views: &[] }).unwrap_err();
        assert_eq!(source.slice(err.span), "presnt");
        assert!(
            err.message.contains("did you mean `present`"),
            "{}",
            err.message
        );
        for (text, expected) in [
            ("{path: a, matches: '('}", "invalid regex"),
            ("{path: $nope.a, present: true}", "unknown view"),
            ("{path: 'a..b', present: true}", "invalid path"),
            ("{path: a, equals: 1, in: [1]}", "one test per condition"),
            ("{not: {path: a, present: true}, path: b}", "stands alone"),
        ] {
            let source = Source::new(SourceId(1), "c.yaml".into(), text.into());
            let root = crate::formats::yaml::parse(&source)
                .documents
                .remove(0)
                .root;
            let err = Condition::compile(&root, &Vocabulary { views: &[] }).unwrap_err();
            assert!(err.message.contains(expected), "{text}: {}", err.message);
        }
    }
}
