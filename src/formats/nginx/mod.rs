//! The nginx adapter: a hand-written lexer and parser that keep every
//! token's byte span, `include`s followed from each entry file, and the
//! contexts `main`, `http`, `server`, `location` and `upstream` as objects
//! holding the directives they effectively have (see `objects`).
//!
//! Entry files: `nginx.conf` and every file with a main context (`http`,
//! `events` at its top level); then every other nginx file that no other
//! one includes, read in the context it declares (`# airworthy:context
//! server`) or that its top level shows (`server` blocks: `http`;
//! `location` blocks: `server`). A file whose context cannot be told is
//! parsed (syntax errors are reported) but makes no objects. Named
//! declarations (`log_format`, zones, caches) are objects too, and the
//! Kubernetes adapter hands ConfigMap values to [`embedded`].

mod directives;
mod includes;
mod lexer;
mod objects;
mod parser;
mod tree;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::discover::absolute;
use crate::formats::{Loaded, Loader};
use crate::model::{Diagnostic, Format, FormatVocabulary, Object, Problem};
use crate::source::{Source, SourceId, Sources, Span};
use tree::{Builder, Level};

pub const VOCABULARY: FormatVocabulary = FormatVocabulary {
    format: Format::Nginx,
    // Every object is of its kind's class (kinds are lower case, like the
    // directives); `tls`: a server (or a location in one) that listens with
    // `ssl`; `proxying`: a level that hands requests on with a `*_pass`.
    classes: &[
        "main",
        "http",
        "server",
        "location",
        "upstream",
        "log_format",
        "limit_conn_zone",
        "limit_req_zone",
        "proxy_cache_path",
        "tls",
        "proxying",
    ],
    views: &[],
    // `passes-to`: `proxy_pass http://backend` (and the other `*_pass`)
    // lead to the upstream `backend`; `declared-by`: `access_log … main`,
    // `limit_req zone=api`, `limit_conn`, `proxy_cache` lead to the
    // `log_format`, zone or cache they name; `shares-name`: a server's
    // names lead to the servers named so; `auth-request`: `auth_request
    // /auth` leads to the location `/auth`; `contains`: an `http` level
    // leads to every location of its configuration.
    relations: &[
        "passes-to",
        "declared-by",
        "shares-name",
        "auth-request",
        "contains",
    ],
    // Every object carries `configuration: <entry file>`.
    label_sets: &["configuration"],
    // Kinds are lower case, and each is also a class of its name.
    kinds_are_lowercase: false,
};

/// Folders whose `.conf` files are nginx configuration by convention.
const CONFIG_DIRS: &[&str] = &[
    "nginx",
    "conf.d",
    "sites-available",
    "sites-enabled",
    "snippets",
];

/// Directives that begin a line of nginx configuration and hardly anything
/// else: a `.conf` file elsewhere is only parsed when it has one.
const SIGNS: &[&str] = &[
    "server {",
    "http {",
    "events {",
    "upstream ",
    "location ",
    "server_name ",
    "proxy_pass ",
    "worker_processes ",
    "listen ",
];

/// Whether a file is nginx configuration by its name alone: `nginx.conf`,
/// `*.nginx`, `*.conf` under a folder of [`CONFIG_DIRS`], any file right
/// in `sites-enabled` or `sites-available`.
pub fn has_nginx_name(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if name == "nginx.conf" || name.ends_with(".nginx") {
        return true;
    }
    // Debian's `sites-enabled/default`: no extension.
    let parent = path.parent().and_then(Path::file_name);
    if path.extension().is_none()
        && parent.is_some_and(|d| d == "sites-enabled" || d == "sites-available")
    {
        return true;
    }
    name.ends_with(".conf")
        && path
            .parent()
            .into_iter()
            .flat_map(Path::ancestors)
            .filter_map(|dir| dir.file_name().and_then(|n| n.to_str()))
            .any(|dir| CONFIG_DIRS.contains(&dir))
}

