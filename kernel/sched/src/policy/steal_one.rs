//! `steal-one`: a thief takes one G, not half.

use super::{Policy, StealAmount};

pub const RATIONALE: &str = "Stealing half balances a burst in log2(P) rounds (Blumofe and \
Leiserson's randomized work stealing; Go's runqgrab); stealing one moves the fewest Gs and keeps \
the rest warm on their P, but every further G costs another steal. Work-stealing deques that take \
one task per steal (Cilk's THE protocol, Java's ForkJoinPool) rely on the stolen task spawning \
more; a burst of flat Gs does not.";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        steal_amount: StealAmount::One,
        ..super::go::policy()
    }
}
