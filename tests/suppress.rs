//! Silencing findings through the command line: inline comments, the
//! configuration file, peer ids, the baseline, and the accounting of all of
//! them (summary, --show-suppressed, SARIF suppressions, problems with the
//! suppressions themselves).

use std::path::Path;

use assert_cmd::Command;

const MANIFEST: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: tool
  namespace: ops
spec:
  securityContext: {runAsNonRoot: true}
  containers:
  - name: tool
    image: registry.example.com/tool:latest
    resources:
      limits: {memory: 64Mi}
";

/// Runs `airworthy` in `dir` with a fixed date and no colour.
fn airworthy(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let output = Command::cargo_bin("airworthy")
        .unwrap()
        .current_dir(dir)
        .env("AIRWORTHY_TODAY", "2026-06-01")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

fn compact(dir: &Path, extra: &[&str]) -> (i32, Vec<String>) {
    // Rules other than these may come and go; these tests are about
    // silencing them.
    compact_selecting(dir, "K8S201,K8S301,K8S302,suppression", extra)
}

/// The compact findings of the selected rules, and the exit code.
fn compact_selecting(dir: &Path, select: &str, extra: &[&str]) -> (i32, Vec<String>) {
    let mut args = vec![
        "check",
        "--format",
        "compact",
        "--no-context",
        "--select",
        select,
    ];
    args.extend(extra);
    let (code, out, err) = airworthy(dir, &args);
    assert!(code == 0 || code == 1, "{err}");
    (code, out.lines().map(String::from).collect())
}

const PINNED: &str = "pod.yaml:10:12: warning[K8S301] container `tool` runs `registry.example.com/tool:latest`, which is not pinned to a version tag or digest";

#[test]
fn an_inline_comment_silences_its_line_and_is_accounted_for() {
    let dir = repo(&[("pod.yaml", MANIFEST)]);
    let (code, lines) = compact(dir.path(), &["pod.yaml"]);
    assert_eq!(code, 1);
    assert_eq!(lines, [PINNED]);

    let silenced = MANIFEST.replace(
        "tool:latest\n",
        "tool:latest # airworthy:ignore image-pinned -- the mirror only serves latest\n",
    );
    std::fs::write(dir.path().join("pod.yaml"), &silenced).unwrap();
    let (code, lines) = compact(dir.path(), &["pod.yaml"]);
    assert_eq!((code, lines.len()), (0, 0), "{lines:?}");
    let (_, lines) = compact(dir.path(), &["pod.yaml", "--show-suppressed"]);
    assert_eq!(lines, [format!("{PINNED} (suppressed)")]);
    let (_, text, _) = airworthy(
        dir.path(),
        &["check", "--no-context", "--select", "K8S301", "pod.yaml"],
    );
    assert!(
        text.contains("no warnings, no notes (1 suppressed)"),
        "{text}"
    );

    // In SARIF the result stays, with its justification.
    let (_, sarif, _) = airworthy(
        dir.path(),
        &[
            "check",
            "--no-context",
            "--select",
            "K8S301",
            "--format",
            "sarif",
            "pod.yaml",
        ],
    );
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let suppression = &sarif["runs"][0]["results"][0]["suppressions"][0];
    assert_eq!(suppression["kind"], "inSource");
    assert_eq!(
        suppression["justification"],
        "the mirror only serves latest"
    );
    assert_eq!(
        suppression["location"]["physicalLocation"]["region"]["startLine"],
        10
    );
}

#[test]
fn peer_ids_are_accepted_wherever_rule_ids_are() {
    let dir = repo(&[("pod.yaml", MANIFEST)]);
    // CKV_K8S_14 is Checkov's "image tag is fixed".
    let (code, lines) = compact(dir.path(), &["pod.yaml", "--ignore", "CKV_K8S_14"]);
    assert_eq!((code, lines.len()), (0, 0), "{lines:?}");
    let above = MANIFEST.replace(
        "    image:",
        "    # airworthy:ignore CKV_K8S_14 -- mirrored\n    image:",
    );
    std::fs::write(dir.path().join("pod.yaml"), above).unwrap();
    let (code, lines) = compact(dir.path(), &["pod.yaml"]);
    assert_eq!((code, lines.len()), (0, 0), "{lines:?}");
}

#[test]
fn configuration_ignores_match_rules_paths_and_objects_until_they_expire() {
    let config = "\
rules:
  severity: {K8S301: error}
ignore:
- rules: [K8S301]
  paths: ['legacy/**']
  reason: legacy images move with the registry
- rules: [K8S301]
  objects: ['Pod/ops/*']
  reason: ops tools are pinned by digest at deploy time
  until: 2026-05-01
- rules: [K8S201]
  reason: accepted everywhere
";
    let dir = repo(&[
        (".airworthy.yaml", config),
        ("legacy/pod.yaml", MANIFEST),
        ("pod.yaml", MANIFEST),
    ]);
    let (code, lines) = compact(dir.path(), &["."]);
    assert_eq!(code, 1);
    assert_eq!(
        lines,
        [
            ".airworthy.yaml:7:3: warning[AW007] this suppression expired on 2026-05-01: fix the finding, or renew it",
            ".airworthy.yaml:11:3: warning[AW005] this suppression of K8S201 matches no finding",
            &PINNED.replace("warning[", "error["),
        ]
    );
    // The same from a subdirectory: paths in the file are relative to it.
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let (_, lines) = compact(&dir.path().join("sub"), &[".."]);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(
        lines[2].starts_with("../pod.yaml:10:12: error[K8S301]"),
        "{lines:?}"
    );
}

#[test]
fn a_baseline_reports_only_new_findings_and_survives_moved_lines() {
    let dir = repo(&[("pod.yaml", MANIFEST)]);
    let (code, _) = compact(
        dir.path(),
        &["pod.yaml", "--write-baseline", "baseline.json"],
    );
    assert_eq!(code, 1, "writing a baseline still reports");
    let baseline = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(baseline.contains("\"rule\":\"K8S301\""), "{baseline}");
    assert!(
        !baseline.contains("line"),
        "a baseline holds no line numbers"
    );

    // Lines inserted above, and a new problem below.
    let moved = format!(
        "# owned by the ops team\n# see RUNBOOK.md\n{}    imagePullPolicy: Never\n",
        MANIFEST.replace("    resources:\n      limits: {memory: 64Mi}\n", "")
    )
    .replace(
        "- name: tool\n",
        "- name: tool\n    resources: {limits: {memory: 64Mi}}\n",
    );
    std::fs::write(dir.path().join("pod.yaml"), moved).unwrap();
    let (code, lines) = compact(dir.path(), &["pod.yaml", "--baseline", "baseline.json"]);
    assert_eq!(code, 1);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("[K8S302]"), "{lines:?}");
    let (_, text, _) = airworthy(
        dir.path(),
        &[
            "check",
            "--no-context",
            "--select",
            "K8S301,K8S302",
            "pod.yaml",
            "--baseline",
            "baseline.json",
        ],
    );
    assert!(text.contains("(1 suppressed)"), "{text}");
}

