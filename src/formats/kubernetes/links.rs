//! The references Kubernetes objects make to each other, as data: for each
//! kind, where a reference is written and what it names. The relate step
//! resolves them; rules count what is on the other end.

use crate::model::{CREATES, Link, Node, Requirement, Target, Value};
use crate::source::Span;

/// The relations of the Kubernetes adapter, with what each means (from the
/// object that holds the link to the objects it leads to).
pub const RELATIONS: &[&str] = &[
    // A Service, PodDisruptionBudget or NetworkPolicy (`podSelector`)
    // selects the pods of workloads by their labels.
    "selects",
    // A HorizontalPodAutoscaler's or KEDA ScaledObject's `scaleTargetRef`.
    "scales",
    // A VerticalPodAutoscaler's `targetRef`.
    "resizes",
    // An Argo Rollout's `workloadRef`, a Flagger Canary's `targetRef`.
    "rolls-out",
    // An Argo Rollout's analysis templates.
    "analyzed-by",
    // A ServiceMonitor selects Services, a PodMonitor pods, by labels and
    // `namespaceSelector`.
    "monitors",
    // An Ingress backend or an HTTPRoute (GRPCRoute, …) `backendRefs` entry
    // names a Service.
    "routes-to",
    // A route's `parentRefs` name its Gateway.
    "attaches-to",
    // A pod spec's ServiceAccount (`default` when none is named).
    "runs-as",
    // ConfigMaps, Secrets and PersistentVolumeClaims a pod spec uses (env,
    // envFrom, volumes, imagePullSecrets), an Ingress's or Gateway's TLS
    // Secrets, a ServiceAccount's pull secrets, an ingress-nginx ConfigMap's
    // `add-headers`/`proxy-set-headers` ConfigMaps.
    "uses",
    // A StatefulSet's `serviceName`.
    "governed-by",
    // A cert-manager Certificate's `issuerRef`, an Ingress's
    // `cert-manager.io/issuer` or `cluster-issuer` annotation.
    "issued-by",
    // What an object makes at deploy time: a Certificate its `secretName`, an
    // ExternalSecret or SealedSecret its Secret. References to the made
    // object find the maker.
    CREATES,
    // An Ingress's `ingressClassName` (or `kubernetes.io/ingress.class`).
    "of-class",
    // A container's `--configmap=namespace/name` flag (the ingress-nginx
    // controller's ConfigMap).
    "configured-by",
    // A namespaced object's Namespace; an object whose namespace is not
    // written may be applied to any, so it is in all of them.
    "in-namespace",
    // A NetworkPolicy ingress rule's `from` peers and egress rule's `to`
    // peers select pods.
    "allows-from",
    "allows-to",
    // An Argo CD Application's destination namespace, a Flux
    // Kustomization's or HelmRelease's `targetNamespace`.
    "deploys-to",
    // A Velero Schedule's `includedNamespaces`.
    "backs-up",
];

/// What the node at a reference's path is.
#[derive(Clone, Copy)]
enum Names {
    /// The name of an object of one of these kinds.
    Name(&'static [&'static str]),
    /// `{name, kind, namespace}`, `kind` defaulting to the one given (none:
    /// the reference must say).
    Ref(Option<&'static str>),
    /// `namespace/name` of an object of this kind (a ConfigMap named in an
    /// ingress-nginx setting), or `--configmap=namespace/name` in a list of
    /// arguments.
    Qualified(&'static str),
    /// A label selector (`matchLabels`, `matchExpressions`) over the pods of
    /// workloads, in the object's namespace.
    PodSelector,
    /// A Service's plain `key: value` selector.
    ServiceSelector,
    /// A NetworkPolicy peer: `podSelector` and `namespaceSelector`.
    Peer,
    /// A Prometheus-operator monitor: `selector` and `namespaceSelector`,
    /// over the labels of these kinds (Services' own, workloads' pods').
    Monitor(&'static [&'static str], &'static str),
    /// A Namespace's name, `*` standing for all of them.
    Namespaces,
}

/// One place where objects of `kinds` reference others. `path` runs from
/// the object's root (or, with `in_pod`, from each pod spec), `*` stepping
/// into every item of a list.
struct Reference {
    kinds: &'static [&'static str],
    relation: &'static str,
    in_pod: bool,
    path: &'static [&'static str],
    names: Names,
}

