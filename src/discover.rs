//! Walking the given paths (honouring `.gitignore` and include/exclude globs)
//! and reading each file that some format claims.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::formats::{self, Loader};
use crate::model::Format;
use crate::source::{Role, SourceId, Sources, display_path};

/// Files larger than this are reported, not read, unless told otherwise.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

/// Where a run may read: below the repositories of the paths it checks (a
/// path outside git is its own root) and its context directory, and the
/// files named on the command line. A file that a symbolic link, or `..` or
/// an absolute path in an include or a module source, leads out of them is
/// not read: a pull request could otherwise have the machine's files
/// (`config.yaml -> /etc/passwd`) parsed and quoted in its findings.
#[derive(Clone, Debug, Default)]
pub struct Boundary {
    roots: Vec<PathBuf>,
    files: Vec<PathBuf>,
}

impl Boundary {
    pub fn of(options: &DiscoverOptions) -> Self {
        let mut roots = Vec::new();
        for path in &options.paths {
            // Standard input's name, if it has one, is in the working directory.
            let path = if path.as_os_str() == "-" {
                Path::new(".")
            } else {
                path
            };
            let Ok(real) = fs::canonicalize(path) else {
                continue;
            };
            let dir = match real.parent() {
                Some(parent) if !real.is_dir() => parent.to_path_buf(),
                _ => real,
            };
            let top = dir.ancestors().find(|d| d.join(".git").exists());
            roots.push(top.map_or(dir.clone(), Path::to_path_buf));
        }
        if options.paths.is_empty() {
            roots.extend(fs::canonicalize(".").ok());
        }
        if let Context::Directory(dir) = &options.context {
            roots.extend(fs::canonicalize(dir).ok());
        }
        roots.sort();
        roots.dedup();
        Boundary {
            roots,
            files: Vec::new(),
        }
    }

    /// The boundary and these files, wherever they are (given by the user).
    pub fn with_files(mut self, files: &[PathBuf]) -> Self {
        self.files
            .extend(files.iter().filter_map(|f| fs::canonicalize(f).ok()));
        self
    }

    /// Whether `path` resolves to a file or directory inside the boundary.
    pub fn contains(&self, path: &Path) -> bool {
        fs::canonicalize(path).is_ok_and(|real| {
            self.files.contains(&real) || self.roots.iter().any(|root| real.starts_with(root))
        })
    }
}

/// Why a file outside the [`Boundary`] is not read. The path is the one
/// written, never where it leads.
pub fn outside_message(path: &Path) -> String {
    format!(
        "{} leads outside the checked repository (through a symbolic link, `..` or an \
         absolute path), so it is not read",
        display_path(path)
    )
}

