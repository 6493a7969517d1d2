//! The YAML fast path against the full parser: wherever the fast path
//! reads a text, it must build exactly what the full parser builds.
#![no_main]

use std::path::PathBuf;

use airworthy::formats::yaml;
use airworthy::source::{Source, SourceId};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let source = Source::new(SourceId(0), PathBuf::from("fuzz.yaml"), text.to_string());
    if let Some(fast) = yaml::parse_fast(&source) {
        // Debug output compares NaN with NaN.
        let (fast, full) = (
            format!("{fast:?}"),
            format!("{:?}", yaml::parse_full(&source)),
        );
        assert_eq!(fast, full, "the fast path and the full parser disagree");
    }
});
