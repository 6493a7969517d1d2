//! airworthy: a production-readiness policy linter for the configuration that
//! puts an API gateway and the services behind it into production.
//!
//! The pipeline: discover → parse (per format, with spans) → model → evaluate
//! rules → render. Data flows one way: formats depend on the model, the
//! engine on the model, reports on findings and sources.

mod charts;
pub mod config;
pub mod discover;
pub mod engine;
pub mod finding;
pub mod formats;
pub mod model;
pub mod relate;
pub mod report;
pub mod source;
pub mod suppress;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rayon::prelude::*;

use discover::{Content, DiscoverOptions, FileLoader, Input, InputProblem};
use engine::{Engine, LoadError, RuleFile};
use finding::{Finding, RuleMeta, Severity};
use formats::helm;
use model::{Diagnostic, Format, Object, Problem};
use relate::Relations;
use source::{Role, SourceId, Sources, Span};

/// The rules shipped in the binary, from `rules/` at build time.
pub(crate) const EMBEDDED_RULES: &[(&str, &str)] =
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

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
    /// Severity overrides, by rule id, name, tag or peer id.
    pub severity: std::collections::BTreeMap<String, Severity>,
}

#[derive(Debug)]
pub enum Error {
    /// Bad arguments or paths; exit code 2.
    Usage(String),
    /// Rule files that do not compile; exit code 2.
    Rules(Box<LoadError>),
    /// A configuration file that is not valid; exit code 2.
    Config(Box<LoadError>),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Usage(message) => f.write_str(message),
            Error::Rules(error) => write!(f, "{} error(s) in rule files", error.diagnostics.len()),
            Error::Config(error) => write!(
                f,
                "{} error(s) in the configuration file",
                error.diagnostics.len()
            ),
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
            embedded: true,
        })
        .collect();
    for dir in &options.dirs {
        files.extend(rule_files(dir)?);
    }
    let mut engine =
        Engine::load(files, formats::VOCABULARIES, &checklist_keys()).map_err(Error::Rules)?;
    let mut unmatched = engine.set_severity(&options.severity);
    unmatched.extend(engine.select(&options.select, &options.ignore));
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
            Ok(RuleFile {
                path,
                text,
                embedded: false,
            })
        })
        .collect()
}

#[derive(Debug)]
pub struct CheckOptions {
    pub discover: DiscoverOptions,
    pub min_severity: Severity,
    pub silencers: suppress::Silencers,
    pub helm: HelmOptions,
    /// What the format adapters are told (Terraform variables).
    pub formats: formats::Options,
}

impl CheckOptions {
    /// Options that check `paths` with the defaults: every finding, nothing
    /// silenced but what the files themselves say.
    pub fn paths(paths: Vec<PathBuf>) -> Self {
        CheckOptions {
            discover: DiscoverOptions::paths(paths),
            min_severity: Severity::Note,
            silencers: suppress::Silencers::default(),
            helm: HelmOptions::default(),
            formats: formats::Options::default(),
        }
    }
}

/// How Helm charts are rendered and their templates found.
#[derive(Clone, Debug, Default)]
pub struct HelmOptions {
    /// A chart directory named as a path is rendered once per values file
    /// (`--values`), or once with the chart's own values.
    pub values: Vec<PathBuf>,
    /// The chart that rendered files (or standard input) came from, where
    /// their `# Source:` templates are looked for (`--chart`).
    pub chart: Option<PathBuf>,
}

/// The result of a run: what was read and what was found.
#[derive(Debug)]
pub struct Run {
    pub sources: Sources,
    /// Sorted by path, line, column and rule.
    pub findings: Vec<Finding>,
    pub rules: Vec<Arc<RuleMeta>>,
    pub objects: usize,
    /// Every object read, reported or context: the caller decides when
    /// their trees are freed (the command line never frees them: freeing a
    /// tree node by node takes longer than the system takes to reclaim the
    /// process).
    pub parsed: Vec<Object>,
    /// Checks that unknown values left undecided, sorted by location.
    pub skipped: Vec<finding::Skipped>,
    /// For each rule, how many foci of reported objects it examined.
    pub examined: std::collections::BTreeMap<String, usize>,
    /// Every rule loaded, selected or not (with the severities as written).
    pub known: Vec<Arc<RuleMeta>>,
    /// The formats of the reported objects.
    pub formats: std::collections::BTreeSet<Format>,
    /// Findings less severe than this were left out.
    pub min_severity: Severity,
    /// Kinds of reported objects that no rule looks at (CRDs and other
    /// kinds airworthy has no rules for).
    pub unanalysed: Vec<Unanalysed>,
    /// How long each phase took; the caller fills in `rules` and `render`.
    pub timings: Timings,
}

