//! Hostile input through the whole CLI: each file gives a clear finding
//! (AW001 parse-error, AW002 duplicate-key, AW003 input-error) or none,
//! never a panic or a hang (every run has a 20 s limit), and a normal
//! manifest beside it is still checked.

mod common;

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use common::run_in;

/// A manifest with a known finding, checked beside every hostile file.
const BAD_MANIFEST: &str = "\
apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  containers:
  - name: app
    image: nginx:latest
";
const BAD_FINDING: &str = "bad.yaml:8:12: warning[K8S301] container `app` runs `nginx:latest`, \
                           which is not pinned to a version tag or digest";

/// The input checks and one rule the bad manifest breaks, so that rules
/// added later do not change the expected output.
const SELECT: &str = "input,K8S301";

const HEADER: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: hostile}\n";

struct Hostile {
    name: &'static str,
    content: Vec<u8>,
    /// The findings for this file, in compact form.
    expected: &'static [&'static str],
}

fn with_header(body: impl AsRef<[u8]>) -> Vec<u8> {
    [HEADER.as_bytes(), body.as_ref()].concat()
}

/// Regular files, reported the same whether named or found by walking. The
/// wide mappings would take minutes if building them were quadratic.
fn hostile_files() -> Vec<Hostile> {
    const DEPTH: usize = 100_000;
    // Ten levels of nine aliases each: 9^10 nodes if expanded.
    let mut bomb = String::from("data:\n  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..10 {
        let previous = format!("*a{}", level - 1);
        let items = [previous.as_str(); 9].join(", ");
        bomb.push_str(&format!("  a{level}: &a{level} [{items}]\n"));
    }
    let deep_map: String = (1..=1_000)
        .map(|depth| format!("{}k:\n", " ".repeat(depth)))
        .collect();
    let wide: String = (0..100_000).map(|i| format!("  k{i}: v\n")).collect();
    let many_merged: String = (0..50_000).map(|i| format!("k{i}: v, ")).collect();
    // Each finding suppressed on its line, among many more suppressions:
    // quadratic if each finding read every suppression of its file, or each
    // comment looked ahead through all the comments after it.
    let suppressed: String = (0..30_000)
        .map(|i| {
            format!(
                "  - {{name: c{i}, image: nginx:latest}} # airworthy:ignore K8S301 -- mirrored\n"
            )
        })
        .chain((0..100_000).map(|_| "# airworthy:ignore -- names no rule\n".to_string()))
        .collect();
    // One object constructor of 500,000 keys: the HCL parser compares each
    // key with all before it.
    let wide_object: String = (0..500_000).map(|i| format!("    k{i} = {i}\n")).collect();
    vec![
        // Objects nested as operands of `/`, unclosed (found by the
        // `terraform` fuzz target): hcl-edit took 2 s to give up on these
        // 879 bytes, doubling with every level.
        Hostile {
            name: "tf/operands/main.tf",
            content: include_bytes!("fuzz-regressions/terraform/operands-nested-in-unclosed-objects")
                .to_vec(),
            expected: &["tf/operands/main.tf:2:92: error[AW001] objects and lists nested as \
                         operands more than 8 deep cannot be parsed in bounded time; the file \
                         is not checked"],
        },
        Hostile {
            name: "tf/wide/main.tf",
            content: format!("locals {{\n  big = {{\n{wide_object}  }}\n}}\n").into_bytes(),
            expected: &["tf/wide/main.tf:14145:12: error[AW001] the objects of this file have \
                         too many keys to parse in bounded time; split them"],
        },
        Hostile {
            name: "bomb.yaml",
            content: with_header(bomb),
            expected: &[
                "bomb.yaml:10:12: error[AW001] alias expansion exceeds 100000 nodes \
                         (a YAML alias bomb?); the file is not checked",
            ],
        },
        Hostile {
            name: "deep-flow.yaml",
            content: with_header(format!(
                "data: {}{}\n",
                "[".repeat(DEPTH),
                "]".repeat(DEPTH)
            )),
            expected: &[
                "deep-flow.yaml:4:262: error[AW001] invalid YAML: recursion limit exceeded",
            ],
        },
        Hostile {
            name: "deep-flow-unclosed.yaml",
            content: with_header(format!("data: {}\n", "{a: ".repeat(DEPTH))),
            expected: &[
                "deep-flow-unclosed.yaml:4:1027: error[AW001] invalid YAML: recursion \
                         limit exceeded",
            ],
        },
        Hostile {
            name: "deep-block.yaml",
            content: with_header(format!("data:\n{}x\n", "- ".repeat(DEPTH))),
            expected: &[
                "deep-block.yaml:5:511: error[AW001] nesting deeper than 256 levels; \
                         the file is not checked",
            ],
        },
        Hostile {
            name: "deep-map.yaml",
            content: with_header(format!("data:\n{deep_map}")),
            expected: &[
                "deep-map.yaml:260:257: error[AW001] nesting deeper than 256 levels; \
                         the file is not checked",
            ],
        },
        Hostile {
            name: "wide.yaml",
            content: with_header(format!("data:\n{wide}  k0: again\n")),
            expected: &[
                "wide.yaml:100005:3: error[AW002] duplicate key `k0`: this value \
                         replaces the earlier one",
            ],
        },
        Hostile {
            name: "merge.yaml",
            content: with_header(format!(
                "data: &all {{{many_merged}k0: twice}}\nextra: {{<<: *all, k1: own}}\n"
            )),
            expected: &[
                "merge.yaml:4:538903: error[AW002] duplicate key `k0`: this value \
                         replaces the earlier one",
            ],
        },
        Hostile {
            name: "suppressed.yaml",
            content: format!(
                "apiVersion: v1\nkind: Pod\nmetadata: {{name: many}}\nspec:\n  containers:\n{suppressed}"
            )
            .into_bytes(),
            expected: &[],
        },
        Hostile {
            name: "binary.yaml",
            content: b"apiVersion: v1\nkind: \x00\x01\x02\xff\xfe".to_vec(),
            expected: &["binary.yaml:1:1: error[AW001] binary content (a NUL byte); not checked"],
        },
        Hostile {
            name: "latin1.yaml",
            content: b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: caf\xe9}\n".to_vec(),
            expected: &["latin1.yaml:3:21: error[AW001] invalid UTF-8; not checked"],
        },
        Hostile {
            name: "empty.yaml",
            content: Vec::new(),
            expected: &[],
        },
        Hostile {
            name: "comments.yaml",
            content: b"# apiVersion: v1\n# kind: Pod\n".to_vec(),
            expected: &[],
        },
        Hostile {
            name: "scalar.yaml",
            content: b"--- just a scalar that says apiVersion and kind\n".to_vec(),
            expected: &[],
        },
        Hostile {
            name: "list.yaml",
            content: b"- apiVersion: v1\n  kind: Pod\n- kind\n".to_vec(),
            expected: &[],
        },
        Hostile {
            name: "huge.yaml",
            content: with_header(format!(
                "data:\n  blob: |\n{}",
                "    0123456789\n".repeat(1_400_000)
            )),
            expected: &[
                "huge.yaml:1:1: error[AW003] larger than the 10485760 byte limit \
                         (--max-file-size); not checked",
            ],
        },
    ]
}