/// A cheap look: nginx by name, or a `.conf` file that starts a line with
/// a directive only nginx has and parses without errors.
pub fn detect(path: &Path, text: &str) -> bool {
    if has_nginx_name(path) {
        return true;
    }
    let conf = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("conf"));
    conf && text
        .lines()
        .any(|line| SIGNS.iter().any(|sign| line.trim_start().starts_with(sign)))
        && parser::parse(text).errors.is_empty()
}

/// Maps offsets in the text that was parsed to offsets in its source: the
/// same for a file, shifted line by line for a config inside a YAML block
/// scalar.
#[derive(Debug)]
pub enum Offsets {
    Same,
    /// `(start in the text, start in the source)` of each line, sorted.
    Lines(Vec<(u32, u32)>),
}

/// One parsed nginx text.
pub struct NginxFile {
    pub source: SourceId,
    pub offsets: Offsets,
    pub len: u32,
    pub parsed: parser::Parsed,
    /// The context a `# airworthy:context LEVEL` comment declares.
    pub declared: Option<Level>,
    /// Where a template's markup (`{{ … }}`, `{% … %}`) starts, in a file
    /// that does not parse: it is nginx only once rendered, so it is
    /// reported once as not checked and read as holding nothing known.
    pub template: Option<u32>,
}

impl NginxFile {
    pub fn parse(source: SourceId, text: &str, offsets: Offsets) -> NginxFile {
        let mut parsed = parser::parse(text);
        let template = (!parsed.errors.is_empty())
            .then(|| text.find("{{").or_else(|| text.find("{%")))
            .flatten()
            .map(|at| at as u32);
        if template.is_some() {
            parsed.statements.clear();
        }
        let declared = parsed.comments.iter().find_map(|&(start, end)| {
            let comment = text[start as usize..end as usize]
                .trim_start_matches('#')
                .trim();
            Level::from_name(comment.strip_prefix("airworthy:context")?.trim())
        });
        NginxFile {
            source,
            offsets,
            len: text.len() as u32,
            parsed,
            declared,
            template,
        }
    }

    pub fn span(&self, start: u32, end: u32) -> Span {
        let map = |offset: u32| match &self.offsets {
            Offsets::Same => offset,
            Offsets::Lines(lines) => {
                let index = lines.partition_point(|&(text, _)| text <= offset).max(1) - 1;
                let (text, source) = lines.get(index).copied().unwrap_or((0, 0));
                source + (offset - text)
            }
        };
        Span::new(self.source, map(start) as usize, map(end) as usize)
    }

    fn diagnostics(&self) -> Vec<Diagnostic> {
        if let Some(at) = self.template {
            return vec![Diagnostic::new(
                Problem::InputError,
                self.span(at, at + 2),
                "a template (`{{ … }}` or `{% … %}`), not nginx until rendered: not checked; check the rendered configuration",
            )];
        }
        self.parsed
            .errors
            .iter()
            .map(|e| {
                Diagnostic::new(
                    Problem::ParseError,
                    self.span(e.start, e.end),
                    e.message.clone(),
                )
            })
            .collect()
    }

    fn has_top_level(&self, names: &[&str]) -> bool {
        self.parsed
            .statements
            .iter()
            .any(|s| names.contains(&&*s.name.value))
    }

    /// The level of a file read on its own.
    fn standalone_level(&self, path: &Path) -> Option<Level> {
        if let Some(level) = self.declared {
            return Some(level);
        }
        let is_main = path.file_name().is_some_and(|n| n == "nginx.conf")
            || self.has_top_level(&["http", "events", "worker_processes", "stream"]);
        if is_main {
            Some(Level::Main)
        } else if self.has_top_level(&["server", "upstream", "map", "log_format"]) {
            Some(Level::Http)
        } else if self.has_top_level(&["location", "listen", "server_name"]) {
            Some(Level::Server)
        } else {
            None
        }
    }
}

/// The parsed nginx files of a run: those given, and those includes reach,
/// each parsed once.
pub struct Files<'l> {
    pub loader: &'l dyn Loader,
    arena: boxcar::Vec<NginxFile>,
    by_source: Mutex<HashMap<SourceId, usize>>,
}

