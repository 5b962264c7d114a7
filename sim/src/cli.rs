//! The command line: `run` compares policies on one scenario, `sweep` varies one key. Every
//! output is computed before anything is written, so a bad scenario or flag writes nothing.

use std::path::{Path, PathBuf};

use clap::{Args, Parser, Subcommand};

use crate::error::{Error, Result};
use crate::{compare, report, sweep, Engine, Policy, Source};

#[derive(Debug, Parser)]
#[command(
    name = "proof-manager-sim",
    about = "Settlement experiments: synthetic proving networks drive ProofManager, policies \
             compared side by side"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the policies on one scenario and prints the comparison (Markdown on stdout).
    #[command(after_help = "Examples:\n  \
        proof-manager-sim run sim/scenarios/baseline.toml --set days=2\n  \
        proof-manager-sim run sim/scenarios/baseline.toml --engine model\n  \
        proof-manager-sim run sim/scenarios/outage.toml --engine model --policy baseline,score-split,dutch-auction,second-price,time-decay --json out/outage.json --csv out/outage.csv --svg-dir out/plots")]
    Run(RunArgs),
    /// Runs the scenario once per value of one key (in parallel) and prints a table.
    #[command(after_help = "Examples:\n  \
        proof-manager-sim sweep sim/scenarios/baseline.toml --param 'networks[0].p_refuse' --values 0,0.1,0.2,0.4 --engine model --svg-dir out/plots\n  \
        proof-manager-sim sweep sim/scenarios/baseline.toml --param batches.interval_s --values 10,30,60 --engine model --json sweep.json")]
    Sweep(SweepArgs),
}

#[derive(Debug, Args)]
pub struct Common {
    /// The scenario (TOML).
    pub scenario: PathBuf,
    /// Policies to compare, in order (repeat or comma-separate).
    #[arg(long, value_delimiter = ',', default_value = "baseline")]
    pub policy: Vec<Policy>,
    #[arg(long, value_enum, default_value = "drink")]
    pub engine: Engine,
    /// Writes the comparison as JSON here.
    #[arg(long)]
    pub json: Option<PathBuf>,
    /// Writes the comparison as CSV here.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Writes the plots (SVG) into this directory.
    #[arg(long)]
    pub svg_dir: Option<PathBuf>,
    /// Sets a scenario key before reading it, `PATH=VALUE` in TOML syntax (repeatable), e.g.
    /// `--set days=2`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// The scenario file with every `--set` applied.
fn source(c: &Common) -> Result<Source> {
    let mut source = Source::load(&c.scenario)?;
    for assignment in &c.set {
        let Some((path, value)) = assignment.split_once('=') else {
            return Err(Error::Param {
                path: assignment.clone(),
                message: "expected PATH=VALUE".into(),
            });
        };
        source = source.with(path.trim(), value.trim())?;
    }
    Ok(source)
}

#[derive(Debug, Args)]
pub struct RunArgs {
    #[command(flatten)]
    pub common: Common,
    /// No progress line on standard error.
    #[arg(long)]
    pub quiet: bool,
}

#[derive(Debug, Args)]
pub struct SweepArgs {
    #[command(flatten)]
    pub common: Common,
    /// The key path to vary, e.g. `networks[0].p_refuse` or `batches.interval_s`.
    #[arg(long)]
    pub param: String,
    /// The values, in TOML syntax, comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub values: Vec<String>,
    /// Threads (default: the machine's cores).
    #[arg(long)]
    pub threads: Option<usize>,
}

/// What to write where, once everything is computed.
#[derive(Debug, Default)]
pub struct Output {
    pub stdout: String,
    pub files: Vec<(PathBuf, Vec<u8>)>,
    /// Plots to draw into a directory, once the files are written.
    pub plots: Option<(PathBuf, Plots)>,
}

/// What the plots are drawn from.
#[derive(Debug)]
pub enum Plots {
    Comparison(report::Comparison),
    Sweep(sweep::Sweep),
}

impl Output {
    /// Writes the files (creating their directories), then returns the text for stdout.
    ///
    /// # Errors
    /// `Write` naming the file that could not be written.
    pub fn write(self) -> Result<String> {
        for (path, bytes) in &self.files {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| write_error(dir, e))?;
            }
            std::fs::write(path, bytes).map_err(|e| write_error(path, e))?;
        }
        match &self.plots {
            Some((dir, Plots::Comparison(c))) => {
                crate::svg::comparison(c, dir)?;
            }
            Some((dir, Plots::Sweep(s))) => {
                crate::svg::sweep(s, dir)?;
            }
            None => {}
        }
        Ok(self.stdout)
    }
}

fn write_error(path: &Path, e: std::io::Error) -> Error {
    Error::Write {
        file: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn check_policies(policies: &[Policy], engine: Engine) -> Result<()> {
    if let Some(p) = policies
        .iter()
        .find(|p| engine == Engine::Drink && !p.on_drink())
    {
        return Err(Error::Policy {
            policy: p.to_string(),
            message: "runs on the model engine only (--engine model)".into(),
        });
    }
    if policies.is_empty() {
        return Err(Error::Policy {
            policy: String::new(),
            message: "no policy".into(),
        });
    }
    Ok(())
}

/// Computes what the command prints and writes, writing nothing.
///
/// # Errors
/// Bad input (scenario, values, policies) or a failed run.
pub fn plan(cli: &Cli) -> Result<Output> {
    match &cli.command {
        Command::Run(args) => {
            let c = &args.common;
            check_policies(&c.policy, c.engine)?;
            let scenario = source(c)?.scenario()?;
            let comparison = compare(&scenario, &c.policy, c.engine, !args.quiet)?;
            let mut out = Output {
                stdout: report::markdown(&comparison),
                files: Vec::new(),
                plots: None,
            };
            if let Some(path) = &c.json {
                out.files
                    .push((path.clone(), report::json(&comparison).into_bytes()));
            }
            if let Some(path) = &c.csv {
                out.files
                    .push((path.clone(), report::csv(&comparison).into_bytes()));
            }
            if let Some(dir) = &c.svg_dir {
                out.plots = Some((dir.clone(), Plots::Comparison(comparison)));
            }
            Ok(out)
        }
        Command::Sweep(args) => {
            let c = &args.common;
            check_policies(&c.policy, c.engine)?;
            let source = source(c)?;
            let threads = args
                .threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            let result = sweep::sweep(
                &source,
                &args.param,
                &args.values,
                &c.policy,
                c.engine,
                threads,
            )?;
            let mut out = Output {
                stdout: sweep::markdown(&result),
                files: Vec::new(),
                plots: None,
            };
            if let Some(path) = &c.json {
                out.files
                    .push((path.clone(), sweep::json(&result).into_bytes()));
            }
            if let Some(path) = &c.csv {
                out.files
                    .push((path.clone(), sweep::csv(&result).into_bytes()));
            }
            if let Some(dir) = &c.svg_dir {
                out.plots = Some((dir.clone(), Plots::Sweep(result)));
            }
            Ok(out)
        }
    }
}

/// Parses nothing itself: runs a parsed command line to its exit code, printing the report or
/// the error.
pub fn main_with(cli: &Cli) -> i32 {
    match plan(cli).and_then(Output::write) {
        Ok(stdout) => {
            print!("{stdout}");
            crate::error::EXIT_OK
        }
        Err(e) => {
            eprintln!("error: {e}");
            e.exit_code()
        }
    }
}
