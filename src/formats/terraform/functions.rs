//! The Terraform functions rules meet in practice. Each takes evaluated
//! arguments and gives `Ok(None)` when its result depends on a value nobody
//! knows; a function not listed here is unknown, never a guess. Results
//! stand at the call's span; items taken from an argument keep theirs.

use super::eval::{
    Invalid, MAX_ITEMS, has_unknown, key_string, last_wins, to_bool, to_number, to_string,
};
use crate::model::{Entry, Map, Node, Value, format_number};
use crate::source::Span;

type Called = Result<Option<Node>, Invalid>;

pub fn call(name: &str, args: Vec<Node>, span: Span) -> Called {
    if args.iter().any(Node::is_unknown) {
        return Ok(None);
    }
    let at = |value| Ok(Some(Node::new(value, span)));
    let string = |value: String| at(Value::String(value.into()));
    match (name, args.as_slice()) {
        ("lower", [s]) => string(text(s)?.to_lowercase()),
        ("upper", [s]) => string(text(s)?.to_uppercase()),
        ("title", [s]) => string(title(&text(s)?)),
        ("trimspace", [s]) => string(text(s)?.trim().to_string()),
        ("trim", [s, chars]) => {
            let chars: Vec<char> = text(chars)?.chars().collect();
            string(text(s)?.trim_matches(|c| chars.contains(&c)).to_string())
        }
        ("trimprefix", [s, prefix]) => {
            let (s, prefix) = (text(s)?, text(prefix)?);
            string(s.strip_prefix(&*prefix).unwrap_or(&s).to_string())
        }
        ("trimsuffix", [s, suffix]) => {
            let (s, suffix) = (text(s)?, text(suffix)?);
            string(s.strip_suffix(&*suffix).unwrap_or(&s).to_string())
        }
        ("startswith", [s, prefix]) => at(Value::Bool(text(s)?.starts_with(&*text(prefix)?))),
        ("endswith", [s, suffix]) => at(Value::Bool(text(s)?.ends_with(&*text(suffix)?))),
        ("strcontains", [s, part]) => at(Value::Bool(text(s)?.contains(&*text(part)?))),
        ("replace", [s, from, to]) => {
            let from = text(from)?;
            if from.len() > 1 && from.starts_with('/') && from.ends_with('/') {
                // A regular expression, in Terraform's (RE2) syntax.
                return Ok(None);
            }
            string(text(s)?.replace(&*from, &text(to)?))
        }
        ("substr", [s, offset, length]) => {
            let s: Vec<char> = text(s)?.chars().collect();
            let offset = integer(offset)?;
            let start = if offset < 0 {
                s.len() as i64 + offset
            } else {
                offset
            };
            let start = usize::try_from(start).map_err(|_| Invalid)?.min(s.len());
            let length = integer(length)?;
            let end = match usize::try_from(length) {
                Ok(length) => start.saturating_add(length).min(s.len()),
                Err(_) => s.len(),
            };
            string(s[start..end].iter().collect())
        }
        ("format", [f, rest @ ..]) => {
            format(&text(f)?, rest).map(|s| s.and_then(|s| string(s).ok().flatten()))
        }
        ("join", [separator, lists @ ..]) => {
            let mut parts = Vec::new();
            for list in lists {
                for item in list_items(list)? {
                    if item.is_unknown() {
                        return Ok(None);
                    }
                    parts.push(to_string(item).ok_or(Invalid)?);
                }
            }
            string(parts.join(&*text(separator)?))
        }
        ("split", [separator, s]) => {
            let (separator, s) = (text(separator)?, text(s)?);
            let items = if s.is_empty() {
                Vec::new()
            } else {
                s.split(&*separator)
                    .map(|p| Node::new(Value::String(p.into()), span))
                    .collect()
            };
            at(Value::List(items))
        }
        ("concat", lists) => {
            let mut items = Vec::new();
            for list in lists {
                items.extend(list_items(list)?.iter().cloned());
            }
            bounded(items.len())?;
            at(Value::List(items))
        }
        ("flatten", [list]) => {
            let mut items = Vec::new();
            flatten(list, &mut items)?;
            bounded(items.len())?;
            at(Value::List(items))
        }
        ("merge", maps) => {
            let mut entries = Vec::new();
            for map in maps {
                match &map.value {
                    Value::Null => {}
                    Value::Map(m) => entries.extend(m.entries.iter().cloned()),
                    _ => return Err(Invalid),
                }
            }
            at(Value::Map(last_wins(entries)))
        }
        ("lookup", [map, key, default @ ..]) => {
            let Value::Map(m) = &map.value else {
                return Err(Invalid);
            };
            let key = key_string(key).ok_or(Invalid)?;
            match (m.get(&key), default) {
                (Some(entry), _) => Ok(Some(entry.value.clone())),
                (None, [default]) => Ok(Some(default.clone())),
                // A map with unknown values may still hold the key.
                (None, _) => Err(Invalid),
            }
        }
        ("contains", [list, value]) => {
            let items = list_items(list)?;
            if items.iter().any(|item| equal(item, value)) {
                return at(Value::Bool(true));
            }
            if has_unknown(value) || items.iter().any(has_unknown) {
                return Ok(None);
            }
            at(Value::Bool(false))
        }
        ("length", [value]) => at(Value::Number(match &value.value {
            Value::List(items) => items.len(),
            Value::Map(map) => map.entries.len(),
            Value::String(s) => s.chars().count(),
            _ => return Err(Invalid),
        } as f64)),
        ("coalesce", values) => {
            for value in values {
                match &value.value {
                    Value::Null => continue,
                    Value::String(s) if s.is_empty() => continue,
                    _ => return Ok(Some(value.clone())),
                }
            }
            Err(Invalid)
        }
        ("coalescelist", lists) => {
            for list in lists {
                if !list_items(list)?.is_empty() {
                    return Ok(Some(list.clone()));
                }
            }
            Err(Invalid)
        }
        ("compact", [list]) => {
            let mut items = Vec::new();
            for item in list_items(list)? {
                match &item.value {
                    Value::Unknown(_) => return Ok(None),
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    _ => items.push(item.clone()),
                }
            }
            at(Value::List(items))
        }
        ("distinct", [list]) => {
            let items = list_items(list)?;
            if items.iter().any(has_unknown) {
                return Ok(None);
            }
            let mut distinct: Vec<Node> = Vec::new();
            for item in items {
                if !distinct.iter().any(|d| equal(d, item)) {
                    distinct.push(item.clone());
                }
            }
            at(Value::List(distinct))
        }
        ("toset", [list]) => {
            let items = list_items(list)?;
            if items.iter().any(has_unknown) {
                return Ok(None);
            }
            let mut set: Vec<Node> = Vec::new();
            for item in items {
                if !set.iter().any(|d| equal(d, item)) {
                    set.push(item.clone());
                }
            }
            // Sets of strings iterate in lexical order.
            if set.iter().all(|n| n.as_str().is_some()) {
                set.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
            }
            at(Value::List(set))
        }
        ("sort", [list]) => {
            let mut items = list_items(list)?.to_vec();
            if items.iter().any(has_unknown) {
                return Ok(None);
            }
            let mut keyed = items
                .drain(..)
                .map(|n| to_string(&n).map(|k| (k, n)).ok_or(Invalid))
                .collect::<Result<Vec<_>, _>>()?;
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            at(Value::List(keyed.into_iter().map(|(_, n)| n).collect()))
        }
        ("reverse", [list]) => at(Value::List(
            list_items(list)?.iter().rev().cloned().collect(),
        )),
        ("tolist" | "tomap", [value]) => match &value.value {
            Value::List(_) | Value::Map(_) | Value::Null => Ok(Some(value.clone())),
            _ => Err(Invalid),
        },
        ("tostring", [value]) => match &value.value {
            Value::Null => Ok(Some(value.clone())),
            _ => string(to_string(value).ok_or(Invalid)?),
        },
        ("tonumber", [value]) => match &value.value {
            Value::Null => Ok(Some(value.clone())),
            _ => at(Value::Number(to_number(value).ok_or(Invalid)?)),
        },
        ("tobool", [value]) => match &value.value {
            Value::Null => Ok(Some(value.clone())),
            _ => at(Value::Bool(to_bool(value).ok_or(Invalid)?)),
        },
        ("element", [list, index]) => {
            let items = list_items(list)?;
            if items.is_empty() {
                return Err(Invalid);
            }
            let index = usize::try_from(integer(index)?).map_err(|_| Invalid)?;
            Ok(Some(items[index % items.len()].clone()))
        }
        ("index", [list, value]) => {
            let items = list_items(list)?;
            if has_unknown(list) || has_unknown(value) {
                return Ok(None);
            }
            let found = items
                .iter()
                .position(|item| equal(item, value))
                .ok_or(Invalid)?;
            at(Value::Number(found as f64))
        }
        ("slice", [list, start, end]) => {
            let items = list_items(list)?;
            let (start, end) = (integer(start)?, integer(end)?);
            if start < 0 || end < start || end as usize > items.len() {
                return Err(Invalid);
            }
            at(Value::List(items[start as usize..end as usize].to_vec()))
        }
        ("one", [list]) => match list_items(list)? {
            [] => at(Value::Null),
            [item] => Ok(Some(item.clone())),
            _ => Err(Invalid),
        },
        ("keys", [map]) => {
            let Value::Map(m) = &map.value else {
                return Err(Invalid);
            };
            let mut keys: Vec<&Entry> = m.entries.iter().collect();
            keys.sort_by(|a, b| a.key.cmp(&b.key));
            at(Value::List(
                keys.into_iter()
                    .map(|e| Node::new(Value::String(Box::from(&*e.key)), e.key_span))
                    .collect(),
            ))
        }
        ("values", [map]) => {
            let Value::Map(m) = &map.value else {
                return Err(Invalid);
            };
            let mut entries: Vec<&Entry> = m.entries.iter().collect();
            entries.sort_by(|a, b| a.key.cmp(&b.key));
            at(Value::List(
                entries.into_iter().map(|e| e.value.clone()).collect(),
            ))
        }
        ("zipmap", [keys, values]) => {
            let (keys, values) = (list_items(keys)?, list_items(values)?);
            if keys.len() != values.len() {
                return Err(Invalid);
            }
            let mut map = Map::default();
            for (key, value) in keys.iter().zip(values) {
                let Some(name) = key_string(key) else {
                    return Ok(None);
                };
                map.entries.push(Entry {
                    key: name.into(),
                    key_span: key.span,
                    value: value.clone(),
                });
            }
            at(Value::Map(map))
        }
        ("range", bounds) => {
            let numbers = bounds
                .iter()
                .map(|b| to_number(b).ok_or(Invalid))
                .collect::<Result<Vec<_>, _>>()?;
            let (start, end, step) = match numbers.as_slice() {
                [end] => (0.0, *end, 1.0),
                [start, end] => (*start, *end, if start <= end { 1.0 } else { -1.0 }),
                [start, end, step] if *step != 0.0 => (*start, *end, *step),
                _ => return Err(Invalid),
            };
            let count = ((end - start) / step).ceil().max(0.0);
            bounded(count as usize)?;
            at(Value::List(
                (0..count as usize)
                    .map(|i| Node::new(Value::Number(start + step * i as f64), span))
                    .collect(),
            ))
        }
        ("min" | "max", numbers) if !numbers.is_empty() => {
            let numbers = numbers
                .iter()
                .map(|n| to_number(n).ok_or(Invalid))
                .collect::<Result<Vec<_>, _>>()?;
            let pick = if name == "min" { f64::min } else { f64::max };
            at(Value::Number(
                numbers.into_iter().reduce(pick).expect("not empty"),
            ))
        }
        ("abs", [n]) => at(Value::Number(to_number(n).ok_or(Invalid)?.abs())),
        ("ceil", [n]) => at(Value::Number(to_number(n).ok_or(Invalid)?.ceil())),
        ("floor", [n]) => at(Value::Number(to_number(n).ok_or(Invalid)?.floor())),
        ("jsonencode", [value]) => {
            if has_unknown(value) {
                return Ok(None);
            }
            let mut out = String::new();
            json(value, &mut out);
            string(out)
        }
        ("jsondecode", [s]) => {
            let parsed: serde_json::Value = serde_json::from_str(&text(s)?).map_err(|_| Invalid)?;
            Ok(Some(from_json(&parsed, span)))
        }
        _ => Ok(None),
    }
}

