//! `gmp-metal explore`: seed after seed of a workload under `--icount` with
//! `chaos=N`, until one fails; then the one command that replays it.
//!
//! Design note. Under `-icount` QEMU runs every vCPU round-robin on one
//! host thread, so a run is (nearly, see docs/EXPLORE.md) a function of
//! its inputs; `chaos=N` makes the interleaving a function of the seed.
//! Exploring is then running seeds: each seed is one boot, `--jobs` boots
//! at a time (each QEMU uses one host core), and the first failure stops
//! the search. Its fingerprint is the kernel's first failure line and the
//! TSC at the failure (`exit: failure at tsc N`): under `-icount shift=0`
//! the TSC counts instructions, so a replay that reaches the same line at
//! the same count is the same execution. `--shrink` then tries smaller
//! cases — fewer cores, a shorter run, rarer chaos points — keeping each
//! change under which the seed still fails, and prints the smallest.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use gmp_sched::options::Mix;

use crate::outcome::{Outcome, Verdict};
use crate::run::Run;

mod shrink;

use shrink::parse_mix;
pub use shrink::{shrink, shrink_candidates};

/// Arguments of `gmp-metal explore`.
#[derive(clap::Args, Debug, Clone)]
#[command(
    long_about = "Run a workload under --icount with chaos=N, one seed after another (--jobs QEMUs at \
                  once), until a run fails; then print its fingerprint (the kernel's failure line and \
                  the instruction count at the failure) and one command that replays it exactly. \
                  Exits with status 0 when every seed passed, 1 when one failed, 2 on a usage error. \
                  See docs/EXPLORE.md.",
    after_help = "Examples:\n  cargo run -- explore --seeds 20\n  cargo run -- explore --minutes 10 --jobs 2 --fault getg-race --shrink"
)]
pub struct ExploreArgs {
    /// The workload each seed runs (it must fail loudly on a bug: torture does)
    #[arg(long, default_value = "torture")]
    pub workload: String,
    /// Cores of each run, in QEMU's -smp syntax
    #[arg(long, default_value = "4")]
    pub smp: String,
    /// How many seeds to run (default: 50 unless --minutes is given)
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub seeds: Option<u64>,
    /// Stop starting new seeds after this many minutes
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    pub minutes: Option<u64>,
    /// The first seed; seeds run in order from it
    #[arg(long, default_value_t = 1)]
    pub start: u64,
    /// QEMUs at once; failures replay exactly with at most half the host's cores (docs/EXPLORE.md)
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: u32,
    /// chaos=N: one scheduler sync point in N stalls its core; 0 turns chaos off (the luck baseline)
    #[arg(long, default_value_t = 20)]
    pub chaos: u32,
    /// Seconds of virtual time each torture run lasts (duration=)
    #[arg(long, default_value_t = 2)]
    pub duration: u32,
    /// The torture's operations (mix=): all, or a comma-separated list
    #[arg(long, default_value = "all", value_parser = parse_mix)]
    pub mix: Mix,
    /// A deliberate bug to switch on (fault=), to check that exploring finds it
    #[arg(long, value_name = "NAME")]
    pub fault: Option<String>,
    /// After a failure, look for a smaller case that still fails
    #[arg(long)]
    pub shrink: bool,
    /// Wall-clock limit of one run, in seconds
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
}

/// One explored case: everything a run depends on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Case {
    pub workload: String,
    pub smp: String,
    pub seed: u64,
    pub chaos: u32,
    pub duration: u32,
    /// The torture's operations; `Mix::ALL` is left out of the boot string.
    pub mix: Mix,
    pub fault: Option<String>,
}

impl Case {
    /// The boot options of this case.
    pub fn boot_options(&self) -> Vec<String> {
        let mut v = vec![
            format!("workload={}", self.workload),
            format!("seed={}", self.seed),
            format!("duration={}", self.duration),
            format!("chaos={}", self.chaos),
            // Always given, as 20 digits: the debug replay's
            // `--stop-at N` must boot a string of the same length, parsed
            // and printed in the same number of instructions.
            format!("stopat={}", u64::MAX),
        ];
        if self.mix != Mix::ALL {
            v.push(format!("mix={}", self.mix));
        }
        if let Some(f) = &self.fault {
            v.push(format!("fault={f}"));
        }
        v
    }

