//! The Terraform adapter. All `.tf` and `.tf.json` files of a directory
//! form a module; a directory named through one of its files is read whole
//! (its other files are context). Modules that no other module in the run
//! calls are roots, evaluated with their variables resolved as Terraform
//! does (defaults < `TF_VAR_*` < `terraform.tfvars` < `terraform.tfvars.json`
//! < `*.auto.tfvars(.json)` < `--var-file` < `--var`); local modules are
//! evaluated once per call with the inputs the caller passes. Every block
//! becomes an object whose body holds the evaluated values, each at the
//! span of the expression written in the block; what cannot be known is
//! unknown.

mod eval;
mod functions;
mod module;
mod objects;
mod syntax;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use rayon::prelude::*;

use self::eval::{Evaluator, Invalid, Named, Reference, Scope, Trace};
use self::module::{Bounds, Budget, Instance, Module};
use self::syntax::{Body, Expr};
use crate::formats::Loader;
use crate::model::{Diagnostic, Format, FormatVocabulary, Node, Object, Value};
use crate::source::{Role, Source, SourceId, Sources, Span};

pub const VOCABULARY: FormatVocabulary = FormatVocabulary {
    format: Format::Terraform,
    // The block keywords: `resource`, `data`, `module`, `variable`, …
    classes: objects::CLASSES,
    views: &[],
    // An expression in one block names another (`aws_lb.web.arn`).
    relations: &[eval::REFERS_TO],
    label_sets: &[],
    kinds_are_lowercase: true,
};

/// Variables given on the command line and in the environment.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// `--var-file FILE`, in order.
    pub var_files: Vec<PathBuf>,
    /// `--var NAME=VALUE`, in order.
    pub vars: Vec<String>,
    /// `TF_VAR_name` environment variables: the name without the prefix, and the value.
    pub env: Vec<(String, String)>,
}

/// How many module directories one run reads, at most.
const MAX_MODULES: usize = 10_000;

/// Whether a file is Terraform by its name: `.tf`, `.tf.json`, `.tfvars`,
/// `.tfvars.json`.
pub fn detect(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    [".tf", ".tf.json", ".tfvars", ".tfvars.json"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn is_module_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    name.ends_with(".tf") || name.ends_with(".tf.json")
}

/// `override.tf` and `*_override.tf` (and their `.tf.json` forms) are
/// merged into the blocks they override, after every other file.
fn is_override_file(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let stem = name
        .strip_suffix(".tf")
        .or_else(|| name.strip_suffix(".tf.json"))
        .unwrap_or_default();
    stem == "override" || stem.ends_with("_override")
}

/// The variable files Terraform reads by itself, in precedence order.
fn is_automatic_tfvars(path: &Path) -> bool {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    matches!(name, "terraform.tfvars" | "terraform.tfvars.json")
        || name.ends_with(".auto.tfvars")
        || name.ends_with(".auto.tfvars.json")
}

fn tfvars_rank(path: &Path) -> (u8, PathBuf) {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let rank = match name {
        "terraform.tfvars" => 0,
        "terraform.tfvars.json" => 1,
        _ => 2,
    };
    (rank, path.to_path_buf())
}

/// What every module instance of a run shares.
pub(crate) struct Run<'a> {
    sources: &'a Sources,
    modules: HashMap<PathBuf, Module>,
}

impl Run<'_> {
    fn module(&self, dir: &Path) -> Option<&Module> {
        self.modules.get(dir)
    }

    fn text(&self, span: Span) -> &str {
        self.sources.get(span.source).slice(span)
    }
}

