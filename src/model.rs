//! The format-neutral model: nodes that remember their spans, and the objects
//! rules look at.

use crate::source::{SourceId, Span};

/// A value and the span where it was written.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(Box<str>),
    List(Vec<Node>),
    Map(Map),
    /// A value the adapter could not resolve (a Terraform expression, a Helm
    /// value); it never produces a finding by itself. Holds the expression text.
    Unknown(Box<str>),
}

/// An ordered mapping; every entry keeps the span of its key.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Map {
    pub entries: Vec<Entry>,
}

/// A map's key. Shared: keys repeat (every container has a `name`), and a
/// file's parse gives each distinct key one allocation.
pub type Key = std::sync::Arc<str>;

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Key,
    pub key_span: Span,
    pub value: Node,
}

impl Map {
    pub fn get(&self, key: &str) -> Option<&Entry> {
        // Last wins, as in Kubernetes' decoder; duplicates are reported apart.
        self.entries.iter().rev().find(|e| &*e.key == key)
    }
}

impl Node {
    pub fn new(value: Value, span: Span) -> Self {
        Node { value, span }
    }

    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(map) => Some(map),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Node]> {
        match &self.value {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Node> {
        self.as_map()?.get(key).map(|e| &e.value)
    }

    /// Follows a path of keys through nested maps.
    pub fn at(&self, path: &[&str]) -> Option<&Node> {
        path.iter().try_fold(self, |node, key| node.get(key))
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self.value, Value::Unknown(_))
    }

    /// A pattern match, not `== Value::Null`: the derived comparison is not
    /// always inlined, and this is asked of every node a path walks.
    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// The scalar as text, as a message would quote it.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Null => Some("null".into()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(format_number(*n)),
            Value::String(s) => Some(s.to_string()),
            Value::Unknown(expr) => Some(expr.to_string()),
            Value::List(_) | Value::Map(_) => None,
        }
    }
}

/// One step of the way into a node: a map's key, or a list's item (with its
/// `name`, where it has one).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Step<'a> {
    Key(&'a str),
    Item(usize, Option<&'a str>),
}

impl Node {
    /// The steps from this node to the node or key written at `span`.
    pub fn path_to(&self, span: Span) -> Vec<Step<'_>> {
        let contains = |outer: Span| {
            outer.source == span.source && outer.start <= span.start && span.end <= outer.end
        };
        let mut steps = Vec::new();
        let mut node = self;
        while node.span != span {
            match &node.value {
                Value::Map(map) => {
                    let hit = |e: &Entry| e.key_span == span || contains(e.value.span);
                    let Some((_, entry)) = find(&map.entries, span, |e| e.value.span.end, hit)
                    else {
                        break;
                    };
                    steps.push(Step::Key(&entry.key));
                    if entry.key_span == span {
                        break;
                    }
                    node = &entry.value;
                }
                Value::List(items) => {
                    let Some((index, item)) =
                        find(items, span, |i| i.span.end, |i| contains(i.span))
                    else {
                        break;
                    };
                    let name = item.get("name").and_then(Node::as_str);
                    steps.push(Step::Item(index, name));
                    node = item;
                }
                _ => break,
            }
        }
        steps
    }
}

/// The item (and its index) that `hit` accepts. Items are in source order, so
/// the first one that ends at or after `span` is tried first: a finding in the
/// ten-thousandth container costs a binary search, not a scan. Aliases, whose
/// copies keep the spans they were written at, fall back to the scan.
fn find<T>(
    items: &[T],
    span: Span,
    end: impl Fn(&T) -> u32,
    hit: impl Fn(&T) -> bool,
) -> Option<(usize, &T)> {
    let guess = items.partition_point(|item| end(item) < span.end);
    match items.get(guess) {
        Some(item) if hit(item) => Some((guess, item)),
        _ => items.iter().enumerate().find(|(_, item)| hit(item)),
    }
}

pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The key of an unknown entry in a map that may hold keys nobody can know
/// (an nginx level with an include that cannot be followed): whatever the
/// map lacks is unknown there, not missing.
pub const UNKNOWN_REST: &str = "(unknown)";

