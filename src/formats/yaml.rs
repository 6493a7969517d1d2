//! A span-preserving YAML front end: `saphyr-parser` events feed our own
//! [`Node`] builder, so every node and key keeps its byte span, aliases are
//! expanded under a budget (alias bombs become findings), duplicate keys are
//! seen, and nesting is bounded. JSON is read by the same parser. Most
//! manifests take a fast path (`block`) into the same builder instead, and
//! whatever it does not read goes to saphyr.

use std::borrow::Cow;
use std::collections::{HashMap, hash_map};

use saphyr_parser::{Event, Marker, Parser, ScalarStyle, ScanError};

use crate::model::{Diagnostic, Entry, Key, Map, Node, Problem, Value};
use crate::source::{Source, Span};

mod block;

/// Deeper nesting than this is refused: no real manifest comes close, and a
/// bound keeps every later recursive walk of the tree safe.
pub const MAX_DEPTH: usize = 256;

/// How many nodes alias expansion may add to one file.
pub const MAX_ALIAS_NODES: usize = 100_000;

/// One YAML document of a stream.
#[derive(Debug)]
pub struct Document {
    pub root: Node,
    /// Full-line comments between the previous document and this one's content
    /// (Helm's `# Source:` lines live here).
    pub comments: Vec<Span>,
}

#[derive(Debug, Default)]
pub struct Parsed {
    pub documents: Vec<Document>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses a YAML (or JSON) stream. Never panics; a syntax error ends the
/// stream with a `parse-error` diagnostic, and documents completed before it
/// are kept.
pub fn parse(source: &Source) -> Parsed {
    // Outside the fast path's subset: the full parser, from the start.
    parse_fast(source).unwrap_or_else(|| parse_full(source))
}

/// The fast path alone: block-style YAML as manifests are written, read a
/// line at a time; `None` for any text outside that subset. Where it reads
/// a text, the result is the full parser's (public so that tests and the
/// fuzzer can hold it to that).
pub fn parse_fast(source: &Source) -> Option<Parsed> {
    let mut builder = Builder::new(source);
    block::read(&source.text, &mut builder)?;
    Some(builder.out)
}

/// The full parser (`saphyr-parser`) alone.
pub fn parse_full(source: &Source) -> Parsed {
    let mut builder = Builder::new(source);
    let mut parser = Parser::new_from_str(&source.text);
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => {
                if let Err(diagnostic) = builder.event(event, span.start, span.end) {
                    builder.out.diagnostics.push(*diagnostic);
                    break;
                }
            }
            Some(Err(error)) => {
                builder.out.diagnostics.push(builder.scan_error(&error));
                break;
            }
        }
    }
    builder.out
}

enum Frame {
    List {
        items: Vec<Node>,
        start: usize,
        anchor: usize,
    },
    Map {
        map: Map,
        key: Option<(Key, Span)>,
        start: usize,
        anchor: usize,
        keys: KeyIndex,
        /// Entries that came from `<<` merge keys; explicit keys override them.
        merged: Vec<Entry>,
        merged_keys: KeyIndex,
    },
}

/// Mappings with more keys than this index them: a hostile mapping with a
/// hundred thousand keys is still built in linear time, and small ones are
/// scanned, which is faster and allocates nothing.
const INDEXED_KEYS: usize = 16;

/// Where each key of a mapping being built was first defined.
#[derive(Default)]
struct KeyIndex(HashMap<Key, Span>);

impl KeyIndex {
    /// Where `key` is first defined among `entries`, which this indexes.
    /// Every key of a file is interned (`intern`), so two are the same
    /// text exactly when they are the same allocation.
    fn find(&self, entries: &[Entry], key: &Key) -> Option<Span> {
        if self.0.is_empty() {
            let same = |e: &&Entry| std::sync::Arc::ptr_eq(&e.key, key);
            entries.iter().find(same).map(|e| e.key_span)
        } else {
            self.0.get(key).copied()
        }
    }

    /// Like `find`, and records `key` at `span` for the entry about to be
    /// added when it is new.
    fn insert(&mut self, entries: &[Entry], key: &Key, span: Span) -> Option<Span> {
        if self.0.is_empty() {
            if entries.len() < INDEXED_KEYS {
                return self.find(entries, key);
            }
            for entry in entries {
                self.0.entry(entry.key.clone()).or_insert(entry.key_span);
            }
        }
        match self.0.entry(key.clone()) {
            hash_map::Entry::Occupied(first) => Some(*first.get()),
            hash_map::Entry::Vacant(slot) => {
                slot.insert(span);
                None
            }
        }
    }
}

