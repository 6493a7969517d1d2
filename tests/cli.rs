//! The command line as a user meets it: exit codes, output formats and
//! files, rule selection, standard input, the rules and explain commands,
//! colour, and what a run leaves behind.
//!
//! Runs over `examples/` select a few rules, so that rules added later do not
//! change the expected output.

mod common;

use std::collections::BTreeSet;
use std::fs::Permissions;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use common::{CHECK_FORMATS, run, run_in, run_with};

/// Findings on the examples that these tests rely on.
const GATEWAY_ROOT: &str =
    "examples/gateway/gateway.yaml:41:9: error[K8S201] container `gateway` may run as root";
const GATEWAY_LATEST: &str = "examples/gateway/gateway.yaml:24:16: warning[K8S301] container \
     `gateway` runs `nginx:latest`, which is not pinned to a version tag or digest";
const GATEWAY_DEADLINE: &str = "examples/gateway/gateway.yaml:10:1: note[K8S119] Deployment \
     `api-gateway` does not set progressDeadlineSeconds";
fn lines(text: &str) -> Vec<&str> {
    text.lines().collect()
}

/// The rule ids in compact output.
fn rule_ids(compact: &str) -> BTreeSet<String> {
    compact
        .lines()
        .map(|line| {
            let open = line.find('[').expect("a rule id") + 1;
            let close = line.find(']').expect("a rule id");
            line[open..close].to_string()
        })
        .collect()
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
}

#[test]
fn clean_input_exits_0_and_a_finding_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: app}\nspec:\n  containers:\n  \
               - name: app\n    image: registry.example.com/app:1.0\n";
    write(
        &dir.path().join("limited.yaml"),
        &format!("{pod}    resources: {{limits: {{memory: 1Gi}}}}\n"),
    );
    write(&dir.path().join("unlimited.yaml"), pod);
    let pass = run_in(
        dir.path(),
        &["check", "--select", "K8S101", "limited.yaml"],
        b"",
    );
    assert_eq!(pass.code, 0, "{}", pass.stdout);
    assert_eq!(
        pass.stdout,
        "airworthy: no errors, no warnings, no notes in 1 file, 1 object checked\n"
    );
    assert_eq!(pass.stderr, "");
    let fail = run_in(
        dir.path(),
        &[
            "check",
            "-f",
            "compact",
            "--select",
            "K8S101",
            "unlimited.yaml",
        ],
        b"",
    );
    assert_eq!(fail.code, 1);
    assert_eq!(
        fail.stdout,
        "unlimited.yaml:6:11: warning[K8S101] container `app` has no memory limit\n"
    );
}

#[test]
fn usage_and_configuration_errors_exit_2_with_a_message() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["check", "--select", "K8S101,NO-SUCH-RULE", "examples"],
            "airworthy: error: no rule is named by: NO-SUCH-RULE (see `airworthy rules`)\n",
        ),
        (
            &["check", "--ignore", "nonsense", "examples"],
            "airworthy: error: no rule is named by: nonsense (see `airworthy rules`)\n",
        ),
        (
            &["check", "--exclude", "[", "examples"],
            "airworthy: error: invalid glob `[`: error parsing glob '[': unclosed character \
             class; missing ']'\n",
        ),
        (
            &["check", "--rules", "no/such/dir", "examples"],
            "airworthy: error: --rules no/such/dir: no such directory\n",
        ),
        (
            &["explain", "K8S999"],
            "airworthy: error: no rule `K8S999` (see `airworthy rules`)\n",
        ),
    ];
    for (args, message) in cases {
        let run = run(args);
        assert_eq!(run.code, 2, "{args:?}");
        assert_eq!(run.stderr, *message, "{args:?}");
        assert_eq!(run.stdout, "", "{args:?}");
    }
    let missing = run(&["check", "examples", "no/such/file.yaml"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .starts_with("airworthy: error: no/such/file.yaml: No such file or directory"),
        "{}",
        missing.stderr
    );
    assert_eq!(missing.stdout, "");
    let severity = run(&["check", "--fail-on", "fatal", "examples"]);
    assert_eq!(severity.code, 2);
    assert!(
        severity
            .stderr
            .contains("expected one of: error, warning, note"),
        "{}",
        severity.stderr
    );
}

