//! Module instances: the blocks of one directory evaluated with one set of
//! inputs. Locals and module calls are evaluated on demand and once;
//! `count`, `for_each` and `dynamic` blocks are expanded when known and
//! evaluated once with the iterated value unknown when not; local modules
//! are evaluated once per call with the inputs the caller passes.

use std::cell::Cell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::OnceLock;

use super::Run;
use super::eval::{Evaluator, Invalid, Named, Reference, Scope, Trace, to_bool, to_number};
use super::objects;
use super::syntax::{Attribute, Block, Body, Expr, ExprKind};
use crate::model::{Diagnostic, Entry, Map, Node, Object, Problem, Provenance, Target, Value};
use crate::source::Span;

/// The parsed files of one directory.
#[derive(Debug, Default)]
pub struct Module {
    pub dir: PathBuf,
    /// Every top-level block of every `.tf` and `.tf.json` file, by path.
    pub blocks: Vec<Block>,
    /// `terraform.tfvars`, `terraform.tfvars.json`, then `*.auto.tfvars(.json)`
    /// in lexical order: the variable files Terraform reads by itself.
    pub tfvars: Vec<Body>,
    /// Why the directory could not be read (it leads outside the checked
    /// repository, or cannot be listed), when it could not.
    pub unread: Option<String>,
    /// Locals and module calls by name, made on first use, once the
    /// override files are merged: looking each up in every block made
    /// thousands of locals quadratic.
    names: OnceLock<Names>,
}

#[derive(Debug, Default)]
struct Names {
    /// `(block, attribute)`: the first `locals` block that sets the local,
    /// and its last setting there, as [`Body::attribute`] finds it.
    locals: HashMap<Box<str>, (usize, usize)>,
    /// The first `module` block of each name.
    calls: HashMap<Box<str>, usize>,
}

impl Module {
    pub fn new(dir: PathBuf) -> Self {
        Module {
            dir,
            ..Module::default()
        }
    }

    fn names(&self) -> &Names {
        self.names.get_or_init(|| {
            let mut names = Names::default();
            for (b, block) in self.blocks.iter().enumerate() {
                match &*block.keyword {
                    "locals" => {
                        for (a, attribute) in block.body.attributes.iter().enumerate() {
                            let at = names.locals.entry(attribute.name.clone()).or_insert((b, a));
                            if at.0 == b {
                                *at = (b, a);
                            }
                        }
                    }
                    "module" => {
                        if let Some(name) = block.label(0) {
                            names.calls.entry(name.into()).or_insert(b);
                        }
                    }
                    _ => {}
                }
            }
            names
        })
    }

    /// The expression of `local.NAME`.
    pub fn local(&self, name: &str) -> Option<&Attribute> {
        let &(block, attribute) = self.names().locals.get(name)?;
        Some(&self.blocks[block].body.attributes[attribute])
    }

    /// The block of `module.NAME`.
    pub fn call(&self, name: &str) -> Option<&Block> {
        Some(&self.blocks[*self.names().calls.get(name)?])
    }

    pub fn blocks<'a>(&'a self, keyword: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| &*b.keyword == keyword)
    }

    /// Merges an override file as Terraform does: each of its blocks
    /// replaces the attributes it sets, and every nested block of a type it
    /// writes, in the block of the same type and labels (locals one by
    /// one). A block that overrides nothing is ignored, as Terraform
    /// refuses it.
    pub fn apply_override(&mut self, body: Body) {
        self.names.take();
        for block in body.blocks {
            if &*block.keyword == "locals" {
                for attribute in block.body.attributes {
                    let target = self
                        .blocks
                        .iter_mut()
                        .filter(|b| &*b.keyword == "locals")
                        .find(|b| b.body.attribute(&attribute.name).is_some());
                    if let Some(target) = target {
                        merge_attribute(&mut target.body, attribute);
                    }
                }
                continue;
            }
            let same = |b: &&mut Block| {
                b.keyword == block.keyword
                    && b.labels
                        .iter()
                        .map(|l| &l.0)
                        .eq(block.labels.iter().map(|l| &l.0))
            };
            let Some(target) = self.blocks.iter_mut().find(same) else {
                continue;
            };
            for attribute in block.body.attributes {
                merge_attribute(&mut target.body, attribute);
            }
            for nested in &block.body.blocks {
                target.body.blocks.retain(|b| b.keyword != nested.keyword);
            }
            target.body.blocks.extend(block.body.blocks);
        }
    }

    /// The directories of the local modules this one calls.
    pub fn local_calls(&self) -> Vec<PathBuf> {
        self.blocks("module")
            .filter_map(|b| local_source(&self.dir, b))
            .collect()
    }
}

