//! Running the built binary, shared by the tests that drive the CLI.

use std::path::Path;
use std::time::Duration;

/// Generous, so a slow or busy machine never fails a test; it only turns a
/// hang into a failure instead of a stuck test run.
pub const TIME_LIMIT: Duration = Duration::from_secs(20);

/// Every output format of `check`.
#[allow(dead_code, reason = "not every test binary renders every format")]
pub const CHECK_FORMATS: &[&str] = &[
    "text",
    "compact",
    "json",
    "sarif",
    "github",
    "markdown",
    "checklist",
];

/// What one run of `airworthy` did.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `airworthy args…` in `dir` with `stdin` and a time limit, and
/// checks that it finished by itself, without a panic.
pub fn run_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    run_with(dir, args, stdin, &[])
}

/// [`run_in`] with more environment variables.
pub fn run_with(dir: &Path, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Run {
    let output = assert_cmd::Command::cargo_bin("airworthy")
        .unwrap()
        .current_dir(dir)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("NO_COLOR")
        .write_stdin(stdin)
        .timeout(TIME_LIMIT)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).expect("stdout is UTF-8");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    let Some(code) = output.status.code() else {
        panic!(
            "`airworthy {}` did not finish within {TIME_LIMIT:?}",
            args.join(" ")
        );
    };
    assert_ne!(
        code,
        101,
        "`airworthy {}` panicked:\n{stderr}",
        args.join(" ")
    );
    Run {
        code,
        stdout,
        stderr,
    }
}

/// Runs `airworthy args…` in the repository root.
#[allow(
    dead_code,
    reason = "not every test binary runs in the repository root"
)]
pub fn run(args: &[&str]) -> Run {
    run_in(Path::new("."), args, b"")
}
