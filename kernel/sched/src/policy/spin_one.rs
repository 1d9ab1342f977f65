//! `spin-one`: at most one spinning M.

use super::{Policy, SpinCap};

pub const RATIONALE: &str = "Spinning Ms burn CPU looking for work (golang/go#43997; #13527 found \
about 5 % of Google's fleet cycles in futex wake-ups from Gosched thrashing), and the cap of half \
the busy Ps was \"chosen with blind intuition\" (#16476). One spinner is the frugal end: new work \
still wakes a spinner, but never more than one looks at once.";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        spin_cap: SpinCap::One,
        ..super::go::policy()
    }
}
