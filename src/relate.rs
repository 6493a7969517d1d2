//! The relate step: indexes, built once per run over every object read
//! (reported or context), that answer which objects a link leads to and
//! which links lead to an object. Links are the adapters' (a selector, a
//! backend, an expression naming another block); what they mean is theirs,
//! and this module only matches names, kinds, namespaces and labels.
//!
//! Nothing is materialised per edge: a thousand Services selecting the same
//! labels cost an index entry each, and rules ask only as much as they need.
//! Indexes are also kept by namespace, so that a monorepo of a thousand
//! namespaces with the same `app: api` does not compare each with all.

// Hashing string keys dominates building the indexes: a fast hasher.
use foldhash::HashMap;

use crate::model::{CREATES, Format, Link, Object, Requirement, Target};

/// Where a link sits: the object's index and the link's index in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LinkId {
    pub object: u32,
    pub link: u32,
}

/// What a link leads to.
#[derive(Debug, PartialEq)]
pub enum Resolved {
    /// These objects, in input order (possibly none).
    Objects(Vec<u32>),
    /// Nobody can know: the reference is an unresolved expression.
    Unknown,
}

/// Entries by key, and by key and namespace: a lookup within a namespace
/// sees that namespace's entries and those in none (which may be anywhere);
/// one in no namespace sees all.
struct Index<'a, K, T> {
    all: HashMap<K, Vec<T>>,
    scoped: HashMap<(K, Option<&'a str>), Vec<T>>,
}

impl<'a, K: std::hash::Hash + Eq + Copy, T: Copy> Index<'a, K, T> {
    fn new() -> Self {
        Index {
            all: HashMap::default(),
            scoped: HashMap::default(),
        }
    }

    fn push(&mut self, key: K, namespace: Option<&'a str>, item: T) {
        self.all.entry(key).or_default().push(item);
        self.scoped.entry((key, namespace)).or_default().push(item);
    }

    fn within(&self, key: K, namespace: Option<&'a str>, out: &mut Vec<T>) {
        let found = |k| self.scoped.get(&k).map_or(&[][..], Vec::as_slice);
        match namespace {
            None => out.extend(self.all.get(&key).map_or(&[][..], Vec::as_slice)),
            Some(_) => {
                out.extend(found((key, namespace)));
                out.extend(found((key, None)));
            }
        }
    }
}

pub struct Relations<'a> {
    objects: &'a [Object],
    found: ObjectIndexes<'a>,
    links: LinkIndexes<'a>,
    /// Tells this run's relations from any other's, for what evaluation
    /// keeps per object.
    run: u64,
}

/// What objects are found by: their names, labels, format and kind.
struct ObjectIndexes<'a> {
    /// Objects by format and name.
    by_name: Index<'a, (Format, &'a str), u32>,
    /// Objects by format, label set, label key and value.
    by_label: Index<'a, (Format, &'a str, &'a str, &'a str), u32>,
    /// Objects by format (and namespace), for selectors no label narrows
    /// down.
    by_format: Index<'a, Format, u32>,
    /// Objects by format and kind or class.
    by_kind: HashMap<(Format, &'a str), Vec<u32>>,
}

impl<'a> ObjectIndexes<'a> {
    fn new(objects: &'a [Object]) -> Self {
        let mut indexes = ObjectIndexes {
            by_name: Index::new(),
            by_label: Index::new(),
            by_format: Index::new(),
            by_kind: HashMap::default(),
        };
        for (index, object) in objects.iter().enumerate() {
            let index = index as u32;
            let format = object.format;
            let namespace = object.namespace.as_deref();
            indexes.by_format.push(format, namespace, index);
            for kind in std::iter::once(&*object.kind).chain(object.classes.iter().copied()) {
                indexes
                    .by_kind
                    .entry((format, kind))
                    .or_default()
                    .push(index);
            }
            for name in names(object) {
                indexes.by_name.push((format, name), namespace, index);
            }
            for set in &object.labels {
                for (key, value) in &set.labels {
                    indexes
                        .by_label
                        .push((format, set.name, key, value), namespace, index);
                }
            }
        }
        indexes
    }
}

