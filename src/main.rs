//! The command line: parse arguments, call the library, set the exit code.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Args, Parser, Subcommand};

use airworthy::config::{self, Config};
use airworthy::discover::{Context, DEFAULT_MAX_FILE_SIZE, DiscoverOptions};
use airworthy::finding::Severity;
use airworthy::report::readiness::{self, Links, Readiness, ReadinessFormat};
use airworthy::report::{self, OutputFormat, Report};
use airworthy::suppress::{self, Date, Silencers};
use airworthy::{CheckOptions, Error, RuleOptions};

const EXAMPLES: &str = "\
Examples:
  airworthy check                         check everything below the current directory
  airworthy check k8s/ --format sarif --output airworthy.sarif
  airworthy check --select K8S101,security --min-severity warning deploy/
  helm template ./chart | airworthy check - --chart ./chart
  airworthy check ./chart --values values/dev.yaml --values values/prod.yaml
  airworthy report deploy/ --format html --output readiness.html
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
    /// The readiness checklists with each item's status, as Markdown, HTML or JSON
    Report(Box<ReportArgs>),
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
    /// Write a commented starter `.airworthy.yaml` in the current directory
    Init {
        /// Replace an existing file
        #[arg(long)]
        force: bool,
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
    /// The configuration file (default: `.airworthy.yaml` here or in a parent directory)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// What to check and with which rules: the same for `check` and `report`.
#[derive(Args)]
struct InputArgs {
    /// Files and directories to check; `-` reads standard input
    paths: Vec<PathBuf>,
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
    /// Report only findings that are not in this baseline file
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Judge `until=` dates against this day instead of today (YYYY-MM-DD;
    /// also AIRWORTHY_TODAY)
    #[arg(long, value_name = "DATE", value_parser = parse_date, env = "AIRWORTHY_TODAY")]
    today: Option<Date>,
    /// Render a chart directory given as a path once with each of these
    /// values files (`helm template --values`), reporting what every
    /// rendering shares once (repeatable)
    #[arg(long = "values", value_name = "FILE")]
    values: Vec<PathBuf>,
    /// The chart that rendered manifests (or standard input) came from, to
    /// find the template line of each finding
    #[arg(long, value_name = "DIR")]
    chart: Option<PathBuf>,
    /// Terraform: read variable values from this file, after terraform.tfvars
    /// and *.auto.tfvars (repeatable; later files win)
    #[arg(long, value_name = "FILE")]
    var_file: Vec<PathBuf>,
    /// Terraform: set a root module variable; wins over every file (repeatable)
    #[arg(long, value_name = "NAME=VALUE", value_parser = parse_var)]
    var: Vec<String>,
    /// Print the wall time of each phase on standard error
    #[arg(long)]
    timings: bool,
    #[command(flatten)]
    rules: RuleArgs,
}

#[derive(Args)]
struct CheckArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output format
    #[arg(long, short, value_enum, default_value = "text")]
    format: OutputFormat,
    /// Write the report to this file instead of standard output
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Report only findings of at least this severity [default: note]
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    min_severity: Option<Severity>,
    /// Exit with 1 when a finding of at least this severity remains [default: warning]
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
    /// Record the findings in this baseline file (the report is still written)
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// List suppressed findings too, with the reason they are accepted
    #[arg(long)]
    show_suppressed: bool,
    /// The SARIF run's category (`automationDetails.id`): distinct per job when
    /// several SARIF files are uploaded for one commit
    #[arg(long, value_name = "NAME", default_value = "airworthy")]
    sarif_category: String,
    /// Link Markdown findings to their lines under this URL
    /// (`https://github.com/OWNER/REPO/blob/SHA`)
    #[arg(long, value_name = "URL")]
    link_base: Option<String>,
    /// Also tell, on standard error, the kinds of objects no rule looks at and
    /// the checks that unknown values left undecided
    #[arg(long, short)]
    verbose: bool,
}

#[derive(Args)]
struct ReportArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Report format
    #[arg(long, short, value_enum, default_value = "markdown")]
    format: ReadinessFormat,
    /// Write the report to this file instead of standard output
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Link findings to this URL followed by the file's path and `#L<line>`
    /// (a repository's blob URL); by default the HTML report links the files
    /// relative to where it is written
    #[arg(long, value_name = "URL")]
    link_base: Option<String>,
    /// Exit with 1 when a finding of at least this severity remains [default: never]
    #[arg(long, value_name = "SEVERITY", value_parser = parse_severity)]
    fail_on: Option<Severity>,
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

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| "expected a date like 2027-01-31".into())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Check(args) => check(*args),
        Command::Report(args) => report(*args),
        Command::Rules { format, rules } => list_rules(format, rules),
        Command::Explain { rule, rules } => explain(&rule, rules),
        Command::Init { force } => init(force),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            report_error(&error);
            ExitCode::from(2)
        }
    }
}