fn merge_attribute(body: &mut Body, attribute: super::syntax::Attribute) {
    body.attributes.retain(|a| a.name != attribute.name);
    body.attributes.push(attribute);
}

/// The directory a `module` block's literal `./` or `../` source names.
pub fn local_source(dir: &Path, block: &Block) -> Option<PathBuf> {
    let source = literal_string(&block.body.attribute("source")?.value)?;
    (source.starts_with("./") || source.starts_with("../"))
        .then(|| crate::discover::normalize(&dir.join(source)))
}

fn literal_string(expr: &Expr) -> Option<&str> {
    match &expr.kind {
        ExprKind::Literal(Value::String(s)) => Some(s),
        _ => None,
    }
}

/// How deep module calls may nest.
const MAX_MODULE_DEPTH: usize = 16;
/// More instances than this of one block are evaluated once, as unknown.
const MAX_INSTANCES: usize = 256;
/// How many block instances (of resources, modules and every other block,
/// in every module instance) one root module expands to, at most: modules
/// that call each other with `count` multiply.
pub const MAX_EXPANDED: usize = 50_000;

/// What is left of a root module's [`MAX_EXPANDED`]; `None` once it ran
/// out, which is reported once.
pub type Budget = Cell<Option<usize>>;

/// What bounds a module instance's evaluation: its root module's budget,
/// and how deep the expression that called it is nested.
#[derive(Clone, Copy)]
pub struct Bounds<'r> {
    pub budget: &'r Budget,
    pub depth: usize,
}

/// What one module instance (and the modules it calls) produced.
#[derive(Default)]
pub struct Output {
    pub objects: Vec<Object>,
    pub diagnostics: Vec<Diagnostic>,
}

enum Slot {
    Evaluating,
    Done(Rc<Named>),
}

pub struct Instance<'r> {
    run: &'r Run<'r>,
    module: &'r Module,
    /// `""` for a root module, `module.api`, `module.api["a"].module.db`.
    namespace: Box<str>,
    vars: HashMap<Box<str>, Rc<Named>>,
    locals: HashMap<Box<str>, Slot>,
    calls: HashMap<Box<str>, Slot>,
    /// The module calls this instance was reached through.
    trail: Vec<Provenance>,
    /// The directories of the instances above this one, to stop recursion.
    stack: Vec<&'r Path>,
    budget: &'r Budget,
    /// How deep the expression whose reference is being evaluated is
    /// nested: what this instance evaluates meanwhile starts there.
    depth: usize,
    output: Output,
}

/// One instance of an expanded block: the names it binds.
struct Expansion {
    bindings: Vec<(&'static str, Rc<Named>)>,
}

impl<'r> Instance<'r> {
    pub fn new(
        run: &'r Run<'r>,
        module: &'r Module,
        namespace: Box<str>,
        vars: HashMap<Box<str>, Rc<Named>>,
        trail: Vec<Provenance>,
        stack: Vec<&'r Path>,
        bounds: Bounds<'r>,
    ) -> Self {
        let mut instance = Instance {
            run,
            module,
            namespace,
            vars: HashMap::new(),
            locals: HashMap::new(),
            calls: HashMap::new(),
            trail,
            stack,
            budget: bounds.budget,
            depth: bounds.depth,
            output: Output::default(),
        };
        instance.vars = instance.variables(vars);
        instance
    }

