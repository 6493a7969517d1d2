//! Effective directives: each level gets what it inherits from its parents
//! (where nginx inherits) overlaid with what it writes itself, and becomes
//! an object whose body maps each directive name to its value. Every value
//! keeps the span where it was written, in whichever file and level.
//!
//! Values: a directive that appears once is its argument (one argument) or
//! the list of its arguments; an array directive (`add_header`, `listen`,
//! …) is the list of its occurrences, each the list of its arguments. Times
//! and sizes are numbers of seconds and bytes. A block without arguments
//! (`events`) is the map of its directives; one with arguments (`if`,
//! `map`) is `{args: […], body: …}`, where the body of `map`, `types`,
//! `geo`, `split_clients` is the list of its entries. When directives
//! nobody can know may be in effect (an include that cannot be followed, a
//! level whose parents are not in the input), the body holds `*`: unknown,
//! so that a missing directive is unknown rather than a finding.

use super::directives::{self, ARRAYS, NOT_INHERITED, SHARED_ARRAYS};
use super::tree::{Context, Level, Occurrence};
use crate::model::{
    Entry, Format, LabelSet, Link, Map, Node, Object, Provenance, Requirement, Target, Value,
};
use crate::source::Span;

/// The directives in effect at one level: each name with its occurrences
/// (the last one for a single directive, all of them for an array).
#[derive(Clone, Default)]
struct Effective<'a> {
    entries: Vec<(&'a str, Vec<Occurrence<'a>>)>,
}

impl<'a> Effective<'a> {
    /// The directives as the object's map entries, each keyed at its first
    /// occurrence.
    fn to_entries(&self) -> Vec<Entry> {
        self.entries
            .iter()
            .map(|(name, occurrences)| Entry {
                key: (*name).into(),
                key_span: occurrences[0].name_span(),
                value: directive_value(name, occurrences),
            })
            .collect()
    }

    fn get(&self, name: &str) -> Option<&[Occurrence<'a>]> {
        self.entries
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, o)| o.as_slice())
    }

    /// A level's own directives over what it inherits.
    fn overlay(parent: &Effective<'a>, level: Level, own: &[Occurrence<'a>]) -> Effective<'a> {
        let mut written: Vec<(&'a str, Vec<Occurrence<'a>>)> = Vec::new();
        for occurrence in own {
            let name = &*occurrence.statement.name.value;
            match written.iter_mut().find(|(n, _)| *n == name) {
                Some((_, list)) if directives::is_array(name) || name == "server_name" => {
                    list.push(*occurrence)
                }
                Some((_, list)) => *list = vec![*occurrence],
                None => written.push((name, vec![*occurrence])),
            }
        }
        let writes = |name: &str| {
            written.iter().any(|(n, _)| *n == name)
                || SHARED_ARRAYS.iter().any(|group| {
                    group.contains(&name)
                        && group.iter().any(|g| written.iter().any(|(n, _)| n == g))
                })
        };
        let mut entries: Vec<(&'a str, Vec<Occurrence<'a>>)> = parent
            .entries
            .iter()
            .filter(|(name, _)| inherits(name, level) && !writes(name))
            .cloned()
            .collect();
        // nginx 1.29.3: `add_header_inherit merge` (own or inherited) adds
        // the parent's headers to the level's own instead of dropping them.
        let merging: Vec<&str> = MERGEABLE
            .iter()
            .copied()
            .filter(|directive| {
                let setting = format!("{directive}_inherit");
                written
                    .iter()
                    .chain(entries.iter())
                    .find(|(n, _)| *n == setting)
                    .and_then(|(_, o)| o.last()?.statement.args.first())
                    .is_some_and(|a| &*a.value == "merge")
            })
            .collect();
        for (name, mut list) in written {
            if merging.contains(&name)
                && inherits(name, level)
                && let Some(inherited) = parent.get(name)
            {
                list.splice(0..0, inherited.iter().copied());
            }
            entries.push((name, list));
        }
        Effective { entries }
    }
}

/// Arrays that `NAME_inherit merge` makes add to the parent's list.
const MERGEABLE: &[&str] = &["add_header", "add_trailer"];

fn inherits(name: &str, level: Level) -> bool {
    match level {
        Level::Main | Level::Upstream => false,
        Level::Http => directives::MAIN_TO_HTTP.contains(&name),
        Level::Server => !NOT_INHERITED.contains(&name),
        Level::Location => {
            !NOT_INHERITED.contains(&name) || directives::CARRIED_FROM_SERVER.contains(&name)
        }
    }
}