/// Loads and evaluates the Terraform of the run.
pub fn load(
    files: &[SourceId],
    loader: &dyn Loader,
    options: &Options,
) -> (Vec<Object>, Vec<Diagnostic>) {
    let sources = loader.sources();
    let mut diagnostics = Vec::new();
    let given: BTreeSet<PathBuf> = files
        .iter()
        .map(|&id| directory(&sources.get(id).path))
        .collect();
    let mut modules: HashMap<PathBuf, Module> = HashMap::new();
    let mut round: Vec<PathBuf> = given.iter().cloned().collect();
    while !round.is_empty() && modules.len() < MAX_MODULES {
        let mut ids: Vec<(PathBuf, SourceId)> = Vec::new();
        for dir in &round {
            let mut module = Module::new(dir.clone());
            match module_files(dir, loader, &mut diagnostics) {
                Ok(files) => ids.extend(files.into_iter().map(|id| (dir.clone(), id))),
                Err(why) => module.unread = Some(why),
            }
            modules.insert(dir.clone(), module);
        }
        let parsed: Vec<_> = ids
            .par_iter()
            .map(|(dir, id)| (dir, *id, syntax::parse(sources.get(*id))))
            .collect();
        let mut tfvars: Vec<(&PathBuf, &Path, Body)> = Vec::new();
        let mut overrides: Vec<(&PathBuf, Body)> = Vec::new();
        for (dir, id, parsed) in parsed {
            let path = &sources.get(id).path;
            diagnostics.extend(parsed.diagnostics);
            if is_override_file(path) {
                overrides.push((dir, parsed.body));
            } else if is_module_file(path) {
                let module = modules.get_mut(dir).expect("inserted");
                module.blocks.extend(parsed.body.blocks);
            } else if is_automatic_tfvars(path) {
                tfvars.push((dir, path, parsed.body));
            }
        }
        for (dir, body) in overrides {
            modules.get_mut(dir).expect("inserted").apply_override(body);
        }
        tfvars.sort_by_key(|(_, path, _)| tfvars_rank(path));
        for (dir, _, body) in tfvars {
            modules.get_mut(dir).expect("inserted").tfvars.push(body);
        }
        let mut next = BTreeSet::new();
        for dir in &round {
            for called in modules[dir].local_calls() {
                if !modules.contains_key(&called) {
                    next.insert(called);
                }
            }
        }
        round = next.into_iter().collect();
    }
    let called: BTreeSet<PathBuf> = modules
        .values()
        .flat_map(|m| m.local_calls().into_iter().filter(|c| *c != m.dir))
        .collect();
    let roots: Vec<&PathBuf> = given.iter().filter(|dir| !called.contains(*dir)).collect();
    let command_line = CommandLine::new(sources, loader, options, &mut diagnostics);
    let run = Run { sources, modules };
    let outputs: Vec<_> = roots
        .par_iter()
        .map(|dir| {
            let module = run.module(dir).expect("loaded");
            let vars = command_line.root_variables(&run, module);
            let budget = Budget::new(Some(module::MAX_EXPANDED));
            let bounds = Bounds {
                budget: &budget,
                depth: 0,
            };
            Instance::new(
                &run,
                module,
                "".into(),
                vars,
                Vec::new(),
                Vec::new(),
                bounds,
            )
            .run()
            .0
        })
        .collect();
    let mut objects = Vec::new();
    for output in outputs {
        objects.extend(output.objects);
        diagnostics.extend(output.diagnostics);
    }
    (objects, diagnostics)
}

/// The directory of a file, as the loader names directories.
fn directory(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => crate::discover::normalize(parent),
        _ => PathBuf::from("."),
    }
}

/// The Terraform files of a directory, read through the loader; none when
/// it does not exist, and why when the loader refuses it.
fn module_files(
    dir: &Path,
    loader: &dyn Loader,
    diagnostics: &mut Vec<Diagnostic>,
) -> Result<Vec<SourceId>, String> {
    let entries = match loader.list(dir) {
        Ok(entries) => entries,
        Err(why) if dir.exists() => return Err(why),
        Err(_) => return Ok(Vec::new()),
    };
    let mut ids = Vec::new();
    for path in entries.into_iter().filter(|p| detect(p) && p.is_file()) {
        match loader.load(&path) {
            Ok(id) => ids.push(id),
            Err(message) => {
                // Only a file someone asked about is reported; it has a source.
                if let Some(source) = loader.sources().iter().find(|s| s.path == path) {
                    diagnostics.push(Diagnostic::new(
                        crate::model::Problem::InputError,
                        Span::point(source.id, 0),
                        message,
                    ));
                }
            }
        }
    }
    Ok(ids)
}

/// The variables given outside any module: `TF_VAR_*`, `--var-file`,
/// `--var`, each with a source to point at.
struct CommandLine {
    /// `(name, value text span)` from the environment, then `--var`.
    env: Vec<(String, Span)>,
    var_files: Vec<Body>,
    vars: Vec<(String, Span)>,
}