    /// The run of this case (under `--icount`), quiet.
    pub fn run(&self, timeout: Duration) -> Run {
        let mut run = Run::new()
            .smp(self.smp.clone())
            .icount(true)
            .echo(false)
            .timeout(timeout);
        for o in self.boot_options() {
            run = run.boot_opt(o);
        }
        run
    }

    /// The command that replays this case.
    pub fn replay_command(&self) -> String {
        format!(
            "cargo run -- --icount --smp {} {}",
            self.smp,
            self.boot_options().join(" ")
        )
    }

    /// The replay that stops for gdb at instruction `at`: `--stop-at`
    /// stands in for the `stopat` token.
    pub fn debug_command(&self, at: u64) -> String {
        let opts: Vec<String> = self
            .boot_options()
            .into_iter()
            .filter(|o| !o.starts_with("stopat="))
            .collect();
        format!(
            "cargo run -- --icount --smp {} --gdb --stop-at {at} {}",
            self.smp,
            opts.join(" ")
        )
    }
}

/// What identifies a failure: the kernel's first failure line and the
/// instruction count (TSC under icount) at which the run failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    pub line: String,
    pub at: Option<u64>,
}

impl std::fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some(at) => write!(f, "{} (at instruction {at})", self.line),
            None => write!(f, "{}", self.line),
        }
    }
}

/// The fingerprint of a run that did not succeed.
pub fn fingerprint(o: &Outcome) -> Fingerprint {
    let failure_words = [
        "PANIC",
        "FAILURE",
        "FAILED",
        "WATCHDOG",
        "fatal",
        "EXCEPTION",
    ];
    let line = o
        .lines()
        .find(|l| failure_words.iter().any(|w| l.contains(w)))
        .map(str::to_string)
        .unwrap_or_else(|| o.explain().unwrap_or_else(|| o.verdict.to_string()));
    let at = o.lines().find_map(|l| {
        l.strip_prefix("exit: failure at tsc ")
            .and_then(|n| n.trim().parse().ok())
    });
    Fingerprint { line, at }
}

/// Gs the run checked: the torture's `gs=` on its last progress or
/// SUCCESS line, else the summary's `Gs: N spawned`.
pub fn gs_checked(o: &Outcome) -> u64 {
    let torture = o
        .lines()
        .filter(|l| l.starts_with("torture: "))
        .filter_map(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("gs=")?.parse().ok())
        })
        .last();
    torture.unwrap_or_else(|| {
        o.lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("Gs: ")?
                    .split_whitespace()
                    .next()?
                    .parse()
                    .ok()
            })
            .unwrap_or(0)
    })
}

/// A failed case and its fingerprint.
#[derive(Clone, Debug)]
pub struct Found {
    pub case: Case,
    pub fingerprint: Fingerprint,
}

/// Run one case; `Ok(None)` when it passed.
pub fn try_case(case: &Case, timeout: Duration) -> Result<(Option<Found>, u64), String> {
    let o = case
        .run(timeout)
        .run()
        .map_err(|e| format!("seed {}: the run did not start: {e}", case.seed))?;
    let gs = gs_checked(&o);
    if o.verdict == Verdict::Success {
        return Ok((None, gs));
    }
    Ok((
        Some(Found {
            case: case.clone(),
            fingerprint: fingerprint(&o),
        }),
        gs,
    ))
}