/// The objects of a context and everything in it. `namespace` names the
/// configuration (its entry file): references stay within it.
pub fn objects(context: &Context, namespace: &str, out: &mut Vec<Object>) {
    // Iterative, parents first: a level's effective directives are its
    // parent's overlaid with its own.
    let mut pending = vec![(context, Effective::default())];
    while let Some((context, parent)) = pending.pop() {
        let effective = Effective::overlay(&parent, context.level, &context.own);
        out.push(object(context, &effective, namespace));
        out.extend(declarations(context, namespace));
        for child in context.children.iter().rev() {
            pending.push((child, effective.clone()));
        }
    }
}

fn object(context: &Context, effective: &Effective, namespace: &str) -> Object {
    let level = context.level;
    let mut entries = effective.to_entries();
    if let (Level::Location, Some(opener)) = (level, context.opener) {
        // The location's own match (`= /health`, `~* \.php$`), which rules
        // look at like any directive.
        let mut values = args(&opener, "location");
        let value = match values.len() {
            1 => values.remove(0),
            _ => Node::new(Value::List(values), opener.head_span()),
        };
        entries.push(Entry {
            key: "location".into(),
            key_span: opener.name_span(),
            value,
        });
    }
    let (span, anchor) = match context.opener {
        Some(opener) => (
            opener.span(opener.statement.name.start, opener.statement.end),
            anchor(level, opener),
        ),
        None => {
            let file = context.file;
            let whole = file.span(0, file.len);
            let first = file
                .parsed
                .statements
                .first()
                .map_or(file.span(0, 0), |s| file.span(s.name.start, s.name.end));
            (whole, first)
        }
    };
    if context.open {
        entries.push(Entry {
            key: crate::model::UNKNOWN_REST.into(),
            key_span: anchor,
            value: Node::new(
                Value::Unknown("directives from an unknown context or include".into()),
                anchor,
            ),
        });
    }
    let body = Node::new(Value::Map(Map { entries }), span);
    let name = match (level, context.opener) {
        (Level::Server, _) => effective
            .get("server_name")
            .and_then(|o| o[0].statement.args.first())
            .map(|a| a.value.clone()),
        (Level::Location | Level::Upstream, Some(opener)) => {
            let args: Vec<&str> = opener.statement.args.iter().map(|a| &*a.value).collect();
            Some(args.join(" ").into())
        }
        _ => None,
    };
    let mut classes = vec![level.kind()];
    if matches!(level, Level::Server | Level::Location) && is_tls(effective) {
        classes.push("tls");
    }
    if PASSES.iter().any(|p| effective.get(p).is_some()) {
        classes.push("proxying");
    }
    let mut links = passes(effective, namespace);
    links.extend(references(effective, namespace));
    links.extend(server_names(effective, namespace));
    links.extend(auth_requests(effective, namespace));
    if level == Level::Http {
        links.push(Link {
            relation: "contains",
            target: Target::Selector {
                kinds: vec!["location".into()],
                namespace: Some(namespace.into()),
                labels: "configuration",
                requirements: vec![Requirement::In(
                    "configuration".into(),
                    vec![namespace.into()],
                )],
            },
            span: anchor,
        });
    }
    Object {
        origins: origins(effective),
        format: Format::Nginx,
        kind: level.kind().into(),
        api_version: None,
        name,
        namespace: Some(namespace.into()),
        classes,
        views: &[],
        body,
        anchor,
        template: None,
        labels: vec![configuration(namespace)],
        links,
        trail: context.trail.clone(),
        ignores: Vec::new(),
    }
}

/// For directives that an `include` brought in, that include: a finding on
/// the directive, its arguments or the whole of it shows where its file was
/// included.
fn origins(effective: &Effective) -> Vec<(Span, Provenance)> {
    let mut origins = Vec::new();
    for occurrence in effective.entries.iter().flat_map(|(_, o)| o) {
        let Some(include) = occurrence.included_from else {
            continue;
        };
        let provenance = Provenance {
            span: include,
            message: "included here".into(),
        };
        let statement = occurrence.statement;
        let spans = [occurrence.name_span(), occurrence.head_span()]
            .into_iter()
            .chain(
                statement
                    .args
                    .iter()
                    .map(|a| occurrence.span(a.start, a.end)),
            );
        origins.extend(spans.map(|span| (span, provenance.clone())));
    }
    origins
}

