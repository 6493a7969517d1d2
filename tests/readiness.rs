//! The readiness report: each status on a small input tree checked with rules
//! of the test's own (so that the rule pack growing changes nothing here),
//! the Markdown, HTML and JSON renderings, and the `report` command.

use std::path::Path;

use airworthy::CheckOptions;
use airworthy::discover::Context;
use airworthy::engine::{Engine, RuleFile};
use airworthy::finding::Severity;
use airworthy::report::readiness::{self, Item, Links, Readiness, ReadinessFormat, Status};

/// A Deployment whose single replica is accepted inline.
const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop
spec:
  replicas: 1 # airworthy:ignore TST105 -- a singleton until the queue is partitioned
  template:
    spec:
      containers:
      - name: api
        image: registry.example.com/api:1.2.3
        resources:
          limits: {memory: 128Mi}
";

/// Rules of this test: id, severity, checklist keys, what they apply to, and
/// the condition.
const RULES: &[(&str, &str, &str, &str, &str)] = &[
    // Holds: a fully checkable item, a partially checkable one, and a
    // sub-item of the bold Node.js Configuration.
    (
        "TST101",
        "warning",
        "[R-kubernetes-cluster-5, R-kubernetes-cluster-3, D-node-js-configuration-1]",
        "{format: kubernetes, kind: workload, each: containers}",
        "{path: resources.limits.memory, present: true}",
    ),
    // Fails: a plain item and a sub-item of the bold Server Hardening.
    (
        "TST102",
        "warning",
        "[R-kubernetes-cluster-7, D-server-hardening-4]",
        "{format: kubernetes, kind: workload, each: containers}",
        "{path: image, matches: '@sha256:'}",
    ),
    // Nothing to examine: the input has no autoscaler.
    (
        "TST103",
        "warning",
        "[R-kubernetes-cluster-8]",
        "{format: kubernetes, kind: HorizontalPodAutoscaler}",
        "{path: spec.minReplicas, gte: 2}",
    ),
    // Holds, but is a note: hidden by --min-severity warning.
    (
        "TST104",
        "note",
        "[R-service-discovery-4]",
        "{format: kubernetes, kind: workload}",
        "{path: spec.template, present: true}",
    ),
    // Fails on the accepted single replica.
    (
        "TST105",
        "warning",
        "[R-health-checks-1]",
        "{format: kubernetes, kind: Deployment}",
        "{path: spec.replicas, gte: 2}",
    ),
    // TST106 and TST107 evidence one item; TST107 and TST108 are switched off.
    (
        "TST106",
        "warning",
        "[R-health-checks-2]",
        "{format: kubernetes, kind: workload, each: containers}",
        "{path: name, present: true}",
    ),
    (
        "TST107",
        "warning",
        "[R-health-checks-2]",
        "{format: kubernetes, kind: workload, each: containers}",
        "{path: image, present: true}",
    ),
    (
        "TST108",
        "warning",
        "[R-health-checks-3]",
        "{format: kubernetes, kind: workload, each: containers}",
        "{path: image, present: true}",
    ),
];

fn engine() -> Engine {
    let files = RULES
        .iter()
        .map(|(id, severity, checklist, applies, require)| RuleFile {
            path: format!("{id}.yaml").into(),
            text: format!(
                "id: {id}\nname: test-{}\ntitle: a test rule\nseverity: {severity}\n\
                 checklist: {checklist}\napplies-to: {applies}\nrequire: {require}\n\
                 message: '{id} fails'\nhelp: none\n",
                id.to_lowercase()
            ),
            embedded: false,
        })
        .collect();
    let keys = airworthy::checklist_keys();
    let mut engine = Engine::load(files, airworthy::formats::VOCABULARIES, &keys).unwrap();
    let unmatched = engine.select(&[], &["TST107".into(), "TST108".into()]);
    assert!(unmatched.is_empty());
    engine
}

fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn readiness(dir: &Path, min_severity: Severity) -> Readiness {
    let mut options = CheckOptions::paths(vec![dir.to_path_buf()]);
    options.discover.context = Context::None;
    options.min_severity = min_severity;
    let run = airworthy::check(&engine(), &options).unwrap();
    Readiness::new(&run)
}