/// Explore from `base` (its seed is the first): the first failure, if any.
pub fn explore(
    base: &Case,
    seeds: Option<u64>,
    deadline: Option<Instant>,
    jobs: u32,
    timeout: Duration,
    progress: impl Fn(u64, u64, f64) + Sync,
) -> Result<Option<Found>, String> {
    let next = AtomicU64::new(base.seed);
    let done = AtomicU64::new(0);
    let gs = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let found: Mutex<Option<Found>> = Mutex::new(None);
    let error: Mutex<Option<String>> = Mutex::new(None);
    let started = Instant::now();
    let last = seeds.map(|n| base.seed + n);
    std::thread::scope(|s| {
        for _ in 0..jobs {
            s.spawn(|| {
                loop {
                    if stop.load(Ordering::Acquire) || deadline.is_some_and(|d| Instant::now() >= d)
                    {
                        return;
                    }
                    let seed = next.fetch_add(1, Ordering::AcqRel);
                    if last.is_some_and(|l| seed >= l) {
                        return;
                    }
                    let case = Case {
                        seed,
                        ..base.clone()
                    };
                    match try_case(&case, timeout) {
                        Ok((f, n)) => {
                            let d = done.fetch_add(1, Ordering::AcqRel) + 1;
                            let g = gs.fetch_add(n, Ordering::AcqRel) + n;
                            progress(d, g, started.elapsed().as_secs_f64());
                            if let Some(f) = f {
                                let mut slot = found.lock().unwrap();
                                // The lowest failing seed wins, whatever
                                // finished first: the answer does not
                                // depend on --jobs.
                                if slot.as_ref().is_none_or(|g| g.case.seed > f.case.seed) {
                                    *slot = Some(f);
                                }
                                stop.store(true, Ordering::Release);
                            }
                        }
                        Err(e) => {
                            *error.lock().unwrap() = Some(e);
                            stop.store(true, Ordering::Release);
                        }
                    }
                }
            });
        }
    });
    if let Some(e) = error.into_inner().unwrap() {
        return Err(e);
    }
    Ok(found.into_inner().unwrap())
}

/// `gmp-metal explore`: returns the exit status.
pub fn main(args: ExploreArgs) -> i32 {
    let base = Case {
        workload: args.workload.clone(),
        smp: args.smp.clone(),
        seed: args.start,
        chaos: args.chaos,
        duration: args.duration,
        mix: args.mix,
        fault: args.fault.clone(),
    };
    // Check the options with the kernel's own parser before any boot.
    if let Err(e) = base.run(Duration::from_secs(1)).prepare() {
        eprintln!("error: {e}");
        return crate::exit::USAGE;
    }
    let seeds = match (args.seeds, args.minutes) {
        (None, None) => Some(50),
        (s, _) => s,
    };
    let deadline = args
        .minutes
        .map(|m| Instant::now() + Duration::from_secs(m * 60));
    let timeout = Duration::from_secs(args.timeout);
    eprintln!(
        "explore: {} on {} cores under --icount, chaos={}{}, seeds from {}{}{}, {} at a time",
        base.workload,
        base.smp,
        base.chaos,
        base.fault
            .as_deref()
            .map(|f| format!(", fault={f}"))
            .unwrap_or_default(),
        base.seed,
        seeds.map(|n| format!(", {n} seeds")).unwrap_or_default(),
        args.minutes
            .map(|m| format!(", for {m} min"))
            .unwrap_or_default(),
        args.jobs
    );
    let progress = |done: u64, gs: u64, secs: f64| {
        eprintln!(
            "explore: {done} seeds run, {gs} Gs checked, {:.1} seeds/min",
            done as f64 * 60.0 / secs.max(0.001)
        );
    };
    let started = Instant::now();
    let found = match explore(&base, seeds, deadline, args.jobs, timeout, progress) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return crate::exit::USAGE;
        }
    };
    let Some(mut found) = found else {
        println!(
            "explore: no failure ({:.0} s)",
            started.elapsed().as_secs_f64()
        );
        return crate::exit::SUCCESS;
    };
    println!(
        "explore: seed {} FAILED after {:.0} s: {}",
        found.case.seed,
        started.elapsed().as_secs_f64(),
        found.fingerprint
    );
    if args.shrink {
        let say = |s: &str| eprintln!("{s}");
        match shrink(found.clone(), timeout, say) {
            Ok(f) => {
                println!("explore: smallest failing case: {}", f.fingerprint);
                found = f;
            }
            Err(e) => eprintln!("explore: shrinking stopped: {e}"),
        }
    }
    // Check the replay now, alone: with other QEMUs loading the host, a
    // run can diverge from its replay (docs/EXPLORE.md, "Determinism").
    match try_case(&found.case, timeout) {
        Ok((Some(again), _)) if again.fingerprint == found.fingerprint => {
            println!("explore: replayed once: the same failure at the same instruction");
        }
        Ok((again, _)) => println!(
            "explore: replayed once: it differs ({}); the search ran under host load \
             (--jobs {}): a replay alone is the reference, see docs/EXPLORE.md",
            again.map_or_else(|| "it passed".to_string(), |a| a.fingerprint.to_string()),
            args.jobs
        ),
        Err(e) => eprintln!("explore: the replay did not start: {e}"),
    }
    println!("replay: {}", found.case.replay_command());
    if let Some(at) = found.fingerprint.at {
        println!(
            "debug:  {}",
            found.case.debug_command(at.saturating_sub(STOP_BEFORE))
        );
    }
    crate::exit::FAILURE
}

