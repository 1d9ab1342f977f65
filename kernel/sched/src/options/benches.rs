//! The benchmarks `bench=` picks from, with what is known about each.
//!
//! Design note: the list is not written here, as with [`super::WORKLOADS`].
//! The kernel's `kernel/src/workloads/bench/registry.rs` holds one row per
//! benchmark (name, function, procs, unit, whether it is meaningful only in
//! real time, description) and is the only place a benchmark is listed;
//! this module includes that very file with a macro that keeps everything
//! but the function, while the kernel includes it with one that binds each
//! row to its function. The kernel's dispatch and `BENCH` lines and the
//! runner's boots, name checks and table therefore read the same rows.

/// The boot a benchmark belongs to: the procs it must run at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchProcs {
    /// procs=1 only (the ping-pongs, spawns, preemption, idle tick,
    /// memory); at another procs the kernel says `BENCH-SKIP`.
    One,
    /// procs>=2 only (the cross-P figures); the runner boots every core.
    TwoOrMore,
    /// Any procs, reported as `<name>-<procs>`; the runner boots every
    /// procs from 1 to the cores (the fib tree's speedup curve).
    EachUpToCores,
    /// Any procs, reported as `<name>-<procs>`; the runner boots 1, 2, 4,
    /// ... and the cores (the latency percentiles).
    PowersOfTwo,
}

impl BenchProcs {
    /// True if the benchmark runs at any procs, its name suffixed with it.
    pub fn any(self) -> bool {
        matches!(self, BenchProcs::EachUpToCores | BenchProcs::PowersOfTwo)
    }
}

/// The unit of a benchmark's figure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BenchUnit {
    /// The boot's time unit: instructions under `icount=on` (the TSC
    /// counts them), else nanoseconds.
    Time,
    /// Nanoseconds of wall time, whatever `icount` says.
    Ns,
    /// Bytes.
    Bytes,
}

/// One row of the benchmark registry (all of it but the function).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bench {
    pub name: &'static str,
    pub procs: BenchProcs,
    pub unit: BenchUnit,
    /// The figure measures parallel behaviour (several vCPUs at once), so
    /// it means nothing in instructions or in TCG time.
    pub real_time_only: bool,
    /// The description the kernel's `BENCH` line carries (`desc="..."`).
    pub desc: &'static str,
}

/// Builds [`BENCHES`] from the kernel's bench registry rows.
macro_rules! benches {
    ($( $name:literal => $module:ident :: $run:ident, procs: $procs:ident, unit: $unit:ident,
        real_time_only: $rt:literal : $desc:literal; )*) => {
        /// Every benchmark, in registry order (the order the kernel runs
        /// them in).
        pub static BENCHES: &[Bench] = &[ $(
            Bench {
                name: $name,
                procs: BenchProcs::$procs,
                unit: BenchUnit::$unit,
                real_time_only: $rt,
                desc: $desc,
            },
        )* ];
    };
}

include!("../../../src/workloads/bench/registry.rs");

/// The row of `name`, which may also be a reported name `<name>-<procs>`
/// of a benchmark that runs at any procs (`fib-procs-3` is `fib-procs`;
/// `fib-procs-0` is nothing).
pub fn find_bench(name: &str) -> Option<&'static Bench> {
    BENCHES.iter().find(|b| {
        b.name == name
            || (b.procs.any()
                && name
                    .strip_prefix(b.name)
                    .and_then(|k| k.strip_prefix('-'))
                    .and_then(|k| k.parse::<u32>().ok())
                    .is_some_and(|k| k > 0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_reported_names_resolve_to_their_rows() {
        assert_eq!(find_bench("switch-raw").unwrap().procs, BenchProcs::One);
        assert_eq!(find_bench("fib-procs-4").unwrap().name, "fib-procs");
        assert_eq!(find_bench("sched-latency-8").unwrap().name, "sched-latency");
        assert_eq!(find_bench("mem-parked-g").unwrap().unit, BenchUnit::Bytes);
        assert!(find_bench("fib-procs-0").is_none());
        assert!(find_bench("fib-procs-x").is_none());
        assert!(
            find_bench("switch-raw-2").is_none(),
            "one-P names take no suffix"
        );
        assert!(find_bench("nope").is_none());
    }

    #[test]
    fn every_row_is_named_once_and_described() {
        for (i, b) in BENCHES.iter().enumerate() {
            assert!(
                BENCHES[..i].iter().all(|o| o.name != b.name),
                "{} twice",
                b.name
            );
            assert!(!b.desc.is_empty() && !b.desc.contains('"'), "{}", b.name);
            // A figure across Ps is meaningful only in real time.
            assert!(b.procs == BenchProcs::One || b.real_time_only, "{}", b.name);
        }
    }
}