const fn at(
    kinds: &'static [&'static str],
    relation: &'static str,
    path: &'static [&'static str],
    names: Names,
) -> Reference {
    Reference {
        kinds,
        relation,
        in_pod: false,
        path,
        names,
    }
}

const fn in_pod(relation: &'static str, path: &'static [&'static str], names: Names) -> Reference {
    Reference {
        kinds: &[],
        relation,
        in_pod: true,
        path,
        names,
    }
}

const ROUTES: &[&str] = &["HTTPRoute", "GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"];
const SERVICE: Names = Names::Name(&["Service"]);
const SECRET: Names = Names::Name(&["Secret"]);
const CONFIG_MAP: Names = Names::Name(&["ConfigMap"]);
const ANALYSIS: Names = Names::Name(&["AnalysisTemplate", "ClusterAnalysisTemplate"]);

#[rustfmt::skip]
const REFERENCES: &[Reference] = &[
    // Label selectors.
    at(&["Service"], "selects", &["spec", "selector"], Names::ServiceSelector),
    at(&["PodDisruptionBudget"], "selects", &["spec", "selector"], Names::PodSelector),
    at(&["NetworkPolicy"], "selects", &["spec", "podSelector"], Names::PodSelector),
    at(&["NetworkPolicy"], "allows-from", &["spec", "ingress", "*", "from", "*"], Names::Peer),
    at(&["NetworkPolicy"], "allows-to", &["spec", "egress", "*", "to", "*"], Names::Peer),
    at(&["ServiceMonitor"], "monitors", &["spec"], Names::Monitor(&["Service"], "object")),
    at(&["PodMonitor"], "monitors", &["spec"], Names::Monitor(&["workload"], "pod")),
    // Autoscalers and progressive delivery.
    at(&["HorizontalPodAutoscaler"], "scales", &["spec", "scaleTargetRef"], Names::Ref(None)),
    at(&["ScaledObject"], "scales", &["spec", "scaleTargetRef"], Names::Ref(Some("Deployment"))),
    at(&["VerticalPodAutoscaler"], "resizes", &["spec", "targetRef"], Names::Ref(None)),
    at(&["Canary"], "rolls-out", &["spec", "targetRef"], Names::Ref(None)),
    at(&["Rollout"], "rolls-out", &["spec", "workloadRef"], Names::Ref(None)),
    at(&["Rollout"], "analyzed-by", &["spec", "strategy", "canary", "analysis", "templates", "*", "templateName"], ANALYSIS),
    at(&["Rollout"], "analyzed-by", &["spec", "strategy", "canary", "steps", "*", "analysis", "templates", "*", "templateName"], ANALYSIS),
    at(&["Rollout"], "analyzed-by", &["spec", "strategy", "blueGreen", "prePromotionAnalysis", "templates", "*", "templateName"], ANALYSIS),
    // The edge.
    at(&["Ingress"], "routes-to", &["spec", "rules", "*", "http", "paths", "*", "backend", "service", "name"], SERVICE),
    at(&["Ingress"], "routes-to", &["spec", "rules", "*", "http", "paths", "*", "backend", "serviceName"], SERVICE),
    at(&["Ingress"], "routes-to", &["spec", "defaultBackend", "service", "name"], SERVICE),
    at(&["Ingress"], "routes-to", &["spec", "backend", "serviceName"], SERVICE),
    at(&["Ingress"], "uses", &["spec", "tls", "*", "secretName"], SECRET),
    at(&["Ingress"], "of-class", &["spec", "ingressClassName"], Names::Name(&["IngressClass"])),
    at(&["Ingress"], "of-class", &["metadata", "annotations", "kubernetes.io/ingress.class"], Names::Name(&["IngressClass"])),
    at(&["Ingress"], "issued-by", &["metadata", "annotations", "cert-manager.io/cluster-issuer"], Names::Name(&["ClusterIssuer"])),
    at(&["Ingress"], "issued-by", &["metadata", "annotations", "cert-manager.io/issuer"], Names::Name(&["Issuer"])),
    at(ROUTES, "routes-to", &["spec", "rules", "*", "backendRefs", "*"], Names::Ref(Some("Service"))),
    at(ROUTES, "attaches-to", &["spec", "parentRefs", "*"], Names::Ref(Some("Gateway"))),
    at(&["Gateway"], "uses", &["spec", "listeners", "*", "tls", "certificateRefs", "*"], Names::Ref(Some("Secret"))),
    // cert-manager and generated Secrets.
    at(&["Certificate"], "issued-by", &["spec", "issuerRef"], Names::Ref(Some("Issuer"))),
    at(&["Certificate"], CREATES, &["spec", "secretName"], SECRET),
    at(&["ExternalSecret"], CREATES, &["spec", "target", "name"], SECRET),
    at(&["SealedSecret"], CREATES, &["metadata", "name"], SECRET),
    // Pod specs.
    in_pod("runs-as", &["serviceAccountName"], Names::Name(&["ServiceAccount"])),
    in_pod("uses", &["imagePullSecrets", "*", "name"], SECRET),
    in_pod("uses", &["volumes", "*", "configMap", "name"], CONFIG_MAP),
    in_pod("uses", &["volumes", "*", "secret", "secretName"], SECRET),
    in_pod("uses", &["volumes", "*", "persistentVolumeClaim", "claimName"], Names::Name(&["PersistentVolumeClaim"])),
    in_pod("uses", &["volumes", "*", "projected", "sources", "*", "configMap", "name"], CONFIG_MAP),
    in_pod("uses", &["volumes", "*", "projected", "sources", "*", "secret", "name"], SECRET),
    in_pod("uses", &["initContainers", "*", "env", "*", "valueFrom", "configMapKeyRef", "name"], CONFIG_MAP),
    in_pod("uses", &["containers", "*", "env", "*", "valueFrom", "configMapKeyRef", "name"], CONFIG_MAP),
    in_pod("uses", &["initContainers", "*", "env", "*", "valueFrom", "secretKeyRef", "name"], SECRET),
    in_pod("uses", &["containers", "*", "env", "*", "valueFrom", "secretKeyRef", "name"], SECRET),
    in_pod("uses", &["initContainers", "*", "envFrom", "*", "configMapRef", "name"], CONFIG_MAP),
    in_pod("uses", &["containers", "*", "envFrom", "*", "configMapRef", "name"], CONFIG_MAP),
    in_pod("uses", &["initContainers", "*", "envFrom", "*", "secretRef", "name"], SECRET),
    in_pod("uses", &["containers", "*", "envFrom", "*", "secretRef", "name"], SECRET),
    in_pod("configured-by", &["containers", "*", "args"], Names::Qualified("ConfigMap")),
    at(&["ServiceAccount"], "uses", &["imagePullSecrets", "*", "name"], SECRET),
    at(&["StatefulSet"], "governed-by", &["spec", "serviceName"], SERVICE),
    at(&["ConfigMap"], "uses", &["data", "add-headers"], Names::Qualified("ConfigMap")),
    at(&["ConfigMap"], "uses", &["data", "proxy-set-headers"], Names::Qualified("ConfigMap")),
    // Namespaces that other objects deploy into or back up.
    at(&["Application"], "deploys-to", &["spec", "destination", "namespace"], Names::Namespaces),
    at(&["ApplicationSet"], "deploys-to", &["spec", "template", "spec", "destination", "namespace"], Names::Namespaces),
    at(&["Kustomization", "HelmRelease"], "deploys-to", &["spec", "targetNamespace"], Names::Namespaces),
    at(&["Schedule"], "backs-up", &["spec", "template", "includedNamespaces", "*"], Names::Namespaces),
];

/// Kinds that live in no namespace: a reference to one ignores namespaces,
/// and they are in no Namespace themselves.
const CLUSTER_SCOPED: &[&str] = &[
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "IngressClass",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "RuntimeClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "APIService",
    "ClusterIssuer",
    "ClusterAnalysisTemplate",
    "ClusterPolicy",
    "ClusterImagePolicy",
    "GatewayClass",
];

/// The references an object makes to others; `pod_spec` is the path of a
/// workload's pod spec.
pub fn links(
    kind: &str,
    namespace: Option<&str>,
    body: &Node,
    pod_spec: Option<&[&str]>,
) -> Vec<Link> {
    let mut links = Vec::new();
    let context = Context {
        namespace: namespace.map(Box::from),
    };
    let mut add = |reference: &Reference, node: &Node| {
        for (target, span) in context.targets(reference, node) {
            links.push(Link {
                relation: reference.relation,
                target,
                span,
            });
        }
    };
    for reference in REFERENCES {
        let root = if reference.in_pod {
            match pod_spec.and_then(|path| body.at(path)) {
                Some(spec) => spec,
                None => continue,
            }
        } else if reference.kinds.contains(&kind) {
            body
        } else {
            continue;
        };
        let mut nodes = Vec::new();
        each_at(root, reference.path, &mut nodes);
        for node in nodes {
            add(reference, node);
        }
    }
    if kind == "HelmRelease"
        && body.at(&["spec", "targetNamespace"]).is_none()
        && let Some(own) = body.at(&["metadata", "namespace"])
    {
        // A HelmRelease installs into its own namespace unless told otherwise.
        add(&at(&[], "deploys-to", &[], Names::Namespaces), own);
    }
    if kind == "ExternalSecret"
        && body.at(&["spec", "target", "name"]).is_none()
        && let Some(own) = body.at(&["metadata", "name"])
    {
        // An ExternalSecret's Secret is named after it unless told otherwise.
        add(&at(&[], CREATES, &[], SECRET), own);
    }
    if kind == "Schedule"
        && let Some(template) = body.at(&["spec", "template"])
        && template.get("includedNamespaces").is_none()
    {
        // A Velero Schedule without `includedNamespaces` backs up all.
        links.push(Link {
            relation: "backs-up",
            target: all_namespaces(),
            span: key_span(body, &["spec", "template"]).unwrap_or(template.span),
        });
    }
    if let Some(path) = pod_spec
        && let Some(spec) = body.at(path)
        && spec.get("serviceAccountName").is_none()
    {
        // No ServiceAccount named: the namespace's `default` one, pointed
        // at by the key of the pod spec.
        let span = key_span(body, path).unwrap_or(spec.span);
        links.push(Link {
            relation: "runs-as",
            target: Target::Name {
                kinds: vec!["ServiceAccount".into()],
                namespace: context.namespace.clone(),
                name: "default".into(),
            },
            span,
        });
    }
    if !CLUSTER_SCOPED.contains(&kind) {
        let target = match body.at(&["metadata", "namespace"]) {
            Some(node) => (node.span, name_of(node).map(Box::from)),
            None => (body.get("kind").map_or(body.span, |n| n.span), None),
        };
        links.push(Link {
            relation: "in-namespace",
            target: match (target.1, body.at(&["metadata", "namespace"])) {
                (Some(name), _) => namespace_target(name),
                (None, Some(_)) => Target::Unknown,
                // Applied wherever it is applied: any Namespace, none for sure.
                (None, None) => Target::Possibly(Box::new(all_namespaces())),
            },
            span: target.0,
        });
    }
    // Links live as long as the run, and most objects have one to three.
    links.shrink_to_fit();
    links
}

/// The object whose references are being read.
struct Context {
    namespace: Option<Box<str>>,
}

impl Context {
    /// What the node at a reference's path leads to, and where each
    /// reference is written.
    fn targets(&self, reference: &Reference, node: &Node) -> Vec<(Target, Span)> {
        let mut out = Vec::new();
        let mut push = |target: Target, span| out.push((target, span));
        match reference.names {
            Names::Name(kinds) => {
                let target = match name_of(node) {
                    Some(name) => self.named(kinds, None, name),
                    None => Target::Unknown,
                };
                push(target, node.span);
            }
            Names::Ref(default_kind) => {
                let Some(name) = node.get("name") else {
                    return out;
                };
                let kind = match node.get("kind") {
                    Some(kind) => name_of(kind),
                    None => default_kind,
                };
                let namespace = node.get("namespace").map(name_of);
                let target = match (name_of(name), kind, namespace) {
                    (Some(name), Some(kind), None) => self.named(&[kind], None, name),
                    (Some(name), Some(kind), Some(Some(ns))) => self.named(&[kind], Some(ns), name),
                    _ => Target::Unknown,
                };
                push(target, name.span);
            }
            Names::Qualified(kind) => {
                let items: &[Node] = match &node.value {
                    Value::List(items) => items,
                    _ => std::slice::from_ref(node),
                };
                for item in items {
                    let Some(text) = item.as_str() else { continue };
                    let qualified = if matches!(node.value, Value::List(_)) {
                        match text.strip_prefix("--configmap=") {
                            Some(rest) => rest,
                            None => continue,
                        }
                    } else {
                        text
                    };
                    let target = match qualified.split_once('/') {
                        _ if is_template(qualified) => Target::Unknown,
                        Some((ns, name)) if !name.is_empty() && !name.contains('/') => {
                            // `$(POD_NAMESPACE)` is the pod's own namespace.
                            let ns = (!ns.starts_with("$(")).then_some(ns);
                            match ns {
                                Some(ns) => self.named(&[kind], Some(ns), name),
                                None => Target::Name {
                                    kinds: vec![kind.into()],
                                    namespace: self.namespace.clone(),
                                    name: name.into(),
                                },
                            }
                        }
                        None if !qualified.is_empty() => self.named(&[kind], None, qualified),
                        _ => continue,
                    };
                    push(target, item.span);
                }
            }
            Names::ServiceSelector => {
                // A Service without a selector has its endpoints managed by
                // hand: it selects nothing.
                if node.as_map().is_some_and(|m| !m.entries.is_empty()) {
                    let target = match match_labels(node) {
                        Some(requirements) => self.pods(requirements, self.namespace.clone()),
                        None => Target::Unknown,
                    };
                    push(target, node.span);
                }
            }
            Names::PodSelector => {
                if node.as_map().is_some() {
                    let target = match label_selector(node) {
                        Some(requirements) => self.pods(requirements, self.namespace.clone()),
                        None => Target::Unknown,
                    };
                    push(target, node.span);
                }
            }
            Names::Peer => {
                let pods = node.get("podSelector");
                let namespaces = node.get("namespaceSelector");
                let span = pods.or(namespaces).map_or(node.span, |n| n.span);
                let target = match (pods, namespaces) {
                    (None, None) => return out, // an ipBlock
                    (_, None) => match pods.and_then(label_selector) {
                        Some(requirements) => self.pods(requirements, self.namespace.clone()),
                        None => Target::Unknown,
                    },
                    (_, Some(namespaces)) => {
                        let pods = match pods {
                            Some(pods) => label_selector(pods),
                            None => Some(Vec::new()),
                        };
                        match (pods, named_namespace(namespaces)) {
                            (Some(requirements), Some(ns)) => self.pods(requirements, ns),
                            // Namespaces chosen by their labels: those are on
                            // Namespace objects the run may not have.
                            _ => Target::Unknown,
                        }
                    }
                };
                push(target, span);
            }
            Names::Monitor(kinds, labels) => {
                let Some(selector) = node.get("selector") else {
                    return out;
                };
                let requirements = label_selector(selector);
                let namespaces = node.get("namespaceSelector");
                let mut in_namespaces: Vec<Option<Box<str>>> = Vec::new();
                match namespaces {
                    None => in_namespaces.push(self.namespace.clone()),
                    Some(ns) if ns.get("any").is_some_and(|a| a.value == Value::Bool(true)) => {
                        in_namespaces.push(None)
                    }
                    Some(ns) => match ns.get("matchNames").and_then(Node::as_list) {
                        Some(names) => {
                            for name in names {
                                match name_of(name) {
                                    Some(name) => in_namespaces.push(Some(name.into())),
                                    None => {
                                        push(Target::Unknown, selector.span);
                                        return out;
                                    }
                                }
                            }
                        }
                        None => in_namespaces.push(self.namespace.clone()),
                    },
                }
                for namespace in in_namespaces {
                    let target = match &requirements {
                        Some(requirements) => Target::Selector {
                            kinds: kinds.iter().map(|&k| k.into()).collect(),
                            namespace,
                            labels,
                            requirements: requirements.clone(),
                        },
                        None => Target::Unknown,
                    };
                    push(target, selector.span);
                }
            }
            Names::Namespaces => {
                let target = match name_of(node) {
                    Some("*") => all_namespaces(),
                    Some(name) => namespace_target(name.into()),
                    None => Target::Unknown,
                };
                push(target, node.span);
            }
        }
        out
    }

    /// Objects of `kinds` called `name`, in `namespace` (default: this
    /// object's), or in none for cluster-scoped kinds.
    fn named(&self, kinds: &[&str], namespace: Option<&str>, name: &str) -> Target {
        let cluster_scoped = kinds.iter().all(|k| CLUSTER_SCOPED.contains(k));
        Target::Name {
            kinds: kinds.iter().map(|&k| k.into()).collect(),
            namespace: if cluster_scoped {
                None
            } else {
                namespace.map(Box::from).or_else(|| self.namespace.clone())
            },
            name: name.into(),
        }
    }

    fn pods(&self, requirements: Vec<Requirement>, namespace: Option<Box<str>>) -> Target {
        Target::Selector {
            kinds: vec!["workload".into()],
            namespace,
            labels: "pod",
            requirements,
        }
    }
}

fn namespace_target(name: Box<str>) -> Target {
    Target::Name {
        kinds: vec!["Namespace".into()],
        namespace: None,
        name,
    }
}

fn all_namespaces() -> Target {
    Target::Selector {
        kinds: vec!["Namespace".into()],
        namespace: None,
        labels: "object",
        requirements: Vec::new(),
    }
}

/// The span of the key that holds the node at `path`.
fn key_span(body: &Node, path: &[&str]) -> Option<Span> {
    let (last, parent) = path.split_last()?;
    Some(body.at(parent)?.as_map()?.get(last)?.key_span)
}

/// The namespace a `namespaceSelector` names by the label every Namespace
/// carries, `kubernetes.io/metadata.name`; `Some(None)` for `{}` (all).
fn named_namespace(selector: &Node) -> Option<Option<Box<str>>> {
    let map = selector.as_map()?;
    if map.entries.is_empty() {
        return Some(None);
    }
    let labels = selector.get("matchLabels")?.as_map()?;
    match (&labels.entries[..], map.entries.len()) {
        ([entry], 1) if &*entry.key == "kubernetes.io/metadata.name" => {
            Some(Some(name_of(&entry.value)?.into()))
        }
        _ => None,
    }
}

/// A plain name: a string that is not an unrendered template action.
fn name_of(node: &Node) -> Option<&str> {
    node.as_str().filter(|s| !is_template(s))
}

/// A Go template action (`{{ .Values.name }}`) left in a chart that was
/// not rendered: nobody knows what it names.
fn is_template(text: &str) -> bool {
    text.find("{{")
        .is_some_and(|open| text[open..].contains("}}"))
}

/// Every node at `path` below `node`, `*` stepping into each list item.
fn each_at<'a>(node: &'a Node, path: &[&str], out: &mut Vec<&'a Node>) {
    match path.split_first() {
        None if !node.is_null() => out.push(node),
        None => {}
        Some((&"*", rest)) => {
            for item in node.as_list().unwrap_or_default() {
                each_at(item, rest, out);
            }
        }
        Some((key, rest)) => {
            if let Some(child) = node.get(key) {
                each_at(child, rest, out);
            }
        }
    }
}

