//! The documentation stays true: the README's rule table and sample output
//! are generated, and the embedded checklists match the shared originals when
//! they are present.

mod common;

use std::path::Path;
use std::sync::Mutex;

use common::run;

/// The README between `<!-- NAME:start -->` and `<!-- NAME:end -->` is
/// exactly `generated`, the output of `command`.
/// `AIRWORTHY_BLESS=1 cargo test --test docs` rewrites it in place.
fn assert_generated(name: &str, generated: &str, command: &str) {
    // The tests run in parallel; blessing reads and writes the one README.
    static README: Mutex<()> = Mutex::new(());
    let _lock = README
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start_marker = format!("<!-- {name}:start -->\n");
    let start = readme.find(&start_marker).expect("start marker") + start_marker.len();
    let end = readme
        .find(&format!("<!-- {name}:end -->"))
        .expect("end marker");
    if readme[start..end] == *generated {
        return;
    }
    if std::env::var_os("AIRWORTHY_BLESS").is_some() {
        let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
        std::fs::write("README.md", updated).unwrap();
        return;
    }
    panic!(
        "README.md's {name} section is stale: run `AIRWORTHY_BLESS=1 cargo test --test docs` \
         (it writes the output of `{command}` between the {name} markers)"
    );
}

/// Runs a command line that starts with `airworthy`.
fn run_command(command: &str) -> common::Run {
    let args: Vec<&str> = command.split(' ').skip(1).collect();
    run(&args)
}

/// The README's rule table is exactly what `airworthy rules --format
/// markdown` prints, so it cannot drift from the rules.
#[test]
fn the_readme_rule_table_is_current() {
    let command = "airworthy rules --format markdown";
    let table = run_command(command).stdout;
    assert!(table.lines().count() > 20, "{table}");
    assert_generated("rules", &table, command);
}

/// The README's sample is the real output on the examples, of a few rules
/// chosen so that rules added later do not change it.
#[test]
fn the_readme_sample_output_is_current() {
    let command = "airworthy check --select K8S301,NGX101,TF202 examples/";
    let output = run_command(command);
    assert_eq!(output.code, 1, "{}", output.stderr);
    assert!(!output.stdout.contains('\x1b'), "plain text, no colour");
    assert!(output.stdout.contains("warning[K8S301]"));
    let sample = format!("```text\n$ {command}\n{}```\n", output.stdout);
    assert_generated("sample", &sample, command);
}

#[test]
fn embedded_checklists_match_the_shared_originals() {
    let shared = Path::new("../shared/checklists");
    if !shared.is_dir() {
        return; // a checkout on its own: nothing to compare with
    }
    for name in [
        "checklist-map.yaml",
        "checklist-map.md",
        "readiness-checklist.md",
        "deployment-checklist.md",
    ] {
        let ours = std::fs::read_to_string(Path::new("checklists").join(name)).unwrap();
        let theirs = std::fs::read_to_string(shared.join(name)).unwrap();
        assert!(
            ours == theirs,
            "checklists/{name} differs from ../shared/checklists/{name}: copy it again"
        );
    }
}

#[test]
fn every_checklist_item_has_a_key() {
    let keys = airworthy::checklist_keys();
    assert_eq!(keys.len(), 339, "the two checklists have 339 items");
    assert!(keys.contains("R-kubernetes-cluster-3"));
}
