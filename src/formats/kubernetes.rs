//! The Kubernetes adapter: YAML documents with `apiVersion` and `kind` become
//! objects. It alone knows where each workload kind keeps its pod template,
//! and publishes that as views (`pod`, `containers`, …) that rules name.

use std::path::Path;

use crate::formats::yaml::{self, Document};
use crate::model::{
    Diagnostic, Format, FormatVocabulary, LabelSet, Link, Node, Object, Requirement, Target, Value,
    View,
};
use crate::source::Source;

pub const VOCABULARY: FormatVocabulary = FormatVocabulary {
    format: Format::Kubernetes,
    // Classes of kinds that rules may name in `applies-to.kind`.
    classes: &["workload", "long-running"],
    // Views that rules may name in `each` or as `$view.path`.
    views: &[
        "pod",
        "pod-metadata",
        "containers",
        "init-containers",
        "all-containers",
    ],
    relations: RELATIONS,
    label_sets: &["pod", "object"],
    kinds_are_lowercase: false,
};

/// What a link from one object to others means.
const RELATIONS: &[&str] = &[
    // A Service, PodDisruptionBudget or NetworkPolicy selects the pods of a
    // workload by their labels.
    "selects", // An autoscaler's `scaleTargetRef`.
    "scales",
];

/// Kinds whose label selector picks pods, and where the selector is.
const POD_SELECTORS: &[(&str, &[&str])] = &[
    ("Service", &["spec", "selector"]),
    ("PodDisruptionBudget", &["spec", "selector"]),
    ("NetworkPolicy", &["spec", "podSelector"]),
];

/// Where each workload kind keeps its pod template (`metadata` and `spec`),
/// from the object's root.
const POD_TEMPLATES: &[(&str, &[&str])] = &[
    ("Pod", &[]),
    ("PodTemplate", &["template"]),
    ("Deployment", &["spec", "template"]),
    ("StatefulSet", &["spec", "template"]),
    ("DaemonSet", &["spec", "template"]),
    ("ReplicaSet", &["spec", "template"]),
    ("ReplicationController", &["spec", "template"]),
    ("Job", &["spec", "template"]),
    ("CronJob", &["spec", "jobTemplate", "spec", "template"]),
    ("Rollout", &["spec", "template"]),
];

/// Kinds whose pods are meant to run to completion.
const BATCH_KINDS: &[&str] = &["Job", "CronJob", "PodTemplate"];

/// A cheap look at a YAML or JSON file: does it hold Kubernetes objects?
pub fn detect(path: &Path, text: &str) -> bool {
    let yaml_or_json = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"));
    yaml_or_json && text.contains("apiVersion") && text.contains("kind")
}

/// Parses a file of Kubernetes manifests into objects.
pub fn parse(source: &Source) -> (Vec<Object>, Vec<Diagnostic>) {
    let parsed = yaml::parse(source);
    let mut objects = Vec::new();
    for document in parsed.documents {
        let template = helm_template(source, &document);
        let Document { root, .. } = document;
        if kind_of(&root) == Some("List") {
            if let Some(Value::List(items)) = root.get("items").map(|n| n.value.clone()) {
                objects.extend(
                    items
                        .into_iter()
                        .filter_map(|item| object(item, template.clone())),
                );
            }
            continue;
        }
        objects.extend(object(root, template));
    }
    (objects, parsed.diagnostics)
}

fn kind_of(node: &Node) -> Option<&str> {
    node.get("kind")?.as_str()
}

/// Helm writes `# Source: chart/templates/file.yaml` above each document.
fn helm_template(source: &Source, document: &Document) -> Option<Box<str>> {
    document.comments.iter().rev().find_map(|span| {
        let comment = source.slice(*span);
        let rest = comment.strip_prefix('#')?.trim_start();
        Some(rest.strip_prefix("Source:")?.trim().into())
    })
}

