//! The contexts of one configuration: from an entry file, `include`s
//! followed in place (as nginx reads them), `http`, `server`, `location`
//! and `upstream` blocks becoming levels that hold the directives written
//! in them. Include depth and the number of files are bounded; cycles,
//! missing files and files that cannot be read are reported.

use std::path::{Path, PathBuf};

use super::includes::{self, Resolved};
use super::parser::Statement;
use super::{Files, NginxFile};
use crate::model::{Diagnostic, Problem, Provenance};
use crate::source::{SourceId, Span};

/// Includes nest at most this deep.
pub const MAX_INCLUDE_DEPTH: usize = 16;
/// One configuration reads at most this many files through includes (a
/// file included twice counts twice).
pub const MAX_INCLUDED_FILES: usize = 10_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Main,
    Http,
    Server,
    Location,
    Upstream,
}

impl Level {
    pub fn kind(self) -> &'static str {
        match self {
            Level::Main => "main",
            Level::Http => "http",
            Level::Server => "server",
            Level::Location => "location",
            Level::Upstream => "upstream",
        }
    }

    pub fn from_name(name: &str) -> Option<Level> {
        [Level::Main, Level::Http, Level::Server, Level::Location]
            .into_iter()
            .find(|l| l.kind() == name)
    }

    /// The level a block opens inside this one, if it is one.
    fn child(self, block: &str) -> Option<Level> {
        match (self, block) {
            (Level::Main, "http") => Some(Level::Http),
            (Level::Http, "server") => Some(Level::Server),
            (Level::Http, "upstream") => Some(Level::Upstream),
            (Level::Server | Level::Location, "location") => Some(Level::Location),
            _ => None,
        }
    }
}

/// A directive as written, the file it was written in, and the `include`
/// that brought that file into its level, if one did.
#[derive(Clone, Copy)]
pub struct Occurrence<'a> {
    pub statement: &'a Statement,
    pub file: &'a NginxFile,
    pub included_from: Option<Span>,
}

impl Occurrence<'_> {
    pub fn span(&self, start: u32, end: u32) -> Span {
        self.file.span(start, end)
    }

    pub fn name_span(&self) -> Span {
        let name = &self.statement.name;
        self.span(name.start, name.end)
    }

    /// From the name to the last argument.
    pub fn head_span(&self) -> Span {
        self.span(self.statement.name.start, self.statement.head_end())
    }
}

pub struct Context<'a> {
    pub level: Level,
    /// The block that opened it; none for a file's top level.
    pub opener: Option<Occurrence<'a>>,
    /// The file whose top level this is, when there is no opener.
    pub file: &'a NginxFile,
    pub own: Vec<Occurrence<'a>>,
    pub children: Vec<Context<'a>>,
    /// How it was reached: includes, enclosing blocks.
    pub trail: Vec<Provenance>,
    /// Directives nobody can know may be in effect here: an include that
    /// could not be followed, or a parent level that is not in the input.
    pub open: bool,
}

/// Builds the contexts of configurations, loading included files.
pub struct Builder<'a, 'l> {
    pub files: &'a Files<'l>,
    pub diagnostics: Vec<Diagnostic>,
    /// Every file an include reached.
    pub reached: Vec<SourceId>,
    prefix: Option<PathBuf>,
    stack: Vec<SourceId>,
    loaded: usize,
}

impl<'a, 'l> Builder<'a, 'l> {
    pub fn new(files: &'a Files<'l>) -> Self {
        Builder {
            files,
            diagnostics: Vec::new(),
            reached: Vec::new(),
            prefix: None,
            stack: Vec::new(),
            loaded: 0,
        }
    }

