//! Sources (the text of one input file) and spans (byte ranges into them).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Index of a [`Source`] in the run's [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SourceId(pub u32);

/// The source id of spans into a rule file that rules carry into the
/// evaluation (the rows of a rule's `table`): they are no place in the
/// input, and a finding never points at them.
pub const RULE_FILE: SourceId = SourceId(u32::MAX);

/// A byte range in one source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Span {
    pub source: SourceId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(source: SourceId, start: usize, end: usize) -> Self {
        Span {
            source,
            start: start as u32,
            end: end.max(start) as u32,
        }
    }

    /// An empty span at `offset`.
    pub fn point(source: SourceId, offset: usize) -> Self {
        Span::new(source, offset, offset)
    }

    pub fn range(&self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both.
    pub fn to(&self, other: Span) -> Span {
        Span {
            source: self.source,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

/// A 1-based line and column; columns count Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

/// Whether a source's findings are reported, or it is read only so that the
/// files that are reported can be understood (the rest of a Terraform module,
/// an nginx include, the Service in another folder that selects a workload).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Reported,
    Context,
}

/// One input file (or standard input) and its text.
#[derive(Debug)]
pub struct Source {
    pub id: SourceId,
    /// The path as displayed: relative to the working directory when below it.
    pub path: PathBuf,
    pub text: String,
    pub role: Role,
    line_starts: Vec<u32>,
    /// Characters before each `BLOCK` bytes of the text, made when a column
    /// far into a long line is first asked for: counting from the line's
    /// start made every finding on a minified file cost the whole line.
    blocks: OnceLock<Vec<u32>>,
}

/// Columns closer than this to their line's start are counted directly.
const BLOCK: usize = 256;

impl Source {
    pub fn new(id: SourceId, path: PathBuf, text: String) -> Self {
        Source::with_role(id, path, text, Role::Reported)
    }

    pub fn with_role(id: SourceId, path: PathBuf, text: String, role: Role) -> Self {
        let mut line_starts = vec![0u32];
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i as u32 + 1));
        Source {
            id,
            path,
            text,
            role,
            line_starts,
            blocks: OnceLock::new(),
        }
    }

    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// The 1-based line and column of a byte offset.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(self.text.len() as u32);
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line] as usize;
        let end = floor_char_boundary(&self.text, offset as usize);
        let column = if end - start <= BLOCK {
            self.text[start..end].chars().count()
        } else {
            self.chars_before(end) - self.chars_before(start)
        } + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }

    /// The number of characters before byte `offset`, a char boundary.
    fn chars_before(&self, offset: usize) -> usize {
        let bytes = self.text.as_bytes();
        let blocks = self.blocks.get_or_init(|| {
            let mut before = 0;
            let mut blocks = vec![0];
            for block in bytes.chunks_exact(BLOCK) {
                before += chars_in(block);
                blocks.push(before as u32);
            }
            blocks
        });
        let block = offset / BLOCK;
        blocks[block] as usize + chars_in(&bytes[block * BLOCK..offset])
    }

    /// Byte range of the 1-based `line`, without its line terminator.
    pub fn line_range(&self, line: usize) -> std::ops::Range<usize> {
        let start = self.line_starts[line - 1] as usize;
        let mut end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&s| s as usize);
        let bytes = self.text.as_bytes();
        while end > start && matches!(bytes[end - 1], b'\n' | b'\r') {
            end -= 1;
        }
        start..end
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The span of the character at `offset`; empty at the end of the text.
    pub fn char_span(&self, offset: usize) -> Span {
        let offset = floor_char_boundary(&self.text, offset);
        let width = self.text[offset..].chars().next().map_or(0, char::len_utf8);
        Span::new(self.id, offset, offset + width)
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        let start = floor_char_boundary(&self.text, span.start as usize);
        let end = floor_char_boundary(&self.text, span.end as usize);
        &self.text[start..end.max(start)]
    }
}

/// The characters starting in `bytes` of UTF-8 (its bytes that are not
/// continuation bytes).
fn chars_in(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| (b as i8) >= -0x40).count()
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Paths are shown with `/` separators on every platform, so output is portable.
pub fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = text.strip_prefix("./").unwrap_or(&text);
    text.replace('\\', "/")
}