    /// The value of each declared variable: what was given, else its
    /// default, converted to its declared primitive type. A variable with
    /// neither is absent, and so unknown.
    fn variables(
        &mut self,
        mut given: HashMap<Box<str>, Rc<Named>>,
    ) -> HashMap<Box<str>, Rc<Named>> {
        let mut vars = HashMap::new();
        for block in self.module.blocks("variable") {
            let Some(name) = block.label(0) else { continue };
            let value = match given.remove(name) {
                Some(value) => Some(value),
                None => block.body.attribute("default").map(|default| {
                    let mut trace = Trace::default();
                    let node = self.evaluator().value(&default.value, &mut trace);
                    Rc::new(Named { node, trace })
                }),
            };
            let Some(value) = value else { continue };
            let declared = block
                .body
                .attribute("type")
                .map(|t| self.run.text(t.value.span));
            vars.insert(name.into(), convert(value, declared));
        }
        vars
    }

    fn evaluator(&mut self) -> Evaluator<'_, Self> {
        let (sources, depth) = (self.run.sources, self.depth);
        Evaluator::nested(self, sources, depth)
    }

    /// Evaluates every block: objects for resources, data sources,
    /// variables, outputs, providers and settings, and the modules called.
    pub fn run(mut self) -> (Output, Rc<Named>) {
        let module = self.module;
        for block in &module.blocks {
            match &*block.keyword {
                "locals" => {}
                "module" => {
                    if let Some(name) = block.label(0) {
                        self.call(name);
                    }
                    self.emit(block, "module".into(), block.label(0));
                }
                "resource" | "data" => {
                    let (Some(kind), Some(name)) = (block.label(0), block.label(1)) else {
                        continue;
                    };
                    let kind = if &*block.keyword == "data" {
                        format!("data.{kind}")
                    } else {
                        kind.to_string()
                    };
                    self.emit(block, kind, Some(name));
                }
                keyword => self.emit(block, keyword.to_string(), block.label(0)),
            }
        }
        let outputs = self.outputs();
        (self.output, outputs)
    }

    /// The objects of a block, one per instance.
    fn emit(&mut self, block: &'r Block, kind: String, name: Option<&str>) {
        for expansion in self.expand(block) {
            let count = expansion.bindings.len();
            let mut trace = Trace::default();
            let mut eval = self.evaluator();
            for (name, value) in expansion.bindings {
                eval.bind(name, value);
            }
            let body = objects::body(&mut eval, block, &mut trace);
            eval.unbind(count);
            let object = objects::object(
                block,
                &kind,
                name,
                &self.namespace,
                body,
                trace,
                self.trail.clone(),
            );
            if let Some(lifted) = objects::kubernetes(&object) {
                self.output.objects.push(lifted);
            }
            self.output.objects.push(object);
        }
    }

    /// The instances of a block, charged to the root module's budget; none
    /// once it has run out.
    fn expand(&mut self, block: &Block) -> Vec<Expansion> {
        let Some(left) = self.budget.get() else {
            return Vec::new();
        };
        let expansions = self.expansions(block);
        if expansions.len() <= left {
            self.budget.set(Some(left - expansions.len()));
            return expansions;
        }
        self.budget.set(None);
        // Reported at the root module's call that led here: the module
        // files themselves may not be reported.
        let call = self.trail.first().map_or(block.keyword_span, |p| p.span);
        let mut diagnostic = Diagnostic::new(
            Problem::ModuleNotEvaluated,
            call,
            format!(
                "this module expands to more than {MAX_EXPANDED} blocks in its module \
                 instances (modules calling modules with `count`?); evaluation stops, and \
                 the rest is not checked"
            ),
        );
        diagnostic
            .related
            .push((block.keyword_span, "evaluation stops here".into()));
        self.output.diagnostics.push(diagnostic);
        Vec::new()
    }

