//! Expression evaluation. A value that can be known is computed; anything
//! else (an attribute known only after apply, a data source, a missing
//! variable, a function this evaluator does not have) is `Value::Unknown`
//! holding the written expression, never a guess. Every result keeps the
//! span of the expression written where it is used; a value brought in by a
//! reference (`var.policy`) records where it was set as an origin.

use std::collections::HashMap;
use std::rc::Rc;

use super::functions;
use super::syntax::{Expr, ExprKind, ForExpr, Operator, Part, Step};
use crate::model::{Entry, Link, Map, Node, Provenance, Target, Value};
use crate::source::{Sources, Span};

/// The evaluation is invalid (a type error, a missing attribute, an index
/// out of range): `try` moves on, `can` is false, an attribute is unknown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Invalid;

pub type Evaluated = Result<Node, Invalid>;

/// The relation of a reference from one block to another.
pub const REFERS_TO: &str = "refers-to";

/// What an evaluated value carries besides itself: where parts of it were
/// set, and the blocks its expression refers to.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    pub origins: Vec<(Span, Provenance)>,
    pub links: Vec<Link>,
}

impl Trace {
    /// Everything recorded inside `within`, moved to `to`: the value written
    /// at `within` is now used at `to`.
    /// Repeats are removed once, by [`Trace::finish`].
    fn carry(&mut self, from: &Trace, within: Span, to: Span) {
        for (at, origin) in &from.origins {
            if contains(within, *at) {
                self.origins.push((to, origin.clone()));
            }
        }
        for link in &from.links {
            if contains(within, link.span) {
                self.links.push(Link {
                    span: to,
                    ..link.clone()
                });
            }
        }
    }

    /// The trace without repeats, in the order it was recorded (which is
    /// deterministic; source ids are not, so nothing is sorted by span).
    pub fn finish(mut self) -> Trace {
        let mut seen = std::collections::HashSet::new();
        self.origins
            .retain(|(at, origin)| seen.insert((*at, origin.span)));
        let mut seen = std::collections::HashSet::new();
        self.links
            .retain(|link| seen.insert((link.span, format!("{:?}", link.target))));
        self
    }

    pub fn extend(&mut self, other: Trace) {
        self.origins.extend(other.origins);
        self.links.extend(other.links);
    }
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.source == inner.source && outer.start <= inner.start && inner.end <= outer.end
}

/// A named value (a variable, a local, a module's outputs, `each`) as it
/// was evaluated where it was defined.
#[derive(Debug)]
pub struct Named {
    pub node: Node,
    pub trace: Trace,
}

impl Named {
    pub fn new(node: Node) -> Rc<Named> {
        Rc::new(Named {
            node,
            trace: Trace::default(),
        })
    }
}

/// What a reference rooted at a name leads to.
pub enum Reference {
    /// A value; `consumed` attribute names after the root were used to find it.
    Value { named: Rc<Named>, consumed: usize },
    /// Not knowable before apply; the block it names, if any.
    Unknown {
        consumed: usize,
        target: Option<Target>,
    },
}

/// The names an expression may refer to beyond its own bindings.
pub trait Scope {
    /// The reference rooted at `root` (`var`, `local`, `module`, `data`,
    /// `path`, a resource type) followed by attribute names `attrs`, from an
    /// expression nested `depth` deep: what the reference leads to is
    /// evaluated from there, so that a chain of references is as bounded as
    /// one deep expression.
    fn reference(&mut self, root: &str, attrs: &[&str], depth: usize)
    -> Result<Reference, Invalid>;
}

/// How deep expressions may nest, and how many items a computed collection
/// may have: beyond them an expression is unknown.
const MAX_DEPTH: usize = 128;
pub const MAX_ITEMS: usize = 10_000;

pub struct Evaluator<'a, S: Scope> {
    pub scope: &'a mut S,
    pub sources: &'a Sources,
    /// Names bound by `for` expressions, `count`, `for_each`, dynamic blocks.
    bindings: Vec<(Box<str>, Rc<Named>)>,
    depth: usize,
}

