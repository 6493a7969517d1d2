//! The rule engine: rules are YAML data, compiled once at start and evaluated
//! over the objects in parallel.

mod condition;
mod path;
mod quantity;
mod rule;
mod schema;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::prelude::*;

pub use rule::{FormatVocabulary, PEER_TOOLS, Rule};

use crate::finding::{Finding, RuleMeta, Severity};
use crate::formats::yaml;
use crate::model::{Diagnostic, Entry, Node, Object, Problem, Value};
use crate::source::{Sources, Span};

/// A rule file to load: where it came from and its text.
pub struct RuleFile {
    pub path: PathBuf,
    pub text: String,
}

/// Rule files that did not compile, each error pointing into its file.
#[derive(Debug)]
pub struct LoadError {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

pub struct Engine {
    rules: Vec<Rule>,
    /// Rules off by default that no selector named: listed, not run.
    dormant: Vec<Rule>,
    problems: BTreeMap<Problem, Arc<RuleMeta>>,
}

impl Engine {
    /// Compiles rule files; every error in every file is reported.
    pub fn load(
        files: Vec<RuleFile>,
        formats: &[FormatVocabulary],
        checklist_keys: &HashSet<String>,
    ) -> Result<Engine, LoadError> {
        let mut sources = Sources::default();
        let mut diagnostics = Vec::new();
        let mut rules: Vec<Rule> = Vec::new();
        let problems = problem_rules();
        let mut seen: BTreeMap<String, Span> = problems
            .values()
            .flat_map(|m| {
                [
                    (m.id.clone(), Span::default()),
                    (m.name.clone(), Span::default()),
                ]
            })
            .collect();
        for file in files {
            let id = sources.push(file.path, file.text);
            let source = sources.get(id);
            let parsed = yaml::parse(source);
            diagnostics.extend(parsed.diagnostics);
            let mut documents = parsed.documents.into_iter();
            let Some(document) = documents.next() else {
                if source.text.trim().is_empty() || diagnostics.is_empty() {
                    diagnostics.push(Diagnostic::new(
                        Problem::ParseError,
                        Span::point(id, 0),
                        "a rule file holds one rule",
                    ));
                }
                continue;
            };
            if let Some(extra) = documents.next() {
                diagnostics.push(Diagnostic::new(
                    Problem::ParseError,
                    extra.root.span,
                    "a rule file holds one rule; put this one in a file of its own",
                ));
            }
            match Rule::compile(&document.root, formats, checklist_keys) {
                Ok(rule) => {
                    let mut duplicate = false;
                    for (key, node) in [("id", &rule.meta.id), ("name", &rule.meta.name)] {
                        let span = document
                            .root
                            .get(key)
                            .map_or(document.root.span, |n| n.span);
                        if let Some(first) = seen.insert(node.clone(), span) {
                            let mut d = Diagnostic::new(
                                Problem::ParseError,
                                span,
                                format!("rule {key} `{node}` is already taken"),
                            );
                            if first != Span::default() {
                                d.related.push((first, "first used here".into()));
                            }
                            diagnostics.push(d);
                            duplicate = true;
                        }
                    }
                    if !duplicate {
                        rules.push(rule);
                    }
                }
                Err(error) => diagnostics.push(Diagnostic::new(
                    Problem::ParseError,
                    error.span,
                    error.message,
                )),
            }
        }
        if !diagnostics.is_empty() {
            return Err(LoadError {
                sources,
                diagnostics,
            });
        }
        rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        Ok(Engine {
            rules,
            dormant: Vec::new(),
            problems,
        })
    }

    /// Every rule's metadata, the built-in input checks first.
    pub fn metas(&self) -> Vec<Arc<RuleMeta>> {
        let mut rules: Vec<_> = self.rules.iter().chain(&self.dormant).collect();
        rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        self.problems
            .values()
            .cloned()
            .chain(rules.into_iter().map(|r| r.meta.clone()))
            .collect()
    }

    pub fn problem_meta(&self, problem: Problem) -> &Arc<RuleMeta> {
        &self.problems[&problem]
    }

