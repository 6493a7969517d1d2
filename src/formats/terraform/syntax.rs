//! Terraform syntax: native `.tf` files (through `hcl-edit`) and `.tf.json`
//! files (through the span-preserving YAML/JSON front end) become one tree
//! of blocks, attributes and expressions in which every part keeps its span.

use hcl_edit::Span as _;
use hcl_edit::expr::{self, Expression, ObjectKey, TraversalOperator};
use hcl_edit::structure::{self, BlockLabel, Structure};
use hcl_edit::template::{Directive, Element, Template};

use crate::formats::yaml;
use crate::model::{Diagnostic, Node, Problem, Value};
use crate::source::{Source, SourceId, Span};

#[derive(Clone, Debug, Default)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: Box<str>,
    pub name_span: Span,
    pub value: Expr,
}

#[derive(Clone, Debug)]
pub struct Block {
    /// The block type: `resource`, `variable`, `ingress`, …
    pub keyword: Box<str>,
    pub keyword_span: Span,
    pub labels: Vec<(Box<str>, Span)>,
    pub body: Body,
    pub span: Span,
}

impl Body {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().rev().find(|a| &*a.name == name)
    }
}

impl Block {
    pub fn label(&self, index: usize) -> Option<&str> {
        self.labels.get(index).map(|(label, _)| &**label)
    }
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    /// `null`, a bool, a number or a string without interpolations.
    Literal(Value),
    Template(Vec<Part>),
    List(Vec<Expr>),
    Object(Vec<(Expr, Expr)>),
    Variable(Box<str>),
    Traversal(Box<Expr>, Vec<Step>),
    /// A function call; `true` when the last argument is expanded (`f(xs...)`).
    Call(Box<str>, Vec<Expr>, bool),
    Conditional(Box<[Expr; 3]>),
    Not(Box<Expr>),
    Negate(Box<Expr>),
    Binary(Operator, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operator {
    Eq,
    NotEq,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Plus,
    Minus,
    Mul,
    Div,
    Mod,
    And,
    Or,
}

#[derive(Clone, Debug)]
pub enum Step {
    Attr(Box<str>),
    Index(Expr),
    /// `.*` or `[*]`: what follows applies to every item.
    Splat,
}

#[derive(Clone, Debug)]
pub enum Part {
    Literal(Box<str>),
    Interpolation(Expr),
    If(Expr, Vec<Part>, Vec<Part>),
    For {
        key: Option<Box<str>>,
        value: Box<str>,
        collection: Expr,
        body: Vec<Part>,
    },
}

#[derive(Clone, Debug)]
pub struct ForExpr {
    pub key_var: Option<Box<str>>,
    pub value_var: Box<str>,
    pub collection: Expr,
    /// Present for an object `for` (`{for k, v in x : k => v}`).
    pub key: Option<Expr>,
    pub value: Expr,
    pub condition: Option<Expr>,
    pub grouping: bool,
}

/// A parsed file: its body (empty when it does not parse) and the problems
/// found in it.
#[derive(Debug, Default)]
pub struct Parsed {
    pub body: Body,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses one `.tf`, `.tfvars`, `.tf.json` or `.tfvars.json` file.
pub fn parse(source: &Source) -> Parsed {
    if is_json(&source.path) {
        parse_json(source)
    } else {
        parse_native(source)
    }
}

/// Parses the expression at `start..end` of a source (a `--var` value).
pub fn parse_expression(source: &Source, start: usize, end: usize) -> Option<Expr> {
    let expression = hcl_edit::parser::parse_expr(source.text.get(start..end)?).ok()?;
    let native = Native {
        id: source.id,
        shift: Some(Shift {
            by: start,
            fallback: None,
        }),
    };
    Some(native.expr(&expression, Span::new(source.id, start, end)))
}

fn is_json(path: &std::path::Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"))
}

/// How many repeated object keys one file may have before it is given up.
const MAX_REPEATED_KEYS: usize = 64;

/// How many key comparisons the object constructors of one file may cost.
/// hcl-edit compares each key of an object with every earlier one, so one
/// huge object takes quadratic time; this bounds a file to about a second
/// (one object of some 14,000 keys, or any number of ordinary ones).
const KEY_COMPARISONS: usize = 100_000_000;

/// How many objects and lists may be open at once as operands of a binary
/// or unary operator (`a / {…}`). When such an operand does not parse,
/// hcl-edit parses it a second time at every level on its way out
/// (`binary_ops` rewinds, `expr_inner` tries again), so the time doubles
/// with each level: 20 levels in 879 bytes took 2 s (found by the
/// `terraform` fuzz target). Real configurations compare with an object
/// or a list now and then (`x == {}`), never nested.
const MAX_OPERAND_BRACKETS: usize = 8;

/// Where the file first nests more than [`MAX_OPERAND_BRACKETS`] operands,
/// or the key that exhausts [`KEY_COMPARISONS`] starts, with what to say
/// there. Counts every `=` and `:` directly in an object constructor,
/// outside strings and comments (an over-count: a `? :` in a value counts
/// too). A `{` opens an object where a value is expected, and a block after
/// its type and labels.
fn past_budget(text: &str) -> Option<(usize, &'static str)> {
    let bytes = text.as_bytes();
    let line_end = |i: usize| memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |n| i + n);
    // For each open brace, the keys of its object so far (None: a block).
    let mut open: Vec<Option<usize>> = Vec::new();
    let (mut comparisons, mut last, mut i) = (0usize, b'\n', 0);
    // The open brackets, each with whether it is (in) an operand; a closing
    // one that does not match the innermost closes nothing. `operator`: an
    // operator came since the current expression of the innermost bracket
    // began, so what opens now is part of an operand.
    let mut brackets: Vec<(u8, bool)> = Vec::new();
    let (mut operands, mut operator) = (0, false);
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            // Comments are not what comes before a brace.
            b'#' => {
                i = line_end(i);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                i = line_end(i);
                continue;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = memchr::memmem::find(&bytes[i + 2..], b"*/").map_or(bytes.len(), |n| i + n + 3);
                continue;
            }
            b'{' | b'[' | b'(' => {
                brackets.push((byte, operator));
                operands += usize::from(operator);
                if operands > MAX_OPERAND_BRACKETS {
                    return Some((i, OPERANDS));
                }
                operator = false;
                if byte == b'{' {
                    let object = matches!(last, b'=' | b':' | b'(' | b',' | b'[' | b'?' | b'>');
                    open.push(object.then_some(0));
                }
            }
            b'}' | b']' | b')' => {
                let opening = match byte {
                    b'}' => b'{',
                    b']' => b'[',
                    _ => b'(',
                };
                if let Some(&(innermost, operand)) = brackets.last()
                    && innermost == opening
                {
                    brackets.pop();
                    operands -= usize::from(operand);
                    // The bracket closed a term of the expression around it.
                    operator = operand;
                }
                if byte == b'}' {
                    open.pop();
                }
            }
            // A new item, value or branch begins.
            b',' | b'?' => operator = false,
            // `=>` of a `for` expression is no operator.
            b'>' if i > 0 && bytes[i - 1] == b'=' => operator = false,
            b'/' | b'*' | b'%' | b'+' | b'-' | b'&' | b'|' | b'<' | b'>' | b'!' => operator = true,
            b'=' | b':' => {
                let comparison = byte == b'='
                    && (matches!(bytes.get(i + 1), Some(b'=' | b'>'))
                        || matches!(last, b'=' | b'!' | b'<' | b'>')
                            && i > 0
                            && bytes[i - 1] == last);
                // An assignment or a `:` starts a new expression; `==` is an
                // operator (`=>` is neither, and is settled at its `>`).
                operator = comparison && bytes.get(i + 1) != Some(&b'>');
                if let (false, Some(Some(keys))) = (comparison, open.last_mut()) {
                    comparisons += *keys;
                    *keys += 1;
                    if comparisons > KEY_COMPARISONS {
                        return Some((i, WIDE));
                    }
                }
            }
            _ => {}
        }
        if !byte.is_ascii_whitespace() {
            last = byte;
        }
        i += 1;
    }
    None
}

