//! Blocks as objects. The body of a block is a map of its attributes and
//! nested blocks; a nested block type is always a list of bodies (as in
//! Terraform's own data model), however often it is written, so a rule
//! reads `{path: access_log_settings, all: …}` the same way for one block
//! or several. Nested blocks with labels (`backend "s3"`) are a map from
//! label to that list. `dynamic` blocks are expanded into the blocks they
//! generate (one unknown item when their `for_each` is unknown).
//! `kubernetes_*` workload resources are also lifted into Kubernetes
//! objects so that the Kubernetes rules run on them.

use super::eval::{Evaluator, Named, Scope, Trace};
use super::syntax::{Block, Body, ExprKind};
use crate::formats::kubernetes;
use crate::model::{Entry, Format, Map, Node, Object, Provenance, Value};
use crate::source::Span;

/// The block keywords objects are classed by.
pub const CLASSES: &[&str] = &[
    "resource",
    "data",
    "module",
    "variable",
    "output",
    "provider",
    "terraform",
];

pub fn body<S: Scope>(eval: &mut Evaluator<'_, S>, block: &Block, trace: &mut Trace) -> Node {
    map_of(eval, &block.body, block.span, &block.keyword, trace)
}

/// Attributes whose expression is a type or an address, not a value:
/// kept as the text written.
fn is_written_as_text(keyword: &str, attribute: &str) -> bool {
    matches!(
        (keyword, attribute),
        ("variable", "type") | (_, "provider") | ("module", "providers")
    )
}

fn map_of<S: Scope>(
    eval: &mut Evaluator<'_, S>,
    body: &Body,
    span: Span,
    keyword: &str,
    trace: &mut Trace,
) -> Node {
    let mut map = Map::default();
    for attribute in &body.attributes {
        let value = if is_written_as_text(keyword, &attribute.name) {
            let span = attribute.value.span;
            Node::new(Value::String(eval.text(span).into()), span)
        } else {
            eval.value(&attribute.value, trace)
        };
        map.entries.push(Entry {
            key: attribute.name.clone().into(),
            key_span: attribute.name_span,
            value,
        });
    }
    for block in &body.blocks {
        if &*block.keyword == "dynamic" {
            let Some((name, name_span)) = block.labels.first() else {
                continue;
            };
            let generated = dynamic(eval, block, name, trace);
            push_block(&mut map, name, *name_span, None, generated);
            continue;
        }
        let node = map_of(eval, &block.body, block.span, &block.keyword, trace);
        let label = block.labels.first().map(|(l, s)| (l.clone(), *s));
        push_block(
            &mut map,
            &block.keyword,
            block.keyword_span,
            label,
            vec![node],
        );
    }
    Node::new(Value::Map(map), span)
}

/// Appends bodies to the list of a nested block type (under its label).
fn push_block(
    map: &mut Map,
    keyword: &str,
    key_span: Span,
    label: Option<(Box<str>, Span)>,
    bodies: Vec<Node>,
) {
    let list = |bodies: Vec<Node>, span: Span| Node::new(Value::List(bodies), span);
    let Some(first) = bodies.first().map(|b| b.span) else {
        // No blocks generated: the type is still written, as an empty list.
        if map.get(keyword).is_none() {
            map.entries.push(Entry {
                key: keyword.into(),
                key_span,
                value: list(Vec::new(), key_span),
            });
        }
        return;
    };
    let entry = match map.entries.iter_mut().position(|e| &*e.key == keyword) {
        Some(index) => &mut map.entries[index],
        None => {
            let value = match label {
                Some(_) => Node::new(Value::Map(Map::default()), first),
                None => list(Vec::new(), first),
            };
            map.entries.push(Entry {
                key: keyword.into(),
                key_span,
                value,
            });
            map.entries.last_mut().expect("just pushed")
        }
    };
    let target = match (label, &mut entry.value.value) {
        (Some((label, label_span)), Value::Map(labels)) => {
            match labels.entries.iter().position(|e| *e.key == *label) {
                Some(index) => &mut labels.entries[index].value,
                None => {
                    labels.entries.push(Entry {
                        key: label.into(),
                        key_span: label_span,
                        value: list(Vec::new(), first),
                    });
                    &mut labels.entries.last_mut().expect("just pushed").value
                }
            }
        }
        _ => &mut entry.value,
    };
    if let Value::List(items) = &mut target.value {
        let last = bodies.last().map_or(first, |b| b.span);
        target.span = target.span.to(last);
        items.extend(bodies);
    }
}

