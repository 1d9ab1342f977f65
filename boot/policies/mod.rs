//! `gmp-metal policies`: every scheduling policy on every tournament
//! workload, in lockstep, as one table, one chart per metric and a JSON
//! file of every raw figure.
//!
//! Design note: the structure of `bench --scaling` — one boot per cell,
//! `workload=W policy=P tracking=on seed=S` under `--icount` and
//! `lockstep=Q`, each core on its own instruction clock, so a cell's
//! figures are exact and repeat byte for byte, and N cores run as N
//! parallel cores. The kernel measures and prints one `POLICY-RESULT`
//! line ([`parse`]); [`table`] derives the metrics and ratios to the
//! baseline (`go`), [`svg`] draws them. A cell that fails stops the
//! tournament: a table with a hole would read as a result. Names are
//! checked by clap against the policy registry and the `tour-` workloads
//! before anything boots.

pub mod parse;
pub mod svg;
pub mod table;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::builder::{PossibleValue, PossibleValuesParser};
use gmp_sched::policy::POLICY_CHOICES;
use serde::Serialize;

use crate::bench::args::LOCKSTEP_QUANTUM;
use crate::outcome::Verdict;
use crate::run::{DEFAULT_MEMORY, DEFAULT_QEMU, Run};
use parse::Figures;
use table::{CHARTS, Grid, METRICS};

/// The tournament's workloads, in their default order (the kernel's
/// `tour-` rows of `gmp_sched::options::WORKLOADS`, whose help they show).
pub const WORKLOADS: &[&str] = &[
    "tour-pc",
    "tour-fib",
    "tour-server",
    "tour-pipeline",
    "tour-burst",
];

/// Default `--smp`.
pub const SMP: u32 = 4;
/// Default output directory.
pub const OUT: &str = "target/policies";
/// Serial lines shown when a cell fails.
const TAIL: usize = 30;

/// Runs every scheduling policy on every tournament workload in lockstep
/// (--icount, per-core clocks) and prints one table, one SVG per metric
/// and a JSON file of every raw figure.
#[derive(clap::Args, Debug, Clone)]
#[command(
    after_long_help = "Every figure is in instructions (= ns under --icount) on per-core \
clocks, so runs repeat byte for byte and N cores are N parallel cores. Per metric: insn/unit \
(core time per unit of work, lower is better), latency p50/p99/p99.9 and wake-up p99 (lower), \
jain (Jain's fairness index, higher; n/a when a workload has no group of equal Gs), wasted \
spinning per unit and failed steals (lower), steals, migrations and idle wake-ups per 1000 \
units (lower). Ratios and chart bars are against go, the default policy (or the first policy \
given when go is not among them).\n\n\
Examples:\n  \
cargo run --release -- policies\n  \
cargo run --release -- policies --policies go,fifo,no-steal --workloads tour-burst --smp 8"
)]
pub struct PoliciesArgs {
    /// Policies to run, comma-separated (default: every registered one)
    #[arg(long, value_name = "P,...", value_delimiter = ',', value_parser = policies())]
    pub policies: Vec<String>,

    /// Workloads to run, comma-separated (default: all five tour- workloads)
    #[arg(long, value_name = "W,...", value_delimiter = ',', value_parser = workloads())]
    pub workloads: Vec<String>,

    /// Cores of the guest; GOMAXPROCS is every core
    #[arg(long, value_name = "N", default_value_t = SMP,
          value_parser = clap::value_parser!(u32).range(1..=255))]
    pub smp: u32,

    /// Lockstep quantum: instructions per core's turn
    #[arg(long, value_name = "INSNS", default_value = LOCKSTEP_QUANTUM,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub lockstep: u32,

    /// Seed of the scheduler's random choices (boot option seed=N)
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,

    /// Where the charts and policies.json go
    #[arg(long, value_name = "DIR", default_value = OUT)]
    pub out: PathBuf,

    /// Guest memory, QEMU -m syntax
    #[arg(long, value_name = "SIZE", default_value = DEFAULT_MEMORY)]
    pub memory: String,

    /// Kill a boot after SECS seconds (the tournament then stops)
    #[arg(long, value_name = "SECS", default_value_t = 900)]
    pub timeout: u64,

    /// The QEMU binary
    #[arg(long, value_name = "PATH", env = "GMP_QEMU", default_value = DEFAULT_QEMU)]
    pub qemu: OsString,

    /// Echo the kernel's serial output while it runs
    #[arg(long)]
    pub verbose: bool,
}