/// These tests run one at a time: each is heavy, and the time limit is for
/// a hang, not for sharing two cores.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A directory with the bad manifest and `files`.
fn tree(files: &[Hostile]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.yaml"), BAD_MANIFEST).unwrap();
    for file in files {
        let path = dir.path().join(file.name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, &file.content).unwrap();
    }
    dir
}

/// The compact findings of checking `paths` in `dir`, sorted as reported.
fn check(dir: &Path, extra: &[&str], paths: &[&str]) -> Vec<String> {
    let mut args = vec!["check", "--format", "compact", "--select", SELECT];
    args.extend(extra);
    args.extend(paths);
    let run = run_in(dir, &args, b"");
    assert_eq!(run.code, 1, "{paths:?}: {}{}", run.stdout, run.stderr);
    run.stdout.lines().map(String::from).collect()
}

/// The expected lines and the bad manifest's finding, in report order.
fn expected<'a>(lines: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut all: Vec<String> = lines.into_iter().map(String::from).collect();
    all.push(BAD_FINDING.to_string());
    all.sort_by(|a, b| a.split(':').next().cmp(&b.split(':').next()));
    all
}

#[test]
fn each_hostile_file_named_beside_a_bad_manifest() {
    let _serial = one_at_a_time();
    for file in hostile_files() {
        let dir = tree(std::slice::from_ref(&file));
        let found = check(dir.path(), &[], &[file.name, "bad.yaml"]);
        assert_eq!(
            found,
            expected(file.expected.iter().copied()),
            "{}",
            file.name
        );
    }
}