impl<'l> Files<'l> {
    fn new(loader: &'l dyn Loader, parsed: Vec<NginxFile>) -> Self {
        let files = Files {
            loader,
            arena: boxcar::Vec::new(),
            by_source: Mutex::new(HashMap::new()),
        };
        for file in parsed {
            files.insert(file);
        }
        files
    }

    fn insert(&self, file: NginxFile) -> &NginxFile {
        let source = file.source;
        let index = self.arena.push(file);
        self.by_source
            .lock()
            .expect("not poisoned")
            .insert(source, index);
        &self.arena[index]
    }

    pub fn sources(&self) -> &Sources {
        self.loader.sources()
    }

    pub fn get(&self, source: SourceId) -> Option<&NginxFile> {
        let index = *self.by_source.lock().expect("not poisoned").get(&source)?;
        Some(&self.arena[index])
    }

    /// The file at `path`, read (as context) and parsed if need be.
    pub fn load(&self, path: &Path) -> Result<&NginxFile, String> {
        let source = self.loader.load(path)?;
        if let Some(file) = self.get(source) {
            return Ok(file);
        }
        let text = &self.sources().get(source).text;
        Ok(self.insert(NginxFile::parse(source, text, Offsets::Same)))
    }

    fn iter(&self) -> impl Iterator<Item = &NginxFile> {
        self.arena.iter().map(|(_, f)| f)
    }
}

/// What the configuration file tells the nginx adapter.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Globs (absolute, or relative to the working directory) of main
    /// configuration files that neither their name (`nginx.conf`) nor their
    /// content (a top-level `http` or `events`) shows to be one.
    pub entries: Vec<String>,
    compiled: std::sync::OnceLock<globset::GlobSet>,
}

impl Options {
    pub fn new(entries: Vec<String>) -> Self {
        Options {
            entries,
            compiled: std::sync::OnceLock::new(),
        }
    }

    /// Whether a path is one of the entry globs (compiled once).
    pub fn is_entry(&self, path: &Path) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let set = self.compiled.get_or_init(|| {
            let mut builder = globset::GlobSetBuilder::new();
            for glob in self
                .entries
                .iter()
                .filter_map(|p| globset::Glob::new(p).ok())
            {
                builder.add(glob);
            }
            builder
                .build()
                .unwrap_or_else(|_| globset::GlobSet::empty())
        });
        set.is_match(path) || set.is_match(absolute(path))
    }
}