/// A plain `key: value` selector (a Service's). `None` when a value is not
/// a plain string (a Helm expression left in place).
fn match_labels(node: &Node) -> Option<Vec<Requirement>> {
    node.as_map()?
        .entries
        .iter()
        .map(|e| {
            let value = e
                .value
                .scalar_text()
                .filter(|v| !e.value.is_unknown() && !is_template(v))?;
            Some(Requirement::In(Box::from(&*e.key), vec![value.into()]))
        })
        .collect()
}

/// A `matchLabels` plus `matchExpressions` selector; `{}` selects all.
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
        let key: Box<str> = name_of(expression.get("key")?)?.into();
        let values = || -> Option<Vec<Box<str>>> {
            expression
                .get("values")?
                .as_list()?
                .iter()
                .map(|v| v.scalar_text().filter(|t| !is_template(t)).map(Box::from))
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

#[cfg(test)]
mod tests {
    use crate::model::{Object, Target};
    use crate::relate::{Relations, Resolved};
    use crate::source::{Source, SourceId};

    fn parse(text: &str) -> (Source, Vec<Object>) {
        let source = Source::new(SourceId(0), "k.yaml".into(), text.into());
        let objects = super::super::parse(&source).0;
        (source, objects)
    }

    /// The kinds and names a relation of the first object leads to, with
    /// the text each link is written at.
    fn leads(text: &str, relation: &str) -> Vec<(String, String)> {
        let (source, objects) = parse(text);
        let relations = Relations::new(&objects);
        objects[0]
            .links
            .iter()
            .filter(|l| l.relation == relation)
            .map(|link| {
                let to = match relations.resolve(0, link) {
                    Resolved::Unknown => "?".to_string(),
                    Resolved::Objects(found) => found
                        .iter()
                        .map(|&i| objects[i as usize].identity())
                        .collect::<Vec<_>>()
                        .join(","),
                };
                (source.slice(link.span).to_string(), to)
            })
            .collect()
    }

    const EDGE: &str = "\
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations: {cert-manager.io/cluster-issuer: letsencrypt}
spec:
  ingressClassName: nginx
  defaultBackend: {service: {name: fallback, port: {number: 80}}}
  tls: [{hosts: [shop.example.com], secretName: shop-tls}]
  rules:
  - http:
      paths:
      - {path: /, backend: {service: {name: api, port: {name: http}}}}
      - {path: /x, backend: {service: {name: '{{ .Values.name }}', port: {number: 80}}}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
---
apiVersion: v1
kind: Service
metadata: {name: fallback, namespace: other}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: shop, namespace: shop}
spec: {secretName: shop-tls, issuerRef: {name: letsencrypt, kind: ClusterIssuer}}
---
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: letsencrypt}
---
apiVersion: networking.k8s.io/v1
kind: IngressClass
metadata: {name: nginx}
";

    #[test]
    fn ingress_references_resolve_by_name_kind_and_namespace() {
        assert_eq!(
            leads(EDGE, "routes-to"),
            [
                ("api".into(), "Service/shop/api".into()),
                ("'{{ .Values.name }}'".into(), "?".into()),
                // In another namespace: not this one's.
                ("fallback".into(), "".into()),
            ]
        );
        // The Secret is made by the Certificate.
        assert_eq!(
            leads(EDGE, "uses"),
            [("shop-tls".into(), "Certificate/shop/shop".into())]
        );
        assert_eq!(
            leads(EDGE, "issued-by"),
            [("letsencrypt".into(), "ClusterIssuer/letsencrypt".into())]
        );
        assert_eq!(
            leads(EDGE, "of-class"),
            [("nginx".into(), "IngressClass/nginx".into())]
        );
    }

    #[test]
    fn pod_specs_reference_accounts_config_and_the_namespace() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    spec:
      imagePullSecrets: [{name: registry}]
      volumes: [{name: c, configMap: {name: settings}}]
      containers:
      - name: api
        args: [--configmap=$(POD_NAMESPACE)/ingress, --other]
        env: [{name: A, valueFrom: {secretKeyRef: {name: creds, key: a}}}]
---
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: default, namespace: shop}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ingress, namespace: shop}
";
        let uses: Vec<String> = leads(text, "uses").into_iter().map(|(at, _)| at).collect();
        assert_eq!(uses, ["registry", "settings", "creds"]);
        assert_eq!(
            leads(text, "runs-as"),
            [("spec".into(), "ServiceAccount/shop/default".into())]
        );
        assert_eq!(
            leads(text, "configured-by"),
            [(
                "--configmap=$(POD_NAMESPACE)/ingress".into(),
                "ConfigMap/shop/ingress".into()
            )]
        );
        assert_eq!(
            leads(text, "in-namespace"),
            [("shop".into(), "Namespace/shop".into())]
        );
    }

    #[test]
    fn an_object_without_a_namespace_may_be_in_any() {
        let text = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec: {podSelector: {}}
---
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: b}
";
        assert_eq!(
            leads(text, "in-namespace"),
            [("NetworkPolicy".into(), "Namespace/a,Namespace/b".into())]
        );
        let (_, objects) = parse(text);
        let relations = Relations::new(&objects);
        assert!(
            !relations.certain(&objects[0].links[1], 1),
            "possibly, not certainly"
        );
        let (_, objects) = parse(text);
        assert!(
            objects[1]
                .links
                .iter()
                .all(|l| l.relation != "in-namespace"),
            "a Namespace is in none"
        );
    }

    #[test]
    fn monitors_and_peers_follow_their_namespace_selectors() {
        let text = "\
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata: {name: api, namespace: monitoring}
spec:
  selector: {matchLabels: {app: api}}
  namespaceSelector: {matchNames: [shop, shop-canary]}
";
        let (_, objects) = parse(text);
        let namespaces: Vec<_> = objects[0]
            .links
            .iter()
            .filter_map(|l| match &l.target {
                Target::Selector { namespace, .. } if l.relation == "monitors" => {
                    Some(namespace.as_deref().map(String::from))
                }
                _ => None,
            })
            .collect();
        assert_eq!(
            namespaces,
            [Some("shop".to_string()), Some("shop-canary".to_string())]
        );
        let policy = "\
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: gateway}}
    - namespaceSelector: {matchLabels: {team: edge}}
    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: edge}}
      podSelector: {matchLabels: {app: proxy}}
    - ipBlock: {cidr: 10.0.0.0/8}
";
        let (_, objects) = parse(policy);
        let peers: Vec<_> = objects[0]
            .links
            .iter()
            .filter(|l| l.relation == "allows-from")
            .map(|l| match &l.target {
                Target::Selector { namespace, .. } => {
                    namespace.as_deref().unwrap_or("*").to_string()
                }
                Target::Unknown => "?".to_string(),
                Target::Name { .. } | Target::Possibly(_) => unreachable!(),
            })
            .collect();
        assert_eq!(peers, ["shop", "?", "edge"]);
    }
}