fn color_on(stream: &impl IsTerminal) -> bool {
    std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) && stream.is_terminal()
}

fn report_error(error: &Error) {
    let load = match error {
        Error::Usage(message) => {
            eprintln!("airworthy: error: {message}");
            return;
        }
        Error::Rules(load) | Error::Config(load) => load,
    };
    let findings = match error {
        Error::Rules(_) => load.findings("rule-file", "invalid-rule"),
        _ => load.findings("config-file", "invalid-configuration"),
    };
    let report = Report {
        sources: &load.sources,
        findings: &findings,
        rules: &[],
        objects: 0,
        show_suppressed: false,
        skipped: &[],
        exit_code: 2,
        category: "airworthy",
        link_base: None,
        readiness: None,
    };
    let mut err = std::io::stderr().lock();
    let _ = report::render_diagnostics(&report, &mut err, color_on(&std::io::stderr()));
    let _ = writeln!(err, "airworthy: error: {error}; no files were checked");
}

/// The configuration: `--config FILE`, else `.airworthy.yaml` found upward
/// from the working directory, else none.
fn configuration(path: Option<&PathBuf>) -> Result<Config, Error> {
    let found = match path {
        Some(path) => Some(path.clone()),
        // Shown relative to the working directory, like every other file.
        None => std::env::current_dir().ok().and_then(|cwd| {
            let found = config::find(&cwd)?;
            Some(match found.strip_prefix(&cwd) {
                Ok(below) => below.to_path_buf(),
                Err(_) => found,
            })
        }),
    };
    match found {
        Some(path) => Config::load(&path).map_err(Error::Config),
        None => Ok(Config::default()),
    }
}

/// Loads the rules the configuration and `input` choose, then checks what
/// `input` names.
fn run(input: InputArgs, config: Config, min_severity: Severity) -> Result<airworthy::Run, Error> {
    let mut dirs = config.rule_dirs.clone();
    dirs.extend(input.rules.dirs);
    // The command line chooses the rules when it names any; ignores add up.
    let select = if input.select.is_empty() {
        config.select.clone()
    } else {
        input.select
    };
    let mut ignore = config.ignore_rules.clone();
    ignore.extend(input.ignore);
    let rule_options = RuleOptions {
        dirs,
        select,
        ignore,
        severity: config.severity.clone(),
    };
    let started = Instant::now();
    let (engine, unmatched) = airworthy::load_rules(&rule_options)?;
    let rules = airworthy::Lap::ending_now(started.elapsed());
    if !unmatched.is_empty() {
        return Err(Error::Usage(format!(
            "no rule is named by: {} (see `airworthy rules`)",
            unmatched.join(", ")
        )));
    }
    let baseline = input.baseline.clone().or(config.baseline.clone());
    let baseline = baseline
        .map(|path| suppress::read_baseline(&path))
        .transpose()
        .map_err(Error::Usage)?;
    let mut include = config.include.clone();
    include.extend(input.include);
    let mut exclude = config.exclude.clone();
    exclude.extend(input.exclude);
    let options = CheckOptions {
        discover: DiscoverOptions {
            paths: input.paths,
            stdin_filename: input.stdin_filename,
            include,
            exclude,
            max_file_size: input.max_file_size,
            context: match (input.context, input.no_context) {
                (Some(dir), _) => Context::Directory(dir),
                (None, true) => Context::None,
                (None, false) => Context::Automatic,
            },
        },
        min_severity,
        silencers: Silencers {
            config: config.ignores,
            baseline,
            today: input.today,
        },
        helm: airworthy::HelmOptions {
            values: input.values,
            chart: input.chart,
        },
        formats: airworthy::formats::Options {
            terraform: airworthy::formats::terraform::Options {
                // The configuration's var files first: later files win.
                var_files: config
                    .terraform_var_files
                    .iter()
                    .cloned()
                    .chain(input.var_file)
                    .collect(),
                vars: input.var,
                // As Terraform does, `TF_VAR_name` sets `var.name`.
                env: std::env::vars()
                    .filter_map(|(k, v)| Some((k.strip_prefix("TF_VAR_")?.to_string(), v)))
                    .collect(),
            },
            nginx: airworthy::formats::nginx::Options::new(config.nginx_entries),
        },
    };
    let mut run = airworthy::check(&engine, &options)?;
    run.timings.rules = rules;
    Ok(run)
}