impl CommandLine {
    fn new(
        sources: &Sources,
        loader: &dyn Loader,
        options: &Options,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Self {
        let mut env: Vec<(String, String)> = options.env.clone();
        env.sort();
        let env = assignments(
            sources,
            "<environment>",
            env.iter()
                .map(|(n, v)| (format!("TF_VAR_{n}="), n.clone(), v.clone())),
        );
        let vars = assignments(
            sources,
            "<--var>",
            options.vars.iter().filter_map(|v| {
                let (name, value) = v.split_once('=')?;
                Some((format!("{name}="), name.to_string(), value.to_string()))
            }),
        );
        let mut var_files = Vec::new();
        for path in &options.var_files {
            if let Ok(id) = loader.load(path) {
                let parsed = syntax::parse(sources.get(id));
                diagnostics.extend(parsed.diagnostics);
                var_files.push(parsed.body);
            }
        }
        CommandLine {
            env,
            var_files,
            vars,
        }
    }

    /// A root module's given variables, lowest precedence first.
    fn root_variables(&self, run: &Run, module: &Module) -> HashMap<Box<str>, Rc<Named>> {
        let variable = |name: &str| module.blocks("variable").find(|b| b.label(0) == Some(name));
        // A secret handed to the run from outside the repository (a CI
        // secret in `TF_VAR_db_password`) stays unknown: airworthy does not
        // hold it, and nothing written in the repository is wrong.
        let sensitive = |name: &str| {
            variable(name)
                .and_then(|b| b.body.attribute("sensitive"))
                .is_some_and(|a| {
                    matches!(a.value.kind, syntax::ExprKind::Literal(Value::Bool(true)))
                })
        };
        let given = |list: &[(String, Span)]| -> Vec<(Box<str>, Rc<Named>)> {
            list.iter()
                .filter(|(name, _)| !sensitive(name))
                .map(|(name, span)| {
                    let declared = variable(name)
                        .and_then(|b| b.body.attribute("type"))
                        .map(|t| run.text(t.value.span).trim());
                    (name.as_str().into(), raw_value(run, *span, declared))
                })
                .collect()
        };
        let mut vars: HashMap<Box<str>, Rc<Named>> = given(&self.env).into_iter().collect();
        for body in module.tfvars.iter().chain(&self.var_files) {
            for attribute in &body.attributes {
                vars.insert(attribute.name.clone(), literal(run, &attribute.value));
            }
        }
        vars.extend(given(&self.vars));
        vars
    }
}

/// A source of `PREFIXvalue` lines, one per assignment, and the span of
/// each value.
fn assignments(
    sources: &Sources,
    path: &str,
    items: impl Iterator<Item = (String, String, String)>,
) -> Vec<(String, Span)> {
    let mut text = String::new();
    let mut ranges = Vec::new();
    for (prefix, name, value) in items {
        // A value on several lines would shift the others: keep it on one.
        let value = value.replace('\n', " ");
        text.push_str(&prefix);
        ranges.push((name, text.len(), text.len() + value.len()));
        text.push_str(&value);
        text.push('\n');
    }
    if ranges.is_empty() {
        return Vec::new();
    }
    let id = sources.push_with_role(PathBuf::from(path), text, Role::Context);
    ranges
        .into_iter()
        .map(|(name, start, end)| (name, Span::new(id, start, end)))
        .collect()
}

/// A value given as text (`--var`, `TF_VAR_*`): a string, unless the
/// variable's type is a collection, when Terraform reads it as HCL.
fn raw_value(run: &Run, span: Span, declared: Option<&str>) -> Rc<Named> {
    let text = run.text(span);
    let primitive = declared.is_none_or(|t| matches!(t, "string" | "number" | "bool"));
    if !primitive {
        let source: &Source = run.sources.get(span.source);
        if let Some(expr) = syntax::parse_expression(source, span.start as usize, span.end as usize)
        {
            return literal(run, &expr);
        }
    }
    Named::new(Node::new(Value::String(text.into()), span))
}

/// A value in a variable file, which can refer to nothing.
fn literal(run: &Run, expr: &Expr) -> Rc<Named> {
    let mut trace = Trace::default();
    let node = Evaluator::new(&mut Nothing, run.sources).value(expr, &mut trace);
    Rc::new(Named { node, trace })
}

/// The scope of a variable file: nothing to refer to.
struct Nothing;

impl Scope for Nothing {
    fn reference(&mut self, _: &str, _: &[&str], _: usize) -> Result<Reference, Invalid> {
        Ok(Reference::Unknown {
            consumed: 0,
            target: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::FileLoader;
    use crate::model::{Problem, Target};

    struct Loaded {
        sources: Sources,
        dir: tempfile::TempDir,
    }

    fn files(files: &[(&str, &str)]) -> Loaded {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Loaded {
            sources: Sources::default(),
            dir,
        }
    }

    impl Loaded {
        /// Loads the run as if `given` (relative paths) had been named.
        fn run(&self, given: &[&str], options: &Options) -> (Vec<Object>, Vec<Diagnostic>) {
            let loader = FileLoader::new(&self.sources, 1 << 20);
            let ids: Vec<SourceId> = given
                .iter()
                .map(|p| loader.load(&self.dir.path().join(p)).unwrap())
                .collect();
            load(&ids, &loader, options)
        }

        fn slice(&self, span: Span) -> &str {
            self.sources.get(span.source).slice(span)
        }

        fn file(&self, span: Span) -> String {
            let path = &self.sources.get(span.source).path;
            path.file_name().unwrap().to_string_lossy().to_string()
        }
    }

    fn find<'a>(objects: &'a [Object], kind: &str, name: &str) -> Vec<&'a Object> {
        objects
            .iter()
            .filter(|o| &*o.kind == kind && o.name.as_deref() == Some(name))
            .collect()
    }

    fn at<'a>(object: &'a Object, path: &[&str]) -> &'a Node {
        object
            .body
            .at(path)
            .unwrap_or_else(|| panic!("{path:?} in {:?}", object.body))
    }

