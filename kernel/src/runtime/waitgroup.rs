//! `WaitGroup` — Go's `sync.WaitGroup`: wait for a collection of Gs.
//!
//! The count and the waiters live under one interrupt-safe lock; `wait`
//! parks with that lock still held and `park_m` releases it on g0 after the
//! G is switched out, so a `done` on another core that drops the count to
//! zero either sees the waiter on the list (and readies it) or happens
//! before the waiter looked (and the waiter does not park). Waiters are
//! readied in arrival order.

use alloc::collections::VecDeque;

use crate::runtime::g::{G, WaitReason};
use crate::runtime::park::{gopark, goready};
use crate::runtime::proc::getg;
use crate::sync::IrqMutex;

struct State {
    count: i64,
    waiters: VecDeque<&'static G>,
}

/// Go's `sync.WaitGroup`.
pub struct WaitGroup {
    state: IrqMutex<State>,
}

impl Default for WaitGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl WaitGroup {
    /// A WaitGroup with a zero count.
    pub const fn new() -> Self {
        WaitGroup { state: IrqMutex::new(State { count: 0, waiters: VecDeque::new() }) }
    }

    /// Add `delta` (may be negative) to the count; at zero every waiter is
    /// readied. Panics on a negative count, as Go does.
    pub fn add(&self, delta: i64) {
        let mut s = self.state.lock();
        s.count += delta;
        assert!(s.count >= 0, "sync: negative WaitGroup counter");
        if s.count == 0 {
            while let Some(gp) = s.waiters.pop_front() {
                goready(gp);
            }
        }
    }

    /// `add(-1)`.
    pub fn done(&self) {
        self.add(-1);
    }

    /// Park until the count is zero.
    pub fn wait(&self) {
        let mut s = self.state.lock();
        if s.count == 0 {
            return;
        }
        let gp = getg().expect("WaitGroup::wait on g0");
        s.waiters.push_back(gp);
        let were = s.keep_locked_for_park();
        gopark(Some(unlock_state), &self.state as *const IrqMutex<State> as *const (), WaitReason::SyncWaitGroupWait);
        crate::arch::cpu::interrupts_restore(were);
    }

    /// Current count (for diagnostics).
    pub fn count(&self) -> i64 {
        self.state.lock().count
    }
}

fn unlock_state(_gp: &G, lock: *const ()) -> bool {
    // SAFETY: `lock` is the WaitGroup's state lock, kept locked by `wait`.
    unsafe { (*(lock as *const IrqMutex<State>)).unlock_after_park() };
    true
}
