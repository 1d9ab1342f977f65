//! `wake-all`: wake a spinner for every idle P.

use super::{Policy, Wake};

pub const RATIONALE: &str = "Go's wakep starts a spinning M only while none spins, so parallelism \
ramps up one M at a time: each new spinner must find work before the next is woken. \
docs/BENCH.md measured that wake chain as the reason fib(26) stops at 16.8x on 32 cores \
(22.2x when every idle P gets an M). The price is Ms woken for work that one M would have \
found: idle wake-ups and fruitless spinning.";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        wake: Wake::EveryIdleP,
        ..super::go::policy()
    }
}
