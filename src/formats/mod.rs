//! One module per input format: each turns text into the shared model. A
//! format's knowledge (where a workload keeps its pod template, how nginx
//! inherits directives, how Terraform resolves a variable) stays in its
//! module; the rest of the pipeline sees only objects.

pub mod helm;
pub mod kubernetes;
pub mod nginx;
pub mod terraform;
pub mod yaml;

use std::path::Path;

use rayon::prelude::*;

use crate::model::{Diagnostic, Format, FormatVocabulary, Object};
use crate::source::{SourceId, Sources};

/// What every format's adapter offers rules.
pub const VOCABULARIES: &[FormatVocabulary] = &[
    kubernetes::VOCABULARY,
    terraform::VOCABULARY,
    nginx::VOCABULARY,
];

/// What adapters are told by the command line.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub terraform: terraform::Options,
    pub nginx: nginx::Options,
}

/// Decides a file's format from its name and a cheap look at its content;
/// `None` for files no format claims.
pub fn detect(path: &Path, text: &str, options: &Options) -> Option<Format> {
    if terraform::detect(path) {
        Some(Format::Terraform)
    } else if kubernetes::detect(path, text) {
        Some(Format::Kubernetes)
    } else if nginx::detect(path, text) || options.nginx.is_entry(path) {
        Some(Format::Nginx)
    } else {
        None
    }
}

/// Whether the file at `path` may be in one of `formats`, judged before it
/// is read: Terraform is known by name alone, the others by their content.
pub fn may_be_in(path: &Path, formats: &[Format]) -> bool {
    if terraform::detect(path) {
        formats.contains(&Format::Terraform)
    } else {
        formats.contains(&Format::Kubernetes) || formats.contains(&Format::Nginx)
    }
}

/// Extensions of the formats' files, whether or not this one holds anything
/// a format claims: such files are reported when they cannot be read.
pub fn has_known_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "yaml" | "yml" | "json" | "tf" | "tfvars"
        )
    }) || nginx::has_nginx_name(path)
}

/// Reads the files an adapter finds it needs beyond those it was given: an
/// nginx `include`, the other files of a Terraform module. They join the
/// run's sources as context: read, understood, never reported on by
/// themselves.
pub trait Loader: Sync {
    /// The sources of the run, including everything loaded so far.
    fn sources(&self) -> &Sources;

    /// The source for `path` (relative to the working directory, as
    /// discovery names files), reading it if no source has that path yet.
    fn load(&self, path: &Path) -> Result<SourceId, String>;

    /// The entries of a directory, sorted by name.
    fn list(&self, dir: &Path) -> Result<Vec<std::path::PathBuf>, String>;
}

/// What the adapters made of the run's files.
#[derive(Debug, Default)]
pub struct Loaded {
    pub objects: Vec<Object>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    fn extend(&mut self, (objects, diagnostics): (Vec<Object>, Vec<Diagnostic>)) {
        self.objects.extend(objects);
        self.diagnostics.extend(diagnostics);
    }
}

/// Whether every object `load` builds from files of this format holds only
/// spans of the file it is anchored in: manifests are read one file at a
/// time, while a Terraform module's values are written by its caller and an
/// nginx file's objects take in what it includes.
pub fn objects_stay_in_their_file(format: Format) -> bool {
    format == Format::Kubernetes
}

/// Turns the files of one format into objects. Kubernetes files stand alone
/// and are parsed in parallel; formats whose files depend on each other
/// (modules, includes) are given all of their files at once.
pub fn load(format: Format, files: &[SourceId], loader: &dyn Loader, options: &Options) -> Loaded {
    let sources = loader.sources();
    let mut loaded = Loaded::default();
    match format {
        Format::Kubernetes => {
            let parsed: Vec<_> = files
                .par_iter()
                .map(|&id| kubernetes::parse(sources.get(id)))
                .collect();
            for file in parsed {
                loaded.extend(file);
            }
        }
        Format::Terraform => {
            if !files.is_empty() {
                loaded.extend(terraform::load(files, loader, &options.terraform));
            }
        }
        Format::Nginx => loaded = nginx::load(files, loader, &options.nginx),
    }
    loaded
}
