//! The in-kernel benchmarks this runner knows, and what each figure means.
//!
//! Design note: the kernel prints its own one-line description with every
//! result, so this table is not needed to show a figure; it exists to say
//! what the kernel cannot: which figures are meaningful only in real time
//! (cross-core latencies and speedups, which under `-icount` measure the
//! round-robin of vCPUs on one host thread), and to give names to the
//! `bench NAME...` command line for checking before a boot. Names the kernel
//! adds later are still accepted and shown (with a warning on the command
//! line), so the runner never blocks the kernel's progress.
//!
//! The kernel runs a benchmark only at the `procs` it needs (one P for the
//! ping-pongs, spawns, preemption and memory; two or more for the cross-P
//! ones; any for the fib tree, which it reports as `fib-procs-<procs>`), so
//! the table also says which boot each benchmark belongs to.

/// The `procs` a benchmark must be booted with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Procs {
    One,
    TwoOrMore,
    /// Any: run once per procs value wanted.
    Any,
}

/// One benchmark of `workload=bench`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchInfo {
    pub name: &'static str,
    pub about: &'static str,
    /// True if the figure measures parallel behaviour (several vCPUs at
    /// once) and so means nothing in instructions or in TCG time.
    pub real_time_only: bool,
    pub procs: Procs,
}

const fn b(name: &'static str, about: &'static str, real_time_only: bool) -> BenchInfo {
    BenchInfo {
        name,
        about,
        real_time_only,
        procs: Procs::One,
    }
}

const fn multi(name: &'static str, about: &'static str, procs: Procs) -> BenchInfo {
    BenchInfo {
        name,
        about,
        real_time_only: true,
        procs,
    }
}

/// The benchmarks named in the kernel output contract. `fib-procs` is
/// reported as `fib-procs-<k>`; [`info`] matches any k.
pub const BENCHES: &[BenchInfo] = &[
    b(
        "switch-raw",
        "raw context switch, no scheduler, per switch",
        false,
    ),
    b(
        "gosched-pingpong",
        "two Gs on one P yielding through the run queues, per switch",
        false,
    ),
    b(
        "runnext-handoff",
        "a G readies the other and parks, one P, per hand-off",
        false,
    ),
    b(
        "chan-pingpong-1p",
        "unbuffered channel ping-pong on one P, per one-way hand-off",
        false,
    ),
    b(
        "spawn-cold",
        "spawn + run + exit per G, free lists empty",
        false,
    ),
    b(
        "spawn-warm",
        "spawn + run + exit per G, free lists primed",
        false,
    ),
    b(
        "preempt-latency",
        "timer interrupt until the next G runs",
        false,
    ),
    b(
        "tick-idle",
        "cost of a timer tick with nothing to do",
        false,
    ),
    b(
        "mem-parked-g",
        "frame + heap bytes per parked G with 100,000 Gs parked",
        false,
    ),
    multi(
        "chan-pingpong-2p",
        "unbuffered channel ping-pong across two Ps",
        Procs::TwoOrMore,
    ),
    multi(
        "wake-latency",
        "parked M woken by IPI until the G runs",
        Procs::TwoOrMore,
    ),
    multi(
        "steal-latency",
        "work appears on a busy P until an idle M runs it",
        Procs::TwoOrMore,
    ),
    multi(
        "fib-procs",
        "fib spawn tree wall time at procs=k (fib-procs-<k>)",
        Procs::Any,
    ),
];

/// What is known about `name`, if anything (`fib-procs-3` matches
/// `fib-procs`).
pub fn info(name: &str) -> Option<&'static BenchInfo> {
    if fib_procs(name).is_some() {
        return BENCHES.iter().find(|b| b.name == "fib-procs");
    }
    BENCHES.iter().find(|b| b.name == name)
}

/// The k of `fib-procs-<k>`.
pub fn fib_procs(name: &str) -> Option<u32> {
    name.strip_prefix("fib-procs-")?
        .parse()
        .ok()
        .filter(|&k| k > 0)
}

