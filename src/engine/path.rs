//! Paths into an object: `resources.limits.memory` from the focus,
//! `$.spec.replicas` from the object's root, `$pod.hostNetwork` from a view,
//! `$each.ports` from the rule's focus, `$row.kind` from its table row, `$key`
//! for the key of a map value, and `metadata.annotations."example.com/key"`
//! for keys that contain dots.

use crate::model::{Node, Object, Value};
use crate::relate::Relations;
use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub enum Root {
    Focus,
    Object,
    View(String),
    /// `$from`: inside a relation's `where`, the focus the relation was
    /// followed from (the Service port whose target port is looked for);
    /// `$from.$from` (depth 1), inside a `where` nested in another, the
    /// focus the outer relation was followed from.
    From(u8),
    /// The rule's focus: the object, or the item of `each`.
    Each,
    /// The key of the map value in focus, while `all`/`any`/`none` iterate a map.
    Key,
    /// The row of the rule's `table` being evaluated.
    Row,
}

/// A key of a path that stands for every item of a list or value of a map.
pub const WILDCARD: &str = "*";

#[derive(Clone, Debug, PartialEq)]
pub struct Path {
    pub root: Root,
    pub keys: Vec<Box<str>>,
}

/// What a path leads to.
#[derive(Clone, Copy, Debug)]
pub enum Lookup<'a> {
    Found {
        node: &'a Node,
        /// The span of the key that holds the node, if any.
        key: Option<Span>,
    },
    /// Nothing there; `nearest` is the key of the nearest enclosing mapping
    /// that exists (or the focus's anchor).
    Missing { nearest: Span },
    /// The way there passes through a value nobody can know.
    Unknown { span: Span },
}

/// Where a rule is looking: an object, and the part of it in focus.
#[derive(Clone, Copy)]
pub struct Focus<'a> {
    pub object: &'a Object,
    /// The object's index in the run, for following relations.
    pub index: u32,
    pub node: &'a Node,
    /// Where a finding about the focus as a whole points.
    pub anchor: Span,
    pub relations: &'a Relations<'a>,
    /// Inside a relation's `where`: the focus it was followed from, and
    /// in a `where` nested in another, the outer one's.
    pub from: Option<&'a Node>,
    pub from_outer: Option<&'a Node>,
    /// The rule's focus, which nested conditions reach as `$each`.
    pub each: &'a Node,
    pub each_anchor: Span,
    /// The rule's table row, `$row`.
    pub row: Option<&'a Node>,
    /// The key of `node` in its map, while a map's values are iterated: `$key`.
    pub key: Option<(&'a str, Span)>,
}

impl<'a> Focus<'a> {
    /// The whole object at `index`.
    pub fn object(relations: &'a Relations<'a>, index: u32) -> Self {
        let object = relations.object(index);
        Focus {
            object,
            index,
            node: &object.body,
            anchor: object.anchor,
            relations,
            from: None,
            from_outer: None,
            each: &object.body,
            each_anchor: object.anchor,
            row: None,
            key: None,
        }
    }

    /// The focus a rule starts from: a part of the object (the item of
    /// `each`), with the row of the rule's table it is evaluated for.
    pub fn start(&self, node: &'a Node, anchor: Span, row: Option<&'a Node>) -> Self {
        Focus {
            node,
            anchor,
            each: node,
            each_anchor: anchor,
            row,
            key: None,
            ..*self
        }
    }

    /// A part of the same object, keeping the rule's focus and row; `key`
    /// when it is the value of that key in its map.
    pub fn nested(&self, node: &'a Node, anchor: Span, key: Option<(&'a str, Span)>) -> Self {
        Focus {
            node,
            anchor,
            key,
            ..*self
        }
    }
}