const OPERANDS: &str = "objects and lists nested as operands more than 8 deep cannot be \
                        parsed in bounded time; the file is not checked";
const WIDE: &str =
    "the objects of this file have too many keys to parse in bounded time; split them";

fn parse_native(source: &Source) -> Parsed {
    let mut text = std::borrow::Cow::Borrowed(source.text.as_str());
    let mut parsed = Parsed::default();
    if let Some((offset, message)) = past_budget(&text) {
        parsed.diagnostics.push(Diagnostic::new(
            Problem::ParseError,
            Span::new(source.id, offset, offset + 1),
            message,
        ));
        return parsed;
    }
    loop {
        let error = match hcl_edit::parser::parse_body(&text) {
            Ok(body) => {
                let native = Native {
                    id: source.id,
                    shift: None,
                };
                parsed.body = native.body(&body);
                return parsed;
            }
            Err(error) => error,
        };
        let mut offset = error.location().offset().min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        // Terraform accepts an object constructor that repeats a key;
        // hcl-edit does not. The repeat is renamed to a placeholder of the
        // same length, so every span stays exact, and reported.
        if error.message().contains("redefined object key")
            && parsed.diagnostics.len() < MAX_REPEATED_KEYS
            && let Some(end) = rename_key(text.to_mut(), offset, parsed.diagnostics.len())
        {
            parsed.diagnostics.push(Diagnostic::new(
                Problem::DuplicateKey,
                Span::new(source.id, offset, end),
                format!(
                    "`{}` is given twice in this object; airworthy reads the first value",
                    source.text[offset..end].trim_matches('"')
                ),
            ));
            continue;
        }
        let end = text[offset..]
            .chars()
            .next()
            .map_or(offset, |c| offset + c.len_utf8());
        parsed.diagnostics.push(Diagnostic::new(
            Problem::ParseError,
            Span::new(source.id, offset, end),
            format!("invalid HCL: {}", error.message()),
        ));
        return Parsed {
            body: Body::default(),
            ..parsed
        };
    }
}

