//! The configurations the fixtures call valid are valid to nginx itself:
//! every `pass-*` nginx fixture and the examples' nginx trees go through
//! `nginx -t`, when an nginx binary is installed (`.ci/run` installs
//! Debian's), and airworthy finds no syntax or include problem in them. Certificates are replaced by a throwaway self-signed pair;
//! a fixture that needs a module Debian's nginx lacks says so with a
//! `# nginx-t: skip REASON` comment.

use std::path::{Path, PathBuf};
use std::process::Command;

fn nginx() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/local/sbin")]);
    on_path.map(|dir| dir.join("nginx")).find(|p| p.is_file())
}

/// The configurations to test: `(name, directory to copy or file, entry)`.
fn configurations() -> Vec<(PathBuf, PathBuf)> {
    let mut found = Vec::new();
    let mut rules: Vec<PathBuf> = std::fs::read_dir("fixtures/nginx")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    rules.sort();
    for dir in rules {
        let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("pass-")
            })
            // nginx in a ConfigMap is checked through its YAML.
            .filter(|p| p.extension().is_none_or(|e| e != "yaml"))
            .collect();
        fixtures.sort();
        for fixture in fixtures {
            let entry = if fixture.is_dir() {
                fixture.join("nginx.conf")
            } else {
                fixture.clone()
            };
            found.push((fixture, entry));
        }
    }
    let example = PathBuf::from("examples/gateway/nginx");
    if example.is_dir() {
        found.push((example.clone(), example.join("nginx.conf")));
    }
    found
}

/// Copies a fixture into `to`, certificates swapped for the test's own and
/// includes of `/etc/nginx/…` pointed into the copy (as airworthy maps them).
fn install(fixture: &Path, to: &Path, cert: &Path, key: &Path) -> PathBuf {
    let swap = |text: &str| -> String {
        text.lines()
            .map(|line| {
                let trimmed = line.trim_start();
                let directive = trimmed.split_whitespace().next().unwrap_or("");
                if directive == "include" {
                    return line.replace("/etc/nginx/", &format!("{}/", to.display()));
                }
                let file = match directive {
                    "ssl_certificate_key" => key,
                    "ssl_certificate"
                    | "ssl_trusted_certificate"
                    | "ssl_client_certificate"
                    | "proxy_ssl_trusted_certificate" => cert,
                    _ => return line.to_string(),
                };
                format!("{directive} {};", file.display())
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    // The files nginx ships beside nginx.conf, which configurations include
    // without holding a copy.
    for stock in ["mime.types", "fastcgi_params", "fastcgi.conf"] {
        let _ = std::fs::copy(Path::new("/etc/nginx").join(stock), to.join(stock));
    }
    if fixture.is_file() {
        let text = std::fs::read_to_string(fixture).unwrap();
        let entry = to.join("nginx.conf");
        std::fs::write(&entry, swap(&text)).unwrap();
        return entry;
    }
    for entry in walk(fixture) {
        let relative = entry.strip_prefix(fixture).unwrap();
        let target = to.join(relative);
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        let text = std::fs::read_to_string(&entry).unwrap();
        std::fs::write(&target, swap(&text)).unwrap();
    }
    to.join("nginx.conf")
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// The input checks (`AW001`, `AW003`) alone.
fn input_checks() -> airworthy::engine::Engine {
    let (engine, _) = airworthy::load_rules(&airworthy::RuleOptions {
        select: vec!["AW001".into(), "AW003".into()],
        ..Default::default()
    })
    .unwrap();
    engine
}

/// What the input checks report for a fixture.
fn input_problems(engine: &airworthy::engine::Engine, fixture: &Path) -> Vec<String> {
    let mut options = airworthy::CheckOptions::paths(vec![fixture.to_path_buf()]);
    options.discover.context = airworthy::discover::Context::None;
    let run = airworthy::check(engine, &options).unwrap();
    run.findings
        .iter()
        .map(|f| format!("{} {}", f.rule.id, f.message))
        .collect()
}

#[test]
fn valid_fixtures_pass_nginx_t() {
    let Some(nginx) = nginx() else {
        assert!(
            std::env::var_os("AIRWORTHY_CI").is_none(),
            "nginx is missing, and AIRWORTHY_CI requires it (.ci/run installs it)"
        );
        println!(
            "skipped: no nginx binary on PATH (install Debian's nginx-light to run this test)"
        );
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = (tmp.path().join("test.crt"), tmp.path().join("test.key"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=example.com",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    if !made.is_ok_and(|o| o.status.success()) {
        assert!(
            std::env::var_os("AIRWORTHY_CI").is_none(),
            "openssl could not make a test certificate, and AIRWORTHY_CI requires it"
        );
        println!("skipped: openssl could not make a test certificate");
        return;
    }
    let engine = input_checks();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (fixture, entry) in configurations() {
        let text = std::fs::read_to_string(&entry).unwrap_or_default();
        if let Some(reason) = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("# nginx-t: skip"))
        {
            println!("{}: not checked by nginx -t:{reason}", fixture.display());
            continue;
        }
        let prefix = tmp.path().join(format!("c{checked}"));
        std::fs::create_dir_all(prefix.join("logs")).unwrap();
        let conf = install(&fixture, &prefix, &cert, &key);
        let output = Command::new(&nginx)
            .arg("-t")
            .arg("-q")
            .arg("-e")
            .arg("stderr")
            .arg("-p")
            .arg(&prefix)
            .arg("-c")
            .arg(&conf)
            .arg("-g")
            .arg(format!("pid {};", prefix.join("nginx.pid").display()))
            .output()
            .unwrap();
        checked += 1;
        if !output.status.success() {
            failures.push(format!(
                "{}:\n{}",
                fixture.display(),
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        // What nginx accepts, airworthy parses: no syntax, placement or
        // include problem.
        for problem in input_problems(&engine, &fixture) {
            failures.push(format!(
                "{}: airworthy reports {problem}",
                fixture.display()
            ));
        }
    }
    println!(
        "nginx -t accepted {} of {checked} configurations",
        checked - failures.len()
    );
    assert!(checked > 10, "only {checked} configurations checked");
    assert!(
        failures.is_empty(),
        "nginx -t rejects:\n{}",
        failures.join("\n")
    );
}
