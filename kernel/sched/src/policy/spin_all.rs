//! `spin-all`: no cap on spinning Ms.

use super::{Policy, SpinCap};

pub const RATIONALE: &str = "The other end of golang/go#16476's question: every M that runs dry \
spins and steals before it parks. Work is found soonest; the cost is instructions spent \
looking, the waste #43997 and #13527 complain of. Same as the `spinning=off` switch.";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        spin_cap: SpinCap::All,
        ..super::go::policy()
    }
}
