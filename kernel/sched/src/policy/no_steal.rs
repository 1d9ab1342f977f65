//! `no-steal`: no work stealing.

use super::Policy;

pub const RATIONALE: &str = "A control: without stealing only the global queue spreads work, so \
Gs spawned into one P's ring stay there (the Go 1.0 scheduler had the global queue alone). It \
must lose on bursty spawns; a tournament in which it does not is measuring something else.";

/// The decisions.
pub const fn policy() -> Policy {
    Policy {
        steal: false,
        ..super::go::policy()
    }
}