#[test]
fn a_broken_rule_stops_the_run_and_points_into_its_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("rules")).unwrap();
    write(
        &dir.path().join("rules/ACME1.yaml"),
        "id: ACME1\nname: acme\ncolour: blue\n",
    );
    let run = run_in(
        dir.path(),
        &["check", "--rules", "rules", "--format", "compact", "."],
        b"",
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.stdout, "", "nothing is checked");
    let stderr = lines(&run.stderr);
    assert!(
        stderr[0].starts_with("error[rule-file]: unknown key `colour` in a rule; expected one of:"),
        "{}",
        run.stderr
    );
    assert_eq!(stderr[1], " --> rules/ACME1.yaml:3:1");
    assert!(stderr.contains(&"3 | colour: blue"), "{}", run.stderr);
    assert_eq!(
        stderr.last(),
        Some(&"airworthy: error: 1 error(s) in rule files; no files were checked")
    );
    // The rule files are not the files checked: no summary of a check.
    assert!(!run.stderr.contains("objects checked"), "{}", run.stderr);
}

#[test]
fn compact_output_is_one_exact_line_per_finding() {
    let run = run(&[
        "check",
        "--format",
        "compact",
        "--select",
        "K8S201,image-pinned,K8S119",
        "examples/",
    ]);
    assert_eq!(run.code, 1);
    assert_eq!(
        lines(&run.stdout),
        [GATEWAY_DEADLINE, GATEWAY_LATEST, GATEWAY_ROOT,]
    );
}

#[test]
fn timings_show_each_phase_time_and_peak_memory_on_stderr_only() {
    let plain = run(&["check", "--format", "compact", "examples/"]);
    let timed = run(&["check", "--timings", "--format", "compact", "examples/"]);
    assert_eq!(timed.stdout, plain.stdout, "the report is unchanged");
    let phases = [
        "rules", "discover", "read", "parse", "relate", "evaluate", "suppress", "render",
    ];
    let line = |prefix: &str| {
        let line = timed.stderr.lines().find(|l| l.starts_with(prefix));
        line.unwrap_or_else(|| panic!("no `{prefix}` line in:\n{}", timed.stderr))
    };
    let values = |line: &str, unit: &str| -> Vec<(String, f64)> {
        let fields = line.split_once(": ").unwrap().1.split(' ');
        let pairs = fields.map(|f| f.split_once('=').unwrap());
        pairs
            .map(|(name, value)| {
                (
                    name.into(),
                    value.strip_suffix(unit).unwrap().parse().unwrap(),
                )
            })
            .collect()
    };
    let times = values(line("timings:"), "ms");
    let names: Vec<&str> = times.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names[..8], phases);
    assert_eq!(names[8], "total");
    let phase_sum: f64 = times[..8].iter().map(|(_, ms)| ms).sum();
    assert!(
        phase_sum <= times[8].1 + 0.5,
        "the phases fit in the total: {times:?}"
    );
    // Linux says how much memory the process has used; it only grows.
    let peaks = values(line("peak memory:"), "MiB");
    assert_eq!(
        peaks.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        phases
    );
    assert!(peaks[0].1 > 0.0);
    assert!(peaks.windows(2).all(|w| w[0].1 <= w[1].1), "{peaks:?}");
}