/// The input formats airworthy reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Kubernetes,
    Terraform,
    Nginx,
}

impl Format {
    pub const ALL: &[Format] = &[Format::Kubernetes, Format::Terraform, Format::Nginx];

    pub fn name(self) -> &'static str {
        match self {
            Format::Kubernetes => "kubernetes",
            Format::Terraform => "terraform",
            Format::Nginx => "nginx",
        }
    }

    pub fn from_name(name: &str) -> Option<Format> {
        Format::ALL.iter().copied().find(|f| f.name() == name)
    }
}

/// A named part of an object that rules can focus on, such as the containers
/// of a workload. The adapter that knows the format fills these in, so rules
/// say `each: containers` without knowing where each kind keeps them.
#[derive(Clone, Debug, PartialEq)]
pub struct View {
    pub name: &'static str,
    /// Keys from the object's body to the node; a view may gather several.
    pub paths: Vec<Vec<&'static str>>,
    /// When set, the view is every item of the lists at `paths`.
    pub each: bool,
    /// The key whose value names an item (a container's `name`).
    pub label_key: Option<&'static str>,
}

/// What one format's adapter offers rules: the names a rule may use in
/// `applies-to.kind` (classes), `each` and `$view` (views), and relation
/// predicates (relations). Rules naming anything else are rejected at load.
#[derive(Clone, Copy, Debug)]
pub struct FormatVocabulary {
    pub format: Format,
    pub classes: &'static [&'static str],
    pub views: &'static [&'static str],
    pub relations: &'static [&'static str],
    /// Named label sets objects of this format may carry (`pod`, `object`).
    pub label_sets: &'static [&'static str],
    /// Kinds are lowercase (`aws_lb`), so a lowercase name in a rule's
    /// `applies-to.kind` is a kind unless it is one of the classes.
    pub kinds_are_lowercase: bool,
}

/// A reference from one object to others, written at `span`: a Service's
/// selector, an Ingress backend, a Terraform expression naming another block.
/// The adapter says what a reference means; the relate step finds the objects
/// it leads to, over everything the run has read.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    pub relation: &'static str,
    pub target: Target,
    pub span: Span,
}

/// The relation of a link that says an object makes another at deploy time
/// (a certificate issuer's Secret): a reference to the made object by name
/// finds its maker.
pub const CREATES: &str = "creates";

#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    /// Objects of one of `kinds` called `name`, in `namespace`.
    Name {
        kinds: Vec<Box<str>>,
        namespace: Option<Box<str>>,
        name: Box<str>,
    },
    /// Objects of one of `kinds` (kinds or classes; empty: any) in
    /// `namespace` whose label set `labels` satisfies every requirement.
    Selector {
        kinds: Vec<Box<str>>,
        namespace: Option<Box<str>>,
        labels: &'static str,
        requirements: Vec<Requirement>,
    },
    /// The reference could not be resolved (a Helm or Terraform expression):
    /// whatever depends on it is unknown, never a finding.
    Unknown,
    /// Might lead to what the target describes, or not (the Namespace of an
    /// object whose namespace is not written): such objects count as
    /// possible, never as certain.
    Possibly(Box<Target>),
}

/// One term of a label selector.
#[derive(Clone, Debug, PartialEq)]
pub enum Requirement {
    In(Box<str>, Vec<Box<str>>),
    NotIn(Box<str>, Vec<Box<str>>),
    Exists(Box<str>),
    DoesNotExist(Box<str>),
}

/// A named set of labels an object can be selected by: a workload's `pod`
/// labels (its template's), any object's own `object` labels.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LabelSet {
    pub name: &'static str,
    pub labels: Vec<(Box<str>, Box<str>)>,
}

/// A secondary location that explains something: where a resolved value was
/// set (a Terraform variable's default), the module call or nginx include
/// that an object was reached through.
#[derive(Clone, Debug, PartialEq)]
pub struct Provenance {
    pub span: Span,
    pub message: Box<str>,
}