/// Where a finding about a level as a whole points: the location's path,
/// the upstream's name, else the block's name.
pub fn anchor(level: Level, opener: Occurrence) -> Span {
    let statement = opener.statement;
    match (level, statement.args.last()) {
        (Level::Location | Level::Upstream, Some(arg)) => opener.span(arg.start, arg.end),
        _ => opener.name_span(),
    }
}

/// A server (or a location in one) that accepts TLS: a `listen … ssl` or
/// `quic`, or the old `ssl on`.
fn is_tls(effective: &Effective) -> bool {
    let listens = effective.get("listen").unwrap_or_default().iter().any(|o| {
        o.statement
            .args
            .iter()
            .any(|a| matches!(&*a.value, "ssl" | "quic"))
    });
    let ssl_on = effective
        .get("ssl")
        .and_then(|o| o.last())
        .and_then(|o| o.statement.args.first())
        .is_some_and(|a| &*a.value == "on");
    listens || ssl_on
}

const PASSES: &[&str] = &[
    "proxy_pass",
    "grpc_pass",
    "fastcgi_pass",
    "uwsgi_pass",
    "scgi_pass",
    "memcached_pass",
];

/// `proxy_pass http://backend/…` and the other `*_pass` directives lead to
/// the upstream of that name (if there is one); a host built from
/// variables might lead to any.
fn passes(effective: &Effective, namespace: &str) -> Vec<Link> {
    let mut links = Vec::new();
    for name in PASSES {
        for occurrence in effective.get(name).unwrap_or_default() {
            let Some(arg) = occurrence.statement.args.first() else {
                continue;
            };
            let span = occurrence.span(arg.start, arg.end);
            let target = match upstream_host(&arg.value) {
                Some(host) if host.contains('$') => Target::Unknown,
                Some(host) => Target::Name {
                    kinds: vec!["upstream".into()],
                    namespace: Some(namespace.into()),
                    name: host.into(),
                },
                None => continue,
            };
            links.push(Link {
                relation: "passes-to",
                target,
                span,
            });
        }
    }
    links
}

/// `access_log … FORMAT`, `limit_req zone=NAME`, `limit_conn NAME` and
/// `proxy_cache NAME` lead to the declaration of that name.
fn references(effective: &Effective, namespace: &str) -> Vec<Link> {
    let mut links = Vec::new();
    for &(directive, reference, kind) in directives::REFERENCES {
        for occurrence in effective.get(directive).unwrap_or_default() {
            let args = &occurrence.statement.args;
            let found = match reference {
                directives::Reference::Index(i) => args.get(i).map(|a| (a, &*a.value)),
                directives::Reference::Prefix(prefix) => args
                    .iter()
                    .find_map(|a| Some((a, a.value.strip_prefix(prefix)?))),
            };
            let Some((arg, name)) = found else { continue };
            if name == "off" {
                continue;
            }
            let target = if name.contains('$') {
                Target::Unknown
            } else {
                Target::Name {
                    kinds: vec![kind.into()],
                    namespace: Some(namespace.into()),
                    name: name.into(),
                }
            };
            links.push(Link {
                relation: "declared-by",
                target,
                span: occurrence.span(arg.start, arg.end),
            });
        }
    }
    links
}

/// The label set every object of a configuration carries, by which its
/// `http` level finds all of its locations.
fn configuration(namespace: &str) -> LabelSet {
    LabelSet {
        name: "configuration",
        labels: vec![("configuration".into(), namespace.into())],
    }
}

/// `auth_request /auth` leads to the location that serves `/auth`: one
/// written `location = /auth` or `location /auth`.
fn auth_requests(effective: &Effective, namespace: &str) -> Vec<Link> {
    let mut links = Vec::new();
    for occurrence in effective.get("auth_request").unwrap_or_default() {
        let Some(uri) = occurrence.statement.args.first() else {
            continue;
        };
        if &*uri.value == "off" {
            continue;
        }
        for name in [format!("= {}", uri.value), uri.value.to_string()] {
            links.push(Link {
                relation: "auth-request",
                target: Target::Name {
                    kinds: vec!["location".into()],
                    namespace: Some(namespace.into()),
                    name: name.into(),
                },
                span: occurrence.span(uri.start, uri.end),
            });
        }
    }
    links
}