    const MODULE: &str = r#"
variable "policy" {
  type    = string
  default = "ELBSecurityPolicy-2016-08"
}
variable "enabled" {
  type    = bool
  default = true
}
variable "missing" {}
locals {
  name   = "api-${var.policy}"
  ports  = [for p in [80, 443] : p * 1]
  twice  = local.name
}
resource "aws_lb_listener" "https" {
  ssl_policy = var.policy
  name       = local.twice
  ports      = local.ports
  unknown    = var.missing
  arn        = aws_lb.web.arn
  enabled    = var.enabled
  default_action {
    type = "forward"
  }
  default_action {
    type = "redirect"
  }
}
"#;

    #[test]
    fn variables_and_locals_resolve_with_the_span_of_their_use() {
        let run = files(&[("main.tf", MODULE)]);
        let (objects, diagnostics) = run.run(&["main.tf"], &Options::default());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let listener = find(&objects, "aws_lb_listener", "https")[0];
        let policy = at(listener, &["ssl_policy"]);
        assert_eq!(policy.as_str(), Some("ELBSecurityPolicy-2016-08"));
        assert_eq!(run.slice(policy.span), "var.policy");
        // Where the value was set is an origin of the span it is used at.
        let origin = &listener
            .origins
            .iter()
            .find(|(s, _)| *s == policy.span)
            .unwrap()
            .1;
        assert_eq!(run.slice(origin.span), "\"ELBSecurityPolicy-2016-08\"");
        assert_eq!(
            at(listener, &["name"]).as_str(),
            Some("api-ELBSecurityPolicy-2016-08")
        );
        let ports = at(listener, &["ports"]).as_list().unwrap();
        assert_eq!(ports[1].value, Value::Number(443.0));
        assert!(at(listener, &["unknown"]).is_unknown());
        assert!(at(listener, &["arn"]).is_unknown());
        assert_eq!(at(listener, &["enabled"]).value, Value::Bool(true));
        let actions = at(listener, &["default_action"]).as_list().unwrap();
        assert_eq!(actions.len(), 2);
        assert_eq!(actions[1].get("type").unwrap().as_str(), Some("redirect"));
        // The reference to another block is a link.
        let link = &listener.links[0];
        assert_eq!(link.relation, "refers-to");
        assert_eq!(run.slice(link.span), "aws_lb.web.arn");
        assert!(
            matches!(&link.target, Target::Name { kinds, name, .. } if &*kinds[0] == "aws_lb" && &**name == "web")
        );
        assert_eq!(listener.namespace.as_deref(), Some(""));
        assert_eq!(run.slice(listener.anchor), "\"https\"");
    }