struct Builder<'s> {
    source: &'s Source,
    /// Byte offset of every character, only for non-ASCII text (markers count
    /// characters, spans count bytes).
    char_offsets: Option<Vec<u32>>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    /// Each distinct key of the file, allocated once.
    keys: foldhash::HashSet<Key>,
    alias_nodes: usize,
    root: Option<Node>,
    previous_end: usize,
    out: Parsed,
}

type Step = Result<(), Box<Diagnostic>>;

impl<'s> Builder<'s> {
    fn new(source: &'s Source) -> Self {
        let char_offsets = (!source.text.is_ascii()).then(|| {
            source
                .text
                .char_indices()
                .map(|(i, _)| i as u32)
                .chain([source.text.len() as u32])
                .collect()
        });
        Builder {
            source,
            char_offsets,
            stack: Vec::new(),
            anchors: HashMap::new(),
            // A manifest has a few dozen distinct keys: no rehashing on the way.
            keys: foldhash::HashSet::with_capacity_and_hasher(64, Default::default()),
            alias_nodes: 0,
            root: None,
            previous_end: 0,
            out: Parsed::default(),
        }
    }

    fn offset(&self, marker: Marker) -> usize {
        let index = marker.index();
        match &self.char_offsets {
            None => index.min(self.source.text.len()),
            Some(offsets) => offsets
                .get(index)
                .map_or(self.source.text.len(), |&o| o as usize),
        }
    }

    /// A flow collection ends at its closing bracket; a block collection at
    /// its last item, not at the comments and blank lines after it.
    fn collection_end(&self, start: usize, event_end: usize, last_item: Option<u32>) -> usize {
        let flow = matches!(self.source.text.as_bytes().get(start), Some(b'[' | b'{'));
        match last_item {
            Some(last) if !flow => last as usize,
            _ => event_end,
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.source.id, start, end)
    }

    fn scan_error(&self, error: &ScanError) -> Diagnostic {
        let offset = self.offset(*error.marker());
        // JSON is read as the YAML it is, but named as what was written.
        let json = self.source.path.extension().is_some_and(|e| e == "json");
        let language = if json { "JSON" } else { "YAML" };
        Diagnostic::new(
            Problem::ParseError,
            self.source.char_span(offset),
            format!("invalid {language}: {}", error.info()),
        )
    }

    fn fail(&self, span: Span, message: String) -> Step {
        Err(Box::new(Diagnostic::new(
            Problem::ParseError,
            span,
            message,
        )))
    }

    /// One parser event, its markers turned into byte offsets.
    fn event(&mut self, event: Event<'_>, start: Marker, end: Marker) -> Step {
        let (start, end) = (self.offset(start), self.offset(end));
        match event {
            Event::DocumentStart(_) => self.document_start(),
            Event::DocumentEnd => self.document_end(),
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.as_deref().map(|t| t.suffix.as_str());
                return self.scalar(text, style, anchor, tag, start, end);
            }
            Event::SequenceStart(anchor, _) => return self.start_list(anchor, start),
            Event::MappingStart(anchor, _) => return self.start_map(anchor, start),
            Event::SequenceEnd | Event::MappingEnd => return self.end_collection(end),
            Event::Alias(id) => return self.alias(id, start, end),
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }

    fn document_start(&mut self) {
        self.anchors.clear();
        self.root = None;
    }

    fn document_end(&mut self) {
        if let Some(root) = self.root.take() {
            let comments = self.comments_between(self.previous_end, root.span.start as usize);
            self.previous_end = root.span.end as usize;
            if !root.is_null() {
                self.out.documents.push(Document { root, comments });
            }
        }
    }

