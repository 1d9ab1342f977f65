//! `WaitGroup` — Go's `sync.WaitGroup`: wait for a collection of Gs.
//!
//! Go's design, word for word in structure: one 64-bit state word holds
//! the counter (high 32 bits, signed) and the number of waiters (low 32
//! bits), and the waiters sleep on a semaphore. `add` is one atomic add;
//! only the `add` that brings the counter to zero with waiters present does
//! more: it resets the word and releases the semaphore once per waiter.
//! `wait` registers itself by a CAS that bumps the waiter count (only while
//! the counter is non-zero) and then sleeps on the semaphore; a release
//! that comes before the waiter reaches the semaphore leaves a unit there,
//! so no wake-up is lost (see `gmp_sched::sema`). The misuse checks are
//! Go's: a negative counter, `add` racing a `wait` that already saw zero,
//! reuse before the previous `wait` returned.

use core::sync::atomic::{AtomicU64, Ordering};

use crate::runtime::objects::g::WaitReason;
use crate::runtime::scheduler::sema::Semaphore;

/// Go's `sync.WaitGroup`.
pub struct WaitGroup {
    /// Counter (high 32 bits, as i32) and waiters (low 32 bits).
    state: AtomicU64,
    sema: Semaphore,
}

impl Default for WaitGroup {
    fn default() -> Self {
        Self::new()
    }
}

fn split(state: u64) -> (i32, u32) {
    ((state >> 32) as i32, state as u32)
}

impl WaitGroup {
    /// A WaitGroup with a zero count.
    pub const fn new() -> Self {
        WaitGroup {
            state: AtomicU64::new(0),
            sema: Semaphore::new(),
        }
    }

    /// Add `delta` (may be negative) to the count; at zero every waiter is
    /// readied. Panics on a negative count, as Go does.
    #[inline]
    pub fn add(&self, delta: i64) {
        let delta = i32::try_from(delta).expect("sync: WaitGroup delta out of range");
        let add = (i64::from(delta) << 32) as u64;
        let state = self
            .state
            .fetch_add(add, Ordering::AcqRel)
            .wrapping_add(add);
        let (v, w) = split(state);
        if v > 0 || (v == 0 && w == 0) {
            if w != 0 && delta > 0 && v == delta {
                panic!("sync: WaitGroup misuse: Add called concurrently with Wait");
            }
            return;
        }
        self.add_slow(state, v, w);
    }

    #[cold]
    #[inline(never)]
    fn add_slow(&self, state: u64, v: i32, w: u32) {
        assert!(v >= 0, "sync: negative WaitGroup counter");
        // The counter is 0 and there are waiters: nobody may change the
        // word now but us (a concurrent add or wait is misuse).
        if self.state.load(Ordering::Acquire) != state {
            panic!("sync: WaitGroup misuse: Add called concurrently with Wait");
        }
        self.state.store(0, Ordering::Release);
        for _ in 0..w {
            self.sema.release(false);
        }
    }

    /// `add(-1)`.
    #[inline]
    pub fn done(&self) {
        self.add(-1);
    }

    /// Park until the count is zero.
    pub fn wait(&self) {
        let mut state = self.state.load(Ordering::Acquire);
        loop {
            let (v, _) = split(state);
            if v == 0 {
                return;
            }
            match self.state.compare_exchange_weak(
                state,
                state + 1,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => {
                    self.sema.acquire(false, WaitReason::SyncWaitGroupWait);
                    if self.state.load(Ordering::Acquire) != 0 {
                        panic!("sync: WaitGroup is reused before previous Wait has returned");
                    }
                    return;
                }
                Err(now) => state = now,
            }
        }
    }

    /// Current count (for diagnostics).
    pub fn count(&self) -> i64 {
        i64::from(split(self.state.load(Ordering::Acquire)).0)
    }
}