/// The blocks a `dynamic` block generates: one per item of `for_each`, or
/// a single unknown item when the collection is unknown.
fn dynamic<S: Scope>(
    eval: &mut Evaluator<'_, S>,
    block: &Block,
    name: &str,
    trace: &mut Trace,
) -> Vec<Node> {
    let Some(content) = block.body.blocks.iter().find(|b| &*b.keyword == "content") else {
        return Vec::new();
    };
    let iterator = match block.body.attribute("iterator").map(|a| &a.value.kind) {
        Some(ExprKind::Variable(name)) => name.to_string(),
        _ => name.to_string(),
    };
    let items = match block.body.attribute("for_each") {
        Some(for_each) => {
            let collection = eval.value(&for_each.value, trace);
            match super::eval::items(&collection) {
                Some(items) => items,
                None => {
                    // Some number of blocks nobody can know: the content
                    // still refers to what it refers to, but the blocks are
                    // one unknown item.
                    eval.bind(&iterator, Named::new(collection.clone()));
                    map_of(eval, &content.body, content.span, name, trace);
                    eval.unbind(1);
                    return vec![collection];
                }
            }
        }
        None => Vec::new(),
    };
    let mut generated = Vec::new();
    for (key, value) in items.into_iter().take(super::eval::MAX_ITEMS) {
        let span = value.span;
        let pair = Map {
            entries: vec![
                Entry {
                    key: "key".into(),
                    key_span: span,
                    value: key,
                },
                Entry {
                    key: "value".into(),
                    key_span: span,
                    value,
                },
            ],
        };
        eval.bind(&iterator, Named::new(Node::new(Value::Map(pair), span)));
        generated.push(map_of(eval, &content.body, content.span, name, trace));
        eval.unbind(1);
    }
    generated
}

pub fn object(
    block: &Block,
    kind: &str,
    name: Option<&str>,
    namespace: &str,
    body: Node,
    trace: Trace,
    trail: Vec<Provenance>,
) -> Object {
    let anchor = block
        .labels
        .last()
        .map_or(block.keyword_span, |(_, span)| *span);
    let trace = trace.finish();
    Object {
        format: Format::Terraform,
        kind: kind.into(),
        api_version: None,
        name: name.map(Into::into),
        namespace: Some(namespace.into()),
        classes: CLASSES
            .iter()
            .copied()
            .filter(|c| **c == *block.keyword)
            .collect(),
        views: &[],
        body,
        anchor,
        template: None,
        labels: Vec::new(),
        links: trace.links,
        origins: trace.origins,
        trail,
        ignores: Vec::new(),
    }
}

/// Kubernetes provider resources lifted into Kubernetes objects, with the
/// kind and apiVersion they create (and `kubernetes_manifest`, whose
/// `manifest` is the object).
const LIFTED: &[(&str, &str, &str)] = &[
    ("kubernetes_deployment", "Deployment", "apps/v1"),
    ("kubernetes_stateful_set", "StatefulSet", "apps/v1"),
    ("kubernetes_daemonset", "DaemonSet", "apps/v1"),
    ("kubernetes_daemon_set", "DaemonSet", "apps/v1"),
    (
        "kubernetes_replication_controller",
        "ReplicationController",
        "v1",
    ),
    ("kubernetes_pod", "Pod", "v1"),
    ("kubernetes_job", "Job", "batch/v1"),
    ("kubernetes_cron_job", "CronJob", "batch/v1"),
    ("kubernetes_service", "Service", "v1"),
    (
        "kubernetes_horizontal_pod_autoscaler",
        "HorizontalPodAutoscaler",
        "autoscaling/v2",
    ),
    (
        "kubernetes_pod_disruption_budget",
        "PodDisruptionBudget",
        "policy/v1",
    ),
    (
        "kubernetes_network_policy",
        "NetworkPolicy",
        "networking.k8s.io/v1",
    ),
    ("kubernetes_ingress", "Ingress", "networking.k8s.io/v1"),
    ("kubernetes_config_map", "ConfigMap", "v1"),
    ("kubernetes_secret", "Secret", "v1"),
    ("kubernetes_service_account", "ServiceAccount", "v1"),
    ("kubernetes_namespace", "Namespace", "v1"),
];

