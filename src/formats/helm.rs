//! Helm: rendering a chart directory with `helm template`, and finding the
//! line of a chart template that a rendered value came from.
//!
//! Templates are not YAML (`{{ if }}`, `include … | nindent 8`), so the
//! line is found by indentation: the line whose chain of enclosing keys is
//! the rendered value's key path. When no line, or several, have the whole
//! path, the line is a best guess, and is said to be.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Whether a directory is a Helm chart.
pub fn is_chart(dir: &Path) -> bool {
    dir.join("Chart.yaml").is_file()
}

/// `helm template CHART [--values FILE]`: the rendered manifests, or what
/// went wrong (no `helm` on PATH, a template error) as a message to show.
pub fn render(chart: &Path, values: Option<&Path>) -> Result<String, String> {
    let mut command = Command::new("helm");
    command.arg("template").arg(chart);
    if let Some(values) = values {
        command.arg("--values").arg(values);
    }
    let shown = match values {
        Some(values) => format!(
            "helm template {} --values {}",
            chart.display(),
            values.display()
        ),
        None => format!("helm template {}", chart.display()),
    };
    let output = command.output().map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            format!(
                "{} is a Helm chart, and rendering it needs `helm` on PATH: install Helm \
                 (https://helm.sh/docs/intro/install/), or render it yourself and check the \
                 output: `{shown} | airworthy check - --chart {}`",
                chart.display(),
                chart.display()
            )
        } else {
            format!("cannot run `{shown}`: {error}")
        }
    })?;
    if !output.status.success() {
        return Err(format!(
            "`{shown}` failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| format!("`{shown}` printed invalid UTF-8"))
}

/// Where the template a `# Source: chart/templates/x.yaml` comment names
/// may be on disk: below `chart` (the chart's own directory, given with
/// `--chart` or rendered by airworthy), next to the rendered file, or below
/// the working directory.
pub fn template_candidates(source: &str, rendered: &Path, chart: Option<&Path>) -> Vec<PathBuf> {
    let source = Path::new(source);
    let mut candidates = Vec::new();
    if let Some(chart) = chart {
        // The first component is the chart's name, not its directory's.
        let inside: PathBuf = source.components().skip(1).collect();
        candidates.push(chart.join(inside));
    }
    if let Some(dir) = rendered.parent() {
        candidates.push(dir.join(source));
    }
    candidates.push(source.to_path_buf());
    candidates
}

/// The 1-based line of `template` that holds the key path `keys`, and
/// whether it is the only line with that whole path (otherwise the line is
/// a best guess: the one that ends the longest part of the path, first of
/// its kind).
pub fn key_line(template: &str, keys: &[&str]) -> Option<(usize, bool)> {
    let last = *keys.last()?;
    // The enclosing keys of the current line, by indentation.
    let mut stack: Vec<(usize, &str)> = Vec::new();
    let mut best: Option<(usize, usize, usize)> = None; // (matched, line, count)
    for (index, line) in template.lines().enumerate() {
        let Some((indent, key)) = line_key(line) else {
            continue;
        };
        while stack.last().is_some_and(|&(i, _)| i >= indent) {
            stack.pop();
        }
        stack.push((indent, key));
        if key != last {
            continue;
        }
        let matched = stack
            .iter()
            .rev()
            .zip(keys.iter().rev())
            .take_while(|((_, have), want)| have == *want)
            .count();
        // The whole path from the document's root beats any part of it.
        let score = matched + usize::from(matched == keys.len() && stack.len() == keys.len());
        match &mut best {
            Some((m, _, count)) if *m == score => *count += 1,
            Some((m, _, _)) if *m > score => {}
            _ => best = Some((score, index + 1, 1)),
        }
    }
    let (score, line, count) = best?;
    Some((line, score > keys.len() && count == 1))
}

/// The indentation and key of a line that starts a mapping entry, list
/// items' `- ` counted as indentation; none for template actions, comments
/// and anything else.
fn line_key(line: &str) -> Option<(usize, &str)> {
    let mut rest = line;
    let mut indent = 0;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        indent += rest.len() - trimmed.len();
        match trimmed.strip_prefix("- ") {
            Some(after) => {
                indent += 2;
                rest = after;
            }
            None => {
                rest = trimmed;
                break;
            }
        }
    }
    if rest.starts_with("{{") || rest.starts_with('#') {
        return None;
    }
    let colon = rest.find(':')?;
    let after = &rest[colon + 1..];
    if !(after.is_empty() || after.starts_with(' ')) {
        return None;
    }
    let key = rest[..colon].trim_matches(|c| c == '"' || c == '\'');
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./".contains(c));
    plain.then_some((indent, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include \"gw.fullname\" . }}
  labels:
    {{- include \"gw.labels\" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  template:
    spec:
      containers:
        - name: {{ .Chart.Name }}
          image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"
          ports:
            - name: http
              containerPort: {{ .Values.service.port }}
      initContainers:
        - name: migrate
          image: busybox
";

    #[test]
    fn a_key_path_written_once_is_found_exactly() {
        assert_eq!(key_line(DEPLOYMENT, &["spec", "replicas"]), Some((9, true)));
        assert_eq!(
            key_line(
                DEPLOYMENT,
                &[
                    "spec",
                    "template",
                    "spec",
                    "containers",
                    "ports",
                    "containerPort"
                ]
            ),
            Some((18, true))
        );
        assert_eq!(
            key_line(
                DEPLOYMENT,
                &["spec", "template", "spec", "containers", "image"]
            ),
            Some((15, true))
        );
    }

    #[test]
    fn the_whole_path_from_the_root_is_what_matches() {
        // `spec` is written twice; only one is the document's.
        let text = "spec:\n  template:\n    spec:\n      x: 1\n";
        assert_eq!(key_line(text, &["spec"]), Some((1, true)));
    }

    #[test]
    fn a_path_only_partly_in_the_template_is_a_best_guess() {
        // Labels come from an include: `app` is not in this file at all.
        assert_eq!(key_line(DEPLOYMENT, &["metadata", "labels", "app"]), None);
        // Written under another parent: the longest match, not exact.
        assert_eq!(
            key_line(
                DEPLOYMENT,
                &["spec", "template", "spec", "sidecars", "image"]
            ),
            Some((15, false))
        );
    }

    #[test]
    fn templates_are_looked_for_in_the_chart_and_beside_the_output() {
        let found = template_candidates(
            "gw/templates/deployment.yaml",
            Path::new("out/rendered.yaml"),
            Some(Path::new("charts/gateway")),
        );
        assert_eq!(
            found,
            [
                PathBuf::from("charts/gateway/templates/deployment.yaml"),
                PathBuf::from("out/gw/templates/deployment.yaml"),
                PathBuf::from("gw/templates/deployment.yaml"),
            ]
        );
    }
}