    /// Keeps the rules that a selector in `select` names (all but those off
    /// by default if it is empty) and none that `ignore` names. Selectors
    /// are ids, names, tags or peer tools' ids. Returns the selectors that
    /// named nothing.
    pub fn select(&mut self, select: &[String], ignore: &[String]) -> Vec<String> {
        let metas = self.metas();
        let unmatched = select
            .iter()
            .chain(ignore)
            .filter(|s| !metas.iter().any(|m| matches_selector(m, s)))
            .cloned()
            .collect();
        let keep = |meta: &RuleMeta| {
            (select.is_empty() || select.iter().any(|s| matches_selector(meta, s)))
                && !ignore.iter().any(|s| matches_selector(meta, s))
        };
        let named = |meta: &RuleMeta| select.iter().any(|s| matches_selector(meta, s));
        let (dormant, rules) = std::mem::take(&mut self.rules)
            .into_iter()
            .filter(|r| keep(&r.meta))
            .partition(|r| r.default_off && !named(&r.meta));
        self.rules = rules;
        self.dormant = dormant;
        self.problems.retain(|_, m| keep(m));
        unmatched
    }

    pub fn is_enabled(&self, problem: Problem) -> bool {
        self.problems.contains_key(&problem)
    }

    pub fn find(&self, selector: &str) -> Option<Arc<RuleMeta>> {
        self.metas()
            .into_iter()
            .find(|m| m.id.eq_ignore_ascii_case(selector) || m.name == selector)
    }

    /// Runs every rule over every object, in parallel.
    pub fn evaluate(&self, objects: &[Object], sources: &Sources) -> Vec<Finding> {
        objects
            .par_iter()
            .flat_map_iter(|object| {
                let source = sources.get(object.body.span.source);
                self.rules
                    .iter()
                    .filter(|rule| rule.applies_to(object))
                    .flat_map(move |rule| {
                        rule.check(object, source).into_iter().map(move |v| {
                            let identity = object.identity();
                            let fingerprint = fingerprint(&[
                                &rule.meta.id,
                                &source.display_path(),
                                &identity,
                                &logical_path(&object.body, v.span),
                                source.slice(v.span),
                            ]);
                            Finding {
                                rule: rule.meta.clone(),
                                severity: rule.meta.severity,
                                span: v.span,
                                message: v.message,
                                related: Vec::new(),
                                object: Some(identity),
                                template: object.template.as_deref().map(String::from),
                                fingerprint,
                            }
                        })
                    })
            })
            .collect()
    }

    /// Turns an input problem into a finding, if its check is enabled.
    pub fn diagnostic_finding(&self, diagnostic: Diagnostic, sources: &Sources) -> Option<Finding> {
        let meta = self.problems.get(&diagnostic.problem)?.clone();
        let source = sources.get(diagnostic.span.source);
        let fingerprint = fingerprint(&[
            &meta.id,
            &source.display_path(),
            &diagnostic.message,
            source.slice(diagnostic.span),
        ]);
        Some(Finding {
            severity: meta.severity,
            rule: meta,
            span: diagnostic.span,
            message: diagnostic.message,
            related: diagnostic
                .related
                .into_iter()
                .map(|(span, message)| crate::finding::Related { span, message })
                .collect(),
            object: None,
            template: None,
            fingerprint,
        })
    }
}

fn matches_selector(meta: &RuleMeta, selector: &str) -> bool {
    meta.id.eq_ignore_ascii_case(selector)
        || meta.name == selector
        || meta.tags.iter().any(|t| t == selector)
        || meta
            .equivalents
            .values()
            .flatten()
            .any(|id| id.eq_ignore_ascii_case(selector))
}

/// The built-in checks of the input itself.
fn problem_rules() -> BTreeMap<Problem, Arc<RuleMeta>> {
    let meta = |id: &str, name: &str, title: &str, severity, help: &str| {
        Arc::new(RuleMeta {
            id: id.into(),
            name: name.into(),
            title: title.into(),
            severity,
            tags: vec!["input".into()],
            checklist: Vec::new(),
            equivalents: BTreeMap::new(),
            help: help.into(),
            example: None,
        })
    };
    BTreeMap::from([
        (
            Problem::ParseError,
            meta(
                "AW001",
                "parse-error",
                "The file parses",
                Severity::Error,
                "Fix the syntax error: a file that does not parse cannot be deployed, and none of its objects were checked.",
            ),
        ),
        (
            Problem::DuplicateKey,
            meta(
                "AW002",
                "duplicate-key",
                "A mapping names each key once",
                Severity::Error,
                "Remove one of the two keys. Kubernetes keeps only the last value (or, with strict validation, rejects the object), so the first is silently lost.",
            ),
        ),
        (
            Problem::InputError,
            meta(
                "AW003",
                "input-error",
                "The file can be read and checked",
                Severity::Error,
                "airworthy could not read this file, or does not know its format; nothing in it was checked.",
            ),
        ),
    ])
}

/// A stable identity for a finding that does not depend on line numbers.
pub fn fingerprint(parts: &[&str]) -> String {
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update(&[0]);
    }
    format!("{:032x}", hasher.digest128())
}

