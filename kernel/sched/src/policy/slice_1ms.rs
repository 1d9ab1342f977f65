//! `slice-1ms`: a 1 ms time slice.

use super::Policy;

pub const RATIONALE: &str = "golang/go#51071: a CPU-bound G delays a latency-sensitive one woken \
beside it by up to the 10 ms time slice (315 ms mean latency in the report, under load); shorter \
slices were proposed. A 1 ms slice bounds that wait tenfold tighter, at the price of ten times the \
preemptions (and their cache misses on real hardware).";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        timeslice_ns: 1_000_000,
        ..super::go::policy()
    }
}