fn text(node: &Node) -> Result<String, Invalid> {
    to_string(node).ok_or(Invalid)
}

fn integer(node: &Node) -> Result<i64, Invalid> {
    let n = to_number(node).ok_or(Invalid)?;
    if n.fract() != 0.0 {
        return Err(Invalid);
    }
    Ok(n as i64)
}

fn bounded(count: usize) -> Result<(), Invalid> {
    if count > MAX_ITEMS {
        Err(Invalid)
    } else {
        Ok(())
    }
}

fn list_items(node: &Node) -> Result<&[Node], Invalid> {
    node.as_list().ok_or(Invalid)
}

fn flatten(node: &Node, out: &mut Vec<Node>) -> Result<(), Invalid> {
    for item in list_items(node)? {
        match &item.value {
            Value::List(_) => flatten(item, out)?,
            _ => out.push(item.clone()),
        }
    }
    Ok(())
}

fn title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut start = true;
    for c in s.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.push(c);
        }
        start = !c.is_alphanumeric();
    }
    out
}

/// `format` with the verbs configurations use: `%s %d %v %q %f %%`.
fn format(spec: &str, args: &[Node]) -> Result<Option<String>, Invalid> {
    let mut out = String::new();
    let mut args = args.iter();
    let mut chars = spec.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let mut precision = None;
        if chars.peek() == Some(&'.') {
            chars.next();
            let mut digits = String::new();
            while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                digits.push(*d);
                chars.next();
            }
            // More digits than an f64 holds is no real configuration.
            precision = Some(
                digits
                    .parse::<usize>()
                    .ok()
                    .filter(|p| *p <= 64)
                    .ok_or(Invalid)?,
            );
        }
        let verb = chars.next().ok_or(Invalid)?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = args.next().ok_or(Invalid)?;
        if has_unknown(arg) {
            return Ok(None);
        }
        match verb {
            's' | 'v' => match &arg.value {
                Value::List(_) | Value::Map(_) => json(arg, &mut out),
                _ => out.push_str(&to_string(arg).ok_or(Invalid)?),
            },
            'd' => out.push_str(&format_number(to_number(arg).ok_or(Invalid)?.trunc())),
            'f' => out.push_str(&format!(
                "{:.*}",
                precision.unwrap_or(6),
                to_number(arg).ok_or(Invalid)?
            )),
            'q' => out.push_str(
                &serde_json::to_string(&to_string(arg).ok_or(Invalid)?).map_err(|_| Invalid)?,
            ),
            _ => return Ok(None),
        }
    }
    Ok(Some(out))
}

