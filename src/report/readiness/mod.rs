//! The readiness report: every item of both checklists with a status derived
//! from a run's findings and the rules' metadata (the items each rule gives
//! evidence for, which rules ran, what each examined). It knows no format:
//! the checklist map's classes name formats, and rules say which they check.

mod html;
mod json;
mod markdown;

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use crate::Run;
use crate::finding::{Finding, RuleMeta, Severity};
use crate::formats::yaml;
use crate::model::{Format, Node};
use crate::source::Sources;

/// The checklists, in the order the report shows them: name and Markdown.
const CHECKLISTS: &[(&str, &str)] = &[
    (
        "readiness",
        include_str!("../../../checklists/readiness-checklist.md"),
    ),
    (
        "deployment",
        include_str!("../../../checklists/deployment-checklist.md"),
    ),
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ReadinessFormat {
    /// the checklists with their boxes ticked, to paste into a release ticket
    Markdown,
    /// one self-contained page with charts and filters
    Html,
    /// a stable JSON document (schema/readiness.schema.json)
    Json,
}

pub fn render(
    format: ReadinessFormat,
    readiness: &Readiness,
    links: &Links,
    out: &mut dyn Write,
) -> io::Result<()> {
    match format {
        ReadinessFormat::Markdown => markdown::render(readiness, links, out),
        ReadinessFormat::Html => html::render(readiness, links, out),
        ReadinessFormat::Json => json::render(readiness, out),
    }
}

/// One item of a checklist, as the checklist map describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct MapItem {
    pub key: String,
    /// `readiness` or `deployment`.
    pub checklist: String,
    pub section: String,
    pub text: String,
    /// `K`, `KT`, … (checkable in those formats), `P[…]` (partially), `M` (manual).
    pub class: String,
    /// The 1-based line of the item in its checklist's Markdown.
    pub line: usize,
    /// The bold item this one is a sub-item of.
    pub parent: Option<String>,
}

impl MapItem {
    fn is_manual(&self) -> bool {
        self.class == "M"
    }

    fn is_partial(&self) -> bool {
        self.class.starts_with('P')
    }

    /// The formats the class names.
    fn formats(&self) -> impl Iterator<Item = Format> + '_ {
        self.class.chars().filter_map(|letter| match letter {
            'K' => Some(Format::Kubernetes),
            'T' => Some(Format::Terraform),
            'N' => Some(Format::Nginx),
            _ => None,
        })
    }
}

/// Every item of both checklists, in the map's order (each checklist's own),
/// read from the embedded map once per process.
pub fn checklist_map() -> &'static [MapItem] {
    static MAP: std::sync::LazyLock<Vec<MapItem>> = std::sync::LazyLock::new(read_checklist_map);
    &MAP
}

fn read_checklist_map() -> Vec<MapItem> {
    let sources = Sources::default();
    let id = sources.push(
        "checklists/checklist-map.yaml".into(),
        crate::CHECKLIST_MAP.into(),
    );
    let parsed = yaml::parse(sources.get(id));
    let Some(entries) = parsed.documents.first().and_then(|d| d.root.as_list()) else {
        return Vec::new();
    };
    entries
        .iter()
        .filter_map(|entry| {
            let text = |key| entry.get(key).and_then(Node::scalar_text);
            Some(MapItem {
                key: text("key")?,
                checklist: text("checklist")?,
                section: text("section")?,
                text: text("text")?,
                class: text("class")?,
                line: text("line")?.parse().ok()?,
                parent: text("parent"),
            })
        })
        .collect()
}

/// What the report says of an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// Every rule evidencing it that had something to examine found nothing,
    /// and the item is fully checkable in the formats of the input.
    Passed,
    /// A rule evidencing it has a finding that is not accepted.
    Failing,
    /// What the rules could check passed; the rest is for people.
    Partial,
    /// The rules evidencing it found nothing in the input to examine.
    NotApplicable,
    /// Checkable, but no rule (that is switched on) checks it.
    NotChecked,
    /// Not visible in configuration: for people.
    Manual,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Passed,
        Status::Failing,
        Status::Partial,
        Status::NotApplicable,
        Status::NotChecked,
        Status::Manual,
    ];

    /// The name in JSON and HTML.
    pub fn name(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failing => "failing",
            Status::Partial => "partially-checked",
            Status::NotApplicable => "not-applicable",
            Status::NotChecked => "not-checked",
            Status::Manual => "manual",
        }
    }

    /// The name in prose.
    pub fn label(self) -> &'static str {
        match self {
            Status::Partial => "partially checked",
            Status::NotApplicable => "not applicable",
            Status::NotChecked => "not checked",
            other => other.name(),
        }
    }
}