#[test]
fn a_tree_of_hostile_files_is_walked_without_hanging() {
    let _serial = one_at_a_time();
    let files = hostile_files();
    let dir = tree(&files);
    let root = dir.path();
    std::fs::create_dir(root.join("sub")).unwrap();
    std::os::unix::fs::symlink("..", root.join("sub/loop")).unwrap();
    make_fifo(&root.join("fifo.yaml"));
    std::os::unix::fs::symlink("fifo.yaml", root.join("fifo-link.yaml")).unwrap();
    let found = check(root, &[], &["."]);
    let mut lines: Vec<&str> = files
        .iter()
        .flat_map(|f| f.expected.iter().copied())
        .collect();
    // A walk skips what is not a regular file, and reports the loop.
    lines.push(
        "sub/loop:1:1: error[AW003] cannot walk: symbolic link loop: sub/loop points back to .",
    );
    assert_eq!(found, expected(lines));
}

#[test]
fn a_fifo_named_explicitly_is_reported_not_opened() {
    let _serial = one_at_a_time();
    let dir = tree(&[]);
    make_fifo(&dir.path().join("fifo.yaml"));
    std::os::unix::fs::symlink("fifo.yaml", dir.path().join("fifo-link.yaml")).unwrap();
    let found = check(
        dir.path(),
        &[],
        &["fifo.yaml", "fifo-link.yaml", "bad.yaml"],
    );
    assert_eq!(
        found,
        expected([
            "fifo-link.yaml:1:1: error[AW003] cannot read: not a regular file",
            "fifo.yaml:1:1: error[AW003] cannot read: not a regular file",
        ])
    );
}

#[test]
fn max_file_size_moves_the_cap() {
    let _serial = one_at_a_time();
    let huge = hostile_files()
        .into_iter()
        .find(|f| f.name == "huge.yaml")
        .unwrap();
    let size = huge.content.len();
    assert!(size > 20_000_000, "{size}");
    let dir = tree(std::slice::from_ref(&huge));
    let raised = check(dir.path(), &["--max-file-size", "30000000"], &["."]);
    assert_eq!(raised, expected([]), "the huge file is checked, and clean");
    let lowered = check(dir.path(), &["--max-file-size", "100"], &["bad.yaml"]);
    assert_eq!(
        lowered,
        [
            "bad.yaml:1:1: error[AW003] larger than the 100 byte limit (--max-file-size); \
          not checked"
        ]
    );
}

#[test]
fn an_unreadable_file_is_reported() {
    let _serial = one_at_a_time();
    use std::os::unix::fs::PermissionsExt;
    let dir = tree(&[]);
    let secret = dir.path().join("secret.yaml");
    std::fs::write(&secret, BAD_MANIFEST).unwrap();
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::File::open(&secret).is_ok() {
        // Root, or a file system without permissions: nothing to test.
        eprintln!("skipped: an unreadable file can be read here (running as root?)");
        return;
    }
    let found = check(dir.path(), &[], &["."]);
    assert_eq!(
        found,
        expected(["secret.yaml:1:1: error[AW003] cannot read: Permission denied (os error 13)"])
    );
}

fn make_fifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
}

