//! Conditions: the predicate vocabulary of rules, compiled once and evaluated
//! in three-valued logic so that an unknown value never produces a finding.

use regex::Regex;

use super::path::{Focus, Lookup, Path, Root};
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
    /// Equal to the value at the first present path (`equals: {path: …}`).
    EqualsPath(Vec<Path>),
    In(Vec<Node>),
    Matches(Regex),
    Compare(Vec<(Comparison, Operand)>),
    Length(Vec<(Comparison, f64)>),
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
/// value of the object.
#[derive(Debug)]
pub enum Operand {
    Number(f64),
    /// Another value of the object, times a factor (`{path: …, times: 2}`).
    Paths(Vec<Path>, f64),
}

const TYPES: &[&str] = &["null", "bool", "number", "string", "list", "map"];

const TESTS: &[&str] = &[
    "present",
    "equals",
    "in",
    "matches",
    "gt",
    "gte",
    "lt",
    "lte",
    "length",
    "all",
    "any",
    "none",
    "type",
    "has-key",
    "references",
    "referenced-by",
    "selected-by",
    "exists",
];

const CONDITION_KEYS: &[&str] = &[
    "path",
    "present",
    "equals",
    "in",
    "matches",
    "gt",
    "gte",
    "lt",
    "lte",
    "length",
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

/// The keys each relation test takes.
const RELATION_KEYS: &[(&str, &[&str])] = &[
    ("references", &["relation", "kind", "where", "count", "via"]),
    ("referenced-by", &["relation", "kind", "where", "count"]),
    ("selected-by", &["kind", "where", "count"]),
    ("exists", &["kind", "where", "count"]),
];

/// What a compiled condition may refer to: the format's vocabulary, and
/// whether it is inside a relation's `where` (where `$from` means something).
#[derive(Clone, Copy)]
pub struct Vocabulary<'a> {
    pub format: &'a FormatVocabulary,
    pub in_relation: bool,
}

impl<'a> Vocabulary<'a> {
    pub fn new(format: &'a FormatVocabulary) -> Self {
        Vocabulary {
            format,
            in_relation: false,
        }
    }
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
            "equals" => match value.as_map() {
                Some(map) if map.entries.len() == 1 && &*map.entries[0].key == "path" => {
                    Test::EqualsPath(compile_paths(&map.entries[0].value, vocabulary)?)
                }
                _ => Test::Equals(scalar_or_structure(value)?),
            },
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
    /// Every piece of evidence that the condition fails, or cannot be
    /// decided (truth `Unknown`): one per such item when it is an `all` or
    /// `none` over a list, so that each bad item is its own finding, those of
    /// each condition of an `all-of`, else at
    /// most one.
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
            // An `all` nested in an `all` reports each innermost offender.
            return items
                .into_iter()
                .flat_map(|item| {
                    let item = focus.at(item, item_anchor(item));
                    match test {
                        Test::All(_) => inner.failures(&item),
                        _ => {
                            let outcome = inner.eval(&item);
                            match outcome.truth {
                                Truth::Unknown => vec![outcome],
                                truth if truth == failing => vec![Outcome {
                                    truth: Truth::False,
                                    ..outcome
                                }],
                                _ => Vec::new(),
                            }
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
        _ => Ok(path),
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
            Ok(Operand::Paths(
                compile_paths(fields.required("path", "a comparison operand")?, vocabulary)?,
                times,
            ))
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
            Test::Matches(regex) => {
                let matched = node.scalar_text().is_some_and(|text| regex.is_match(&text));
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
            Test::Compare(bounds) => {
                let Some(left) = number(node) else {
                    return Outcome::moot(node.span);
                };
                for (cmp, operand) in bounds {
                    let right = match operand {
                        Operand::Number(n) => *n,
                        Operand::Paths(paths, times) => match lookup_first(paths, focus) {
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
                let items: Vec<&Node> = match &node.value {
                    Value::List(items) => items.iter().collect(),
                    Value::Map(map) => map.entries.iter().map(|e| &e.value).collect(),
                    _ => vec![node],
                };
                let whole = key.unwrap_or(node.span);
                let single = items.len() == 1;
                let mut unknown = None;
                let mut failed = None;
                for item in items {
                    let outcome = inner.eval(&focus.at(item, item_anchor(item)));
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
    use crate::relate::Relations;
    use crate::source::{Source, SourceId};

    fn objects(text: &str) -> (Source, Vec<Object>) {
        let source = Source::new(SourceId(0), "o.yaml".into(), text.into());
        let objects = kubernetes::parse(&source).0;
        (source, objects)
    }

    fn vocabulary() -> Vocabulary<'static> {
        Vocabulary::new(&kubernetes::VOCABULARY)
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
        let focus = Focus::object(&relations, 0).at(containers, containers.span);
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
    fn an_unknown_star_entry_makes_what_a_map_lacks_unknown() {
        let (_, mut pod) = objects(POD);
        if let Value::Map(map) = &mut pod[0].body.value {
            let span = map.entries[0].key_span;
            map.entries.push(crate::model::Entry {
                key: "*".into(),
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
