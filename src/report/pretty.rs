//! Pretty-printed JSON documents whose one long list (the findings) is
//! serialized in parallel: a chunk of items at a time, each item on its own
//! thread into a buffer, the buffers written in order. The bytes are exactly
//! those of `serde_json::to_writer_pretty` on the whole document; rendering
//! was the one phase of a run that used a single core, and a large SARIF
//! file is most of a run's output.

use std::io::{self, Write};

use rayon::prelude::*;
use serde::{Serialize, Serializer};
use serde_json::ser::Formatter;

/// Items serialized at a time: enough to keep every thread busy, few enough
/// that a run with many findings never holds its whole output in memory.
const CHUNK: usize = 4096;

/// Stands in the document for the list: it serializes as a string no
/// document holds otherwise (control characters are escaped in JSON text),
/// which is then replaced by the list.
pub(super) struct List;

const MARKER: &str = "\u{1}airworthy-list\u{1}";

impl Serialize for List {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(MARKER)
    }
}

/// Writes `document` pretty-printed, its [`List`] field holding
/// `to_item(item)` for every item of `items`, in order.
pub(super) fn write<'a, D, I, T, F>(
    out: &mut dyn Write,
    document: &D,
    items: &'a [I],
    to_item: F,
) -> io::Result<()>
where
    D: Serialize,
    I: Sync,
    T: Serialize,
    F: Fn(&'a I) -> T + Sync,
{
    let skeleton = serde_json::to_vec_pretty(document)?;
    let marker = serde_json::to_vec(MARKER)?;
    // The list is the document's last field: the last match is it, even if
    // a rule's text held the marker.
    let at = memchr::memmem::rfind(&skeleton, &marker)
        .ok_or_else(|| io::Error::other("the document has no list"))?;
    let line_start = skeleton[..at]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let spaces = skeleton[line_start..at]
        .iter()
        .take_while(|&&b| b == b' ')
        .count();
    let depth = spaces / INDENT.len();
    out.write_all(&skeleton[..at])?;
    out.write_all(b"[")?;
    for (n, chunk) in items.chunks(CHUNK).enumerate() {
        let rendered: Vec<Vec<u8>> = chunk
            .par_iter()
            .enumerate()
            .map(|(i, item)| {
                let mut buffer = Vec::with_capacity(2048);
                buffer.extend_from_slice(if n == 0 && i == 0 { b"\n" } else { b",\n" });
                indent(&mut buffer, depth + 1);
                let formatter = Pretty {
                    depth: depth + 1,
                    has_value: false,
                };
                let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
                to_item(item)
                    .serialize(&mut serializer)
                    .map(|()| buffer)
                    .map_err(io::Error::from)
            })
            .collect::<io::Result<_>>()?;
        for buffer in rendered {
            out.write_all(&buffer)?;
        }
    }
    if !items.is_empty() {
        out.write_all(b"\n")?;
        let mut closing = Vec::new();
        indent(&mut closing, depth);
        out.write_all(&closing)?;
    }
    out.write_all(b"]")?;
    out.write_all(&skeleton[at + marker.len()..])?;
    writeln!(out)
}

const INDENT: &[u8] = b"  ";

fn indent(buffer: &mut Vec<u8>, depth: usize) {
    for _ in 0..depth {
        buffer.extend_from_slice(INDENT);
    }
}

/// serde_json's `PrettyFormatter`, started `depth` levels in, as the item
/// of a list at that depth is.
struct Pretty {
    depth: usize,
    has_value: bool,
}

impl Pretty {
    fn open<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        writer.write_all(bracket)
    }

    fn close<W: ?Sized + Write>(&mut self, writer: &mut W, bracket: &[u8]) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            writer.write_all(b"\n")?;
            self.indent(writer)?;
        }
        writer.write_all(bracket)
    }

    fn next<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        writer.write_all(if first { b"\n" } else { b",\n" })?;
        self.indent(writer)
    }

    fn indent<W: ?Sized + Write>(&self, writer: &mut W) -> io::Result<()> {
        for _ in 0..self.depth {
            writer.write_all(INDENT)?;
        }
        Ok(())
    }
}

impl Formatter for Pretty {
    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"[")
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"]")
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.open(writer, b"{")
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.close(writer, b"}")
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.next(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, _writer: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Item {
        name: String,
        empty: Vec<u8>,
        nested: Vec<Vec<u32>>,
        none: Option<u8>,
        map: std::collections::BTreeMap<String, u8>,
    }

    fn item(i: usize) -> Item {
        Item {
            name: format!("item \"{i}\"\n"),
            empty: Vec::new(),
            nested: vec![vec![], vec![i as u32, 2]],
            none: None,
            map: (0..i % 3).map(|k| (k.to_string(), k as u8)).collect(),
        }
    }

    #[derive(Serialize)]
    struct Document<L> {
        header: &'static str,
        runs: [Run<L>; 1],
    }

    #[derive(Serialize)]
    struct Run<L> {
        empty: [u8; 0],
        items: L,
    }

    #[test]
    fn the_bytes_are_those_of_the_whole_document_pretty_printed() {
        // Around a chunk's edge, and none at all.
        for count in [0, 1, 2, CHUNK, CHUNK + 1] {
            let indices: Vec<usize> = (0..count).collect();
            let whole = Document {
                header: "\u{1}",
                runs: [Run {
                    empty: [],
                    items: indices.iter().map(|&i| item(i)).collect::<Vec<_>>(),
                }],
            };
            let mut expected = serde_json::to_vec_pretty(&whole).unwrap();
            expected.push(b'\n');
            let skeleton = Document {
                header: "\u{1}",
                runs: [Run {
                    empty: [],
                    items: List,
                }],
            };
            let mut written = Vec::new();
            write(&mut written, &skeleton, &indices, |&i| item(i)).unwrap();
            assert_eq!(
                String::from_utf8(written).unwrap(),
                String::from_utf8(expected).unwrap(),
                "{count} items"
            );
        }
    }
}
