//! `yours`: the policy of `lab policy` (docs/LABS.md): beat Go's on one
//! named figure of one workload without losing more than a stated margin
//! on the others, graded from the tournament's figures.

use super::Policy;

pub const RATIONALE: &str = "The lab's policy (docs/LABS.md, lab policy). The task: on tour-server \
(golang/go#51071's shape: handlers that sleep 1 ms beside one CPU hog per P) halve Go's p99 \
wake-up latency, while costing tour-pc and tour-pipeline at most 5 % more instructions per unit \
of work. The reference answer shortens the time slice to 2 ms: a handler woken beside a hog waits \
for sysmon to preempt the hog, so the slice bounds its wait, while Gs that block on their own \
(the producer-consumer, the pipeline) never use up a slice and do not notice.";

/// The decisions.
pub const fn policy() -> Policy {
    // lab policy/yours: begin
    // A handler readied beside a CPU hog waits until sysmon preempts the
    // hog: the time slice, not where the G is queued, bounds that wait.
    Policy {
        timeslice_ns: 2_000_000,
        ..super::go::policy()
    }
    // lab policy/yours: end
}