#[test]
fn text_output_shows_the_line_the_span_and_a_summary() {
    // The Kubernetes examples; other formats' files are other tests' business.
    let run = run(&[
        "check",
        "--select",
        "K8S201,K8S301",
        "--include",
        "**/*.yaml",
        "examples/",
    ]);
    assert_eq!(run.code, 1);
    let expected = "\
warning[K8S301]: container `gateway` runs `nginx:latest`, which is not pinned to a version tag or digest
  --> examples/gateway/gateway.yaml:24:16
   |
24 |         image: nginx:latest
   |                ^^^^^^^^^^^^ image-pinned
   |
   = note: in Deployment/shop/api-gateway
   = help: Reference the image by an immutable version:";
    assert!(run.stdout.starts_with(expected), "{}", run.stdout);
    assert!(
        run.stdout.contains(
            "error[K8S201]: container `gateway` may run as root\n  \
             --> examples/gateway/gateway.yaml:41:9\n   |\n\
             41 |         securityContext:\n   |         ^^^^^^^^^^^^^^^ run-as-non-root\n"
        ),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.ends_with(
            "\n\nairworthy: 1 error, 1 warning, no notes in 4 files, 10 objects checked\n"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn json_output_locates_each_finding() {
    let run = run(&[
        "check",
        "--format",
        "json",
        "--select",
        "K8S301",
        "--include",
        "**/*.yaml",
        "examples/",
    ]);
    assert_eq!(run.code, 1);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["summary"]["files"], 4);
    assert_eq!(report["summary"]["warnings"], 1);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    let finding = &findings[0];
    assert_eq!(finding["rule"], "K8S301");
    assert_eq!(finding["name"], "image-pinned");
    assert_eq!(finding["path"], "examples/gateway/gateway.yaml");
    assert_eq!(
        finding["start"],
        serde_json::json!({"line": 24, "column": 16, "offset": 483})
    );
    // `nginx:latest` is twelve characters; the end is exclusive.
    assert_eq!(
        finding["end"],
        serde_json::json!({"line": 24, "column": 28, "offset": 495})
    );
    assert_eq!(finding["object"], "Deployment/shop/api-gateway");
    assert_eq!(
        finding["checklist"],
        serde_json::json!(["R-container-registry-5"])
    );
}

#[test]
fn sarif_output_names_the_rules_and_locates_the_results() {
    let run = run(&[
        "check",
        "--format",
        "sarif",
        "--select",
        "K8S301",
        "examples/",
    ]);
    assert_eq!(run.code, 1);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let sarif_run = &log["runs"][0];
    let results = sarif_run["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "K8S301");
    assert_eq!(results[0]["level"], "warning");
    let location = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "examples/gateway/gateway.yaml"
    );
    assert_eq!(
        location["region"],
        serde_json::json!({"startLine": 24, "startColumn": 16, "endLine": 24, "endColumn": 28, "snippet": {"text": "nginx:latest"}})
    );
    let index = results[0]["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(sarif_run["tool"]["driver"]["rules"][index]["id"], "K8S301");
}

#[test]
fn output_file_gets_the_report_and_stdout_stays_empty() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["text", "compact", "json", "sarif"] {
        let path = dir.path().join(format!("report.{format}"));
        let target = path.to_str().unwrap();
        let to_file = run(&["check", "-f", format, "-o", target, "examples/"]);
        assert_eq!(to_file.code, 1, "{format}: findings still fail the run");
        assert_eq!(to_file.stdout, "", "{format}");
        assert_eq!(to_file.stderr, "", "{format}");
        let to_stdout = run(&["check", "--format", format, "examples/"]);
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            to_stdout.stdout,
            "{format}"
        );
    }
    let unwritable = run(&["check", "-o", "no/such/dir/report.txt", "examples/"]);
    assert_eq!(unwritable.code, 2);
    assert!(
        unwritable
            .stderr
            .starts_with("airworthy: error: cannot write to no/such/dir/report.txt: "),
        "{}",
        unwritable.stderr
    );
}

#[test]
fn min_severity_hides_findings_and_fail_on_judges_only_what_is_shown() {
    let compact = |extra: &[&str]| {
        let mut args = vec!["check", "--format", "compact"];
        args.extend(extra);
        args.push("examples/");
        run(&args)
    };
    let select = ["--select", "K8S201,K8S301,K8S119"];
    let all = compact(&select);
    assert_eq!(all.code, 1);
    assert_eq!(lines(&all.stdout).len(), 3);

    let errors = compact(&[&select[..], &["--min-severity", "error"]].concat());
    assert_eq!(lines(&errors.stdout), [GATEWAY_ROOT]);
    assert_eq!(errors.code, 1);

    let warnings = compact(&[&select[..], &["--min-severity", "warning"]].concat());
    assert_eq!(lines(&warnings.stdout), [GATEWAY_LATEST, GATEWAY_ROOT]);

    // A warning fails by default, but not when only errors fail.
    assert_eq!(compact(&["--select", "K8S301"]).code, 1);
    assert_eq!(
        compact(&["--select", "K8S301", "--fail-on", "error"]).code,
        0
    );
    // Notes pass by default and fail when asked to.
    assert_eq!(compact(&["--select", "K8S119"]).code, 0);
    assert_eq!(
        compact(&["--select", "K8S119", "--fail-on", "note"]).code,
        1
    );
    // A finding that is not reported does not fail the run.
    let hidden = compact(&[
        "--select",
        "K8S301,K8S119",
        "--min-severity",
        "error",
        "--fail-on",
        "note",
    ]);
    assert_eq!(hidden.stdout, "");
    assert_eq!(hidden.code, 0);
}

#[test]
fn select_and_ignore_take_ids_names_tags_and_peer_tool_ids() {
    let ids = |args: &[&str]| {
        let mut all = vec!["check", "--format", "compact"];
        all.extend(args);
        all.push("examples/");
        let run = run(&all);
        assert!(run.code <= 1, "{args:?}: {}", run.stderr);
        rule_ids(&run.stdout)
    };
    let set = |ids: &[&str]| ids.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(ids(&["--select", "K8S201"]), set(&["K8S201"]));
    assert_eq!(
        ids(&["--select", "k8s201"]),
        set(&["K8S201"]),
        "ids ignore case"
    );
    assert_eq!(ids(&["--select", "run-as-non-root"]), set(&["K8S201"]));
    assert_eq!(
        ids(&["--select", "CKV_K8S_23"]),
        set(&["K8S201"]),
        "Checkov"
    );
    assert_eq!(ids(&["--select", "KSV013"]), set(&["K8S301"]), "Trivy");
    assert_eq!(
        ids(&["--select", "images"]),
        set(&["K8S301", "K8S303"]),
        "a tag"
    );
    assert_eq!(
        ids(&["--select", "K8S201,image-pinned", "--select", "K8S119"]),
        set(&["K8S119", "K8S201", "K8S301"]),
        "comma-separated and repeated"
    );
    assert_eq!(
        ids(&["--select", "images", "--ignore", "image-explicit-registry"]),
        set(&["K8S301"])
    );
    let all = ids(&[]);
    assert!(all.len() > 5, "{all:?}");
    let security = ids(&["--select", "security"]);
    assert!(security.contains("K8S201"), "{security:?}");
    let without_security = ids(&["--ignore", "security,CKV_K8S_14"]);
    let expected: BTreeSet<String> = all
        .iter()
        .filter(|id| !security.contains(*id) && *id != "K8S301")
        .cloned()
        .collect();
    assert_eq!(without_security, expected);
}

#[test]
fn standard_input_is_read_and_named_by_stdin_filename() {
    let manifest = std::fs::read("examples/gateway/gateway.yaml").unwrap();
    let args = [
        "check",
        "--format",
        "compact",
        "--select",
        "K8S301,AW003",
        "-",
    ];
    let named = run_in(
        Path::new("."),
        &[&args[..], &["--stdin-filename", "deploy/gateway.yaml"]].concat(),
        &manifest,
    );
    assert_eq!(named.code, 1);
    assert_eq!(
        named.stdout,
        GATEWAY_LATEST.replace("examples/gateway/gateway.yaml", "deploy/gateway.yaml") + "\n"
    );
    // Without a name it is read as YAML (`helm template … | airworthy check -`).
    let unnamed = run_in(Path::new("."), &args, &manifest);
    assert_eq!(unnamed.code, 1);
    assert_eq!(
        unnamed.stdout,
        GATEWAY_LATEST.replace("examples/gateway/gateway.yaml", "<stdin>") + "\n"
    );
    // Anything else needs a name to tell its format by: say so.
    let nginx = run_in(
        Path::new("."),
        &args,
        b"events {}\nhttp { server { listen 80; } }\n",
    );
    assert_eq!(nginx.code, 1);
    assert_eq!(
        nginx.stdout,
        "<stdin>:1:1: error[AW003] standard input is not Kubernetes YAML; name it with \
         --stdin-filename (e.g. nginx.conf, main.tf) to check another format; not checked\n"
    );
}

#[test]
fn version_and_help() {
    let version = run(&["--version"]);
    assert_eq!(version.code, 0);
    assert_eq!(
        version.stdout,
        format!("airworthy {}\n", env!("CARGO_PKG_VERSION"))
    );
    for args in [&["--help"][..], &["check", "--help"]] {
        let help = run(args);
        assert_eq!(help.code, 0);
        assert!(
            help.stdout.contains(
                "Examples:\n  airworthy check                         check everything below \
                 the current directory\n  airworthy check k8s/ --format sarif --output \
                 airworthy.sarif\n"
            ),
            "{}",
            help.stdout
        );
    }
    let check_help = run(&["check", "--help"]).stdout;
    for option in [
        "--format",
        "--output",
        "--min-severity",
        "--fail-on",
        "--select",
    ] {
        assert!(check_help.contains(option), "{option}");
    }
}

#[test]
fn rules_lists_every_rule_in_aligned_columns() {
    let rules = run(&["rules"]);
    assert_eq!(rules.code, 0);
    let listed = lines(&rules.stdout);
    let files: usize = std::fs::read_dir("rules")
        .unwrap()
        .map(|format| format.unwrap().path())
        .filter(|format| format.is_dir())
        .map(|format| std::fs::read_dir(format).unwrap().count())
        .sum();
    assert_eq!(
        listed.len(),
        files + 7,
        "the rule files and the input checks AW001-AW007"
    );
    assert_eq!(
        listed[0],
        "AW001   error    parse-error                              The file parses"
    );
    assert!(
        listed.contains(
            &"K8S101  warning  container-memory-limit                   Every container sets a \
              memory limit"
        ),
        "{}",
        rules.stdout
    );
}

#[test]
fn explain_prints_a_rule_by_id_or_name() {
    let by_id = run(&["explain", "K8S101"]);
    assert_eq!(by_id.code, 0);
    assert!(
        by_id.stdout.starts_with(
            "K8S101 container-memory-limit (warning)\nEvery container sets a memory limit\n\n\
             Set `resources.limits.memory`."
        ),
        "{}",
        by_id.stdout
    );
    for line in [
        "Checklist items: D-performance-2, D-node-js-configuration-1",
        "Equivalent in checkov: CKV_K8S_13",
        "Equivalent in trivy: KSV018",
        "Example that triggers it:",
    ] {
        assert!(by_id.stdout.lines().any(|l| l == line), "{line}");
    }
    assert_eq!(
        run(&["explain", "container-memory-limit"]).stdout,
        by_id.stdout
    );
    assert_eq!(run(&["explain", "k8s101"]).stdout, by_id.stdout);
    let builtin = run(&["explain", "parse-error"]);
    assert!(builtin.stdout.starts_with("AW001 parse-error (error)\n"));
}

#[test]
fn output_has_no_colour_when_piped_or_when_no_color_is_set() {
    let piped = run(&["check", "examples/"]);
    assert_eq!(piped.code, 1);
    assert!(!piped.stdout.contains('\x1b'));
    assert!(piped.stdout.contains("warning[K8S301]"));

    // On a terminal (a pseudo-terminal from util-linux `script`) there is
    // colour, unless NO_COLOR is set.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped the terminal half: `script` is not installed");
        return;
    }
    let on_terminal = |no_color: Option<&str>| {
        let command = format!(
            "'{}' check --select K8S301 examples/",
            env!("CARGO_BIN_EXE_airworthy")
        );
        let mut script = assert_cmd::Command::new("script");
        script
            .args(["-qec", &command, "/dev/null"])
            .timeout(common::TIME_LIMIT);
        match no_color {
            Some(value) => script.env("NO_COLOR", value),
            None => script.env_remove("NO_COLOR"),
        };
        let output = script.output().unwrap();
        assert_eq!(output.status.code(), Some(1), "finished, with findings");
        String::from_utf8(output.stdout).unwrap()
    };
    let coloured = on_terminal(None);
    assert!(coloured.contains("\x1b["), "{coloured:?}");
    let plain = on_terminal(Some("1"));
    assert!(plain.contains("warning[K8S301]"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}

#[test]
fn a_file_that_does_not_parse_is_reported_and_the_others_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("examples")).unwrap();
    write(
        &dir.path().join("broken.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: {a: [1, 2}\n",
    );
    std::fs::copy(
        "examples/gateway/gateway.yaml",
        dir.path().join("examples/gateway.yaml"),
    )
    .unwrap();
    let run = run_in(
        dir.path(),
        &[
            "check",
            "--format",
            "compact",
            "--select",
            "AW001,K8S119",
            ".",
        ],
        b"",
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        lines(&run.stdout),
        [
            "broken.yaml:5:16: error[AW001] invalid YAML: while parsing a flow sequence, \
             expected ',' or ']'",
            "examples/gateway.yaml:10:1: note[K8S119] Deployment `api-gateway` does not set \
             progressDeadlineSeconds",
        ]
    );
}

/// Every output format of `report` (those of `check` are shared).
const REPORT_FORMATS: &[&str] = &["html", "json", "markdown"];

/// The arguments of every output format's run over `paths`.
fn every_format<'a>(paths: &[&'a str]) -> Vec<Vec<&'a str>> {
    let check = CHECK_FORMATS.iter().map(|f| ["check", "--format", f]);
    let report = REPORT_FORMATS.iter().map(|f| ["report", "--format", f]);
    check
        .chain(report)
        .map(|command| command.iter().chain(paths).copied().collect())
        .collect()
}