    #[test]
    fn expressions_evaluate_like_terraform() {
        let text = r#"
variable "unset" {}
variable "cfg" {
  default = { name = "api", ports = [80, 443], nested = { level = "INFO" } }
}
locals {
  servers = [{ name = "a", port = 1 }, { name = "b", port = 2 }]
}
resource "x" "y" {
  arithmetic  = (1 + 2) * 3 % 4 - 10 / 5
  compare     = 3 >= 2 && !(1 == 2) || false
  conditional = var.cfg.name == "api" ? "yes" : "no"
  open_cond   = var.unset ? "a" : "b"
  and_false   = var.unset && false
  template    = "${upper(var.cfg.name)}-%{if length(var.cfg.ports) > 1}many%{else}one%{endif}"
  directive   = "%{for p in var.cfg.ports}${p};%{endfor}"
  open_tmpl   = "x-${var.unset}"
  for_list    = [for s in local.servers : s.name if s.port > 1]
  for_map     = { for s in local.servers : s.name => s.port }
  grouped     = { for s in local.servers : "all" => s.name... }
  splat       = local.servers[*].name
  index       = var.cfg.ports[1]
  tried       = try(var.cfg.missing, "fallback")
  tried_open  = try(var.unset.x, "fallback")
  can_missing = can(var.cfg.missing)
  lookup      = lookup(var.cfg.nested, "level", "ERROR")
  heredoc     = <<-EOT
    hello ${var.cfg.name}
  EOT
  invalid     = var.cfg.ports["x"]
}
"#;
        let run = files(&[("main.tf", text)]);
        let (objects, _) = run.run(&["main.tf"], &Options::default());
        let object = find(&objects, "x", "y")[0];
        let value = |key: &str| at(object, &[key]).value.clone();
        let string = |s: &str| Value::String(s.into());
        assert_eq!(value("arithmetic"), Value::Number(-1.0));
        assert_eq!(value("compare"), Value::Bool(true));
        assert_eq!(value("conditional"), string("yes"));
        assert!(at(object, &["open_cond"]).is_unknown());
        assert_eq!(value("and_false"), Value::Bool(false));
        assert_eq!(value("template"), string("API-many"));
        assert_eq!(value("directive"), string("80;443;"));
        assert!(at(object, &["open_tmpl"]).is_unknown());
        let names = |key: &str| -> Vec<String> {
            at(object, &[key])
                .as_list()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(names("for_list"), ["b"]);
        assert_eq!(names("splat"), ["a", "b"]);
        assert_eq!(at(object, &["for_map", "b"]).value, Value::Number(2.0));
        assert_eq!(at(object, &["grouped", "all"]).as_list().unwrap().len(), 2);
        assert_eq!(value("index"), Value::Number(443.0));
        assert_eq!(value("tried"), string("fallback"));
        assert!(at(object, &["tried_open"]).is_unknown());
        assert_eq!(value("can_missing"), Value::Bool(false));
        assert_eq!(value("lookup"), string("INFO"));
        assert_eq!(value("heredoc"), string("hello api\n"));
        // Terraform would stop; airworthy does not guess.
        assert!(at(object, &["invalid"]).is_unknown());
        // A value reached through a variable is at the expression using it.
        assert_eq!(run.slice(at(object, &["index"]).span), "var.cfg.ports[1]");
    }

    #[test]
    fn json_modules_evaluate_like_native_ones() {
        let run = files(&[(
            "main.tf.json",
            r#"{"variable": {"policy": {"default": "TLS_1_0"}}, "locals": {"name": "api"}, "resource": {"aws_api_gateway_domain_name": {"api": {"domain_name": "${local.name}.example.com", "security_policy": "${var.policy}", "tags": {"team": "edge"}, "mutual_tls_authentication": {"truststore_uri": "s3://x"}}}}}"#,
        )]);
        let (objects, diagnostics) = run.run(&["main.tf.json"], &Options::default());
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let domain = find(&objects, "aws_api_gateway_domain_name", "api")[0];
        assert_eq!(
            at(domain, &["domain_name"]).as_str(),
            Some("api.example.com")
        );
        let policy = at(domain, &["security_policy"]);
        assert_eq!(policy.as_str(), Some("TLS_1_0"));
        assert_eq!(run.slice(policy.span), "var.policy");
        assert!(at(domain, &["tags"]).as_map().is_some());
        assert!(
            at(domain, &["mutual_tls_authentication"])
                .as_list()
                .is_some()
        );
    }

    #[test]
    fn override_files_are_merged_into_the_blocks_they_override() {
        let run = files(&[
            (
                "main.tf",
                "resource \"aws_lb\" \"web\" {\n  name = \"web\"\n  internal = false\n  access_logs {\n    enabled = false\n  }\n}\nlocals {\n  a = 1\n}\n",
            ),
            (
                "prod_override.tf",
                "resource \"aws_lb\" \"web\" {\n  internal = true\n  access_logs {\n    enabled = true\n  }\n}\nlocals {\n  a = 2\n}\nresource \"x\" \"y\" {\n  a = local.a\n}\n",
            ),
        ]);
        let (objects, _) = run.run(&["main.tf"], &Options::default());
        let lb = find(&objects, "aws_lb", "web");
        assert_eq!(lb.len(), 1);
        assert_eq!(at(lb[0], &["name"]).as_str(), Some("web"));
        assert_eq!(at(lb[0], &["internal"]).value, Value::Bool(true));
        let logs = at(lb[0], &["access_logs"]).as_list().unwrap();
        assert_eq!(logs.len(), 1);
        assert_eq!(logs[0].get("enabled").unwrap().value, Value::Bool(true));
        // A block only in an override file is not a block Terraform accepts.
        assert!(find(&objects, "x", "y").is_empty());
    }

    #[test]
    fn tfvars_follow_terraforms_precedence() {
        let run = files(&[
            (
                "main.tf",
                "variable \"a\" {}\nvariable \"b\" {}\nvariable \"c\" {}\nvariable \"d\" {}\nvariable \"e\" {}\nvariable \"f\" {\n  type = number\n}\nvariable \"g\" {\n  sensitive = true\n}\nresource \"x\" \"y\" {\n  g = var.g\n  a = var.a\n  b = var.b\n  c = var.c\n  d = var.d\n  e = var.e\n  f = var.f\n}\n",
            ),
            (
                "terraform.tfvars",
                "a = \"tfvars\"\nb = \"tfvars\"\nc = \"tfvars\"\nd = \"tfvars\"\n",
            ),
            (
                "terraform.tfvars.json",
                "{\"b\": \"json\", \"c\": \"json\", \"d\": \"json\"}",
            ),
            ("a.auto.tfvars", "c = \"auto-a\"\nd = \"auto-a\"\n"),
            ("b.auto.tfvars.json", "{\"d\": \"auto-b\"}"),
            ("prod.tfvars", "e = \"var-file\"\n"),
        ]);
        let options = Options {
            var_files: vec![run.dir.path().join("prod.tfvars")],
            vars: vec!["f=7".into(), "g=hunter2".into()],
            env: vec![("a".into(), "env".into()), ("e".into(), "env".into())],
        };
        let (objects, _) = run.run(&["main.tf"], &options);
        let object = find(&objects, "x", "y")[0];
        assert!(
            at(object, &["g"]).is_unknown(),
            "a sensitive value given from outside stays unknown"
        );
        let value = |key| at(object, &[key]).value.clone();
        assert_eq!(value("a"), Value::String("tfvars".into()));
        assert_eq!(value("b"), Value::String("json".into()));
        assert_eq!(value("c"), Value::String("auto-a".into()));
        assert_eq!(value("d"), Value::String("auto-b".into()));
        assert_eq!(value("e"), Value::String("var-file".into()));
        // `--var` wins, converted to the declared type.
        assert_eq!(value("f"), Value::Number(7.0));
        let f = at(object, &["f"]);
        let origin = &object.origins.iter().find(|(s, _)| *s == f.span).unwrap().1;
        assert_eq!(run.slice(origin.span), "7");
        let d = at(object, &["d"]);
        let origin = &object.origins.iter().find(|(s, _)| *s == d.span).unwrap().1;
        assert_eq!(run.file(origin.span), "b.auto.tfvars.json");
    }

    #[test]
    fn count_and_for_each_expand_when_known_and_stay_unknown_when_not() {
        let text = r#"
variable "n" { default = 2 }
variable "unknown" {}
resource "a" "counted" {
  count = var.n
  index = count.index
}
resource "a" "none" {
  count = 0
}
resource "a" "each" {
  for_each = { x = "1", y = "2" }
  value    = each.value
  key      = each.key
}
resource "a" "open" {
  count = var.unknown
  index = count.index
}
resource "a" "dyn" {
  dynamic "ingress" {
    for_each = [22, 443]
    content {
      port = ingress.value
    }
  }
  dynamic "egress" {
    for_each = var.unknown
    content {
      port = egress.value
      cidr = "0.0.0.0/0"
    }
  }
}
"#;
        let run = files(&[("main.tf", text)]);
        let (objects, _) = run.run(&["main.tf"], &Options::default());
        let counted = find(&objects, "a", "counted");
        assert_eq!(counted.len(), 2);
        assert_eq!(at(counted[1], &["index"]).value, Value::Number(1.0));
        assert!(find(&objects, "a", "none").is_empty());
        let each = find(&objects, "a", "each");
        assert_eq!(each.len(), 2);
        assert_eq!(at(each[1], &["key"]).as_str(), Some("y"));
        let open = find(&objects, "a", "open");
        assert_eq!(open.len(), 1);
        assert!(at(open[0], &["index"]).is_unknown());
        let dyn_ = find(&objects, "a", "dyn")[0];
        let ingress = at(dyn_, &["ingress"]).as_list().unwrap();
        assert_eq!(ingress.len(), 2);
        assert_eq!(ingress[0].get("port").unwrap().value, Value::Number(22.0));
        let egress = at(dyn_, &["egress"]).as_list().unwrap();
        assert_eq!(egress.len(), 1);
        assert!(egress[0].is_unknown());
    }

    #[test]
    fn local_modules_are_evaluated_with_their_callers_inputs() {
        let run = files(&[
            (
                "root/main.tf",
                "module \"api\" {\n  source = \"../modules/api\"\n  policy = \"TLS13\"\n}\nmodule \"remote\" {\n  source = \"terraform-aws-modules/alb/aws\"\n}\nresource \"r\" \"uses\" {\n  stage = module.api.stage\n  other = module.remote.x\n}\n",
            ),
            (
                "modules/api/main.tf",
                "variable \"policy\" {}\nvariable \"name\" { default = \"api\" }\nresource \"aws_api_gateway_stage\" \"this\" {\n  policy = var.policy\n  name   = var.name\n}\noutput \"stage\" { value = aws_api_gateway_stage.this.arn }\n",
            ),
            (
                "modules/loop/main.tf",
                "module \"self\" {\n  source = \"./\"\n}\n",
            ),
        ]);
        let (objects, diagnostics) = run.run(
            &["root/main.tf", "modules/loop/main.tf"],
            &Options::default(),
        );
        let stage = find(&objects, "aws_api_gateway_stage", "this");
        // Called from the root: not also evaluated on its own.
        assert_eq!(stage.len(), 1);
        let stage = stage[0];
        assert_eq!(stage.namespace.as_deref(), Some("module.api"));
        assert_eq!(at(stage, &["policy"]).as_str(), Some("TLS13"));
        assert_eq!(at(stage, &["name"]).as_str(), Some("api"));
        let origin = &stage
            .origins
            .iter()
            .find(|(s, _)| *s == at(stage, &["policy"]).span)
            .unwrap()
            .1;
        assert_eq!(run.slice(origin.span), "\"TLS13\"");
        assert_eq!(run.slice(stage.trail[0].span), "\"api\"");
        // The output's reference leads to the module's block.
        let uses = find(&objects, "r", "uses")[0];
        let link = uses
            .links
            .iter()
            .find(|l| run.slice(l.span) == "module.api.stage")
            .unwrap();
        assert!(
            matches!(&link.target, Target::Name { namespace: Some(ns), .. } if &**ns == "module.api")
        );
        assert!(at(uses, &["other"]).is_unknown());
        let mut notes: Vec<&str> = diagnostics
            .iter()
            .filter(|d| d.problem == Problem::ModuleNotEvaluated)
            .map(|d| run.slice(d.span))
            .collect();
        notes.sort();
        assert_eq!(notes, ["\"./\"", "\"terraform-aws-modules/alb/aws\""]);
    }

    #[test]
    fn modules_calling_modules_with_count_stop_at_the_expansion_budget() {
        // Eight levels of modules, each calling the next 16 times: 16^8
        // instances if evaluated.
        let levels: Vec<(String, String)> = (0..8)
            .map(|i| {
                let text = format!(
                    "module \"next\" {{\n  source = \"../m{}\"\n  count  = 16\n}}\nresource \"r\" \"b\" {{}}\n",
                    i + 1
                );
                (format!("m{i}/main.tf"), text)
            })
            .collect();
        let tree: Vec<(&str, &str)> = levels
            .iter()
            .map(|(path, text)| (path.as_str(), text.as_str()))
            .chain([("m8/main.tf", "resource \"r\" \"leaf\" {}\n")])
            .collect();
        let run = files(&tree);
        let started = std::time::Instant::now();
        let (objects, diagnostics) = run.run(&["m0/main.tf"], &Options::default());
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
        assert!(objects.len() <= module::MAX_EXPANDED, "{}", objects.len());
        let stops: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.message.contains("evaluation stops"))
            .collect();
        assert_eq!(stops.len(), 1, "{diagnostics:?}");
        // At the root's call, with where it stopped beside it.
        assert_eq!(run.file(stops[0].span), "main.tf");
        assert_eq!(run.slice(stops[0].span), "\"next\"");
        assert_eq!(
            run.sources.get(stops[0].span.source).path,
            run.dir.path().join("m0/main.tf")
        );
        assert_eq!(run.slice(stops[0].related[0].0), "module");
    }