#[derive(Clone, Debug)]
pub struct DiscoverOptions {
    pub paths: Vec<PathBuf>,
    /// The name `-` (standard input) is shown and classified by.
    pub stdin_filename: Option<PathBuf>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub max_file_size: u64,
    /// Where to read context from: files that are not reported but that the
    /// reported ones are understood with.
    pub context: Context,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Context {
    /// The top of the git repository when a file is named (as pre-commit
    /// does), so that a Service in another folder still selects the named
    /// Deployment; none when only directories are named.
    #[default]
    Automatic,
    None,
    Directory(PathBuf),
}

impl DiscoverOptions {
    /// Options that check `paths` and nothing else, with the defaults.
    pub fn paths(paths: Vec<PathBuf>) -> Self {
        DiscoverOptions {
            paths,
            stdin_filename: None,
            include: Vec::new(),
            exclude: Vec::new(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            context: Context::Automatic,
        }
    }
}

/// A file to check, or one that could not be.
#[derive(Debug)]
pub struct Input {
    /// The path as shown in reports.
    pub path: PathBuf,
    pub content: Content,
}

#[derive(Debug)]
pub enum Content {
    Text {
        format: Format,
        text: String,
    },
    /// The file is there but cannot be checked; the text is empty or lossy.
    Problem {
        kind: InputProblem,
        message: String,
        text: String,
        offset: usize,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputProblem {
    /// Unreadable, too large, or of no known format.
    Unreadable,
    /// Binary or not UTF-8.
    Undecodable,
}

#[derive(Debug)]
pub struct Candidate {
    path: PathBuf,
    explicit: bool,
    pub role: Role,
}

impl Candidate {
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Finds the files to check, following no link out of `boundary`. Errors
/// are usage errors (a path that does not exist, a bad glob); problems with
/// single files become inputs with a problem, so they are reported as
/// findings and nothing is lost.
pub fn discover(
    options: &DiscoverOptions,
    boundary: &Arc<Boundary>,
) -> Result<(Vec<Candidate>, Vec<Input>), String> {
    let include = globs(&options.include)?;
    let exclude = globs(&options.exclude)?;
    let mut candidates = Vec::new();
    let mut problems = Vec::new();
    let paths = if options.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        options.paths.clone()
    };
    for root in &paths {
        if root.as_os_str() == "-" {
            candidates.push(Candidate {
                path: root.clone(),
                explicit: true,
                role: Role::Reported,
            });
            continue;
        }
        let metadata = fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
        if !metadata.is_dir() {
            if !exclude.as_ref().is_some_and(|g| g.is_match(clean(root))) {
                candidates.push(Candidate {
                    path: normalize(root),
                    explicit: true,
                    role: Role::Reported,
                });
            }
            continue;
        }
        walk(root, boundary)
            .into_iter()
            .for_each(|entry| match entry {
                Ok(path) => {
                    if exclude.as_ref().is_some_and(|g| g.is_match(&path))
                        || include.as_ref().is_some_and(|g| !g.is_match(&path))
                    {
                        return;
                    }
                    candidates.push(Candidate {
                        path,
                        explicit: false,
                        role: Role::Reported,
                    });
                }
                // What is excluded is not reported, problems included.
                Err((path, _)) if exclude.as_ref().is_some_and(|g| g.is_match(&path)) => {}
                Err((path, message)) => problems.push(Input {
                    path,
                    content: Content::Problem {
                        kind: InputProblem::Unreadable,
                        message,
                        text: String::new(),
                        offset: 0,
                    },
                }),
            });
    }
    candidates.sort_by(|a, b| a.path.cmp(&b.path));
    candidates.dedup_by(|a, b| a.path == b.path);
    if let Some(root) = context_root(options, &paths) {
        let reported: HashSet<PathBuf> = candidates.iter().map(|c| canonical(&c.path)).collect();
        let names: HashSet<&std::ffi::OsStr> = candidates
            .iter()
            .filter_map(|c| c.path.file_name())
            .collect();
        let mut context = Vec::new();
        walk(&root, boundary).into_iter().for_each(|entry| {
            // Problems in files nobody asked about are not reported.
            let Ok(path) = entry else { return };
            if exclude.as_ref().is_some_and(|g| g.is_match(&path)) {
                return;
            }
            // The same file may be spelled two ways; only a name that is
            // also reported needs the system call that tells.
            let is_reported = path.file_name().is_some_and(|name| names.contains(name))
                && reported.contains(&canonical(&path));
            if !is_reported {
                context.push(Candidate {
                    path,
                    explicit: false,
                    role: Role::Context,
                });
            }
        });
        candidates.extend(context);
        candidates.sort_by(|a, b| a.path.cmp(&b.path));
        candidates.dedup_by(|a, b| a.path == b.path);
    }
    Ok((candidates, problems))
}

/// A file found by walking, or a problem with its path and message.
type Walked = Result<PathBuf, (PathBuf, String)>;

/// Walks a directory honouring `.gitignore` and `.ignore` (also outside a
/// git repository), following symbolic links that stay inside `boundary`,
/// on every core; each file found, or each problem, sorted.
fn walk(root: &Path, boundary: &Arc<Boundary>) -> Vec<Walked> {
    let found = Arc::new(Mutex::new(Vec::new()));
    let (refused, boundary) = (Arc::clone(&found), Arc::clone(boundary));
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .follow_links(true)
        .require_git(false)
        // A chart's templates are Go templates, not manifests: check the
        // chart by rendering it (name its directory).
        .filter_entry(move |entry| {
            if entry.path_is_symlink() && !boundary.contains(entry.path()) {
                let path = clean(entry.path()).to_path_buf();
                let message = outside_message(&path);
                refused
                    .lock()
                    .expect("not poisoned")
                    .push(Err((path, message)));
                return false;
            }
            entry.file_name() != ".git"
                && !(entry.file_name() == "templates"
                    && entry
                        .path()
                        .parent()
                        .is_some_and(crate::formats::helm::is_chart))
        })
        .threads(rayon::current_num_threads())
        .build_parallel();
    walker.run(|| {
        Box::new(|entry| {
            let walked = match entry {
                Ok(entry) if entry.file_type().is_some_and(|t| t.is_file()) => {
                    Ok(clean(entry.path()).to_path_buf())
                }
                Ok(_) => return ignore::WalkState::Continue,
                Err(error) => {
                    let path = error_path(&error).unwrap_or_else(|| root.to_path_buf());
                    Err((
                        clean(&path).to_path_buf(),
                        format!("cannot walk: {}", root_cause(&error)),
                    ))
                }
            };
            found.lock().expect("not poisoned").push(walked);
            ignore::WalkState::Continue
        })
    });
    let mut found = std::mem::take(&mut *found.lock().expect("not poisoned"));
    // Problems with one path keep one order.
    found.sort_unstable();
    found
}

/// The directory context is read from, if any (see [`Context`]).
fn context_root(options: &DiscoverOptions, paths: &[PathBuf]) -> Option<PathBuf> {
    match &options.context {
        Context::None => return None,
        Context::Directory(dir) => return Some(dir.clone()),
        Context::Automatic => {}
    }
    let file = paths.iter().find(|p| p.as_os_str() != "-" && p.is_file())?;
    let absolute = fs::canonicalize(file).ok()?;
    let top = absolute
        .ancestors()
        .skip(1)
        .find(|dir| dir.join(".git").exists())?;
    Some(relative_to_working_directory(top))
}

/// `dir` as a path relative to the working directory when it contains it,
/// so that context files are shown the way reported ones are.
fn relative_to_working_directory(dir: &Path) -> PathBuf {
    let Ok(cwd) = std::env::current_dir().and_then(fs::canonicalize) else {
        return dir.to_path_buf();
    };
    if let Ok(below) = cwd.strip_prefix(dir) {
        // The working directory is inside `dir`: climb out of it.
        let ups = below.components().count();
        let path: PathBuf = std::iter::repeat_n("..", ups).collect();
        return if ups == 0 { PathBuf::from(".") } else { path };
    }
    match dir.strip_prefix(&cwd) {
        Ok(rest) => rest.to_path_buf(),
        Err(_) => dir.to_path_buf(),
    }
}

fn canonical(path: &Path) -> PathBuf {
    fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Removes `.` and resolves `..` against the components before it, without
/// asking the file system, so one file has one name in a run.
pub fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                let last = out.components().next_back();
                if matches!(last, Some(Component::Normal(_))) {
                    out.pop();
                } else if !matches!(last, Some(Component::RootDir)) {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    out
}

fn root_cause(error: &ignore::Error) -> String {
    match error {
        ignore::Error::WithPath { err, .. } | ignore::Error::WithDepth { err, .. } => {
            root_cause(err)
        }
        ignore::Error::Loop { ancestor, child } => format!(
            "symbolic link loop: {} points back to {}",
            clean(child).display(),
            clean(ancestor).display()
        ),
        other => other.to_string(),
    }
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

/// `./a` is shown as `a`; `.` itself stays `.`.
fn clean(path: &Path) -> &Path {
    match path.strip_prefix("./") {
        Ok(rest) if !rest.as_os_str().is_empty() => rest,
        _ => path,
    }
}

/// Path globs; absolute ones (from the configuration file) are matched
/// against the absolute path, relative ones against the path as shown.
struct Globs {
    set: GlobSet,
    any_absolute: bool,
}

impl Globs {
    fn is_match(&self, path: &Path) -> bool {
        self.set.is_match(path)
            || (self.any_absolute && self.set.is_match(crate::discover::absolute(path)))
    }
}

fn globs(patterns: &[String]) -> Result<Option<Globs>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let any_absolute = patterns.iter().any(|p| p.starts_with('/'));
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|e| format!("invalid glob `{pattern}`: {e}"))?;
        builder.add(glob);
        // `dir/` and `dir` also mean everything below it.
        let below = format!("{}/**", pattern.trim_end_matches('/'));
        if let Ok(glob) = Glob::new(&below) {
            builder.add(glob);
        }
    }
    let set = builder.build().map_err(|e| e.to_string())?;
    Ok(Some(Globs { set, any_absolute }))
}

/// Reads a candidate and decides its format. `None`: a file found by walking
/// that no format claims, skipped silently, or a context file that cannot be
/// used (nobody asked about it, so it is not reported either).
pub fn read(
    candidate: &Candidate,
    options: &DiscoverOptions,
    formats: &formats::Options,
) -> Option<Input> {
    let input = read_reported(candidate, options, formats)?;
    match (&input.content, candidate.role) {
        (Content::Problem { .. }, Role::Context) => None,
        _ => Some(input),
    }
}

fn read_reported(
    candidate: &Candidate,
    options: &DiscoverOptions,
    formats: &formats::Options,
) -> Option<Input> {
    let (path, bytes) = if candidate.path.as_os_str() == "-" {
        let name = options
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("<stdin>"));
        let mut bytes = Vec::new();
        let limited = std::io::stdin()
            .lock()
            .take(options.max_file_size + 1)
            .read_to_end(&mut bytes);
        (name, limited.map(|_| bytes))
    } else {
        let path = candidate.path.clone();
        let bytes = read_bounded(&path, options.max_file_size);
        (path, bytes)
    };
    let problem = |kind, message: String, text: String, offset| {
        Some(Input {
            path: path.clone(),
            content: Content::Problem {
                kind,
                message,
                text,
                offset,
            },
        })
    };
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(error) => {
            return problem(
                InputProblem::Unreadable,
                format!("cannot read: {error}"),
                String::new(),
                0,
            );
        }
    };
    if bytes.len() as u64 > options.max_file_size {
        return problem(
            InputProblem::Unreadable,
            format!(
                "larger than the {} byte limit (--max-file-size); not checked",
                options.max_file_size
            ),
            String::new(),
            0,
        );
    }
    let claimed_by_name = formats::has_known_extension(&path);
    if bytes[..bytes.len().min(8192)].contains(&0) {
        return (candidate.explicit || claimed_by_name).then(|| Input {
            path: path.clone(),
            content: Content::Problem {
                kind: InputProblem::Undecodable,
                message: "binary content (a NUL byte); not checked".into(),
                text: String::new(),
                offset: 0,
            },
        });
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            if !(candidate.explicit || claimed_by_name) {
                return None;
            }
            let offset = error.utf8_error().valid_up_to();
            let text = String::from_utf8_lossy(error.as_bytes()).into_owned();
            return problem(
                InputProblem::Undecodable,
                "invalid UTF-8; not checked".into(),
                text,
                offset,
            );
        }
    };
    // Unnamed standard input is classified as YAML (`helm template … |`,
    // `kubectl kustomize … |`).
    let unnamed_stdin = candidate.path.as_os_str() == "-" && options.stdin_filename.is_none();
    let classified_as = if unnamed_stdin {
        Path::new("stdin.yaml")
    } else {
        path.as_path()
    };
    match formats::detect(classified_as, &text, formats) {
        Some(format) => Some(Input {
            path,
            content: Content::Text { format, text },
        }),
        None if candidate.explicit && !formats::has_known_extension(&path) => {
            let unnamed_stdin =
                candidate.path.as_os_str() == "-" && options.stdin_filename.is_none();
            let message = if unnamed_stdin {
                "standard input is not Kubernetes YAML; name it with --stdin-filename \
                 (e.g. nginx.conf, main.tf) to check another format; not checked"
            } else {
                "not a Kubernetes manifest, Terraform or nginx file; not checked"
            };
            problem(InputProblem::Unreadable, message.into(), String::new(), 0)
        }
        None => None,
    }
}