/// The path of keys to the node at `span`, with list items named by their
/// `name` where they have one: `spec.template.spec.containers[api].image`.
fn logical_path(body: &Node, span: Span) -> String {
    let mut path = String::new();
    let mut node = body;
    loop {
        if node.span == span {
            break;
        }
        match &node.value {
            Value::Map(map) => {
                let hit = |e: &Entry| e.key_span == span || contains(e.value.span, span);
                let Some((_, entry)) = find(&map.entries, span, |e| e.value.span.end, hit) else {
                    break;
                };
                path.push('.');
                path.push_str(&entry.key);
                if entry.key_span == span {
                    break;
                }
                node = &entry.value;
            }
            Value::List(items) => {
                let hit = |i: &Node| contains(i.span, span);
                let Some((i, item)) = find(items, span, |i| i.span.end, hit) else {
                    break;
                };
                match item.get("name").and_then(Node::as_str) {
                    Some(name) => path.push_str(&format!("[{name}]")),
                    None => path.push_str(&format!("[{i}]")),
                }
                node = item;
            }
            _ => break,
        }
    }
    path
}

/// The item (and its index) that `hit` accepts. Items are in source order, so
/// the first one that ends at or after `span` is tried first: a finding in the
/// ten-thousandth container costs a binary search, not a scan. Aliases, whose
/// copies keep the spans they were written at, fall back to the scan.
fn find<T>(
    items: &[T],
    span: Span,
    end: impl Fn(&T) -> u32,
    hit: impl Fn(&T) -> bool,
) -> Option<(usize, &T)> {
    let guess = items.partition_point(|item| end(item) < span.end);
    match items.get(guess) {
        Some(item) if hit(item) => Some((guess, item)),
        _ => items.iter().enumerate().find(|(_, item)| hit(item)),
    }
}

fn contains(outer: Span, inner: Span) -> bool {
    outer.source == inner.source && outer.start <= inner.start && inner.end <= outer.end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        let rule = |id: &str, extra: &str| RuleFile {
            path: PathBuf::from(format!("{id}.yaml")),
            text: format!(
                "id: {id}\nname: rule-{}\ntitle: t\nseverity: note\ntags: [t]\nchecklist: [R-kubernetes-cluster-6]\nhelp: h\napplies-to: {{format: kubernetes}}\nrequire: {{path: kind, present: true}}\nmessage: m\n{extra}",
                id.to_lowercase()
            ),
        };
        Engine::load(
            vec![rule("T101", ""), rule("T102", "default: off\n")],
            &crate::vocabularies(),
            &crate::checklist_keys(),
        )
        .unwrap()
    }

    fn running(engine: &Engine) -> Vec<&str> {
        engine.rules.iter().map(|r| &*r.meta.id).collect()
    }

    #[test]
    fn logical_paths_name_list_items_and_keys() {
        use crate::source::{Source, SourceId};
        let text = "spec:\n  containers:\n  - {name: a, image: x}\n  - {name: b, image: y}\n  args: [p, q]\n";
        let source = Source::new(SourceId(0), "p.yaml".into(), text.into());
        let body = yaml::parse(&source).documents.remove(0).root;
        let containers = body.at(&["spec", "containers"]).unwrap().as_list().unwrap();
        let image = containers[1].get("image").unwrap();
        assert_eq!(logical_path(&body, image.span), ".spec.containers[b].image");
        let q = &body.at(&["spec", "args"]).unwrap().as_list().unwrap()[1];
        assert_eq!(logical_path(&body, q.span), ".spec.args[1]");
        let key = body.as_map().unwrap().entries[0].key_span;
        assert_eq!(logical_path(&body, key), ".spec");
    }

    #[test]
    fn a_rule_off_by_default_runs_only_when_a_selector_names_it() {
        let mut all = engine();
        all.select(&[], &[]);
        assert_eq!(running(&all), ["T101"]);
        assert!(all.find("T102").is_some(), "still listed");
        let mut named = engine();
        named.select(&["T102".into()], &[]);
        assert_eq!(running(&named), ["T102"]);
        let mut tagged = engine();
        tagged.select(&["t".into()], &["T101".into()]);
        assert_eq!(running(&tagged), ["T102"]);
    }
}