/// The wall time of each phase of a run (`--timings`), and the process's
/// peak memory when it ended. Measuring costs a clock read and a read of
/// `/proc/self/status` (about 10 µs) per phase, so it is always done.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// Compiling the rules.
    pub rules: Lap,
    /// Walking the paths and the context directory.
    pub discover: Lap,
    /// Reading the files (and rendering charts named as paths).
    pub read: Lap,
    /// The format adapters: parsing, includes, modules, objects.
    pub parse: Lap,
    /// Indexing the objects' links.
    pub relate: Lap,
    /// Running the rules.
    pub evaluate: Lap,
    /// Suppressions, then sorting, deduplicating and finding Helm templates.
    pub suppress: Lap,
    /// Writing the report.
    pub render: Lap,
}

/// One phase: how long it took, and the peak resident memory of the
/// process when it ended.
#[derive(Clone, Copy, Debug, Default)]
pub struct Lap {
    pub time: Duration,
    /// Bytes; `None` where the system does not tell (it is read from
    /// Linux's `/proc/self/status`).
    pub peak_memory: Option<u64>,
}

impl Lap {
    /// A phase that took `time` and ends now.
    pub fn ending_now(time: Duration) -> Lap {
        Lap {
            time,
            peak_memory: peak_memory(),
        }
    }
}

/// A phase done in two parts: the times add up, the peak is the later one.
impl std::ops::AddAssign for Lap {
    fn add_assign(&mut self, later: Lap) {
        self.time += later.time;
        self.peak_memory = later.peak_memory.or(self.peak_memory);
    }
}

/// The process's peak resident set size so far (`VmHWM`), in bytes.
fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    let kilobytes: u64 = line.trim().strip_suffix("kB")?.trim().parse().ok()?;
    Some(kilobytes * 1024)
}

impl Timings {
    /// The phases by name, in order.
    pub fn phases(&self) -> [(&'static str, Lap); 8] {
        [
            ("rules", self.rules),
            ("discover", self.discover),
            ("read", self.read),
            ("parse", self.parse),
            ("relate", self.relate),
            ("evaluate", self.evaluate),
            ("suppress", self.suppress),
            ("render", self.render),
        ]
    }

    /// `timings: rules=3.1ms discover=… render=…ms total=…ms`: milliseconds
    /// with one decimal; `total` is the wall time since `start` (which
    /// includes what no phase covers, such as reading the configuration).
    /// Then, where the system tells, `peak memory: rules=12MiB … render=…MiB`:
    /// the process's peak resident memory when each phase ended.
    pub fn lines(&self, start: Instant) -> String {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let mut out = String::from("timings:");
        for (name, lap) in self.phases() {
            out.push_str(&format!(" {name}={:.1}ms", ms(lap.time)));
        }
        out.push_str(&format!(" total={:.1}ms", ms(start.elapsed())));
        if self
            .phases()
            .iter()
            .all(|(_, lap)| lap.peak_memory.is_some())
        {
            out.push_str("\npeak memory:");
            for (name, lap) in self.phases() {
                let mebibytes = lap.peak_memory.unwrap_or(0) as f64 / (1024.0 * 1024.0);
                out.push_str(&format!(" {name}={mebibytes:.0}MiB"));
            }
        }
        out
    }
}

/// The time since the last lap, for phase timings.
struct Stopwatch(Instant);

impl Stopwatch {
    fn start() -> Self {
        Stopwatch(Instant::now())
    }

    fn lap(&mut self) -> Lap {
        let now = Instant::now();
        let since = now - self.0;
        self.0 = now;
        Lap::ending_now(since)
    }
}

/// Objects of one kind that no rule looks at.
#[derive(Debug)]
pub struct Unanalysed {
    /// `Kind (apiVersion)`.
    pub kind: String,
    pub count: usize,
    /// Where the first of them is.
    pub first: Span,
}

impl Run {
    /// Findings of this severity that are not suppressed.
    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.severity == severity && f.suppression.is_none())
            .count()
    }
}

