//! Conditions: the predicate vocabulary of rules, compiled once and evaluated
//! in three-valued logic so that an unknown value never produces a finding.

use super::path::{Focus, Lookup, Path, Root, WILDCARD};
use super::pattern::Pattern;
use super::quantity;
use super::schema::{Fields, Result, SchemaError, error, string};
use crate::model::{FormatVocabulary, Node, Value};
use crate::relate::Resolved;
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
    /// Another object that the evidence involves (by index), with the span
    /// in it to show as a related location.
    pub related: Option<(u32, Span)>,
    /// For an unknown truth: a value nobody can know decided it (an
    /// unresolved expression), rather than there being nothing to judge (a
    /// comparison with a missing value).
    pub unknowable: bool,
}

impl Outcome {
    fn new(truth: bool, span: Span) -> Self {
        let truth = if truth { Truth::True } else { Truth::False };
        Outcome {
            truth,
            span,
            on_value: true,
            related: None,
            unknowable: false,
        }
    }

    fn missing(truth: bool, span: Span) -> Self {
        Outcome {
            on_value: false,
            ..Outcome::new(truth, span)
        }
    }

    /// A value nobody can know leaves the truth open.
    fn unknown(span: Span) -> Self {
        Outcome {
            truth: Truth::Unknown,
            span,
            on_value: true,
            related: None,
            unknowable: true,
        }
    }

    /// There is nothing to judge (a comparison with a value that is missing
    /// or not a number): another rule speaks of that value.
    fn moot(span: Span) -> Self {
        Outcome {
            unknowable: false,
            ..Outcome::unknown(span)
        }
    }
}

