//! What the fuzz targets share. One input may hold several files (an nginx
//! configuration and what it includes, a Terraform module and the modules it
//! calls); they are written to a scratch directory and read back by the
//! library's own file loader, as a run over a repository reads them.

use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, OnceLock};

use airworthy::discover::{self, DEFAULT_MAX_FILE_SIZE, FileLoader};
use airworthy::engine::Engine;
use airworthy::finding::{Finding, RuleMeta};
use airworthy::model::{Diagnostic, Format, Node, Object, Value};
use airworthy::report::{self, OutputFormat, Report};
use airworthy::source::{Role, Sources, Span};
use airworthy::{RuleOptions, formats};

/// The embedded rules, compiled once per fuzzing process.
pub fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let (engine, _) = airworthy::load_rules(&RuleOptions::default()).expect("rules compile");
        engine
    })
}

/// Splits an input into files. A line `==> name <==` (as `head` shows
/// several files) starts the file `name`; what comes before the first such
/// line is the file `first`. Names are kept below the scratch directory:
/// only their plain components count.
pub fn files<'d>(data: &'d [u8], first: &str) -> Vec<(PathBuf, &'d [u8])> {
    let mut files = Vec::new();
    let mut name = PathBuf::from(first);
    let mut start = 0;
    let mut at = 0;
    while at < data.len() {
        let end = data[at..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(data.len(), |n| at + n + 1);
        let line = &data[at..end];
        let header = line
            .strip_prefix(b"==> ")
            .and_then(|rest| rest.trim_ascii_end().strip_suffix(b" <=="));
        if let Some(header) = header {
            files.push((name, &data[start..at]));
            name = plain(&String::from_utf8_lossy(header));
            start = end;
        }
        at = end;
    }
    files.push((name, &data[start..]));
    files.retain(|(name, _)| !name.as_os_str().is_empty());
    files
}

fn plain(name: &str) -> PathBuf {
    Path::new(name)
        .components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect()
}

/// A directory of its own for one fuzzing process, in memory where the
/// machine has a tmpfs.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Default for Scratch {
    fn default() -> Self {
        let shm = Path::new("/dev/shm");
        let dir = if shm.is_dir() {
            tempfile::tempdir_in(shm)
        } else {
            tempfile::tempdir()
        };
        Scratch {
            dir: dir.expect("a scratch directory"),
        }
    }
}

impl Scratch {
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Replaces the directory's content with `files`; returns the paths
    /// written. A file that cannot be written (its name is taken by a
    /// directory) is left out.
    pub fn write(&self, files: &[(PathBuf, &[u8])]) -> Vec<PathBuf> {
        let root = self.root();
        // Gone is as good as emptied: something may clean the tmpfs.
        match std::fs::remove_dir_all(root) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                panic!("cannot empty the scratch directory: {e}")
            }
            _ => {}
        }
        std::fs::create_dir_all(root).expect("the scratch directory is ours");
        let mut written = Vec::new();
        for (name, content) in files {
            let path = root.join(name);
            let parent = path.parent().unwrap_or(root);
            if std::fs::create_dir_all(parent).is_ok() && std::fs::write(&path, content).is_ok() {
                written.push(path);
            }
        }
        written.sort();
        written.dedup();
        written
    }
}

/// Reads `paths` as a run's reported sources and turns those a format
/// claims into objects, following includes and module calls through the
/// library's file loader.
pub fn load(paths: &[PathBuf]) -> (Sources, Vec<Object>, Vec<Diagnostic>) {
    let sources = Sources::default();
    let options = formats::Options::default();
    let mut by_format: Vec<(Format, Vec<_>)> = Format::ALL.iter().map(|&f| (f, vec![])).collect();
    for path in paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if let Some(format) = formats::detect(path, &text, &options) {
            let id = sources.push_with_role(discover::normalize(path), text, Role::Reported);
            let files = by_format.iter_mut().find(|(f, _)| *f == format);
            files.expect("every format is listed").1.push(id);
        }
    }
    let mut objects = Vec::new();
    let mut diagnostics = Vec::new();
    {
        let loader = FileLoader::new(&sources, DEFAULT_MAX_FILE_SIZE);
        for (format, files) in &by_format {
            let loaded = formats::load(*format, files, &loader, &options);
            objects.extend(loaded.objects);
            diagnostics.extend(loaded.diagnostics);
        }
    }
    (sources, objects, diagnostics)
}