    /// The instances of a block with `count` or `for_each`: none when the
    /// count is zero, one with the iterated value unknown when it cannot
    /// be known.
    fn expansions(&mut self, block: &Block) -> Vec<Expansion> {
        if !matches!(&*block.keyword, "resource" | "data" | "module") {
            return vec![Expansion {
                bindings: Vec::new(),
            }];
        }
        let unknown = |name: &'static str, span: Span, text: &str| Expansion {
            bindings: vec![(
                name,
                Named::new(Node::new(Value::Unknown(text.into()), span)),
            )],
        };
        if let Some(count) = block.body.attribute("count") {
            let mut trace = Trace::default();
            let value = self.evaluator().value(&count.value, &mut trace);
            let span = count.value.span;
            return match to_number(&value) {
                Some(n) if n >= 0.0 && (n as usize) <= MAX_INSTANCES => (0..n as usize)
                    .map(|i| Expansion {
                        bindings: vec![(
                            "count",
                            Named::new(map_node(span, vec![("index", Value::Number(i as f64))])),
                        )],
                    })
                    .collect(),
                _ => vec![unknown("count", span, self.run.text(span))],
            };
        }
        if let Some(for_each) = block.body.attribute("for_each") {
            let mut trace = Trace::default();
            let value = self.evaluator().value(&for_each.value, &mut trace);
            let span = for_each.value.span;
            let pairs: Option<Vec<(Node, Node)>> = match &value.value {
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
                // A set of strings: each key is its value.
                Value::List(items) if items.iter().all(|i| i.as_str().is_some()) => {
                    Some(items.iter().map(|i| (i.clone(), i.clone())).collect())
                }
                _ => None,
            };
            return match pairs {
                Some(pairs) if pairs.len() <= MAX_INSTANCES => pairs
                    .into_iter()
                    .map(|(key, value)| Expansion {
                        bindings: vec![(
                            "each",
                            Rc::new(Named {
                                node: each_node(span, key, value),
                                trace: trace.clone(),
                            }),
                        )],
                    })
                    .collect(),
                _ => vec![unknown("each", span, self.run.text(span))],
            };
        }
        vec![Expansion {
            bindings: Vec::new(),
        }]
    }

    /// The value of `module.NAME`: its outputs (a list or map of them for
    /// `count` or `for_each`), evaluating the module the first time.
    fn call(&mut self, name: &str) -> Option<Rc<Named>> {
        match self.calls.get(name) {
            Some(Slot::Done(value)) => return Some(value.clone()),
            Some(Slot::Evaluating) => return None,
            None => {}
        }
        let block = self.module.call(name)?;
        self.calls.insert(name.into(), Slot::Evaluating);
        let value = self.evaluate_call(name, block);
        self.calls.insert(name.into(), Slot::Done(value.clone()));
        Some(value)
    }

    fn evaluate_call(&mut self, name: &str, block: &'r Block) -> Rc<Named> {
        let unknown = |span: Span, run: &Run| {
            Named::new(Node::new(Value::Unknown(run.text(span).into()), span))
        };
        let Some(source) = block.body.attribute("source") else {
            return unknown(block.keyword_span, self.run);
        };
        let Some(dir) = local_source(&self.module.dir, block) else {
            let what = literal_string(&source.value).unwrap_or("an expression");
            self.output.diagnostics.push(Diagnostic::new(
                Problem::ModuleNotEvaluated,
                source.value.span,
                format!("module `{name}` comes from `{what}`, which is not fetched: its resources are not checked and its outputs are unknown"),
            ));
            return unknown(block.keyword_span, self.run);
        };
        let child = self.run.module(&dir);
        let recursive = dir == self.module.dir
            || self.stack.contains(&dir.as_path())
            || self.stack.len() >= MAX_MODULE_DEPTH;
        let Some(child) = child.filter(|c| !recursive && c.unread.is_none()) else {
            let message = if let Some(why) = child.and_then(|c| c.unread.as_ref()) {
                format!("module `{name}`: {why}; it is not evaluated")
            } else if recursive {
                format!(
                    "module `{name}` calls itself, or nests deeper than {MAX_MODULE_DEPTH} modules: it is not evaluated"
                )
            } else {
                format!(
                    "module `{name}`: no Terraform files in `{}`; it is not evaluated",
                    dir.display()
                )
            };
            self.output.diagnostics.push(Diagnostic::new(
                Problem::ModuleNotEvaluated,
                source.value.span,
                message,
            ));
            return unknown(block.keyword_span, self.run);
        };
        let label_span = block.labels.first().map_or(block.keyword_span, |l| l.1);
        let keyed =
            block.body.attribute("count").is_some() || block.body.attribute("for_each").is_some();
        let mut instances = Vec::new();
        for expansion in self.expand(block) {
            let key = expansion
                .bindings
                .first()
                .and_then(|(_, named)| instance_key(&named.node));
            let count = expansion.bindings.len();
            let mut inputs = HashMap::new();
            {
                let mut eval = self.evaluator();
                for (name, value) in expansion.bindings {
                    eval.bind(name, value);
                }
                for attribute in &block.body.attributes {
                    if matches!(
                        &*attribute.name,
                        "source" | "version" | "count" | "for_each" | "providers" | "depends_on"
                    ) {
                        continue;
                    }
                    let mut trace = Trace::default();
                    let node = eval.value(&attribute.value, &mut trace);
                    inputs.insert(attribute.name.clone(), Rc::new(Named { node, trace }));
                }
                eval.unbind(count);
            }
            let suffix = key.as_ref().map_or(String::new(), |k| k.suffix());
            let prefix = if self.namespace.is_empty() {
                String::new()
            } else {
                format!("{}.", self.namespace)
            };
            let namespace = format!("{prefix}module.{name}{suffix}");
            let mut trail = self.trail.clone();
            trail.push(Provenance {
                span: label_span,
                message: format!("in module `{name}{suffix}`, called here").into(),
            });
            let mut stack = self.stack.clone();
            stack.push(&self.module.dir);
            let instance = Instance::new(
                self.run,
                child,
                namespace.into(),
                inputs,
                trail,
                stack,
                Bounds {
                    budget: self.budget,
                    depth: self.depth,
                },
            );
            let (output, outputs) = instance.run();
            self.output.objects.extend(output.objects);
            self.output.diagnostics.extend(output.diagnostics);
            instances.push((key, outputs));
        }
        if !keyed {
            return instances.pop().map_or_else(
                || unknown(block.keyword_span, self.run),
                |(_, outputs)| outputs,
            );
        }
        // `module.x[0]` or `module.x["a"]`: the instances' outputs together.
        let mut trace = Trace::default();
        let mut list = Vec::new();
        let mut map = Map::default();
        let mut unknown_key = false;
        for (key, outputs) in instances {
            trace.extend(outputs.trace.clone());
            match key {
                Some(InstanceKey::Index(_)) => list.push(outputs.node.clone()),
                Some(InstanceKey::Key(k)) => map.entries.push(Entry {
                    key: k.into(),
                    key_span: label_span,
                    value: outputs.node.clone(),
                }),
                None => unknown_key = true,
            }
        }
        let value = if unknown_key {
            Value::Unknown(self.run.text(block.keyword_span).into())
        } else if block.body.attribute("count").is_some() {
            Value::List(list)
        } else {
            Value::Map(map)
        };
        Rc::new(Named {
            node: Node::new(value, label_span),
            trace,
        })
    }

    /// The outputs of this instance, as a map.
    fn outputs(&mut self) -> Rc<Named> {
        let module = self.module;
        let mut map = Map::default();
        let mut trace = Trace::default();
        for block in module.blocks("output") {
            let (Some(name), Some(value)) = (block.label(0), block.body.attribute("value")) else {
                continue;
            };
            let node = self.evaluator().value(&value.value, &mut trace);
            map.entries.push(Entry {
                key: name.into(),
                key_span: block.labels[0].1,
                value: node,
            });
        }
        let span = module
            .blocks
            .first()
            .map_or_else(Span::default, |b| b.keyword_span);
        Rc::new(Named {
            node: Node::new(Value::Map(map), span),
            trace,
        })
    }

    fn local(&mut self, name: &str) -> Option<Rc<Named>> {
        match self.locals.get(name) {
            Some(Slot::Done(value)) => return Some(value.clone()),
            Some(Slot::Evaluating) => return None,
            None => {}
        }
        let attribute = self.module.local(name)?;
        self.locals.insert(name.into(), Slot::Evaluating);
        let mut trace = Trace::default();
        let node = self.evaluator().value(&attribute.value, &mut trace);
        let value = Rc::new(Named { node, trace });
        self.locals.insert(name.into(), Slot::Done(value.clone()));
        Some(value)
    }

    fn target(&self, kind: String, name: &str) -> Target {
        Target::Name {
            kinds: vec![kind.into()],
            namespace: Some(self.namespace.clone()),
            name: name.into(),
        }
    }
}