/// Checks the inputs the options name with the engine's rules.
pub fn check(engine: &Engine, options: &CheckOptions) -> Result<Run, Error> {
    let mut timings = Timings::default();
    let mut stopwatch = Stopwatch::start();
    for file in &options.formats.terraform.var_files {
        if !file.is_file() {
            return Err(Error::Usage(format!(
                "--var-file {}: no such file",
                file.display()
            )));
        }
    }
    let (charts, paths): (Vec<PathBuf>, Vec<PathBuf>) = options
        .discover
        .paths
        .iter()
        .cloned()
        .partition(|path| helm::is_chart(path));
    let (renders, rendered) = charts::render(&charts, &options.helm.values)?;
    // Rendering is reading a chart.
    timings.read = stopwatch.lap();
    let mut inputs: Vec<(Input, Role)> = Vec::new();
    let mut discovered = None;
    let boundary = Arc::new(
        discover::Boundary::of(&options.discover).with_files(&options.formats.terraform.var_files),
    );
    // Charts alone: nothing else to discover.
    if charts.is_empty() || !paths.is_empty() {
        let discover = DiscoverOptions {
            paths,
            ..options.discover.clone()
        };
        let (candidates, problems) =
            discover::discover(&discover, &boundary).map_err(Error::Usage)?;
        timings.discover = stopwatch.lap();
        let (reported, context): (Vec<_>, Vec<_>) = candidates
            .into_iter()
            .partition(|c| c.role == Role::Reported);
        inputs = read(reported.iter(), &discover, &options.formats);
        inputs.extend(problems.into_iter().map(|p| (p, Role::Reported)));
        discovered = Some((discover, context));
    }
    inputs.extend(rendered.into_iter().map(|input| (input, Role::Reported)));
    // Context is read only in the formats it can matter to: objects link
    // only to objects of their own format and rules stay within one, so
    // other formats' context could change no finding. Not reading it is what
    // makes a pre-commit run on Terraform files quick in a repository of
    // manifests.
    let needed = reported_formats(&inputs);
    let mut context = match &discovered {
        Some((discover, candidates)) => {
            ContextFiles::read(candidates, &needed, discover, &options.formats)
        }
        None => ContextFiles::default(),
    };
    inputs.append(&mut context.take(&needed));

    let sources = Sources::default();
    let mut diagnostics = Vec::new();
    let (by_format, unreadable) = add_sources(inputs, &sources, &mut diagnostics);
    timings.read += stopwatch.lap();

    let loader = FileLoader::new(&sources, options.discover.max_file_size)
        .within(&boundary)
        .refusing(unreadable);
    let load = |by_format: &[(Format, Vec<SourceId>)]| -> Vec<(Format, formats::Loaded)> {
        by_format
            .par_iter()
            .map(|(format, files)| {
                let loaded = formats::load(*format, files, &loader, &options.formats);
                (*format, loaded)
            })
            .collect()
    };
    let mut loaded = load(&by_format);
    // A format's files can make objects of another (a Terraform
    // `kubernetes_deployment` is a Deployment). Where such an object is
    // checked, because a reported file went into it, that format's context
    // is read now, so the object is related to it as well.
    let reported = |id: SourceId| sources.get(id).role == Role::Reported;
    let made: Vec<Format> = Format::ALL
        .iter()
        .copied()
        .filter(|f| !needed.contains(f))
        .filter(|f| {
            let mut objects = loaded.iter().flat_map(|(_, l)| &l.objects);
            objects.any(|o| o.format == *f && o.touches(reported))
        })
        .collect();
    if let (false, Some((discover, _))) = (made.is_empty(), &discovered) {
        timings.parse = stopwatch.lap();
        let inputs = context.read_more(&made, discover, &options.formats);
        let (by_format, _) = add_sources(inputs, &sources, &mut diagnostics);
        timings.read += stopwatch.lap();
        loaded.extend(load(&by_format));
    }
    // In the order of the formats, however many rounds read them.
    loaded.sort_by_key(|(format, _)| *format);
    let mut objects = Vec::new();
    // Objects that may hold spans of files other than their own.
    let mut joined = Vec::new();
    for (format, part) in loaded {
        let stay = formats::objects_stay_in_their_file(format);
        joined.resize(joined.len() + part.objects.len(), !stay);
        objects.extend(part.objects);
        diagnostics.extend(part.diagnostics);
    }

    timings.parse += stopwatch.lap();
    let relations = Relations::new(&objects);
    timings.relate = stopwatch.lap();
    // Objects read only as context (a pre-commit run's repository) are not
    // checked unless a file being reported went into them (an included
    // nginx file, a Terraform module's file): their findings would all be
    // dropped. Walking a tree for that is needed only where files join.
    let checked: Vec<bool> = objects
        .par_iter()
        .zip(&joined)
        .map(|(object, &joined)| {
            reported(object.anchor.source)
                || reported(object.span().source)
                || joined && object.touches(reported)
        })
        .collect();
    let engine::Evaluation {
        mut findings,
        mut skipped,
        examined,
    } = engine.evaluate(&relations, &objects, &checked, &sources);
    skipped.retain(|s| sources.get(s.span.source).role == Role::Reported);
    findings.extend(
        diagnostics
            .into_iter()
            .filter_map(|d| engine.diagnostic_finding(d, &sources)),
    );
    findings.retain(|f| sources.get(f.span.source).role == Role::Reported);
    timings.evaluate = stopwatch.lap();
    let enabled = engine.running().iter().map(|m| m.id.clone()).collect();
    let rules = suppress::RuleIndex {
        known: engine.known(),
        enabled: &enabled,
    };
    let problems = suppress::apply(
        &mut findings,
        &sources,
        &objects,
        &options.silencers,
        &rules,
    );
    findings.extend(
        problems
            .into_iter()
            .filter_map(|d| engine.diagnostic_finding(d, &sources)),
    );
    // Suppressions are judged before this, so one that accepts a note is
    // not unused because notes are not shown.
    findings.retain(|f| f.severity >= options.min_severity);
    // By path, not by source id: ids follow the order files were read in.
    let ranks = sources.path_ranks();
    let rank = |span: Span| ranks[span.source.0 as usize];
    skipped.sort_by(|a, b| {
        (rank(a.span), a.span.start, &a.rule.id).cmp(&(rank(b.span), b.span.start, &b.rule.id))
    });
    fn key<'a>(ranks: &[u32], f: &'a Finding) -> impl Ord + 'a {
        let rank = ranks[f.span.source.0 as usize];
        (rank, f.span.start, f.span.end, &f.rule.id, &f.message)
    }
    findings.sort_by(|a, b| key(&ranks, a).cmp(&key(&ranks, b)));
    // A file evaluated in two contexts (an nginx include) finds the same
    // thing twice.
    findings.dedup_by(|a, b| key(&ranks, a) == key(&ranks, b));
    let reported: Vec<&Object> = objects
        .iter()
        .filter(|o| sources.get(o.span().source).role == Role::Reported)
        .collect();
    let chart_of = |id: SourceId| {
        let path = &sources.get(id).path;
        renders
            .iter()
            .find(|r| &r.path == path)
            .map(|r| r.chart.as_path())
            .or(options.helm.chart.as_deref())
    };
    let in_templates = charts::template_lines(&findings, &reported, &loader, chart_of);
    for (finding, related) in findings.iter_mut().zip(in_templates) {
        finding.related.extend(related);
    }
    let findings = charts::merge_value_sets(findings, &renders, &reported, &sources);
    let unanalysed = unanalysed(engine, &reported);
    let (count, formats) = (reported.len(), reported.iter().map(|o| o.format).collect());
    timings.suppress = stopwatch.lap();
    Ok(Run {
        objects: count,
        formats,
        parsed: objects,
        unanalysed,
        sources,
        findings,
        rules: engine.running(),
        skipped,
        examined,
        known: engine.known().to_vec(),
        min_severity: options.min_severity,
        timings,
    })
}