/// JSON as Terraform's `jsonencode` writes it: compact, keys sorted.
fn json(node: &Node, out: &mut String) {
    match &node.value {
        Value::Null | Value::Unknown(_) => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(*n)),
        Value::String(s) => out.push_str(&serde_json::to_string(&**s).unwrap_or_default()),
        Value::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(item, out);
            }
            out.push(']');
        }
        Value::Map(map) => {
            let mut entries: Vec<&Entry> = map.entries.iter().collect();
            entries.sort_by(|a, b| a.key.cmp(&b.key));
            out.push('{');
            for (i, entry) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(&*entry.key).unwrap_or_default());
                out.push(':');
                json(&entry.value, out);
            }
            out.push('}');
        }
    }
}

fn from_json(value: &serde_json::Value, span: Span) -> Node {
    use serde_json::Value as J;
    let value = match value {
        J::Null => Value::Null,
        J::Bool(b) => Value::Bool(*b),
        J::Number(n) => Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        J::String(s) => Value::String(s.as_str().into()),
        J::Array(items) => Value::List(items.iter().map(|i| from_json(i, span)).collect()),
        J::Object(map) => Value::Map(Map {
            entries: map
                .iter()
                .map(|(k, v)| Entry {
                    key: k.as_str().into(),
                    key_span: span,
                    value: from_json(v, span),
                })
                .collect(),
        }),
    };
    Node::new(value, span)
}

