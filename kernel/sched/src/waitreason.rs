//! Why a G waits (Go's `waitReason`): one table for the kernel, which
//! stores the code in every waiting G, and for the runner, which turns the
//! codes of a trace back into Go's strings.
//!
//! The strings are Go's own (`waitReasonStrings` in runtime2.go), so
//! `go tool trace` groups them the way it groups Go's, and a goroutine
//! dump reads like Go's (`goroutine 7 [chan receive]:`). The codes are
//! this project's (they are stored in a byte of the G and in trace
//! events); 0 is "no reason".

use core::fmt;

/// Why a G is waiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum WaitReason {
    Zero = 0,
    ChanReceive = 1,
    ChanSend = 2,
    Select = 3,
    SelectNoCases = 4,
    Sleep = 5,
    SyncMutexLock = 6,
    SyncWaitGroupWait = 7,
    Preempted = 8,
    Park = 9,
    IoWait = 10,
    /// Parked on a runtime semaphore that is not a `sync.Mutex`'s
    /// (stop-the-world's `worldsema`).
    Semacquire = 11,
}

impl WaitReason {
    /// Every reason, in code order (the index is the code).
    pub const ALL: [WaitReason; 12] = [
        WaitReason::Zero,
        WaitReason::ChanReceive,
        WaitReason::ChanSend,
        WaitReason::Select,
        WaitReason::SelectNoCases,
        WaitReason::Sleep,
        WaitReason::SyncMutexLock,
        WaitReason::SyncWaitGroupWait,
        WaitReason::Preempted,
        WaitReason::Park,
        WaitReason::IoWait,
        WaitReason::Semacquire,
    ];

    /// The reason with code `v` (an unknown code is [`WaitReason::Zero`]).
    pub fn from_u8(v: u8) -> WaitReason {
        WaitReason::ALL
            .get(v as usize)
            .copied()
            .unwrap_or(WaitReason::Zero)
    }

    /// Go's string for the reason (empty for `Zero`).
    pub const fn as_str(self) -> &'static str {
        match self {
            WaitReason::Zero => "",
            WaitReason::ChanReceive => "chan receive",
            WaitReason::ChanSend => "chan send",
            WaitReason::Select => "select",
            WaitReason::SelectNoCases => "select (no cases)",
            WaitReason::Sleep => "sleep",
            WaitReason::SyncMutexLock => "sync.Mutex.Lock",
            WaitReason::SyncWaitGroupWait => "sync.WaitGroup.Wait",
            WaitReason::Preempted => "preempted",
            WaitReason::Park => "park",
            WaitReason::IoWait => "IO wait",
            WaitReason::Semacquire => "semacquire",
        }
    }
}

impl fmt::Display for WaitReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_unknown_codes_are_zero() {
        for (i, r) in WaitReason::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i, "{r:?} is out of code order");
            assert_eq!(WaitReason::from_u8(i as u8), *r);
        }
        assert_eq!(WaitReason::from_u8(200), WaitReason::Zero);
    }

    #[test]
    fn the_strings_are_gos() {
        // A few of Go's waitReasonStrings, verbatim.
        assert_eq!(WaitReason::ChanReceive.as_str(), "chan receive");
        assert_eq!(WaitReason::SyncMutexLock.as_str(), "sync.Mutex.Lock");
        assert_eq!(WaitReason::IoWait.as_str(), "IO wait");
        assert_eq!(WaitReason::Semacquire.as_str(), "semacquire");
    }
}
