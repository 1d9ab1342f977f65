//! Why a G waits (Go's `waitReason`): one table for the kernel, which
//! stores the code in every waiting G, and for the runner, which turns the
//! codes of a trace back into Go's strings.
//!
//! The strings are Go's own (`waitReasonStrings` in runtime2.go), so
//! `go tool trace` groups them the way it groups Go's, and a goroutine
//! dump reads like Go's (`goroutine 7 [chan receive]:`). The codes are
//! this project's (they are stored in a byte of the G and in trace
//! events); 0 is "no reason".

crate::named_enum! {
    /// Why a G is waiting; each value's name is Go's string (empty for
    /// `Zero`).
    pub enum WaitReason: u8 {
        Zero = 0 => "",
        ChanReceive = 1 => "chan receive",
        ChanSend = 2 => "chan send",
        Select = 3 => "select",
        SelectNoCases = 4 => "select (no cases)",
        Sleep = 5 => "sleep",
        SyncMutexLock = 6 => "sync.Mutex.Lock",
        SyncWaitGroupWait = 7 => "sync.WaitGroup.Wait",
        Preempted = 8 => "preempted",
        Park = 9 => "park",
        IoWait = 10 => "IO wait",
        /// Parked on a runtime semaphore that is not a `sync.Mutex`'s
        /// (stop-the-world's `worldsema`).
        Semacquire = 11 => "semacquire",
    }
}

impl WaitReason {
    /// The reason with code `v` (an unknown code is [`WaitReason::Zero`]).
    pub fn from_u8(v: u8) -> WaitReason {
        WaitReason::from_repr(v).unwrap_or(WaitReason::Zero)
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