fn item<'r>(readiness: &'r Readiness, key: &str) -> &'r Item {
    readiness
        .item(key)
        .unwrap_or_else(|| panic!("no item {key}"))
}

fn status(readiness: &Readiness, key: &str) -> (Status, String) {
    let item = item(readiness, key);
    (item.status, item.reason.clone())
}

#[test]
fn every_status_on_a_small_tree() {
    let dir = tree(&[("app.yaml", DEPLOYMENT)]);
    let report = readiness(dir.path(), Severity::Note);
    use Status::*;
    for (key, expected, reason) in [
        ("R-kubernetes-cluster-5", Passed, ""),
        ("R-kubernetes-cluster-3", Partial, "the rest is for people"),
        ("R-kubernetes-cluster-7", Failing, ""),
        (
            "R-kubernetes-cluster-8",
            NotApplicable,
            "nothing in the input it is about",
        ),
        ("R-kubernetes-cluster-1", Manual, ""),
        ("R-kubernetes-cluster-4", NotChecked, "no rule yet"),
    ] {
        assert_eq!(status(&report, key), (expected, reason.into()), "{key}");
    }

    // The failing item lists its finding where it is.
    let failing = item(&report, "R-kubernetes-cluster-7");
    assert_eq!(failing.findings.len(), 1);
    let finding = &failing.findings[0];
    assert_eq!(
        (finding.rule.as_str(), finding.line, finding.column),
        ("TST102", 12, 16)
    );
    assert!(finding.path.ends_with("app.yaml"), "{}", finding.path);
    let rules = &failing.rules;
    assert_eq!(rules.len(), 1);
    assert_eq!((rules[0].enabled, rules[0].examined), (true, 1));

    // Counts and score are over items without sub-items.
    let counts = &report.counts;
    let leaves: Vec<&Item> = report
        .checklists
        .iter()
        .flat_map(|c| &c.sections)
        .flat_map(|s| &s.items)
        .flat_map(Item::walk)
        .filter(|i| i.children.is_empty())
        .collect();
    assert_eq!(counts.total(), leaves.len());
    assert_eq!(counts.total(), 339 - 23, "23 bold parent items");
    for status in Status::ALL {
        let n = leaves.iter().filter(|i| i.status == status).count();
        assert_eq!(counts.get(status), n, "{status:?}");
    }
    assert_eq!(counts.get(Failing), 2);
    let judged = counts.get(Passed) + counts.get(Partial) + counts.get(Failing);
    assert_eq!(
        counts.score(),
        Some((judged - 2) as f64 / judged as f64),
        "{counts:?}"
    );
}

#[test]
fn a_suppressed_finding_does_not_fail_its_item_and_is_listed_as_accepted() {
    let dir = tree(&[("app.yaml", DEPLOYMENT)]);
    let report = readiness(dir.path(), Severity::Note);
    let accepted = item(&report, "R-health-checks-1");
    assert_eq!(accepted.status, Status::Passed);
    assert!(accepted.findings.is_empty());
    assert_eq!(accepted.accepted.len(), 1);
    assert_eq!(
        accepted.accepted[0].accepted.as_deref(),
        Some("a singleton until the queue is partitioned")
    );
    assert_eq!(accepted.accepted[0].line, 7);
}

#[test]
fn rules_switched_off_or_hidden_by_min_severity_do_not_pass_their_items() {
    let dir = tree(&[("app.yaml", DEPLOYMENT)]);
    let report = readiness(dir.path(), Severity::Note);
    // One of two rules off: what ran passed, the rest was not checked.
    assert_eq!(
        status(&report, "R-health-checks-2"),
        (Status::Partial, "TST107 switched off".into())
    );
    // Every rule off.
    assert_eq!(
        status(&report, "R-health-checks-3"),
        (Status::NotChecked, "TST108 switched off".into())
    );
    assert_eq!(status(&report, "R-service-discovery-4").0, Status::Passed);
    let warnings = readiness(dir.path(), Severity::Warning);
    assert_eq!(
        status(&warnings, "R-service-discovery-4"),
        (Status::NotChecked, "TST104 switched off".into())
    );
}

