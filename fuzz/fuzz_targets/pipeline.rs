//! The whole pipeline, as `airworthy check DIR` runs it, on a tree of
//! files: the input's first file is `input.yaml`, and a line `==> path <==`
//! starts another (`main.tf`, `nginx.conf`, …). Every finding's span is
//! checked, and every output format is rendered. A `Chart.yaml` at the top
//! is left out: it would run Helm.
#![no_main]

use airworthy::CheckOptions;
use airworthy::discover::{Context, DiscoverOptions};
use airworthy::report::readiness::{self, Links, Readiness, ReadinessFormat};
use airworthy::report::{self, OutputFormat, Report};
use airworthy_fuzz::{Scratch, check_finding_spans, engine, files, named_rules, render};
use libfuzzer_sys::fuzz_target;

thread_local! {
    static SCRATCH: Scratch = Scratch::default();
}

fuzz_target!(|data: &[u8]| {
    SCRATCH.with(|scratch| {
        let mut files = files(data, "input.yaml");
        files.retain(|(name, _)| !name.starts_with("Chart.yaml"));
        scratch.write(&files);
        let options = CheckOptions {
            discover: DiscoverOptions {
                context: Context::None,
                ..DiscoverOptions::paths(vec![scratch.root().to_path_buf()])
            },
            ..CheckOptions::paths(Vec::new())
        };
        let run = airworthy::check(engine(), &options).expect("a directory can be checked");
        check_finding_spans(&run.sources, &run.findings);
        let readiness = Readiness::new(&run);
        // Describing every embedded rule is the same work for every input.
        let rules = named_rules(&run.findings);
        let report = Report {
            sources: &run.sources,
            findings: &run.findings,
            rules: &rules,
            objects: run.objects,
            show_suppressed: false,
            skipped: &run.skipped,
            exit_code: 1,
            category: "fuzz",
            link_base: None,
            readiness: Some(&readiness),
        };
        render(&report);
        // The checklist needs the run's readiness, which this report has.
        report::render(OutputFormat::Checklist, &report, &mut Vec::new(), false)
            .expect("renders into memory");
        for format in [
            ReadinessFormat::Markdown,
            ReadinessFormat::Html,
            ReadinessFormat::Json,
        ] {
            readiness::render(format, &readiness, &Links::default(), &mut Vec::new())
                .expect("renders into memory");
        }
    });
});
