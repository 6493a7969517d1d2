//! SARIF output is valid SARIF 2.1.0, checked against the official schema
//! (`tests/sarif-schema-2.1.0.json`, see `tests/README.md`), and keeps the
//! promises the schema cannot express: regions that are 1-based and end after
//! they start, rule indexes that point at their rule, relative URIs, and
//! fingerprints that survive lines moving.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

use common::run_in;

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(include_str!("sarif-schema-2.1.0.json")).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

/// The SARIF log of `airworthy check --format sarif --no-context paths…`:
/// fixtures stand alone, as in the fixture harness.
fn sarif(dir: &Path, paths: &[&str]) -> Value {
    let mut args = vec!["check", "--format", "sarif", "--no-context"];
    args.extend(paths);
    let run = run_in(dir, &args, b"");
    assert!(run.code <= 1, "{paths:?}: {}", run.stderr);
    serde_json::from_str(&run.stdout).unwrap()
}

fn schema_errors(validator: &jsonschema::Validator, log: &Value) -> Vec<String> {
    validator
        .iter_errors(log)
        .take(10)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect()
}

fn results(log: &Value) -> &[Value] {
    log["runs"][0]["results"].as_array().unwrap()
}

/// What the schema cannot check, for a log of files below `root`.
fn check_invariants(log: &Value, root: &Path) {
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let rules = runs[0]["tool"]["driver"]["rules"].as_array().unwrap();
    for result in results(log) {
        let id = result["ruleId"].as_str().unwrap();
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex {index} of {id}");
        let related = result["relatedLocations"].as_array().map_or(&[][..], |v| v);
        for location in result["locations"]
            .as_array()
            .unwrap()
            .iter()
            .chain(related)
        {
            check_location(&location["physicalLocation"], root, id);
        }
    }
}

fn check_location(location: &Value, root: &Path, rule: &str) {
    let artifact = &location["artifactLocation"];
    let uri = artifact["uri"].as_str().unwrap();
    assert!(
        !uri.starts_with('/') && !uri.contains("://") && !uri.starts_with("./"),
        "{rule}: {uri} is not relative"
    );
    assert_eq!(artifact["uriBaseId"], "%SRCROOT%", "{rule}: {uri}");
    let region = &location["region"];
    let number = |key: &str| region[key].as_u64();
    let start_line = number("startLine").expect("a start line");
    assert!(start_line >= 1, "{rule} {uri}: {region}");
    // SARIF's defaults: column 1, the start line, the end of that line.
    let start_column = number("startColumn").unwrap_or(1);
    let end_line = number("endLine").unwrap_or(start_line);
    assert!(start_column >= 1, "{rule} {uri}: {region}");
    assert!(end_line >= start_line, "{rule} {uri}: {region}");
    let Some(end_column) = number("endColumn") else {
        return;
    };
    if end_line == start_line {
        let at_end_of_file = || {
            let bytes = std::fs::read(root.join(uri)).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.split('\n').collect();
            lines.len() as u64 == start_line
                && lines[lines.len() - 1].chars().count() as u64 + 1 == start_column
        };
        // Only a point where something is missing at the very end is empty.
        assert!(
            end_column > start_column || (end_column == start_column && at_end_of_file()),
            "{rule} {uri}: {region}"
        );
    }
}