/// 100,000-deep nesting in the other formats, each file in a directory of
/// its own (a directory is one Terraform module): every parser stops at its
/// depth limit (HCL 64, nginx 64, YAML and JSON 256) with a finding there.
fn deep_files() -> Vec<Hostile> {
    const DEPTH: usize = 100_000;
    let open_close = |open: &str, close: &str| open.repeat(DEPTH) + &close.repeat(DEPTH);
    vec![
        Hostile {
            name: "tf/lists/main.tf",
            content: format!("locals {{\n  x = {}\n}}\n", open_close("[", "]")).into_bytes(),
            expected: &[
                "tf/lists/main.tf:2:71: error[AW001] invalid HCL: invalid nesting depth; \
                         expected at most 64 nested levels",
            ],
        },
        Hostile {
            name: "tf/blocks/main.tf",
            content: open_close("b {\n", "}\n").into_bytes(),
            expected: &[
                "tf/blocks/main.tf:65:3: error[AW001] invalid HCL: invalid nesting depth; \
                         expected at most 64 nested levels",
            ],
        },
        Hostile {
            name: "tf/json/main.tf.json",
            content: format!("{{\"locals\": {{\"x\": {}}}}}\n", open_close("[", "]")).into_bytes(),
            expected: &[
                "tf/json/main.tf.json:1:271: error[AW001] invalid JSON: recursion limit \
                         exceeded",
            ],
        },
        Hostile {
            name: "deep.json",
            content: format!(
                "{{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"metadata\": {{\"name\": \
                 \"deep\"}}, \"data\": {}}}\n",
                open_close("[", "]")
            )
            .into_bytes(),
            expected: &["deep.json:1:335: error[AW001] invalid JSON: recursion limit exceeded"],
        },
        Hostile {
            name: "nginx/deep/nginx.conf",
            content: format!(
                "events {{}}\nhttp {{\n  server {{\n{}  }}\n}}\n",
                open_close("location / {\n", "}\n")
            )
            .into_bytes(),
            expected: &[
                "nginx/deep/nginx.conf:66:12: error[AW001] blocks nest deeper than 64 \
                         levels; this one is not checked",
            ],
        },
    ]
}

#[test]
fn nesting_100000_deep_in_every_format_stops_at_a_limit() {
    let _serial = one_at_a_time();
    let files = deep_files();
    for file in &files {
        let dir = tree(std::slice::from_ref(file));
        let found = check(dir.path(), &[], &[file.name, "bad.yaml"]);
        assert_eq!(
            found,
            expected(file.expected.iter().copied()),
            "{}",
            file.name
        );
    }
    let dir = tree(&files);
    let found = check(dir.path(), &[], &["."]);
    assert_eq!(
        found,
        expected(files.iter().flat_map(|f| f.expected.iter().copied()))
    );
}

/// Modules that call themselves, or each other 16 times over eight levels
/// (16^8 instances), and nginx include cycles and includes of devices.
fn recursive_files() -> Vec<Hostile> {
    let text = |name: &'static str, text: &str| Hostile {
        name,
        content: text.as_bytes().to_vec(),
        expected: &[],
    };
    let mut files = vec![
        text(
            "tf/self/main.tf",
            "module \"again\" {\n  source = \"./\"\n}\n",
        ),
        text(
            "nginx/cycle/nginx.conf",
            "events {}\nhttp {\n  include a.conf;\n}\n",
        ),
        text("nginx/cycle/a.conf", "include b.conf;\n"),
        text("nginx/cycle/b.conf", "include a.conf;\n"),
        text(
            "nginx/devices/nginx.conf",
            "events {}\nhttp {\n  include /dev/zero;\n  include zero.conf;\n  include fifo.conf;\n}\n",
        ),
    ];
    const LEVELS: [&str; 9] = [
        "tf/bomb/m0/main.tf",
        "tf/bomb/m1/main.tf",
        "tf/bomb/m2/main.tf",
        "tf/bomb/m3/main.tf",
        "tf/bomb/m4/main.tf",
        "tf/bomb/m5/main.tf",
        "tf/bomb/m6/main.tf",
        "tf/bomb/m7/main.tf",
        "tf/bomb/m8/main.tf",
    ];
    for (level, name) in LEVELS.iter().enumerate() {
        let call = format!(
            "module \"next\" {{\n  source = \"../m{}\"\n  count  = 16\n}}\n",
            level + 1
        );
        let last = level + 1 == LEVELS.len();
        files.push(text(name, if last { "" } else { &call }));
    }
    files
}

