//! The YAML front end and the Kubernetes adapter on one file's text; every
//! span of the documents, objects and diagnostics lies in the text.
#![no_main]

use std::path::PathBuf;

use airworthy::formats::{kubernetes, yaml};
use airworthy::source::{Role, Sources};
use airworthy_fuzz::check_spans;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let sources = Sources::default();
    let id = sources.push_with_role(PathBuf::from("fuzz.yaml"), text.to_string(), Role::Reported);
    let source = sources.get(id);
    let parsed = yaml::parse(source);
    for document in &parsed.documents {
        assert!(document.root.span.end as usize <= text.len());
    }
    let (objects, diagnostics) = kubernetes::parse(source);
    check_spans(&sources, &objects, &diagnostics);
});
