//! The ways airworthy is used, tested with the real tools where the machine
//! has them: GitHub annotations, the GitHub Action's check step under a
//! simulated Actions environment, the official SARIF multitool (with
//! GitHub's ingestion rules), and the pre-commit hook through `pre-commit
//! try-repo`. `.ci/run` installs the tools and sets `AIRWORTHY_CI=1`, which
//! turns a missing tool from a skip into a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use airworthy::formats::yaml;
use airworthy::source::Source;

fn binary() -> PathBuf {
    assert_cmd::cargo::cargo_bin("airworthy")
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The tool at `path`, or `None` (with the reason printed) when it is
/// missing outside CI.
fn tool(name: &str, found: Option<PathBuf>) -> Option<PathBuf> {
    if found.is_none() {
        assert!(
            std::env::var_os("AIRWORTHY_CI").is_none(),
            "{name} is missing, and AIRWORTHY_CI requires it (.ci/run installs it)"
        );
        eprintln!("skipped: {name} is not installed (.ci/run installs it)");
    }
    found
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
}

const BAD: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: tool
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - name: tool
    image: registry.example.com/tool:latest
    resources: {requests: {cpu: 10m, memory: 64Mi}, limits: {memory: 64Mi}}
";

fn fixed() -> String {
    BAD.replace("tool:latest", "tool:1.4.2")
}

#[test]
fn github_annotations_point_at_the_span_and_are_escaped() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod, 100%.yaml"), BAD).unwrap();
    let output = Command::new(binary())
        .current_dir(dir.path())
        .args(["check", "--format", "github", "--select", "K8S301", "."])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "::warning file=pod%2C 100%25.yaml,line=9,col=12,endLine=9,endColumn=44,\
         title=K8S301 image-pinned::container `tool` runs `registry.example.com/tool:latest`, \
         which is not pinned to a version tag or digest\n"
    );
}

/// `inputs.NAME` references in the action's steps.
fn referenced_inputs(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("inputs.") {
        rest = &rest[at + "inputs.".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
            .collect();
        names.push(name);
    }
    names
}

#[test]
fn the_action_declares_every_input_its_steps_use() {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let source = Source::new(Default::default(), "action.yml".into(), text.clone());
    let parsed = yaml::parse(&source);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let action = &parsed.documents[0].root;
    let declared: Vec<&str> = action
        .get("inputs")
        .and_then(|i| i.as_map())
        .unwrap()
        .entries
        .iter()
        .map(|e| &*e.key)
        .collect();
    for name in [
        "paths",
        "config",
        "min-severity",
        "fail-on",
        "baseline",
        "sarif-file",
        "upload-sarif",
        "annotate",
    ] {
        assert!(
            declared.contains(&name),
            "the issue's input {name} is declared"
        );
    }
    for name in referenced_inputs(&text) {
        assert!(
            declared.contains(&name.as_str()),
            "inputs.{name} is used but not declared"
        );
    }
    // The script reads INPUT_* variables: each is set from a declared input.
    let script = std::fs::read_to_string(root().join("action/run.sh")).unwrap();
    let mut rest = script.as_str();
    while let Some(at) = rest.find("INPUT_") {
        rest = &rest[at..];
        let variable: String = rest
            .chars()
            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
            .collect();
        rest = &rest[variable.len()..];
        if variable == "INPUT_" {
            continue; // `INPUT_*` in prose
        }
        let input = variable["INPUT_".len()..].to_lowercase().replace('_', "-");
        assert!(
            text.contains(&format!("{variable}: ${{{{ inputs.{input} }}}}")),
            "{variable} is passed to the script from inputs.{input}"
        );
    }
    for step in action
        .get("runs")
        .and_then(|r| r.get("steps"))
        .unwrap()
        .as_list()
        .unwrap()
    {
        if let Some(uses) = step.get("uses").and_then(|u| u.as_str()) {
            assert!(uses.contains('@'), "{uses} is pinned to a version");
        } else {
            assert_eq!(step.get("shell").and_then(|s| s.as_str()), Some("bash"));
        }
    }
}

#[test]
fn the_action_step_annotates_writes_sarif_and_a_job_summary() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = dir.path();
    std::fs::write(workspace.join("pod.yaml"), BAD).unwrap();
    // The test is about the action's step, not about which rules exist.
    std::fs::write(
        workspace.join(".airworthy.yaml"),
        "rules: {select: [K8S301]}\n",
    )
    .unwrap();
    let summary = workspace.join("summary.md");
    let outputs = workspace.join("outputs.txt");
    let path = format!(
        "{}:{}",
        binary().parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = |fail_on: &str| {
        std::fs::write(&outputs, "").unwrap();
        Command::new("bash")
            .arg(root().join("action/run.sh"))
            .current_dir(workspace)
            .env("PATH", &path)
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("GITHUB_OUTPUT", &outputs)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .env("GITHUB_REPOSITORY", "acme/shop")
            .env("GITHUB_SHA", "0123abc")
            .env("INPUT_PATHS", "pod.yaml\n")
            .env("INPUT_CONFIG", "")
            .env("INPUT_MIN_SEVERITY", "note")
            .env("INPUT_FAIL_ON", fail_on)
            .env("INPUT_BASELINE", "")
            .env("INPUT_SARIF_FILE", "out/airworthy.sarif")
            .env("INPUT_ANNOTATE", "true")
            .env("INPUT_CATEGORY", "airworthy/k8s")
            .output()
            .unwrap()
    };
    std::fs::create_dir(workspace.join("out")).unwrap();
    let output = run("warning");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("::warning file=pod.yaml,line=9,col=12,"),
        "{stdout}"
    );
    let recorded = std::fs::read_to_string(&outputs).unwrap();
    assert!(recorded.contains("exit-code=1\n"), "{recorded}");
    assert!(
        recorded.contains("sarif-file=out/airworthy.sarif\n"),
        "{recorded}"
    );
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(workspace.join("out/airworthy.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        sarif["runs"][0]["automationDetails"]["id"],
        "airworthy/k8s/"
    );
    assert_eq!(sarif["runs"][0]["invocations"][0]["exitCode"], 1);
    let summary_text = std::fs::read_to_string(&summary).unwrap();
    assert!(summary_text.starts_with("## airworthy: "), "{summary_text}");
    assert!(
        summary_text
            .contains("[pod.yaml:9:12](https://github.com/acme/shop/blob/0123abc/pod.yaml#L9)"),
        "{summary_text}"
    );
    // Nothing at or above `error`: the action's last step will not fail.
    let output = run("error");
    assert_eq!(output.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(&outputs)
            .unwrap()
            .contains("exit-code=0\n")
    );
}

/// The multitool that Microsoft publishes on npm, which validates SARIF
/// against the schema and against GitHub's ingestion rules.
fn multitool() -> Option<PathBuf> {
    let found = std::env::var_os("SARIF_MULTITOOL")
        .map(PathBuf::from)
        .or_else(|| on_path("Sarif.Multitool"))
        .filter(|p| p.is_file());
    tool("the SARIF multitool", found)
}

fn validate(multitool: &Path, sarif: &Path) -> Vec<String> {
    let log = sarif.with_extension("validation.sarif");
    let status = Command::new(multitool)
        .args([
            "validate",
            "--quiet",
            "true",
            "--rule-kind",
            "Gh;Sarif",
            "--level",
            "Error;Warning;Note",
        ])
        // Every fixture's findings make a log larger than its 10 MB default.
        .args(["--max-file-size-in-kb", "1000000"])
        .args(["--log", "ForceOverwrite", "--output"])
        .arg(&log)
        .arg(sarif)
        .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
        .status()
        .unwrap();
    assert!(status.success(), "the multitool ran");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    report["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "error" || r["level"] == "warning")
        .map(|r| format!("{}: {}", r["ruleId"], r["message"]))
        .collect()
}

#[test]
fn sarif_passes_the_official_multitool_with_github_rules() {
    let Some(multitool) = multitool() else { return };
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("airworthy.sarif");
    let status = Command::new(binary())
        .current_dir(root())
        .args([
            "check", "examples", "fixtures", "--format", "sarif", "--output",
        ])
        .arg(&sarif)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1), "the fixtures have findings");
    let problems = validate(&multitool, &sarif);
    assert!(problems.is_empty(), "{problems:#?}");
    // The validator has teeth: a region that starts at column 0 fails it.
    let status = Command::new(binary())
        .current_dir(root())
        .args(["check", "examples", "--format", "sarif", "--output"])
        .arg(&sarif)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    let mut broken: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] =
        0.into();
    std::fs::write(&sarif, broken.to_string()).unwrap();
    assert!(!validate(&multitool, &sarif).is_empty());
}

fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn the_pre_commit_hook_fails_on_a_bad_manifest_and_passes_once_it_is_fixed() {
    let Some(pre_commit) = tool("pre-commit", on_path("pre-commit")) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    git(repo, &["init", "--quiet"]);
    std::fs::create_dir_all(repo.join("k8s/app")).unwrap();
    std::fs::write(repo.join("k8s/app/pod.yaml"), BAD).unwrap();
    // A file the hook is not about: named, but no format claims it.
    std::fs::write(repo.join("package.json"), "{\"name\": \"shop\"}\n").unwrap();
    // The test is about the hook, not about which rules exist.
    std::fs::write(repo.join(".airworthy.yaml"), "rules: {select: [K8S301]}\n").unwrap();
    git(repo, &["add", "."]);
    // pre-commit builds the hook with cargo once; keep that build between
    // runs of the test.
    let cache = root().join("target/pre-commit");
    let hook = |expect: i32| {
        let output = Command::new(&pre_commit)
            .current_dir(repo)
            .args(["try-repo", "--verbose"])
            .arg(root())
            .args(["airworthy", "--files", "k8s/app/pod.yaml", "package.json"])
            .env("PRE_COMMIT_HOME", &cache)
            .env("CARGO_TARGET_DIR", cache.join("build"))
            // pre-commit builds a release binary; this test is about the
            // hook, not its speed, so the build is made quick.
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
            .env("CARGO_PROFILE_RELEASE_LTO", "false")
            .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
            .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(output.status.code(), Some(expect), "{text}");
        text
    };
    let failed = hook(1);
    assert!(failed.contains("warning[K8S301]"), "{failed}");
    assert!(failed.contains("k8s/app/pod.yaml:9:12"), "{failed}");
    assert!(!failed.contains("package.json"), "{failed}");
    std::fs::write(repo.join("k8s/app/pod.yaml"), fixed()).unwrap();
    git(repo, &["add", "."]);
    let passed = hook(0);
    assert!(passed.contains("Passed"), "{passed}");
}
