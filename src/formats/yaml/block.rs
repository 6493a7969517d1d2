//! A fast path for YAML written the way manifests are: block mappings and
//! sequences, plain and quoted scalars (wrapped over lines or not), one-line
//! flow collections, literal and folded block scalars, comments and `---`.
//! It reads a line at a time and feeds
//! the same [`Builder`] as the full parser, borrowing plain and quoted text
//! from the source, with the spans the full parser would give.
//!
//! Whatever lies outside that subset (anchors, aliases, tags, multi-line
//! keys and flow collections, tabs in the structure, carriage returns,
//! explicit keys, directives, and anything malformed) makes it give up, and
//! the full parser reads the whole file: it never has to be right about an
//! error, only about text it accepts. `tests/yaml_fast_path.rs` and the
//! `yaml_fast` fuzz target hold it to the full parser's result.

use std::borrow::Cow;

use memchr::memchr;
use saphyr_parser::ScalarStyle;

use super::Builder;

/// Flow collections nested deeper than this are left to the full parser.
const MAX_FLOW_DEPTH: usize = 32;

/// YAML bounds an implicit key at 1024 characters; a longer one (counted
/// here in bytes, which is stricter) is the full parser's to refuse.
const MAX_KEY: usize = 1024;

/// Builds the file's documents into `builder`, or `None` when the text is
/// not in the subset (the builder is then to be thrown away).
pub(super) fn read(text: &str, builder: &mut Builder) -> Option<()> {
    if !in_subset(text) {
        return None;
    }
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        builder,
        open: Vec::new(),
        pending: None,
        in_document: false,
        explicit: false,
        had_root: false,
    };
    reader.run()
}

/// Characters the full parser treats specially or rejects, wherever they
/// are: control characters other than a line feed or tab, DEL, C1
/// controls, Unicode line separators and byte order marks.
fn in_subset(text: &str) -> bool {
    let plain = |b: u8| b >= 0x20 && b != 0x7f || b == b'\n' || b == b'\t';
    text.bytes().all(plain)
        && (text.is_ascii()
            || !text.chars().any(|c| {
                matches!(
                    c,
                    '\u{80}'..='\u{9f}' | '\u{2028}' | '\u{2029}' | '\u{feff}'
                )
            }))
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Map,
    /// `indentless`: the items' dashes stand at the indentation of the
    /// mapping key that holds the sequence.
    List {
        indentless: bool,
    },
}

/// A block collection being read: the column of its keys or dashes.
struct Open {
    indent: usize,
    kind: Kind,
}

struct Reader<'t, 'b, 's> {
    text: &'t str,
    bytes: &'t [u8],
    /// The start of the next line to read.
    pos: usize,
    builder: &'b mut Builder<'s>,
    open: Vec<Open>,
    /// A key with nothing after its colon: the colon, and the indentation
    /// of its mapping. What follows decides whether the value is a block
    /// collection or empty.
    pending: Option<(usize, usize)>,
    in_document: bool,
    /// The current document was started by `---`.
    explicit: bool,
    /// The current document's root collection has been closed.
    had_root: bool,
}

/// One line of the text: its content (without the line feed), where it
/// ends, how many spaces indent it, and where the next line starts.
struct Row<'t> {
    text: &'t str,
    end: usize,
    spaces: usize,
    next: usize,
}

/// How a plain scalar on one line ends.
struct Plain {
    /// The end of its text, trailing spaces left out.
    end: usize,
    /// Where it stopped at a `:` followed by a space or the line's end.
    colon: Option<usize>,
}

impl<'t> Reader<'t, '_, '_> {
    fn run(&mut self) -> Option<()> {
        while self.pos < self.bytes.len() {
            let start = self.pos;
            let end = self.line_end(start);
            self.pos = (end + 1).min(self.bytes.len());
            let line = &self.text[start..end];
            let indent = line.bytes().take_while(|&b| b == b' ').count();
            let rest = &line[indent..];
            if rest.is_empty() || rest.starts_with('#') {
                continue;
            }
            if line.contains('\t') {
                return None;
            }
            if indent == 0 && (line.starts_with("---") || line.starts_with("...")) {
                if line.trim_end_matches(' ') != "---" {
                    return None;
                }
                self.end_document(start, start + 3)?;
                self.start_document(true);
                continue;
            }
            if indent == 0 && line.starts_with('%') {
                return None;
            }
            self.node_line(start, start + indent, end)?;
        }
        let end = self.bytes.len();
        self.end_document(end, end)
    }