fn check(args: CheckArgs) -> Result<ExitCode, Error> {
    let started = Instant::now();
    let timings = args.input.timings;
    let config = configuration(args.input.rules.config.as_ref())?;
    let min_severity = args
        .min_severity
        .or(config.min_severity)
        .unwrap_or(Severity::Note);
    let fail_on = args.fail_on.or(config.fail_on).unwrap_or(Severity::Warning);
    let run = run(args.input, config, min_severity)?;
    let rendering = Instant::now();
    if let Some(path) = &args.write_baseline {
        write_file(path, |out| {
            suppress::write_baseline(&run.findings, &run.sources, out)
        })?;
    }
    let failing = fails(&run, fail_on);
    let readiness = matches!(
        args.format,
        OutputFormat::Checklist | OutputFormat::Markdown
    )
    .then(|| Readiness::new(&run));
    let report = Report {
        sources: &run.sources,
        findings: &run.findings,
        rules: &run.rules,
        objects: run.objects,
        show_suppressed: args.show_suppressed,
        skipped: &run.skipped,
        exit_code: i32::from(failing),
        category: &args.sarif_category,
        link_base: args.link_base.as_deref(),
        readiness: readiness.as_ref(),
    };
    if args.verbose {
        report_unanalysed(&run);
        print_skipped(&run);
    }
    let complete = emit(args.output.as_deref(), |out, color| {
        report::render(args.format, &report, out, color)
    })?;
    finish(run, timings.then_some((started, rendering)));
    Ok(ExitCode::from(u8::from(failing && complete)))
}

/// `report`: every finding counts (no minimum severity), and the exit code
/// is 0 unless `--fail-on` asks otherwise.
fn report(args: ReportArgs) -> Result<ExitCode, Error> {
    let started = Instant::now();
    let timings = args.input.timings;
    let config = configuration(args.input.rules.config.as_ref())?;
    let run = run(args.input, config, Severity::Note)?;
    let rendering = Instant::now();
    let failing = args.fail_on.is_some_and(|severity| fails(&run, severity));
    let readiness = Readiness::new(&run);
    let links = Links {
        base: args.link_base.or_else(|| match args.format {
            // The page links each file relative to where it is written.
            ReadinessFormat::Html => args.output.as_deref().and_then(way_back),
            _ => None,
        }),
    };
    let complete = emit(args.output.as_deref(), |out, _| {
        readiness::render(args.format, &readiness, &links, out)
    })?;
    finish(run, timings.then_some((started, rendering)));
    Ok(ExitCode::from(u8::from(failing && complete)))
}

/// Ends a command's run: prints the phases' times when asked (given when
/// the run and its rendering started), and leaves the parsed trees to the
/// operating system: freeing them one node at a time takes longer than
/// reclaiming the whole process.
fn finish(mut run: airworthy::Run, timed: Option<(Instant, Instant)>) {
    if let Some((started, rendering)) = timed {
        run.timings.render = airworthy::Lap::ending_now(rendering.elapsed());
        eprintln!("{}", run.timings.lines(started));
    }
    std::mem::forget(run);
}

/// Whether a finding of at least this severity remains.
fn fails(run: &airworthy::Run, severity: Severity) -> bool {
    run.findings
        .iter()
        .any(|f| f.suppression.is_none() && f.severity >= severity)
}