#[test]
fn parent_items_derive_from_their_sub_items() {
    let dir = tree(&[("app.yaml", DEPLOYMENT)]);
    let report = readiness(dir.path(), Severity::Note);
    // Server Hardening: one sub-item fails.
    let hardening = item(&report, "D-security-4");
    assert_eq!(
        (hardening.status, hardening.reason.as_str()),
        (Status::Failing, "1 of 5 sub-items failing")
    );
    assert_eq!(hardening.children.len(), 5);
    assert!(
        hardening.findings.is_empty(),
        "its sub-item has the finding"
    );
    // Node.js Configuration: one sub-item passed, the others are manual or
    // not checked.
    let node = item(&report, "D-performance-2");
    assert_eq!(
        item(&report, "D-node-js-configuration-1").status,
        Status::Passed
    );
    assert_eq!(
        (node.status, node.reason.as_str()),
        (Status::Partial, "1 of 5 sub-items passed")
    );
    // User Feedback is for people through and through.
    let feedback = item(&report, "D-post-launch-2");
    assert_eq!(feedback.children.len(), 5);
    assert!(feedback.children.iter().all(|c| c.status == Status::Manual));
    assert_eq!(feedback.status, Status::Manual);
}

#[test]
fn with_no_input_nothing_passes_or_fails() {
    let dir = tree(&[("README.md", "nothing to check\n")]);
    let report = readiness(dir.path(), Severity::Note);
    assert_eq!(report.counts.score(), None);
    assert_eq!(report.counts.get(Status::Passed), 0);
    assert_eq!(report.counts.get(Status::Failing), 0);
    assert_eq!(
        status(&report, "R-kubernetes-cluster-5").0,
        Status::NotApplicable
    );
}

fn render(report: &Readiness, format: ReadinessFormat, links: &Links) -> String {
    let mut out = Vec::new();
    readiness::render(format, report, links, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn the_markdown_is_the_checklists_with_their_boxes_ticked() {
    let dir = tree(&[("app.yaml", DEPLOYMENT)]);
    let report = readiness(dir.path(), Severity::Note);
    let markdown = render(&report, ReadinessFormat::Markdown, &Links::default());
    let lines: Vec<&str> = markdown.lines().collect();
    let at = |text: &str| {
        lines
            .iter()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("no line with {text}"))
    };
    assert_eq!(lines[0], "# Readiness report");
    assert_eq!(
        lines[at("RBAC is properly configured —")],
        "- [x] RBAC is properly configured — ✅ passed (TST101)"
    );
    let quotas = at("Resource quotas are set for namespaces");
    assert_eq!(
        lines[quotas],
        "- [ ] Resource quotas are set for namespaces — ❌ **failing**"
    );
    assert!(
        lines[quotas + 1].starts_with("  - `")
            && lines[quotas + 1].ends_with("app.yaml:12:16` warning[TST102] TST102 fails"),
        "{}",
        lines[quotas + 1]
    );
    assert_eq!(
        lines[at("Kubernetes cluster is running")],
        "- [ ] Kubernetes cluster is running and accessible — ✋ manual"
    );
    assert!(lines[at("Liveness probes")].starts_with("- [x] "));
    assert!(
        lines[at("Liveness probes") + 1]
            .ends_with("— accepted: a singleton until the queue is partitioned")
    );
    // Sub-items keep their indentation, their findings go one level deeper.
    let user = at("User permissions properly restricted");
    assert!(lines[user].starts_with("  - [ ] User permissions"));
    assert!(lines[user + 1].starts_with("    - `"));
    // Headings go one level down under the report's title; every item of
    // both checklists is there once.
    assert!(lines.contains(&"#### Kubernetes Cluster"));
    assert_eq!(lines.iter().filter(|l| l.starts_with("# ")).count(), 1);
    let items = lines
        .iter()
        .filter(|l| l.trim_start().starts_with("- [x] ") || l.trim_start().starts_with("- [ ] "))
        .count();
    assert_eq!(items, 339);
    // With a base, locations link to the file and line.
    let links = Links {
        base: Some("https://example.com/blob/main/".into()),
    };
    let linked = render(&report, ReadinessFormat::Markdown, &links);
    assert!(linked.contains("app.yaml:12:16`](https://example.com/blob/main/"));
    assert!(linked.contains("app.yaml#L12)"));
}

#[test]
fn the_json_report_matches_its_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../schema/readiness.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let dir = tree(&[
        ("app.yaml", DEPLOYMENT),
        ("broken.yaml", "apiVersion: v1\nkind: [\n"),
    ]);
    let report = readiness(dir.path(), Severity::Note);
    let json: serde_json::Value =
        serde_json::from_str(&render(&report, ReadinessFormat::Json, &Links::default())).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .take(10)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    assert_eq!(json["problems"][0]["rule"], "AW001", "{}", json["problems"]);
    assert_eq!(json["summary"]["failing"], 2);
    // The schema has teeth.
    let mut wrong = json.clone();
    wrong["checklists"][0]["sections"][0]["items"][0]["status"] = "fine".into();
    assert!(!validator.is_valid(&wrong));
    let mut extra = json.clone();
    extra["summary"]["surprise"] = 1.into();
    assert!(!validator.is_valid(&extra));
}

