//! `tokio-stealable`: tokio 1.51's stealable LIFO slot (#7431).

use super::{Policy, StealRunnext};

pub const RATIONALE: &str = "tokio-rs/tokio#7431 (1.51.0) let thieves take the LIFO slot on every \
steal, so a task woken into a busy worker's slot could run elsewhere at once. #8065 reported \
29-32 % less throughput in a real service (the woken task lost its warm cache and its partner \
ran on another core), #8100 reverted it, and tokio is re-adding it the way Go does it: take the \
slot only on the last pass. This is the `tokio` policy with the slot stealable on every pass.";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        steal_runnext: StealRunnext::EveryPass,
        ..super::tokio::policy()
    }
}
