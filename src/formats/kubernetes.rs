//! The Kubernetes adapter: YAML documents with `apiVersion` and `kind` become
//! objects. It alone knows where each workload kind keeps its pod template,
//! and publishes that as views (`pod`, `containers`, …) that rules name.

mod links;

use std::path::Path;

use crate::formats::nginx;
use crate::formats::yaml::{self, Document};
use crate::model::{
    Diagnostic, Format, FormatVocabulary, Ignore, LabelSet, Node, Object, Value, View,
};
use crate::source::{Source, Span};

pub const VOCABULARY: FormatVocabulary = FormatVocabulary {
    format: Format::Kubernetes,
    // Classes of kinds that rules may name in `applies-to.kind`.
    classes: &["workload", "long-running", "ingress-nginx-configmap"],
    // Views that rules may name in `each` or as `$view.path`.
    views: &[
        "pod",
        "pod-metadata",
        "containers",
        "init-containers",
        "all-containers",
        "volumes",
    ],
    relations: links::RELATIONS,
    label_sets: &["pod", "object"],
    kinds_are_lowercase: false,
};

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
    let mut diagnostics = parsed.diagnostics;
    // Helm renders the raw text, so a template action is a literal `{{` in
    // the file (an escaped one is no action): files without one skip the walk.
    let templated = memchr::memmem::find(source.text.as_bytes(), b"{{").is_some();
    let mut objects = Vec::new();
    for document in parsed.documents {
        let template = helm_template(source, &document);
        let Document { root, .. } = document;
        if kind_of(&root) == Some("List") {
            if let Some(Value::List(items)) = root.get("items").map(|n| n.value.clone()) {
                objects.extend(
                    items
                        .into_iter()
                        .filter_map(|item| build(item, template.clone(), templated)),
                );
            }
            continue;
        }
        let (nginx, problems) = embedded_nginx(source, &root);
        objects.extend(build(root, template, templated));
        objects.extend(nginx);
        diagnostics.extend(problems);
    }
    (objects, diagnostics)
}

/// An nginx configuration kept in a ConfigMap (key `nginx.conf` or
/// `*.conf`) is checked like a file, each token at its place in the YAML.
/// Only values whose lines can be mapped back (plain and literal block
/// scalars) are read; a quoted value with escapes is left alone.
fn embedded_nginx(source: &Source, root: &Node) -> (Vec<Object>, Vec<Diagnostic>) {
    let mut out = (Vec::new(), Vec::new());
    if kind_of(root) != Some("ConfigMap") {
        return out;
    }
    let Some(data) = root.get("data").and_then(Node::as_map) else {
        return out;
    };
    for entry in &data.entries {
        let key = &*entry.key;
        if key != "nginx.conf" && !key.ends_with(".conf") {
            continue;
        }
        // A chart's template (`{{ .Values.x }}`) is nginx only once rendered.
        let Some(text) = entry.value.as_str().filter(|t| !t.contains("{{")) else {
            continue;
        };
        let Some(lines) = scalar_lines(source, &entry.value, text) else {
            continue;
        };
        let name = format!("{}:{key}", source.display_path());
        let (objects, diagnostics) = nginx::embedded(
            source,
            &name,
            text,
            nginx::Offsets::Lines(lines),
            key == "nginx.conf",
        );
        out.0.extend(objects);
        out.1.extend(diagnostics);
    }
    out
}

/// For each line of a scalar's value, its offset in the value and in the
/// file: the YAML text is the value's lines, each after the same
/// indentation (the first at the node's start). `None` when the value is
/// not its text line by line (quotes, escapes, folding).
fn scalar_lines(source: &Source, node: &Node, value: &str) -> Option<Vec<(u32, u32)>> {
    let raw = source.slice(node.span);
    let mut lines = Vec::new();
    let mut in_value = 0usize;
    let mut in_raw = node.span.start as usize;
    let mut raw_lines = raw.split('\n');
    for (index, line) in value.split('\n').enumerate() {
        let raw_line = raw_lines.next().unwrap_or("");
        let indent = if index == 0 || line.is_empty() {
            0
        } else {
            raw_line.len().checked_sub(line.len())?
        };
        let fits =
            raw_line.get(indent..) == Some(line) && raw_line[..indent].bytes().all(|b| b == b' ');
        if !fits && !line.is_empty() {
            return None;
        }
        // The line break a block scalar's value ends with may not be in the
        // source (the file ends on the scalar's last line): it maps to the
        // scalar's end, not past the text.
        let start = (in_raw + indent).min(node.span.end as usize);
        lines.push((in_value as u32, start as u32));
        in_value += line.len() + 1;
        in_raw += raw_line.len() + 1;
    }
    Some(lines)
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
    build(body, template, true)
}

