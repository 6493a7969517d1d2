//! Following `include`: patterns are relative to the main configuration's
//! directory (nginx's prefix) and expanded like glob(3), sorted by path; an
//! absolute path is mapped onto the repository by its longest suffix that
//! exists below that directory (`/etc/nginx/conf.d/*.conf` is
//! `<prefix>/conf.d/*.conf` when the repository has a `conf.d` there).

use std::path::{Component, Path, PathBuf};

use globset::GlobBuilder;

use crate::formats::Loader;

/// Files nginx ships beside `nginx.conf`: a configuration that includes
/// them without the repository holding a copy only declares MIME types
/// and gateway parameters there (or, for Debian's `modules-enabled/`, loads
/// modules), so nothing is lost by not reading them.
pub const STOCK_FILES: &[&str] = &[
    "fastcgi.conf",
    "fastcgi_params",
    "koi-utf",
    "koi-win",
    "mime.types",
    "scgi_params",
    "uwsgi_params",
    "win-utf",
];

/// At most this many files come from one `include`.
pub const MAX_MATCHES: usize = 1000;

/// What an `include` pattern leads to.
#[derive(Debug, PartialEq)]
pub enum Resolved {
    /// These files, in nginx's order (possibly none: a glob that matches
    /// nothing is fine).
    Files(Vec<PathBuf>),
    /// A file that must exist does not.
    Missing(PathBuf),
    /// Outside the repository, or a stock file it does not hold: what the
    /// include adds cannot be known.
    Outside,
    /// A stock file (`mime.types`) the repository does not hold.
    Stock,
}

pub fn resolve(pattern: &str, prefix: Option<&Path>, loader: &dyn Loader) -> Resolved {
    let Some(prefix) = prefix else {
        return Resolved::Outside;
    };
    let is_glob = pattern.contains(['*', '?', '[']);
    let path = Path::new(pattern);
    let candidate = if path.is_absolute() {
        let parts: Vec<&std::ffi::OsStr> = path
            .components()
            .filter_map(|c| match c {
                Component::Normal(part) => Some(part),
                _ => None,
            })
            .collect();
        // A glob keeps the folder it lists (`conf.d/*.conf` never becomes
        // `*.conf`, which would read the main file itself); a file may be
        // found by its name alone (`/etc/nginx/mime.types`).
        let keep = if is_glob { 2 } else { 1 };
        let found = (0..=parts.len().saturating_sub(keep)).find_map(|skip| {
            let candidate: PathBuf = std::iter::once(prefix.as_os_str())
                .chain(parts[skip..].iter().copied())
                .collect();
            let exists = if is_glob {
                literal_dir(&candidate).is_dir()
            } else {
                candidate.is_file()
            };
            exists.then_some(candidate)
        });
        match found {
            Some(candidate) => candidate,
            None if is_stock(path) => return Resolved::Stock,
            None => return Resolved::Outside,
        }
    } else {
        prefix.join(path)
    };
    if !is_glob {
        if candidate.exists() {
            return Resolved::Files(vec![crate::discover::normalize(&candidate)]);
        }
        if is_stock(path) {
            return Resolved::Stock;
        }
        return Resolved::Missing(crate::discover::normalize(&candidate));
    }
    Resolved::Files(expand(&candidate, loader))
}

/// A stock file, or Debian's `modules-enabled/*.conf`, which only loads
/// modules (`load_module`).
fn is_stock(path: &Path) -> bool {
    let in_modules = path
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|d| d == "modules-enabled");
    in_modules
        || path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| STOCK_FILES.contains(&n))
}

/// The longest leading part of a pattern without wildcards.
fn literal_dir(pattern: &Path) -> PathBuf {
    let mut dir = PathBuf::new();
    for component in pattern.components() {
        let text = component.as_os_str().to_string_lossy();
        if text.contains(['*', '?', '[']) {
            break;
        }
        dir.push(component);
    }
    if dir == pattern {
        dir.pop();
    }
    dir
}