impl Scope for Instance<'_> {
    fn reference(
        &mut self,
        root: &str,
        attrs: &[&str],
        depth: usize,
    ) -> Result<Reference, Invalid> {
        let outer = std::mem::replace(&mut self.depth, depth);
        let reference = self.resolve(root, attrs);
        self.depth = outer;
        reference
    }
}

impl Instance<'_> {
    fn resolve(&mut self, root: &str, attrs: &[&str]) -> Result<Reference, Invalid> {
        let unknown = |consumed: usize| {
            Ok(Reference::Unknown {
                consumed,
                target: None,
            })
        };
        let value = |named: Option<Rc<Named>>| match named {
            Some(named) => Ok(Reference::Value { named, consumed: 1 }),
            None => Ok(Reference::Unknown {
                consumed: 1,
                target: None,
            }),
        };
        let Some(&first) = attrs.first() else {
            return unknown(0);
        };
        match root {
            "var" => value(self.vars.get(first).cloned()),
            "local" => value(self.local(first)),
            "module" => value(self.call(first)),
            "path" => {
                let dir = match first {
                    "module" => self.module.dir.clone(),
                    // The directory of the outermost module.
                    "root" => self
                        .stack
                        .first()
                        .map_or(&*self.module.dir, |d| d)
                        .to_path_buf(),
                    "cwd" => PathBuf::from("."),
                    _ => return Err(Invalid),
                };
                let text = crate::source::display_path(&dir);
                let span = self
                    .module
                    .blocks
                    .first()
                    .map_or_else(Span::default, |b| b.keyword_span);
                value(Some(Named::new(Node::new(
                    Value::String(text.into()),
                    span,
                ))))
            }
            "data" => match attrs {
                [kind, name, ..] => Ok(Reference::Unknown {
                    consumed: 2,
                    target: Some(self.target(format!("data.{kind}"), name)),
                }),
                _ => unknown(attrs.len()),
            },
            "count" | "each" | "self" | "terraform" => unknown(1),
            kind => Ok(Reference::Unknown {
                consumed: 1,
                target: Some(self.target(kind.to_string(), first)),
            }),
        }
    }
}