    /// A scalar from `start` to `end` (for quoted ones, the parser's end may
    /// lie past a trailing comment).
    fn scalar(
        &mut self,
        text: Cow<'_, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&str>,
        start: usize,
        end: usize,
    ) -> Step {
        let value = non_string(&text, style == ScalarStyle::Plain, tag);
        let end = match style {
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                quoted_end(&self.source.text, start).unwrap_or(end)
            }
            _ => end,
        };
        let span = self.span(start, end);
        // Half of all scalars are keys, and a key needs only its
        // text, interned: no node is built (and freed) for it.
        if anchor == 0 && self.expects_key() {
            let key = match value {
                None => intern(&mut self.keys, &text),
                Some(value) => {
                    let text = Node::new(value, span).scalar_text().unwrap_or_default();
                    intern(&mut self.keys, &text)
                }
            };
            if let Some(Frame::Map { key: slot, .. }) = self.stack.last_mut() {
                *slot = Some((key, span));
            }
            return Ok(());
        }
        // A string keeps the parser's buffer, when it owns one.
        let value = value.unwrap_or_else(|| Value::String(text.into_owned().into_boxed_str()));
        let node = Node::new(value, span);
        self.remember(anchor, &node);
        self.push(node)
    }

    fn start_list(&mut self, anchor: usize, start: usize) -> Step {
        self.check_depth(start)?;
        self.stack.push(Frame::List {
            items: Vec::new(),
            start,
            anchor,
        });
        Ok(())
    }

    fn start_map(&mut self, anchor: usize, start: usize) -> Step {
        self.check_depth(start)?;
        self.stack.push(Frame::Map {
            map: Map::default(),
            key: None,
            start,
            anchor,
            keys: KeyIndex::default(),
            merged: Vec::new(),
            merged_keys: KeyIndex::default(),
        });
        Ok(())
    }

    /// Ends the innermost collection; `end` is where a flow one's bracket
    /// closes.
    fn end_collection(&mut self, end: usize) -> Step {
        let node = match self.stack.pop() {
            Some(Frame::List {
                mut items,
                start,
                anchor,
            }) => {
                // Trees live for the whole run: no spare capacity.
                items.shrink_to_fit();
                let last = self.collection_end(start, end, items.last().map(|n| n.span.end));
                let node = Node::new(Value::List(items), self.span(start, last.max(start)));
                self.remember(anchor, &node);
                node
            }
            Some(Frame::Map {
                mut map,
                start,
                anchor,
                keys,
                merged,
                ..
            }) => {
                let last_entry = map.entries.last();
                let last = self.collection_end(
                    start,
                    end,
                    last_entry.map(|e| e.value.span.end.max(e.key_span.end)),
                );
                let explicit = map.entries.len();
                for entry in merged {
                    if keys.find(&map.entries[..explicit], &entry.key).is_none() {
                        map.entries.push(entry);
                    }
                }
                map.entries.shrink_to_fit();
                let node = Node::new(Value::Map(map), self.span(start, last.max(start)));
                self.remember(anchor, &node);
                node
            }
            None => return Ok(()),
        };
        self.push(node)
    }

    fn alias(&mut self, id: usize, start: usize, end: usize) -> Step {
        let span = self.span(start, end);
        let Some((node, size)) = self.anchors.get(&id) else {
            return self.fail(span, "alias names an unknown anchor".into());
        };
        self.alias_nodes += size;
        if self.alias_nodes > MAX_ALIAS_NODES {
            return self.fail(
                span,
                format!(
                    "alias expansion exceeds {MAX_ALIAS_NODES} nodes (a YAML alias bomb?); the file is not checked"
                ),
            );
        }
        let node = node.clone();
        self.push(node)
    }

    fn check_depth(&self, start: usize) -> Step {
        if self.stack.len() >= MAX_DEPTH {
            let span = self.span(start, start + 1);
            return self.fail(
                span,
                format!("nesting deeper than {MAX_DEPTH} levels; the file is not checked"),
            );
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors
                .insert(anchor, (node.clone(), count_nodes(node)));
        }
    }

    /// Whether the next scalar is a mapping's key.
    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    /// Adds a finished node to its parent, or makes it the document root.
    fn push(&mut self, node: Node) -> Step {
        let duplicate = match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                None
            }
            Some(Frame::List { items, .. }) => {
                items.push(node);
                None
            }
            Some(Frame::Map {
                map,
                key,
                keys,
                merged,
                merged_keys,
                ..
            }) => match key.take() {
                None => {
                    let text = match &node.value {
                        Value::String(text) => Cow::Borrowed(&**text),
                        _ => node
                            .scalar_text()
                            .map_or(Cow::Borrowed(self.source.slice(node.span)), Cow::Owned),
                    };
                    *key = Some((intern(&mut self.keys, &text), node.span));
                    None
                }
                Some((key, key_span)) if &*key == "<<" => {
                    // A merge key: its maps' entries fill in what the mapping lacks.
                    let sources = match node.value {
                        Value::Map(m) => vec![m],
                        Value::List(items) => items
                            .into_iter()
                            .filter_map(|n| match n.value {
                                Value::Map(m) => Some(m),
                                _ => None,
                            })
                            .collect(),
                        _ => {
                            // Not a merge after all: an entry like any other.
                            keys.insert(&map.entries, &key, key_span);
                            map.entries.push(Entry {
                                key,
                                key_span,
                                value: node,
                            });
                            Vec::new()
                        }
                    };
                    for entry in sources.into_iter().flat_map(|m| m.entries) {
                        if merged_keys
                            .insert(merged, &entry.key, entry.key_span)
                            .is_none()
                        {
                            merged.push(entry);
                        }
                    }
                    None
                }
                Some((key, key_span)) => {
                    let first = keys.insert(&map.entries, &key, key_span);
                    let duplicate = first.map(|first| (key.clone(), key_span, first));
                    map.entries.push(Entry {
                        key,
                        key_span,
                        value: node,
                    });
                    duplicate
                }
            },
        };
        if let Some((key, span, first)) = duplicate {
            let mut diagnostic = Diagnostic::new(
                Problem::DuplicateKey,
                span,
                format!("duplicate key `{key}`: this value replaces the earlier one"),
            );
            diagnostic
                .related
                .push((first, "first defined here".into()));
            self.out.diagnostics.push(diagnostic);
        }
        Ok(())
    }

    /// Spans of the full-line comments in `start..end`.
    fn comments_between(&self, start: usize, end: usize) -> Vec<Span> {
        let text = &self.source.text;
        let end = end.min(text.len());
        let mut comments = Vec::new();
        let mut line_start = start;
        while line_start < end {
            let line_end = text[line_start..end]
                .find('\n')
                .map_or(end, |i| line_start + i);
            let line = &text[line_start..line_end];
            let trimmed = line.trim_start();
            if trimmed.starts_with('#') {
                let at = line_start + (line.len() - trimmed.len());
                comments.push(self.span(at, at + trimmed.trim_end().len()));
            }
            line_start = line_end + 1;
        }
        comments
    }
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::List(items) => items.iter().map(count_nodes).sum(),
        Value::Map(map) => map.entries.iter().map(|e| count_nodes(&e.value)).sum(),
        _ => 0,
    }
}

