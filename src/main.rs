//! The `descrape` binary: parse arguments, run the library, map the result
//! to an exit code, and print errors with their causes.
//!
//! Exit codes: `clean` 0 ok, 1 some file failed, 130 interrupted; `diff` 1
//! when something would change; `test` 1 when an example fails; 2 for
//! errors before or instead of the run (bad rules, bad arguments, refused
//! paths). A reader that closes standard output early (`descrape diff |
//! head`) ends the other commands quietly with 0, as `rg` and `fd` do.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use descrape::batch::Settings;
use descrape::clean::CleanOptions;
use descrape::cli::{Cli, ColorChoice, Command};
use descrape::cli::{CountArgs, RulesArgs};
use descrape::diff::Style;
use descrape::engine::Cleaner;
use descrape::inspect::Reading;
use descrape::repeat::Counts;
use descrape::rules::RuleSet;
use descrape::rules::RulesError;
use descrape::{examples, explain, inspect, suggest};

/// Counts for `repeated` rules: from `--counts`, or a first pass over the inputs.
/// A note on where repetition is off goes to stderr unless `quiet`.
fn prepare_counts(
    rules: &RuleSet,
    args: &CountArgs,
    reading: &Reading,
    quiet: bool,
) -> anyhow::Result<Option<Counts>> {
    let (counts, note) = suggest::prepare(
        rules,
        args.counts.as_deref(),
        reading.is_stdin(),
        || reading.inputs(),
        args.group_by,
        reading.jobs,
    )?;
    if let (Some(note), false) = (note, quiet) {
        eprintln!("descrape: {note}");
    }
    Ok(counts)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `clean` writes data: a closed pipe there is a failure to report.
    let viewer = !matches!(cli.command, Command::Clean(_));
    match run(cli) {
        Ok(code) => code,
        Err(err) if viewer && is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("descrape: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether the error is standard output closed by its reader.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    match cli.command {
        Command::Clean(args) => {
            let rules = descrape::load_rules(&args.rules)?;
            let reading = args.format.reading(args.inputs.clone(), args.jobs);
            let opts = CleanOptions {
                inputs: args.inputs,
                out: args.out,
                input_format: args.format.input_format,
                input_type: args.format.input_type,
                output_format: args.output_format,
                fields: args.format.fields(),
                annotate: args.annotate,
                strict: args.strict,
                min_words: args.min_words,
                changes: args.changes,
                report: args.report,
                settings: Settings { jobs: args.jobs, progress: !args.quiet },
            };
            let mut counts = None;
            if rules.needs_counts() {
                // Refuse bad paths before the counting pass reads anything.
                descrape::clean::check_paths(&opts)?;
                counts = prepare_counts(&rules, &args.count, &reading, args.quiet)?;
            }
            // Ctrl-C and SIGTERM stop the run between documents; what was written is logged.
            descrape::interrupt::install()?;
            let cleaner = Cleaner { rules: &rules, counts: counts.as_ref() };
            let summary = descrape::clean::run(cleaner, &opts, |msg| eprintln!("descrape: {msg}"))?;
            if !args.quiet {
                eprint!("{}", summary.render());
            }
            Ok(if summary.interrupted {
                ExitCode::from(descrape::interrupt::EXIT_CODE)
            } else if summary.files.failed > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Check(args) => match descrape::load_rules(&args.rules) {
            Ok(rules) => {
                let files: std::collections::BTreeSet<&str> =
                    rules.rules().iter().map(|r| r.origin.file.as_str()).collect();
                writeln!(stdout, "{} rules in {} files: ok", rules.len(), files.len())?;
                Ok(ExitCode::SUCCESS)
            }
            Err(RulesError { diagnostics }) => {
                for d in &diagnostics {
                    eprintln!("{}", d.render_with_source());
                }
                eprintln!("{} error{}", diagnostics.len(), if diagnostics.len() == 1 { "" } else { "s" });
                Ok(ExitCode::from(2))
            }
        },
        Command::Test(args) => {
            let rules = descrape::load_rules(&args.rules)?;
            let failures = examples::check(&rules);
            let total: usize = rules.rules().iter().map(|r| r.tests.remove.len() + r.tests.keep.len()).sum();
            for f in &failures {
                writeln!(stdout, "FAIL {}: {}\n  example: {:?}", f.rule, f.problem, f.example)?;
            }
            writeln!(stdout, "{} passed, {} failed", total - failures.len(), failures.len())?;
            Ok(if failures.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
        }
        Command::Diff(args) => {
            let rules = descrape::load_rules(&args.rules)?;
            let color = match args.color {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => std::io::stdout().is_terminal(),
            };
            let style = Style { color, context: args.context };
            let mut stderr = std::io::stderr();
            let reading = args.format.reading(args.inputs, args.jobs);
            let counts = prepare_counts(&rules, &args.count, &reading, true)?;
            let cleaner = Cleaner { rules: &rules, counts: counts.as_ref() };
            if !args.against.is_empty() {
                let old = descrape::load_rules(&RulesArgs {
                    rules: args.against.clone(),
                    no_default_rules: args.rules.no_default_rules,
                })?;
                let old_counts = prepare_counts(&old, &args.count, &reading, true)?;
                let old = Cleaner { rules: &old, counts: old_counts.as_ref() };
                let report = inspect::impact(cleaner, old, &reading, args.examples, &mut stderr)?;
                write!(stdout, "{}", report.render())?;
                return Ok(if report.failed > 0 {
                    ExitCode::from(2)
                } else if report.documents_changed > 0 {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                });
            }
            let (changed, failed) =
                inspect::diff(cleaner, &reading, &args.only, style, &mut stdout, &mut stderr)?;
            Ok(if failed > 0 {
                ExitCode::from(2)
            } else if changed {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Stats(args) => {
            let rules = descrape::load_rules(&args.rules)?;
            let reading = args.format.reading(args.inputs, args.jobs);
            let counts = prepare_counts(&rules, &args.count, &reading, true)?;
            let cleaner = Cleaner { rules: &rules, counts: counts.as_ref() };
            let stats = inspect::stats(cleaner, &reading, &mut std::io::stderr())?;
            if args.json {
                serde_json::to_writer_pretty(&mut stdout, &stats)?;
                writeln!(stdout)?;
            } else {
                write!(stdout, "{}", stats.render())?;
            }
            Ok(if stats.files.failed > 0 { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        Command::Explain(args) => {
            let rules = descrape::load_rules(&args.rules)?;
            let Some(rule) = rules.get(&args.id) else {
                anyhow::bail!("no rule with id `{}` (see `descrape rules`)", args.id);
            };
            write!(stdout, "{}", explain::explain(rule))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rules(args) => {
            let rules = descrape::load_rules(&args.rules)?;
            let text = if args.markdown { explain::markdown(&rules) } else { explain::list(&rules) };
            write!(stdout, "{text}")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Suggest(args) => {
            let rules = descrape::load_rules(&args.rules)?;
            let reading = args.format.reading(args.inputs, args.jobs);
            let counts = suggest::count(&rules, reading.inputs()?, args.group_by, args.jobs)?;
            if let Some(path) = &args.save_counts {
                descrape::counts_file::save(&counts, path)?;
            }
            let report =
                suggest::suggest(&rules, &counts, reading.inputs()?, args.min_docs, args.limit, args.jobs)?;
            if args.json {
                serde_json::to_writer_pretty(&mut stdout, &report)?;
                writeln!(stdout)?;
            } else {
                write!(stdout, "{}", report.render())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Features(args) => {
            if args.list {
                for (name, _) in descrape::detect::FEATURES {
                    writeln!(stdout, "{name}")?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            for found in descrape::walk::discover(&args.inputs, None)? {
                let descrape::walk::Found::File(f) = found else { continue };
                let text = String::from_utf8_lossy(&std::fs::read(&f.path)?).into_owned();
                let lines: Vec<&str> = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).collect();
                for (i, x) in descrape::detect::features(&lines).into_iter().enumerate() {
                    if let Some(x) = x {
                        let rec = serde_json::json!({
                            "file": f.rel,
                            "line": i + 1,
                            "features": x.to_vec(),
                            "tokens": descrape::detect::tokens(lines[i]),
                        });
                        writeln!(stdout, "{rec}")?;
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval(args) => {
            let rules = descrape::load_rules(&args.rules)?;
            let reading = Reading {
                paths: vec![args.input.clone()],
                format: Some(descrape::batch::Format::Text),
                fields: Default::default(),
                input_type: args.input_type,
                jobs: args.jobs,
            };
            let counts = prepare_counts(&rules, &args.count, &reading, true)?;
            let eval = inspect::eval(
                Cleaner { rules: &rules, counts: counts.as_ref() },
                &args.input,
                &args.gold,
                args.input_type,
                args.ignore.as_deref(),
                args.worst,
                args.jobs,
            )?;
            if args.json {
                serde_json::to_writer_pretty(&mut stdout, &eval)?;
                writeln!(stdout)?;
            } else {
                write!(stdout, "{}", eval.render())?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