/// How many items have each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts([usize; 6]);

impl Counts {
    pub fn get(&self, status: Status) -> usize {
        self.0[status as usize]
    }

    fn add(&mut self, status: Status) {
        self.0[status as usize] += 1;
    }

    fn add_all(&mut self, other: &Counts) {
        for status in Status::ALL {
            self.0[status as usize] += other.get(status);
        }
    }

    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }

    /// The items the configuration could judge.
    pub fn judged(&self) -> usize {
        self.get(Status::Passed) + self.get(Status::Partial) + self.get(Status::Failing)
    }

    /// (passed + partially checked) ÷ (passed + partially checked + failing);
    /// `None` when no item could be judged.
    pub fn score(&self) -> Option<f64> {
        let judged = self.judged();
        (judged > 0).then(|| (judged - self.get(Status::Failing)) as f64 / judged as f64)
    }

    /// The score in whole percent, rounded down: 100 % only when nothing fails.
    pub fn percent(&self) -> Option<usize> {
        let judged = self.judged();
        (judged > 0).then(|| (judged - self.get(Status::Failing)) * 100 / judged)
    }
}

/// A finding as the report shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct Located {
    pub rule: String,
    pub name: String,
    pub severity: Severity,
    pub message: String,
    pub path: String,
    pub line: usize,
    pub column: usize,
    /// Why it is accepted, for a suppressed finding.
    pub accepted: Option<String>,
}

impl Located {
    fn new(finding: &Finding, sources: &Sources) -> Self {
        let source = sources.get(finding.span.source);
        let at = source.line_col(finding.span.start);
        Located {
            rule: finding.rule.id.clone(),
            name: finding.rule.name.clone(),
            severity: finding.severity,
            message: finding.message.clone(),
            path: source.display_path(),
            line: at.line,
            column: at.column,
            accepted: finding
                .suppression
                .as_ref()
                .map(|s| s.justification.clone()),
        }
    }
}

/// A rule that gives evidence for an item, and what it did in this run.
#[derive(Clone, Debug)]
pub struct Evidence {
    pub rule: Arc<RuleMeta>,
    /// Selected, and its findings shown at the run's minimum severity.
    pub enabled: bool,
    /// How many foci of reported objects it examined.
    pub examined: usize,
    /// How many of its checks unknown values left undecided.
    pub undecided: usize,
}

#[derive(Clone, Debug)]
pub struct Item {
    pub key: String,
    pub text: String,
    pub class: String,
    pub line: usize,
    pub status: Status,
    /// Why it is not simply passed or failing, for people; empty otherwise.
    pub reason: String,
    /// The findings of the rules evidencing it that are not accepted.
    pub findings: Vec<Located>,
    /// The findings a suppression or the baseline accepts.
    pub accepted: Vec<Located>,
    pub rules: Vec<Evidence>,
    /// Formats the item is about that the input has but no rule evidencing
    /// it checks (none exists yet, or those that do are switched off).
    pub unchecked: Vec<Format>,
    /// Sub-items, for a parent item (its status derives from theirs).
    pub children: Vec<Item>,
}

impl Item {
    /// The item and its sub-items, depth first.
    pub fn walk(&self) -> impl Iterator<Item = &Item> {
        std::iter::once(self).chain(&self.children)
    }

    /// The items that are counted: sub-items stand for their parent.
    fn counted(&self) -> impl Iterator<Item = &Item> {
        self.walk().filter(|item| item.children.is_empty())
    }
}

#[derive(Clone, Debug)]
pub struct Section {
    pub title: String,
    pub counts: Counts,
    pub items: Vec<Item>,
}

#[derive(Clone, Debug)]
pub struct Checklist {
    /// `readiness` or `deployment`.
    pub name: String,
    pub title: String,
    pub counts: Counts,
    pub sections: Vec<Section>,
    /// The checklist's own Markdown.
    markdown: &'static str,
}

/// Every checklist item's status for one run.
#[derive(Clone, Debug)]
pub struct Readiness {
    pub checklists: Vec<Checklist>,
    pub counts: Counts,
    /// Findings of the checks of the input itself (files that do not parse,
    /// suppressions that match nothing), which evidence no item.
    pub problems: Vec<Located>,
    pub files: usize,
    pub objects: usize,
    pub formats: Vec<Format>,
    /// Checks that unknown values left undecided.
    pub undecided: usize,
}

