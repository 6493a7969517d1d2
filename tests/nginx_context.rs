//! A file named on the command line (as pre-commit names staged files) is
//! checked in the context nginx reads it in: through the `nginx.conf` of its
//! repository that includes it, whose own findings are not reported.

use std::path::Path;

use airworthy::{CheckOptions, RuleOptions};

fn write(root: &Path, path: &str, text: &str) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_named_include_is_checked_through_the_configuration_that_includes_it() {
    let repo = tempfile::tempdir().unwrap();
    let root = repo.path();
    std::fs::create_dir(root.join(".git")).unwrap();
    write(
        root,
        "deploy/nginx/nginx.conf",
        "events {}\nhttp {\n    add_header Strict-Transport-Security \"max-age=31536000\" always;\n    include /etc/nginx/conf.d/*.conf;\n}\n",
    );
    write(
        root,
        "deploy/nginx/conf.d/api.conf",
        "server {\n    listen 443 ssl;\n    location / {\n        return 200;\n    }\n    location /img/ {\n        add_header Cache-Control max-age=60;\n    }\n}\n",
    );
    let (engine, _) = airworthy::load_rules(&RuleOptions {
        select: vec!["NGX104".into()],
        ..RuleOptions::default()
    })
    .unwrap();
    let named = root.join("deploy/nginx/conf.d/api.conf");
    let run = airworthy::check(&engine, &CheckOptions::paths(vec![named])).unwrap();
    let found: Vec<(String, usize)> = run
        .findings
        .iter()
        .map(|f| {
            let source = run.sources.get(f.span.source);
            let name = source
                .path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .to_string();
            (name, source.line_col(f.span.start).line)
        })
        .collect();
    // The server inherits HSTS from nginx.conf, so only the location that
    // drops it with its own add_header is a finding.
    assert_eq!(found, [("api.conf".to_string(), 7)], "{:?}", run.findings);
}