#[test]
fn a_broken_configuration_is_a_usage_error_that_points_into_it() {
    let dir = repo(&[
        (".airworthy.yaml", "rules:\n  selct: [K8S101]\n"),
        ("pod.yaml", MANIFEST),
    ]);
    let (code, _, err) = airworthy(dir.path(), &["check", "pod.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains(".airworthy.yaml:2:3"), "{err}");
    assert!(err.contains("did you mean `select`"), "{err}");
    let (code, _, err) = airworthy(
        dir.path(),
        &["check", "--config", "missing.yaml", "pod.yaml"],
    );
    assert_eq!(code, 2);
    assert!(err.contains("cannot read the configuration file"), "{err}");
}

#[test]
fn init_writes_a_starter_that_check_accepts_and_keeps_an_existing_one() {
    let dir = repo(&[("pod.yaml", MANIFEST)]);
    let (code, _, _) = airworthy(dir.path(), &["init"]);
    assert_eq!(code, 0);
    let starter = std::fs::read_to_string(dir.path().join(".airworthy.yaml")).unwrap();
    assert!(starter.contains("fail-on: warning"));
    let (code, lines) = compact(dir.path(), &["pod.yaml"]);
    assert_eq!((code, lines), (1, vec![PINNED.to_string()]));
    std::fs::write(dir.path().join(".airworthy.yaml"), "fail-on: error\n").unwrap();
    let (code, _, err) = airworthy(dir.path(), &["init"]);
    assert_eq!(code, 2);
    assert!(err.contains("--force"), "{err}");
    let (code, _) = compact(dir.path(), &["pod.yaml"]);
    assert_eq!(code, 0, "fail-on: error from the kept file");
    let (code, _, _) = airworthy(dir.path(), &["init", "--force"]);
    assert_eq!(code, 0);
}

const TERRAFORM: &str = r#"variable "mutability" {
  default = "IMMUTABLE"
}

resource "aws_ecr_repository" "api" {
  name                 = "api"
  image_tag_mutability = var.mutability
}

resource "aws_ecr_repository" "web" {
  name                 = "web"
  image_tag_mutability = "MUTABLE"
}
"#;

#[test]
fn terraform_comments_silence_with_hash_or_slashes() {
    let dir = repo(&[("infra/main.tf", TERRAFORM)]);
    let check = |dir: &Path| compact_selecting(dir, "TF522,suppression", &["infra"]).1;
    assert_eq!(
        check(dir.path()),
        ["infra/main.tf:12:26: warning[TF522] a pushed tag can be overwritten with another image"]
    );
    for comment in [
        "  // airworthy:ignore ecr-immutable-tags -- the cache repository is overwritten nightly\n",
        "  # airworthy:ignore TF522 -- the cache repository is overwritten nightly\n",
    ] {
        let silenced = TERRAFORM.replace(
            "  image_tag_mutability = \"MUTABLE\"\n",
            &format!("{comment}  image_tag_mutability = \"MUTABLE\"\n"),
        );
        std::fs::write(dir.path().join("infra/main.tf"), silenced).unwrap();
        assert!(check(dir.path()).is_empty(), "{comment}");
    }
    let whole = format!("// airworthy:ignore-file AVD-AWS-0031 -- a scratch account\n{TERRAFORM}");
    std::fs::write(dir.path().join("infra/main.tf"), whole).unwrap();
    assert!(check(dir.path()).is_empty(), "by Trivy's id, for the file");
}

const NGINX: &str =
    "events {}\nhttp {\n    server {\n        listen 80;\n        server_tokens on;\n    }\n}\n";

#[test]
fn nginx_comments_silence_their_directive() {
    let dir = repo(&[("nginx/nginx.conf", NGINX)]);
    let check = |dir: &Path| compact_selecting(dir, "NGX201,suppression", &["nginx"]).1;
    let found = check(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("nginx/nginx.conf:5:23: warning[NGX201]"),
        "{found:?}"
    );
    let silenced = NGINX.replace(
        "server_tokens on;",
        "server_tokens on; # airworthy:ignore server-tokens-off -- a test server",
    );
    std::fs::write(dir.path().join("nginx/nginx.conf"), silenced).unwrap();
    assert!(check(dir.path()).is_empty());
    // A suppression whose finding is gone is reported, in nginx as anywhere.
    let stale = NGINX.replace(
        "server_tokens on;",
        "server_tokens off; # airworthy:ignore NGX201 -- a test server",
    );
    std::fs::write(dir.path().join("nginx/nginx.conf"), stale).unwrap();
    let found = check(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].contains("warning[AW005]"), "{found:?}");
}