    fn line_end(&self, from: usize) -> usize {
        memchr(b'\n', &self.bytes[from..]).map_or(self.bytes.len(), |i| from + i)
    }

    /// The line that starts at `line`.
    fn row(&self, line: usize) -> Row<'t> {
        let end = self.line_end(line);
        let text: &'t str = &self.text[line..end];
        Row {
            text,
            end,
            spaces: text.bytes().take_while(|&b| b == b' ').count(),
            next: (end + 1).min(self.bytes.len()),
        }
    }

    fn start_document(&mut self, explicit: bool) {
        self.builder.document_start();
        self.in_document = true;
        self.explicit = explicit;
        self.had_root = false;
    }

    /// Ends the document at the next token, `next..next_end` (`---`, or
    /// the end of the text).
    fn end_document(&mut self, next: usize, next_end: usize) -> Option<()> {
        if self.in_document && self.explicit && self.open.is_empty() && !self.had_root {
            // The full parser gives a `---` with nothing after it an empty
            // root at the next token, which moves where the next
            // document's leading comments start.
            let empty = Cow::Borrowed("");
            let step = self
                .builder
                .scalar(empty, ScalarStyle::Plain, 0, None, next, next_end);
            step.ok()?;
        }
        self.empty_pending()?;
        while !self.open.is_empty() {
            self.close(next)?;
        }
        if self.in_document {
            self.builder.document_end();
            self.in_document = false;
        }
        Some(())
    }

    /// A pending key's value is empty: the full parser puts the empty
    /// scalar at the key's colon.
    fn empty_pending(&mut self) -> Option<()> {
        if let Some((colon, _)) = self.pending.take() {
            let empty = Cow::Borrowed("");
            let step = self
                .builder
                .scalar(empty, ScalarStyle::Plain, 0, None, colon, colon);
            step.ok()?;
        }
        Some(())
    }

    /// Closes the innermost block collection, ended by the token at `next`
    /// (where the full parser puts the end; the builder ends a block
    /// collection at its last item unless it takes it for a flow one).
    fn close(&mut self, next: usize) -> Option<()> {
        self.open.pop()?;
        if self.open.is_empty() {
            self.had_root = true;
        }
        self.builder.end_collection(next).ok()
    }

    fn is_entry(&self, at: usize, line_end: usize) -> bool {
        self.bytes[at] == b'-' && (at + 1 == line_end || self.bytes[at + 1] == b' ')
    }

    /// A line that holds a node, its content starting at `at`.
    fn node_line(&mut self, line_start: usize, at: usize, line_end: usize) -> Option<()> {
        if !self.in_document {
            self.start_document(false);
        }
        let indent = at - line_start;
        let entry = self.is_entry(at, line_end);
        if let Some((_, map_indent)) = self.pending {
            if indent > map_indent {
                self.pending = None;
                return self.open_collection(line_start, at, line_end, entry);
            }
            if indent == map_indent && entry {
                // An indentless sequence starts where its first item does.
                self.pending = None;
                let item = self.skip_spaces(at + 1, line_end);
                self.builder.start_list(0, item).ok()?;
                self.open.push(Open {
                    indent,
                    kind: Kind::List { indentless: true },
                });
                return self.entry(line_start, at, line_end);
            }
            self.empty_pending()?;
        }
        while let Some(top) = self.open.last() {
            let ends_indentless =
                top.indent == indent && top.kind == (Kind::List { indentless: true }) && !entry;
            if top.indent > indent || ends_indentless {
                self.close(at)?;
            } else {
                break;
            }
        }
        match self.open.last() {
            None if !self.had_root => self.open_collection(line_start, at, line_end, entry),
            Some(top) if top.indent == indent => match (top.kind, entry) {
                (Kind::List { .. }, true) => self.entry(line_start, at, line_end),
                (Kind::Map, false) => self.pair(at, line_end),
                _ => None,
            },
            // Between two levels, deeper than a key that has its value, or
            // a second root: malformed, or a multi-line scalar.
            _ => None,
        }
    }

    fn open_collection(
        &mut self,
        line_start: usize,
        at: usize,
        line_end: usize,
        entry: bool,
    ) -> Option<()> {
        let indent = at - line_start;
        if entry {
            self.builder.start_list(0, at).ok()?;
            self.open.push(Open {
                indent,
                kind: Kind::List { indentless: false },
            });
            self.entry(line_start, at, line_end)
        } else {
            self.builder.start_map(0, at).ok()?;
            self.open.push(Open {
                indent,
                kind: Kind::Map,
            });
            self.pair(at, line_end)
        }
    }

    /// A sequence item whose dash is at `dash`.
    fn entry(&mut self, line_start: usize, dash: usize, line_end: usize) -> Option<()> {
        let item = self.skip_spaces(dash + 1, line_end);
        if item == line_end || self.bytes[item] == b'#' || self.is_entry(item, line_end) {
            // An empty item, one on the lines below, or a nested sequence.
            return None;
        }
        if self.starts_key(item, line_end) {
            // `- key: value` opens a mapping at the key's column.
            self.builder.start_map(0, item).ok()?;
            self.open.push(Open {
                indent: item - line_start,
                kind: Kind::Map,
            });
            return self.pair(item, line_end);
        }
        self.value(item, line_end, dash - line_start)
    }

    /// Whether the text at `at` is a key followed by its colon.
    fn starts_key(&self, at: usize, line_end: usize) -> bool {
        match self.bytes[at] {
            b'"' | b'\'' => self
                .quoted(at, line_end)
                .is_some_and(|(_, close)| self.bytes.get(close) == Some(&b':')),
            b'[' | b'{' | b'|' | b'>' => false,
            _ => self.plain(at, line_end, false).colon.is_some(),
        }
    }

    /// A `key: value` line of the innermost mapping.
    fn pair(&mut self, at: usize, line_end: usize) -> Option<()> {
        let (key, style, key_end) = match self.bytes[at] {
            b'"' | b'\'' => {
                let (text, close) = self.quoted(at, line_end)?;
                (text, quote_style(self.bytes[at]), close)
            }
            _ if !plain_start(self.bytes, at, line_end, false) => return None,
            _ => {
                let plain = self.plain(at, line_end, false);
                let colon = plain.colon?;
                // `key :` and keys a flow indicator could confuse.
                let text = &self.text[at..colon];
                if plain.end != colon || text.bytes().any(|b| b"[]{},".contains(&b)) {
                    return None;
                }
                (Cow::Borrowed(text), ScalarStyle::Plain, colon)
            }
        };
        let colon = key_end;
        let after = colon + 1;
        if key_end - at > MAX_KEY {
            return None;
        }
        if self.bytes.get(colon) != Some(&b':') || (after < line_end && self.bytes[after] != b' ') {
            return None;
        }
        self.builder.scalar(key, style, 0, None, at, key_end).ok()?;
        let value = self.skip_spaces(after, line_end);
        if value == line_end || self.bytes[value] == b'#' {
            let indent = self.open.last()?.indent;
            self.pending = Some((colon, indent));
            return Some(());
        }
        let indent = self.open.last()?.indent;
        self.value(value, line_end, indent)
    }

    /// The value at `at`, the rest of its line; `parent` is the indentation
    /// of the collection that holds it.
    fn value(&mut self, at: usize, line_end: usize, parent: usize) -> Option<()> {
        match self.bytes[at] {
            b'"' | b'\'' => {
                let (text, close) = match self.quoted(at, line_end) {
                    Some((text, close)) if self.rest_is_blank(close, line_end) => (text, close),
                    Some(_) => return None,
                    None => self.quoted_lines(at, line_end, parent)?,
                };
                let style = quote_style(self.bytes[at]);
                self.builder.scalar(text, style, 0, None, at, close).ok()
            }
            b'[' | b'{' => {
                let close = self.flow(at, line_end, 0)?;
                self.rest_is_blank(close, line_end).then_some(())
            }
            b'|' | b'>' => self.block_scalar(at, line_end, parent),
            _ if !plain_start(self.bytes, at, line_end, false) => None,
            _ => {
                let plain = self.plain(at, line_end, false);
                if plain.colon.is_some() {
                    // `a: b: c`: not a value.
                    return None;
                }
                let commented = self.skip_spaces(plain.end, line_end) < line_end;
                let (text, end) = self.continued(at, plain.end, parent, commented)?;
                let step = self
                    .builder
                    .scalar(text, ScalarStyle::Plain, 0, None, at, end);
                step.ok()
            }
        }
    }

    /// A plain scalar whose first line runs from `at` to `first_end`
    /// (`commented`: a comment ends that line), with the lines that continue
    /// it, more indented than `parent`: its text and end, or `None` for
    /// continuations left to the full parser. Generated manifests (CRDs'
    /// descriptions) wrap long text so.
    fn continued(
        &mut self,
        at: usize,
        first_end: usize,
        parent: usize,
        mut commented: bool,
    ) -> Option<(Cow<'t, str>, usize)> {
        let text: &'t str = self.text;
        let first = &text[at..first_end];
        let mut folded: Option<String> = None;
        let mut end = first_end;
        let mut blanks = 0;
        let mut line = self.pos;
        let mut resume = self.pos;
        while line < self.bytes.len() {
            let Row {
                text: row,
                end: line_end,
                spaces,
                next,
            } = self.row(line);
            if spaces == row.len() {
                blanks += 1;
                line = next;
                continue;
            }
            let content = &row[spaces..];
            if spaces <= parent || content.starts_with('#') {
                // The scalar ended; a comment line ends it too (and what
                // follows it is the main loop's to judge).
                break;
            }
            let start = line + spaces;
            if commented || row.contains('\t') || content.starts_with(['-', '?', ':']) {
                // A comment and then more (saphyr refuses it), a tab, or a
                // line starting like a block entry or an explicit key.
                // Other indicators (`&&`, `||` in a CEL rule) are text here.
                return None;
            }
            let plain = self.plain(start, line_end, false);
            if plain.colon.is_some() {
                return None;
            }
            commented = self.skip_spaces(plain.end, line_end) < line_end;
            let folded = folded.get_or_insert_with(|| first.to_string());
            match blanks {
                0 => folded.push(' '),
                n => folded.extend(std::iter::repeat_n('\n', n)),
            }
            folded.push_str(&self.text[start..plain.end]);
            end = plain.end;
            blanks = 0;
            line = next;
            resume = next;
            if line_end == self.bytes.len() {
                break;
            }
        }
        let Some(folded) = folded else {
            return Some((Cow::Borrowed(first), first_end));
        };
        // The main loop reads on after the last line of the scalar.
        self.pos = resume;
        Some((Cow::Owned(folded), end))
    }

    /// A plain scalar from `at` to the end of its line, a comment, or a
    /// colon that ends a key; in a flow collection (`flow`) also to a flow
    /// indicator.
    fn plain(&self, at: usize, line_end: usize, flow: bool) -> Plain {
        let bytes = self.bytes;
        let mut i = at;
        let mut colon = None;
        while i < line_end {
            match bytes[i] {
                b'#' if bytes[i - 1] == b' ' => break,
                b':' if i + 1 == line_end
                    || bytes[i + 1] == b' '
                    || flow && b",[]{}".contains(&bytes[i + 1]) =>
                {
                    colon = Some(i);
                    break;
                }
                b',' | b'[' | b']' | b'{' | b'}' if flow => break,
                _ => {}
            }
            i += 1;
        }
        let mut end = i;
        while end > at && bytes[end - 1] == b' ' {
            end -= 1;
        }
        Plain { end, colon }
    }

    /// A quoted scalar that closes on its line: its text and the offset
    /// past the closing quote. Escapes are left to the full parser.
    fn quoted(&self, at: usize, line_end: usize) -> Option<(Cow<'t, str>, usize)> {
        let quote = self.bytes[at];
        let text: &'t str = self.text;
        let body = &text[at + 1..line_end];
        if quote == b'"' {
            let close = body.find(['"', '\\'])?;
            if body.as_bytes()[close] == b'"' {
                return Some((Cow::Borrowed(&body[..close]), at + 1 + close + 1));
            }
            let (text, close) = unescape(body)?;
            return Some((Cow::Owned(text), at + 1 + close + 1));
        }
        let mut i = 0;
        let mut doubled = false;
        loop {
            let close = i + body[i..].find('\'')?;
            if body.as_bytes().get(close + 1) == Some(&b'\'') {
                doubled = true;
                i = close + 2;
                continue;
            }
            let text = &body[..close];
            let text = match doubled {
                true => Cow::Owned(text.replace("''", "'")),
                false => Cow::Borrowed(text),
            };
            return Some((text, at + 1 + close + 1));
        }
    }

    /// A quoted value that opens at `at` and closes on a later line, each
    /// more indented than `parent`: its text, folded as saphyr folds it (a
    /// line break is a space, each blank line a line feed), and the offset
    /// past the closing quote. Double-quoted lines with a backslash are left
    /// to the full parser (an escape may hide a line break or a space).
    fn quoted_lines(
        &mut self,
        at: usize,
        line_end: usize,
        parent: usize,
    ) -> Option<(Cow<'t, str>, usize)> {
        let quote = self.bytes[at];
        let first = &self.text[at + 1..line_end];
        if closing_quote(first, quote).is_some() || quote == b'"' && first.contains('\\') {
            return None;
        }
        let mut value = unquote(first.trim_end_matches(' '), quote);
        let mut blanks = 0;
        let mut line = self.pos;
        while line < self.bytes.len() {
            let Row {
                text: row,
                end,
                spaces,
                next,
            } = self.row(line);
            if spaces == row.len() {
                blanks += 1;
                line = next;
                continue;
            }
            let content = &row[spaces..];
            if spaces <= parent || row.contains('\t') || quote == b'"' && content.contains('\\') {
                return None;
            }
            match blanks {
                0 => value.push(' '),
                n => value.extend(std::iter::repeat_n('\n', n)),
            }
            blanks = 0;
            match closing_quote(content, quote) {
                Some(close) => {
                    value.push_str(&unquote(&content[..close], quote));
                    let after = line + spaces + close + 1;
                    if !self.rest_is_blank(after, end) {
                        return None;
                    }
                    self.pos = next;
                    return Some((Cow::Owned(value), after));
                }
                None => value.push_str(&unquote(content.trim_end_matches(' '), quote)),
            }
            line = next;
        }
        // Never closed.
        None
    }

    /// A flow collection on one line, opening at `at`: the offset past its
    /// closing bracket.
    fn flow(&mut self, at: usize, line_end: usize, depth: usize) -> Option<usize> {
        if depth > MAX_FLOW_DEPTH {
            return None;
        }
        let map = self.bytes[at] == b'{';
        let close = if map { b'}' } else { b']' };
        if map {
            self.builder.start_map(0, at).ok()?;
        } else {
            self.builder.start_list(0, at).ok()?;
        }
        let mut i = self.skip_spaces(at + 1, line_end);
        if self.bytes.get(i) == Some(&close) {
            return self.end_flow(i, line_end, depth);
        }
        loop {
            let item = i;
            i = self.flow_node(i, line_end, depth, map)?;
            if map {
                if i - item > MAX_KEY {
                    return None;
                }
                i = self.skip_spaces(i, line_end);
                if self.bytes.get(i) != Some(&b':') || self.bytes.get(i + 1) != Some(&b' ') {
                    return None;
                }
                i = self.skip_spaces(i + 1, line_end);
                i = self.flow_node(i, line_end, depth, false)?;
            }
            i = self.skip_spaces(i, line_end);
            match self.bytes.get(i) {
                Some(b',') if i < line_end => {
                    i = self.skip_spaces(i + 1, line_end);
                    if self.bytes.get(i) == Some(&close) {
                        // A trailing comma.
                        return None;
                    }
                }
                Some(&b) if b == close && i < line_end => return self.end_flow(i, line_end, depth),
                _ => return None,
            }
        }
    }

    /// Closes the flow collection whose bracket is at `bracket`. The full
    /// parser ends it where the next token starts: past the spaces after
    /// it, and past a comment, at the line's end.
    fn end_flow(&mut self, bracket: usize, line_end: usize, depth: usize) -> Option<usize> {
        if depth == 0 && !self.rest_is_blank(bracket + 1, line_end) {
            return None;
        }
        let next = self.skip_spaces(bracket + 1, line_end);
        let end = match self.bytes.get(next) {
            Some(b'#') => line_end,
            _ => next,
        };
        self.builder.end_collection(end).ok()?;
        Some(bracket + 1)
    }

    /// One node of a flow collection at `at` (`key`: a mapping's key):
    /// the offset past it.
    fn flow_node(&mut self, at: usize, line_end: usize, depth: usize, key: bool) -> Option<usize> {
        if at >= line_end {
            return None;
        }
        match self.bytes[at] {
            b'[' | b'{' if !key => self.flow(at, line_end, depth + 1),
            b'"' | b'\'' => {
                let (text, close) = self.quoted(at, line_end)?;
                let style = quote_style(self.bytes[at]);
                self.builder.scalar(text, style, 0, None, at, close).ok()?;
                Some(close)
            }
            _ if !plain_start(self.bytes, at, line_end, true) => None,
            _ => {
                let plain = self.plain(at, line_end, true);
                let stop = plain.colon.unwrap_or(plain.end);
                let text = &self.text[at..plain.end];
                // A colon ending a value, a space before a key's colon, a
                // comment, a bracket inside the scalar, or the line's end:
                // not one line of flow.
                let stopped_at = self.skip_spaces(plain.end, line_end);
                let fine = match plain.colon {
                    Some(colon) => key && colon == plain.end,
                    None => matches!(self.bytes.get(stopped_at), Some(b',' | b']' | b'}')),
                };
                // saphyr refuses a `-` before a flow indicator where a word of
                // a flow scalar starts (`[a -]`; `[--]` is fine).
                if !fine || text.is_empty() || stopped_at >= line_end {
                    return None;
                }
                let bytes = self.bytes;
                let dash_before_indicator = (at + 1..stopped_at).any(|j| {
                    bytes[j - 1] == b' ' && bytes[j] == b'-' && b",[]{}".contains(&bytes[j + 1])
                });
                if dash_before_indicator {
                    return None;
                }
                let step = self.builder.scalar(
                    Cow::Borrowed(text),
                    ScalarStyle::Plain,
                    0,
                    None,
                    at,
                    plain.end,
                );
                step.ok()?;
                Some(stop)
            }
        }
    }

    /// A literal (`|`) or folded (`>`) scalar whose header is at `at`, its
    /// content on the lines below, more indented than `parent`.
    fn block_scalar(&mut self, at: usize, line_end: usize, parent: usize) -> Option<()> {
        let folded = self.bytes[at] == b'>';
        let mut i = at + 1;
        let chomp = match self.bytes.get(i) {
            Some(b'-') => Chomp::Strip,
            Some(b'+') => Chomp::Keep,
            _ => Chomp::Clip,
        };
        if chomp != Chomp::Clip {
            i += 1;
        }
        if i < line_end && self.bytes[i] != b' ' || !self.rest_is_blank(i, line_end) {
            // An indentation indicator, or text after the header.
            return None;
        }
        let first = self.pos;
        let first_end = self.line_end(first);
        let indent = self.bytes[first..first_end]
            .iter()
            .take_while(|&&b| b == b' ')
            .count();
        let starts_content =
            first + indent < first_end && !matches!(self.bytes[first + indent], b'\t');
        if first >= self.bytes.len() || indent <= parent || !starts_content {
            // Empty, or leading blank lines: left to the full parser.
            return None;
        }
        let content_start = first + indent;
        let mut value = String::new();
        // Blank lines since the last content line.
        let mut blanks = 0usize;
        let mut had_content = false;
        let mut line = first;
        let end = loop {
            if line >= self.bytes.len() {
                break self.bytes.len();
            }
            let end = self.line_end(line);
            let text = &self.text[line..end];
            let spaces = text.bytes().take_while(|&b| b == b' ').count();
            if spaces == text.len() {
                if spaces > indent {
                    // Spaces that would be content.
                    return None;
                }
                blanks += 1;
            } else if spaces >= indent {
                let content = &text[indent..];
                if folded && content.starts_with([' ', '\t']) {
                    return None;
                }
                if had_content {
                    match (folded, blanks) {
                        (true, 0) => value.push(' '),
                        (true, n) => value.extend(std::iter::repeat_n('\n', n)),
                        (false, n) => value.extend(std::iter::repeat_n('\n', n + 1)),
                    }
                }
                value.push_str(content);
                had_content = true;
                blanks = 0;
            } else if text.as_bytes()[spaces] == b'\t' {
                return None;
            } else {
                break line + spaces;
            }
            if end == self.bytes.len() {
                // The last line has no line break: whether the value ends
                // with one is left to the full parser.
                return None;
            }
            line = end + 1;
        };
        match chomp {
            Chomp::Strip => {}
            Chomp::Clip => value.push('\n'),
            Chomp::Keep => value.extend(std::iter::repeat_n('\n', blanks + 1)),
        }
        // The main loop reads on from the line that ended the scalar.
        self.pos = self.line_start(end);
        let style = if folded {
            ScalarStyle::Folded
        } else {
            ScalarStyle::Literal
        };
        let step = self
            .builder
            .scalar(Cow::Owned(value), style, 0, None, content_start, end);
        step.ok()
    }

    fn line_start(&self, at: usize) -> usize {
        self.bytes[..at]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
    }

    fn skip_spaces(&self, mut at: usize, line_end: usize) -> usize {
        while at < line_end && self.bytes[at] == b' ' {
            at += 1;
        }
        at
    }

    /// Whether only spaces and a comment (after a space) follow `at`.
    fn rest_is_blank(&self, at: usize, line_end: usize) -> bool {
        let next = self.skip_spaces(at, line_end);
        next == line_end || (next > at && self.bytes[next] == b'#')
    }
}