impl Path {
    pub fn parse(text: &str) -> Result<Path, String> {
        let text = text.trim();
        let (root, rest) = if let Some(rest) = text.strip_prefix('$') {
            let end = rest.find('.').unwrap_or(rest.len());
            let name = &rest[..end];
            let root = match name {
                "" => Root::Object,
                "from" => Root::From(0),
                "each" => Root::Each,
                "key" => Root::Key,
                "row" => Root::Row,
                view => Root::View(view.to_string()),
            };
            let mut rest = rest[end..].strip_prefix('.').unwrap_or(&rest[end..]);
            let mut root = root;
            while let Root::From(depth) = root
                && let Some(after) = rest.strip_prefix("$from")
                && (after.is_empty() || after.starts_with('.'))
            {
                root = Root::From(depth + 1);
                rest = after.strip_prefix('.').unwrap_or(after);
            }
            (root, rest)
        } else {
            (Root::Focus, text)
        };
        let mut keys = Vec::new();
        let mut chars = rest.char_indices().peekable();
        if rest.is_empty() || rest == "." {
            return Ok(Path { root, keys });
        }
        loop {
            let key = if chars.peek().is_some_and(|&(_, c)| c == '"') {
                chars.next();
                let mut key = String::new();
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, c)) => key.push(c),
                            None => return Err("unterminated quoted key".into()),
                        },
                        Some((_, c)) => key.push(c),
                        None => return Err("unterminated quoted key".into()),
                    }
                }
                key
            } else {
                let mut key = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c == '.' {
                        break;
                    }
                    if c == '"' || c == '$' {
                        return Err(format!(
                            "unexpected `{c}` inside a key; quote the whole key"
                        ));
                    }
                    key.push(c);
                    chars.next();
                }
                key
            };
            if key.is_empty() {
                return Err("empty key in path".into());
            }
            keys.push(key.into_boxed_str());
            match chars.next() {
                None => return Ok(Path { root, keys }),
                Some((_, '.')) if chars.peek().is_some() => {}
                Some((i, c)) => return Err(format!("unexpected `{c}` at offset {i} of the path")),
            }
        }
    }

    pub fn lookup<'a>(&self, focus: &Focus<'a>) -> Lookup<'a> {
        match &self.root {
            Root::Focus => walk(focus.node, None, focus.anchor, &self.keys),
            Root::Object => walk(&focus.object.body, None, focus.object.anchor, &self.keys),
            Root::Each => walk(focus.each, None, focus.each_anchor, &self.keys),
            // A row's fields are written in the rule file: a missing one points
            // at the focus, never into the rule file.
            Root::Row => match focus.row {
                Some(row) => match walk(row, None, focus.anchor, &self.keys) {
                    Lookup::Missing { .. } => Lookup::Missing {
                        nearest: focus.anchor,
                    },
                    found => found,
                },
                None => Lookup::Missing {
                    nearest: focus.anchor,
                },
            },
            Root::From(depth) => match if *depth == 0 {
                focus.from
            } else {
                focus.from_outer
            } {
                Some(node) => walk(node, None, node.span, &self.keys),
                None => Lookup::Missing {
                    nearest: focus.anchor,
                },
            },
            // The key is text, not a node; conditions read it from the focus.
            Root::Key => Lookup::Missing {
                nearest: focus.key.map_or(focus.anchor, |(_, span)| span),
            },
            Root::View(name) => {
                let object = focus.object;
                let Some(view) = object.view(name) else {
                    return Lookup::Missing {
                        nearest: object.anchor,
                    };
                };
                let base = view.paths[0].iter().copied();
                match walk_keys(&object.body, None, object.anchor, base) {
                    Lookup::Found { node, key } => {
                        walk(node, key, key.unwrap_or(object.anchor), &self.keys)
                    }
                    other => other,
                }
            }
        }
    }
}

impl Path {
    /// Every node the path reaches, `*` standing for every item of a list or
    /// value of a map. Returns whether the way passed through an unknown value.
    pub fn gather<'a>(&self, focus: &Focus<'a>, out: &mut Vec<&'a Node>) -> bool {
        let (start, keys) = match &self.root {
            Root::Focus => (focus.node, &self.keys[..]),
            Root::Object => (&focus.object.body, &self.keys[..]),
            Root::Each => (focus.each, &self.keys[..]),
            Root::Row => match focus.row {
                Some(row) => (row, &self.keys[..]),
                None => return false,
            },
            Root::View(_) | Root::Key | Root::From(_) => {
                // Views, keys and `$from` have no wildcard of their own: reach the
                // base, then fan out from it.
                let split = self.keys.iter().position(|k| &**k == WILDCARD);
                let head = Path {
                    root: self.root.clone(),
                    keys: self.keys[..split.unwrap_or(self.keys.len())].to_vec(),
                };
                return match head.lookup(focus) {
                    Lookup::Found { node, .. } => match split {
                        Some(at) => fan_out(node, &self.keys[at..], out),
                        None => {
                            out.push(node);
                            false
                        }
                    },
                    Lookup::Unknown { .. } => true,
                    Lookup::Missing { .. } => false,
                };
            }
        };
        fan_out(start, keys, out)
    }
}