/// `object`, where `templated` says whether a string of the body may hold a
/// template action.
fn build(mut body: Node, template: Option<Box<str>>, templated: bool) -> Option<Object> {
    let kind: Box<str> = kind_of(&body)?.into();
    if templated {
        mark_unrendered(&mut body);
    }
    let api_version = body.get("apiVersion")?.as_str().map(Box::from);
    let metadata = |key: &str| {
        body.at(&["metadata", key])
            .and_then(Node::as_str)
            .map(Box::from)
    };
    let (name, namespace) = (metadata("name"), metadata("namespace"));
    let mut classes = Vec::new();
    let mut views: &'static [View] = &[];
    let is_rollout = &*kind != "Rollout"
        || api_version
            .as_deref()
            .is_some_and(|v: &str| v.starts_with("argoproj.io/"));
    if let Some(at) = POD_TEMPLATES.iter().position(|(k, _)| **k == *kind)
        && is_rollout
    {
        classes.push("workload");
        if !BATCH_KINDS.contains(&&*kind) {
            classes.push("long-running");
        }
        views = &POD_VIEWS[at];
    }
    if is_ingress_nginx_configmap(&kind, api_version.as_deref(), &body) {
        classes.push("ingress-nginx-configmap");
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
    let pod_spec = views
        .iter()
        .find(|v| v.name == "pod")
        .map(|v| &v.paths[0][..]);
    let links = links::links(&kind, namespace.as_deref(), &body, pod_spec);
    let mut ignores: Vec<Ignore> = ignore_annotations(body.at(&["metadata", "annotations"]))
        .into_iter()
        .collect();
    if let Some(pod) = views.iter().find(|v| v.name == "pod-metadata") {
        let annotations = body.at(&pod.paths[0]).and_then(|m| m.get("annotations"));
        ignores.extend(ignore_annotations(annotations));
    }
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
        ignores,
    })
}

/// `airworthy.dev/ignore: "K8S101,K8S102"` with `airworthy.dev/ignore-reason`.
fn ignore_annotations(annotations: Option<&Node>) -> Option<Ignore> {
    let annotations = annotations?.as_map()?;
    let entry = annotations.get("airworthy.dev/ignore")?;
    let text = entry.value.as_str()?;
    let source = entry.value.span.source;
    // The value's text starts after its opening quote, if it has one.
    let quoted = usize::from(entry.value.span.end - entry.value.span.start > text.len() as u32);
    let mut offset = entry.value.span.start as usize + quoted;
    let mut rules = Vec::new();
    for name in text.split(',') {
        let trimmed = name.trim();
        let start = offset + (name.len() - name.trim_start().len());
        if !trimmed.is_empty() {
            rules.push((
                trimmed.into(),
                Span::new(source, start, start + trimmed.len()),
            ));
        }
        offset += name.len() + 1;
    }
    let reason = annotations
        .get("airworthy.dev/ignore-reason")
        .and_then(|e| e.value.as_str())
        .filter(|r| !r.trim().is_empty())
        .map(Box::from);
    Some(Ignore {
        rules,
        reason,
        span: entry.key_span.to(entry.value.span),
    })
}

/// The string-valued entries of a mapping (labels), in order.
fn string_pairs(node: Option<&Node>) -> Vec<(Box<str>, Box<str>)> {
    let Some(map) = node.and_then(Node::as_map) else {
        return Vec::new();
    };
    map.entries
        .iter()
        .filter_map(|e| Some((Box::from(&*e.key), e.value.scalar_text()?.into())))
        .collect()
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
            // Most strings hold no brace: one fast scan rules them out
            // before a substring search is set up.
            if memchr::memchr(b'{', text.as_bytes()).is_some()
                && let Some(open) = text.find("{{")
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

/// Each workload kind's views, in the order of `POD_TEMPLATES`.
static POD_VIEWS: std::sync::LazyLock<Vec<Vec<View>>> = std::sync::LazyLock::new(|| {
    POD_TEMPLATES
        .iter()
        .map(|(_, template)| pod_views(template))
        .collect()
});

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
    fn nginx_in_a_config_map_is_parsed_with_spans_in_the_yaml() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: gw}\ndata:\n  nginx.conf: |\n    events {}\n    http {\n      server_tokens on;\n      bad\n    }\n  note.txt: x\n";
        let source = Source::new(SourceId(0), "k.yaml".into(), text.into());
        let (objs, diagnostics) = parse(&source);
        let http = objs.iter().find(|o| &*o.kind == "http").unwrap();
        let tokens = http.body.get("server_tokens").unwrap();
        assert_eq!(source.slice(tokens.span), "on");
        assert_eq!(source.line_col(tokens.span.start).line, 8);
        // `bad` has no `;`: reported where it is in the YAML.
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        assert_eq!(source.slice(diagnostics[0].span), "bad");
        // The file ends on the block's last line, without a line break: the
        // value's implied one maps to the end, not past it.
        let cut = text.trim_end_matches("\n  note.txt: x\n");
        let source = Source::new(SourceId(0), "k.yaml".into(), cut.into());
        let (objs, _) = parse(&source);
        let spans = objs.iter().flat_map(|o| [o.anchor, o.body.span]);
        assert!(spans.clone().count() > 2);
        assert!(spans.into_iter().all(|s| s.end as usize <= cut.len()));
        let template = text.replace("server_tokens on;", "server_tokens {{ .Values.tokens }};");
        let source = Source::new(SourceId(0), "k.yaml".into(), template);
        let (objs, diagnostics) = parse(&source);
        assert!(
            diagnostics.is_empty() && objs.len() == 1,
            "a chart template is left alone"
        );
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