#[test]
fn the_html_page_is_self_contained_and_links_each_finding() {
    let dir = tree(&[("app.yaml", DEPLOYMENT)]);
    let report = readiness(dir.path(), Severity::Note);
    let links = Links {
        base: Some("../".into()),
    };
    let html = render(&report, ReadinessFormat::Html, &links);
    for outside in ["<link", " src=", "@import", "url(", "http://", "https://"] {
        assert!(!html.contains(outside), "the page fetches {outside}");
    }
    assert!(
        html.contains("<a href=\"../"),
        "findings link to their files"
    );
    assert!(html.contains("app.yaml#L12\">"));
    assert!(html.contains("data-count=\"failing\">2<"));
    assert_eq!(html.matches("<li class=\"item ").count(), 339);
    assert_eq!(
        html,
        render(&report, ReadinessFormat::Html, &links),
        "deterministic"
    );
}

fn airworthy(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = assert_cmd::Command::cargo_bin("airworthy")
        .unwrap()
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

#[test]
fn report_exits_zero_unless_asked_to_fail() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let examples = examples.to_str().unwrap();
    let (code, json) = airworthy(Path::new("."), &["report", examples, "--format", "json"]);
    assert_eq!(code, 0);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(json["summary"]["failing"].as_u64().unwrap() > 0);
    let (code, _) = airworthy(Path::new("."), &["report", examples, "--fail-on", "error"]);
    assert_eq!(code, 1, "examples/ has an error");
    let (code, markdown) = airworthy(
        Path::new("."),
        &["check", examples, "--format", "checklist"],
    );
    assert_eq!(code, 1, "check keeps its exit code");
    assert!(markdown.starts_with("# Readiness report\n"));
    let (code, _) = airworthy(Path::new("."), &["report", "--select", "NOPE", examples]);
    assert_eq!(code, 2, "a usage error");
}

#[test]
fn the_html_report_links_files_from_where_it_is_written() {
    let dir = tree(&[("k8s/app.yaml", DEPLOYMENT)]);
    let args = [
        "report",
        "k8s",
        "--format",
        "html",
        "-o",
        "out/site/readiness.html",
    ];
    // The directory the page goes to must exist.
    assert_eq!(airworthy(dir.path(), &args).0, 2);
    std::fs::create_dir_all(dir.path().join("out/site")).unwrap();
    let (code, _) = airworthy(dir.path(), &args);
    assert_eq!(code, 0);
    let html = std::fs::read_to_string(dir.path().join("out/site/readiness.html")).unwrap();
    assert!(html.contains("href=\"../../k8s/app.yaml#L"), "{html}");
    let (_, html) = airworthy(
        dir.path(),
        &[
            "report",
            "k8s",
            "--format",
            "html",
            "--link-base",
            "https://git.example/r/blob/v1/",
        ],
    );
    assert!(html.contains("href=\"https://git.example/r/blob/v1/k8s/app.yaml#L"));
}
