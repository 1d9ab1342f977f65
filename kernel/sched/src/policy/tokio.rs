//! `tokio`: tokio's multi-thread scheduler's choices, on Go's mechanism.

use super::{Policy, StealRunnext};

pub const RATIONALE: &str = "tokio's worker keeps a LIFO slot like runnext, but caps it: after 3 \
tasks in a row from the slot (MAX_LIFO_POLLS_PER_TICK) a woken task goes to the back of the \
queue, so two tasks pinging each other cannot hold a worker forever; the slot is never stolen \
(tokio-rs/tokio#7431 made it stealable in 1.51; #8065 measured 29-32 % lost throughput in a \
user's service and #8100 reverted it); a worker checks the injection queue every 31 ticks \
(global_queue_interval before it became self-tuning). A tokio task is never preempted, so the \
time slice stays Go's here. Source: worker.rs of tokio's multi-thread scheduler (tokio-rs/tokio).";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        runnext_cap: 3,
        runnext_inherits: false,
        global_interval: 31,
        steal_runnext: StealRunnext::Never,
        ..super::go::policy()
    }
}