/// The links of all objects, by what they lead to.
struct LinkIndexes<'a> {
    /// Name links by format, relation and target name (and namespace).
    named_links: Index<'a, (Format, &'a str, &'a str), LinkId>,
    /// Selector links by format, relation and the label pair of their first
    /// equality requirement.
    selector_links: Index<'a, (Format, &'a str, &'a str, &'a str), LinkId>,
    /// Selector links with no such requirement (they may select anything),
    /// and links whose target is unknown (they may lead anywhere), by format
    /// and relation.
    broad_links: Index<'a, (Format, &'a str), LinkId>,
    unknown_links: HashMap<(Format, &'a str), Vec<LinkId>>,
}

impl<'a> LinkIndexes<'a> {
    fn new(objects: &'a [Object]) -> Self {
        let mut indexes = LinkIndexes {
            named_links: Index::new(),
            selector_links: Index::new(),
            broad_links: Index::new(),
            unknown_links: HashMap::default(),
        };
        for (index, object) in objects.iter().enumerate() {
            let format = object.format;
            for (link_index, link) in object.links.iter().enumerate() {
                let id = LinkId {
                    object: index as u32,
                    link: link_index as u32,
                };
                match link.target.possible() {
                    Target::Name {
                        name, namespace, ..
                    } => indexes.named_links.push(
                        (format, link.relation, name),
                        namespace.as_deref(),
                        id,
                    ),
                    Target::Selector {
                        requirements,
                        namespace,
                        ..
                    } => match first_equality(requirements) {
                        Some((key, value)) => indexes.selector_links.push(
                            (format, link.relation, key, value),
                            namespace.as_deref(),
                            id,
                        ),
                        None => indexes.broad_links.push(
                            (format, link.relation),
                            namespace.as_deref(),
                            id,
                        ),
                    },
                    Target::Unknown | Target::Possibly(_) => indexes
                        .unknown_links
                        .entry((format, link.relation))
                        .or_default()
                        .push(id),
                }
            }
        }
        indexes
    }
}

impl<'a> Relations<'a> {
    pub fn new(objects: &'a [Object]) -> Self {
        static RUNS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        // The objects' own indexes and the links' are independent: built
        // side by side, as relating is otherwise one thread's work.
        let (found, links) =
            rayon::join(|| ObjectIndexes::new(objects), || LinkIndexes::new(objects));
        Relations {
            run: RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            objects,
            found,
            links,
        }
    }

    /// Unique to this set of relations among all made in the process.
    pub fn run(&self) -> u64 {
        self.run
    }