/// Overwrites the object key at `offset` (an identifier or a plain quoted
/// string) with a unique placeholder of the same length; its end.
fn rename_key(text: &mut String, offset: usize, index: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quoted = bytes.get(offset) == Some(&b'"');
    let start = offset + usize::from(quoted);
    let length = bytes[start..]
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
        .count();
    let end = start + length;
    if quoted && bytes.get(end) != Some(&b'"') {
        return None;
    }
    let placeholder = format!("{index:_>length$}");
    if length == 0
        || placeholder.len() != length
        || placeholder.starts_with(|c: char| c.is_ascii_digit()) && !quoted
    {
        return None;
    }
    text.replace_range(start..end, &placeholder);
    Some(end + usize::from(quoted))
}

/// Converts `hcl-edit` trees into spanned expressions. Parts parsed from a
/// JSON string are shifted by the string's offset, or all placed at the
/// string when escapes make offsets inexact.
struct Native {
    id: SourceId,
    shift: Option<Shift>,
}

#[derive(Clone, Copy)]
struct Shift {
    by: usize,
    /// Where everything is placed when offsets are inexact.
    fallback: Option<Span>,
}

impl Native {
    fn span(&self, range: Option<std::ops::Range<usize>>, outer: Span) -> Span {
        match (range, self.shift) {
            (
                _,
                Some(Shift {
                    fallback: Some(span),
                    ..
                }),
            ) => span,
            (Some(range), shift) => {
                let by = shift.map_or(0, |s| s.by);
                Span::new(self.id, range.start + by, range.end + by)
            }
            (None, _) => outer,
        }
    }