#[derive(Debug)]
pub enum Condition {
    /// A test of the value at the first of `paths` that is present, or of
    /// the text `capture` extracts from it.
    Test {
        paths: Vec<Path>,
        capture: Option<Capture>,
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
    /// Equal to the value at the first present path (`equals: {path: …}`).
    EqualsPath(Vec<Path>),
    In(Vec<Node>),
    /// Equal to one of the values these paths reach (`*` fans out).
    InPaths(Vec<Path>),
    Matches(Pattern),
    Compare(Vec<(Comparison, Operand)>),
    Length(Vec<(Comparison, f64)>),
    /// A duration (`5m`) within bounds, in seconds.
    Duration(Vec<(Comparison, f64)>),
    /// Every entry of the map is also in the map at these paths.
    SubsetOf(Vec<Path>),
    /// The list's items have different values at this path.
    Distinct(Path),
    All(Box<Condition>),
    Any(Box<Condition>),
    None(Box<Condition>),
    Type(Vec<&'static str>),
    /// The map has the key (`has-key: K` or `has-key: {path: …}`).
    HasKey(Key),
    Related(Relation),
}

#[derive(Debug)]
pub enum Key {
    Text(Box<str>),
    Paths(Vec<Path>),
}

/// A relation predicate: how many objects this one's links of `relations`
/// lead to (`references`), how many objects link to this one
/// (`referenced-by`, `selected-by`), or how many objects the run has
/// (`exists`), counting those of `kinds` for which `filter` holds.
#[derive(Debug)]
pub struct Relation {
    direction: Direction,
    relations: Vec<&'static str>,
    kinds: Vec<Box<str>>,
    filter: Option<Box<Condition>>,
    count: Vec<(Comparison, f64)>,
    /// `references` follows the links written here instead of at the
    /// condition's path, which is where a finding then points.
    via: Option<Vec<Path>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Direction {
    Outgoing,
    Incoming,
    /// Every object of the run, linked or not.
    Run,
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
/// value of the object, scaled by `times`.
#[derive(Debug)]
pub enum Operand {
    Number(f64),
    Paths { paths: Vec<Path>, times: f64 },
}

/// Text taken out of a scalar before it is tested: the expansion of `as`
/// (`$1`, `${name}`) for the first match of `regex`. No match is no value.
#[derive(Debug)]
pub struct Capture {
    pattern: Pattern,
    template: String,
}

const TYPES: &[&str] = &["null", "bool", "number", "string", "list", "map"];

/// Every key a condition may have: where it looks, its test, or a combinator
/// (which stands alone). The tests and the combinators are slices of it.
const CONDITION_KEYS: &[&str] = &[
    "path",
    "capture",
    "present",
    "equals",
    "in",
    "matches",
    "gt",
    "gte",
    "lt",
    "lte",
    "length",
    "duration",
    "subset-of",
    "distinct",
    "all",
    "any",
    "none",
    "type",
    "has-key",
    "references",
    "referenced-by",
    "selected-by",
    "exists",
    "all-of",
    "any-of",
    "not",
];

const TESTS: &[&str] = CONDITION_KEYS
    .split_at(2)
    .1
    .split_at(CONDITION_KEYS.len() - 2 - COMBINATORS.len())
    .0;

const COMBINATORS: &[&str] = CONDITION_KEYS.split_at(CONDITION_KEYS.len() - 3).1;

/// The keys each relation test takes.
const RELATION_KEYS: &[(&str, &[&str])] = &[
    ("references", &["relation", "kind", "where", "count", "via"]),
    ("referenced-by", &["relation", "kind", "where", "count"]),
    ("selected-by", &["kind", "where", "count"]),
    ("exists", &["kind", "where", "count"]),
];

/// What a compiled condition may refer to: the format's vocabulary, and
/// whether it is inside a relation's `where` (where `$from` means something);
/// and whether its patterns are compiled now (see [`Pattern::new`]).
#[derive(Clone, Copy)]
pub struct Vocabulary<'a> {
    pub format: &'a FormatVocabulary,
    pub in_relation: bool,
    pub eager_patterns: bool,
}

impl<'a> Vocabulary<'a> {
    pub fn new(format: &'a FormatVocabulary, eager_patterns: bool) -> Self {
        Vocabulary {
            format,
            in_relation: false,
            eager_patterns,
        }
    }
}

impl Condition {
    pub fn compile(node: &Node, vocabulary: &Vocabulary) -> Result<Condition> {
        let fields = Fields::new(node, CONDITION_KEYS, "a condition")?;
        let composite = COMBINATORS
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
        let capture = fields
            .get("capture")
            .map(|node| compile_capture(node, vocabulary.eager_patterns))
            .transpose()?;
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
            "equals" => match path_operand(value, vocabulary, false)? {
                Some(paths) => Test::EqualsPath(paths),
                None => Test::Equals(scalar_or_structure(value)?),
            },
            "in" => match (path_operand(value, vocabulary, true)?, value.as_list()) {
                (Some(paths), _) => Test::InPaths(paths),
                (None, Some(items)) => Test::In(items.to_vec()),
                (None, None) => {
                    return error(value.span, "`in` takes a list of values or `{path: …}`");
                }
            },
            "matches" => {
                let pattern = string(value)?;
                match Pattern::new(pattern, vocabulary.eager_patterns) {
                    Ok(pattern) => Test::Matches(pattern),
                    Err(e) => return error(value.span, format!("invalid regex: {e}")),
                }
            }
            "length" => Test::Length(bounds(value, "`length`")?),
            "has-key" => match value.as_map() {
                Some(_) => {
                    let fields = Fields::new(value, &["path"], "`has-key`")?;
                    Test::HasKey(Key::Paths(compile_paths(
                        fields.required("path", "`has-key`")?,
                        vocabulary,
                    )?))
                }
                None => Test::HasKey(Key::Text(string(value)?.into())),
            },
            key @ ("references" | "referenced-by" | "selected-by" | "exists") => {
                Test::Related(Relation::compile(key, value, vocabulary)?)
            }
            "duration" => {
                let fields = Fields::new(value, &["gt", "gte", "lt", "lte"], "`duration`")?;
                let mut bounds = Vec::new();
                for entry in &fields.map.entries {
                    let cmp = comparison(entry)?;
                    let seconds = match &entry.value.value {
                        Value::Number(n) => Some(*n),
                        Value::String(s) => quantity::duration(s),
                        _ => None,
                    };
                    match seconds {
                        Some(seconds) => bounds.push((cmp, seconds)),
                        None => {
                            return error(
                                entry.value.span,
                                "a duration bound is a duration (`1m`, `30s`) or seconds",
                            );
                        }
                    }
                }
                Test::Duration(bounds)
            }
            "subset-of" => match path_operand(value, vocabulary, false)? {
                Some(paths) => Test::SubsetOf(paths),
                None => return error(value.span, "`subset-of` takes `{path: …}`"),
            },
            "distinct" => Test::Distinct(compile_path(string(value)?, value.span, vocabulary)?),
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
        Ok(Condition::Test {
            paths,
            capture,
            test,
        })
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
            Condition::Test {
                paths,
                capture,
                test,
            } => with_value(paths, capture.as_ref(), focus, |lookup| {
                test.eval(lookup, focus)
            }),
        }
    }
}

/// Looks the value of a test up, with `$key` and `capture` turned into a
/// node of their own for the test to see.
fn with_value<R>(
    paths: &[Path],
    capture: Option<&Capture>,
    focus: &Focus,
    test: impl FnOnce(Lookup) -> R,
) -> R {
    let key_node;
    let lookup = match (paths, focus.key) {
        (
            [
                Path {
                    root: Root::Key, ..
                },
            ],
            Some((key, span)),
        ) => {
            key_node = Node::new(Value::String(key.into()), span);
            Lookup::Found {
                node: &key_node,
                key: None,
            }
        }
        _ => lookup_first(paths, focus),
    };
    let Some(capture) = capture else {
        return test(lookup);
    };
    let captured;
    let lookup = match lookup {
        Lookup::Found { node, key } if !node.is_unknown() => {
            match node.scalar_text().and_then(|text| capture.apply(&text)) {
                Some(text) => {
                    captured = Node::new(Value::String(text.into()), node.span);
                    Lookup::Found {
                        node: &captured,
                        key,
                    }
                }
                None => Lookup::Missing { nearest: node.span },
            }
        }
        other => other,
    };
    test(lookup)
}

impl Capture {
    fn apply(&self, text: &str) -> Option<String> {
        let captures = self.pattern.regex().captures(text)?;
        let mut out = String::new();
        captures.expand(&self.template, &mut out);
        Some(out)
    }
}

fn compile_capture(node: &Node, eager: bool) -> Result<Capture> {
    let (pattern, template) = match &node.value {
        Value::String(pattern) => (&**pattern, None),
        _ => {
            let fields = Fields::new(node, &["regex", "as"], "`capture`")?;
            let pattern = string(fields.required("regex", "`capture`")?)?;
            (pattern, fields.string("as")?)
        }
    };
    let span = node.get("regex").map_or(node.span, |n| n.span);
    let pattern = Pattern::new(pattern, eager).map_err(|e| SchemaError {
        span,
        message: format!("invalid regex: {e}"),
    })?;
    // Without `as`, the first group (or the whole match when there is none).
    let template = match template {
        Some(t) => t.to_string(),
        None if pattern.captures_len() > 1 => "${1}".into(),
        None => "${0}".into(),
    };
    Ok(Capture { pattern, template })
}

impl Condition {
    /// Every piece of evidence that the condition fails, or cannot be
    /// decided (truth `Unknown`): one per offending item when it is an `all`
    /// or `none` over a list (and, for an `all`, one per offending item of
    /// each item), so that each bad item is its own finding, else at most
    /// one.
    pub fn failures(&self, focus: &Focus) -> Vec<Outcome> {
        if let Condition::Test {
            paths,
            capture: None,
            test: test @ (Test::All(inner) | Test::None(inner)),
        } = self
            && let Lookup::Found { node, .. } = lookup_first(paths, focus)
            && !node.is_unknown()
        {
            let failing = if matches!(test, Test::All(_)) {
                Truth::False
            } else {
                Truth::True
            };
            return items(node)
                .flat_map(|(key, item)| {
                    let focus = focus.nested(item, item_anchor(item), key);
                    // An offending item of an `all` may itself hold several
                    // offending items.
                    if failing == Truth::False {
                        inner.failures(&focus)
                    } else {
                        let outcome = inner.eval(&focus);
                        match outcome.truth {
                            Truth::Unknown => vec![outcome],
                            truth if truth == failing => vec![Outcome {
                                truth: Truth::False,
                                ..outcome
                            }],
                            _ => Vec::new(),
                        }
                    }
                })
                .collect();
        }
        let outcome = self.eval(focus);
        if outcome.truth == Truth::True {
            Vec::new()
        } else {
            vec![outcome]
        }
    }
}

/// `all-of` stops at the first false condition, `any-of` at the first true.
/// Otherwise the evidence is the first that points at a value, if any does.
fn combine(conditions: &[Condition], focus: &Focus, decisive: Truth) -> Outcome {
    let mut unknown = None;
    let mut first = None;
    let mut on_value = None;
    let mut related = None;
    for condition in conditions {
        let outcome = condition.eval(focus);
        if outcome.truth == decisive {
            return outcome;
        }
        related = related.or(outcome.related);
        if outcome.truth == Truth::Unknown {
            unknown.get_or_insert(outcome);
        }
        if outcome.on_value {
            on_value.get_or_insert(outcome);
        }
        first.get_or_insert(outcome);
    }
    // Another object any of them involves stays evidence of the whole.
    let outcome = unknown
        .or(on_value)
        .or(first)
        .unwrap_or(Outcome::new(true, focus.anchor));
    Outcome {
        related: outcome.related.or(related),
        ..outcome
    }
}

/// `{gte: 1, lt: 3}`: numeric bounds on a length or a count.
fn bounds(node: &Node, what: &str) -> Result<Vec<(Comparison, f64)>> {
    let fields = Fields::new(node, &["gt", "gte", "lt", "lte"], what)?;
    let mut bounds = Vec::new();
    for entry in &fields.map.entries {
        let cmp = comparison(entry)?;
        match entry.value.value {
            Value::Number(n) => bounds.push((cmp, n)),
            _ => return error(entry.value.span, format!("a bound of {what} is a number")),
        }
    }
    Ok(bounds)
}

impl Relation {
    fn compile(key: &str, node: &Node, vocabulary: &Vocabulary) -> Result<Relation> {
        let what = format!("`{key}`");
        let keys = RELATION_KEYS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(&[][..], |(_, keys)| keys);
        if key == "selected-by"
            && let Some(entry) = node.as_map().and_then(|m| m.get("relation"))
        {
            return error(
                entry.key_span,
                "`selected-by` is `referenced-by` with `relation: selects`; it takes no `relation`",
            );
        }
        let fields = Fields::new(node, keys, &what)?;
        let known = vocabulary.format.relations;
        let relations = match key {
            "selected-by" => vec!["selects"],
            "exists" => Vec::new(),
            _ => {
                let names = super::schema::strings(fields.required("relation", &what)?)?;
                let mut relations = Vec::new();
                for (name, span) in names {
                    let Some(&relation) = known.iter().find(|r| **r == name) else {
                        return error(
                            span,
                            format!(
                                "unknown relation `{name}`; the {} relations are: {}",
                                vocabulary.format.format.name(),
                                known.join(", ")
                            ),
                        );
                    };
                    relations.push(relation);
                }
                relations
            }
        };
        let kinds = fields
            .strings("kind")?
            .into_iter()
            .map(|(kind, _)| kind.into())
            .collect();
        let inner = Vocabulary {
            in_relation: true,
            ..*vocabulary
        };
        let filter = fields
            .get("where")
            .map(|node| Condition::compile(node, &inner).map(Box::new))
            .transpose()?;
        let count = match fields.get("count") {
            Some(node) => bounds(node, "`count`")?,
            None => vec![(Comparison::Gte, 1.0)],
        };
        let via = fields
            .get("via")
            .map(|node| compile_paths(node, vocabulary))
            .transpose()?;
        Ok(Relation {
            direction: match key {
                "references" => Direction::Outgoing,
                "exists" => Direction::Run,
                _ => Direction::Incoming,
            },
            relations,
            kinds,
            filter,
            count,
            via,
        })
    }

    /// Counts the related objects for which the filter holds and compares
    /// the count with the bounds, in three-valued logic: a link that cannot
    /// be resolved, or a filter that is unknown, leaves the count open.
    /// `node` is what the condition's `path` led to (none: missing), `at`
    /// where a finding points when no link is written there.
    fn eval(&self, node: Option<&Node>, at: Span, focus: &Focus) -> Outcome {
        let relations = focus.relations;
        // The other objects, where to show each, and whether the link
        // certainly leads there.
        let mut candidates: Vec<(u32, Span, bool)> = Vec::new();
        let mut open_ended = false;
        let mut span = if self.direction == Direction::Outgoing {
            at
        } else {
            focus.anchor
        };
        match self.direction {
            Direction::Incoming => {
                for relation in &self.relations {
                    let (links, unknown) = relations.incoming(focus.index, relation);
                    open_ended |= unknown;
                    candidates.extend(links.into_iter().map(|id| {
                        let link = relations.link(id);
                        (id.object, link.span, relations.certain(link, focus.index))
                    }));
                }
                // An object that links here twice counts once.
                let mut seen = std::collections::HashSet::new();
                candidates.retain(|(other, ..)| seen.insert(*other));
            }
            Direction::Run => candidates.extend(
                relations
                    .of_kinds(focus.object.format, &self.kinds)
                    .into_iter()
                    .filter(|&other| other != focus.index)
                    .map(|other| (other, relations.object(other).anchor, true)),
            ),
            Direction::Outgoing => {
                let written = match &self.via {
                    None => node,
                    Some(paths) => match lookup_first(paths, focus) {
                        Lookup::Found { node, .. } => Some(node),
                        Lookup::Missing { .. } => None,
                        Lookup::Unknown { span } => return Outcome::unknown(span),
                    },
                };
                let written_in = |link_span: Span| {
                    written.is_some_and(|node| {
                        link_span.source == node.span.source
                            && node.span.start <= link_span.start
                            && link_span.end <= node.span.end
                    })
                };
                let mut first = None;
                for link in focus
                    .object
                    .links
                    .iter()
                    .filter(|l| self.relations.contains(&l.relation))
                {
                    if !written_in(link.span) {
                        continue;
                    }
                    first.get_or_insert(link.span);
                    match relations.resolve(focus.index, link) {
                        Resolved::Unknown => open_ended = true,
                        Resolved::Objects(objects) => {
                            candidates.extend(objects.into_iter().map(|to| {
                                (to, relations.object(to).anchor, relations.certain(link, to))
                            }))
                        }
                    }
                }
                match first {
                    Some(link_span) if self.via.is_none() => span = link_span,
                    Some(_) => {}
                    // A value nobody knows, with no link written in it, might
                    // lead anywhere.
                    None if written.is_some_and(Node::is_unknown) => open_ended = true,
                    None => {}
                }
                // Certain before possible, so that one certain link wins.
                candidates.sort_unstable_by_key(|&(to, _, certain)| (to, !certain));
                candidates.dedup_by_key(|(to, ..)| *to);
            }
        }
        let (mut counted, mut unknown) = (0usize, 0usize);
        let mut counted_first = None;
        let mut rejected_first = None;
        for &(other, other_span, certain) in &candidates {
            let object = relations.object(other);
            let is_kind = self.kinds.is_empty()
                || self
                    .kinds
                    .iter()
                    .any(|k| **k == *object.kind || object.classes.contains(&&**k));
            if !is_kind {
                continue;
            }
            let truth = match &self.filter {
                None => Truth::True,
                Some(filter) => {
                    let inner = Focus {
                        from: Some(focus.node),
                        from_outer: focus.from,
                        ..Focus::object(relations, other)
                    };
                    filter.eval(&inner).truth
                }
            };
            match truth {
                Truth::True if certain => {
                    counted += 1;
                    counted_first.get_or_insert((other, other_span));
                }
                // Possibly one of them: it may count, or not.
                Truth::True | Truth::Unknown => unknown += 1,
                Truth::False => {
                    rejected_first.get_or_insert((other, other_span));
                }
            }
        }
        let least = counted as f64;
        let most = if open_ended {
            f64::INFINITY
        } else {
            (counted + unknown) as f64
        };
        let (low, high) = interval(&self.count);
        let truth = if low <= least && most <= high {
            Truth::True
        } else if most < low || least > high {
            Truth::False
        } else {
            Truth::Unknown
        };
        // Evidence: too few shows the object that came closest; too many,
        // one of those counted.
        let related = if least > high {
            counted_first
        } else {
            rejected_first.or(counted_first)
        };
        Outcome {
            truth,
            span,
            on_value: true,
            related,
            unknowable: open_ended || unknown > 0,
        }
    }
}

/// The closed interval of counts that bounds allow.
fn interval(bounds: &[(Comparison, f64)]) -> (f64, f64) {
    bounds
        .iter()
        .fold((0.0, f64::INFINITY), |(low, high), &(cmp, n)| match cmp {
            Comparison::Gt => (low.max(n.floor() + 1.0), high),
            Comparison::Gte => (low.max(n.ceil()), high),
            Comparison::Lt => (low, high.min(n.ceil() - 1.0)),
            Comparison::Lte => (low, high.min(n.floor())),
        })
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
    if path.keys.iter().any(|k| &**k == WILDCARD) {
        return error(
            span,
            format!("`{WILDCARD}` (every item) is only allowed in `in: {{path: …}}`"),
        );
    }
    check_path(&path, span, vocabulary)?;
    Ok(path)
}

fn check_path(path: &Path, span: Span, vocabulary: &Vocabulary) -> Result<()> {
    if path.root == Root::Key && !path.keys.is_empty() {
        return error(span, "`$key` is text and has no keys below it");
    }
    let views = vocabulary.format.views;
    match &path.root {
        Root::View(view) if !views.contains(&view.as_str()) => error(
            span,
            format!(
                "unknown view `${view}`; the views are: {}",
                views.join(", ")
            ),
        ),
        Root::From(_) if !vocabulary.in_relation => error(
            span,
            "`$from` refers to the focus a relation was followed from: use it inside `where`",
        ),
        Root::From(depth) if *depth > 1 => error(
            span,
            "`$from` reaches back two relations at most (`$from.$from`)",
        ),
        _ => Ok(()),
    }
}

fn operand(node: &Node, vocabulary: &Vocabulary) -> Result<Operand> {
    match &node.value {
        Value::Number(n) => Ok(Operand::Number(*n)),
        Value::String(s) => match quantity::parse(s) {
            Some(n) => Ok(Operand::Number(n)),
            None => error(node.span, format!("`{s}` is not a number or quantity")),
        },
        Value::Map(_) => {
            let fields = Fields::new(node, &["path", "times"], "a comparison operand")?;
            let times = match fields.get("times").map(|n| &n.value) {
                None => 1.0,
                Some(Value::Number(n)) => *n,
                Some(_) => {
                    let span = fields.get("times").map_or(node.span, |n| n.span);
                    return error(span, "`times` takes a number");
                }
            };
            Ok(Operand::Paths {
                paths: compile_paths(fields.required("path", "a comparison operand")?, vocabulary)?,
                times,
            })
        }
        _ => error(
            node.span,
            "compare with a number, a quantity or `{path: …}`",
        ),
    }
}

/// `{path: …}` as the operand of `equals` or `in`; `*` may fan out in `in`.
fn path_operand(node: &Node, vocabulary: &Vocabulary, fan_out: bool) -> Result<Option<Vec<Path>>> {
    let Some([entry]) = node.as_map().map(|m| m.entries.as_slice()) else {
        return Ok(None);
    };
    if &*entry.key != "path" {
        return Ok(None);
    }
    let texts = super::schema::strings(&entry.value)?;
    if texts.is_empty() {
        return error(entry.value.span, "`path` needs at least one path");
    }
    let mut paths = Vec::new();
    for (text, span) in texts {
        if !fan_out {
            paths.push(compile_path(text, span, vocabulary)?);
            continue;
        }
        // The path without its wildcards must be a valid one.
        let path = Path::parse(text).map_err(|message| SchemaError {
            span,
            message: format!("invalid path `{text}`: {message}"),
        })?;
        let mut plain = path.clone();
        plain.keys.retain(|k| &**k != WILDCARD);
        check_path(&plain, span, vocabulary)?;
        paths.push(path);
    }
    Ok(Some(paths))
}

fn scalar_or_structure(node: &Node) -> Result<Node> {
    match node.value {
        Value::Unknown(_) => error(node.span, "expected a value"),
        _ => Ok(node.clone()),
    }
}

pub(crate) fn lookup_first<'a>(paths: &[Path], focus: &Focus<'a>) -> Lookup<'a> {
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
        if let Test::Related(relation) = self {
            return match lookup {
                Lookup::Unknown { span } => Outcome::unknown(span),
                // Through `via`, the value at the path is what is wrong.
                Lookup::Found { node, key } => {
                    let at = match relation.via {
                        Some(_) => node.span,
                        None => key.unwrap_or(node.span),
                    };
                    relation.eval(Some(node), at, focus)
                }
                Lookup::Missing { nearest } => relation.eval(None, nearest, focus),
            };
        }
        let (node, key) = match lookup {
            Lookup::Unknown { span } => return Outcome::unknown(span),
            Lookup::Missing { nearest } => {
                let truth = match self {
                    Test::Present(want) => !want,
                    // Nothing holds no offending item.
                    Test::All(_) | Test::None(_) | Test::Distinct(_) | Test::SubsetOf(_) => true,
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
            Test::Present(_) | Test::Related(_) => unreachable!("handled above"),
            Test::Equals(expected) => Outcome::new(same_value(node, expected), node.span),
            Test::EqualsPath(paths) => match lookup_first(paths, focus) {
                Lookup::Found { node: other, .. } if !other.is_unknown() => {
                    Outcome::new(same_value(node, other), node.span)
                }
                Lookup::Found { node: other, .. } => Outcome::unknown(other.span),
                Lookup::Unknown { span } => Outcome::unknown(span),
                Lookup::Missing { .. } => Outcome::moot(node.span),
            },
            Test::In(options) => {
                Outcome::new(options.iter().any(|o| same_value(node, o)), node.span)
            }
            Test::InPaths(paths) => {
                // From the object's root, the options are the same for every
                // item of the object: gathered once, so that a list tested
                // against another costs linear time.
                let object_rooted = paths.iter().all(|p| p.root == Root::Object);
                if let (true, Some(wanted)) = (object_rooted, scalar_key(node)) {
                    let options = object_options(paths, focus);
                    let found = options.scalars.contains(&wanted);
                    return if !found && options.unknown {
                        Outcome::unknown(node.span)
                    } else {
                        Outcome::new(found, node.span)
                    };
                }
                let mut options = Vec::new();
                let mut unknown = false;
                for path in paths {
                    unknown |= path.gather(focus, &mut options);
                }
                // A list reached as a whole offers its items.
                let found = options.iter().any(|o| match &o.value {
                    Value::List(items) => items.iter().any(|i| same_value(node, i)),
                    _ => same_value(node, o),
                });
                if !found && unknown {
                    Outcome::unknown(node.span)
                } else {
                    Outcome::new(found, node.span)
                }
            }
            Test::Matches(pattern) => {
                let matched = node
                    .scalar_text()
                    .is_some_and(|text| pattern.regex().is_match(&text));
                Outcome::new(matched, node.span)
            }
            Test::Type(types) => Outcome::new(types.contains(&type_name(node)), node.span),
            Test::HasKey(wanted) => {
                let wanted: String = match wanted {
                    Key::Text(text) => text.to_string(),
                    Key::Paths(paths) => match lookup_first(paths, focus) {
                        Lookup::Found { node: other, .. } if !other.is_unknown() => {
                            match other.scalar_text() {
                                Some(text) => text,
                                None => return Outcome::unknown(node.span),
                            }
                        }
                        // Nothing to look for: another rule speaks of that.
                        _ => return Outcome::unknown(node.span),
                    },
                };
                let found = node.as_map().is_some_and(|map| map.get(&wanted).is_some());
                Outcome::new(found, key.unwrap_or(node.span))
            }
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
            Test::Duration(bounds) => match node.scalar_text().and_then(|t| quantity::duration(&t))
            {
                Some(seconds) => Outcome::new(
                    bounds.iter().all(|(cmp, bound)| cmp.holds(seconds, *bound)),
                    node.span,
                ),
                // Not a duration: another check speaks of that.
                None => Outcome::unknown(node.span),
            },
            Test::SubsetOf(paths) => {
                let Some(map) = node.as_map() else {
                    return Outcome::unknown(node.span);
                };
                let other = match lookup_first(paths, focus) {
                    Lookup::Found { node: other, .. } if other.is_unknown() => {
                        return Outcome::unknown(other.span);
                    }
                    Lookup::Found { node: other, .. } => other.as_map(),
                    Lookup::Unknown { span } => return Outcome::unknown(span),
                    Lookup::Missing { .. } => None,
                };
                // Keyed once, so that huge maps cost linear time.
                let theirs_by_key: std::collections::HashMap<&str, &Node> = other
                    .map(|m| m.entries.iter().map(|e| (&*e.key, &e.value)).collect())
                    .unwrap_or_default();
                for entry in &map.entries {
                    let theirs = theirs_by_key.get(&*entry.key).copied();
                    match theirs {
                        Some(v) if v.is_unknown() || entry.value.is_unknown() => {
                            return Outcome::unknown(entry.value.span);
                        }
                        Some(v) if same_value(v, &entry.value) => {}
                        _ => return Outcome::new(false, entry.value.span),
                    }
                }
                Outcome::new(true, key.unwrap_or(node.span))
            }
            Test::Distinct(path) => {
                let Some(list) = node.as_list() else {
                    return Outcome::unknown(node.span);
                };
                // Scalars by type and text, so that huge lists cost linear
                // time; lists and maps compared one by one.
                let mut scalars = std::collections::HashSet::new();
                let mut structures: Vec<&Node> = Vec::new();
                let mut unknown = None;
                for item in list {
                    match path.lookup(&focus.nested(item, item_anchor(item), None)) {
                        Lookup::Found { node: value, .. } if value.is_unknown() => {
                            unknown.get_or_insert(value.span);
                        }
                        Lookup::Found { node: value, .. } => {
                            let repeated = match scalar_key(value) {
                                Some(key) => !scalars.insert(key),
                                None => {
                                    let seen = structures.iter().any(|s| same_value(s, value));
                                    structures.push(value);
                                    seen
                                }
                            };
                            if repeated {
                                return Outcome::new(false, value.span);
                            }
                        }
                        Lookup::Unknown { span } => {
                            unknown.get_or_insert(span);
                        }
                        Lookup::Missing { .. } => {}
                    }
                }
                match unknown {
                    Some(span) => Outcome::unknown(span),
                    None => Outcome::new(true, key.unwrap_or(node.span)),
                }
            }
            Test::Compare(bounds) => {
                let Some(left) = number(node) else {
                    return Outcome::moot(node.span);
                };
                for (cmp, operand) in bounds {
                    let right = match operand {
                        Operand::Number(n) => *n,
                        Operand::Paths { paths, times } => match lookup_first(paths, focus) {
                            Lookup::Found { node: other, .. } if other.is_unknown() => {
                                return Outcome::unknown(other.span);
                            }
                            Lookup::Found { node: other, .. } => match number(other) {
                                Some(n) => n * times,
                                None => return Outcome::moot(other.span),
                            },
                            Lookup::Unknown { span } => return Outcome::unknown(span),
                            Lookup::Missing { .. } => return Outcome::moot(node.span),
                        },
                    };
                    if !cmp.holds(left, right) {
                        return Outcome::new(false, node.span);
                    }
                }
                Outcome::new(true, node.span)
            }
            Test::All(inner) | Test::Any(inner) | Test::None(inner) => {
                let whole = key.unwrap_or(node.span);
                let single = items(node).nth(1).is_none();
                let mut unknown = None;
                let mut failed = None;
                for (entry_key, item) in items(node) {
                    let outcome = inner.eval(&focus.nested(item, item_anchor(item), entry_key));
                    match (self, outcome.truth) {
                        (Test::All(_), Truth::False) => return outcome,
                        (Test::Any(_), Truth::True) => return outcome,
                        (Test::None(_), Truth::True) => {
                            return Outcome {
                                truth: Truth::False,
                                ..outcome
                            };
                        }
                        (_, Truth::Unknown) => {
                            unknown.get_or_insert(outcome);
                        }
                        (Test::Any(_), Truth::False) => failed = Some(outcome),
                        _ => {}
                    }
                }
                if let Some(outcome) = unknown {
                    return outcome;
                }
                // No item satisfies `any`: when there is only one, its own
                // evidence is the most precise.
                if let Some(outcome) = failed.filter(|_| single) {
                    return outcome;
                }
                Outcome::new(!matches!(self, Test::Any(_)), whole)
            }
        }
    }
}

/// A list item, or a map value with its key.
type Item<'a> = (Option<(&'a str, Span)>, &'a Node);

