//! The configuration loader on `.airworthy.yaml`'s text.
#![no_main]

use std::path::Path;

use airworthy::config::Config;
use airworthy_fuzz::check_spans;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Err(error) = Config::parse(Path::new("/repo/.airworthy.yaml"), text.to_string()) {
        check_spans(&error.sources, &[], &error.diagnostics);
    }
});