    fn body(&self, body: &structure::Body) -> Body {
        let mut out = Body::default();
        for structure in body.iter() {
            match structure {
                Structure::Attribute(attribute) => {
                    let name_span = self.span(attribute.key.span(), Span::point(self.id, 0));
                    out.attributes.push(Attribute {
                        name: attribute.key.as_str().into(),
                        name_span,
                        value: self.expr(&attribute.value, name_span),
                    });
                }
                Structure::Block(block) => {
                    let keyword_span = self.span(block.ident.span(), Span::point(self.id, 0));
                    let labels = block
                        .labels
                        .iter()
                        .map(|label| {
                            let span = match label {
                                BlockLabel::Ident(ident) => ident.span(),
                                BlockLabel::String(string) => string.span(),
                            };
                            (label.as_str().into(), self.span(span, keyword_span))
                        })
                        .collect();
                    out.blocks.push(Block {
                        keyword: block.ident.as_str().into(),
                        keyword_span,
                        labels,
                        body: self.body(&block.body),
                        span: self.span(block.span(), keyword_span),
                    });
                }
            }
        }
        out
    }

    fn expr(&self, expression: &Expression, outer: Span) -> Expr {
        let span = self.span(expression.span(), outer);
        let kind = match expression {
            Expression::Null(_) => ExprKind::Literal(Value::Null),
            Expression::Bool(b) => ExprKind::Literal(Value::Bool(*b.value())),
            Expression::Number(n) => {
                ExprKind::Literal(n.value().as_f64().map_or(Value::Null, Value::Number))
            }
            Expression::String(s) => ExprKind::Literal(Value::String(s.value().as_str().into())),
            Expression::Array(array) => {
                ExprKind::List(array.iter().map(|e| self.expr(e, span)).collect())
            }
            Expression::Object(object) => ExprKind::Object(
                object
                    .iter()
                    .map(|(key, value)| {
                        let key = match key {
                            ObjectKey::Ident(ident) => Expr {
                                kind: ExprKind::Literal(Value::String(ident.as_str().into())),
                                span: self.span(ident.span(), span),
                            },
                            ObjectKey::Expression(e) => self.expr(e, span),
                        };
                        (key, self.expr(value.expr(), span))
                    })
                    .collect(),
            ),
            Expression::StringTemplate(template) => self.template(template, span),
            Expression::HeredocTemplate(heredoc) => self.template(&heredoc.template, span),
            Expression::Parenthesis(inner) => return self.expr(inner.inner(), span),
            Expression::Variable(name) => ExprKind::Variable(name.as_str().into()),
            Expression::Conditional(c) => ExprKind::Conditional(Box::new([
                self.expr(&c.cond_expr, span),
                self.expr(&c.true_expr, span),
                self.expr(&c.false_expr, span),
            ])),
            Expression::FuncCall(call) => {
                let mut name = String::new();
                for part in &call.name.namespace {
                    name.push_str(part.as_str());
                    name.push_str("::");
                }
                name.push_str(call.name.name.as_str());
                ExprKind::Call(
                    name.into(),
                    call.args.iter().map(|e| self.expr(e, span)).collect(),
                    call.args.expand_final(),
                )
            }
            Expression::Traversal(traversal) => ExprKind::Traversal(
                Box::new(self.expr(&traversal.expr, span)),
                traversal
                    .operators
                    .iter()
                    .map(|op| match op.value() {
                        TraversalOperator::AttrSplat(_) | TraversalOperator::FullSplat(_) => {
                            Step::Splat
                        }
                        TraversalOperator::GetAttr(ident) => Step::Attr(ident.as_str().into()),
                        TraversalOperator::Index(e) => Step::Index(self.expr(e, span)),
                        TraversalOperator::LegacyIndex(i) => Step::Index(Expr {
                            kind: ExprKind::Literal(Value::Number(*i.value() as f64)),
                            span: self.span(i.span(), span),
                        }),
                    })
                    .collect(),
            ),
            Expression::UnaryOp(op) => {
                let inner = Box::new(self.expr(&op.expr, span));
                match op.operator.value() {
                    expr::UnaryOperator::Neg => ExprKind::Negate(inner),
                    expr::UnaryOperator::Not => ExprKind::Not(inner),
                }
            }
            Expression::BinaryOp(op) => {
                use expr::BinaryOperator as B;
                let operator = match op.operator.value() {
                    B::Eq => Operator::Eq,
                    B::NotEq => Operator::NotEq,
                    B::LessEq => Operator::LessEq,
                    B::GreaterEq => Operator::GreaterEq,
                    B::Less => Operator::Less,
                    B::Greater => Operator::Greater,
                    B::Plus => Operator::Plus,
                    B::Minus => Operator::Minus,
                    B::Mul => Operator::Mul,
                    B::Div => Operator::Div,
                    B::Mod => Operator::Mod,
                    B::And => Operator::And,
                    B::Or => Operator::Or,
                };
                ExprKind::Binary(
                    operator,
                    Box::new(self.expr(&op.lhs_expr, span)),
                    Box::new(self.expr(&op.rhs_expr, span)),
                )
            }
            Expression::ForExpr(f) => ExprKind::For(Box::new(ForExpr {
                key_var: f.intro.key_var.as_ref().map(|k| k.as_str().into()),
                value_var: f.intro.value_var.as_str().into(),
                collection: self.expr(&f.intro.collection_expr, span),
                key: f.key_expr.as_ref().map(|k| self.expr(k, span)),
                value: self.expr(&f.value_expr, span),
                condition: f.cond.as_ref().map(|c| self.expr(&c.expr, span)),
                grouping: f.grouping,
            })),
        };
        Expr { kind, span }
    }