#[test]
fn recursion_through_modules_includes_and_devices_ends_with_a_finding() {
    let _serial = one_at_a_time();
    let dir = tree(&recursive_files());
    let root = dir.path();
    std::os::unix::fs::symlink("/dev/zero", root.join("nginx/devices/zero.conf")).unwrap();
    make_fifo(&root.join("nginx/devices/fifo.conf"));
    // A link to a device among the manifests leads out of the repository,
    // walked (the include of one too); named, it is a device.
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.yaml")).unwrap();
    let found = check(root, &[], &["."]);
    assert_eq!(
        found,
        expected([
            "nginx/cycle/b.conf:1:9: error[AW001] include cycle: nginx/cycle/a.conf includes \
             nginx/cycle/b.conf includes nginx/cycle/a.conf",
            "nginx/devices/nginx.conf:4:11: error[AW003] cannot include: nginx/devices/zero.conf \
             leads outside the checked repository (through a symbolic link, `..` or an absolute \
             path), so it is not read",
            "nginx/devices/nginx.conf:5:11: error[AW003] cannot include: cannot read \
             nginx/devices/fifo.conf: not a regular file",
            "nginx/devices/zero.conf:1:1: error[AW003] nginx/devices/zero.conf leads outside the \
             checked repository (through a symbolic link, `..` or an absolute path), so it is not \
             read",
            "tf/bomb/m0/main.tf:1:8: note[AW004] this module expands to more than 50000 blocks \
             in its module instances (modules calling modules with `count`?); evaluation stops, \
             and the rest is not checked",
            "tf/self/main.tf:2:12: note[AW004] module `again` calls itself, or nests deeper than \
             16 modules: it is not evaluated",
            "zero.yaml:1:1: error[AW003] zero.yaml leads outside the checked repository (through \
             a symbolic link, `..` or an absolute path), so it is not read",
        ])
    );
    let named = check(root, &[], &["zero.yaml", "bad.yaml"]);
    assert_eq!(
        named,
        expected(["zero.yaml:1:1: error[AW003] cannot read: not a regular file"])
    );
}

/// 100,000 locals, each referred to once: each is found by name, not by
/// a walk over every local before it.
#[test]
fn many_locals_are_found_in_linear_time() {
    let _serial = one_at_a_time();
    const LOCALS: usize = 100_000;
    let locals: String = (0..LOCALS)
        .map(|i| format!("  l{i} = \"v{i}\"\n"))
        .collect();
    let uses: String = (0..LOCALS).map(|i| format!("    local.l{i},\n")).collect();
    let main = format!(
        "locals {{\n{locals}}}\nresource \"aws_s3_bucket\" \"b\" {{\n  tags = [\n{uses}  ]\n}}\n"
    );
    let dir = tree(&[Hostile {
        name: "tf/main.tf",
        content: main.into_bytes(),
        expected: &[],
    }]);
    assert_eq!(check(dir.path(), &[], &["."]), expected([]));
}

/// Maps of 10,000 keys (as many as a computed collection may have), merged
/// a hundred times over, grouped and rebuilt: each key is found by name.
#[test]
fn building_maps_costs_linear_time() {
    let _serial = one_at_a_time();
    let maps = vec!["local.keys"; 100].join(", ");
    let main = format!(
        "locals {{\n  keys = {{ for i in range(10000) : \"k${{i}}\" => i }}\n  \
         groups = {{ for k, v in local.keys : k => v... }}\n  merged = merge({maps})\n}}\n\
         resource \"aws_s3_bucket\" \"b\" {{\n  tags = [local.merged, local.groups]\n}}\n"
    );
    let dir = tree(&[Hostile {
        name: "tf/main.tf",
        content: main.into_bytes(),
        expected: &[],
    }]);
    assert_eq!(check(dir.path(), &[], &["."]), expected([]));
}

/// A chain of 100,000 locals, each the one before it: the chain counts as
/// one expression nested that deep, and stops at the depth limit as an
/// unknown value instead of overflowing the stack.
#[test]
fn a_chain_of_references_is_bounded_like_a_deep_expression() {
    let _serial = one_at_a_time();
    const LOCALS: usize = 100_000;
    let chain: String = (1..LOCALS)
        .map(|i| format!("  l{i} = local.l{}\n", i - 1))
        .collect();
    let main = format!(
        "locals {{\n  l0 = \"v\"\n{chain}}}\nresource \"aws_s3_bucket\" \"b\" {{\n  \
         bucket = local.l{}\n}}\n",
        LOCALS - 1
    );
    let dir = tree(&[Hostile {
        name: "tf/main.tf",
        content: main.into_bytes(),
        expected: &[],
    }]);
    assert_eq!(check(dir.path(), &[], &["."]), expected([]));
}

