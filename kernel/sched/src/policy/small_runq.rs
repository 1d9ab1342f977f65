//! `small-runq`: a 32-entry local ring.

use super::Policy;

pub const RATIONALE: &str = "Go's local ring holds 256 Gs (tokio's 256 too); a full ring spills \
half to the global queue under sched.lock. A small ring spills early: more work goes through the \
global queue (shared, fair, contended) and less waits to be stolen. It asks what the 256 buys.";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        runq_size: 32,
        ..super::go::policy()
    }
}
