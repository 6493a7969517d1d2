//! Inputs the fuzzers (`fuzz/`) crashed on, replayed through the CLI in
//! every output format: each must be checked (exit 0 or 1) without a panic
//! or a hang. `tests/fuzz-regressions/TARGET/NAME` holds an input as the
//! target read it: its first file is the target's main file, and a line
//! `==> path <==` starts another.

mod common;

use std::path::{Path, PathBuf};

use common::{CHECK_FORMATS, run_in};

/// The file a target's input begins with.
fn main_file(target: &str) -> &'static str {
    match target {
        "terraform" => "main.tf",
        "terraform_json" => "main.tf.json",
        "nginx" => "nginx.conf",
        _ => "input.yaml",
    }
}

/// The files of one input, as the fuzz crate splits it.
fn files(data: &[u8], first: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = vec![(PathBuf::from(first), Vec::new())];
    for line in data.split_inclusive(|&b| b == b'\n') {
        let header = std::str::from_utf8(line).ok().and_then(|l| {
            l.trim_end()
                .strip_prefix("==> ")?
                .strip_suffix(" <==")
                .map(str::to_string)
        });
        match header {
            Some(path) => files.push((PathBuf::from(path), Vec::new())),
            None => files.last_mut().expect("one").1.extend_from_slice(line),
        }
    }
    files
}

#[test]
fn every_input_a_fuzzer_crashed_on_is_checked_in_every_format() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flat_map(|target| std::fs::read_dir(target.unwrap().path()).unwrap())
        .map(|input| input.unwrap().path())
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    for input in inputs {
        let target = input
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_str()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files(&std::fs::read(&input).unwrap(), main_file(target)) {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        for format in CHECK_FORMATS {
            let run = run_in(
                dir.path(),
                &["check", "--no-context", "--format", format, "."],
                b"",
            );
            assert!(
                run.code <= 1,
                "{} as {format}: exit {}\n{}{}",
                input.display(),
                run.code,
                run.stdout,
                run.stderr
            );
        }
    }
}