#[test]
fn output_is_byte_identical_whatever_the_thread_scheduling() {
    for args in every_format(&["examples/", "fixtures/"]) {
        let runs: Vec<String> = ["1", "2", "8"]
            .iter()
            .map(|threads| {
                let run = run_with(
                    Path::new("."),
                    &args,
                    b"",
                    &[("RAYON_NUM_THREADS", threads)],
                );
                assert!(run.code <= 1, "{args:?}: {}", run.stderr);
                run.stdout
            })
            .collect();
        assert!(runs[0].len() > 1000, "{args:?}");
        assert!(
            runs.iter().all(|r| *r == runs[0]),
            "{args:?}: the output differs between 1, 2 and 8 threads"
        );
    }
}

/// Fingerprints hash the path as printed, so they are left out of the
/// comparison.
#[test]
fn output_does_not_depend_on_the_working_directory_beyond_its_paths() {
    let fingerprint =
        regex::Regex::new(r#""(fingerprint|airworthyFingerprint/v1)": "[0-9a-f]+""#).unwrap();
    let normalized = |text: &str| fingerprint.replace_all(text, "FINGERPRINT").into_owned();
    for (from_root, from_examples) in every_format(&["examples/"])
        .iter()
        .zip(every_format(&["."]))
    {
        let root = run(from_root);
        let inside = run_in(Path::new("examples"), &from_examples, b"");
        assert_eq!(root.code, inside.code, "{from_root:?}");
        assert!(root.stdout.contains("examples/"), "{from_root:?}");
        let root = normalized(&root.stdout.replace("examples/", ""));
        assert!(
            root == normalized(&inside.stdout),
            "{from_root:?}: the output differs beyond the paths"
        );
    }
}

#[test]
fn checking_leaves_the_inputs_untouched_and_writes_only_where_told() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "gateway/gateway.yaml",
        "gateway/namespace.yaml",
        "gateway/nginx/nginx.conf",
        "orders/orders.yaml",
        "orders/service.yaml",
    ] {
        copy(&Path::new("examples").join(name), &dir.path().join(name));
    }
    copy(
        Path::new("fixtures/terraform/TF210/fail-default/main.tf"),
        &dir.path().join("infra/main.tf"),
    );
    let before = snapshot(dir.path());
    for args in every_format(&[]) {
        let run = run_in(dir.path(), &args, b"");
        assert!(
            run.code <= 1 && run.stdout.len() > 100,
            "{args:?}: {}",
            run.stderr
        );
    }
    assert!(
        before == snapshot(dir.path()),
        "a checked file changed, or a file appeared"
    );
    // --output and --write-baseline write their file, and nothing else.
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("report.sarif");
    let baseline = out.path().join("baseline.json");
    let (report_arg, baseline_arg) = (report.to_str().unwrap(), baseline.to_str().unwrap());
    let run = run_in(
        dir.path(),
        &[
            "check",
            "-f",
            "sarif",
            "--output",
            report_arg,
            "--write-baseline",
            baseline_arg,
        ],
        b"",
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty());
    let written: Vec<PathBuf> = snapshot(out.path()).into_iter().map(|f| f.0).collect();
    assert_eq!(written, [baseline, report]);
    assert!(
        before == snapshot(dir.path()),
        "only the named files are written"
    );
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

/// Every file below `dir` with its content, modification time and mode.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>, SystemTime, Permissions)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let metadata = std::fs::metadata(&path).unwrap();
        if metadata.is_dir() {
            files.extend(snapshot(&path));
        } else {
            let content = std::fs::read(&path).unwrap();
            files.push((
                path,
                content,
                metadata.modified().unwrap(),
                metadata.permissions(),
            ));
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}