impl Readiness {
    pub fn new(run: &Run) -> Readiness {
        let facts = Facts::new(run);
        let map = checklist_map();
        let mut children: HashMap<&str, Vec<Item>> = HashMap::new();
        for entry in map {
            if let Some(parent) = &entry.parent {
                let item = facts.judge(entry);
                children.entry(parent.as_str()).or_default().push(item);
            }
        }
        let checklists: Vec<Checklist> = CHECKLISTS
            .iter()
            .map(|&(name, markdown)| {
                let mut sections: Vec<Section> = Vec::new();
                for entry in map
                    .iter()
                    .filter(|e| e.checklist == name && e.parent.is_none())
                {
                    let mut item = facts.judge(entry);
                    if let Some(sub_items) = children.remove(entry.key.as_str()) {
                        derive(&mut item, sub_items);
                    }
                    match sections.last_mut() {
                        Some(section) if section.title == entry.section => section.items.push(item),
                        _ => sections.push(Section {
                            title: entry.section.clone(),
                            counts: Counts::default(),
                            items: vec![item],
                        }),
                    }
                }
                let mut counts = Counts::default();
                for section in &mut sections {
                    for item in section.items.iter().flat_map(Item::counted) {
                        section.counts.add(item.status);
                    }
                    counts.add_all(&section.counts);
                }
                Checklist {
                    name: name.to_string(),
                    title: title(markdown).to_string(),
                    counts,
                    sections,
                    markdown,
                }
            })
            .collect();
        let mut counts = Counts::default();
        for checklist in &checklists {
            counts.add_all(&checklist.counts);
        }
        Readiness {
            checklists,
            counts,
            problems: run
                .findings
                .iter()
                .filter(|f| f.rule.checklist.is_empty() && f.suppression.is_none())
                .map(|f| Located::new(f, &run.sources))
                .collect(),
            files: run.sources.reported(),
            objects: run.objects,
            formats: run.formats.iter().copied().collect(),
            undecided: run.skipped.len(),
        }
    }
}

impl Readiness {
    /// The item with this key, sub-items included.
    pub fn item(&self, key: &str) -> Option<&Item> {
        self.checklists
            .iter()
            .flat_map(|c| &c.sections)
            .flat_map(|s| &s.items)
            .flat_map(Item::walk)
            .find(|item| item.key == key)
    }

    /// What was read: `airworthy 0.1.0 read 3 files (6 objects: kubernetes).`
    fn input(&self) -> String {
        let mut text = format!(
            "airworthy {} read {} {} ({} {}",
            env!("CARGO_PKG_VERSION"),
            self.files,
            plural(self.files, "file", "files"),
            self.objects,
            plural(self.objects, "object", "objects"),
        );
        if !self.formats.is_empty() {
            let formats: Vec<&str> = self.formats.iter().map(|f| f.name()).collect();
            text.push_str(&format!(": {}", formats.join(", ")));
        }
        text.push_str(").");
        if self.undecided > 0 {
            let n = self.undecided;
            text.push_str(&format!(
                " {n} {} undecided on values nobody can know from the files \
                 (`airworthy check -v` lists them).",
                plural(n, "check was", "checks were")
            ));
        }
        text
    }
}

fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// The `# Title` of a checklist's Markdown.
fn title(markdown: &str) -> &str {
    markdown
        .lines()
        .find_map(|line| line.strip_prefix("# "))
        .unwrap_or_default()
        .trim()
}

/// What a run says about the rules, indexed by checklist key and rule id.
struct Facts<'r> {
    run: &'r Run,
    /// The rules selected whose findings are shown, by id.
    enabled: HashMap<&'r str, &'r Arc<RuleMeta>>,
    /// Every rule loaded, by the keys it evidences.
    rules: HashMap<&'r str, Vec<&'r Arc<RuleMeta>>>,
    findings: HashMap<&'r str, Vec<&'r Finding>>,
    undecided: HashMap<&'r str, usize>,
}

