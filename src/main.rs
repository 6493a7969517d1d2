//! The command line: parse arguments, call the library, set the exit code.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use airworthy::discover::{Context, DEFAULT_MAX_FILE_SIZE, DiscoverOptions};
use airworthy::finding::Severity;
use airworthy::report::{self, OutputFormat, Report};
use airworthy::{CheckOptions, Error, RuleOptions};

const EXAMPLES: &str = "\
Examples:
  airworthy check                         check everything below the current directory
  airworthy check k8s/ --format sarif --output airworthy.sarif
  airworthy check --select K8S101,security --min-severity warning deploy/
  helm template ./chart | airworthy check - --stdin-filename chart.yaml
  airworthy explain K8S101                what a rule checks and how to fix it";

#[derive(Parser)]
#[command(name = "airworthy", version, about = "Production-readiness linter for Kubernetes manifests and the API gateway in front of them", after_help = EXAMPLES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check files and directories (default: `.`); `-` reads standard input
    #[command(after_help = EXAMPLES)]
    Check(Box<CheckArgs>),
    /// List the rules
    Rules {
        /// `markdown` prints the table the README embeds
        #[arg(long, short, value_enum, default_value = "text")]
        format: RulesFormat,
        #[command(flatten)]
        rules: RuleArgs,
    },
    /// Explain one rule: what it checks, the checklist items, the fix, an example
    Explain {
        /// A rule id or name
        rule: String,
        #[command(flatten)]
        rules: RuleArgs,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RulesFormat {
    Text,
    Markdown,
}

#[derive(Args)]
struct RuleArgs {
    /// Also load the rules in this directory (repeatable)
    #[arg(long = "rules", value_name = "DIR")]
    dirs: Vec<PathBuf>,
}

#[derive(Args)]
struct CheckArgs {
    /// Files and directories to check; `-` reads standard input
    paths: Vec<PathBuf>,
    /// Output format
    #[arg(long, short, value_enum, default_value = "text")]
    format: OutputFormat,
    /// Write the report to this file instead of standard output
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Report only findings of at least this severity
    #[arg(long, value_name = "SEVERITY", default_value = "note", value_parser = parse_severity)]
    min_severity: Severity,
    /// Exit with 1 when a finding of at least this severity remains
    #[arg(long, value_name = "SEVERITY", default_value = "warning", value_parser = parse_severity)]
    fail_on: Severity,
    /// Run only these rules: ids, names, tags or other tools' ids (comma-separated, repeatable)
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Vec<String>,
    /// Skip these rules: ids, names, tags or other tools' ids (comma-separated, repeatable)
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,
    /// Check only files whose path matches one of these globs (repeatable)
    #[arg(long, value_name = "GLOB")]
    include: Vec<String>,
    /// Skip files whose path matches one of these globs (repeatable)
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// The file name that standard input is shown and classified by
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Files larger than this many bytes are reported, not read
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_SIZE)]
    max_file_size: u64,
    /// Also read this directory, unreported, to resolve relations and
    /// modules (default: the git repository's top when a file is named)
    #[arg(long, value_name = "DIR", conflicts_with = "no_context")]
    context: Option<PathBuf>,
    /// Read nothing beyond the paths given
    #[arg(long)]
    no_context: bool,
    /// Terraform: read variable values from this file, after terraform.tfvars
    /// and *.auto.tfvars (repeatable; later files win)
    #[arg(long, value_name = "FILE")]
    var_file: Vec<PathBuf>,
    /// Terraform: set a root module variable; wins over every file (repeatable)
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_var)]
    var: Vec<String>,
    #[command(flatten)]
    rules: RuleArgs,
}

fn parse_var(text: &str) -> Result<String, String> {
    match text.split_once('=') {
        Some((name, _)) if !name.is_empty() => Ok(text.to_string()),
        _ => Err("expected NAME=VALUE".into()),
    }
}

fn parse_severity(text: &str) -> Result<Severity, String> {
    Severity::from_name(text).ok_or_else(|| "expected one of: error, warning, note".into())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(*args),
        Command::Rules { format, rules } => list_rules(format, rules),
        Command::Explain { rule, rules } => explain(&rule, rules),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            report_error(&error);
            ExitCode::from(2)
        }
    }
}

fn use_color() -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && std::io::stdout().is_terminal()
}

fn report_error(error: &Error) {
    match error {
        Error::Usage(message) => eprintln!("airworthy: error: {message}"),
        Error::Rules(load) => {
            let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal();
            let findings: Vec<_> = load
                .diagnostics
                .iter()
                .map(|d| airworthy::finding::Finding {
                    rule: std::sync::Arc::new(airworthy::finding::RuleMeta {
                        id: "rule-file".into(),
                        name: "invalid rule".into(),
                        title: "invalid rule".into(),
                        severity: Severity::Error,
                        tags: Vec::new(),
                        checklist: Vec::new(),
                        equivalents: Default::default(),
                        help: "See \"Writing a rule\" in the README for the rule format.".into(),
                        example: None,
                    }),
                    severity: Severity::Error,
                    span: d.span,
                    message: d.message.clone(),
                    related: d
                        .related
                        .iter()
                        .map(|(span, message)| airworthy::finding::Related {
                            span: *span,
                            message: message.clone(),
                        })
                        .collect(),
                    object: None,
                    template: None,
                    fingerprint: String::new(),
                })
                .collect();
            let report = Report {
                sources: &load.sources,
                findings: &findings,
                rules: &[],
                objects: 0,
            };
            let mut err = std::io::stderr().lock();
            let _ = report::render(OutputFormat::Text, &report, &mut err, color);
            let _ = writeln!(err, "airworthy: error: {error}; no files were checked");
        }
    }
}

