//! Walking the given paths (honouring `.gitignore` and include/exclude globs)
//! and reading each file that some format claims.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::model::Format;

/// Files larger than this are reported, not read, unless told otherwise.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

#[derive(Clone, Debug)]
pub struct DiscoverOptions {
    pub paths: Vec<PathBuf>,
    /// The name `-` (standard input) is shown and classified by.
    pub stdin_filename: Option<PathBuf>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub max_file_size: u64,
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
}

/// Finds the files to check. Errors are usage errors (a path that does not
/// exist, a bad glob); problems with single files become inputs with a
/// problem, so they are reported as findings and nothing is lost.
pub fn discover(options: &DiscoverOptions) -> Result<(Vec<Candidate>, Vec<Input>), String> {
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
            });
            continue;
        }
        let metadata = fs::metadata(root).map_err(|e| format!("{}: {e}", root.display()))?;
        if !metadata.is_dir() {
            if !exclude.as_ref().is_some_and(|g| g.is_match(clean(root))) {
                candidates.push(Candidate {
                    path: root.clone(),
                    explicit: true,
                });
            }
            continue;
        }
        let walker = ignore::WalkBuilder::new(root)
            .hidden(false)
            .follow_links(true)
            .require_git(false)
            .filter_entry(|entry| entry.file_name() != ".git")
            .build();
        for entry in walker {
            match entry {
                Ok(entry) => {
                    if !entry.file_type().is_some_and(|t| t.is_file()) {
                        continue;
                    }
                    let path = clean(entry.path()).to_path_buf();
                    if exclude.as_ref().is_some_and(|g| g.is_match(&path))
                        || include.as_ref().is_some_and(|g| !g.is_match(&path))
                    {
                        continue;
                    }
                    candidates.push(Candidate {
                        path,
                        explicit: false,
                    });
                }
                Err(error) => {
                    let path = error_path(&error).unwrap_or_else(|| root.clone());
                    problems.push(Input {
                        path: clean(&path).to_path_buf(),
                        content: Content::Problem {
                            kind: InputProblem::Unreadable,
                            message: format!("cannot walk: {}", root_cause(&error)),
                            text: String::new(),
                            offset: 0,
                        },
                    });
                }
            }
        }
    }
    candidates.sort_by(|a, b| a.path.cmp(&b.path));
    candidates.dedup_by(|a, b| a.path == b.path);
    Ok((candidates, problems))
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

fn globs(patterns: &[String]) -> Result<Option<GlobSet>, String> {
    if patterns.is_empty() {
        return Ok(None);
    }
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
    builder.build().map(Some).map_err(|e| e.to_string())
}

/// Reads a candidate and decides its format. `None`: a file found by walking
/// that no format claims, skipped silently.
pub fn read(
    candidate: &Candidate,
    options: &DiscoverOptions,
    classify: impl Fn(&Path, &str) -> Option<Format>,
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
    let claimed_by_name = has_known_extension(&path);
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
    match classify(&path, &text) {
        Some(format) => Some(Input {
            path,
            content: Content::Text { format, text },
        }),
        None if candidate.explicit && !has_known_extension(&path) => {
            let unnamed_stdin =
                candidate.path.as_os_str() == "-" && options.stdin_filename.is_none();
            let message = if unnamed_stdin {
                "standard input has no file name to tell its format by; name it with \
                 --stdin-filename (e.g. manifest.yaml); not checked"
            } else {
                "not a Kubernetes manifest, Terraform or nginx file; not checked"
            };
            problem(InputProblem::Unreadable, message.into(), String::new(), 0)
        }
        None => None,
    }
}

/// Extensions of the formats' files, whether or not this one holds objects.
fn has_known_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "yaml" | "yml" | "json"))
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