/// The text of a double-quoted scalar whose body (after the opening quote)
/// holds an escape, and where its closing quote is; `None` for an escape
/// the full parser refuses or a line break escaped.
fn unescape(body: &str) -> Option<(String, usize)> {
    let mut text = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((text, i)),
            '\\' => {
                let (_, escape) = chars.next()?;
                let code_length = match escape {
                    'x' => 2,
                    'u' => 4,
                    'U' => 8,
                    _ => 0,
                };
                if code_length == 0 {
                    text.push(match escape {
                        '0' => '\0',
                        'a' => '\x07',
                        'b' => '\x08',
                        't' => '\t',
                        'n' => '\n',
                        'v' => '\x0b',
                        'f' => '\x0c',
                        'r' => '\r',
                        'e' => '\x1b',
                        ' ' => ' ',
                        '"' => '"',
                        '/' => '/',
                        '\\' => '\\',
                        'N' => '\u{85}',
                        '_' => '\u{a0}',
                        'L' => '\u{2028}',
                        'P' => '\u{2029}',
                        _ => return None,
                    });
                    continue;
                }
                let mut value = 0u32;
                for _ in 0..code_length {
                    let digit = chars.next()?.1.to_digit(16)?;
                    value = (value << 4) | digit;
                }
                text.push(char::from_u32(value)?);
            }
            c => text.push(c),
        }
    }
    None
}