/// Turns the run's nginx files into objects, following their includes.
pub fn load(given: &[SourceId], loader: &dyn Loader, options: &Options) -> Loaded {
    let is_entry = |path: &Path| options.is_entry(path);
    let sources = loader.sources();
    let parsed: Vec<NginxFile> = given
        .par_iter()
        .map(|&id| NginxFile::parse(id, &sources.get(id).text, Offsets::Same))
        .collect();
    let files = Files::new(loader, parsed);
    let mut given: Vec<(&Path, &NginxFile)> = given
        .iter()
        .filter_map(|&id| Some((sources.get(id).path.as_path(), files.get(id)?)))
        .collect();
    given.sort_by(|a, b| a.0.cmp(b.0));

    let mut builder = Builder::new(&files);
    let mut configurations = Vec::new();
    let mut reached: HashSet<SourceId> = HashSet::new();
    // Main configurations first: what they include is read in its context.
    let level = |path: &Path, file: &NginxFile| match file.declared {
        None if is_entry(path) => Some(Level::Main),
        _ => file.standalone_level(path),
    };
    let prefix_of = |path: &Path| -> Option<PathBuf> {
        path.parent().map(|p| {
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p.to_path_buf()
            }
        })
    };
    let mains: Vec<(&Path, &NginxFile)> = given
        .iter()
        .copied()
        .filter(|&(path, file)| level(path, file) == Some(Level::Main) && file.declared.is_none())
        .collect();
    // A file that looks like a main configuration but that another one
    // includes (`conf.d/site.conf` holding `events {}` and `http {}`) is read
    // where it is included, not also on its own.
    let mut scout = Builder::new(&files);
    let mut included: HashSet<SourceId> = HashSet::new();
    for &(path, file) in &mains {
        scout.build(file, Level::Main, prefix_of(path).as_deref(), false);
        included.extend(scout.reached.drain(..).filter(|&s| s != file.source));
    }
    // Those that only a cycle of them includes come last: the first one
    // not yet read is the entry.
    let (entries, cyclic): (Vec<_>, Vec<_>) = mains
        .iter()
        .partition(|(_, file)| !included.contains(&file.source));
    for &(path, file) in entries.into_iter().chain(cyclic) {
        if reached.contains(&file.source) {
            continue;
        }
        let context = builder.build(file, Level::Main, prefix_of(path).as_deref(), false);
        configurations.push((path, context));
        reached.extend(builder.reached.drain(..));
        reached.insert(file.source);
    }
    // Then the files no configuration includes: those that none of them
    // includes either are entries, read in the context they show.
    let rest: Vec<(&Path, &NginxFile, Level)> = given
        .iter()
        .filter(|(_, f)| !reached.contains(&f.source))
        .filter(|(path, f)| level(path, f) != Some(Level::Main) || f.declared.is_some())
        .filter_map(|&(path, f)| Some((path, f, level(path, f)?)))
        .collect();
    let mut scout = Builder::new(&files);
    let mut included: HashSet<SourceId> = HashSet::new();
    for &(path, file, level) in &rest {
        let prefix = includes::standalone_prefix(path);
        scout.build(file, level, Some(&prefix), true);
        included.extend(scout.reached.drain(..).filter(|&s| s != file.source));
    }
    // Files that only a cycle includes come last, and the first of each
    // cycle is read as an entry.
    let pending = rest
        .iter()
        .filter(|(_, f, _)| !included.contains(&f.source))
        .chain(rest.iter().filter(|(_, f, _)| included.contains(&f.source)));
    for &(path, file, level) in pending {
        if reached.contains(&file.source) {
            continue;
        }
        let prefix = includes::standalone_prefix(path);
        let context = builder.build(file, level, Some(&prefix), true);
        reached.extend(builder.reached.drain(..));
        reached.insert(file.source);
        configurations.push((path, context));
    }

    let mut loaded = Loaded::default();
    loaded
        .diagnostics
        .extend(files.iter().flat_map(NginxFile::diagnostics));

    loaded.diagnostics.append(&mut builder.diagnostics);
    let objects: Vec<Vec<Object>> = configurations
        .par_iter()
        .map(|(path, context)| {
            let mut out = Vec::new();
            objects::objects(context, &crate::source::display_path(path), &mut out);
            out
        })
        .collect();
    loaded.objects = objects.into_iter().flatten().collect();
    loaded
}