fn input_format(input: &Input) -> Option<Format> {
    match input.content {
        Content::Text { format, .. } => Some(format),
        Content::Problem { .. } => None,
    }
}

/// The formats of the reported files.
fn reported_formats(inputs: &[(Input, Role)]) -> Vec<Format> {
    let mut formats: Vec<Format> = inputs
        .iter()
        .filter(|(_, role)| *role == Role::Reported)
        .filter_map(|(input, _)| input_format(input))
        .collect();
    formats.sort_unstable();
    formats.dedup();
    formats
}

/// Reads candidates in parallel, dropping those no format claims.
fn read<'a>(
    candidates: impl Iterator<Item = &'a discover::Candidate>,
    discover: &DiscoverOptions,
    formats: &formats::Options,
) -> Vec<(Input, Role)> {
    let candidates: Vec<_> = candidates.collect();
    candidates
        .par_iter()
        .filter_map(|c| discover::read(c, discover, formats).map(|input| (input, c.role)))
        .collect()
}

/// The context files, read as far as the formats needed so far require.
#[derive(Default)]
struct ContextFiles<'a> {
    read: Vec<(Input, Role)>,
    /// Not read: by its name, none of a needed format.
    unread: Vec<&'a discover::Candidate>,
}

impl<'a> ContextFiles<'a> {
    fn read(
        candidates: &'a [discover::Candidate],
        needed: &[Format],
        discover: &DiscoverOptions,
        formats: &formats::Options,
    ) -> Self {
        let (now, unread): (Vec<_>, Vec<_>) = candidates
            .iter()
            .partition(|c| formats::may_be_in(c.path(), needed));
        ContextFiles {
            read: read(now.into_iter(), discover, formats),
            unread,
        }
    }