/// Where the quote that closes a quoted scalar lies in `text` (a line's
/// part of it), past doubled single quotes.
fn closing_quote(text: &str, quote: u8) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == quote {
            if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// A line's part of a quoted scalar without escapes (single quotes doubled
/// in single-quoted ones).
fn unquote(text: &str, quote: u8) -> String {
    match quote {
        b'\'' => text.replace("''", "'"),
        _ => text.to_string(),
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Chomp {
    Strip,
    Clip,
    Keep,
}

fn quote_style(quote: u8) -> ScalarStyle {
    if quote == b'"' {
        ScalarStyle::DoubleQuoted
    } else {
        ScalarStyle::SingleQuoted
    }
}

/// Whether a plain scalar may start at `at`: not at an indicator, nor at
/// `-`, `?` or `:` before a space.
fn plain_start(bytes: &[u8], at: usize, line_end: usize, flow: bool) -> bool {
    match bytes[at] {
        b'&' | b'*' | b'!' | b'|' | b'>' | b'\'' | b'"' | b'%' | b'@' | b'`' | b'#' | b'?'
        | b':' | b',' | b'[' | b']' | b'{' | b'}' => false,
        b'-' => {
            at + 1 < line_end
                && bytes[at + 1] != b' '
                && !(flow && b",[]{}".contains(&bytes[at + 1]))
        }
        _ => true,
    }
}