/// The objects of an nginx configuration embedded in another file (a
/// ConfigMap's `nginx.conf` key): `text` is the configuration, `offsets`
/// maps its offsets into `source`, `name` names the configuration. Its
/// includes cannot be followed.
pub fn embedded(
    source: &Source,
    name: &str,
    text: &str,
    offsets: Offsets,
    main: bool,
) -> (Vec<Object>, Vec<Diagnostic>) {
    struct NoFiles<'s>(&'s Sources);
    impl Loader for NoFiles<'_> {
        fn sources(&self) -> &Sources {
            self.0
        }
        fn load(&self, path: &Path) -> Result<SourceId, String> {
            Err(format!("{} is not in the input", path.display()))
        }
        fn list(&self, dir: &Path) -> Result<Vec<std::path::PathBuf>, String> {
            Err(format!("{} is not in the input", dir.display()))
        }
    }
    let sources = Sources::default();
    let loader = NoFiles(&sources);
    let file = NginxFile::parse(source.id, text, offsets);
    let level = file
        .declared
        .or(main.then_some(Level::Main))
        .or_else(|| file.standalone_level(Path::new("embedded.conf")));
    let diagnostics = file.diagnostics();
    let Some(level) = level else {
        return (Vec::new(), diagnostics);
    };
    let files = Files::new(&loader, Vec::new());
    let file = files.insert(file);
    let mut builder = Builder::new(&files);
    let context = builder.build(file, level, None, level != Level::Main);
    let mut objects = Vec::new();
    objects::objects(&context, name, &mut objects);
    (objects, diagnostics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::FileLoader;
    use crate::model::Node;

    /// Loads the nginx files of a tree written into a temporary directory.
    fn run(files: &[(&str, &str)]) -> (Sources, Loaded, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let sources = Sources::default();
        let mut ids = Vec::new();
        for (path, text) in files {
            let path = dir.path().join(path);
            if detect(&path, text) {
                ids.push(sources.push(path, text.to_string()));
            }
        }
        let loaded = {
            let loader = FileLoader::new(&sources, 1 << 20);
            load(&ids, &loader, &Options::default())
        };
        (sources, loaded, dir)
    }

    fn find<'o>(loaded: &'o Loaded, kind: &str, name: Option<&str>) -> &'o Object {
        loaded
            .objects
            .iter()
            .find(|o| &*o.kind == kind && (name.is_none() || o.name.as_deref() == name))
            .unwrap_or_else(|| panic!("no {kind} {name:?} in {:?}", kinds(loaded)))
    }

    fn kinds(loaded: &Loaded) -> Vec<String> {
        loaded.objects.iter().map(|o| o.identity()).collect()
    }

    fn text<'s>(sources: &'s Sources, node: &Node) -> &'s str {
        sources.get(node.span.source).slice(node.span)
    }

    const MAIN: &str = "\
worker_processes auto;
events { worker_connections 1024; }
http {
    server_tokens off;
    add_header X-Frame-Options DENY always;
    proxy_read_timeout 1m;
    include conf.d/*.conf;
}
";

    const API: &str = "\
upstream api { server 127.0.0.1:8080; keepalive 16; }
server {
    listen 443 ssl;
    server_name api.example.com;
    location / {
        proxy_pass http://api;
    }
    location /static/ {
        add_header Cache-Control max-age=60;
        include snippets/deny.conf;
    }
}
";

    #[test]
    fn levels_inherit_and_arrays_are_replaced() {
        let (sources, loaded, _dir) = run(&[
            ("nginx.conf", MAIN),
            ("conf.d/api.conf", API),
            ("snippets/deny.conf", "deny all;\n"),
        ]);
        assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
        let root = find(&loaded, "location", Some("/"));
        // Inherited from http, with the span where it was written.
        let tokens = root.body.get("server_tokens").unwrap();
        assert_eq!(text(&sources, tokens), "off");
        assert!(sources.get(tokens.span.source).path.ends_with("nginx.conf"));
        let headers = root.body.get("add_header").unwrap().as_list().unwrap();
        assert_eq!(
            text(&sources, &headers[0].as_list().unwrap()[0]),
            "X-Frame-Options"
        );
        assert_eq!(
            root.body.get("proxy_read_timeout").unwrap().value,
            crate::model::Value::Number(60.0)
        );
        assert_eq!(root.classes, ["location", "tls", "proxying"]);
        assert_eq!(
            root.links
                .iter()
                .filter(|l| l.relation == "passes-to")
                .count(),
            1
        );
        // The location's own add_header replaces the inherited ones; the
        // snippet it includes is read in its context.
        let statics = find(&loaded, "location", Some("/static/"));
        let headers = statics.body.get("add_header").unwrap().as_list().unwrap();
        assert_eq!(headers.len(), 1);
        assert_eq!(
            text(&sources, &headers[0].as_list().unwrap()[0]),
            "Cache-Control"
        );
        assert!(statics.body.get("deny").is_some());
        assert_eq!(statics.trail.len(), 2, "{:?}", statics.trail);
        let main = find(&loaded, "main", None);
        assert_eq!(
            text(
                &sources,
                main.body.at(&["events", "worker_connections"]).unwrap()
            ),
            "1024"
        );
        // The included files make no objects of their own.
        assert_eq!(loaded.objects.len(), 6, "{:?}", kinds(&loaded));
    }

    #[test]
    fn add_header_inherit_merge_keeps_the_parents_headers() {
        let (sources, loaded, _dir) = run(&[(
            "nginx.conf",
            "events {}\nhttp {\n add_header A a;\n server {\n  add_header_inherit merge;\n  add_header B b;\n  location / { add_header C c; }\n }\n}\n",
        )]);
        let names = |o: &Object| -> Vec<String> {
            o.body
                .get("add_header")
                .unwrap()
                .as_list()
                .unwrap()
                .iter()
                .map(|h| text(&sources, &h.as_list().unwrap()[0]).to_string())
                .collect()
        };
        assert_eq!(names(find(&loaded, "server", None)), ["A", "B"]);
        assert_eq!(names(find(&loaded, "location", Some("/"))), ["A", "B", "C"]);
    }

    #[test]
    fn cycles_and_missing_includes_are_reported() {
        let (sources, loaded, _dir) = run(&[
            (
                "nginx.conf",
                "events {}\nhttp { include a.conf; include missing.conf; include mime.types; }\n",
            ),
            ("conf.d/a.conf", ""),
            ("a.conf", "include a.conf;\n"),
        ]);
        let messages: Vec<String> = loaded
            .diagnostics
            .iter()
            .map(|d| d.message.clone())
            .collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(messages.iter().any(|m| m.contains("include cycle")));
        assert!(
            messages
                .iter()
                .any(|m| m.contains("missing.conf does not exist"))
        );
        let http = find(&loaded, "http", None);
        // What the missing file holds is unknown.
        assert!(
            http.body
                .get(crate::model::UNKNOWN_REST)
                .is_some_and(Node::is_unknown)
        );
        let _ = sources;
    }

    #[test]
    fn a_snippet_included_twice_is_read_in_each_context() {
        let (_sources, loaded, _dir) = run(&[
            (
                "nginx.conf",
                "events {}\nhttp {\n server { listen 80; location /a { include snippets/p.conf; } location /b { include snippets/p.conf; } }\n}\n",
            ),
            (
                "snippets/p.conf",
                "# airworthy:context location\nproxy_pass http://x;\n",
            ),
        ]);
        assert!(
            find(&loaded, "location", Some("/a"))
                .body
                .get("proxy_pass")
                .is_some()
        );
        assert!(
            find(&loaded, "location", Some("/b"))
                .body
                .get("proxy_pass")
                .is_some()
        );
        assert_eq!(loaded.objects.len(), 5, "{:?}", kinds(&loaded));
    }

    #[test]
    fn standalone_files_show_or_declare_their_context() {
        let (_sources, loaded, _dir) = run(&[
            ("conf.d/site.conf", "server { listen 80; }\n"),
            ("snippets/headers.conf", "add_header X-A b;\n"),
            (
                "snippets/server.conf",
                "# airworthy:context server\nlisten 443 ssl;\n",
            ),
        ]);
        let ids = kinds(&loaded);
        assert!(
            ids.iter()
                .any(|i| i.starts_with("http/conf.d") || i.contains("site.conf")),
            "{ids:?}"
        );
        assert_eq!(
            loaded
                .objects
                .iter()
                .filter(|o| &*o.kind == "server")
                .count(),
            2,
            "{ids:?}"
        );
        // Its parents are not in the input: what it lacks is unknown.
        assert!(
            find(&loaded, "server", None)
                .body
                .get(crate::model::UNKNOWN_REST)
                .is_some()
        );
    }

    #[test]
    fn a_template_is_reported_once_and_holds_nothing_known() {
        let (_sources, loaded, _dir) = run(&[
            (
                "nginx.conf",
                "events {}\nhttp {\n include conf.d/*.conf;\n}\n",
            ),
            (
                "conf.d/app.conf",
                "server {\n listen {{ .Values.port }};\n}\n",
            ),
        ]);
        let messages: Vec<&str> = loaded
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(messages.len(), 1, "{messages:?}");
        assert!(messages[0].starts_with("a template"));
        assert_eq!(loaded.diagnostics[0].problem, Problem::InputError);
        // What the template adds is unknown.
        assert!(
            find(&loaded, "http", None)
                .body
                .get(crate::model::UNKNOWN_REST)
                .is_some()
        );
    }

    #[test]
    fn detection_looks_at_names_then_content() {
        assert!(detect(Path::new("deploy/nginx.conf"), ""));
        assert!(detect(Path::new("deploy/nginx/conf.d/x.conf"), ""));
        assert!(detect(Path::new("etc/sites-enabled/x.conf"), ""));
        assert!(detect(Path::new("etc/sites-available/default"), ""));
        assert!(detect(
            Path::new("gateway.conf"),
            "http {\n  server { listen 80; }\n}\n"
        ));
        assert!(!detect(
            Path::new("supervisord.conf"),
            "[program:x]\ncommand=/bin/true\n"
        ));
        assert!(!detect(Path::new("broken.conf"), "server {\n"));
    }
}

#[cfg(test)]
mod hostile {
    use super::*;
    use crate::model::{Node, Value};

    /// Cuts every fixture at many places and shuffles in stray quotes and
    /// braces: the parser and the object builder never panic.
    #[test]
    fn no_input_panics() {
        let mut texts = vec![
            "a \\é".to_string(),
            "\"é\\".to_string(),
            "x 'a\\".to_string(),
            "content_by_lua_block { [==[ ".to_string(),
            "if ( { } ) {".to_string(),
            "}}}{{{;;;".to_string(),
            "é{é}é;\u{0}".to_string(),
        ];
        for entry in std::fs::read_dir("fixtures/nginx/AW001").unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                texts.push(std::fs::read_to_string(path).unwrap());
            }
        }
        for text in texts {
            let mut cuts: Vec<usize> = (0..=text.len()).step_by(3).collect();
            cuts.push(text.len());
            for cut in cuts {
                if !text.is_char_boundary(cut) {
                    continue;
                }
                let piece = &text[..cut];
                let source = Source::new(SourceId(0), "x/nginx.conf".into(), piece.into());
                for main in [true, false] {
                    let (objects, diagnostics) = embedded(&source, "x", piece, Offsets::Same, main);
                    let spans = diagnostics.iter().map(|d| d.span);
                    let mut nodes: Vec<&Node> = objects.iter().map(|o| &o.body).collect();
                    let mut all: Vec<Span> =
                        spans.chain(objects.iter().map(|o| o.anchor)).collect();
                    while let Some(node) = nodes.pop() {
                        all.push(node.span);
                        match &node.value {
                            Value::List(items) => nodes.extend(items),
                            Value::Map(map) => nodes.extend(map.entries.iter().map(|e| &e.value)),
                            _ => {}
                        }
                    }
                    for span in all {
                        let (start, end) = (span.start as usize, span.end as usize);
                        assert!(
                            start <= end && end <= piece.len(),
                            "{span:?} outside {piece:?}"
                        );
                        assert!(piece.is_char_boundary(start) && piece.is_char_boundary(end));
                    }
                }
            }
        }
    }

    /// An include of a FIFO or a device is refused, not waited on.
    #[test]
    fn includes_of_fifos_and_devices_do_not_hang() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo.conf");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if !made.is_ok_and(|s| s.success()) {
            println!("skipped: mkfifo is not available");
            return;
        }
        #[cfg(unix)]
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.conf")).unwrap();
        let conf = dir.path().join("nginx.conf");
        let text = "events {}\nhttp { include fifo.conf; include zero.conf; }\n";
        std::fs::write(&conf, text).unwrap();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let sources = Sources::default();
            let id = sources.push(conf, text.to_string());
            let loader = crate::discover::FileLoader::new(&sources, 1 << 20);
            let loaded = load(&[id], &loader, &Options::default());
            let _ = done.send(loaded.diagnostics.len());
        });
        let reported = finished
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("loading finished");
        assert_eq!(reported, 2, "both includes are reported as unreadable");
    }
}
