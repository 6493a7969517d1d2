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
pub mod relate;
pub mod report;
pub mod source;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

use discover::{Content, DiscoverOptions, FileLoader, InputProblem};
use engine::{Engine, LoadError, RuleFile};
use finding::{Finding, RuleMeta, Severity};
use model::{Diagnostic, Format, Problem};
use relate::Relations;
use source::{Role, Sources, Span};

/// The rules shipped in the binary, from `rules/` at build time.
const EMBEDDED_RULES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// The checklist map: every item of both readiness checklists.
pub const CHECKLIST_MAP: &str = include_str!("../checklists/checklist-map.yaml");

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
    Rules(Box<LoadError>),
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
        Engine::load(files, formats::VOCABULARIES, &checklist_keys()).map_err(Error::Rules)?;
    let unmatched = engine.select(&options.select, &options.ignore);
    Ok((engine, unmatched))
}

fn rule_files(dir: &std::path::Path) -> Result<Vec<RuleFile>, Error> {
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
    /// What the format adapters are told (Terraform variables).
    pub formats: formats::Options,
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
    for file in &options.formats.terraform.var_files {
        if !file.is_file() {
            return Err(Error::Usage(format!(
                "--var-file {}: no such file",
                file.display()
            )));
        }
    }
    let (candidates, problems) = discover::discover(&options.discover).map_err(Error::Usage)?;
    let mut inputs: Vec<_> = candidates
        .par_iter()
        .filter_map(|c| discover::read(c, &options.discover).map(|input| (input, c.role)))
        .collect();
    inputs.extend(problems.into_iter().map(|p| (p, Role::Reported)));
    inputs.sort_by(|a, b| a.0.path.cmp(&b.0.path));

    let sources = Sources::default();
    let mut by_format: Vec<(Format, Vec<source::SourceId>)> =
        Format::ALL.iter().map(|&f| (f, Vec::new())).collect();
    let mut diagnostics = Vec::new();
    for (input, role) in inputs {
        match input.content {
            Content::Text { format, text } => {
                let id = sources.push_with_role(input.path, text, role);
                let files = by_format.iter_mut().find(|(f, _)| *f == format);
                files.expect("every format is listed").1.push(id);
            }
            Content::Problem {
                kind,
                message,
                text,
                offset,
            } => {
                let id = sources.push_with_role(input.path, text, role);
                let problem = match kind {
                    InputProblem::Unreadable => Problem::InputError,
                    InputProblem::Undecodable => Problem::ParseError,
                };
                diagnostics.push(Diagnostic::new(problem, Span::point(id, offset), message));
            }
        }
    }

    let loader = FileLoader::new(&sources, options.discover.max_file_size);
    let loaded: Vec<formats::Loaded> = by_format
        .par_iter()
        .map(|(format, files)| formats::load(*format, files, &loader, &options.formats))
        .collect();
    let mut objects = Vec::new();
    for part in loaded {
        objects.extend(part.objects);
        diagnostics.extend(part.diagnostics);
    }

    let relations = Relations::new(&objects);
    let mut findings = engine.evaluate(&relations, &objects, &sources);
    findings.extend(
        diagnostics
            .into_iter()
            .filter_map(|d| engine.diagnostic_finding(d, &sources)),
    );
    findings.retain(|f| {
        f.severity >= options.min_severity && sources.get(f.span.source).role == Role::Reported
    });
    // By path, not by source id: ids follow the order files were read in.
    fn key<'a>(sources: &'a Sources, f: &'a Finding) -> impl Ord + 'a {
        let path = &sources.get(f.span.source).path;
        (path, f.span.start, f.span.end, &f.rule.id, &f.message)
    }
    findings.sort_by(|a, b| key(&sources, a).cmp(&key(&sources, b)));
    // A file evaluated in two contexts (an nginx include) finds the same
    // thing twice.
    findings.dedup_by(|a, b| key(&sources, a) == key(&sources, b));
    let objects = objects
        .iter()
        .filter(|o| sources.get(o.span().source).role == Role::Reported)
        .count();
    Ok(Run {
        sources,
        findings,
        rules: engine.metas(),
        objects,
    })
}
