//! The rule engine: rules are YAML data, compiled once at start and evaluated
//! over the objects in parallel.

mod condition;
mod path;
mod pattern;
mod quantity;
mod rule;
pub(crate) mod schema;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use rayon::iter::Either;
use rayon::prelude::*;

pub use rule::{PEER_TOOLS, Rule};

use crate::finding::{Finding, Related, RuleMeta, Severity, Skipped};
use crate::formats::yaml;
use crate::model::{Diagnostic, Format, FormatVocabulary, Node, Object, Problem, Step};
use crate::relate::Relations;
use crate::source::{Role, SourceId, Sources, Span};

/// A rule file to load: where it came from and its text.
pub struct RuleFile {
    pub path: PathBuf,
    pub text: String,
    /// Shipped in the binary: `path` is the rule's file in this repository.
    pub embedded: bool,
}

/// Rule files that did not compile, each error pointing into its file.
#[derive(Debug)]
pub struct LoadError {
    pub sources: Sources,
    pub diagnostics: Vec<Diagnostic>,
}

/// What evaluating the rules found.
pub struct Evaluation {
    pub findings: Vec<Finding>,
    /// Checks that unknown values left undecided.
    pub skipped: Vec<Skipped>,
    /// For each rule, how many foci of reported objects it examined: a
    /// rule that examined nothing had nothing to say, which is not a pass.
    pub examined: BTreeMap<String, usize>,
}

impl LoadError {
    /// The errors as findings, for the reports to show, under the id and
    /// name of what was being read (`rule-file`, `config-file`).
    pub fn findings(&self, id: &str, name: &str) -> Vec<Finding> {
        let meta = Arc::new(RuleMeta {
            id: id.into(),
            name: name.into(),
            title: "Rule and configuration files are valid".into(),
            severity: Severity::Error,
            tags: Vec::new(),
            format: None,
            checklist: Vec::new(),
            equivalents: BTreeMap::new(),
            help:
                "See \"Writing a rule\" and \"Configuration\" in the README for the file formats."
                    .into(),
            example: None,
            fix: None,
            file: None,
        });
        self.diagnostics
            .iter()
            .map(|d| Finding {
                rule: meta.clone(),
                severity: Severity::Error,
                span: d.span,
                message: d.message.clone(),
                related: d
                    .related
                    .iter()
                    .map(|(span, message)| Related {
                        span: *span,
                        message: message.clone(),
                    })
                    .collect(),
                object: None,
                object_index: None,
                template: None,
                fingerprint: String::new(),
                suppression: None,
                on_value: false,
            })
            .collect()
    }
}

pub struct Engine {
    rules: Vec<Rule>,
    /// Which of `rules` may apply to an object, by its format and kind.
    index: RuleIndex,
    /// Rules off by default that no selector named: listed, not run.
    dormant: Vec<Rule>,
    problems: BTreeMap<Problem, Arc<RuleMeta>>,
    /// Every rule loaded, whether selected or not: a suppression naming a
    /// rule that is switched off is not naming an unknown rule.
    known: Vec<Arc<RuleMeta>>,
}

/// What one thread's share of the evaluation found: each violation with its
/// rule and object, and how many places each rule (by its place in the
/// engine's list) examined.
struct Tally<'r> {
    violations: Vec<(&'r Rule, u32, rule::Violation)>,
    examined: Vec<usize>,
}

impl<'r> Tally<'r> {
    fn new(rules: usize) -> Self {
        Tally {
            violations: Vec::new(),
            examined: vec![0; rules],
        }
    }

    /// `later` after `self`: violations stay in the objects' order.
    fn merge(mut self, later: Tally<'r>) -> Self {
        self.violations.extend(later.violations);
        for (count, more) in self.examined.iter_mut().zip(later.examined) {
            *count += more;
        }
        self
    }
}