    /// The contexts of `file` read as `level`, relative includes resolved
    /// against `prefix` (none: they cannot be followed).
    pub fn build(
        &mut self,
        file: &'a NginxFile,
        level: Level,
        prefix: Option<&Path>,
        open: bool,
    ) -> Context<'a> {
        self.prefix = prefix.map(Path::to_path_buf);
        self.stack = vec![file.source];
        self.loaded = 0;
        let mut context = Context {
            level,
            opener: None,
            file,
            own: Vec::new(),
            children: Vec::new(),
            trail: Vec::new(),
            open,
        };
        let mut trail = Vec::new();
        self.collect(&file.parsed.statements, file, &mut context, &mut trail);
        context
    }

    fn collect(
        &mut self,
        statements: &'a [Statement],
        file: &'a NginxFile,
        context: &mut Context<'a>,
        includes: &mut Vec<Provenance>,
    ) {
        for statement in statements {
            let occurrence = Occurrence {
                statement,
                file,
                included_from: includes.last().map(|p| p.span),
            };
            let name = &*statement.name.value;
            if name == "include" && statement.children().is_empty() {
                self.include(occurrence, context, includes);
                continue;
            }
            let child = context.level.child(name);
            match child {
                Some(level) if matches!(statement.body, super::parser::Body::Block { .. }) => {
                    let mut trail = context.trail.clone();
                    trail.extend(includes.iter().cloned());
                    if let Some(opener) = context.opener
                        && matches!(context.level, Level::Server | Level::Location)
                    {
                        trail.push(Provenance {
                            span: super::objects::anchor(context.level, opener),
                            message: format!("in this {}", context.level.kind()).into(),
                        });
                    }
                    let mut inner = Context {
                        level,
                        opener: Some(occurrence),
                        file,
                        own: Vec::new(),
                        children: Vec::new(),
                        trail,
                        open: context.open,
                    };
                    let mut nested = Vec::new();
                    self.collect(statement.children(), file, &mut inner, &mut nested);
                    context.children.push(inner);
                }
                _ => {
                    let kind = context.level.kind();
                    if context.level != Level::Upstream
                        && !super::directives::allowed_in(name, kind)
                    {
                        self.report(
                            Problem::ParseError,
                            occurrence.name_span(),
                            format!("\"{name}\" is not allowed in a {kind} context"),
                        );
                    }
                    context.own.push(occurrence);
                }
            }
        }
    }

    fn include(
        &mut self,
        occurrence: Occurrence<'a>,
        context: &mut Context<'a>,
        includes: &mut Vec<Provenance>,
    ) {
        let statement = occurrence.statement;
        let Some(pattern) = statement.args.first() else {
            return;
        };
        let at = occurrence.span(pattern.start, pattern.end);
        let paths =
            match includes::resolve(&pattern.value, self.prefix.as_deref(), self.files.loader) {
                Resolved::Files(paths) => paths,
                Resolved::Stock => return,
                Resolved::Outside => {
                    context.open = true;
                    return;
                }
                Resolved::Missing(path) => {
                    self.report(
                        Problem::InputError,
                        at,
                        format!(
                            "included file {} does not exist",
                            crate::source::display_path(&path)
                        ),
                    );
                    context.open = true;
                    return;
                }
            };
        for path in paths {
            let file = match self.files.load(&path) {
                Ok(file) => file,
                Err(message) => {
                    self.report(
                        Problem::InputError,
                        at,
                        format!("cannot include: {message}"),
                    );
                    context.open = true;
                    continue;
                }
            };
            if let Some(first) = self.stack.iter().position(|&s| s == file.source) {
                let chain: Vec<String> = self.stack[first..]
                    .iter()
                    .chain(std::iter::once(&file.source))
                    .map(|&s| self.files.sources().get(s).display_path())
                    .collect();
                self.report(
                    Problem::ParseError,
                    at,
                    format!("include cycle: {}", chain.join(" includes ")),
                );
                continue;
            }
            if self.stack.len() > MAX_INCLUDE_DEPTH || self.loaded >= MAX_INCLUDED_FILES {
                self.report(
                    Problem::InputError,
                    at,
                    format!(
                        "includes nest deeper than {MAX_INCLUDE_DEPTH} levels or read more than {MAX_INCLUDED_FILES} files; not followed"
                    ),
                );
                context.open = true;
                continue;
            }
            if file.template.is_some() {
                context.open = true;
            }
            self.loaded += 1;
            self.reached.push(file.source);
            self.stack.push(file.source);
            includes.push(Provenance {
                span: occurrence.head_span(),
                message: format!(
                    "included from here ({})",
                    self.files.sources().get(file.source).display_path()
                )
                .into(),
            });
            self.collect(&file.parsed.statements, file, context, includes);
            includes.pop();
            self.stack.pop();
        }
    }

    fn report(&mut self, problem: Problem, span: Span, message: String) {
        self.diagnostics
            .push(Diagnostic::new(problem, span, message));
    }
}