    pub fn object(&self, index: u32) -> &'a Object {
        &self.objects[index as usize]
    }

    pub fn link(&self, id: LinkId) -> &'a Link {
        &self.object(id.object).links[id.link as usize]
    }

    /// The objects of the run of one of `kinds` (kinds or classes; none:
    /// every object of the format), in input order.
    pub fn of_kinds(&self, format: Format, kinds: &[Box<str>]) -> Vec<u32> {
        if kinds.is_empty() {
            return self
                .found
                .by_format
                .all
                .get(&format)
                .cloned()
                .unwrap_or_default();
        }
        let mut found: Vec<u32> = kinds
            .iter()
            .filter_map(|kind| self.found.by_kind.get(&(format, &**kind)))
            .flatten()
            .copied()
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The objects a link of the object at `from` leads to.
    pub fn resolve(&self, from: u32, link: &Link) -> Resolved {
        let format = self.object(from).format;
        let mut candidates: Vec<u32> = Vec::new();
        match link.target.possible() {
            Target::Unknown | Target::Possibly(_) => return Resolved::Unknown,
            Target::Name {
                name, namespace, ..
            } => {
                self.found
                    .by_name
                    .within((format, &**name), namespace.as_deref(), &mut candidates)
            }
            Target::Selector {
                labels,
                requirements,
                namespace,
                ..
            } => match first_equality(requirements) {
                Some((key, value)) => self.found.by_label.within(
                    (format, *labels, key, value),
                    namespace.as_deref(),
                    &mut candidates,
                ),
                None => self
                    .found
                    .by_format
                    .within(format, namespace.as_deref(), &mut candidates),
            },
        }
        candidates.retain(|&to| to != from && leads_to(link.target.possible(), self.object(to)));
        candidates.sort_unstable();
        candidates.dedup();
        Resolved::Objects(candidates)
    }

    /// Whether a link that leads to the object at `to` certainly does: not
    /// when it only possibly does, nor when one of the two has a namespace
    /// and the other none (the object without one may be applied anywhere).
    pub fn certain(&self, link: &Link, to: u32) -> bool {
        let namespace = match &link.target {
            Target::Name { namespace, .. } | Target::Selector { namespace, .. } => namespace,
            Target::Unknown | Target::Possibly(_) => return false,
        };
        namespace.as_deref() == self.object(to).namespace.as_deref()
    }

    /// The links of `relation` that lead to the object at `to`, in input
    /// order, and whether some link of that relation is unknown and so might
    /// lead to it as well.
    pub fn incoming(&self, to: u32, relation: &str) -> (Vec<LinkId>, bool) {
        let object = self.object(to);
        let format = object.format;
        let namespace = object.namespace.as_deref();
        let mut found: Vec<LinkId> = Vec::new();
        for name in names(object) {
            self.links
                .named_links
                .within((format, relation, name), namespace, &mut found);
        }
        for set in &object.labels {
            for (key, value) in &set.labels {
                self.links.selector_links.within(
                    (format, relation, key, value),
                    namespace,
                    &mut found,
                );
            }
        }
        self.links
            .broad_links
            .within((format, relation), namespace, &mut found);
        found.retain(|&id| id.object != to && leads_to(self.link(id).target.possible(), object));
        found.sort_unstable();
        found.dedup();
        let unknown = self
            .links
            .unknown_links
            .get(&(format, relation))
            .is_some_and(|links| links.iter().any(|id| id.object != to));
        (found, unknown)
    }
}

/// The names an object is found by: its own, and those of the objects it
/// creates (a Certificate's Secret), once each.
fn names(object: &Object) -> impl Iterator<Item = &str> {
    let own = object.name.as_deref();
    let created = object
        .links
        .iter()
        .filter_map(move |link| match &link.target {
            Target::Name { name, .. } if link.relation == CREATES && Some(&**name) != own => {
                Some(&**name)
            }
            _ => None,
        });
    own.into_iter().chain(created)
}

/// The label pair of a selector's first single-valued `In` requirement: a
/// selector can only match objects that carry it.
fn first_equality(requirements: &[Requirement]) -> Option<(&str, &str)> {
    requirements.iter().find_map(|r| match r {
        Requirement::In(key, values) if values.len() == 1 => Some((&**key, &*values[0])),
        _ => None,
    })
}

impl Target {
    /// What a target describes, whether certainly or possibly.
    fn possible(&self) -> &Target {
        match self {
            Target::Possibly(target) => target.possible(),
            target => target,
        }
    }
}

/// Whether a target describes the object.
fn leads_to(target: &Target, object: &Object) -> bool {
    match target {
        Target::Unknown | Target::Possibly(_) => false,
        Target::Name {
            kinds,
            namespace,
            name,
        } => {
            let is_it = object.name.as_deref() == Some(&**name)
                && is_of_kind(kinds, object)
                && same_namespace(namespace.as_deref(), object.namespace.as_deref());
            is_it
                || object.links.iter().any(|link| match &link.target {
                    Target::Name {
                        kinds: made,
                        namespace: made_in,
                        name: made_name,
                    } if link.relation == CREATES => {
                        made_name == name
                            && (kinds.is_empty() || made.iter().any(|k| kinds.contains(k)))
                            && same_namespace(namespace.as_deref(), made_in.as_deref())
                    }
                    _ => false,
                })
        }
        Target::Selector {
            kinds,
            namespace,
            labels,
            requirements,
        } => {
            is_of_kind(kinds, object)
                && same_namespace(namespace.as_deref(), object.namespace.as_deref())
                && object
                    .label_set(labels)
                    .is_some_and(|set| requirements.iter().all(|r| satisfies(r, &set.labels)))
        }
    }
}