    /// The inputs read so far that are in `needed`.
    fn take(&mut self, needed: &[Format]) -> Vec<(Input, Role)> {
        let (taken, rest) = std::mem::take(&mut self.read)
            .into_iter()
            .partition(|(input, _)| input_format(input).is_some_and(|f| needed.contains(&f)));
        self.read = rest;
        taken
    }

    /// The inputs in `needed`, reading what is still unread.
    fn read_more(
        &mut self,
        needed: &[Format],
        discover: &DiscoverOptions,
        formats: &formats::Options,
    ) -> Vec<(Input, Role)> {
        let now = self
            .unread
            .iter()
            .copied()
            .filter(|c| formats::may_be_in(c.path(), needed));
        let mut inputs = read(now, discover, formats);
        inputs.retain(|(input, _)| input_format(input).is_some_and(|f| needed.contains(&f)));
        inputs.append(&mut self.take(needed));
        inputs
    }
}

/// Adds inputs to the run's sources in path order, the files of each format
/// apart; unreadable inputs become diagnostics.
/// Sources of each format.
type ByFormat = Vec<(Format, Vec<SourceId>)>;

/// The inputs' sources, by format, and the paths of those that could not be
/// read with why (already reported): an include of one is not its text.
fn add_sources(
    mut inputs: Vec<(Input, Role)>,
    sources: &Sources,
    diagnostics: &mut Vec<Diagnostic>,
) -> (ByFormat, Vec<(PathBuf, String)>) {
    inputs.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    let mut by_format: ByFormat = Format::ALL.iter().map(|&f| (f, Vec::new())).collect();
    let mut unreadable = Vec::new();
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
                unreadable.push((input.path.clone(), message.clone()));
                let id = sources.push_with_role(input.path, text, role);
                let problem = match kind {
                    InputProblem::Unreadable => Problem::InputError,
                    InputProblem::Undecodable => Problem::ParseError,
                };
                let span = sources.get(id).char_span(offset);
                diagnostics.push(Diagnostic::new(problem, span, message));
            }
        }
    }
    by_format.retain(|(_, files)| !files.is_empty());
    (by_format, unreadable)
}

/// Kinds of objects no rule looks at, with how many and the first of each.
fn unanalysed(engine: &Engine, objects: &[&Object]) -> Vec<Unanalysed> {
    let mut kinds: BTreeMap<String, Unanalysed> = BTreeMap::new();
    for object in objects.iter().filter(|o| !engine.analyses(o)) {
        let kind = match &object.api_version {
            Some(version) => format!("{} ({version})", object.kind),
            None => object.kind.to_string(),
        };
        kinds
            .entry(kind.clone())
            .and_modify(|u| u.count += 1)
            .or_insert(Unanalysed {
                kind,
                count: 1,
                first: object.anchor,
            });
    }
    kinds.into_values().collect()
}