fn fan_out<'a>(node: &'a Node, keys: &[Box<str>], out: &mut Vec<&'a Node>) -> bool {
    let Some((first, rest)) = keys.split_first() else {
        match node.value {
            Value::Null => {}
            Value::Unknown(_) => return true,
            _ => out.push(node),
        }
        return false;
    };
    match &node.value {
        Value::Unknown(_) => true,
        Value::List(items) if &**first == WILDCARD => items
            .iter()
            .fold(false, |u, item| fan_out(item, rest, out) | u),
        Value::Map(map) if &**first == WILDCARD => map
            .entries
            .iter()
            .fold(false, |u, e| fan_out(&e.value, rest, out) | u),
        Value::Map(map) => map
            .get(first)
            .is_some_and(|entry| fan_out(&entry.value, rest, out)),
        _ => false,
    }
}

fn walk<'a>(node: &'a Node, key: Option<Span>, anchor: Span, keys: &[Box<str>]) -> Lookup<'a> {
    walk_keys(node, key, anchor, keys.iter().map(|k| &**k))
}

fn walk_keys<'a, 'k>(
    mut node: &'a Node,
    mut key: Option<Span>,
    anchor: Span,
    keys: impl Iterator<Item = &'k str>,
) -> Lookup<'a> {
    for name in keys {
        match &node.value {
            Value::Unknown(_) => return Lookup::Unknown { span: node.span },
            Value::Map(map) => match map.get(name) {
                Some(entry) if !entry.value.is_null() => {
                    node = &entry.value;
                    key = Some(entry.key_span);
                }
                Some(entry) => {
                    return Lookup::Missing {
                        nearest: entry.key_span,
                    };
                }
                // A map that may hold keys nobody can know (an nginx level
                // with an include that cannot be followed) says so with an
                // unknown entry: what it lacks is unknown, not missing.
                None => match map.get(crate::model::UNKNOWN_REST) {
                    Some(open) if open.value.is_unknown() => {
                        return Lookup::Unknown {
                            span: open.value.span,
                        };
                    }
                    _ => {
                        return Lookup::Missing {
                            nearest: key.unwrap_or(anchor),
                        };
                    }
                },
            },
            // A number picks an item of a list (`args.0`).
            Value::List(items) => match name.parse::<usize>().ok().and_then(|i| items.get(i)) {
                Some(item) if !item.is_null() => node = item,
                _ => {
                    return Lookup::Missing {
                        nearest: key.unwrap_or(anchor),
                    };
                }
            },
            _ => {
                return Lookup::Missing {
                    nearest: key.unwrap_or(anchor),
                };
            }
        }
    }
    if node.is_null() {
        return Lookup::Missing {
            nearest: key.unwrap_or(anchor),
        };
    }
    Lookup::Found { node, key }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_parse_roots_and_quoted_keys() {
        let p = Path::parse("metadata.annotations.\"a.b/c\"").unwrap();
        assert_eq!(p.root, Root::Focus);
        assert_eq!(
            p.keys,
            vec!["metadata".into(), "annotations".into(), "a.b/c".into()]
        );
        assert_eq!(Path::parse("$.spec").unwrap().root, Root::Object);
        let view = Path::parse("$pod.hostNetwork").unwrap();
        assert_eq!(view.root, Root::View("pod".into()));
        assert_eq!(view.keys, vec!["hostNetwork".into()]);
        assert_eq!(Path::parse("$each.ports").unwrap().root, Root::Each);
        assert_eq!(Path::parse("$row.kind").unwrap().root, Root::Row);
        assert_eq!(Path::parse("$key").unwrap().root, Root::Key);
        assert!(Path::parse(".").unwrap().keys.is_empty());
        let outer = Path::parse("$from.$from.spec").unwrap();
        assert_eq!(outer.root, Root::From(1));
        assert_eq!(outer.keys, vec!["spec".into()]);
    }

    #[test]
    fn malformed_paths_are_rejected() {
        for bad in ["a..b", "a.", "\"open", "a\"b\"", "a.$b"] {
            assert!(Path::parse(bad).is_err(), "{bad}");
        }
    }
}