/// All sources of a run, indexed by [`SourceId`]. Append-only and shared:
/// adapters running in parallel add the files they find they need (includes,
/// module directories) while others read. Ids follow the order sources were
/// added, which is not deterministic, so nothing that is output is ordered
/// by id: findings are sorted by path.
#[derive(Debug, Default)]
pub struct Sources {
    sources: boxcar::Vec<Source>,
}

impl Sources {
    pub fn push(&self, path: PathBuf, text: String) -> SourceId {
        self.push_with_role(path, text, Role::Reported)
    }

    pub fn push_with_role(&self, path: PathBuf, text: String, role: Role) -> SourceId {
        let index = self
            .sources
            .push_with(|index| Source::with_role(SourceId(index as u32), path, text, role));
        SourceId(index as u32)
    }

    pub fn get(&self, id: SourceId) -> &Source {
        &self.sources[id.0 as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &Source> {
        self.sources.iter().map(|(_, source)| source)
    }

    pub fn len(&self) -> usize {
        self.sources.count()
    }

    /// The text a span covers, in whichever source it is.
    pub fn slice(&self, span: Span) -> &str {
        self.get(span.source).slice(span)
    }

    /// How many sources are reported, not only read for context.
    pub fn reported(&self) -> usize {
        self.iter().filter(|s| s.role == Role::Reported).count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// For each source id, the rank of its path among all the paths (equal
    /// paths, equal ranks): sorting by rank sorts by path, without comparing
    /// paths again.
    pub fn path_ranks(&self) -> Vec<u32> {
        let mut ids: Vec<u32> = (0..self.len() as u32).collect();
        ids.sort_by(|&a, &b| self.get(SourceId(a)).path.cmp(&self.get(SourceId(b)).path));
        let mut ranks = vec![0; ids.len()];
        let mut rank = 0;
        for (i, &id) in ids.iter().enumerate() {
            if i > 0 && self.get(SourceId(ids[i - 1])).path != self.get(SourceId(id)).path {
                rank += 1;
            }
            ranks[id as usize] = rank;
        }
        ranks
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let source = Source::new(SourceId(0), "a".into(), "ab\nçd: x\r\n\nz".into());
        assert_eq!(source.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(source.line_col(3), LineCol { line: 2, column: 1 });
        // `ç` is two bytes but one column.
        assert_eq!(source.line_col(5), LineCol { line: 2, column: 2 });
        assert_eq!(source.line_range(2), 3..9);
        assert_eq!(source.line_col(12), LineCol { line: 4, column: 1 });
        assert_eq!(source.line_count(), 4);
    }

    #[test]
    fn a_character_span_covers_the_whole_character() {
        let source = Source::new(SourceId(0), "a".into(), "aç".into());
        assert_eq!(source.char_span(1).range(), 1..3);
        assert_eq!(source.char_span(3).range(), 3..3, "nothing after the end");
    }

    #[test]
    fn path_ranks_order_sources_by_path() {
        let sources = Sources::default();
        for path in ["b", "a", "c", "a"] {
            sources.push(path.into(), String::new());
        }
        assert_eq!(sources.path_ranks(), [1, 0, 2, 0]);
    }

    /// Far into a long line, columns are counted from the nearest block: the
    /// same as counting every character from the line's start.
    #[test]
    fn columns_far_into_long_lines_count_characters() {
        let text = format!("x\n{}", "aé€😀\t".repeat(5_000));
        let source = Source::new(SourceId(0), "a".into(), text.clone());
        let line_start = 2;
        let boundaries = (0..=text.len()).filter(|&at| text.is_char_boundary(at));
        for offset in boundaries.filter(|at| at % 7 == 0 || *at > text.len() - 20) {
            let expected = match offset {
                0 | 1 => LineCol {
                    line: 1,
                    column: offset + 1,
                },
                _ => LineCol {
                    line: 2,
                    column: text[line_start..offset].chars().count() + 1,
                },
            };
            assert_eq!(source.line_col(offset as u32), expected, "at {offset}");
        }
    }

    #[test]
    fn offsets_past_the_end_are_clamped() {
        let source = Source::new(SourceId(0), "a".into(), "x".into());
        assert_eq!(source.line_col(99), LineCol { line: 1, column: 2 });
    }
}