/// The file's one copy of a key.
fn intern(keys: &mut foldhash::HashSet<Key>, text: &str) -> Key {
    match keys.get(text) {
        Some(known) => known.clone(),
        None => {
            let new = Key::from(text);
            keys.insert(new.clone());
            new
        }
    }
}

/// The value of a scalar unless it is a string: a null, a boolean or a
/// number, by its tag or, plain and untagged, by how it is written.
fn non_string(text: &str, plain: bool, tag: Option<&str>) -> Option<Value> {
    match tag {
        None if plain => resolve_plain(text),
        Some("int" | "float") => parse_number(text).map(Value::Number),
        Some("bool" | "null") => resolve_plain(text),
        _ => None,
    }
}

/// A plain scalar that is not a string, resolved as Kubernetes' YAML decoder
/// does (YAML 1.1 booleans such as `yes` and `off` included).
fn resolve_plain(text: &str) -> Option<Value> {
    // Most plain scalars are words no special value starts like.
    if let Some(first) = text.bytes().next()
        && !matches!(
            first,
            b'0'..=b'9'
                | b'-'
                | b'+'
                | b'.'
                | b'~'
                | b'n'
                | b'N'
                | b't'
                | b'T'
                | b'y'
                | b'Y'
                | b'o'
                | b'O'
                | b'f'
                | b'F'
        )
    {
        return None;
    }
    let value = match text {
        "" | "~" | "null" | "Null" | "NULL" => Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Value::Bool(true),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            Value::Bool(false)
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => Value::Number(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => Value::Number(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => Value::Number(f64::NAN),
        _ => return parse_number(text).map(Value::Number),
    };
    Some(value)
}

fn parse_number(text: &str) -> Option<f64> {
    let first = text.as_bytes().first()?;
    if !(first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.')) {
        return None;
    }
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1.0, rest),
        None => (1.0, text.strip_prefix('+').unwrap_or(text)),
    };
    let radix = |prefix: &str, radix: u32| {
        digits
            .strip_prefix(prefix)
            .and_then(|d| i64::from_str_radix(d, radix).ok())
            .map(|n| sign * n as f64)
    };
    if let Some(n) = radix("0x", 16).or_else(|| radix("0o", 8)) {
        return Some(n);
    }
    if digits.len() > 1 && digits.starts_with('0') && digits.bytes().all(|b| b.is_ascii_digit()) {
        return radix("0", 8);
    }
    let valid = digits.bytes().any(|b| b.is_ascii_digit())
        && digits
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'));
    if !valid {
        return None;
    }
    digits.parse::<f64>().ok().map(|n| sign * n)
}

