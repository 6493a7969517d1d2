//! The configuration file, `.airworthy.yaml`: found upward from the working
//! directory or named with `--config`, read with the same span-preserving
//! YAML front end as everything else, and validated so that every mistake
//! points into the file (an unknown key suggests the nearest valid one).
//! Paths in it are relative to the directory it is in.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobMatcher};

use crate::engine::LoadError;
use crate::engine::schema::{self, Fields, SchemaError, error, string};
use crate::finding::Severity;
use crate::formats::yaml;
use crate::model::{Diagnostic, Node, Problem};
use crate::source::{Sources, Span};
use crate::suppress::{ConfigIgnore, ConfigIgnores, Date};

pub const FILE_NAME: &str = ".airworthy.yaml";

const KEYS: &[&str] = &[
    "rules",
    "paths",
    "ignore",
    "fail-on",
    "min-severity",
    "baseline",
    "nginx",
    "terraform",
];
const RULE_KEYS: &[&str] = &["select", "ignore", "severity", "dirs"];
const PATH_KEYS: &[&str] = &["include", "exclude"];
const IGNORE_KEYS: &[&str] = &["rules", "paths", "objects", "reason", "until"];

/// What the configuration file says; empty where it is silent.
#[derive(Debug, Default)]
pub struct Config {
    /// The file, when there is one.
    pub path: Option<PathBuf>,
    pub select: Vec<String>,
    pub ignore_rules: Vec<String>,
    /// Severity overrides by rule id, name or peer id.
    pub severity: BTreeMap<String, Severity>,
    pub rule_dirs: Vec<PathBuf>,
    /// Globs, made absolute so that they mean the same from any directory.
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub ignores: Option<ConfigIgnores>,
    pub fail_on: Option<Severity>,
    pub min_severity: Option<Severity>,
    pub baseline: Option<PathBuf>,
    /// nginx entry files (globs), for configurations whose main file is not
    /// called `nginx.conf`.
    pub nginx_entries: Vec<String>,
    pub terraform_var_files: Vec<PathBuf>,
}

/// `.airworthy.yaml` in `start` or the nearest directory above it.
pub fn find(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join(FILE_NAME))
        .find(|candidate| candidate.is_file())
}

impl Config {
    /// Reads and validates the configuration file at `path`; every error in
    /// it is reported at once.
    pub fn load(path: &Path) -> Result<Config, Box<LoadError>> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) => {
                let sources = Sources::default();
                let id = sources.push(path.to_path_buf(), String::new());
                return Err(Box::new(LoadError {
                    diagnostics: vec![Diagnostic::new(
                        Problem::InputError,
                        Span::point(id, 0),
                        format!("cannot read the configuration file: {e}"),
                    )],
                    sources,
                }));
            }
        };
        Config::parse(path, text)
    }

    /// Validates `text` as the configuration file at `path`: what `load`
    /// does once the file is read. Public for the fuzz targets.
    pub fn parse(path: &Path, text: String) -> Result<Config, Box<LoadError>> {
        let sources = Sources::default();
        let id = sources.push(path.to_path_buf(), text.clone());
        let parsed = yaml::parse(sources.get(id));
        let mut diagnostics = parsed.diagnostics;
        let base = crate::discover::absolute(path.parent().unwrap_or(Path::new(".")));
        let result = match parsed.documents.first() {
            _ if !diagnostics.is_empty() => None,
            None => Some(Ok(Config::default())),
            Some(document) if document.root.value == crate::model::Value::Null => {
                Some(Ok(Config::default()))
            }
            Some(document) => Some(read(&document.root, &base)),
        };
        match result {
            Some(Ok(mut config)) => {
                config.path = Some(path.to_path_buf());
                if let Some(ignores) = &mut config.ignores {
                    ignores.path = path.to_path_buf();
                    ignores.text = text;
                }
                Ok(config)
            }
            Some(Err(e)) => {
                diagnostics.push(Diagnostic::new(Problem::ParseError, e.span, e.message));
                Err(Box::new(LoadError {
                    sources,
                    diagnostics,
                }))
            }
            None => Err(Box::new(LoadError {
                sources,
                diagnostics,
            })),
        }
    }
}

