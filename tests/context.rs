//! Whole-repository context, reported subset: naming one file (as pre-commit
//! does) reports only on that file, but relates it to everything in the
//! repository, so objects in other folders still select, scale and budget
//! it. `tests/repos/split` keeps a Service, a Deployment, a
//! PodDisruptionBudget, NetworkPolicies and an HPA in different folders.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

const REPO: &str = "tests/repos/split";
const DEPLOYMENT: &str = "tests/repos/split/apps/api/deployment.yaml";

fn check(args: &[&str], dir: Option<&Path>) -> Value {
    let mut command = Command::cargo_bin("airworthy").unwrap();
    if let Some(dir) = dir {
        command.current_dir(dir);
    }
    let output = command
        .args(["check", "--format", "json"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        output.status.code().is_some_and(|c| c <= 1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// `(rule, path)` of every finding.
fn findings(report: &Value) -> Vec<(String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_named_file_is_related_to_the_rest_of_the_repository() {
    let report = check(&["--context", REPO, DEPLOYMENT], None);
    assert_eq!(
        findings(&report),
        [],
        "the Service, budget, policies and autoscaler are elsewhere"
    );
    assert_eq!(
        report["summary"]["files"], 1,
        "only the named file is reported"
    );
}

#[test]
fn without_context_the_same_file_is_alone() {
    let report = check(&["--no-context", DEPLOYMENT], None);
    let rules: Vec<String> = findings(&report)
        .into_iter()
        .map(|(rule, _)| rule)
        .collect();
    // No Service selects it, no NetworkPolicy isolates it.
    assert_eq!(rules, ["K8S177", "K8S452"]);
}

#[test]
fn nothing_outside_the_named_files_is_reported() {
    // The Service has a port mistake; it is reported when its file is.
    let whole = check(&[REPO], None);
    assert!(
        findings(&whole)
            .iter()
            .any(|(rule, path)| rule == "K8S171" && path.ends_with("services/api.yaml"))
    );
    let named = check(
        &[
            "--context",
            REPO,
            DEPLOYMENT,
            "tests/repos/split/policies/network.yaml",
        ],
        None,
    );
    assert!(
        findings(&named)
            .iter()
            .all(|(_, path)| path == DEPLOYMENT || path.ends_with("policies/network.yaml")),
        "{:?}",
        findings(&named)
    );
    assert_eq!(named["summary"]["files"], 2);
}

#[test]
fn a_named_module_file_is_checked_with_what_its_callers_pass() {
    // Only the module's file is named; the call that passes a weak TLS policy
    // is in the context, whose objects are otherwise not checked.
    const MODULE: &str = "fixtures/terraform/TF202/fail-module-input";
    let file = format!("{MODULE}/modules/edge/main.tf");
    let alone = check(&["--no-context", "--select", "TF202", &file], None);
    assert_eq!(findings(&alone), [], "its own default is strong");
    let called = check(&["--context", MODULE, "--select", "TF202", &file], None);
    assert_eq!(findings(&called), [("TF202".to_string(), file)]);
}

#[test]
fn the_git_top_level_is_the_default_context() {
    let dir = tempfile::tempdir().unwrap();
    copy_tree(Path::new(REPO), dir.path());
    let git = std::process::Command::new("git")
        .args(["init", "--quiet"])
        .current_dir(dir.path())
        .status();
    if !git.is_ok_and(|s| s.success()) {
        eprintln!("git is not available; skipping");
        return;
    }
    let report = check(&["apps/api/deployment.yaml"], Some(dir.path()));
    assert_eq!(findings(&report), []);
    // From a subdirectory, the same: the top level is found upward.
    let report = check(&["deployment.yaml"], Some(&dir.path().join("apps/api")));
    assert_eq!(findings(&report), []);
    assert_eq!(report["summary"]["files"], 1);
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The paths of a run's sources (what it read) and the formats of the
/// objects it parsed, checking `named` in the context of `root`.
fn read_and_parsed(root: &Path, named: &[&str]) -> (Vec<String>, Vec<&'static str>) {
    use airworthy::CheckOptions;
    use airworthy::discover::Context;
    let (engine, _) = airworthy::load_rules(&airworthy::RuleOptions::default()).unwrap();
    let mut options = CheckOptions::paths(named.iter().map(|n| root.join(n)).collect());
    options.discover.context = Context::Directory(root.to_path_buf());
    let run = airworthy::check(&engine, &options).unwrap();
    let mut read: Vec<String> = run
        .sources
        .iter()
        .map(|s| {
            let path = s.path.strip_prefix(root).unwrap_or(&s.path);
            path.to_string_lossy().replace('\\', "/")
        })
        .collect();
    read.sort();
    let mut parsed: Vec<&str> = run.parsed.iter().map(|o| o.format.name()).collect();
    parsed.sort();
    parsed.dedup();
    (read, parsed)
}

#[test]
fn context_of_formats_no_named_file_is_in_is_not_read() {
    // A repository of every format. Objects relate only within their own
    // format, so a Terraform change needs no manifests, and the other way
    // round; a Terraform module still has all its files.
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "infra/main.tf",
            "resource \"aws_s3_bucket\" \"logs\" {\n  bucket = var.name\n}\n",
        ),
        (
            "infra/variables.tf",
            "variable \"name\" {\n  default = \"logs\"\n}\n",
        ),
        (
            "k8s/app.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  selector:\n    app: api\n",
        ),
        (
            "k8s/deploy.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n",
        ),
        (
            "nginx/nginx.conf",
            "events {}\nhttp {\n  server {\n    listen 80;\n  }\n}\n",
        ),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let (read, parsed) = read_and_parsed(dir.path(), &["infra/main.tf"]);
    assert_eq!(read, ["infra/main.tf", "infra/variables.tf"]);
    assert_eq!(parsed, ["terraform"]);

    let (read, parsed) = read_and_parsed(dir.path(), &["k8s/deploy.yaml"]);
    assert_eq!(read, ["k8s/app.yaml", "k8s/deploy.yaml"]);
    assert_eq!(parsed, ["kubernetes"]);

    let (read, parsed) = read_and_parsed(dir.path(), &["k8s/deploy.yaml", "nginx/nginx.conf"]);
    assert_eq!(
        read,
        ["k8s/app.yaml", "k8s/deploy.yaml", "nginx/nginx.conf"]
    );
    assert_eq!(parsed, ["kubernetes", "nginx"]);
}

#[test]
fn kubernetes_objects_made_by_terraform_are_related_to_the_manifests() {
    // A Deployment written as Terraform, and the Service that selects it as
    // a manifest: naming the Terraform file still reads the manifests.
    let dir = tempfile::tempdir().unwrap();
    let files = [
        (
            "infra/api.tf",
            r#"resource "kubernetes_deployment_v1" "api" {
  metadata {
    name      = "api"
    namespace = "shop"
  }
  spec {
    selector {
      match_labels = { app = "api" }
    }
    template {
      metadata {
        labels = { app = "api" }
      }
      spec {
        container {
          name  = "api"
          image = "registry.example.com/api:1.0.0"
          port {
            container_port = 8080
          }
        }
      }
    }
  }
}
"#,
        ),
        (
            "k8s/service.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: shop\nspec:\n  selector:\n    app: api\n  ports:\n    - port: 80\n",
        ),
        ("nginx/nginx.conf", "events {}\nhttp {}\n"),
        ("other/main.tf", "resource \"aws_s3_bucket\" \"logs\" {}\n"),
    ];
    for (path, text) in files {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let root = dir.path().to_str().unwrap();
    let named = dir.path().join("infra/api.tf");
    let named = named.to_str().unwrap();
    let rules = |report: Value| -> Vec<String> {
        findings(&report)
            .into_iter()
            .map(|(rule, _)| rule)
            .collect()
    };
    let alone = rules(check(&["--no-context", "--select", "K8S177", named], None));
    assert_eq!(alone, ["K8S177"], "no Service selects it without context");
    let related = rules(check(
        &["--context", root, "--select", "K8S177", named],
        None,
    ));
    assert_eq!(
        related,
        Vec::<String>::new(),
        "the manifest's Service selects it"
    );

    let (read, parsed) = read_and_parsed(dir.path(), &["infra/api.tf"]);
    assert_eq!(read, ["infra/api.tf", "k8s/service.yaml", "other/main.tf"]);
    assert_eq!(parsed, ["kubernetes", "terraform"]);
    // The Deployment is only context there: nothing checked needs manifests.
    let (read, _) = read_and_parsed(dir.path(), &["other/main.tf"]);
    assert_eq!(read, ["infra/api.tf", "other/main.tf"]);
}