fn policies() -> PossibleValuesParser {
    PossibleValuesParser::new(
        POLICY_CHOICES
            .iter()
            .map(|(name, help)| PossibleValue::new(*name).help(*help)),
    )
}

fn workloads() -> PossibleValuesParser {
    PossibleValuesParser::new(WORKLOADS.iter().map(|name| {
        let help = gmp_sched::options::WORKLOADS
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, h)| h);
        let help = help.strip_prefix("tournament: ").unwrap_or(help);
        PossibleValue::new(*name).help(help.strip_suffix(" (POLICY-RESULT line)").unwrap_or(help))
    }))
}

impl PoliciesArgs {
    /// The policies asked for, in order without repeats; all by default.
    pub fn policy_list(&self) -> Vec<String> {
        dedup(&self.policies, POLICY_CHOICES.iter().map(|(n, _)| *n))
    }

    /// The workloads asked for, in order without repeats; all by default.
    pub fn workload_list(&self) -> Vec<String> {
        dedup(&self.workloads, WORKLOADS.iter().copied())
    }

    /// The command line that repeats this tournament.
    pub fn command_line(&self) -> String {
        format!(
            "cargo run --release -- policies --policies {} --workloads {} --smp {} --lockstep {} --seed {} --out {}",
            self.policy_list().join(","),
            self.workload_list().join(","),
            self.smp,
            self.lockstep,
            self.seed,
            self.out.display()
        )
    }

    /// The boot of one cell.
    pub fn run(&self, policy: &str, workload: &str) -> Run {
        Run::new()
            .qemu(self.qemu.clone())
            .smp(self.smp.to_string())
            .memory(self.memory.clone())
            .icount(true)
            .timeout(Duration::from_secs(self.timeout))
            .echo(self.verbose)
            .boot_opt(format!("workload={workload}"))
            .boot_opt(format!("policy={policy}"))
            .boot_opt("tracking=on")
            .boot_opt(format!("seed={}", self.seed))
            .boot_opt(format!("lockstep={}", self.lockstep))
    }
}

fn dedup<'a>(given: &[String], all: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if given.is_empty() {
        out.extend(all.map(String::from));
    }
    for g in given {
        if !out.contains(g) {
            out.push(g.clone());
        }
    }
    out
}

/// Everything `policies.json` holds.
#[derive(Serialize)]
struct Report<'a> {
    command: String,
    smp: u32,
    lockstep: u32,
    seed: u64,
    baseline: &'a str,
    policies: &'a [String],
    workloads: &'a [String],
    metrics: Vec<MetricInfo>,
    results: Vec<Cell<'a>>,
}

#[derive(Serialize)]
struct MetricInfo {
    key: &'static str,
    title: &'static str,
    chart: &'static str,
    better: &'static str,
}

#[derive(Serialize)]
struct Cell<'a> {
    policy: &'a str,
    workload: &'a str,
    raw: &'a Figures,
    /// Every metric by key (null: no figure).
    metrics: serde_json::Map<String, serde_json::Value>,
    /// Every metric over the baseline's (null: no figure, or a 0 baseline).
    vs_baseline: serde_json::Map<String, serde_json::Value>,
}