fn check(args: CheckArgs) -> Result<ExitCode, Error> {
    let rule_options = RuleOptions {
        dirs: args.rules.dirs,
        select: args.select,
        ignore: args.ignore,
    };
    let (engine, unmatched) = airworthy::load_rules(&rule_options)?;
    if !unmatched.is_empty() {
        return Err(Error::Usage(format!(
            "no rule is named by: {} (see `airworthy rules`)",
            unmatched.join(", ")
        )));
    }
    let options = CheckOptions {
        discover: DiscoverOptions {
            paths: args.paths,
            stdin_filename: args.stdin_filename,
            include: args.include,
            exclude: args.exclude,
            max_file_size: args.max_file_size,
            context: match (args.context, args.no_context) {
                (Some(dir), _) => Context::Directory(dir),
                (None, true) => Context::None,
                (None, false) => Context::Automatic,
            },
        },
        min_severity: args.min_severity,
        formats: airworthy::formats::Options {
            terraform: airworthy::formats::terraform::Options {
                var_files: args.var_file,
                vars: args.var,
                // As Terraform does, `TF_VAR_name` sets `var.name`.
                env: std::env::vars()
                    .filter_map(|(k, v)| Some((k.strip_prefix("TF_VAR_")?.to_string(), v)))
                    .collect(),
            },
        },
    };
    let run = airworthy::check(&engine, &options)?;
    let report = Report {
        sources: &run.sources,
        findings: &run.findings,
        rules: &run.rules,
        objects: run.objects,
    };
    let written = match &args.output {
        Some(path) => std::fs::File::create(path)
            .map(std::io::BufWriter::new)
            .and_then(|mut file| {
                report::render(args.format, &report, &mut file, false)?;
                file.flush()
            }),
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            report::render(args.format, &report, &mut out, use_color()).and_then(|()| out.flush())
        }
    };
    if let Err(error) = written {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            return Ok(ExitCode::from(0));
        }
        let target = args
            .output
            .as_ref()
            .map_or("standard output".into(), |p| p.display().to_string());
        return Err(Error::Usage(format!("cannot write to {target}: {error}")));
    }
    let failing = run.findings.iter().any(|f| f.severity >= args.fail_on);
    // Freeing every parsed tree one node at a time takes longer than the
    // operating system takes to reclaim the whole process.
    std::mem::forget(run);
    Ok(ExitCode::from(u8::from(failing)))
}

fn list_rules(format: RulesFormat, args: RuleArgs) -> Result<ExitCode, Error> {
    let (engine, _) = airworthy::load_rules(&RuleOptions {
        dirs: args.dirs,
        ..RuleOptions::default()
    })?;
    let mut text = String::new();
    if let RulesFormat::Markdown = format {
        text.push_str(
            "| id | name | severity | checks | checklist items |\n|---|---|---|---|---|\n",
        );
    }
    for meta in engine.metas() {
        text.push_str(&match format {
            RulesFormat::Text => format!(
                "{:<7} {:<8} {:<40} {}\n",
                meta.id, meta.severity, meta.name, meta.title
            ),
            RulesFormat::Markdown => format!(
                "| `{}` | {} | {} | {} | {} |\n",
                meta.id,
                meta.name,
                meta.severity,
                meta.title,
                meta.checklist.join(", ")
            ),
        });
    }
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}

fn explain(selector: &str, args: RuleArgs) -> Result<ExitCode, Error> {
    let (engine, _) = airworthy::load_rules(&RuleOptions {
        dirs: args.dirs,
        ..RuleOptions::default()
    })?;
    let Some(meta) = engine.find(selector) else {
        return Err(Error::Usage(format!(
            "no rule `{selector}` (see `airworthy rules`)"
        )));
    };
    let mut text = format!(
        "{} {} ({})\n{}\n\n{}\n",
        meta.id, meta.name, meta.severity, meta.title, meta.help
    );
    if !meta.checklist.is_empty() {
        text.push_str(&format!(
            "\nChecklist items: {}\n",
            meta.checklist.join(", ")
        ));
    }
    for (tool, ids) in &meta.equivalents {
        text.push_str(&format!("Equivalent in {tool}: {}\n", ids.join(", ")));
    }
    if !meta.tags.is_empty() {
        text.push_str(&format!("Tags: {}\n", meta.tags.join(", ")));
    }
    if let Some(example) = &meta.example {
        text.push_str(&format!("\nExample that triggers it:\n\n{example}\n"));
    }
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    Ok(ExitCode::SUCCESS)
}