/// The relative way from the directory a file is written to back to the
/// working directory (`../` for `docs/report.html`), which relative paths
/// are shown from.
fn way_back(file: &std::path::Path) -> Option<String> {
    let cwd = std::env::current_dir().ok()?.canonicalize().ok()?;
    let dir = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.canonicalize().ok()?,
        _ => cwd.clone(),
    };
    let common = cwd
        .components()
        .zip(dir.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut way = "../".repeat(dir.components().count() - common);
    for part in cwd.components().skip(common) {
        way.push_str(&part.as_os_str().to_string_lossy());
        way.push('/');
    }
    Some(way)
}

/// Writes through `render` to the file, or to standard output (in colour
/// when it is a terminal). False when the reader of standard output stopped
/// early (`| head`), which is no error.
fn emit(
    output: Option<&std::path::Path>,
    render: impl FnOnce(&mut dyn Write, bool) -> std::io::Result<()>,
) -> Result<bool, Error> {
    if let Some(path) = output {
        write_file(path, |out| render(out, false))?;
        return Ok(true);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let color = color_on(&std::io::stdout());
    match render(&mut out, color).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        other => other
            .map(|()| true)
            .map_err(|e| Error::Usage(format!("cannot write to standard output: {e}"))),
    }
}

/// `-v`: the checks that unknown values left undecided, one a line.
fn print_skipped(run: &airworthy::Run) {
    let mut err = std::io::stderr().lock();
    for skipped in &run.skipped {
        let source = run.sources.get(skipped.span.source);
        let at = source.line_col(skipped.span.start);
        let _ = writeln!(
            err,
            "{}:{}:{}: skipped[{}] `{}` in {}: the value is not known",
            source.display_path(),
            at.line,
            at.column,
            skipped.rule.id,
            source.slice(skipped.span).trim(),
            skipped.object,
        );
    }
}

/// Writes a file through a buffer, with errors that name it.
fn write_file(
    path: &std::path::Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), Error> {
    std::fs::File::create(path)
        .map(std::io::BufWriter::new)
        .and_then(|mut file| {
            write(&mut file)?;
            file.flush()
        })
        .map_err(|e| Error::Usage(format!("cannot write to {}: {e}", path.display())))
}

fn init(force: bool) -> Result<ExitCode, Error> {
    let path = PathBuf::from(config::FILE_NAME);
    if path.exists() && !force {
        return Err(Error::Usage(format!(
            "{} exists already; `airworthy init --force` replaces it",
            path.display()
        )));
    }
    std::fs::write(&path, config::STARTER)
        .map_err(|e| Error::Usage(format!("cannot write {}: {e}", path.display())))?;
    eprintln!(
        "airworthy: wrote {}; every key in it is optional",
        path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Every rule, with the configuration's rule directories and severities.
fn configured_rules(args: RuleArgs) -> Result<airworthy::engine::Engine, Error> {
    let config = configuration(args.config.as_ref())?;
    let mut dirs = config.rule_dirs;
    dirs.extend(args.dirs);
    let (engine, _) = airworthy::load_rules(&RuleOptions {
        dirs,
        severity: config.severity,
        ..RuleOptions::default()
    })?;
    Ok(engine)
}

/// Kinds of objects that were read but that no rule looks at, so that a
/// CRD is never silently skipped.
fn report_unanalysed(run: &airworthy::Run) {
    if run.unanalysed.is_empty() {
        return;
    }
    let objects: usize = run.unanalysed.iter().map(|u| u.count).sum();
    let mut text = format!(
        "airworthy: {objects} object{} of {} kind{} not analysed (no rule looks at them):\n",
        if objects == 1 { "" } else { "s" },
        run.unanalysed.len(),
        if run.unanalysed.len() == 1 { "" } else { "s" },
    );
    for kind in &run.unanalysed {
        let source = run.sources.get(kind.first.source);
        let at = source.line_col(kind.first.start);
        text.push_str(&format!(
            "  {:>5} × {}, first at {}:{}:{}\n",
            kind.count,
            kind.kind,
            source.display_path(),
            at.line,
            at.column
        ));
    }
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

fn list_rules(format: RulesFormat, args: RuleArgs) -> Result<ExitCode, Error> {
    let engine = configured_rules(args)?;
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
    let engine = configured_rules(args)?;
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