/// The JSON of a finished tournament.
pub fn json(args: &PoliciesArgs, g: &Grid) -> String {
    let num = |v: Option<f64>| v.map_or(serde_json::Value::Null, serde_json::Value::from);
    let results = g
        .cells
        .iter()
        .map(|(p, w, f)| Cell {
            policy: p,
            workload: w,
            raw: f,
            metrics: METRICS
                .iter()
                .map(|m| (m.key.to_string(), num((m.value)(f))))
                .collect(),
            vs_baseline: METRICS
                .iter()
                .map(|m| (m.key.to_string(), num(g.ratio(m, p, w))))
                .collect(),
        })
        .collect();
    let report = Report {
        command: args.command_line(),
        smp: args.smp,
        lockstep: args.lockstep,
        seed: args.seed,
        baseline: g.baseline(),
        policies: &g.policies,
        workloads: &g.workloads,
        metrics: METRICS
            .iter()
            .map(|m| MetricInfo {
                key: m.key,
                title: m.title,
                chart: m.chart,
                better: m.better.word(),
            })
            .collect(),
        results,
    };
    serde_json::to_string_pretty(&report).expect("plain data serialises") + "\n"
}

/// Boots one cell: its figures, or the sentence that stops the tournament
/// and the exit status.
fn cell(args: &PoliciesArgs, policy: &str, workload: &str) -> Result<Figures, (String, i32)> {
    let outcome = args
        .run(policy, workload)
        .prepare()
        .and_then(|p| p.execute())
        .map_err(|e| {
            (
                format!("policy {policy} on {workload} could not boot: {e}"),
                e.exit_code(),
            )
        })?;
    let tail = || {
        crate::outcome::tail(&outcome.serial, TAIL)
            .trim_end()
            .to_string()
    };
    if outcome.verdict != Verdict::Success {
        let why = outcome
            .explain()
            .unwrap_or_else(|| outcome.verdict.to_string());
        return Err((
            format!(
                "policy {policy} on {workload} failed ({why}); the last lines of its serial output:\n{}",
                tail()
            ),
            outcome.exit_code().max(1),
        ));
    }
    match parse::find(&outcome.serial) {
        Ok(Some(f)) if f.workload == workload => Ok(f),
        Ok(Some(f)) => Err((
            format!(
                "policy {policy} on {workload}: the kernel's POLICY-RESULT line is for workload {}",
                f.workload
            ),
            1,
        )),
        Ok(None) => Err((
            format!(
                "policy {policy} on {workload} printed no POLICY-RESULT line; the last lines of its serial output:\n{}",
                tail()
            ),
            1,
        )),
        Err(e) => Err((
            format!(
                "policy {policy} on {workload}: {e}; the last lines of its serial output:\n{}",
                tail()
            ),
            1,
        )),
    }
}

/// Writes `text` to `dir/name`; the path.
fn write(dir: &Path, name: &str, text: &str) -> Result<PathBuf, String> {
    let path = dir.join(name);
    std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}