impl<'a, S: Scope> Evaluator<'a, S> {
    pub fn new(scope: &'a mut S, sources: &'a Sources) -> Self {
        Evaluator::nested(scope, sources, 0)
    }

    /// An evaluator whose expressions count as nested `depth` deep already.
    pub fn nested(scope: &'a mut S, sources: &'a Sources, depth: usize) -> Self {
        Evaluator {
            scope,
            sources,
            bindings: Vec::new(),
            depth,
        }
    }

    pub fn bind(&mut self, name: &str, value: Rc<Named>) {
        self.bindings.push((name.into(), value));
    }

    pub fn unbind(&mut self, count: usize) {
        self.bindings
            .truncate(self.bindings.len().saturating_sub(count));
    }

    pub fn text(&self, span: Span) -> &str {
        self.sources.get(span.source).slice(span)
    }

    fn unknown(&self, span: Span) -> Node {
        Node::new(Value::Unknown(self.text(span).into()), span)
    }

    /// The value of an attribute: what cannot be evaluated is unknown.
    pub fn value(&mut self, expr: &Expr, trace: &mut Trace) -> Node {
        self.eval(expr, trace)
            .unwrap_or_else(|Invalid| self.unknown(expr.span))
    }

    pub fn eval(&mut self, expr: &Expr, trace: &mut Trace) -> Evaluated {
        if self.depth >= MAX_DEPTH {
            return Ok(self.unknown(expr.span));
        }
        self.depth += 1;
        let result = self.eval_inner(expr, trace);
        self.depth -= 1;
        result
    }

    fn eval_inner(&mut self, expr: &Expr, trace: &mut Trace) -> Evaluated {
        let span = expr.span;
        let node = |value| Ok(Node::new(value, span));
        match &expr.kind {
            ExprKind::Literal(value) => node(value.clone()),
            ExprKind::Template(parts) => {
                let mut text = String::new();
                match self.template(parts, &mut text, trace)? {
                    true => node(Value::String(text.into())),
                    false => Ok(self.unknown(span)),
                }
            }
            ExprKind::List(items) => {
                let items = items
                    .iter()
                    .map(|item| self.eval(item, trace))
                    .collect::<Result<Vec<_>, _>>()?;
                node(Value::List(items))
            }
            ExprKind::Object(entries) => {
                let mut evaluated = Vec::with_capacity(entries.len());
                for (key, value) in entries {
                    let key_node = self.eval(key, trace)?;
                    let Some(name) = key_string(&key_node) else {
                        if key_node.is_unknown() {
                            // The value's links still count.
                            self.eval(value, trace)?;
                            return Ok(self.unknown(span));
                        }
                        return Err(Invalid);
                    };
                    let value = self.eval(value, trace)?;
                    evaluated.push(Entry {
                        key: name.into(),
                        key_span: key.span,
                        value,
                    });
                }
                node(Value::Map(last_wins(evaluated)))
            }
            ExprKind::Variable(name) => self.traversal_from(name, &[], span, trace),
            ExprKind::Traversal(base, steps) => match &base.kind {
                ExprKind::Variable(name) => self.traversal_from(name, steps, span, trace),
                _ => {
                    let base = self.eval(base, trace)?;
                    let walked = self.walk(&base, steps, trace)?;
                    if walked.is_unknown() {
                        return Ok(self.unknown(span));
                    }
                    Ok(respan_owned(walked, span))
                }
            },
            ExprKind::Call(name, args, expand) => self.call(name, args, *expand, span, trace),
            ExprKind::Conditional(parts) => {
                let [condition, then, otherwise] = &**parts;
                let condition = self.eval(condition, trace)?;
                match condition.value {
                    Value::Bool(true) => self.eval(then, trace),
                    Value::Bool(false) => self.eval(otherwise, trace),
                    Value::Unknown(_) => {
                        // Either branch may be taken: their references count.
                        let _ = self.eval(then, trace);
                        let _ = self.eval(otherwise, trace);
                        Ok(self.unknown(span))
                    }
                    _ => match to_bool(&condition) {
                        Some(true) => self.eval(then, trace),
                        Some(false) => self.eval(otherwise, trace),
                        None => Err(Invalid),
                    },
                }
            }
            ExprKind::Not(inner) => {
                let value = self.eval(inner, trace)?;
                if value.is_unknown() {
                    return Ok(self.unknown(span));
                }
                node(Value::Bool(!to_bool(&value).ok_or(Invalid)?))
            }
            ExprKind::Negate(inner) => {
                let value = self.eval(inner, trace)?;
                if value.is_unknown() {
                    return Ok(self.unknown(span));
                }
                node(Value::Number(-to_number(&value).ok_or(Invalid)?))
            }
            ExprKind::Binary(op, left, right) => {
                let left = self.eval(left, trace)?;
                let right = self.eval(right, trace)?;
                match binary(*op, &left, &right)? {
                    Some(value) => node(value),
                    None => Ok(self.unknown(span)),
                }
            }
            ExprKind::For(f) => self.for_expr(f, span, trace),
        }
    }

