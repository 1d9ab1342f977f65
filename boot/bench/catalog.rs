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

/// One benchmark of `workload=bench`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchInfo {
    pub name: &'static str,
    pub about: &'static str,
    /// True if the figure measures parallel behaviour (several vCPUs at
    /// once) and so means nothing in instructions or in TCG time.
    pub real_time_only: bool,
}

const fn b(name: &'static str, about: &'static str, real_time_only: bool) -> BenchInfo {
    BenchInfo {
        name,
        about,
        real_time_only,
    }
}

/// The benchmarks named in the kernel output contract. `fib-procs-<k>` is
/// one entry per k; [`info`] matches any k.
pub const BENCHES: &[BenchInfo] = &[
    b(
        "switch-raw",
        "raw context switch between two contexts, no scheduler, per switch",
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
        "chan-pingpong-2p",
        "unbuffered channel ping-pong across two Ps, per one-way hand-off",
        true,
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
        "wake-latency",
        "parked M woken by IPI until the G runs",
        true,
    ),
    b(
        "steal-latency",
        "work appears on a busy P until an idle M runs it",
        true,
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
        "fib-procs-<k>",
        "fib spawn tree at procs=k, wall time of the whole tree",
        true,
    ),
    b(
        "mem-parked-g",
        "frame + heap bytes per parked G with 100,000 Gs parked",
        false,
    ),
];

/// What is known about `name`, if anything (`fib-procs-3` matches
/// `fib-procs-<k>`).
pub fn info(name: &str) -> Option<&'static BenchInfo> {
    if fib_procs(name).is_some() {
        return BENCHES.iter().find(|b| b.name == "fib-procs-<k>");
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
        assert_eq!(info("fib-procs-4").unwrap().name, "fib-procs-<k>");
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