    #[test]
    fn a_syntax_error_is_reported_and_the_other_files_still_load() {
        let run = files(&[
            ("main.tf", "resource \"a\" \"b\" {\n  x = = 1\n}\n"),
            ("other.tf", "resource \"a\" \"c\" {}\n"),
        ]);
        let (objects, diagnostics) = run.run(&["main.tf"], &Options::default());
        assert_eq!(diagnostics.len(), 1);
        let source = run.sources.get(diagnostics[0].span.source);
        let at = source.line_col(diagnostics[0].span.start);
        assert_eq!((at.line, at.column), (2, 7));
        assert_eq!(find(&objects, "a", "c").len(), 1);
    }

    const MANIFEST: &str = r#"
resource "kubernetes_manifest" "pdb" {
  manifest = {
    apiVersion = "policy/v1"
    kind       = "PodDisruptionBudget"
    metadata   = { name = "api" }
    spec       = { maxUnavailable = 1 }
  }
}
"#;

    #[test]
    fn kubernetes_resources_are_lifted_into_kubernetes_objects() {
        let text = r#"
resource "kubernetes_deployment_v1" "api" {
  metadata {
    name   = "api"
    labels = { app_name = "api" }
  }
  spec {
    replicas = 1
    template {
      metadata {}
      spec {
        container {
          name  = "api"
          image = "nginx:latest"
          resources {
            limits = { memory = "128Mi" }
          }
        }
      }
    }
  }
}
"#;
        let text = format!("{text}{MANIFEST}");
        let run = files(&[("main.tf", &text)]);
        let (objects, _) = run.run(&["main.tf"], &Options::default());
        let deployment = objects
            .iter()
            .find(|o| o.format == Format::Kubernetes)
            .unwrap();
        assert_eq!(&*deployment.kind, "Deployment");
        assert_eq!(deployment.classes, ["workload", "long-running"]);
        let containers = deployment
            .body
            .at(&["spec", "template", "spec", "containers"])
            .unwrap();
        let image = containers.as_list().unwrap()[0].get("image").unwrap();
        assert_eq!(run.slice(image.span), "\"nginx:latest\"");
        let memory = containers.as_list().unwrap()[0]
            .at(&["resources", "limits", "memory"])
            .unwrap();
        assert_eq!(memory.as_str(), Some("128Mi"));
        assert!(
            deployment
                .body
                .at(&["metadata", "labels", "app_name"])
                .is_some()
        );
        let manifest = objects
            .iter()
            .find(|o| &*o.kind == "PodDisruptionBudget")
            .unwrap();
        assert_eq!(manifest.name.as_deref(), Some("api"));
    }
}