    /// Renders template parts into `out`; false when a part is unknown.
    fn template(
        &mut self,
        parts: &[Part],
        out: &mut String,
        trace: &mut Trace,
    ) -> Result<bool, Invalid> {
        let mut known = true;
        for part in parts {
            match part {
                Part::Literal(text) => out.push_str(text),
                Part::Interpolation(expr) => {
                    let value = self.eval(expr, trace)?;
                    if value.is_unknown() {
                        known = false;
                        continue;
                    }
                    out.push_str(&to_string(&value).ok_or(Invalid)?);
                }
                Part::If(condition, then, otherwise) => {
                    let condition = self.eval(condition, trace)?;
                    if condition.is_unknown() {
                        known = false;
                        continue;
                    }
                    let branch = if to_bool(&condition).ok_or(Invalid)? {
                        then
                    } else {
                        otherwise
                    };
                    known &= self.template(branch, out, trace)?;
                }
                Part::For {
                    key,
                    value,
                    collection,
                    body,
                } => {
                    let collection = self.eval(collection, trace)?;
                    let Some(items) = items(&collection) else {
                        if collection.is_unknown() {
                            known = false;
                            continue;
                        }
                        return Err(Invalid);
                    };
                    for (k, v) in items {
                        let bound = self.bind_pair(key.as_deref(), value, k, v);
                        let rendered = self.template(body, out, trace);
                        self.unbind(bound);
                        known &= rendered?;
                    }
                }
            }
        }
        Ok(known)
    }

    fn bind_pair(&mut self, key: Option<&str>, value: &str, k: Node, v: Node) -> usize {
        let mut bound = 1;
        if let Some(key) = key {
            self.bind(key, Named::new(k));
            bound += 1;
        }
        self.bind(value, Named::new(v));
        bound
    }

    /// A traversal rooted at a name: a binding, or whatever the scope says.
    fn traversal_from(
        &mut self,
        root: &str,
        steps: &[Step],
        span: Span,
        trace: &mut Trace,
    ) -> Evaluated {
        if let Some((_, named)) = self.bindings.iter().rev().find(|(name, _)| **name == *root) {
            let named = named.clone();
            return self.through(&named, steps, span, trace);
        }
        let attrs: Vec<&str> = steps
            .iter()
            .map_while(|step| match step {
                Step::Attr(name) => Some(&**name),
                _ => None,
            })
            .collect();
        match self.scope.reference(root, &attrs, self.depth)? {
            Reference::Value { named, consumed } => {
                self.through(&named, &steps[consumed..], span, trace)
            }
            Reference::Unknown { consumed, target } => {
                if let Some(target) = target {
                    trace.links.push(Link {
                        relation: REFERS_TO,
                        target,
                        span,
                    });
                }
                // Index expressions still refer to what they refer to.
                for step in &steps[consumed..] {
                    if let Step::Index(index) = step {
                        let _ = self.eval(index, trace);
                    }
                }
                Ok(self.unknown(span))
            }
        }
    }

