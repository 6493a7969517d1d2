//! The Kubernetes adapter: YAML documents with `apiVersion` and `kind` become
//! objects. It alone knows where each workload kind keeps its pod template,
//! and publishes that as views (`pod`, `containers`, …) that rules name.

use std::path::Path;

use crate::formats::yaml::{self, Document};
use crate::model::{Diagnostic, Format, Node, Object, Value, View};
use crate::source::Source;

/// Classes of kinds that rules may name in `applies-to.kind`.
pub const CLASSES: &[&str] = &["workload", "long-running", "ingress-nginx-configmap"];

/// Views that rules may name in `each` or as `$view.path`.
pub const VIEWS: &[&str] = &[
    "pod",
    "pod-metadata",
    "containers",
    "init-containers",
    "all-containers",
    "volumes",
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

fn object(mut body: Node, template: Option<Box<str>>) -> Option<Object> {
    let kind: Box<str> = kind_of(&body)?.into();
    mark_unrendered(&mut body);
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
    if is_ingress_nginx_configmap(&kind, api_version.as_deref(), &body) {
        classes.push("ingress-nginx-configmap");
    }
    let anchor = body
        .at(&["metadata", "name"])
        .or_else(|| body.get("kind"))
        .map_or(body.span, |node| node.span);
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
    })
}

/// The ingress-nginx controller's ConfigMap: its default name (with a Helm
/// release prefix), the name of old manifests, or the labels the Helm chart
/// gives it. One named by another `--configmap=` argument waits for relations.
fn is_ingress_nginx_configmap(kind: &str, api_version: Option<&str>, body: &Node) -> bool {
    if kind != "ConfigMap" || api_version != Some("v1") {
        return false;
    }
    let name = body.at(&["metadata", "name"]).and_then(Node::as_str);
    let label = |key| body.at(&["metadata", "labels", key]).and_then(Node::as_str);
    name.is_some_and(|n| {
        n == "nginx-configuration"
            || n == "ingress-nginx-controller"
            || n.ends_with("-ingress-nginx-controller")
    }) || (label("app.kubernetes.io/name") == Some("ingress-nginx")
        && label("app.kubernetes.io/component") == Some("controller"))
}

/// A Go template action (`{{ .Values.x }}`) left in a string is a value
/// nobody knows until the chart is rendered.
fn mark_unrendered(node: &mut Node) {
    match &mut node.value {
        Value::String(text) => {
            if let Some(open) = text.find("{{")
                && text[open..].contains("}}")
            {
                node.value = Value::Unknown(std::mem::take(text));
            }
        }
        Value::List(items) => items.iter_mut().for_each(mark_unrendered),
        Value::Map(map) => map
            .entries
            .iter_mut()
            .for_each(|e| mark_unrendered(&mut e.value)),
        _ => {}
    }
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
        view("volumes", vec![under(&["spec", "volumes"])], true),
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
    fn unrendered_template_actions_are_unknown() {
        let objs = objects(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: \"{{ .Values.image }}\", args: [\"--x={{ .Values.x }}\", \"{literal}\"]}\n",
        );
        let container = &objs[0]
            .body
            .at(&["spec", "containers"])
            .unwrap()
            .as_list()
            .unwrap()[0];
        assert!(container.get("image").unwrap().is_unknown());
        let args = container.get("args").unwrap().as_list().unwrap();
        assert!(args[0].is_unknown());
        assert_eq!(args[1].as_str(), Some("{literal}"));
        assert_eq!(container.get("name").unwrap().as_str(), Some("a"));
    }

    #[test]
    fn the_ingress_nginx_configmap_is_recognised_by_name_or_chart_labels() {
        let objs = objects(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: edge-ingress-nginx-controller}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: custom\n  labels: {app.kubernetes.io/name: ingress-nginx, app.kubernetes.io/component: controller}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller-extra}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: ingress-nginx-controller}\n",
        );
        let recognised: Vec<bool> = objs
            .iter()
            .map(|o| o.classes.contains(&"ingress-nginx-configmap"))
            .collect();
        assert_eq!(recognised, [true, true, false, false]);
    }

    #[test]
    fn only_argo_rollouts_are_workloads() {
        let objs = objects("apiVersion: example.com/v1\nkind: Rollout\nmetadata: {name: r}\n");
        assert!(objs[0].classes.is_empty());
    }
}
