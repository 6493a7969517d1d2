//! Helm output: findings are reported where they are rendered, and also
//! name the chart template and its line; a chart directory is rendered once
//! per values file (with a stand-in `helm` here), and what every rendering
//! shares is reported once.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const RENDERED: &str = "tests/helm/rendered.yaml";
const CHART: &str = "tests/helm/gateway";
const DEPLOYMENT_TEMPLATE: &str = "tests/helm/gateway/templates/deployment.yaml";

fn airworthy() -> Command {
    Command::cargo_bin("airworthy").unwrap()
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)))
}

/// The finding of `rule` and the template location it names.
fn finding<'a>(report: &'a Value, rule: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {report}"))
}

fn template_location(finding: &Value) -> (String, u64, String) {
    let related = finding["related"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["path"].as_str().unwrap().contains("/templates/"))
        .unwrap_or_else(|| panic!("no template line in {finding}"));
    (
        related["path"].as_str().unwrap().to_string(),
        related["start"]["line"].as_u64().unwrap(),
        related["message"].as_str().unwrap().to_string(),
    )
}

#[test]
fn rendered_output_names_the_template_and_its_line() {
    let output = airworthy()
        .args(["check", "--no-context", "--format", "json", RENDERED])
        .output()
        .unwrap();
    let report = json(&output);
    // `replicas: 1` is reported where it was rendered…
    let replicas = finding(&report, "K8S111");
    assert_eq!(replicas["path"], RENDERED);
    assert_eq!(replicas["start"]["line"], 22);
    assert_eq!(replicas["template"], "gateway/templates/deployment.yaml");
    // …and at the template line that writes it, found beside the output.
    let (path, line, message) = template_location(replicas);
    assert_eq!((path.as_str(), line), (DEPLOYMENT_TEMPLATE, 8));
    assert!(message.starts_with("rendered from"), "{message}");
    // `spec:` is written twice in the template: the document's own is it.
    let progress = finding(&report, "K8S119");
    let (_, line, message) = template_location(progress);
    assert_eq!(line, 7);
    assert!(message.starts_with("rendered from"), "{message}");
}

#[test]
fn standard_input_with_the_chart_named() {
    let text = std::fs::read_to_string(RENDERED).unwrap();
    for format in ["json", "sarif", "text"] {
        let output = airworthy()
            .args([
                "check",
                "-",
                "--no-context",
                "--chart",
                CHART,
                "--format",
                format,
            ])
            .write_stdin(text.clone())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stdout = String::from_utf8(output.stdout.clone()).unwrap();
        match format {
            "json" => {
                let report = json(&output);
                let (path, line, _) = template_location(finding(&report, "K8S111"));
                assert_eq!((path.as_str(), line), (DEPLOYMENT_TEMPLATE, 8));
            }
            "sarif" => {
                let log: Value = serde_json::from_str(&stdout).unwrap();
                let results = log["runs"][0]["results"].as_array().unwrap();
                let replicas = results.iter().find(|r| r["ruleId"] == "K8S111").unwrap();
                assert_eq!(
                    replicas["properties"]["helmTemplate"],
                    "gateway/templates/deployment.yaml"
                );
                let related = &replicas["relatedLocations"][0]["physicalLocation"];
                assert_eq!(related["artifactLocation"]["uri"], DEPLOYMENT_TEMPLATE);
                assert_eq!(related["region"]["startLine"], 8);
            }
            _ => {
                assert!(
                    stdout.contains("tests/helm/gateway/templates/deployment.yaml:8"),
                    "{stdout}"
                );
                assert!(stdout.contains("rendered from this line of the chart template"));
            }
        }
    }
}

#[test]
fn a_chart_directory_without_helm_says_what_to_do() {
    let empty = tempfile::tempdir().unwrap();
    let output = airworthy()
        .env("PATH", empty.path())
        .args(["check", CHART])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("needs `helm` on PATH"), "{stderr}");
    assert!(
        stderr.contains("helm template tests/helm/gateway | airworthy check -"),
        "{stderr}"
    );
}

/// A stand-in for `helm template CHART --values FILE`: prints the rendering
/// kept for that values file.
fn fake_helm() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let renders = std::fs::canonicalize("tests/helm/renders").unwrap();
    let script = format!(
        "#!/bin/sh\nfor arg; do last=$arg; done\ncase \"$last\" in\n  *prod.yaml) cat '{0}/prod.yaml' ;;\n  *) cat '{0}/dev.yaml' ;;\nesac\n",
        renders.display()
    );
    let helm = dir.path().join("helm");
    std::fs::write(&helm, script).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&helm, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

#[cfg(unix)]
#[test]
fn a_chart_is_rendered_once_per_values_file_and_shared_findings_merge() {
    let helm = fake_helm();
    let path = format!(
        "{}:{}",
        helm.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = airworthy()
        .env("PATH", path)
        .args([
            "check",
            "--no-context",
            "--format",
            "json",
            CHART,
            "--values",
            "tests/helm/dev.yaml",
            "--values",
            "tests/helm/prod.yaml",
        ])
        .output()
        .unwrap();
    let report = json(&output);
    let findings = report["findings"].as_array().unwrap();
    let of = |rule: &str| {
        findings
            .iter()
            .filter(|f| f["rule"] == rule)
            .collect::<Vec<_>>()
    };
    // Both renderings lack a liveness probe: one finding.
    assert_eq!(of("K8S105").len(), 1);
    // Only dev runs one replica: reported, and said to be dev's alone.
    let replicas = of("K8S111");
    assert_eq!(replicas.len(), 1);
    assert_eq!(
        replicas[0]["path"],
        "tests/helm/gateway[tests/helm/dev.yaml]"
    );
    assert!(
        replicas[0]["message"].as_str().unwrap().contains("only in"),
        "{}",
        replicas[0]["message"]
    );
    // The template line is found in the rendered chart.
    let (path, line, _) = template_location(replicas[0]);
    assert_eq!((path.as_str(), line), (DEPLOYMENT_TEMPLATE, 8));
    assert!(Path::new(DEPLOYMENT_TEMPLATE).is_file());
}

#[test]
fn walking_a_repository_skips_raw_chart_templates() {
    let output = airworthy()
        .args([
            "check",
            "--no-context",
            "--format",
            "json",
            "tests/helm/gateway",
        ])
        .env("PATH", "")
        .output()
        .unwrap();
    // Named, the chart needs helm; walked from above, its templates are skipped.
    assert_eq!(output.status.code(), Some(2));
    let output = airworthy()
        .args([
            "check",
            "--no-context",
            "--format",
            "json",
            "--select",
            "AW001",
            "tests/helm",
        ])
        .output()
        .unwrap();
    let report = json(&output);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report}");
}