/// The items of a list, the values of a map (with their keys), or the node
/// itself, without collecting them.
enum Items<'a> {
    List(std::slice::Iter<'a, Node>),
    Map(std::slice::Iter<'a, crate::model::Entry>),
    One(Option<&'a Node>),
}

impl<'a> Iterator for Items<'a> {
    type Item = Item<'a>;

    fn next(&mut self) -> Option<Item<'a>> {
        match self {
            Items::List(items) => items.next().map(|item| (None, item)),
            Items::Map(entries) => entries
                .next()
                .map(|e| (Some((&*e.key, e.key_span)), &e.value)),
            Items::One(node) => node.take().map(|node| (None, node)),
        }
    }
}

fn items(node: &Node) -> Items<'_> {
    match &node.value {
        Value::List(items) => Items::List(items.iter()),
        Value::Map(map) => Items::Map(map.entries.iter()),
        _ => Items::One(Some(node)),
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

/// A known scalar by type and text: equal keys for values that
/// [`same_value`] finds equal.
fn scalar_key(node: &Node) -> Option<(&'static str, String)> {
    match node.value {
        Value::Unknown(_) | Value::List(_) | Value::Map(_) => None,
        Value::Number(n) if n.is_nan() => None,
        _ => Some((type_name(node), node.scalar_text()?)),
    }
}

/// The scalars that paths from an object's root reach (a list reached as a
/// whole offers its items), and whether the way passed through an unknown
/// value.
struct ObjectOptions {
    scalars: std::collections::HashSet<(&'static str, String)>,
    unknown: bool,
}

/// The options of `paths` for the object in focus, kept per thread for the
/// object last asked about.
fn object_options(paths: &[Path], focus: &Focus) -> std::rc::Rc<ObjectOptions> {
    type Kept = std::collections::HashMap<usize, ((u64, u32), std::rc::Rc<ObjectOptions>)>;
    thread_local! {
        static KEPT: std::cell::RefCell<Kept> = Default::default();
    }
    let test = paths.as_ptr() as usize;
    let object = (focus.relations.run(), focus.index);
    let kept = KEPT.with_borrow(|kept| {
        kept.get(&test)
            .filter(|(of, _)| *of == object)
            .map(|(_, options)| options.clone())
    });
    if let Some(options) = kept {
        return options;
    }
    let mut reached = Vec::new();
    let mut unknown = false;
    for path in paths {
        unknown |= path.gather(focus, &mut reached);
    }
    let scalars = reached
        .iter()
        .flat_map(|o| match &o.value {
            Value::List(items) => items.iter().collect(),
            _ => vec![*o],
        })
        .filter_map(scalar_key)
        .collect();
    let options = std::rc::Rc::new(ObjectOptions { scalars, unknown });
    KEPT.with_borrow_mut(|kept| kept.insert(test, (object, options.clone())));
    options
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
    use crate::relate::Relations;
    use crate::source::{Source, SourceId};

    fn objects(text: &str) -> (Source, Vec<Object>) {
        let source = Source::new(SourceId(0), "o.yaml".into(), text.into());
        let objects = kubernetes::parse(&source).0;
        (source, objects)
    }

    #[test]
    fn the_key_lists_are_cut_where_tests_and_combinators_begin() {
        assert_eq!(TESTS.first(), Some(&"present"));
        assert_eq!(TESTS.last(), Some(&"exists"));
        assert_eq!(COMBINATORS, ["all-of", "any-of", "not"]);
    }

    fn vocabulary() -> Vocabulary<'static> {
        Vocabulary::new(&kubernetes::VOCABULARY, true)
    }

    fn condition(text: &str) -> Condition {
        let source = Source::new(SourceId(1), "c.yaml".into(), text.into());
        let root = crate::formats::yaml::parse(&source)
            .documents
            .remove(0)
            .root;
        Condition::compile(&root, &vocabulary()).unwrap()
    }

    /// Evaluates the condition on the first object, with the others there
    /// to relate to.
    fn eval(objects: &[Object], text: &str) -> Outcome {
        let relations = Relations::new(objects);
        condition(text).eval(&Focus::object(&relations, 0))
    }

    /// The first object of a manifest.
    fn object(text: &str) -> (Source, Object) {
        let (source, mut objects) = objects(text);
        (source, objects.remove(0))
    }

    fn first_container(pod: &Object) -> &Node {
        &pod.body
            .at(&["spec", "containers"])
            .unwrap()
            .as_list()
            .unwrap()[0]
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  hostNetwork: true\n  containers:\n  - name: a\n    image: nginx:1.27\n    resources:\n      requests: {memory: 256Mi}\n      limits: {memory: 128Mi}\n";

    #[test]
    fn every_offending_list_item_is_its_own_failure() {
        let text = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - {name: a, env: [{name: X, value: s1}, {name: Y, valueFrom: {}}, {name: Z, value: s2}]}\n";
        let (source, objects) = objects(text);
        let relations = Relations::new(&objects);
        let containers = &objects[0]
            .body
            .get("spec")
            .unwrap()
            .get("containers")
            .unwrap()
            .as_list()
            .unwrap()[0];
        let focus = Focus::object(&relations, 0).nested(containers, containers.span, None);
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

    const PROBES: &str = "apiVersion: v1\nkind: Pod\nspec:\n  containers:\n  - name: a\n    ports: [{name: http, containerPort: 8080}, {name: admin, containerPort: 9090}]\n    livenessProbe: {httpGet: {port: http}}\n    readinessProbe: {httpGet: {port: metrics}}\n    env: [{name: NODE_OPTIONS, value: --max-old-space-size=900}]\n    resources: {limits: {memory: 1Gi}}\n";

    #[test]
    fn in_a_path_fans_out_over_every_item() {
        let (source, pod) = object(PROBES);
        let container = first_container(&pod);
        let relations = Relations::new(std::slice::from_ref(&pod));
        let focus = Focus::object(&relations, 0).start(container, container.span, None);
        let resolves = |probe: &str| {
            condition(&format!(
                "{{path: {probe}.httpGet.port, in: {{path: ports.*.name}}}}"
            ))
            .eval(&focus)
        };
        assert_eq!(resolves("livenessProbe").truth, Truth::True);
        let readiness = resolves("readinessProbe");
        assert_eq!(readiness.truth, Truth::False);
        assert_eq!(source.slice(readiness.span), "metrics");
        let listed = condition("{path: name, in: {path: $.spec.containers.*.name}}").eval(&focus);
        assert_eq!(listed.truth, Truth::True);
    }

    /// Options from the object's root are gathered once per object: every
    /// item of each object is judged against its own object's options (in
    /// this run), with types told apart and unknown values kept unknown.
    #[test]
    fn in_a_path_from_the_root_is_judged_per_object() {
        let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {allowed: [x, '1', [y]], items: [x, y, 1, '1', z]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec: {allowed: [z], items: [x, z]}\n";
        let (source, objects) = objects(text);
        let relations = Relations::new(&objects);
        let rule = condition("{path: spec.items, all: {in: {path: $.spec.allowed}}}");
        let offending = |index: u32| -> Vec<&str> {
            let object = Focus::object(&relations, index);
            let failures = rule.failures(&object);
            failures.iter().map(|f| source.slice(f.span)).collect()
        };
        // `y` is only inside a nested list, and the number 1 is not '1'.
        assert_eq!(offending(0), ["y", "1", "z"]);
        assert_eq!(offending(1), ["x"]);
        assert_eq!(offending(0), ["y", "1", "z"]);
        // A template action nobody has rendered is unknown.
        let (_, unrendered) =
            object("apiVersion: v1\nkind: Pod\nspec: {allowed: '{{ .Values.a }}', items: [x]}\n");
        let relations = Relations::new(std::slice::from_ref(&unrendered));
        let judged = rule.eval(&Focus::object(&relations, 0));
        assert_eq!(judged.truth, Truth::Unknown);
    }

    #[test]
    fn each_reaches_the_rules_focus_from_inside_a_list() {
        let (source, pod) = object(PROBES);
        let container = first_container(&pod);
        let relations = Relations::new(std::slice::from_ref(&pod));
        let focus = Focus::object(&relations, 0).start(container, container.span, None);
        // 900Mi is above 80 % of 1Gi (819.2Mi).
        let capped = condition(
            "{path: env, all: {path: value, capture: {regex: 'max-old-space-size=([0-9]+)', as: '${1}Mi'}, lte: {path: $each.resources.limits.memory, times: 0.8}}}",
        )
        .eval(&focus);
        assert_eq!(capped.truth, Truth::False);
        assert_eq!(source.slice(capped.span), "--max-old-space-size=900");
        let same =
            condition("{path: ports, any: {path: name, equals: {path: $each.name}}}").eval(&focus);
        assert_eq!(same.truth, Truth::False);
    }

    #[test]
    fn a_capture_that_does_not_match_is_no_value() {
        let (_, pod) = object(PROBES);
        let container = first_container(&pod);
        let relations = Relations::new(std::slice::from_ref(&pod));
        let focus = Focus::object(&relations, 0).start(container, container.span, None);
        let absent =
            condition("{path: env, all: {path: value, capture: 'heap=([0-9]+)', present: false}}");
        assert_eq!(absent.eval(&focus).truth, Truth::True);
    }

    #[test]
    fn key_is_the_key_of_the_map_value_in_focus() {
        let text =
            "apiVersion: v1\nkind: ConfigMap\ndata:\n  LOG_LEVEL: info\n  DB_PASSWORD: hunter2\n";
        let (source, map) = object(text);
        let relations = Relations::new(std::slice::from_ref(&map));
        let focus = Focus::object(&relations, 0).start(&map.body, map.anchor, None);
        let failures =
            condition("{path: data, none: {path: $key, matches: PASSWORD}}").failures(&focus);
        let spans: Vec<&str> = failures.iter().map(|f| source.slice(f.span)).collect();
        assert_eq!(spans, ["DB_PASSWORD"]);
    }

    #[test]
    fn subset_distinct_and_duration() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  selector: {matchLabels: {app: api, tier: web}}\n  template:\n    metadata: {labels: {app: api, tier: db}}\n    spec:\n      containers: [{name: a}, {name: b}, {name: a}]\n  for: 1h30m\n";
        let (source, deployment) = object(text);
        let subset = eval(
            std::slice::from_ref(&deployment),
            "{path: spec.selector.matchLabels, subset-of: {path: spec.template.metadata.labels}}",
        );
        assert_eq!(subset.truth, Truth::False);
        assert_eq!(source.slice(subset.span), "web");
        let names = eval(
            std::slice::from_ref(&deployment),
            "{path: spec.template.spec.containers, distinct: name}",
        );
        assert_eq!(names.truth, Truth::False);
        assert_eq!(source.slice(names.span), "a");
        assert!(names.span.start > subset.span.start, "the second `a`");
        for nothing in [
            "{path: spec.template.spec.initContainers, distinct: name}",
            "{path: spec.nothing, subset-of: {path: spec.template.metadata.labels}}",
        ] {
            assert_eq!(
                eval(std::slice::from_ref(&deployment), nothing).truth,
                Truth::True,
                "{nothing}"
            );
        }
        for (bound, holds) in [("{gte: 1m}", Truth::True), ("{lt: 1h}", Truth::False)] {
            let outcome = eval(
                std::slice::from_ref(&deployment),
                &format!("{{path: spec.for, duration: {bound}}}"),
            );
            assert_eq!(outcome.truth, holds, "{bound}");
        }
    }

    #[test]
    fn an_all_inside_an_all_reports_each_offending_inner_item() {
        let text = "apiVersion: v1\nkind: R\nspec:\n  groups:\n  - rules: [{alert: A}, {alert: B, for: 5m}, {alert: C}]\n  - rules: [{alert: D}]\n";
        let (source, object) = object(text);
        let relations = Relations::new(std::slice::from_ref(&object));
        let focus = Focus::object(&relations, 0).start(&object.body, object.anchor, None);
        let failures =
            condition("{path: spec.groups, all: {path: rules, all: {path: for, present: true}}}")
                .failures(&focus);
        let spans: Vec<&str> = failures.iter().map(|f| source.slice(f.span)).collect();
        assert_eq!(spans, ["alert", "alert", "alert"]);
    }

    #[test]
    fn any_over_one_item_points_at_that_items_evidence() {
        let (source, pod) = objects(POD);
        let outcome = eval(
            &pod,
            "{path: spec.containers, any: {path: image, matches: ':latest$'}}",
        );
        assert_eq!(outcome.truth, Truth::False);
        assert_eq!(source.slice(outcome.span), "nginx:1.27");
    }

    #[test]
    fn a_missing_value_points_at_the_nearest_enclosing_key() {
        let (source, pod) = objects(POD);
        let outcome = eval(
            &pod,
            "{path: spec.securityContext.runAsNonRoot, present: true}",
        );
        assert_eq!(outcome.truth, Truth::False);
        assert_eq!(source.slice(outcome.span), "spec");
    }

    #[test]
    fn an_offending_value_is_pointed_at() {
        let (source, pod) = objects(POD);
        let outcome = eval(&pod, "{not: {path: $pod.hostNetwork, equals: true}}");
        assert_eq!(outcome.truth, Truth::False);
        assert_eq!(source.slice(outcome.span), "true");
    }

    #[test]
    fn quantities_compare_across_paths() {
        let (source, pod) = objects(POD);
        let outcome = eval(
            &pod,
            "{path: spec.containers, all: {path: resources.requests.memory, lte: {path: resources.limits.memory}}}",
        );
        assert_eq!(outcome.truth, Truth::False);
        assert_eq!(source.slice(outcome.span), "256Mi");
    }

    #[test]
    fn operands_scale_and_list_items_are_reached_by_index() {
        let (source, pod) = objects(POD);
        let outcome = eval(
            &pod,
            "{path: spec.containers.0.resources.limits.memory, gte: {path: spec.containers.0.resources.requests.memory, times: 0.5}}",
        );
        assert_eq!(outcome.truth, Truth::True);
        let outcome = eval(
            &pod,
            "{path: spec.containers.0.resources.limits.memory, gte: {path: spec.containers.0.resources.requests.memory, times: 1}}",
        );
        assert_eq!(outcome.truth, Truth::False);
        assert_eq!(source.slice(outcome.span), "128Mi");
        let missing = eval(&pod, "{path: spec.containers.1.image, present: true}");
        assert_eq!(missing.truth, Truth::False);
        assert_eq!(source.slice(missing.span), "containers");
    }

    #[test]
    fn an_unknown_rest_entry_makes_what_a_map_lacks_unknown() {
        let (_, mut pod) = objects(POD);
        if let Value::Map(map) = &mut pod[0].body.value {
            let span = map.entries[0].key_span;
            map.entries.push(crate::model::Entry {
                key: crate::model::UNKNOWN_REST.into(),
                key_span: span,
                value: Node::new(Value::Unknown("include".into()), span),
            });
        }
        assert_eq!(
            eval(&pod, "{path: status, present: true}").truth,
            Truth::Unknown
        );
        assert_eq!(eval(&pod, "{path: kind, equals: Pod}").truth, Truth::True);
    }

    #[test]
    fn fallback_paths_take_the_first_present_value() {
        let (_, pod) = objects(POD);
        let outcome = eval(
            &pod,
            "{path: [spec.nothing, spec.hostNetwork], equals: true}",
        );
        assert_eq!(outcome.truth, Truth::True);
    }

    #[test]
    fn list_quantifiers() {
        let (source, pod) = objects(POD);
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
        let (_, mut pod) = objects(POD);
        let spec = match &mut pod[0].body.value {
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
        let err = Condition::compile(&root, &vocabulary()).unwrap_err();
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
            ("{path: a.*.b, present: true}", "only allowed in"),
            ("{path: a, equals: {path: b.*}}", "only allowed in"),
            ("{path: $key.a, present: true}", "no keys below it"),
            ("{path: a, capture: '(', present: true}", "invalid regex"),
            ("{path: a, duration: {gte: soon}}", "a duration bound"),
            ("{path: a, subset-of: [b]}", "takes `{path: …}`"),
        ] {
            let source = Source::new(SourceId(1), "c.yaml".into(), text.into());
            let root = crate::formats::yaml::parse(&source)
                .documents
                .remove(0)
                .root;
            let err = Condition::compile(&root, &vocabulary()).unwrap_err();
            assert!(err.message.contains(expected), "{text}: {}", err.message);
        }
    }

    const SERVED: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      containers:
      - {name: api, ports: [{containerPort: 8080}]}
---
apiVersion: v1
kind: Service
metadata: {name: api}
spec:
  selector: {app: api}
  ports:
  - {port: 80, targetPort: 8080}
  - {port: 81, targetPort: 9090}
";

    #[test]
    fn relations_count_the_objects_on_the_other_end() {
        let (source, objects) = objects(SERVED);
        let selected = eval(&objects, "{selected-by: {kind: Service}}");
        assert_eq!(selected.truth, Truth::True);
        let unscaled = eval(&objects, "{referenced-by: {relation: scales}}");
        assert_eq!(unscaled.truth, Truth::False);
        assert_eq!(source.slice(unscaled.span), "api");
        let twice = eval(&objects, "{selected-by: {count: {gte: 2}}}");
        assert_eq!(twice.truth, Truth::False);
        // The Service is the evidence of the one there is.
        let (other, span) = twice.related.unwrap();
        assert_eq!(objects[other as usize].kind.as_ref(), "Service");
        // At the selector that selects it.
        assert_eq!(source.slice(span), "{app: api}");
        let at_most_zero = eval(&objects, "{selected-by: {count: {lt: 1}}}");
        assert_eq!(at_most_zero.truth, Truth::False);
    }

    #[test]
    fn where_reaches_back_with_from() {
        let (source, objects) = objects(SERVED);
        let relations = Relations::new(&objects);
        let rule = condition(
            "{path: spec.ports, all: {path: $, references: {relation: selects, where: \
             {path: $containers, any: {path: ports, any: {path: containerPort, \
             equals: {path: $from.targetPort}}}}}}}",
        );
        let failures = rule.failures(&Focus::object(&relations, 1));
        assert_eq!(
            failures.len(),
            1,
            "only the second port has no container port"
        );
        let (other, _) = failures[0].related.unwrap();
        assert_eq!(objects[other as usize].kind.as_ref(), "Deployment");
        assert_eq!(source.slice(failures[0].span), "{app: api}");
    }

    #[test]
    fn an_unknown_link_leaves_the_count_open() {
        let (_, mut objects) = objects(SERVED);
        objects[1].links[0].target = crate::model::Target::Unknown;
        assert_eq!(
            eval(&objects, "{selected-by: {kind: Service}}").truth,
            Truth::Unknown
        );
        assert_eq!(
            eval(&objects, "{selected-by: {count: {lt: 1}}}").truth,
            Truth::Unknown
        );
    }

    const EDGE: &str = "\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web, namespace: shop}
spec:
  rules:
  - http:
      paths:
      - {path: /a, backend: {service: {name: api, port: {number: 80}}}}
      - {path: /b, backend: {service: {name: api, port: {number: 81}}}}
      - {path: /c, backend: {service: {name: gone, port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: api, ports: [{name: http, containerPort: 8080}]}]
";

    #[test]
    fn nested_alls_report_each_innermost_offender_and_via_points_at_the_path() {
        let (source, objects) = objects(EDGE);
        let relations = Relations::new(&objects);
        let rule = condition(
            "{path: spec.rules, all: {path: http.paths, all: {path: backend.service.port.number, \
             references: {relation: routes-to, via: backend.service.name, \
             where: {path: spec.ports, any: {path: port, equals: {path: $from.backend.service.port.number}}}}}}}",
        );
        let failures = rule.failures(&Focus::object(&relations, 0));
        let spans: Vec<&str> = failures.iter().map(|f| source.slice(f.span)).collect();
        // Port 81 is not the Service's; `gone` is no Service at all.
        assert_eq!(spans, ["81", "80"]);
        let (other, _) = failures[0].related.unwrap();
        assert_eq!(objects[other as usize].kind.as_ref(), "Service");
        assert!(failures[1].related.is_none());
    }

    #[test]
    fn from_from_reaches_back_through_two_relations() {
        let (_, objects) = objects(EDGE);
        let relations = Relations::new(&objects);
        // The container port the Service sends the Ingress's traffic to.
        let rule = condition(
            "{path: spec.rules, all: {path: http.paths, all: {references: {relation: routes-to, \
             where: {path: $, references: {relation: selects, where: {path: $containers, any: \
             {path: ports, any: {path: containerPort, equals: {path: $from.$from.backend.service.port.number}}}}}}}}}}",
        );
        let failures = rule.failures(&Focus::object(&relations, 0));
        // 80 and 81 are no container port; `gone` leads nowhere.
        assert_eq!(failures.len(), 3);
    }

    #[test]
    fn exists_counts_the_objects_of_the_run_and_has_key_looks_at_keys() {
        let (_, objects) = objects(EDGE);
        assert_eq!(
            eval(&objects, "{exists: {kind: Deployment}}").truth,
            Truth::True
        );
        assert_eq!(
            eval(&objects, "{exists: {kind: Ingress}}").truth,
            Truth::False,
            "not itself"
        );
        assert_eq!(
            eval(&objects, "{exists: {kind: workload, where: {path: metadata.name, equals: api}, count: {gte: 2}}}").truth,
            Truth::False
        );
        assert_eq!(
            eval(&objects, "{path: metadata, has-key: namespace}").truth,
            Truth::True
        );
        assert_eq!(
            eval(&objects, "{path: metadata, has-key: {path: kind}}").truth,
            Truth::False
        );
        assert_eq!(
            eval(&objects, "{path: metadata, has-key: {path: nothing}}").truth,
            Truth::Unknown
        );
        assert_eq!(
            eval(
                &objects,
                "{references: {relation: [selects, routes-to], kind: Service}}"
            )
            .truth,
            Truth::True
        );
    }

    #[test]
    fn an_object_without_a_namespace_only_possibly_relates_to_one_with() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: api}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {selector: {app: api}}\n";
        let (_, objects) = objects(text);
        // It may select the pods, or be applied to another namespace.
        assert_eq!(
            eval(&objects, "{selected-by: {kind: Service}}").truth,
            Truth::Unknown
        );
        assert_eq!(
            eval(&objects, "{selected-by: {count: {lt: 1}}}").truth,
            Truth::Unknown
        );
        let (_, objects) = objects_in_one_namespace(text);
        assert_eq!(
            eval(&objects, "{selected-by: {kind: Service}}").truth,
            Truth::True
        );
    }

    fn objects_in_one_namespace(text: &str) -> (Source, Vec<Object>) {
        objects(&text.replace("{name: api}", "{name: api, namespace: shop}"))
    }

    #[test]
    fn an_unknown_value_without_links_references_an_unknown_count() {
        let (_, mut objects) = objects(SERVED);
        let service = &mut objects[1];
        service.links.clear();
        let Value::Map(map) = &mut service.body.value else {
            unreachable!()
        };
        let spec = map.entries.iter_mut().find(|e| &*e.key == "spec").unwrap();
        spec.value.value = Value::Unknown("var.spec".into());
        let relations = Relations::new(&objects);
        let rule = condition("{path: spec, references: {relation: selects}}");
        assert_eq!(
            rule.eval(&Focus::object(&relations, 1)).truth,
            Truth::Unknown
        );
    }

    #[test]
    fn relations_are_checked_at_compile_time() {
        for (text, expected) in [
            ("{references: {relation: hugs}}", "unknown relation `hugs`"),
            ("{selected-by: {relation: selects}}", "takes no `relation`"),
            ("{path: $from.x, present: true}", "use it inside `where`"),
            ("{referenced-by: {}}", "needs `relation`"),
            ("{exists: {relation: selects}}", "relation"),
            ("{referenced-by: {relation: selects, via: a}}", "via"),
            (
                "{path: $from.$from.$from.a, present: true}",
                "use it inside",
            ),
            (
                "{exists: {where: {path: $from.$from.$from.a, present: true}}}",
                "two relations at most",
            ),
        ] {
            let source = Source::new(SourceId(1), "c.yaml".into(), text.into());
            let root = crate::formats::yaml::parse(&source)
                .documents
                .remove(0)
                .root;
            let err = Condition::compile(&root, &vocabulary()).unwrap_err();
            assert!(err.message.contains(expected), "{text}: {}", err.message);
        }
    }

    #[test]
    fn unknowable_values_are_told_apart_from_nothing_to_judge() {
        let (_, mut objects) = objects(POD);
        // Nothing to compare with: moot, not unknowable.
        let moot = eval(&objects, "{path: spec.hostNetwork, gte: 1}");
        assert_eq!(moot.truth, Truth::Unknown);
        let moot = condition(
            "{path: spec.containers, all: {path: resources.limits.memory, gte: {path: resources.requests.cpu}}}",
        );
        let relations = Relations::new(&objects);
        let failures = moot.failures(&Focus::object(&relations, 0));
        assert!(failures.iter().all(|f| !f.unknowable), "{failures:?}");
        let spec = match &mut objects[0].body.value {
            Value::Map(map) => map.entries.iter_mut().find(|e| &*e.key == "spec").unwrap(),
            _ => unreachable!(),
        };
        spec.value.value = Value::Unknown("var.spec".into());
        let relations = Relations::new(&objects);
        let failures = condition("{path: spec.hostNetwork, equals: false}")
            .failures(&Focus::object(&relations, 0));
        assert_eq!(failures.len(), 1);
        assert_eq!(failures[0].truth, Truth::Unknown);
        assert!(failures[0].unknowable);
    }
}