/// The end of the quoted scalar that opens at `start`. The parser's end marker
/// can lie past a trailing comment, and a finding should underline the value.
fn quoted_end(text: &str, start: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = *bytes.get(start)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b if b == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceId;

    fn parse_text(text: &str) -> (Source, Parsed) {
        let source = Source::new(SourceId(0), "t.yaml".into(), text.into());
        let parsed = parse(&source);
        (source, parsed)
    }

    #[test]
    fn keys_are_the_text_their_scalars_resolve_to() {
        let text = "yes: 1\n1.50: 2\n~: 3\n'quoted': 4\n!!int 0x1F: 5\n&a anchored: 6\nplain: 7\n";
        let (source, parsed) = parse_text(text);
        let map = parsed.documents[0].root.as_map().unwrap();
        let keys: Vec<&str> = map.entries.iter().map(|e| &*e.key).collect();
        assert_eq!(
            keys,
            ["true", "1.5", "null", "quoted", "31", "anchored", "plain"]
        );
        let written: Vec<&str> = map.entries[..4]
            .iter()
            .map(|e| source.slice(e.key_span))
            .collect();
        assert_eq!(written, ["yes", "1.50", "~", "'quoted'"]);
        // A key written twice is one allocation.
        let (_, parsed) = parse_text("- {name: a}\n- {name: b}\n");
        let items = parsed.documents[0].root.as_list().unwrap();
        let key = |i: usize| items[i].as_map().unwrap().entries[0].key.clone();
        assert!(std::sync::Arc::ptr_eq(&key(0), &key(1)));
    }

    #[test]
    fn keys_and_values_keep_exact_spans() {
        let (source, parsed) = parse_text("a:\n  b: 'x y'\n  c: [1, true]\n");
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let root = &parsed.documents[0].root;
        let a = root.as_map().unwrap().get("a").unwrap();
        assert_eq!(source.slice(a.key_span), "a");
        let b = a.value.as_map().unwrap().get("b").unwrap();
        assert_eq!(source.slice(b.key_span), "b");
        assert_eq!(b.value.as_str(), Some("x y"));
        assert_eq!(source.line_col(b.value.span.start).column, 6);
        let c = a.value.get("c").unwrap().as_list().unwrap();
        assert_eq!(source.slice(c[1].span), "true");
        assert_eq!(c[1].value, Value::Bool(true));
    }

    #[test]
    fn scalar_spans_end_at_the_scalar_not_at_a_trailing_comment() {
        let text = "a: \"x\" # c\nb: 'y'   # c\nc: z  # c\nd: |\n  lit\ne: [\"q\" ]\n";
        let (source, parsed) = parse_text(text);
        let root = &parsed.documents[0].root;
        for (key, want) in [("a", "\"x\""), ("b", "'y'"), ("c", "z"), ("e", "[\"q\" ]")] {
            assert_eq!(source.slice(root.get(key).unwrap().span), want, "{key}");
        }
        // A block scalar's span is its content, where line numbers are useful.
        assert_eq!(source.slice(root.get("d").unwrap().span).trim_end(), "lit");
        assert_eq!(
            source.slice(root.get("e").unwrap().as_list().unwrap()[0].span),
            "\"q\""
        );
    }

    #[test]
    fn spans_count_bytes_in_non_ascii_text() {
        let (source, parsed) = parse_text("é: ü\nk: v\n");
        let k = parsed.documents[0].root.as_map().unwrap().get("k").unwrap();
        assert_eq!(source.slice(k.value.span), "v");
        assert_eq!(source.line_col(k.value.span.start).line, 2);
    }

    #[test]
    fn plain_scalars_resolve_like_kubernetes() {
        let (_, parsed) = parse_text("[yes, off, ~, 0x1f, 010, 1.5e3, '1', 1.2.3, -7]");
        let items = parsed.documents[0].root.as_list().unwrap();
        let values: Vec<_> = items.iter().map(|n| n.value.clone()).collect();
        assert_eq!(
            values,
            vec![
                Value::Bool(true),
                Value::Bool(false),
                Value::Null,
                Value::Number(31.0),
                Value::Number(8.0),
                Value::Number(1500.0),
                Value::String("1".into()),
                Value::String("1.2.3".into()),
                Value::Number(-7.0),
            ]
        );
    }

    #[test]
    fn documents_keep_their_leading_comments() {
        let text = "# one\na: 1\n---\n# Source: chart/templates/b.yaml\nb: 2\n---\n";
        let (source, parsed) = parse_text(text);
        assert_eq!(parsed.documents.len(), 2);
        let comments: Vec<_> = parsed.documents[1]
            .comments
            .iter()
            .map(|s| source.slice(*s))
            .collect();
        assert_eq!(comments, ["# Source: chart/templates/b.yaml"]);
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_last_wins() {
        let (_, parsed) = parse_text("a: 1\nb: 2\na: 3\n");
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].problem, Problem::DuplicateKey);
        assert_eq!(parsed.diagnostics[0].span.start, 10);
        let a = parsed.documents[0].root.get("a").unwrap();
        assert_eq!(a.value, Value::Number(3.0));
    }

    #[test]
    fn duplicates_are_found_in_large_mappings_and_merges() {
        let keys: String = (0..100).map(|i| format!("k{i}: 1, ")).collect();
        let text = format!("big: &b {{{keys}k3: 2, k99: 3}}\nc: {{<<: [*b, *b], k50: 4, k0: 5}}\n");
        let (source, parsed) = parse_text(&text);
        let duplicates: Vec<&str> = parsed
            .diagnostics
            .iter()
            .map(|d| source.slice(d.span))
            .collect();
        // Defined before and after the index was built; merged entries
        // neither duplicate each other nor the keys they give way to.
        assert_eq!(duplicates, ["k3", "k99"]);
        let c = parsed.documents[0].root.get("c").unwrap().as_map().unwrap();
        assert_eq!(c.entries.len(), 100);
        assert_eq!(c.get("k50").unwrap().value.value, Value::Number(4.0));
    }

    #[test]
    fn merge_keys_fill_in_missing_entries() {
        let (_, parsed) = parse_text("base: &b {x: 1, y: 2}\nc:\n  <<: *b\n  y: 3\n");
        let c = parsed.documents[0].root.get("c").unwrap();
        assert_eq!(c.get("x").unwrap().value, Value::Number(1.0));
        assert_eq!(c.get("y").unwrap().value, Value::Number(3.0));
    }

    #[test]
    fn an_alias_bomb_is_a_parse_error_not_an_out_of_memory() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..10 {
            let prev = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let (_, parsed) = parse_text(&text);
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].problem, Problem::ParseError);
        assert!(parsed.diagnostics[0].message.contains("alias"));
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let text = "[".repeat(100_000);
        let (_, parsed) = parse_text(&text);
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].problem, Problem::ParseError);
    }

    #[test]
    fn a_syntax_error_keeps_earlier_documents() {
        let (source, parsed) = parse_text("a: 1\n---\nb: [1\nc: 2\n");
        assert_eq!(parsed.documents.len(), 1);
        assert_eq!(parsed.diagnostics.len(), 1);
        let at = source.line_col(parsed.diagnostics[0].span.start);
        assert!(at.line >= 3, "{at:?}");
    }

    #[test]
    fn json_manifests_parse() {
        let (_, parsed) = parse_text("{\"kind\": \"Pod\", \"spec\": {\"containers\": []}}");
        assert!(parsed.diagnostics.is_empty());
        assert_eq!(
            parsed.documents[0].root.get("kind").unwrap().as_str(),
            Some("Pod")
        );
    }
}
