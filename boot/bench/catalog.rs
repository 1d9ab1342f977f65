//! What the runner knows of the in-kernel benchmarks, and which boots run
//! them.
//!
//! Design note: the benchmarks are listed once, in the kernel's
//! `kernel/src/workloads/bench/registry.rs`, whose rows reach the runner as
//! [`BENCHES`] (`gmp_sched::options`, as the workloads do): the name, the
//! procs it must run at, its unit, whether it is meaningful only in real
//! time (cross-core latencies and speedups, which under `-icount` measure
//! the round-robin of vCPUs on one host thread) and the description the
//! kernel prints with it. The runner reads them to check the `bench
//! NAME...` command line before a boot and to mark the real-time-only
//! figures. A name no row has is still passed to the kernel, with a
//! warning, so the kernel's own refusal is what the user sees.
//!
//! The kernel runs a benchmark only at the `procs` of its row (one P for
//! the ping-pongs, spawns, preemption and memory; two or more for the
//! cross-P ones; any for the fib tree and the scheduling latency, which it
//! reports as `fib-procs-<procs>` and `sched-latency-<procs>`), so the rows
//! also say which boot each benchmark belongs to.

pub use gmp_sched::options::{BENCHES, Bench, BenchProcs};

/// The procs an any-procs benchmark runs at on `cores` cores: every k for
/// the fib tree's speedup curve (`EachUpToCores`); the powers of two (and
/// `cores`) for the latency percentiles (`PowersOfTwo`: 1/2/4/8 on eight
/// cores).
fn any_procs(b: &Bench, cores: u32) -> Vec<u32> {
    let cores = cores.max(1);
    if b.procs == BenchProcs::PowersOfTwo {
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

/// What is known about `name`, if anything (`fib-procs-3` matches
/// `fib-procs`).
pub fn info(name: &str) -> Option<&'static Bench> {
    gmp_sched::options::find_bench(name)
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
        assert!(info("fib-procs").unwrap().procs.any());
        assert_eq!(info("wake-latency").unwrap().procs, BenchProcs::TwoOrMore);
        assert_eq!(info("spawn-warm").unwrap().procs, BenchProcs::One);
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

    #[test]
    fn every_pair_of_the_comparison_names_a_benchmark() {
        // The host counterparts are the runner's own table; what they are
        // held against must be a row of the one list.
        for p in crate::bench::compare::pairs::PAIRS {
            assert!(info(p.ours).is_some(), "{} is in PAIRS but no row", p.ours);
        }
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
    let procs_of = |n: &str| info(n).map_or(BenchProcs::One, |b| b.procs);
    let mut out: Vec<(u32, Vec<String>)> = Vec::new();
    let mut cannot = Vec::new();
    let mut add = |procs: u32, name: &str| match out.iter_mut().find(|b| b.0 == procs) {
        Some(b) => b.1.push(name.to_string()),
        None => out.push((procs, vec![name.to_string()])),
    };
    for n in names {
        match procs_of(n) {
            BenchProcs::One => add(1, n),
            BenchProcs::TwoOrMore if cores >= 2 => add(cores, n),
            BenchProcs::TwoOrMore => cannot.push(n.clone()),
            BenchProcs::EachUpToCores | BenchProcs::PowersOfTwo => {}
        }
    }
    for any in BENCHES.iter().filter(|b| b.procs.any()) {
        if names.iter().any(|n| n == any.name) {
            for k in any_procs(any, cores) {
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
