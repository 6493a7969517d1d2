//! Inputs beyond plain manifests: Kustomize output on standard input, and
//! kinds no rule looks at, which `-v` lists instead of dropping silently.

use assert_cmd::Command;
use serde_json::Value;

fn airworthy() -> Command {
    Command::cargo_bin("airworthy").unwrap()
}

/// `kubectl kustomize tests/kustomize/overlays/prod`, kept as a file (it
/// sorts keys, prefixes names, sets the namespace and selector labels).
#[test]
fn kustomize_output_on_standard_input_is_related_and_checked() {
    let text = std::fs::read_to_string("tests/kustomize/prod.rendered.yaml").unwrap();
    let output = airworthy()
        .args(["check", "-", "--no-context", "--format", "json"])
        .write_stdin(text)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // The Service selects the Deployment: its container needs a readiness probe.
    assert!(rules.contains(&"K8S106"), "{rules:?}");
    assert!(
        rules.contains(&"K8S175"),
        "three replicas, no budget: {rules:?}"
    );
    assert!(
        !rules.contains(&"K8S170"),
        "the Service selects the pods: {rules:?}"
    );
    assert!(
        !rules.contains(&"K8S171"),
        "the named port exists: {rules:?}"
    );
    assert!(
        findings
            .iter()
            .all(|f| f["path"] == "<stdin>" && f["template"].is_null())
    );
    let readiness = findings.iter().find(|f| f["rule"] == "K8S106").unwrap();
    assert_eq!(readiness["start"]["line"], 35, "at the container's name");
    assert_eq!(
        readiness["related"][0]["message"],
        "Service/shop/prod-orders is here"
    );
}

#[test]
fn verbose_lists_the_kinds_no_rule_looks_at() {
    let output = airworthy()
        .args(["check", "-v", "--no-context", "tests/unanalysed/crds.yaml"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("3 objects of 2 kinds not analysed"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 × Widget (example.com/v1), first at tests/unanalysed/crds.yaml:3:18"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 × Middleware (traefik.io/v1alpha1)"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("Service"),
        "rules look at Services: {stderr}"
    );
    let quiet = airworthy()
        .args(["check", "--no-context", "tests/unanalysed/crds.yaml"])
        .output()
        .unwrap();
    assert!(quiet.stderr.is_empty());
}

/// A cross-object finding shows the other object, in text and in SARIF.
#[test]
fn the_other_object_is_a_related_location() {
    let fixture = "fixtures/kubernetes/K8S451/fail-port";
    let sarif = airworthy()
        .args([
            "check",
            "--no-context",
            "--select",
            "K8S451",
            "--format",
            "sarif",
            fixture,
        ])
        .output()
        .unwrap();
    let log: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let result = &log["runs"][0]["results"][0];
    let related = &result["relatedLocations"][0];
    assert_eq!(related["message"]["text"], "Service/shop/api is here");
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "fixtures/kubernetes/K8S451/fail-port/service.yaml"
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 3);
    let text = airworthy()
        .args(["check", "--no-context", "--select", "K8S451", fixture])
        .output()
        .unwrap();
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.contains("fixtures/kubernetes/K8S451/fail-port/service.yaml:3:"),
        "{text}"
    );
    assert!(text.contains("Service/shop/api is here"), "{text}");
}
