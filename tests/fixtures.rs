//! The fixture harness: every fixture under `fixtures/<format>/<RULE>/` is
//! checked with that rule alone, and the findings must be exactly the
//! `# expect: RULE` comments, line by line. A fixture is a file, or a
//! directory checked as one run (objects in several files that relate, a
//! Terraform module, an nginx configuration with includes). Every rule needs
//! a fixture that fires (`fail-*`) and one that stays clean (`pass-*`).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use std::sync::OnceLock;

use airworthy::discover::Context;
use airworthy::engine::Engine;
use airworthy::suppress::Date;
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

/// The fixtures of a rule: its files and directories.
fn fixtures(dir: &Path) -> Vec<PathBuf> {
    let mut fixtures: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    fixtures.sort();
    fixtures
}

/// Every file of a fixture, which is a file or a directory.
fn files_of(fixture: &Path) -> Vec<PathBuf> {
    if fixture.is_file() {
        return vec![fixture.to_path_buf()];
    }
    let mut files = Vec::new();
    for entry in std::fs::read_dir(fixture).unwrap() {
        files.extend(files_of(&entry.unwrap().path()));
    }
    files.sort();
    files
}

/// `(path, rule, line)` triples from `# expect: A, B` comments (`// expect:`
/// where `#` is no comment), with repeats counted.
type Expectations = BTreeMap<(PathBuf, String, usize), usize>;

fn expected(fixture: &Path) -> Expectations {
    let mut expected = BTreeMap::new();
    for file in files_of(fixture) {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for (index, line) in text.lines().enumerate() {
            let Some(at) = line.find("# expect:").or_else(|| line.find("// expect:")) else {
                continue;
            };
            let rest = &line[at..];
            let rules = &rest[rest.find(':').unwrap() + 1..];
            for rule in rules.split(',') {
                let rule = rule.trim().to_string();
                assert!(
                    !rule.is_empty(),
                    "{}:{}: empty expectation",
                    file.display(),
                    index + 1
                );
                *expected.entry((file.clone(), rule, index + 1)).or_insert(0) += 1;
            }
        }
    }
    expected
}

/// The findings of `rule` on a fixture, checked with every rule on, as a
/// user would run it (so suppressions of other rules are judged too).
/// Suppressed findings do not count.
fn actual(rule: &str, fixture: &Path) -> Expectations {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    let engine = ENGINE.get_or_init(|| {
        let load = |options: &RuleOptions| {
            airworthy::load_rules(options)
                .unwrap_or_else(|e| panic!("rules load: {e:?}"))
                .0
        };
        // Every rule, those off by default too: naming them turns them on.
        let every: Vec<String> = load(&RuleOptions::default())
            .metas()
            .iter()
            .map(|m| m.id.clone())
            .collect();
        load(&RuleOptions {
            select: every,
            ..RuleOptions::default()
        })
    });
    assert!(
        engine.metas().iter().any(|m| m.id == rule),
        "fixture directory {rule} names no rule"
    );
    // A fixture stands alone: nothing else in the repository is context.
    let mut options = CheckOptions::paths(vec![fixture.to_path_buf()]);
    options.discover.context = Context::None;
    // Expiry is judged on a fixed day, so fixtures stay true.
    options.silencers.today = Date::parse("2026-06-01");
    let run = airworthy::check(engine, &options).unwrap();
    let mut actual = BTreeMap::new();
    for finding in run
        .findings
        .iter()
        .filter(|f| f.rule.id == rule && f.suppression.is_none())
    {
        let source = run.sources.get(finding.span.source);
        let line = source.line_col(finding.span.start).line;
        *actual
            .entry((source.path.clone(), finding.rule.id.clone(), line))
            .or_insert(0) += 1;
    }
    actual
}

#[test]
fn every_fixture_yields_exactly_its_expected_findings() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in fixture_dirs() {
        let rule = dir.file_name().unwrap().to_string_lossy().to_string();
        for file in fixtures(&dir) {
            let expected = expected(&file);
            let actual = actual(&rule, &file);
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
            let names: Vec<String> = fixtures(dir)
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
