//! airworthy: a production-readiness policy linter for the configuration that
//! puts an API gateway and the services behind it into production.
//!
//! The pipeline: discover → parse (per format, with spans) → model → evaluate
//! rules → render. Data flows one way: formats depend on the model, the
//! engine on the model, reports on findings and sources.

pub mod discover;
pub mod engine;
pub mod finding;
pub mod formats;
pub mod model;
pub mod report;
pub mod source;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use discover::{Content, DiscoverOptions, InputProblem};
use engine::{Engine, FormatVocabulary, LoadError, RuleFile};
use finding::{Finding, RuleMeta, Severity};
use model::{Diagnostic, Format, Object, Problem};
use source::Sources;

/// The rules shipped in the binary, from `rules/` at build time.
const EMBEDDED_RULES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// The checklist map: every item of both readiness checklists.
pub const CHECKLIST_MAP: &str = include_str!("../checklists/checklist-map.yaml");

/// What each format's adapter offers rules.
pub fn vocabularies() -> Vec<FormatVocabulary> {
    vec![FormatVocabulary {
        format: Format::Kubernetes,
        classes: formats::kubernetes::CLASSES,
        views: formats::kubernetes::VIEWS,
    }]
}

/// The keys of every checklist item (`R-kubernetes-cluster-3`, …).
pub fn checklist_keys() -> HashSet<String> {
    CHECKLIST_MAP
        .lines()
        .filter_map(|line| line.strip_prefix("- key: "))
        .map(|key| key.trim().to_string())
        .collect()
}

#[derive(Clone, Debug, Default)]
pub struct RuleOptions {
    /// Extra rule directories (`--rules DIR`).
    pub dirs: Vec<PathBuf>,
    pub select: Vec<String>,
    pub ignore: Vec<String>,
}

#[derive(Debug)]
pub enum Error {
    /// Bad arguments or paths; exit code 2.
    Usage(String),
    /// Rule files that do not compile; exit code 2.
    Rules(LoadError),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Usage(message) => f.write_str(message),
            Error::Rules(error) => write!(f, "{} error(s) in rule files", error.diagnostics.len()),
        }
    }
}

/// Loads the embedded rules and any in `options.dirs`, then applies the
/// selection. Also returns the selectors that matched no rule.
pub fn load_rules(options: &RuleOptions) -> Result<(Engine, Vec<String>), Error> {
    let mut files: Vec<RuleFile> = EMBEDDED_RULES
        .iter()
        .map(|(path, text)| RuleFile {
            path: PathBuf::from(path),
            text: text.to_string(),
        })
        .collect();
    for dir in &options.dirs {
        files.extend(rule_files(dir)?);
    }
    let mut engine =
        Engine::load(files, &vocabularies(), &checklist_keys()).map_err(Error::Rules)?;
    let unmatched = engine.select(&options.select, &options.ignore);
    Ok((engine, unmatched))
}

fn rule_files(dir: &std::path::Path) -> Result<Vec<RuleFile>, Error> {
    if !dir.exists() {
        return Err(Error::Usage(format!(
            "--rules {}: no such directory",
            dir.display()
        )));
    }
    let mut paths = Vec::new();
    for entry in ignore::WalkBuilder::new(dir)
        .standard_filters(false)
        .build()
    {
        let entry = entry.map_err(|e| Error::Usage(format!("--rules {}: {e}", dir.display())))?;
        let path = entry.path();
        let is_yaml = path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if is_yaml && entry.file_type().is_some_and(|t| t.is_file()) {
            paths.push(path.to_path_buf());
        }
    }
    if paths.is_empty() && !dir.is_dir() {
        return Err(Error::Usage(format!(
            "--rules {}: not a directory",
            dir.display()
        )));
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Error::Usage(format!("{}: {e}", path.display())))?;
            Ok(RuleFile { path, text })
        })
        .collect()
}

#[derive(Clone, Debug)]
pub struct CheckOptions {
    pub discover: DiscoverOptions,
    pub min_severity: Severity,
}

/// The result of a run: what was read and what was found.
#[derive(Debug)]
pub struct Run {
    pub sources: Sources,
    /// Sorted by path, line, column and rule.
    pub findings: Vec<Finding>,
    pub rules: Vec<Arc<RuleMeta>>,
    pub objects: usize,
}

impl Run {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity)
            .count()
    }
}

/// Checks the inputs the options name with the engine's rules.
pub fn check(engine: &Engine, options: &CheckOptions) -> Result<Run, Error> {
    let (candidates, problems) = discover::discover(&options.discover).map_err(Error::Usage)?;
    let classify = |path: &std::path::Path, text: &str| {
        formats::kubernetes::detect(path, text).then_some(Format::Kubernetes)
    };
    let mut inputs: Vec<_> = candidates
        .par_iter()
        .filter_map(|c| discover::read(c, &options.discover, classify))
        .collect();
    inputs.extend(problems);
    inputs.sort_by(|a, b| a.path.cmp(&b.path));

    let mut sources = Sources::default();
    let mut pending = Vec::new();
    let mut diagnostics = Vec::new();
    for input in inputs {
        match input.content {
            Content::Text { format, text } => {
                let id = sources.push(input.path, text);
                pending.push((id, format));
            }
            Content::Problem {
                kind,
                message,
                text,
                offset,
            } => {
                let id = sources.push(input.path, text);
                let problem = match kind {
                    InputProblem::Unreadable => Problem::InputError,
                    InputProblem::Undecodable => Problem::ParseError,
                };
                let span = sources.get(id).char_span(offset);
                diagnostics.push(Diagnostic::new(problem, span, message));
            }
        }
    }

    let parsed: Vec<(Vec<Object>, Vec<Diagnostic>)> = pending
        .par_iter()
        .map(|&(id, format)| match format {
            Format::Kubernetes => formats::kubernetes::parse(sources.get(id)),
        })
        .collect();
    let mut objects = Vec::new();
    for (file_objects, file_diagnostics) in parsed {
        objects.extend(file_objects);
        diagnostics.extend(file_diagnostics);
    }

    let mut findings = engine.evaluate(&objects, &sources);
    findings.extend(
        diagnostics
            .into_iter()
            .filter_map(|d| engine.diagnostic_finding(d, &sources)),
    );
    findings.retain(|f| f.severity >= options.min_severity);
    findings.sort_by(|a, b| {
        (
            a.span.source,
            a.span.start,
            a.span.end,
            &a.rule.id,
            &a.message,
        )
            .cmp(&(
                b.span.source,
                b.span.start,
                b.span.end,
                &b.rule.id,
                &b.message,
            ))
    });
    Ok(Run {
        sources,
        findings,
        rules: engine.metas(),
        objects: objects.len(),
    })
}
