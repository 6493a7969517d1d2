//! The Terraform command line: `--var`, `--var-file`, and a syntax error
//! that leaves the rest of the module checked.

use assert_cmd::Command;

fn airworthy() -> Command {
    let mut command = Command::cargo_bin("airworthy").unwrap();
    command.env_remove("TF_VAR_ssl_policy");
    command
}

const MODULE: &str = "fixtures/terraform/TF202/pass-tls13";

#[test]
fn var_sets_a_root_variable() {
    let output = airworthy()
        .args(["check", "--format", "compact", "--select", "TF202", MODULE])
        .args(["--var", "ssl_policy=ELBSecurityPolicy-2016-08"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("main.tf:21:16: error[TF202]"), "{stdout}");
}

#[test]
fn environment_variables_set_root_variables_below_var() {
    let run = |extra: &[&str]| {
        let output = airworthy()
            .env("TF_VAR_ssl_policy", "ELBSecurityPolicy-2016-08")
            .args(["check", "--format", "compact", "--select", "TF202", MODULE])
            .args(extra)
            .output()
            .unwrap();
        output.status.code()
    };
    assert_eq!(run(&[]), Some(1));
    assert_eq!(
        run(&["--var", "ssl_policy=ELBSecurityPolicy-TLS13-1-2-2021-06"]),
        Some(0)
    );
}

#[test]
fn var_file_is_read_and_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("prod.tfvars");
    std::fs::write(
        &file,
        "ssl_policy = \"ELBSecurityPolicy-TLS-1-1-2017-01\"\n",
    )
    .unwrap();
    let output = airworthy()
        .args(["check", "--format", "compact", "--select", "TF202", MODULE])
        .arg("--var-file")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let missing = airworthy()
        .args(["check", MODULE, "--var-file", "no/such.tfvars"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let malformed = airworthy()
        .args(["check", MODULE, "--var", "no-equals-sign"])
        .output()
        .unwrap();
    assert_eq!(malformed.status.code(), Some(2));
}

#[test]
fn a_syntax_error_is_reported_and_the_other_files_are_checked() {
    let output = airworthy()
        .args(["check", "--format", "compact", "--no-context"])
        .args(["--select", "AW001,TF201"])
        .arg("fixtures/terraform/AW001/fail-syntax/main.tf")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        stdout.trim(),
        "fixtures/terraform/AW001/fail-syntax/main.tf:2:10: error[AW001] invalid HCL: invalid expression; expected `\"`, `[`, `{`, `-`, `!`, `(`, `_`, `<`, letter or digit"
    );
    // The module's other file was read as context; named, it is reported.
    let output = airworthy()
        .args(["check", "--format", "compact", "--select", "AW001,TF201"])
        .arg("fixtures/terraform/AW001/fail-syntax")
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("main.tf:2:10: error[AW001]"), "{stdout}");
    assert!(
        stdout.contains("listener.tf:2:28: error[TF201]"),
        "{stdout}"
    );
}