/// A report of `findings` by `rules` (every rule a finding names).
pub fn report<'a>(
    sources: &'a Sources,
    findings: &'a [Finding],
    rules: &'a [Arc<RuleMeta>],
) -> Report<'a> {
    Report {
        sources,
        findings,
        rules,
        objects: 0,
        show_suppressed: true,
        skipped: &[],
        exit_code: 1,
        category: "fuzz",
        link_base: Some("https://example.invalid/blob/HEAD"),
        readiness: None,
    }
}

/// What every renderer relies on, checked on all an adapter made: each span
/// lies in its source, ends after it starts, and cuts the text only between
/// characters. The parser targets check this instead of rendering: rendering
/// every diagnostic in six formats was over 85 % of their time, and the
/// renderers are fuzzed with real findings by the `pipeline` and `suppress`
/// targets.
pub fn check_spans(sources: &Sources, objects: &[Object], diagnostics: &[Diagnostic]) {
    let check = |span: Span| check_span(sources, span);
    for diagnostic in diagnostics {
        check(diagnostic.span);
        diagnostic.related.iter().for_each(|(span, _)| check(*span));
    }
    for object in objects {
        check(object.anchor);
        object.links.iter().for_each(|link| check(link.span));
        for (span, provenance) in &object.origins {
            check(*span);
            check(provenance.span);
        }
        object
            .trail
            .iter()
            .for_each(|provenance| check(provenance.span));
        for ignore in &object.ignores {
            check(ignore.span);
            ignore.rules.iter().for_each(|(_, span)| check(*span));
        }
        // A stack, not recursion: nesting is as deep as the input.
        let mut nodes: Vec<&Node> = vec![&object.body];
        while let Some(node) = nodes.pop() {
            check(node.span);
            match &node.value {
                Value::List(items) => nodes.extend(items),
                Value::Map(map) => {
                    for entry in &map.entries {
                        check(entry.key_span);
                        nodes.push(&entry.value);
                    }
                }
                _ => {}
            }
        }
    }
}

/// One span: in its source, ending after it starts, between characters.
pub fn check_span(sources: &Sources, span: Span) {
    assert!(
        (span.source.0 as usize) < sources.len(),
        "{span:?}: no such source"
    );
    let text = &sources.get(span.source).text;
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(
        start <= end && end <= text.len(),
        "{span:?}: outside its source of {} bytes",
        text.len()
    );
    assert!(
        text.is_char_boundary(start) && text.is_char_boundary(end),
        "{span:?}: inside a character"
    );
}

/// The spans of a run's findings and their related locations.
pub fn check_finding_spans(sources: &Sources, findings: &[Finding]) {
    for finding in findings {
        check_span(sources, finding.span);
        finding
            .related
            .iter()
            .for_each(|r| check_span(sources, r.span));
    }
}

/// The rules the findings name: describing all of the embedded ones in
/// every SARIF log made each input cost milliseconds.
pub fn named_rules(findings: &[Finding]) -> Vec<Arc<RuleMeta>> {
    let mut rules: Vec<Arc<RuleMeta>> = findings.iter().map(|f| f.rule.clone()).collect();
    rules.sort_by(|a, b| a.id.cmp(&b.id));
    rules.dedup_by(|a, b| a.id == b.id);
    rules
}

/// Renders `report` in every format but the checklist, which needs a run.
pub fn render(report: &Report) {
    for format in [
        OutputFormat::Text,
        OutputFormat::Compact,
        OutputFormat::Json,
        OutputFormat::Sarif,
        OutputFormat::Github,
        OutputFormat::Markdown,
    ] {
        report::render(format, report, &mut Vec::new(), true).expect("renders into memory");
    }
}