/// Repeated provider blocks and the Kubernetes list field they build.
const LIST_FIELDS: &[(&str, &str)] = &[
    ("container", "containers"),
    ("init_container", "initContainers"),
    ("ephemeral_container", "ephemeralContainers"),
    ("port", "ports"),
    ("env", "env"),
    ("env_from", "envFrom"),
    ("volume", "volumes"),
    ("volume_mount", "volumeMounts"),
    ("volume_device", "volumeDevices"),
    ("volume_claim_template", "volumeClaimTemplates"),
    ("toleration", "tolerations"),
    ("topology_spread_constraint", "topologySpreadConstraints"),
    ("host_aliases", "hostAliases"),
    ("image_pull_secrets", "imagePullSecrets"),
    ("readiness_gate", "readinessGates"),
    ("match_expressions", "matchExpressions"),
    ("http_header", "httpHeaders"),
    ("node_selector_term", "nodeSelectorTerms"),
    (
        "preferred_during_scheduling_ignored_during_execution",
        "preferredDuringSchedulingIgnoredDuringExecution",
    ),
    ("rule", "rules"),
    ("path", "paths"),
    ("tls", "tls"),
    ("ingress", "ingress"),
    ("egress", "egress"),
    ("from", "from"),
    ("to", "to"),
    ("metric", "metrics"),
    ("items", "items"),
    ("sysctl", "sysctls"),
    ("ports", "ports"),
];

/// A `kubernetes_*` resource as the Kubernetes object it creates: nested
/// single blocks become mappings, repeated ones lists named as the
/// Kubernetes field, snake_case names camelCase. Map-valued arguments
/// (`labels`, `limits`) keep their keys as written.
pub fn kubernetes(object: &Object) -> Option<Object> {
    if !object.classes.contains(&"resource") {
        return None;
    }
    // `manifest` is written as the Kubernetes object itself.
    if &*object.kind == "kubernetes_manifest" {
        let manifest = object.body.get("manifest")?.clone();
        return with_provenance(kubernetes::object(manifest, None)?, object);
    }
    let base = object
        .kind
        .strip_suffix("_v1")
        .or_else(|| object.kind.strip_suffix("_v2"))
        .unwrap_or(&object.kind);
    let (_, kind, api_version) = LIFTED.iter().find(|(k, _, _)| *k == base)?;
    let Value::Map(map) = &object.body.value else {
        return None;
    };
    let span = object.anchor;
    let mut body = Map::default();
    for (key, value) in [("apiVersion", *api_version), ("kind", *kind)] {
        body.entries.push(Entry {
            key: key.into(),
            key_span: span,
            value: Node::new(Value::String(value.into()), span),
        });
    }
    for entry in &map.entries {
        if matches!(
            &*entry.key,
            "metadata" | "spec" | "data" | "string_data" | "binary_data" | "type" | "immutable"
        ) {
            body.entries.push(lift_entry(entry));
        }
    }
    let lifted = kubernetes::object(Node::new(Value::Map(body), object.body.span), None)?;
    with_provenance(lifted, object)
}

/// The lifted object remembers where its values were set and how its block
/// was reached.
fn with_provenance(mut lifted: Object, object: &Object) -> Option<Object> {
    lifted.origins = object.origins.clone();
    lifted.trail = object.trail.clone();
    Some(lifted)
}

fn lift_entry(entry: &Entry) -> Entry {
    let is_blocks = matches!(&entry.value.value, Value::List(items) if !items.is_empty() && items.iter().all(|i| i.as_map().is_some()));
    if !is_blocks {
        return Entry {
            key: camel(&entry.key).into(),
            ..entry.clone()
        };
    }
    let items = entry.value.as_list().unwrap_or_default();
    let lifted: Vec<Node> = items.iter().map(lift_block).collect();
    match LIST_FIELDS.iter().find(|(block, _)| **block == *entry.key) {
        Some((_, field)) => Entry {
            key: (*field).into(),
            key_span: entry.key_span,
            value: Node::new(Value::List(lifted), entry.value.span),
        },
        None if lifted.len() == 1 => Entry {
            key: camel(&entry.key).into(),
            key_span: entry.key_span,
            value: lifted.into_iter().next().expect("one"),
        },
        None => Entry {
            key: camel(&entry.key).into(),
            key_span: entry.key_span,
            value: Node::new(Value::List(lifted), entry.value.span),
        },
    }
}

fn lift_block(block: &Node) -> Node {
    let Value::Map(map) = &block.value else {
        return block.clone();
    };
    Node::new(
        Value::Map(Map {
            entries: map.entries.iter().map(lift_entry).collect(),
        }),
        block.span,
    )
}

fn camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::camel;

    #[test]
    fn snake_case_becomes_camel_case() {
        assert_eq!(
            camel("termination_grace_period_seconds"),
            "terminationGracePeriodSeconds"
        );
        assert_eq!(camel("spec"), "spec");
    }
}