/// The object a manifest's body describes, with its classes, views, labels
/// and links; `None` without a `kind`. Other adapters that create
/// Kubernetes objects (Terraform's `kubernetes_*` resources) use it too.
pub fn object(body: Node, template: Option<Box<str>>) -> Option<Object> {
    let kind: Box<str> = kind_of(&body)?.into();
    let api_version = body.get("apiVersion")?.as_str().map(Box::from);
    let metadata = |key: &str| {
        body.at(&["metadata", key])
            .and_then(Node::as_str)
            .map(Box::from)
    };
    let (name, namespace) = (metadata("name"), metadata("namespace"));
    let mut classes = Vec::new();
    let mut views = Vec::new();
    let is_rollout = &*kind != "Rollout"
        || api_version
            .as_deref()
            .is_some_and(|v: &str| v.starts_with("argoproj.io/"));
    if let Some((_, template_path)) = POD_TEMPLATES.iter().find(|(k, _)| **k == *kind)
        && is_rollout
    {
        classes.push("workload");
        if !BATCH_KINDS.contains(&&*kind) {
            classes.push("long-running");
        }
        views = pod_views(template_path);
    }
    let anchor = body
        .at(&["metadata", "name"])
        .or_else(|| body.get("kind"))
        .map_or(body.span, |node| node.span);
    let mut labels = vec![LabelSet {
        name: "object",
        labels: string_pairs(body.at(&["metadata", "labels"])),
    }];
    if let Some(pod) = views.iter().find(|v| v.name == "pod-metadata") {
        labels.push(LabelSet {
            name: "pod",
            labels: string_pairs(body.at(&pod.paths[0]).and_then(|m| m.get("labels"))),
        });
    }
    let links = links(&kind, namespace.as_deref(), &body);
    Some(Object {
        format: Format::Kubernetes,
        kind,
        api_version,
        name,
        namespace,
        classes,
        views,
        body,
        anchor,
        template,
        labels,
        links,
        origins: Vec::new(),
        trail: Vec::new(),
    })
}

/// The string-valued entries of a mapping (labels), in order.
fn string_pairs(node: Option<&Node>) -> Vec<(Box<str>, Box<str>)> {
    let Some(map) = node.and_then(Node::as_map) else {
        return Vec::new();
    };
    map.entries
        .iter()
        .filter_map(|e| Some((e.key.clone(), e.value.scalar_text()?.into())))
        .collect()
}

/// The references an object makes to others.
fn links(kind: &str, namespace: Option<&str>, body: &Node) -> Vec<Link> {
    let mut links = Vec::new();
    let namespace = namespace.map(Box::from);
    if let Some((_, path)) = POD_SELECTORS.iter().find(|(k, _)| *k == kind)
        && let Some(selector) = body.at(path)
    {
        // A Service without a selector has its endpoints managed by hand: it
        // selects nothing. Everywhere else an empty selector selects all.
        let requirements = if kind == "Service" {
            selector
                .as_map()
                .filter(|m| !m.entries.is_empty())
                .map(|_| match_labels(selector))
        } else if selector.get("matchLabels").is_some()
            || selector.get("matchExpressions").is_some()
        {
            Some(label_selector(selector))
        } else {
            selector.as_map().map(|_| Some(Vec::new()))
        };
        if let Some(requirements) = requirements {
            links.push(Link {
                relation: "selects",
                target: match requirements {
                    Some(requirements) => Target::Selector {
                        kinds: vec!["workload".into()],
                        namespace: namespace.clone(),
                        labels: "pod",
                        requirements,
                    },
                    None => Target::Unknown,
                },
                span: selector.span,
            });
        }
    }
    if kind == "HorizontalPodAutoscaler"
        && let Some(target) = body.at(&["spec", "scaleTargetRef"])
    {
        let known = |key| target.get(key).and_then(Node::as_str);
        links.push(Link {
            relation: "scales",
            target: match (known("kind"), known("name")) {
                (Some(kind), Some(name)) => Target::Name {
                    kinds: vec![kind.into()],
                    namespace: namespace.clone(),
                    name: name.into(),
                },
                _ => Target::Unknown,
            },
            span: target.get("name").map_or(target.span, |n| n.span),
        });
    }
    links
}

