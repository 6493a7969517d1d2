//! The JSON report matches its published schema (schema/report.schema.json).

use assert_cmd::Command;

#[test]
fn json_output_over_every_fixture_matches_the_published_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schema/report.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let output = Command::cargo_bin("airworthy")
        .unwrap()
        .args(["check", "--format", "json", "fixtures", "examples"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "fixtures have findings");
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The schema has teeth: a 0-based column or an unknown field is rejected.
    let mut zero_based = report.clone();
    zero_based["findings"][0]["start"]["column"] = 0.into();
    assert!(!validator.is_valid(&zero_based));
    let mut extra = report.clone();
    extra["findings"][0]["surprise"] = true.into();
    assert!(!validator.is_valid(&extra));
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() > 10);
    assert_eq!(
        report["summary"]["errors"].as_u64().unwrap()
            + report["summary"]["warnings"].as_u64().unwrap()
            + report["summary"]["notes"].as_u64().unwrap(),
        findings.len() as u64
    );
}
