//! The reason strings of GoBlock and GoStop events.
//!
//! Design note: the kernel records its wait-reason code (`WaitReason as
//! u8`); Go's trace carries a string. The one table of codes and Go's
//! `waitReason` strings is `gmp_sched::waitreason`, shared with the kernel,
//! so `go tool trace` groups them the way it groups Go's (its blocking
//! profile keys on "chan", "sync" and "select").

use gmp_sched::trace::StopReason;
use gmp_sched::waitreason::WaitReason;

/// The GoBlock reason for kernel wait-reason `code`.
pub fn block(code: u8) -> &'static str {
    match WaitReason::from_u8(code) {
        WaitReason::Zero => "unspecified",
        r => r.as_str(),
    }
}

/// The GoStop reason (Go's `traceGoStopReasonStrings` where one applies).
pub fn stop(reason: StopReason) -> &'static str {
    match reason {
        StopReason::Yield => "runtime.Gosched",
        StopReason::Preempted => "preempted",
        StopReason::YieldLocal => "runtime.goyield",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_zero_codes_are_unspecified() {
        assert_eq!(block(0), "unspecified");
        assert_eq!(block(200), "unspecified");
        assert_eq!(block(1), "chan receive");
    }
}