/// The regular files a glob matches, one component at a time; `*` does not
/// match a leading `.`, as in glob(3). Sorted by path, at most MAX_MATCHES.
fn expand(pattern: &Path, loader: &dyn Loader) -> Vec<PathBuf> {
    let mut current = vec![PathBuf::new()];
    let components: Vec<Component> = pattern.components().collect();
    for (index, component) in components.iter().enumerate() {
        let last = index + 1 == components.len();
        let text = component.as_os_str().to_string_lossy();
        if !text.contains(['*', '?', '[']) {
            for path in &mut current {
                path.push(component);
            }
            continue;
        }
        let Ok(glob) = GlobBuilder::new(&text).literal_separator(true).build() else {
            return Vec::new();
        };
        let matcher = glob.compile_matcher();
        let mut next = Vec::new();
        for dir in &current {
            let listed = if dir.as_os_str().is_empty() {
                loader.list(Path::new("."))
            } else {
                loader.list(dir)
            };
            for entry in listed.unwrap_or_default() {
                let Some(name) = entry.file_name().and_then(|n| n.to_str()) else {
                    continue;
                };
                if name.starts_with('.') && !text.starts_with('.') {
                    continue;
                }
                if matcher.is_match(name) && (last || entry.is_dir()) {
                    next.push(entry);
                }
            }
            if next.len() > MAX_MATCHES {
                break;
            }
        }
        current = next;
    }
    let mut files: Vec<PathBuf> = current
        .into_iter()
        .filter(|p| p.is_file())
        .map(|p| crate::discover::normalize(&p))
        .collect();
    files.sort_by(|a, b| {
        a.as_os_str()
            .as_encoded_bytes()
            .cmp(b.as_os_str().as_encoded_bytes())
    });
    files.truncate(MAX_MATCHES);
    files
}

/// The directory a file's relative includes are resolved against when no
/// main configuration includes it: above the `conf.d`, `sites-*` or
/// `snippets` folder it sits in, else its own folder.
pub fn standalone_prefix(path: &Path) -> PathBuf {
    let dir = path.parent().unwrap_or(Path::new(""));
    let is_include_dir = dir.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
        matches!(
            n,
            "conf.d" | "sites-available" | "sites-enabled" | "snippets"
        )
    });
    let prefix = if is_include_dir {
        dir.parent().unwrap_or(Path::new(""))
    } else {
        dir
    };
    if prefix.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        prefix.to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::FileLoader;
    use crate::source::Sources;

    #[test]
    fn globs_absolute_paths_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("conf.d")).unwrap();
        for name in ["b.conf", "a.conf", ".hidden.conf", "c.txt"] {
            std::fs::write(root.join("conf.d").join(name), "").unwrap();
        }
        let sources = Sources::default();
        let loader = FileLoader::new(&sources, 1 << 20);
        let names = |resolved: Resolved| match resolved {
            Resolved::Files(files) => files
                .iter()
                .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
                .collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            names(resolve("conf.d/*.conf", Some(root), &loader)),
            ["a.conf", "b.conf"]
        );
        assert_eq!(
            names(resolve("/etc/nginx/conf.d/*.conf", Some(root), &loader)),
            ["a.conf", "b.conf"]
        );
        assert_eq!(
            names(resolve("/etc/nginx/conf.d/b.conf", Some(root), &loader)),
            ["b.conf"]
        );
        assert!(names(resolve("sites-enabled/*", Some(root), &loader)).is_empty());
        // A folder that is not in the repository is not its parent.
        std::fs::write(root.join("nginx.conf"), "").unwrap();
        assert_eq!(
            resolve("/etc/nginx/conf.d/extra/*.conf", Some(root), &loader),
            Resolved::Outside
        );
        assert_eq!(
            resolve("/etc/nginx/modules-enabled/*.conf", Some(root), &loader),
            Resolved::Stock
        );
        assert!(matches!(
            resolve("conf.d/none.conf", Some(root), &loader),
            Resolved::Missing(_)
        ));
        assert_eq!(resolve("mime.types", Some(root), &loader), Resolved::Stock);
        assert_eq!(
            resolve("/usr/share/nginx/modules/x.conf", Some(root), &loader),
            Resolved::Outside
        );
    }

    #[test]
    fn standalone_files_resolve_above_their_include_folder() {
        assert_eq!(
            standalone_prefix(Path::new("deploy/nginx/conf.d/api.conf")),
            Path::new("deploy/nginx")
        );
        assert_eq!(standalone_prefix(Path::new("site.conf")), Path::new("."));
    }
}