/// The key of one instance of a block with `count` or `for_each`.
enum InstanceKey {
    Index(usize),
    Key(String),
}

impl InstanceKey {
    fn suffix(&self) -> String {
        match self {
            InstanceKey::Index(i) => format!("[{i}]"),
            InstanceKey::Key(k) => format!("[{}]", serde_json::to_string(k).unwrap_or_default()),
        }
    }
}

fn instance_key(binding: &Node) -> Option<InstanceKey> {
    if let Some(index) = binding.get("index") {
        return to_number(index).map(|n| InstanceKey::Index(n as usize));
    }
    binding
        .get("key")?
        .as_str()
        .map(|k| InstanceKey::Key(k.to_string()))
}

fn map_node(span: Span, entries: Vec<(&str, Value)>) -> Node {
    Node::new(
        Value::Map(Map {
            entries: entries
                .into_iter()
                .map(|(key, value)| Entry {
                    key: key.into(),
                    key_span: span,
                    value: Node::new(value, span),
                })
                .collect(),
        }),
        span,
    )
}

fn each_node(span: Span, key: Node, value: Node) -> Node {
    Node::new(
        Value::Map(Map {
            entries: vec![
                Entry {
                    key: "key".into(),
                    key_span: span,
                    value: key,
                },
                Entry {
                    key: "value".into(),
                    key_span: span,
                    value,
                },
            ],
        }),
        span,
    )
}

/// Converts a variable's value to its declared primitive type, as
/// Terraform does (`"true"` for a `bool`, `"5"` for a `number`).
fn convert(value: Rc<Named>, declared: Option<&str>) -> Rc<Named> {
    let converted = match (declared.map(str::trim), &value.node.value) {
        (Some("bool"), Value::String(_)) => to_bool(&value.node).map(Value::Bool),
        (Some("number"), Value::String(_)) => to_number(&value.node).map(Value::Number),
        (Some("string"), Value::Number(_) | Value::Bool(_)) => {
            super::eval::to_string(&value.node).map(|s| Value::String(s.into()))
        }
        _ => None,
    };
    match converted {
        Some(converted) => Rc::new(Named {
            node: Node::new(converted, value.node.span),
            trace: value.trace.clone(),
        }),
        None => value,
    }
}
