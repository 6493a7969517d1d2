//! The YAML fast path gives exactly what the full parser gives, on every
//! YAML and JSON file in the repository it reads, and reads most of them.

use std::path::{Path, PathBuf};

use airworthy::formats::yaml;
use airworthy::source::{Source, SourceId};

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|e| e == "yaml" || e == "yml" || e == "json")
        {
            out.push(path);
        }
    }
}

fn source(path: PathBuf, text: String) -> Source {
    Source::new(SourceId(0), path, text)
}

/// Debug output compares NaN with NaN and spans with spans.
fn same(text: &str) -> Option<bool> {
    let source = source("t.yaml".into(), text.into());
    let fast = yaml::parse_fast(&source)?;
    let full = yaml::parse_full(&source);
    Some(format!("{fast:?}") == format!("{full:?}"))
}

#[test]
fn the_fast_path_agrees_with_the_full_parser_on_every_file_it_reads() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        "fixtures",
        "examples",
        "rules",
        "tests",
        "schema",
        "checklists",
        "fuzz/seeds",
    ] {
        yaml_files(&root.join(dir), &mut files);
    }
    files.sort();
    let (mut read, mut yaml_files_seen) = (0, 0);
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let json = path.extension().is_some_and(|e| e == "json");
        yaml_files_seen += usize::from(!json);
        let source = source(path.clone(), text);
        if let Some(fast) = yaml::parse_fast(&source) {
            let full = yaml::parse_full(&source);
            let (fast, full) = (format!("{fast:?}"), format!("{full:?}"));
            if fast != full {
                let at = fast
                    .bytes()
                    .zip(full.bytes())
                    .take_while(|(a, b)| a == b)
                    .count();
                let around =
                    |s: &str| s[at.saturating_sub(300)..(at + 200).min(s.len())].to_string();
                panic!(
                    "{} reads differently:\n fast: {}\n full: {}",
                    path.display(),
                    around(&fast),
                    around(&full)
                );
            }
            read += usize::from(!json);
        }
    }
    // Manifests are what it is for: most of the repository's YAML.
    assert!(yaml_files_seen > 300, "{yaml_files_seen} YAML files");
    assert!(
        read * 10 >= yaml_files_seen * 7,
        "the fast path read only {read} of {yaml_files_seen} YAML files"
    );
}

#[test]
fn each_construct_of_the_subset_reads_as_the_full_parser_reads_it() {
    let accepted = [
        "a: 1\nb: two words  # comment\nc: 'it''s'\nd: \"q\"\n",
        "# lead\n\nspec:\n  containers:\n  - name: x\n    args: [\"a\", b, 'c']\n  - name: y\n",
        "a:\n  b:\n    c: d\n  e: f\ng: h\n",
        "list:\n- a\n- b: c\n  d: e\nafter: 1\n",
        "list:\n  - a\n  -   b: c\n      d: e\n",
        "a: |\n  one\n\n  two\n\nb: |-\n  x\nc: |+\n  y\n\n\nd: 1\n",
        "a: >\n  folded\n  text\n\n  para\nb: >-\n  x\n  y\n",
        "a: |\n    deep\n  # less indented comment\nb: 1\n",
        "empty:\nnext: 1\nlast:\n",
        "flow: {a: 1, b: [x, {c: d}], \"e\": 'f'}\nnone: {}\nnil: []\n",
        "spaced: [ {a: [x] }, [ y ] ,z ]   # c\n",
        "---\na: 1\n---\n# between\n- x\n- y\n---\n",
        "a: b#c\nurl: http://example.com:8080/x\nneg: -1\nt: true\nn: null\nf: 1.5e3\n",
        "  indented: root\n  second: 1\n",
        "dup: 1\ndup: 2\n<<: {m: 1}\n",
        "ünïcode: \"välue\"\nkey: 'ß'\n",
        "x: y",
        "a: 'two\n  lines'\n",
        "a: 'one\n  two\n\n  three'\nb: 1\n",
        "a: \"Kind of the referent. More info:\n  https://example.com\"\n",
        "- 'an item\n  over lines'\n- next\n",
        "a: 'it''s\n  ''quoted''  '  # a comment\n",
        "a: multi\n  line\n",
        "rule: (has(self.a) && !has(self.b))\n  || (has(self.c) && [x] == {y})\n  & 'q' \"r\" `s` *t !u >v |w @x %y ,z\n",
        "description: wrapped\n  over three\n\n  lines, a blank one between\nnext: 1\n",
        "- long\n  item text\n- b\n",
        "- k: v\n    continued\n  other: x\n",
        "k: a\n  b # a comment ends it\nz: 1\n",
        "k: at the end\n  of the text",
        "c: [/tini, --, a-, -b, x-y]\n",
        "e: \"tab\\tq\\\"x\\\\ \\u00e9 \\x41 \\U0001F600 \\/ \\N\\_\"\nk: [\"a\\\"b\", {\"c\\n\": d}]\n",
        "x:",
        "---\n# empty\n---\n# Source: a.yaml\na: 1\n---\n",
        "---\n---\na: 1\n",
    ];
    for text in accepted {
        assert_eq!(same(text), Some(true), "{text:?}");
    }
}