/// A plain `key: value` selector (a Service's). `None` when a value is not
/// a plain string (a Helm expression left in place).
fn match_labels(node: &Node) -> Option<Vec<Requirement>> {
    node.as_map()?
        .entries
        .iter()
        .map(|e| {
            let value = e.value.scalar_text().filter(|_| !e.value.is_unknown())?;
            Some(Requirement::In(e.key.clone(), vec![value.into()]))
        })
        .collect()
}

/// A `matchLabels` plus `matchExpressions` selector.
fn label_selector(node: &Node) -> Option<Vec<Requirement>> {
    let mut requirements = match node.get("matchLabels") {
        Some(labels) => match_labels(labels)?,
        None => Vec::new(),
    };
    for expression in node
        .get("matchExpressions")
        .and_then(Node::as_list)
        .unwrap_or_default()
    {
        let key: Box<str> = expression.get("key")?.as_str()?.into();
        let values = || -> Option<Vec<Box<str>>> {
            expression
                .get("values")?
                .as_list()?
                .iter()
                .map(|v| v.scalar_text().map(Box::from))
                .collect()
        };
        requirements.push(match expression.get("operator")?.as_str()? {
            "In" => Requirement::In(key, values()?),
            "NotIn" => Requirement::NotIn(key, values()?),
            "Exists" => Requirement::Exists(key),
            "DoesNotExist" => Requirement::DoesNotExist(key),
            _ => return None,
        });
    }
    Some(requirements)
}

fn pod_views(template: &[&'static str]) -> Vec<View> {
    let under = |keys: &[&'static str]| -> Vec<&'static str> {
        template.iter().chain(keys).copied().collect()
    };
    let view = |name, paths: Vec<Vec<&'static str>>, each| View {
        name,
        paths,
        each,
        label_key: each.then_some("name"),
    };
    vec![
        view("pod", vec![under(&["spec"])], false),
        view("pod-metadata", vec![under(&["metadata"])], false),
        view("containers", vec![under(&["spec", "containers"])], true),
        view(
            "init-containers",
            vec![under(&["spec", "initContainers"])],
            true,
        ),
        view(
            "all-containers",
            vec![
                under(&["spec", "initContainers"]),
                under(&["spec", "containers"]),
            ],
            true,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceId;

    fn objects(text: &str) -> Vec<Object> {
        let source = Source::new(SourceId(0), "k.yaml".into(), text.into());
        parse(&source).0
    }

    #[test]
    fn workloads_get_their_pod_views() {
        let objs = objects(
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c, namespace: ns}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers: [{name: a}]\n",
        );
        let cron = &objs[0];
        assert_eq!(cron.classes, ["workload"]);
        assert_eq!(cron.identity(), "CronJob/ns/c");
        let containers = cron.view("containers").unwrap();
        assert_eq!(
            containers.paths[0],
            [
                "spec",
                "jobTemplate",
                "spec",
                "template",
                "spec",
                "containers"
            ]
        );
        assert!(cron.body.at(&containers.paths[0]).is_some());
    }

    #[test]
    fn list_items_become_objects_and_helm_sources_are_kept() {
        let objs = objects(
            "---\n# Source: gw/templates/all.yaml\napiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: a}}\n- {apiVersion: apps/v1, kind: Deployment, metadata: {name: b}}\n",
        );
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[1].classes, ["workload", "long-running"]);
        assert_eq!(objs[0].template.as_deref(), Some("gw/templates/all.yaml"));
    }

    #[test]
    fn only_argo_rollouts_are_workloads() {
        let objs = objects("apiVersion: example.com/v1\nkind: Rollout\nmetadata: {name: r}\n");
        assert!(objs[0].classes.is_empty());
    }
}