    fn template(&self, template: &Template, span: Span) -> ExprKind {
        let parts = self.parts(template, span);
        match parts.as_slice() {
            [] => ExprKind::Literal(Value::String("".into())),
            [Part::Literal(text)] => ExprKind::Literal(Value::String(text.clone())),
            _ => ExprKind::Template(parts),
        }
    }

    fn parts(&self, template: &Template, span: Span) -> Vec<Part> {
        template
            .iter()
            .map(|element| match element {
                Element::Literal(text) => Part::Literal(text.value().as_str().into()),
                Element::Interpolation(i) => Part::Interpolation(self.expr(&i.expr, span)),
                Element::Directive(directive) => match directive.as_ref() {
                    Directive::If(d) => Part::If(
                        self.expr(&d.if_expr.cond_expr, span),
                        self.parts(&d.if_expr.template, span),
                        d.else_expr
                            .as_ref()
                            .map(|e| self.parts(&e.template, span))
                            .unwrap_or_default(),
                    ),
                    Directive::For(d) => Part::For {
                        key: d.for_expr.key_var.as_ref().map(|k| k.as_str().into()),
                        value: d.for_expr.value_var.as_str().into(),
                        collection: self.expr(&d.for_expr.collection_expr, span),
                        body: self.parts(&d.for_expr.template, span),
                    },
                },
            })
            .collect()
    }
}

/// Terraform's JSON syntax: the top-level object maps block types to their
/// blocks, labels are nested object keys, and every string is a template.
/// Whether a key is an attribute or a nested block depends on the
/// provider's schema, which is not at hand: an object, or a list of
/// objects, is read as nested blocks, except for the map-valued arguments
/// named in [`MAP_ARGUMENTS`].
fn parse_json(source: &Source) -> Parsed {
    let yaml::Parsed {
        documents,
        diagnostics,
    } = yaml::parse(source);
    let mut parsed = Parsed {
        body: Body::default(),
        diagnostics,
    };
    if parsed
        .diagnostics
        .iter()
        .any(|d| d.problem == Problem::ParseError)
    {
        return parsed;
    }
    let Some(root) = documents.into_iter().next().map(|d| d.root) else {
        return parsed;
    };
    let json = Json { source };
    let Some(map) = root.as_map() else {
        parsed.diagnostics.push(Diagnostic::new(
            Problem::ParseError,
            root.span,
            "a Terraform JSON file holds one object",
        ));
        return parsed;
    };
    let tfvars = source.path.to_string_lossy().ends_with(".tfvars.json");
    let body = &mut parsed.body;
    for entry in &map.entries {
        if tfvars {
            body.attributes.push(json.attribute(entry));
            continue;
        }
        let labels = match &*entry.key {
            "resource" | "data" => 2,
            "module" | "variable" | "output" | "provider" => 1,
            "locals" => {
                // Locals are attributes of a `locals` block.
                body.blocks.push(Block {
                    keyword: Box::from(&*entry.key),
                    keyword_span: entry.key_span,
                    labels: Vec::new(),
                    body: json.attributes_of(&entry.value),
                    span: entry.value.span,
                });
                continue;
            }
            _ => 0,
        };
        json.blocks(
            &entry.key,
            entry.key_span,
            &entry.value,
            labels,
            Vec::new(),
            &mut body.blocks,
        );
    }
    parsed
}