    /// The part of a named value that `steps` lead to, used at `span`.
    fn through(
        &mut self,
        named: &Named,
        steps: &[Step],
        span: Span,
        trace: &mut Trace,
    ) -> Evaluated {
        let found = self.walk(&named.node, steps, trace)?;
        if found.is_unknown() {
            trace.carry(&named.trace, found.span, span);
            return Ok(self.unknown(span));
        }
        if found.span != span {
            let message = format!("`{}` is set here", shorten(self.text(span)));
            trace.origins.push((
                span,
                Provenance {
                    span: found.span,
                    message: message.into(),
                },
            ));
        }
        trace.carry(&named.trace, found.span, span);
        Ok(respan_owned(found, span))
    }

    /// Follows traversal steps through a value.
    fn walk(&mut self, node: &Node, steps: &[Step], trace: &mut Trace) -> Evaluated {
        let Some((step, rest)) = steps.split_first() else {
            return Ok(node.clone());
        };
        if node.is_unknown() {
            return Ok(node.clone());
        }
        match step {
            Step::Attr(name) => match &node.value {
                Value::Map(map) => match map.get(name) {
                    Some(entry) => self.walk(&entry.value, rest, trace),
                    None => Err(Invalid),
                },
                _ => Err(Invalid),
            },
            Step::Index(index) => {
                let index = self.eval(index, trace)?;
                if index.is_unknown() {
                    return Ok(Node::new(Value::Unknown("?".into()), node.span));
                }
                let item = match &node.value {
                    Value::List(items) => {
                        let i = to_number(&index).ok_or(Invalid)?;
                        if i < 0.0 || i.fract() != 0.0 {
                            return Err(Invalid);
                        }
                        items.get(i as usize).ok_or(Invalid)?
                    }
                    Value::Map(map) => {
                        let key = key_string(&index).ok_or(Invalid)?;
                        &map.get(&key).ok_or(Invalid)?.value
                    }
                    _ => return Err(Invalid),
                };
                self.walk(item, rest, trace)
            }
            Step::Splat => {
                let items: Vec<&Node> = match &node.value {
                    Value::List(items) => items.iter().collect(),
                    Value::Null => Vec::new(),
                    _ => vec![node],
                };
                let items = items
                    .into_iter()
                    .map(|item| self.walk(item, rest, trace))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Node::new(Value::List(items), node.span))
            }
        }
    }

    fn call(
        &mut self,
        name: &str,
        args: &[Expr],
        expand: bool,
        span: Span,
        trace: &mut Trace,
    ) -> Evaluated {
        match name {
            "try" => {
                for arg in args {
                    match self.eval(arg, trace) {
                        Ok(value) if has_unknown(&value) => return Ok(self.unknown(span)),
                        Ok(value) => return Ok(value),
                        Err(Invalid) => continue,
                    }
                }
                return Err(Invalid);
            }
            "can" => {
                let [arg] = args else { return Err(Invalid) };
                return Ok(match self.eval(arg, trace) {
                    Ok(value) if has_unknown(&value) => self.unknown(span),
                    Ok(_) => Node::new(Value::Bool(true), span),
                    Err(Invalid) => Node::new(Value::Bool(false), span),
                });
            }
            _ => {}
        }
        let mut values = args
            .iter()
            .map(|arg| self.eval(arg, trace))
            .collect::<Result<Vec<_>, _>>()?;
        if expand {
            let last = values.pop().ok_or(Invalid)?;
            match last.value {
                Value::List(items) => values.extend(items),
                Value::Unknown(_) => return Ok(self.unknown(span)),
                _ => return Err(Invalid),
            }
        }
        match functions::call(name, values, span)? {
            Some(node) => Ok(node),
            None => Ok(self.unknown(span)),
        }
    }

    fn for_expr(&mut self, f: &ForExpr, span: Span, trace: &mut Trace) -> Evaluated {
        let collection = self.eval(&f.collection, trace)?;
        if collection.is_unknown() {
            return Ok(self.unknown(span));
        }
        let Some(items) = items(&collection) else {
            return Err(Invalid);
        };
        let mut list = Vec::new();
        let mut map = Map::default();
        let mut index: HashMap<Box<str>, usize> = HashMap::new();
        for (k, v) in items {
            let bound = self.bind_pair(f.key_var.as_deref(), &f.value_var, k, v);
            let result = self.for_item(f, trace);
            self.unbind(bound);
            let Some((key, value)) = result? else {
                continue;
            };
            match key {
                None => list.push(value),
                Some(key) => {
                    let Some(name) = key_string(&key) else {
                        return Ok(self.unknown(span));
                    };
                    match index.get(name.as_str()).map(|&at| &mut map.entries[at]) {
                        Some(entry) if f.grouping => match &mut entry.value.value {
                            Value::List(items) => items.push(value),
                            _ => return Err(Invalid),
                        },
                        Some(_) => return Err(Invalid),
                        None => {
                            let value = if f.grouping {
                                Node::new(Value::List(vec![value]), f.value.span)
                            } else {
                                value
                            };
                            index.insert(name.as_str().into(), map.entries.len());
                            map.entries.push(Entry {
                                key: name.into(),
                                key_span: key.span,
                                value,
                            });
                        }
                    }
                }
            }
        }
        Ok(match f.key {
            None => Node::new(Value::List(list), span),
            Some(_) => Node::new(Value::Map(map), span),
        })
    }

    /// One item of a `for`: `None` when its condition excludes it. An
    /// unknown condition or key leaves the whole result unknown.
    #[allow(clippy::type_complexity)]
    fn for_item(
        &mut self,
        f: &ForExpr,
        trace: &mut Trace,
    ) -> Result<Option<(Option<Node>, Node)>, Invalid> {
        if let Some(condition) = &f.condition {
            let condition = self.eval(condition, trace)?;
            if condition.is_unknown() {
                return Err(Invalid);
            }
            if !to_bool(&condition).ok_or(Invalid)? {
                return Ok(None);
            }
        }
        let key = f.key.as_ref().map(|k| self.eval(k, trace)).transpose()?;
        if key.as_ref().is_some_and(Node::is_unknown) {
            return Err(Invalid);
        }
        let value = self.eval(&f.value, trace)?;
        Ok(Some((key, value)))
    }
}

