//! The raw lines of a goroutine dump, shared by the kernel that prints
//! them and the runner that names their addresses.
//!
//! Design note: a dump is laid out as Go's traceback lays out
//! `runtime.Stack(buf, true)` — per G a header `goroutine N [status]:`,
//! its frames, `created by FUNC in goroutine K`, a blank line between Gs.
//! The kernel cannot name its own code (the boot image carries no debug
//! info), so it prints two lines with raw addresses in place of names:
//! [`FRAMES_PREFIX`] followed by the G's return addresses, innermost
//! first, and [`CREATED_PREFIX`] followed by the address of the `go` call
//! that made the G. The runner rewrites both into Go's frame pairs
//! (`function(...)`, then a TAB and `file:line`) from the kernel ELF. The
//! rules that decide what a header says are here too, so that the kernel
//! applies Go's and the host tests check them.

use crate::waitreason::WaitReason;

/// Starts the line of a G's return addresses: `goroutine frames: 0x.. 0x..`.
pub const FRAMES_PREFIX: &str = "goroutine frames:";

/// Starts the raw created-by line: `created by 0x.. in goroutine K`.
pub const CREATED_PREFIX: &str = "created by 0x";

/// The line Go prints in place of the frames of a G that runs on another
/// core while the dump is taken: its stack changes under the reader.
pub const STACK_UNAVAILABLE: &str = "\tgoroutine running on other thread; stack unavailable";

/// Whole minutes a G has waited, as its header shows them: Go prints
/// `, M minutes` only from one minute on (`goroutineheader`).
pub fn wait_minutes(waited_ns: u64) -> Option<u64> {
    let m = waited_ns / 60_000_000_000;
    (m >= 1).then_some(m)
}

/// Whether a G waiting for `reason` can leak: Go's goroutine leak
/// detector looks only at Gs blocked on a channel or select with cases
/// (`isChanWait`) or on a `sync` primitive (`isSyncWait`); a sleep, I/O or
/// an empty `select {}` ends or blocks by design.
pub fn may_leak(reason: WaitReason) -> bool {
    matches!(
        reason,
        WaitReason::ChanReceive
            | WaitReason::ChanSend
            | WaitReason::Select
            | WaitReason::SyncMutexLock
            | WaitReason::SyncWaitGroupWait
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_appear_from_one_whole_minute_on() {
        assert_eq!(wait_minutes(0), None);
        assert_eq!(wait_minutes(59_999_999_999), None);
        assert_eq!(wait_minutes(60_000_000_000), Some(1));
        assert_eq!(wait_minutes(150_000_000_000), Some(2));
    }

    #[test]
    fn only_channel_and_sync_waits_may_leak() {
        assert!(may_leak(WaitReason::ChanSend));
        assert!(may_leak(WaitReason::Select));
        assert!(may_leak(WaitReason::SyncWaitGroupWait));
        assert!(!may_leak(WaitReason::Sleep));
        assert!(!may_leak(WaitReason::SelectNoCases));
        assert!(!may_leak(WaitReason::IoWait));
        assert!(!may_leak(WaitReason::Zero));
    }
}