#[test]
fn the_configuration_names_terraform_var_files_and_nginx_entries() {
    let dir = repo(&[
        ("infra/main.tf", TERRAFORM),
        ("infra/envs/prod.tfvars", "mutability = \"MUTABLE\"\n"),
        (
            "edge/gateway.main",
            "worker_processes auto;\nevents {}\nhttp {\n    include conf.d/*.conf;\n}\n",
        ),
        (
            "edge/conf.d/api.conf",
            "server {\n    listen 80;\n    server_tokens on;\n}\n",
        ),
    ]);
    let json = |dir: &Path| {
        let (code, out, err) = airworthy(
            dir,
            &[
                "check",
                "--no-context",
                "--format",
                "json",
                "--select",
                "TF522,NGX201",
                ".",
            ],
        );
        assert!(code <= 1, "{err}");
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        report["findings"].as_array().unwrap().clone()
    };
    let at =
        |f: &serde_json::Value| format!("{}:{}", f["path"].as_str().unwrap(), f["start"]["line"]);
    // Without the configuration the tfvars file is not the module's, and
    // `gateway.main` is no nginx file: api.conf stands alone.
    let without = json(dir.path());
    let places: Vec<String> = without.iter().map(at).collect();
    assert_eq!(places, ["edge/conf.d/api.conf:3", "infra/main.tf:12"]);
    assert_eq!(without[0]["related"], serde_json::json!([]));
    std::fs::write(
        dir.path().join(".airworthy.yaml"),
        "terraform: {var-files: [infra/envs/prod.tfvars]}\nnginx: {entries: ['edge/*.main']}\n",
    )
    .unwrap();
    let with = json(dir.path());
    let places: Vec<String> = with.iter().map(at).collect();
    assert_eq!(
        places,
        [
            "edge/conf.d/api.conf:3",
            "infra/main.tf:7",
            "infra/main.tf:12"
        ]
    );
    // api.conf is read where the entry includes it.
    assert_eq!(with[0]["related"][0]["path"], "edge/gateway.main");
    // The value came from the var file named in the configuration.
    let origin = with[1]["related"][0]["path"].as_str().unwrap();
    assert!(origin.ends_with("prod.tfvars"), "{}", with[1]);
}