fn read_bounded(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    // Asked before opening: opening a FIFO waits for a writer, forever.
    let metadata = fs::metadata(path)?;
    if !metadata.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    let file = fs::File::open(path)?;
    let mut bytes = Vec::with_capacity(metadata.len().min(limit + 1) as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Reads the files adapters ask for into the run's sources, as context,
/// bounded like every other read; each path is read once.
pub struct FileLoader<'a> {
    sources: &'a Sources,
    max_file_size: u64,
    boundary: Option<&'a Boundary>,
    by_path: Mutex<HashMap<PathBuf, Result<SourceId, String>>>,
}

impl<'a> FileLoader<'a> {
    /// A loader over the run's sources, which already holds everything
    /// discovery read.
    pub fn new(sources: &'a Sources, max_file_size: u64) -> Self {
        let by_path = sources
            .iter()
            .map(|s| (normalize(&s.path), Ok(s.id)))
            .collect();
        FileLoader {
            sources,
            max_file_size,
            boundary: None,
            by_path: Mutex::new(by_path),
        }
    }

    /// The loader, reading nothing outside `boundary`.
    pub fn within(self, boundary: &'a Boundary) -> Self {
        FileLoader {
            boundary: Some(boundary),
            ..self
        }
    }

    /// The loader, giving these files' problems instead of their sources:
    /// discovery could not read them (and reported why).
    pub fn refusing(self, unreadable: Vec<(PathBuf, String)>) -> Self {
        let mut by_path = self.by_path.into_inner().expect("not poisoned");
        for (path, why) in unreadable {
            by_path.insert(normalize(&path), Err(why));
        }
        FileLoader {
            by_path: Mutex::new(by_path),
            ..self
        }
    }

    fn outside(&self, path: &Path) -> bool {
        self.boundary.is_some_and(|b| !b.contains(path))
    }
}

impl Loader for FileLoader<'_> {
    fn sources(&self) -> &Sources {
        self.sources
    }

    fn load(&self, path: &Path) -> Result<SourceId, String> {
        let path = normalize(path);
        if let Some(known) = self.by_path.lock().expect("not poisoned").get(&path) {
            return known.clone();
        }
        // Read outside the lock; two threads reading one file at once keep
        // whichever finishes first.
        let loaded = if self.outside(&path) {
            Err(outside_message(&path))
        } else {
            read_bounded(&path, self.max_file_size)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
                .and_then(|bytes| {
                    if bytes.len() as u64 > self.max_file_size {
                        return Err(format!(
                            "{} is larger than the {} byte limit (--max-file-size)",
                            path.display(),
                            self.max_file_size
                        ));
                    }
                    String::from_utf8(bytes)
                        .map_err(|_| format!("{} is not UTF-8 text", path.display()))
                })
        };
        let mut by_path = self.by_path.lock().expect("not poisoned");
        by_path
            .entry(path.clone())
            .or_insert_with(|| {
                loaded.map(|text| self.sources.push_with_role(path, text, Role::Context))
            })
            .clone()
    }

    fn list(&self, dir: &Path) -> Result<Vec<PathBuf>, String> {
        if self.outside(dir) {
            return Err(outside_message(dir));
        }
        let entries =
            fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok())
            .map(|e| normalize(&dir.join(e.file_name())))
            .collect();
        paths.sort();
        Ok(paths)
    }
}

/// `path` made absolute against the working directory, without asking the
/// file system to resolve links.
pub fn absolute(path: &Path) -> PathBuf {
    let joined = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    normalize(&joined)
}
