//! `fifo`: no `runnext`; every runnable G queues at the tail.

use super::{Policy, Ready};

pub const RATIONALE: &str = "Go before 1.5 had no runnext: a G readied by a channel operation \
queued behind everything else, so a ping-pong pair waited a whole queue's turn per hop. runnext \
was added for exactly that in Go 1.5 (\"runtime: yield time slice to most recently readied \
G\"). This policy shows what runnext buys on a pipeline and what it costs in fairness elsewhere.";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        ready: Ready::Tail,
        ..super::go::policy()
    }
}