/// Each name a server answers to leads to the servers of the same
/// configuration whose first name it is (the plain-HTTP and the TLS server
/// of one site).
fn server_names(effective: &Effective, namespace: &str) -> Vec<Link> {
    let mut links = Vec::new();
    for occurrence in effective.get("server_name").unwrap_or_default() {
        for arg in &occurrence.statement.args {
            if arg.value.is_empty() || &*arg.value == "_" || arg.value.contains('$') {
                continue;
            }
            links.push(Link {
                relation: "shares-name",
                target: Target::Name {
                    kinds: vec!["server".into()],
                    namespace: Some(namespace.into()),
                    name: arg.value.clone(),
                },
                span: occurrence.span(arg.start, arg.end),
            });
        }
    }
    links
}

/// The named declarations written at a level (`log_format`, the zones of
/// `limit_req_zone`, `limit_conn_zone`, `proxy_cache_path`) as objects whose
/// body is `{args: […]}`.
fn declarations(context: &Context, namespace: &str) -> Vec<Object> {
    let mut out = Vec::new();
    for occurrence in &context.own {
        let statement = occurrence.statement;
        let Some(&(kind, prefix)) = directives::DECLARATIONS
            .iter()
            .find(|(d, _)| *d == &*statement.name.value)
        else {
            continue;
        };
        let named = match prefix {
            None => statement.args.first().map(|a| (a, &*a.value)),
            Some(prefix) => statement.args.iter().find_map(|a| {
                let rest = a.value.strip_prefix(prefix)?;
                Some((a, rest.split(':').next().unwrap_or(rest)))
            }),
        };
        let Some((arg, name)) = named else { continue };
        let span = occurrence.span(statement.name.start, statement.end);
        let args = Node::new(Value::List(args(occurrence, kind)), occurrence.head_span());
        let body = Node::new(
            Value::Map(Map {
                entries: vec![Entry {
                    key: "args".into(),
                    key_span: occurrence.name_span(),
                    value: args,
                }],
            }),
            span,
        );
        out.push(Object {
            format: Format::Nginx,
            kind: kind.into(),
            api_version: None,
            name: Some(name.into()),
            namespace: Some(namespace.into()),
            classes: vec![kind],
            views: &[],
            body,
            anchor: occurrence.span(arg.start, arg.end),
            template: None,
            labels: vec![configuration(namespace)],
            links: Vec::new(),
            origins: Vec::new(),
            trail: context.trail.clone(),
            ignores: Vec::new(),
        });
    }
    out
}

/// The host part of a `*_pass` address, without scheme, port and path.
fn upstream_host(address: &str) -> Option<&str> {
    if address.starts_with("unix:") {
        return None;
    }
    let rest = address.split_once("://").map_or(address, |(_, r)| r);
    let host = rest.split(['/', '?']).next()?;
    let host = if host.starts_with('[') {
        host
    } else {
        host.rsplit_once(':').map_or(host, |(h, _)| h)
    };
    (!host.is_empty()).then_some(host)
}

fn directive_value(name: &str, occurrences: &[Occurrence]) -> Node {
    if ARRAYS.contains(&name) {
        let items: Vec<Node> = occurrences
            .iter()
            .map(|o| occurrence_node(o, true))
            .collect();
        let span = occurrences[0].head_span();
        return Node::new(Value::List(items), span);
    }
    if name == "server_name" && occurrences.len() > 1 {
        let items: Vec<Node> = occurrences.iter().flat_map(|o| args(o, name)).collect();
        return Node::new(Value::List(items), occurrences[0].head_span());
    }
    occurrence_node(occurrences.last().expect("at least one"), false)
}