/// What the differential fuzz target found (`fuzz/fuzz_targets/yaml_fast.rs`):
/// no input is read differently by the two.
#[test]
fn every_disagreement_the_fuzzer_found_stays_mended() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions/yaml_fast");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    for input in inputs {
        let text = std::fs::read_to_string(&input).unwrap();
        // Read alike, or left to the full parser.
        assert_ne!(same(&text), Some(false), "{}", input.display());
    }
}

#[test]
fn text_outside_the_subset_is_left_to_the_full_parser() {
    let refused: [&str; _] = [
        "a: &anchor 1\nb: *anchor\n",
        "a: !!str 1\n",
        "k: a # comment\n  then more\n",
        "k: a\n  - b\n",
        "k: a\n  b: c\n",
        "k: a\n  b # c\n  d\n",
        "k: a\n  \tb\n",
        "a: \"unknown \\q escape\"\n",
        "a: \"a surrogate \\uD800\"\n",
        "a: \"an escaped \\\n line break\"\n",
        "a: 'never closed\n  at all\n",
        "a: \"an escape \\n\n  over lines\"\n",
        "a: 'not indented\nenough'\n",
        "'a multi-line\n  key': v\n",
        "a: 'closed' 'twice\n  over'\n",
        "a:\r\n  b: 1\r\n",
        "a:\n\tb: 1\n",
        "? complex\n: key\n",
        "%YAML 1.2\n---\na: 1\n",
        "a: 1\n...\n",
        "- - nested\n",
        "-\n  a: 1\n",
        "a: |2\n   x\n",
        "a: [1,\n  2]\n",
        "a: b: c\n",
        "a: |\n  no final line break",
        "scalar root\n",
        "{\"json\": true}\n",
        "a: 1\n b: 2\n",
        "a: [x -, y]\n",
        "a: [-]\n",
        // Longer than YAML lets an implicit key be.
        &format!("{}: v\n", "k".repeat(1100)),
        &format!("a: {{{}: v}}\n", "k".repeat(1100)),
    ];
    for text in refused {
        assert_eq!(same(text), None, "{text:?}");
        // The full parser still reads it (or reports it).
        let _ = yaml::parse(&source("t.yaml".into(), text.into()));
    }
}

/// `AIRWORTHY_YAML_DIR=DIR cargo test --test yaml_fast_path -- --ignored`
/// holds the fast path to the full parser on every YAML file below DIR (the
/// benchmark corpus, a real repository), and prints what it read.
#[test]
#[ignore]
fn the_fast_path_agrees_on_a_directory() {
    let dir = std::env::var("AIRWORTHY_YAML_DIR").expect("AIRWORTHY_YAML_DIR");
    let mut files = Vec::new();
    yaml_files(Path::new(&dir), &mut files);
    let mut read = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let source = source(path.clone(), text);
        if let Some(fast) = yaml::parse_fast(&source) {
            let full = yaml::parse_full(&source);
            assert_eq!(
                format!("{fast:?}"),
                format!("{full:?}"),
                "{}",
                path.display()
            );
            read += 1;
        } else {
            println!("full parser: {}", path.display());
        }
    }
    println!("the fast path read {read} of {} files", files.len());
}