/// How many instructions before the failure `--stop-at` stops by default
/// in the printed debug command: one timer tick (1 ms) earlier.
pub const STOP_BEFORE: u64 = 1_000_000;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::qemu::QemuCommand;

    pub(crate) fn case() -> Case {
        Case {
            workload: "torture".into(),
            smp: "4".into(),
            seed: 7,
            chaos: 20,
            duration: 2,
            mix: Mix::ALL,
            fault: Some("getg-race".into()),
        }
    }

    fn outcome(verdict: Verdict, serial: &str) -> Outcome {
        Outcome {
            verdict,
            serial: serial.into(),
            qemu_stderr: String::new(),
            elapsed: Duration::from_secs(1),
            command: QemuCommand {
                program: "qemu".into(),
                args: Vec::new(),
            },
            timeout: None,
        }
    }

    #[test]
    fn the_replay_and_debug_commands_boot_the_same_options() {
        let c = case();
        assert_eq!(
            c.replay_command(),
            "cargo run -- --icount --smp 4 workload=torture seed=7 duration=2 chaos=20 \
             stopat=18446744073709551615 fault=getg-race"
        );
        assert_eq!(
            c.debug_command(123),
            "cargo run -- --icount --smp 4 --gdb --stop-at 123 workload=torture seed=7 \
             duration=2 chaos=20 fault=getg-race"
        );
        // Both parse, and give the kernel option strings of one length.
        let words = |cmd: &str| -> Vec<String> {
            cmd.trim_start_matches("cargo run -- ")
                .split(' ')
                .map(String::from)
                .collect()
        };
        let boot = |cmd: &str| {
            use clap::Parser;
            let cli = crate::cli::Cli::try_parse_from(
                std::iter::once("gmp-metal".to_string()).chain(words(cmd)),
            )
            .unwrap();
            let p = cli.into_run().gdb(false).prepare().unwrap();
            p.boot_string().unwrap().to_string()
        };
        let (a, b) = (boot(&c.replay_command()), boot(&c.debug_command(123)));
        assert_eq!(a.len(), b.len(), "{a}\n{b}");
        assert!(b.contains("stopat=00000000000000000123"), "{b}");
    }

    #[test]
    fn the_fingerprint_is_the_first_failure_line_and_the_tsc() {
        let o = outcome(
            Verdict::Failure,
            "boot options: fault=none\ntorture: 1.000s gs=10\n\
             PANIC on M0 (apic 0) in G5 at a.rs:1: boom\n  #0 0x1 f\n\
             torture: FAILURE: later\nexit: failure at tsc 853214783\n",
        );
        let f = fingerprint(&o);
        assert_eq!(f.line, "PANIC on M0 (apic 0) in G5 at a.rs:1: boom");
        assert_eq!(f.at, Some(853214783));
        assert_eq!(
            f.to_string(),
            "PANIC on M0 (apic 0) in G5 at a.rs:1: boom (at instruction 853214783)"
        );
        // A run that only timed out still gets a line.
        let t = fingerprint(&outcome(Verdict::Timeout, "boot\n"));
        assert_eq!(t.at, None);
        assert!(!t.line.is_empty());
    }

    #[test]
    fn gs_checked_reads_the_torture_line_or_the_ledger() {
        let o = outcome(
            Verdict::Success,
            "torture: 1.000s rounds=1 gs=2016 spawns=2\n\
             torture: SUCCESS after 2.1s: rounds=3 gs=4325 spawns=4325\n",
        );
        assert_eq!(gs_checked(&o), 4325);
        let o = outcome(
            Verdict::Success,
            "  Gs: 6597 spawned = 6596 exited + 1 live\n",
        );
        assert_eq!(gs_checked(&o), 6597);
        assert_eq!(gs_checked(&outcome(Verdict::Success, "")), 0);
    }
}