/// The tournament. The exit status.
pub fn main(args: PoliciesArgs) -> i32 {
    let mut g = Grid {
        policies: args.policy_list(),
        workloads: args.workload_list(),
        cells: Vec::new(),
    };
    let total = g.policies.len() * g.workloads.len();
    for w in g.workloads.clone() {
        for p in g.policies.clone() {
            eprintln!(
                "[policies] {}/{total}: policy={p} workload={w} --smp {} lockstep={}",
                g.cells.len() + 1,
                args.smp,
                args.lockstep
            );
            match cell(&args, &p, &w) {
                Ok(f) => g.cells.push((p, w.clone(), f)),
                Err((msg, code)) => {
                    eprintln!("gmp-metal policies: {msg}");
                    return code;
                }
            }
        }
    }
    let caption = format!(
        "--smp {} --lockstep {} seed={}: bars are each workload's figure over {}'s",
        args.smp,
        args.lockstep,
        args.seed,
        g.baseline()
    );
    println!(
        "Scheduling policies on {} cores, per-core instruction clocks (lockstep={}, seed={}); figures in instructions",
        args.smp, args.lockstep, args.seed
    );
    print!("{}", table::table(&g));
    println!();
    print!("{}", table::legend(g.baseline()));
    let written = std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create {}: {e}", args.out.display()))
        .and_then(|()| {
            let mut paths = Vec::new();
            for (chart, _) in CHARTS {
                let svg = svg::chart(&g, chart, &caption);
                paths.push(write(&args.out, &format!("policies-{chart}.svg"), &svg)?);
            }
            paths.push(write(&args.out, "policies.json", &json(&args, &g))?);
            Ok(paths)
        });
    match written {
        Ok(paths) => {
            println!();
            for p in paths {
                println!("wrote {}", p.display());
            }
            println!("reproduce: {}", args.command_line());
            0
        }
        Err(e) => {
            eprintln!("error: {e}");
            crate::exit::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::table::tests::grid;
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct P {
        #[command(flatten)]
        a: PoliciesArgs,
    }

    fn args(words: &[&str]) -> Result<PoliciesArgs, clap::Error> {
        P::try_parse_from(std::iter::once("policies").chain(words.iter().copied())).map(|p| p.a)
    }

    #[test]
    fn defaults_are_every_policy_and_workload_on_four_cores() {
        let a = args(&[]).unwrap();
        assert_eq!(a.smp, 4);
        assert_eq!(a.seed, 1);
        assert_eq!(a.policy_list()[0], "go");
        assert_eq!(a.policy_list().len(), POLICY_CHOICES.len());
        assert_eq!(
            a.workload_list(),
            [
                "tour-pc",
                "tour-fib",
                "tour-server",
                "tour-pipeline",
                "tour-burst"
            ]
        );
        assert_eq!(a.out, Path::new("target/policies"));
    }

    #[test]
    fn each_boot_gets_the_policy_the_workload_tracking_seed_and_lockstep() {
        let a = args(&["--policies", "go,no-steal,go", "--smp", "2"]).unwrap();
        assert_eq!(a.policy_list(), ["go", "no-steal"]);
        let p = a.run("no-steal", "tour-burst");
        let p = p.qemu("/nonexistent").prepare().unwrap();
        assert_eq!(
            p.boot_string(),
            Some("workload=tour-burst policy=no-steal tracking=on seed=1 lockstep=20000 icount=on")
        );
        assert!(
            p.command().to_string().contains("icount"),
            "{}",
            p.command()
        );
        assert!(
            a.command_line()
                .ends_with("policies --policies go,no-steal --workloads tour-pc,tour-fib,tour-server,tour-pipeline,tour-burst --smp 2 --lockstep 20000 --seed 1 --out target/policies")
        );
    }

    #[test]
    fn the_workloads_are_the_kernels_tour_rows() {
        let kernel: Vec<&str> = gmp_sched::options::WORKLOADS
            .iter()
            .map(|(n, _)| *n)
            .filter(|n| n.starts_with("tour-"))
            .collect();
        assert_eq!(kernel, WORKLOADS);
    }

    #[test]
    fn a_bad_name_is_refused_naming_the_valid_ones() {
        let e = args(&["--policies", "go,nope"]).unwrap_err();
        assert_eq!(e.kind(), clap::error::ErrorKind::InvalidValue);
        let text = e.to_string();
        assert!(text.contains("nope") && text.contains("no-steal"), "{text}");
        let e = args(&["--workloads", "fib"]).unwrap_err();
        assert!(e.to_string().contains("tour-burst"), "{e}");
    }

    #[test]
    fn the_json_holds_every_raw_figure() {
        let a = args(&["--policies", "go,no-steal,fifo"]).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json(&a, &grid())).unwrap();
        assert_eq!(v["baseline"], "go");
        let r = v["results"].as_array().unwrap();
        assert_eq!(r.len(), 6);
        assert_eq!(r[1]["policy"], "no-steal");
        assert_eq!(r[1]["raw"]["core_time"], 449_200);
        assert_eq!(r[3]["raw"]["jain"], serde_json::Value::Null);
        assert_eq!(r[3]["metrics"]["jain"], serde_json::Value::Null);
        assert_eq!(r[4]["vs_baseline"]["insn/unit"], 3.0);
        assert_eq!(v["metrics"].as_array().unwrap().len(), METRICS.len());
    }
}
