//! The read word of Go's `pollDesc` (`netpoll.go`): the handshake between a
//! G that parks for input and the poller that readies it.
//!
//! Design note: the kernel's netpoller (`runtime/scheduler/netpoll.rs`) owns parking
//! and readying; this module owns the word, so the one race that matters —
//! input arriving while the reader is between "nothing to read" and
//! "parked" — is model-checked on the host (`tests/loom_polldesc.rs`: every
//! interleaving of a reader and a poller, and a naive protocol as the
//! negative control). States, as Go names them:
//! - `PD_NIL`: nothing happened;
//! - `PD_READY`: input arrived and nobody was waiting (the next
//!   [`PollWord::prepare`] consumes it and the reader does not park);
//! - `PD_WAIT`: the reader is about to park;
//! - any larger value: the parked reader (a G's address).
//!
//! The reader: `prepare` (`PD_NIL → PD_WAIT`, or consume `PD_READY`), park,
//! and in the park's commit step (once it is switched out) `commit(g)`
//! (`PD_WAIT → g`); a failed commit means the poller came in between and
//! the park is aborted. Either way `finish` resets the word. The poller:
//! `unblock` (any state → `PD_READY`) hands back the parked G if there was
//! one. Whichever order the two run in, the reader either sees `PD_READY`
//! or its G is handed to the poller: no wake-up is lost.

use crate::sync::{AtomicUsize, Ordering};

/// Nothing has happened (Go's `pdNil`).
pub const PD_NIL: usize = 0;
/// Input is ready and no G was waiting (Go's `pdReady`).
pub const PD_READY: usize = 1;
/// A G is about to park (Go's `pdWait`).
pub const PD_WAIT: usize = 2;

/// What [`PollWord::prepare`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prepared {
    /// Input was ready: read again, do not park.
    Ready,
    /// `PD_WAIT` is set: park, committing with [`PollWord::commit`].
    Park,
}

/// The read side of a poll descriptor.
pub struct PollWord {
    rg: AtomicUsize,
}

impl Default for PollWord {
    fn default() -> Self {
        Self::new()
    }
}

impl PollWord {
    crate::sync::maybe_const_fn! {
        /// A word in `PD_NIL`.
        pub fn new() -> PollWord {
            PollWord {
                rg: AtomicUsize::new(PD_NIL),
            }
        }
    }

    /// The first half of Go's `netpollblock`. `Err` names the state found
    /// when another G already waits (Go throws "double wait").
    pub fn prepare(&self) -> Result<Prepared, usize> {
        loop {
            if self
                .rg
                .compare_exchange(PD_READY, PD_NIL, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Ok(Prepared::Ready);
            }
            match self
                .rg
                .compare_exchange(PD_NIL, PD_WAIT, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return Ok(Prepared::Park),
                Err(PD_READY) => continue,
                Err(other) => return Err(other),
            }
        }
    }

    /// Go's `netpollblockcommit`: publish the parking G (`g > PD_WAIT`).
    /// `false`: the poller marked the word ready meanwhile; abort the park.
    pub fn commit(&self, g: usize) -> bool {
        debug_assert!(g > PD_WAIT, "a G token must be above PD_WAIT");
        self.rg
            .compare_exchange(PD_WAIT, g, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
    }

    /// After the park (done or aborted): reset the word; whether it said
    /// ready (the end of Go's `netpollblock`). A G still in the word is a
    /// corrupted descriptor: `Err` with it.
    pub fn finish(&self) -> Result<bool, usize> {
        match self.rg.swap(PD_NIL, Ordering::AcqRel) {
            old if old > PD_WAIT => Err(old),
            old => Ok(old == PD_READY),
        }
    }

    /// Go's `netpollunblock` for ready input: mark the word ready and take
    /// the parked G out of it, if one was there.
    pub fn unblock(&self) -> Option<usize> {
        let mut old = self.rg.load(Ordering::Acquire);
        loop {
            if old == PD_READY {
                return None;
            }
            match self
                .rg
                .compare_exchange(old, PD_READY, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => return (old > PD_WAIT).then_some(old),
                Err(now) => old = now,
            }
        }
    }
}