/// Terraform's `==`: the same type and value, ignoring where it was written.
pub fn equal(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::List(x), Value::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| equal(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.entries.len() == y.entries.len()
                && x.entries
                    .iter()
                    .all(|e| y.get(&e.key).is_some_and(|o| equal(&e.value, &o.value)))
        }
        (x, y) => x == y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceId;

    fn s(text: &str) -> Node {
        Node::new(Value::String(text.into()), Span::default())
    }

    fn n(value: f64) -> Node {
        Node::new(Value::Number(value), Span::default())
    }

    fn list(items: Vec<Node>) -> Node {
        Node::new(Value::List(items), Span::default())
    }

    fn map(entries: &[(&str, Node)]) -> Node {
        Node::new(
            Value::Map(Map {
                entries: entries
                    .iter()
                    .map(|(k, v)| Entry {
                        key: (*k).into(),
                        key_span: Span::default(),
                        value: v.clone(),
                    })
                    .collect(),
            }),
            Span::default(),
        )
    }

    fn unknown() -> Node {
        Node::new(Value::Unknown("var.x".into()), Span::default())
    }

    fn value(name: &str, args: Vec<Node>) -> Option<Value> {
        call(name, args, Span::point(SourceId(0), 0))
            .unwrap()
            .map(|n| n.value)
    }

    fn string(name: &str, args: Vec<Node>) -> String {
        match value(name, args) {
            Some(Value::String(s)) => s.to_string(),
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn string_functions() {
        assert_eq!(string("lower", vec![s("TLS")]), "tls");
        assert_eq!(string("upper", vec![s("tls")]), "TLS");
        assert_eq!(string("title", vec![s("hello world")]), "Hello World");
        assert_eq!(string("trimspace", vec![s("  a ")]), "a");
        assert_eq!(string("trimprefix", vec![s("arn:x"), s("arn:")]), "x");
        assert_eq!(string("trimsuffix", vec![s("a.tf"), s(".tf")]), "a");
        assert_eq!(string("trim", vec![s("?!a?"), s("?!")]), "a");
        assert_eq!(string("replace", vec![s("a-b-c"), s("-"), s("_")]), "a_b_c");
        assert_eq!(value("replace", vec![s("a"), s("/a/"), s("b")]), None);
        assert_eq!(string("substr", vec![s("hello"), n(1.0), n(3.0)]), "ell");
        assert_eq!(
            string("substr", vec![s("hello"), n(1.0), n(9.2e18)]),
            "ello"
        );
        assert!(call("format", vec![s("%.999999f"), n(1.0)], Span::default()).is_err());
        assert_eq!(
            string(
                "format",
                vec![s("%s-%d-%.1f-%q%%"), s("a"), n(2.0), n(1.25), s("q")]
            ),
            "a-2-1.2-\"q\"%"
        );
        assert_eq!(
            string("join", vec![s(","), list(vec![s("a"), n(1.0)])]),
            "a,1"
        );
        assert_eq!(
            value("join", vec![s(","), list(vec![s("a"), unknown()])]),
            None
        );
        assert_eq!(
            value("startswith", vec![s("https://x"), s("https://")]),
            Some(Value::Bool(true))
        );
        assert_eq!(
            value("endswith", vec![s("a.json"), s(".tf")]),
            Some(Value::Bool(false))
        );
        assert_eq!(
            value("strcontains", vec![s("abc"), s("b")]),
            Some(Value::Bool(true))
        );
        let Some(Value::List(parts)) = value("split", vec![s(","), s("a,b")]) else {
            panic!()
        };
        assert_eq!(parts.len(), 2);
    }

    #[test]
    fn collection_functions() {
        let Some(Value::List(items)) = value(
            "concat",
            vec![list(vec![n(1.0)]), list(vec![n(2.0), n(3.0)])],
        ) else {
            panic!()
        };
        assert_eq!(items.len(), 3);
        let Some(Value::List(items)) =
            value("flatten", vec![list(vec![list(vec![n(1.0)]), n(2.0)])])
        else {
            panic!()
        };
        assert_eq!(items.len(), 2);
        let Some(Value::Map(merged)) = value(
            "merge",
            vec![map(&[("a", n(1.0)), ("b", n(1.0))]), map(&[("a", n(2.0))])],
        ) else {
            panic!()
        };
        assert_eq!(merged.get("a").unwrap().value.value, Value::Number(2.0));
        assert_eq!(merged.entries.len(), 2);
        assert_eq!(
            value("lookup", vec![map(&[("a", n(1.0))]), s("b"), n(9.0)]),
            Some(Value::Number(9.0))
        );
        assert!(call("lookup", vec![map(&[]), s("b")], Span::default()).is_err());
        assert_eq!(
            value("contains", vec![list(vec![s("a")]), s("a")]),
            Some(Value::Bool(true))
        );
        assert_eq!(value("contains", vec![list(vec![unknown()]), s("a")]), None);
        assert_eq!(
            value("contains", vec![list(vec![s("b")]), s("a")]),
            Some(Value::Bool(false))
        );
        assert_eq!(
            value("length", vec![map(&[("a", n(1.0))])]),
            Some(Value::Number(1.0))
        );
        assert_eq!(value("length", vec![s("héllo")]), Some(Value::Number(5.0)));
        assert_eq!(
            value(
                "coalesce",
                vec![Node::new(Value::Null, Span::default()), s(""), s("x")]
            ),
            Some(Value::String("x".into()))
        );
        assert_eq!(
            value("element", vec![list(vec![s("a"), s("b")]), n(3.0)]),
            Some(Value::String("b".into()))
        );
        let Some(Value::List(keys)) = value("keys", vec![map(&[("b", n(1.0)), ("a", n(2.0))])])
        else {
            panic!()
        };
        assert_eq!(keys[0].as_str(), Some("a"));
        let Some(Value::List(values)) = value("values", vec![map(&[("b", n(1.0)), ("a", n(2.0))])])
        else {
            panic!()
        };
        assert_eq!(values[0].value, Value::Number(2.0));
        let Some(Value::List(set)) = value("toset", vec![list(vec![s("b"), s("a"), s("b")])])
        else {
            panic!()
        };
        assert_eq!(
            set.iter().map(|n| n.as_str().unwrap()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        let Some(Value::List(distinct)) =
            value("distinct", vec![list(vec![s("b"), s("a"), s("b")])])
        else {
            panic!()
        };
        assert_eq!(distinct.len(), 2);
        assert_eq!(value("min", vec![n(3.0), n(1.0)]), Some(Value::Number(1.0)));
        assert_eq!(value("max", vec![n(3.0), s("7")]), Some(Value::Number(7.0)));
        let Some(Value::List(r)) = value("range", vec![n(3.0)]) else {
            panic!()
        };
        assert_eq!(r.len(), 3);
        assert!(call("range", vec![n(1e9)], Span::default()).is_err());
        let Some(Value::Map(z)) = value("zipmap", vec![list(vec![s("a")]), list(vec![n(1.0)])])
        else {
            panic!()
        };
        assert_eq!(z.entries.len(), 1);
        assert_eq!(value("one", vec![list(vec![])]), Some(Value::Null));
    }

    #[test]
    fn conversions_and_json() {
        assert_eq!(
            value("tostring", vec![n(5.0)]),
            Some(Value::String("5".into()))
        );
        assert_eq!(value("tonumber", vec![s("5")]), Some(Value::Number(5.0)));
        assert_eq!(value("tobool", vec![s("true")]), Some(Value::Bool(true)));
        assert!(call("tobool", vec![s("yes")], Span::default()).is_err());
        assert_eq!(
            string(
                "jsonencode",
                vec![map(&[
                    (
                        "b",
                        list(vec![n(1.0), Node::new(Value::Bool(true), Span::default())])
                    ),
                    ("a", s("x"))
                ])]
            ),
            r#"{"a":"x","b":[1,true]}"#
        );
        let Some(Value::Map(decoded)) = value("jsondecode", vec![s(r#"{"a": [1, "x"]}"#)]) else {
            panic!()
        };
        assert_eq!(decoded.get("a").unwrap().value.as_list().unwrap().len(), 2);
    }

    #[test]
    fn unknown_arguments_give_unknown_results() {
        for name in [
            "lower",
            "merge",
            "length",
            "jsonencode",
            "coalesce",
            "format",
        ] {
            assert_eq!(value(name, vec![unknown()]), None, "{name}");
        }
        assert_eq!(value("jsonencode", vec![list(vec![unknown()])]), None);
        assert_eq!(value("no_such_function", vec![s("a")]), None);
        assert_eq!(value("file", vec![s("policy.json")]), None);
    }
}
