//! The reason strings of GoBlock and GoStop events.
//!
//! Design note: the kernel records its wait-reason code (`WaitReason as
//! u8`, kernel/src/runtime/g.rs); Go's trace carries a string. We use the
//! kernel's own `Display` strings, which are Go's `waitReason` strings, so
//! `go tool trace` groups them the way it groups Go's (its blocking profile
//! keys on "chan", "sync" and "select"). The test at the bottom reads the
//! kernel's source so the two tables cannot drift apart silently.

use gmp_sched::trace::StopReason;

/// The kernel's wait reasons by code (index), as displayed.
const WAIT_REASONS: [&str; 11] = [
    "",
    "chan receive",
    "chan send",
    "select",
    "select (no cases)",
    "sleep",
    "sync.Mutex.Lock",
    "sync.WaitGroup.Wait",
    "preempted",
    "park",
    "IO wait",
];

/// The GoBlock reason for kernel wait-reason `code`.
pub fn block(code: u8) -> &'static str {
    match WAIT_REASONS.get(code as usize) {
        Some(s) if !s.is_empty() => s,
        _ => "unspecified",
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

    /// The kernel's `WaitReason`: variant names in code order, and the
    /// string each displays as.
    fn kernel_table() -> Vec<(String, String)> {
        let src = include_str!("../../../kernel/src/runtime/g.rs");
        let body = src
            .split("pub enum WaitReason {")
            .nth(1)
            .and_then(|s| s.split('}').next())
            .expect("enum WaitReason in g.rs");
        let names: Vec<String> = body
            .lines()
            .map(|l| l.trim().trim_end_matches(',').trim_end_matches(" = 0"))
            .filter(|l| !l.is_empty() && !l.starts_with("//"))
            .map(str::to_string)
            .collect();
        names
            .into_iter()
            .map(|n| {
                let arm = format!("WaitReason::{n} => \"");
                let shown = src
                    .split(&arm)
                    .nth(1)
                    .and_then(|s| s.split('"').next())
                    .unwrap_or_else(|| panic!("no Display arm for {n}"))
                    .to_string();
                (n, shown)
            })
            .collect()
    }

    #[test]
    fn table_matches_the_kernel() {
        let k = kernel_table();
        assert_eq!(k.len(), WAIT_REASONS.len(), "kernel has {k:?}");
        for (code, (name, shown)) in k.iter().enumerate() {
            assert_eq!(WAIT_REASONS[code], shown, "code {code} ({name})");
        }
    }

    #[test]
    fn unknown_and_zero_codes_are_unspecified() {
        assert_eq!(block(0), "unspecified");
        assert_eq!(block(200), "unspecified");
        assert_eq!(block(1), "chan receive");
    }
}