/// Every rule's fixture directory, in every format.
fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("fixtures")
        .unwrap()
        .map(|format| format.unwrap().path())
        .filter(|format| format.is_dir())
        .flat_map(|format| std::fs::read_dir(format).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn the_schema_rejects_what_sarif_forbids() {
    let validator = validator();
    let log = sarif(Path::new("."), &["examples/"]);
    assert!(schema_errors(&validator, &log).is_empty());
    let mutations: &[(&str, Value)] = &[
        (
            "/runs/0/results/0/locations/0/physicalLocation/region/startLine",
            0.into(),
        ),
        ("/runs/0/results/0/level", "fatal".into()),
        (
            "/runs/0/tool/driver/rules/0/defaultConfiguration/level",
            "severe".into(),
        ),
        ("/version", "2.0.0".into()),
        ("/runs/0/results/0/message", "a bare string".into()),
        ("/runs/0/results/0/partialFingerprints/v1", 1.into()),
    ];
    for (pointer, value) in mutations {
        let mut broken = log.clone();
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        broken.pointer_mut(parent).unwrap()[key] = value.clone();
        assert!(!validator.is_valid(&broken), "{pointer} = {value} passed");
    }
    let mut unknown = log.clone();
    unknown["runs"][0]["results"][0]["surprise"] = true.into();
    assert!(
        !validator.is_valid(&unknown),
        "an unknown result property passed"
    );
}

/// The same, made in this process with every rule on (those off by default
/// too): a log per fixture is quicker without a process each.
fn sarif_of(engine: &airworthy::engine::Engine, path: &str) -> Value {
    use airworthy::report::{self, OutputFormat, Report};
    let mut options = airworthy::CheckOptions::paths(vec![PathBuf::from(path)]);
    options.discover.context = airworthy::discover::Context::None;
    let run = airworthy::check(engine, &options).unwrap();
    let report = Report {
        sources: &run.sources,
        findings: &run.findings,
        rules: &run.rules,
        objects: run.objects,
        show_suppressed: false,
        skipped: &run.skipped,
        exit_code: 1,
        category: "airworthy",
        link_base: None,
        readiness: None,
    };
    let mut out = Vec::new();
    report::render(OutputFormat::Sarif, &report, &mut out, false).unwrap();
    serde_json::from_slice(&out).unwrap()
}

/// Every rule, those off by default too.
fn every_rule() -> airworthy::engine::Engine {
    let ids = airworthy::load_rules(&Default::default())
        .unwrap()
        .0
        .metas()
        .iter()
        .map(|m| m.id.clone())
        .collect();
    airworthy::load_rules(&airworthy::RuleOptions {
        select: ids,
        ..Default::default()
    })
    .unwrap()
    .0
}

#[test]
fn sarif_of_the_examples_and_every_fixture_is_valid() {
    let validator = validator();
    let engine = every_rule();
    let mut checked = Vec::new();
    let mut logs = vec![(
        "examples".to_string(),
        sarif(Path::new("."), &["examples/"]),
    )];
    for dir in fixture_dirs() {
        // Each fixture on its own, as the fixture harness checks it: the
        // fixtures of one rule are not meant to be read together.
        let mut fixtures: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path().to_string_lossy().into_owned())
            .collect();
        fixtures.sort();
        for fixture in fixtures {
            let log = sarif_of(&engine, &fixture);
            logs.push((fixture, log));
        }
    }
    for (name, log) in &logs {
        let errors = schema_errors(&validator, log);
        assert!(errors.is_empty(), "{name}:\n{}", errors.join("\n"));
        check_invariants(log, Path::new("."));
        checked.extend(results(log).iter().map(|r| r["ruleId"].clone()));
    }
    // Every rule, the input checks included, was seen in a valid log.
    for meta in engine.metas() {
        assert!(
            checked.contains(&meta.id.as_str().into()),
            "{} gave no result",
            meta.id
        );
    }
}

#[test]
fn sarif_of_everything_at_once_indexes_rules_consistently() {
    let log = sarif(Path::new("."), &["examples/", "fixtures/"]);
    let errors = schema_errors(&validator(), &log);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    check_invariants(&log, Path::new("."));
    assert!(results(&log).len() > 50);
}

#[test]
fn sarif_of_files_that_cannot_be_checked_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let files: &[(&str, &[u8])] = &[
        ("binary.yaml", b"apiVersion: v1\nkind: \x00\x01"),
        (
            "latin1.yaml",
            b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n",
        ),
        (
            "unclosed.yaml",
            b"apiVersion: v1\nkind: ConfigMap\ndata: {a: 1\n",
        ),
        ("notes.txt", b"not a manifest"),
    ];
    for (name, content) in files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    let names: Vec<&str> = files.iter().map(|(name, _)| *name).collect();
    let log = sarif(dir.path(), &names);
    let errors = schema_errors(&validator(), &log);
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    check_invariants(&log, dir.path());
    let rules: Vec<&str> = results(&log)
        .iter()
        .map(|r| r["ruleId"].as_str().unwrap())
        .collect();
    assert_eq!(rules, ["AW001", "AW001", "AW003", "AW001"]);
}

#[test]
fn fingerprints_stay_when_lines_are_inserted_above() {
    let dir = tempfile::tempdir().unwrap();
    let original = std::fs::read_to_string("examples/gateway/gateway.yaml").unwrap();
    let path = dir.path().join("gateway.yaml");
    std::fs::write(&path, &original).unwrap();
    let before = sarif(dir.path(), &["gateway.yaml"]);
    std::fs::write(&path, format!("# one\n\n# three\n{original}")).unwrap();
    let after = sarif(dir.path(), &["gateway.yaml"]);
    assert!(schema_errors(&validator(), &after).is_empty());
    check_invariants(&after, dir.path());
    let located = |log: &Value| -> Vec<(String, String, u64)> {
        results(log)
            .iter()
            .map(|r| {
                (
                    r["ruleId"].as_str().unwrap().to_string(),
                    r["partialFingerprints"]["airworthyFingerprint/v1"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                    r["locations"][0]["physicalLocation"]["region"]["startLine"]
                        .as_u64()
                        .unwrap(),
                )
            })
            .collect()
    };
    let (before, after) = (located(&before), located(&after));
    assert!(before.len() > 5);
    assert_eq!(before.len(), after.len());
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(
            (&old.0, &old.1),
            (&new.0, &new.1),
            "same rule, same fingerprint"
        );
        assert_eq!(
            old.2 + 3,
            new.2,
            "{}: the region moved with its line",
            old.0
        );
    }
    let mut fingerprints: Vec<_> = before.iter().map(|f| &f.1).collect();
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(
        fingerprints.len(),
        before.len(),
        "fingerprints are distinct"
    );
}

