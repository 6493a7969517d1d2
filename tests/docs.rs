//! The documentation stays true: the README lists every rule, and the
//! embedded checklists match the shared originals when they are present.

use std::path::Path;

/// The README's rule table is exactly what `airworthy rules --format
/// markdown` prints, so it cannot drift from the rules.
#[test]
fn the_readme_rule_table_is_current() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let start = readme
        .find("<!-- rules:start -->\n")
        .expect("rules:start marker")
        + 21;
    let end = readme.find("<!-- rules:end -->").expect("rules:end marker");
    let output = assert_cmd::Command::cargo_bin("airworthy")
        .unwrap()
        .args(["rules", "--format", "markdown"])
        .output()
        .unwrap();
    let table = String::from_utf8(output.stdout).unwrap();
    assert!(table.lines().count() > 20, "{table}");
    if readme[start..end] == table {
        return;
    }
    // `AIRWORTHY_BLESS=1 cargo test --test docs` rewrites the table in place.
    if std::env::var_os("AIRWORTHY_BLESS").is_some() {
        let updated = format!("{}{table}{}", &readme[..start], &readme[end..]);
        std::fs::write("README.md", updated).unwrap();
        return;
    }
    panic!(
        "README.md's rule table is stale: run `AIRWORTHY_BLESS=1 cargo test --test docs` \
         (it writes the output of `airworthy rules --format markdown` between the rules markers)"
    );
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