fn read(root: &Node, base: &Path) -> schema::Result<Config> {
    let fields = Fields::new(root, KEYS, "the configuration")?;
    let mut config = Config::default();
    if let Some(rules) = fields.get("rules") {
        let rules = Fields::new(rules, RULE_KEYS, "`rules`")?;
        config.select = owned(rules.strings("select")?);
        config.ignore_rules = owned(rules.strings("ignore")?);
        if let Some(node) = rules.get("severity") {
            let overrides = node
                .as_map()
                .ok_or_else(|| schema_error(node.span, "`severity` maps rules to severities"))?;
            for entry in &overrides.entries {
                config
                    .severity
                    .insert(entry.key.to_string(), severity(&entry.value)?);
            }
        }
        config.rule_dirs = rules
            .strings("dirs")?
            .into_iter()
            .map(|dir| inside(base, dir))
            .collect::<schema::Result<_>>()?;
    }
    if let Some(paths) = fields.get("paths") {
        let paths = Fields::new(paths, PATH_KEYS, "`paths`")?;
        config.include = globs(paths.strings("include")?, base)?;
        config.exclude = globs(paths.strings("exclude")?, base)?;
    }
    if let Some(node) = fields.get("ignore") {
        let items = node
            .as_list()
            .ok_or_else(|| schema_error(node.span, "`ignore` is a list of ignores"))?;
        let ignores = items
            .iter()
            .map(|item| ignore(item, base))
            .collect::<schema::Result<Vec<_>>>()?;
        config.ignores = Some(ConfigIgnores {
            path: PathBuf::new(),
            text: String::new(),
            ignores,
        });
    }
    config.fail_on = fields.get("fail-on").map(severity).transpose()?;
    config.min_severity = fields.get("min-severity").map(severity).transpose()?;
    config.baseline = match fields.get("baseline") {
        Some(node) => Some(inside(base, (string(node)?, node.span))?),
        None => None,
    };
    if let Some(nginx) = fields.get("nginx") {
        let nginx = Fields::new(nginx, &["entries"], "`nginx`")?;
        config.nginx_entries = globs(nginx.strings("entries")?, base)?;
    }
    if let Some(terraform) = fields.get("terraform") {
        let terraform = Fields::new(terraform, &["var-files"], "`terraform`")?;
        config.terraform_var_files = terraform
            .strings("var-files")?
            .into_iter()
            .map(|file| inside(base, file))
            .collect::<schema::Result<_>>()?;
    }
    Ok(config)
}

fn ignore(node: &Node, base: &Path) -> schema::Result<ConfigIgnore> {
    let fields = Fields::new(node, IGNORE_KEYS, "an ignore")?;
    let reason = fields.required_string("reason", "an ignore")?.trim();
    if reason.is_empty() {
        return error(
            fields.get("reason").map_or(fields.span, |n| n.span),
            "an ignore needs a reason",
        );
    }
    let until = match fields.get("until") {
        None => None,
        Some(node) => {
            let text = node.scalar_text().unwrap_or_default();
            Some(
                Date::parse(&text)
                    .ok_or_else(|| schema_error(node.span, "`until` is a date like 2027-01-31"))?,
            )
        }
    };
    let matchers = |patterns: Vec<String>| -> schema::Result<Vec<GlobMatcher>> {
        Ok(patterns
            .into_iter()
            .filter_map(|p| Glob::new(&p).ok().map(|g| g.compile_matcher()))
            .collect())
    };
    let objects = fields.strings("objects")?;
    for (pattern, span) in &objects {
        Glob::new(pattern).map_err(|e| schema_error(*span, format!("invalid pattern: {e}")))?;
    }
    let ignore = ConfigIgnore {
        rules: owned(fields.strings("rules")?),
        paths: matchers(globs(fields.strings("paths")?, base)?)?,
        objects: matchers(owned(objects))?,
        reason: reason.to_string(),
        until,
        span: fields.span,
    };
    if ignore.rules.is_empty() && ignore.paths.is_empty() && ignore.objects.is_empty() {
        return error(
            fields.span,
            "an ignore names `rules`, `paths` or `objects`: it would silence everything",
        );
    }
    Ok(ignore)
}

/// A path the configuration names, below its directory. Paths given on the
/// command line may be anywhere; the configuration is part of the
/// repository, and a pull request could point it at the machine's files.
fn inside(base: &Path, (path, span): (&str, Span)) -> schema::Result<PathBuf> {
    let relative = Path::new(path);
    if relative.is_absolute() || relative.components().any(|c| c == Component::ParentDir) {
        return Err(schema_error(
            span,
            "a path in the configuration is relative to its directory and stays below it \
             (no `..`, not absolute); name files elsewhere on the command line",
        ));
    }
    Ok(base.join(relative))
}

fn severity(node: &Node) -> schema::Result<Severity> {
    Severity::from_name(string(node)?)
        .ok_or_else(|| schema_error(node.span, "a severity is one of error, warning, note"))
}

fn owned(items: Vec<(&str, Span)>) -> Vec<String> {
    items.into_iter().map(|(s, _)| s.to_string()).collect()
}

