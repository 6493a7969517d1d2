//! The rule loader on one rule file's text; a rule that compiles is
//! evaluated over the examples, whose objects are made once, and its first
//! findings are rendered in every format (the rest differ only in where
//! they are, and rendering them all was 40 % of the target's time). A rule
//! file that does not compile has every span of its diagnostics checked.
#![no_main]

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use airworthy::engine::{Engine, RuleFile};
use airworthy::model::Object;
use airworthy::relate::Relations;
use airworthy::source::Sources;
use airworthy::{checklist_keys, formats};
use airworthy_fuzz::{check_spans, load, render, report};
use libfuzzer_sys::fuzz_target;

struct Examples {
    sources: Sources,
    objects: Vec<Object>,
}

fn examples() -> &'static Examples {
    static EXAMPLES: OnceLock<Examples> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples");
        let paths: Vec<PathBuf> = ignore::Walk::new(root)
            .filter_map(|e| e.ok())
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .map(|e| e.into_path())
            .collect();
        let (sources, objects, _) = load(&paths);
        assert!(objects.len() > 10, "the examples hold objects");
        Examples { sources, objects }
    })
}

/// Findings of a rule that are rendered.
const RENDERED: usize = 8;

fn checklist() -> &'static HashSet<String> {
    static KEYS: OnceLock<HashSet<String>> = OnceLock::new();
    KEYS.get_or_init(checklist_keys)
}

fuzz_target!(|text: &str| {
    let file = RuleFile {
        path: PathBuf::from("rules/fuzz.yaml"),
        text: text.to_string(),
        embedded: false,
    };
    match Engine::load(vec![file], formats::VOCABULARIES, checklist()) {
        Ok(engine) => {
            let Examples { sources, objects } = examples();
            let relations = Relations::new(objects);
            // Every example object is checked, as in a run that reports them all.
            let checked = vec![true; objects.len()];
            let evaluation = engine.evaluate(&relations, objects, &checked, sources);
            let shown = &evaluation.findings[..evaluation.findings.len().min(RENDERED)];
            render(&report(sources, shown, &engine.running()));
        }
        Err(error) => check_spans(&error.sources, &[], &error.diagnostics),
    }
});