/// One directive as written: its block, or its arguments (a lone argument
/// stands for itself unless `as_list`).
fn occurrence_node(occurrence: &Occurrence, as_list: bool) -> Node {
    let statement = occurrence.statement;
    let name = &*statement.name.value;
    match &statement.body {
        super::parser::Body::None => {
            let mut values = args(occurrence, name);
            if values.len() == 1 && !as_list {
                return values.remove(0);
            }
            let span = match (statement.args.first(), statement.args.last()) {
                (Some(first), Some(last)) if !as_list => occurrence.span(first.start, last.end),
                _ => occurrence.head_span(),
            };
            Node::new(Value::List(values), span)
        }
        // `statement.end` is past the closing `}`, or the text's end when
        // the block is unterminated.
        super::parser::Body::Opaque { open, .. } => Node::new(
            Value::Unknown("Lua code".into()),
            occurrence.span(*open, statement.end),
        ),
        super::parser::Body::Block { open, .. } => {
            let block_span = occurrence.span(*open, statement.end);
            let body = block_body(occurrence, block_span);
            if statement.args.is_empty() {
                return body;
            }
            let mut values = args(occurrence, name);
            if name == "if" {
                strip_parentheses(&mut values);
            }
            let first = statement.args.first().expect("has arguments");
            let last = statement.args.last().expect("has arguments");
            let args_span = occurrence.span(first.start, last.end);
            Node::new(
                Value::Map(Map {
                    entries: vec![
                        Entry {
                            key: "args".into(),
                            key_span: args_span,
                            value: Node::new(Value::List(values), args_span),
                        },
                        Entry {
                            key: "body".into(),
                            key_span: occurrence.span(*open, open + 1),
                            value: body,
                        },
                    ],
                }),
                occurrence.span(statement.name.start, statement.end),
            )
        }
    }
}

/// The directives of a block that is not a level of its own (`events`,
/// `if`, `limit_except`), or the entries of `map`, `types`, `geo`.
fn block_body(occurrence: &Occurrence, span: Span) -> Node {
    let statement = occurrence.statement;
    let file = occurrence.file;
    let children = statement.children();
    if directives::ENTRY_BLOCKS.contains(&&*statement.name.value) {
        let entries = children
            .iter()
            .map(|child| {
                let words = std::iter::once(&child.name)
                    .chain(&child.args)
                    .map(|w| Node::new(Value::String(w.value.clone()), file.span(w.start, w.end)))
                    .collect();
                Node::new(
                    Value::List(words),
                    file.span(child.name.start, child.head_end()),
                )
            })
            .collect();
        return Node::new(Value::List(entries), span);
    }
    let occurrences: Vec<Occurrence> = children
        .iter()
        .map(|statement| Occurrence {
            statement,
            file,
            included_from: occurrence.included_from,
        })
        .collect();
    let effective = Effective::overlay(&Effective::default(), Level::Main, &occurrences);
    Node::new(
        Value::Map(Map {
            entries: effective.to_entries(),
        }),
        span,
    )
}

/// `if ($a = b)`: the condition without its parentheses.
fn strip_parentheses(values: &mut [Node]) {
    let trim = |node: &mut Node, front: bool| {
        if let Value::String(text) = &node.value {
            let trimmed = if front {
                text.strip_prefix('(')
            } else {
                text.strip_suffix(')')
            };
            if let Some(trimmed) = trimmed {
                let (start, end) = (node.span.start, node.span.end);
                let span = if front {
                    Span {
                        start: (start + 1).min(end),
                        ..node.span
                    }
                } else {
                    Span {
                        end: end.saturating_sub(1).max(start),
                        ..node.span
                    }
                };
                *node = Node::new(Value::String(trimmed.into()), span);
            }
        }
    };
    if let Some(first) = values.first_mut() {
        trim(first, true);
    }
    if let Some(last) = values.last_mut() {
        trim(last, false);
    }
}

/// The arguments of a directive as nodes: times and sizes as numbers.
fn args(occurrence: &Occurrence, name: &str) -> Vec<Node> {
    let convert: Option<fn(&str) -> Option<f64>> = if directives::TIMES.contains(&name) {
        Some(directives::seconds)
    } else if directives::SIZES.contains(&name) {
        Some(directives::bytes)
    } else {
        None
    };
    occurrence
        .statement
        .args
        .iter()
        .map(|arg| {
            let span = occurrence.span(arg.start, arg.end);
            let value = match convert.and_then(|f| f(&arg.value)) {
                Some(n) => Value::Number(n),
                None => Value::String(arg.value.clone()),
            };
            Node::new(value, span)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::upstream_host;

    #[test]
    fn upstream_hosts_lose_scheme_port_and_path() {
        assert_eq!(upstream_host("http://backend/api"), Some("backend"));
        assert_eq!(upstream_host("https://api:8443"), Some("api"));
        assert_eq!(upstream_host("127.0.0.1:9000"), Some("127.0.0.1"));
        assert_eq!(upstream_host("http://$host$uri"), Some("$host$uri"));
        assert_eq!(upstream_host("unix:/run/app.sock"), None);
    }
}