/// Globs relative to the configuration's directory, made absolute.
fn globs(patterns: Vec<(&str, Span)>, base: &Path) -> schema::Result<Vec<String>> {
    patterns
        .into_iter()
        .map(|(pattern, span)| {
            let absolute = format!(
                "{}/{}",
                globset::escape(&base.to_string_lossy()).trim_end_matches('/'),
                pattern.trim_start_matches("./")
            );
            Glob::new(&absolute)
                .map(|_| absolute)
                .map_err(|e| schema_error(span, format!("invalid glob `{pattern}`: {e}")))
        })
        .collect()
}

fn schema_error(span: Span, message: impl Into<String>) -> SchemaError {
    SchemaError {
        span,
        message: message.into(),
    }
}

/// The starter file `airworthy init` writes.
pub const STARTER: &str = r#"# airworthy configuration: https://github.com/airworthy-dev/airworthy#configuration
# Paths are relative to this file. Every key is optional.

rules:
  # Run only these rules (ids, names, tags or other tools' ids); all when empty.
  select: []
  # Never run these.
  ignore: []
  # Change a rule's severity: error, warning or note.
  severity: {}
  #   K8S111: error
  # Directories of rules of your own (see "Writing a rule" in the README).
  dirs: []

paths:
  # Check only paths matching these globs, and never those matching exclude.
  include: []
  exclude: []
  #   - "charts/**/templates/**"

# Accepted findings, each with a reason and, best, a date to look again.
ignore: []
#   - rules: [K8S303]
#     paths: ["legacy/**"]
#     objects: ["Deployment/legacy/*"]
#     reason: images come from the internal mirror until the registry move
#     until: 2027-06-30

# Exit 1 when a finding at least this severe remains (error, warning, note).
fail-on: warning
# Report only findings at least this severe.
min-severity: note

# Report only findings that are not in this file (see --write-baseline).
# baseline: .airworthy-baseline.json

# nginx: main configuration files whose name is not nginx.conf.
# nginx:
#   entries: ["deploy/nginx/gateway.conf"]

# Terraform: variable files, applied after terraform.tfvars and *.auto.tfvars.
# terraform:
#   var-files: ["envs/prod.tfvars"]
"#;

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, Box<LoadError>> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, text).unwrap();
        Config::load(&path)
    }

    fn first_error(text: &str) -> (String, String) {
        let error = load(text).unwrap_err();
        let d = &error.diagnostics[0];
        let source = error.sources.get(d.span.source);
        (source.slice(d.span).to_string(), d.message.clone())
    }

    #[test]
    fn the_starter_file_is_valid() {
        let config = load(STARTER).unwrap();
        assert_eq!(config.fail_on, Some(Severity::Warning));
        assert!(config.select.is_empty());
    }

    #[test]
    fn settings_are_read_relative_to_the_file() {
        let config = load(
            "rules: {select: [security], severity: {K8S111: error}, dirs: [policies]}\n\
             paths: {exclude: ['charts/**']}\n\
             ignore:\n- {rules: [K8S303], paths: ['legacy/**'], reason: mirror, until: 2027-06-30}\n\
             fail-on: error\n",
        )
        .unwrap();
        assert_eq!(config.severity["K8S111"], Severity::Error);
        assert!(config.rule_dirs[0].ends_with("policies"));
        assert!(config.rule_dirs[0].is_absolute());
        assert!(config.exclude[0].ends_with("/charts/**"));
        let ignores = config.ignores.unwrap();
        assert_eq!(ignores.ignores[0].until, Date::parse("2027-06-30"));
        assert!(ignores.text.contains("mirror"));
        assert_eq!(config.fail_on, Some(Severity::Error));
    }

    #[test]
    fn mistakes_point_into_the_file() {
        let (at, message) = first_error("rules:\n  selct: [a]\n");
        assert_eq!(at, "selct");
        assert!(message.contains("did you mean `select`"), "{message}");
        let (at, message) = first_error("fail-on: loud\n");
        assert_eq!(at, "loud");
        assert!(message.contains("error, warning, note"));
        let (_, message) = first_error("ignore:\n- {rules: [K8S101]}\n");
        assert!(message.contains("needs `reason`"), "{message}");
        let (at, _) = first_error("ignore:\n- {rules: [A101], reason: r, until: soon}\n");
        assert_eq!(at, "soon");
        let (_, message) = first_error("ignore:\n- {reason: everything}\n");
        assert!(message.contains("silence everything"));
        for (text, path) in [
            ("rules: {dirs: [../policies]}\n", "../policies"),
            ("baseline: /etc/passwd\n", "/etc/passwd"),
            (
                "terraform: {var-files: [envs/../../prod.tfvars]}\n",
                "envs/../../prod.tfvars",
            ),
        ] {
            let (at, message) = first_error(text);
            assert_eq!(at, path);
            assert!(message.contains("stays below it"), "{message}");
        }
        let broken = load("rules: [\n").unwrap_err();
        assert_eq!(broken.diagnostics[0].problem, Problem::ParseError);
    }
}