/// Each of 30,000 Ingress hosts is looked for among 30,000 TLS hosts: the
/// hosts are gathered once for the object, not once per rule.
#[test]
fn a_list_tested_against_another_costs_linear_time() {
    let _serial = one_at_a_time();
    const HOSTS: usize = 30_000;
    let tls: String = (0..HOSTS)
        .rev()
        .map(|i| format!("      - h{i}.example.com\n"))
        .collect();
    let rules: String = (0..HOSTS)
        .map(|i| format!("  - host: h{i}.example.com\n"))
        .collect();
    let ingress = format!(
        "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {{name: many}}\nspec:\n  \
         tls:\n  - secretName: certificate\n    hosts:\n{tls}  rules:\n{rules}"
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ingress.yaml"), ingress).unwrap();
    let run = run_in(
        dir.path(),
        &["check", "--format", "compact", "--select", "K8S407", "."],
        b"",
    );
    assert_eq!((run.code, run.stdout.as_str()), (0, ""), "{}", run.stderr);
}

/// A one-line (minified) JSON manifest of 2,000 Pods, each with a finding:
/// text output shows each finding's part of the line at its true column,
/// reading a window around it, not the whole line for every finding (which
/// took minutes).
#[test]
fn findings_on_one_long_line_render_as_text_in_linear_time() {
    let _serial = one_at_a_time();
    const PODS: usize = 2_000;
    let pods: Vec<String> = (0..PODS)
        .map(|i| {
            format!(
                r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p{i}"}},"spec":{{"containers":[{{"name":"app","image":"nginx:latest"}}]}}}}"#
            )
        })
        .collect();
    let list = format!(
        r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
        pods.join(",")
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pods.json"), &list).unwrap();
    let run = run_in(
        dir.path(),
        &[
            "check",
            "--format",
            "text",
            "--select",
            "K8S301",
            "pods.json",
        ],
        b"",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let columns: Vec<usize> = list
        .match_indices("\"nginx:latest\"")
        .map(|(at, _)| at + 1)
        .collect();
    assert_eq!(columns.len(), PODS);
    let headers: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with(" --> "))
        .collect();
    let expected: Vec<String> = columns
        .iter()
        .map(|c| format!(" --> pods.json:1:{c}"))
        .collect();
    assert_eq!(headers, expected);
    let shown = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("1 | ...") && l.contains("nginx:latest"));
    assert_eq!(
        shown.count(),
        PODS,
        "each finding shows its part of the line"
    );
}

/// Symbolic links out of the repository, and includes and module sources
/// that climb out of it with `..`, are findings naming what was written,
/// and nothing outside is read: its text appears in no output. A var file
/// named on the command line is read wherever it is.
#[cfg(unix)]
#[test]
fn nothing_outside_the_repository_is_read() {
    use std::os::unix::fs::symlink;
    let _serial = one_at_a_time();
    let top = tempfile::tempdir().unwrap();
    let outside = top.path().join("outside");
    std::fs::create_dir_all(outside.join("mod")).unwrap();
    std::fs::write(outside.join("secret.yaml"), "SECRET: [unclosed\n").unwrap();
    std::fs::write(outside.join("secret.conf"), "server { SECRET on\n").unwrap();
    std::fs::write(
        outside.join("mod/main.tf"),
        "resource \"aws_s3_bucket\" \"b\" {\n  bucket = SECRET(\n}\n",
    )
    .unwrap();
    std::fs::write(outside.join("prod.tfvars"), "protect = false\n").unwrap();
    let repo = top.path().join("repo");
    std::fs::create_dir_all(repo.join("nginx")).unwrap();
    std::fs::create_dir_all(repo.join("tf")).unwrap();
    std::fs::write(repo.join("bad.yaml"), BAD_MANIFEST).unwrap();
    symlink(outside.join("secret.yaml"), repo.join("link.yaml")).unwrap();
    symlink(&outside, repo.join("linked")).unwrap();
    // A link that stays inside is followed as before.
    symlink(repo.join("bad.yaml"), repo.join("nginx/also-bad.yaml")).unwrap();
    std::fs::write(
        repo.join("nginx/nginx.conf"),
        "events {}\nhttp {\n  include ../../outside/secret.conf;\n}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("tf/main.tf"),
        "module \"m\" {\n  source = \"../../outside/mod\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("tf/lb.tf"),
        "variable \"protect\" {\n  default = true\n}\nresource \"aws_lb\" \"edge\" {\n  \
         enable_deletion_protection = var.protect\n}\n",
    )
    .unwrap();
    let leads = "leads outside the checked repository (through a symbolic link, `..` or an \
                 absolute path), so it is not read";
    let found = check(&repo, &["--select", "input,K8S301,AW004"], &["."]);
    assert_eq!(
        found,
        [
            BAD_FINDING.to_string(),
            format!("link.yaml:1:1: error[AW003] link.yaml {leads}"),
            format!("linked:1:1: error[AW003] linked {leads}"),
            BAD_FINDING.replace("bad.yaml", "nginx/also-bad.yaml"),
            format!(
                "nginx/nginx.conf:3:11: error[AW003] cannot include: ../outside/secret.conf {leads}"
            ),
            format!(
                "tf/main.tf:2:12: note[AW004] module `m`: ../outside/mod {leads}; it is not evaluated"
            ),
        ]
    );
    // Excluded, a link out is not reported.
    let excluded = check(
        &repo,
        &["--select", "input,K8S301,AW004", "--exclude", "link*"],
        &["."],
    );
    assert!(
        !excluded.iter().any(|f| f.starts_with("link")),
        "{excluded:?}"
    );
    assert_eq!(excluded.len(), found.len() - 2);
    for format in ["text", "json", "sarif"] {
        let run = run_in(&repo, &["check", "--format", format, "."], b"");
        assert!(!run.stdout.contains("SECRET"), "{format}: {}", run.stdout);
    }
    // The var file turns the load balancer's deletion protection off.
    let var_file = outside.join("prod.tfvars");
    let var_file = var_file.to_str().unwrap();
    let tf205 = |extra: &[&str]| {
        let args = [
            &["check", "--format", "compact", "--select", "TF205"],
            extra,
            &["tf"],
        ]
        .concat();
        run_in(&repo, &args, b"").stdout
    };
    assert_eq!(tf205(&[]), "");
    let unprotected = tf205(&["--var-file", var_file]);
    assert!(
        unprotected.starts_with("tf/lb.tf:5:32: warning[TF205]"),
        "{unprotected}"
    );
}

/// Names in a manifest holding terminal escapes, a bell, a newline, a C1
/// control and a bidirectional override, and a raw C1 control in a line a
/// snippet shows, are shown as visible characters
/// in every format a terminal, a log or GitHub shows: nothing can recolour
/// or clear the terminal, forge a finding's line in `compact` output or a
/// workflow command in `github`'s, or reorder the text.
#[test]
fn control_characters_from_files_are_printed_visibly() {
    let _serial = one_at_a_time();
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \"x\\e[2J\\u009b31m\\u202eevil\"\n\
                    spec:\n  containers:\n  - name: \"app\\nforged.yaml:1:1: error[K8S999] forged\\a\"\n    \
                    image: nginx:latest # raw \u{9b}31m in a shown line\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("pod.yaml"), manifest).unwrap();
    let json = run_in(dir.path(), &["check", "--format", "json", "pod.yaml"], b"");
    let findings = json.stdout.matches("\"rule\":").count();
    assert!(findings >= 3, "{}", json.stdout);
    for format in ["text", "compact", "github", "markdown"] {
        let run = run_in(dir.path(), &["check", "--format", format, "pod.yaml"], b"");
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        let unsafe_char = run
            .stdout
            .chars()
            .find(|&c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c));
        assert_eq!(unsafe_char, None, "{format}: {}", run.stdout);
        assert!(
            run.stdout.contains("x␛[2J�31m�evil"),
            "{format}: {}",
            run.stdout
        );
        assert!(
            !run.stdout.lines().any(|l| l.starts_with("forged.yaml")),
            "{format}"
        );
    }
    let compact = run_in(
        dir.path(),
        &["check", "--format", "compact", "pod.yaml"],
        b"",
    );
    assert_eq!(
        compact.stdout.lines().count(),
        findings,
        "one line per finding"
    );
}