/// Arguments whose object value is a map, not a nested block.
const MAP_ARGUMENTS: &[&str] = &[
    "tags",
    "tags_all",
    "default_tags",
    "labels",
    "annotations",
    "variables",
    "environment",
    "parameters",
    "default",
    "value",
    "values",
    "triggers",
    "metadata",
    "data",
    "request_parameters",
    "request_templates",
    "response_parameters",
    "response_templates",
    "response_models",
    "stage_variables",
    "selector",
    "node_selector",
    "node_labels",
    "attributes",
];

struct Json<'s> {
    source: &'s Source,
}

impl Json<'_> {
    /// Blocks of type `keyword` with `labels` more labels to read from
    /// nested keys.
    fn blocks(
        &self,
        keyword: &str,
        keyword_span: Span,
        node: &Node,
        labels: usize,
        mut found: Vec<(Box<str>, Span)>,
        out: &mut Vec<Block>,
    ) {
        if labels > 0 {
            if let Some(map) = node.as_map() {
                for entry in &map.entries {
                    let mut found = found.clone();
                    found.push((Box::from(&*entry.key), entry.key_span));
                    self.blocks(keyword, keyword_span, &entry.value, labels - 1, found, out);
                }
            }
            return;
        }
        let bodies: Vec<&Node> = match &node.value {
            Value::List(items) => items.iter().collect(),
            _ => vec![node],
        };
        for body in bodies {
            out.push(Block {
                keyword: keyword.into(),
                keyword_span,
                labels: std::mem::take(&mut found),
                body: self.body(body),
                span: body.span,
            });
        }
    }

    fn body(&self, node: &Node) -> Body {
        let mut body = Body::default();
        let Some(map) = node.as_map() else {
            return body;
        };
        for entry in &map.entries {
            let is_block = !MAP_ARGUMENTS.contains(&&*entry.key)
                && match &entry.value.value {
                    Value::Map(_) => true,
                    Value::List(items) => {
                        !items.is_empty() && items.iter().all(|i| i.as_map().is_some())
                    }
                    _ => false,
                };
            if is_block {
                let labels = usize::from(
                    &*entry.key == "dynamic"
                        || &*entry.key == "backend"
                        || &*entry.key == "provisioner",
                );
                self.blocks(
                    &entry.key,
                    entry.key_span,
                    &entry.value,
                    labels,
                    Vec::new(),
                    &mut body.blocks,
                );
            } else {
                body.attributes.push(self.attribute(entry));
            }
        }
        body
    }

    fn attributes_of(&self, node: &Node) -> Body {
        let attributes = node
            .as_map()
            .map(|map| map.entries.iter().map(|e| self.attribute(e)).collect())
            .unwrap_or_default();
        Body {
            attributes,
            blocks: Vec::new(),
        }
    }

    fn attribute(&self, entry: &crate::model::Entry) -> Attribute {
        Attribute {
            name: Box::from(&*entry.key),
            name_span: entry.key_span,
            value: self.expr(&entry.value),
        }
    }

    fn expr(&self, node: &Node) -> Expr {
        let span = node.span;
        let kind = match &node.value {
            Value::String(text) => return self.string(text, span),
            Value::List(items) => ExprKind::List(items.iter().map(|i| self.expr(i)).collect()),
            Value::Map(map) => ExprKind::Object(
                map.entries
                    .iter()
                    .map(|e| {
                        let key = Expr {
                            kind: ExprKind::Literal(Value::String(Box::from(&*e.key))),
                            span: e.key_span,
                        };
                        (key, self.expr(&e.value))
                    })
                    .collect(),
            ),
            other => ExprKind::Literal(other.clone()),
        };
        Expr { kind, span }
    }

    /// A JSON string is a template: `"${var.x}"` is an expression.
    fn string(&self, text: &str, span: Span) -> Expr {
        let literal = Expr {
            kind: ExprKind::Literal(Value::String(text.into())),
            span,
        };
        if !text.contains("${") && !text.contains("%{") {
            return literal;
        }
        let Ok(template) = hcl_edit::parser::parse_template(text) else {
            return literal;
        };
        let written = self.source.slice(span);
        let exact = written.len() == text.len() + 2 && !written.contains('\\');
        let native = Native {
            id: self.source.id,
            shift: Some(Shift {
                by: span.start as usize + 1,
                fallback: (!exact).then_some(span),
            }),
        };
        let parts = native.parts(&template, span);
        // `"${expr}"` alone is the expression itself, with its type.
        if let [Part::Interpolation(expr)] = parts.as_slice() {
            return expr.clone();
        }
        Expr {
            kind: ExprKind::Template(parts),
            span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(path: &str, text: &str) -> (Source, Result<Body, Diagnostic>) {
        let source = Source::new(SourceId(0), path.into(), text.into());
        let mut parsed = parse(&source);
        let body = match parsed.diagnostics.pop() {
            Some(error) => Err(error),
            None => Ok(parsed.body),
        };
        (source, body)
    }

    #[test]
    fn objects_and_lists_nest_as_operands_at_most_8_deep() {
        let nested =
            |depth: usize| format!("x = {}1{}\n", "a / {k = ".repeat(depth), "}".repeat(depth));
        assert_eq!(past_budget(&nested(8)), None);
        let (at, message) = past_budget(&nested(9)).expect("too deep");
        assert_eq!((at, message), (4 + 9 * 8 + 4, OPERANDS));
        // Not operands: values, list items, `for` results, comparisons
        // that close, brackets in strings and comments.
        let values = format!("x = {}1{}\n", "{k = [".repeat(20), "]}".repeat(20));
        assert_eq!(past_budget(&values), None);
        let fors = format!(
            "x = {}1{}\n",
            "{for k, v in y : k => ".repeat(20),
            "}".repeat(20)
        );
        assert_eq!(past_budget(&fors), None);
        let compared = "x = a == {} && b != [] || c == {}\n".repeat(100);
        assert_eq!(past_budget(&compared), None);
        let quoted = format!("x = \"{}\" # {}\n", "-[".repeat(20), "/{".repeat(20));
        assert_eq!(past_budget(&quoted), None);
        // A closing bracket of the other kind closes nothing.
        let mismatched = format!("x = {}1\n", "a/{k: ]".repeat(9));
        assert_eq!(past_budget(&mismatched).map(|(_, m)| m), Some(OPERANDS));
    }

    #[test]
    fn only_keys_of_objects_cost_comparisons() {
        let object =
            |keys: usize| -> String { (0..keys).map(|i| format!("    k{i} = {i}\n")).collect() };
        // 14,143 keys are just over the budget of one object.
        let huge = format!("locals {{\n  big = {{\n{}  }}\n}}\n", object(14_143));
        let (at, _) = past_budget(&huge).expect("over budget");
        assert!(
            huge[..at].ends_with("    k14142 "),
            "{:?}",
            &huge[at - 20..at]
        );
        assert_eq!(past_budget(&huge.replace("k14142 = 14142\n", "")), None);
        // The same keys as block attributes, in lists of objects, or
        // hidden in strings and comments cost nothing.
        let body = format!("locals {{\n{}}}\n", object(50_000));
        assert_eq!(past_budget(&body), None);
        let small = (0..50_000)
            .map(|i| format!("  a{i} = [ # list\n {{ x = 1, y = \"a:b=c\" }} ]\n"))
            .collect::<String>();
        assert_eq!(past_budget(&format!("locals {{\n{small}}}\n")), None);
        // 7,000 keys with a ternary (its `:` counts, twice 7,000 is under
        // budget) whose `==` must not count, or comments that must not.
        let compared = format!("a = {{\n{}}}\n", "  k = x == y ? 1 : 2\n".repeat(7_000));
        assert_eq!(past_budget(&compared), None);
        let commented = format!(
            "a = {{\n{}}}\n",
            "  k = 1 /* = : = : */ # = : = :\n".repeat(14_000)
        );
        assert_eq!(past_budget(&commented), None);
    }

    #[test]
    fn deep_nesting_is_a_parse_error_not_a_crash() {
        let text = format!("a = {}{}\n", "[".repeat(50_000), "]".repeat(50_000));
        let (_, body) = parse_text("main.tf", &text);
        assert_eq!(body.unwrap_err().problem, Problem::ParseError);
    }

    #[test]
    fn a_repeated_object_key_is_reported_and_the_file_still_parses() {
        let text = "locals {\n  a = { port = 80, port = 81, \"x\" = 1, \"x\" = 2 }\n}\n";
        let source = Source::new(SourceId(0), "main.tf".into(), text.into());
        let parsed = parse(&source);
        let spans: Vec<&str> = parsed
            .diagnostics
            .iter()
            .map(|d| source.slice(d.span))
            .collect();
        assert_eq!(spans, ["port", "\"x\""]);
        assert!(
            parsed
                .diagnostics
                .iter()
                .all(|d| d.problem == Problem::DuplicateKey)
        );
        let a = parsed.body.blocks[0].body.attribute("a").unwrap();
        let ExprKind::Object(entries) = &a.value.kind else {
            panic!()
        };
        assert_eq!(entries.len(), 4);
        assert_eq!(source.slice(entries[1].0.span), "port");
    }

    #[test]
    fn blocks_labels_attributes_and_expressions_keep_their_spans() {
        let text = "resource \"aws_lb\" \"web\" {\n  name = var.name\n  access_logs {\n    enabled = true\n  }\n}\n";
        let (source, body) = parse_text("main.tf", text);
        let body = body.unwrap();
        let block = &body.blocks[0];
        assert_eq!(source.slice(block.keyword_span), "resource");
        assert_eq!(source.slice(block.labels[0].1), "\"aws_lb\"");
        assert_eq!(block.label(1), Some("web"));
        let name = block.body.attribute("name").unwrap();
        assert_eq!(source.slice(name.name_span), "name");
        assert_eq!(source.slice(name.value.span), "var.name");
        let logs = &block.body.blocks[0];
        assert_eq!(logs.keyword.as_ref(), "access_logs");
        let enabled = logs.body.attribute("enabled").unwrap();
        assert_eq!(source.line_col(enabled.value.span.start).line, 4);
        assert_eq!(source.slice(enabled.value.span), "true");
    }

    #[test]
    fn a_syntax_error_is_a_parse_error_at_its_place() {
        let (source, body) = parse_text("main.tf", "a = 1\nb = = 2\n");
        let error = body.unwrap_err();
        assert_eq!(error.problem, Problem::ParseError);
        let at = source.line_col(error.span.start);
        assert_eq!((at.line, at.column), (2, 5));
    }

    #[test]
    fn json_blocks_and_templates_keep_spans() {
        let text = r#"{"resource": {"aws_lb": {"web": {"name": "${var.name}", "access_logs": {"enabled": true}, "tags": {"a": "b"}}}}}"#;
        let (source, body) = parse_text("main.tf.json", text);
        let body = body.unwrap();
        let block = &body.blocks[0];
        assert_eq!(block.keyword.as_ref(), "resource");
        assert_eq!(block.label(0), Some("aws_lb"));
        assert_eq!(block.label(1), Some("web"));
        let name = block.body.attribute("name").unwrap();
        assert_eq!(source.slice(name.value.span), "var.name");
        assert!(matches!(name.value.kind, ExprKind::Traversal(..)));
        assert_eq!(block.body.blocks[0].keyword.as_ref(), "access_logs");
        assert!(block.body.attribute("tags").is_some());
    }
}