/// One thing a rule looks at: a Kubernetes resource, a Terraform block, an
/// nginx context.
#[derive(Clone, Debug)]
pub struct Object {
    pub format: Format,
    pub kind: Box<str>,
    pub api_version: Option<Box<str>>,
    pub name: Option<Box<str>>,
    pub namespace: Option<Box<str>>,
    /// Classes of kinds the adapter assigns, such as `workload`.
    pub classes: Vec<&'static str>,
    /// The same for every object of a kind, so shared.
    pub views: &'static [View],
    pub body: Node,
    /// Where a finding about the object as a whole points (its name).
    pub anchor: Span,
    /// Helm output: the chart template the object was rendered from.
    pub template: Option<Box<str>>,
    pub labels: Vec<LabelSet>,
    pub links: Vec<Link>,
    /// Where resolved values came from: for a value at `.0`, the location
    /// `.1`, which findings on that value show as a related location.
    pub origins: Vec<(Span, Provenance)>,
    /// How the object was reached (module calls, includes), outermost first;
    /// shown with every finding on it.
    pub trail: Vec<Provenance>,
    /// Suppressions the object itself carries (Kubernetes annotations).
    pub ignores: Vec<Ignore>,
}

/// A suppression written on an object rather than in a comment: it applies
/// to the findings on that object.
#[derive(Clone, Debug, PartialEq)]
pub struct Ignore {
    /// Rule ids, names or peer ids, each with its span.
    pub rules: Vec<(Box<str>, Span)>,
    pub reason: Option<Box<str>>,
    /// The suppression as written (the annotation).
    pub span: Span,
}

impl Object {
    pub fn span(&self) -> Span {
        self.body.span
    }

    /// Whether a span of the object lies in a source `wanted` accepts: only
    /// such an object can have a finding there (findings point into the
    /// object). Walks the tree without recursion.
    pub fn touches(&self, wanted: impl Fn(SourceId) -> bool) -> bool {
        if wanted(self.anchor.source) {
            return true;
        }
        let mut pending = vec![&self.body];
        while let Some(node) = pending.pop() {
            if wanted(node.span.source) {
                return true;
            }
            match &node.value {
                Value::List(items) => pending.extend(items),
                Value::Map(map) => {
                    for entry in &map.entries {
                        if wanted(entry.key_span.source) {
                            return true;
                        }
                        pending.push(&entry.value);
                    }
                }
                _ => {}
            }
        }
        false
    }

    pub fn view(&self, name: &str) -> Option<&View> {
        self.views.iter().find(|v| v.name == name)
    }

    pub fn label_set(&self, name: &str) -> Option<&LabelSet> {
        self.labels.iter().find(|set| set.name == name)
    }

    /// `Kind/namespace/name`, the identity used in messages and fingerprints.
    pub fn identity(&self) -> String {
        let mut id = self.kind.to_string();
        // A Terraform root module's namespace is empty.
        if let Some(ns) = self.namespace.as_deref().filter(|ns| !ns.is_empty()) {
            id.push('/');
            id.push_str(ns);
        }
        id.push('/');
        id.push_str(self.name.as_deref().unwrap_or("-"));
        id
    }
}

/// A problem with the input itself, found before any rule runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Problem {
    /// The file does not parse (syntax, encoding, nesting or alias limits).
    ParseError,
    /// A mapping repeats a key; the last value wins.
    DuplicateKey,
    /// The file could not be read (permissions, size, a loop of links), or a
    /// file named explicitly is in no format airworthy knows.
    InputError,
    /// A Terraform module that is not evaluated: a remote source, or a
    /// call that recurses.
    ModuleNotEvaluated,
    /// A suppression that matches no finding.
    UnusedSuppression,
    /// A suppression that names no rule, lacks its reason or its date.
    InvalidSuppression,
    /// A suppression past its `until` date; it no longer suppresses.
    ExpiredSuppression,
}

/// A problem with the input, with the span that causes it.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub problem: Problem,
    pub span: Span,
    pub message: String,
    pub related: Vec<(Span, String)>,
}

impl Diagnostic {
    pub fn new(problem: Problem, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            problem,
            span,
            message: message.into(),
            related: Vec::new(),
        }
    }
}
