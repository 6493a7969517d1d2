//! The suppression comments of one file, judged against a finding of the
//! built-in parse-error rule at the start of each of its first lines; the
//! first 8 findings they silenced and the first 8 problems they have are
//! rendered in every format.
#![no_main]

use std::collections::BTreeSet;
use std::path::PathBuf;

use airworthy::model::{Diagnostic, Problem};
use airworthy::source::{Role, Sources, Span};
use airworthy::suppress::{self, Date, RuleIndex, Silencers};
use airworthy_fuzz::{check_spans, engine, named_rules, render, report};
use libfuzzer_sys::fuzz_target;

/// Silenced findings, and problems, that are rendered.
const RENDERED: usize = 8;

fuzz_target!(|text: &str| {
    let engine = engine();
    let sources = Sources::default();
    let id = sources.push_with_role(PathBuf::from("fuzz.yaml"), text.to_string(), Role::Reported);
    let source = sources.get(id);
    let mut findings: Vec<_> = (1..=source.line_count().min(64))
        .map(|line| {
            let span = Span::point(id, source.line_range(line).start);
            Diagnostic::new(Problem::ParseError, span, "a finding to suppress")
        })
        .filter_map(|d| engine.diagnostic_finding(d, &sources))
        .collect();
    let silencers = Silencers {
        today: Date::parse("2026-06-30"),
        ..Silencers::default()
    };
    let enabled: BTreeSet<String> = engine.running().iter().map(|m| m.id.clone()).collect();
    let rules = RuleIndex {
        known: engine.known(),
        enabled: &enabled,
    };
    let problems = suppress::apply(&mut findings, &sources, &[], &silencers, &rules);
    check_spans(&sources, &[], &problems);
    // What the suppressions did is rendered: the first findings they
    // silenced and the first of their own problems (all are judged and
    // their spans checked). Rendering every one, most alike, was most of
    // the target's time.
    findings.retain(|finding| finding.suppression.is_some());
    findings.truncate(RENDERED);
    findings.extend(
        problems
            .into_iter()
            .filter_map(|d| engine.diagnostic_finding(d, &sources))
            .take(RENDERED),
    );
    render(&report(&sources, &findings, &named_rules(&findings)));
});
