//! The YAML front end and the Kubernetes adapter on one file's text.
#![no_main]

use std::path::PathBuf;

use airworthy::formats::{kubernetes, yaml};
use airworthy::source::{Source, SourceId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let source = Source::new(SourceId(0), PathBuf::from("fuzz.yaml"), text.to_string());
    let parsed = yaml::parse(&source);
    for document in &parsed.documents {
        assert!(document.root.span.end as usize <= text.len());
    }
    kubernetes::parse(&source);
});
