//! Helm charts in the pipeline: chart directories rendered once per values
//! file, each finding in Helm output given the line of its chart template,
//! and what every rendering of a chart shares reported once.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::Error;
use crate::discover::{Content, FileLoader, Input};
use crate::finding::{Finding, Related};
use crate::formats::{Loader, helm};
use crate::model::{Format, Object, Step};
use crate::source::{self, SourceId, Sources, Span};

/// A chart rendered with one set of values, as one source of the run.
pub struct Render {
    pub chart: PathBuf,
    pub path: PathBuf,
}

/// Renders each chart once per values file (once with its own values when
/// none is given); each rendering is a source of its own, named after the
/// chart and the values: `charts/gateway[values/prod.yaml]`.
pub fn render(charts: &[PathBuf], values: &[PathBuf]) -> Result<(Vec<Render>, Vec<Input>), Error> {
    let sets: Vec<Option<&Path>> = if values.is_empty() {
        vec![None]
    } else {
        values.iter().map(|v| Some(v.as_path())).collect()
    };
    let mut renders = Vec::new();
    let mut inputs = Vec::new();
    for chart in charts {
        for set in &sets {
            let text = helm::render(chart, *set).map_err(Error::Usage)?;
            let shown = set.map_or("values.yaml".into(), source::display_path);
            let path = PathBuf::from(format!("{}[{shown}]", source::display_path(chart)));
            renders.push(Render {
                chart: chart.clone(),
                path: path.clone(),
            });
            inputs.push(Input {
                path,
                content: Content::Text {
                    format: Format::Kubernetes,
                    text,
                },
            });
        }
    }
    Ok((renders, inputs))
}

/// The object a finding is in, if it is about one.
fn object_of<'a>(objects: &[&'a Object], span: Span) -> Option<&'a Object> {
    objects.iter().copied().find(|o| {
        let at = o.span();
        at.source == span.source && at.start <= span.start && span.end <= at.end
    })
}

/// The map keys from an object's root to a finding's span.
fn key_path(object: &Object, span: Span) -> Vec<&str> {
    object
        .body
        .path_to(span)
        .into_iter()
        .filter_map(|step| match step {
            Step::Key(key) => Some(key),
            Step::Item(..) => None,
        })
        .collect()
}

/// For each finding in Helm output, the line of its chart template that
/// holds the same key path, when the template is on disk.
pub fn template_lines<'a>(
    findings: &[Finding],
    objects: &[&Object],
    loader: &FileLoader,
    chart_of: impl Fn(SourceId) -> Option<&'a Path> + Sync,
) -> Vec<Option<Related>> {
    let sources = loader.sources();
    let mut by_source: HashMap<SourceId, Vec<&Object>> = HashMap::new();
    for object in objects.iter().filter(|o| o.template.is_some()) {
        by_source
            .entry(object.span().source)
            .or_default()
            .push(object);
    }
    findings
        .par_iter()
        .map(|finding| {
            let template = finding.template.as_deref()?;
            let object = object_of(by_source.get(&finding.span.source)?, finding.span)?;
            let keys = key_path(object, finding.span);
            let rendered = &sources.get(finding.span.source).path;
            let candidates = helm::template_candidates(template, rendered, chart_of(finding.span.source));
            let id = candidates
                .iter()
                .filter(|path| path.is_file())
                .find_map(|path| loader.load(path).ok())?;
            let source = sources.get(id);
            let (line, exact) = helm::key_line(&source.text, &keys)?;
            let range = source.line_range(line);
            let indent = source.text[range.clone()].len() - source.text[range.clone()].trim_start().len();
            Some(Related {
                span: Span::new(id, range.start + indent, range.end),
                message: if exact {
                    "rendered from this line of the chart template".into()
                } else {
                    "probably rendered from this line of the chart template (a best guess: the template does not write this key path once)".into()
                },
            })
        })
        .collect()
}

/// With several values files, a finding that every rendering of a chart
/// shares is reported once; one that only some share says which.
pub fn merge_value_sets(
    findings: Vec<Finding>,
    renders: &[Render],
    objects: &[&Object],
    sources: &Sources,
) -> Vec<Finding> {
    let render_of = |f: &Finding| {
        let path = &sources.get(f.span.source).path;
        renders.iter().position(|r| &r.path == path)
    };
    let sets = |chart: &Path| renders.iter().filter(|r| r.chart == chart).count();
    // Findings that are the same in each rendering: by chart, rule, object
    // and where in the object.
    let identity = |f: &Finding, render: usize| {
        let path = object_of(objects, f.span).map(|o| key_path(o, f.span).join("."));
        (
            renders[render].chart.clone(),
            f.rule.id.clone(),
            f.object.clone(),
            path,
        )
    };
    let mut seen: BTreeMap<_, Vec<usize>> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if let Some(render) = render_of(finding) {
            seen.entry(identity(finding, render))
                .or_default()
                .push(index);
        }
    }
    let mut keep = vec![true; findings.len()];
    let mut only_with: HashMap<usize, String> = HashMap::new();
    for ((chart, ..), indexes) in &seen {
        let in_renders: HashSet<usize> = indexes
            .iter()
            .filter_map(|&i| render_of(&findings[i]))
            .collect();
        if sets(chart) < 2 {
            continue;
        }
        if in_renders.len() == sets(chart) {
            for &index in &indexes[1..] {
                keep[index] = false;
            }
        } else {
            for &index in indexes {
                let path = renders[render_of(&findings[index]).expect("a rendering")]
                    .path
                    .display()
                    .to_string();
                only_with.insert(index, path);
            }
        }
    }
    findings
        .into_iter()
        .enumerate()
        .filter(|(index, _)| keep[*index])
        .map(|(index, mut finding)| {
            if let Some(rendering) = only_with.get(&index) {
                finding.message.push_str(&format!(
                    " (only in {rendering}, not with every values file)"
                ));
            }
            finding
        })
        .collect()
}