#[test]
fn results_carry_the_rule_help_and_checklist() {
    let log = sarif(Path::new("."), &["examples/"]);
    let rules = log["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let rule = rules.iter().find(|r| r["id"] == "K8S301").unwrap();
    assert_eq!(rule["name"], "ImagePinned");
    assert_eq!(rule["properties"]["airworthyName"], "image-pinned");
    assert_eq!(rule["defaultConfiguration"]["level"], "warning");
    assert_eq!(
        rule["properties"]["checklist"],
        serde_json::json!(["R-container-registry-5"])
    );
    assert_eq!(
        rule["properties"]["equivalents"]["checkov"],
        serde_json::json!(["CKV_K8S_14"])
    );
    assert!(
        rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .ends_with("Checklist items: `R-container-registry-5`")
    );
    assert_eq!(log["runs"][0]["columnKind"], "unicodeCodePoints");
}

/// Applies SARIF replacements (1-based lines, code-point columns) to a text.
fn apply(text: &str, replacements: &[(usize, usize, usize, usize, String)]) -> String {
    let offset = |line: usize, column: usize| {
        let start: usize = text
            .split_inclusive('\n')
            .take(line - 1)
            .map(str::len)
            .sum();
        let rest = &text[start..];
        start
            + rest
                .char_indices()
                .nth(column - 1)
                .map_or(rest.len(), |(i, _)| i)
    };
    let mut edits: Vec<(usize, usize, &str)> = replacements
        .iter()
        .map(|(sl, sc, el, ec, new)| (offset(*sl, *sc), offset(*el, *ec), new.as_str()))
        .collect();
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, new) in edits {
        out.replace_range(start..end, new);
    }
    out
}

#[test]
fn fixes_fix_what_they_point_at() {
    let engine = every_rule();
    let with_fixes: Vec<String> = engine
        .metas()
        .iter()
        .filter(|m| m.fix.is_some())
        .map(|m| m.id.clone())
        .collect();
    let mut applied = 0;
    for dir in fixture_dirs()
        .into_iter()
        .filter(|d| with_fixes.iter().any(|id| d.ends_with(id)))
    {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let fixture = entry.unwrap().path();
            if !fixture.is_file() {
                continue;
            }
            let log = sarif_of(&engine, &fixture.to_string_lossy());
            let fixed: Vec<&Value> = results(&log)
                .iter()
                .filter(|r| r.get("fixes").is_some())
                .collect();
            let Some(rule) = fixed
                .first()
                .map(|r| r["ruleId"].as_str().unwrap().to_string())
            else {
                continue;
            };
            let before = results(&log)
                .iter()
                .filter(|r| r["ruleId"] == rule.as_str())
                .count();
            let mut replacements = Vec::new();
            for result in fixed.iter().filter(|r| r["ruleId"] == rule.as_str()) {
                let replacement = &result["fixes"][0]["artifactChanges"][0]["replacements"][0];
                let region = &replacement["deletedRegion"];
                // A fix replaces exactly the offending value.
                assert_eq!(
                    region["startLine"],
                    result["locations"][0]["physicalLocation"]["region"]["startLine"]
                );
                let n = |key: &str| region[key].as_u64().unwrap() as usize;
                replacements.push((
                    n("startLine"),
                    n("startColumn"),
                    n("endLine"),
                    n("endColumn"),
                    replacement["insertedContent"]["text"]
                        .as_str()
                        .unwrap()
                        .to_string(),
                ));
            }
            let text = std::fs::read_to_string(&fixture).unwrap();
            let dir = tempfile::tempdir().unwrap();
            let copy = dir.path().join(fixture.file_name().unwrap());
            std::fs::write(&copy, apply(&text, &replacements)).unwrap();
            let after = sarif_of(&engine, &copy.to_string_lossy());
            let remaining = results(&after)
                .iter()
                .filter(|r| r["ruleId"] == rule.as_str())
                .count();
            assert_eq!(
                remaining,
                before - replacements.len(),
                "{}: the fixes of {rule} leave findings",
                fixture.display()
            );
            assert!(
                results(&after).iter().all(|r| r["ruleId"] != "AW001"),
                "{}: a fix broke the syntax",
                fixture.display()
            );
            applied += replacements.len();
        }
    }
    assert!(applied >= 5, "fixes were applied: {applied}");
}