fn is_of_kind(kinds: &[Box<str>], object: &Object) -> bool {
    kinds.is_empty()
        || kinds
            .iter()
            .any(|k| **k == *object.kind || object.classes.contains(&&**k))
}

/// An object whose namespace is not written is deployed wherever it is
/// applied (`kubectl -n`), so it may share a namespace with anything.
fn same_namespace(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    }
}

fn satisfies(requirement: &Requirement, labels: &[(Box<str>, Box<str>)]) -> bool {
    let value = |key: &str| labels.iter().find(|(k, _)| **k == *key).map(|(_, v)| &**v);
    match requirement {
        Requirement::In(key, values) => {
            value(key).is_some_and(|v| values.iter().any(|x| **x == *v))
        }
        Requirement::NotIn(key, values) => {
            value(key).is_none_or(|v| values.iter().all(|x| **x != *v))
        }
        Requirement::Exists(key) => value(key).is_some(),
        Requirement::DoesNotExist(key) => value(key).is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::kubernetes;
    use crate::source::{Source, SourceId};

    fn objects(text: &str) -> Vec<Object> {
        kubernetes::parse(&Source::new(SourceId(0), "k.yaml".into(), text.into())).0
    }

    const APP: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  template:
    metadata: {labels: {app: api, tier: web}}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec: {selector: {app: api}}
---
apiVersion: v1
kind: Service
metadata: {name: other, namespace: elsewhere}
spec: {selector: {app: api}}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: all, namespace: shop}
spec: {podSelector: {}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  selector:
    matchExpressions: [{key: tier, operator: In, values: [web, edge]}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: api, namespace: shop}
spec: {scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}}
";

    #[test]
    fn selectors_and_names_lead_to_objects_in_the_same_namespace() {
        let objects = objects(APP);
        let relations = Relations::new(&objects);
        let (selectors, unknown) = relations.incoming(0, "selects");
        let kinds: Vec<&str> = selectors
            .iter()
            .map(|id| &*relations.object(id.object).kind)
            .collect();
        assert_eq!(kinds, ["Service", "NetworkPolicy", "PodDisruptionBudget"]);
        assert!(!unknown);
        let (scalers, _) = relations.incoming(0, "scales");
        assert_eq!(scalers.len(), 1);
        let service = &objects[1];
        assert_eq!(
            relations.resolve(1, &service.links[0]),
            Resolved::Objects(vec![0])
        );
        assert_eq!(
            relations.resolve(2, &objects[2].links[0]),
            Resolved::Objects(vec![])
        );
    }

    #[test]
    fn an_unknown_link_might_lead_anywhere() {
        let mut objects = objects(APP);
        objects[2].links[0].target = Target::Unknown;
        let relations = Relations::new(&objects);
        assert!(relations.incoming(0, "selects").1);
        assert_eq!(
            relations.resolve(2, &objects[2].links[0]),
            Resolved::Unknown
        );
    }

    #[test]
    fn requirements_follow_kubernetes_semantics() {
        let labels: Vec<(Box<str>, Box<str>)> = vec![("app".into(), "api".into())];
        assert!(satisfies(
            &Requirement::NotIn("app".into(), vec!["web".into()]),
            &labels
        ));
        assert!(satisfies(
            &Requirement::NotIn("tier".into(), vec!["web".into()]),
            &labels
        ));
        assert!(!satisfies(
            &Requirement::DoesNotExist("app".into()),
            &labels
        ));
        assert!(satisfies(&Requirement::Exists("app".into()), &labels));
        assert!(!satisfies(
            &Requirement::In("app".into(), vec!["web".into()]),
            &labels
        ));
    }
}