/// The map of `entries` in which a later entry replaces an earlier one of
/// the same key, taking the later one's place; in linear time, as a map
/// may have as many keys as a file has lines.
pub fn last_wins(entries: Vec<Entry>) -> Map {
    let mut last: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    for (at, entry) in entries.iter().enumerate() {
        last.insert(&entry.key, at);
    }
    let kept: Vec<bool> = entries
        .iter()
        .enumerate()
        .map(|(at, entry)| last[&*entry.key] == at)
        .collect();
    Map {
        entries: entries
            .into_iter()
            .zip(kept)
            .filter_map(|(entry, kept)| kept.then_some(entry))
            .collect(),
    }
}

/// An expression as a message quotes it: on one line, and not too long.
fn shorten(text: &str) -> String {
    const LIMIT: usize = 60;
    if text.len() <= LIMIT && !text.contains('\n') {
        return text.to_string();
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > LIMIT {
        format!("{}…", text.chars().take(LIMIT - 1).collect::<String>())
    } else {
        text
    }
}

/// The items of a list (keyed by index) or map (keyed by key) for `for`.
pub fn items(node: &Node) -> Option<Vec<(Node, Node)>> {
    match &node.value {
        Value::List(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, item)| (Node::new(Value::Number(i as f64), item.span), item.clone()))
                .collect(),
        ),
        Value::Map(map) => Some(
            map.entries
                .iter()
                .map(|e| {
                    (
                        Node::new(Value::String(Box::from(&*e.key)), e.key_span),
                        e.value.clone(),
                    )
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Moves a value, and everything in it, to the span where it is used.
pub fn respan_owned(mut node: Node, span: Span) -> Node {
    respan(&mut node, span);
    node
}

pub fn respan(node: &mut Node, span: Span) {
    node.span = span;
    match &mut node.value {
        Value::List(items) => items.iter_mut().for_each(|item| respan(item, span)),
        Value::Map(map) => {
            for entry in &mut map.entries {
                entry.key_span = span;
                respan(&mut entry.value, span);
            }
        }
        _ => {}
    }
}

pub fn has_unknown(node: &Node) -> bool {
    match &node.value {
        Value::Unknown(_) => true,
        Value::List(items) => items.iter().any(has_unknown),
        Value::Map(map) => map.entries.iter().any(|e| has_unknown(&e.value)),
        _ => false,
    }
}

/// A map key: strings, and numbers and bools converted as Terraform does.
pub fn key_string(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.to_string()),
        Value::Number(_) | Value::Bool(_) => to_string(node),
        _ => None,
    }
}

/// Terraform's conversion of a primitive to a string.
pub fn to_string(node: &Node) -> Option<String> {
    match &node.value {
        Value::String(s) => Some(s.to_string()),
        Value::Number(n) => Some(crate::model::format_number(*n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

pub fn to_number(node: &Node) -> Option<f64> {
    match &node.value {
        Value::Number(n) => Some(*n),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub fn to_bool(node: &Node) -> Option<bool> {
    match &node.value {
        Value::Bool(b) => Some(*b),
        Value::String(s) if &**s == "true" => Some(true),
        Value::String(s) if &**s == "false" => Some(false),
        _ => None,
    }
}

/// A binary operation; `None` when an operand is unknown and the result
/// depends on it.
fn binary(op: Operator, left: &Node, right: &Node) -> Result<Option<Value>, Invalid> {
    use Operator::*;
    if matches!(op, And | Or) {
        let decisive = op == Or;
        let (l, r) = (bool_or_unknown(left)?, bool_or_unknown(right)?);
        return Ok(match (l, r) {
            (Some(a), _) if a == decisive => Some(Value::Bool(decisive)),
            (_, Some(b)) if b == decisive => Some(Value::Bool(decisive)),
            (Some(_), Some(_)) => Some(Value::Bool(!decisive)),
            _ => None,
        });
    }
    if has_unknown(left) || has_unknown(right) {
        return Ok(None);
    }
    if matches!(op, Eq | NotEq) {
        let equal = crate::formats::terraform::functions::equal(left, right);
        return Ok(Some(Value::Bool(equal == (op == Eq))));
    }
    let (a, b) = (
        to_number(left).ok_or(Invalid)?,
        to_number(right).ok_or(Invalid)?,
    );
    Ok(Some(match op {
        Less => Value::Bool(a < b),
        LessEq => Value::Bool(a <= b),
        Greater => Value::Bool(a > b),
        GreaterEq => Value::Bool(a >= b),
        Plus => Value::Number(a + b),
        Minus => Value::Number(a - b),
        Mul => Value::Number(a * b),
        Div if b == 0.0 => return Err(Invalid),
        Div => Value::Number(a / b),
        Mod if b == 0.0 => return Err(Invalid),
        Mod => Value::Number(a % b),
        Eq | NotEq | And | Or => unreachable!("handled above"),
    }))
}

fn bool_or_unknown(node: &Node) -> Result<Option<bool>, Invalid> {
    if node.is_unknown() {
        return Ok(None);
    }
    to_bool(node).map(Some).ok_or(Invalid)
}
