//! The fixture harness: every file under `fixtures/<format>/<RULE>/` is
//! checked with that rule alone, and the findings must be exactly the
//! `# expect: RULE` comments, line by line. Every rule needs a fixture that
//! fires (`fail-*`) and one that stays clean (`pass-*`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use airworthy::discover::{DEFAULT_MAX_FILE_SIZE, DiscoverOptions};
use airworthy::engine::Engine;
use airworthy::finding::Severity;
use airworthy::{CheckOptions, RuleOptions};

fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    for format in std::fs::read_dir("fixtures").expect("fixtures/ exists") {
        let format = format.unwrap().path();
        if format.is_dir() {
            for rule in std::fs::read_dir(&format).unwrap() {
                dirs.push(rule.unwrap().path());
            }
        }
    }
    dirs.sort();
    dirs
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// `(rule, line)` pairs from `# expect: A, B` comments, with repeats counted.
fn expected(text: &str) -> BTreeMap<(String, usize), usize> {
    let mut expected = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        if let Some(at) = line.find("# expect:") {
            for rule in line[at + "# expect:".len()..].split(',') {
                let rule = rule.trim().to_string();
                assert!(!rule.is_empty(), "empty expectation on line {}", index + 1);
                *expected.entry((rule, index + 1)).or_insert(0) += 1;
            }
        }
    }
    expected
}

/// The engine with the directory's rule alone, compiled once per directory.
fn engine_for(rule: &str) -> Engine {
    let (engine, unmatched) = airworthy::load_rules(&RuleOptions {
        select: vec![rule.to_string()],
        ..RuleOptions::default()
    })
    .unwrap_or_else(|e| panic!("rules load: {e:?}"));
    assert!(
        unmatched.is_empty(),
        "fixture directory {rule} names no rule"
    );
    engine
}

fn actual(engine: &Engine, file: &Path) -> BTreeMap<(String, usize), usize> {
    let run = airworthy::check(
        engine,
        &CheckOptions {
            discover: DiscoverOptions {
                paths: vec![file.to_path_buf()],
                stdin_filename: None,
                include: Vec::new(),
                exclude: Vec::new(),
                max_file_size: DEFAULT_MAX_FILE_SIZE,
            },
            min_severity: Severity::Note,
        },
    )
    .unwrap();
    let mut actual = BTreeMap::new();
    for finding in &run.findings {
        let line = run
            .sources
            .get(finding.span.source)
            .line_col(finding.span.start)
            .line;
        *actual.entry((finding.rule.id.clone(), line)).or_insert(0) += 1;
    }
    actual
}

#[test]
fn every_fixture_yields_exactly_its_expected_findings() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in fixture_dirs() {
        let rule = dir.file_name().unwrap().to_string_lossy().to_string();
        let engine = engine_for(&rule);
        for file in files(&dir) {
            let text = std::fs::read_to_string(&file).unwrap();
            let expected = expected(&text);
            let actual = actual(&engine, &file);
            let name = file.file_name().unwrap().to_string_lossy();
            if name.starts_with("pass-") && !expected.is_empty() {
                failures.push(format!(
                    "{}: a pass- fixture expects findings",
                    file.display()
                ));
            }
            if name.starts_with("fail-") && expected.is_empty() {
                failures.push(format!(
                    "{}: a fail- fixture expects nothing",
                    file.display()
                ));
            }
            if expected != actual {
                failures.push(format!(
                    "{}:\n  expected {expected:?}\n  actual   {actual:?}",
                    file.display()
                ));
            }
            checked += 1;
        }
    }
    assert!(checked > 0, "no fixtures found");
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_has_a_failing_and_a_passing_fixture() {
    let (engine, _) = airworthy::load_rules(&RuleOptions::default()).unwrap();
    let dirs: BTreeSet<String> = fixture_dirs()
        .iter()
        .filter(|dir| {
            let names: Vec<String> = files(dir)
                .iter()
                .map(|f| f.file_name().unwrap().to_string_lossy().to_string())
                .collect();
            names.iter().any(|n| n.starts_with("fail-"))
                && names.iter().any(|n| n.starts_with("pass-"))
        })
        .map(|dir| dir.file_name().unwrap().to_string_lossy().to_string())
        .collect();
    let missing: Vec<String> = engine
        .metas()
        .iter()
        .filter(|meta| !dirs.contains(&meta.id))
        .map(|meta| format!("{} {}", meta.id, meta.name))
        .collect();
    assert!(
        missing.is_empty(),
        "rules without both a fail- and a pass- fixture: {missing:?}"
    );
}