impl<'r> Facts<'r> {
    fn new(run: &'r Run) -> Self {
        let mut facts = Facts {
            run,
            enabled: run
                .rules
                .iter()
                .filter(|m| m.severity >= run.min_severity)
                .map(|m| (m.id.as_str(), m))
                .collect(),
            rules: HashMap::new(),
            findings: HashMap::new(),
            undecided: HashMap::new(),
        };
        for meta in &run.known {
            for key in &meta.checklist {
                facts.rules.entry(key).or_default().push(meta);
            }
        }
        for finding in &run.findings {
            for key in &finding.rule.checklist {
                facts.findings.entry(key).or_default().push(finding);
            }
        }
        for skipped in &run.skipped {
            *facts.undecided.entry(&skipped.rule.id).or_default() += 1;
        }
        facts
    }

    /// The item's status from its own rules' evidence.
    fn judge(&self, entry: &MapItem) -> Item {
        let rules: Vec<Evidence> = self
            .rules
            .get(entry.key.as_str())
            .into_iter()
            .flatten()
            .map(|&known| {
                let id = known.id.as_str();
                let enabled = self.enabled.get(id).copied();
                Evidence {
                    rule: enabled.unwrap_or(known).clone(),
                    enabled: enabled.is_some(),
                    examined: self.run.examined.get(id).copied().unwrap_or(0),
                    undecided: self.undecided.get(id).copied().unwrap_or(0),
                }
            })
            .collect();
        let (accepted, findings): (Vec<_>, Vec<_>) = self
            .findings
            .get(entry.key.as_str())
            .into_iter()
            .flatten()
            .map(|f| Located::new(f, &self.run.sources))
            .partition(|f| f.accepted.is_some());
        let on = || rules.iter().filter(|e| e.enabled);
        let unchecked: Vec<Format> = entry
            .formats()
            .filter(|f| self.run.formats.contains(f))
            .filter(|f| !on().any(|e| e.rule.format == Some(*f)))
            .collect();
        // What keeps the rules' verdict from covering the whole item.
        let mut gaps: Vec<String> = unchecked
            .iter()
            .filter(|f| !rules.iter().any(|e| e.rule.format == Some(**f)))
            .map(|f| format!("no rule for {} yet", f.name()))
            .collect();
        let off: Vec<&str> = rules
            .iter()
            .filter(|e| !e.enabled)
            .map(|e| e.rule.id.as_str())
            .collect();
        if !off.is_empty() {
            gaps.push(format!("{} switched off", off.join(", ")));
        }
        let undecided: usize = on().map(|e| e.undecided).sum();
        if undecided > 0 {
            let checks = if undecided == 1 { "check" } else { "checks" };
            gaps.push(format!("{undecided} {checks} undecided on unknown values"));
        }
        let (status, lead) = if !findings.is_empty() {
            (Status::Failing, None)
        } else if entry.is_manual() {
            (Status::Manual, None)
        } else if on().next().is_none() {
            if off.is_empty() {
                gaps = vec!["no rule yet".into()];
            }
            (Status::NotChecked, None)
        } else if on().all(|e| e.examined == 0) {
            match unchecked.is_empty() {
                true => (
                    Status::NotApplicable,
                    Some("nothing in the input it is about"),
                ),
                false => (Status::NotChecked, None),
            }
        } else if entry.is_partial() {
            (Status::Partial, Some("the rest is for people"))
        } else if gaps.is_empty() {
            (Status::Passed, None)
        } else {
            (Status::Partial, None)
        };
        let reason = match status {
            Status::Failing | Status::Manual | Status::Passed => String::new(),
            _ => lead
                .into_iter()
                .map(String::from)
                .chain(gaps)
                .collect::<Vec<_>>()
                .join("; "),
        };
        Item {
            key: entry.key.clone(),
            text: entry.text.clone(),
            class: entry.class.clone(),
            line: entry.line,
            status,
            reason,
            findings,
            accepted,
            rules,
            unchecked,
            children: Vec::new(),
        }
    }
}

/// A parent item's status derives from its sub-items', its own rules (when
/// any name it) counting as one more: ticked only when all of them are.
fn derive(parent: &mut Item, children: Vec<Item>) {
    let mut statuses: Vec<Status> = children.iter().map(|c| c.status).collect();
    if !parent.rules.is_empty() {
        statuses.push(parent.status);
    }
    let count = |status| statuses.iter().filter(|&&s| s == status).count();
    let of = children.len();
    let (status, reason) = if count(Status::Failing) > 0 {
        // Failing through its own findings only, it shows them.
        let failing = children.iter().filter(|c| c.status == Status::Failing);
        let reason = match failing.count() {
            0 => String::new(),
            n => format!("{n} of {of} sub-items failing"),
        };
        (Status::Failing, reason)
    } else if count(Status::Passed) == statuses.len() {
        (Status::Passed, String::new())
    } else if count(Status::Passed) + count(Status::Partial) > 0 {
        let passed = children.iter().filter(|c| c.status == Status::Passed);
        let reason = format!("{} of {of} sub-items passed", passed.count());
        (Status::Partial, reason)
    } else if count(Status::Manual) == statuses.len() {
        (Status::Manual, String::new())
    } else if count(Status::NotChecked) > 0 {
        (Status::NotChecked, "no sub-item could be checked".into())
    } else {
        let reason = "nothing in the input its sub-items are about".into();
        (Status::NotApplicable, reason)
    };
    parent.status = status;
    parent.reason = reason;
    parent.children = children;
}