/// True if the figure is meaningful only in real time.
pub fn real_time_only(name: &str) -> bool {
    info(name).is_some_and(|b| b.real_time_only)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_fib_pattern_resolve() {
        assert_eq!(info("switch-raw").unwrap().name, "switch-raw");
        assert_eq!(info("fib-procs-4").unwrap().name, "fib-procs");
        assert_eq!(info("fib-procs").unwrap().procs, Procs::Any);
        assert_eq!(info("wake-latency").unwrap().procs, Procs::TwoOrMore);
        assert_eq!(info("spawn-warm").unwrap().procs, Procs::One);
        assert_eq!(fib_procs("fib-procs-12"), Some(12));
        assert_eq!(fib_procs("fib-procs-0"), None);
        assert_eq!(fib_procs("fib-procs-x"), None);
        assert!(info("nope").is_none());
        assert!(real_time_only("wake-latency"));
        assert!(real_time_only("fib-procs-2"));
        assert!(!real_time_only("gosched-pingpong"));
        assert!(!real_time_only("unknown-later-bench"));
    }
}

/// The boots that run `names` (empty: every benchmark) on `cores` cores:
/// `(procs, names)` in order — one P for the single-P benchmarks, all
/// cores for the cross-P ones, and the fib tree at every procs from 1 to
/// `cores`, folded into those boots where the procs match. Names this
/// runner does not know go to the one-P boot (the kernel will say what it
/// thinks of them). Also the benchmarks that cannot run on `cores` cores.
pub fn boots(names: &[String], cores: u32) -> (Vec<(u32, Vec<String>)>, Vec<String>) {
    let all: Vec<String>;
    let names = if names.is_empty() {
        all = BENCHES.iter().map(|b| b.name.to_string()).collect();
        &all[..]
    } else {
        names
    };
    let procs_of = |n: &str| info(n).map_or(Procs::One, |b| b.procs);
    let mut out: Vec<(u32, Vec<String>)> = Vec::new();
    let mut cannot = Vec::new();
    let mut add = |procs: u32, name: &str| match out.iter_mut().find(|b| b.0 == procs) {
        Some(b) => b.1.push(name.to_string()),
        None => out.push((procs, vec![name.to_string()])),
    };
    for n in names {
        match procs_of(n) {
            Procs::One => add(1, n),
            Procs::TwoOrMore if cores >= 2 => add(cores, n),
            Procs::TwoOrMore => cannot.push(n.clone()),
            Procs::Any => {}
        }
    }
    if names.iter().any(|n| procs_of(n) == Procs::Any) {
        for k in 1..=cores.max(1) {
            add(k, "fib-procs");
        }
    }
    out.sort_by_key(|b| b.0);
    (out, cannot)
}

#[cfg(test)]
mod boot_tests {
    use super::*;

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn each_benchmark_gets_the_procs_it_needs() {
        let (b, cannot) = boots(&names(&["switch-raw", "wake-latency", "fib-procs"]), 3);
        assert_eq!(
            b,
            vec![
                (1, names(&["switch-raw", "fib-procs"])),
                (2, names(&["fib-procs"])),
                (3, names(&["wake-latency", "fib-procs"])),
            ]
        );
        assert!(cannot.is_empty());
        let (b, cannot) = boots(
            &names(&["spawn-warm", "chan-pingpong-2p", "later-bench"]),
            1,
        );
        assert_eq!(b, vec![(1, names(&["spawn-warm", "later-bench"]))]);
        assert_eq!(cannot, names(&["chan-pingpong-2p"]));
        let (all, _) = boots(&[], 2);
        assert_eq!(all.len(), 2);
        let total: usize = all.iter().map(|b| b.1.len()).sum();
        assert_eq!(total, BENCHES.len() + 1, "fib-procs runs in both boots");
    }
}