impl Engine {
    /// Compiles rule files; every error in every file is reported.
    pub fn load(
        files: Vec<RuleFile>,
        formats: &[FormatVocabulary],
        checklist_keys: &HashSet<String>,
    ) -> Result<Engine, Box<LoadError>> {
        let sources = Sources::default();
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
        let files: Vec<_> = files
            .into_iter()
            .map(|file| {
                let repository_path = file
                    .embedded
                    .then(|| crate::source::display_path(&file.path));
                (sources.push(file.path, file.text), repository_path)
            })
            .collect();
        // Compiling the rules (their regexes most of all) is most of a small
        // run's start-up: on every core, then judged in file order.
        let compiled: Vec<_> = files
            .into_par_iter()
            .map(|(id, repository_path)| {
                // The embedded rules' patterns are compiled when first used
                // (a test compiles them all); other rules' at once.
                let eager_patterns = repository_path.is_none();
                let mut compiled =
                    compile_file(&sources, id, formats, checklist_keys, eager_patterns);
                if let Some((rule, _)) = &mut compiled.rule {
                    Arc::make_mut(&mut rule.meta).file = repository_path;
                }
                compiled
            })
            .collect();
        for compiled in compiled {
            diagnostics.extend(compiled.diagnostics);
            let Some((rule, spans)) = compiled.rule else {
                continue;
            };
            let mut duplicate = false;
            for ((key, node), span) in [("id", &rule.meta.id), ("name", &rule.meta.name)]
                .into_iter()
                .zip(spans)
            {
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
        if !diagnostics.is_empty() {
            return Err(Box::new(LoadError {
                sources,
                diagnostics,
            }));
        }
        rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        let known = problems
            .values()
            .cloned()
            .chain(rules.iter().map(|r| r.meta.clone()))
            .collect();
        Ok(Engine {
            index: RuleIndex::new(&rules),
            rules,
            dormant: Vec::new(),
            problems,
            known,
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

    /// The rules that run: the built-in checks and the selected rules,
    /// without those that are off by default and were not named.
    pub fn running(&self) -> Vec<Arc<RuleMeta>> {
        self.problems
            .values()
            .cloned()
            .chain(self.rules.iter().map(|r| r.meta.clone()))
            .collect()
    }

    /// Every rule loaded, selected or not.
    pub fn known(&self) -> &[Arc<RuleMeta>] {
        &self.known
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
        let (dormant, rules): (Vec<Rule>, Vec<Rule>) = std::mem::take(&mut self.rules)
            .into_iter()
            .filter(|r| keep(&r.meta))
            .partition(|r| r.default_off && !named(&r.meta));
        self.index = RuleIndex::new(&rules);
        self.rules = rules;
        self.dormant = dormant;
        self.problems.retain(|_, m| keep(m));
        unmatched
    }

    /// Changes the severity of the rules each key names (id, name, tag or
    /// peer id). Returns the keys that named nothing.
    pub fn set_severity(&mut self, overrides: &BTreeMap<String, Severity>) -> Vec<String> {
        let known = &self.known;
        let unmatched = overrides
            .keys()
            .filter(|s| !known.iter().any(|m| matches_selector(m, s)))
            .cloned()
            .collect();
        let apply = |meta: &mut Arc<RuleMeta>| {
            let chosen = overrides
                .iter()
                .filter(|(selector, _)| matches_selector(meta, selector))
                .map(|(_, severity)| *severity)
                .next_back();
            if let Some(severity) = chosen {
                Arc::make_mut(meta).severity = severity;
            }
        };
        self.rules
            .iter_mut()
            .chain(&mut self.dormant)
            .for_each(|r| apply(&mut r.meta));
        self.problems.values_mut().for_each(apply);
        unmatched
    }

    /// Whether some rule looks at the object.
    /// Rules for every kind (removed API versions) do not count: they say
    /// nothing about what a custom resource is for.
    pub fn analyses(&self, object: &Object) -> bool {
        self.applicable(object).any(|(_, rule)| rule.names_kinds())
    }

    /// The rules that apply to the object, in order, with their places in
    /// `rules`.
    fn applicable<'e>(&'e self, object: &Object) -> impl Iterator<Item = (usize, &'e Rule)> {
        self.index
            .candidates(object)
            .into_iter()
            .map(|i| (i as usize, &self.rules[i as usize]))
            .filter(|(_, rule)| rule.applies_to(object))
    }

    pub fn is_enabled(&self, problem: Problem) -> bool {
        self.problems.contains_key(&problem)
    }

    pub fn find(&self, selector: &str) -> Option<Arc<RuleMeta>> {
        self.metas()
            .into_iter()
            .find(|m| m.id.eq_ignore_ascii_case(selector) || m.name == selector)
    }

    /// Checks, in parallel, the objects for which `checked` holds (by index)
    /// with the rules that apply to them.
    pub fn evaluate(
        &self,
        relations: &Relations,
        objects: &[Object],
        checked: &[bool],
        sources: &Sources,
    ) -> Evaluation {
        let reported = |id: SourceId| sources.get(id).role == Role::Reported;
        // Only violations are kept, not a record per object and rule (there
        // are tens of millions in a monorepo); each thread counts what the
        // rules examined in a tally of its own.
        let tally = (0..objects.len() as u32)
            .into_par_iter()
            .filter(|&index| checked[index as usize])
            .fold(
                || Tally::new(self.rules.len()),
                |mut tally, index| {
                    let object = &objects[index as usize];
                    let counted = reported(object.span().source);
                    for (at, rule) in self.applicable(object) {
                        let (violations, examined) = rule.check(relations, index, sources);
                        if counted {
                            tally.examined[at] += examined;
                        }
                        tally
                            .violations
                            .extend(violations.into_iter().map(|v| (rule, index, v)));
                    }
                    tally
                },
            )
            .reduce(|| Tally::new(self.rules.len()), Tally::merge);
        let examined: BTreeMap<String, usize> = self
            .rules
            .iter()
            .zip(&tally.examined)
            .filter(|(_, count)| **count > 0)
            .map(|(rule, count)| (rule.meta.id.clone(), *count))
            .collect();
        let (findings, skipped) =
            tally
                .violations
                .into_par_iter()
                .partition_map(|(rule, index, v)| {
                    let object = &objects[index as usize];
                    let identity = object.identity();
                    if v.unknown {
                        return Either::Right(Skipped {
                            rule: rule.meta.clone(),
                            span: v.span,
                            object: identity,
                        });
                    }
                    let fingerprint = fingerprint(&[
                        &rule.meta.id,
                        &sources.get(v.span.source).display_path(),
                        &identity,
                        &logical_path(&object.body, v.span),
                        sources.slice(v.span),
                    ]);
                    Either::Left(Finding {
                        rule: rule.meta.clone(),
                        severity: rule.meta.severity,
                        span: v.span,
                        related: related(relations, object, &v),
                        message: v.message,
                        object: Some(identity),
                        object_index: Some(index),
                        template: object.template.as_deref().map(String::from),
                        fingerprint,
                        suppression: None,
                        on_value: v.on_value,
                    })
                });
        Evaluation {
            findings,
            skipped,
            examined,
        }
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
            object_index: None,
            suppression: None,
            on_value: false,
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

/// One rule file compiled: its rule with the spans of its `id` and `name`
/// (where a duplicate is reported), or what is wrong with it.
struct CompiledFile {
    rule: Option<(Rule, [Span; 2])>,
    diagnostics: Vec<Diagnostic>,
}

fn compile_file(
    sources: &Sources,
    id: SourceId,
    formats: &[FormatVocabulary],
    checklist_keys: &HashSet<String>,
    eager_patterns: bool,
) -> CompiledFile {
    let source = sources.get(id);
    let parsed = yaml::parse(source);
    let mut diagnostics = parsed.diagnostics;
    let mut documents = parsed.documents.into_iter();
    let Some(document) = documents.next() else {
        if source.text.trim().is_empty() || diagnostics.is_empty() {
            diagnostics.push(Diagnostic::new(
                Problem::ParseError,
                Span::point(id, 0),
                "a rule file holds one rule",
            ));
        }
        return CompiledFile {
            rule: None,
            diagnostics,
        };
    };
    if let Some(extra) = documents.next() {
        diagnostics.push(Diagnostic::new(
            Problem::ParseError,
            extra.root.span,
            "a rule file holds one rule; put this one in a file of its own",
        ));
    }
    let root = &document.root;
    let rule = match Rule::compile(root, formats, checklist_keys, eager_patterns) {
        Ok(rule) => {
            let span = |key| root.get(key).map_or(root.span, |n| n.span);
            Some((rule, [span("id"), span("name")]))
        }
        Err(error) => {
            diagnostics.push(Diagnostic::new(
                Problem::ParseError,
                error.span,
                error.message,
            ));
            None
        }
    };
    CompiledFile { rule, diagnostics }
}

/// The rules that may apply to an object, found by its format, kind and
/// classes instead of asking every rule: most rules name a kind or two.
#[derive(Default)]
struct RuleIndex {
    /// How many rules there are.
    rules: usize,
    /// Rules for every object of a format.
    any: HashMap<Format, Vec<u32>>,
    /// Rules by format and the kind or class they name.
    named: HashMap<Format, HashMap<Box<str>, Vec<u32>>>,
}

impl RuleIndex {
    fn new(rules: &[Rule]) -> Self {
        let mut index = RuleIndex {
            rules: rules.len(),
            ..RuleIndex::default()
        };
        for (i, rule) in rules.iter().enumerate() {
            let (kinds, classes) = rule.targets();
            if kinds.is_empty() && classes.is_empty() {
                index.any.entry(rule.format).or_default().push(i as u32);
            }
            let named = index.named.entry(rule.format).or_default();
            for name in kinds.iter().chain(classes) {
                let rules = named.entry(name.clone()).or_default();
                // A rule naming a kind and a class of it is listed once.
                if rules.last() != Some(&(i as u32)) {
                    rules.push(i as u32);
                }
            }
        }
        index
    }

    /// Indexes of the rules that may apply to the object, ascending.
    fn candidates(&self, object: &Object) -> Vec<u32> {
        let named = self.named.get(&object.format);
        let by_name = std::iter::once(&*object.kind)
            .chain(object.classes.iter().copied())
            .filter_map(|name| named?.get(name));
        let lists = self.any.get(&object.format).into_iter().chain(by_name);
        // The lists as bits of a set: ascending and once each, without the
        // sort a few hundred indexes per object would cost.
        let mut bits = vec![0u64; self.rules.div_ceil(64)];
        let mut count = 0;
        for list in lists {
            count += list.len();
            for &i in list {
                bits[i as usize / 64] |= 1 << (i % 64);
            }
        }
        let mut found = Vec::with_capacity(count);
        for (word_index, mut word) in bits.into_iter().enumerate() {
            while word != 0 {
                found.push(word_index as u32 * 64 + word.trailing_zeros());
                word &= word - 1;
            }
        }
        found
    }
}

/// The related locations of a violation: where its value came from, the
/// other object it involves, and how its object was reached.
fn related(relations: &Relations, object: &Object, violation: &rule::Violation) -> Vec<Related> {
    let origins = object
        .origins
        .iter()
        .filter(|(at, _)| *at == violation.span)
        .map(|(_, origin)| origin);
    let other = violation.related.map(|(index, span)| Related {
        span,
        message: format!("{} is here", relations.object(index).identity()),
    });
    origins
        .chain(&object.trail)
        .map(|p| Related {
            span: p.span,
            message: p.message.to_string(),
        })
        .chain(other)
        .collect()
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
        // What the input says about airworthy itself, or the input as such.
        let tag = if name.ends_with("suppression") {
            "suppression"
        } else {
            "input"
        };
        Arc::new(RuleMeta {
            id: id.into(),
            name: name.into(),
            title: title.into(),
            severity,
            tags: vec![tag.into()],
            format: None,
            checklist: Vec::new(),
            equivalents: BTreeMap::new(),
            help: help.into(),
            example: None,
            fix: None,
            file: None,
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
        (
            Problem::ModuleNotEvaluated,
            meta(
                "AW004",
                "module-not-evaluated",
                "Terraform modules are evaluated",
                Severity::Note,
                "airworthy evaluates local modules (`source = \"./modules/x\"`) with the inputs their callers pass, but does not fetch registry or git modules: the resources of this module were not checked, and its outputs are unknown where they are used. Check the module's own repository with airworthy.",
            ),
        ),
        (
            Problem::UnusedSuppression,
            meta(
                "AW005",
                "unused-suppression",
                "A suppression matches a finding",
                Severity::Warning,
                "Remove the suppression: what it accepted is fixed, or it names the wrong rule or line. Left in place it would silence a new finding nobody has looked at.",
            ),
        ),
        (
            Problem::InvalidSuppression,
            meta(
                "AW006",
                "invalid-suppression",
                "A suppression names real rules, a date and its reason",
                Severity::Warning,
                "Write `# airworthy:ignore ID[,ID…] [until=YYYY-MM-DD] -- reason`, with ids, names or peer ids from `airworthy rules`. The reason is what a reviewer reads to accept the finding.",
            ),
        ),
        (
            Problem::ExpiredSuppression,
            meta(
                "AW007",
                "expired-suppression",
                "A suppression is within its `until` date",
                Severity::Warning,
                "The date by which this was to be fixed has passed, so the finding is reported again. Fix it, or renew the suppression with a new date and reason.",
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
    for step in body.path_to(span) {
        match step {
            Step::Key(key) => {
                path.push('.');
                path.push_str(key);
            }
            Step::Item(_, Some(name)) => path.push_str(&format!("[{name}]")),
            Step::Item(index, None) => path.push_str(&format!("[{index}]")),
        }
    }
    path
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
            embedded: false,
        };
        Engine::load(
            vec![rule("T101", ""), rule("T102", "default: off\n")],
            crate::formats::VOCABULARIES,
            &crate::checklist_keys(),
        )
        .unwrap()
    }

    #[test]
    fn every_embedded_pattern_compiles() {
        // They are compiled when first used, where a failure could not be
        // reported: so all of them are compiled here, as `--rules` are.
        let files = crate::EMBEDDED_RULES
            .iter()
            .map(|(path, text)| RuleFile {
                path: PathBuf::from(path),
                text: text.to_string(),
                embedded: false,
            })
            .collect();
        let loaded = Engine::load(
            files,
            crate::formats::VOCABULARIES,
            &crate::checklist_keys(),
        );
        assert!(loaded.is_ok(), "{:?}", loaded.err().map(|e| e.diagnostics));
    }

    #[test]
    fn a_pattern_too_large_to_compile_is_rejected_at_load() {
        let file = RuleFile {
            path: PathBuf::from("T101.yaml"),
            text: "id: T101\nname: huge\ntitle: t\nseverity: note\ntags: [t]\nchecklist: [R-kubernetes-cluster-6]\nhelp: h\napplies-to: {format: kubernetes}\nrequire: {path: kind, matches: '\\w{1000}{1000}'}\nmessage: m\n".into(),
            embedded: false,
        };
        let Err(error) = Engine::load(
            vec![file],
            crate::formats::VOCABULARIES,
            &crate::checklist_keys(),
        ) else {
            panic!("a pattern of a billion word characters was accepted");
        };
        assert!(
            error.diagnostics[0].message.contains("invalid regex"),
            "{:?}",
            error.diagnostics
        );
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
