//! The rule loader on one rule file's text; a rule that compiles is
//! evaluated over the examples, whose objects are made once.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use airworthy::engine::{Engine, RuleFile};
use airworthy::model::Object;
use airworthy::relate::Relations;
use airworthy::source::Sources;
use airworthy::{checklist_keys, formats};
use airworthy_fuzz::{load, render, render_diagnostics, report};
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

fuzz_target!(|text: &str| {
    let file = RuleFile {
        path: PathBuf::from("rules/fuzz.yaml"),
        text: text.to_string(),
        embedded: false,
    };
    match Engine::load(vec![file], formats::VOCABULARIES, &checklist_keys()) {
        Ok(engine) => {
            let Examples { sources, objects } = examples();
            let relations = Relations::new(objects);
            // Every example object is checked, as in a run that reports them all.
            let checked = vec![true; objects.len()];
            let evaluation = engine.evaluate(&relations, objects, &checked, sources);
            render(&report(sources, &evaluation.findings, &engine.running()));
        }
        Err(error) => {
            render_diagnostics(error.diagnostics, &error.sources);
        }
    }
});