/// How a report links a finding to its file and line.
#[derive(Clone, Debug, Default)]
pub struct Links {
    /// Put before every relative path: a URL (`--link-base`), or the way from
    /// the report's directory back to the working directory.
    pub base: Option<String>,
}

impl Links {
    pub fn href(&self, finding: &Located) -> String {
        let path = percent_encode(&finding.path);
        let line = finding.line;
        match &self.base {
            Some(base) => format!("{base}{}#L{line}", path.trim_start_matches('/')),
            None if path.starts_with('/') => format!("file://{path}#L{line}"),
            None => format!("{path}#L{line}"),
        }
    }
}

/// Escapes what a URL path may not hold as it is.
fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_map_has_every_item_of_both_checklists_at_its_line() {
        let map = checklist_map();
        assert_eq!(map.len(), 339);
        for item in map {
            let (_, markdown) = CHECKLISTS
                .iter()
                .find(|(name, _)| *name == item.checklist)
                .unwrap();
            let line = markdown.lines().nth(item.line - 1).unwrap();
            assert_eq!(
                line.trim_start().strip_prefix("- [ ] ").map(str::trim_end),
                Some(item.text.as_str()),
                "{}",
                item.key
            );
        }
        let parents = map.iter().filter(|i| i.parent.is_none()).count();
        assert_eq!(map.len() - parents, 112, "deployment sub-items");
        assert!(map.iter().all(|i| i.parent.as_deref() != Some(&i.key)));
    }

    #[test]
    fn the_score_counts_partially_checked_items_as_in_order_and_rounds_down() {
        let mut counts = Counts::default();
        assert_eq!(counts.score(), None);
        counts.add(Status::Manual);
        counts.add(Status::NotApplicable);
        assert_eq!(counts.percent(), None, "nothing judged");
        counts.add(Status::Passed);
        counts.add(Status::Partial);
        counts.add(Status::Failing);
        assert_eq!(counts.score(), Some(2.0 / 3.0));
        assert_eq!(counts.percent(), Some(66));
        assert_eq!(counts.total(), 5);
    }

    fn rule(id: &str, format: Format, keys: &[&str]) -> Arc<RuleMeta> {
        Arc::new(RuleMeta {
            id: id.into(),
            name: id.to_lowercase(),
            title: String::new(),
            severity: Severity::Warning,
            tags: Vec::new(),
            format: Some(format),
            checklist: keys.iter().map(|k| k.to_string()).collect(),
            equivalents: Default::default(),
            help: String::new(),
            example: None,
            fix: None,
            file: None,
        })
    }

    /// A run without findings in which each rule examined so many foci.
    fn run(rules: &[(&Arc<RuleMeta>, usize)], formats: &[Format]) -> Run {
        let known: Vec<_> = rules.iter().map(|(r, _)| Arc::clone(r)).collect();
        Run {
            sources: Sources::default(),
            findings: Vec::new(),
            rules: known.clone(),
            objects: 1,
            skipped: Vec::new(),
            examined: rules.iter().map(|(r, n)| (r.id.clone(), *n)).collect(),
            known,
            formats: formats.iter().copied().collect(),
            min_severity: Severity::Note,
            unanalysed: Vec::new(),
            parsed: Vec::new(),
            timings: Default::default(),
        }
    }

    fn item<'r>(readiness: &'r Readiness, key: &str) -> &'r Item {
        readiness.item(key).unwrap()
    }

    // R-network-security-2 is class KT: Kubernetes and Terraform.
    const KT: &str = "R-network-security-2";

    #[test]
    fn an_item_passes_only_when_every_format_of_the_input_it_is_about_is_checked() {
        let k8s = rule("TST1", Format::Kubernetes, &[KT]);
        let only_kubernetes = Readiness::new(&run(&[(&k8s, 2)], &[Format::Kubernetes]));
        assert_eq!(item(&only_kubernetes, KT).status, Status::Passed);
        let with_terraform = run(&[(&k8s, 2)], &[Format::Kubernetes, Format::Terraform]);
        let with_terraform = Readiness::new(&with_terraform);
        let partial = item(&with_terraform, KT);
        assert_eq!(partial.status, Status::Partial);
        assert_eq!(partial.reason, "no rule for terraform yet");
        assert_eq!(partial.unchecked, [Format::Terraform]);
        // Terraform alone: the Kubernetes rule has nothing to say, and
        // nothing checks Terraform.
        let terraform = Readiness::new(&run(&[(&k8s, 0)], &[Format::Terraform]));
        let unchecked = item(&terraform, KT);
        assert_eq!(unchecked.status, Status::NotChecked);
        assert_eq!(unchecked.reason, "no rule for terraform yet");
        let tf = rule("TST2", Format::Terraform, &[KT]);
        let both = run(
            &[(&k8s, 0), (&tf, 0)],
            &[Format::Kubernetes, Format::Terraform],
        );
        let nothing = Readiness::new(&both);
        assert_eq!(item(&nothing, KT).status, Status::NotApplicable);
    }

    #[test]
    fn checks_left_undecided_keep_an_item_from_passing() {
        let k8s = rule("TST1", Format::Kubernetes, &[KT]);
        let mut run = run(&[(&k8s, 2)], &[Format::Kubernetes]);
        let id = run.sources.push("a.yaml".into(), "x".into());
        run.skipped.push(crate::finding::Skipped {
            rule: k8s.clone(),
            span: crate::source::Span::point(id, 0),
            object: "Deployment/x".into(),
        });
        let readiness = Readiness::new(&run);
        let undecided = item(&readiness, KT);
        assert_eq!(undecided.status, Status::Partial);
        assert_eq!(undecided.reason, "1 check undecided on unknown values");
        assert_eq!(readiness.undecided, 1);
    }

    #[test]
    fn a_parent_is_ticked_only_when_every_sub_item_is() {
        let leaf = |status| Item {
            key: String::new(),
            text: String::new(),
            class: "K".into(),
            line: 1,
            status,
            reason: String::new(),
            findings: Vec::new(),
            accepted: Vec::new(),
            rules: Vec::new(),
            unchecked: Vec::new(),
            children: Vec::new(),
        };
        let derived = |statuses: &[Status]| {
            let mut parent = leaf(Status::NotChecked);
            derive(&mut parent, statuses.iter().map(|&s| leaf(s)).collect());
            (parent.status, parent.reason)
        };
        use Status::*;
        assert_eq!(derived(&[Passed, Passed]).0, Passed);
        assert_eq!(
            derived(&[Passed, Manual]),
            (Partial, "1 of 2 sub-items passed".into())
        );
        assert_eq!(
            derived(&[Passed, Failing, Manual]),
            (Failing, "1 of 3 sub-items failing".into())
        );
        assert_eq!(derived(&[Manual, Manual]).0, Manual);
        assert_eq!(derived(&[Manual, NotApplicable]).0, NotApplicable);
        assert_eq!(derived(&[NotChecked, NotApplicable]).0, NotChecked);
        // The parent's own rules count as one more sub-item.
        let mut parent = leaf(Failing);
        parent.rules.push(Evidence {
            rule: rule("TST1", Format::Kubernetes, &[]),
            enabled: true,
            examined: 1,
            undecided: 0,
        });
        derive(&mut parent, vec![leaf(Passed)]);
        assert_eq!((parent.status, parent.reason.as_str()), (Failing, ""));
    }

    #[test]
    fn links_escape_paths_and_take_a_base() {
        let finding = Located {
            rule: "K8S101".into(),
            name: "container-memory-limit".into(),
            severity: Severity::Warning,
            message: String::new(),
            path: "k8s/my app#1.yaml".into(),
            line: 7,
            column: 3,
            accepted: None,
        };
        let relative = Links::default();
        assert_eq!(relative.href(&finding), "k8s/my%20app%231.yaml#L7");
        let up = Links {
            base: Some("../".into()),
        };
        assert_eq!(up.href(&finding), "../k8s/my%20app%231.yaml#L7");
        let absolute = Located {
            path: "/srv/x.yaml".into(),
            ..finding
        };
        assert_eq!(relative.href(&absolute), "file:///srv/x.yaml#L7");
    }
}
