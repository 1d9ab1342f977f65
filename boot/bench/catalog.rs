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
//! ones; any for the fib tree and the scheduling latency, which it reports
//! as `fib-procs-<procs>` and `sched-latency-<procs>`), so the table also
//! says which boot each benchmark belongs to.

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
    multi(
        "sched-latency",
        "runnable -> running per G in producer-consumer at procs=k (sched-latency-<k>), p50/p99 of the histogram",
        Procs::Any,
    ),
];

/// The procs an `Any` benchmark runs at on `cores` cores: every k for the
/// fib tree's speedup curve; the powers of two (and `cores`) for the
/// latency percentiles (1/2/4/8 on eight cores).
fn any_procs(name: &str, cores: u32) -> Vec<u32> {
    let cores = cores.max(1);
    if name == "sched-latency" {
        let mut v: Vec<u32> = (0..32)
            .map(|i| 1u32 << i)
            .take_while(|&k| k < cores)
            .collect();
        v.push(cores);
        v
    } else {
        (1..=cores).collect()
    }
}

/// The name and k of `<name>-<k>` for an `Any` benchmark
/// (`sched-latency-4` → `("sched-latency", 4)`).
fn per_procs(name: &str) -> Option<(&'static str, u32)> {
    BENCHES
        .iter()
        .filter(|b| b.procs == Procs::Any)
        .find_map(|b| {
            let k: u32 = name.strip_prefix(b.name)?.strip_prefix('-')?.parse().ok()?;
            (k > 0).then_some((b.name, k))
        })
}

/// What is known about `name`, if anything (`fib-procs-3` matches
/// `fib-procs`).
pub fn info(name: &str) -> Option<&'static BenchInfo> {
    if let Some((base, _)) = per_procs(name) {
        return BENCHES.iter().find(|b| b.name == base);
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
        assert_eq!(info("sched-latency-8").unwrap().name, "sched-latency");
        assert!(info("sched-latency-0").is_none());
        assert_eq!(fib_procs("sched-latency-8"), None);
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
    for any in BENCHES.iter().filter(|b| b.procs == Procs::Any) {
        if names.iter().any(|n| n == any.name) {
            for k in any_procs(any.name, cores) {
                add(k, any.name);
            }
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
        assert_eq!(
            total,
            BENCHES.len() + 2,
            "fib-procs and sched-latency run in both boots"
        );
    }

    #[test]
    fn latency_runs_at_the_powers_of_two() {
        let (b, _) = boots(&names(&["sched-latency"]), 8);
        let ks: Vec<u32> = b.iter().map(|b| b.0).collect();
        assert_eq!(ks, [1, 2, 4, 8]);
        let (b, _) = boots(&names(&["sched-latency"]), 6);
        let ks: Vec<u32> = b.iter().map(|b| b.0).collect();
        assert_eq!(ks, [1, 2, 4, 6]);
    }
}
