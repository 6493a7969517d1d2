//! Reading typed values out of a YAML [`Node`] with errors that point into the
//! file: the rule files are read this way, so an unknown key, a wrong type or
//! a bad regex is reported at its exact span.

use crate::model::{Entry, Map, Node, Value};
use crate::source::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct SchemaError {
    pub span: Span,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, SchemaError>;

pub fn error<T>(span: Span, message: impl Into<String>) -> Result<T> {
    Err(SchemaError {
        span,
        message: message.into(),
    })
}

/// The entries of a mapping, checked against the keys it may have.
pub struct Fields<'a> {
    pub map: &'a Map,
    pub span: Span,
}

impl<'a> Fields<'a> {
    pub fn new(node: &'a Node, allowed: &[&str], what: &str) -> Result<Fields<'a>> {
        let Some(map) = node.as_map() else {
            return error(node.span, format!("{what} must be a mapping"));
        };
        for entry in &map.entries {
            if !allowed.contains(&&*entry.key) {
                let mut message = format!("unknown key `{}` in {what}", entry.key);
                match nearest(&entry.key, allowed) {
                    Some(suggestion) => {
                        message.push_str(&format!("; did you mean `{suggestion}`?"))
                    }
                    None => message.push_str(&format!("; expected one of: {}", allowed.join(", "))),
                }
                return error(entry.key_span, message);
            }
        }
        Ok(Fields {
            map,
            span: node.span,
        })
    }

    pub fn entry(&self, key: &str) -> Option<&'a Entry> {
        self.map.get(key)
    }

    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entry(key).map(|e| &e.value)
    }

    pub fn required(&self, key: &str, what: &str) -> Result<&'a Node> {
        match self.get(key) {
            Some(node) => Ok(node),
            None => error(self.span, format!("{what} needs `{key}`")),
        }
    }

    pub fn string(&self, key: &str) -> Result<Option<&'a str>> {
        self.get(key).map(string).transpose()
    }

    pub fn required_string(&self, key: &str, what: &str) -> Result<&'a str> {
        string(self.required(key, what)?)
    }

    /// A string or a list of strings, as a list.
    pub fn strings(&self, key: &str) -> Result<Vec<(&'a str, Span)>> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(node) => strings(node),
        }
    }
}

pub fn string(node: &Node) -> Result<&str> {
    match &node.value {
        Value::String(s) => Ok(s),
        _ => error(node.span, "expected a string"),
    }
}

pub fn strings(node: &Node) -> Result<Vec<(&str, Span)>> {
    match &node.value {
        Value::String(s) => Ok(vec![(s, node.span)]),
        Value::List(items) => items.iter().map(|n| Ok((string(n)?, n.span))).collect(),
        _ => error(node.span, "expected a string or a list of strings"),
    }
}

/// The closest allowed key, if one is close enough to be a likely typo.
pub fn nearest<'k>(key: &str, allowed: &[&'k str]) -> Option<&'k str> {
    allowed
        .iter()
        .map(|candidate| (edit_distance(key, candidate), *candidate))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = (previous + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(current + 1);
            previous = current;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_get_a_suggestion() {
        assert_eq!(
            nearest("requre", &["require", "when", "message"]),
            Some("require")
        );
        assert_eq!(nearest("zzz", &["require", "when"]), None);
    }
}
